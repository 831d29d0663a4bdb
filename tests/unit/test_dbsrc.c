/*
 * test_dbsrc.c: rows of argus and VERMONT source tables (column choice,
 * conversion, every kind of bad value), marks, row digests, daily table
 * names and identifier quoting.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fi_dbsrc.h"
#include "fi_test.h"

#define T(s)   FI_VAL_S((s), strlen(s))
#define NUL    ((struct fi_val){.type = FI_VAL_NULL})
#define D(x)   ((struct fi_val){.type = FI_VAL_DOUBLE, .v.d = (x)})
#define ARGN   11
#define MAXDUR 604800

static const char *const argus_cols[ARGN] = {"stime", "dur",	"proto", "saddr",
					     "sport", "daddr",	"dport", "spkts",
					     "dpkts", "sbytes", "dbytes"};

static struct fi_dbsrc_layout argus;
static const struct fi_dbsrc_limits lim = {MAXDUR};

/* Puts a row given in the order of cols[0..n-1] into the layout's order. */
static void
order_row(const struct fi_dbsrc_layout *l, const char *const *cols, unsigned n,
	  const struct fi_val *in, struct fi_val *out)
{
	for (unsigned i = 0; i < n; i++)
		for (unsigned k = 0; k < l->n; k++)
			if (strcmp(l->names[k], cols[i]) == 0)
				out[k] = in[i];
}

/* Decodes an argus row; returns the code, the flows in f, their number in *n. */
static int
decode(const struct fi_val *in, struct fi_flow f[2], unsigned *n, struct fi_err *err)
{
	struct fi_val row[FI_SR_COUNT];

	order_row(&argus, argus_cols, ARGN, in, row);
	fi_err_clear(err);
	return fi_dbsrc_decode(&argus, row, &lim, f, n, err);
}

static void
test_layout(void)
{
	struct fi_dbsrc_layout l;
	struct fi_err err;
	const char *extra[] = {"ID",	"STIME",  "Dur",    "proto", "saddr", "daddr",
			       "spkts", "sbytes", "record", "ltime", "dpkts"};
	const char *nodur[] = {"stime", "proto", "saddr", "daddr", "spkts", "sbytes"};
	const char *vermont[] = {"srcIP",
				 "dstIP",
				 "srcPort",
				 "dstPort",
				 "proto",
				 "bytes",
				 "pkts",
				 "firstSwitched",
				 "lastSwitched",
				 "tcpControlBits",
				 "revOctetDeltaCount",
				 "REVPACKETDELTACOUNT",
				 "sourceIPv4Address"};
	const char *vsec[] = {"sourceIPv4Address",     "destinationIPv4Address",
			      "octetDeltaCount",       "packetDeltaCount",
			      "flowStartMilliSeconds", "flowEndMilliseconds",
			      "flowStartSeconds",      "flowEndSeconds"};
	const char *exporter[] = {"id", "sourceID", "srcIP"};

	fi_err_clear(&err);
	CHECK_INT(fi_dbsrc_layout_init(&argus, FI_DBSRC_ARGUS, argus_cols, ARGN, &err),
		  0);
	CHECK_UINT(argus.n, 11);
	/* any case, extra columns ignored, dur wins over ltime, dpkts without dbytes */
	CHECK_INT(fi_dbsrc_layout_init(&l, FI_DBSRC_ARGUS, extra, 11, &err), 0);
	CHECK_UINT(l.n, 7);
	CHECK(l.col[FI_SR_LTIME] < 0);
	CHECK(l.col[FI_SR_REV_PKTS] < 0 && l.col[FI_SR_REV_BYTES] < 0);
	CHECK(l.col[FI_SR_SPORT] < 0 && l.col[FI_SR_DPORT] < 0);
	CHECK_STR(l.names[l.col[FI_SR_STIME]], "STIME");
	CHECK_INT(fi_dbsrc_layout_init(&l, FI_DBSRC_ARGUS, nodur, 6, &err), FI_ENOTFOUND);
	CHECK_CONTAINS(err.msg, "dur (or ltime)");
	fi_err_clear(&err);
	CHECK_INT(fi_dbsrc_layout_init(&l, FI_DBSRC_ARGUS, vermont, 13, &err),
		  FI_ENOTFOUND);
	CHECK_CONTAINS(err.msg, "no column saddr");
	/* VERMONT: the IPFIX name wins over the legacy one, legacy times are ms */
	fi_err_clear(&err);
	CHECK_INT(fi_dbsrc_layout_init(&l, FI_DBSRC_VERMONT, vermont, 13, &err), 0);
	CHECK_STR(l.names[l.col[FI_SR_SADDR]], "sourceIPv4Address");
	CHECK_STR(l.names[l.col[FI_SR_START_MS]], "firstSwitched");
	CHECK_STR(l.names[l.col[FI_SR_REV_PKTS]], "REVPACKETDELTACOUNT");
	CHECK(l.col[FI_SR_START_S] < 0);
	/* seconds win over milliseconds */
	CHECK_INT(fi_dbsrc_layout_init(&l, FI_DBSRC_VERMONT, vsec, 8, &err), 0);
	CHECK(l.col[FI_SR_START_MS] < 0 && l.col[FI_SR_END_MS] < 0);
	CHECK(l.col[FI_SR_START_S] >= 0 && l.col[FI_SR_END_S] >= 0);
	CHECK(l.col[FI_SR_PROTO] < 0);
	CHECK_INT(fi_dbsrc_layout_init(&l, FI_DBSRC_VERMONT, exporter, 3, &err),
		  FI_ENOTFOUND);
}

