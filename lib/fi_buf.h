/*
 * fi_buf.h: growable byte buffers with a hard cap, and counted strings.
 * Every append checks the cap first, so no input can make a buffer grow
 * without bound; the data is always NUL-terminated for convenience.
 */
#ifndef FI_BUF_H
#define FI_BUF_H

#include <stddef.h>
#include <string.h>
#include <stdint.h>

/* A counted, not necessarily NUL-terminated, borrowed string. */
struct fi_str {
	const char *p; /* first byte, may be NULL when n == 0 */
	size_t n;      /* length in bytes */
};

#define FI_STR(lit) ((struct fi_str){(lit), sizeof(lit) - 1})

/* Whether a equals the NUL-terminated b exactly / ignoring ASCII case. */
int fi_str_eq(struct fi_str a, const char *b);
int fi_str_caseeq(struct fi_str a, const char *b);

struct fi_buf {
	char *data; /* owned, NUL-terminated, NULL until the first append */
	size_t len; /* bytes used, without the NUL */
	size_t cap; /* bytes allocated */
	size_t max; /* hard cap on len */
};

/* Initialises an empty buffer that may grow to max bytes (0: the default cap). */
void fi_buf_init(struct fi_buf *b, size_t max);

/* Frees the data; the buffer may be reused after fi_buf_init. NULL is a no-op. */
void fi_buf_fini(struct fi_buf *b);

/* Empties the buffer, keeping its memory. */
void fi_buf_reset(struct fi_buf *b);

/* Appends n bytes. Returns 0, or FI_ETOOBIG / FI_ENOMEM leaving b unchanged. */
int fi_buf_append(struct fi_buf *b, const void *p, size_t n);

/*
 * Inserts n bytes at offset at (<= len), moving what follows. Returns 0, or
 * FI_ETOOBIG / FI_ENOMEM leaving b unchanged.
 */
int fi_buf_insert(struct fi_buf *b, size_t at, const void *p, size_t n);

/*
 * fi_buf_append with the common case inline: the bytes fit in what is
 * allocated (for writers that append many small pieces).
 */
static inline int
fi_buf_add(struct fi_buf *b, const void *p, size_t n)
{
	if (b->data != NULL && n < b->cap - b->len) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return 0;
	}
	return fi_buf_append(b, p, n);
}

/* Appends a NUL-terminated string. */
int fi_buf_puts(struct fi_buf *b, const char *s);

/* Appends formatted text. Returns 0, or FI_ETOOBIG / FI_ENOMEM (b unchanged). */
int fi_buf_printf(struct fi_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Makes room for element n of a growable array: array is the address of its
 * pointer (NULL while empty), *cap the elements allocated, size the bytes of
 * one. A full array is doubled (the first time to 64 elements); max bounds
 * the elements. Returns 0, FI_ETOOBIG when the doubled array would pass max,
 * or FI_ENOMEM; on failure the array and *cap are as they were.
 */
int fi_buf_grow_array(void *array, size_t *cap, size_t n, size_t size, size_t max);

/*
 * Takes the data out of the buffer: the caller owns the returned string (never
 * NULL on success; NULL on allocation failure) and b is left empty.
 */
char *fi_buf_steal(struct fi_buf *b);

#endif
