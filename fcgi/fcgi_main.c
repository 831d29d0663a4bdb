/*
 * fcgi_main.c: flowinspector-fcgi, the FastCGI responder of the JSON API.
 * A master process opens (or inherits) the socket and supervises
 * fcgi_workers worker processes, each with its own database connection: a
 * worker that dies, or is stuck, is replaced, SIGTERM stops them all
 * gracefully, SIGHUP reopens the logs. `-q URI` answers one request on
 * standard output instead.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fcgi_listen.h"
#include "fcgi_worker.h"
#include "fi_api.h"
#include "fi_clock.h"
#include "fi_gate.h"
#include "fi_log.h"
#include "fi_program.h"

#define FCGI_NAME	   "flowinspector-fcgi"
#define FCGI_STOP_TIMEOUT  10 /* seconds workers get to finish on SIGTERM */
#define FCGI_RESPAWN_FAST  2  /* a worker dying sooner than this after start... */
#define FCGI_RESPAWN_DELAY 1  /* ...is restarted only after this many seconds */
#define FCGI_WORKERS_MAX   256
#define FCGI_HUNG_MARGIN   10 /* s past query_timeout a request may go without progress */
#define FCGI_IDLE_HUNG	   10 /* s a waiting worker may go without a heartbeat */

/* Set by the workers' signal handlers. */
static volatile sig_atomic_t fcgi_stop;
static volatile sig_atomic_t fcgi_reopen;
/* How many workers may hold a large query at once, and the workers'
 * heartbeats (shared with them). */
static struct fi_gate *fcgi_gate;

/* One slot of the master's worker table. */
struct fcgi_slot {
	pid_t pid;	/* running worker, 0 when none */
	time_t started; /* when it was started */
	time_t respawn; /* earliest time to start the next one (after a crash) */
	int killed;	/* killed as stuck, not yet reaped */
};

static void
fcgi_usage(FILE *out)
{
	fprintf(out,
		"usage: %s [-c FILE] [-n [-v]] [-q URI]\n\n"
		"Answers the JSON API under /api/ as a FastCGI responder: a master and\n"
		"fcgi_workers worker processes on the socket fcgi_socket, or on the\n"
		"socket inherited from systemd (LISTEN_FDS) or spawn-fcgi (fd "
		"0).\n\n" FI_PROGRAM_USAGE_CONFIG
		"  -q, --query URI    answer one GET of URI (\"/api/...?...\") on "
		"standard\n"
		"                     output, headers first, and "
		"exit\n" FI_PROGRAM_USAGE_HELP,
		FCGI_NAME);
}

/* -q: one request without a socket, for debugging and scripts. */
static int
fcgi_query_once(const struct fi_config *cfg, const char *uri)
{
	const char *q = strchr(uri, '?');
	struct fi_str path = {uri, q ? (size_t)(q - uri) : strlen(uri)};
	struct fi_str query = q ? (struct fi_str){q + 1, strlen(q + 1)} : FI_STR("");
	struct fi_api *api = fi_api_new(cfg);
	struct fi_api_response resp;
	struct fi_buf head;
	int rc;

	if (api == NULL) {
		fprintf(stderr, "%s: out of memory\n", FCGI_NAME);
		return 1;
	}
	fi_api_response_init(&resp);
	fi_buf_init(&head, 4096);
	fi_api_handle(api, FI_STR("GET"), path, query, FI_STR(""), &resp);
	rc = fi_api_response_headers(&resp, &head);
	if (rc == 0) {
		fwrite(head.data, 1, head.len, stdout);
		fwrite(resp.body.data ? resp.body.data : "", 1, resp.body.len, stdout);
		fputc('\n', stdout);
	}
	fi_buf_fini(&head);
	fi_api_response_fini(&resp);
	fi_api_free(api);
	return rc == 0 && resp.status < 400 ? 0 : 1;
}

static void
fcgi_on_stop(int sig)
{
	(void)sig;
	fcgi_stop = 1;
}

static void
fcgi_on_hup(int sig)
{
	(void)sig;
	fcgi_reopen = 1;
}

