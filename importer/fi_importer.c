/*
 * fi_importer.c: the importer's main loop.
 *
 * Exactly once: elements move atomically from the queue into this
 * consumer's current batch list in redis (fi_queue_take). They are decoded
 * and summed in memory. A flush writes the sums and the row (consumer,
 * batch id) into fi_batches in ONE database transaction, and only then
 * deletes the batch list (fi_queue_done). A crash anywhere leaves either the
 * list without the row (the batch is read again from the list and written),
 * or the row and the list (the list is just deleted): no flow is lost or
 * counted twice. The unique key on fi_batches refuses a second write of a
 * batch even if this logic had a hole.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fi_agg.h"
#include "fi_db.h"
#include "fi_importer.h"
#include "fi_log.h"
#include "fi_msg.h"
#include "fi_program.h"
#include "fi_queue.h"
#include "fi_store.h"

#define FI_IMP_STATS_S	     10.0  /* seconds between statistics lines */
#define FI_IMP_KEEPALIVE_S   5.0   /* seconds between lock refreshes */
#define FI_IMP_WAIT_MS	     500   /* longest block on an empty queue */
#define FI_IMP_BACKOFF_MAX_S 30	   /* longest wait between reconnects */
#define FI_IMP_PENDING_MAX   64	   /* unfinished batches recovered at start */
#define FI_IMP_READ_CHUNK    10000 /* elements read per round trip in recovery */
#define FI_IMP_DEAD_MAX	     10000 /* dead letters held before an early flush */
#define FI_IMP_STOP_TRIES    5	   /* write attempts after a stop request */

static volatile sig_atomic_t fi_imp_stop;
static volatile sig_atomic_t fi_imp_reload;

struct fi_importer {
	struct fi_config *cfg;
	const char *config_path;
	struct fi_importer_opts opts;
	char consumer[FI_CFG_STR];
	struct fi_db *db;	/* NULL while disconnected */
	struct fi_store *store; /* tied to db */
	struct fi_queue *q;
	int q_up; /* redis connected and locked */
	struct fi_agg agg;
	struct fi_msg_limits lim;
	struct fi_buf dead; /* dead letters, NUL-separated */
	size_t ndead;
	uint64_t batch;	       /* current batch id */
	size_t batch_elements; /* elements taken into it */
	double batch_started;  /* when the first of them was taken */
	int64_t flow_mark;     /* flow time at the last flush, -1 before */
	int end_seen;
	/* statistics */
	uint64_t taken, written, dead_total, flushes;
	struct fi_store_stats last;
	double stats_at, keepalive_at;
	uint64_t stats_taken, stats_written;
	struct fi_ratelimit dead_log;
	struct fi_ratelimit retention_log;
};

static void
fi_imp_signal(int sig)
{
	if (sig == SIGHUP)
		fi_imp_reload = 1;
	else
		fi_imp_stop = 1;
}

static double
fi_imp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeps up to seconds, waking early on a stop request. */
static void
fi_imp_sleep(double seconds)
{
	double until = fi_imp_now() + seconds;

	while (!fi_imp_stop && fi_imp_now() < until)
		usleep(50000);
}

static void
fi_imp_db_close(struct fi_importer *imp)
{
	fi_store_free(imp->store);
	imp->store = NULL;
	fi_db_close(imp->db);
	imp->db = NULL;
}

/*
 * Connects to the database, retrying with backoff. With patient == 0 it
 * gives up after FI_IMP_STOP_TRIES attempts once a stop was requested.
 */
static int
fi_imp_db_up(struct fi_importer *imp)
{
	unsigned backoff = 1, tries = 0;

	while (imp->db == NULL) {
		struct fi_err err;

		fi_err_clear(&err);
		imp->db = fi_db_open(imp->cfg, FI_DB_ROLE_IMPORTER, &err);
		if (imp->db != NULL)
			imp->store = fi_store_new(imp->db, &err);
		if (imp->store != NULL) {
			fi_info("connected to the database %s", imp->cfg->db_name);
			return 0;
		}
		fi_imp_db_close(imp);
		if (fi_imp_stop && ++tries >= FI_IMP_STOP_TRIES)
			return -1;
		fi_warnx("%s; retrying in %u s", err.msg, backoff);
		fi_imp_sleep(backoff);
		backoff = backoff * 2 > FI_IMP_BACKOFF_MAX_S ? FI_IMP_BACKOFF_MAX_S
							     : backoff * 2;
	}
	return 0;
}