static void
test_argus_rows(void)
{
	struct fi_flow f[2];
	struct fi_err err;
	unsigned n = 9;
	char a[FI_ADDR_TEXT_MAX];

	/* a TCP row with a reply: forward and reverse over [floor, floor] */
	struct fi_val tcp[ARGN] = {
	    D(1710114017.945215), D(3.619111),	     T("tcp"),	    T("10.3.220.141"),
	    T("55263"),		  T("203.0.113.35"), T("8080"),	    FI_VAL_I(6),
	    FI_VAL_I(6),	  FI_VAL_I(1203),    FI_VAL_I(5692)};
	CHECK_INT(decode(tcp, f, &n, &err), 0);
	CHECK_UINT(n, 2);
	CHECK_INT(f[0].first, 1710114017);
	CHECK_INT(f[0].last, 1710114021);
	CHECK_STR(fi_addr_format(&f[0].src, a), "10.3.220.141");
	CHECK_UINT(f[0].sport, 55263);
	CHECK_UINT(f[0].dport, 8080);
	CHECK_UINT(f[0].proto, 6);
	CHECK_UINT(f[0].packets, 6);
	CHECK_UINT(f[0].bytes, 1203);
	CHECK_UINT(f[0].flows, FI_FLOW_UNIT);
	CHECK_STR(fi_addr_format(&f[1].src, a), "203.0.113.35");
	CHECK_UINT(f[1].sport, 8080);
	CHECK_UINT(f[1].dport, 55263);
	CHECK_UINT(f[1].bytes, 5692);
	CHECK_INT(f[1].first, 1710114017);
	CHECK_INT(f[1].last, 1710114021);

	/* service names, as argus clients write them without -n */
	struct fi_val named[ARGN] = {D(1710114000), D(1),	 T("udp"),
				     T("10.0.0.1"), T("ntp"),	 T("10.0.0.2"),
				     T("domain"),   FI_VAL_I(1), FI_VAL_I(0),
				     FI_VAL_I(60),  FI_VAL_I(0)};
	CHECK_INT(decode(named, f, &n, &err), 0);
	CHECK_UINT(f[0].sport, 123);
	CHECK_UINT(f[0].dport, 53);
	named[2] = T("tcp");
	named[4] = T("ssh");
	named[6] = T("http");
	CHECK_INT(decode(named, f, &n, &err), 0);
	CHECK_UINT(f[0].sport, 22);
	CHECK_UINT(f[0].dport, 80);

	/* ICMP hex ports, no reply: one flow */
	struct fi_val icmp[ARGN] = {D(1710114009.176008), D(0),	       T("icmp"),
				    T("10.0.0.1"),	  T("0x0303"), T("192.168.0.84"),
				    T("0x9a82"),	  FI_VAL_I(1), FI_VAL_I(0),
				    FI_VAL_I(70),	  FI_VAL_I(0)};
	CHECK_INT(decode(icmp, f, &n, &err), 0);
	CHECK_UINT(n, 1);
	CHECK_UINT(f[0].sport, 0x0303);
	CHECK_UINT(f[0].dport, 0x9a82);
	CHECK_UINT(f[0].proto, 1);

	/* IPv6, ipv6-icmp with decimal type, upper-case protocol name */
	struct fi_val v6[ARGN] = {D(1710114237.296738),
				  D(1.01),
				  T("IPv6-ICMP"),
				  T("2001:db8:f::1d3c"),
				  T("128"),
				  T("2001:db8:5::28de"),
				  T("0"),
				  FI_VAL_I(2),
				  FI_VAL_I(2),
				  FI_VAL_I(236),
				  FI_VAL_I(236)};
	CHECK_INT(decode(v6, f, &n, &err), 0);
	CHECK_UINT(n, 2);
	CHECK_UINT(f[0].proto, 58);
	CHECK_STR(fi_addr_format(&f[1].dst, a), "2001:db8:f::1d3c");
	CHECK_INT(f[0].last, 1710114238);

	/* ESP: the SPI in dport is not a port; empty sport */
	struct fi_val esp[ARGN] = {D(1710114434.133701), D(0),	      T("esp"),
				   T("192.0.2.11"),	 T(""),	      T("192.0.2.25"),
				   T("0x20201000"),	 FI_VAL_I(1), FI_VAL_I(0),
				   FI_VAL_I(142),	 FI_VAL_I(0)};
	CHECK_INT(decode(esp, f, &n, &err), 0);
	CHECK_UINT(n, 1);
	CHECK_UINT(f[0].dport, 0);
	CHECK_UINT(f[0].proto, 50);

	/* arp and man are not IP flows: skipped, not errors */
	struct fi_val arp[ARGN] = {
	    D(1710114957.415004), D(0.0003), T("arp"),	  T("10.1.18.185"), T(""),
	    T("10.0.0.1"),	  T(""),     FI_VAL_I(1), FI_VAL_I(1),	    FI_VAL_I(42),
	    FI_VAL_I(42)};
	CHECK_INT(decode(arp, f, &n, &err), 0);
	CHECK_UINT(n, 0);
	arp[2] = T("man");
	arp[3] = T("0");
	CHECK_INT(decode(arp, f, &n, &err), 0);
	CHECK_UINT(n, 0);

	/* a protocol number, text times, unsigned counters, NULL reverse */
	struct fi_val num[ARGN] = {T("1710114000.5"),
				   T("59.5"),
				   T("47"),
				   T("10.0.0.1"),
				   T("1"),
				   T("10.0.0.2"),
				   T("2"),
				   FI_VAL_U(3),
				   NUL,
				   FI_VAL_U(300),
				   NUL};
	CHECK_INT(decode(num, f, &n, &err), 0);
	CHECK_UINT(n, 1);
	CHECK_UINT(f[0].proto, 47);
	CHECK_UINT(f[0].sport, 0); /* GRE has no ports */
	CHECK_INT(f[0].last, 1710114060);
}

