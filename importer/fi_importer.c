/*
 * fi_importer.c: the importer's main loop.
 *
 * Exactly once: elements move atomically from the queue into this
 * consumer's current batch list in redis (fi_queue_take). They are decoded
 * and summed in memory. A flush writes the sums table by table ("parts"; a
 * table of more than write_set_rows rows in pieces of that many, cut the
 * same way when the batch is read again): each part and its row (consumer,
 * part, batch id) in fi_batches go in ONE database transaction. Only when every part is
 * in is the batch list deleted (fi_queue_done). A crash anywhere leaves the list, and the
 * batch is read again from it; parts whose row is there are refused by the unique key and
 * skipped, the others written: no flow is lost or counted twice.
 *
 * Threads: the main thread takes and sums batch N+1 while writer threads,
 * one database connection each (db_writers), write the parts of batch N.
 *
 * Counters never pass FI_COUNTER_MAX: an element that would take a row of
 * its batch past it is refused in memory (fi_agg_add); the main thread
 * writes a batch's totals first, in one transaction that checks the stored
 * totals rows, and when they cannot take the batch, reads the batch again
 * with the stored rows counted in and refuses the elements that pass the
 * cap, recording their positions with the totals (fi_batch_refused), so a
 * crash does not change the decision. The other parts then cannot pass it:
 * each of their rows is at most its bucket's totals row.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "fi_agg.h"
#include "fi_backoff.h"
#include "fi_clock.h"
#include "fi_db.h"
#include "fi_importer.h"
#include "fi_log.h"
#include "fi_msg.h"
#include "fi_program.h"
#include "fi_queue.h"
#include "fi_store.h"

#define FI_IMPORTER_STATS_S	10.0  /* seconds between statistics lines */
#define FI_IMPORTER_KEEPALIVE_S 5.0   /* seconds between lock refreshes */
#define FI_IMPORTER_WAIT_MS	500   /* longest block on an empty queue */
#define FI_IMPORTER_PENDING_MAX 64    /* unfinished batches recovered at start */
#define FI_IMPORTER_READ_CHUNK	10000 /* elements read per round trip in recovery */
#define FI_IMPORTER_DEAD_MAX	10000 /* dead letters held before an early flush */
#define FI_IMPORTER_STOP_TRIES	5     /* write attempts after a stop request */
#define FI_IMPORTER_WRITERS_MAX 8

static volatile sig_atomic_t fi_importer_stop;
static volatile sig_atomic_t fi_importer_reload;

/* One batch being filled, or being written. */
struct fi_importer_slot {
	struct fi_agg agg;  /* its sums */
	struct fi_buf dead; /* its dead letters, NUL-separated */
	size_t ndead;
	struct fi_store_refused *refused; /* elements refused for the cap */
	size_t nrefused, refused_cap;
	struct fi_store_refused *skip; /* recovery: refused before, by position */
	size_t nskip, skip_next;
	uint64_t batch;		   /* its id */
	uint32_t piece_rows;	   /* its larger tables cut in pieces of this many rows */
	struct fi_store_cut *cuts; /* read again: how its tables partly in were cut */
	size_t ncuts;
	size_t elements;  /* elements taken into it */
	double started;	  /* when the first was taken */
	double submitted; /* when it was handed to the writers */
};

struct fi_importer_writer {
	struct fi_importer *imp; /* borrowed */
	pthread_t thread;
	struct fi_db *db;	/* NULL while disconnected */
	struct fi_store *store; /* tied to db */
};

struct fi_importer {
	struct fi_config *cfg;
	const char *config_path;
	struct fi_importer_opts opts;
	char consumer[FI_CONFIG_STR_MAX];
	struct fi_db *db;	/* the main thread's: recovery and bookkeeping */
	struct fi_store *store; /* tied to db */
	struct fi_queue *q;
	int q_up; /* redis connected and locked */
	struct fi_msg_limits lim;
	struct fi_importer_slot slots[2];
	struct fi_agg base; /* stored totals rows, while a batch is read again */
	unsigned cur;	    /* the slot being filled */
	int inflight;	    /* the slot being written, or -1 */
	int64_t flow_mark;  /* flow time at the last flush, -1 before */
	int end_seen;
	int resync; /* redis was lost during a take: read the current batch again */
	/* the job shared with the writers, under mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const struct fi_agg *job_agg;
	struct fi_store_mark job_mark;
	struct fi_store_part *parts; /* owned; the job's parts and pieces */
	size_t nparts, next_part, parts_done;
	int job_failed, quit;
	struct fi_store_stats job_stats;
	struct fi_importer_writer writers[FI_IMPORTER_WRITERS_MAX];
	unsigned nwriters;
	/* statistics */
	uint64_t taken, written, dead_total, flushes, rows;
	uint64_t conflicts; /* transactions tried again after 1213 (atomic) */
	double last_seconds;
	uint64_t last_rows;
	double stats_at, keepalive_at;
	uint64_t stats_taken, stats_written;
	struct fi_ratelimit dead_log;
	struct fi_ratelimit retention_log;
};

static void
fi_importer_signal(int sig)
{
	if (sig == SIGHUP)
		fi_importer_reload = 1;
	else
		fi_importer_stop = 1;
}

