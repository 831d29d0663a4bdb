/*
 * test_pkt.c: unit tests of the packet decoder (importer/probe/fi_pkt.c): the fields of
 * each link layer and IP version, the status of every cut of a good frame
 * (a prefix can only be truncated, never read past), lying lengths.
 */
#include <stdlib.h>

#include "fi_pkt.h"
#include "fi_test.h"

/* Ethernet, IPv4 10.0.0.1 -> 192.0.2.1, TCP 1234 -> 80 SYN|ACK, 4 bytes data. */
static const uint8_t eth_tcp4[] = {
    2,	  0,	0,   0,	  0, 2, 2, 0, 0,  0, 0, 1, 0x08, 0x00, /* eth */
    0x45, 0,	0,   44,  0, 1, 0, 0, 64, 6, 0, 0, 10,	 0,
    0,	  1,	192, 0,	  2, 1, /* IPv4, 44 bytes */
    0x04, 0xd2, 0,   80,  0, 0, 0, 1, 0,  0, 0, 0, 0x50, 0x12,
    0xff, 0xff, 0,   0,	  0, 0, /* TCP */
    'd',  'a',	't', 'a',
};

/* raw IPv6 2001:db8::1 -> 2001:db8::2, hop-by-hop (8), then UDP 53 -> 5353, 2 bytes. */
static const uint8_t raw_udp6[] = {
    0x60, 0,  0,    0,	  0, 18, 0, 64, 0x20, 1,   0x0d, 0xb8, 0,    0,
    0,	  0,  0,    0,	  0, 0,	 0, 0,	0,    1,   0x20, 1,    0x0d, 0xb8,
    0,	  0,  0,    0,	  0, 0,	 0, 0,	0,    0,   0,	 2, /* IPv6, payload 18 */
    17,	  0,  1,    4,	  0, 0,	 0, 0,			    /* hop-by-hop: PadN */
    0,	  53, 0x14, 0xe9, 0, 10, 0, 0,	'h',  'i',	    /* UDP */
};

static void
test_ethernet_tcp4(void)
{
	struct fi_pkt p;

	CHECK_INT(fi_pkt_decode(FI_LINK_ETHERNET, eth_tcp4, sizeof(eth_tcp4),
				sizeof(eth_tcp4), &p),
		  FI_PKT_OK);
	CHECK_UINT(fi_addr_v4(&p.src), 0x0a000001);
	CHECK_UINT(fi_addr_v4(&p.dst), 0xc0000201);
	CHECK_INT(p.proto, 6);
	CHECK_INT(p.sport, 1234);
	CHECK_INT(p.dport, 80);
	CHECK_INT(p.tcp_flags, 0x12);
	CHECK_INT(p.ip_len, 44);
	CHECK_INT(p.link_len, 14);
	CHECK_INT(p.frag, FI_FRAG_NONE);
	/* only the headers captured: still the IP length, from the header */
	CHECK_INT(fi_pkt_decode(FI_LINK_ETHERNET, eth_tcp4, 14 + 20 + 14, 1500, &p),
		  FI_PKT_OK);
	CHECK_INT(p.ip_len, 44);
	/* the IP header claims more than the frame holds */
	CHECK_INT(fi_pkt_decode(FI_LINK_ETHERNET, eth_tcp4, 50, 50, &p),
		  FI_PKT_MALFORMED);
}

static void
test_prefixes(enum fi_link link, const uint8_t *frame, size_t n, size_t need)
{
	/* every cut: heap copies of exactly that size, so ASan sees an overread */
	for (size_t k = 0; k <= n; k++) {
		uint8_t *copy = malloc(k ? k : 1);
		struct fi_pkt p;
		enum fi_pkt_status s;

		memcpy(copy, frame, k);
		s = fi_pkt_decode(link, copy, k, n, &p);
		if (k < need)
			CHECK_INT(s, FI_PKT_TRUNCATED);
		else
			CHECK_INT(s, FI_PKT_OK);
		free(copy);
	}
}

static void
test_raw_udp6(void)
{
	struct fi_pkt p;
	uint8_t bad[sizeof(raw_udp6)];

	CHECK_INT(
	    fi_pkt_decode(FI_LINK_RAW, raw_udp6, sizeof(raw_udp6), sizeof(raw_udp6), &p),
	    FI_PKT_OK);
	CHECK_INT(fi_addr_is_v4(&p.src), 0);
	CHECK_INT(p.src.b[15], 1);
	CHECK_INT(p.dst.b[15], 2);
	CHECK_INT(p.proto, 17);
	CHECK_INT(p.sport, 53);
	CHECK_INT(p.dport, 5353);
	CHECK_INT(p.ip_len, 58);
	CHECK_INT(fi_pkt_decode(FI_LINK_IPV6, raw_udp6, sizeof(raw_udp6), 0, &p),
		  FI_PKT_OK);
	/* an IPv6 packet on an IPv4-only link */
	CHECK_INT(fi_pkt_decode(FI_LINK_IPV4, raw_udp6, sizeof(raw_udp6), 0, &p),
		  FI_PKT_MALFORMED);
	/* the hop-by-hop header claims 4 * 8 + 8 bytes of an 18-byte payload */
	memcpy(bad, raw_udp6, sizeof(bad));
	bad[41] = 4;
	CHECK_INT(fi_pkt_decode(FI_LINK_RAW, bad, sizeof(bad), 0, &p), FI_PKT_MALFORMED);
}

