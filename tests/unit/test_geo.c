/*
 * test_geo.c: the country and AS lookup (fcgi/fi_geo.c) on databases this
 * test writes with deploy/mkmmdb.py: known addresses, special-purpose
 * blocks of both families, IPv4 against its mapped form, files swapped,
 * broken and missing under a running context.
 *
 * `test_geo --bench [COUNTRY.mmdb ASN.mmdb]` instead prints the lookup rate
 * of the module alone: on the given databases (deploy/geo-update's), or on
 * the test's own small ones when none are given. Not run by the suite.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fi_clock.h"
#include "fi_err.h"
#include "fi_geo.h"
#include "fi_log.h"
#include "fi_test.h"

static char tmpdir[] = "/tmp/fi_test_geo.XXXXXX";

static const char country_csv[] =
    "1.0.0.0,1.0.0.255,AU\n"
    "8.8.8.0,8.8.8.255,US\n"
    "81.0.0.0,81.255.255.255,FR\n"
    "192.31.196.0,192.31.196.255,US\n"
    "2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,US\n"
    "2a01::,2a01:ffff:ffff:ffff:ffff:ffff:ffff:ffff,de\n";
static const char asn_csv[] = "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n"
			      "8.8.8.0,8.8.8.255,15169,Google LLC\n"
			      "192.31.196.0,192.31.196.255,112,AS112 Project\n"
			      "2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,"
			      "Google LLC\n"
			      "2a02::,2a02::ffff,64500,\n";
/* a second version of the country data, to swap in */
static const char country2_csv[] = "8.8.8.0,8.8.8.255,CH\n";

static const char *
tmp(const char *name)
{
	static char bufs[8][512];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", tmpdir, name);
	return b;
}

static void
put(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK_UINT(fwrite(data, 1, n, f), n);
	CHECK_INT(fclose(f), 0);
}

