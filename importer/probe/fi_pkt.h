/*
 * fi_pkt.h: the probe's packet decoder (SPEC 3.4). From the bytes of one
 * captured frame it takes what a flow needs: addresses, ports, protocol,
 * TCP flags, fragment facts and the IP-level length. Pure and bounded: it
 * reads only inside the captured bytes, so it is fuzzed without libpcap.
 */
#ifndef FI_PKT_H
#define FI_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "fi_addr.h"
#include "fi_limits.h"

/* Link layers the decoder understands (not pcap's numbers: fi_capture maps them). */
enum fi_link {
	FI_LINK_UNKNOWN = 0,
	FI_LINK_ETHERNET, /* Ethernet II / 802.3, 802.1Q and QinQ tags, PPPoE, MPLS */
	FI_LINK_SLL,	  /* Linux cooked capture v1 (16-byte header) */
	FI_LINK_SLL2,	  /* Linux cooked capture v2 (20-byte header) */
	FI_LINK_RAW,	  /* raw IP, the version nibble tells IPv4 from IPv6 */
	FI_LINK_IPV4,	  /* raw IPv4 only */
	FI_LINK_IPV6,	  /* raw IPv6 only */
	FI_LINK_NULL,	  /* BSD loopback: 4-byte address family, either byte order */
	FI_LINK_LOOP,	  /* OpenBSD loopback: 4-byte address family, network order */
};

/* What became of a frame; FI_PKT_OK frames are metered, the rest counted. */
enum fi_pkt_status {
	FI_PKT_OK = 0,
	FI_PKT_NOT_IP,	    /* a frame of another network protocol (ARP, LLDP, ...) */
	FI_PKT_TRUNCATED,   /* the capture ends before the headers needed */
	FI_PKT_MALFORMED,   /* header fields contradict each other or the frame */
	FI_PKT_UNSUPPORTED, /* an encapsulation the decoder does not follow */
	FI_PKT_NSTATUS,
};

/* Names of the statuses for statistics: "ok", "not IP", "truncated", ... */
extern const char *const fi_pkt_status_names[FI_PKT_NSTATUS];

/* Where a packet stands in IP fragmentation. */
enum fi_pkt_frag {
	FI_FRAG_NONE = 0, /* a whole datagram */
	FI_FRAG_FIRST,	  /* offset 0 with more to come: carries the ports */
	FI_FRAG_LATER,	  /* offset > 0: no transport header, ports unknown */
};

/* TCP flags the meter looks at. */
#define FI_TCP_FIN 0x01
#define FI_TCP_SYN 0x02
#define FI_TCP_RST 0x04
#define FI_TCP_ACK 0x10

/* The decoder's bounds (FI_PKT_*_MAX) are in fi_limits.h. */

struct fi_pkt {
	struct fi_addr src; /* source address (IPv4 mapped) */
	struct fi_addr dst; /* destination address */
	uint16_t sport;	    /* source port; 0 without ports or when unknown */
	uint16_t dport;	    /* destination port; ICMP: type * 256 + code */
	uint8_t proto;	    /* upper-layer protocol (after IPv6 extension headers) */
	uint8_t tcp_flags;  /* TCP flag byte, 0 for other protocols */
	uint8_t frag;	    /* enum fi_pkt_frag */
	uint8_t frag_proto; /* IPv4 protocol / IPv6 fragment header's next header */
	uint32_t frag_id;   /* IPv4 identification or IPv6 fragment id */
	uint32_t ip_len;    /* IP-level length: IPv4 total length, IPv6 40 + payload */
	uint32_t link_len;  /* bytes in front of the IP header */
};

/*
 * Decodes the frame of caplen captured bytes at p (wirelen bytes on the wire;
 * a wirelen below caplen is taken as caplen) with link layer `link` into
 * *out, which is filled only for FI_PKT_OK. Returns an enum fi_pkt_status.
 * Never reads outside [p, p + caplen).
 */
enum fi_pkt_status fi_pkt_decode(enum fi_link link, const uint8_t *p, size_t caplen,
				 size_t wirelen, struct fi_pkt *out);

#endif
