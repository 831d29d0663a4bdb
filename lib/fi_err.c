/*
 * fi_err.c: error code names and the caller-owned error record.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fi_err.h"

const char *
fi_strerror(int code)
{
	switch (code) {
	case FI_OK:
		return "success";
	case FI_EINVAL:
		return "invalid input";
	case FI_ERANGE:
		return "value out of range";
	case FI_ENOMEM:
		return "out of memory";
	case FI_EIO:
		return "input/output error";
	case FI_EDB:
		return "database error";
	case FI_ENOTFOUND:
		return "not found";
	case FI_ETOOBIG:
		return "input too long";
	case FI_EUNAVAIL:
		return "service unavailable";
	case FI_EREDIS:
		return "redis error";
	case FI_ECONFIG:
		return "configuration error";
	case FI_EINTERNAL:
		return "internal error";
	case FI_EEXIST:
		return "already exists";
	}
	return "unknown error";
}

void
fi_err_clear(struct fi_err *err)
{
	if (err == NULL)
		return;
	memset(err, 0, sizeof(*err));
}

int
fi_err_set(struct fi_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err->code != 0)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}
