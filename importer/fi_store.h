/*
 * fi_store.h: writing an aggregation cache to the bucket tables. A cache is
 * written in parts, one table of one bucket size each, or a piece of one
 * (at most write_set_rows rows, so a transaction's write set stays bounded
 * on Galera); each part is one transaction holding its upserts and the
 * record (consumer, part, batch id) of what was written, so each part is
 * either wholly in or not at all, and parts can go to the database over
 * several connections at once. Imports
 * of database sources instead write a whole cache with the source's new
 * high-water mark in one transaction (fi_store_write_source).
 */
#ifndef FI_STORE_H
#define FI_STORE_H

#include <stdint.h>

#include "fi_agg.h"
#include "fi_config.h"
#include "fi_db.h"
#include "fi_err.h"

struct fi_store;

/* What a write records in the same transaction as its data. */
struct fi_store_mark {
	const char *consumer; /* queue consumer name */
	uint64_t batch_id;    /* its batch number; a second write of a part is refused */
	uint32_t piece_rows;  /* the batch's larger tables are cut in pieces of this
				 many rows (0: not cut); recorded with each part */
};

/*
 * How far a database source table has been read (a row of fi_source_marks).
 * A write moves the mark from `prev` to `mark` only if it still is `prev`,
 * so two imports of one table cannot both count the same rows.
 */
struct fi_store_source_mark {
	const char *source; /* source name, e.g. "argus:flows" */
	const char *table;  /* table in the source database */
	const char *prev;   /* the mark this write continues from; NULL: none yet */
	const char *mark;   /* the new mark (at most 255 bytes) */
	uint64_t rows;	    /* source rows read up to the new mark */
	/* key mode: gap ranges (fi_source_gaps) changed since the last write */
	const struct fi_store_gap *gaps; /* ranges to insert or update */
	size_t ngaps;
	const int64_t *gone; /* lo of ranges to delete */
	size_t ngone;
};

/* Keys lo..hi of a source table skipped below its mark, seen first at first_seen. */
struct fi_store_gap {
	int64_t lo, hi;
	int64_t first_seen; /* UNIX seconds */
};

/*
 * One table of one bucket size of a cache, or a piece of one: a table of
 * more rows than a batch's piece_rows is written in pieces, consecutive
 * ranges of its rows in key order, one transaction each.
 */
struct fi_store_part {
	unsigned size_index; /* into agg->sizes */
	unsigned kind;	     /* flows, nodes, ports or totals */
	uint64_t rows;	     /* rows it holds */
	uint64_t first;	     /* a piece: its first row in key order */
	/* a piece: every row of its table in key order, shared by the pieces
	 * (the first piece owns it); NULL: the part is a whole table */
	const unsigned char **sorted;
	int owns_sorted;
	char name[32]; /* the table's name, e.g. "flows_600"; a piece's "flows_600.2" */
};

#define FI_STORE_PARTS_MAX (4 * FI_BUCKET_SIZES_MAX) /* whole tables of a cache */

/* A queue element refused for the counter cap (a row of fi_batch_refused). */
struct fi_store_refused {
	uint64_t position;	     /* in its batch's list, from 0 */
	char reason[FI_ERR_MSG_MAX]; /* why, as its dead letter says */
};

/* Figures of writes, added up. */
struct fi_store_stats {
	uint64_t rows;	     /* rows upserted */
	uint64_t statements; /* statements executed */
	double seconds;	     /* wall-clock time from BEGIN to COMMIT */
};

/*
 * Creates a writer on db (borrowed; the writer must be freed before it).
 * Sets the session to READ COMMITTED, so that writers lock only the rows
 * they write. Returns NULL with err set on failure.
 */
struct fi_store *fi_store_new(struct fi_db *db, struct fi_err *err);

/* Frees the writer and its prepared statements. NULL is a no-op. */
void fi_store_free(struct fi_store *st);

/*
 * How a table of a batch read again after a crash was cut when a part of it
 * went in: whole (piece_rows 0) or in pieces of piece_rows rows. Its other
 * pieces must be cut the same way, whatever write_set_rows says now; a
 * table with no part in yet may be cut afresh.
 */
struct fi_store_cut {
	char table[32]; /* e.g. "flows_600" */
	uint32_t piece_rows;
};

/*
 * Lists the non-empty parts of agg in a new array *parts (free it with
 * fi_store_parts_free) of *n, largest first; the totals parts only
 * with_totals (a queue batch writes them first, fi_store_write_totals).
 * With piece_rows > 0, a table of more rows is cut into pieces of
 * piece_rows rows in key order (the last one the rest), named NAME.K with
 * K from 1: the same cache and piece_rows always give the same pieces. A
 * table in cuts[] (of ncuts) is cut as that says instead. Returns 0 or
 * FI_ENOMEM (err set).
 */
int fi_store_parts(const struct fi_agg *agg, uint32_t piece_rows,
		   const struct fi_store_cut *cuts, size_t ncuts, int with_totals,
		   struct fi_store_part **parts, size_t *n, struct fi_err *err);

