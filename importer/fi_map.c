/*
 * fi_map.c: linear probing over a power-of-two table that doubles at 3/4
 * load. A slot is [hash][key][value]; hash 0 marks an empty slot.
 */
#include <stdlib.h>
#include <string.h>

#include "fi_map.h"

#define FI_MAP_MIN_CAP 1024

void
fi_map_init(struct fi_map *m, size_t key_size, size_t val_size)
{
	memset(m, 0, sizeof(*m));
	m->key_size = key_size;
	m->val_size = val_size;
	m->slot_size = 8 + key_size + val_size;
}

void
fi_map_fini(struct fi_map *m)
{
	if (m == NULL)
		return;
	free(m->slots);
	m->slots = NULL;
	m->cap = m->count = 0;
}

void
fi_map_clear(struct fi_map *m, size_t keep)
{
	if (fi_map_bytes(m) > keep) {
		fi_map_fini(m);
		return;
	}
	if (m->count > 0)
		memset(m->slots, 0, fi_map_bytes(m));
	m->count = 0;
}

static uint64_t
fi_map_hash(const void *key, size_t n)
{
	const unsigned char *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;

	for (size_t i = 0; i < n; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		h ^= w;
		h *= 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
	}
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 29;
	return h | 1; /* never 0, which marks an empty slot */
}

static unsigned char *
fi_map_slot(const struct fi_map *m, size_t i)
{
	return m->slots + i * m->slot_size;
}

static int
fi_map_grow(struct fi_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : FI_MAP_MIN_CAP;
	unsigned char *slots = calloc(cap, m->slot_size);
	unsigned char *old = m->slots;
	size_t oldcap = m->cap;

	if (slots == NULL)
		return -1;
	m->slots = slots;
	m->cap = cap;
	for (size_t i = 0; i < oldcap; i++) {
		unsigned char *s = old + i * m->slot_size;
		uint64_t h;
		size_t j;

		memcpy(&h, s, 8);
		if (h == 0)
			continue;
		for (j = h & (cap - 1);; j = (j + 1) & (cap - 1)) {
			unsigned char *d = fi_map_slot(m, j);
			uint64_t dh;

			memcpy(&dh, d, 8);
			if (dh == 0) {
				memcpy(d, s, m->slot_size);
				break;
			}
		}
	}
	free(old);
	return 0;
}

void *
fi_map_upsert(struct fi_map *m, const void *key)
{
	uint64_t h = fi_map_hash(key, m->key_size);
	size_t i;

	if ((m->count + 1) * 4 > m->cap * 3 && fi_map_grow(m) != 0)
		return NULL;
	for (i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		unsigned char *s = fi_map_slot(m, i);
		uint64_t sh;

		memcpy(&sh, s, 8);
		if (sh == 0) {
			memcpy(s, &h, 8);
			memcpy(s + 8, key, m->key_size);
			m->count++;
			return s + 8 + m->key_size;
		}
		if (sh == h && memcmp(s + 8, key, m->key_size) == 0)
			return s + 8 + m->key_size;
	}
}

void *
fi_map_get(const struct fi_map *m, const void *key)
{
	uint64_t h;

	if (m->count == 0)
		return NULL;
	h = fi_map_hash(key, m->key_size);
	for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		unsigned char *s = fi_map_slot(m, i);
		uint64_t sh;

		memcpy(&sh, s, 8);
		if (sh == 0)
			return NULL;
		if (sh == h && memcmp(s + 8, key, m->key_size) == 0)
			return s + 8 + m->key_size;
	}
}

size_t
fi_map_bytes(const struct fi_map *m)
{
	return m->cap * m->slot_size;
}

static int
fi_map_cmp(const void *a, const void *b, void *key_size)
{
	return memcmp(*(const unsigned char *const *)a, *(const unsigned char *const *)b,
		      *(const size_t *)key_size);
}

const unsigned char **
fi_map_sorted(const struct fi_map *m)
{
	const unsigned char **v;
	size_t n = 0;

	if (m->count == 0)
		return NULL;
	v = malloc(m->count * sizeof(*v));
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < m->cap; i++) {
		const unsigned char *s = fi_map_slot(m, i);
		uint64_t h;

		memcpy(&h, s, 8);
		if (h != 0)
			v[n++] = s + 8;
	}
	qsort_r(v, n, sizeof(*v), fi_map_cmp, (void *)(uintptr_t)&m->key_size);
	return v;
}
