/*
 * fi_dbsrc.h: rows of database flow sources (SPEC 3.2 argus rasqlinsert
 * tables, 3.3 VERMONT IpfixDbWriter tables) turned into flow records, and
 * the bookkeeping of incremental imports (marks, row digests, daily table
 * names), for fi_dbsrc.c and fi_dbsrc_mark.c. No database access here:
 * the import (fi_dbsrc_run.h) reads the rows, these functions type,
 * validate and convert them, so all of them are unit-tested.
 */
#ifndef FI_DBSRC_H
#define FI_DBSRC_H

#include <stddef.h>
#include <stdint.h>

#include "fi_buf.h"
#include "fi_db.h"
#include "fi_digest.h"
#include "fi_err.h"
#include "fi_flow.h"
#include "fi_limits.h"

enum fi_dbsrc_kind {
	FI_DBSRC_ARGUS,	  /* rasqlinsert tables */
	FI_DBSRC_VERMONT, /* IpfixDbWriter tables */
};

/* What a source column means; a table maps some of these to its columns. */
enum fi_dbsrc_role {
	FI_SR_SADDR,	 /* source address */
	FI_SR_DADDR,	 /* destination address */
	FI_SR_SPORT,	 /* source port (optional: 0) */
	FI_SR_DPORT,	 /* destination port (optional: 0) */
	FI_SR_PROTO,	 /* protocol name or number */
	FI_SR_PKTS,	 /* forward packets */
	FI_SR_BYTES,	 /* forward bytes */
	FI_SR_REV_PKTS,	 /* reverse packets (optional: no reverse flow) */
	FI_SR_REV_BYTES, /* reverse bytes */
	FI_SR_STIME,	 /* argus: start, UNIX seconds with fraction */
	FI_SR_DUR,	 /* argus: duration in seconds */
	FI_SR_LTIME,	 /* argus: last time, used when there is no dur */
	FI_SR_START_S,	 /* VERMONT: flowStartSeconds */
	FI_SR_END_S,	 /* VERMONT: flowEndSeconds */
	FI_SR_START_MS,	 /* VERMONT: flowStartMilliseconds, legacy firstSwitched */
	FI_SR_END_MS,	 /* VERMONT: flowEndMilliseconds, legacy lastSwitched */
	FI_SR_COUNT,
};

/* The columns of one source table that an import reads, in SELECT order. */
struct fi_dbsrc_layout {
	enum fi_dbsrc_kind kind;
	int col[FI_SR_COUNT];		       /* role -> index into names, or -1 */
	char names[FI_SR_COUNT][FI_IDENT_MAX]; /* column names as the table spells them */
	unsigned n;			       /* columns to read */
};

/* Row checks that come from the config. */
struct fi_dbsrc_limits {
	int64_t max_duration; /* seconds a flow may last (max_flow_duration) */
};

/* Name of a source kind: "argus" or "vermont". */
const char *fi_dbsrc_kind_name(enum fi_dbsrc_kind kind);

/*
 * Picks the columns to read from a table's columns (names[0..n-1], any
 * case, as information_schema lists them). Returns 0; FI_ENOTFOUND when a
 * needed column is missing (err->msg names it: the table is not a source
 * of this kind); FI_ETOOBIG for a name longer than FI_IDENT_MAX - 1.
 */
int fi_dbsrc_layout_init(struct fi_dbsrc_layout *l, enum fi_dbsrc_kind kind,
			 const char *const *names, unsigned n, struct fi_err *err);

/*
 * Converts one row (vals[0..l->n-1] in layout order, borrowed) into up to
 * two flows: the forward flow and, when the reverse packet count is > 0,
 * the reverse flow (addresses and ports swapped, same times). Returns 0
 * with *nout = 1 or 2; 0 with *nout = 0 for a row that is not an IP flow
 * (argus `arp`, `rarp` and `man` records); FI_EINVAL with err->msg saying
 * why for a bad row (bad address, port, protocol or time, NULL or negative
 * counters, negative or overlong duration).
 */
