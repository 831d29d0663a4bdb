/*
 * fi_geo.h: the country and autonomous system of an address, looked up by
 * the responder at query time in two MaxMind DB files (a country database
 * and an ASN database, deploy/geo-update installs both). Special-purpose
 * addresses (RFC 6890 and IANA's registries: private, loopback, link-local,
 * documentation, multicast, ...) are labelled "local" with the block's name
 * before any lookup. A changed file is taken up by fi_geo_maybe_reload
 * without a restart; a broken one is refused and the old one kept.
 */
#ifndef FI_GEO_H
#define FI_GEO_H

#include <stdint.h>

#include "fi_addr.h"
#include "fi_limits.h"

struct fi_geo;

enum fi_geo_kind {
	FI_GEO_UNKNOWN = 0, /* no database knows the address */
	FI_GEO_LOCAL = 1,   /* a special-purpose address: range names the block */
	FI_GEO_KNOWN = 2,   /* a country or an AS was found */
};

/* The two databases, for fi_geo_info. */
enum fi_geo_which {
	FI_GEO_COUNTRY = 0,
	FI_GEO_ASN = 1,
};

/* What is known of one address. Owns no memory; strings are copies. */
struct fi_geo_result {
	enum fi_geo_kind kind;
	/*
	 * The special-purpose block the address is in (a static string, as
	 * IANA's registry names it), or NULL. Set for LOCAL and also for the
	 * globally reachable blocks (anycast services, AS112) and the blocks
	 * that embed an IPv4 address (6to4, Teredo, NAT64's 64:ff9b::/96),
	 * which are looked up: the latter by the IPv4 address they carry.
	 */
	const char *range;
	char country[3];		  /* ISO 3166-1 alpha-2, "" when unknown */
	uint32_t asn;			  /* AS number, 0 when unknown */
	char as_name[FI_GEO_AS_NAME_MAX]; /* AS organisation, "" when unknown */
};

/* One database as loaded, for /api/meta. */
struct fi_geo_info {
	int loaded;		    /* a database is open */
	const char *path;	    /* borrowed: the configured path, NULL if none */
	char type[FI_GEO_TYPE_MAX]; /* the metadata's database_type */
	uint64_t build_epoch;	    /* the metadata's build time, Unix seconds */
	unsigned ip_version;	    /* 4 or 6 */
	uint64_t reloads;	    /* changed files taken up since the open */
	uint64_t refused;	    /* broken or unreadable files refused */
};

/*
 * Opens the country database at country_path and the ASN database at
 * asn_path. Either may be NULL or "" (none), missing or broken: that
 * database then answers nothing (lookups say unknown), the reason is
 * logged, and a good file appearing later is taken up by
 * fi_geo_maybe_reload. Returns a new context (fi_geo_close frees it), or
 * NULL when memory is short. Not for use by two threads at once: each
 * worker process opens its own.
 */
struct fi_geo *fi_geo_open(const char *country_path, const char *asn_path);

/* Closes the databases and frees g. NULL is a no-op. */
void fi_geo_close(struct fi_geo *g);

/*
 * Looks a up and fills *out. Special-purpose addresses are answered from
 * a built-in table first; the rest in the country and the ASN database.
 * IPv4 (the mapped form of fi_addr) is looked up as IPv4. g may be NULL
 * (no databases: only special ranges are known). Returns out->kind.
 * Never fails: a database's error counts as not found (logged, rate
 * limited).
 */
enum fi_geo_kind fi_geo_lookup(struct fi_geo *g, const struct fi_addr *a,
			       struct fi_geo_result *out);

/*
 * At most once a second of now_ms (fi_clock_ms), compares each database
 * file's inode, size and modification time with the open one and, when it
 * changed, opens the new file and swaps it in. A file that does not open
 * or fails the checks is refused (logged once per file version) and the
 * database in use kept; a file that disappeared keeps the one in use too.
 * Call it before each request. Returns the number of databases swapped.
 */
int fi_geo_maybe_reload(struct fi_geo *g, int64_t now_ms);

/* Describes database which of g as loaded now. */
void fi_geo_info(const struct fi_geo *g, enum fi_geo_which which,
		 struct fi_geo_info *out);

/* "local", "known" or "unknown". */
const char *fi_geo_kind_name(enum fi_geo_kind kind);

#endif
