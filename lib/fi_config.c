/*
 * fi_config.c: the table of configuration keys and the file parser.
 * Defaults are text run through the same parser as the file, so a default
 * can never be a value the parser would reject.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fi_buf.h"
#include "fi_config.h"
#include "fi_log.h"
#include "fi_num.h"

enum fi_config_type {
	FI_CT_STRING, /* any text */
	FI_CT_SECRET, /* text, or "env:NAME" to read the environment; masked */
	FI_CT_IDENT,  /* database identifier: [A-Za-z0-9_]+ */
	FI_CT_KEY,    /* redis key: printable, no spaces */
	FI_CT_UINT,   /* unsigned within [min, max] */
	FI_CT_BOOL,   /* yes/no, true/false, on/off, 1/0 */
	FI_CT_SIZES,  /* comma list of bucket sizes */
	FI_CT_DAYS,   /* comma list of retention days, or empty for per-size defaults */
	FI_CT_DETAIL, /* comma list of detail sizes, "all", or empty for the finest */
	FI_CT_LEVEL,  /* log level name */
};

struct fi_config_entry {
	const char *name;	  /* key in the file */
	enum fi_config_type type; /* how the value is parsed */
	size_t off;		  /* offset of the field in struct fi_config */
	size_t size;		  /* size of the field (strings) */
	const char *def;	  /* default, as text */
	uint64_t min, max;	  /* bounds for FI_CT_UINT */
	const char *help;	  /* one line for --help */
};

#define FI_CONFIG_FIELD(f)                                                               \
	offsetof(struct fi_config, f), sizeof(((struct fi_config *)0)->f)

