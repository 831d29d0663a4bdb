/*
 * fi_schema.h: creating and upgrading the database (`--init-db`): schema,
 * numbered upgrades, per-bucket-size tables, retention events and accounts,
 * all from the SQL texts of sql/ embedded at build time.
 */
#ifndef FI_SCHEMA_H
#define FI_SCHEMA_H

#include "fi_buf.h"
#include "fi_config.h"
#include "fi_err.h"

/* One embedded file of sql/; the array ends with a {NULL, NULL} entry. */
struct fi_sql_file {
	const char *name; /* path below sql/, e.g. "upgrades/0001-base.sql" */
	const char *text; /* its contents */
};

extern const struct fi_sql_file fi_sql_files[];

/* The embedded file called name, or NULL. */
const char *fi_schema_file(const char *name);

/* A template variable: @NAME@ in a text is replaced by value. */
struct fi_schema_var {
	const char *name;
	const char *value;
};

/*
 * Replaces every @NAME@ in tmpl by its value from vars[0..n) and appends the
 * result to out. An unknown @NAME@ is an error (FI_EINVAL), so a typo in a
 * template cannot reach the server; "@" not followed by NAME@ is copied as is.
 * Values must already be safe SQL fragments (numbers, quoted identifiers).
 */
int fi_schema_expand(const char *tmpl, const struct fi_schema_var *vars, unsigned n,
		     struct fi_buf *out, struct fi_err *err);

/*
 * Creates or upgrades the database of cfg through the admin account:
 * database, upgrades, tables for every bucket size, retention events, the
 * importer's and the responder's accounts. Idempotent. Progress goes to the
 * info log. Returns 0 or a negative code with err set.
 */
int fi_schema_init(const struct fi_config *cfg, struct fi_err *err);

#endif
