/*
 * fi_pkt.c: link layer -> IPv4/IPv6 (with extension headers and fragments)
 * -> transport ports. Every read is preceded by a length check against the
 * captured bytes; the IP datagram's own length bounds the headers inside it,
 * so a lying length field is "malformed" and a short capture "truncated".
 */
#include <string.h>

#include "fi_pkt.h"

const char *const fi_pkt_status_names[FI_PKT_NSTATUS] = {
    "ok", "not IP", "truncated", "malformed", "unsupported",
};

/* Ethertypes and IP protocol numbers the decoder follows. */
#define ET_IPV4	     0x0800
#define ET_IPV6	     0x86dd
#define ET_VLAN	     0x8100 /* 802.1Q */
#define ET_QINQ	     0x88a8 /* 802.1ad */
#define ET_QINQ_OLD1 0x9100
#define ET_QINQ_OLD2 0x9200
#define ET_MPLS	     0x8847
#define ET_MPLS_MC   0x8848
#define ET_PPPOE     0x8864
#define PPP_IPV4     0x0021
#define PPP_IPV6     0x0057

#define IPP_HOPOPT   0
#define IPP_ICMP     1
#define IPP_TCP	     6
#define IPP_UDP	     17
#define IPP_DCCP     33
#define IPP_ROUTING  43
#define IPP_FRAGMENT 44
#define IPP_AH	     51
#define IPP_ICMPV6   58
#define IPP_DSTOPTS  60
#define IPP_SCTP     132
#define IPP_UDPLITE  136
#define IPP_HIP	     139
#define IPP_SHIM6    140
#define IPP_EXP1     253
#define IPP_EXP2     254

#define ETH_HDR	 14
#define SLL_HDR	 16
#define SLL2_HDR 20
#define NULL_HDR 4
#define IPV4_HDR 20
#define IPV6_HDR 40

static uint16_t
fi_pkt_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
fi_pkt_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The frame: captured bytes, the wire length, and the output. */
struct fi_frame {
	const uint8_t *p; /* first captured byte */
	size_t n;	  /* captured bytes */
	size_t wire;	  /* bytes on the wire, >= n */
	struct fi_pkt *out;
};

/*
 * Ports (or ICMP type and code) of the transport header at cur inside the
 * datagram ending at end. A header the datagram is too short for is
 * malformed; one the capture cut off is truncated.
 */
static enum fi_pkt_status
fi_pkt_l4(const struct fi_frame *f, size_t cur, size_t end)
{
	struct fi_pkt *out = f->out;
	size_t need;

	switch (out->proto) {
	case IPP_TCP:
		need = 14; /* ports, sequence, acknowledgement, offset, flags */
		break;
	case IPP_UDP:
	case IPP_SCTP:
	case IPP_DCCP:
	case IPP_UDPLITE:
		need = 4;
		break;
	case IPP_ICMP:
	case IPP_ICMPV6:
		need = 2;
		break;
	default:
		return FI_PKT_OK; /* no ports */
	}
	if (cur + need > end)
		return FI_PKT_MALFORMED;
	if (cur + need > f->n)
		return FI_PKT_TRUNCATED;
	if (need == 2) {
		out->dport = fi_pkt_be16(f->p + cur);
		return FI_PKT_OK;
	}
	out->sport = fi_pkt_be16(f->p + cur);
	out->dport = fi_pkt_be16(f->p + cur + 2);
	if (out->proto == IPP_TCP)
		out->tcp_flags = f->p[cur + 13];
	return FI_PKT_OK;
}

static enum fi_pkt_status
fi_pkt_ipv4(const struct fi_frame *f, size_t off)
{
	const uint8_t *q = f->p + off;
	struct fi_pkt *out = f->out;
	size_t hl, tot;
	uint16_t ff;

	if (f->n - off < IPV4_HDR)
		return FI_PKT_TRUNCATED;
	if (q[0] >> 4 != 4)
		return FI_PKT_MALFORMED;
	hl = (size_t)(q[0] & 15) * 4;
	tot = fi_pkt_be16(q + 2);
	if (hl < IPV4_HDR || tot < hl || tot > f->wire - off)
		return FI_PKT_MALFORMED;
	if (f->n - off < hl)
		return FI_PKT_TRUNCATED;
	memset(out, 0, sizeof(*out));
	out->src.b[10] = out->src.b[11] = 0xff;
	memcpy(&out->src.b[12], q + 12, 4);
	out->dst.b[10] = out->dst.b[11] = 0xff;
	memcpy(&out->dst.b[12], q + 16, 4);
	out->proto = q[9];
	out->frag_proto = q[9];
	out->frag_id = fi_pkt_be16(q + 4);
	out->ip_len = (uint32_t)tot;
	out->link_len = (uint32_t)off;
	ff = fi_pkt_be16(q + 6);
	if ((ff & 0x1fff) != 0) {
		out->frag = FI_FRAG_LATER;
		return FI_PKT_OK;
	}
	if (ff & 0x2000)
		out->frag = FI_FRAG_FIRST;
	return fi_pkt_l4(f, off + hl, off + tot);
}