/* Checks that changing column i of a good row to v makes it bad, with why. */
static void
bad(unsigned i, struct fi_val v, const char *why)
{
	struct fi_val row[ARGN] = {D(1710114000.25), D(10),	   T("udp"),
				   T("10.0.0.1"),    T("53"),	   T("10.0.0.2"),
				   T("1053"),	     FI_VAL_I(1),  FI_VAL_I(1),
				   FI_VAL_I(60),     FI_VAL_I(120)};
	struct fi_flow f[2];
	struct fi_err err;
	unsigned n = 9;

	row[i] = v;
	CHECK_INT(decode(row, f, &n, &err), FI_EINVAL);
	CHECK_UINT(n, 0);
	CHECK_CONTAINS(err.msg, why);
}

static void
test_bad_rows(void)
{
	bad(3, T("10.0.0.300"), "saddr \"10.0.0.300\": not an IP address");
	bad(5, T("not-an-address"), "daddr");
	bad(5, T(""), "not an IP address");
	bad(5, FI_VAL_I(167772161), "not an IP address"); /* argus writes text */
	bad(5, T("fe80::1%eth0"), "not an IP address");
	bad(3, T("10.0.0.1\x1b[2J"), "\"10.0.0.1?[2J\""); /* no escapes in logs */
	bad(4, T("65536"), "sport \"65536\": not a port");
	bad(6, T("0x10000"), "not a port");
	bad(6, T("-1"), "not a port");
	bad(6, T("http"), "not a port"); /* http is a TCP service only */
	bad(6, T("ntp;x"), "not a port");
	bad(6, T("ntpntpntpntpntpntpntpntpntpntpntp"), "not a port");
	bad(2, T("tcpx"), "proto \"tcpx\": unknown protocol");
	bad(2, T("256"), "unknown protocol");
	bad(2, NUL, "proto NULL");
	bad(7, NUL, "spkts NULL: counter is NULL");
	bad(9, NUL, "sbytes NULL");
	bad(7, FI_VAL_I(-1), "spkts -1: not a count");
	bad(8, FI_VAL_I(-5), "dpkts -5");
	bad(8, NUL, "dpkts NULL"); /* dbytes is not NULL */
	bad(10, NUL, "dbytes NULL");
	bad(7, T("12x"), "not a count");
	bad(1, D(-0.5), "dur -0.5: negative duration");
	bad(1, D(NAN), "not a duration");
	bad(1, D(INFINITY), "not a duration");
	bad(1, D(1e300), "ends past the year 2106");
	bad(1, D(MAXDUR), "longer than max_flow_duration");
	bad(1, NUL, "dur NULL");
	bad(0, D(-1), "not a time");
	bad(0, T("1e9"), "not a time");
	bad(0, T("nan"), "not a time");
	bad(0, NUL, "stime NULL");
	bad(0, D(4294967296.0), "not a time");

	/* the longest flow allowed is fine; both reverse counters NULL is fine */
	struct fi_val row[ARGN] = {
	    D(1710000000), D(MAXDUR - 1),	 T("tcp"), T("10.0.0.1"),
	    T("1"),	   T("::ffff:10.0.0.2"), T("2"),   FI_VAL_I(0),
	    NUL,	   FI_VAL_I(0),		 NUL};
	struct fi_flow f[2];
	struct fi_err err;
	unsigned n;

	CHECK_INT(decode(row, f, &n, &err), 0);
	CHECK_UINT(n, 1);
	CHECK(fi_addr_is_v4(&f[0].dst));
	CHECK_INT(f[0].last - f[0].first + 1, MAXDUR);
}

