/*
 * fi_files.h: imports of flow files (SPEC 3.5; README.md, "File sources"),
 * each file exactly once across runs: what flowinspector-importer's --zeek
 * --argus-file and --nfcapd call. A file is known by its content, not its name or
 * inode: its identity is the digest of its text (a Zeek log's own, an argus
 * or nfcapd file's as ra or nfdump prints it) up to the end of its first record, so
 * a log that grows, is renamed, rotated or compressed keeps its mark. The
 * mark (fi_source_marks, written in the transaction of the flows it
 * covers) holds the offset after the last record imported and the digest
 * of every byte before it; a file that no longer starts with those bytes
 * is an error, never imported again.
 */
#ifndef FI_FILES_H
#define FI_FILES_H

#include "fi_config.h"

/* Exit statuses of a run, besides 0 (everything imported). */
#define FI_FILES_FAILED	 1 /* a file or the run failed; the next run resumes */
#define FI_FILES_BADRECS 3 /* everything imported but records that were invalid */

enum fi_files_kind {
	FI_FILES_ZEEK,	 /* Zeek conn.log, TSV or JSON lines, plain or .gz */
	FI_FILES_ARGUS,	 /* argus record files, read through ra */
	FI_FILES_NFCAPD, /* nfcapd/sfcapd files, read through nfdump */
};

struct fi_files_opts {
	enum fi_files_kind kind;
	char *const *paths; /* files, directories, or "-" (standard input) */
	unsigned npaths;
	unsigned every; /* seconds between runs; 0: run once */
	int follow;	/* --follow: keep growing plain files open between runs */
	int verbose;	/* a summary per file even when not on a terminal */
};

/*
 * Imports the files (a directory: the files of the kind in it, by name)
 * into the bucket tables of cfg, once or every opts->every seconds until
 * SIGTERM/SIGINT. Returns the exit status: 0, FI_FILES_FAILED or
 * FI_FILES_BADRECS (a stopped periodic run returns 0).
 */
int fi_files_run(const struct fi_config *cfg, const struct fi_files_opts *opts);

#endif
