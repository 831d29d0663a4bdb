/*
 * fi_flow.h: the flow record and its slicing into time buckets (SPEC 2, 4).
 * Counters are integers; `flows` is kept in units of 1/FI_FLOW_UNIT so that
 * the slices of one flow add up to its weight exactly, like packets and bytes.
 */
#ifndef FI_FLOW_H
#define FI_FLOW_H

#include <stdint.h>

#include "fi_addr.h"
#include "fi_limits.h"

/* flows are counted in units of 1e-9 so that slices add up exactly */
#define FI_FLOW_UNIT 1000000000LL

enum fi_proto_class {
	FI_PC_TCP = 0,
	FI_PC_UDP = 1,
	FI_PC_ICMP = 2,
	FI_PC_OTHER = 3,
	FI_PC_COUNT = 4,
};

/* Names of the classes as used in counters and the API: "tcp", ... */
extern const char *const fi_proto_class_names[FI_PC_COUNT];

struct fi_flow {
	int64_t first;	    /* first second, UNIX time, inclusive */
	int64_t last;	    /* last second, inclusive, >= first */
	struct fi_addr src; /* source address */
	struct fi_addr dst; /* destination address */
	uint16_t sport;	    /* source port, 0 where the protocol has none */
	uint16_t dport;	    /* destination port */
	uint8_t proto;	    /* IP protocol number */
	uint64_t packets;   /* packet count */
	uint64_t bytes;	    /* byte count */
	uint64_t flows;	    /* weight in 1/FI_FLOW_UNIT, normally FI_FLOW_UNIT */
};

/* The class of an IP protocol number: 6 tcp, 17 udp, 1 and 58 icmp, else other. */
enum fi_proto_class fi_proto_class(uint8_t proto);

/* One bucket's share of a flow. */
struct fi_flow_slice {
	int64_t bucket;	  /* bucket start, a multiple of the size */
	uint64_t packets; /* share of packets */
	uint64_t bytes;	  /* share of bytes */
	uint64_t flows;	  /* share of the weight, 1/FI_FLOW_UNIT */
};

/* Iterator over the slices of one flow for one bucket size. */
struct fi_flow_slicer {
	const struct fi_flow *flow; /* borrowed */
	int64_t size;		    /* bucket size in seconds */
	int64_t bucket;		    /* next bucket to produce */
	uint64_t done_packets;	    /* sums handed out so far */
	uint64_t done_bytes;
	uint64_t done_flows;
};

/*
 * Starts slicing flow (which must satisfy 0 <= first <= last) into buckets of
 * size seconds (> 0). The flow is borrowed and must outlive the iterator.
 */
void fi_flow_slicer_init(struct fi_flow_slicer *it, const struct fi_flow *flow,
			 int64_t size);

/*
 * Produces the next slice; returns 1, or 0 when every bucket the flow touches
 * has been produced. Each counter is split in proportion to the seconds of
 * the flow inside the bucket, rounding down and carrying the remainder, and
 * the last slice takes the rest, so the slices sum to the flow exactly.
 */
int fi_flow_slicer_next(struct fi_flow_slicer *it, struct fi_flow_slice *out);

/* Number of buckets of the given size that [first, last] touches. */
int64_t fi_flow_nslices(const struct fi_flow *flow, int64_t size);

#endif
