/*
 * test_meter.c: unit tests of the flow meter (importer/probe/fi_meter.c): the three
 * timeouts at their exact edges, FIN/RST with and without the grace, a SYN
 * reusing the ports of a closing flow, eviction from a full table, fragments,
 * out-of-order timestamps, and the counters.
 */
#include <stdlib.h>

#include "fi_meter.h"
#include "fi_test.h"

#define S 1000000LL /* one second in microseconds */
#define T (1700000000LL * S)

struct got {
	struct fi_flow f[64];
	enum fi_meter_reason why[64];
	int n;
};

static int
collect(void *ctx, const struct fi_flow *flow, enum fi_meter_reason why)
{
	struct got *g = ctx;

	if (g->n < 64) {
		g->f[g->n] = *flow;
		g->why[g->n] = why;
	}
	g->n++;
	return 0;
}

static struct fi_pkt
pkt(uint32_t src, uint16_t sport, uint8_t proto, uint8_t flags, uint32_t len)
{
	struct fi_pkt p;

	memset(&p, 0, sizeof(p));
	p.src = fi_addr_from_v4(src);
	p.dst = fi_addr_from_v4(0xc0000201);
	p.sport = sport;
	p.dport = 80;
	p.proto = proto;
	p.tcp_flags = flags;
	p.ip_len = len;
	return p;
}

static struct fi_meter *
meter(struct got *g, uint32_t max_flows, uint32_t grace)
{
	struct fi_meter_config c = {300, 600, grace, max_flows, 1};

	memset(g, 0, sizeof(*g));
	return fi_meter_new(&c, collect, g);
}

static void
test_inactive(void)
{
	struct got g;
	struct fi_meter *m = meter(&g, 16, 5);
	struct fi_pkt a = pkt(1, 1000, 17, 0, 100), b = pkt(2, 1000, 17, 0, 50);

	CHECK_INT(fi_meter_packet(m, &a, T), 0);
	CHECK_INT(fi_meter_packet(m, &a, T + 299 * S + 999999), 0); /* just inside */
	CHECK_INT(fi_meter_packet(m, &b, T + 400 * S), 0);
	CHECK_INT(g.n, 0);
	CHECK_INT(fi_meter_advance(m, T + 599 * S + 999999), 0);
	CHECK_INT(g.n, 1); /* a: 300 s after its last packet */
	CHECK_INT(g.why[0], FI_METER_INACTIVE);
	CHECK_INT(g.f[0].first, 1700000000);
	CHECK_INT(g.f[0].last, 1700000299);
	CHECK_UINT(g.f[0].packets, 2);
	CHECK_UINT(g.f[0].bytes, 200);
	CHECK_UINT(g.f[0].flows, FI_FLOW_UNIT);
	CHECK_INT(fi_meter_advance(m, T + 100 * S), 0); /* time never goes back */
	CHECK_INT(g.n, 1);
	CHECK_INT(fi_meter_flush(m), 0);
	CHECK_INT(g.n, 2);
	CHECK_INT(g.why[1], FI_METER_FLUSH);
	CHECK_UINT(fi_addr_v4(&g.f[1].src), 2);
	fi_meter_free(m);
}

static void
test_active(void)
{
	struct got g;
	struct fi_meter *m = meter(&g, 16, 5);
	struct fi_pkt a = pkt(1, 1000, 17, 0, 10);

	for (int i = 0; i <= 24; i++) /* every 50 s for 1200 s */
		fi_meter_packet(m, &a, T + i * 50 * S);
	CHECK_INT(g.n, 2);
	CHECK_INT(g.why[0], FI_METER_ACTIVE);
	CHECK_UINT(g.f[0].packets, 12); /* 0 .. 550 */
	CHECK_INT(g.f[1].first, 1700000600);
	CHECK_UINT(g.f[1].packets, 12); /* 600 .. 1150 */
	fi_meter_flush(m);
	CHECK_UINT(g.f[2].packets, 1);
	fi_meter_free(m);
}

static void
test_tcp_end(void)
{
	struct got g;
	struct fi_meter *m = meter(&g, 16, 5);
	struct fi_pkt syn = pkt(1, 1000, 6, FI_TCP_SYN, 40);
	struct fi_pkt fin = pkt(1, 1000, 6, FI_TCP_FIN | FI_TCP_ACK, 40);
	struct fi_pkt ack = pkt(1, 1000, 6, FI_TCP_ACK, 40);

	fi_meter_packet(m, &syn, T);
	fi_meter_packet(m, &fin, T + S);
	fi_meter_packet(m, &ack, T + 2 * S); /* in the grace: same flow */
	CHECK_INT(g.n, 0);
	fi_meter_advance(m, T + 6 * S); /* 5 s after the FIN */
	CHECK_INT(g.n, 1);
	CHECK_INT(g.why[0], FI_METER_TCP_END);
	CHECK_UINT(g.f[0].packets, 3);
	/* a SYN on the ports of a closing flow starts a new one at once */
	fi_meter_packet(m, &fin, T + 10 * S);
	fi_meter_packet(m, &syn, T + 11 * S);
	CHECK_INT(g.n, 2);
	CHECK_UINT(g.f[1].packets, 1);
	fi_meter_flush(m);
	CHECK_INT(g.n, 3);
	CHECK_INT(g.f[2].first, 1700000011);
	fi_meter_free(m);

	/* without a grace the FIN ends the flow itself */
	m = meter(&g, 16, 0);
	fi_meter_packet(m, &syn, T);
	fi_meter_packet(m, &fin, T + S);
	CHECK_INT(g.n, 1);
	CHECK_UINT(g.f[0].packets, 2);
	fi_meter_packet(m, &ack, T + S);
	fi_meter_flush(m);
	CHECK_INT(g.n, 2);
	fi_meter_free(m);
}

