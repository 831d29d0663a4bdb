/*
 * fi_agg.h: the aggregation cache. Flows are sliced into every configured
 * bucket size and summed in memory per table key (SPEC 4: per-key flows,
 * totals, node index, port index), so each database row is written once
 * per flush however many flows touched it.
 */
#ifndef FI_AGG_H
#define FI_AGG_H

#include <stddef.h>
#include <stdint.h>

#include "fi_config.h"
#include "fi_err.h"
#include "fi_flow.h"
#include "fi_log.h"
#include "fi_limits.h"
#include "fi_map.h"
#include "fi_progress.h"

/* Counter layout of node and port rows: [direction][class][metric]. */
enum { FI_AGG_DIR_SRC = 0, FI_AGG_DIR_DST = 1, FI_AGG_DIR_COUNT = 2 };
enum { FI_AGG_M_FLOWS = 0, FI_AGG_M_PACKETS = 1, FI_AGG_M_BYTES = 2, FI_AGG_M_COUNT = 3 };
extern const char *const fi_agg_dir_names[FI_AGG_DIR_COUNT]; /* "src", "dst" */
extern const char
    *const fi_agg_metric_names[FI_AGG_M_COUNT]; /* "flows", "packets", "bytes" */

/* Keys, laid out so that byte order is the tables' primary-key order. */
struct fi_agg_flow_key {
	uint8_t bucket[4]; /* big-endian */
	uint8_t src[16];
	uint8_t dst[16];
	uint8_t sport[2]; /* big-endian */
	uint8_t dport[2];
	uint8_t proto;
	uint8_t pad[7];
};
struct fi_agg_node_key {
	uint8_t bucket[4];
	uint8_t addr[16];
	uint8_t pad[4];
};
struct fi_agg_port_key {
	uint8_t bucket[4];
	uint8_t port[2];
	uint8_t pad[2];
};
struct fi_agg_total_key {
	uint8_t bucket[4];
	uint8_t pad[4];
};

struct fi_agg_flow_val {
	uint64_t c[FI_AGG_M_COUNT]; /* flows in 1/FI_FLOW_UNIT, packets, bytes */
};
struct fi_agg_index_val {
	uint64_t c[FI_AGG_DIR_COUNT][FI_PC_COUNT][FI_AGG_M_COUNT];
};
struct fi_agg_total_val {
	uint64_t c[FI_PC_COUNT][FI_AGG_M_COUNT];
};

/* The four tables of one bucket size. */
struct fi_agg_size {
	uint32_t size;	      /* seconds */
	int detail;	      /* flows and ports are kept (else only nodes, totals) */
	struct fi_map flows;  /* fi_agg_flow_key -> fi_agg_flow_val */
	struct fi_map nodes;  /* fi_agg_node_key -> fi_agg_index_val */
	struct fi_map ports;  /* fi_agg_port_key -> fi_agg_index_val */
	struct fi_map totals; /* fi_agg_total_key -> fi_agg_total_val */
};

struct fi_agg {
	unsigned nsizes;
	struct fi_agg_size sizes[FI_BUCKET_SIZES_MAX];
	uint64_t nflows;  /* flows added since the last clear */
	int64_t min_time; /* earliest first second added, or -1 */
	int64_t max_time; /* latest last second added, or -1 */
	/*
	 * Totals already stored for the buckets of this batch (borrowed, same
	 * sizes; NULL: none): fi_agg_add keeps stored + cached under the cap.
	 */
	const struct fi_agg *base;
};

/* Sets up an empty cache for the given bucket sizes (seconds, > 0). */
void fi_agg_init(struct fi_agg *a, const uint32_t *sizes, unsigned nsizes);

/*
 * Keeps only nodes and totals for size index i (detail 0): its per-key rows
 * and ports are summed from a finer size when read (fi_config_detail_source).
 * Every size keeps all four tables after fi_agg_init.
 */
void fi_agg_set_detail(struct fi_agg *a, unsigned i, int detail);

/* Frees everything. NULL is a no-op. */
void fi_agg_fini(struct fi_agg *a);

/* Empties the cache (after a successful write); small tables keep their memory. */
void fi_agg_clear(struct fi_agg *a);

/*
 * Adds one flow (0 <= first <= last <= FI_TIME_MAX), unless a counter of a
 * row would pass FI_COUNTER_MAX: that is checked first, on the totals rows
 * only (plus a->base's), since every row of a bucket sums a subset of the
 * slices its totals row sums, counter by counter. Returns 0; FI_ERANGE
 * with err saying which counter (nothing of the flow was added); or
 * FI_ENOMEM (then the cache holds part of the flow: the caller must not
 * write it, but clear it and rebuild from the source).
 */
int fi_agg_add(struct fi_agg *a, const struct fi_flow *f, struct fi_err *err);

/*
 * Whether every totals row of size index i of a, plus the same row of base
 * (may be NULL), stays within FI_COUNTER_MAX where a adds to it. Returns 0,
 * FI_ERANGE with err naming the first row and counter that does not, or
 * FI_ENOMEM.
 */
int fi_agg_totals_fit(const struct fi_agg *a, unsigned i, const struct fi_agg *base,
		      struct fi_err *err);

/* Bytes of memory the cache holds. */
size_t fi_agg_bytes(const struct fi_agg *a);

/* Rows a write of the cache produces. */
uint64_t fi_agg_rows(const struct fi_agg *a);

/*
 * Warns (rate-limited by rl) for each bucket size of cfg whose retention
 * deletes some of the cached flows at its next run: an import of old flows
 * rarely wants that, and retention_days = 0 keeps them. `kept` ends the
 * advice ("old captures"); bar, when not NULL, is cleared before a warning.
 */
void fi_agg_retention_warning(const struct fi_agg *a, const struct fi_config *cfg,
			      struct fi_ratelimit *rl, const char *kept,
			      struct fi_progress *bar);

/* Big-endian helpers for keys. */
uint32_t fi_agg_get32(const uint8_t b[4]);
uint16_t fi_agg_get16(const uint8_t b[2]);

#endif