static enum fi_pkt_status
fi_pkt_ipv6(const struct fi_frame *f, size_t off)
{
	const uint8_t *q = f->p + off;
	struct fi_pkt *out = f->out;
	size_t len, cur, end;
	uint8_t nh;

	if (f->n - off < IPV6_HDR)
		return FI_PKT_TRUNCATED;
	if (q[0] >> 4 != 6)
		return FI_PKT_MALFORMED;
	len = IPV6_HDR + (size_t)fi_pkt_be16(q + 4);
	if (len > f->wire - off)
		return FI_PKT_MALFORMED;
	memset(out, 0, sizeof(*out));
	memcpy(out->src.b, q + 8, 16);
	memcpy(out->dst.b, q + 24, 16);
	out->ip_len = (uint32_t)len;
	out->link_len = (uint32_t)off;
	nh = q[6];
	cur = off + IPV6_HDR;
	end = off + len;
	for (unsigned i = 0;; i++) {
		size_t hlen;

		switch (nh) {
		case IPP_HOPOPT:
		case IPP_ROUTING:
		case IPP_DSTOPTS:
		case IPP_HIP:
		case IPP_SHIM6:
		case IPP_EXP1:
		case IPP_EXP2:
		case IPP_AH:
		case IPP_FRAGMENT:
			break;
		default:
			out->proto = nh;
			return fi_pkt_l4(f, cur, end);
		}
		if (i >= FI_PKT_IP6EH_MAX)
			return FI_PKT_UNSUPPORTED;
		hlen = nh == IPP_FRAGMENT ? 8 : 2; /* what is read below */
		if (cur + hlen > end)
			return FI_PKT_MALFORMED;
		if (cur + hlen > f->n)
			return FI_PKT_TRUNCATED;
		if (nh == IPP_FRAGMENT) {
			uint16_t fo = fi_pkt_be16(f->p + cur + 2);

			out->frag_proto = f->p[cur];
			out->frag_id = fi_pkt_be32(f->p + cur + 4);
			if ((fo & 0xfff8) != 0) {
				out->frag = FI_FRAG_LATER;
				out->proto = out->frag_proto;
				return FI_PKT_OK;
			}
			if (fo & 1)
				out->frag = FI_FRAG_FIRST;
			/* else an atomic fragment (RFC 6946): a whole datagram */
		} else if (nh == IPP_AH) {
			hlen = ((size_t)f->p[cur + 1] + 2) * 4;
		} else {
			hlen = ((size_t)f->p[cur + 1] + 1) * 8;
		}
		nh = f->p[cur];
		cur += hlen;
		if (cur > end)
			return FI_PKT_MALFORMED;
	}
}

/* Follows ethertypes from `type` at offset off: VLAN tags, PPPoE, MPLS, IP. */
static enum fi_pkt_status
fi_pkt_ethertype(const struct fi_frame *f, size_t off, uint16_t type)
{
	unsigned vlans = 0;

	for (;;) {
		switch (type) {
		case ET_IPV4:
			return fi_pkt_ipv4(f, off);
		case ET_IPV6:
			return fi_pkt_ipv6(f, off);
		case ET_VLAN:
		case ET_QINQ:
		case ET_QINQ_OLD1:
		case ET_QINQ_OLD2:
			if (++vlans > FI_PKT_VLAN_MAX)
				return FI_PKT_UNSUPPORTED;
			if (f->n - off < 4)
				return FI_PKT_TRUNCATED;
			type = fi_pkt_be16(f->p + off + 2);
			off += 4;
			continue;
		case ET_PPPOE:
			/* version/type, code, session, length, then the PPP protocol */
			if (f->n - off < 8)
				return FI_PKT_TRUNCATED;
			type = fi_pkt_be16(f->p + off + 6);
			off += 8;
			if (type == PPP_IPV4)
				return fi_pkt_ipv4(f, off);
			if (type == PPP_IPV6)
				return fi_pkt_ipv6(f, off);
			return FI_PKT_NOT_IP;
		case ET_MPLS:
		case ET_MPLS_MC:
			for (unsigned i = 0;; i++) {
				if (i >= FI_PKT_MPLS_MAX)
					return FI_PKT_UNSUPPORTED;
				if (f->n - off < 4)
					return FI_PKT_TRUNCATED;
				off += 4;
				if (f->p[off - 2] & 1) /* bottom of stack */
					break;
			}
			/* no payload type in MPLS: IP is told by its version nibble */
			if (f->n - off < 1)
				return FI_PKT_TRUNCATED;
			if (f->p[off] >> 4 == 4)
				return fi_pkt_ipv4(f, off);
			if (f->p[off] >> 4 == 6)
				return fi_pkt_ipv6(f, off);
			return FI_PKT_UNSUPPORTED; /* pseudowires, control words */
		default:
			return FI_PKT_NOT_IP;
		}
	}
}