static const struct fi_config_entry fi_config_table[] = {
    {"db_host", FI_CT_STRING, FI_CONFIG_FIELD(db_host), "localhost", 0, 0,
     "database server host (\"localhost\" uses the unix socket)"},
    {"db_port", FI_CT_UINT, FI_CONFIG_FIELD(db_port), "3306", 1, 65535,
     "database TCP port"},
    {"db_socket", FI_CT_STRING, FI_CONFIG_FIELD(db_socket), "", 0, 0,
     "database unix socket (empty: the client library's default)"},
    {"db_name", FI_CT_IDENT, FI_CONFIG_FIELD(db_name), "flowinspector", 0, 0,
     "database holding the bucket tables"},
    {"db_user", FI_CT_IDENT, FI_CONFIG_FIELD(db_user), "flowinspector", 0, 0,
     "the importer's account (SELECT, INSERT, UPDATE, DELETE)"},
    {"db_password", FI_CT_SECRET, FI_CONFIG_FIELD(db_password), "", 0, 0,
     "its password, or env:NAME to read the environment variable NAME"},
    {"db_ro_user", FI_CT_IDENT, FI_CONFIG_FIELD(db_ro_user), "flowinspector_ro", 0, 0,
     "the responder's account (SELECT only)"},
    {"db_ro_password", FI_CT_SECRET, FI_CONFIG_FIELD(db_ro_password), "", 0, 0,
     "its password, or env:NAME"},
    {"db_admin_user", FI_CT_IDENT, FI_CONFIG_FIELD(db_admin_user), "root", 0, 0,
     "account used by --init-db to create tables, events and accounts"},
    {"db_admin_password", FI_CT_SECRET, FI_CONFIG_FIELD(db_admin_password), "", 0, 0,
     "its password, or env:NAME"},
    {"db_grant_hosts", FI_CT_STRING, FI_CONFIG_FIELD(db_grant_hosts),
     "localhost,127.0.0.1,::1", 0, 0,
     "comma list of client hosts the two accounts are created for"},
    {"flow_bucket_sizes", FI_CT_SIZES, FI_CONFIG_FIELD(bucket_sizes), "60,600,3600,86400",
     0, 0, "comma list of bucket sizes in seconds"},
    {"retention_days", FI_CT_DAYS, FI_CONFIG_FIELD(retention_days), "", 0, 0,
     "days to keep, per bucket size or one for all, 0 = forever (empty: "
     "<600 s 2, <3600 s 31, <86400 s 400, else forever)"},
    {"flow_detail_sizes", FI_CT_DETAIL, FI_CONFIG_FIELD(detail_sizes), "", 0, 0,
     "bucket sizes whose per-key flows and ports are stored, or \"all\"; the others "
     "are summed from the coarsest of these that divides them (empty: the finest "
     "size)"},
    {"retention_interval", FI_CT_UINT, FI_CONFIG_FIELD(retention_interval), "3600", 1,
     86400, "seconds between runs of the retention events"},
    {"rollup_workers", FI_CT_UINT, FI_CONFIG_FIELD(rollup_workers), "1", 0, 1,
     "roll-up processes the importer daemon runs (0: run flowinspector-importer "
     "--rollup on its own)"},
    {"rollup_connections", FI_CT_UINT, FI_CONFIG_FIELD(rollup_connections), "2", 1,
     FI_ROLLUP_CONNECTIONS_MAX,
     "database connections the roll-up works with at once, each on buckets of "
     "its own"},
    {"rollup_settle", FI_CT_UINT, FI_CONFIG_FIELD(rollup_settle), "5", 0, 3600,
     "seconds a bucket must go without new flows before it is rolled up"},
    {"live_import", FI_CT_BOOL, FI_CONFIG_FIELD(live_import), "yes", 0, 0,
     "flush when flow time moves more than max_flow_age past the last flush"},
    {"max_flow_age", FI_CT_UINT, FI_CONFIG_FIELD(max_flow_age), "300", 1, 86400,
     "seconds of flow time between flushes with live_import"},
    {"max_flow_duration", FI_CT_UINT, FI_CONFIG_FIELD(max_flow_duration), "604800", 1,
     31622400, "flows lasting longer are rejected as malformed"},
    {"redis_host", FI_CT_STRING, FI_CONFIG_FIELD(redis_host), "127.0.0.1", 0, 0,
     "redis host, or a unix socket path starting with /"},
    {"redis_port", FI_CT_UINT, FI_CONFIG_FIELD(redis_port), "6379", 1, 65535,
     "redis port"},
    {"redis_db", FI_CT_UINT, FI_CONFIG_FIELD(redis_db), "0", 0, 1023,
     "redis database number"},
    {"redis_password", FI_CT_SECRET, FI_CONFIG_FIELD(redis_password), "", 0, 0,
     "redis password, or env:NAME (empty: none)"},
    {"redis_queue", FI_CT_KEY, FI_CONFIG_FIELD(redis_queue), "entry:queue", 0, 0,
     "redis list the producers push flows to"},
    {"redis_dead_queue", FI_CT_KEY, FI_CONFIG_FIELD(redis_dead_queue), "entry:dead", 0, 0,
     "redis list malformed elements are moved to, with the reason"},
    {"consumer_name", FI_CT_KEY, FI_CONFIG_FIELD(consumer_name), "", 0, 0,
     "name of this importer among several, stable across restarts (empty: the host "
     "name)"},
    {"flush_interval", FI_CT_UINT, FI_CONFIG_FIELD(flush_interval), "10", 1, 3600,
     "wall-clock seconds after which cached data is written"},
    {"batch_size", FI_CT_UINT, FI_CONFIG_FIELD(batch_size), "5000", 1, 1000000,
     "queue elements taken per round trip"},
    {"max_memory_mb", FI_CT_UINT, FI_CONFIG_FIELD(max_memory_mb), "256", 16, 65536,
     "flush early when the importer's cache reaches this size"},
    {"db_writers", FI_CT_UINT, FI_CONFIG_FIELD(db_writers), "2", 1, 8,
     "database connections the importer writes a batch's tables over, in parallel"},
    {"write_set_rows", FI_CT_UINT, FI_CONFIG_FIELD(write_set_rows), "100000", 0,
     100000000,
     "most bucket rows the importer writes in one transaction; a batch's larger "
     "tables are cut into pieces (0: no bound)"},
    {"src_driver", FI_CT_IDENT, FI_CONFIG_FIELD(src_driver), "mysql", 0, 0,
     "database source server: mysql (MySQL or MariaDB) or postgresql (VERMONT's "
     "PostgreSQL writer, with --vermont-db)"},
    {"src_host", FI_CT_STRING, FI_CONFIG_FIELD(src_host), "localhost", 0, 0,
     "database source (--argus-db, --vermont-db) server host (\"localhost\" uses the "
     "unix socket)"},
    {"src_port", FI_CT_UINT, FI_CONFIG_FIELD(src_port), "0", 0, 65535,
     "database source TCP port (0: the driver's default, 3306 or 5432)"},
    {"src_socket", FI_CT_STRING, FI_CONFIG_FIELD(src_socket), "", 0, 0,
     "database source unix socket (empty: the client library's default)"},
    {"src_user", FI_CT_STRING, FI_CONFIG_FIELD(src_user), "", 0, 0,
     "account that reads the source tables (empty: the login name)"},
    {"src_password", FI_CT_SECRET, FI_CONFIG_FIELD(src_password), "", 0, 0,
     "its password, or env:NAME to read the environment variable NAME"},
    {"src_database", FI_CT_STRING, FI_CONFIG_FIELD(src_database), "", 0, 0,
     "database holding the argus or VERMONT tables"},
    {"src_name", FI_CT_KEY, FI_CONFIG_FIELD(src_name), "", 0, 0,
     "name the import marks of this source are kept under (empty: "
     "argus:DATABASE or vermont:DATABASE)"},
    {"src_chunk_rows", FI_CT_UINT, FI_CONFIG_FIELD(src_chunk_rows), "20000", 1, 10000000,
     "source rows imported per transaction"},
    {"src_settle", FI_CT_UINT, FI_CONFIG_FIELD(src_settle), "3600", 0, 31536000,
     "seconds after its day (and its last write) before a keyed daily table is "
     "imported as a snapshot"},
    {"src_max_gaps", FI_CT_UINT, FI_CONFIG_FIELD(src_max_gaps), "100000", 1, 100000000,
     "ranges of skipped keys kept per table followed by its AUTO_INCREMENT key"},
    {"probe_max_queue", FI_CT_UINT, FI_CONFIG_FIELD(probe_max_queue), "100000", 0,
     1000000000, "the probe waits while the queue holds this many elements (0: never)"},
    {"probe_inactive_timeout", FI_CT_UINT, FI_CONFIG_FIELD(probe_inactive_timeout), "300",
     1, 86400, "seconds without a packet after which the probe ends a flow"},
    {"probe_active_timeout", FI_CT_UINT, FI_CONFIG_FIELD(probe_active_timeout), "600", 1,
     86400, "seconds after its first packet at which the probe cuts a flow"},
    {"probe_tcp_end_timeout", FI_CT_UINT, FI_CONFIG_FIELD(probe_tcp_end_timeout), "5", 0,
     3600, "seconds a TCP flow stays open after its first FIN or RST (0: ends at once)"},
    {"probe_max_flows", FI_CT_UINT, FI_CONFIG_FIELD(probe_max_flows), "1000000", 1,
     100000000,
     "flows the probe holds (up to about 130 bytes each); when full the least recently "
     "active is exported"},
    {"probe_icmp_typecode", FI_CT_BOOL, FI_CONFIG_FIELD(probe_icmp_typecode), "yes", 0, 0,
     "ICMP type*256+code as the destination port (no: 0, as VERMONT writes it)"},
    {"fcgi_socket", FI_CT_STRING, FI_CONFIG_FIELD(fcgi_socket), "127.0.0.1:9000", 0, 0,
     "responder socket: host:port or a unix socket path"},
    {"fcgi_workers", FI_CT_UINT, FI_CONFIG_FIELD(fcgi_workers), "4", 1, 256,
     "responder worker processes, one database connection each"},
    {"fcgi_light_workers", FI_CT_UINT, FI_CONFIG_FIELD(fcgi_light_workers), "1", 0, 255,
     "responder workers kept for light calls: a query scanning per-key rows "
     "gets 503 (Retry-After) rather than take one of them (0: no limit)"},
    {"fcgi_groups_max", FI_CT_UINT, FI_CONFIG_FIELD(fcgi_groups_max), "1048576", 0,
     16777216,
     "groups of an aggregate over host pairs the responder sums itself (about 230 "
     "bytes each while answering); past it, or 0, the database groups them"},
    {"fcgi_read_timeout", FI_CT_UINT, FI_CONFIG_FIELD(fcgi_read_timeout), "5", 1, 300,
     "seconds a connection to the responder has to send its whole request; slower "
     "or silent ones are closed"},
    {"max_rows", FI_CT_UINT, FI_CONFIG_FIELD(max_rows), "100000", 1, 10000000,
     "most rows one API answer returns"},
    {"query_timeout", FI_CT_UINT, FI_CONFIG_FIELD(query_timeout), "30", 1, 3600,
     "seconds after which a database query is cut off"},
    {"max_replica_lag", FI_CT_UINT, FI_CONFIG_FIELD(max_replica_lag), "0", 0, 86400,
     "seconds the responder's database may lag behind the primary (its heartbeat) "
     "before data routes answer 503, so that nginx asks another responder (0: off)"},
    {"geo_country_db", FI_CT_STRING, FI_CONFIG_FIELD(geo_country_db),
     "/var/lib/flowinspector/geo/country.mmdb", 0, 0,
     "MaxMind-format database of address countries (deploy/geo-update; empty: none); "
     "a new file is used within a second"},
    {"geo_asn_db", FI_CT_STRING, FI_CONFIG_FIELD(geo_asn_db),
     "/var/lib/flowinspector/geo/asn.mmdb", 0, 0,
     "MaxMind-format database of address ASes (deploy/geo-update; empty: none)"},
    {"log_level", FI_CT_LEVEL, FI_CONFIG_FIELD(log_level), "info", 0, 0,
     "error, warn, info or debug"},
    {"log_file", FI_CT_STRING, FI_CONFIG_FIELD(log_file), "", 0, 0,
     "log file (empty: standard error)"},
};