static int
fi_imp_redis_up(struct fi_importer *imp)
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
		if (fi_imp_stop && ++tries >= FI_IMP_STOP_TRIES)
			return -1;
		fi_warnx("%s; retrying in %u s", err.msg, backoff);
		fi_imp_sleep(backoff);
		backoff = backoff * 2 > FI_IMP_BACKOFF_MAX_S ? FI_IMP_BACKOFF_MAX_S
							     : backoff * 2;
	}
	return 0;
}

static void
fi_imp_redis_lost(struct fi_importer *imp, const struct fi_err *err)
{
	fi_warnx("%s", err->msg);
	fi_queue_disconnect(imp->q);
	imp->q_up = 0;
}

/* Decodes one element into the cache, or records it as a dead letter. */
static void
fi_imp_element(struct fi_importer *imp, const char *p, size_t n)
{
	struct fi_flow f;
	struct fi_err err;

	if (fi_msg_is_end(p, n)) {
		imp->end_seen = 1;
		return;
	}
	fi_err_clear(&err);
	if (fi_msg_decode(p, n, &imp->lim, &f, &err) == 0) {
		if (fi_agg_add(&imp->agg, &f) != 0)
			fi_fatalx(
			    "out of memory aggregating flows (batch %llu stays queued "
			    "and is read again at the next start)",
			    (unsigned long long)imp->batch);
		return;
	}
	if (fi_msg_dead_letter(p, n, err.msg, &imp->dead) != 0 ||
	    fi_buf_append(&imp->dead, "", 1) != 0)
		fi_fatalx("out of memory keeping dead letters");
	imp->ndead++;
	fi_warnx_limited(&imp->dead_log, "dead letter: %s", err.msg);
}

/*
 * Warns (rate-limited) when the batch held flows older than a bucket size's
 * retention: the next run of its event deletes them, which is rarely what a
 * forensic import of an old capture wants (retention_days = 0 keeps all).
 */
static void
fi_imp_retention_warning(struct fi_importer *imp)
{
	int64_t now = (int64_t)time(NULL);

	for (unsigned i = 0; i < imp->cfg->n_bucket_sizes; i++) {
		int64_t days = imp->cfg->retention_days[i];
		int64_t size = imp->cfg->bucket_sizes[i];

		if (days > 0 && imp->agg.min_time >= 0 &&
		    imp->agg.min_time + size <= now - days * 86400)
			fi_warnx_limited(
			    &imp->retention_log,
			    "imported flows from %lld s ago into %lld s buckets, "
			    "which retention deletes after %lld days; set "
			    "retention_days = 0 to keep old captures",
			    (long long)(now - imp->agg.min_time), (long long)size,
			    (long long)days);
	}
}

/*
 * Writes the current batch and finishes it in redis. Returns 0, or -1 when
 * a stop was requested while the database or redis stayed away (the batch
 * then stays in redis and is read again at the next start).
 */
static int
fi_imp_flush(struct fi_importer *imp)
{
	struct fi_store_mark mark = {imp->consumer, imp->batch};
	double t0 = fi_imp_now();
	unsigned backoff = 1, tries = 0;
	struct fi_err err;
	int rc;

	if (imp->batch_elements == 0)
		return 0;
	for (;;) {
		if (fi_imp_db_up(imp) != 0)
			return -1;
		fi_err_clear(&err);
		rc = fi_store_write(imp->store, &imp->agg, &mark, &imp->last, &err);
		if (rc == 0 || rc == FI_EEXIST)
			break;
		fi_warnx("writing batch %llu failed: %s; retrying in %u s",
			 (unsigned long long)imp->batch, err.msg, backoff);
		if (rc == FI_EUNAVAIL || !fi_db_alive(imp->db))
			fi_imp_db_close(imp);
		if (fi_imp_stop && ++tries >= FI_IMP_STOP_TRIES)
			return -1;
		fi_imp_sleep(backoff);
		backoff = backoff * 2 > FI_IMP_BACKOFF_MAX_S ? FI_IMP_BACKOFF_MAX_S
							     : backoff * 2;
	}
	if (rc == FI_EEXIST)
		fi_info("batch %llu was written before; not counting it again",
			(unsigned long long)imp->batch);
	else
		fi_imp_retention_warning(imp);
	for (tries = 0;;) {
		if (fi_imp_redis_up(imp) != 0)
			return -1;
		fi_err_clear(&err);
		if (fi_queue_done(imp->q, imp->batch, &imp->dead, imp->ndead, &err) == 0)
			break;
		fi_imp_redis_lost(imp, &err);
		if (fi_imp_stop && ++tries >= FI_IMP_STOP_TRIES)
			return -1;
	}
	if (rc == 0)
		imp->written += imp->agg.nflows;
	imp->dead_total += imp->ndead;
	imp->flushes++;
	fi_debug(
	    "batch %llu: %llu flows, %llu rows in %.3f s (%llu statements), %zu dead",
	    (unsigned long long)imp->batch, (unsigned long long)imp->agg.nflows,
	    (unsigned long long)imp->last.rows, fi_imp_now() - t0,
	    (unsigned long long)imp->last.statements, imp->ndead);
	if (imp->agg.max_time > imp->flow_mark)
		imp->flow_mark = imp->agg.max_time;
	fi_agg_clear(&imp->agg);
	fi_buf_reset(&imp->dead);
	imp->ndead = 0;
	imp->batch++;
	imp->batch_elements = 0;
	return 0;
}

