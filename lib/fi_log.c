/*
 * fi_log.c: the logging verbs. One static destination per process; the
 * daemons are single-threaded per process, so no locking is needed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fi_err.h"
#include "fi_log.h"

static struct {
	char ident[32];
	enum fi_log_level level;
	char path[1024];
	FILE *fp; /* NULL means stderr */
} fi_log = {"flowinspector", FI_LOG_INFO, "", NULL};

static const char *const fi_log_names[] = {"error", "warn", "info", "debug"};

int
fi_log_init(const char *ident, enum fi_log_level level, const char *path)
{
	if (ident != NULL)
		snprintf(fi_log.ident, sizeof(fi_log.ident), "%s", ident);
	fi_log.level = level;
	snprintf(fi_log.path, sizeof(fi_log.path), "%s", path ? path : "");
	return fi_log_reopen();
}

int
fi_log_reopen(void)
{
	FILE *fp;

	if (fi_log.path[0] == '\0') {
		if (fi_log.fp != NULL)
			fclose(fi_log.fp);
		fi_log.fp = NULL;
		return 0;
	}
	fp = fopen(fi_log.path, "a");
	if (fp == NULL) {
		int saved = errno;
		fprintf(stderr, "%s: cannot open log file %s: %s\n", fi_log.ident,
			fi_log.path, strerror(saved));
		return FI_EIO;
	}
	setvbuf(fp, NULL, _IOLBF, 0);
	if (fi_log.fp != NULL)
		fclose(fi_log.fp);
	fi_log.fp = fp;
	return 0;
}

int
fi_log_level_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(fi_log_names) / sizeof(fi_log_names[0]); i++)
		if (strcmp(name, fi_log_names[i]) == 0)
			return (int)i;
	return -1;
}

int
fi_log_enabled(enum fi_log_level level)
{
	return level <= fi_log.level;
}

/* fmt is the callers' printf format: checked there (clang asks for this) */
static void fi_log_v(enum fi_log_level level, int errnum, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
fi_log_v(enum fi_log_level level, int errnum, const char *fmt, va_list ap)
{
	char line[FI_LOG_LINE_MAX];
	char stamp[32];
	struct tm tm;
	time_t now = time(NULL);
	FILE *out = fi_log.fp ? fi_log.fp : stderr;

	if (!fi_log_enabled(level))
		return;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	vsnprintf(line, sizeof(line), fmt, ap);
	if (errnum != 0)
		fprintf(out, "%s %s[%ld] %s: %s: %s\n", stamp, fi_log.ident,
			(long)getpid(), fi_log_names[level], line, strerror(errnum));
	else
		fprintf(out, "%s %s[%ld] %s: %s\n", stamp, fi_log.ident, (long)getpid(),
			fi_log_names[level], line);
	fflush(out);
}

#define FI_LOG_VERB(name, level, use_errno)                                              \
	void name(const char *fmt, ...)                                                  \
	{                                                                                \
		int saved = errno;                                                       \
		va_list ap;                                                              \
		va_start(ap, fmt);                                                       \
		fi_log_v(level, use_errno ? saved : 0, fmt, ap);                         \
		va_end(ap);                                                              \
		errno = saved;                                                           \
	}

FI_LOG_VERB(fi_warn, FI_LOG_WARN, 1)
FI_LOG_VERB(fi_warnx, FI_LOG_WARN, 0)
FI_LOG_VERB(fi_info, FI_LOG_INFO, 0)
FI_LOG_VERB(fi_debug, FI_LOG_DEBUG, 0)

void
fi_fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	fi_log_v(FI_LOG_ERROR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fi_fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fi_log_v(FI_LOG_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fi_warnx_limited(struct fi_ratelimit *rl, const char *fmt, ...)
{
	char line[FI_LOG_LINE_MAX];
	int64_t now = (int64_t)time(NULL);
	va_list ap;

	if (now - rl->start >= rl->period) {
		rl->start = now;
		rl->passed = 0;
	}
	if (rl->passed >= rl->burst) {
		rl->suppressed++;
		return;
	}
	rl->passed++;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (rl->suppressed > 0) {
		fi_warnx("%s (%llu similar messages suppressed)", line,
			 (unsigned long long)rl->suppressed);
		rl->suppressed = 0;
	} else {
		fi_warnx("%s", line);
	}
}