static void
test_evict(void)
{
	struct got g;
	struct fi_meter *m = meter(&g, 2, 5);
	struct fi_pkt a = pkt(1, 1, 17, 0, 1), b = pkt(2, 1, 17, 0, 1),
		      c = pkt(3, 1, 17, 0, 1);
	struct fi_meter_stats st;

	fi_meter_packet(m, &a, T);
	fi_meter_packet(m, &b, T + S);
	fi_meter_packet(m, &a, T + 2 * S);
	fi_meter_packet(m, &c, T + 3 * S); /* full: b was active least recently */
	CHECK_INT(g.n, 1);
	CHECK_INT(g.why[0], FI_METER_EVICTED);
	CHECK_UINT(fi_addr_v4(&g.f[0].src), 2);
	fi_meter_get_stats(m, &st);
	CHECK_UINT(st.flows_active, 2);
	CHECK_UINT(st.packets, 4);
	CHECK_UINT(st.bytes, 4);
	CHECK_UINT(st.exported[FI_METER_EVICTED], 1);
	fi_meter_flush(m);
	CHECK_INT(g.n, 3);
	CHECK_UINT(fi_addr_v4(&g.f[1].src), 1); /* flush: oldest activity first */
	CHECK_UINT(g.f[1].packets, 2);
	fi_meter_free(m);
}

static void
test_fragments(void)
{
	struct got g;
	struct fi_meter *m = meter(&g, 16, 5);
	struct fi_pkt first = pkt(1, 7000, 17, 0, 1500), later = pkt(1, 0, 17, 0, 548);
	struct fi_meter_stats st;

	first.frag = FI_FRAG_FIRST;
	first.frag_id = 42;
	first.frag_proto = 17;
	later.frag = FI_FRAG_LATER;
	later.frag_id = 42;
	later.frag_proto = 17;
	later.dport = 0;
	fi_meter_packet(m, &first, T);
	fi_meter_packet(m, &later, T + 1);
	later.frag_id = 43; /* its first fragment was never seen */
	fi_meter_packet(m, &later, T + 2);
	fi_meter_flush(m);
	CHECK_INT(g.n, 2);
	CHECK_UINT(g.f[0].packets, 2);
	CHECK_UINT(g.f[0].bytes, 2048);
	CHECK_INT(g.f[0].sport, 7000);
	CHECK_INT(g.f[1].sport, 0);
	fi_meter_get_stats(m, &st);
	CHECK_UINT(st.frag_matched, 1);
	CHECK_UINT(st.frag_unmatched, 1);
	fi_meter_free(m);
}

static void
test_odd_times(void)
{
	struct got g;
	struct fi_meter *m = meter(&g, 4, 5);
	struct fi_pkt a = pkt(1, 1, 17, 0, 1);
	struct fi_meter_config bad = {0, 600, 5, 4, 1};

	fi_meter_packet(m, &a, T + 10 * S);
	fi_meter_packet(m, &a, T + 5 * S); /* earlier than the meter's time */
	fi_meter_packet(m, &a, -5);	   /* before 1970: taken as 0 */
	fi_meter_packet(m, &a, INT64_MAX); /* clamped, expires the rest */
	fi_meter_flush(m);
	CHECK_INT(g.n, 2);
	CHECK_INT(g.f[0].first, 0);
	CHECK_INT(g.f[0].last, 1700000010);
	CHECK_UINT(g.f[0].packets, 3);
	CHECK_INT(g.f[1].first, FI_TIME_MAX);
	fi_meter_free(m);
	CHECK(fi_meter_new(&bad, collect, &g) == NULL);
	fi_meter_free(NULL);
}

static void
test_grow(void)
{
	static struct got g;
	struct fi_meter *m = meter(&g, 300000, 5);
	struct fi_meter_stats st;
	int bad = 0;

	/* 200,000 flows at once: the hash heads double past 64k, 128k */
	for (uint32_t i = 0; i < 200000; i++) {
		struct fi_pkt a = pkt(0x0a000000 + i, (uint16_t)i, 17, 0, 100);

		fi_meter_packet(m, &a, T + i);
	}
	for (uint32_t i = 0; i < 200000; i += 7) { /* found again after the growth */
		struct fi_pkt a = pkt(0x0a000000 + i, (uint16_t)i, 17, 0, 100);

		fi_meter_packet(m, &a, T + 300000);
	}
	fi_meter_get_stats(m, &st);
	CHECK_UINT(st.flows_active, 200000);
	CHECK_UINT(st.packets, 200000 + (200000 + 6) / 7);
	fi_meter_flush(m);
	CHECK_INT(g.n, 200000);
	for (int i = 0; i < 64; i++)
		bad += g.f[i].packets != 1; /* the first ones out: seen once */
	CHECK_INT(bad, 0);
	fi_meter_get_stats(m, &st);
	CHECK_UINT(st.flows_active, 0);
	CHECK_UINT(st.exported[FI_METER_FLUSH], 200000);
	fi_meter_free(m);
}

int
main(void)
{
	test_inactive();
	test_active();
	test_tcp_end();
	test_evict();
	test_fragments();
	test_odd_times();
	test_grow();
	return fi_test_result("test_meter");
}