/*
 * After a failed attempt to reach the database or redis (msg says why):
 * gives up (-1) after FI_IMPORTER_STOP_TRIES attempts once a stop is
 * requested, else waits the back-off and returns 0.
 */
static int
fi_importer_retry(unsigned *backoff, unsigned *tries, const char *msg)
{
	if (fi_importer_stop && ++*tries >= FI_IMPORTER_STOP_TRIES)
		return -1;
	fi_warnx("%s; retrying in %u s", msg, *backoff);
	fi_backoff_wait(backoff, &fi_importer_stop);
	return 0;
}

/*
 * Connects *db and *store, retrying with backoff; after a stop request it
 * gives up after FI_IMPORTER_STOP_TRIES attempts and returns -1.
 */
static int
fi_importer_db_up(struct fi_importer *imp, struct fi_db **db, struct fi_store **store)
{
	unsigned backoff = 1, tries = 0;

	while (*store == NULL) {
		struct fi_err err;

		fi_err_clear(&err);
		*db = fi_db_open(imp->cfg, FI_DB_ROLE_IMPORTER, &err);
		if (*db != NULL)
			*store = fi_store_new(*db, &err);
		if (*store != NULL)
			return 0;
		fi_db_close(*db);
		*db = NULL;
		if (fi_importer_retry(&backoff, &tries, err.msg) != 0)
			return -1;
	}
	return 0;
}

static void
fi_importer_db_close(struct fi_db **db, struct fi_store **store)
{
	fi_store_free(*store);
	*store = NULL;
	fi_db_close(*db);
	*db = NULL;
}

static int
fi_importer_redis_up(struct fi_importer *imp)
{
	unsigned backoff = 1, tries = 0;

	while (!imp->q_up) {
		struct fi_err err;

		fi_err_clear(&err);
		if (fi_queue_connect(imp->q, &err) == 0) {
			imp->q_up = 1;
			fi_info("connected to redis %s:%u as consumer \"%s\"",
				imp->cfg->redis_host, imp->cfg->redis_port,
				imp->consumer);
			return 0;
		}
		if (fi_importer_retry(&backoff, &tries, err.msg) != 0)
			return -1;
	}
	return 0;
}

static void
fi_importer_redis_lost(struct fi_importer *imp, const struct fi_err *err)
{
	fi_warnx("%s", err->msg);
	fi_queue_disconnect(imp->q);
	imp->q_up = 0;
}

/* Keeps element p (n bytes) as a dead letter of slot s, with its reason. */
static void
fi_importer_dead(struct fi_importer *imp, struct fi_importer_slot *s, const char *p,
		 size_t n, const char *reason)
{
	if (fi_msg_dead_letter(p, n, reason, &s->dead) != 0 ||
	    fi_buf_append(&s->dead, "", 1) != 0)
		fi_fatalx("out of memory keeping dead letters");
	s->ndead++;
	fi_warnx_limited(&imp->dead_log, "dead letter: %s", reason);
}

/* Refuses element pos for the counter cap: a dead letter, recorded with the totals. */
static void
fi_importer_refuse(struct fi_importer *imp, struct fi_importer_slot *s, uint64_t pos,
		   const char *p, size_t n, const char *reason)
{
	struct fi_store_refused *r;

	if (s->nrefused == s->refused_cap) {
		size_t cap = s->refused_cap ? 2 * s->refused_cap : 16;

		r = realloc(s->refused, cap * sizeof(*r));
		if (r == NULL)
			fi_fatalx("out of memory keeping refused elements");
		s->refused = r;
		s->refused_cap = cap;
	}
	r = &s->refused[s->nrefused++];
	r->position = pos;
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	fi_importer_dead(imp, s, p, n, reason);
}

/* The reason element pos was refused before (recovery), or NULL. */
static const char *
fi_importer_skipped(struct fi_importer_slot *s, uint64_t pos)
{
	while (s->skip_next < s->nskip && s->skip[s->skip_next].position < pos)
		s->skip_next++;
	if (s->skip_next < s->nskip && s->skip[s->skip_next].position == pos)
		return s->skip[s->skip_next].reason;
	return NULL;
}

/*
 * Decodes element pos of slot s's batch into its sums, or records it as a
 * dead letter: when it is malformed, when it was refused before (recovery),
 * or when a counter would pass FI_COUNTER_MAX with it (nothing of it is
 * added then).
 */
static void
fi_importer_element(struct fi_importer *imp, struct fi_importer_slot *s, uint64_t pos,
		    const char *p, size_t n)
{
	const char *before = fi_importer_skipped(s, pos);
	struct fi_flow f;
	struct fi_err err;
	int rc;

	if (fi_msg_is_end(p, n)) {
		imp->end_seen = 1;
		return;
	}
	if (before != NULL) {
		fi_importer_refuse(imp, s, pos, p, n, before);
		return;
	}
	fi_err_clear(&err);
	if (fi_msg_decode(p, n, &imp->lim, &f, &err) != 0) {
		fi_importer_dead(imp, s, p, n, err.msg);
		return;
	}
	rc = fi_agg_add(&s->agg, &f, &err);
	if (rc == FI_ERANGE)
		fi_importer_refuse(imp, s, pos, p, n, err.msg);
	else if (rc != 0)
		fi_fatalx("out of memory aggregating flows (batch %llu stays queued "
			  "and is read again at the next start)",
			  (unsigned long long)s->batch);
}