int fi_dbsrc_decode(const struct fi_dbsrc_layout *l, const struct fi_val *vals,
		    const struct fi_dbsrc_limits *lim, struct fi_flow out[2],
		    unsigned *nout, struct fi_err *err);

/*
 * A column value as a signed integer: an integer, or decimal text. Returns
 * 0, FI_ERANGE or FI_EINVAL.
 */
int fi_dbsrc_val_i64(const struct fi_val *v, int64_t *out);

/*
 * Adds one row of n values (types and bytes, NULLs distinct from "") to a
 * digest of a sequence of rows (fi_digest.h): the same rows with the same
 * values in the same order give the same digest. An import keeps the digest
 * of the rows it has read so far, so the next run can check that the table
 * still starts with exactly those rows before it reads further.
 */
void fi_dbsrc_digest_row(struct fi_digest *d, const struct fi_val *vals, unsigned n);

/* How an import follows a table (the first word of its mark). */
enum fi_dbsrc_mark_mode {
	FI_DBSRC_MARK_KEY,  /* rows with an AUTO_INCREMENT key above the mark are new */
	FI_DBSRC_MARK_SCAN, /* the first `rows` rows (digest checked) were imported */
	FI_DBSRC_MARK_SNAP_RUN, /* a snapshot import read the first `rows` rows so far */
	FI_DBSRC_MARK_SNAP,	/* the table was imported whole, as a snapshot; done */
	FI_DBSRC_MARK_CTID,	/* PostgreSQL: the `rows` rows up to a ctid were read */
};

/* The high-water mark of one source table (fi_source_marks.mark). */
struct fi_dbsrc_mark {
	enum fi_dbsrc_mark_mode mode;
	uint64_t rows;		   /* source rows read (imported or skipped) */
	struct fi_digest digest;   /* of those rows, in scan order (not KEY) */
	int64_t key;		   /* KEY: highest key value read */
	char column[FI_IDENT_MAX]; /* KEY: the key column */
	uint32_t page;		   /* CTID: the ctid of the last row read, */
	uint32_t item;		   /*   (page, item) */
	uint32_t filenode;	   /* CTID: the table's relfilenode then */
};

/* Name of a mode as used in marks and messages: "key", "scan", ... */
const char *fi_dbsrc_mark_mode_name(enum fi_dbsrc_mark_mode mode);

/*
 * Writes a mark as text ("scan 496 <32 hex digits>", "key 17 1234 id",
 * "ctid 496 12 40 16384", ...) into buf. Returns 0 or FI_ETOOBIG.
 */
int fi_dbsrc_mark_format(const struct fi_dbsrc_mark *m, char *buf, size_t size);

/* Parses a mark written by fi_dbsrc_mark_format. Returns 0 or FI_EINVAL. */
int fi_dbsrc_mark_parse(const char *text, size_t n, struct fi_dbsrc_mark *m);

/*
 * Parses a PostgreSQL row place (ctid) as PostgreSQL prints it: "(PAGE,ITEM)".
 * Returns 0 or FI_EINVAL.
 */
int fi_dbsrc_ctid_parse(const char *s, size_t n, uint32_t *page, uint32_t *item);

/*
 * The UTC day a daily table's name gives: argus `-M time 1d` names holding
 * YYYY_MM_DD (or YYYYMMDD), VERMONT names f_YYMMDD_HHMMSS. Returns 0 and the
 * UNIX time of the day's start, or FI_ENOTFOUND when the name holds no date.
 */
int fi_dbsrc_table_day(enum fi_dbsrc_kind kind, const char *name, int64_t *day_start);

/* Appends `name` quoted as an SQL identifier (backticks doubled). */
int fi_dbsrc_quote(struct fi_buf *b, const char *name);

#endif
