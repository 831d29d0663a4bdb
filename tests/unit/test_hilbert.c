/*
 * test_hilbert.c: the map of /api/hilbert without the database: defaults and
 * errors of prefix and depth, known address -> cell vectors, the SQL window
 * against the direct bit extraction for every prefix length and order, and
 * cell -> sub-prefix as the inverse, in address order.
 */
#include <stdlib.h>

#include "fi_hilbert.h"
#include "fi_test.h"

static struct fi_prefix
prefix(const char *text)
{
	struct fi_prefix p;

	memset(&p, 0, sizeof(p));
	if (fi_prefix_parse((struct fi_str){text, strlen(text)}, 0, &p) != 0)
		FI_FAIL_AT("cannot parse %s", text);
	return p;
}

static struct fi_addr
addr(const char *text)
{
	struct fi_addr a;

	memset(&a, 0, sizeof(a));
	if (fi_addr_parse((struct fi_str){text, strlen(text)}, 0, &a) != 0)
		FI_FAIL_AT("cannot parse %s", text);
	return a;
}

#define DEFAULT_DEPTH INT64_MIN

/* Plans text at depth (or the default); returns the order, or -1 with err. */
static int
plan(const char *text, int64_t depth, struct fi_hilbert *h, struct fi_err *err)
{
	struct fi_prefix p = prefix(text);

	fi_err_clear(err);
	if (fi_hilbert_plan(&p, depth != DEFAULT_DEPTH, depth, h, err) != 0)
		return -1;
	return (int)h->order;
}

static void
test_defaults(void)
{
	static const struct {
		const char *prefix;
		unsigned depth, order;
	} cases[] = {
	    {"0.0.0.0/0", 16, 8},
	    {"10.0.0.0/8", 24, 8},
	    {"10.20.0.0/16", 32, 8},
	    {"10.20.16.0/20", 32, 6},
	    {"10.20.30.0/23", 31, 4},
	    {"10.20.30.40/31", 31, 0},
	    {"10.20.30.40/32", 32, 0},
	    {"2001:db8::/32", 48, 8},
	    {"::/0", 16, 8},
	    {"2001:db8::/120", 128, 4},
	    {"2001:db8::/127", 127, 0},
	    /* an IPv4-mapped prefix written in IPv6 is the IPv4 prefix */
	    {"::ffff:10.0.0.0/104", 24, 8},
	};
	struct fi_hilbert h;
	struct fi_err err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(plan(cases[i].prefix, DEFAULT_DEPTH, &h, &err),
			  (int)cases[i].order);
		CHECK_UINT(h.depth, cases[i].depth);
		CHECK_UINT(h.ncells, 1u << (2 * cases[i].order));
	}
	CHECK_INT(plan("10.0.0.0/8", 8, &h, &err), 0);
	CHECK_UINT(h.ncells, 1);
	CHECK_INT(plan("0.0.0.0/0", 20, &h, &err), FI_HILBERT_ORDER_MAX);
	CHECK_UINT(h.ncells, 1u << 20);
	CHECK_INT(h.v4, 1);
	CHECK_UINT(h.plen, 0);
	CHECK_INT(plan("2001:db8::/32", 52, &h, &err), 10);
	CHECK_INT(h.v4, 0);
}

static void
test_errors(void)
{
	static const struct {
		const char *prefix;
		int64_t depth;
		const char *msg;
	} cases[] = {
	    {"10.0.0.0/8", 4, "Param depth has to be at least the prefix length (8)."},
	    {"10.0.0.0/8", -8, "Param depth has to be at least the prefix length (8)."},
	    {"10.0.0.0/8", 33, "Param depth has to be at most 32 for an IPv4 prefix."},
	    {"10.0.0.0/8", INT64_MAX,
	     "Param depth has to be at most 32 for an IPv4 prefix."},
	    {"2001:db8::/32", 130,
	     "Param depth has to be at most 128 for an IPv6 prefix."},
	    {"0.0.0.0/0", 17,
	     "Param depth has to differ from the prefix length (0) by an even number: "
	     "the map is a square."},
	    {"0.0.0.0/0", 22,
	     "Param depth asks for 2^22 cells; at most 2^20 (depth at most the prefix "
	     "length + 20)."},
	    {"2001:db8::/32", 128, "Param depth asks for 2^96 cells"},
	};
	struct fi_hilbert h;
	struct fi_err err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(plan(cases[i].prefix, cases[i].depth, &h, &err), -1);
		CHECK_INT(err.code, FI_EINVAL);
		CHECK_CONTAINS(err.msg, cases[i].msg);
	}
}