/* In a new worker: default signal handling, then the accept loop. */
static void __attribute__((noreturn))
fcgi_worker_main(const struct fi_config *cfg, int fd, unsigned slot)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fcgi_on_stop; /* no SA_RESTART: accept() must return */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = fcgi_on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* exit, not _exit: a sanitizer build checks the worker for leaks too */
	exit(fcgi_worker_run(cfg, fd, fcgi_gate, slot, &fcgi_stop, &fcgi_reopen));
}

/* Starts the worker of slot i. */
static void
fcgi_spawn(struct fcgi_slot *slots, unsigned i, const struct fi_config *cfg, int fd)
{
	struct fcgi_slot *s = &slots[i];
	pid_t pid;

	fi_gate_beat(fcgi_gate, i, 0); /* a new worker starts with a fresh heartbeat */
	pid = fork();

	if (pid < 0) {
		fi_warn("fork");
		s->respawn = time(NULL) + FCGI_RESPAWN_DELAY;
		return;
	}
	if (pid == 0)
		fcgi_worker_main(cfg, fd, i);
	s->pid = pid;
	s->killed = 0;
	s->started = time(NULL);
	s->respawn = 0;
	fi_debug("worker %d started", (int)pid);
}

/* Reaps exited workers; returns how many were reaped. */
static unsigned
fcgi_reap(struct fcgi_slot *slots, unsigned n, int stopping)
{
	unsigned reaped = 0;
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (unsigned i = 0; i < n; i++) {
			time_t now = time(NULL);

			if (slots[i].pid != pid)
				continue;
			slots[i].pid = 0;
			reaped++;
			/* a worker that died inside a large query frees its place */
			fi_gate_leave(fcgi_gate, i);
			if (stopping)
				break;
			if (WIFSIGNALED(st))
				fi_warnx("worker %d killed by signal %d; restarting",
					 (int)pid, WTERMSIG(st));
			else
				fi_warnx("worker %d exited with status %d; restarting",
					 (int)pid, WEXITSTATUS(st));
			/* a worker that dies at once is not restarted in a tight loop */
			slots[i].respawn = now - slots[i].started < FCGI_RESPAWN_FAST
					       ? now + FCGI_RESPAWN_DELAY
					       : now;
			break;
		}
	}
	return reaped;
}

static unsigned
fcgi_running(const struct fcgi_slot *slots, unsigned n)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++)
		k += slots[i].pid != 0;
	return k;
}

/* Sends sig to every running worker. */
static void
fcgi_signal_all(const struct fcgi_slot *slots, unsigned n, int sig)
{
	for (unsigned i = 0; i < n; i++)
		if (slots[i].pid != 0)
			kill(slots[i].pid, sig);
}

/*
 * Kills the workers that are stuck: answering one request with no progress
 * (a statement) for query_timeout + FCGI_HUNG_MARGIN s, when the server
 * would have cut any statement off; or waiting without a heartbeat (once a
 * second) for FCGI_IDLE_HUNG s, as a stopped process does. fcgi_reap then
 * replaces them: requests queued behind a stuck worker are answered again.
 */
static void
fcgi_watch(struct fcgi_slot *slots, unsigned n, const struct fi_config *cfg)
{
	int64_t now = fi_clock_ms();

	for (unsigned i = 0; i < n; i++) {
		int busy;
		int64_t quiet, limit;

		if (slots[i].pid == 0 || slots[i].killed)
			continue;
		quiet = fi_gate_quiet_ms(fcgi_gate, i, now, &busy);
		limit = 1000 * (int64_t)(busy ? cfg->query_timeout + FCGI_HUNG_MARGIN
					      : FCGI_IDLE_HUNG);
		if (quiet <= limit)
			continue;
		fi_warnx("worker %d made no progress for %lld s %s; killing it",
			 (int)slots[i].pid, (long long)(quiet / 1000),
			 busy ? "on one request" : "while waiting for requests");
		kill(slots[i].pid, SIGKILL);
		slots[i].killed = 1;
	}
}

/*
 * The master: keeps cfg->fcgi_workers workers running until SIGTERM or
 * SIGINT, then lets them finish their requests (up to FCGI_STOP_TIMEOUT s).
 * Signals are taken synchronously with sigtimedwait, so no handler races.
 */
