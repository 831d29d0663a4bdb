/*
 * fi_gate.c: the large-query gate of the responder's workers (fi_gate.h).
 * One byte flag per slot in a MAP_SHARED anonymous mapping inherited across
 * fork(); entering sets the own flag and counts them all, backing out when
 * the count passes the limit. Every access is a sequentially consistent
 * atomic, so of two slots racing for the last place at least one sees the
 * other: the gate never holds more than its limit. A flag belongs to one
 * live process, so the master may clear a dead worker's flag without a lock.
 * Next to the flag, each slot has its worker's heartbeat: the monotonic
 * time of its last sign of progress and whether it was answering then.
 */
#include <stdatomic.h>
#include <stddef.h>
#include <sys/mman.h>

#include "fi_clock.h"
#include "fi_err.h"
#include "fi_gate.h"

/* One worker slot's shared state. */
struct fi_gate_slot {
	atomic_uchar held; /* inside the gate */
	atomic_uchar busy; /* answering a request at the last beat */
	atomic_llong beat; /* fi_clock_ms() of the last beat */
};

struct fi_gate {
	unsigned nslots;
	unsigned limit;
	size_t size; /* of the mapping */
	struct fi_gate_slot slot[];
};

struct fi_gate *
fi_gate_new(unsigned nslots, unsigned limit)
{
	size_t size = sizeof(struct fi_gate) + nslots * sizeof(struct fi_gate_slot);
	struct fi_gate *g;

	g = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (g == MAP_FAILED)
		return NULL;
	g->nslots = nslots;
	g->limit = limit;
	g->size = size;
	for (unsigned i = 0; i < nslots; i++) {
		atomic_init(&g->slot[i].held, 0);
		atomic_init(&g->slot[i].busy, 0);
		atomic_init(&g->slot[i].beat, fi_clock_ms());
	}
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
		n += atomic_load(&g->slot[i].held) != 0;
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
	if (atomic_load(&g->slot[slot].held) != 0)
		return 0;
	atomic_store(&g->slot[slot].held, 1);
	if (fi_gate_holders(g) <= g->limit)
		return 0;
	atomic_store(&g->slot[slot].held, 0);
	return FI_EUNAVAIL;
}

void
fi_gate_leave(struct fi_gate *g, unsigned slot)
{
	if (slot < g->nslots)
		atomic_store(&g->slot[slot].held, 0);
}

void
fi_gate_beat(struct fi_gate *g, unsigned slot, int busy)
{
	if (g == NULL || slot >= g->nslots)
		return;
	atomic_store(&g->slot[slot].busy, busy != 0);
	atomic_store(&g->slot[slot].beat, fi_clock_ms());
}

int64_t
fi_gate_quiet_ms(struct fi_gate *g, unsigned slot, int64_t now, int *busy)
{
	if (slot >= g->nslots) {
		*busy = 0;
		return 0;
	}
	*busy = atomic_load(&g->slot[slot].busy);
	return now - atomic_load(&g->slot[slot].beat);
}
