/*
 * test_files.c: the file sources' modules: Zeek conn.log lines as flows
 * (TSV header handling, column order, unset fields, JSON lines with epoch
 * and ISO 8601 times, ICMP, IPv6, every kind of bad record), nfdump's and
 * ra's lines as flows, exact times, and the line reader over plain and gzip
 * files and a program's output, with its offsets and digests.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "fi_addr.h"
#include "fi_argusfile.h"
#include "fi_ftime.h"
#include "fi_lines.h"
#include "fi_nfdump.h"
#include "fi_test.h"
#include "fi_zeek.h"

#define MAXDUR 604800

static struct fi_str
S(const char *s) {
	return (struct fi_str){s, strlen(s)};
}

/* Feeds one line; returns its code, the flows in f, their number in *n. */
static int
line(struct fi_zeek *z, const char *text, struct fi_flow f[2], unsigned *n,
     struct fi_err *err)
{
	fi_err_clear(err);
	return fi_zeek_line(z, S(text), f, n, err);
}

static void
check_addr(const struct fi_addr *a, const char *want)
{
	char buf[FI_ADDR_TEXT_MAX];

	CHECK_STR(fi_addr_format(a, buf), want);
}

static const char tsv_head[] =
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\t"
    "duration\torig_bytes\tresp_bytes\tconn_state\torig_pkts\torig_ip_bytes\t"
    "resp_pkts\tresp_ip_bytes\ttunnel_parents";

static void
test_times(void)
{
	int64_t s, ns;

	CHECK_INT(fi_ftime_decimal(S("1709287200.123456"), &s, &ns), 0);
	CHECK_INT(s, 1709287200);
	CHECK_INT(ns, 123456000);
	CHECK_INT(fi_ftime_decimal(S("12"), &s, &ns), 0);
	CHECK_INT(s, 12);
	CHECK_INT(ns, 0);
	CHECK_INT(fi_ftime_decimal(S("0.0000000019"), &s, &ns),
		  0); /* 10th digit dropped */
	CHECK_INT(ns, 1);
	CHECK_INT(fi_ftime_decimal(S("-1.5"), &s, &ns), FI_EINVAL);
	CHECK_INT(fi_ftime_decimal(S("1."), &s, &ns), FI_EINVAL);
	/* exponents, as a JSON writer prints small numbers */
	CHECK_INT(fi_ftime_decimal(S("1e9"), &s, &ns), 0);
	CHECK_INT(s, 1000000000);
	CHECK_INT(fi_ftime_decimal(S("9.5367431640625e-7"), &s, &ns), 0);
	CHECK_INT(s, 0);
	CHECK_INT(ns, 953);
	CHECK_INT(fi_ftime_decimal(S("1.5E+2"), &s, &ns), 0);
	CHECK_INT(s, 150);
	CHECK_INT(ns, 0);
	CHECK_INT(fi_ftime_decimal(S("0012.50"), &s, &ns), 0);
	CHECK_INT(s, 12);
	CHECK_INT(ns, 500000000);
	CHECK_INT(fi_ftime_decimal(S("1e"), &s, &ns), FI_EINVAL);
	CHECK_INT(fi_ftime_decimal(S("1e13"), &s, &ns), FI_EINVAL);
	CHECK_INT(fi_ftime_decimal(S(""), &s, &ns), FI_EINVAL);
	CHECK_INT(fi_ftime_decimal(S("1234567890123"), &s, &ns), FI_EINVAL);

	CHECK_INT(fi_ftime_iso8601(S("2024-03-01T10:00:00.5Z"), &s, &ns), 0);
	CHECK_INT(s, 1709287200);
	CHECK_INT(ns, 500000000);
	CHECK_INT(fi_ftime_iso8601(S("1970-01-01T00:00:00Z"), &s, &ns), 0);
	CHECK_INT(s, 0);
	CHECK_INT(fi_ftime_iso8601(S("2024-02-29T23:59:59+01:00"), &s, &ns), 0);
	CHECK_INT(s, 1709251199 - 3600); /* 2024-03-01T00:00:00Z is 1709251200 */
	CHECK_INT(fi_ftime_iso8601(S("2024-03-01T10:00:00"), &s, &ns), FI_EINVAL);
	CHECK_INT(fi_ftime_iso8601(S("2024-13-01T10:00:00Z"), &s, &ns), FI_EINVAL);
	CHECK_INT(fi_ftime_iso8601(S("2024-03-01T10:00"), &s, &ns), FI_EINVAL);
	CHECK_INT(fi_ftime_iso8601(S("2024-03-01T10:00:00.Z"), &s, &ns), FI_EINVAL);
}

