/*
 * test_flow.c: the bucket slicer (SPEC 4): the worked example, edge cases,
 * and a randomized property test over 100,000 flows and every default size:
 * totals exact, each slice within one unit of its exact proportion, the
 * flow fractions summing to the weight, no slice outside [first, last];
 * and that slices telescope: where one size divides another, the fine
 * slices inside a coarse bucket add up to its coarse slice exactly (the
 * responder sums coarse sizes from the finest stored one, flow_detail_sizes).
 */
#include <stdlib.h>

#include "fi_flow.h"
#include "fi_test.h"

#define PROPERTY_FLOWS 100000

static const int64_t default_sizes[] = {60, 600, 3600, 86400};

/* xorshift64*: a small deterministic generator so failures can be replayed. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void
test_worked_example(void)
{
	struct fi_flow f = {.first = 1000,
			    .last = 2199,
			    .packets = 10,
			    .bytes = 1000,
			    .flows = FI_FLOW_UNIT};
	struct fi_flow_slicer it;
	struct fi_flow_slice s;
	static const int64_t want_bucket[] = {600, 1200, 1800};
	static const uint64_t want_packets[] = {1, 5, 4};
	static const uint64_t want_bytes[] = {166, 500, 334};
	/* 1/6, 1/2, 1/3 in billionths, rounded down and carried */
	static const uint64_t want_flows[] = {166666667, 500000000, 333333333};
	int n = 0;

	fi_flow_slicer_init(&it, &f, 600);
	while (fi_flow_slicer_next(&it, &s)) {
		if (n >= 3) {
			n++;
			break;
		}
		CHECK_INT(s.bucket, want_bucket[n]);
		CHECK_UINT(s.packets, want_packets[n]);
		CHECK_UINT(s.bytes, want_bytes[n]);
		CHECK_UINT(s.flows, want_flows[n]);
		n++;
	}
	CHECK_INT(n, 3);
	CHECK_INT(fi_flow_nslices(&f, 600), 3);
}

/* Slices of f for size into out[] by bucket index from first's bucket. */
static unsigned
slice_all(const struct fi_flow *f, int64_t size, struct fi_flow_slice *out, unsigned max)
{
	struct fi_flow_slicer it;
	unsigned n = 0;

	fi_flow_slicer_init(&it, f, size);
	while (n < max && fi_flow_slicer_next(&it, &out[n]))
		n++;
	return n;
}

static void
test_edges(void)
{
	struct fi_flow f = {
	    .first = 0, .last = 0, .packets = 7, .bytes = 70, .flows = FI_FLOW_UNIT};
	struct fi_flow_slicer it;
	struct fi_flow_slice s, sl[3];

	/* a one-second flow at time 0 is one slice holding everything */
	CHECK_UINT(slice_all(&f, 60, sl, 3), 1);
	CHECK_INT(sl[0].bucket, 0);
	CHECK_UINT(sl[0].packets, 7);
	CHECK_UINT(sl[0].flows, FI_FLOW_UNIT);

	/* a flow ending exactly on a bucket's last second stays in it */
	f.first = 60;
	f.last = 119;
	CHECK_UINT(slice_all(&f, 60, sl, 3), 1);
	CHECK_INT(sl[0].bucket, 60);
	CHECK_UINT(sl[0].bytes, 70);

	/* one more second spills one sixty-first into the next bucket */
	f.last = 120;
	f.packets = 61;
	CHECK_UINT(slice_all(&f, 60, sl, 3), 2);
	CHECK_UINT(sl[0].packets, 60);
	CHECK_INT(sl[1].bucket, 120);
	CHECK_UINT(sl[1].packets, 1);

	/* the largest counters do not overflow the proportion */
	f.first = 0;
	f.last = FI_TIME_MAX;
	f.packets = UINT64_MAX;
	f.bytes = UINT64_MAX;
	fi_flow_slicer_init(&it, &f, 31622400);
	{
		uint64_t sum = 0, n = 0;
		while (fi_flow_slicer_next(&it, &s)) {
			sum += s.packets;
			n++;
		}
		CHECK_UINT(sum, UINT64_MAX);
		CHECK_UINT(n, (uint64_t)fi_flow_nslices(&f, 31622400));
	}

	CHECK_INT(fi_proto_class(6), FI_PC_TCP);
	CHECK_INT(fi_proto_class(17), FI_PC_UDP);
	CHECK_INT(fi_proto_class(1), FI_PC_ICMP);
	CHECK_INT(fi_proto_class(58), FI_PC_ICMP);
	CHECK_INT(fi_proto_class(0), FI_PC_OTHER);
	CHECK_INT(fi_proto_class(50), FI_PC_OTHER);
}

/* Whether got is within one unit of total * part / whole. */
static int
near_share(uint64_t got, uint64_t total, uint64_t part, uint64_t whole)
{
	unsigned __int128 exact_num = (unsigned __int128)total * part;
	unsigned __int128 lo = got == 0 ? 0 : (unsigned __int128)(got - 1) * whole;
	unsigned __int128 hi = ((unsigned __int128)got + 1) * whole;

	/* |got - exact| < 1  <=>  (got-1)*whole < exact_num < (got+1)*whole */
	return (got == 0 || lo < exact_num) && exact_num < hi;
}

