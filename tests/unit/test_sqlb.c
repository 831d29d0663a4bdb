/*
 * test_sqlb.c: the statement builder (fcgi/fi_sqlb.h). Every `?` of the text
 * comes with its value in the same place of the value list; fixed text with
 * a `?` is refused; the caps on text and values stop the builder with a
 * sticky error and leave text and values agreeing.
 */
#include "fi_err.h"
#include "fi_sqlb.h"
#include "fi_test.h"

/* The number of `?` in the builder's text. */
static unsigned
marks(const struct fi_sqlb *b)
{
	unsigned n = 0;

	for (const char *p = fi_sqlb_text(b); *p != '\0'; p++)
		n += *p == '?';
	return n;
}

static struct fi_prefix
prefix(const char *text)
{
	struct fi_prefix p;

	memset(&p, 0, sizeof(p));
	CHECK_INT(fi_prefix_parse((struct fi_str){text, strlen(text)}, 0, &p), 0);
	return p;
}

/* Checks value idx of builder bld is the unsigned integer want. */
#define CHECK_U64_AT(bld, idx, want)                                                     \
	do {                                                                             \
		CHECK_INT(fi_sqlb_params(bld)[idx].type, FI_VAL_UINT);                   \
		CHECK_UINT(fi_sqlb_params(bld)[idx].v.u, (want));                        \
	} while (0)

/* Checks value idx of builder bld is the 16 bytes of address addr. */
#define CHECK_ADDR_AT(bld, idx, addr)                                                    \
	do {                                                                             \
		const struct fi_val *fi_v_ = &fi_sqlb_params(bld)[idx];                  \
		CHECK_INT(fi_v_->type, FI_VAL_BLOB);                                     \
		CHECK_UINT(fi_v_->v.s.n, 16);                                            \
		CHECK(memcmp(fi_v_->v.s.p, (addr)->b, 16) == 0);                         \
	} while (0)

static void
test_text_and_values(void)
{
	struct fi_sqlb b;
	struct fi_addr a = fi_addr_from_v4(167772161); /* 10.0.0.1 */

	CHECK_INT(fi_sqlb_init(&b, 4096, 16), 0);
	CHECK_STR(fi_sqlb_text(&b), "");
	CHECK_UINT(fi_sqlb_nparams(&b), 0);
	fi_sqlb_add(&b, "SELECT x FROM t WHERE bucket >= ");
	fi_sqlb_u64(&b, 600);
	fi_sqlb_addf(&b, " AND %s <= ", "bucket");
	fi_sqlb_u64(&b, UINT64_MAX);
	fi_sqlb_add(&b, " AND src = ");
	fi_sqlb_addr(&b, &a);
	a = fi_addr_from_v4(1); /* the builder keeps its own copy */
	CHECK_INT(fi_sqlb_error(&b), 0);
	CHECK_STR(fi_sqlb_text(&b),
		  "SELECT x FROM t WHERE bucket >= ? AND bucket <= ? AND src = ?");
	CHECK_UINT(fi_sqlb_nparams(&b), 3);
	CHECK_UINT(marks(&b), 3);
	CHECK_U64_AT(&b, 0, 600);
	CHECK_U64_AT(&b, 1, UINT64_MAX);
	a = fi_addr_from_v4(167772161);
	CHECK_ADDR_AT(&b, 2, &a);
	fi_sqlb_reset(&b);
	CHECK_STR(fi_sqlb_text(&b), "");
	CHECK_UINT(fi_sqlb_nparams(&b), 0);
	fi_sqlb_fini(&b);
}

/* A `?` in fixed text would be a placeholder without a value. */
static void
test_mark_in_text_refused(void)
{
	struct fi_sqlb b;

	CHECK_INT(fi_sqlb_init(&b, 4096, 16), 0);
	fi_sqlb_add(&b, "a = ");
	fi_sqlb_add(&b, "? AND b = 1");
	CHECK_INT(fi_sqlb_error(&b), FI_EINTERNAL);
	CHECK_STR(fi_sqlb_text(&b), "a = ");
	/* sticky: nothing more is added, not even a value with its mark */
	fi_sqlb_u64(&b, 5);
	fi_sqlb_add(&b, "x");
	CHECK_STR(fi_sqlb_text(&b), "a = ");
	CHECK_UINT(fi_sqlb_nparams(&b), 0);
	fi_sqlb_reset(&b);
	CHECK_INT(fi_sqlb_error(&b), 0);
	fi_sqlb_addf(&b, "%s", "?");
	CHECK_INT(fi_sqlb_error(&b), FI_EINTERNAL);
	fi_sqlb_reset(&b);
	fi_sqlb_add(&b, "c = 1");
	fi_sqlb_wrap(&b, "SELECT COUNT(*) FROM (", ") t WHERE ?");
	CHECK_INT(fi_sqlb_error(&b), FI_EINTERNAL);
	CHECK_STR(fi_sqlb_text(&b), "c = 1");
	fi_sqlb_fini(&b);
}

