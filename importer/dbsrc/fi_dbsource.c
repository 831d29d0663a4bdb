/*
 * fi_dbsource.c: importing argus and VERMONT tables from a source database.
 *
 * Exactly once: every write to the bucket tables carries, in the same
 * transaction, the table's new mark in fi_source_marks (fi_store_write
 * moves it from the mark the import started from, so two imports of one
 * table cannot both count a row). How a table is followed depends on its
 * keys (README.md, "Database sources", says why):
 *   key   an AUTO_INCREMENT column and no other unique key: rows above the
 *         highest key read are new; keys skipped below it are kept as gap
 *         ranges (fi_source_gaps, written with the mark) and read again by
 *         each run until a row comes or src_settle seconds have passed;
 *   scan  no unique key (rasqlinsert -m none, VERMONT): rows are only ever
 *         appended, and a table scan returns them in insertion order; the
 *         mark keeps how many rows were read and a digest of them, and each
 *         run checks that the table still starts with exactly those rows
 *         before it reads on. A table whose start changed is refused;
 *   snapshot  any other unique key (rasqlinsert -m saddr ...): rows are
 *         updated in place, so the table is imported once, whole, when it
 *         is complete (named with --table-name, or a daily table whose day
 *         is over), in key order, resumable like a scan.
 * Rows stream from the source (bounded memory) and are written in chunks.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "fi_agg.h"
#include "fi_buf.h"
#include "fi_clock.h"
#include "fi_db.h"
#include "fi_dbsource.h"
#include "fi_log.h"
#include "fi_num.h"
#include "fi_progress.h"
#include "fi_store.h"

#define FI_DBS_TABLES_MAX  65536 /* tables of one source database we look at */
#define FI_DBS_COLUMNS_MAX 4096	 /* MariaDB's own limit on columns per table */
#define FI_DBS_KEY_COLS	   64	 /* columns of a unique key used for ordering */
#define FI_DBS_BAD_SHOWN   10	 /* bad rows shown in full per table and run */
#define FI_DBS_WRITE_TRIES 3	 /* attempts of one write after a lock timeout */
#define FI_DBS_SQL_MAX	   16384 /* bytes of a generated SELECT */

static volatile sig_atomic_t fi_dbs_stop;
static volatile sig_atomic_t fi_dbs_reopen;

static const char fi_dbs_sql_tables[] =
    "SELECT TABLE_NAME, COALESCE(TABLE_ROWS, 0),"
    " COALESCE(UNIX_TIMESTAMP() - UNIX_TIMESTAMP(UPDATE_TIME), -1)"
    " FROM information_schema.TABLES"
    " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'"
    " ORDER BY TABLE_NAME";
static const char fi_dbs_sql_columns[] =
    "SELECT COLUMN_NAME, EXTRA, DATA_TYPE FROM information_schema.COLUMNS"
    " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION";
static const char fi_dbs_sql_unique[] =
    "SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS"
    " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND NON_UNIQUE = 0"
    " ORDER BY INDEX_NAME <> 'PRIMARY', INDEX_NAME, SEQ_IN_INDEX";
static const char fi_dbs_sql_lock[] = "SELECT GET_LOCK(?, 0)";
static const char fi_dbs_sql_marks[] =
    "SELECT (SELECT COUNT(*) FROM fi_source_marks WHERE 1 = 0)"
    " + (SELECT COUNT(*) FROM fi_source_gaps WHERE 1 = 0)";
/* keys an AUTO_INCREMENT column hands out: offset + n * increment */
static const char fi_dbs_sql_autoinc[] =
    "SELECT @@auto_increment_increment, @@auto_increment_offset";
/* the source waits for us while we write a chunk: allow it time */
static const char fi_dbs_sql_session[] =
    "SET SESSION net_write_timeout = 3600, net_read_timeout = 3600";
static const char fi_dbs_sql_read_only[] = "SET SESSION TRANSACTION READ ONLY";

/* One table of the source database. */
struct fi_dbs_table {
	char name[FI_IDENT_MAX];
	uint64_t est_rows; /* information_schema's estimate */
	int64_t idle;	   /* seconds since its last write, -1 if unknown */
};

/* What a table looks like: the columns read and its keys. */
struct fi_dbs_shape {
	struct fi_dbsrc_layout layout;
	char autoinc[FI_IDENT_MAX]; /* the AUTO_INCREMENT column, "" if none */
	int keyed;		    /* a unique key other than the AUTO_INCREMENT one */
	char order[FI_DBS_KEY_COLS][FI_IDENT_MAX]; /* first unique key (PRIMARY) */
	unsigned norder;
	int primary; /* order is the PRIMARY KEY (NOT NULL, so a total order) */
};

struct fi_dbs {
	const struct fi_config *cfg;
	struct fi_dbsource_opts opts;
	char source[FI_CONFIG_STR_MAX + 16]; /* the name marks are kept under */
	struct fi_db *src;	      /* source connection */
	struct fi_db *dst;	      /* bucket tables */
	struct fi_store *store;	      /* on dst */
	struct fi_agg agg;
	struct fi_dbsrc_limits lim;
	struct fi_progress prog;
	FILE *bar;  /* stderr when it is a terminal, else NULL */
	int report; /* print per-table summaries */
	struct fi_ratelimit retention_log;
	int64_t ai_inc, ai_off; /* the source's AUTO_INCREMENT increment and offset */
	/* this round */
	int failed;
	uint64_t bad, flows, read;
	uint64_t gaps_dropped, gap_keys_dropped, gaps_trimmed;
};

/*
 * The gap ranges of a table in key mode: keys below the mark that were
 * skipped (fi_source_gaps), sorted by lo, and what changed since the last
 * write: dirty ranges are written as they are, gone ones deleted by lo.
 */
struct fi_dbs_gaps {
	struct fi_store_gap *v;
	unsigned char *dirty;
	size_t n, cap;
	int64_t *gone;
	size_t ngone, capgone;
};

/* The import of one table in this round. */
struct fi_dbs_import {
	struct fi_dbs *d;
	const struct fi_dbs_table *t;
	const struct fi_dbs_shape *shape;
	struct fi_mark mark;		   /* the committed mark */
	char prev[FI_MARK_TEXT_MAX + 1];   /* its text */
	int have_prev;			   /* whether there is one */
	uint64_t since_write;		   /* rows read since the last write */
	double written_at;		   /* when the last write happened */
	uint64_t read, flows, not_ip, bad; /* this round */
	int interrupted;		   /* stopped by a signal */
	const struct fi_val *vals;	   /* the current row */
	struct fi_dbs_gaps *gaps;	   /* key mode, else NULL */
	uint64_t gap_rows;		   /* rows found in gaps this round */
	uint64_t dropped, dropped_keys;	   /* gap ranges given up this round */
	uint64_t trimmed;		   /* gap ranges dropped over the bound */
};

static void
fi_dbs_signal(int sig)
{
	if (sig == SIGHUP)
		fi_dbs_reopen = 1;
	else
		fi_dbs_stop = 1;
}