/* Runs deploy/mkmmdb.py MODE OUT CSV [options...]; 0 when it succeeded. */
static int
mkmmdb(const char *mode, const char *out, const char *csv, const char *opt1,
       const char *opt2)
{
	const char *argv[] = {"python3",       FI_MKMMDB,    mode, out,	 csv,
			      "--build-epoch", "1700000000", opt1, opt2, NULL};
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execvp(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void
make_dbs(void)
{
	CHECK(mkdtemp(tmpdir) != NULL);
	put(tmp("c.csv"), country_csv, sizeof(country_csv) - 1);
	put(tmp("a.csv"), asn_csv, sizeof(asn_csv) - 1);
	put(tmp("c2.csv"), country2_csv, sizeof(country2_csv) - 1);
	/* as ip-location-db's: IPv4 under ::/96 only, no aliases */
	CHECK_INT(mkmmdb("country", tmp("country.mmdb"), tmp("c.csv"), "--database-type",
			 "test-country"),
		  0);
	CHECK_INT(mkmmdb("asn", tmp("asn.mmdb"), tmp("a.csv"), "--record-size", "28"), 0);
	/* as MaxMind's: GeoLite2's record, ::ffff:0:0/96 and 2002::/16 aliased */
	CHECK_INT(mkmmdb("country", tmp("geolite2.mmdb"), tmp("c.csv"), "--geolite2",
			 "--ipv4-aliases"),
		  0);
	CHECK_INT(
	    mkmmdb("country", tmp("v4only.mmdb"), tmp("c.csv"), "--ip-version", "4"), 0);
	CHECK_INT(
	    mkmmdb("country", tmp("country2.mmdb"), tmp("c2.csv"), "--record-size", "32"),
	    0);
}

static struct fi_addr
A(const char *text) {
	struct fi_addr a;

	memset(&a, 0, sizeof(a));
	if (fi_addr_parse((struct fi_str){text, strlen(text)}, 0, &a) != 0)
		FI_FAIL_AT("bad address in the test: %s", text);
	return a;
}

/* Looks text up in g and checks kind, range, country, AS number and name. */
#define CHECK_GEO(g, text, kind_, range_, cc, asn_, name)                                \
	do {                                                                             \
		struct fi_geo_result r_;                                                 \
		struct fi_addr a_ = A(text);                                             \
		fi_geo_lookup(g, &a_, &r_);                                              \
		CHECK_STR(fi_geo_kind_name(r_.kind), fi_geo_kind_name(kind_));           \
		CHECK_STR(r_.range ? r_.range : "-", range_);                            \
		CHECK_STR(r_.country, cc);                                               \
		CHECK_UINT(r_.asn, asn_);                                                \
		CHECK_STR(r_.as_name, name);                                             \
	} while (0)

static void
test_known(void)
{
	struct fi_geo *g = fi_geo_open(tmp("country.mmdb"), tmp("asn.mmdb"));

	CHECK(g != NULL);
	CHECK_GEO(g, "8.8.8.8", FI_GEO_KNOWN, "-", "US", 15169, "Google LLC");
	CHECK_GEO(g, "1.0.0.1", FI_GEO_KNOWN, "-", "AU", 13335, "Cloudflare, Inc.");
	CHECK_GEO(g, "1.0.0.255", FI_GEO_KNOWN, "-", "AU", 13335, "Cloudflare, Inc.");
	CHECK_GEO(g, "1.0.1.0", FI_GEO_UNKNOWN, "-", "", 0, "");
	CHECK_GEO(g, "81.2.69.142", FI_GEO_KNOWN, "-", "FR", 0, "");
	CHECK_GEO(g, "9.9.9.9", FI_GEO_UNKNOWN, "-", "", 0, "");
	CHECK_GEO(g, "2001:4860:4860::8888", FI_GEO_KNOWN, "-", "US", 15169,
		  "Google LLC");
	CHECK_GEO(g, "2a01:e0a::1", FI_GEO_KNOWN, "-", "DE", 0,
		  ""); /* "de" upper-cased */
	CHECK_GEO(g, "2a02::1", FI_GEO_KNOWN, "-", "", 64500,
		  ""); /* an AS without name */
	CHECK_GEO(g, "2600::1", FI_GEO_UNKNOWN, "-", "", 0, "");
	/* globally reachable special-purpose blocks are looked up */
	CHECK_GEO(g, "192.31.196.1", FI_GEO_KNOWN, "AS112-v4", "US", 112,
		  "AS112 Project");
	CHECK_GEO(g, "192.0.0.9", FI_GEO_UNKNOWN, "Port Control Protocol Anycast", "", 0,
		  "");
	CHECK_GEO(g, "2001:4:112::1", FI_GEO_UNKNOWN, "AS112-v6", "", 0, "");
	/* an IPv4 address carried in IPv6 is looked up as that IPv4 address */
	CHECK_GEO(g, "2002:808:808::1", FI_GEO_KNOWN, "6to4", "US", 15169, "Google LLC");
	CHECK_GEO(g, "64:ff9b::8.8.8.8", FI_GEO_KNOWN, "IPv4-IPv6 Translat.", "US", 15169,
		  "Google LLC");
	/* Teredo: server 65.54.227.120, client 8.8.8.8 with its bits inverted */
	CHECK_GEO(g, "2001:0:4136:e378:8000:63bf:f7f7:f7f7", FI_GEO_KNOWN, "TEREDO", "US",
		  15169, "Google LLC");
	CHECK_GEO(g, "2002:c0a8:101::1", FI_GEO_LOCAL, "6to4", "", 0, "");
	CHECK_GEO(g, "64:ff9b::10.1.2.3", FI_GEO_LOCAL, "IPv4-IPv6 Translat.", "", 0, "");
	CHECK_GEO(g, "2001:0:4136:e378:8000:63bf:80ff:fffe", FI_GEO_LOCAL, "TEREDO", "",
		  0, ""); /* client 127.0.0.1 */
	fi_geo_close(g);
}

static void
test_local(void)
{
	static const char *const cases[][2] = {
	    {"0.0.0.0", "This host on this network"},
	    {"0.1.2.3", "This network"},
	    {"10.0.0.1", "Private-Use"},
	    {"10.255.255.255", "Private-Use"},
	    {"100.64.0.1", "Shared Address Space"},
	    {"100.127.255.255", "Shared Address Space"},
	    {"127.0.0.1", "Loopback"},
	    {"127.255.0.9", "Loopback"},
	    {"169.254.1.1", "Link Local"},
	    {"172.16.0.1", "Private-Use"},
	    {"172.31.255.255", "Private-Use"},
	    {"192.0.0.1", "IPv4 Service Continuity Prefix"},
	    {"192.0.0.8", "IPv4 dummy address"},
	    {"192.0.0.77", "IETF Protocol Assignments"},
	    {"192.0.0.170", "NAT64/DNS64 Discovery"},
	    {"192.0.2.1", "Documentation (TEST-NET-1)"},
	    {"192.168.1.1", "Private-Use"},
	    {"198.18.0.1", "Benchmarking"},
	    {"198.19.255.255", "Benchmarking"},
	    {"198.51.100.7", "Documentation (TEST-NET-2)"},
	    {"203.0.113.200", "Documentation (TEST-NET-3)"},
	    {"224.0.0.1", "Multicast"},
	    {"239.255.255.250", "Multicast"},
	    {"240.0.0.1", "Reserved"},
	    {"255.255.255.254", "Reserved"},
	    {"255.255.255.255", "Limited Broadcast"},
	    {"::", "Unspecified Address"},
	    {"::1", "Loopback Address"},
	    {"::8.8.8.8", "IPv4-compatible (deprecated)"},
	    {"64:ff9b:1::1", "Local-use IPv4/IPv6 Translation"},
	    {"100::1", "Discard-Only Address Block"},
	    {"100:0:0:1::5", "Dummy IPv6 Prefix"},
	    {"2001:1::4", "IETF Protocol Assignments"},
	    {"2001:2::1", "Benchmarking"},
	    {"2001:10::1", "ORCHID (deprecated)"},
	    {"2001:db8::1", "Documentation"},
	    {"2001:db8:ffff::1", "Documentation"},
	    {"3fff:fff::1", "Documentation"},
	    {"5f00::1", "Segment Routing (SRv6) SIDs"},
	    {"fc00::1", "Unique-Local"},
	    {"fd12:3456::1", "Unique-Local"},
	    {"fe80::1", "Link-Local Unicast"},
	    {"febf:ffff::1", "Link-Local Unicast"},
	    {"fec0::1", "Site-Local (deprecated)"},
	    {"ff02::1", "Multicast"},
	};
	struct fi_geo *g = fi_geo_open(tmp("country.mmdb"), tmp("asn.mmdb"));

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_GEO(g, cases[i][0], FI_GEO_LOCAL, cases[i][1], "", 0, "");
		CHECK_GEO(NULL, cases[i][0], FI_GEO_LOCAL, cases[i][1], "", 0, "");
	}
	/* next to the blocks: ordinary addresses */
	static const char *const outside[] = {
	    "9.255.255.255",  "11.0.0.0",	"100.63.255.255", "100.128.0.0",
	    "172.15.255.255", "172.32.0.0",	"192.0.3.0",	  "192.167.255.255",
	    "192.169.0.0",    "198.17.255.255", "198.20.0.0",	  "223.255.255.255",
	    "2001:db9::1",    "2001:200::1",	"fbff::1",	  "ff00::",
	    "2003::1",	      "3ffe::1",
	};
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		struct fi_geo_result r;
		struct fi_addr a = A(outside[i]);
		int local = fi_geo_lookup(g, &a, &r) == FI_GEO_LOCAL;
		/* ff00:: is multicast: the one line above that is local */
		if (local != (strcmp(outside[i], "ff00::") == 0))
			FI_FAIL_AT("%s: kind %s", outside[i], fi_geo_kind_name(r.kind));
		fi_test_checks++;
	}
	fi_geo_close(g);
}