static int
fcgi_master(const struct fi_config *cfg, int fd)
{
	static struct fcgi_slot slots[FCGI_WORKERS_MAX];
	unsigned n = cfg->fcgi_workers, limit;
	sigset_t set;
	time_t deadline;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* fcgi_light_workers stay free for light calls; one worker at least
	 * may always run a large query; 0: all of them (the gate then only
	 * carries the heartbeats) */
	limit = n;
	if (cfg->fcgi_light_workers > 0)
		limit = n > cfg->fcgi_light_workers ? n - cfg->fcgi_light_workers : 1;
	fcgi_gate = fi_gate_new(n, limit);
	if (fcgi_gate == NULL) {
		fi_warn("cannot map the workers' shared memory");
		return 1;
	}
	for (unsigned i = 0; i < n; i++)
		fcgi_spawn(slots, i, cfg, fd);
	fi_info("%s %s: %u workers ready, %u of them for large queries", FCGI_NAME,
		FI_VERSION, n, fi_gate_limit(fcgi_gate));
	for (;;) {
		struct timespec one = {1, 0};
		int sig = sigtimedwait(&set, NULL, &one);
		time_t now = time(NULL);

		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGHUP) {
			fi_log_reopen();
			fcgi_signal_all(slots, n, SIGHUP);
		}
		fcgi_reap(slots, n, 0);
		fcgi_watch(slots, n, cfg);
		for (unsigned i = 0; i < n; i++)
			if (slots[i].pid == 0 && now >= slots[i].respawn)
				fcgi_spawn(slots, i, cfg, fd);
	}
	fi_info("stopping: waiting for %u workers", fcgi_running(slots, n));
	fcgi_signal_all(slots, n, SIGTERM);
	deadline = time(NULL) + FCGI_STOP_TIMEOUT;
	while (fcgi_running(slots, n) > 0 && time(NULL) < deadline) {
		struct timespec tick = {0, 100000000};

		sigtimedwait(&set, NULL, &tick);
		fcgi_reap(slots, n, 1);
	}
	if (fcgi_running(slots, n) > 0) {
		fi_warnx("workers still busy after %d s; killing them",
			 FCGI_STOP_TIMEOUT);
		fcgi_signal_all(slots, n, SIGKILL);
		while (fcgi_running(slots, n) > 0 && fcgi_reap(slots, n, 1) == 0)
			usleep(10000);
	}
	fi_gate_free(fcgi_gate);
	fcgi_gate = NULL;
	fi_info("stopped");
	return 0;
}

static const struct option fcgi_longopts[] = {
    {"query", required_argument, NULL, 'q'},
    {NULL, 0, NULL, 0},
};

/* -q URI: the one option of the responder's own. */
static int
fcgi_option(void *ctx, int ch, const char *longname, char *arg)
{
	(void)longname;
	if (ch != 'q')
		return 2;
	*(const char **)ctx = arg;
	return -1;
}

int
main(int argc, char **argv)
{
	const char *uri = NULL;
	struct fi_program_cli cli = {
	    .name = FCGI_NAME,
	    .usage = fcgi_usage,
	    .shortopts = "q:",
	    .longopts = fcgi_longopts,
	    .option = fcgi_option,
	    .ctx = &uri,
	};
	struct fi_config cfg;
	struct fi_err err;
	int fd, own_socket = 0, rc;

	rc = fi_program_start(&cli, argc, argv, &cfg);
	if (rc >= 0)
		return rc;
	if (uri != NULL)
		return fcgi_query_once(&cfg, uri);

	fd = fcgi_listen_inherited();
	if (fd < 0) {
		fi_err_clear(&err);
		fd = fcgi_listen_open(cfg.fcgi_socket, &err);
		if (fd < 0) {
			fprintf(stderr, "%s: %s\n", FCGI_NAME, err.msg);
			return 1;
		}
		own_socket = 1;
		fi_info("listening on %s", cfg.fcgi_socket);
	} else {
		fi_info("using the inherited socket on fd %d", fd);
	}
	rc = fcgi_master(&cfg, fd);
	close(fd);
	if (own_socket && fcgi_listen_is_unix(cfg.fcgi_socket))
		unlink(cfg.fcgi_socket);
	return rc;
}