static void
test_tsv(void)
{
	struct fi_zeek z;
	struct fi_flow f[2];
	struct fi_err err;
	unsigned n;

	fi_zeek_init(&z, MAXDUR);
	CHECK_INT(line(&z, "#separator \\x09", f, &n, &err), 0);
	CHECK_INT(line(&z, "#unset_field\t-", f, &n, &err), 0);
	/* a record before #fields is bad, the log goes on */
	CHECK_INT(line(&z, "1\tC\t10.0.0.1\t1\t10.0.0.2\t2\ttcp", f, &n, &err),
		  FI_EINVAL);
	CHECK_CONTAINS(err.msg, "before the #fields");
	CHECK_INT(line(&z, tsv_head, f, &n, &err), 0);
	CHECK_UINT(n, 0);

	/* 125.5 s from .123456: the end is floor(ts + duration) */
	CHECK_INT(line(&z,
		       "1709287200.623456\tCa\t10.0.0.1\t51000\t10.0.0.2\t80\ttcp\thttp\t"
		       "125.5\t100\t2000\tSF\t10\t620\t8\t2420\t(empty)",
		       f, &n, &err),
		  0);
	CHECK_UINT(n, 2);
	CHECK_INT(f[0].first, 1709287200);
	CHECK_INT(f[0].last, 1709287326);
	check_addr(&f[0].src, "10.0.0.1");
	check_addr(&f[0].dst, "10.0.0.2");
	CHECK_UINT(f[0].sport, 51000);
	CHECK_UINT(f[0].dport, 80);
	CHECK_UINT(f[0].proto, 6);
	CHECK_UINT(f[0].packets, 10);
	CHECK_UINT(f[0].bytes, 620);
	CHECK_UINT(f[0].flows, FI_FLOW_UNIT);
	check_addr(&f[1].src, "10.0.0.2");
	CHECK_UINT(f[1].sport, 80);
	CHECK_UINT(f[1].dport, 51000);
	CHECK_UINT(f[1].packets, 8);
	CHECK_UINT(f[1].bytes, 2420);
	CHECK_INT(f[1].last, 1709287326);

	/* unset duration and counters; no resp packets: one flow */
	CHECK_INT(
	    line(&z,
		 "1709287400.999999\tCb\t2001:db8::1\t5353\tff02::fb\t5353\tudp\tdns\t-\t"
		 "-\t-\tS0\t1\t120\t-\t-\t(empty)",
		 f, &n, &err),
	    0);
	CHECK_UINT(n, 1);
	CHECK_INT(f[0].last, 1709287400);
	check_addr(&f[0].src, "2001:db8::1");
	CHECK_UINT(f[0].proto, 17);

	/* ICMP: type and code as the destination port, both directions */
	CHECK_INT(line(&z,
		       "1709287300.5\tCc\t10.0.0.3\t8\t10.0.0.4\t0\ticmp\t-\t1."
		       "0\t64\t64\tOTH\t2\t"
		       "168\t2\t168\t(empty)",
		       f, &n, &err),
		  0);
	CHECK_UINT(n, 2);
	CHECK_UINT(f[0].proto, 1);
	CHECK_UINT(f[0].sport, 0);
	CHECK_UINT(f[0].dport, 8 << 8);
	CHECK_UINT(f[1].sport, 0);
	CHECK_UINT(f[1].dport, 0); /* the reply: type 0, code 0 */
	check_addr(&f[1].src, "10.0.0.4");
	CHECK_INT(
	    line(&z,
		 "1709287300\tCd\tfe80::1\t128\tfe80::2\t0\ticmp\t-\t-\t-\t-\tOTH\t1\t"
		 "104\t0\t0\t(empty)",
		 f, &n, &err),
	    0);
	CHECK_UINT(f[0].proto, 58);
	CHECK_UINT(f[0].dport, 128 << 8);
	/* Zeek logs a request with its reply's type as resp_p */
	CHECK_INT(
	    line(&z,
		 "1709287300\tCd\tfe80::1\t128\tfe80::2\t129\ticmp\t-\t-\t-\t-\tOTH\t1\t"
		 "104\t1\t104\t(empty)",
		 f, &n, &err),
	    0);
	CHECK_UINT(n, 2);
	CHECK_UINT(f[0].dport, 128 << 8);
	CHECK_UINT(f[1].dport, 129 << 8);
	/* a one-way message: resp_p is its code, in both directions */
	CHECK_INT(
	    line(&z,
		 "1709287300\tCd\t10.0.0.1\t3\t10.0.0.2\t3\ticmp\t-\t-\t-\t-\tOTH\t1\t"
		 "56\t1\t56\t(empty)",
		 f, &n, &err),
	    0);
	CHECK_UINT(f[0].dport, 3 << 8 | 3);
	CHECK_UINT(f[1].dport, 3 << 8 | 3);
	CHECK_INT(
	    line(
		&z,
		"1\tCe\t10.0.0.1\t1\t2001:db8::2\t2\ttcp\t-\t-\t-\t-\tS0\t1\t40\t0\t0\t-",
		f, &n, &err),
	    FI_EINVAL);
	CHECK_CONTAINS(err.msg, "an IPv4 and an IPv6 address");
	CHECK_INT(line(&z,
		       "4294967296\tCe\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t-\t-\t-"
		       "\tS0\t1\t40\t0\t0\t-",
		       f, &n, &err),
		  FI_EINVAL);
	CHECK_CONTAINS(err.msg, "2106");

	/* bad records: each says why */
	CHECK_INT(
	    line(&z,
		 "x\tCe\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t-\t-\t-\tS0\t1\t40\t0\t0\t-",
		 f, &n, &err),
	    FI_EINVAL);
	CHECK_CONTAINS(err.msg, "ts x");
	CHECK_INT(
	    line(&z,
		 "1\tCe\t10.0.0.300\t1\t10.0.0.2\t2\ttcp\t-\t-\t-\t-\tS0\t1\t40\t0\t0\t-",
		 f, &n, &err),
	    FI_EINVAL);
	CHECK_CONTAINS(err.msg, "id.orig_h");
	CHECK_INT(line(&z,
		       "1\tCe\t10.0.0.1\t70000\t10.0.0.2\t2\ttcp\t-\t-\t-\t-"
		       "\tS0\t1\t40\t0\t0\t-",
		       f, &n, &err),
		  FI_EINVAL);
	CHECK_CONTAINS(err.msg, "not a port");
	CHECK_INT(
	    line(
		&z,
		"1\tCe\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t-0.5\t-\t-\tS0\t1\t40\t0\t0\t-",
		f, &n, &err),
	    FI_EINVAL);
	CHECK_CONTAINS(err.msg, "duration");
	CHECK_INT(
	    line(&z,
		 "1\tCe\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t-\t-\t-\tS0\t1.5\t40\t0\t0\t-",
		 f, &n, &err),
	    FI_EINVAL);
	CHECK_CONTAINS(err.msg, "orig_pkts");
	CHECK_INT(line(&z, "1\tCe\t10.0.0.1", f, &n, &err), FI_EINVAL);
	CHECK_CONTAINS(err.msg, "3 fields where #fields names 17");
	CHECK_INT(line(&z,
		       "1\tCe\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t700000\t-\t-"
		       "\tS0\t1\t40\t0\t0\t-",
		       f, &n, &err),
		  FI_EINVAL);
	CHECK_CONTAINS(err.msg, "max_flow_duration");
	CHECK_INT(line(&z,
		       "1\tCe\t-\t1\t10.0.0.2\t2\ttcp\t-\t-\t-\t-\tS0\t1\t40\t0\t0\t-", f,
		       &n, &err),
		  FI_EINVAL);
	CHECK_CONTAINS(err.msg, "id.orig_h: unset");

	CHECK_INT(line(&z,
		       "#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\t"
		       "orig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\tts",
		       f, &n, &err),
		  FI_ECONFIG);
	CHECK_CONTAINS(err.msg, "names ts twice");
	/* a header without a column a flow needs refuses the log */
	CHECK_INT(line(&z,
		       "#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto",
		       f, &n, &err),
		  FI_ECONFIG);
	CHECK_CONTAINS(err.msg, "orig_pkts");
}