static enum fi_pkt_status
fi_pkt_ethernet(const struct fi_frame *f)
{
	uint16_t type;

	if (f->n < ETH_HDR)
		return FI_PKT_TRUNCATED;
	type = fi_pkt_be16(f->p + 12);
	if (type <= 1500) {
		/* 802.3 length: only LLC/SNAP with an ethertype can carry IP */
		const uint8_t *l = f->p + ETH_HDR;

		if (f->n < ETH_HDR + 8)
			return FI_PKT_NOT_IP;
		if (l[0] != 0xaa || l[1] != 0xaa || l[2] != 0x03)
			return FI_PKT_NOT_IP;
		return fi_pkt_ethertype(f, ETH_HDR + 8, fi_pkt_be16(l + 6));
	}
	return fi_pkt_ethertype(f, ETH_HDR, type);
}

/* IP by its version nibble at off (raw IP, MPLS payload). */
static enum fi_pkt_status
fi_pkt_raw(const struct fi_frame *f, size_t off)
{
	if (f->n - off < 1)
		return FI_PKT_TRUNCATED;
	switch (f->p[off] >> 4) {
	case 4:
		return fi_pkt_ipv4(f, off);
	case 6:
		return fi_pkt_ipv6(f, off);
	default:
		return FI_PKT_MALFORMED;
	}
}

/* BSD loopback: the address family, whose value for IPv6 differs by system. */
static enum fi_pkt_status
fi_pkt_null(const struct fi_frame *f, int any_order)
{
	uint32_t af;

	if (f->n < NULL_HDR)
		return FI_PKT_TRUNCATED;
	af = fi_pkt_be32(f->p);
	if (any_order && af > 0xffff) /* written in little-endian order */
		af = (uint32_t)f->p[3] << 24 | (uint32_t)f->p[2] << 16 |
		     (uint32_t)f->p[1] << 8 | f->p[0];
	switch (af) {
	case 2: /* AF_INET everywhere */
		return fi_pkt_ipv4(f, NULL_HDR);
	case 10: /* Linux */
	case 24: /* NetBSD, OpenBSD */
	case 28: /* FreeBSD */
	case 30: /* macOS */
		return fi_pkt_ipv6(f, NULL_HDR);
	default:
		return FI_PKT_NOT_IP;
	}
}

enum fi_pkt_status
fi_pkt_decode(enum fi_link link, const uint8_t *p, size_t caplen, size_t wirelen,
	      struct fi_pkt *out)
{
	struct fi_frame f = {p, caplen, wirelen < caplen ? caplen : wirelen, out};

	if (p == NULL)
		f.n = 0;
	switch (link) {
	case FI_LINK_ETHERNET:
		return fi_pkt_ethernet(&f);
	case FI_LINK_SLL:
		if (f.n < SLL_HDR)
			return FI_PKT_TRUNCATED;
		return fi_pkt_ethertype(&f, SLL_HDR, fi_pkt_be16(p + 14));
	case FI_LINK_SLL2:
		if (f.n < SLL2_HDR)
			return FI_PKT_TRUNCATED;
		return fi_pkt_ethertype(&f, SLL2_HDR, fi_pkt_be16(p));
	case FI_LINK_RAW:
		return fi_pkt_raw(&f, 0);
	case FI_LINK_IPV4:
		return fi_pkt_ipv4(&f, 0);
	case FI_LINK_IPV6:
		return fi_pkt_ipv6(&f, 0);
	case FI_LINK_NULL:
		return fi_pkt_null(&f, 1);
	case FI_LINK_LOOP:
		return fi_pkt_null(&f, 0);
	case FI_LINK_UNKNOWN:
		break;
	}
	return FI_PKT_UNSUPPORTED;
}
