/*
 * fi_jsonw.h: a small JSON writer into a capped fi_buf, for the API answers.
 * Hand-written rather than jansson, so an answer of 100,000 rows is one
 * append-only pass with no tree in memory. Errors are sticky: write
 * everything, then check fi_jsonw_error once.
 */
#ifndef FI_JSONW_H
#define FI_JSONW_H

#include <stddef.h>
#include <stdint.h>

#include "fi_buf.h"

#define FI_JSONW_DEPTH 16 /* nesting the writer supports */

struct fi_jsonw {
	struct fi_buf *b;	       /* borrowed output buffer */
	unsigned depth;		       /* open objects and arrays */
	uint8_t first[FI_JSONW_DEPTH]; /* no member written yet at this level */
	uint8_t array[FI_JSONW_DEPTH]; /* this level is an array (no keys) */
	int after_key;		       /* a key was written, its value is next */
	int err; /* first error (FI_ETOOBIG, FI_ENOMEM, FI_EINTERNAL) */
};

/* Starts writing into b (appending to what it holds). */
void fi_jsonw_init(struct fi_jsonw *w, struct fi_buf *b);

/*
 * Appends members the caller formatted: text is `"key":value` pairs joined
 * by commas, valid JSON, at least one (the writer adds the comma before).
 */
void fi_jsonw_members(struct fi_jsonw *w, const char *text, size_t n);

void fi_jsonw_obj_begin(struct fi_jsonw *w);
void fi_jsonw_obj_end(struct fi_jsonw *w);
void fi_jsonw_arr_begin(struct fi_jsonw *w);
void fi_jsonw_arr_end(struct fi_jsonw *w);

/* Writes an object member's key (a NUL-terminated string). */
void fi_jsonw_key(struct fi_jsonw *w, const char *key);

/* Values. Strings are escaped; bytes >= 0x80 are written as \u00XX. */
void fi_jsonw_str(struct fi_jsonw *w, const char *s, size_t n);
void fi_jsonw_cstr(struct fi_jsonw *w, const char *s);
void fi_jsonw_int(struct fi_jsonw *w, int64_t v);
void fi_jsonw_uint(struct fi_jsonw *w, uint64_t v);
void fi_jsonw_i128(struct fi_jsonw *w, __int128 v);
void fi_jsonw_null(struct fi_jsonw *w);
void fi_jsonw_bool(struct fi_jsonw *w, int v);

/* 0, or the first error; also fails when an object or array is left open. */
int fi_jsonw_error(const struct fi_jsonw *w);

#endif