#define FI_CONFIG_NENTRIES (sizeof(fi_config_table) / sizeof(fi_config_table[0]))

static const struct fi_config_entry *
fi_config_lookup(const char *key)
{
	for (size_t i = 0; i < FI_CONFIG_NENTRIES; i++)
		if (strcmp(fi_config_table[i].name, key) == 0)
			return &fi_config_table[i];
	return NULL;
}

static int
fi_config_bool(const char *v, int *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return FI_EINVAL;
}

/* Parses a comma list of unsigned numbers in [min, max] into out[]. */
static int
fi_config_list(const char *v, uint64_t min, uint64_t max, uint32_t *out, unsigned *n,
	       const char **why)
{
	const char *p = v;

	*n = 0;
	while (*p != '\0') {
		const char *end = strchr(p, ',');
		struct fi_str item;
		uint64_t x;

		if (end == NULL)
			end = p + strlen(p);
		item.p = p;
		item.n = (size_t)(end - p);
		while (item.n > 0 && isspace((unsigned char)item.p[0])) {
			item.p++;
			item.n--;
		}
		while (item.n > 0 && isspace((unsigned char)item.p[item.n - 1]))
			item.n--;
		if (*n >= FI_BUCKET_SIZES_MAX) {
			*why = "too many entries";
			return FI_ERANGE;
		}
		if (fi_num_u64(item, min, max, &x) != 0) {
			*why = "entries must be whole numbers in range";
			return FI_EINVAL;
		}
		out[(*n)++] = (uint32_t)x;
		p = *end ? end + 1 : end;
		if (*end && *p == '\0') {
			*why = "trailing comma";
			return FI_EINVAL;
		}
	}
	return 0;
}

