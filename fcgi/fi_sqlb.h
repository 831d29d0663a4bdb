/*
 * fi_sqlb.h: the statement builder of the API. A statement's text and its
 * bound values grow together: the only way to put a `?` into the text is a
 * call that binds its value in the same step, so the placeholders and the
 * values always agree in number, order and type, and no caller counts them.
 * Fixed text may not contain `?`. Text and values have hard caps; the first
 * error sticks and every later call is a no-op.
 */
#ifndef FI_SQLB_H
#define FI_SQLB_H

#include <stddef.h>
#include <stdint.h>

#include "fi_addr.h"
#include "fi_buf.h"
#include "fi_db.h"

struct fi_sqlb {
	struct fi_buf sql;     /* the text, capped at the text_max of fi_sqlb_init */
	struct fi_val *params; /* cap values, bound in text order */
	struct fi_addr *addrs; /* storage behind the address values */
	unsigned n;	       /* values bound (= `?` in the text) */
	unsigned naddrs;       /* addresses stored */
	unsigned cap;	       /* most values */
	int err;	       /* first error, 0 while none */
};

/*
 * Sets up an empty builder for statements of at most text_max bytes and
 * params_max values. Returns 0 or FI_ENOMEM (then fi_sqlb_fini is still
 * safe).
 */
int fi_sqlb_init(struct fi_sqlb *b, size_t text_max, unsigned params_max);

/* Frees its memory. Safe on a zeroed or failed builder. */
void fi_sqlb_fini(struct fi_sqlb *b);

/* Empties text and values and clears the error, keeping the memory. */
void fi_sqlb_reset(struct fi_sqlb *b);

/*
 * Appends fixed text of our own (never text from a request). Text with a
 * `?` is refused (FI_EINTERNAL): a placeholder comes only with its value.
 * Past the text cap: FI_ETOOBIG.
 */
void fi_sqlb_add(struct fi_sqlb *b, const char *text);

/*
 * Appends fixed text formatted from fixed names and numbers (at most 255
 * bytes per call, else FI_EINTERNAL); the same rules as fi_sqlb_add.
 */
void fi_sqlb_addf(struct fi_sqlb *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends `?` bound to an unsigned integer. Past a cap: FI_ETOOBIG. */
void fi_sqlb_u64(struct fi_sqlb *b, uint64_t v);

/*
 * Appends `?` bound to the 16 bytes of address a (copied into the
 * builder, so a may go away). Past a cap: FI_ETOOBIG.
 */
void fi_sqlb_addr(struct fi_sqlb *b, const struct fi_addr *a);

/* Appends "expr IN (?, ...)" (or NOT IN) over n > 0 ports, each bound. */
void fi_sqlb_in_ports(struct fi_sqlb *b, const char *expr, int negate,
		      const uint16_t *ports, unsigned n);

/*
 * Appends a condition, in parentheses, that holds when one of
 * exprs[0..nexpr) lies in one of the n > 0 prefixes: single addresses as
 * IN lists (an index lookup), wider prefixes as BETWEEN ranges, all bound.
 */
void fi_sqlb_in_prefixes(struct fi_sqlb *b, const char *const *exprs, unsigned nexpr,
			 const struct fi_prefix *p, unsigned n);

/*
 * Puts the text built so far between open and close (fixed text), keeping
 * the values: "SELECT COUNT(*) FROM (" ... ") t".
 */
void fi_sqlb_wrap(struct fi_sqlb *b, const char *open, const char *close);

/* The text (NUL-terminated, "" when empty); borrowed until the next call. */
const char *fi_sqlb_text(const struct fi_sqlb *b);

/* The bound values in text order, and how many; borrowed likewise. */
const struct fi_val *fi_sqlb_params(const struct fi_sqlb *b);
unsigned fi_sqlb_nparams(const struct fi_sqlb *b);

/* The first error (FI_ETOOBIG, FI_EINTERNAL), or 0. */
int fi_sqlb_error(const struct fi_sqlb *b);

#endif
