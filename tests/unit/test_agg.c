/*
 * test_agg.c: the aggregation cache and its hash map: the worked example
 * through all four tables, both ports counted in the port index (the
 * original counted the source port twice), a self-flow, map growth, and
 * the counter cap: sums that would pass FI_COUNTER_MAX are refused whole.
 */
#include <stdlib.h>
#include <string.h>

#include "fi_agg.h"
#include "fi_test.h"

static void
test_tables(void)
{
	uint32_t sizes[] = {600};
	struct fi_agg a;
	struct fi_flow f = {.first = 1000,
			    .last = 2199,
			    .sport = 40000,
			    .dport = 80,
			    .proto = 6,
			    .packets = 10,
			    .bytes = 1000,
			    .flows = FI_FLOW_UNIT};
	const unsigned char **rows;
	struct fi_err err;

	fi_err_clear(&err);
	f.src = fi_addr_from_v4(0x0a000001);
	f.dst = fi_addr_from_v4(0x0a000002);
	fi_agg_init(&a, sizes, 1);
	CHECK_INT(fi_agg_add(&a, &f, &err), 0);
	CHECK_UINT(a.nflows, 1);
	CHECK_INT(a.min_time, 1000);
	CHECK_INT(a.max_time, 2199);
	CHECK_UINT(a.sizes[0].flows.count, 3);
	CHECK_UINT(a.sizes[0].totals.count, 3);
	CHECK_UINT(a.sizes[0].nodes.count, 6);
	CHECK_UINT(a.sizes[0].ports.count, 6);
	CHECK_UINT(fi_agg_rows(&a), 18);

	/* totals in bucket order: 1 / 5 / 4 packets, tcp only */
	rows = fi_map_sorted(&a.sizes[0].totals);
	CHECK(rows != NULL);
	if (rows != NULL) {
		static const uint64_t want[] = {1, 5, 4};
		for (int i = 0; i < 3; i++) {
			const struct fi_agg_total_val *v =
			    (const void *)(rows[i] + sizeof(struct fi_agg_total_key));
			CHECK_UINT(fi_agg_get32(rows[i]), 600 + 600 * (unsigned)i);
			CHECK_UINT(v->c[FI_PC_TCP][FI_AGG_M_PACKETS], want[i]);
			CHECK_UINT(v->c[FI_PC_UDP][FI_AGG_M_PACKETS], 0);
		}
		free(rows);
	}
	/* ports: 40000 only as source, 80 only as destination */
	rows = fi_map_sorted(&a.sizes[0].ports);
	if (rows != NULL) {
		uint64_t src80 = 0, dst80 = 0, src40k = 0, dst40k = 0;
		for (size_t i = 0; i < a.sizes[0].ports.count; i++) {
			const struct fi_agg_index_val *v =
			    (const void *)(rows[i] + sizeof(struct fi_agg_port_key));
			uint16_t port = fi_agg_get16(rows[i] + 4);
			uint64_t s = v->c[FI_AGG_DIR_SRC][FI_PC_TCP][FI_AGG_M_BYTES];
			uint64_t d = v->c[FI_AGG_DIR_DST][FI_PC_TCP][FI_AGG_M_BYTES];
			if (port == 80) {
				src80 += s;
				dst80 += d;
			} else if (port == 40000) {
				src40k += s;
				dst40k += d;
			}
		}
		CHECK_UINT(src80, 0);
		CHECK_UINT(dst80, 1000);
		CHECK_UINT(src40k, 1000);
		CHECK_UINT(dst40k, 0);
		free(rows);
	}
	fi_agg_clear(&a);
	CHECK_UINT(fi_agg_rows(&a), 0);
	CHECK_INT(a.min_time, -1);

	/* a flow to itself counts once as source and once as destination */
	f.dst = f.src;
	f.sport = f.dport = 7;
	f.first = f.last = 0;
	CHECK_INT(fi_agg_add(&a, &f, &err), 0);
	CHECK_UINT(a.sizes[0].nodes.count, 1);
	CHECK_UINT(a.sizes[0].ports.count, 1);
	rows = fi_map_sorted(&a.sizes[0].nodes);
	if (rows != NULL) {
		const struct fi_agg_index_val *v =
		    (const void *)(rows[0] + sizeof(struct fi_agg_node_key));
		CHECK_UINT(v->c[FI_AGG_DIR_SRC][FI_PC_TCP][FI_AGG_M_PACKETS], 10);
		CHECK_UINT(v->c[FI_AGG_DIR_DST][FI_PC_TCP][FI_AGG_M_PACKETS], 10);
		CHECK_UINT(v->c[FI_AGG_DIR_SRC][FI_PC_TCP][FI_AGG_M_FLOWS], FI_FLOW_UNIT);
		free(rows);
	}
	fi_agg_fini(&a);
}