/* Empties slot s for its next batch. */
static void
fi_importer_slot_clear(struct fi_importer_slot *s)
{
	fi_agg_clear(&s->agg);
	fi_buf_reset(&s->dead);
	s->ndead = 0;
	s->nrefused = 0;
	free(s->skip);
	s->skip = NULL;
	s->nskip = s->skip_next = 0;
	free(s->cuts);
	s->cuts = NULL;
	s->ncuts = 0;
}

/*
 * Reads slot s's batch list from redis again, from its start, into s (after
 * fi_importer_slot_clear; s->skip may hold what was refused before). Returns
 * the number of elements, or -1 with err set when redis failed.
 */
static long long
fi_importer_reread(struct fi_importer *imp, struct fi_importer_slot *s,
		   struct fi_err *err)
{
	struct fi_queue_items items;
	size_t start = 0;

	do {
		fi_err_clear(err);
		if (fi_queue_read(imp->q, s->batch, start, FI_IMPORTER_READ_CHUNK, &items,
				  err) != 0)
			return -1;
		for (size_t k = 0; k < items.n; k++)
			fi_importer_element(imp, s, start + k, items.p[k], items.len[k]);
		start += items.n;
	} while (items.n == FI_IMPORTER_READ_CHUNK);
	return (long long)start;
}

/*
 * Empties slot s and reads its batch list again whole, with base (stored
 * totals to count in for the cap, or NULL), reconnecting to redis as long
 * as it takes. Returns the elements read, or -1 after a stop request.
 */
static long long
fi_importer_reread_all(struct fi_importer *imp, struct fi_importer_slot *s,
		       const struct fi_agg *base)
{
	struct fi_err err;
	long long n;

	for (;;) {
		if (fi_importer_redis_up(imp) != 0)
			return -1;
		fi_importer_slot_clear(s);
		s->agg.base = base;
		n = fi_importer_reread(imp, s, &err);
		if (n >= 0)
			break;
		fi_importer_redis_lost(imp, &err);
	}
	s->agg.base = NULL;
	return n;
}

/*
 * Redis was lost during a take: it may have run the take and lost only the
 * reply, so the batch list can hold elements the slot never saw (they would
 * go with the list when the batch is finished). The slot is read again from
 * its list, so that both agree before taking on. Returns 0, or -1 when a
 * stop was requested while redis stayed away.
 */
static int
fi_importer_resync(struct fi_importer *imp, struct fi_importer_slot *s)
{
	size_t before = s->elements;
	long long n = fi_importer_reread_all(imp, s, NULL);

	if (n < 0)
		return -1;
	s->elements = (size_t)n;
	if (before == 0 && n > 0)
		s->started = fi_clock_now();
	if ((size_t)n != before) {
		imp->taken += (size_t)n - before;
		fi_warnx("batch %llu: its list holds %lld elements, %zu were received: "
			 "the reply of a take was lost; read the batch again",
			 (unsigned long long)s->batch, n, before);
	}
	return 0;
}

/*
 * Whether a failed transaction lost to a concurrent one (error 1213: a
 * deadlock, or on Galera a commit that failed certification against
 * another node's): then it is tried again on the same connection after a
 * random 10-200 ms, so two nodes do not collide again in step. The batch
 * marker in the transaction decides whether it had been written, so nothing
 * counts twice. Counted in the statistics line. Returns 1 when it was one.
 */
static int
fi_importer_conflict(struct fi_importer *imp, const struct fi_db *db, unsigned *seed)
{
	if (db == NULL || fi_db_fault(db) != FI_DB_FAULT_BUSY)
		return 0;
	__atomic_fetch_add(&imp->conflicts, 1, __ATOMIC_RELAXED);
	if (*seed == 0)
		*seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)seed;
	usleep(10000 + (useconds_t)(rand_r(seed) % 190000));
	return 1;
}

/* Writes one part of the current job, reconnecting as needed. */
static int
fi_importer_write_part(struct fi_importer_writer *w, const struct fi_store_part *part,
		       struct fi_store_stats *stats)
{
	struct fi_importer *imp = w->imp;
	unsigned backoff = 1, tries = 0, seed = 0;

	for (;;) {
		struct fi_err err;
		int rc;

		if (fi_importer_db_up(imp, &w->db, &w->store) != 0)
			return -1;
		fi_err_clear(&err);
		rc = fi_store_write_part(w->store, imp->job_agg, part, &imp->job_mark,
					 stats, &err);
		if (rc == 0)
			return 0;
		if (rc == FI_EEXIST) {
			fi_info(
			    "batch %llu: %s was written before; not counting it again",
			    (unsigned long long)imp->job_mark.batch_id, part->name);
			return 0;
		}
		if (fi_db_data_error(w->db)) {
			/* retrying would fail the same way: give the part up */
			fi_warnx("batch %llu: the database refused the rows of %s: %s; "
				 "they are not written (the part is recorded with 0 "
				 "flows in fi_batches)",
				 (unsigned long long)imp->job_mark.batch_id, part->name,
				 err.msg);
			fi_err_clear(&err);
			rc = fi_store_skip_part(w->store, part->name, &imp->job_mark,
						&err);
			if (rc == 0 || rc == FI_EEXIST)
				return 0;
		}
		if (fi_importer_conflict(imp, w->db, &seed)) {
			if (fi_importer_stop && ++tries >= FI_IMPORTER_STOP_TRIES)
				return -1;
			continue;
		}
		fi_warnx("batch %llu: writing %s failed: %s; retrying in %u s",
			 (unsigned long long)imp->job_mark.batch_id, part->name, err.msg,
			 backoff);
		if (rc == FI_EUNAVAIL || !fi_db_alive(w->db))
			fi_importer_db_close(&w->db, &w->store);
		if (fi_importer_stop && ++tries >= FI_IMPORTER_STOP_TRIES)
			return -1;
		fi_backoff_wait(&backoff, &fi_importer_stop);
	}
}

