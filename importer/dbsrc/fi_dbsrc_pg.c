/*
 * fi_dbsrc_pg.c: VERMONT's PostgreSQL writer as a source (--vermont-db with
 * src_driver = postgresql; the one file that includes libpq). The writer
 * keeps a parent table (`f`) and a child per day that INHERITS it; the
 * children are read with FROM ONLY, the parent never (it would return its
 * children's rows again). Columns are lower case; addresses are inet, or
 * integers in the layouts before 2014 (bigint, or a signed integer read
 * modulo 2^32).
 *
 * A table is followed by row place (ctid), as MySQL's scan mode follows
 * insertion order: the mark keeps the place of the last row read, how many
 * rows lie up to it and the table's relfilenode. Each run, in one
 * REPEATABLE READ snapshot, checks that the count up to the mark is
 * unchanged, then reads the rows after it in place order through a cursor
 * (a TID range scan; parallel and synchronized scans are off for the
 * session, and the order is checked row by row). VERMONT only appends, so new rows land
 * after the mark. What breaks that is refused, never double counted:
 * rewrites (VACUUM FULL, CLUSTER, TRUNCATE, pg_repack) change the
 * relfilenode; DELETE and UPDATE change the count up to the mark. Rows
 * inserted into space freed below the mark (after deletions or rolled-back
 * inserts and a VACUUM) change the count too, unless as many were deleted
 * there: README.md, "PostgreSQL".
 */
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fi_dbsrc_import.h"
#include "fi_num.h"

struct fi_dbsrc_pg {
	PGconn *conn;
};

static const char *const fi_dbsrc_pg_session[] = {
    "SET default_transaction_read_only = on",
    "SET synchronize_seqscans = off",	       /* seq scans start at page 0 */
    "SET max_parallel_workers_per_gather = 0", /* rows in one order */
    "SET statement_timeout = 0",
    "SET client_encoding = 'UTF8'",
};

static const char fi_dbsrc_pg_sql_tables[] =
    "SELECT c.relname, GREATEST(c.reltuples, 0)::bigint,"
    " EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhparent = c.oid)"
    "  OR c.relkind = 'p'"
    " FROM pg_catalog.pg_class c"
    " WHERE c.relnamespace = pg_catalog.current_schema()::regnamespace"
    " AND c.relkind IN ('r', 'p') ORDER BY c.relname";
static const char fi_dbsrc_pg_sql_columns[] =
    "SELECT a.attname, t.typname FROM pg_catalog.pg_attribute a"
    " JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
    " JOIN pg_catalog.pg_type t ON t.oid = a.atttypid"
    " WHERE c.relname = $1 AND c.relnamespace = pg_catalog.current_schema()::regnamespace"
    " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";
#define FI_DBSRC_PG_FETCH "4096" /* rows a cursor round trip brings */
static const char fi_dbsrc_pg_sql_fetch[] =
    "FETCH FORWARD " FI_DBSRC_PG_FETCH " FROM fi_rows";
static const char fi_dbsrc_pg_sql_filenode[] =
    "SELECT pg_catalog.pg_relation_filenode(c.oid) FROM pg_catalog.pg_class c"
    " WHERE c.relname = $1 AND c.relnamespace = "
    "pg_catalog.current_schema()::regnamespace";

/* err from the connection's last error, without libpq's trailing newline. */
static int
fi_dbsrc_pg_fail(PGconn *conn, const char *what, struct fi_err *err)
{
	const char *msg = conn != NULL ? PQerrorMessage(conn) : "out of memory";
	size_t n = strlen(msg);

	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	return fi_err_set(
	    err, conn != NULL && PQstatus(conn) != CONNECTION_OK ? FI_EUNAVAIL : FI_EDB,
	    "%s: %.*s", what, (int)n, msg);
}

/* Runs a statement with text parameters; its result, or NULL with err set. */
static PGresult *
fi_dbsrc_pg_query(PGconn *conn, const char *sql, const char *const *params, int n,
		  struct fi_err *err)
{
	PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return res;
	if (res != NULL) {
		const char *msg = PQresultErrorMessage(res);
		size_t len = strlen(msg);

		while (len > 0 && msg[len - 1] == '\n')
			len--;
		fi_err_set(err, PQstatus(conn) == CONNECTION_OK ? FI_EDB : FI_EUNAVAIL,
			   "%.*s", (int)len, msg);
	} else {
		fi_dbsrc_pg_fail(conn, "query", err);
	}
	PQclear(res);
	return NULL;
}

