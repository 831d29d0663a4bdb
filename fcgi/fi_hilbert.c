/*
 * fi_hilbert.c: prefix and depth of the address-space map, checked, and the
 * address <-> cell mapping. Everything works on the 128-bit form, so IPv4
 * (mapped into ::ffff:0:0/96) and IPv6 take the same path; only lengths are
 * shown to clients in the prefix's own family.
 */
#include <stdio.h>
#include <string.h>

#include "fi_hilbert.h"

/* Bit i (0 = most significant) of a. */
static unsigned
fi_hilbert_bit(const struct fi_addr *a, unsigned i)
{
	return (unsigned)(a->b[i / 8] >> (7 - i % 8)) & 1u;
}

int
fi_hilbert_plan(const struct fi_prefix *p, int have_depth, int64_t depth,
		struct fi_hilbert *h, struct fi_err *err)
{
	unsigned base, max, bits;

	memset(h, 0, sizeof(*h));
	h->prefix = *p;
	h->v4 = p->len >= 96 && fi_addr_is_v4(&p->addr);
	base = h->v4 ? 96 : 0;
	max = h->v4 ? 32 : 128;
	h->plen = p->len - base;
	if (!have_depth) {
		bits = max - h->plen;
		if (bits > 16)
			bits = 16;
		depth = h->plen + (bits & ~1u);
	}
	if (depth < (int64_t)h->plen)
		return fi_err_set(
		    err, FI_EINVAL,
		    "Param depth has to be at least the prefix length (%u).", h->plen);
	if (depth > (int64_t)max)
		return fi_err_set(err, FI_EINVAL,
				  "Param depth has to be at most %u for an %s prefix.",
				  max, h->v4 ? "IPv4" : "IPv6");
	bits = (unsigned)depth - h->plen;
	if (bits % 2 != 0)
		return fi_err_set(err, FI_EINVAL,
				  "Param depth has to differ from the prefix length (%u) "
				  "by an even number: the map is a square.",
				  h->plen);
	if (bits > 2 * FI_HILBERT_ORDER_MAX)
		return fi_err_set(err, FI_EINVAL,
				  "Param depth asks for 2^%u cells; at most 2^%d (depth "
				  "at most the prefix length + %d).",
				  bits, 2 * FI_HILBERT_ORDER_MAX,
				  2 * FI_HILBERT_ORDER_MAX);
	h->depth = (unsigned)depth;
	h->order = bits / 2;
	h->ncells = 1u << bits;
	/* four bytes from the prefix's first byte hold all its cell bits (at
	 * most 7 + 20); past byte 12 the last four bytes do */
	h->win_byte = p->len / 8 > 12 ? 12 : p->len / 8;
	h->win_shift = 8 * h->win_byte + 32 - (p->len + bits);
	h->win_mask = h->ncells - 1;
	return 0;
}

uint32_t
fi_hilbert_cell(const struct fi_hilbert *h, const struct fi_addr *a)
{
	uint32_t cell = 0;

	for (unsigned i = h->prefix.len; i < h->prefix.len + 2 * h->order; i++)
		cell = cell << 1 | fi_hilbert_bit(a, i);
	return cell;
}

uint32_t
fi_hilbert_cell_window(const struct fi_hilbert *h, const struct fi_addr *a)
{
	const uint8_t *w = a->b + h->win_byte;
	uint32_t v = (uint32_t)w[0] << 24 | (uint32_t)w[1] << 16 | (uint32_t)w[2] << 8 |
		     (uint32_t)w[3];

	return (uint32_t)((uint64_t)v >> h->win_shift) & h->win_mask;
}

void
fi_hilbert_cell_prefix(const struct fi_hilbert *h, uint32_t i, struct fi_prefix *out)
{
	unsigned bits = 2 * h->order;

	*out = h->prefix;
	out->len = h->prefix.len + bits;
	for (unsigned k = 0; k < bits; k++) {
		unsigned pos = h->prefix.len + k;
		uint8_t m = (uint8_t)(0x80u >> (pos % 8));

		if (i >> (bits - 1 - k) & 1u)
			out->addr.b[pos / 8] |= m;
		else
			out->addr.b[pos / 8] &= (uint8_t)~m;
	}
}

char *
fi_hilbert_prefix_format(const struct fi_prefix *p, char buf[FI_PREFIX_TEXT_MAX])
{
	char addr[FI_ADDR_TEXT_MAX];
	int v4 = p->len >= 96 && fi_addr_is_v4(&p->addr);

	/* a masked prefix shorter than /96 is never IPv4-mapped */
	fi_addr_format(&p->addr, addr);
	snprintf(buf, FI_PREFIX_TEXT_MAX, "%s/%u", addr, v4 ? p->len - 96 : p->len);
	return buf;
}
