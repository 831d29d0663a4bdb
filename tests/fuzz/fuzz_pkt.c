/*
 * fuzz_pkt.c: libFuzzer target for the packet decoder and the flow meter.
 * Input: one byte choosing the link type (enum fi_link, modulo), then frames,
 * each as a 2-byte big-endian length, a time step (units of 10 s, so the
 * timeouts fire), the bytes on the wire beyond the capture, and the bytes.
 * Each frame is copied to a buffer of exactly its size, so a read past it is
 * a sanitizer report. Built with FI_FUZZ (clang); fuzz_replay.c runs the
 * corpus of tests/fuzz/pkt/ through it as an ordinary test under any compiler.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fi_meter.h"
#include "fi_pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fuzz_export(void *ctx, const struct fi_flow *flow, enum fi_meter_reason why)
{
	(void)ctx;
	if (flow->first > flow->last || flow->packets == 0 || why >= FI_METER_NREASONS)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct fi_meter_config mc = {300, 600, 5, 4, 1};
	struct fi_meter *m;
	struct fi_meter_stats st;
	enum fi_link link;
	int64_t ts = 1700000000LL * 1000000;
	uint64_t ok = 0;
	size_t i = 1;

	if (size < 1)
		return 0;
	link = (enum fi_link)(data[0] % (FI_LINK_LOOP + 1));
	m = fi_meter_new(&mc, fuzz_export, NULL);
	if (m == NULL)
		return 0;
	while (i + 4 <= size) {
		size_t n = (size_t)data[i] << 8 | data[i + 1];
		size_t extra = data[i + 3];
		uint8_t *frame;
		struct fi_pkt p;
		enum fi_pkt_status s;

		ts += (int64_t)data[i + 2] * 10000000;
		i += 4;
		if (n > size - i)
			n = size - i;
		frame = malloc(n ? n : 1);
		if (frame == NULL)
			break;
		memcpy(frame, data + i, n);
		i += n;
		s = fi_pkt_decode(link, frame, n, n + extra, &p);
		if ((unsigned)s >= FI_PKT_NSTATUS)
			abort();
		if (s == FI_PKT_OK) {
			/* the datagram lies inside the frame on the wire */
			if (p.link_len > n || p.ip_len > n + extra - p.link_len ||
			    p.ip_len < 20)
				abort();
			ok++;
			fi_meter_packet(m, &p, ts);
		}
		free(frame);
	}
	fi_meter_get_stats(m, &st);
	if (st.packets != ok || st.flows_active > mc.max_flows)
		abort();
	fi_meter_flush(m);
	fi_meter_free(m);
	return 0;
}
