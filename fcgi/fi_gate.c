/*
 * fi_gate.c: the large-query gate of the responder's workers (fi_gate.h).
 * One byte flag per slot in a MAP_SHARED anonymous mapping inherited across
 * fork(); entering sets the own flag and counts them all, backing out when
 * the count passes the limit. Every access is a sequentially consistent
 * atomic, so of two slots racing for the last place at least one sees the
 * other: the gate never holds more than its limit. A flag belongs to one
 * live process, so the master may clear a dead worker's flag without a lock.
 */
#include <stdatomic.h>
#include <stddef.h>
#include <sys/mman.h>

#include "fi_err.h"
#include "fi_gate.h"

struct fi_gate {
	unsigned nslots;
	unsigned limit;
	size_t size; /* of the mapping */
	atomic_uchar held[];
};

struct fi_gate *
fi_gate_new(unsigned nslots, unsigned limit)
{
	size_t size = sizeof(struct fi_gate) + nslots * sizeof(atomic_uchar);
	struct fi_gate *g;

	g = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g == MAP_FAILED)
		return NULL;
	g->nslots = nslots;
	g->limit = limit;
	g->size = size;
	for (unsigned i = 0; i < nslots; i++)
		atomic_init(&g->held[i], 0);
	return g;
}

void
fi_gate_free(struct fi_gate *g)
{
	if (g != NULL)
		munmap(g, g->size);
}

unsigned
fi_gate_holders(struct fi_gate *g)
{
	unsigned n = 0;

	for (unsigned i = 0; i < g->nslots; i++)
		n += atomic_load(&g->held[i]) != 0;
	return n;
}

unsigned
fi_gate_limit(const struct fi_gate *g)
{
	return g->limit;
}

int
fi_gate_enter(struct fi_gate *g, unsigned slot)
{
	if (slot >= g->nslots)
		return FI_EINVAL;
	if (atomic_load(&g->held[slot]) != 0)
		return 0;
	atomic_store(&g->held[slot], 1);
	if (fi_gate_holders(g) <= g->limit)
		return 0;
	atomic_store(&g->held[slot], 0);
	return FI_EUNAVAIL;
}

void
fi_gate_leave(struct fi_gate *g, unsigned slot)
{
	if (slot < g->nslots)
		atomic_store(&g->held[slot], 0);
}
