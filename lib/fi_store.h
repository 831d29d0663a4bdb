/*
 * fi_store.h: writing an aggregation cache to the bucket tables: one
 * transaction per write, holding every upsert and the record of what was
 * written (a queue batch id, or how far a database source was read), so a
 * write is either wholly done or not at all.
 */
#ifndef FI_STORE_H
#define FI_STORE_H

#include <stdint.h>

#include "fi_agg.h"
#include "fi_config.h"
#include "fi_db.h"
#include "fi_err.h"

struct fi_store;

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
};

/* What a write records in the same transaction as its data. */
struct fi_store_mark {
	const char *consumer; /* queue consumer name; NULL: no batch */
	uint64_t batch_id;    /* its batch number; a second write of it is refused */
	const struct fi_store_source_mark *source; /* NULL: none (borrowed) */
};

/* Timing figures of the last write. */
struct fi_store_stats {
	uint64_t rows;	     /* rows upserted */
	uint64_t statements; /* statements executed */
	double seconds;	     /* wall-clock time from BEGIN to COMMIT */
};

/*
 * Creates a writer on db (borrowed; the writer must be freed before it).
 * Returns NULL with err set on failure.
 */
struct fi_store *fi_store_new(struct fi_db *db, struct fi_err *err);

/* Frees the writer and its prepared statements. NULL is a no-op. */
void fi_store_free(struct fi_store *st);

/*
 * Writes every row of agg and the mark in one transaction. Returns 0;
 * FI_EEXIST when the batch was written before, or the source mark is no
 * longer mark->source->prev (nothing is changed: the data is in already, or
 * another import moved on); FI_EUNAVAIL when the server went away or a
 * deadlock or lock timeout hit (retry later, after reconnecting); FI_EDB
 * otherwise. agg is not changed.
 */
int fi_store_write(struct fi_store *st, const struct fi_agg *agg,
		   const struct fi_store_mark *mark, struct fi_store_stats *stats,
		   struct fi_err *err);

/* Whether the batch (consumer, batch_id) was written: *done is 1 or 0. */
int fi_store_batch_done(struct fi_store *st, const char *consumer, uint64_t batch_id,
			int *done, struct fi_err *err);

/* The highest batch id written for consumer, or 0. */
int fi_store_last_batch(struct fi_store *st, const char *consumer, uint64_t *last,
			struct fi_err *err);

/*
 * Reads the source mark of (source, table) into buf (NUL-terminated) and the
 * rows read up to it; *found is 0 when there is none. Returns 0, FI_ETOOBIG
 * or a database error.
 */
int fi_store_source_mark_get(struct fi_store *st, const char *source, const char *table,
			     char *buf, size_t size, uint64_t *rows, int *found,
			     struct fi_err *err);

#endif