/* A summary line for the operator: on a terminal, or with -v. */
static void fi_dbs_say(struct fi_dbs *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fi_dbs_say(struct fi_dbs *d, const char *fmt, ...)
{
	va_list ap;

	if (!d->report)
		return;
	fi_progress_clear(&d->prog);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

/* A column value as a signed integer (integers, or decimal text). */
static int
fi_dbs_int(const struct fi_val *v, int64_t *out)
{
	switch (v->type) {
	case FI_VAL_INT:
		*out = v->v.i;
		return 0;
	case FI_VAL_UINT:
		if (v->v.u > INT64_MAX)
			return FI_ERANGE;
		*out = (int64_t)v->v.u;
		return 0;
	case FI_VAL_TEXT:
		return fi_num_i64((struct fi_str){v->v.s.p, v->v.s.n}, INT64_MIN,
				  INT64_MAX, out);
	default:
		return FI_EINVAL;
	}
}

/* Copies a text column into buf; FI_ETOOBIG if it does not fit. */
static int
fi_dbs_text(struct fi_stmt *st, unsigned i, char *buf, size_t size)
{
	return fi_stmt_col_text(st, i, buf, size);
}

/* Runs a one-row, one-column integer query. */
static int
fi_dbs_query_int(struct fi_db *db, const char *sql, const struct fi_val *v, unsigned n,
		 int64_t *out, struct fi_err *err)
{
	struct fi_stmt *st = fi_stmt_new(db, sql, err);
	int rc;

	if (st == NULL)
		return err->code;
	rc = fi_stmt_exec(st, v, n, err);
	if (rc == 0)
		rc = fi_stmt_fetch(st, err);
	if (rc == 1) {
		rc = 0;
		if (fi_stmt_col(st, 0)->type == FI_VAL_NULL)
			*out = -1;
		else if (fi_dbs_int(fi_stmt_col(st, 0), out) != 0)
			rc = fi_err_set(err, FI_EDB, "unexpected result of %.60s", sql);
		fi_stmt_reset(st);
	} else if (rc == 0) {
		rc = fi_err_set(err, FI_EDB, "no result from %.60s", sql);
	}
	fi_stmt_free(st);
	return rc;
}

static void
fi_dbs_dst_close(struct fi_dbs *d)
{
	fi_store_free(d->store);
	d->store = NULL;
	fi_db_close(d->dst);
	d->dst = NULL;
}

static int
fi_dbs_dst_open(struct fi_dbs *d, struct fi_err *err)
{
	d->dst = fi_db_open(d->cfg, FI_DB_ROLE_IMPORTER, err);
	if (d->dst != NULL)
		d->store = fi_store_new(d->dst, err);
	if (d->store == NULL) {
		fi_dbs_dst_close(d);
		return err->code ? err->code : FI_EDB;
	}
	return 0;
}

/*
 * The source's auto_increment_increment and _offset (the session's, which
 * start as the server's): with an increment above 1 the keys between are
 * never handed out, so they are no gaps. An offset above the increment is
 * ignored by the server (keys start at 1).
 */
static int
fi_dbs_autoinc(struct fi_dbs *d, struct fi_err *err)
{
	struct fi_stmt *st = fi_stmt_new(d->src, fi_dbs_sql_autoinc, err);
	int64_t inc = 1, off = 1;
	int rc;

	if (st == NULL)
		return err->code;
	rc = fi_stmt_exec(st, NULL, 0, err);
	if (rc == 0)
		rc = fi_stmt_fetch(st, err);
	if (rc == 1) {
		if (fi_dbs_int(fi_stmt_col(st, 0), &inc) != 0 ||
		    fi_dbs_int(fi_stmt_col(st, 1), &off) != 0 || inc < 1 || off < 1)
			inc = off = 1;
		fi_stmt_reset(st);
		rc = 0;
	} else if (rc == 0) {
		rc = fi_err_set(err, FI_EDB, "no result from %.60s", fi_dbs_sql_autoinc);
	}
	fi_stmt_free(st);
	d->ai_inc = inc;
	d->ai_off = off > inc ? 1 : off;
	return rc;
}

static int
fi_dbs_src_open(struct fi_dbs *d, struct fi_err *err)
{
	const struct fi_config *cfg = d->cfg;
	struct fi_db_params p = {
	    .host = cfg->src_host,
	    .port = cfg->src_port,
	    .socket = cfg->src_socket,
	    .user = cfg->src_user[0] ? cfg->src_user : NULL,
	    .password = cfg->src_password,
	    .database = cfg->src_database,
	    .timeout = 3600,
	};

	d->src = fi_db_open_params(&p, err);
	if (d->src == NULL)
		return err->code ? err->code : FI_EDB;
	if (fi_db_exec(d->src, fi_dbs_sql_session, err) != 0 ||
	    fi_db_exec(d->src, fi_dbs_sql_read_only, err) != 0 ||
	    fi_dbs_autoinc(d, err) != 0) {
		fi_db_close(d->src);
		d->src = NULL;
		return err->code;
	}
	return 0;
}

/*
 * Warns (rate-limited) when the chunk held flows older than a bucket size's
 * retention: the next run of its event deletes them (retention_days = 0
 * keeps old data).
 */
static void
fi_dbs_retention_warning(struct fi_dbs *d)
{
	int64_t now = (int64_t)time(NULL);

	for (unsigned i = 0; i < d->cfg->n_bucket_sizes; i++) {
		int64_t days = d->cfg->retention_days[i];
		int64_t size = d->cfg->bucket_sizes[i];

		if (days > 0 && d->agg.min_time >= 0 &&
		    d->agg.min_time + size <= now - days * 86400) {
			fi_progress_clear(&d->prog);
			fi_warnx_limited(
			    &d->retention_log,
			    "imported flows from %lld s ago into %lld s buckets, which "
			    "retention deletes after %lld days; set retention_days = 0 "
			    "to keep old data",
			    (long long)(now - d->agg.min_time), (long long)size,
			    (long long)days);
		}
	}
}

/*
 * How many keys of [lo, hi] the source can hand out (offset + n *
 * increment); 0 when none, so that the range is no gap.
 */
static uint64_t
fi_dbs_possible(const struct fi_dbs *d, int64_t lo, int64_t hi)
{
	uint64_t span, first;
	int64_t r;

	if (hi < lo)
		return 0;
	span = (uint64_t)hi - (uint64_t)lo;
	if (d->ai_inc <= 1)
		return span == UINT64_MAX ? span : span + 1;
	r = (d->ai_off - lo % d->ai_inc) % d->ai_inc;
	if (r < 0)
		r += d->ai_inc;
	first = (uint64_t)r;
	return span < first ? 0 : (span - first) / (uint64_t)d->ai_inc + 1;
}

/*
 * Narrows [*lo, *hi] to the first and last key the source can hand out in
 * it; returns how many it can (0: the range is no gap).
 */
static uint64_t
fi_dbs_narrow(const struct fi_dbs *d, int64_t *lo, int64_t *hi)
{
	uint64_t n = fi_dbs_possible(d, *lo, *hi);
	int64_t r;

	if (n == 0 || d->ai_inc <= 1)
		return n;
	r = (d->ai_off - *lo % d->ai_inc) % d->ai_inc;
	*lo += r < 0 ? r + d->ai_inc : r;
	*hi = *lo + (int64_t)(n - 1) * d->ai_inc;
	return n;
}

static void
fi_dbs_gaps_free(struct fi_dbs_gaps *g)
{
	free(g->v);
	free(g->dirty);
	free(g->gone);
	memset(g, 0, sizeof(*g));
}

/* Room for one more range. */
static int
fi_dbs_gaps_grow(struct fi_dbs_gaps *g)
{
	size_t ncap = g->cap ? g->cap * 2 : 64;
	struct fi_store_gap *v;
	unsigned char *dirty;

	if (g->n < g->cap)
		return 0;
	v = realloc(g->v, ncap * sizeof(*v));
	if (v == NULL)
		return FI_ENOMEM;
	g->v = v;
	dirty = realloc(g->dirty, ncap);
	if (dirty == NULL)
		return FI_ENOMEM;
	g->dirty = dirty;
	g->cap = ncap;
	return 0;
}

/* Records that the range starting at lo is to be deleted. */
static int
fi_dbs_gaps_gone(struct fi_dbs_gaps *g, int64_t lo)
{
	if (g->ngone == g->capgone) {
		size_t ncap = g->capgone ? g->capgone * 2 : 64;
		int64_t *p = realloc(g->gone, ncap * sizeof(*p));

		if (p == NULL)
			return FI_ENOMEM;
		g->gone = p;
		g->capgone = ncap;
	}
	g->gone[g->ngone++] = lo;
	return 0;
}

/* Inserts a (changed) range at index at. */
static int
fi_dbs_gaps_insert(struct fi_dbs_gaps *g, size_t at, struct fi_store_gap gap)
{
	if (fi_dbs_gaps_grow(g) != 0)
		return FI_ENOMEM;
	memmove(g->v + at + 1, g->v + at, (g->n - at) * sizeof(*g->v));
	memmove(g->dirty + at + 1, g->dirty + at, g->n - at);
	g->v[at] = gap;
	g->dirty[at] = 1;
	g->n++;
	return 0;
}

/* Removes the ranges [at, at + k) from the table. */
static int
fi_dbs_gaps_remove(struct fi_dbs_gaps *g, size_t at, size_t k)
{
	for (size_t i = at; i < at + k; i++)
		if (fi_dbs_gaps_gone(g, g->v[i].lo) != 0)
			return FI_ENOMEM;
	memmove(g->v + at, g->v + at + k, (g->n - at - k) * sizeof(*g->v));
	memmove(g->dirty + at, g->dirty + at + k, g->n - at - k);
	g->n -= k;
	return 0;
}

/*
 * What a write changes of the table's gaps: beyond src_max_gaps ranges
 * the lowest (oldest) are dropped first; *changed (free() it) holds the
 * changed ranges that sm points at.
 */
static int
fi_dbs_gaps_changes(struct fi_dbs_import *im, struct fi_store_source_mark *sm,
		    struct fi_store_gap **changed, struct fi_err *err)
{
	struct fi_dbs_gaps *g = im->gaps;
	size_t k = 0;

	if (g->n > im->d->cfg->src_max_gaps) {
		size_t over = g->n - im->d->cfg->src_max_gaps;

		if (im->trimmed == 0) {
			fi_progress_clear(&im->d->prog);
			fi_warnx(
			    "%s: more than src_max_gaps = %u ranges of keys "
			    "skipped by %s are waiting for late rows; the oldest are "
			    "given up (rows committed there later are NOT imported)",
			    im->t->name, im->d->cfg->src_max_gaps, im->shape->autoinc);
		}
		if (fi_dbs_gaps_remove(g, 0, over) != 0)
			return fi_err_set(err, FI_ENOMEM, "out of memory");
		im->trimmed += over;
	}
	*changed = NULL;
	for (size_t i = 0; i < g->n; i++)
		k += g->dirty[i];
	if (k > 0) {
		*changed = malloc(k * sizeof(**changed));
		if (*changed == NULL)
			return fi_err_set(err, FI_ENOMEM, "out of memory");
		k = 0;
		for (size_t i = 0; i < g->n; i++)
			if (g->dirty[i])
				(*changed)[k++] = g->v[i];
	}
	sm->gaps = *changed;
	sm->ngaps = k;
	sm->gone = g->gone;
	sm->ngone = g->ngone;
	return 0;
}

/*
 * Writes the cached flows and moves the table's mark to next, in one
 * transaction; retries a few times after a lock timeout or a lost
 * connection. On success the cache is empty and next is the committed mark.
 */
static int
fi_dbs_commit(struct fi_dbs_import *im, const struct fi_mark *next, struct fi_err *err)
{
	struct fi_dbs *d = im->d;
	char text[FI_MARK_TEXT_MAX + 1];
	struct fi_store_source_mark sm;
	struct fi_store_gap *changed = NULL;
	int rc = fi_mark_format(next, text, sizeof(text));

	if (rc != 0)
		return fi_err_set(err, rc, "the mark of %s is too long", im->t->name);
	sm = (struct fi_store_source_mark){.source = d->source,
					   .table = im->t->name,
					   .prev = im->have_prev ? im->prev : NULL,
					   .mark = text,
					   .rows = next->rows};
	if (im->gaps != NULL) {
		rc = fi_dbs_gaps_changes(im, &sm, &changed, err);
		if (rc != 0)
			return rc;
	}
	for (int tries = 1;; tries++) {
		struct fi_err werr;

		fi_err_clear(&werr);
		if (d->store == NULL)
			rc = fi_dbs_dst_open(d, &werr);
		if (d->store != NULL)
			rc = fi_store_write_source(d->store, &d->agg, &sm, NULL, &werr);
		if (rc == 0)
			break;
		if (rc != FI_EUNAVAIL || tries >= FI_DBS_WRITE_TRIES || fi_dbs_stop) {
			free(changed);
			*err = werr;
			return rc;
		}
		fi_progress_clear(&d->prog);
		fi_warnx("writing %s failed: %s; retrying", im->t->name, werr.msg);
		if (!fi_db_alive(d->dst))
			fi_dbs_dst_close(d);
		sleep(1);
	}
	free(changed);
	if (im->gaps != NULL) {
		if (im->gaps->n > 0)
			memset(im->gaps->dirty, 0, im->gaps->n);
		im->gaps->ngone = 0;
	}
	fi_dbs_retention_warning(d);
	im->flows += d->agg.nflows;
	fi_agg_clear(&d->agg);
	memcpy(im->prev, text, sizeof(text));
	im->have_prev = 1;
	im->mark = *next;
	im->since_write = 0;
	im->written_at = fi_clock_now();
	return 0;
}

/* Whether the cached rows should be written now. */
static int
fi_dbs_due(const struct fi_dbs_import *im)
{
	const struct fi_config *cfg = im->d->cfg;

	return im->since_write >= cfg->src_chunk_rows ||
	       fi_agg_bytes(&im->d->agg) >= (size_t)cfg->max_memory_mb << 20 ||
	       (im->since_write > 0 &&
		fi_clock_now() - im->written_at >= cfg->flush_interval);
}

/*
 * Converts and caches one row (im->vals). pos is its place in scan order,
 * key its key value (key mode) for messages. A bad row is counted and
 * reported, not an error; only running out of memory is.
 */
static int
fi_dbs_row(struct fi_dbs_import *im, uint64_t pos, const int64_t *key, struct fi_err *err)
{
	struct fi_dbs *d = im->d;
	struct fi_flow f[2];
	struct fi_err why;
	unsigned n;

	im->read++;
	im->since_write++;
	fi_err_clear(&why);
	if (fi_dbsrc_decode(&im->shape->layout, im->vals, &d->lim, f, &n, &why) != 0) {
		if (++im->bad <= FI_DBS_BAD_SHOWN) {
			fi_progress_clear(&d->prog);
			if (key != NULL)
				fi_warnx("%s: skipped the row with %s = %lld: %s",
					 im->t->name, im->shape->autoinc, (long long)*key,
					 why.msg);
			else
				fi_warnx("%s: skipped row %llu: %s", im->t->name,
					 (unsigned long long)pos, why.msg);
		}
		return 0;
	}
	if (n == 0)
		im->not_ip++;
	for (unsigned i = 0; i < n; i++)
		if (fi_agg_add(&d->agg, &f[i]) != 0)
			return fi_err_set(err, FI_ENOMEM,
					  "out of memory (lower max_memory_mb or "
					  "src_chunk_rows)");
	return 0;
}

/* Appends the quoted columns the layout reads, comma-separated. */
static int
fi_dbs_select_list(struct fi_buf *sql, const struct fi_dbsrc_layout *l)
{
	int rc = 0;

	for (unsigned i = 0; rc == 0 && i < l->n; i++) {
		if (i > 0)
			rc = fi_buf_puts(sql, ",");
		if (rc == 0)
			rc = fi_dbsrc_quote(sql, l->names[i]);
	}
	return rc;
}

/* SELECT COUNT(*) FROM the table [WHERE key > from]. */
static int
fi_dbs_count(struct fi_dbs_import *im, const int64_t *from, int64_t *out,
	     struct fi_err *err)
{
	struct fi_buf sql;
	struct fi_val v = FI_VAL_I(from ? *from : 0);
	int rc;

	fi_buf_init(&sql, FI_DBS_SQL_MAX);
	rc = fi_buf_puts(&sql, "SELECT COUNT(*) FROM ");
	rc = rc ? rc : fi_dbsrc_quote(&sql, im->t->name);
	if (from != NULL) {
		rc = rc ? rc : fi_buf_puts(&sql, " WHERE ");
		rc = rc ? rc : fi_dbsrc_quote(&sql, im->shape->autoinc);
		rc = rc ? rc : fi_buf_puts(&sql, " > ?");
	}
	if (rc != 0)
		rc = fi_err_set(err, rc, "statement too long");
	else
		rc = fi_dbs_query_int(im->d->src, sql.data, &v, from ? 1 : 0, out, err);
	fi_buf_fini(&sql);
	return rc;
}

/* Copies the current row's values so that im->vals points at them. */
static void
fi_dbs_take_row(struct fi_stmt *st, struct fi_val *vals, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		vals[i] = *fi_stmt_col(st, i);
}

static int
fi_dbs_digest_eq(const struct fi_digest *a, const struct fi_digest *b)
{
	return a->hi == b->hi && a->lo == b->lo;
}

/*
 * Scan mode (snapshot 0) and snapshot mode (snapshot 1): streams the table
 * in its scan order (snapshots: in key order), checks that its first
 * mark.rows rows are the ones read before, and imports the rest.
 */
static int
fi_dbs_scan(struct fi_dbs_import *im, int snapshot, struct fi_err *err)
{
	struct fi_dbs *d = im->d;
	const struct fi_dbs_shape *sh = im->shape;
	const struct fi_dbsrc_layout *l = &sh->layout;
	uint64_t verify = im->have_prev ? im->mark.rows : 0, pos = 0;
	struct fi_val vals[FI_SR_COUNT];
	struct fi_digest dg;
	struct fi_stmt *st = NULL;
	struct fi_buf sql;
	int64_t count;
	int rc;

	rc = fi_dbs_count(im, NULL, &count, err);
	if (rc != 0)
		return rc;
	if ((uint64_t)count < verify)
		return fi_err_set(
		    err, FI_EINVAL,
		    "%s has %lld rows, fewer than the %llu imported before: "
		    "rows were deleted, so it cannot be followed any more",
		    im->t->name, (long long)count, (unsigned long long)verify);
	if (!snapshot && (uint64_t)count == verify)
		return 0; /* nothing new: rows are only ever appended */

	fi_buf_init(&sql, FI_DBS_SQL_MAX);
	rc = fi_buf_puts(&sql, "SELECT ");
	rc = rc ? rc : fi_dbs_select_list(&sql, l);
	rc = rc ? rc : fi_buf_puts(&sql, " FROM ");
	rc = rc ? rc : fi_dbsrc_quote(&sql, im->t->name);
	if (!snapshot) {
		/* a table scan, never an index: rows in the order they were stored */
		rc = rc ? rc : fi_buf_puts(&sql, " USE INDEX ()");
	} else {
		rc = rc ? rc : fi_buf_puts(&sql, " ORDER BY ");
		for (unsigned i = 0; rc == 0 && i < sh->norder; i++) {
			rc = i ? fi_buf_puts(&sql, ",") : 0;
			rc = rc ? rc : fi_dbsrc_quote(&sql, sh->order[i]);
		}
		/* a UNIQUE key may hold NULLs: the columns read complete the order */
		if (!sh->primary) {
			rc = rc ? rc : fi_buf_puts(&sql, ",");
			rc = rc ? rc : fi_dbs_select_list(&sql, l);
		}
	}
	if (rc != 0) {
		fi_buf_fini(&sql);
		return fi_err_set(err, rc, "statement too long");
	}
	st = fi_stmt_new(d->src, sql.data, err);
	fi_buf_fini(&sql);
	if (st == NULL)
		return err->code;
	rc = fi_stmt_exec(st, NULL, 0, err);
	fi_digest_init(&dg);
	fi_progress_begin(&d->prog, d->bar, im->t->name, (uint64_t)count);
	im->vals = vals;
	while (rc == 0) {
		if (fi_dbs_stop) {
			im->interrupted = 1;
			break;
		}
		rc = fi_stmt_fetch(st, err);
		if (rc <= 0)
			break;
		rc = 0;
		fi_dbs_take_row(st, vals, l->n);
		fi_digest_row(&dg, vals, l->n);
		pos++;
		fi_progress_update(&d->prog, pos);
		if (pos <= verify) {
			if (pos == verify && !fi_dbs_digest_eq(&dg, &im->mark.digest))
				rc = fi_err_set(
				    err, FI_EINVAL,
				    "the first %llu rows of %s are not the ones imported "
				    "before (rows were deleted, changed or reordered), "
				    "so it "
				    "cannot be followed any more",
				    (unsigned long long)verify, im->t->name);
			continue;
		}
		rc = fi_dbs_row(im, pos, NULL, err);
		if (rc == 0 && fi_dbs_due(im)) {
			struct fi_mark next = {.mode = snapshot ? FI_MARK_SNAP_RUN
								: FI_MARK_SCAN,
					       .rows = pos,
					       .digest = dg};

			rc = fi_dbs_commit(im, &next, err);
		}
	}
	if (rc == 0 && !im->interrupted && pos < verify)
		rc = fi_err_set(err, FI_EINVAL,
				"%s ended after %llu rows, before the %llu imported "
				"before: it cannot be followed any more",
				im->t->name, (unsigned long long)pos,
				(unsigned long long)verify);
	if (rc == 0 && (im->since_write > 0 || (snapshot && !im->interrupted))) {
		struct fi_mark next = {.rows = pos, .digest = dg};

		next.mode = !snapshot	      ? FI_MARK_SCAN
			    : im->interrupted ? FI_MARK_SNAP_RUN
					      : FI_MARK_SNAP;
		if (pos >= verify)
			rc = fi_dbs_commit(im, &next, err);
	}
	fi_progress_clear(&d->prog);
	fi_agg_clear(&d->agg); /* what was not written stays for the next run */
	im->vals = NULL;
	fi_stmt_free(st);
	return rc;
}

/*
 * The statement of key mode: the columns read and the key, of the rows
 * whose key matches cond (" > ?" or " BETWEEN ? AND ?"), in key order, at
 * most ? rows.
 */
static struct fi_stmt *
fi_dbs_key_stmt(struct fi_dbs_import *im, const char *cond, struct fi_err *err)
{
	const struct fi_dbs_shape *sh = im->shape;
	struct fi_stmt *st;
	struct fi_buf sql;
	int rc;

	fi_buf_init(&sql, FI_DBS_SQL_MAX);
	rc = fi_buf_puts(&sql, "SELECT ");
	rc = rc ? rc : fi_dbs_select_list(&sql, &sh->layout);
	rc = rc ? rc : fi_buf_puts(&sql, ",");
	rc = rc ? rc : fi_dbsrc_quote(&sql, sh->autoinc);
	rc = rc ? rc : fi_buf_puts(&sql, " FROM ");
	rc = rc ? rc : fi_dbsrc_quote(&sql, im->t->name);
	rc = rc ? rc : fi_buf_puts(&sql, " WHERE ");
	rc = rc ? rc : fi_dbsrc_quote(&sql, sh->autoinc);
	rc = rc ? rc : fi_buf_puts(&sql, cond);
	rc = rc ? rc : fi_buf_puts(&sql, " ORDER BY ");
	rc = rc ? rc : fi_dbsrc_quote(&sql, sh->autoinc);
	rc = rc ? rc : fi_buf_puts(&sql, " LIMIT ?");
	if (rc != 0) {
		fi_buf_fini(&sql);
		fi_err_set(err, rc, "statement too long");
		return NULL;
	}
	st = fi_stmt_new(im->d->src, sql.data, err);
	fi_buf_fini(&sql);
	return st;
}

/* Writes the cache, the gaps and the mark at key (rows read so far). */
static int
fi_dbs_key_commit(struct fi_dbs_import *im, int64_t key, struct fi_err *err)
{
	struct fi_mark next = {
	    .mode = FI_MARK_KEY, .rows = im->mark.rows + im->since_write, .key = key};

	memcpy(next.column, im->shape->autoinc, sizeof(next.column));
	return fi_dbs_commit(im, &next, err);
}

/*
 * Takes key k, just read, out of gap range *i: what is left of it below k
 * stays at *i, what is left above k follows. Moves *i to the range that
 * holds the keys above k; *done is set when none of them is left.
 */
static int
fi_dbs_gap_found(struct fi_dbs_import *im, size_t *i, int64_t k, int *done)
{
	struct fi_dbs_gaps *g = im->gaps;
	struct fi_store_gap r = g->v[*i];
	int64_t llo = r.lo, lhi = k - 1, rlo = k + 1, rhi = r.hi;
	int left = k > r.lo && fi_dbs_narrow(im->d, &llo, &lhi) > 0;
	int right = k < r.hi && fi_dbs_narrow(im->d, &rlo, &rhi) > 0;

	*done = !right;
	if (left && llo == r.lo) {
		g->v[*i].hi = lhi;
		g->dirty[*i] = 1;
		++*i;
		if (right)
			return fi_dbs_gaps_insert(
			    g, *i, (struct fi_store_gap){rlo, rhi, r.first_seen});
		return 0;
	}
	if (fi_dbs_gaps_remove(g, *i, 1) != 0)
		return FI_ENOMEM;
	if (left) {
		if (fi_dbs_gaps_insert(
			g, *i, (struct fi_store_gap){llo, lhi, r.first_seen}) != 0)
			return FI_ENOMEM;
		++*i;
	}
	if (right)
		return fi_dbs_gaps_insert(g, *i,
					  (struct fi_store_gap){rlo, rhi, r.first_seen});
	return 0;
}

/*
 * Fetches the next row of a key-mode statement (the key column follows the
 * layout's columns) into vals. Returns 1 with *key set, 0 at the end or on
 * a stop (im->interrupted is then set), or an error: a key outside
 * [lo, hi] is one.
 */
static int
fi_dbs_key_next(struct fi_dbs_import *im, struct fi_stmt *st, struct fi_val *vals,
		int64_t lo, int64_t hi, int64_t *key, struct fi_err *err)
{
	unsigned ncol = im->shape->layout.n;
	int rc;

	if (fi_dbs_stop) {
		im->interrupted = 1;
		return 0;
	}
	rc = fi_stmt_fetch(st, err);
	if (rc <= 0)
		return rc;
	if (fi_dbs_int(fi_stmt_col(st, ncol), key) != 0 || *key < lo || *key > hi)
		return fi_err_set(err, FI_EINVAL, "%s: a value of %s is out of range",
				  im->t->name, im->shape->autoinc);
	fi_dbs_take_row(st, vals, ncol);
	return 1;
}

/*
 * Key mode, first step: reads the rows whose keys lie in the table's gap
 * ranges (committed late by a concurrent writer) and imports them, taking
 * their keys out of the ranges in the same transaction as their flows.
 * Then gives up the ranges first seen src_settle seconds before this step
 * began: their inserts were rolled back (or failed) or never come.
 */
static int
fi_dbs_key_gaps(struct fi_dbs_import *im, struct fi_val *vals, struct fi_err *err)
{
	struct fi_dbs *d = im->d;
	struct fi_dbs_gaps *g = im->gaps;
	int64_t t0 = (int64_t)time(NULL), settle = d->cfg->src_settle;
	struct fi_stmt *st;
	size_t i = 0, kept = 0;
	int rc = 0;

	if (g->n == 0)
		return 0;
	st = fi_dbs_key_stmt(im, " BETWEEN ? AND ?", err);
	if (st == NULL)
		return err->code;
	im->vals = vals;
	while (rc == 0 && i < g->n && !im->interrupted) {
		int64_t cur = g->v[i].lo, hi = g->v[i].hi;
		int done = 0;

		while (rc == 0 && !done && !im->interrupted) {
			struct fi_val p[3] = {FI_VAL_I(cur), FI_VAL_I(hi),
					      FI_VAL_U(d->cfg->src_chunk_rows)};
			uint64_t got = 0;

			rc = fi_stmt_exec(st, p, 3, err);
			while (rc == 0 && !done) {
				int64_t k;

				rc = fi_dbs_key_next(im, st, vals, cur, hi, &k, err);
				if (rc <= 0)
					break;
				got++;
				im->gap_rows++;
				rc = fi_dbs_row(im, im->mark.rows + im->since_write + 1,
						&k, err);
				if (rc == 0 && fi_dbs_gap_found(im, &i, k, &done) != 0)
					rc = fi_err_set(err, FI_ENOMEM, "out of memory");
				cur = k + 1;
				if (rc == 0 && fi_dbs_due(im))
					rc = fi_dbs_key_commit(im, im->mark.key, err);
			}
			fi_stmt_reset(st);
			if (got < d->cfg->src_chunk_rows && !done) {
				done = 1;
				i++; /* no more rows in this range: keep what is left */
			}
		}
	}
	fi_stmt_free(st);
	im->vals = NULL;
	if (rc == 0 && im->interrupted && (im->since_write > 0 || g->ngone > 0))
		return fi_dbs_key_commit(im, im->mark.key, err); /* what was read */
	if (rc != 0 || im->interrupted)
		return rc;
	for (i = 0; i < g->n; i++) {
		uint64_t keys = fi_dbs_possible(d, g->v[i].lo, g->v[i].hi);

		if (keys > 0 && g->v[i].first_seen + settle > t0) {
			g->v[kept] = g->v[i];
			g->dirty[kept++] = g->dirty[i];
			continue;
		}
		if (fi_dbs_gaps_gone(g, g->v[i].lo) != 0)
			return fi_err_set(err, FI_ENOMEM, "out of memory");
		if (keys > 0) {
			im->dropped++;
			im->dropped_keys += keys;
		}
	}
	g->n = kept;
	if (im->since_write > 0 || g->ngone > 0)
		rc = fi_dbs_key_commit(im, im->mark.key, err);
	return rc;
}

/* Records the keys lo..hi, skipped above the mark, as a gap range (if any can be). */
static int
fi_dbs_gap_new(struct fi_dbs_import *im, int64_t lo, int64_t hi)
{
	if (fi_dbs_narrow(im->d, &lo, &hi) == 0)
		return 0;
	return fi_dbs_gaps_insert(im->gaps, im->gaps->n,
				  (struct fi_store_gap){lo, hi, (int64_t)time(NULL)});
}

/*
 * Key mode: the rows in the gap ranges first, then the rows above the
 * mark's key, in key order, chunk by chunk. Keys the source could have
 * handed out but that were not read below the highest key read become gap
 * ranges, written with the mark.
 */
static int
fi_dbs_key(struct fi_dbs_import *im, struct fi_err *err)
{
	struct fi_dbs *d = im->d;
	int64_t from = im->have_prev ? im->mark.key : INT64_MIN, count;
	int64_t last = im->have_prev ? im->mark.key : 0; /* keys start at 1 */
	struct fi_val vals[FI_SR_COUNT];
	struct fi_stmt *st;
	uint64_t done = 0;
	int rc;

	rc = fi_dbs_key_gaps(im, vals, err);
	if (rc != 0 || im->interrupted) {
		fi_agg_clear(&d->agg); /* what was not written stays for the next run */
		return rc;
	}
	rc = fi_dbs_count(im, &from, &count, err);
	if (rc != 0 || count == 0)
		return rc;
	st = fi_dbs_key_stmt(im, " > ?", err);
	if (st == NULL)
		return err->code;
	fi_progress_begin(&d->prog, d->bar, im->t->name, (uint64_t)count);
	im->vals = vals;
	while (rc == 0 && !im->interrupted) {
		struct fi_val p[2] = {FI_VAL_I(from), FI_VAL_U(d->cfg->src_chunk_rows)};
		uint64_t got = 0;

		rc = fi_stmt_exec(st, p, 2, err);
		while (rc == 0) {
			/* above the last key read, as "> ?" asked */
			int64_t lo = from < INT64_MAX ? from + 1 : from, key;

			rc = fi_dbs_key_next(im, st, vals, lo, INT64_MAX, &key, err);
			if (rc <= 0)
				break;
			if (key - 1 > last &&
			    fi_dbs_gap_new(im, last + 1, key - 1) != 0) {
				rc = fi_err_set(err, FI_ENOMEM, "out of memory");
				break;
			}
			last = key > last ? key : last;
			from = key;
			got++;
			rc = fi_dbs_row(im, im->mark.rows + im->since_write + 1, &key,
					err);
			fi_progress_update(&d->prog, ++done);
			if (rc == 0 && fi_dbs_due(im))
				rc = fi_dbs_key_commit(im, from, err);
		}
		fi_stmt_reset(st);
		if (rc == 0 && im->since_write > 0)
			rc = fi_dbs_key_commit(im, from, err);
		if (got == 0)
			break;
	}
	fi_progress_clear(&d->prog);
	fi_agg_clear(&d->agg);
	im->vals = NULL;
	fi_stmt_free(st);
	return rc;
}

/* Reads the columns and unique keys of table t. */
static int
fi_dbs_shape(struct fi_dbs *d, const struct fi_dbs_table *t, struct fi_dbs_shape *sh,
	     struct fi_err *why, struct fi_err *err)
{
	struct fi_val name = FI_VAL_S(t->name, strlen(t->name));
	char(*cols)[FI_IDENT_MAX] = NULL;
	const char **ptrs = NULL;
	char first_index[FI_IDENT_MAX] = "", index[FI_IDENT_MAX], col[FI_IDENT_MAX];
	char prev_index[FI_IDENT_MAX] = "";
	unsigned ncols = 0, in_index = 0;
	int index_is_autoinc = 1, rc;
	struct fi_stmt *st;

	memset(sh, 0, sizeof(*sh));
	st = fi_stmt_new(d->src, fi_dbs_sql_columns, err);
	if (st == NULL)
		return err->code;
	cols = calloc(FI_DBS_COLUMNS_MAX, sizeof(*cols));
	ptrs = calloc(FI_DBS_COLUMNS_MAX, sizeof(*ptrs));
	if (cols == NULL || ptrs == NULL) {
		rc = fi_err_set(err, FI_ENOMEM, "out of memory");
		goto out;
	}
	rc = fi_stmt_exec(st, &name, 1, err);
	while (rc == 0 && (rc = fi_stmt_fetch(st, err)) == 1) {
		char extra[256], type[64];

		rc = 0;
		if (ncols >= FI_DBS_COLUMNS_MAX ||
		    fi_dbs_text(st, 0, cols[ncols], FI_IDENT_MAX) != 0 ||
		    fi_dbs_text(st, 1, extra, sizeof(extra)) != 0 ||
		    fi_dbs_text(st, 2, type, sizeof(type)) != 0) {
			rc = fi_err_set(err, FI_ETOOBIG,
					"%s: too many or too long columns", t->name);
			break;
		}
		if (strcasestr(extra, "auto_increment") != NULL &&
		    (strcasecmp(type, "tinyint") == 0 ||
		     strcasecmp(type, "smallint") == 0 ||
		     strcasecmp(type, "mediumint") == 0 || strcasecmp(type, "int") == 0 ||
		     strcasecmp(type, "bigint") == 0))
			memcpy(sh->autoinc, cols[ncols], FI_IDENT_MAX);
		ptrs[ncols] = cols[ncols];
		ncols++;
	}
	fi_stmt_free(st);
	st = NULL;
	if (rc < 0)
		goto out;
	if (fi_dbsrc_layout_init(&sh->layout, d->opts.kind, ptrs, ncols, why) != 0)
		goto out; /* not a table of this kind: why says so */

	st = fi_stmt_new(d->src, fi_dbs_sql_unique, err);
	if (st == NULL) {
		rc = err->code;
		goto out;
	}
	rc = fi_stmt_exec(st, &name, 1, err);
	while (rc == 0 && (rc = fi_stmt_fetch(st, err)) == 1) {
		rc = 0;
		if (fi_dbs_text(st, 0, index, sizeof(index)) != 0 ||
		    fi_dbs_text(st, 1, col, sizeof(col)) != 0) {
			rc =
			    fi_err_set(err, FI_ETOOBIG, "%s: key name too long", t->name);
			break;
		}
		if (strcmp(index, prev_index) != 0) {
			/* a new unique index: was the previous one just the
			 * AUTO_INCREMENT? */
			if (prev_index[0] && !(index_is_autoinc && in_index == 1))
				sh->keyed = 1;
			memcpy(prev_index, index, sizeof(index));
			in_index = 0;
			index_is_autoinc = 1;
		}
		in_index++;
		if (strcmp(col, sh->autoinc) != 0)
			index_is_autoinc = 0;
		if (first_index[0] == '\0' || strcmp(index, first_index) == 0) {
			memcpy(first_index, index, sizeof(index));
			if (sh->norder < FI_DBS_KEY_COLS)
				memcpy(sh->order[sh->norder++], col, sizeof(col));
		}
	}
	if (rc == 0 && prev_index[0] && !(index_is_autoinc && in_index == 1))
		sh->keyed = 1;
	sh->primary = strcmp(first_index, "PRIMARY") == 0;
out:
	fi_stmt_free(st);
	free(cols);
	free(ptrs);
	return rc < 0 ? rc : 0;
}

/* Whether a keyed table is complete: named explicitly, or a daily table long over. */
static const char *
fi_dbs_complete(struct fi_dbs *d, const struct fi_dbs_table *t)
{
	int64_t day, now = (int64_t)time(NULL), settle = d->cfg->src_settle;

	if (d->opts.table != NULL)
		return "named with --table-name";
	if (fi_dbsrc_table_day(d->opts.kind, t->name, &day) == 0 &&
	    now >= day + 86400 + settle && (t->idle < 0 || t->idle >= settle))
		return "its day is over";
	return NULL;
}

static void
fi_dbs_summary(struct fi_dbs *d, const struct fi_dbs_import *im, const char *mode,
	       double seconds)
{
	fi_dbs_say(d,
		   "%s: %s: %llu rows read, %llu flows imported, %llu rows not IP flows, "
		   "%llu bad; %llu rows in all, %.1f s",
		   im->t->name, mode, (unsigned long long)im->read,
		   (unsigned long long)im->flows, (unsigned long long)im->not_ip,
		   (unsigned long long)im->bad, (unsigned long long)im->mark.rows,
		   seconds);
	if (im->bad > FI_DBS_BAD_SHOWN) {
		fi_progress_clear(&d->prog);
		fi_warnx("%s: %llu bad rows skipped (the first %d shown)", im->t->name,
			 (unsigned long long)im->bad, FI_DBS_BAD_SHOWN);
	}
}

/*
 * Key mode with the table's gap ranges: loaded from fi_source_gaps (ranges
 * left by an import whose mark is gone are deleted by the next write, not
 * read), then reported.
 */
static int
fi_dbs_key_table(struct fi_dbs_import *im, struct fi_err *err)
{
	struct fi_dbs *d = im->d;
	struct fi_dbs_gaps g;
	int rc;

	memset(&g, 0, sizeof(g));
	rc = fi_store_source_gaps_get(d->store, d->source, im->t->name, &g.v, &g.n, err);
	if (rc != 0)
		return rc;
	g.cap = g.n;
	if (g.n > 0 && (g.dirty = calloc(g.n, 1)) == NULL) {
		fi_dbs_gaps_free(&g);
		return fi_err_set(err, FI_ENOMEM, "out of memory");
	}
	if (!im->have_prev && g.n > 0 && fi_dbs_gaps_remove(&g, 0, g.n) != 0) {
		fi_dbs_gaps_free(&g);
		return fi_err_set(err, FI_ENOMEM, "out of memory");
	}
	im->gaps = &g;
	rc = fi_dbs_key(im, err);
	im->gaps = NULL;
	if (im->gap_rows > 0 || im->dropped > 0 || g.n > 0)
		fi_dbs_say(
		    d,
		    "%s: %llu rows read in gaps of %s, %zu gap ranges waiting, %llu "
		    "given up (%llu keys)",
		    im->t->name, (unsigned long long)im->gap_rows, im->shape->autoinc,
		    g.n, (unsigned long long)im->dropped,
		    (unsigned long long)im->dropped_keys);
	d->gaps_dropped += im->dropped;
	d->gap_keys_dropped += im->dropped_keys;
	d->gaps_trimmed += im->trimmed;
	fi_dbs_gaps_free(&g);
	return rc;
}

/* Imports one table. Returns 0 or the error that stopped it. */
static int
fi_dbs_table(struct fi_dbs *d, const struct fi_dbs_table *t, struct fi_err *err)
{
	struct fi_dbs_shape sh;
	struct fi_dbs_import im;
	struct fi_err why;
	char text[FI_MARK_TEXT_MAX + 1];
	const char *mode, *reason;
	uint64_t rows = 0;
	double t0 = fi_clock_now();
	int found, rc;

	fi_err_clear(&why);
	rc = fi_dbs_shape(d, t, &sh, &why, err);
	if (rc != 0)
		return rc;
	if (why.code != 0) {
		const char *what =
		    d->opts.kind == FI_DBSRC_ARGUS ? "an argus" : "a VERMONT";

		if (d->opts.table != NULL)
			return fi_err_set(err, FI_EINVAL, "%s is not %s table: %s",
					  t->name, what, why.msg);
		fi_dbs_say(d, "%s: skipped, not %s table (%s)", t->name, what, why.msg);
		return 0;
	}
	memset(&im, 0, sizeof(im));
	im.d = d;
	im.t = t;
	im.shape = &sh;
	im.written_at = t0;
	rc = fi_store_source_mark_get(d->store, d->source, t->name, text, sizeof(text),
				      &rows, &found, err);
	if (rc != 0)
		return rc;
	if (found) {
		if (fi_mark_parse(text, strlen(text), &im.mark) != 0)
			return fi_err_set(
			    err, FI_EINVAL,
			    "%s: unreadable mark \"%.60s\" in fi_source_marks", t->name,
			    text);
		memcpy(im.prev, text, sizeof(text));
		im.have_prev = 1;
	}
	if (found && im.mark.mode == FI_MARK_SNAP) {
		int64_t count;

		rc = fi_dbs_count(&im, NULL, &count, err);
		if (rc != 0)
			return rc;
		if ((uint64_t)count != im.mark.rows && d->opts.table != NULL) {
			fi_warnx(
			    "%s was imported as a snapshot of %llu rows before; it has "
			    "%lld rows now. It is not imported again (that would count "
			    "its rows twice)",
			    t->name, (unsigned long long)im.mark.rows, (long long)count);
		} else {
			fi_dbs_say(
			    d, "%s: imported as a snapshot before (%llu rows); skipped",
			    t->name, (unsigned long long)im.mark.rows);
		}
		return 0;
	}
	if (found && im.mark.mode == FI_MARK_KEY) {
		if (strcmp(im.mark.column, sh.autoinc) != 0)
			return fi_err_set(
			    err, FI_EINVAL,
			    "%s: its mark follows the AUTO_INCREMENT column "
			    "%s, which it no longer has",
			    t->name, im.mark.column);
		mode = "new rows by key";
		rc = fi_dbs_key_table(&im, err);
	} else if (found) {
		int snap = im.mark.mode == FI_MARK_SNAP_RUN;

		mode = snap ? "snapshot (resumed)" : "new rows by scan";
		rc = fi_dbs_scan(&im, snap, err);
	} else if (sh.keyed) {
		reason = fi_dbs_complete(d, t);
		if (reason == NULL) {
			fi_dbs_say(
			    d,
			    "%s: skipped: a keyed table (rows are updated in place) "
			    "cannot be followed while it is written; it is imported "
			    "as a snapshot once complete: name it with --table-name, "
			    "or, for a daily table, when its day is over",
			    t->name);
			return 0;
		}
		fi_info("%s: importing it as a snapshot of its current state (%s); "
			"changes after this import are not imported",
			t->name, reason);
		fi_dbs_say(d,
			   "%s: importing it as a snapshot of its current state (%s); "
			   "changes after this import are not imported",
			   t->name, reason);
		mode = "snapshot";
		rc = fi_dbs_scan(&im, 1, err);
	} else if (sh.autoinc[0] != '\0') {
		mode = "new rows by key";
		rc = fi_dbs_key_table(&im, err);
	} else {
		mode = "new rows by scan";
		rc = fi_dbs_scan(&im, 0, err);
	}
	d->bad += im.bad;
	d->flows += im.flows;
	d->read += im.read;
	if (rc == 0 && im.read == 0 && !im.interrupted && im.mark.mode != FI_MARK_SNAP)
		fi_dbs_say(d, "%s: up to date (%llu rows)", t->name,
			   (unsigned long long)im.mark.rows);
	else
		fi_dbs_summary(d, &im, mode, fi_clock_now() - t0);
	return rc;
}

/* Lists the tables of the source database (names and estimates). */
static int
fi_dbs_tables(struct fi_dbs *d, struct fi_dbs_table **out, size_t *n, struct fi_err *err)
{
	struct fi_stmt *st = fi_stmt_new(d->src, fi_dbs_sql_tables, err);
	struct fi_dbs_table *v = NULL;
	size_t cap = 0;
	int rc;

	*n = 0;
	if (st == NULL)
		return err->code;
	rc = fi_stmt_exec(st, NULL, 0, err);
	while (rc == 0 && (rc = fi_stmt_fetch(st, err)) == 1) {
		int64_t est, idle;

		rc = 0;
		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct fi_dbs_table *p;

			if (ncap > FI_DBS_TABLES_MAX) {
				rc = fi_err_set(err, FI_ETOOBIG, "more than %d tables",
						FI_DBS_TABLES_MAX);
				break;
			}
			p = realloc(v, ncap * sizeof(*v));
			if (p == NULL) {
				rc = fi_err_set(err, FI_ENOMEM, "out of memory");
				break;
			}
			v = p;
			cap = ncap;
		}
		if (fi_dbs_text(st, 0, v[*n].name, sizeof(v[*n].name)) != 0)
			continue; /* no table name is this long in MariaDB */
		v[*n].est_rows = fi_dbs_int(fi_stmt_col(st, 1), &est) == 0 && est > 0
				     ? (uint64_t)est
				     : 0;
		v[*n].idle = fi_dbs_int(fi_stmt_col(st, 2), &idle) == 0 ? idle : -1;
		(*n)++;
	}
	fi_stmt_free(st);
	if (rc < 0) {
		free(v);
		*n = 0;
		return rc;
	}
	*out = v;
	return 0;
}

/* One import of every table (or the one named). Returns the exit status. */
static int
fi_dbs_round(struct fi_dbs *d)
{
	struct fi_dbs_table *tables = NULL;
	struct fi_err err;
	struct fi_digest lock_digest;
	struct fi_val lv = FI_VAL_S(d->source, strlen(d->source));
	char lock[48];
	size_t n = 0;
	int64_t got = 0;
	int status = 0, seen = 0;
	double t0 = fi_clock_now();

	d->failed = 0;
	d->bad = d->flows = d->read = 0;
	d->gaps_dropped = d->gap_keys_dropped = d->gaps_trimmed = 0;
	fi_err_clear(&err);
	if (fi_dbs_dst_open(d, &err) != 0) {
		fi_warnx("%s", err.msg);
		return FI_DBSOURCE_FAILED;
	}
	if (fi_dbs_query_int(d->dst, fi_dbs_sql_marks, NULL, 0, &got, &err) != 0) {
		fi_warnx("database %s: %s (run flowinspector-importer --init-db first)",
			 d->cfg->db_name, err.msg);
		status = FI_DBSOURCE_FAILED;
		goto out;
	}
	/* one import of a source at a time (cron runs may overlap) */
	fi_digest_init(&lock_digest);
	fi_digest_row(&lock_digest, &lv, 1);
	snprintf(lock, sizeof(lock), "fi_src_%016llx%016llx",
		 (unsigned long long)lock_digest.hi, (unsigned long long)lock_digest.lo);
	lv = FI_VAL_S(lock, strlen(lock));
	if (fi_dbs_query_int(d->dst, fi_dbs_sql_lock, &lv, 1, &got, &err) != 0) {
		fi_warnx("%s", err.msg);
		status = FI_DBSOURCE_FAILED;
		goto out;
	}
	if (got != 1) {
		fi_dbs_say(d, "another import of %s is running; nothing done", d->source);
		goto out;
	}
	if (fi_dbs_src_open(d, &err) != 0 || fi_dbs_tables(d, &tables, &n, &err) != 0) {
		fi_warnx("source %s: %s", d->source, err.msg);
		status = FI_DBSOURCE_FAILED;
		goto out;
	}
	for (size_t i = 0; i < n && !fi_dbs_stop; i++) {
		if (d->opts.table != NULL && strcmp(tables[i].name, d->opts.table) != 0)
			continue;
		seen++;
		fi_err_clear(&err);
		if (fi_dbs_table(d, &tables[i], &err) != 0) {
			fi_progress_clear(&d->prog);
			fi_warnx("%s: %s", tables[i].name, err.msg);
			d->failed++;
			if (d->src == NULL || !fi_db_alive(d->src) || d->dst == NULL ||
			    !fi_db_alive(d->dst))
				break; /* a lost connection ends the round */
		}
	}
	if (d->opts.table != NULL && seen == 0 && !fi_dbs_stop) {
		fi_warnx("source %s has no table %s", d->source, d->opts.table);
		d->failed++;
	}
	if (fi_dbs_stop && d->opts.every == 0) {
		fi_warnx("interrupted; the next run continues where this one stopped");
		d->failed++;
	}
	if (d->failed > 0)
		status = FI_DBSOURCE_FAILED;
	else if (d->bad > 0)
		status = FI_DBSOURCE_BADROWS;
	fi_dbs_say(d,
		   "%s: %zu tables, %llu rows read, %llu flows imported, %llu bad rows, "
		   "%d failed, %.1f s",
		   d->source, n, (unsigned long long)d->read,
		   (unsigned long long)d->flows, (unsigned long long)d->bad, d->failed,
		   fi_clock_now() - t0);
	if (d->gaps_dropped > 0) {
		fi_info("%s: %llu ranges of skipped keys (%llu keys) given up: no row "
			"came in them within src_settle = %u s (rolled back inserts)",
			d->source, (unsigned long long)d->gaps_dropped,
			(unsigned long long)d->gap_keys_dropped, d->cfg->src_settle);
		fi_dbs_say(d, "%s: %llu gap ranges (%llu keys) given up after src_settle",
			   d->source, (unsigned long long)d->gaps_dropped,
			   (unsigned long long)d->gap_keys_dropped);
	}
	if (d->gaps_trimmed > 0)
		fi_warnx(
		    "%s: %llu ranges of skipped keys given up over src_max_gaps = %u "
		    "per table: rows committed there later are not imported",
		    d->source, (unsigned long long)d->gaps_trimmed, d->cfg->src_max_gaps);
out:
	free(tables);
	fi_db_close(d->src);
	d->src = NULL;
	fi_dbs_dst_close(d); /* also releases the lock */
	return status;
}

int
fi_dbsource_run(const struct fi_config *cfg, const struct fi_dbsource_opts *opts)
{
	struct fi_dbs d;
	struct sigaction sa;
	int status;

	memset(&d, 0, sizeof(d));
	d.cfg = cfg;
	d.opts = *opts;
	d.lim.max_duration = cfg->max_flow_duration;
	d.bar = isatty(STDERR_FILENO) ? stderr : NULL;
	d.report = opts->verbose || isatty(STDOUT_FILENO);
	d.retention_log = (struct fi_ratelimit){.period = 3600, .burst = 4};
	if (cfg->src_database[0] == '\0') {
		fi_warnx("no source database: give --src-database or src_database");
		return FI_DBSOURCE_FAILED;
	}
	if (cfg->src_name[0] != '\0')
		snprintf(d.source, sizeof(d.source), "%s", cfg->src_name);
	else
		snprintf(d.source, sizeof(d.source), "%s:%s",
			 fi_dbsrc_kind_name(opts->kind), cfg->src_database);
	fi_agg_init(&d.agg, cfg->bucket_sizes, cfg->n_bucket_sizes);
	for (unsigned k = 0; k < cfg->n_bucket_sizes; k++)
		fi_agg_set_detail(&d.agg, k, fi_config_is_detail(cfg, k));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fi_dbs_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL); /* reopens the log file (after rotation) */
	signal(SIGPIPE, SIG_IGN);

	for (;;) {
		if (fi_dbs_reopen) {
			fi_dbs_reopen = 0;
			fi_log_reopen();
		}
		status = fi_dbs_round(&d);
		if (opts->every == 0 || fi_dbs_stop)
			break;
		for (double until = fi_clock_now() + opts->every;
		     !fi_dbs_stop && fi_clock_now() < until;)
			usleep(100000);
		if (fi_dbs_stop)
			break;
	}
	if (opts->every > 0 && fi_dbs_stop)
		status = 0;
	fi_agg_fini(&d.agg);
	return status;
}
