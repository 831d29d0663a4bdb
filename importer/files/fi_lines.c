/*
 * fi_lines.c: complete lines of a plain or gzip file through zlib's gzread
 * (transparent for a plain file or a pipe), see fi_lines.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "fi_lines.h"

#define FI_LINES_READ	  (256u << 10) /* bytes per gzread, and zlib's buffer */
#define FI_LINES_ARGV_MAX 64	       /* a program's arguments */

static int fi_lines_buf(struct fi_lines *l, struct fi_err *err);

int
fi_lines_open(struct fi_lines *l, const char *path, struct fi_err *err)
{
	memset(l, 0, sizeof(*l));
	fi_digest_init(&l->digest);
	if (strcmp(path, "-") == 0) {
		int fd = dup(STDIN_FILENO);

		l->gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
		if (l->gz == NULL && fd >= 0)
			close(fd);
	} else {
		l->gz = gzopen(path, "rb");
	}
	if (l->gz == NULL)
		return fi_err_set(err, FI_EIO, "cannot open %s: %s", path,
				  errno ? strerror(errno) : "out of memory");
	return fi_lines_buf(l, err);
}

int
fi_lines_open_cmd(struct fi_lines *l, const char *const *argv, struct fi_err *err)
{
	int fd[2];
	pid_t pid;

	memset(l, 0, sizeof(*l));
	fi_digest_init(&l->digest);
	if (pipe(fd) != 0)
		return fi_err_set(err, FI_EIO, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return fi_err_set(err, FI_EIO, "cannot start %s: %s", argv[0],
				  strerror(errno));
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, STDIN_FILENO);
		dup2(fd[1], STDOUT_FILENO);
		close(fd[0]);
		close(fd[1]);
		signal(SIGPIPE, SIG_DFL);
		setenv("TZ", "UTC", 1);
		setenv("LC_ALL", "C", 1);
		{
			/* execvp's argv is char *const[] for history's sake; it writes
			 * nothing */
			char *args[FI_LINES_ARGV_MAX];
			size_t n = 0;

			while (argv[n] != NULL && n + 1 < FI_LINES_ARGV_MAX)
				n++;
			memcpy(args, argv, n * sizeof(*args));
			args[n] = NULL;
			execvp(args[0], args);
		}
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fd[1]);
	l->child = (int)pid;
	l->gz = gzdopen(fd[0], "rb");
	if (l->gz == NULL) {
		close(fd[0]);
		fi_lines_close(l, NULL);
		return fi_err_set(err, FI_ENOMEM, "out of memory");
	}
	return fi_lines_buf(l, err);
}

/* The read buffer of an opened l. */
static int
fi_lines_buf(struct fi_lines *l, struct fi_err *err)
{
	gzbuffer(l->gz, FI_LINES_READ);
	l->cap = FI_LINES_READ;
	l->buf = malloc(l->cap);
	if (l->buf == NULL) {
		fi_lines_close(l, NULL);
		return fi_err_set(err, FI_ENOMEM, "out of memory");
	}
	return 0;
}

/* Reads more into buf (moving what is left to its start). 1, 0 at the end, or < 0. */
static int
fi_lines_fill(struct fi_lines *l, struct fi_err *err)
{
	int n, zerr;

	if (l->start > 0) {
		memmove(l->buf, l->buf + l->start, l->end - l->start);
		l->end -= l->start;
		l->scan -= l->start;
		l->start = 0;
	}
	if (l->end == l->cap) {
		size_t cap = l->cap * 2;
		char *p;

		if (l->cap >= FI_LINES_MAX)
			return fi_err_set(err, FI_ETOOBIG,
					  "line %llu is longer than %u bytes",
					  (unsigned long long)l->line + 1, FI_LINES_MAX);
		p = realloc(l->buf, cap);
		if (p == NULL)
			return fi_err_set(err, FI_ENOMEM, "out of memory");
		l->buf = p;
		l->cap = cap;
	}
	n = gzread(l->gz, l->buf + l->end, (unsigned)(l->cap - l->end));
	if (n < 0) {
		const char *msg = gzerror(l->gz, &zerr);

		return fi_err_set(err, FI_EIO, "reading after byte %llu: %s",
				  (unsigned long long)(l->off + (l->end - l->start)),
				  zerr == Z_ERRNO ? strerror(errno) : msg);
	}
	if (n == 0) {
		l->eof = 1;
		return 0;
	}
	l->end += (size_t)n;
	return 1;
}

int
fi_lines_next(struct fi_lines *l, struct fi_str *line, struct fi_err *err)
{
	for (;;) {
		char *nl = memchr(l->buf + l->scan, '\n', l->end - l->scan);
		int rc;

		if (nl != NULL) {
			size_t len = (size_t)(nl - (l->buf + l->start));

			*line = (struct fi_str){l->buf + l->start, len};
			fi_digest_add(&l->digest, l->buf + l->start, len + 1);
			l->off += len + 1;
			l->line++;
			l->start += len + 1;
			l->scan = l->start;
			return 1;
		}
		l->scan = l->end;
		if (l->eof)
			return 0;
		rc = fi_lines_fill(l, err);
		if (rc <= 0)
			return rc;
	}
}

size_t
fi_lines_pending(const struct fi_lines *l)
{
	return l->end - l->start;
}

int
fi_lines_plain(const struct fi_lines *l)
{
	return l->gz != NULL && l->child == 0 && gzdirect(l->gz) == 1;
}

void
fi_lines_more(struct fi_lines *l)
{
	if (l->eof && l->gz != NULL) {
		gzclearerr(l->gz);
		l->eof = 0;
	}
}

int
fi_lines_close(struct fi_lines *l, struct fi_err *err)
{
	int rc = 0, st = 0;

	if (l->gz != NULL)
		gzclose(l->gz); /* a program still writing gets SIGPIPE */
	if (l->child > 0) {
		while (waitpid(l->child, &st, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
			rc = fi_err_set(err, FI_EIO, "the reading program exited with %d",
					WEXITSTATUS(st));
		else if (WIFSIGNALED(st) && !(WTERMSIG(st) == SIGPIPE && !l->eof))
			rc = fi_err_set(err, FI_EIO,
					"the reading program was killed by signal %d",
					WTERMSIG(st));
	}
	free(l->buf);
	memset(l, 0, sizeof(*l));
	return rc;
}
