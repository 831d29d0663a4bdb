/*
 * fi_geo.c: country and AS of an address (fi_geo.h). Special-purpose blocks
 * come from the tables below (IANA's IPv4 and IPv6 special-purpose address
 * registries, RFC 6890 and later, plus multicast and the deprecated
 * site-local block); the rest is looked up with libmaxminddb, which only
 * this file of ours includes.
 */
#include "fi_geo.h"

#include <errno.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "fi_log.h"

/* How a special-purpose block is answered. */
enum fi_geo_act {
	FI_GEO_ACT_LOCAL,  /* not globally reachable: local, no lookup */
	FI_GEO_ACT_GLOBAL, /* globally reachable (anycast, AS112): looked up */
	FI_GEO_ACT_EMBED,  /* carries an IPv4 address: that one is looked up */
};

/* A special-purpose block of either family, in the 128-bit form of fi_addr. */
struct fi_geo_block {
	uint64_t hi, lo;     /* the network; IPv4 as ::ffff:a.b.c.d */
	unsigned len;	     /* prefix length in 128 bits */
	const char *name;    /* as IANA's registry names it */
	enum fi_geo_act act; /* how it is answered */
	unsigned embed;	     /* EMBED: byte offset of the IPv4 address */
	uint32_t xor ;	     /* EMBED: what the address is XORed with (Teredo) */
};

/* An IPv4 block a.b.c.d/n in the mapped 128-bit form. */
#define FI_GEO_V4(a, b, c, d, n, name, act)                                              \
	{                                                                                \
		0,                                                                       \
		    0xffff00000000ULL |                                                  \
			((uint64_t)(a) << 24 | (b) << 16 | (c) << 8 | (d)),              \
		    96 + (n), name, act, 0, 0                                            \
	}

static const struct fi_geo_block fi_geo_v4_blocks[] = {
    FI_GEO_V4(0, 0, 0, 0, 8, "This network", FI_GEO_ACT_LOCAL),
    FI_GEO_V4(0, 0, 0, 0, 32, "This host on this network", FI_GEO_ACT_LOCAL),
    FI_GEO_V4(10, 0, 0, 0, 8, "Private-Use", FI_GEO_ACT_LOCAL),
    FI_GEO_V4(100, 64, 0, 0, 10, "Shared Address Space", FI_GEO_ACT_LOCAL),
    FI_GEO_V4(127, 0, 0, 0, 8, "Loopback", FI_GEO_ACT_LOCAL),
    FI_GEO_V4(169, 254, 0, 0, 16, "Link Local", FI_GEO_ACT_LOCAL),
    FI_GEO_V4(172, 16, 0, 0, 12, "Private-Use", FI_GEO_ACT_LOCAL),
    FI_GEO_V4(192, 0, 0, 0, 24, "IETF Protocol Assignments", FI_GEO_ACT_LOCAL),
    FI_GEO_V4(192, 0, 0, 0, 29, "IPv4 Service Continuity Prefix", FI_GEO_ACT_LOCAL),
    FI_GEO_V4(192, 0, 0, 8, 32, "IPv4 dummy address", FI_GEO_ACT_LOCAL),
    FI_GEO_V4(192, 0, 0, 9, 32, "Port Control Protocol Anycast", FI_GEO_ACT_GLOBAL),
    FI_GEO_V4(192, 0, 0, 10, 32, "Traversal Using Relays around NAT Anycast",
	      FI_GEO_ACT_GLOBAL),
    FI_GEO_V4(192, 0, 0, 170, 32, "NAT64/DNS64 Discovery", FI_GEO_ACT_LOCAL),
    FI_GEO_V4(192, 0, 0, 171, 32, "NAT64/DNS64 Discovery", FI_GEO_ACT_LOCAL),
    FI_GEO_V4(192, 0, 2, 0, 24, "Documentation (TEST-NET-1)", FI_GEO_ACT_LOCAL),
    FI_GEO_V4(192, 31, 196, 0, 24, "AS112-v4", FI_GEO_ACT_GLOBAL),
    FI_GEO_V4(192, 52, 193, 0, 24, "AMT", FI_GEO_ACT_GLOBAL),
    FI_GEO_V4(192, 88, 99, 0, 24, "Deprecated (6to4 Relay Anycast)", FI_GEO_ACT_GLOBAL),
    FI_GEO_V4(192, 168, 0, 0, 16, "Private-Use", FI_GEO_ACT_LOCAL),
    FI_GEO_V4(192, 175, 48, 0, 24, "Direct Delegation AS112 Service", FI_GEO_ACT_GLOBAL),
    FI_GEO_V4(198, 18, 0, 0, 15, "Benchmarking", FI_GEO_ACT_LOCAL),
    FI_GEO_V4(198, 51, 100, 0, 24, "Documentation (TEST-NET-2)", FI_GEO_ACT_LOCAL),
    FI_GEO_V4(203, 0, 113, 0, 24, "Documentation (TEST-NET-3)", FI_GEO_ACT_LOCAL),
    FI_GEO_V4(224, 0, 0, 0, 4, "Multicast", FI_GEO_ACT_LOCAL),
    FI_GEO_V4(240, 0, 0, 0, 4, "Reserved", FI_GEO_ACT_LOCAL),
    FI_GEO_V4(255, 255, 255, 255, 32, "Limited Broadcast", FI_GEO_ACT_LOCAL),
};

