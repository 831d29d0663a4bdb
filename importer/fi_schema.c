/*
 * fi_schema.c: `--init-db`. Runs the embedded SQL of sql/ through the admin
 * account: numbered upgrades once each (recorded in fi_schema_version), the
 * per-size tables for every configured size, the retention events re-created
 * from the config, and the two accounts with their grants.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fi_db.h"
#include "fi_log.h"
#include "fi_num.h"
#include "fi_schema.h"

#define FI_SCHEMA_DELETE_BATCH 5000 /* rows per DELETE in a retention event */
#define FI_SCHEMA_CUTOFF_MAX   1024 /* text of a detail size's retention cutoff */

static const char fi_schema_version_sql[] =
    "CREATE TABLE IF NOT EXISTS fi_schema_version ("
    " version INT UNSIGNED NOT NULL PRIMARY KEY,"
    " name VARCHAR(190) NOT NULL,"
    " applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP"
    ") ENGINE=InnoDB";
static const char fi_schema_version_get[] =
    "SELECT COUNT(*) FROM fi_schema_version WHERE version = ?";
static const char fi_schema_version_put[] =
    "INSERT INTO fi_schema_version (version, name) VALUES (?, ?)";
static const char fi_schema_sizes_put[] =
    "INSERT INTO fi_bucket_sizes (size, retention_days) VALUES (?, ?)"
    " ON DUPLICATE KEY UPDATE retention_days = VALUES(retention_days)";
static const char fi_schema_events_get[] =
    "SELECT EVENT_NAME FROM information_schema.EVENTS"
    " WHERE EVENT_SCHEMA = ? AND EVENT_NAME LIKE 'fi\\_retention\\_%'";
static const char fi_schema_password_hash[] = "SELECT PASSWORD(?)";
static const char fi_schema_scheduler[] = "SELECT @@event_scheduler";

const char *
fi_schema_file(const char *name)
{
	for (const struct fi_sql_file *f = fi_sql_files; f->name != NULL; f++)
		if (strcmp(f->name, name) == 0)
			return f->text;
	return NULL;
}

int
fi_schema_expand(const char *tmpl, const struct fi_schema_var *vars, unsigned n,
		 struct fi_buf *out, struct fi_err *err)
{
	const char *p = tmpl;

	if (p == NULL) /* fi_schema_file found no such embedded file */
		return fi_err_set(err, FI_EINTERNAL,
				  "an SQL file is missing from the build");
	while (*p != '\0') {
		const char *at = strchr(p, '@'), *name, *end;
		unsigned i;

		if (at == NULL)
			return fi_buf_puts(out, p) == 0
				   ? 0
				   : fi_err_set(err, FI_ETOOBIG, "statement too long");
		if (fi_buf_append(out, p, (size_t)(at - p)) != 0)
			return fi_err_set(err, FI_ETOOBIG, "statement too long");
		name = at + 1;
		end = name;
		while (isupper((unsigned char)*end) || *end == '_')
			end++;
		if (end == name || *end != '@') {
			if (fi_buf_append(out, "@", 1) != 0)
				return fi_err_set(err, FI_ETOOBIG, "statement too long");
			p = name;
			continue;
		}
		for (i = 0; i < n; i++)
			if (strlen(vars[i].name) == (size_t)(end - name) &&
			    memcmp(vars[i].name, name, (size_t)(end - name)) == 0)
				break;
		if (i == n)
			return fi_err_set(err, FI_EINVAL,
					  "unknown template variable @%.*s@",
					  (int)(end - name), name);
		if (fi_buf_puts(out, vars[i].value) != 0)
			return fi_err_set(err, FI_ETOOBIG, "statement too long");
		p = end + 1;
	}
	return 0;
}

/* Expands a template and runs it (several statements allowed). */
static int
fi_schema_run(struct fi_db *db, const char *tmpl, const struct fi_schema_var *vars,
	      unsigned n, struct fi_err *err)
{
	struct fi_buf sql;
	int rc;

	fi_buf_init(&sql, FI_SQL_SCRIPT_MAX);
	rc = fi_schema_expand(tmpl, vars, n, &sql, err);
	if (rc == 0)
		rc = fi_db_exec(db, sql.data ? sql.data : "", err);
	fi_buf_fini(&sql);
	return rc;
}