static void
test_tsv_header(void)
{
	struct fi_zeek z;
	struct fi_flow f[2];
	struct fi_err err;
	unsigned n;

	/* another separator, unset and empty marks; columns in another order */
	fi_zeek_init(&z, MAXDUR);
	CHECK_INT(line(&z, "#separator \\x7c", f, &n, &err), 0);
	CHECK_INT(line(&z, "#unset_field|NONE", f, &n, &err), 0);
	CHECK_INT(line(&z, "#empty_field|EMPTY", f, &n, &err), 0);
	CHECK_INT(
	    line(&z,
		 "#fields|resp_ip_bytes|resp_pkts|orig_ip_bytes|orig_pkts|ip_proto|proto|"
		 "id.resp_p|id.resp_h|id.orig_p|id.orig_h|extra|duration|ts",
		 f, &n, &err),
	    0);
	CHECK_INT(line(&z,
		       "300|2|100|1|132|unknown_transport|0|10.0.0.2|0|10.0.0.1|x|"
		       "NONE|1709287200",
		       f, &n, &err),
		  0);
	CHECK_UINT(n, 2);
	CHECK_UINT(f[0].proto, 132);
	CHECK_UINT(f[0].packets, 1);
	CHECK_UINT(f[0].bytes, 100);
	CHECK_UINT(f[1].bytes, 300);
	CHECK_INT(line(&z,
		       "EMPTY|0|100|1|NONE|udp|53|10.0.0.2|5353|10.0.0.1|x|0.1|"
		       "1709287200",
		       f, &n, &err),
		  0);
	CHECK_UINT(n, 1);
	CHECK_UINT(f[0].proto, 17);
	/* an escaped byte in a value */
	CHECK_INT(line(&z,
		       "0|0|100|1|NONE|udp|53|10.0.0.2|5353|10\\x2e0.0.1|x|0.1|"
		       "1709287200",
		       f, &n, &err),
		  0);
	check_addr(&f[0].src, "10.0.0.1");
	/* a later #fields applies to the lines after it */
	CHECK_INT(
	    line(&z,
		 "#fields|ts|id.orig_h|id.orig_p|id.resp_h|id.resp_p|proto|orig_pkts|"
		 "orig_ip_bytes|resp_pkts|resp_ip_bytes",
		 f, &n, &err),
	    0);
	CHECK_INT(line(&z, "5|10.0.0.1|1|10.0.0.2|2|tcp|1|40|0|0", f, &n, &err), 0);
	CHECK_INT(f[0].first, 5);
	CHECK_INT(line(&z, "#separator \\xZZ", f, &n, &err), FI_ECONFIG);
}