/* Sets a text entry (string, secret, identifier, redis key). */
static int
fi_config_apply_text(struct fi_config *cfg, const struct fi_config_entry *e,
		     const char *v, const char **why)
{
	char *field = (char *)cfg + e->off;

	if (e->type == FI_CT_SECRET && strncmp(v, "env:", 4) == 0) {
		v = getenv(v + 4);
		if (v == NULL) {
			*why = "environment variable not set";
			return FI_EINVAL;
		}
	}
	if (strlen(v) >= e->size) {
		*why = "value too long";
		return FI_ETOOBIG;
	}
	for (const char *p = v; *p && (e->type == FI_CT_IDENT || e->type == FI_CT_KEY);
	     p++) {
		unsigned char c = (unsigned char)*p;

		if (e->type == FI_CT_IDENT ? !(isalnum(c) || c == '_') : !isgraph(c)) {
			*why = e->type == FI_CT_IDENT
				   ? "only letters, digits and _ are allowed"
				   : "spaces and control characters are not allowed";
			return FI_EINVAL;
		}
	}
	if (e->type == FI_CT_IDENT && *v == '\0') {
		*why = "must not be empty";
		return FI_EINVAL;
	}
	memcpy(field, v, strlen(v) + 1);
	return 0;
}

/* Sets a list entry: bucket sizes, retention days or detail sizes. */
static int
fi_config_apply_list(struct fi_config *cfg, const struct fi_config_entry *e,
		     const char *v, const char **why)
{
	uint32_t list[FI_BUCKET_SIZES_MAX];
	unsigned n = 0;

	switch (e->type) {
	case FI_CT_SIZES:
		if (fi_config_list(v, FI_BUCKET_SIZE_MIN, FI_BUCKET_SIZE_MAX, list, &n,
				   why) != 0)
			return FI_EINVAL;
		if (n == 0) {
			*why = "at least one bucket size is needed";
			return FI_EINVAL;
		}
		memcpy(cfg->bucket_sizes, list, sizeof(list));
		cfg->n_bucket_sizes = n;
		return 0;
	case FI_CT_DAYS:
		if (fi_config_list(v, 0, 100000, list, &n, why) != 0)
			return FI_EINVAL;
		memcpy(cfg->retention_days, list, sizeof(list));
		cfg->n_retention_given = n;
		return 0;
	default: /* FI_CT_DETAIL */
		cfg->detail_all = strcmp(v, "all") == 0;
		if (!cfg->detail_all &&
		    fi_config_list(v, FI_BUCKET_SIZE_MIN, FI_BUCKET_SIZE_MAX, list, &n,
				   why) != 0)
			return FI_EINVAL;
		memcpy(cfg->detail_sizes, list, sizeof(list));
		cfg->n_detail_given = n;
		return 0;
	}
}

