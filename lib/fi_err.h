/*
 * fi_err.h: error codes and the caller-owned error record.
 * Functions return 0 or a negative FI_E* code; fi_strerror() names the code.
 * Parsers additionally fill a struct fi_err once, at the point of failure.
 */
#ifndef FI_ERR_H
#define FI_ERR_H

#include "fi_limits.h"

enum {
	FI_OK = 0,
	FI_EINVAL = -1,	   /* malformed input */
	FI_ERANGE = -2,	   /* number or size out of range */
	FI_ENOMEM = -3,	   /* allocation failed or a cap was reached */
	FI_EIO = -4,	   /* file or socket error */
	FI_EDB = -5,	   /* database error */
	FI_ENOTFOUND = -6, /* no such thing */
	FI_ETOOBIG = -7,   /* input longer than its limit */
	FI_EUNAVAIL = -8,  /* service unavailable (retry later) */
	FI_EREDIS = -9,	   /* redis error */
	FI_ECONFIG = -10,  /* bad configuration */
	FI_EINTERNAL = -11,
	FI_EEXIST = -12, /* already there (e.g. a batch written before) */
};

/* An error description filled by parsers; the caller owns it. */
struct fi_err {
	int code;		  /* FI_E* code, 0 when unset */
	int line;		  /* 1-based line of the input, 0 if none */
	int pos;		  /* 1-based byte position in the line, 0 if none */
	char msg[FI_ERR_MSG_MAX]; /* human-readable message, NUL-terminated */
};

/* Name of an error code; never NULL, a static string. */
const char *fi_strerror(int code);

/* Resets an error record to "no error". */
void fi_err_clear(struct fi_err *err);

/*
 * Records an error (printf-style message) and returns code, so that callers can
 * write `return fi_err_set(err, FI_EINVAL, "...")`. err may be NULL. The first
 * error set wins: later calls keep the first message but still return code.
 */
int fi_err_set(struct fi_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