/* The same answer for an IPv4 address and its ::ffff: form, in each kind of tree. */
static void
test_mapped(void)
{
	static const char *const dbs[] = {"country.mmdb", "geolite2.mmdb", "v4only.mmdb"};
	static const char *const v4[] = {"8.8.8.8", "1.0.0.1", "81.1.1.1", "9.9.9.9",
					 "10.0.0.1"};

	for (size_t d = 0; d < 3; d++) {
		struct fi_geo *g = fi_geo_open(tmp(dbs[d]), tmp("asn.mmdb"));
		for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
			char mapped[64];
			struct fi_geo_result r1, r2;
			struct fi_addr a1 = A(v4[i]), a2;

			snprintf(mapped, sizeof(mapped), "::ffff:%s", v4[i]);
			a2 = A(mapped);
			fi_geo_lookup(g, &a1, &r1);
			fi_geo_lookup(g, &a2, &r2);
			CHECK_INT(r1.kind, r2.kind);
			CHECK_STR(r1.country, r2.country);
			CHECK_UINT(r1.asn, r2.asn);
		}
		CHECK_GEO(g, "8.8.8.8", FI_GEO_KNOWN, "-", "US", 15169, "Google LLC");
		CHECK_GEO(g, "::ffff:8.8.8.8", FI_GEO_KNOWN, "-", "US", 15169,
			  "Google LLC");
		CHECK_GEO(g, "::ffff:81.0.0.1", FI_GEO_KNOWN, "-", "FR", 0, "");
		/* an IPv4 database knows no IPv6 address, and that is no error */
		CHECK_GEO(g, "2a01::1", d == 2 ? FI_GEO_UNKNOWN : FI_GEO_KNOWN, "-",
			  d == 2 ? "" : "DE", 0, "");
		fi_geo_close(g);
	}
}