static void
test_argus_ltime(void)
{
	const char *cols[] = {"stime", "ltime", "proto", "saddr",
			      "daddr", "spkts", "sbytes"};
	struct fi_dbsrc_layout l;
	struct fi_val row[FI_SR_COUNT];
	struct fi_val in[7] = {D(100.9),      D(160.1),	   T("udp"),	 T("10.0.0.1"),
			       T("10.0.0.2"), FI_VAL_I(2), FI_VAL_I(100)};
	struct fi_flow f[2];
	struct fi_err err;
	unsigned n;

	fi_err_clear(&err);
	CHECK_INT(fi_dbsrc_layout_init(&l, FI_DBSRC_ARGUS, cols, 7, &err), 0);
	order_row(&l, cols, 7, in, row);
	CHECK_INT(fi_dbsrc_decode(&l, row, &lim, f, &n, &err), 0);
	CHECK_UINT(n, 1);
	CHECK_INT(f[0].first, 100);
	CHECK_INT(f[0].last, 160);
	CHECK_UINT(f[0].sport, 0);
	row[l.col[FI_SR_LTIME]] = D(99);
	CHECK_INT(fi_dbsrc_decode(&l, row, &lim, f, &n, &err), FI_EINVAL);
	CHECK_CONTAINS(err.msg, "before stime");
}