static void
test_json(void)
{
	struct fi_zeek z;
	struct fi_flow f[2];
	struct fi_err err;
	unsigned n;

	fi_zeek_init(&z, MAXDUR);
	CHECK_INT(
	    line(&z,
		 "{\"ts\":1709287200.999999,\"uid\":\"Cx\",\"id.orig_h\":\"10.0.0.1\","
		 "\"id.orig_p\":40000,\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":443,"
		 "\"proto\":\"tcp\",\"service\":\"ssl\",\"duration\":0.000001,"
		 "\"orig_pkts\":3,\"orig_ip_bytes\":200,\"resp_pkts\":2,"
		 "\"resp_ip_bytes\":150,\"tunnel_parents\":[\"Ca\",\"Cb\"],"
		 "\"x\":{\"y\":[1,{\"z\":null}]},\"local_orig\":true}",
		 f, &n, &err),
	    0);
	CHECK_UINT(n, 2);
	CHECK_INT(f[0].first, 1709287200);
	CHECK_INT(f[0].last, 1709287201);
	CHECK_UINT(f[1].bytes, 150);
	/* ISO 8601 ts; absent (unset) counters and duration */
	CHECK_INT(
	    line(&z,
		 "{ \"ts\" : \"2024-03-01T10:00:00.5Z\", \"id.orig_h\":\"2001:db8::1\","
		 "\"id.orig_p\":1,\"id.resp_h\":\"2001:db8::2\",\"id.resp_p\":2,"
		 "\"proto\":\"icmp\",\"orig_pkts\":1,\"orig_ip_bytes\":48 } ",
		 f, &n, &err),
	    0);
	CHECK_UINT(n, 1);
	CHECK_INT(f[0].first, 1709287200);
	CHECK_INT(f[0].last, 1709287200);
	CHECK_UINT(f[0].proto, 58);
	CHECK_UINT(f[0].dport, 1 << 8 | 2);
	CHECK_UINT(f[0].bytes, 48);
	/* escapes in a string we read */
	CHECK_INT(line(&z,
		       "{\"ts\":1,\"id.orig_h\":\"10.0.0.\\u0031\",\"id.orig_p\":1,"
		       "\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":2,\"proto\":\"udp\","
		       "\"service\":\"a\\\"b\"}",
		       f, &n, &err),
		  0);
	check_addr(&f[0].src, "10.0.0.1");
	CHECK_UINT(f[0].packets, 0);
	/* bad ones */
	CHECK_INT(line(&z, "{\"ts\":1,", f, &n, &err), FI_EINVAL);
	CHECK_CONTAINS(err.msg, "not a JSON object");
	CHECK_INT(line(&z, "{\"ts\":1} x", f, &n, &err), FI_EINVAL);
	CHECK_INT(line(&z, "{\"ts\":1}", f, &n, &err), FI_EINVAL);
	CHECK_CONTAINS(err.msg, "id.orig_h: unset");
	CHECK_INT(line(&z,
		       "{\"ts\":[1],\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,"
		       "\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":2,\"proto\":\"udp\"}",
		       f, &n, &err),
		  FI_EINVAL);
	CHECK_CONTAINS(err.msg, "not a single value");
	CHECK_INT(line(&z,
		       "{\"ts\":17O9,\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,"
		       "\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":2,\"proto\":\"udp\"}",
		       f, &n, &err),
		  FI_EINVAL);
	CHECK_CONTAINS(err.msg, "not a time");
	/* empty lines and a CR before the newline */
	CHECK_INT(line(&z, "", f, &n, &err), 0);
	CHECK_UINT(n, 0);
	CHECK_INT(line(&z,
		       "{\"ts\":1,\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":1,"
		       "\"id.resp_h\":\"10.0.0.2\",\"id.resp_p\":2,\"proto\":\"udp\"}\r",
		       f, &n, &err),
		  0);
	CHECK_UINT(n, 1);
}

