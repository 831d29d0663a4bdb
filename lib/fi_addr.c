/*
 * fi_addr.c: address and prefix parsing and formatting. IPv4 dotted form is
 * parsed here (strictly: four decimal parts 0..255 without leading zeros, as
 * inet_pton: "010.0.0.1" is 8.0.0.1 to tools that read octal, so it is
 * refused rather than guessed); IPv6 text goes through inet_pton on a bounded
 * NUL-terminated copy.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "fi_addr.h"
#include "fi_err.h"
#include "fi_num.h"

static const uint8_t fi_addr_v4_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

struct fi_addr
fi_addr_from_v4(uint32_t v4)
{
	struct fi_addr a;

	memcpy(a.b, fi_addr_v4_prefix, 12);
	a.b[12] = (uint8_t)(v4 >> 24);
	a.b[13] = (uint8_t)(v4 >> 16);
	a.b[14] = (uint8_t)(v4 >> 8);
	a.b[15] = (uint8_t)v4;
	return a;
}

int
fi_addr_is_v4(const struct fi_addr *a)
{
	return memcmp(a->b, fi_addr_v4_prefix, 12) == 0;
}

uint32_t
fi_addr_v4(const struct fi_addr *a)
{
	return (uint32_t)a->b[12] << 24 | (uint32_t)a->b[13] << 16 |
	       (uint32_t)a->b[14] << 8 | (uint32_t)a->b[15];
}

static int
fi_addr_parse_dotted(struct fi_str s, uint32_t *out)
{
	uint32_t v = 0;
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t start = i, len;
		uint64_t octet;

		while (i < s.n && s.p[i] != '.')
			i++;
		len = i - start;
		if (len > 3 || (len > 1 && s.p[start] == '0') ||
		    fi_num_u64((struct fi_str){s.p + start, len}, 0, 255, &octet) != 0)
			return FI_EINVAL;
		v = v << 8 | (uint32_t)octet;
		if (part < 3) {
			if (i >= s.n)
				return FI_EINVAL;
			i++; /* the dot */
		}
	}
	if (i != s.n)
		return FI_EINVAL;
	*out = v;
	return 0;
}

int
fi_addr_parse(struct fi_str s, int flags, struct fi_addr *out)
{
	char tmp[FI_ADDR_TEXT_MAX];
	uint32_t v4;
	uint64_t n;

	if (s.n == 0 || s.n >= sizeof(tmp))
		return FI_EINVAL;
	if (memchr(s.p, ':', s.n) != NULL) {
		memcpy(tmp, s.p, s.n);
		tmp[s.n] = '\0';
		if (inet_pton(AF_INET6, tmp, out->b) != 1)
			return FI_EINVAL;
		return 0;
	}
	if (memchr(s.p, '.', s.n) != NULL) {
		if (fi_addr_parse_dotted(s, &v4) != 0)
			return FI_EINVAL;
		*out = fi_addr_from_v4(v4);
		return 0;
	}
	if ((flags & FI_ADDR_ALLOW_INT) && fi_num_u64(s, 0, UINT32_MAX, &n) == 0) {
		*out = fi_addr_from_v4((uint32_t)n);
		return 0;
	}
	return FI_EINVAL;
}

char *
fi_addr_format(const struct fi_addr *a, char buf[FI_ADDR_TEXT_MAX])
{
	if (fi_addr_is_v4(a)) {
		snprintf(buf, FI_ADDR_TEXT_MAX, "%u.%u.%u.%u", a->b[12], a->b[13],
			 a->b[14], a->b[15]);
		return buf;
	}
	if (inet_ntop(AF_INET6, a->b, buf, FI_ADDR_TEXT_MAX) == NULL)
		buf[0] = '\0';
	return buf;
}

int
fi_addr_cmp(const struct fi_addr *a, const struct fi_addr *b)
{
	return memcmp(a->b, b->b, 16);
}

/* Clears (or sets, with fill 0xff) every bit of a past len. */
static void
fi_addr_mask(struct fi_addr *a, unsigned len, uint8_t fill)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bit = i * 8;
		uint8_t keep;

		if (bit + 8 <= len)
			continue;
		keep = bit >= len ? 0 : (uint8_t)(0xff << (8 - (len - bit)));
		a->b[i] = (uint8_t)((a->b[i] & keep) | (fill & (uint8_t)~keep));
	}
}

int
fi_prefix_parse(struct fi_str s, int flags, struct fi_prefix *out)
{
	const char *slash = memchr(s.p, '/', s.n);
	struct fi_str host = s;
	uint64_t len;
	int v4;

	if (slash != NULL)
		host.n = (size_t)(slash - s.p);
	if (fi_addr_parse(host, slash ? 0 : flags, &out->addr) != 0)
		return FI_EINVAL;
	v4 = fi_addr_is_v4(&out->addr) && memchr(host.p, ':', host.n) == NULL;
	if (slash == NULL) {
		out->len = 128;
		return 0;
	}
	if (fi_num_u64((struct fi_str){slash + 1, s.n - host.n - 1}, 0, v4 ? 32 : 128,
		       &len) != 0)
		return FI_EINVAL;
	out->len = (unsigned)len + (v4 ? 96 : 0);
	fi_addr_mask(&out->addr, out->len, 0);
	return 0;
}

void
fi_prefix_range(const struct fi_prefix *p, struct fi_addr *lo, struct fi_addr *hi)
{
	*lo = p->addr;
	fi_addr_mask(lo, p->len, 0);
	*hi = p->addr;
	fi_addr_mask(hi, p->len, 0xff);
}

int
fi_prefix_contains(const struct fi_prefix *p, const struct fi_addr *a)
{
	struct fi_addr lo, hi;

	fi_prefix_range(p, &lo, &hi);
	return fi_addr_cmp(a, &lo) >= 0 && fi_addr_cmp(a, &hi) <= 0;
}