static void
test_vermont_rows(void)
{
	const char *cols[] = {"srcIP",
			      "dstIP",
			      "srcPort",
			      "dstPort",
			      "proto",
			      "bytes",
			      "pkts",
			      "firstSwitched",
			      "lastSwitched",
			      "revOctetDeltaCount",
			      "revPacketDeltaCount"};
	struct fi_dbsrc_layout l;
	struct fi_val in[11] = {FI_VAL_U(2887112081),
				FI_VAL_U(3405803791),
				FI_VAL_U(123),
				FI_VAL_U(124),
				FI_VAL_U(17),
				FI_VAL_U(393),
				FI_VAL_U(2),
				FI_VAL_U(1710114001619),
				FI_VAL_U(1710114004893),
				FI_VAL_U(403),
				FI_VAL_U(2)};
	struct fi_val row[FI_SR_COUNT];
	struct fi_flow f[2];
	struct fi_err err;
	unsigned n;
	char a[FI_ADDR_TEXT_MAX];

	fi_err_clear(&err);
	CHECK_INT(fi_dbsrc_layout_init(&l, FI_DBSRC_VERMONT, cols, 11, &err), 0);
	order_row(&l, cols, 11, in, row);
	CHECK_INT(fi_dbsrc_decode(&l, row, &lim, f, &n, &err), 0);
	CHECK_UINT(n, 2);
	CHECK_STR(fi_addr_format(&f[0].src, a), "172.21.213.145");
	CHECK_INT(f[0].first, 1710114001);
	CHECK_INT(f[0].last, 1710114004);
	CHECK_UINT(f[0].sport, 123);
	CHECK_UINT(f[0].dport, 124);
	CHECK_UINT(f[1].sport, 124);
	CHECK_UINT(f[1].packets, 2);
	CHECK_UINT(f[1].bytes, 403);
	CHECK_STR(fi_addr_format(&f[1].src, a), "203.0.113.15");

	in[10] = FI_VAL_U(0); /* no reverse packets: no reverse flow */
	order_row(&l, cols, 11, in, row);
	CHECK_INT(fi_dbsrc_decode(&l, row, &lim, f, &n, &err), 0);
	CHECK_UINT(n, 1);
	in[9] = NUL;
	in[10] = NUL;
	order_row(&l, cols, 11, in, row);
	CHECK_INT(fi_dbsrc_decode(&l, row, &lim, f, &n, &err), 0);
	CHECK_UINT(n, 1);

	in[7] = FI_VAL_U(1710114004894); /* ends a millisecond before it starts */
	order_row(&l, cols, 11, in, row);
	CHECK_INT(fi_dbsrc_decode(&l, row, &lim, f, &n, &err), FI_EINVAL);
	CHECK_CONTAINS(err.msg, "ends before it starts");
	in[7] = FI_VAL_U(1710114001619);
	in[0] = NUL;
	order_row(&l, cols, 11, in, row);
	fi_err_clear(&err);
	CHECK_INT(fi_dbsrc_decode(&l, row, &lim, f, &n, &err), FI_EINVAL);
	CHECK_CONTAINS(err.msg, "srcIP NULL");
	in[0] = FI_VAL_U(4294967296);
	order_row(&l, cols, 11, in, row);
	fi_err_clear(&err);
	CHECK_INT(fi_dbsrc_decode(&l, row, &lim, f, &n, &err), FI_EINVAL);
	in[0] = T("10.0.0.1"); /* text addresses, as an integer too */
	in[1] = T("167772162");
	in[2] = NUL; /* a NULL port is 0 */
	order_row(&l, cols, 11, in, row);
	CHECK_INT(fi_dbsrc_decode(&l, row, &lim, f, &n, &err), 0);
	CHECK_STR(fi_addr_format(&f[0].dst, a), "10.0.0.2");
	CHECK_UINT(f[0].sport, 0);
	in[3] = FI_VAL_U(70000);
	order_row(&l, cols, 11, in, row);
	fi_err_clear(&err);
	CHECK_INT(fi_dbsrc_decode(&l, row, &lim, f, &n, &err), FI_EINVAL);
	CHECK_CONTAINS(err.msg, "dstPort 70000: not a port");
	in[3] = FI_VAL_U(80);
	in[6] = NUL;
	order_row(&l, cols, 11, in, row);
	fi_err_clear(&err);
	CHECK_INT(fi_dbsrc_decode(&l, row, &lim, f, &n, &err), FI_EINVAL);
	CHECK_CONTAINS(err.msg, "pkts NULL");
}