/* Writes text to path, gzip-compressed when gz. */
static void
put(const char *path, const char *text, int gz)
{
	if (gz) {
		gzFile g = gzopen(path, "wb");

		CHECK(g != NULL);
		CHECK_INT(gzwrite(g, text, (unsigned)strlen(text)),
			  (long long)strlen(text));
		gzclose(g);
	} else {
		FILE *f = fopen(path, "w");

		CHECK(f != NULL);
		fputs(text, f);
		fclose(f);
	}
}

static void
test_lines(void)
{
	char dir[] = "/tmp/fi-test-zeek.XXXXXX", plain[64], gz[64];
	struct fi_lines l;
	struct fi_str s;
	struct fi_err err;
	struct fi_digest d;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(plain, sizeof(plain), "%s/a.log", dir);
	snprintf(gz, sizeof(gz), "%s/a.log.gz", dir);
	for (int z = 0; z < 2; z++) {
		put(z ? gz : plain, "one\ntwo\r\nthr", z);
		fi_err_clear(&err);
		CHECK_INT(fi_lines_open(&l, z ? gz : plain, &err), 0);
		CHECK_INT(fi_lines_next(&l, &s, &err), 1);
		CHECK_UINT(s.n, 3);
		CHECK(memcmp(s.p, "one", 3) == 0);
		CHECK_INT(fi_lines_next(&l, &s, &err), 1);
		CHECK_UINT(s.n, 4); /* the CR is the caller's */
		CHECK_UINT(l.off, 9);
		CHECK_UINT(l.line, 2);
		fi_digest_init(&d);
		fi_digest_add(&d, "one\ntwo\r\n", 9);
		CHECK(fi_digest_eq(&d, &l.digest));
		/* an unfinished last line waits */
		CHECK_INT(fi_lines_next(&l, &s, &err), 0);
		CHECK_UINT(fi_lines_pending(&l), 3);
		fi_lines_close(&l, NULL);
	}
	/* a plain file that grows is read on */
	fi_err_clear(&err);
	CHECK_INT(fi_lines_open(&l, plain, &err), 0);
	CHECK_INT(fi_lines_next(&l, &s, &err), 1);
	CHECK_INT(fi_lines_next(&l, &s, &err), 1);
	CHECK_INT(fi_lines_next(&l, &s, &err), 0);
	f = fopen(plain, "a");
	CHECK(f != NULL);
	fputs("ee\nfour\n", f);
	fclose(f);
	fi_lines_more(&l);
	CHECK_INT(fi_lines_next(&l, &s, &err), 1);
	CHECK_UINT(s.n, 5);
	CHECK(memcmp(s.p, "three", 5) == 0);
	CHECK_INT(fi_lines_next(&l, &s, &err), 1);
	CHECK_INT(fi_lines_next(&l, &s, &err), 0);
	CHECK_UINT(fi_lines_pending(&l), 0);
	CHECK_UINT(l.line, 4);
	fi_lines_close(&l, NULL);
	/* a broken gzip stream is an error, not an end */
	f = fopen(gz, "r+");
	CHECK(f != NULL);
	fseek(f, -6, SEEK_END);
	fputs("xxxxxx", f);
	fclose(f);
	CHECK_INT(fi_lines_open(&l, gz, &err), 0);
	{
		int rc;

		while ((rc = fi_lines_next(&l, &s, &err)) == 1)
			;
		CHECK_INT(rc, FI_EIO);
	}
	fi_lines_close(&l, NULL);
	CHECK_INT(fi_lines_open(&l, "/nonexistent/x.log", &err), FI_EIO);
	/* a program's output, and its exit status */
	{
		const char *const ok[] = {"sh", "-c", "echo \"$TZ\"; printf 'b\\nc'",
					  NULL};
		const char *const bad[] = {"sh", "-c", "echo a; exit 3", NULL};
		const char *const none[] = {"/nonexistent/prog", NULL};

		CHECK_INT(fi_lines_open_cmd(&l, ok, &err), 0);
		CHECK_INT(fi_lines_next(&l, &s, &err), 1);
		CHECK_UINT(s.n, 3);
		CHECK(memcmp(s.p, "UTC", 3) == 0);
		CHECK_INT(fi_lines_next(&l, &s, &err), 1);
		CHECK_INT(fi_lines_next(&l, &s, &err), 0);
		CHECK_UINT(fi_lines_pending(&l), 1);
		CHECK_INT(fi_lines_close(&l, &err), 0);
		CHECK_INT(fi_lines_open_cmd(&l, bad, &err), 0);
		CHECK_INT(fi_lines_next(&l, &s, &err), 1);
		CHECK_INT(fi_lines_next(&l, &s, &err), 0);
		fi_err_clear(&err);
		CHECK_INT(fi_lines_close(&l, &err), FI_EIO);
		CHECK_CONTAINS(err.msg, "exited with 3");
		CHECK_INT(fi_lines_open_cmd(&l, none, &err), 0);
		CHECK_INT(fi_lines_next(&l, &s, &err), 0);
		fi_err_clear(&err);
		CHECK_INT(fi_lines_close(&l, &err), FI_EIO);
		CHECK_CONTAINS(err.msg, "exited with 127");
	}
	unlink(plain);
	unlink(gz);
	rmdir(dir);
}