static void
test_fragments(void)
{
	uint8_t f[sizeof(eth_tcp4)];
	struct fi_pkt p;

	memcpy(f, eth_tcp4, sizeof(f));
	f[14 + 6] = 0x20; /* more fragments, offset 0 */
	CHECK_INT(fi_pkt_decode(FI_LINK_ETHERNET, f, sizeof(f), 0, &p), FI_PKT_OK);
	CHECK_INT(p.frag, FI_FRAG_FIRST);
	CHECK_INT(p.dport, 80);
	CHECK_INT(p.frag_id, 1);
	CHECK_INT(p.frag_proto, 6);
	f[14 + 6] = 0x00;
	f[14 + 7] = 0x10; /* offset 128: no transport header in it */
	CHECK_INT(fi_pkt_decode(FI_LINK_ETHERNET, f, 14 + 20, sizeof(f), &p), FI_PKT_OK);
	CHECK_INT(p.frag, FI_FRAG_LATER);
	CHECK_INT(p.sport, 0);
	CHECK_INT(p.dport, 0);
}

/* Writes a link header of hlen bytes and raw_udp6 after it; their length. */
static size_t
over_link(uint8_t *buf, const uint8_t *hdr, size_t hlen)
{
	memcpy(buf, hdr, hlen);
	memcpy(buf + hlen, raw_udp6, sizeof(raw_udp6));
	return hlen + sizeof(raw_udp6);
}

static void
test_links(void)
{
	uint8_t buf[64 + sizeof(raw_udp6)];
	struct fi_pkt p;
	size_t n;

	/* SLL: the protocol at bytes 14-15 */
	n = over_link(buf, (const uint8_t[16]){[14] = 0x86, [15] = 0xdd}, 16);
	CHECK_INT(fi_pkt_decode(FI_LINK_SLL, buf, n, 0, &p), FI_PKT_OK);
	CHECK_INT(p.link_len, 16);
	/* SLL2: the protocol first */
	n = over_link(buf, (const uint8_t[20]){0x86, 0xdd}, 20);
	CHECK_INT(fi_pkt_decode(FI_LINK_SLL2, buf, n, 0, &p), FI_PKT_OK);
	CHECK_INT(p.link_len, 20);
	/* BSD loopback, IPv6 as macOS (30) writes it, little-endian */
	n = over_link(buf, (const uint8_t[4]){30}, 4);
	CHECK_INT(fi_pkt_decode(FI_LINK_NULL, buf, n, 0, &p), FI_PKT_OK);
	CHECK_INT(fi_pkt_decode(FI_LINK_LOOP, buf, n, 0, &p), FI_PKT_NOT_IP);
	/* two VLAN tags on Ethernet */
	memcpy(buf, eth_tcp4, 12);
	memcpy(buf + 12, "\x88\xa8\x00\x0a\x81\x00\x00\x14", 8);
	memcpy(buf + 20, eth_tcp4 + 12, sizeof(eth_tcp4) - 12);
	CHECK_INT(fi_pkt_decode(FI_LINK_ETHERNET, buf, sizeof(eth_tcp4) + 8, 0, &p),
		  FI_PKT_OK);
	CHECK_INT(p.link_len, 22);
	CHECK_INT(p.dport, 80);
	/* ARP */
	buf[12] = 0x08;
	buf[13] = 0x06;
	CHECK_INT(fi_pkt_decode(FI_LINK_ETHERNET, buf, 60, 0, &p), FI_PKT_NOT_IP);
	CHECK_INT(fi_pkt_decode(FI_LINK_UNKNOWN, buf, 60, 0, &p), FI_PKT_UNSUPPORTED);
	CHECK_INT(fi_pkt_decode(FI_LINK_ETHERNET, NULL, 0, 0, &p), FI_PKT_TRUNCATED);
}

static void
test_icmp(void)
{
	uint8_t f[sizeof(eth_tcp4)];
	struct fi_pkt p;

	memcpy(f, eth_tcp4, sizeof(f));
	f[14 + 9] = 1; /* ICMP */
	f[34] = 3;     /* port unreachable: type 3, code 3 */
	f[35] = 3;
	CHECK_INT(fi_pkt_decode(FI_LINK_ETHERNET, f, sizeof(f), 0, &p), FI_PKT_OK);
	CHECK_INT(p.sport, 0);
	CHECK_INT(p.dport, 0x0303);
	f[14 + 9] = 47; /* GRE: no ports */
	CHECK_INT(fi_pkt_decode(FI_LINK_ETHERNET, f, sizeof(f), 0, &p), FI_PKT_OK);
	CHECK_INT(p.proto, 47);
	CHECK_INT(p.dport, 0);
}

int
main(void)
{
	test_ethernet_tcp4();
	test_prefixes(FI_LINK_ETHERNET, eth_tcp4, sizeof(eth_tcp4), 14 + 20 + 14);
	test_prefixes(FI_LINK_RAW, raw_udp6, sizeof(raw_udp6), 40 + 8 + 4);
	test_raw_udp6();
	test_fragments();
	test_links();
	test_icmp();
	return fi_test_result("test_pkt");
}
