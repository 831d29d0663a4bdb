/*
 * fi_msg.h: queue elements in VERMONT's JSON format (SPEC 3.1), decoded
 * into flow records with a reason for every rejection, and encoded from them
 * (for the probe). The only user of jansson on the importer side.
 */
#ifndef FI_MSG_H
#define FI_MSG_H

#include <stddef.h>

#include "fi_buf.h"
#include "fi_err.h"
#include "fi_flow.h"

/* Limits a decoded flow must respect; from the config. */
struct fi_msg_limits {
	int64_t max_duration; /* seconds; longer flows are rejected */
};

/* Whether the element is the literal END marker. */
int fi_msg_is_end(const char *p, size_t n);

/*
 * Decodes one element (n bytes at p, not necessarily NUL-terminated) into
 * *out. Keys are matched case-insensitively, VERMONT's legacy names are
 * accepted, unknown keys are ignored. Returns 0, or FI_EINVAL / FI_ETOOBIG
 * with err->msg giving the reason (for the dead-letter list).
 */
int fi_msg_decode(const char *p, size_t n, const struct fi_msg_limits *lim,
		  struct fi_flow *out, struct fi_err *err);

/*
 * Appends the flow as one VERMONT JSON element (IPv4 as integers under the
 * IPv4 keys, IPv6 as text under the IPv6 keys, times in seconds). Returns 0
 * or FI_ETOOBIG.
 */
int fi_msg_encode(const struct fi_flow *f, struct fi_buf *out);

/*
 * Appends a dead-letter record {"reason": ..., "element": ...} for the
 * rejected element. Returns 0 or FI_ETOOBIG.
 */
int fi_msg_dead_letter(const char *p, size_t n, const char *reason, struct fi_buf *out);

#endif
