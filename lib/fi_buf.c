/*
 * fi_buf.c: capped growable buffers and arrays, and counted-string helpers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fi_buf.h"
#include "fi_err.h"

int
fi_str_eq(struct fi_str a, const char *b)
{
	size_t n = strlen(b);

	return a.n == n && (n == 0 || memcmp(a.p, b, n) == 0);
}

int
fi_str_caseeq(struct fi_str a, const char *b)
{
	size_t n = strlen(b);

	return a.n == n && (n == 0 || strncasecmp(a.p, b, n) == 0);
}

void
fi_buf_init(struct fi_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : FI_BUF_DEFAULT_CAP;
}

void
fi_buf_fini(struct fi_buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void
fi_buf_reset(struct fi_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

/* Makes room for n more bytes plus the NUL. */
static int
fi_buf_reserve(struct fi_buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (n > b->max - b->len)
		return FI_ETOOBIG;
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	p = realloc(b->data, cap);
	if (p == NULL)
		return FI_ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int
fi_buf_grow_array(void *array, size_t *cap, size_t n, size_t size, size_t max)
{
	size_t ncap;
	void *old, *p;

	if (n < *cap)
		return 0;
	if (*cap > SIZE_MAX / 2)
		return FI_ETOOBIG;
	ncap = *cap ? *cap * 2 : 64;
	if (ncap > max || ncap > SIZE_MAX / size)
		return FI_ETOOBIG;
	/* array points to a T *: copied, not cast, so any T will do */
	memcpy(&old, array, sizeof(old));
	p = realloc(old, ncap * size);
	if (p == NULL)
		return FI_ENOMEM;
	memcpy(array, &p, sizeof(p));
	*cap = ncap;
	return 0;
}

int
fi_buf_append(struct fi_buf *b, const void *p, size_t n)
{
	int rc = fi_buf_reserve(b, n);

	if (rc != 0)
		return rc;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
fi_buf_insert(struct fi_buf *b, size_t at, const void *p, size_t n)
{
	int rc;

	if (at > b->len)
		return FI_EINTERNAL;
	rc = fi_buf_reserve(b, n);
	if (rc != 0)
		return rc;
	if (n > 0) {
		memmove(b->data + at + n, b->data + at, b->len - at);
		memcpy(b->data + at, p, n);
	}
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
fi_buf_puts(struct fi_buf *b, const char *s)
{
	return fi_buf_append(b, s, strlen(s));
}

int
fi_buf_printf(struct fi_buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room = b->data != NULL ? b->cap - b->len : 0; /* with the NUL */
	int n, rc;

	/* one pass when it fits (cap <= max + 1, so the cap holds too) */
	va_start(ap, fmt);
	n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < room) {
		b->len += (size_t)n;
		return 0;
	}
	if (room)
		b->data[b->len] = '\0'; /* undo the cut-off attempt */
	if (n < 0)
		return FI_EINVAL;
	rc = fi_buf_reserve(b, (size_t)n);
	if (rc != 0)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

char *
fi_buf_steal(struct fi_buf *b)
{
	char *p = b->data;

	if (p == NULL)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