/* A writer thread: takes parts of the current job until told to quit. */
static void *
fi_importer_writer_main(void *arg)
{
	struct fi_importer_writer *w = arg;
	struct fi_importer *imp = w->imp;

	pthread_mutex_lock(&imp->mu);
	for (;;) {
		struct fi_store_part part;
		struct fi_store_stats stats = {0, 0, 0};
		int rc;

		while (!imp->quit &&
		       (imp->job_agg == NULL || imp->next_part >= imp->nparts))
			pthread_cond_wait(&imp->cv, &imp->mu);
		if (imp->quit)
			break;
		part = imp->parts[imp->next_part++];
		pthread_mutex_unlock(&imp->mu);
		rc = fi_importer_write_part(w, &part, &stats);
		pthread_mutex_lock(&imp->mu);
		imp->job_stats.rows += stats.rows;
		imp->job_stats.statements += stats.statements;
		if (rc != 0)
			imp->job_failed = 1;
		imp->parts_done++;
		pthread_cond_broadcast(&imp->cv);
	}
	pthread_mutex_unlock(&imp->mu);
	fi_importer_db_close(&w->db, &w->store);
	return NULL;
}

/*
 * Hands slot i to the writers: its tables, those of more than the batch's
 * piece_rows rows cut into pieces. Returns 0, or -1 when out of memory.
 */
static int
fi_importer_submit(struct fi_importer *imp, unsigned i)
{
	struct fi_importer_slot *s = &imp->slots[i];
	struct fi_store_part *parts;
	size_t nparts;
	struct fi_err err;

	fi_agg_retention_warning(&s->agg, imp->cfg, &imp->retention_log, "old captures",
				 NULL);
	fi_err_clear(&err);
	if (fi_store_parts(&s->agg, s->piece_rows, s->cuts, s->ncuts, 0, &parts, &nparts,
			   &err) != 0) {
		fi_warnx("batch %llu: %s", (unsigned long long)s->batch, err.msg);
		return -1;
	}
	s->submitted = fi_clock_now();
	pthread_mutex_lock(&imp->mu);
	fi_store_parts_free(imp->parts, imp->nparts);
	imp->job_agg = &s->agg;
	imp->job_mark = (struct fi_store_mark){imp->consumer, s->batch, s->piece_rows};
	imp->parts = parts;
	imp->nparts = nparts;
	imp->next_part = imp->parts_done = 0;
	imp->job_failed = 0;
	memset(&imp->job_stats, 0, sizeof(imp->job_stats));
	pthread_cond_broadcast(&imp->cv);
	pthread_mutex_unlock(&imp->mu);
	imp->inflight = (int)i;
	return 0;
}

/*
 * Waits for the batch being written and finishes it in redis. Returns 0, or
 * -1 when a stop was requested while the database or redis stayed away
 * (the batch then stays in redis and is read again at the next start).
 */
static int
fi_importer_complete(struct fi_importer *imp)
{
	struct fi_importer_slot *s;
	struct fi_err err;
	unsigned tries = 0;
	int failed;

	if (imp->inflight < 0)
		return 0;
	s = &imp->slots[imp->inflight];
	pthread_mutex_lock(&imp->mu);
	while (imp->parts_done < imp->nparts)
		pthread_cond_wait(&imp->cv, &imp->mu);
	failed = imp->job_failed;
	imp->job_agg = NULL;
	fi_store_parts_free(imp->parts, imp->nparts);
	imp->parts = NULL;
	imp->nparts = imp->next_part = imp->parts_done = 0;
	imp->last_rows = imp->job_stats.rows;
	pthread_mutex_unlock(&imp->mu);
	if (failed)
		return -1;
	/* bookkeeping only: a failure here loses nothing */
	if (fi_importer_db_up(imp, &imp->db, &imp->store) == 0) {
		fi_err_clear(&err);
		if (fi_store_finish(imp->store, &imp->job_mark, &err) != 0) {
			fi_warnx("batch %llu: %s", (unsigned long long)s->batch, err.msg);
			fi_importer_db_close(&imp->db, &imp->store);
		}
	}
	for (;;) {
		if (fi_importer_redis_up(imp) != 0)
			return -1;
		fi_err_clear(&err);
		if (fi_queue_done(imp->q, s->batch, &s->dead, s->ndead, &err) == 0)
			break;
		fi_importer_redis_lost(imp, &err);
		if (fi_importer_stop && ++tries >= FI_IMPORTER_STOP_TRIES)
			return -1;
	}
	imp->written += s->agg.nflows;
	imp->rows += imp->last_rows;
	imp->dead_total += s->ndead;
	imp->flushes++;
	imp->last_seconds = fi_clock_now() - s->submitted;
	fi_debug("batch %llu: %llu flows, %llu rows in %.3f s, %zu dead",
		 (unsigned long long)s->batch, (unsigned long long)s->agg.nflows,
		 (unsigned long long)imp->last_rows, imp->last_seconds, s->ndead);
	fi_importer_slot_clear(s);
	s->elements = 0;
	imp->inflight = -1;
	return 0;
}

