/*
 * fi_digest.c: FNV-1a over 128 bits (offset basis and prime as the FNV
 * reference gives them), see fi_digest.h.
 */
#include <stdio.h>

#include "fi_digest.h"

#define FI_FNV128_PRIME_HI 0x0000000001000000ULL
#define FI_FNV128_PRIME_LO 0x000000000000013BULL

void
fi_digest_init(struct fi_digest *d)
{
	d->hi = 0x6c62272e07bb0142ULL;
	d->lo = 0x62b821756295c58dULL;
}

void
fi_digest_add(struct fi_digest *d, const void *p, size_t n)
{
	const unsigned char *b = p;
	unsigned __int128 h = (unsigned __int128)d->hi << 64 | d->lo;
	const unsigned __int128 prime =
	    (unsigned __int128)FI_FNV128_PRIME_HI << 64 | FI_FNV128_PRIME_LO;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= prime;
	}
	d->hi = (uint64_t)(h >> 64);
	d->lo = (uint64_t)h;
}

int
fi_digest_eq(const struct fi_digest *a, const struct fi_digest *b)
{
	return a->hi == b->hi && a->lo == b->lo;
}

void
fi_digest_hex(const struct fi_digest *d, char out[33])
{
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)d->hi,
		 (unsigned long long)d->lo);
}