/* Frees what fi_store_parts made. NULL is a no-op. */
void fi_store_parts_free(struct fi_store_part *parts, size_t n);

/*
 * Writes the totals parts of every size of agg (totals_S) with their
 * records in ONE transaction (they hold a row per bucket and protocol
 * class; the importer flushes a batch early to keep them under
 * write_set_rows), and only after checking inside it that no
 * stored totals row of the batch's buckets would pass FI_COUNTER_MAX: those
 * rows are read FOR UPDATE into base (an fi_agg of the same sizes, cleared
 * first; only its totals are used). Every other row of a bucket is at most
 * its totals row, counter by counter, so once the totals are in, no other
 * part of the batch can pass the cap. The n refused elements are recorded
 * (fi_batch_refused) in the same transaction. A size whose part was written
 * before is left alone. Returns 0 (also when agg has no totals); FI_EEXIST
 * when every totals part was written before; FI_ERANGE when a row would
 * pass the cap (nothing is written; err names it; add the batch again with
 * agg->base = base to find the elements to refuse); FI_EUNAVAIL; FI_EDB.
 */
int fi_store_write_totals(struct fi_store *st, const struct fi_agg *agg,
			  const struct fi_store_mark *mark,
			  const struct fi_store_refused *refused, size_t n,
			  struct fi_agg *base, struct fi_store_stats *stats,
			  struct fi_err *err);

/*
 * The cuts of the tables (other than the totals) of which a part of the
 * batch is recorded: a new array *cuts (free() it) of *n. Returns 0 or a
 * database error.
 */
int fi_store_batch_cuts(struct fi_store *st, const struct fi_store_mark *mark,
			struct fi_store_cut **cuts, size_t *n, struct fi_err *err);

/*
 * Records part `name` of a batch as written without writing its rows (the
 * database refused them for their data, fi_db_data_error): the batch can
 * be finished, and fi_batches shows the part with 0 flows. Returns 0,
 * FI_EEXIST (written before) or a database error.
 */
int fi_store_skip_part(struct fi_store *st, const char *name,
		       const struct fi_store_mark *mark, struct fi_err *err);

/*
 * The elements of a batch refused for the counter cap, as recorded by
 * fi_store_write_totals: a new array *out (free() it) of *n, by position.
 */
int fi_store_refused_get(struct fi_store *st, const struct fi_store_mark *mark,
			 struct fi_store_refused **out, size_t *n, struct fi_err *err);

/*
 * Writes one part of agg and, with a mark, its record, in one transaction.
 * Returns 0; FI_EEXIST when this part of the batch was written before
 * (nothing is changed: the data is in already); FI_EUNAVAIL when the server
 * went away or a deadlock or lock timeout hit (retry later, after
 * reconnecting); FI_EDB otherwise. agg is not changed; stats are added to.
 */
int fi_store_write_part(struct fi_store *st, const struct fi_agg *agg,
			const struct fi_store_part *part,
			const struct fi_store_mark *mark, struct fi_store_stats *stats,
			struct fi_err *err);

/*
 * After every part of a batch is in: records the import time for the API
 * and forgets the consumer's batch records (and refused elements) older
 * than its last 1000 batches.
 */
int fi_store_finish(struct fi_store *st, const struct fi_store_mark *mark,
		    struct fi_err *err);

/*
 * Writes every row of agg (every part, in a fixed table order) and moves the
 * source mark (and its gap ranges), all in ONE transaction: the data and the
 * mark are in together or not at all. Returns 0; FI_EEXIST when the mark is no longer
 * mark->prev (another import moved on; nothing is changed); FI_EUNAVAIL when the server
 * went away or a deadlock or lock timeout hit (retry later, after reconnecting); FI_EDB
 * otherwise. agg is not changed; stats are added to.
 */
int fi_store_write_source(struct fi_store *st, const struct fi_agg *agg,
			  const struct fi_store_source_mark *mark,
			  struct fi_store_stats *stats, struct fi_err *err);

/*
 * Reads the source mark of (source, table) into buf (NUL-terminated) and the
 * rows read up to it; *found is 0 when there is none. Returns 0, FI_ETOOBIG
 * or a database error.
 */
int fi_store_source_mark_get(struct fi_store *st, const char *source, const char *table,
			     char *buf, size_t size, uint64_t *rows, int *found,
			     struct fi_err *err);

/*
 * Reads the gap ranges of (source, table), ordered by lo, into a new array
 * *out (free() it) of *n ranges. Returns 0 or a database error.
 */
int fi_store_source_gaps_get(struct fi_store *st, const char *source, const char *table,
			     struct fi_store_gap **out, size_t *n, struct fi_err *err);

/* The highest batch id written for consumer, or 0. */
int fi_store_last_batch(struct fi_store *st, const char *consumer, uint64_t *last,
			struct fi_err *err);

#endif
