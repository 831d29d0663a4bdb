/*
 * test_addr.c: address and prefix parsing, formatting and ranges (IPv4 as
 * integer and dotted, IPv6, CIDR of both, the 16-byte mapped form).
 */
#include "fi_addr.h"
#include "fi_err.h"
#include "fi_test.h"

static struct fi_str
s(const char *p)
{
	return (struct fi_str){p, strlen(p)};
}

static const char *
fmt(const char *in, int flags)
{
	static char buf[FI_ADDR_TEXT_MAX];
	struct fi_addr a;

	if (fi_addr_parse(s(in), flags, &a) != 0)
		return "ERR";
	return fi_addr_format(&a, buf);
}

static void
test_parse_format(void)
{
	struct fi_addr a;

	CHECK_STR(fmt("10.0.0.1", 0), "10.0.0.1");
	CHECK_STR(fmt("0.0.0.0", 0), "0.0.0.0");
	CHECK_STR(fmt("255.255.255.255", 0), "255.255.255.255");
	CHECK_STR(fmt("167772161", FI_ADDR_ALLOW_INT), "10.0.0.1");
	CHECK_STR(fmt("4294967295", FI_ADDR_ALLOW_INT), "255.255.255.255");
	CHECK_STR(fmt("0", FI_ADDR_ALLOW_INT), "0.0.0.0");
	CHECK_STR(fmt("167772161", 0), "ERR");
	CHECK_STR(fmt("4294967296", FI_ADDR_ALLOW_INT), "ERR");
	CHECK_STR(fmt("2001:db8::1", 0), "2001:db8::1");
	CHECK_STR(fmt("2001:DB8:0:0:0:0:0:1", 0), "2001:db8::1");
	CHECK_STR(fmt("::1", 0), "::1");
	CHECK_STR(fmt("::ffff:10.0.0.1", 0), "10.0.0.1");
	CHECK_STR(fmt("fe80::1%eth0", 0), "ERR");
	static const char *const bad[] = {
	    "",
	    "1.2.3",
	    "1.2.3.4.5",
	    "256.1.1.1",
	    "1.2.3.-4",
	    "1..2.3",
	    "1.2.3.4 ",
	    " 1.2.3.4",
	    "1.2.3.4/8",
	    "a.b.c.d",
	    "1.2.3.0004",
	    "::g",
	    ":::",
	    "1.2.3.4.",
	    "12345678901234567890123456789012345678901234567890123456789012345678901",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = fi_addr_parse(s(bad[i]), FI_ADDR_ALLOW_INT, &a);
		if (rc != FI_EINVAL)
			FI_FAIL_AT("\"%s\" parsed (rc %d)", bad[i], rc);
		fi_test_checks++;
	}

	CHECK(fi_addr_parse(s("10.0.0.1"), 0, &a) == 0);
	CHECK(fi_addr_is_v4(&a));
	CHECK_UINT(fi_addr_v4(&a), 167772161u);
	CHECK_UINT(a.b[10], 0xff);
	CHECK_UINT(a.b[11], 0xff);
	CHECK_UINT(a.b[0], 0);
	CHECK(fi_addr_parse(s("2001:db8::1"), 0, &a) == 0);
	CHECK(!fi_addr_is_v4(&a));
	a = fi_addr_from_v4(0xc0a80101u);
	CHECK_STR(fmt("192.168.1.1", 0), "192.168.1.1");
	{
		char buf[FI_ADDR_TEXT_MAX];
		CHECK_STR(fi_addr_format(&a, buf), "192.168.1.1");
	}
}

static void
test_order(void)
{
	struct fi_addr a, b, c;

	/* IPv4 sorts numerically, and below every global IPv6 address */
	fi_addr_parse(s("9.255.255.255"), 0, &a);
	fi_addr_parse(s("10.0.0.0"), 0, &b);
	fi_addr_parse(s("2001:db8::"), 0, &c);
	CHECK(fi_addr_cmp(&a, &b) < 0);
	CHECK(fi_addr_cmp(&b, &c) < 0);
	CHECK(fi_addr_cmp(&b, &b) == 0);
}

static const char *
range(const char *in)
{
	static char out[2 * FI_ADDR_TEXT_MAX + 8];
	char lo_s[FI_ADDR_TEXT_MAX], hi_s[FI_ADDR_TEXT_MAX];
	struct fi_prefix p;
	struct fi_addr lo, hi;

	if (fi_prefix_parse(s(in), FI_ADDR_ALLOW_INT, &p) != 0)
		return "ERR";
	fi_prefix_range(&p, &lo, &hi);
	snprintf(out, sizeof(out), "%s-%s/%u", fi_addr_format(&lo, lo_s),
		 fi_addr_format(&hi, hi_s), p.len);
	return out;
}

static void
test_prefix(void)
{
	/* the range of a prefix, as range() prints it, or ERR */
	static const struct {
		const char *in, *want;
	} ranges[] = {
	    {"10.0.0.0/8", "10.0.0.0-10.255.255.255/104"},
	    {"10.1.2.3/8", "10.0.0.0-10.255.255.255/104"},
	    {"10.1.2.3/32", "10.1.2.3-10.1.2.3/128"},
	    {"0.0.0.0/0", "0.0.0.0-255.255.255.255/96"},
	    {"192.168.1.128/25", "192.168.1.128-192.168.1.255/121"},
	    {"167772161", "10.0.0.1-10.0.0.1/128"},
	    {"2001:db8::/32", "2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff/32"},
	    {"2001:db8:1:2::/63", "2001:db8:1:2::-2001:db8:1:3:ffff:ffff:ffff:ffff/63"},
	    {"::/0", "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/0"},
	    {"10.0.0.0/33", "ERR"},
	    {"10.0.0.0/", "ERR"},
	    {"10.0.0.0/-1", "ERR"},
	    {"2001:db8::/129", "ERR"},
	    {"167772161/8", "ERR"},
	    {"/8", "ERR"},
	};
	struct fi_prefix p;
	struct fi_addr a;

	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		const char *got = range(ranges[i].in);

		if (strcmp(got, ranges[i].want) != 0)
			fprintf(stderr, "range(\"%s\"):\n", ranges[i].in);
		CHECK_STR(got, ranges[i].want);
	}

	fi_prefix_parse(s("10.0.0.0/8"), 0, &p);
	fi_addr_parse(s("10.200.3.4"), 0, &a);
	CHECK(fi_prefix_contains(&p, &a));
	fi_addr_parse(s("11.0.0.0"), 0, &a);
	CHECK(!fi_prefix_contains(&p, &a));
	fi_addr_parse(s("2001:db8::1"), 0, &a);
	CHECK(!fi_prefix_contains(&p, &a));
}

int
main(void)
{
	test_parse_format();
	test_order();
	test_prefix();
	return fi_test_result("test_addr");
}