static void
test_property(void)
{
	unsigned long long bad_total = 0, bad_share = 0, bad_range = 0, bad_count = 0;

	for (int i = 0; i < PROPERTY_FLOWS; i++) {
		struct fi_flow f;
		int64_t dur;

		/* mostly short flows, some long ones, some huge counters */
		f.first = (int64_t)(rng() % 2000000000ULL);
		switch (rng() % 4) {
		case 0:
			dur = 0;
			break;
		case 1:
			dur = (int64_t)(rng() % 120);
			break;
		case 2:
			dur = (int64_t)(rng() % 7200);
			break;
		default:
			dur = (int64_t)(rng() % 100000);
			break;
		}
		f.last = f.first + dur;
		f.packets = rng() % 4 == 0 ? rng() : rng() % 100000;
		f.bytes = rng() % 4 == 0 ? rng() : rng() % 100000000;
		f.flows = rng() % 8 == 0 ? rng() % (1000 * (uint64_t)FI_FLOW_UNIT)
					 : FI_FLOW_UNIT;

		for (size_t k = 0; k < sizeof(default_sizes) / sizeof(default_sizes[0]);
		     k++) {
			int64_t size = default_sizes[k];
			uint64_t sp = 0, sb = 0, sf = 0, n = 0;
			uint64_t total_dur = (uint64_t)(f.last - f.first) + 1;
			struct fi_flow_slicer it;
			struct fi_flow_slice s;

			fi_flow_slicer_init(&it, &f, size);
			while (fi_flow_slicer_next(&it, &s)) {
				int64_t lo = s.bucket > f.first ? s.bucket : f.first;
				int64_t hi = s.bucket + size - 1 < f.last
						 ? s.bucket + size - 1
						 : f.last;
				uint64_t secs;

				if (s.bucket % size != 0 || hi < lo ||
				    s.bucket > f.last || s.bucket + size - 1 < f.first) {
					bad_range++;
					break;
				}
				secs = (uint64_t)(hi - lo) + 1;
				if (!near_share(s.packets, f.packets, secs, total_dur) ||
				    !near_share(s.bytes, f.bytes, secs, total_dur) ||
				    !near_share(s.flows, f.flows, secs, total_dur))
					bad_share++;
				sp += s.packets;
				sb += s.bytes;
				sf += s.flows;
				n++;
			}
			if (sp != f.packets || sb != f.bytes)
				bad_total++;
			/* the fractions sum to the weight: exactly, so within 1e-9 */
			if ((double)sf / FI_FLOW_UNIT - (double)f.flows / FI_FLOW_UNIT >
				1e-9 ||
			    (double)f.flows / FI_FLOW_UNIT - (double)sf / FI_FLOW_UNIT >
				1e-9)
				bad_total++;
			if (n != (uint64_t)fi_flow_nslices(&f, size))
				bad_count++;
		}
	}
	CHECK_UINT(bad_total, 0);
	CHECK_UINT(bad_share, 0);
	CHECK_UINT(bad_range, 0);
	CHECK_UINT(bad_count, 0);
}

static void
test_telescoping(void)
{
	/* fine, coarse: every pair of default sizes where one divides the other */
	static const int64_t pairs[][2] = {{60, 600},	{60, 3600},   {60, 86400},
					   {600, 3600}, {600, 86400}, {3600, 86400},
					   {300, 900}};
	static struct fi_flow_slice fine[2000], coarse[2000];
	unsigned bad = 0, compared = 0, split = 0;

	for (int i = 0; i < PROPERTY_FLOWS / 10; i++) {
		struct fi_flow f;
		uint64_t r = rng();
		int64_t span = (int64_t)(r % 4 == 0 ? rng() % 100000 : rng() % 1000);

		f.first = 1700000000 + (int64_t)(rng() % 200000);
		f.last = f.first + span;
		f.packets = rng() % 3 == 0 ? rng() % 5 : rng() % 100000000;
		f.bytes = rng() % 2 ? rng() % 1500 : rng();
		f.flows = rng() % 5 == 0 ? rng() % (3 * FI_FLOW_UNIT) : FI_FLOW_UNIT;
		for (size_t p = 0; p < sizeof(pairs) / sizeof(pairs[0]); p++) {
			unsigned nf = slice_all(&f, pairs[p][0], fine, 2000);
			unsigned nc = slice_all(&f, pairs[p][1], coarse, 2000);
			unsigned k = 0;

			for (unsigned c = 0; c < nc; c++) {
				uint64_t sp = 0, sb = 0, sw = 0;

				for (; k < nf &&
				       fine[k].bucket / pairs[p][1] * pairs[p][1] ==
					   coarse[c].bucket;
				     k++) {
					sp += fine[k].packets;
					sb += fine[k].bytes;
					sw += fine[k].flows;
				}
				bad += sp != coarse[c].packets || sb != coarse[c].bytes ||
				       sw != coarse[c].flows;
				compared++;
			}
			bad += k != nf;
			split += nc > 1;
		}
	}
	CHECK_UINT(bad, 0);
	/* the flows spread over several coarse buckets often enough */
	CHECK(compared > 70000 && split > 5000);
}

int
main(void)
{
	test_worked_example();
	test_edges();
	test_property();
	test_telescoping();
	return fi_test_result("test_flow");
}
