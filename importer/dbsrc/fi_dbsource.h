/*
 * fi_dbsource.h: one-shot (cron) and periodic imports of database flow
 * sources: argus rasqlinsert tables and VERMONT IpfixDbWriter tables
 * (SPEC 3.2, 3.3), each row imported exactly once across runs.
 */
#ifndef FI_DBSOURCE_H
#define FI_DBSOURCE_H

#include "fi_config.h"
#include "fi_dbsrc.h"

/* Exit statuses of a run, besides 0 (everything imported). */
#define FI_DBSOURCE_FAILED  1 /* a table or the run failed; the next run resumes */
#define FI_DBSOURCE_BADROWS 3 /* everything imported but rows that were invalid */

struct fi_dbsource_opts {
	enum fi_dbsrc_kind kind; /* argus or VERMONT tables */
	const char *table;	 /* --table-name, or NULL: every table that fits */
	unsigned every;		 /* seconds between runs; 0: run once */
	int verbose;		 /* report per table even when not on a terminal */
};

/*
 * Imports the source that cfg's src_* keys name into the bucket tables, once
 * or (opts->every) until SIGTERM/SIGINT. cfg and opts are borrowed. Returns
 * the exit status: 0, FI_DBSOURCE_FAILED or FI_DBSOURCE_BADROWS (a stopped
 * periodic run returns 0).
 */
int fi_dbsource_run(const struct fi_config *cfg, const struct fi_dbsource_opts *opts);

#endif
