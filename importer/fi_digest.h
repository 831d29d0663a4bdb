/*
 * fi_digest.h: FNV-1a over 128 bits, the importer's content digest: the
 * database sources' row digests (dbsrc/) and the file sources' identities
 * and marks (files/) are built on it. Not a cryptographic hash: it tells
 * whether data an import read before is still the same, where a change is
 * an accident, never an attack.
 */
#ifndef FI_DIGEST_H
#define FI_DIGEST_H

#include <stddef.h>
#include <stdint.h>

struct fi_digest {
	uint64_t hi, lo;
};

/* The digest of nothing (FNV's offset basis). */
void fi_digest_init(struct fi_digest *d);

/* Adds n bytes. */
void fi_digest_add(struct fi_digest *d, const void *p, size_t n);

/* Whether two digests are the same. */
int fi_digest_eq(const struct fi_digest *a, const struct fi_digest *b);

/* 32 lower-case hex digits and a NUL into out. */
void fi_digest_hex(const struct fi_digest *d, char out[33]);

#endif