static void
copy_file(const char *from, const char *to, long keep)
{
	FILE *f = fopen(from, "rb");
	static char buf[1 << 16];
	size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;

	CHECK(f != NULL && n > 0 && n < sizeof(buf));
	if (f != NULL)
		fclose(f);
	put(to, buf, keep >= 0 && (size_t)keep < n ? (size_t)keep : n);
}

static long
file_size(const char *path)
{
	struct stat st;

	CHECK_INT(stat(path, &st), 0);
	return (long)st.st_size;
}

/* Puts a file at path by a rename, as deploy/geo-update does. */
static void
swap_in(const char *path, const void *data, size_t n)
{
	put(tmp("next.tmp"), data, n);
	CHECK_INT(rename(tmp("next.tmp"), path), 0);
}

static void
check_cc(struct fi_geo *g, const char *text, const char *cc)
{
	CHECK_GEO(g, text, cc[0] ? FI_GEO_KNOWN : FI_GEO_UNKNOWN, "-", cc, 0, "");
}

static void
test_reload(void)
{
	char path[512];
	struct fi_geo_info info;
	struct fi_geo *g;

	snprintf(path, sizeof(path), "%s", tmp("live.mmdb")); /* tmp()'s buffers rotate */
	copy_file(tmp("country.mmdb"), path, -1);
	g = fi_geo_open(path, NULL);
	fi_geo_info(g, FI_GEO_COUNTRY, &info);
	CHECK(info.loaded);
	CHECK_STR(info.type, "test-country");
	CHECK_UINT(info.build_epoch, 1700000000);
	CHECK_UINT(info.ip_version, 6);
	CHECK_STR(info.path, path);
	fi_geo_info(g, FI_GEO_ASN, &info);
	CHECK(!info.loaded);
	CHECK(info.path == NULL);
	CHECK_INT(fi_geo_maybe_reload(g, 0), 0);
	check_cc(g, "8.8.8.8", "US");

	/* renamed over: taken up at the next check, not before */
	copy_file(tmp("country2.mmdb"), tmp("next.tmp"), -1);
	CHECK_INT(rename(tmp("next.tmp"), path), 0);
	CHECK_INT(fi_geo_maybe_reload(g, 999), 0);
	check_cc(g, "8.8.8.8", "US");
	CHECK_INT(fi_geo_maybe_reload(g, 1000), 1);
	check_cc(g, "8.8.8.8", "CH");
	check_cc(g, "1.0.0.1", "");
	fi_geo_info(g, FI_GEO_COUNTRY, &info);
	CHECK_UINT(info.reloads, 1);
	CHECK_STR(info.type, "flowinspector-country");

	/* broken versions are refused, once each, and the one in use kept */
	static const char garbage[] = "this is no MaxMind DB at all\n";
	static const char *const broken[] = {"truncated", "garbage", "empty",
					     "cut-metadata"};
	for (int i = 0; i < 4; i++) {
		if (i == 0)
			copy_file(tmp("country.mmdb"), tmp("next.tmp"), 700);
		else if (i == 1)
			put(tmp("next.tmp"), garbage, sizeof(garbage) - 1);
		else if (i == 2)
			put(tmp("next.tmp"), "", 0);
		else /* the end of the metadata missing */
			copy_file(tmp("country.mmdb"), tmp("next.tmp"),
				  file_size(tmp("country.mmdb")) - 10);
		CHECK_INT(rename(tmp("next.tmp"), path), 0);
		CHECK_INT(fi_geo_maybe_reload(g, 2000 + 1000 * i), 0);
		CHECK_INT(fi_geo_maybe_reload(g, 2500 + 1000 * i), 0); /* too early */
		check_cc(g, "8.8.8.8", "CH");
		fi_geo_info(g, FI_GEO_COUNTRY, &info);
		if (info.refused != (uint64_t)i + 1)
			FI_FAIL_AT("%s: refused %llu", broken[i],
				   (unsigned long long)info.refused);
		fi_test_checks++;
	}
	CHECK_INT(fi_geo_maybe_reload(g, 9000), 0); /* the same broken file: not again */
	fi_geo_info(g, FI_GEO_COUNTRY, &info);
	CHECK_UINT(info.refused, 4);

	/* a good one after the broken ones; then the file gone: the one in use kept */
	copy_file(tmp("country.mmdb"), tmp("next.tmp"), -1);
	CHECK_INT(rename(tmp("next.tmp"), path), 0);
	CHECK_INT(fi_geo_maybe_reload(g, 10000), 1);
	check_cc(g, "8.8.8.8", "US");
	CHECK_INT(unlink(path), 0);
	CHECK_INT(fi_geo_maybe_reload(g, 11000), 0);
	check_cc(g, "8.8.8.8", "US");
	CHECK_INT(fi_geo_maybe_reload(g, 12000), 0);
	fi_geo_info(g, FI_GEO_COUNTRY, &info);
	CHECK(info.loaded);
	CHECK_UINT(info.reloads, 2);
	fi_geo_close(g);
}