static int
fi_dbsrc_pg_exec(PGconn *conn, const char *sql, struct fi_err *err)
{
	PGresult *res = fi_dbsrc_pg_query(conn, sql, NULL, 0, err);

	PQclear(res);
	return res != NULL ? 0 : err->code;
}

void
fi_dbsrc_pg_close(struct fi_dbsrc_source *d)
{
	if (d->pg == NULL)
		return;
	PQfinish(d->pg->conn);
	free(d->pg);
	d->pg = NULL;
}

int
fi_dbsrc_pg_alive(const struct fi_dbsrc_source *d)
{
	return d->pg != NULL && PQstatus(d->pg->conn) == CONNECTION_OK;
}

/*
 * The server to reach: src_socket (the socket's directory, or the socket
 * file itself, .s.PGSQL.PORT, whose port is taken when src_port is 0),
 * "localhost" for libpq's default socket, else src_host.
 */
static const char *
fi_dbsrc_pg_host(const struct fi_config *cfg, char *buf, size_t size, char *port,
		 size_t portsize)
{
	const char *sock = cfg->src_socket, *slash = strrchr(sock, '/');

	if (cfg->src_port != 0)
		snprintf(port, portsize, "%u", cfg->src_port);
	if (sock[0] != '\0') {
		if (slash != NULL && strncmp(slash, "/.s.PGSQL.", 10) == 0) {
			if (cfg->src_port == 0)
				snprintf(port, portsize, "%s", slash + 10);
			snprintf(buf, size, "%.*s", (int)(slash - sock), sock);
			return buf;
		}
		return sock;
	}
	return strcmp(cfg->src_host, "localhost") == 0 ? NULL : cfg->src_host;
}

int
fi_dbsrc_pg_open(struct fi_dbsrc_source *d, struct fi_err *err)
{
	const struct fi_config *cfg = d->cfg;
	char port[16] = "", hostbuf[FI_CONFIG_STR_MAX];
	const char *host =
	    fi_dbsrc_pg_host(cfg, hostbuf, sizeof(hostbuf), port, sizeof(port));
	const char *keys[] = {"host",
			      "port",
			      "user",
			      "password",
			      "dbname",
			      "connect_timeout",
			      "application_name",
			      NULL};
	const char *vals[] = {host,
			      port[0] ? port : NULL,
			      cfg->src_user[0] ? cfg->src_user : NULL,
			      cfg->src_password[0] ? cfg->src_password : NULL,
			      cfg->src_database,
			      "10",
			      "flowinspector-importer",
			      NULL};

	d->pg = calloc(1, sizeof(*d->pg));
	if (d->pg == NULL)
		return fi_err_set(err, FI_ENOMEM, "out of memory");
	d->pg->conn = PQconnectdbParams(keys, vals, 0);
	if (d->pg->conn == NULL || PQstatus(d->pg->conn) != CONNECTION_OK) {
		fi_dbsrc_pg_fail(d->pg->conn, "cannot connect to PostgreSQL", err);
		fi_dbsrc_pg_close(d);
		return err->code;
	}
	for (size_t i = 0;
	     i < sizeof(fi_dbsrc_pg_session) / sizeof(fi_dbsrc_pg_session[0]); i++) {
		if (fi_dbsrc_pg_exec(d->pg->conn, fi_dbsrc_pg_session[i], err) != 0) {
			fi_dbsrc_pg_close(d);
			return err->code;
		}
	}
	return 0;
}

/*
 * Lists the tables of the source's schema (the current_schema()) with
 * their estimates; parents (of INHERITS children or partitions) are left
 * out, and naming one with --table-name is an error.
 */
int
fi_dbsrc_pg_tables(struct fi_dbsrc_source *d, struct fi_dbsrc_table **out, size_t *n,
		   struct fi_err *err)
{
	PGresult *res =
	    fi_dbsrc_pg_query(d->pg->conn, fi_dbsrc_pg_sql_tables, NULL, 0, err);
	struct fi_dbsrc_table *v;
	int rows, rc = 0;