/* Sets one entry from its text value; on failure writes the reason to why. */
static int
fi_config_apply(struct fi_config *cfg, const struct fi_config_entry *e, const char *v,
		const char **why)
{
	char *field = (char *)cfg + e->off;
	uint64_t u;
	int b, lvl;

	switch (e->type) {
	case FI_CT_SECRET:
	case FI_CT_STRING:
	case FI_CT_IDENT:
	case FI_CT_KEY:
		return fi_config_apply_text(cfg, e, v, why);
	case FI_CT_SIZES:
	case FI_CT_DAYS:
	case FI_CT_DETAIL:
		return fi_config_apply_list(cfg, e, v, why);
	case FI_CT_UINT:
		if (fi_num_u64_cstr(v, e->min, e->max, &u) != 0) {
			*why = "not a whole number in range";
			return FI_EINVAL;
		}
		*(unsigned *)(void *)field = (unsigned)u;
		return 0;
	case FI_CT_BOOL:
		if (fi_config_bool(v, &b) != 0) {
			*why = "expected yes or no";
			return FI_EINVAL;
		}
		*(int *)(void *)field = b;
		return 0;
	case FI_CT_LEVEL:
		lvl = fi_log_level_parse(v);
		if (lvl < 0) {
			*why = "expected error, warn, info or debug";
			return FI_EINVAL;
		}
		*(int *)(void *)field = lvl;
		return 0;
	}
	*why = "internal error";
	return FI_EINTERNAL;
}