/*
 * The stored totals cannot take slot s's batch: reads it again from redis
 * with imp->base (the stored rows) counted in, so that the elements that
 * would pass the cap are refused. Returns 0, or -1 after a stop request.
 */
static int
fi_importer_rebuild(struct fi_importer *imp, struct fi_importer_slot *s)
{
	int end_seen = imp->end_seen;

	if (fi_importer_reread_all(imp, s, &imp->base) < 0)
		return -1;
	imp->end_seen = end_seen;
	fi_warnx("batch %llu: %zu elements refused for the counter cap, %zu dead "
		 "letters in all",
		 (unsigned long long)s->batch, s->nrefused, s->ndead);
	return 0;
}

/*
 * The database refused slot s's totals for their data (err) although they
 * passed the check (a table changed by hand?): retrying would fail the
 * same way, so the totals parts are recorded as written without their rows.
 */
static int
fi_importer_skip_totals(struct fi_importer *imp, struct fi_importer_slot *s,
			struct fi_err *err)
{
	struct fi_store_mark mark = {imp->consumer, s->batch, s->piece_rows};
	int rc = 0;

	fi_warnx("batch %llu: the database refused its totals: %s; they are not "
		 "written (recorded with 0 flows in fi_batches)",
		 (unsigned long long)s->batch, err->msg);
	for (unsigned i = 0; rc == 0 && i < s->agg.nsizes; i++) {
		char name[32];

		snprintf(name, sizeof(name), "totals_%u", s->agg.sizes[i].size);
		fi_err_clear(err);
		rc = fi_store_skip_part(imp->store, name, &mark, err);
		rc = rc == FI_EEXIST ? 0 : rc;
	}
	return rc;
}

/*
 * Writes slot s's totals (all sizes in one transaction, checked against
 * the cap), before the writers get the other parts. Returns 0, or -1 when
 * a stop was requested while the database stayed away.
 */
static int
fi_importer_totals(struct fi_importer *imp, struct fi_importer_slot *s)
{
	unsigned backoff = 1, tries = 0, seed = 0;

	for (;;) {
		struct fi_store_mark mark = {imp->consumer, s->batch,
					     imp->cfg->write_set_rows};
		struct fi_err err;
		int rc;

		if (fi_importer_db_up(imp, &imp->db, &imp->store) != 0)
			return -1;
		fi_err_clear(&err);
		rc = fi_store_write_totals(imp->store, &s->agg, &mark, s->refused,
					   s->nrefused, &imp->base, NULL, &err);
		/* written before: its tables partly in keep their cut */
		free(s->cuts);
		s->cuts = NULL;
		s->ncuts = 0;
		if (rc == FI_EEXIST)
			rc = fi_store_batch_cuts(imp->store, &mark, &s->cuts, &s->ncuts,
						 &err);
		if (rc == 0) {
			if (s->ncuts > 0)
				fi_info("batch %llu: %zu tables partly written before "
					"keep their cut (the first: %s, in pieces of "
					"%u rows; 0: whole)",
					(unsigned long long)s->batch, s->ncuts,
					s->cuts[0].table, s->cuts[0].piece_rows);
			s->piece_rows = mark.piece_rows;
			return 0;
		}
		if (rc == FI_ERANGE) {
			fi_warnx("batch %llu: %s; finding the elements that pass it",
				 (unsigned long long)s->batch, err.msg);
			if (fi_importer_rebuild(imp, s) != 0)
				return -1;
			continue;
		}
		if (fi_db_data_error(imp->db) &&
		    fi_importer_skip_totals(imp, s, &err) == 0)
			return 0;
		if (fi_importer_conflict(imp, imp->db, &seed)) {
			if (fi_importer_stop && ++tries >= FI_IMPORTER_STOP_TRIES)
				return -1;
			continue;
		}
		fi_warnx("batch %llu: writing the totals failed: %s; retrying in %u s",
			 (unsigned long long)s->batch, err.msg, backoff);
		if (rc == FI_EUNAVAIL || !fi_db_alive(imp->db))
			fi_importer_db_close(&imp->db, &imp->store);
		if (fi_importer_stop && ++tries >= FI_IMPORTER_STOP_TRIES)
			return -1;
		fi_backoff_wait(&backoff, &fi_importer_stop);
	}
}

/*
 * Hands the current batch to the writers (after the previous one is
 * finished, and after its totals are in) and starts the next batch in the
 * other slot. Returns 0 or -1 as fi_importer_complete.
 */
static int
fi_importer_flush(struct fi_importer *imp)
{
	struct fi_importer_slot *s = &imp->slots[imp->cur];

	if (s->elements == 0)
		return 0;
	if (fi_importer_complete(imp) != 0 || fi_importer_totals(imp, s) != 0 ||
	    fi_importer_submit(imp, imp->cur) != 0)
		return -1;
	if (s->agg.max_time > imp->flow_mark)
		imp->flow_mark = s->agg.max_time;
	imp->cur ^= 1;
	imp->slots[imp->cur].batch = s->batch + 1;
	imp->slots[imp->cur].elements = 0;
	return 0;
}

