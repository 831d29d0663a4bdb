/*
 * fi_argusfile.h: argus record files read through Debian's `ra`
 * (argus-client): the arguments that make ra print each record as one
 * line of the fields a rasqlinsert table holds, and those lines as flows
 * with the database source's argus mapping (fi_dbsrc_decode), so a file and
 * a table of the same records give the same flows.
 */
#ifndef FI_ARGUSFILE_H
#define FI_ARGUSFILE_H

#include "fi_dbsrc.h"

#define FI_ARGUSFILE_FIELDS 11 /* stime dur proto saddr sport daddr dport spkts ... */
#define FI_ARGUSFILE_ARGV   (13 + FI_ARGUSFILE_FIELDS + 1)

struct fi_argusfile {
	struct fi_dbsrc_layout layout;
	unsigned field[FI_SR_COUNT]; /* layout column k is ra's field field[k] */
	struct fi_dbsrc_limits lim;
};

/* Sets up the mapping. Returns 0 (or the error of fi_dbsrc_layout_init). */
int fi_argusfile_init(struct fi_argusfile *a, int64_t max_duration, struct fi_err *err);

/* ra's arguments to print path ("-": standard input); argv is NULL-ended. */
void fi_argusfile_argv(const char *path, const char *argv[FI_ARGUSFILE_ARGV]);

/* Whether a line of ra's output is a record (not its label line). */
int fi_argusfile_is_record(struct fi_str line);

/*
 * One line of ra's output as flows (0 for the label line and for records
 * that are no IP flow: man, arp). Returns 0 or FI_EINVAL (err says why).
 */
int fi_argusfile_line(const struct fi_argusfile *a, struct fi_str line,
		      struct fi_flow out[2], unsigned *n, struct fi_err *err);

#endif
