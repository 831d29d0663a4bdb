/*
 * fi_zeek.h: Zeek conn.log records as flows (README.md, "Zeek conn.log"):
 * the ASCII writer's TSV, driven by its #separator, #unset_field,
 * #empty_field and #fields header (never by column position), and JSON
 * lines (LogAscii::use_json) with epoch or ISO 8601 ts. A connection gives
 * an orig -> resp flow, and a resp -> orig flow when it has resp packets.
 */
#ifndef FI_ZEEK_H
#define FI_ZEEK_H

#include "fi_buf.h"
#include "fi_err.h"
#include "fi_flow.h"

/* The conn.log fields a flow is made of. */
enum fi_zeek_field {
	FI_ZF_TS,
	FI_ZF_ORIG_H,
	FI_ZF_ORIG_P,
	FI_ZF_RESP_H,
	FI_ZF_RESP_P,
	FI_ZF_PROTO,
	FI_ZF_ORIG_PKTS,
	FI_ZF_ORIG_IP_BYTES,
	FI_ZF_RESP_PKTS,
	FI_ZF_RESP_IP_BYTES,
	FI_ZF_DURATION, /* optional from here on */
	FI_ZF_IP_PROTO,
	FI_ZF_N,
};
#define FI_ZF_REQUIRED FI_ZF_DURATION /* fields before it must be in #fields */

/* The state of one log: its TSV header so far. */
struct fi_zeek {
	char sep[8], unset[32], empty[32]; /* #separator, #unset_field, #empty_field */
	int col[FI_ZF_N];		   /* #fields index of each field, -1 if absent */
	unsigned nfields;		   /* 0: no #fields line yet */
	int64_t max_duration;		   /* max_flow_duration */
};

/* A new log's state (tab, "-", "(empty)" until its header says otherwise). */
void fi_zeek_init(struct fi_zeek *z, int64_t max_duration);

/*
 * One line of a log (without its newline): a '#' directive, a TSV record
 * or a JSON object. Sets out[0..*n-1] (0 for a directive, 1 or 2 flows).
 * Returns 0; FI_EINVAL for a bad record (err says why; the log goes on);
 * FI_ECONFIG for a #fields line without a field a flow needs (the log
 * cannot be read).
 */
int fi_zeek_line(struct fi_zeek *z, struct fi_str line, struct fi_flow out[2],
		 unsigned *n, struct fi_err *err);

#endif
