/*
 * fi_map.h: an open-addressing hash map with fixed-size keys and values,
 * the importer's aggregation cache. Keys are compared as bytes, so callers
 * lay them out big-endian to get database key order from fi_map_sorted.
 */
#ifndef FI_MAP_H
#define FI_MAP_H

#include <stddef.h>
#include <stdint.h>

struct fi_map {
	size_t key_size;      /* bytes, a multiple of 8 */
	size_t val_size;      /* bytes, a multiple of 8 */
	size_t slot_size;     /* 8 (hash) + key + value */
	size_t cap;	      /* slots, a power of two (0 before the first insert) */
	size_t count;	      /* used slots */
	unsigned char *slots; /* owned */
};

/* Initialises an empty map; sizes must be multiples of 8. */
void fi_map_init(struct fi_map *m, size_t key_size, size_t val_size);

/* Frees the slots. NULL is a no-op. */
void fi_map_fini(struct fi_map *m);

/*
 * Removes every entry. The table keeps its size for the next fill (the
 * importer refills it every flush), unless it is larger than keep bytes,
 * in which case the memory is released.
 */
void fi_map_clear(struct fi_map *m, size_t keep);

/*
 * Finds key, inserting it with a zeroed value if absent. Returns the value
 * (valid until the next insert or clear), or NULL when memory ran out.
 */
void *fi_map_upsert(struct fi_map *m, const void *key);

/* Finds key without inserting it: its value, or NULL when absent. */
void *fi_map_get(const struct fi_map *m, const void *key);

/* Bytes allocated. */
size_t fi_map_bytes(const struct fi_map *m);

/*
 * Fills a new array (caller frees) with pointers to every entry's key,
 * sorted by key bytes; the value follows its key at key + key_size. Returns
 * NULL when memory ran out or the map is empty (check m->count).
 */
const unsigned char **fi_map_sorted(const struct fi_map *m);

#endif