void
fi_config_defaults(struct fi_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < FI_CONFIG_NENTRIES; i++) {
		const char *why = NULL;

		if (fi_config_apply(cfg, &fi_config_table[i], fi_config_table[i].def,
				    &why) != 0)
			fi_fatalx("bad built-in default for %s: %s",
				  fi_config_table[i].name, why);
	}
	snprintf(cfg->sizes_where, sizeof(cfg->sizes_where), "built-in default");
	snprintf(cfg->retention_where, sizeof(cfg->retention_where), "built-in default");
	snprintf(cfg->detail_where, sizeof(cfg->detail_where), "built-in default");
}

int
fi_config_set(struct fi_config *cfg, const char *key, const char *value,
	      const char *where, struct fi_err *err)
{
	const struct fi_config_entry *e = fi_config_lookup(key);
	const char *why = "invalid value";

	if (e == NULL)
		return fi_err_set(err, FI_ECONFIG, "%s: unknown key \"%s\"", where, key);
	if (fi_config_apply(cfg, e, value, &why) != 0)
		return fi_err_set(err, FI_ECONFIG, "%s: %s: %s", where, key, why);
	if (e->type == FI_CT_SIZES)
		snprintf(cfg->sizes_where, sizeof(cfg->sizes_where), "%s", where);
	else if (e->type == FI_CT_DAYS)
		snprintf(cfg->retention_where, sizeof(cfg->retention_where), "%s", where);
	else if (e->type == FI_CT_DETAIL)
		snprintf(cfg->detail_where, sizeof(cfg->detail_where), "%s", where);
	return 0;
}

/* Trims ASCII white space at both ends, in place. */
static char *
fi_config_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int
fi_config_load(struct fi_config *cfg, const char *path, struct fi_err *err)
{
	char line[FI_CONFIG_LINE_MAX + 2];
	int seen[FI_CONFIG_NENTRIES] = {0};
	char where[FI_CONFIG_STR_MAX + 32];
	FILE *fp;
	int lineno = 0, rc = 0;

	fp = fopen(path, "r");
	if (fp == NULL)
		return fi_err_set(err, FI_EIO, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *key, *value, *eq;
		const struct fi_config_entry *e;

		lineno++;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			rc = fi_err_set(err, FI_ECONFIG, "%s: line longer than %d bytes",
					where, FI_CONFIG_LINE_MAX);
			break;
		}
		key = fi_config_trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL) {
			rc = fi_err_set(err, FI_ECONFIG, "%s: expected \"key = value\"",
					where);
			break;
		}
		*eq = '\0';
		value = fi_config_trim(eq + 1);
		key = fi_config_trim(key);
		if (strlen(value) >= FI_CONFIG_VALUE_MAX) {
			rc = fi_err_set(err, FI_ECONFIG, "%s: value too long", where);
			break;
		}
		e = fi_config_lookup(key);
		if (e != NULL) {
			size_t idx = (size_t)(e - fi_config_table);

			if (seen[idx]) {
				rc = fi_err_set(err, FI_ECONFIG,
						"%s: %s is already set on line %d", where,
						key, seen[idx]);
				break;
			}
			seen[idx] = lineno;
		}
		rc = fi_config_set(cfg, key, value, where, err);
		if (rc != 0)
			break;
	}
	if (rc == 0 && ferror(fp))
		rc = fi_err_set(err, FI_EIO, "%s: read error", path);
	fclose(fp);
	return rc;
}