static void
test_addf_overflow(void)
{
	struct fi_sqlb b;
	char big[300];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_INT(fi_sqlb_init(&b, 4096, 16), 0);
	fi_sqlb_addf(&b, "%s", big + 45); /* 254 bytes: fits */
	CHECK_INT(fi_sqlb_error(&b), 0);
	CHECK_UINT(strlen(fi_sqlb_text(&b)), 254);
	fi_sqlb_addf(&b, "%s", big); /* 299 bytes: never cut silently */
	CHECK_INT(fi_sqlb_error(&b), FI_EINTERNAL);
	CHECK_UINT(strlen(fi_sqlb_text(&b)), 254);
	fi_sqlb_fini(&b);
}

/* More values than the cap: the last `?` is not written either. */
static void
test_value_cap(void)
{
	struct fi_sqlb b;
	struct fi_addr a = fi_addr_from_v4(7);

	CHECK_INT(fi_sqlb_init(&b, 4096, 3), 0);
	for (unsigned i = 0; i < 5; i++) {
		fi_sqlb_add(&b, i ? ", " : "(");
		fi_sqlb_u64(&b, i);
	}
	CHECK_INT(fi_sqlb_error(&b), FI_ETOOBIG);
	CHECK_UINT(fi_sqlb_nparams(&b), 3);
	CHECK_UINT(marks(&b), 3);
	CHECK_STR(fi_sqlb_text(&b), "(?, ?, ?, ");
	for (unsigned i = 0; i < 3; i++)
		CHECK_U64_AT(&b, i, i);
	/* addresses count against the same cap */
	fi_sqlb_reset(&b);
	fi_sqlb_u64(&b, 1);
	fi_sqlb_addr(&b, &a);
	fi_sqlb_addr(&b, &a);
	CHECK_INT(fi_sqlb_error(&b), 0);
	fi_sqlb_addr(&b, &a);
	CHECK_INT(fi_sqlb_error(&b), FI_ETOOBIG);
	CHECK_UINT(fi_sqlb_nparams(&b), 3);
	CHECK_UINT(marks(&b), 3);
	CHECK_ADDR_AT(&b, 2, &a);
	fi_sqlb_fini(&b);
}

/* The text cap: an append that does not fit leaves the text as it was. */
static void
test_text_cap(void)
{
	struct fi_sqlb b;

	CHECK_INT(fi_sqlb_init(&b, 10, 16), 0);
	fi_sqlb_add(&b, "a = ");
	fi_sqlb_u64(&b, 1);
	fi_sqlb_add(&b, " OR ");
	CHECK_INT(fi_sqlb_error(&b), 0);
	CHECK_STR(fi_sqlb_text(&b), "a = ? OR "); /* 9 of 10 bytes */
	fi_sqlb_add(&b, "bb");
	CHECK_INT(fi_sqlb_error(&b), FI_ETOOBIG);
	CHECK_STR(fi_sqlb_text(&b), "a = ? OR ");
	fi_sqlb_reset(&b);
	fi_sqlb_add(&b, "0123456789"); /* exactly the cap */
	CHECK_INT(fi_sqlb_error(&b), 0);
	fi_sqlb_u64(&b, 42); /* no room for its `?`: no value either */
	CHECK_INT(fi_sqlb_error(&b), FI_ETOOBIG);
	CHECK_UINT(fi_sqlb_nparams(&b), 0);
	CHECK_UINT(marks(&b), 0);
	CHECK_UINT(strlen(fi_sqlb_text(&b)), 10);
	/* the wrapper of a count must fit too; the old text stays whole */
	fi_sqlb_reset(&b);
	fi_sqlb_add(&b, "x = ");
	fi_sqlb_u64(&b, 3);
	fi_sqlb_wrap(&b, "COUNT(", ")");
	CHECK_INT(fi_sqlb_error(&b), FI_ETOOBIG);
	CHECK_STR(fi_sqlb_text(&b), "x = ?");
	CHECK_UINT(fi_sqlb_nparams(&b), 1);
	fi_sqlb_fini(&b);
}

