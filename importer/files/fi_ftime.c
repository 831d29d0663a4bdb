/*
 * fi_ftime.c: the times flow files write, read as decimals into seconds and
 * nanoseconds (never through a double, so that floor(start + duration) is
 * exact): epoch numbers with a fraction or an exponent, and civil UTC
 * times (ISO 8601 with a zone; nfdump's "YYYY-MM-DD hh:mm:ss.mmm" in UTC).
 */
#include "fi_ftime.h"
#include "fi_num.h"

int
fi_ftime_decimal(struct fi_str s, int64_t *sec, int64_t *nsec)
{
	char dig[48]; /* the significant digits, leading zeros dropped */
	size_t nd = 0, i = 0;
	long point = 0; /* digits before the decimal point, in dig */
	long exp = 0;
	int seen = 0, frac = 0;
	int64_t a = 0, b = 0, scale = 100000000;

	for (; i < s.n; i++) {
		char c = s.p[i];

		if (c == '.' && !frac) {
			frac = 1;
			if (i + 1 == s.n || s.p[i + 1] < '0' || s.p[i + 1] > '9')
				return FI_EINVAL;
			continue;
		}
		if (c < '0' || c > '9')
			break;
		seen = 1;
		if (nd == 0 && c == '0') {
			point -= frac; /* a zero after the point moves the digits right */
			continue;
		}
		if (nd < sizeof(dig))
			dig[nd++] = c;
		else if (!frac)
			return FI_EINVAL; /* far too large */
		point += !frac;
	}
	if (!seen || (i < s.n && s.p[i] != 'e' && s.p[i] != 'E'))
		return FI_EINVAL;
	if (i < s.n) { /* an exponent, as a JSON writer prints small numbers */
		uint64_t e;
		int neg = ++i < s.n && s.p[i] == '-';

		if (i < s.n && (s.p[i] == '-' || s.p[i] == '+'))
			i++;
		if (fi_num_u64((struct fi_str){s.p + i, s.n - i}, 0, 400, &e) != 0)
			return FI_EINVAL;
		exp = neg ? -(long)e : (long)e;
	}
	point += exp;
	if (point > 12)
		return FI_EINVAL; /* past year 33000 */
	for (long k = 0; k < point; k++)
		a = a * 10 + (k >= 0 && (size_t)k < nd ? dig[k] - '0' : 0);
	for (long k = point; k < point + 9; k++) {
		if (k >= 0 && (size_t)k < nd)
			b += (dig[k] - '0') * scale; /* digits past the 9th are dropped */
		scale /= 10;
	}
	*sec = a;
	*nsec = b;
	return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
fi_ftime_days(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* n digits at s.p[at] as a number, or -1. */
static int64_t
fi_ftime_digits(struct fi_str s, size_t at, size_t n)
{
	int64_t v = 0;

	if (at + n > s.n)
		return -1;
	for (size_t i = at; i < at + n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -1;
		v = v * 10 + (s.p[i] - '0');
	}
	return v;
}

int
fi_ftime_civil(struct fi_str s, int zone, int64_t *sec, int64_t *nsec)
{
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int64_t y = fi_ftime_digits(s, 0, 4), mo = fi_ftime_digits(s, 5, 2),
		d = fi_ftime_digits(s, 8, 2), h = fi_ftime_digits(s, 11, 2),
		mi = fi_ftime_digits(s, 14, 2), se = fi_ftime_digits(s, 17, 2), frac = 0,
		off = 0;
	size_t i = 19;

	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h < 0 ||
	    h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60 || s.p[4] != '-' ||
	    s.p[7] != '-' || (s.p[10] != 'T' && s.p[10] != ' ') || s.p[13] != ':' ||
	    s.p[16] != ':')
		return FI_EINVAL;
	if (i < s.n && s.p[i] == '.') {
		int64_t scale = 100000000;
		size_t from = ++i;

		for (; i < s.n && s.p[i] >= '0' && s.p[i] <= '9'; i++) {
			frac += (s.p[i] - '0') * scale;
			scale /= 10;
		}
		if (i == from)
			return FI_EINVAL;
	}
	if (!zone && i == s.n) {
		off = 0;
	} else if (zone && i + 1 == s.n && s.p[i] == 'Z') {
		off = 0;
	} else if (zone && i + 6 == s.n && (s.p[i] == '+' || s.p[i] == '-') &&
		   s.p[i + 3] == ':') {
		int64_t oh = fi_ftime_digits(s, i + 1, 2),
			om = fi_ftime_digits(s, i + 4, 2);

		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return FI_EINVAL;
		off = (oh * 60 + om) * 60 * (s.p[i] == '-' ? -1 : 1);
	} else {
		return FI_EINVAL;
	}
	*sec = fi_ftime_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
	*nsec = frac;
	return *sec >= 0 ? 0 : FI_EINVAL;
}

int
fi_ftime_iso8601(struct fi_str s, int64_t *sec, int64_t *nsec)
{
	return fi_ftime_civil(s, 1, sec, nsec);
}
