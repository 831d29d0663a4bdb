/*
 * fi_rollup.h: the roll-up, which fills the tables the importer does not
 * write (pairs_S of every size, ports_S of a size that is not a detail
 * size) from finer rows, bucket by bucket, off the import path. It runs as
 * `flowinspector-importer --rollup`, which the importer daemon starts as its
 * child (rollup_workers) and starts again when it dies.
 */
#ifndef FI_ROLLUP_H
#define FI_ROLLUP_H

#include <stddef.h>
#include <stdint.h>

#include "fi_config.h"
#include "fi_db.h"
#include "fi_err.h"

/*
 * Marks for the roll-up the buckets of every size (sizes[0..nsizes),
 * ascending) that flow, port or node rows of size index i in buckets[0..n)
 * fall in: sizes[i] and each multiple of it. Runs on db inside the transaction
 * that wrote the rows. Returns 0 or a negative code.
 */
int fi_rollup_mark(struct fi_db *db, const uint32_t *sizes, unsigned nsizes, unsigned i,
		   const uint32_t *buckets, size_t n, struct fi_err *err);

/*
 * Rolls up marked buckets until SIGTERM/SIGINT; with once, until none that
 * may be rolled up now is left. Returns the exit status.
 */
int fi_rollup_run(const struct fi_config *cfg, int once);

/*
 * The daemon's roll-up child: started with the same config file (path, or
 * NULL for the default the program found); checked (restarted when it has
 * died, at most every few seconds) and stopped by the importer's loop.
 */
void fi_rollup_child_start(const char *config_path);
void fi_rollup_child_check(void);
void fi_rollup_child_stop(void);

#endif
