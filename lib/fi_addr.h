/*
 * fi_addr.h: IPv4 and IPv6 addresses and prefixes in one 16-byte form.
 * IPv4 is stored IPv4-mapped (::ffff:a.b.c.d), so both families sort and
 * range-scan by prefix in the database as plain BINARY(16).
 */
#ifndef FI_ADDR_H
#define FI_ADDR_H

#include <stdint.h>

#include "fi_buf.h"
#include "fi_limits.h"

struct fi_addr {
	uint8_t b[16]; /* network byte order; IPv4 mapped into ::ffff:0:0/96 */
};

/* A prefix: addr with every bit past len cleared; len counts in 128 bits. */
struct fi_prefix {
	struct fi_addr addr; /* the network address */
	unsigned len;	     /* 0..128; an IPv4 /n is 96 + n */
};

/* Flags for fi_addr_parse. */
#define FI_ADDR_ALLOW_INT 0x1 /* accept an IPv4 address written as one integer */

/* The mapped form of an IPv4 address given as a host-order integer. */
struct fi_addr fi_addr_from_v4(uint32_t v4);

/* Whether a is an IPv4 (mapped) address; and its host-order integer. */
int fi_addr_is_v4(const struct fi_addr *a);
uint32_t fi_addr_v4(const struct fi_addr *a);

/*
 * Parses dotted IPv4, IPv6 text, or (with FI_ADDR_ALLOW_INT) a decimal IPv4
 * integer 0..4294967295. Returns 0, or FI_EINVAL leaving *out unchanged.
 */
int fi_addr_parse(struct fi_str s, int flags, struct fi_addr *out);

/* Writes dotted IPv4 or RFC 5952 IPv6 text into buf; returns buf. */
char *fi_addr_format(const struct fi_addr *a, char buf[FI_ADDR_TEXT_MAX]);

/* Compares two addresses as unsigned 128-bit numbers (<0, 0, >0). */
int fi_addr_cmp(const struct fi_addr *a, const struct fi_addr *b);

/*
 * Parses an address or a CIDR prefix ("10.0.0.0/8", "2001:db8::/32", an IPv4
 * integer with FI_ADDR_ALLOW_INT). A bare address is a full-length prefix.
 * Host bits past the prefix length are cleared. Returns 0 or FI_EINVAL.
 */
int fi_prefix_parse(struct fi_str s, int flags, struct fi_prefix *out);

/* The lowest and highest address inside p. */
void fi_prefix_range(const struct fi_prefix *p, struct fi_addr *lo, struct fi_addr *hi);

/* Whether a lies inside p. */
int fi_prefix_contains(const struct fi_prefix *p, const struct fi_addr *a);

#endif