/* The default retention for a bucket size when retention_days is empty. */
static uint32_t
fi_config_default_days(uint32_t size)
{
	if (size < 600)
		return 2;
	if (size < 3600)
		return 31;
	if (size < 86400)
		return 400;
	return 0;
}

/*
 * Chooses where each size's per-key rows and ports live: a detail size keeps
 * its own; another size is summed from the coarsest detail size that divides
 * it, or keeps its own when none does.
 */
static int
fi_config_finish_detail(struct fi_config *cfg, struct fi_err *err)
{
	unsigned n = cfg->n_bucket_sizes;
	int detail[FI_BUCKET_SIZES_MAX];

	for (unsigned i = 0; i < n; i++)
		detail[i] = cfg->detail_all || (cfg->n_detail_given == 0 && i == 0);
	for (unsigned k = 0; k < cfg->n_detail_given; k++) {
		int i = fi_config_bucket_index(cfg, cfg->detail_sizes[k]);

		if (i < 0)
			return fi_err_set(
			    err, FI_ECONFIG,
			    "%s: flow_detail_sizes lists %u, which is not one "
			    "of flow_bucket_sizes",
			    cfg->detail_where, cfg->detail_sizes[k]);
		detail[i] = 1;
	}
	for (unsigned i = 0; i < n; i++) {
		cfg->detail_source[i] = cfg->bucket_sizes[i];
		if (detail[i])
			continue;
		/* sizes ascend: the last divisor found is the coarsest */
		for (unsigned j = 0; j < i; j++)
			if (detail[j] && cfg->bucket_sizes[i] % cfg->bucket_sizes[j] == 0)
				cfg->detail_source[i] = cfg->bucket_sizes[j];
		/* no stored size divides it: it is stored itself */
		detail[i] = cfg->detail_source[i] == cfg->bucket_sizes[i];
	}
	return 0;
}

uint32_t
fi_config_detail_source(const struct fi_config *cfg, unsigned i)
{
	return cfg->detail_source[i] ? cfg->detail_source[i] : cfg->bucket_sizes[i];
}

int
fi_config_rollup_prev(const struct fi_config *cfg, unsigned i)
{
	/* sizes are ascending: the coarsest divisor is the last one found */
	int prev = -1;

	for (unsigned j = 0; j < i && j < cfg->n_bucket_sizes; j++)
		if (cfg->bucket_sizes[i] % cfg->bucket_sizes[j] == 0)
			prev = (int)j;
	return prev;
}

int
fi_config_pair_lists(const struct fi_config *cfg, unsigned i)
{
	return cfg->n_bucket_sizes > 0 && i == cfg->n_bucket_sizes - 1;
}

int
fi_config_is_detail(const struct fi_config *cfg, unsigned i)
{
	return fi_config_detail_source(cfg, i) == cfg->bucket_sizes[i];
}

int
fi_config_finish(struct fi_config *cfg, struct fi_err *err)
{
	unsigned n = cfg->n_bucket_sizes;
	uint32_t days[FI_BUCKET_SIZES_MAX];

	/* retention_days follows flow_bucket_sizes' order as written */
	if (cfg->n_retention_given == 0) {
		for (unsigned i = 0; i < n; i++)
			days[i] = fi_config_default_days(cfg->bucket_sizes[i]);
	} else if (cfg->n_retention_given == 1) {
		for (unsigned i = 0; i < n; i++)
			days[i] = cfg->retention_days[0];
	} else if (cfg->n_retention_given == n) {
		memcpy(days, cfg->retention_days, sizeof(days));
	} else {
		return fi_err_set(
		    err, FI_ECONFIG,
		    "%s: retention_days has %u entries but flow_bucket_sizes "
		    "has %u: give one per size, or one for all",
		    cfg->retention_where, cfg->n_retention_given, n);
	}
	/* sort sizes ascending, carrying their retention along */
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i;
		     j > 0 && cfg->bucket_sizes[j - 1] > cfg->bucket_sizes[j]; j--) {
			uint32_t t = cfg->bucket_sizes[j];
			cfg->bucket_sizes[j] = cfg->bucket_sizes[j - 1];
			cfg->bucket_sizes[j - 1] = t;
			t = days[j];
			days[j] = days[j - 1];
			days[j - 1] = t;
		}
	for (unsigned i = 1; i < n; i++)
		if (cfg->bucket_sizes[i] == cfg->bucket_sizes[i - 1])
			return fi_err_set(err, FI_ECONFIG,
					  "%s: flow_bucket_sizes lists %u twice",
					  cfg->sizes_where, cfg->bucket_sizes[i]);
	memcpy(cfg->retention_days, days, sizeof(days));
	cfg->n_retention_given = n;
	return fi_config_finish_detail(cfg, err);
}