static void
test_nfdump(void)
{
	struct fi_flow f;
	struct fi_err err;
	unsigned n;

	fi_err_clear(&err);
	CHECK_INT(
	    fi_nfdump_line(S("2024-03-10 23:40:01.619|2024-03-10 23:40:04.895|17   |  "
			     "   172.21.213.145|   203.0.113.15|   123|   123|       2|  "
			     "   393|    1"),
			   MAXDUR, &f, &n, &err),
	    0);
	CHECK_UINT(n, 1);
	CHECK_INT(f.first, 1710114001);
	CHECK_INT(f.last, 1710114004);
	CHECK_UINT(f.proto, 17);
	check_addr(&f.src, "172.21.213.145");
	CHECK_UINT(f.sport, 123);
	CHECK_UINT(f.packets, 2);
	CHECK_UINT(f.bytes, 393);
	CHECK_UINT(f.flows, FI_FLOW_UNIT);
	/* ICMP's type.code; an aggregated record's flow count */
	CHECK_INT(fi_nfdump_line(S("2024-03-10 23:40:01.000|2024-03-10 23:40:01.000|58|"
				   "2001:db8::1|2001:db8::2|0|128.0|3|312|4"),
				 MAXDUR, &f, &n, &err),
		  0);
	CHECK_UINT(f.dport, 128 << 8);
	CHECK_UINT(f.flows, 4 * FI_FLOW_UNIT);
	CHECK_INT(fi_nfdump_line(S("2024-03-10 23:40:04.000|2024-03-10 23:40:01.000|6|"
				   "10.0.0.1|10.0.0.2|1|2|3|312|1"),
				 MAXDUR, &f, &n, &err),
		  FI_EINVAL);
	CHECK_CONTAINS(err.msg, "ends before it starts");
	fi_err_clear(&err);
	CHECK_INT(fi_nfdump_line(S("2024-03-10 23:40:01.000|2024-03-10 23:40:01.000|6|"
				   "10.0.0.1|10.0.0.2|1|2|3|312"),
				 MAXDUR, &f, &n, &err),
		  FI_EINVAL);
	CHECK_CONTAINS(err.msg, "9 fields");
	fi_err_clear(&err);
	CHECK_INT(fi_nfdump_line(S("2024-03-10 23:40:01.000|2024-03-10 23:40:01.000|TCP|"
				   "10.0.0.1|10.0.0.2|1|2|3|312|1"),
				 MAXDUR, &f, &n, &err),
		  FI_EINVAL);
	CHECK_CONTAINS(err.msg, "protocol TCP");
	CHECK(!fi_nfdump_is_record(S("No matching flows")));
	CHECK(fi_nfdump_is_record(S("2024-03-10 23:40:01.000|")));
}

