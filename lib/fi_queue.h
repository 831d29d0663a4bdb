/*
 * fi_queue.h: the redis queue (SPEC 3.1), the one file that touches hiredis.
 * Consumers move elements atomically from the queue into a per-batch list
 * (fi:batch:<consumer>:<id>, listed in the set fi:batches:<consumer>) and
 * delete that list only after the batch is in the database; producers
 * (the probe) push numbered batches exactly once, with back-pressure.
 */
#ifndef FI_QUEUE_H
#define FI_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "fi_buf.h"
#include "fi_config.h"
#include "fi_err.h"

struct fi_queue;

/* Elements handed over by fi_queue_take; borrowed from the queue until the next call. */
struct fi_queue_items {
	size_t n;	   /* number of elements */
	const char **p;	   /* element i starts at p[i] */
	const size_t *len; /* and is len[i] bytes long */
};

/*
 * Creates a queue handle for cfg (borrowed; must outlive the handle) and
 * the consumer name (copied; may be NULL for a producer). Does not connect.
 */
struct fi_queue *fi_queue_new(const struct fi_config *cfg, const char *consumer);

/* Closes and frees. NULL is a no-op. */
void fi_queue_free(struct fi_queue *q);

/*
 * Connects (again), authenticates, selects the database and loads the
 * scripts. For a consumer, also takes the consumer's lock, so that two
 * importers with one name cannot run at once (FI_EEXIST when it is held by
 * a live process). Returns 0, FI_EUNAVAIL (retry later), FI_EREDIS or FI_EEXIST.
 */
int fi_queue_connect(struct fi_queue *q, struct fi_err *err);

/* Drops the connection (it is re-made by fi_queue_connect). */
void fi_queue_disconnect(struct fi_queue *q);

/* Extends the consumer's lock; call at least every few seconds. */
int fi_queue_keepalive(struct fi_queue *q, struct fi_err *err);

/* Releases the consumer's lock (at a clean exit). */
void fi_queue_unlock(struct fi_queue *q);

/*
 * The consumer's unfinished batch ids (left by a crash), ascending, at most
 * max of them, in ids[]; *n receives the count.
 */
int fi_queue_pending(struct fi_queue *q, uint64_t *ids, size_t max, size_t *n,
		     struct fi_err *err);

/*
 * Reads elements [start, start+count) of batch id's list without moving
 * them (recovery). *items is valid until the next call.
 */
int fi_queue_read(struct fi_queue *q, uint64_t id, size_t start, size_t count,
		  struct fi_queue_items *items, struct fi_err *err);

/*
 * Moves up to max elements from the head of the queue to the tail of batch
 * id's list, atomically, and hands them over. When the queue is empty, waits
 * up to wait_ms for one element. *items is valid until the next call.
 */
int fi_queue_take(struct fi_queue *q, uint64_t id, size_t max, unsigned wait_ms,
		  struct fi_queue_items *items, struct fi_err *err);

/*
 * Finishes batch id after it is in the database: appends the dead letters
 * (ndead NUL-terminated strings, one after the other in dead) to the
 * dead-letter list and deletes the batch list, atomically.
 */
int fi_queue_done(struct fi_queue *q, uint64_t id, const struct fi_buf *dead,
		  size_t ndead, struct fi_err *err);

/* Length of the queue (for statistics); -1 on error. */
long long fi_queue_length(struct fi_queue *q);

/*
 * Producer side: appends n elements (as for fi_queue_items) to the queue
 * with one script call, exactly once: seq numbers the batch (from 1, rising
 * with each new batch of this handle; a retried batch keeps its number),
 * and a batch whose number was pushed already, e.g. by a try whose reply
 * was lost, is skipped. The handle's run is named in the mark
 * <queue>:probe:<host>:<pid>:<random>, kept for a day after the last push.
 * When the queue holds max_len elements or more (0: no limit), first waits
 * until it holds fewer. Only for a producer's handle (consumer NULL).
 * Returns 0 or a negative code (retry with the same seq after a reconnect).
 */
int fi_queue_push(struct fi_queue *q, uint64_t seq, const char *const *p,
		  const size_t *len, size_t n, long long max_len, struct fi_err *err);

/*
 * The same in two halves, so that the caller can work while redis does:
 * fi_queue_push_send sends the script call without waiting (elements are
 * copied; they need not outlive the call), fi_queue_push_recv waits for its
 * reply. No other command may go between them. fi_queue_push_recv returns
 * 0 (pushed, or pushed before), 1 (not pushed: the queue is full or redis
 * lost the script; push it again with fi_queue_push) or a negative code (the
 * connection is dropped; reconnect and push it again with fi_queue_push).
 */
int fi_queue_push_send(struct fi_queue *q, uint64_t seq, const char *const *p,
		       const size_t *len, size_t n, long long max_len,
		       struct fi_err *err);
int fi_queue_push_recv(struct fi_queue *q, struct fi_err *err);

/* Deletes the producer's mark: after its last push, when none will be retried. */
void fi_queue_push_end(struct fi_queue *q);

#endif