const char *
fi_config_path(const char *explicit_path, int *required)
{
	const char *env;

	*required = 1;
	if (explicit_path != NULL)
		return explicit_path;
	env = getenv(FI_CONFIG_ENV);
	if (env != NULL && *env != '\0')
		return env;
	*required = 0;
	return FI_CONFIG_DEFAULT_PATH;
}

int
fi_config_read(struct fi_config *cfg, const char *explicit_path, struct fi_err *err)
{
	int required, rc;
	const char *path = fi_config_path(explicit_path, &required);

	fi_config_defaults(cfg);
	if (required || access(path, F_OK) == 0) {
		rc = fi_config_load(cfg, path, err);
		if (rc != 0)
			return rc;
	}
	return fi_config_finish(cfg, err);
}

static void
fi_config_print_list(FILE *out, const uint32_t *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		fprintf(out, "%s%u", i ? "," : "", v[i]);
}

void
fi_config_print(const struct fi_config *cfg, FILE *out)
{
	for (size_t i = 0; i < FI_CONFIG_NENTRIES; i++) {
		const struct fi_config_entry *e = &fi_config_table[i];
		const char *field = (const char *)cfg + e->off;

		fprintf(out, "%s = ", e->name);
		switch (e->type) {
		case FI_CT_SECRET:
			fputs(*field ? "********" : "", out);
			break;
		case FI_CT_STRING:
		case FI_CT_IDENT:
		case FI_CT_KEY:
			fputs(field, out);
			break;
		case FI_CT_UINT:
			fprintf(out, "%u", *(const unsigned *)(const void *)field);
			break;
		case FI_CT_BOOL:
			fputs(*(const int *)(const void *)field ? "yes" : "no", out);
			break;
		case FI_CT_SIZES:
			fi_config_print_list(out, cfg->bucket_sizes, cfg->n_bucket_sizes);
			break;
		case FI_CT_DAYS:
			fi_config_print_list(out, cfg->retention_days,
					     cfg->n_bucket_sizes);
			break;
		case FI_CT_DETAIL:
			if (cfg->detail_all)
				fputs("all", out);
			else
				fi_config_print_list(out, cfg->detail_sizes,
						     cfg->n_detail_given);
			break;
		case FI_CT_LEVEL: {
			static const char *const names[] = {"error", "warn", "info",
							    "debug"};
			fputs(names[cfg->log_level & 3], out);
			break;
		}
		}
		fputc('\n', out);
	}
}

void
fi_config_print_keys(FILE *out)
{
	for (size_t i = 0; i < FI_CONFIG_NENTRIES; i++)
		fprintf(out, "  %-20s %s (default: \"%s\")\n", fi_config_table[i].name,
			fi_config_table[i].help, fi_config_table[i].def);
}

int
fi_config_bucket_index(const struct fi_config *cfg, uint32_t size)
{
	for (unsigned i = 0; i < cfg->n_bucket_sizes; i++)
		if (cfg->bucket_sizes[i] == size)
			return (int)i;
	return -1;
}