static void
test_map(void)
{
	struct fi_map m;
	const unsigned char **rows;
	uint64_t bad = 0;

	fi_map_init(&m, 8, 8);
	for (uint64_t i = 0; i < 100000; i++) {
		uint8_t key[8];
		uint64_t *v;

		for (int k = 0; k < 8;
		     k++) /* big-endian, so byte order is number order */
			key[k] = (uint8_t)((i * 7919 % 100000) >> (56 - 8 * k));
		v = fi_map_upsert(&m, key);
		if (v == NULL || *v != 0)
			bad++;
		else
			*v = i + 1;
	}
	CHECK_UINT(bad, 0);
	CHECK_UINT(m.count, 100000);
	rows = fi_map_sorted(&m);
	CHECK(rows != NULL);
	for (size_t i = 0; rows != NULL && i < m.count; i++) {
		uint64_t k = 0;
		for (int j = 0; j < 8; j++)
			k = k << 8 | rows[i][j];
		if (k != i)
			bad++;
	}
	CHECK_UINT(bad, 0);
	free(rows);
	fi_map_fini(&m);
	fi_map_fini(NULL);
}

/* The tcp counter m of the totals row of bucket in size index i. */
static uint64_t
total_of(const struct fi_agg *a, unsigned i, uint32_t bucket, unsigned m)
{
	struct fi_agg_total_key k;
	const struct fi_agg_total_val *v;

	memset(&k, 0, sizeof(k));
	k.bucket[0] = (uint8_t)(bucket >> 24);
	k.bucket[1] = (uint8_t)(bucket >> 16);
	k.bucket[2] = (uint8_t)(bucket >> 8);
	k.bucket[3] = (uint8_t)bucket;
	v = fi_map_get(&a->sizes[i].totals, &k);
	return v != NULL ? v->c[FI_PC_TCP][m] : 0;
}

/* Issue 13.2: three 7e18-packet flows in one batch wrapped to 2553255926290448384. */
static void
test_cap_packets(void)
{
	uint32_t sizes[] = {60, 600};
	struct fi_agg a;
	struct fi_flow f = {.first = 120,
			    .last = 120,
			    .proto = 6,
			    .packets = 7000000000000000000ULL,
			    .bytes = 1,
			    .flows = FI_FLOW_UNIT};
	struct fi_err err;
	uint64_t rows;

	f.src = fi_addr_from_v4(1);
	f.dst = fi_addr_from_v4(2);
	fi_agg_init(&a, sizes, 2);
	fi_err_clear(&err);
	CHECK_INT(fi_agg_add(&a, &f, &err), 0);
	rows = fi_agg_rows(&a);
	/* the second is refused whole: a new address must not leave a row */
	f.src = fi_addr_from_v4(3);
	f.sport = 9;
	fi_err_clear(&err);
	CHECK_INT(fi_agg_add(&a, &f, &err), FI_ERANGE);
	CHECK_CONTAINS(err.msg,
		       "tcp packets of bucket 120 (60 s) would pass 9223372036854775807");
	fi_err_clear(&err);
	CHECK_INT(fi_agg_add(&a, &f, &err), FI_ERANGE);
	CHECK_UINT(fi_agg_rows(&a), rows);
	CHECK_UINT(a.nflows, 1);
	CHECK_UINT(total_of(&a, 0, 120, FI_AGG_M_PACKETS), 7000000000000000000ULL);
	CHECK_UINT(total_of(&a, 1, 0, FI_AGG_M_PACKETS), 7000000000000000000ULL);
	/* up to the cap exactly is fine, one more is not; adding 0 always is */
	f.packets = FI_COUNTER_MAX - 7000000000000000000ULL;
	CHECK_INT(fi_agg_add(&a, &f, &err), 0);
	CHECK_UINT(total_of(&a, 0, 120, FI_AGG_M_PACKETS), FI_COUNTER_MAX);
	f.packets = 0;
	CHECK_INT(fi_agg_add(&a, &f, &err), 0);
	f.packets = 1;
	fi_err_clear(&err);
	CHECK_INT(fi_agg_add(&a, &f, &err), FI_ERANGE);
	/* another bucket has room of its own, in the 60 s size, not in 600 s */
	f.first = f.last = 660;
	CHECK_INT(fi_agg_add(&a, &f, &err), 0);
	f.first = f.last = 180;
	fi_err_clear(&err);
	CHECK_INT(fi_agg_add(&a, &f, &err), FI_ERANGE);
	CHECK_CONTAINS(err.msg, "bucket 0 (600 s)");
	CHECK_UINT(total_of(&a, 0, 180, FI_AGG_M_PACKETS), 0);
	fi_agg_fini(&a);
}