static void
test_in_ports(void)
{
	static const uint16_t ports[] = {80, 443, 0};
	struct fi_sqlb b;

	CHECK_INT(fi_sqlb_init(&b, 4096, 16), 0);
	fi_sqlb_in_ports(&b, "sport", 0, ports, 3);
	fi_sqlb_add(&b, " AND ");
	fi_sqlb_in_ports(&b, "dport", 1, ports, 1);
	CHECK_STR(fi_sqlb_text(&b), "sport IN (?, ?, ?) AND dport NOT IN (?)");
	CHECK_UINT(fi_sqlb_nparams(&b), 4);
	CHECK_U64_AT(&b, 0, 80);
	CHECK_U64_AT(&b, 1, 443);
	CHECK_U64_AT(&b, 2, 0);
	CHECK_U64_AT(&b, 3, 80);
	fi_sqlb_fini(&b);
}

/* Single addresses go into IN lists per expression, prefixes into ranges. */
static void
test_in_prefixes(void)
{
	static const char *const both[2] = {"src", "dst"};
	struct fi_prefix p[3] = {prefix("10.0.0.1"), prefix("10.1.0.0/16"),
				 prefix("2001:db8::1")};
	struct fi_addr lo, hi;
	struct fi_sqlb b;

	CHECK_INT(fi_sqlb_init(&b, 4096, 16), 0);
	fi_sqlb_in_prefixes(&b, both, 2, p, 3);
	CHECK_INT(fi_sqlb_error(&b), 0);
	CHECK_STR(fi_sqlb_text(&b), "(src IN (?, ?) OR dst IN (?, ?)"
				    " OR src BETWEEN ? AND ? OR dst BETWEEN ? AND ?)");
	CHECK_UINT(fi_sqlb_nparams(&b), 8);
	CHECK_UINT(marks(&b), 8);
	fi_prefix_range(&p[1], &lo, &hi);
	CHECK_ADDR_AT(&b, 0, &p[0].addr);
	CHECK_ADDR_AT(&b, 1, &p[2].addr);
	CHECK_ADDR_AT(&b, 2, &p[0].addr);
	CHECK_ADDR_AT(&b, 3, &p[2].addr);
	CHECK_ADDR_AT(&b, 4, &lo);
	CHECK_ADDR_AT(&b, 5, &hi);
	CHECK_ADDR_AT(&b, 6, &lo);
	CHECK_ADDR_AT(&b, 7, &hi);
	/* only a range: no empty IN list */
	fi_sqlb_reset(&b);
	fi_sqlb_in_prefixes(&b, both, 1, &p[1], 1);
	CHECK_STR(fi_sqlb_text(&b), "(src BETWEEN ? AND ?)");
	CHECK_UINT(fi_sqlb_nparams(&b), 2);
	fi_sqlb_fini(&b);
}

/* The count wrapper keeps the values, in order. */
static void
test_wrap(void)
{
	struct fi_sqlb b;

	CHECK_INT(fi_sqlb_init(&b, 4096, 16), 0);
	fi_sqlb_add(&b, "SELECT a FROM t WHERE a > ");
	fi_sqlb_u64(&b, 9);
	fi_sqlb_add(&b, " AND b < ");
	fi_sqlb_u64(&b, 10);
	fi_sqlb_wrap(&b, "SELECT COUNT(*) FROM (", ") fi_t");
	CHECK_INT(fi_sqlb_error(&b), 0);
	CHECK_STR(fi_sqlb_text(&b),
		  "SELECT COUNT(*) FROM (SELECT a FROM t WHERE a > ? AND b < ?) fi_t");
	CHECK_UINT(fi_sqlb_nparams(&b), 2);
	CHECK_U64_AT(&b, 0, 9);
	CHECK_U64_AT(&b, 1, 10);
	/* values may follow the wrapper */
	fi_sqlb_add(&b, " LIMIT ");
	fi_sqlb_u64(&b, 1);
	CHECK_UINT(marks(&b), 3);
	CHECK_U64_AT(&b, 2, 1);
	fi_sqlb_fini(&b);
}

int
main(void)
{
	struct fi_sqlb zero;

	test_text_and_values();
	test_mark_in_text_refused();
	test_addf_overflow();
	test_value_cap();
	test_text_cap();
	test_in_ports();
	test_in_prefixes();
	test_wrap();
	/* fini is safe on a zeroed builder */
	memset(&zero, 0, sizeof(zero));
	fi_sqlb_fini(&zero);
	return fi_test_result("test_sqlb");
}
