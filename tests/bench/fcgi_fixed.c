/*
 * fcgi_fixed.c: the yardstick of the request-path benchmark
 * (tests/bench/path_bench.sh): the most trivial FastCGI responder libfcgi
 * makes, its FCGI_Accept loop answering every request with the bytes of one
 * file as application/json, in as many processes as flowinspector-fcgi has
 * workers. Behind the same nginx location it shows what nginx and libfcgi
 * cost by themselves, so the responder's req/s can be set against it.
 * Usage: fcgi_fixed SOCKET FILE [PROCESSES]   (SIGTERM stops all)
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgi_stdio.h> /* after the system headers: it redefines stdio */

#define FIXED_BODY_MAX	(64u << 20) /* the largest file served */
#define FIXED_PROCS_MAX 64
#define FIXED_BACKLOG	1024

/* Reads all of path into a new buffer (*len bytes); NULL on failure. */
static char *
fixed_read(const char *path, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < 0 ||
	    (size_t)st.st_size > FIXED_BODY_MAX)
		goto fail;
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL)
		goto fail;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

/*
 * One process's accept loop; never returns. body is not const: FCGI_fwrite
 * takes a plain pointer.
 */
static void
fixed_serve(char *body, size_t len)
{
	char head[128];
	/* libfcgi's own printf knows no %zu: the headers are made once here */
	int hlen = snprintf(
	    head, sizeof(head),
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", len);

	while (FCGI_Accept() >= 0) {
		fwrite(head, 1, (size_t)hlen, stdout);
		fwrite(body, 1, len, stdout);
	}
	_exit(0);
}

int
main(int argc, char **argv)
{
	pid_t kids[FIXED_PROCS_MAX];
	unsigned nproc = 4, n;
	char *body, *end;
	size_t len;
	sigset_t set;
	int fd, sig;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: fcgi_fixed SOCKET FILE [PROCESSES]\n");
		return 2;
	}
	if (argc == 4) {
		unsigned long v = strtoul(argv[3], &end, 10);

		if (*end != '\0' || v < 1 || v > FIXED_PROCS_MAX) {
			fprintf(stderr, "fcgi_fixed: PROCESSES must be 1 to %d\n",
				FIXED_PROCS_MAX);
			return 2;
		}
		nproc = (unsigned)v;
	}
	body = fixed_read(argv[2], &len);
	if (body == NULL) {
		fprintf(stderr, "fcgi_fixed: cannot read %s\n", argv[2]);
		return 1;
	}
	unlink(argv[1]);
	fd = FCGX_OpenSocket(argv[1], FIXED_BACKLOG);
	/* FCGI_Accept accepts on descriptor 0, as under spawn-fcgi */
	if (fd < 0 || dup2(fd, 0) < 0) {
		fprintf(stderr, "fcgi_fixed: cannot listen on %s\n", argv[1]);
		return 1;
	}
	if (fd != 0)
		close(fd);

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (n = 0; n < nproc; n++) {
		kids[n] = fork();
		if (kids[n] < 0)
			break;
		if (kids[n] == 0) {
			/* a child outlives no master, however the master ends */
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			sigprocmask(SIG_UNBLOCK, &set, NULL);
			if (getppid() == 1)
				_exit(0);
			fixed_serve(body, len);
		}
	}
	if (n == nproc)
		sigwait(&set, &sig);
	for (unsigned i = 0; i < n; i++)
		kill(kids[i], SIGTERM);
	for (unsigned i = 0; i < n; i++)
		waitpid(kids[i], NULL, 0);
	unlink(argv[1]);
	free(body);
	return n == nproc ? 0 : 1;
}