static void
test_marks(void)
{
	struct fi_dbsrc_mark m = {.mode = FI_DBSRC_MARK_SCAN, .rows = 496}, p;
	struct fi_val row[3] = {D(1.5), T("tcp"), NUL};
	struct fi_val row2[3] = {D(1.5), T("tc"), T("p")};
	struct fi_digest a, b, c;
	char text[FI_DBSRC_MARK_TEXT_MAX + 1];

	fi_digest_init(&a);
	fi_digest_init(&b);
	fi_digest_init(&c);
	fi_dbsrc_digest_row(&a, row, 3);
	fi_dbsrc_digest_row(&b, row, 3);
	CHECK(a.hi == b.hi && a.lo == b.lo);
	fi_dbsrc_digest_row(&c, row2, 3); /* values cannot run together */
	CHECK(a.hi != c.hi || a.lo != c.lo);
	fi_dbsrc_digest_row(&b, row, 3); /* order and count matter */
	CHECK(a.hi != b.hi || a.lo != b.lo);
	row[2] = T("");
	fi_digest_init(&c);
	fi_dbsrc_digest_row(&c, row, 3); /* "" is not NULL */
	CHECK(a.hi != c.hi || a.lo != c.lo);

	m.digest = a;
	CHECK_INT(fi_dbsrc_mark_format(&m, text, sizeof(text)), 0);
	CHECK_INT(strncmp(text, "scan 496 ", 9), 0);
	CHECK_UINT(strlen(text), 9 + 32);
	CHECK_INT(fi_dbsrc_mark_parse(text, strlen(text), &p), 0);
	CHECK_INT(p.mode, FI_DBSRC_MARK_SCAN);
	CHECK_UINT(p.rows, 496);
	CHECK(p.digest.hi == a.hi && p.digest.lo == a.lo);
	m.mode = FI_DBSRC_MARK_SNAP_RUN;
	CHECK_INT(fi_dbsrc_mark_format(&m, text, sizeof(text)), 0);
	CHECK_INT(fi_dbsrc_mark_parse(text, strlen(text), &p), 0);
	CHECK_INT(p.mode, FI_DBSRC_MARK_SNAP_RUN);
	m = (struct fi_dbsrc_mark){.mode = FI_DBSRC_MARK_KEY, .rows = 7, .key = -3};
	memcpy(m.column, "fi_id", 6);
	CHECK_INT(fi_dbsrc_mark_format(&m, text, sizeof(text)), 0);
	CHECK_STR(text, "key 7 -3 fi_id");
	CHECK_INT(fi_dbsrc_mark_parse(text, strlen(text), &p), 0);
	CHECK_INT(p.key, -3);
	CHECK_STR(p.column, "fi_id");
	CHECK_INT(fi_dbsrc_mark_parse("scan 1 00", 9, &p), FI_EINVAL);
	CHECK_INT(fi_dbsrc_mark_parse("key 1 x id", 10, &p), FI_EINVAL);
	CHECK_INT(fi_dbsrc_mark_parse("key 1 5", 7, &p), FI_EINVAL);
	CHECK_INT(fi_dbsrc_mark_parse("", 0, &p), FI_EINVAL);
	CHECK_INT(
	    fi_dbsrc_mark_parse("snapshot -1 00000000000000000000000000000000", 44, &p),
	    FI_EINVAL);
	CHECK_INT(
	    fi_dbsrc_mark_parse("snapshot 2 0000000000000000000000000000000g", 43, &p),
	    FI_EINVAL);
	CHECK_INT(
	    fi_dbsrc_mark_parse("snapshot 2 00000000000000000000000000000001", 43, &p),
	    0);
	CHECK_INT(p.mode, FI_DBSRC_MARK_SNAP);
	CHECK(p.digest.lo == 1);
}

