/*
 * test_map.c: the importer's aggregation cache (importer/fi_map.c): an
 * upsert finds what an earlier one inserted, new values start zeroed, the
 * table grows through many keys without losing one, the sorted view is in
 * key byte order, and clear keeps or releases the memory as asked.
 */
#include <stdlib.h>

#include "fi_map.h"
#include "fi_test.h"

struct key {
	uint64_t hi, lo; /* big-endian bytes, so byte order is number order */
};

static struct key
key_of(uint64_t n)
{
	struct key k;
	unsigned char *p = (unsigned char *)&k;

	memset(p, 0, 8); /* the high word */
	for (int i = 0; i < 8; i++)
		p[8 + i] = (unsigned char)(n >> (56 - 8 * i));
	return k;
}

static void
test_upsert(void)
{
	struct fi_map m;
	const size_t n = 50000;
	size_t wrong = 0;

	fi_map_init(&m, sizeof(struct key), 8);
	CHECK_UINT(m.count, 0);
	CHECK(fi_map_sorted(&m) == NULL); /* empty */
	/* keys inserted in a scrambled order, each counted (i % 3) + 1 times */
	for (size_t r = 0; r < 3; r++)
		for (size_t i = 0; i < n; i++) {
			size_t j = (i * 7919) % n;
			if (r > j % 3)
				continue;
			struct key k = key_of(j);
			uint64_t *v = fi_map_upsert(&m, &k);
			if (v == NULL) {
				wrong++;
				continue;
			}
			if (r == 0 && *v != 0)
				wrong++; /* new values start zeroed */
			*v += 1;
		}
	CHECK_UINT(wrong, 0);
	CHECK_UINT(m.count, n);
	CHECK(m.cap >= m.count);
	CHECK((m.cap & (m.cap - 1)) == 0);
	CHECK(fi_map_bytes(&m) >= m.cap * m.slot_size);

	const unsigned char **sorted = fi_map_sorted(&m);
	CHECK(sorted != NULL);
	for (size_t i = 0; sorted != NULL && i < n; i++) {
		struct key want = key_of(i);
		uint64_t v;
		memcpy(&v, sorted[i] + sizeof(struct key), sizeof(v));
		if (memcmp(sorted[i], &want, sizeof(want)) != 0 || v != i % 3 + 1)
			wrong++;
	}
	CHECK_UINT(wrong, 0);
	free(sorted);

	/* clear keeping the memory: same table, empty, values zeroed again */
	size_t cap = m.cap;
	fi_map_clear(&m, (size_t)-1);
	CHECK_UINT(m.count, 0);
	CHECK_UINT(m.cap, cap);
	struct key k = key_of(7);
	uint64_t *v = fi_map_upsert(&m, &k);
	CHECK(v != NULL && *v == 0);
	/* clear past keep: the memory is given back */
	fi_map_clear(&m, 0);
	CHECK_UINT(m.count, 0);
	CHECK(fi_map_bytes(&m) < cap * m.slot_size);
	fi_map_fini(&m);
	fi_map_fini(NULL);
}

int
main(void)
{
	test_upsert();
	return fi_test_result("test_map");
}