/* Whether the current batch should be written now. */
static int
fi_imp_due(struct fi_importer *imp, double now)
{
	const struct fi_config *cfg = imp->cfg;
	int64_t base;

	if (imp->batch_elements == 0)
		return 0;
	if (imp->end_seen || now - imp->batch_started >= cfg->flush_interval)
		return 1;
	if (fi_agg_bytes(&imp->agg) + imp->dead.len >= (size_t)cfg->max_memory_mb << 20)
		return 1;
	if (imp->ndead >= FI_IMP_DEAD_MAX)
		return 1;
	/* the original's rule: flow time moved max_flow_age past the last flush */
	base = imp->flow_mark >= 0 ? imp->flow_mark : imp->agg.min_time;
	return cfg->live_import && base >= 0 &&
	       imp->agg.max_time > base + cfg->max_flow_age;
}

/*
 * Finishes the batches a crash left in redis: a batch already in the
 * database only gets its list deleted (and its dead letters recorded);
 * the others are read from their lists and written.
 */
static int
fi_imp_recover(struct fi_importer *imp)
{
	uint64_t ids[FI_IMP_PENDING_MAX], last = 0;
	size_t n = 0;
	struct fi_err err;

	for (;;) {
		if (fi_imp_redis_up(imp) != 0 || fi_imp_db_up(imp) != 0)
			return -1;
		fi_err_clear(&err);
		if (fi_queue_pending(imp->q, ids, FI_IMP_PENDING_MAX, &n, &err) == 0 &&
		    fi_store_last_batch(imp->store, imp->consumer, &last, &err) == 0)
			break;
		fi_warnx("recovery: %s", err.msg);
		fi_imp_redis_lost(imp, &err);
		fi_imp_db_close(imp);
		fi_imp_sleep(1);
	}
	for (size_t i = 0; i < n; i++) {
		int done = 0;
		size_t start = 0;
		struct fi_queue_items items;

		fi_err_clear(&err);
		if (fi_store_batch_done(imp->store, imp->consumer, ids[i], &done, &err) !=
		    0) {
			fi_warnx("recovery: %s", err.msg);
			return -1;
		}
		imp->batch = ids[i];
		fi_info("recovering batch %llu (%s)", (unsigned long long)ids[i],
			done ? "already written" : "not written yet");
		do {
			fi_err_clear(&err);
			if (fi_queue_read(imp->q, ids[i], start, FI_IMP_READ_CHUNK,
					  &items, &err) != 0) {
				fi_warnx("recovery: %s", err.msg);
				return -1;
			}
			for (size_t k = 0; k < items.n; k++)
				fi_imp_element(imp, items.p[k], items.len[k]);
			start += items.n;
		} while (items.n == FI_IMP_READ_CHUNK);
		imp->end_seen = 0;
		/* an empty list still has to be finished so that it leaves the set */
		imp->batch_elements = start > 0 ? start : 1;
		if (fi_imp_flush(imp) != 0)
			return -1;
	}
	imp->batch = (n > 0 && ids[n - 1] > last ? ids[n - 1] : last) + 1;
	return 0;
}