static void
test_missing(void)
{
	char path[512];
	struct fi_geo_info info;
	struct fi_geo *g;

	snprintf(path, sizeof(path), "%s", tmp("later.mmdb"));
	g = fi_geo_open(path, tmp("nonexistent/asn.mmdb"));

	CHECK(g != NULL);
	check_cc(g, "8.8.8.8", "");
	CHECK_GEO(g, "10.1.1.1", FI_GEO_LOCAL, "Private-Use", "", 0, "");
	fi_geo_info(g, FI_GEO_COUNTRY, &info);
	CHECK(!info.loaded);
	CHECK_STR(info.type, "");
	/* a file that appears later is taken up */
	copy_file(tmp("country.mmdb"), tmp("next.tmp"), -1);
	CHECK_INT(rename(tmp("next.tmp"), path), 0);
	CHECK_INT(fi_geo_maybe_reload(g, 0), 1);
	check_cc(g, "8.8.8.8", "US");
	fi_geo_close(g);

	/* a garbage file at the open: unknown, and no error */
	swap_in(path, "garbage", 7);
	g = fi_geo_open(path, "");
	check_cc(g, "8.8.8.8", "");
	fi_geo_info(g, FI_GEO_COUNTRY, &info);
	CHECK(!info.loaded);
	CHECK_UINT(info.refused, 1);
	fi_geo_close(g);
	fi_geo_close(NULL);
	CHECK_GEO(NULL, "8.8.8.8", FI_GEO_UNKNOWN, "-", "", 0, "");
}

