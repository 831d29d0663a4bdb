/*
 * fi_bench.c: the ceilings the importer benchmark compares against.
 *   take -c CONF     how fast redis hands over the queue through the same
 *                    atomic take and finish scripts, with no decoding and no
 *                    database (elements/s);
 *   write -c CONF F  how fast MariaDB takes the upserts of the same tables:
 *                    decodes the element files F..., sums everything in one
 *                    cache and times one write of it over db_writers
 *                    connections in parallel, as the importer writes (rows/s).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fi_agg.h"
#include "fi_clock.h"
#include "fi_db.h"
#include "fi_log.h"
#include "fi_msg.h"
#include "fi_program.h"
#include "fi_queue.h"
#include "fi_store.h"

static int
bench_take(const struct fi_config *cfg)
{
	struct fi_queue *q = fi_queue_new(cfg, "bench-take");
	struct fi_queue_items items;
	struct fi_err err;
	uint64_t n = 0, id = 1;
	double t0;

	fi_err_clear(&err);
	if (q == NULL || fi_queue_connect(q, &err) != 0)
		fi_fatalx("take: %s", err.msg);
	t0 = fi_clock_now();
	for (;;) {
		if (fi_queue_take(q, id, cfg->batch_size, 0, &items, &err) != 0)
			fi_fatalx("take: %s", err.msg);
		if (items.n == 0)
			break;
		n += items.n;
		if (fi_queue_done(q, id, NULL, 0, &err) != 0)
			fi_fatalx("take: %s", err.msg);
		id++;
	}
	printf("take: %llu elements in %.3f s: %.0f elements/s\n", (unsigned long long)n,
	       fi_clock_now() - t0, (double)n / (fi_clock_now() - t0));
	fi_queue_unlock(q);
	fi_queue_free(q);
	return 0;
}

/* The parts of one cache, shared by the writer threads. */
struct bench_job {
	const struct fi_config *cfg;
	const struct fi_agg *agg;
	struct fi_store_part *parts; /* each table whole: the ceiling */
	size_t nparts, next;
	uint64_t rows;
	pthread_mutex_t mu;
};

static void *
bench_writer(void *arg)
{
	struct bench_job *job = arg;
	struct fi_store_stats stats = {0, 0, 0};
	struct fi_err err;
	struct fi_db *db;
	struct fi_store *st;

	fi_err_clear(&err);
	db = fi_db_open(job->cfg, FI_DB_ROLE_IMPORTER, &err);
	st = db ? fi_store_new(db, &err) : NULL;
	if (st == NULL)
		fi_fatalx("write: %s", err.msg);
	for (;;) {
		size_t i;

		pthread_mutex_lock(&job->mu);
		i = job->next++;
		pthread_mutex_unlock(&job->mu);
		if (i >= job->nparts)
			break;
		if (fi_store_write_part(st, job->agg, &job->parts[i], NULL, &stats,
					&err) != 0)
			fi_fatalx("write: %s", err.msg);
	}
	pthread_mutex_lock(&job->mu);
	job->rows += stats.rows;
	pthread_mutex_unlock(&job->mu);
	fi_store_free(st);
	fi_db_close(db);
	return NULL;
}

static int
bench_write(const struct fi_config *cfg, int nfiles, char **files)
{
	struct fi_msg_limits lim = {.max_duration = cfg->max_flow_duration};
	struct bench_job job;
	pthread_t threads[8];
	unsigned nthreads = cfg->db_writers < 8 ? cfg->db_writers : 8;
	struct fi_agg agg;
	struct fi_err err;
	char line[FI_MESSAGE_MAX + 2];
	double t0, dt;

	fi_agg_init(&agg, cfg->bucket_sizes, cfg->n_bucket_sizes);
	for (unsigned k = 0; k < cfg->n_bucket_sizes; k++)
		fi_agg_set_detail(&agg, k, fi_config_is_detail(cfg, k));
	for (int i = 0; i < nfiles; i++) {
		FILE *fp = fopen(files[i], "r");

		if (fp == NULL)
			fi_fatal("%s", files[i]);
		while (fgets(line, sizeof(line), fp) != NULL) {
			size_t n = strcspn(line, "\n");
			struct fi_flow f;

			fi_err_clear(&err);
			if (n > 0 && fi_msg_decode(line, n, &lim, &f, &err) == 0 &&
			    fi_agg_add(&agg, &f, &err) == FI_ENOMEM)
				fi_fatalx("out of memory");
		}
		fclose(fp);
	}
	memset(&job, 0, sizeof(job));
	job.cfg = cfg;
	job.agg = &agg;
	if (fi_store_parts(&agg, 0, NULL, 0, 1, &job.parts, &job.nparts, &err) != 0)
		fi_fatalx("%s", err.msg);
	pthread_mutex_init(&job.mu, NULL);
	t0 = fi_clock_now();
	for (unsigned i = 0; i < nthreads; i++)
		pthread_create(&threads[i], NULL, bench_writer, &job);
	for (unsigned i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	dt = fi_clock_now() - t0;
	printf(
	    "write: %llu flows as %llu rows (%.2f rows per flow) over %u connections in "
	    "%.3f s: %.0f rows/s\n",
	    (unsigned long long)agg.nflows, (unsigned long long)job.rows,
	    (double)job.rows / (double)agg.nflows, nthreads, dt, (double)job.rows / dt);
	pthread_mutex_destroy(&job.mu);
	fi_store_parts_free(job.parts, job.nparts);
	fi_agg_fini(&agg);
	return 0;
}

int
main(int argc, char **argv)
{
	struct fi_config cfg;

	if (argc < 4 || strcmp(argv[2], "-c") != 0) {
		fprintf(stderr, "usage: fi_bench take|write -c CONF [FILE...]\n");
		return 2;
	}
	if (fi_program_config("fi_bench", argv[3], &cfg) != 0)
		return 1;
	if (strcmp(argv[1], "take") == 0)
		return bench_take(&cfg);
	if (strcmp(argv[1], "write") == 0)
		return bench_write(&cfg, argc - 4, argv + 4);
	fprintf(stderr, "fi_bench: unknown command %s\n", argv[1]);
	return 2;
}
