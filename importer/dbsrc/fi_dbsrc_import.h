/*
 * fi_dbsrc_import.h: the inside of a database-source import, shared by its
 * files: fi_dbsrc_run.c runs rounds and picks how each table is followed,
 * fi_dbsrc_shape.c reads the tables and their columns and keys,
 * fi_dbsrc_read.c writes chunks with their marks and follows a table by
 * scan or as a snapshot, fi_dbsrc_key.c follows it by key with gap ranges.
 * Nothing outside importer/dbsrc/ includes it.
 */
#ifndef FI_DBSRC_IMPORT_H
#define FI_DBSRC_IMPORT_H

#include <stdio.h>

#include "fi_agg.h"
#include "fi_buf.h"
#include "fi_db.h"
#include "fi_dbsrc_run.h"
#include "fi_log.h"
#include "fi_progress.h"
#include "fi_store.h"

#define FI_DBSRC_BAD_SHOWN 10 /* bad rows shown in full per table and run */

/* One table of the source database. */
struct fi_dbsrc_table {
	char name[FI_IDENT_MAX];
	uint64_t est_rows; /* information_schema's estimate */
	int64_t idle;	   /* seconds since its last write, -1 if unknown */
};

/* What a table looks like: the columns read and its keys. */
struct fi_dbsrc_shape {
	struct fi_dbsrc_layout layout;
	char autoinc[FI_IDENT_MAX]; /* the AUTO_INCREMENT column, "" if none */
	int keyed;		    /* a unique key other than the AUTO_INCREMENT one */
	char order[FI_DBSRC_KEY_COLS][FI_IDENT_MAX]; /* first unique key (PRIMARY) */
	unsigned norder;
	int primary;	   /* order is the PRIMARY KEY (NOT NULL, so a total order) */
	uint32_t signed32; /* PostgreSQL: layout columns (bits) holding addresses as
			      signed 32-bit integers */
};

