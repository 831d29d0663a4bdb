/*
 * fi_log.h: logging for the daemons (stderr or a file, reopened on SIGHUP).
 * Six verbs after OpenBSD's: warn/warnx, info, debug, fatal/fatalx; the
 * non-x forms append strerror(errno). Lines are UTC-timestamped.
 */
#ifndef FI_LOG_H
#define FI_LOG_H

#include <stdint.h>

enum fi_log_level {
	FI_LOG_ERROR = 0,
	FI_LOG_WARN = 1,
	FI_LOG_INFO = 2,
	FI_LOG_DEBUG = 3,
};

/*
 * Sets the program name, the level, and the destination (path NULL or "" means
 * stderr). Returns 0, or FI_EIO when the file cannot be opened (then stderr is
 * used). May be called again to reconfigure.
 */
int fi_log_init(const char *ident, enum fi_log_level level, const char *path);

/* Reopens the log file (after rotation). Returns 0 or FI_EIO. */
int fi_log_reopen(void);

/* Parses "error", "warn", "info", "debug"; returns the level or -1. */
int fi_log_level_parse(const char *name);

int fi_log_enabled(enum fi_log_level level);

void fi_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fi_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fi_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fi_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fi_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fi_fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * A rate limiter for noisy messages: at most `burst` messages per `period`
 * seconds; the rest are counted and reported as "(N suppressed)" on the next
 * message that passes.
 */
struct fi_ratelimit {
	int64_t period;	     /* seconds */
	unsigned burst;	     /* messages per period */
	int64_t start;	     /* start of the current period */
	unsigned passed;     /* messages passed in this period */
	uint64_t suppressed; /* messages dropped since the last one passed */
};

/* Logs at WARN level through the rate limiter rl. */
void fi_warnx_limited(struct fi_ratelimit *rl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