/* PostgreSQL's marks: the place of the last row read and the relfilenode. */
static void
test_ctid_marks(void)
{
	struct fi_dbsrc_mark m = {.mode = FI_DBSRC_MARK_CTID,
				  .rows = 564,
				  .page = 4294967295u,
				  .item = 291,
				  .filenode = 16384},
			     p;
	char text[FI_DBSRC_MARK_TEXT_MAX + 1];
	uint32_t page = 0, item = 0;

	CHECK_INT(fi_dbsrc_mark_format(&m, text, sizeof(text)), 0);
	CHECK_STR(text, "ctid 564 4294967295 291 16384");
	CHECK_INT(fi_dbsrc_mark_parse(text, strlen(text), &p), 0);
	CHECK_INT(p.mode, FI_DBSRC_MARK_CTID);
	CHECK_UINT(p.rows, 564);
	CHECK_UINT(p.page, 4294967295u);
	CHECK_UINT(p.item, 291);
	CHECK_UINT(p.filenode, 16384);
	CHECK_STR(fi_dbsrc_mark_mode_name(FI_DBSRC_MARK_CTID), "ctid");
	CHECK_INT(fi_dbsrc_mark_parse("ctid 1 2 3", 10, &p), FI_EINVAL);
	CHECK_INT(fi_dbsrc_mark_parse("ctid 1 2 3 4 5", 14, &p), FI_EINVAL);
	CHECK_INT(fi_dbsrc_mark_parse("ctid 1 4294967296 3 4", 21, &p), FI_EINVAL);
	CHECK_INT(fi_dbsrc_mark_parse("ctid 1 2 65536 4", 16, &p), FI_EINVAL);
	CHECK_INT(fi_dbsrc_mark_parse("ctid 1 2 -3 4", 13, &p), FI_EINVAL);

	CHECK_INT(fi_dbsrc_ctid_parse("(12,40)", 7, &page, &item), 0);
	CHECK_UINT(page, 12);
	CHECK_UINT(item, 40);
	CHECK_INT(fi_dbsrc_ctid_parse("(0,1)", 5, &page, &item), 0);
	CHECK_UINT(page + item, 1);
	CHECK_INT(fi_dbsrc_ctid_parse("(4294967295,65535)", 18, &page, &item), 0);
	CHECK_UINT(page, 4294967295u);
	CHECK_UINT(item, 65535);
	CHECK_INT(fi_dbsrc_ctid_parse("(4294967296,1)", 14, &page, &item), FI_EINVAL);
	CHECK_INT(fi_dbsrc_ctid_parse("(1,65536)", 9, &page, &item), FI_EINVAL);
	CHECK_INT(fi_dbsrc_ctid_parse("12,40", 5, &page, &item), FI_EINVAL);
	CHECK_INT(fi_dbsrc_ctid_parse("(12 40)", 7, &page, &item), FI_EINVAL);
	CHECK_INT(fi_dbsrc_ctid_parse("(,1)", 4, &page, &item), FI_EINVAL);
	CHECK_INT(fi_dbsrc_ctid_parse("(1,)", 4, &page, &item), FI_EINVAL);
	CHECK_INT(fi_dbsrc_ctid_parse("()", 2, &page, &item), FI_EINVAL);
	CHECK_INT(fi_dbsrc_ctid_parse("", 0, &page, &item), FI_EINVAL);
}

static void
test_names(void)
{
	int64_t day = 0;
	struct fi_buf b;

	CHECK_INT(fi_dbsrc_table_day(FI_DBSRC_ARGUS, "argus_2024_03_10", &day), 0);
	CHECK_INT(day, 1710028800);
	CHECK_INT(fi_dbsrc_table_day(FI_DBSRC_ARGUS, "flows20240311", &day), 0);
	CHECK_INT(day, 1710115200);
	CHECK_INT(fi_dbsrc_table_day(FI_DBSRC_ARGUS, "t_2000-02-29_x", &day), 0);
	CHECK_INT(day, 951782400);
	CHECK_INT(fi_dbsrc_table_day(FI_DBSRC_ARGUS, "argus_1900_02_29", &day),
		  FI_ENOTFOUND);
	CHECK_INT(fi_dbsrc_table_day(FI_DBSRC_ARGUS, "argus_2023_02_29", &day),
		  FI_ENOTFOUND);
	CHECK_INT(fi_dbsrc_table_day(FI_DBSRC_ARGUS, "argus_flows", &day), FI_ENOTFOUND);
	CHECK_INT(fi_dbsrc_table_day(FI_DBSRC_ARGUS, "t1234567890123", &day),
		  FI_ENOTFOUND);
	CHECK_INT(fi_dbsrc_table_day(FI_DBSRC_VERMONT, "f_240310_000000", &day), 0);
	CHECK_INT(day, 1710028800);
	CHECK_INT(fi_dbsrc_table_day(FI_DBSRC_VERMONT, "f_241310_000000", &day),
		  FI_ENOTFOUND);
	CHECK_INT(fi_dbsrc_table_day(FI_DBSRC_VERMONT, "exporter", &day), FI_ENOTFOUND);

	fi_buf_init(&b, 100);
	CHECK_INT(fi_dbsrc_quote(&b, "we`ird"), 0);
	CHECK_STR(b.data, "`we``ird`");
	fi_buf_fini(&b);
}

int
main(void)
{
	test_layout();
	test_argus_rows();
	test_bad_rows();
	test_argus_ltime();
	test_vermont_rows();
	test_marks();
	test_ctid_marks();
	test_names();
	return fi_test_result("test_dbsrc");
}
