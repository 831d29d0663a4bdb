/*
 * fi_meter.h: the probe's flow meter (SPEC 3.4). Decoded packets are counted
 * to unidirectional flows keyed by addresses, ports and protocol; a flow is
 * handed to the export callback after an inactive timeout, an active timeout,
 * a TCP FIN/RST, when the table is full (the least recently active goes), or
 * at a flush. Time is what the caller says (packet timestamps), never the clock.
 */
#ifndef FI_METER_H
#define FI_METER_H

#include <stddef.h>
#include <stdint.h>

#include "fi_flow.h"
#include "fi_pkt.h"

/* Why a flow was exported (for statistics). */
enum fi_meter_reason {
	FI_METER_INACTIVE = 0, /* no packet for the inactive timeout */
	FI_METER_ACTIVE,       /* lasted the active timeout */
	FI_METER_TCP_END,      /* FIN or RST seen, and the end timeout passed */
	FI_METER_EVICTED,      /* the table was full */
	FI_METER_FLUSH,	       /* fi_meter_flush (end of input) */
	FI_METER_NREASONS,
};

/* Names of the reasons: "inactive", "active", "tcp-end", "evicted", "flush". */
extern const char *const fi_meter_reason_names[FI_METER_NREASONS];

struct fi_meter_config {
	uint32_t inactive_timeout; /* seconds without a packet that end a flow, >= 1 */
	uint32_t active_timeout;   /* seconds after its first packet a flow ends, >= 1 */
	uint32_t tcp_end_timeout;  /* seconds after the first FIN/RST, 0 = at once */
	uint32_t max_flows;	   /* table capacity, >= 1 */
	int icmp_typecode;	   /* ICMP type*256+code as destination port, else 0 */
};

/*
 * Receives each finished flow (borrowed: copy what you keep). A non-zero
 * return is passed back by the meter call that exported the flow; the flow
 * counts as exported either way.
 */
typedef int (*fi_meter_export_fn)(void *ctx, const struct fi_flow *flow,
				  enum fi_meter_reason why);

struct fi_meter_stats {
	uint64_t packets;		      /* packets counted to flows */
	uint64_t bytes;			      /* their IP-level bytes */
	uint64_t flows_active;		      /* flows in the table now */
	uint64_t exported[FI_METER_NREASONS]; /* flows exported, by reason */
	uint64_t frag_matched;		      /* later fragments given their ports */
	uint64_t frag_unmatched;	      /* later fragments counted without ports */
};

struct fi_meter;

/*
 * Creates a meter; cfg is copied, ctx is borrowed and passed to export.
 * Reserves about 130 bytes per flow of max_flows (memory is touched only as
 * flows come). Returns NULL when out of memory or the config is out of range.
 */
struct fi_meter *fi_meter_new(const struct fi_meter_config *cfg,
			      fi_meter_export_fn export, void *ctx);

/* Frees the meter without exporting anything. NULL is a no-op. */
void fi_meter_free(struct fi_meter *m);

/*
 * Counts one packet seen at ts_us (microseconds since the epoch). Time is
 * first advanced to ts_us (see fi_meter_advance); a packet older than the
 * meter's time is counted at its own time without moving the clock back.
 * Returns 0, or the first non-zero value export returned.
 */
int fi_meter_packet(struct fi_meter *m, const struct fi_pkt *pkt, int64_t ts_us);

/*
 * Moves the meter's time forward to now_us (never back) and exports every
 * flow whose timeout has passed. Returns 0 or export's first non-zero value.
 */
int fi_meter_advance(struct fi_meter *m, int64_t now_us);

/* Exports every flow, oldest activity first. Returns 0 or export's value. */
int fi_meter_flush(struct fi_meter *m);

/* Copies the counters. */
void fi_meter_get_stats(const struct fi_meter *m, struct fi_meter_stats *st);

#endif