static void
test_argusfile(void)
{
	struct fi_argusfile a;
	struct fi_flow f[2];
	struct fi_err err;
	unsigned n;

	fi_err_clear(&err);
	CHECK_INT(fi_argusfile_init(&a, MAXDUR, &err), 0);
	CHECK(!fi_argusfile_is_record(S("StartTime|Dur|Proto|SrcAddr|Sport|DstAddr")));
	CHECK_INT(fi_argusfile_line(&a,
				    S("1710114001.619340|3.276641|udp|172.21.213.145|123|"
				      "203.0.113.15|123|2|2|421|431"),
				    f, &n, &err),
		  0);
	CHECK_UINT(n, 2);
	CHECK_INT(f[0].first, 1710114001);
	CHECK_INT(f[0].last, 1710114004);
	CHECK_UINT(f[0].bytes, 421);
	CHECK_UINT(f[1].bytes, 431);
	check_addr(&f[1].src, "203.0.113.15");
	/* argus' management and arp records are no IP flows */
	CHECK_INT(fi_argusfile_line(&a,
				    S("1796458526.881049|0.001477|man|0|0|0|0|0|0|0|0"),
				    f, &n, &err),
		  0);
	CHECK_UINT(n, 0);
	CHECK_INT(
	    fi_argusfile_line(&a,
			      S("1710114957.415004|0.000300|arp|10.1.18.185||10.0.0.1||1|"
				"1|42|42"),
			      f, &n, &err),
	    0);
	CHECK_UINT(n, 0);
	CHECK_INT(fi_argusfile_line(&a, S("1710114001.6|3.2|udp|172.21.213.145|123"), f,
				    &n, &err),
		  FI_EINVAL);
	CHECK_CONTAINS(err.msg, "5 fields");
}

int
main(void)
{
	test_times();
	test_tsv();
	test_tsv_header();
	test_json();
	test_lines();
	test_nfdump();
	test_argusfile();
	return fi_test_result("test_files");
}