/* ::ffff:0:0/96 is IPv4 in fi_addr, so it never reaches this table. */
static const struct fi_geo_block fi_geo_v6_blocks[] = {
    {0, 0, 128, "Unspecified Address", FI_GEO_ACT_LOCAL, 0, 0},
    {0, 1, 128, "Loopback Address", FI_GEO_ACT_LOCAL, 0, 0},
    {0, 0, 96, "IPv4-compatible (deprecated)", FI_GEO_ACT_LOCAL, 0, 0},
    {0x0064ff9b00000000ULL, 0, 96, "IPv4-IPv6 Translat.", FI_GEO_ACT_EMBED, 12, 0},
    {0x0064ff9b00010000ULL, 0, 48, "Local-use IPv4/IPv6 Translation", FI_GEO_ACT_LOCAL, 0,
     0},
    {0x0100000000000000ULL, 0, 64, "Discard-Only Address Block", FI_GEO_ACT_LOCAL, 0, 0},
    {0x0100000000000001ULL, 0, 64, "Dummy IPv6 Prefix", FI_GEO_ACT_LOCAL, 0, 0},
    {0x2001000000000000ULL, 0, 23, "IETF Protocol Assignments", FI_GEO_ACT_LOCAL, 0, 0},
    /* the client's public address, every bit inverted (RFC 4380) */
    {0x2001000000000000ULL, 0, 32, "TEREDO", FI_GEO_ACT_EMBED, 12, 0xffffffffu},
    {0x2001000100000000ULL, 1, 128, "Port Control Protocol Anycast", FI_GEO_ACT_GLOBAL, 0,
     0},
    {0x2001000100000000ULL, 2, 128, "TURN Anycast", FI_GEO_ACT_GLOBAL, 0, 0},
    {0x2001000100000000ULL, 3, 128, "DNS-SD Service Registration Protocol Anycast",
     FI_GEO_ACT_GLOBAL, 0, 0},
    {0x2001000200000000ULL, 0, 48, "Benchmarking", FI_GEO_ACT_LOCAL, 0, 0},
    {0x2001000300000000ULL, 0, 32, "AMT", FI_GEO_ACT_GLOBAL, 0, 0},
    {0x2001000401120000ULL, 0, 48, "AS112-v6", FI_GEO_ACT_GLOBAL, 0, 0},
    {0x2001001000000000ULL, 0, 28, "ORCHID (deprecated)", FI_GEO_ACT_LOCAL, 0, 0},
    {0x2001002000000000ULL, 0, 28, "ORCHIDv2", FI_GEO_ACT_GLOBAL, 0, 0},
    {0x2001003000000000ULL, 0, 28, "Drone Remote ID Protocol Entity Tags (DETs) Prefix",
     FI_GEO_ACT_GLOBAL, 0, 0},
    {0x20010db800000000ULL, 0, 32, "Documentation", FI_GEO_ACT_LOCAL, 0, 0},
    /* the site's router, 2002:a.b.c.d::/48 (RFC 3056) */
    {0x2002000000000000ULL, 0, 16, "6to4", FI_GEO_ACT_EMBED, 2, 0},
    {0x2620004f80000000ULL, 0, 48, "Direct Delegation AS112 Service", FI_GEO_ACT_GLOBAL,
     0, 0},
    {0x3fff000000000000ULL, 0, 20, "Documentation", FI_GEO_ACT_LOCAL, 0, 0},
    {0x5f00000000000000ULL, 0, 16, "Segment Routing (SRv6) SIDs", FI_GEO_ACT_LOCAL, 0, 0},
    {0xfc00000000000000ULL, 0, 7, "Unique-Local", FI_GEO_ACT_LOCAL, 0, 0},
    {0xfe80000000000000ULL, 0, 10, "Link-Local Unicast", FI_GEO_ACT_LOCAL, 0, 0},
    {0xfec0000000000000ULL, 0, 10, "Site-Local (deprecated)", FI_GEO_ACT_LOCAL, 0, 0},
    {0xff00000000000000ULL, 0, 8, "Multicast", FI_GEO_ACT_LOCAL, 0, 0},
};