/* The source database being imported: connections, cache, this round. */
struct fi_dbsrc_source {
	const struct fi_config *cfg;
	struct fi_dbsrc_opts opts;
	char source[FI_CONFIG_STR_MAX + 16]; /* the name marks are kept under */
	struct fi_db *src;		     /* source connection (MySQL) */
	struct fi_dbsrc_pg *pg;		     /* source connection (PostgreSQL) */
	int postgresql;			     /* src_driver = postgresql */
	struct fi_db *dst;		     /* bucket tables */
	struct fi_store *store;		     /* on dst */
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
struct fi_dbsrc_gaps {
	struct fi_store_gap *v;
	unsigned char *dirty;
	size_t n, cap;
	int64_t *gone;
	size_t ngone, capgone;
};

/* The import of one table in this round. */
struct fi_dbsrc_import {
	struct fi_dbsrc_source *d;
	const struct fi_dbsrc_table *t;
	const struct fi_dbsrc_shape *shape;
	struct fi_dbsrc_mark mark;	       /* the committed mark */
	char prev[FI_DBSRC_MARK_TEXT_MAX + 1]; /* its text */
	int have_prev;			       /* whether there is one */
	uint64_t since_write;		       /* rows read since the last write */
	double written_at;		       /* when the last write happened */
	uint64_t read, flows, not_ip, bad;     /* this round */
	int interrupted;		       /* stopped by a signal */
	const struct fi_val *vals;	       /* the current row */
	struct fi_dbsrc_gaps *gaps;	       /* key mode, else NULL */
	uint64_t gap_rows;		       /* rows found in gaps this round */
	uint64_t dropped, dropped_keys;	       /* gap ranges given up this round */
	uint64_t trimmed;		       /* gap ranges dropped over the bound */
};

/* Whether SIGTERM or SIGINT asked the import to stop. */
int fi_dbsrc_stopped(void);

/* A summary line for the operator: on a terminal, or with -v. */
void fi_dbsrc_say(struct fi_dbsrc_source *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Connects d->dst and d->store (the bucket tables). Returns 0 or an error. */
int fi_dbsrc_dst_open(struct fi_dbsrc_source *d, struct fi_err *err);

/* Closes d->dst and d->store; releases the import's lock. */
void fi_dbsrc_dst_close(struct fi_dbsrc_source *d);

/*
 * Lists the tables of the source database (names and estimates) into *out
 * (new, free() it) and *n. Returns 0 or an error.
 */
int fi_dbsrc_tables(struct fi_dbsrc_source *d, struct fi_dbsrc_table **out, size_t *n,
		    struct fi_err *err);

/*
 * Reads the columns and unique keys of table t into sh. A table that is not
 * of the source's kind is no error: why says what it lacks. Returns 0 or
 * the error of the source.
 */
int fi_dbsrc_shape_read(struct fi_dbsrc_source *d, const struct fi_dbsrc_table *t,
			struct fi_dbsrc_shape *sh, struct fi_err *why,
			struct fi_err *err);

/* Runs a one-row, one-column integer query (NULL gives -1). */
int fi_dbsrc_query_int(struct fi_db *db, const char *sql, const struct fi_val *v,
		       unsigned n, int64_t *out, struct fi_err *err);

/* SELECT COUNT(*) FROM the table [WHERE key > *from]. */
int fi_dbsrc_count(struct fi_dbsrc_import *im, const int64_t *from, int64_t *out,
		   struct fi_err *err);

/*
 * Starts sql (initialised here, capped at FI_DBSRC_SQL_MAX; fi_buf_fini it)
 * as "SELECT " and the columns the layout reads. Returns 0 or the error
 * of fi_buf_append.
 */
int fi_dbsrc_select(struct fi_buf *sql, const struct fi_dbsrc_layout *l);

/* Appends the quoted columns the layout reads, comma-separated. */
int fi_dbsrc_select_list(struct fi_buf *sql, const struct fi_dbsrc_layout *l);

/*
 * Prepares the statement built in sql on the source; rc says whether
 * building it went well (else "statement too long"). Frees sql. Returns
 * the statement (new) or NULL with err set.
 */
struct fi_stmt *fi_dbsrc_prepare(struct fi_dbsrc_source *d, struct fi_buf *sql, int rc,
				 struct fi_err *err);

/* Copies the current row's n values into vals. */
void fi_dbsrc_take_row(struct fi_stmt *st, struct fi_val *vals, unsigned n);

/*
 * Converts and caches one row (im->vals). pos is its place in scan order,
 * key its key value (key mode) for messages. A bad row is counted and
 * reported, not an error; only running out of memory is.
 */
int fi_dbsrc_row(struct fi_dbsrc_import *im, uint64_t pos, const int64_t *key,
		 struct fi_err *err);

/* Whether the cached rows should be written now. */
int fi_dbsrc_due(const struct fi_dbsrc_import *im);

/*
 * Writes the cached flows and moves the table's mark to next, in one
 * transaction; retries a few times after a lock timeout or a lost
 * connection. On success the cache is empty and next is the committed mark.
 */
int fi_dbsrc_commit(struct fi_dbsrc_import *im, const struct fi_dbsrc_mark *next,
		    struct fi_err *err);

/*
 * Scan mode (snapshot 0) and snapshot mode (snapshot 1): streams the table
 * in its scan order (snapshots: in key order), checks that its first
 * mark.rows rows are the ones read before, and imports the rest.
 */
int fi_dbsrc_scan(struct fi_dbsrc_import *im, int snapshot, struct fi_err *err);

/*
 * What a write changes of the table's gaps: beyond src_max_gaps ranges
 * the lowest (oldest) are dropped first; *changed (free() it) holds the
 * changed ranges that sm points at.
 */
int fi_dbsrc_gaps_changes(struct fi_dbsrc_import *im, struct fi_store_source_mark *sm,
			  struct fi_store_gap **changed, struct fi_err *err);

/* The changes fi_dbsrc_gaps_changes listed are written. */
void fi_dbsrc_gaps_written(struct fi_dbsrc_gaps *g);

/*
 * Key mode with the table's gap ranges: loaded from fi_source_gaps (ranges
 * left by an import whose mark is gone are deleted by the next write, not
 * read), then reported.
 */
int fi_dbsrc_key_table(struct fi_dbsrc_import *im, struct fi_err *err);

/*
 * The PostgreSQL source (fi_dbsrc_pg.c): connects d->pg (closed by
 * fi_dbsrc_pg_close, a no-op without one), lists the tables that are not
 * parents, reads a table's columns, and follows it by row place (ctid).
 */
int fi_dbsrc_pg_open(struct fi_dbsrc_source *d, struct fi_err *err);
void fi_dbsrc_pg_close(struct fi_dbsrc_source *d);
int fi_dbsrc_pg_alive(const struct fi_dbsrc_source *d);
int fi_dbsrc_pg_tables(struct fi_dbsrc_source *d, struct fi_dbsrc_table **out, size_t *n,
		       struct fi_err *err);
int fi_dbsrc_pg_shape(struct fi_dbsrc_source *d, const struct fi_dbsrc_table *t,
		      struct fi_dbsrc_shape *sh, struct fi_err *why, struct fi_err *err);
int fi_dbsrc_pg_follow(struct fi_dbsrc_import *im, struct fi_err *err);

#endif
