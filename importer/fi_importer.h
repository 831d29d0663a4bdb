/*
 * fi_importer.h: the queue importer daemon: takes batches from the redis
 * queue, decodes and aggregates them, writes them exactly once, recovers
 * unfinished batches at start, and reports statistics.
 */
#ifndef FI_IMPORTER_H
#define FI_IMPORTER_H

#include "fi_config.h"

struct fi_importer_opts {
	int once;	    /* drain the queue, flush, exit */
	int exit_on_end;    /* exit after the flush an END element asks for */
	void (*tick)(void); /* called every round of the loop, or NULL */
};

/*
 * Runs until SIGTERM/SIGINT (or as the options say) with cfg (borrowed;
 * reloaded in place on SIGHUP from config_path). Returns the exit status.
 */
int fi_importer_run(struct fi_config *cfg, const char *config_path,
		    const struct fi_importer_opts *opts);

#endif
