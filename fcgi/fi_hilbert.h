/*
 * fi_hilbert.h: the address-space map of /api/hilbert. A prefix is cut into
 * its 4^order sub-prefixes of length depth; cell i is the i-th of them in
 * address order, which is also its index on the Hilbert curve (the page maps
 * i to (x, y) with d2xy). This module checks prefix and depth, maps
 * addresses to cells and back, and derives the byte window and shift with
 * which SQL computes the cell of a BINARY(16) address.
 */
#ifndef FI_HILBERT_H
#define FI_HILBERT_H

#include <stdint.h>

#include "fi_addr.h"
#include "fi_err.h"

/* Text of a prefix, "10.0.0.0/8" or "2001:db8::/32", with NUL. */
#define FI_PREFIX_TEXT_MAX (FI_ADDR_TEXT_MAX + 4)

/* A checked map: the prefix, its cells and how SQL finds an address's cell. */
struct fi_hilbert {
	struct fi_prefix prefix; /* host bits clear; len counts in 128 bits */
	int v4;			 /* an IPv4 prefix (len >= 96, IPv4-mapped) */
	unsigned plen;		 /* prefix length as written: 0..32 or 0..128 */
	unsigned depth;		 /* sub-prefix length as written */
	unsigned order;		 /* (depth - plen) / 2: the map is 2^order square */
	uint32_t ncells;	 /* 4^order */
	unsigned win_byte;	 /* first byte (0-based) of a 4-byte window ... */
	unsigned win_shift;	 /* ... whose value >> win_shift ... */
	uint32_t win_mask;	 /* ... & win_mask is the cell (ncells - 1) */
};

/*
 * Checks a map of prefix p (as fi_prefix_parse gives it) cut at depth, given
 * in the prefix's own family (0..32 for IPv4, 0..128 for IPv6); have_depth 0
 * takes the default: 16 bits past the prefix, fewer when the family ends
 * first (rounded down to an even number). depth must be at least the prefix
 * length, differ from it by an even number and by at most
 * 2 * FI_HILBERT_ORDER_MAX. Returns 0, or FI_EINVAL with err->msg the
 * client's message.
 */
int fi_hilbert_plan(const struct fi_prefix *p, int have_depth, int64_t depth,
		    struct fi_hilbert *h, struct fi_err *err);

/* The cell of address a, which must lie inside h->prefix. */
uint32_t fi_hilbert_cell(const struct fi_hilbert *h, const struct fi_addr *a);

/* The cell the SQL window gives for a (what the statement computes). */
uint32_t fi_hilbert_cell_window(const struct fi_hilbert *h, const struct fi_addr *a);

/* The sub-prefix of cell i (< h->ncells). */
void fi_hilbert_cell_prefix(const struct fi_hilbert *h, uint32_t i,
			    struct fi_prefix *out);

/*
 * Writes p as "a.b.c.d/n" (IPv4-mapped prefixes of length >= 96) or as
 * "ipv6/n" into buf; returns buf.
 */
char *fi_hilbert_prefix_format(const struct fi_prefix *p, char buf[FI_PREFIX_TEXT_MAX]);

#endif