static void
test_vectors(void)
{
	static const struct {
		const char *prefix;
		int64_t depth;
		const char *addr;
		uint32_t cell;
		const char *cell_prefix;
	} cases[] = {
	    {"0.0.0.0/0", 16, "10.20.30.40", 0x0a14, "10.20.0.0/16"},
	    {"0.0.0.0/0", 16, "0.0.0.0", 0, "0.0.0.0/16"},
	    {"0.0.0.0/0", 16, "255.255.255.255", 0xffff, "255.255.0.0/16"},
	    {"0.0.0.0/0", 8, "192.168.1.1", 192, "192.0.0.0/8"},
	    {"0.0.0.0/0", 2, "192.168.1.1", 3, "192.0.0.0/2"},
	    {"0.0.0.0/0", 20, "10.20.30.40", 0x0a141, "10.20.16.0/20"},
	    {"10.0.0.0/8", 16, "10.20.30.40", 20, "10.20.0.0/16"},
	    {"10.0.0.0/8", 24, "10.20.30.40", 0x141e, "10.20.30.0/24"},
	    {"10.20.0.0/16", 24, "10.20.30.40", 30, "10.20.30.0/24"},
	    {"192.168.1.0/24", 32, "192.168.1.77", 77, "192.168.1.77/32"},
	    /* not on a byte boundary: bits 7..14 */
	    {"10.0.0.0/7", 15, "11.128.0.1", 0xc0, "11.128.0.0/15"},
	    {"10.0.0.0/7", 15, "10.1.2.3", 0x00, "10.0.0.0/15"},
	    {"2001:db8::/32", 48, "2001:db8:876e::1", 0x876e, "2001:db8:876e::/48"},
	    {"2001:db8::/32", 40, "2001:db8:ff00::", 0xff, "2001:db8:ff00::/40"},
	    {"::/0", 2, "2001:db8::", 0, "::/2"},
	    {"::/0", 2, "fe80::1", 3, "c000::/2"},
	    {"::/0", 16, "::ffff:10.0.0.1", 0, "::/16"},
	    {"2001:db8::ff00/120", 128, "2001:db8::ff2a", 0x2a, "2001:db8::ff2a/128"},
	    {"::ffff:10.0.0.0/104", 16, "10.20.30.40", 20, "10.20.0.0/16"},
	};
	struct fi_hilbert h;
	struct fi_err err;
	struct fi_prefix p;
	char text[FI_PREFIX_TEXT_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fi_addr a = addr(cases[i].addr);

		CHECK(plan(cases[i].prefix, cases[i].depth, &h, &err) >= 0);
		CHECK_UINT(fi_hilbert_cell(&h, &a), cases[i].cell);
		CHECK_UINT(fi_hilbert_cell_window(&h, &a), cases[i].cell);
		fi_hilbert_cell_prefix(&h, cases[i].cell, &p);
		CHECK_STR(fi_hilbert_prefix_format(&p, text), cases[i].cell_prefix);
	}
	p = prefix("10.0.0.0/8");
	CHECK_STR(fi_hilbert_prefix_format(&p, text), "10.0.0.0/8");
	p = prefix("::ffff:10.0.0.0/104");
	CHECK_STR(fi_hilbert_prefix_format(&p, text), "10.0.0.0/8");
	p = prefix("::/0");
	CHECK_STR(fi_hilbert_prefix_format(&p, text), "::/0");
}

/* xorshift: the same addresses on every run */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * For every prefix length (IPv6, so all 129, and the IPv4 ones) and every
 * order that fits: random addresses inside have the same cell by the SQL
 * window as by the bits, and lie in that cell's sub-prefix; the cells' prefixes
 * run in address order from the first address of the prefix to its last.
 */
static void
test_exhaustive(void)
{
	struct fi_hilbert h;
	struct fi_err err;
	unsigned plans = 0, bad = 0;

	for (unsigned len = 0; len <= 128; len++) {
		for (unsigned order = 0; order <= FI_HILBERT_ORDER_MAX; order++) {
			struct fi_prefix p, c, prev = {{{0}}, 0};
			struct fi_addr lo, hi, clo, chi;
			unsigned bits = 2 * order;

			if (len + bits > 128)
				break;
			for (int i = 0; i < 16; i++)
				p.addr.b[i] = (uint8_t)rng();
			if (len >= 96 && len % 2 == 1) /* every other one IPv4 */
				memcpy(p.addr.b, fi_addr_from_v4(0).b, 12);
			p.len = len;
			/* clear the host bits, as fi_prefix_parse does */
			for (unsigned bit = len; bit < 128; bit++)
				p.addr.b[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
			fi_err_clear(&err);
			if (fi_hilbert_plan(
				&p, 1,
				(int64_t)(len + bits) -
				    (len >= 96 && fi_addr_is_v4(&p.addr) ? 96 : 0),
				&h, &err) != 0) {
				FI_FAIL_AT("len %u order %u: %s", len, order, err.msg);
				continue;
			}
			plans++;
			fi_prefix_range(&p, &lo, &hi);
			for (int k = 0; k < 64; k++) {
				struct fi_addr a = lo;
				uint32_t cell;

				for (int i = 0; i < 16; i++)
					a.b[i] = (uint8_t)((lo.b[i] & hi.b[i]) |
							   ((uint8_t)rng() &
							    (lo.b[i] ^ hi.b[i])));
				if (k == 0)
					a = lo;
				if (k == 1)
					a = hi;
				cell = fi_hilbert_cell(&h, &a);
				bad += cell != fi_hilbert_cell_window(&h, &a);
				bad += cell >= h.ncells;
				fi_hilbert_cell_prefix(&h, cell, &c);
				bad += !fi_prefix_contains(&c, &a) || c.len != len + bits;
				bad += k == 0 && cell != 0;
				bad += k == 1 && cell != h.ncells - 1;
			}
			/* consecutive cells are adjacent address ranges */
			for (uint32_t i = 0; i < h.ncells && i < 4096; i++) {
				fi_hilbert_cell_prefix(&h, i, &c);
				fi_prefix_range(&c, &clo, &chi);
				if (i == 0)
					bad += fi_addr_cmp(&clo, &lo) != 0;
				else
					bad += fi_addr_cmp(&prev.addr, &clo) >= 0;
				bad += fi_hilbert_cell(&h, &clo) != i ||
				       fi_hilbert_cell(&h, &chi) != i;
				prev = c;
			}
			if (h.ncells <= 4096)
				bad += fi_addr_cmp(&chi, &hi) != 0;
		}
	}
	CHECK_UINT(bad, 0);
	CHECK(plans > 1000);
}

int
main(void)
{
	test_defaults();
	test_errors();
	test_vectors();
	test_exhaustive();
	return fi_test_result("test_hilbert");
}
