/*
 * fi_importer.c: the importer's main loop.
 *
 * Exactly once: elements move atomically from the queue into this
 * consumer's current batch list in redis (fi_queue_take). They are decoded
 * and summed in memory. A flush writes the sums table by table ("parts"):
 * each part and its row (consumer, part, batch id) in fi_batches go in ONE
 * database transaction. Only when every part is in is the batch list
 * deleted (fi_queue_done). A crash anywhere leaves the list, and the batch
 * is read again from it; parts whose row is there are refused by the unique
 * key and skipped, the others written: no flow is lost or counted twice.
 *
 * Threads: the main thread takes and sums batch N+1 while writer threads,
 * one database connection each (db_writers), write the parts of batch N.
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
	uint64_t batch;	  /* its id */
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
	unsigned cur;	   /* the slot being filled */
	int inflight;	   /* the slot being written, or -1 */
	int64_t flow_mark; /* flow time at the last flush, -1 before */
	int end_seen;
	/* the job shared with the writers, under mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const struct fi_agg *job_agg;
	struct fi_store_mark job_mark;
	struct fi_store_part parts[FI_STORE_PARTS_MAX];
	size_t nparts, next_part, parts_done;
	int job_failed, quit;
	struct fi_store_stats job_stats;
	struct fi_importer_writer writers[FI_IMPORTER_WRITERS_MAX];
	unsigned nwriters;
	/* statistics */
	uint64_t taken, written, dead_total, flushes, rows;
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

/*
 * Decodes one element into the current slot, or records it as a dead
 * letter: when it is malformed, or when a counter of its batch would pass
 * FI_COUNTER_MAX with it (nothing of it is added then).
 */
static void
fi_importer_element(struct fi_importer *imp, const char *p, size_t n)
{
	struct fi_importer_slot *s = &imp->slots[imp->cur];
	struct fi_flow f;
	struct fi_err err;
	int rc;

	if (fi_msg_is_end(p, n)) {
		imp->end_seen = 1;
		return;
	}
	fi_err_clear(&err);
	if (fi_msg_decode(p, n, &imp->lim, &f, &err) == 0) {
		rc = fi_agg_add(&s->agg, &f, &err);
		if (rc == 0)
			return;
		if (rc != FI_ERANGE)
			fi_fatalx("out of memory aggregating flows (batch %llu stays "
				  "queued and is read again at the next start)",
				  (unsigned long long)s->batch);
	}
	fi_importer_dead(imp, s, p, n, err.msg);
}

/* Writes one part of the current job, reconnecting as needed. */
static int
fi_importer_write_part(struct fi_importer_writer *w, const struct fi_store_part *part,
		       struct fi_store_stats *stats)
{
	struct fi_importer *imp = w->imp;
	unsigned backoff = 1, tries = 0;

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

/* Hands slot i to the writers. */
static void
fi_importer_submit(struct fi_importer *imp, unsigned i)
{
	struct fi_importer_slot *s = &imp->slots[i];

	fi_agg_retention_warning(&s->agg, imp->cfg, &imp->retention_log, "old captures",
				 NULL);
	s->submitted = fi_clock_now();
	pthread_mutex_lock(&imp->mu);
	imp->job_agg = &s->agg;
	imp->job_mark = (struct fi_store_mark){imp->consumer, s->batch};
	imp->nparts = fi_store_parts(&s->agg, imp->parts);
	imp->next_part = imp->parts_done = 0;
	imp->job_failed = 0;
	memset(&imp->job_stats, 0, sizeof(imp->job_stats));
	pthread_cond_broadcast(&imp->cv);
	pthread_mutex_unlock(&imp->mu);
	imp->inflight = (int)i;
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
	fi_agg_clear(&s->agg);
	fi_buf_reset(&s->dead);
	s->ndead = 0;
	s->elements = 0;
	imp->inflight = -1;
	return 0;
}

/*
 * Hands the current batch to the writers (after the previous one is
 * finished) and starts the next batch in the other slot. Returns 0 or -1
 * as fi_importer_complete.
 */
static int
fi_importer_flush(struct fi_importer *imp)
{
	struct fi_importer_slot *s = &imp->slots[imp->cur];

	if (s->elements == 0)
		return 0;
	if (fi_importer_complete(imp) != 0)
		return -1;
	fi_importer_submit(imp, imp->cur);
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
	/* the original's rule: flow time moved max_flow_age past the last flush */
	base = imp->flow_mark >= 0 ? imp->flow_mark : s->agg.min_time;
	return cfg->live_import && base >= 0 &&
	       s->agg.max_time > base + cfg->max_flow_age;
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
		struct fi_queue_items items;
		size_t start = 0;

		s->batch = ids[i];
		fi_info("recovering batch %llu", (unsigned long long)ids[i]);
		do {
			fi_err_clear(&err);
			if (fi_queue_read(imp->q, ids[i], start, FI_IMPORTER_READ_CHUNK,
					  &items, &err) != 0) {
				fi_warnx("recovery: %s", err.msg);
				return -1;
			}
			for (size_t k = 0; k < items.n; k++)
				fi_importer_element(imp, items.p[k], items.len[k]);
			start += items.n;
		} while (items.n == FI_IMPORTER_READ_CHUNK);
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
	    "last flush %.3f s (%llu rows)",
	    (double)(imp->taken - imp->stats_taken) / dt,
	    (double)(imp->written - imp->stats_written) / dt, qlen,
	    (unsigned long long)imp->dead_total, imp->last_seconds,
	    (unsigned long long)imp->last_rows);
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
	fi_info("summary: %llu flows taken, %llu written as %llu rows in %llu flushes "
		"(%.2f rows per flow), %llu dead letters, cpu %.2f s, peak RSS %ld MiB",
		(unsigned long long)imp->taken, (unsigned long long)imp->written,
		(unsigned long long)imp->rows, (unsigned long long)imp->flushes,
		imp->written ? (double)imp->rows / (double)imp->written : 0.0,
		(unsigned long long)imp->dead_total,
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
	}
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
	cur->elements += items.n;
	for (size_t i = 0; i < items.n; i++)
		fi_importer_element(imp, items.p[i], items.len[i]);
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
		if (now - imp->stats_at >= FI_IMPORTER_STATS_S)
			fi_importer_stats(imp, now);
		if (fi_importer_redis_up(imp) != 0)
			break;
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