/* Runs a prepared statement that returns one integer. */
static int
fi_schema_query_u64(struct fi_db *db, const char *sql, const struct fi_val *params,
		    unsigned n, uint64_t *out, struct fi_err *err)
{
	struct fi_stmt *st = fi_stmt_first(db, sql, params, n, err);
	const struct fi_val *v;

	if (st == NULL)
		return err->code;
	v = fi_stmt_col(st, 0);
	*out = v->type == FI_VAL_UINT || v->type == FI_VAL_INT ? v->v.u : 0;
	fi_stmt_free(st);
	return 0;
}

/* Applies every upgrade not yet recorded, in order of their numbers. */
static int
fi_schema_upgrades(struct fi_db *db, struct fi_err *err)
{
	int rc = fi_db_exec(db, fi_schema_version_sql, err);

	if (rc != 0)
		return rc;
	/* the files are embedded sorted by name, and names start with the number */
	for (const struct fi_sql_file *f = fi_sql_files; f->name != NULL; f++) {
		const char *base;
		uint64_t version, done = 0;
		struct fi_val v[2];

		if (strncmp(f->name, "upgrades/", 9) != 0)
			continue;
		base = f->name + 9;
		if (fi_num_u64_prefix(base, &version) != 0)
			return fi_err_set(err, FI_EINTERNAL, "upgrade %s has no number",
					  f->name);
		v[0] = FI_VAL_U(version);
		rc = fi_schema_query_u64(db, fi_schema_version_get, v, 1, &done, err);
		if (rc != 0)
			return rc;
		if (done)
			continue;
		fi_info("applying upgrade %s", base);
		rc = fi_db_exec(db, f->text, err);
		if (rc != 0)
			return rc;
		v[1] = FI_VAL_S(base, strlen(base));
		rc = fi_db_exec_params(db, fi_schema_version_put, v, 2, err);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * Warns when a size that flow_detail_sizes leaves out still holds per-key
 * rows or ports (written before): they stay, but the responder now sums
 * that size from a finer one and no longer reads them.
 */
static int
fi_schema_detail_warn(struct fi_db *db, const struct fi_config *cfg, unsigned i,
		      struct fi_err *err)
{
	static const char *const tables[] = {"flows", "ports"};

	for (unsigned t = 0; t < 2; t++) {
		char sql[96];
		struct fi_stmt *st;
		int rc, found = 0;

		snprintf(sql, sizeof(sql), "SELECT 1 FROM %s_%u LIMIT 1", tables[t],
			 cfg->bucket_sizes[i]);
		st = fi_stmt_new(db, sql, err);
		if (st == NULL)
			return err->code;
		rc = fi_stmt_exec(st, NULL, 0, err);
		if (rc == 0) {
			rc = fi_stmt_fetch(st, err);
			found = rc == 1;
			rc = rc < 0 ? rc : 0;
		}
		fi_stmt_free(st);
		if (rc != 0)
			return rc;
		if (found)
			fi_warnx(
			    "%s_%u holds rows written before flow_detail_sizes left "
			    "%u s out: they are kept but no longer read (%u s is now "
			    "summed from %s_%u); flow_detail_sizes = all reads them "
			    "again",
			    tables[t], cfg->bucket_sizes[i], cfg->bucket_sizes[i],
			    cfg->bucket_sizes[i], tables[t],
			    fi_config_detail_source(cfg, i));
	}
	return 0;
}

/* The text of an embedded file after its opening "--" comment lines. */
static const char *
fi_schema_body(const char *text)
{
	while (strncmp(text, "--", 2) == 0) {
		const char *nl = strchr(text, '\n');

		text = nl != NULL ? nl + 1 : text + strlen(text);
	}
	return text;
}

/*
 * The counter columns of buckets.sql: bucket_counters.sql once plain and
 * once for each direction, into cols[0..3) (initialized here; the caller
 * frees them).
 */
static int
fi_schema_counters(struct fi_buf cols[3], struct fi_err *err)
{
	static const char *const side[3] = {"", "src_", "dst_"};
	const char *tmpl = fi_schema_body(fi_schema_file("bucket_counters.sql"));
	int rc = 0;

	for (unsigned k = 0; k < 3; k++) {
		struct fi_schema_var var = {"SIDE", side[k]};

		fi_buf_init(&cols[k], FI_SQL_SCRIPT_MAX);
		if (rc == 0)
			rc = fi_schema_expand(tmpl, &var, 1, &cols[k], err);
	}
	return rc;
}

/* Creates the tables of every configured size and records the sizes. */
static int
fi_schema_buckets(struct fi_db *db, const struct fi_config *cfg, struct fi_err *err)
{
	const char *tmpl = fi_schema_file("buckets.sql");
	struct fi_buf cols[3];
	int rc = fi_schema_counters(cols, err);

	for (unsigned i = 0; rc == 0 && i < cfg->n_bucket_sizes; i++) {
		char size[16];
		struct fi_schema_var vars[] = {
		    {"SIZE", size},
		    {"COUNTERS", cols[0].data},
		    {"SRC_COUNTERS", cols[1].data},
		    {"DST_COUNTERS", cols[2].data},
		    {"PAIR_LISTS", fi_config_pair_lists(cfg, i) ? "1" : "0"}};
		struct fi_val v[2] = {FI_VAL_U(cfg->bucket_sizes[i]),
				      FI_VAL_U(cfg->retention_days[i])};

		snprintf(size, sizeof(size), "%u", cfg->bucket_sizes[i]);
		rc = fi_schema_run(db, tmpl, vars, 5, err);
		if (rc == 0)
			rc = fi_db_exec_params(db, fi_schema_sizes_put, v, 2, err);
		if (rc == 0 && !fi_config_is_detail(cfg, i))
			rc = fi_schema_detail_warn(db, cfg, i, err);
	}
	for (unsigned k = 0; k < 3; k++)
		fi_buf_fini(&cols[k]);
	return rc;
}

/*
 * The first bucket of detail size i whose per-key rows and ports must stay:
 * they also answer every size summed from them, so a row goes only once the
 * bucket it falls in is deleted in each of those sizes (and its own). A
 * SQL expression of numbers from the config; "0" when one of them is kept
 * forever, "cutoff + 1" for a size that is not a detail size.
 */
static int
fi_schema_detail_cutoff(const struct fi_config *cfg, unsigned i, char *out, size_t size,
			struct fi_err *err)
{
	struct fi_buf b;
	unsigned terms = 0;
	int rc = 0;

	if (!fi_config_is_detail(cfg, i)) {
		snprintf(out, size, "cutoff + 1");
		return 0;
	}
	fi_buf_init(&b, size - 1);
	rc = fi_buf_puts(&b, "LEAST(");
	for (unsigned j = i; rc == 0 && j < cfg->n_bucket_sizes; j++) {
		uint32_t s = cfg->bucket_sizes[j], d = cfg->retention_days[j];

		if (j != i && fi_config_detail_source(cfg, j) != cfg->bucket_sizes[i])
			continue;
		if (d == 0) {
			fi_buf_fini(&b);
			snprintf(out, size, "0");
			return 0;
		}
		/* the first bucket of size s that its own event keeps, in seconds */
		rc = fi_buf_printf(
		    &b, "%s(FLOOR((UNIX_TIMESTAMP() - %u * 86400 - %u) / %u) + 1) * %u",
		    terms++ ? ", " : "", d, s, s, s);
	}
	/* LEAST takes two arguments at least */
	if (rc == 0 && terms == 1)
		rc = fi_buf_puts(&b, ", 4294967296");
	if (rc == 0)
		rc = fi_buf_puts(&b, ")");
	if (rc == 0 && b.len < size)
		snprintf(out, size, "%.*s", (int)b.len, b.data);
	else
		rc = fi_err_set(err, FI_ETOOBIG, "retention expression too long");
	fi_buf_fini(&b);
	return rc;
}

/*
 * The DELETE loops of size's retention event, retention_delete.sql for each
 * table, appended to out without the last newline: the per-key rows and
 * ports go below detail_cutoff, the rest up to cutoff (see retention.sql).
 */
static int
fi_schema_deletes(const char *size, const char *batch, struct fi_buf *out,
		  struct fi_err *err)
{
	static const struct {
		const char *table, *before;
	} tables[] = {/* first: a bucket whose nodes_S, ports_S or pairs_S rows
		       * go is no longer read from nodetop_S, porttop_S or
		       * pairtop_S (fcgi/fi_api_indextop.c, fi_api_pairtop.c) */
		      {"nodegroups", "<= cutoff"},   {"portgroups", "< detail_cutoff"},
		      {"pairgroups", "<= cutoff"},   {"pairtop", "<= cutoff"},
		      {"flows", "< detail_cutoff"},  {"nodes", "<= cutoff"},
		      {"ports", "< detail_cutoff"},  {"totals", "<= cutoff"},
		      {"pairs", "<= cutoff"},	     {"flowtop", "<= cutoff"},
		      {"flowgroups", "<= cutoff"},   {"nodetop", "<= cutoff"},
		      {"porttop", "< detail_cutoff"}};
	const char *tmpl = fi_schema_body(fi_schema_file("retention_delete.sql"));
	int rc = 0;

	for (unsigned t = 0; rc == 0 && t < sizeof(tables) / sizeof(tables[0]); t++) {
		struct fi_schema_var vars[] = {{"TABLE", tables[t].table},
					       {"BEFORE", tables[t].before},
					       {"SIZE", size},
					       {"BATCH", batch}};

		rc = fi_schema_expand(tmpl, vars, 4, out, err);
	}
	if (rc == 0 && out->len > 0 && out->data[out->len - 1] == '\n')
		out->data[--out->len] = '\0';
	return rc;
}

/* Creates the retention event of size i, or says the size is kept forever. */
static int
fi_schema_event(struct fi_db *db, const struct fi_config *cfg, unsigned i,
		struct fi_err *err)
{
	char size[16], days[16], interval[16], batch[16];
	char detail[FI_SCHEMA_CUTOFF_MAX];
	struct fi_buf deletes;
	int rc = fi_schema_detail_cutoff(cfg, i, detail, sizeof(detail), err);

	if (rc != 0)
		return rc;
	if (cfg->retention_days[i] == 0) {
		fi_info("bucket size %u s: kept forever", cfg->bucket_sizes[i]);
		return 0;
	}
	snprintf(size, sizeof(size), "%u", cfg->bucket_sizes[i]);
	snprintf(days, sizeof(days), "%u", cfg->retention_days[i]);
	snprintf(interval, sizeof(interval), "%u", cfg->retention_interval);
	snprintf(batch, sizeof(batch), "%u", FI_SCHEMA_DELETE_BATCH);
	fi_buf_init(&deletes, FI_SQL_SCRIPT_MAX);
	rc = fi_schema_deletes(size, batch, &deletes, err);
	if (rc == 0) {
		struct fi_schema_var vars[] = {{"SIZE", size},
					       {"DAYS", days},
					       {"INTERVAL", interval},
					       {"BATCH", batch},
					       {"DETAIL_CUTOFF", detail},
					       {"DELETES", deletes.data}};

		rc = fi_schema_run(db, fi_schema_file("retention.sql"), vars, 6, err);
	}
	fi_buf_fini(&deletes);
	if (rc == 0)
		fi_info("bucket size %u s: kept %u days", cfg->bucket_sizes[i],
			cfg->retention_days[i]);
	return rc;
}

/* Drops every retention event of ours, then creates one per size with an age. */
static int
fi_schema_retention(struct fi_db *db, const struct fi_config *cfg, struct fi_err *err)
{
	char names[64][FI_IDENT_MAX];
	unsigned nnames = 0;
	struct fi_val v = FI_VAL_S(cfg->db_name, strlen(cfg->db_name));
	struct fi_stmt *st;
	int rc;

	st = fi_stmt_run(db, fi_schema_events_get, &v, 1, err);
	if (st == NULL)
		return err->code;
	while ((rc = fi_stmt_fetch(st, err)) == 1) {
		rc = 0;
		if (nnames < 64 &&
		    fi_stmt_col_text(st, 0, names[nnames], FI_IDENT_MAX) == 0)
			nnames++;
	}
	fi_stmt_free(st);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < nnames; i++) {
		char sql[FI_IDENT_MAX + 32];

		/* names matched fi_retention_% above; check the characters anyway */
		for (const char *p = names[i]; *p; p++)
			if (!isalnum((unsigned char)*p) && *p != '_')
				return fi_err_set(err, FI_EINTERNAL, "odd event name");
		if (snprintf(sql, sizeof(sql), "DROP EVENT IF EXISTS `%s`", names[i]) >=
		    (int)sizeof(sql))
			return fi_err_set(err, FI_EINTERNAL, "event name too long");
		rc = fi_db_exec(db, sql, err);
		if (rc != 0)
			return rc;
	}
	for (unsigned i = 0; i < cfg->n_bucket_sizes; i++) {
		rc = fi_schema_event(db, cfg, i, err);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/*
 * The heartbeat event, dropped and made again ENABLEd (a replica promoted
 * to primary has its replicated copy SLAVESIDE_DISABLED).
 */
static int
fi_schema_heartbeat(struct fi_db *db, struct fi_err *err)
{
	int rc = fi_db_exec(db, "DROP EVENT IF EXISTS fi_heartbeat", err);

	return rc ? rc : fi_schema_run(db, fi_schema_file("heartbeat.sql"), NULL, 0, err);
}

/* Whether h is a plausible account host: letters, digits, . : % _ - */
static int
fi_schema_host_ok(const char *h)
{
	if (*h == '\0')
		return 0;
	for (; *h; h++)
		if (!isalnum((unsigned char)*h) && strchr(".:%_-", *h) == NULL)
			return 0;
	return 1;
}

/* Sets an account's password; the hash comes from a prepared PASSWORD(?). */
static int
fi_schema_password(struct fi_db *db, const char *user, const char *host, const char *pw,
		   struct fi_err *err)
{
	char sql[FI_IDENT_MAX + FI_CONFIG_STR_MAX + 128];
	char hash[64] = "";
	struct fi_val v = FI_VAL_S(pw, strlen(pw));
	struct fi_stmt *st;
	int rc;

	if (*pw != '\0') {
		st = fi_stmt_new(db, fi_schema_password_hash, err);
		if (st == NULL)
			return err->code;
		rc = fi_stmt_exec(st, &v, 1, err);
		if (rc == 0 && (rc = fi_stmt_fetch(st, err)) == 1)
			rc = fi_stmt_col_text(st, 0, hash, sizeof(hash));
		else if (rc == 0)
			rc = fi_err_set(err, FI_EDB, "PASSWORD() returned nothing");
		fi_stmt_free(st);
		if (rc != 0)
			return rc;
		/* "*" and 40 hex digits: safe to place in the statement text */
		if (strlen(hash) != 41 || hash[0] != '*' ||
		    strspn(hash + 1, "0123456789ABCDEF") != 40)
			return fi_err_set(err, FI_EDB, "unexpected password hash format");
		snprintf(sql, sizeof(sql),
			 "ALTER USER '%s'@'%s' IDENTIFIED BY PASSWORD '%s'", user, host,
			 hash);
	} else {
		snprintf(sql, sizeof(sql), "ALTER USER '%s'@'%s' IDENTIFIED BY ''", user,
			 host);
	}
	return fi_db_exec(db, sql, err);
}

/* Creates the two accounts for every host of db_grant_hosts, with grants. */
static int
fi_schema_accounts(struct fi_db *db, const struct fi_config *cfg, struct fi_err *err)
{
	const char *tmpl = fi_schema_file("grants.sql");
	char hosts[FI_CONFIG_STR_MAX];
	char *save = NULL;
	unsigned nhosts = 0;

	snprintf(hosts, sizeof(hosts), "%s", cfg->db_grant_hosts);
	for (char *h = strtok_r(hosts, ", ", &save); h != NULL;
	     h = strtok_r(NULL, ", ", &save)) {
		char user[FI_IDENT_MAX + 2], ro[FI_IDENT_MAX + 2],
		    host[FI_CONFIG_STR_MAX + 2];
		char dbq[FI_IDENT_MAX + 2];
		struct fi_schema_var vars[] = {
		    {"USER", user}, {"RO_USER", ro}, {"HOST", host}, {"DB", dbq}};
		int rc;

		if (++nhosts > FI_SCHEMA_HOSTS_MAX)
			return fi_err_set(err, FI_ECONFIG,
					  "db_grant_hosts: too many hosts");
		if (!fi_schema_host_ok(h))
			return fi_err_set(err, FI_ECONFIG,
					  "db_grant_hosts: bad host \"%s\"", h);
		/* identifiers were checked by the config parser: [A-Za-z0-9_]+ */
		snprintf(user, sizeof(user), "'%s'", cfg->db_user);
		snprintf(ro, sizeof(ro), "'%s'", cfg->db_ro_user);
		snprintf(host, sizeof(host), "'%s'", h);
		snprintf(dbq, sizeof(dbq), "`%s`", cfg->db_name);
		rc = fi_schema_run(db, tmpl, vars, 4, err);
		if (rc == 0)
			rc = fi_schema_password(db, cfg->db_user, h, cfg->db_password,
						err);
		if (rc == 0)
			rc = fi_schema_password(db, cfg->db_ro_user, h,
						cfg->db_ro_password, err);
		if (rc != 0)
			return rc;
	}
	fi_info("accounts %s (read/write) and %s (read-only) granted for %s",
		cfg->db_user, cfg->db_ro_user, cfg->db_grant_hosts);
	return 0;
}

int
fi_schema_init(const struct fi_config *cfg, struct fi_err *err)
{
	char sql[2 * FI_IDENT_MAX + 96];
	char sched[16] = "";
	struct fi_db *db;
	struct fi_stmt *st;
	int rc;

	db = fi_db_open(cfg, FI_DB_ROLE_ADMIN, err);
	if (db == NULL)
		return err->code;
	/* db_name is an identifier checked by the config parser */
	if (snprintf(sql, sizeof(sql),
		     "CREATE DATABASE IF NOT EXISTS `%s` CHARACTER SET utf8mb4; USE `%s`",
		     cfg->db_name, cfg->db_name) >= (int)sizeof(sql))
		rc = fi_err_set(err, FI_EINTERNAL, "database name too long");
	else
		rc = fi_db_exec(db, sql, err);
	if (rc == 0)
		rc = fi_schema_upgrades(db, err);
	if (rc == 0)
		rc = fi_schema_buckets(db, cfg, err);
	if (rc == 0)
		rc = fi_schema_retention(db, cfg, err);
	if (rc == 0)
		rc = fi_schema_heartbeat(db, err);
	if (rc == 0)
		rc = fi_schema_accounts(db, cfg, err);
	if (rc == 0 && (st = fi_stmt_new(db, fi_schema_scheduler, err)) != NULL) {
		if (fi_stmt_exec(st, NULL, 0, err) == 0 && fi_stmt_fetch(st, err) == 1)
			fi_stmt_col_text(st, 0, sched, sizeof(sched));
		fi_stmt_free(st);
		if (strcmp(sched, "ON") != 0)
			fi_warnx(
			    "the server's event_scheduler is %s: retention and the "
			    "heartbeat will not run until it is ON (event_scheduler = ON "
			    "in the server config)",
			    sched[0] ? sched : "unknown");
	}
	fi_db_close(db);
	return rc;
}
