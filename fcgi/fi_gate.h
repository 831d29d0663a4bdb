/*
 * fi_gate.h: how many of the responder's worker processes may hold a large
 * query at once. The master creates the gate before it forks the workers
 * (shared anonymous memory, one flag per worker slot); a worker enters it
 * before a query that scans the per-key tables and leaves after the answer;
 * the master clears the flag of a worker that died holding it. Requests
 * beyond the limit are refused at once (the caller answers 503), so the
 * workers above the limit stay free for the light calls. The same shared
 * memory carries each worker's heartbeat, by which the master finds a
 * worker that is stuck (stopped, or hung on one request) and replaces it.
 */
#ifndef FI_GATE_H
#define FI_GATE_H

#include <stdint.h>

struct fi_gate;

/*
 * Creates a gate for nslots worker slots of which at most limit may hold it.
 * Returns NULL when the shared memory cannot be had.
 */
struct fi_gate *fi_gate_new(unsigned nslots, unsigned limit);

/* Unmaps it (in each process that has it). NULL is a no-op. */
void fi_gate_free(struct fi_gate *g);

/*
 * Slot slot enters: 0 when admitted (or already inside), FI_EUNAVAIL when
 * limit slots hold it. Never over-admits; two slots entering at the same
 * instant for the last place may both be refused (a retry then succeeds).
 */
int fi_gate_enter(struct fi_gate *g, unsigned slot);

/* Slot slot leaves (no-op when outside). */
void fi_gate_leave(struct fi_gate *g, unsigned slot);

/* How many slots hold the gate now. */
unsigned fi_gate_holders(struct fi_gate *g);

/* The limit it was created with. */
unsigned fi_gate_limit(const struct fi_gate *g);

/*
 * Slot slot shows progress: records the time (fi_clock_ms) and whether it
 * is answering a request (busy) or waiting for one. A worker beats at least
 * once a second while it waits, when it takes a request, and before each
 * statement. NULL gate: a no-op.
 */
void fi_gate_beat(struct fi_gate *g, unsigned slot, int busy);

/* Milliseconds from slot's last beat to now (fi_clock_ms); *busy as it beat. */
int64_t fi_gate_quiet_ms(struct fi_gate *g, unsigned slot, int64_t now, int *busy);

#endif
