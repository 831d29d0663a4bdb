/*
 * fi_dbsrc_run.h: one-shot (cron) and periodic imports of database flow
 * sources: argus rasqlinsert tables and VERMONT IpfixDbWriter tables
 * (SPEC 3.2, 3.3), each row imported exactly once across runs. What
 * flowinspector-importer's --argus-db and --vermont-db call.
 */
#ifndef FI_DBSRC_RUN_H
#define FI_DBSRC_RUN_H

#include "fi_config.h"
#include "fi_dbsrc.h"

/* Exit statuses of a run, besides 0 (everything imported). */
#define FI_DBSRC_FAILED	 1 /* a table or the run failed; the next run resumes */
#define FI_DBSRC_BADROWS 3 /* everything imported but rows that were invalid */

struct fi_dbsrc_opts {
	enum fi_dbsrc_kind kind; /* argus or VERMONT tables */
	const char *table;	 /* --table-name, or NULL: every table that fits */
	unsigned every;		 /* seconds between runs; 0: run once */
	int verbose;		 /* report per table even when not on a terminal */
};

/*
 * Imports the source that cfg's src_* keys name into the bucket tables, once
 * or (opts->every) until SIGTERM/SIGINT. cfg and opts are borrowed. Returns
 * the exit status: 0, FI_DBSRC_FAILED or FI_DBSRC_BADROWS (a stopped
 * periodic run returns 0).
 */
int fi_dbsrc_run(const struct fi_config *cfg, const struct fi_dbsrc_opts *opts);

#endif