/* Flushes and waits until everything is written. */
static int
fi_importer_flush_all(struct fi_importer *imp)
{
	if (fi_importer_flush(imp) != 0)
		return -1;
	return fi_importer_complete(imp);
}

/* The totals rows of a cache, all sizes. */
static size_t
fi_importer_totals_rows(const struct fi_agg *agg)
{
	size_t n = 0;

	for (unsigned i = 0; i < agg->nsizes; i++)
		n += agg->sizes[i].totals.count;
	return n;
}

/* Whether the current batch should be written now. */
static int
fi_importer_due(struct fi_importer *imp, double now)
{
	const struct fi_config *cfg = imp->cfg;
	const struct fi_importer_slot *s = &imp->slots[imp->cur];
	size_t bytes = fi_agg_bytes(&s->agg) + s->dead.len;
	int64_t base;

	if (s->elements == 0)
		return 0;
	if (imp->end_seen || now - s->started >= cfg->flush_interval)
		return 1;
	if (imp->inflight >= 0)
		bytes += fi_agg_bytes(&imp->slots[imp->inflight].agg);
	if (bytes >= (size_t)cfg->max_memory_mb << 20 || s->ndead >= FI_IMPORTER_DEAD_MAX)
		return 1;
	/* the totals go in one transaction: keep them under the write-set bound */
	if (cfg->write_set_rows > 0 &&
	    fi_importer_totals_rows(&s->agg) >= cfg->write_set_rows)
		return 1;
	/* the original's rule: flow time moved max_flow_age past the last flush */
	base = imp->flow_mark >= 0 ? imp->flow_mark : s->agg.min_time;
	return cfg->live_import && base >= 0 &&
	       s->agg.max_time > base + cfg->max_flow_age;
}

/* Reads into s->skip the elements of a batch refused when its totals went in. */
static int
fi_importer_recover_skip(struct fi_importer *imp, struct fi_importer_slot *s,
			 const struct fi_store_mark *mark)
{
	for (;;) {
		struct fi_err err;

		if (fi_importer_db_up(imp, &imp->db, &imp->store) != 0)
			return -1;
		fi_err_clear(&err);
		if (fi_store_refused_get(imp->store, mark, &s->skip, &s->nskip, &err) ==
		    0)
			return 0;
		fi_warnx("recovery: %s", err.msg);
		fi_importer_db_close(&imp->db, &imp->store);
		fi_clock_sleep(1, &fi_importer_stop);
		if (fi_importer_stop)
			return -1;
	}
}

/*
 * Finishes the batches a crash left in redis: each is read again from its
 * list and written; parts that were in already are refused and skipped.
 */
static int
fi_importer_recover(struct fi_importer *imp)
{
	uint64_t ids[FI_IMPORTER_PENDING_MAX], last = 0;
	size_t n = 0;
	struct fi_err err;

	for (;;) {
		if (fi_importer_redis_up(imp) != 0 ||
		    fi_importer_db_up(imp, &imp->db, &imp->store) != 0)
			return -1;
		fi_err_clear(&err);
		if (fi_queue_pending(imp->q, ids, FI_IMPORTER_PENDING_MAX, &n, &err) ==
			0 &&
		    fi_store_last_batch(imp->store, imp->consumer, &last, &err) == 0)
			break;
		fi_warnx("recovery: %s", err.msg);
		fi_importer_redis_lost(imp, &err);
		fi_importer_db_close(&imp->db, &imp->store);
		fi_clock_sleep(1, &fi_importer_stop);
	}
	for (size_t i = 0; i < n; i++) {
		struct fi_importer_slot *s = &imp->slots[imp->cur];
		struct fi_store_mark mark = {imp->consumer, ids[i], 0};
		long long start;

		s->batch = ids[i];
		fi_info("recovering batch %llu", (unsigned long long)ids[i]);
		/* the elements refused when its totals went in are refused again */
		if (fi_importer_recover_skip(imp, s, &mark) != 0)
			return -1;
		start = fi_importer_reread(imp, s, &err);
		if (start < 0) {
			fi_warnx("recovery: %s", err.msg);
			return -1;
		}
		imp->end_seen = 0;
		/* an empty list still has to be finished so that it leaves the set */
		s->elements = start > 0 ? start : 1;
		if (fi_importer_flush_all(imp) != 0)
			return -1;
	}
	imp->slots[imp->cur].batch = (n > 0 && ids[n - 1] > last ? ids[n - 1] : last) + 1;
	return 0;
}

static void
fi_importer_stats(struct fi_importer *imp, double now)
{
	double dt = now - imp->stats_at;
	long long qlen = imp->q_up ? fi_queue_length(imp->q) : -1;

	if (dt <= 0)
		return;
	fi_info(
	    "taken %.1f flows/s, written %.1f flows/s, queue %lld, dead letters %llu, "
	    "last flush %.3f s (%llu rows), conflicts retried %llu",
	    (double)(imp->taken - imp->stats_taken) / dt,
	    (double)(imp->written - imp->stats_written) / dt, qlen,
	    (unsigned long long)imp->dead_total, imp->last_seconds,
	    (unsigned long long)imp->last_rows,
	    (unsigned long long)__atomic_load_n(&imp->conflicts, __ATOMIC_RELAXED));
	imp->stats_at = now;
	imp->stats_taken = imp->taken;
	imp->stats_written = imp->written;
}