static void
fi_imp_stats(struct fi_importer *imp, double now)
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
	    (unsigned long long)imp->dead_total, imp->last.seconds,
	    (unsigned long long)imp->last.rows);
	imp->stats_at = now;
	imp->stats_taken = imp->taken;
	imp->stats_written = imp->written;
}

static void
fi_imp_reload_config(struct fi_importer *imp)
{
	struct fi_config fresh;

	fi_imp_reload = 0;
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
fi_imp_consumer_name(const struct fi_config *cfg, char *out, size_t size)
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

int
fi_importer_run(struct fi_config *cfg, const char *config_path,
		const struct fi_importer_opts *opts)
{
	struct fi_importer imp;
	struct sigaction sa;
	int status = 0;

	memset(&imp, 0, sizeof(imp));
	imp.cfg = cfg;
	imp.config_path = config_path;
	imp.opts = *opts;
	imp.flow_mark = -1;
	imp.lim.max_duration = cfg->max_flow_duration;
	imp.dead_log = (struct fi_ratelimit){.period = 10, .burst = 5};
	imp.retention_log = (struct fi_ratelimit){.period = 3600, .burst = 4};
	fi_buf_init(&imp.dead, 0);
	fi_agg_init(&imp.agg, cfg->bucket_sizes, cfg->n_bucket_sizes);
	fi_imp_consumer_name(cfg, imp.consumer, sizeof(imp.consumer));
	imp.q = fi_queue_new(cfg, imp.consumer);
	if (imp.q == NULL)
		fi_fatalx("out of memory");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fi_imp_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (fi_imp_recover(&imp) != 0) {
		status = fi_imp_stop ? 0 : 1;
		goto out;
	}
	fi_info("importing from %s (batch %llu)", cfg->redis_queue,
		(unsigned long long)imp.batch);
	imp.stats_at = imp.keepalive_at = fi_imp_now();
	while (!fi_imp_stop) {
		struct fi_queue_items items;
		struct fi_err err;
		double now = fi_imp_now();
		unsigned wait;

		if (fi_imp_reload)
			fi_imp_reload_config(&imp);
		if (now - imp.stats_at >= FI_IMP_STATS_S)
			fi_imp_stats(&imp, now);
		if (fi_imp_redis_up(&imp) != 0)
			break;
		if (now - imp.keepalive_at >= FI_IMP_KEEPALIVE_S) {
			fi_err_clear(&err);
			if (fi_queue_keepalive(imp.q, &err) != 0) {
				fi_imp_redis_lost(&imp, &err);
				continue;
			}
			imp.keepalive_at = now;
		}
		if (fi_imp_due(&imp, now)) {
			int end = imp.end_seen;

			if (fi_imp_flush(&imp) != 0)
				break;
			imp.end_seen = 0;
			if (end && imp.opts.exit_on_end)
				break;
			continue;
		}
		/* block on an empty queue no longer than the flush deadline allows */
		wait = opts->once ? 0 : FI_IMP_WAIT_MS;
		if (imp.batch_elements > 0) {
			double left = imp.batch_started + cfg->flush_interval - now;

			if (left * 1000 < wait)
				wait = left > 0 ? (unsigned)(left * 1000) : 0;
		}
		fi_err_clear(&err);
		if (fi_queue_take(imp.q, imp.batch, cfg->batch_size, wait, &items,
				  &err) != 0) {
			fi_imp_redis_lost(&imp, &err);
			continue;
		}
		if (items.n == 0) {
			if (opts->once) {
				if (imp.batch_elements > 0 && fi_imp_flush(&imp) != 0)
					status = 1;
				break;
			}
			continue;
		}
		if (imp.batch_elements == 0)
			imp.batch_started = now;
		imp.batch_elements += items.n;
		for (size_t i = 0; i < items.n; i++)
			fi_imp_element(&imp, items.p[i], items.len[i]);
		imp.taken += items.n;
	}
	if (fi_imp_stop) {
		fi_info("stopping: writing what is cached");
		if (fi_imp_flush(&imp) != 0)
			fi_warnx("could not write batch %llu before stopping; it stays "
				 "queued in "
				 "redis and is written at the next start",
				 (unsigned long long)imp.batch);
	}
	fi_imp_stats(&imp, fi_imp_now());
out:
	if (imp.q_up)
		fi_queue_unlock(imp.q);
	fi_queue_free(imp.q);
	fi_imp_db_close(&imp);
	fi_agg_fini(&imp.agg);
	fi_buf_fini(&imp.dead);
	return status;
}