	*n = 0;
	if (res == NULL)
		return err->code;
	rows = PQntuples(res);
	v = calloc((size_t)rows + 1, sizeof(*v));
	if (v == NULL)
		rc = fi_err_set(err, FI_ENOMEM, "out of memory");
	for (int r = 0; rc == 0 && r < rows; r++) {
		const char *name = PQgetvalue(res, r, 0);
		int64_t est = 0;

		if (strcmp(PQgetvalue(res, r, 2), "t") == 0) {
			if (d->opts.table != NULL && strcmp(d->opts.table, name) == 0)
				rc = fi_err_set(err, FI_EINVAL,
						"%s is a parent table: its rows are its "
						"children's; name one of them",
						name);
			else
				fi_dbsrc_say(d,
					     "%s: skipped, a parent table (its children "
					     "are read instead)",
					     name);
			continue;
		}
		if (strlen(name) >= sizeof(v[*n].name))
			continue; /* PostgreSQL names have at most 63 bytes */
		memcpy(v[*n].name, name, strlen(name) + 1);
		fi_num_i64_cstr(PQgetvalue(res, r, 1), 0, INT64_MAX, &est);
		v[*n].est_rows = (uint64_t)est;
		v[*n].idle = -1;
		(*n)++;
	}
	PQclear(res);
	if (rc != 0) {
		free(v);
		*n = 0;
		return rc;
	}
	*out = v;
	return 0;
}

/* Whether a PostgreSQL type can hold what role r means, and how it is read. */
static int
fi_dbsrc_pg_type_ok(enum fi_dbsrc_role r, const char *type, int *signed32)
{
	static const char *const ints[] = {"int2", "int4", "int8", "numeric"};
	int addr = r == FI_SR_SADDR || r == FI_SR_DADDR;

	*signed32 = addr && strcmp(type, "int4") == 0;
	if (addr && (strcmp(type, "inet") == 0 || strcmp(type, "text") == 0 ||
		     strcmp(type, "varchar") == 0))
		return 1;
	if (r == FI_SR_PROTO &&
	    (strcmp(type, "text") == 0 || strcmp(type, "varchar") == 0))
		return 1;
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (strcmp(type, ints[i]) == 0)
			return 1;
	return 0;
}

/*
 * Reads the columns of table t into sh's layout; a table that is not a
 * VERMONT table, or holds a column the import cannot read (the writer's
 * `timestamp` times before 2012-10), leaves why set.
 */
int
fi_dbsrc_pg_shape(struct fi_dbsrc_source *d, const struct fi_dbsrc_table *t,
		  struct fi_dbsrc_shape *sh, struct fi_err *why, struct fi_err *err)
{
	const char *param[1] = {t->name};
	PGresult *res =
	    fi_dbsrc_pg_query(d->pg->conn, fi_dbsrc_pg_sql_columns, param, 1, err);
	const char **names;
	int n;

	memset(sh, 0, sizeof(*sh));
	if (res == NULL)
		return err->code;
	n = PQntuples(res);
	names = calloc((size_t)n + 1, sizeof(*names));
	if (names == NULL) {
		PQclear(res);
		return fi_err_set(err, FI_ENOMEM, "out of memory");
	}
	for (int i = 0; i < n; i++)
		names[i] = PQgetvalue(res, i, 0);
	if (fi_dbsrc_layout_init(&sh->layout, d->opts.kind, names, (unsigned)n, why) ==
	    0) {
		for (int r = 0; r < FI_SR_COUNT && why->code == 0; r++) {
			int c = sh->layout.col[r], s32;

			for (int i = 0; c >= 0 && i < n; i++) {
				const char *type = PQgetvalue(res, i, 1);

				if (strcasecmp(names[i], sh->layout.names[c]) != 0)
					continue;
				if (!fi_dbsrc_pg_type_ok((enum fi_dbsrc_role)r, type,
							 &s32))
					fi_err_set(
					    why, FI_EINVAL,
					    "column %s is of type %s, which is not "
					    "read",
					    names[i], type);
				if (s32)
					sh->signed32 |= 1u << c;
			}
		}
	}
	free(names);
	PQclear(res);
	return 0;
}

/* Appends name quoted as a PostgreSQL identifier ("" doubled). */
static int
fi_dbsrc_pg_quote(struct fi_buf *b, const char *name)
{
	int rc = fi_buf_puts(b, "\"");

	for (const char *p = name; rc == 0 && *p; p++) {
		rc = fi_buf_append(b, p, 1);
		if (rc == 0 && *p == '"')
			rc = fi_buf_append(b, p, 1);
	}
	return rc ? rc : fi_buf_puts(b, "\"");
}

/*
 * "SELECT COUNT(*) FROM ONLY t WHERE ctid <= $1" (count) or "DECLARE
 * fi_rows ... SELECT cols, ctid FROM ONLY t WHERE ctid > $1" into sql
 * (initialised here).
 */