#define FI_GEO_NBLOCKS(t) (sizeof(t) / sizeof((t)[0]))

/* the files are looked at no more often than this (fi_geo_maybe_reload) */
#define FI_GEO_CHECK_MS 1000

/* A version of a file: it changed when any of these did. */
struct fi_geo_fileid {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

/* One database: the file configured and the version of it in use. */
struct fi_geo_db {
	char *path;		      /* owned; NULL when none is configured */
	const char *what;	      /* "country" or "ASN", for the log */
	MMDB_s *mmdb;		      /* owned; NULL while none is open */
	struct fi_geo_fileid id;      /* of the open file */
	struct fi_geo_fileid refused; /* the last version refused (or gone) */
	int have_refused;	      /* refused is set */
	uint64_t reloads;	      /* versions swapped in after the open */
	uint64_t nrefused;	      /* versions refused */
};

struct fi_geo {
	struct fi_geo_db db[2]; /* FI_GEO_COUNTRY, FI_GEO_ASN */
	int checked;		/* checked_ms is set */
	int64_t checked_ms;	/* when the files were last looked at */
	struct fi_ratelimit rl; /* lookup errors in the log */
};

/* The 128-bit halves of an address. */
static void
fi_geo_halves(const struct fi_addr *a, uint64_t *hi, uint64_t *lo)
{
	uint64_t h = 0, l = 0;

	for (int i = 0; i < 8; i++) {
		h = h << 8 | a->b[i];
		l = l << 8 | a->b[8 + i];
	}
	*hi = h;
	*lo = l;
}

static int
fi_geo_in_block(uint64_t hi, uint64_t lo, const struct fi_geo_block *b)
{
	uint64_t mhi, mlo;

	if (b->len >= 64) {
		mhi = ~0ULL;
		mlo = b->len == 64 ? 0 : ~0ULL << (128 - b->len);
	} else {
		mhi = b->len == 0 ? 0 : ~0ULL << (64 - b->len);
		mlo = 0;
	}
	return (hi & mhi) == b->hi && (lo & mlo) == b->lo;
}

/* The most specific special-purpose block holding a, or NULL. */
static const struct fi_geo_block *
fi_geo_block_find(const struct fi_addr *a)
{
	const struct fi_geo_block *t = fi_geo_v6_blocks, *best = NULL;
	size_t n = FI_GEO_NBLOCKS(fi_geo_v6_blocks);
	uint64_t hi, lo;

	if (fi_addr_is_v4(a)) {
		t = fi_geo_v4_blocks;
		n = FI_GEO_NBLOCKS(fi_geo_v4_blocks);
	}
	fi_geo_halves(a, &hi, &lo);
	for (size_t i = 0; i < n; i++)
		if ((best == NULL || t[i].len > best->len) &&
		    fi_geo_in_block(hi, lo, &t[i]))
			best = &t[i];
	return best;
}

static void
fi_geo_fileid_of(const struct stat *st, struct fi_geo_fileid *id)
{
	memset(id, 0, sizeof(*id));
	id->dev = st->st_dev;
	id->ino = st->st_ino;
	id->size = st->st_size;
	id->mtime = st->st_mtim;
}

static int
fi_geo_fileid_eq(const struct fi_geo_fileid *a, const struct fi_geo_fileid *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/*
 * Checks what MMDB_open leaves unchecked that a lookup relies on: the
 * metadata's IP version and type, and that a lookup in each family walks
 * the tree without error. Returns NULL or what is wrong.
 */
static const char *
fi_geo_db_sane(MMDB_s *m)
{
	static const char *const probes[] = {"8.8.8.8", "2001:4860:4860::8888"};
	int gai, err;

	if (m->metadata.ip_version != 4 && m->metadata.ip_version != 6)
		return "IP version neither 4 nor 6";
	if (m->metadata.database_type == NULL || m->metadata.node_count == 0)
		return "no database type or no nodes";
	for (size_t i = 0; i < m->metadata.ip_version / 4; i++) {
		(void)MMDB_lookup_string(m, probes[i], &gai, &err);
		if (gai != 0 || err != MMDB_SUCCESS)
			return err != MMDB_SUCCESS ? MMDB_strerror(err) : "probe address";
	}
	return NULL;
}

/*
 * Opens the file at db->path (whose version st describes) and swaps it in.
 * Returns 1 when swapped, 0 when refused (logged; the old one kept).
 */
static int
fi_geo_db_load(struct fi_geo_db *db, const struct stat *st)
{
	MMDB_s *m = calloc(1, sizeof(*m));
	const char *why;
	int rc;

	if (m == NULL) {
		fi_warnx("geo: %s database %s: out of memory", db->what, db->path);
		return 0; /* not marked refused: tried again at the next check */
	}
	rc = MMDB_open(db->path, MMDB_MODE_MMAP, m);
	why = rc != MMDB_SUCCESS ? MMDB_strerror(rc) : fi_geo_db_sane(m);
	if (why != NULL) {
		fi_warnx("geo: %s database %s refused (%s); %s", db->what, db->path, why,
			 db->mmdb ? "keeping the one in use" : "lookups answer unknown");
		if (rc == MMDB_SUCCESS)
			MMDB_close(m);
		free(m);
		fi_geo_fileid_of(st, &db->refused);
		db->have_refused = 1;
		db->nrefused++;
		return 0;
	}
	if (db->mmdb != NULL) {
		MMDB_close(db->mmdb);
		free(db->mmdb);
		db->reloads++;
	}
	db->mmdb = m;
	fi_geo_fileid_of(st, &db->id);
	db->have_refused = 0;
	fi_info("geo: %s database %s: %s, built %llu", db->what, db->path,
		m->metadata.database_type, (unsigned long long)m->metadata.build_epoch);
	return 1;
}

/* Looks at db's file and takes it up when it is a new version: 1 if so. */
static int
fi_geo_db_check(struct fi_geo_db *db)
{
	struct stat st;
	struct fi_geo_fileid id;

	if (db->path == NULL)
		return 0;
	if (stat(db->path, &st) != 0) {
		/* gone, or not readable: keep what is open; log a change once */
		memset(&id, 0, sizeof(id));
		/* not installed (yet) is a setting, not a fault: info */
		if ((!db->have_refused || !fi_geo_fileid_eq(&id, &db->refused)) &&
		    errno == ENOENT)
			fi_info("geo: %s database %s: not there (deploy/geo-update "
				"installs it); %s",
				db->what, db->path,
				db->mmdb ? "keeping the one in use"
					 : "lookups answer unknown");
		else if (!db->have_refused || !fi_geo_fileid_eq(&id, &db->refused))
			fi_warnx("geo: %s database %s: %s; %s", db->what, db->path,
				 strerror(errno),
				 db->mmdb ? "keeping the one in use"
					  : "lookups answer unknown");
		db->refused = id;
		db->have_refused = 1;
		return 0;
	}
	fi_geo_fileid_of(&st, &id);
	if (db->mmdb != NULL && fi_geo_fileid_eq(&id, &db->id))
		return 0;
	if (db->have_refused && fi_geo_fileid_eq(&id, &db->refused))
		return 0; /* refused before and unchanged since */
	return fi_geo_db_load(db, &st);
}

struct fi_geo *
fi_geo_open(const char *country_path, const char *asn_path)
{
	struct fi_geo *g = calloc(1, sizeof(*g));
	const char *paths[2] = {country_path, asn_path};

	if (g == NULL)
		return NULL;
	g->db[FI_GEO_COUNTRY].what = "country";
	g->db[FI_GEO_ASN].what = "ASN";
	g->rl = (struct fi_ratelimit){.period = 60, .burst = 5};
	for (int i = 0; i < 2; i++) {
		if (paths[i] == NULL || paths[i][0] == '\0')
			continue;
		g->db[i].path = strdup(paths[i]);
		if (g->db[i].path == NULL) {
			fi_geo_close(g);
			return NULL;
		}
		(void)fi_geo_db_check(&g->db[i]);
	}
	return g;
}

void
fi_geo_close(struct fi_geo *g)
{
	if (g == NULL)
		return;
	for (int i = 0; i < 2; i++) {
		if (g->db[i].mmdb != NULL) {
			MMDB_close(g->db[i].mmdb);
			free(g->db[i].mmdb);
		}
		free(g->db[i].path);
	}
	free(g);
}

int
fi_geo_maybe_reload(struct fi_geo *g, int64_t now_ms)
{
	int swapped = 0;

	if (g == NULL || (g->checked && now_ms - g->checked_ms < FI_GEO_CHECK_MS &&
			  now_ms >= g->checked_ms))
		return 0;
	g->checked = 1;
	g->checked_ms = now_ms;
	for (int i = 0; i < 2; i++)
		swapped += fi_geo_db_check(&g->db[i]);
	return swapped;
}

/* Copies a string value of n bytes into dst (cap bytes), cut at a character. */
static void
fi_geo_copy_str(char *dst, size_t cap, const char *src, uint32_t n)
{
	if (n >= cap) {
		n = (uint32_t)cap - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--; /* src[n] would start the next character: cut before it */
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* A string at path in entry, or NULL (*n its length). */
static const char *
fi_geo_get_str(MMDB_entry_s *e, uint32_t *n, const char *const *path)
{
	MMDB_entry_data_s d;

	if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data ||
	    d.type != MMDB_DATA_TYPE_UTF8_STRING)
		return NULL;
	*n = d.data_size;
	return d.utf8_string;
}

/* The country of entry: ip-location-db's country_code, or GeoLite2's. */
static void
fi_geo_get_country(MMDB_entry_s *e, struct fi_geo_result *out)
{
	static const char *const flat[] = {"country_code", NULL};
	static const char *const nested[] = {"country", "iso_code", NULL};
	const char *s;
	uint32_t n = 0;

	s = fi_geo_get_str(e, &n, flat);
	if (s == NULL)
		s = fi_geo_get_str(e, &n, nested);
	if (s == NULL || n != 2)
		return;
	for (int i = 0; i < 2; i++) {
		char c = s[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c < 'A' || c > 'Z')
			return;
		out->country[i] = c;
	}
	out->country[2] = '\0';
}

/* The AS of entry (GeoLite2-ASN's names, which geo-update writes too). */
static void
fi_geo_get_as(MMDB_entry_s *e, struct fi_geo_result *out)
{
	static const char *const num[] = {"autonomous_system_number", NULL};
	static const char *const org[] = {"autonomous_system_organization", NULL};
	MMDB_entry_data_s d;
	const char *s;
	uint32_t n = 0;

	if (MMDB_aget_value(e, &d, num) != MMDB_SUCCESS || !d.has_data)
		return;
	if (d.type == MMDB_DATA_TYPE_UINT32)
		out->asn = d.uint32;
	else if (d.type == MMDB_DATA_TYPE_UINT16)
		out->asn = d.uint16;
	else if (d.type == MMDB_DATA_TYPE_UINT64 && d.uint64 <= UINT32_MAX)
		out->asn = (uint32_t)d.uint64;
	else
		return;
	s = fi_geo_get_str(e, &n, org);
	if (s != NULL)
		fi_geo_copy_str(out->as_name, sizeof(out->as_name), s, n);
}

/* The entry for sa in m, or found_entry 0 (errors logged). */
static MMDB_lookup_result_s
fi_geo_db_lookup(struct fi_geo *g, const struct fi_geo_db *db, const struct sockaddr *sa)
{
	MMDB_lookup_result_s res;
	int err = MMDB_SUCCESS;

	res = MMDB_lookup_sockaddr(db->mmdb, sa, &err);
	/* an IPv6 address in an IPv4 database is simply not in it */
	if (err != MMDB_SUCCESS && err != MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR)
		fi_warnx_limited(&g->rl, "geo: %s database %s: lookup: %s", db->what,
				 db->path, MMDB_strerror(err));
	if (err != MMDB_SUCCESS)
		res.found_entry = 0;
	return res;
}

/* Looks a up in the databases (a is no special-purpose address). */
static void
fi_geo_lookup_dbs(struct fi_geo *g, const struct fi_addr *a, struct fi_geo_result *out)
{
	struct sockaddr_storage ss;
	MMDB_lookup_result_s res;

	memset(&ss, 0, sizeof(ss));
	if (fi_addr_is_v4(a)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a->b + 12, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a->b, 16);
	}
	if (g->db[FI_GEO_COUNTRY].mmdb != NULL) {
		res = fi_geo_db_lookup(g, &g->db[FI_GEO_COUNTRY], (struct sockaddr *)&ss);
		if (res.found_entry)
			fi_geo_get_country(&res.entry, out);
	}
	if (g->db[FI_GEO_ASN].mmdb != NULL) {
		res = fi_geo_db_lookup(g, &g->db[FI_GEO_ASN], (struct sockaddr *)&ss);
		if (res.found_entry)
			fi_geo_get_as(&res.entry, out);
	}
}

enum fi_geo_kind
fi_geo_lookup(struct fi_geo *g, const struct fi_addr *a, struct fi_geo_result *out)
{
	const struct fi_geo_block *b = fi_geo_block_find(a);
	struct fi_addr look = *a;

	out->kind = FI_GEO_UNKNOWN;
	out->range = b ? b->name : NULL;
	out->country[0] = '\0';
	out->asn = 0;
	out->as_name[0] = '\0';
	if (b != NULL && b->act == FI_GEO_ACT_LOCAL)
		return out->kind = FI_GEO_LOCAL;
	if (b != NULL && b->act == FI_GEO_ACT_EMBED) {
		const struct fi_geo_block *inner;
		uint32_t v4 = (uint32_t)a->b[b->embed] << 24 |
			      (uint32_t)a->b[b->embed + 1] << 16 |
			      (uint32_t)a->b[b->embed + 2] << 8 | a->b[b->embed + 3];
		look = fi_addr_from_v4(v4 ^ b->xor);
		inner = fi_geo_block_find(&look);
		if (inner != NULL && inner->act == FI_GEO_ACT_LOCAL)
			return out->kind =
				   FI_GEO_LOCAL; /* e.g. 6to4 of a private address */
	}
	if (g != NULL)
		fi_geo_lookup_dbs(g, &look, out);
	if (out->country[0] != '\0' || out->asn != 0)
		out->kind = FI_GEO_KNOWN;
	return out->kind;
}

void
fi_geo_info(const struct fi_geo *g, enum fi_geo_which which, struct fi_geo_info *out)
{
	const struct fi_geo_db *db;

	memset(out, 0, sizeof(*out));
	if (g == NULL || (which != FI_GEO_COUNTRY && which != FI_GEO_ASN))
		return;
	db = &g->db[which];
	out->path = db->path;
	out->reloads = db->reloads;
	out->refused = db->nrefused;
	if (db->mmdb == NULL)
		return;
	out->loaded = 1;
	fi_geo_copy_str(
	    out->type, sizeof(out->type), db->mmdb->metadata.database_type,
	    (uint32_t)strnlen(db->mmdb->metadata.database_type, sizeof(out->type)));
	out->build_epoch = db->mmdb->metadata.build_epoch;
	out->ip_version = db->mmdb->metadata.ip_version;
}

const char *
fi_geo_kind_name(enum fi_geo_kind kind)
{
	switch (kind) {
	case FI_GEO_LOCAL:
		return "local";
	case FI_GEO_KNOWN:
		return "known";
	case FI_GEO_UNKNOWN:
		break;
	}
	return "unknown";
}
