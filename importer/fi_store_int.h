/*
 * fi_store_int.h: what the write path's two files share (fi_store.c, the
 * bucket tables and a batch's records; fi_store_source.c, the database
 * sources' marks). Not for other modules: they use fi_store.h.
 */
#ifndef FI_STORE_INT_H
#define FI_STORE_INT_H

#include "fi_agg.h"
#include "fi_db.h"
#include "fi_err.h"
#include "fi_store.h"

/* The writer's connection. */
struct fi_db *fi_store_db(struct fi_store *st);

/* Adds n statements run to the current write's counters. */
void fi_store_counted(struct fi_store *st, uint64_t n);

/* Starts a write: clears its statement counters, opens its transaction. */
int fi_store_begin(struct fi_store *st, struct fi_err *err);

/*
 * Ends a write that went as rc says: commits it, or rolls it back, and
 * adds its counters (since t0) to stats when not NULL. Returns the outcome.
 */
int fi_store_end(struct fi_store *st, int rc, double t0, struct fi_store_stats *stats,
		 struct fi_err *err);

/*
 * Inside a write: upserts every table of agg in one fixed order, with the
 * roll-up marks, and records the import time. Returns 0 or an error.
 */
int fi_store_all_tables(struct fi_store *st, const struct fi_agg *agg,
			struct fi_err *err);

#endif
