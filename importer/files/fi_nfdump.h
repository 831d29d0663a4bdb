/*
 * fi_nfdump.h: nfcapd/sfcapd files (NetFlow v1/v5/v7/v9, IPFIX, sFlow as
 * nfdump collects them) read through Debian's nfdump, so the project
 * decodes no NetFlow itself: the arguments that make nfdump print each
 * record as one line of fixed fields (numbers unscaled, IPv6 whole, times
 * in UTC), and those lines as flows.
 */
#ifndef FI_NFDUMP_H
#define FI_NFDUMP_H

#include "fi_buf.h"
#include "fi_err.h"
#include "fi_flow.h"

#define FI_NFDUMP_ARGV 10

/*
 * Whether path starts as an nfdump file does (its magic number): nfdump
 * 1.7 reads other files as empty and exits 0. Returns 0, or FI_EIO /
 * FI_EINVAL with err naming the file.
 */
int fi_nfdump_check(const char *path, struct fi_err *err);

/* Whether a line of nfdump's output is a record (not "No matching flows"). */
int fi_nfdump_is_record(struct fi_str line);

/* nfdump's arguments to print path; argv is NULL-ended. */
void fi_nfdump_argv(const char *path, const char *argv[FI_NFDUMP_ARGV]);

/*
 * One line of nfdump's output as a flow (*n = 1). Returns 0 or FI_EINVAL
 * (err says why: a field that does not parse, an end before the start, a
 * flow longer than max_duration).
 */
int fi_nfdump_line(struct fi_str line, int64_t max_duration, struct fi_flow *out,
		   unsigned *n, struct fi_err *err);

#endif
