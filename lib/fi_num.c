/*
 * fi_num.c: bounded integer parsing without strtol's silent surprises
 * (whitespace, signs, partial parses, errno juggling).
 */
#include <string.h>

#include "fi_err.h"
#include "fi_num.h"

int
fi_num_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
fi_num_digits(struct fi_str s, unsigned base, uint64_t *out)
{
	uint64_t v = 0;

	if (s.n == 0)
		return FI_EINVAL;
	for (size_t i = 0; i < s.n; i++) {
		int h = fi_num_hex_digit(s.p[i]);
		unsigned d;

		if (h < 0 || (unsigned)h >= base)
			return FI_EINVAL;
		d = (unsigned)h;
		if (v > (UINT64_MAX - d) / base)
			return FI_ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/* The number in base base that s spells, within [min, max]. */
static int
fi_num_in_range(struct fi_str s, unsigned base, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;
	int rc = fi_num_digits(s, base, &v);

	if (rc != 0)
		return rc;
	if (v < min || v > max)
		return FI_ERANGE;
	*out = v;
	return 0;
}

int
fi_num_u64(struct fi_str s, uint64_t min, uint64_t max, uint64_t *out)
{
	return fi_num_in_range(s, 10, min, max, out);
}

int
fi_num_u64_hexdec(struct fi_str s, uint64_t min, uint64_t max, uint64_t *out)
{
	if (s.n > 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X'))
		return fi_num_in_range((struct fi_str){s.p + 2, s.n - 2}, 16, min, max,
				       out);
	return fi_num_in_range(s, 10, min, max, out);
}

int
fi_num_i64(struct fi_str s, int64_t min, int64_t max, int64_t *out)
{
	uint64_t mag;
	int neg = 0, rc;
	int64_t v;

	if (s.n > 0 && s.p[0] == '-') {
		neg = 1;
		s.p++;
		s.n--;
	}
	rc = fi_num_digits(s, 10, &mag);
	if (rc != 0)
		return rc;
	if (neg) {
		if (mag > (uint64_t)INT64_MAX + 1)
			return FI_ERANGE;
		v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	} else {
		if (mag > (uint64_t)INT64_MAX)
			return FI_ERANGE;
		v = (int64_t)mag;
	}
	if (v < min || v > max)
		return FI_ERANGE;
	*out = v;
	return 0;
}

int
fi_num_u64_cstr(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	return fi_num_u64((struct fi_str){s, strlen(s)}, min, max, out);
}

int
fi_num_i64_cstr(const char *s, int64_t min, int64_t max, int64_t *out)
{
	return fi_num_i64((struct fi_str){s, strlen(s)}, min, max, out);
}

int
fi_num_u64_prefix(const char *s, uint64_t *out)
{
	size_t n = strspn(s, "0123456789");

	return fi_num_u64((struct fi_str){s, n}, 0, UINT64_MAX, out);
}