/* An AS name longer than the result holds is cut before a character. */
static void
test_long_name(void)
{
	char csv[1024];
	int n = snprintf(csv, sizeof(csv), "8.8.8.0,8.8.8.255,15169,");
	struct fi_geo_result r;
	struct fi_addr a = A("8.8.8.8");
	struct fi_geo *g;

	for (int i = 0; i < 200; i++)
		n += snprintf(csv + n, sizeof(csv) - (size_t)n, "\xc3\xa9"); /* é */
	n += snprintf(csv + n, sizeof(csv) - (size_t)n, "\n");
	put(tmp("long.csv"), csv, (size_t)n);
	CHECK_INT(mkmmdb("asn", tmp("long.mmdb"), tmp("long.csv"), NULL, NULL), 0);
	g = fi_geo_open(NULL, tmp("long.mmdb"));
	fi_geo_lookup(g, &a, &r);
	CHECK_UINT(r.asn, 15169);
	CHECK_UINT(strlen(r.as_name), FI_GEO_AS_NAME_MAX - 2); /* 254: whole characters */
	CHECK(memcmp(r.as_name, "\xc3\xa9", 2) == 0);
	fi_geo_close(g);
}

static void
cleanup(void)
{
	static const char *const names[] = {
	    "c.csv",	 "a.csv",	  "c2.csv",	 "long.csv",  "country.mmdb",
	    "asn.mmdb",	 "geolite2.mmdb", "v4only.mmdb", "long.mmdb", "country2.mmdb",
	    "live.mmdb", "later.mmdb",	  "next.tmp",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		(void)unlink(tmp(names[i]));
	(void)rmdir(tmpdir);
}

/* Lookups per second of random public-looking addresses (3 in 4 IPv4). */
static int
bench(const char *country, const char *asn)
{
	enum { N = 1 << 20, ROUNDS = 4 };
	struct fi_addr *addrs = calloc(N, sizeof(*addrs));
	struct fi_geo *g = fi_geo_open(country, asn);
	struct fi_geo_result r;
	uint64_t x = 88172645463325252ULL, known = 0;

	if (addrs == NULL || g == NULL)
		return 1;
	for (int i = 0; i < N; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
		if (i % 4 != 3) {
			addrs[i] = fi_addr_from_v4((uint32_t)x);
			continue;
		}
		for (int j = 0; j < 16; j++)
			addrs[i].b[j] = (uint8_t)(x >> (8 * (j % 8)) ^ (uint64_t)j * 37);
		addrs[i].b[0] = 0x20 | (addrs[i].b[0] & 0x0f); /* 2000::/4 */
	}
	/* all different addresses (the tree mostly out of the CPU's caches), and
	 * the same 4,096 over and over (a page's hosts: the paths cached) */
	for (int hot = 0; hot < 2; hot++) {
		double t0 = fi_clock_now();
		known = 0;
		for (int k = 0; k < ROUNDS; k++)
			for (int i = 0; i < N; i++)
				known += fi_geo_lookup(g, &addrs[hot ? i % 4096 : i],
						       &r) == FI_GEO_KNOWN;
		double dt = fi_clock_now() - t0;
		printf("geo lookups (%s): %d in %.3f s: %.0f lookups/s, %.0f ns each; "
		       "%.1f%% known\n",
		       hot ? "4,096 addresses repeated" : "all different", N * ROUNDS, dt,
		       N * ROUNDS / dt, dt * 1e9 / (N * ROUNDS),
		       100.0 * (double)known / (N * ROUNDS));
	}
	printf("geo databases: country %s, ASN %s\n", country, asn);
	fi_geo_close(g);
	free(addrs);
	return 0;
}

int
main(int argc, char **argv)
{
	fi_log_init("test_geo", FI_LOG_WARN, NULL);
	if (argc > 1 && strcmp(argv[1], "--bench") == 0) {
		if (argc == 4)
			return bench(argv[2], argv[3]);
		make_dbs();
		int rc = bench(tmp("country.mmdb"), tmp("asn.mmdb"));
		cleanup();
		return rc;
	}
	make_dbs();
	test_known();
	test_local();
	test_mapped();
	test_reload();
	test_missing();
	test_long_name();
	cleanup();
	return fi_test_result("test_geo");
}