/* The figures of the whole run, for the log and the benchmarks. */
static void
fi_importer_summary(const struct fi_importer *imp)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	fi_info(
	    "summary: %llu flows taken, %llu written as %llu rows in %llu flushes "
	    "(%.2f rows per flow), %llu dead letters, %llu conflicts retried, cpu %.2f "
	    "s, peak RSS %ld MiB",
	    (unsigned long long)imp->taken, (unsigned long long)imp->written,
	    (unsigned long long)imp->rows, (unsigned long long)imp->flushes,
	    imp->written ? (double)imp->rows / (double)imp->written : 0.0,
	    (unsigned long long)imp->dead_total,
	    (unsigned long long)__atomic_load_n(&imp->conflicts, __ATOMIC_RELAXED),
	    (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		(double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
	    ru.ru_maxrss / 1024);
}

static void
fi_importer_reload_config(struct fi_importer *imp)
{
	struct fi_config fresh;

	fi_importer_reload = 0;
	fi_log_reopen();
	if (fi_program_config_quiet(imp->config_path, &fresh) != 0)
		return;
	if (fresh.n_bucket_sizes != imp->cfg->n_bucket_sizes ||
	    memcmp(fresh.bucket_sizes, imp->cfg->bucket_sizes,
		   sizeof(fresh.bucket_sizes)) ||
	    strcmp(fresh.db_name, imp->cfg->db_name) != 0 ||
	    strcmp(fresh.redis_queue, imp->cfg->redis_queue) != 0) {
		fi_warnx(
		    "SIGHUP: bucket sizes, database and queue changes need a restart; "
		    "reloading the other settings");
		memcpy(fresh.bucket_sizes, imp->cfg->bucket_sizes,
		       sizeof(fresh.bucket_sizes));
		fresh.n_bucket_sizes = imp->cfg->n_bucket_sizes;
		memcpy(fresh.db_name, imp->cfg->db_name, sizeof(fresh.db_name));
		memcpy(fresh.redis_queue, imp->cfg->redis_queue,
		       sizeof(fresh.redis_queue));
	}
	*imp->cfg = fresh;
	fi_log_init(NULL, (enum fi_log_level)fresh.log_level, fresh.log_file);
	imp->lim.max_duration = fresh.max_flow_duration;
	fi_info("configuration reloaded");
}

static void
fi_importer_consumer_name(const struct fi_config *cfg, char *out, size_t size)
{
	char host[64];

	if (cfg->consumer_name[0] != '\0') {
		snprintf(out, size, "%s", cfg->consumer_name);
		return;
	}
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(out, size, "%s", host);
}

/* Sets up imp: the two slots, the writer threads, the queue, the signals. */
static void
fi_importer_init(struct fi_importer *imp, struct fi_config *cfg, const char *config_path,
		 const struct fi_importer_opts *opts)
{
	struct sigaction sa;

	memset(imp, 0, sizeof(*imp));
	imp->cfg = cfg;
	imp->config_path = config_path;
	imp->opts = *opts;
	imp->flow_mark = -1;
	imp->inflight = -1;
	imp->lim.max_duration = cfg->max_flow_duration;
	imp->dead_log = (struct fi_ratelimit){.period = 10, .burst = 5};
	imp->retention_log = (struct fi_ratelimit){.period = 3600, .burst = 4};
	fi_agg_init(&imp->base, cfg->bucket_sizes, cfg->n_bucket_sizes);
	for (unsigned i = 0; i < 2; i++) {
		fi_buf_init(&imp->slots[i].dead, 0);
		fi_agg_init(&imp->slots[i].agg, cfg->bucket_sizes, cfg->n_bucket_sizes);
		for (unsigned k = 0; k < cfg->n_bucket_sizes; k++)
			fi_agg_set_detail(&imp->slots[i].agg, k,
					  fi_config_is_detail(cfg, k));
	}
	pthread_mutex_init(&imp->mu, NULL);
	pthread_cond_init(&imp->cv, NULL);
	imp->nwriters = cfg->db_writers < FI_IMPORTER_WRITERS_MAX
			    ? cfg->db_writers
			    : FI_IMPORTER_WRITERS_MAX;
	for (unsigned i = 0; i < imp->nwriters; i++) {
		imp->writers[i].imp = imp;
		if (pthread_create(&imp->writers[i].thread, NULL, fi_importer_writer_main,
				   &imp->writers[i]) != 0)
			fi_fatalx("cannot start a writer thread");
	}
	fi_importer_consumer_name(cfg, imp->consumer, sizeof(imp->consumer));
	imp->q = fi_queue_new(cfg, imp->consumer);
	if (imp->q == NULL)
		fi_fatalx("out of memory");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fi_importer_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Stops the writer threads and frees what fi_importer_init set up. */
static void
fi_importer_fini(struct fi_importer *imp)
{
	pthread_mutex_lock(&imp->mu);
	imp->quit = 1;
	pthread_cond_broadcast(&imp->cv);
	pthread_mutex_unlock(&imp->mu);
	for (unsigned i = 0; i < imp->nwriters; i++)
		pthread_join(imp->writers[i].thread, NULL);
	if (imp->q_up)
		fi_queue_unlock(imp->q);
	fi_queue_free(imp->q);
	fi_importer_db_close(&imp->db, &imp->store);
	for (unsigned i = 0; i < 2; i++) {
		fi_agg_fini(&imp->slots[i].agg);
		fi_buf_fini(&imp->slots[i].dead);
		free(imp->slots[i].refused);
		free(imp->slots[i].skip);
		free(imp->slots[i].cuts);
	}
	fi_agg_fini(&imp->base);
	fi_store_parts_free(imp->parts, imp->nparts);
	pthread_mutex_destroy(&imp->mu);
	pthread_cond_destroy(&imp->cv);
}

/* Finishes the batch in flight once the writers are through with it. */
static int
fi_importer_reap(struct fi_importer *imp)
{
	int done;

	if (imp->inflight < 0)
		return 0;
	pthread_mutex_lock(&imp->mu);
	done = imp->parts_done >= imp->nparts;
	pthread_mutex_unlock(&imp->mu);
	return done ? fi_importer_complete(imp) : 0;
}

/*
 * Takes the next elements into the current batch, blocking on an empty
 * queue no longer than the flush deadline allows. Returns 0 to go on, 1
 * when the loop ends (--once found the queue empty; *status is 1 when
 * writing what it took failed).
 */
static int
fi_importer_take(struct fi_importer *imp, double now, int *status)
{
	struct fi_importer_slot *cur = &imp->slots[imp->cur];
	const struct fi_config *cfg = imp->cfg;
	unsigned wait = imp->opts.once ? 0 : FI_IMPORTER_WAIT_MS;
	struct fi_queue_items items;
	struct fi_err err;

	if (cur->elements > 0) {
		double left = cur->started + cfg->flush_interval - now;

		if (left * 1000 < wait)
			wait = left > 0 ? (unsigned)(left * 1000) : 0;
	}
	fi_err_clear(&err);
	if (fi_queue_take(imp->q, cur->batch, cfg->batch_size, wait, &items, &err) != 0) {
		fi_importer_redis_lost(imp, &err);
		imp->resync = 1;
		return 0;
	}
	if (items.n == 0) {
		if (!imp->opts.once)
			return 0;
		if (fi_importer_flush_all(imp) != 0)
			*status = 1;
		return 1;
	}
	if (cur->elements == 0)
		cur->started = now;
	for (size_t i = 0; i < items.n; i++)
		fi_importer_element(imp, cur, cur->elements + i, items.p[i],
				    items.len[i]);
	cur->elements += items.n;
	imp->taken += items.n;
	return 0;
}

/*
 * The main loop, until a stop, an END with --exit-on-end, the end of the
 * queue with --once, or a failure to write. Returns the exit status.
 */
static int
fi_importer_loop(struct fi_importer *imp)
{
	int status = 0;

	while (!fi_importer_stop) {
		struct fi_err err;
		double now = fi_clock_now();

		if (fi_importer_reload)
			fi_importer_reload_config(imp);
		if (imp->opts.tick != NULL)
			imp->opts.tick();
		if (now - imp->stats_at >= FI_IMPORTER_STATS_S)
			fi_importer_stats(imp, now);
		if (fi_importer_redis_up(imp) != 0)
			break;
		if (imp->resync) {
			if (fi_importer_resync(imp, &imp->slots[imp->cur]) != 0)
				break;
			imp->resync = 0;
		}
		if (now - imp->keepalive_at >= FI_IMPORTER_KEEPALIVE_S) {
			fi_err_clear(&err);
			if (fi_queue_keepalive(imp->q, &err) != 0) {
				fi_importer_redis_lost(imp, &err);
				continue;
			}
			imp->keepalive_at = now;
		}
		if (fi_importer_due(imp, now)) {
			int end = imp->end_seen;

			/* END asks for everything to be in the database now */
			if ((end ? fi_importer_flush_all(imp) : fi_importer_flush(imp)) !=
			    0)
				break;
			imp->end_seen = 0;
			if (end && imp->opts.exit_on_end)
				break;
			continue;
		}
		/* a finished write is finished in redis before the queue is read on */
		if (fi_importer_reap(imp) != 0 ||
		    fi_importer_take(imp, now, &status) != 0)
			break;
	}
	return status;
}

int
fi_importer_run(struct fi_config *cfg, const char *config_path,
		const struct fi_importer_opts *opts)
{
	struct fi_importer imp;
	int status;

	fi_importer_init(&imp, cfg, config_path, opts);
	if (fi_importer_recover(&imp) != 0) {
		status = fi_importer_stop ? 0 : 1;
		fi_importer_fini(&imp);
		return status;
	}
	fi_info("importing from %s (batch %llu, %u writers)", cfg->redis_queue,
		(unsigned long long)imp.slots[imp.cur].batch, imp.nwriters);
	imp.stats_at = imp.keepalive_at = fi_clock_now();
	status = fi_importer_loop(&imp);
	if (fi_importer_stop)
		fi_info("stopping: writing what is cached");
	if (fi_importer_flush_all(&imp) != 0)
		fi_warnx(
		    "could not write everything before stopping; what is missing stays "
		    "queued in redis and is written at the next start");
	fi_importer_stats(&imp, fi_clock_now());
	fi_importer_summary(&imp);
	fi_importer_fini(&imp);
	return status;
}