/* A flow over several buckets is refused whole when one of its slices does not fit. */
static void
test_cap_slices(void)
{
	uint32_t sizes[] = {60};
	struct fi_agg a;
	struct fi_flow f = {.first = 0,
			    .last = 59,
			    .proto = 6,
			    .bytes = FI_COUNTER_MAX,
			    .flows = FI_FLOW_UNIT};
	struct fi_err err;

	f.src = fi_addr_from_v4(1);
	f.dst = fi_addr_from_v4(2);
	fi_agg_init(&a, sizes, 1);
	fi_err_clear(&err);
	CHECK_INT(fi_agg_add(&a, &f, &err), 0); /* bucket 0 full of bytes */
	f.first = 30;
	f.last = 89; /* half in bucket 0, half in bucket 60 */
	f.bytes = 2;
	fi_err_clear(&err);
	CHECK_INT(fi_agg_add(&a, &f, &err), FI_ERANGE);
	CHECK_CONTAINS(err.msg, "tcp bytes of bucket 0 (60 s)");
	CHECK_UINT(total_of(&a, 0, 60, FI_AGG_M_BYTES), 0);
	CHECK_UINT(a.sizes[0].totals.count, 1);
	CHECK_UINT(a.sizes[0].flows.count, 1);
	/* weights: the sum of flows in billionths has the same cap */
	f.first = f.last = 60;
	f.bytes = 0;
	f.flows = FI_COUNTER_MAX;
	CHECK_INT(fi_agg_add(&a, &f, &err), 0);
	f.flows = 1;
	fi_err_clear(&err);
	CHECK_INT(fi_agg_add(&a, &f, &err), FI_ERANGE);
	CHECK_CONTAINS(
	    err.msg,
	    "tcp flows of bucket 60 (60 s) would pass 9223372036854775807 billionths");
	fi_agg_fini(&a);
}

/* Totals stored already (base) count against the cap as well. */
static void
test_cap_base(void)
{
	uint32_t sizes[] = {60};
	struct fi_agg a, base;
	struct fi_flow f = {
	    .first = 0, .last = 0, .proto = 6, .packets = 10, .flows = FI_FLOW_UNIT};
	struct fi_err err;

	f.src = fi_addr_from_v4(1);
	f.dst = fi_addr_from_v4(2);
	fi_agg_init(&a, sizes, 1);
	fi_agg_init(&base, sizes, 1);
	fi_err_clear(&err);
	f.packets = FI_COUNTER_MAX - 15;
	CHECK_INT(fi_agg_add(&base, &f, &err), 0);
	f.packets = 10;
	CHECK_INT(fi_agg_add(&a, &f, &err), 0);
	CHECK_INT(fi_agg_totals_fit(&a, 0, NULL, &err), 0);
	CHECK_INT(fi_agg_totals_fit(&a, 0, &base, &err), 0);
	CHECK_INT(fi_agg_add(&a, &f, &err), 0); /* 20 in the batch: fits alone */
	CHECK_INT(fi_agg_totals_fit(&a, 0, &base, &err), FI_ERANGE);
	CHECK_CONTAINS(err.msg, "tcp packets of bucket 0 (60 s)");
	fi_agg_clear(&a);
	a.base = &base;
	CHECK_INT(fi_agg_add(&a, &f, &err), 0);
	fi_err_clear(&err);
	CHECK_INT(fi_agg_add(&a, &f, &err), FI_ERANGE);
	f.packets = 5;
	CHECK_INT(fi_agg_add(&a, &f, &err), 0);
	CHECK_INT(fi_agg_totals_fit(&a, 0, &base, &err), 0);
	fi_agg_fini(&a);
	fi_agg_fini(&base);
}

int
main(void)
{
	test_tables();
	test_map();
	test_cap_packets();
	test_cap_slices();
	test_cap_base();
	return fi_test_result("test_agg");
}
