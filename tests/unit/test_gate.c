/*
 * test_gate.c: the responder's large-query gate (fcgi/fi_gate.c): the limit,
 * re-entry, leaving, and that it is shared with forked processes: many
 * children racing for the places never hold more than the limit at once;
 * the workers' heartbeats.
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fi_clock.h"
#include "fi_err.h"
#include "fi_gate.h"
#include "fi_test.h"

static void
test_limit(void)
{
	struct fi_gate *g = fi_gate_new(4, 2);

	CHECK(g != NULL);
	CHECK_UINT(fi_gate_limit(g), 2);
	CHECK_UINT(fi_gate_holders(g), 0);
	CHECK_INT(fi_gate_enter(g, 0), 0);
	CHECK_INT(fi_gate_enter(g, 0), 0); /* already inside: still one place */
	CHECK_INT(fi_gate_enter(g, 3), 0);
	CHECK_UINT(fi_gate_holders(g), 2);
	CHECK_INT(fi_gate_enter(g, 1), FI_EUNAVAIL);
	CHECK_UINT(fi_gate_holders(g), 2); /* a refusal leaves no trace */
	fi_gate_leave(g, 0);
	CHECK_INT(fi_gate_enter(g, 1), 0);
	fi_gate_leave(g, 1);
	fi_gate_leave(g, 1); /* leaving twice is harmless */
	fi_gate_leave(g, 3);
	CHECK_UINT(fi_gate_holders(g), 0);
	CHECK_INT(fi_gate_enter(g, 4), FI_EINVAL); /* no such slot */
	fi_gate_free(g);
	fi_gate_free(NULL);
}

/*
 * 8 processes enter and leave 5,000 times each, counting themselves in a
 * shared counter while inside (fi_gate_holders would also count the flags
 * of processes about to back out): more than the limit inside at once is a
 * failure (exit status 1).
 */
static void
test_processes(void)
{
	enum { NPROC = 8, LIMIT = 3, ROUNDS = 5000 };
	struct fi_gate *g = fi_gate_new(NPROC, LIMIT);
	pid_t pids[NPROC];
	int admitted_somewhere = 0;
	atomic_int *inside = mmap(NULL, sizeof(*inside), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	CHECK(g != NULL && inside != MAP_FAILED);
	atomic_init(inside, 0);
	for (unsigned p = 0; p < NPROC; p++) {
		pids[p] = fork();
		CHECK(pids[p] >= 0);
		if (pids[p] == 0) {
			int over = 0, in = 0;

			for (int i = 0; i < ROUNDS; i++) {
				if (fi_gate_enter(g, p) != 0)
					continue;
				in++;
				over |= atomic_fetch_add(inside, 1) + 1 > LIMIT;
				sched_yield(); /* stay inside a while: let the others try
						*/
				atomic_fetch_sub(inside, 1);
				fi_gate_leave(g, p);
			}
			_exit(over ? 1 : in > 0 ? 0 : 2);
		}
	}
	for (unsigned p = 0; p < NPROC; p++) {
		int st = -1;

		CHECK(waitpid(pids[p], &st, 0) == pids[p]);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) != 1);
		admitted_somewhere |= WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	CHECK(admitted_somewhere);
	CHECK_UINT(fi_gate_holders(g), 0);
	munmap(inside, sizeof(*inside));
	fi_gate_free(g);
}

/* The heartbeats: what a slot last said, and how long ago, across fork(). */
static void
test_beat(void)
{
	struct fi_gate *g = fi_gate_new(2, 1);
	int64_t now;
	int busy = -1;
	pid_t pid;

	CHECK(g != NULL);
	now = fi_clock_ms();
	CHECK(fi_gate_quiet_ms(g, 0, now, &busy) < 1000); /* fresh at creation */
	CHECK_INT(busy, 0);
	CHECK(fi_gate_quiet_ms(g, 1, now + 5000, &busy) >= 5000);
	pid = fork();
	if (pid == 0) {
		fi_gate_beat(g, 1, 1);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	CHECK(fi_gate_quiet_ms(g, 1, fi_clock_ms(), &busy) < 1000);
	CHECK_INT(busy, 1); /* the child's beat is seen by the parent */
	fi_gate_beat(g, 1, 0);
	fi_gate_quiet_ms(g, 1, fi_clock_ms(), &busy);
	CHECK_INT(busy, 0);
	fi_gate_beat(g, 7, 1);	  /* no such slot: ignored */
	fi_gate_beat(NULL, 0, 1); /* no gate: ignored */
	CHECK(fi_gate_quiet_ms(g, 7, now, &busy) == 0);
	fi_gate_free(g);
}

int
main(void)
{
	test_limit();
	test_processes();
	test_beat();
	return fi_test_result("test_gate");
}