static int
fi_dbsrc_pg_sql(struct fi_buf *sql, const struct fi_dbsrc_import *im, int count)
{
	const struct fi_dbsrc_layout *l = &im->shape->layout;
	int rc;

	fi_buf_init(sql, FI_DBSRC_SQL_MAX);
	rc = fi_buf_puts(sql, count ? "SELECT COUNT(*)"
				    : "DECLARE fi_rows NO SCROLL CURSOR FOR SELECT ");
	for (unsigned i = 0; rc == 0 && !count && i < l->n; i++) {
		rc = fi_dbsrc_pg_quote(sql, l->names[i]);
		rc = rc ? rc : fi_buf_puts(sql, ","); /* inet in its own form: no mask */
	}
	rc = rc ? rc : fi_buf_puts(sql, count ? " FROM ONLY " : "ctid::text FROM ONLY ");
	rc = rc ? rc : fi_dbsrc_pg_quote(sql, im->t->name);
	rc = rc ? rc
		: fi_buf_puts(sql,
			      count ? " WHERE ctid <= $1::tid" : " WHERE ctid > $1::tid");
	return rc;
}

/* The table's relfilenode (it changes when the table is rewritten). */
static int
fi_dbsrc_pg_filenode(PGconn *conn, const char *table, uint32_t *out, struct fi_err *err)
{
	const char *param[1] = {table};
	PGresult *res = fi_dbsrc_pg_query(conn, fi_dbsrc_pg_sql_filenode, param, 1, err);
	uint64_t v = 0;
	int rc = 0;

	if (res == NULL)
		return err->code;
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0) ||
	    fi_num_u64_cstr(PQgetvalue(res, 0, 0), 0, UINT32_MAX, &v) != 0)
		rc = fi_err_set(err, FI_EDB, "%s: no relfilenode (dropped?)", table);
	*out = (uint32_t)v;
	PQclear(res);
	return rc;
}

/*
 * Whether the table is still as the mark left it: not rewritten, and the
 * same number of rows up to the mark's place.
 */
static int
fi_dbsrc_pg_check(struct fi_dbsrc_import *im, uint32_t filenode, const char *from,
		  struct fi_err *err)
{
	const struct fi_dbsrc_mark *m = &im->mark;
	const char *name = im->t->name;
	struct fi_buf sql;
	PGresult *res;
	int64_t count = -1;
	int rc;

	if (!im->have_prev)
		return 0;
	if (m->mode != FI_DBSRC_MARK_CTID)
		return fi_err_set(err, FI_EINVAL,
				  "%s: its mark (%s) is not one of a PostgreSQL table",
				  name, im->prev);
	if (m->filenode != filenode)
		return fi_err_set(
		    err, FI_EINVAL,
		    "%s was rewritten since the last import (VACUUM FULL, "
		    "CLUSTER, TRUNCATE or a rewriting ALTER TABLE): its rows "
		    "moved, so it cannot be followed any more",
		    name);
	rc = fi_dbsrc_pg_sql(&sql, im, 1);
	if (rc != 0) {
		fi_buf_fini(&sql);
		return fi_err_set(err, rc, "statement too long");
	}
	res = fi_dbsrc_pg_query(im->d->pg->conn, sql.data, &from, 1, err);
	fi_buf_fini(&sql);
	if (res == NULL)
		return err->code;
	if (PQntuples(res) == 1)
		fi_num_i64_cstr(PQgetvalue(res, 0, 0), 0, INT64_MAX, &count);
	PQclear(res);
	if (count != (int64_t)m->rows)
		return fi_err_set(
		    err, FI_EINVAL,
		    "%s has %lld rows up to %s, not the %llu imported: rows "
		    "were deleted, updated or inserted into freed space, so it "
		    "cannot be followed any more",
		    name, (long long)count, from, (unsigned long long)m->rows);
	return 0;
}

/*
 * The current row's values (borrowed from res) into vals; an address held
 * as a signed 32-bit integer is taken modulo 2^32.
 */
static void
fi_dbsrc_pg_take(PGresult *res, int row, const struct fi_dbsrc_shape *sh,
		 struct fi_val *vals)
{
	for (unsigned i = 0; i < sh->layout.n; i++) {
		const char *v = PQgetvalue(res, row, (int)i);
		int64_t x;

		if (PQgetisnull(res, row, (int)i))
			vals[i] = (struct fi_val){.type = FI_VAL_NULL};
		else if ((sh->signed32 >> i & 1) &&
			 fi_num_i64_cstr(v, INT32_MIN, INT32_MAX, &x) == 0)
			vals[i] = FI_VAL_I(x < 0 ? x + ((int64_t)1 << 32) : x);
		else
			vals[i] = FI_VAL_S(v, (size_t)PQgetlength(res, row, (int)i));
	}
}

