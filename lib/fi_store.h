/*
 * fi_store.h: writing an aggregation cache to the bucket tables: one
 * transaction per write, holding every upsert and the record of what was
 * written (a queue batch id), so a write is either wholly done or not at all.
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
	uint64_t batch_id;    /* its batch number; a second write of it is refused */
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
 * FI_EEXIST when the mark was written before (nothing is changed: the data
 * is in already); FI_EUNAVAIL when the server went away or a deadlock or
 * lock timeout hit (retry later, after reconnecting); FI_EDB otherwise. agg
 * is not changed.
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

#endif