/* One row of the stream: its place checked, converted, cached, written when due. */
static int
fi_dbsrc_pg_row(struct fi_dbsrc_import *im, PGresult *res, int row,
		struct fi_dbsrc_mark *next, struct fi_err *err)
{
	const struct fi_dbsrc_shape *sh = im->shape;
	struct fi_val vals[FI_SR_COUNT];
	const char *ctid = PQgetvalue(res, row, (int)sh->layout.n);
	uint32_t page, item;
	int rc;

	if (fi_dbsrc_ctid_parse(ctid, strlen(ctid), &page, &item) != 0)
		return fi_err_set(err, FI_EDB, "%s: unreadable ctid %.40s", im->t->name,
				  ctid);
	if (page < next->page || (page == next->page && item <= next->item))
		return fi_err_set(err, FI_EDB,
				  "%s: row %s came after (%lu,%lu): rows are not read in "
				  "place order, so the table cannot be followed",
				  im->t->name, ctid, (unsigned long)next->page,
				  (unsigned long)next->item);
	next->page = page;
	next->item = item;
	next->rows++;
	fi_dbsrc_pg_take(res, row, sh, vals);
	im->vals = vals;
	fi_progress_update(&im->d->prog, im->read + 1);
	rc = fi_dbsrc_row(im, next->rows, NULL, err);
	im->vals = NULL;
	if (rc != 0)
		return rc;
	return fi_dbsrc_due(im) ? fi_dbsrc_commit(im, next, err) : 0;
}

/*
 * Streams the rows after place `from` through a cursor, FI_DBSRC_PG_FETCH
 * rows a round trip (bounded memory, and no result per row), writing them
 * in chunks with their marks; a stop ends it after the row at hand. What
 * was read is written at the end. The cursor ends with the transaction.
 */
static int
fi_dbsrc_pg_stream(struct fi_dbsrc_import *im, const char *from, uint32_t filenode,
		   struct fi_err *err)
{
	PGconn *conn = im->d->pg->conn;
	struct fi_dbsrc_mark next = im->mark;
	struct fi_buf sql;
	PGresult *res;
	int rc = fi_dbsrc_pg_sql(&sql, im, 0), n = 1;

	next.mode = FI_DBSRC_MARK_CTID;
	next.filenode = filenode;
	if (rc != 0) {
		fi_buf_fini(&sql);
		return fi_err_set(err, rc, "statement too long");
	}
	res = fi_dbsrc_pg_query(conn, sql.data, &from, 1, err);
	fi_buf_fini(&sql);
	PQclear(res);
	if (res == NULL)
		return err->code;
	while (rc == 0 && n > 0 && !im->interrupted) {
		res = fi_dbsrc_pg_query(conn, fi_dbsrc_pg_sql_fetch, NULL, 0, err);
		if (res == NULL)
			return err->code;
		n = PQntuples(res);
		for (int i = 0; rc == 0 && i < n; i++) {
			if (fi_dbsrc_stopped()) {
				im->interrupted = 1;
				break;
			}
			rc = fi_dbsrc_pg_row(im, res, i, &next, err);
		}
		PQclear(res);
	}
	if (rc == 0 && im->since_write > 0)
		rc = fi_dbsrc_commit(im, &next, err);
	return rc;
}

int
fi_dbsrc_pg_follow(struct fi_dbsrc_import *im, struct fi_err *err)
{
	struct fi_dbsrc_source *d = im->d;
	PGconn *conn = d->pg->conn;
	uint64_t est = im->t->est_rows, done = im->have_prev ? im->mark.rows : 0;
	uint32_t filenode = 0;
	char from[32];
	int rc;

	if (!im->have_prev)
		im->mark = (struct fi_dbsrc_mark){.mode = FI_DBSRC_MARK_CTID};
	snprintf(from, sizeof(from), "(%lu,%lu)", (unsigned long)im->mark.page,
		 (unsigned long)im->mark.item);
	rc = fi_dbsrc_pg_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
			      err);
	rc = rc ? rc : fi_dbsrc_pg_filenode(conn, im->t->name, &filenode, err);
	rc = rc ? rc : fi_dbsrc_pg_check(im, filenode, from, err);
	if (rc == 0) {
		fi_progress_begin(&d->prog, d->bar, im->t->name,
				  est > done ? est - done : 0);
		rc = fi_dbsrc_pg_stream(im, from, filenode, err);
	}
	fi_progress_clear(&d->prog);
	fi_agg_clear(&d->agg); /* what was not written stays for the next run */
	if (PQstatus(conn) == CONNECTION_OK) {
		struct fi_err end;

		fi_err_clear(&end);
		fi_dbsrc_pg_exec(conn, "COMMIT", &end); /* read only: nothing to keep */
	}
	return rc;
}
