/*
 * fi_rollup.c: the roll-up (README "Roll-ups"). The importer marks, in the
 * transaction that writes flow, port or node rows, the bucket of every size
 * they fall in (fi_rollup_mark: a row of fi_rollup_dirty, gen + 1 when it
 * is there). The roll-up takes marked buckets that are over and quiet, finest
 * size first, and in one transaction replaces the bucket's pairs_S rows
 * (and ports_S of a size that is not a detail size) by the sums of the next
 * finer size's rows, its nodetop_S/nodegroups_S and porttop_S/portgroups_S
 * (the node and port indexes' first rows) by the ranking of its own
 * nodes_S and ports_S rows (the importer marks node rows' buckets too) and,
 * at the coarsest size, pairtop_S/pairgroups_S by that of its pairs_S,
 * then deletes the mark only if gen is still what it
 * read before the finer rows: a flow written meanwhile leaves it marked, so
 * it is rolled up again. Readers take a marked bucket from finer tables, so
 * answers are exact at every moment; a kill or a crash at any point leaves
 * either the old rows with the mark or the new rows without it. The marks
 * of a round are shared among rollup_connections connections, one thread
 * each, every bucket in one share (fi_rollup_round).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fi_backoff.h"
#include "fi_buf.h"
#include "fi_clock.h"
#include "fi_db.h"
#include "fi_limits.h"
#include "fi_log.h"
#include "fi_rollup.h"

#define FI_ROLLUP_TAKE	      256   /* marks read per round */
#define FI_ROLLUP_MARK_ROWS   200   /* marks per upsert statement */
#define FI_ROLLUP_IDLE_S      1	    /* wait when nothing could be rolled up */
#define FI_ROLLUP_STATS_S     60    /* seconds between progress lines */
#define FI_ROLLUP_KEEP_MARGIN 86400 /* a finer size is read a day inside its age */
#define FI_ROLLUP_RESTART_S   5	    /* the daemon restarts its child at most this often */
#define FI_ROLLUP_LOCK_WAIT_S 60    /* --once waits this long for another roll-up */
#define FI_ROLLUP_SQL_MAX     2048
/* 5-tuples per bucket and counter kept for the flow table (flowtop_S) */
#define FI_ROLLUP_TOP 1000

static volatile sig_atomic_t fi_rollup_stop;

struct fi_rollup {
	const struct fi_config *cfg;
	struct fi_db *db;
	char ports_cols[640];	/* the 24 counter columns of ports_ */
	char ports_sums[800];	/* SUM() of each */
	char node_sums[3][400]; /* a node (port) row's total per counter, as DECIMAL */
	uint64_t rolled, dropped, rolled_total;
	double seconds, stats_at;
	struct fi_ratelimit rl;
};

struct fi_rollup_job {
	unsigned i; /* bucket size index */
	uint32_t bucket;
	uint64_t gen;
};

/* A connection of the roll-up and its share of a round's jobs. */
struct fi_rollup_worker {
	struct fi_rollup r; /* its connection (owned) and counters */
	pthread_t thread;
	const struct fi_rollup_job *jobs; /* the round's, borrowed */
	size_t njobs, first, step;	  /* its share: jobs first, first + step, ... */
	int rc, n;			  /* outcome, buckets rolled up */
	struct fi_err err;
};

static const char fi_rollup_sql_session[] =
    "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED";
static const char fi_rollup_sql_lock[] =
    "SELECT GET_LOCK(CONCAT('flowinspector-rollup:', DATABASE()), 0)";
/* over (its end has passed) and quiet (not marked for rollup_settle s) */
static const char fi_rollup_sql_take[] =
    "SELECT size, bucket, gen FROM fi_rollup_dirty"
    " WHERE bucket + size <= UNIX_TIMESTAMP() AND marked_at <= NOW() - INTERVAL ? SECOND"
    " ORDER BY size, bucket LIMIT 256";
static const char fi_rollup_sql_finer[] =
    "SELECT COUNT(*) FROM fi_rollup_dirty WHERE size = ? AND bucket >= ? AND bucket < ?";
static const char fi_rollup_sql_unmark[] =
    "DELETE FROM fi_rollup_dirty WHERE size = ? AND bucket = ? AND gen = ?";
static const char fi_rollup_sql_meta[] =
    "INSERT INTO fi_meta (name, value) VALUES ('rollup_at', UNIX_TIMESTAMP())"
    " ON DUPLICATE KEY UPDATE value = VALUES(value)";
static const char fi_rollup_sql_pending[] =
    "SELECT COUNT(*) FROM fi_rollup_dirty WHERE bucket + size <= UNIX_TIMESTAMP()";

static void
fi_rollup_signal(int sig)
{
	(void)sig;
	fi_rollup_stop = 1;
}

/* ---- marks, written by the importer ---- */

static int
fi_rollup_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Upserts n marks (size << 32 | bucket, ascending) in one statement. */
static int
fi_rollup_mark_put(struct fi_db *db, const uint64_t *keys, size_t n, struct fi_err *err)
{
	static const char head[] = "INSERT INTO fi_rollup_dirty (size, bucket) VALUES ";
	static const char tail[] = " ON DUPLICATE KEY UPDATE gen = gen + 1";
	struct fi_val v[2 * FI_ROLLUP_MARK_ROWS];
	char sql[sizeof(head) + sizeof(tail) + 8 * FI_ROLLUP_MARK_ROWS];
	size_t len = 0;

	len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s", head);
	for (size_t k = 0; k < n; k++) {
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s(?, ?)",
					k ? ", " : "");
		v[2 * k] = FI_VAL_U(keys[k] >> 32);
		v[2 * k + 1] = FI_VAL_U(keys[k] & 0xffffffffu);
	}
	snprintf(sql + len, sizeof(sql) - len, "%s", tail);
	return fi_db_exec_params(db, sql, v, (unsigned)(2 * n), err);
}

int
fi_rollup_mark(struct fi_db *db, const uint32_t *sizes, unsigned nsizes, unsigned i,
	       const uint32_t *buckets, size_t n, struct fi_err *err)
{
	uint64_t *keys = malloc(n * nsizes * sizeof(*keys));
	size_t nkeys = 0, u = 0;
	int rc = 0;

	if (keys == NULL)
		return fi_err_set(err, FI_ENOMEM, "out of memory");
	for (unsigned j = i; j < nsizes; j++) {
		if (sizes[j] % sizes[i] != 0)
			continue;
		for (size_t k = 0; k < n; k++)
			keys[nkeys++] = (uint64_t)sizes[j] << 32 |
					(buckets[k] - buckets[k] % sizes[j]);
	}
	/* one order for every writer, so that marking never deadlocks */
	qsort(keys, nkeys, sizeof(*keys), fi_rollup_u64_cmp);
	for (size_t k = 0; k < nkeys; k++)
		if (u == 0 || keys[u - 1] != keys[k])
			keys[u++] = keys[k];
	for (size_t k = 0; rc == 0 && k < u; k += FI_ROLLUP_MARK_ROWS)
		rc = fi_rollup_mark_put(
		    db, keys + k,
		    u - k < FI_ROLLUP_MARK_ROWS ? u - k : FI_ROLLUP_MARK_ROWS, err);
	free(keys);
	return rc;
}

/* ---- rolling a bucket up ---- */

static void
fi_rollup_ports_cols(struct fi_rollup *r)
{
	static const char *const dirs[] = {"src", "dst"};
	static const char *const cls[] = {"tcp", "udp", "icmp", "other"};
	static const char *const ctr[] = {"flows", "packets", "bytes"};
	size_t a = 0, b = 0;

	for (unsigned d = 0; d < 2; d++)
		for (unsigned c = 0; c < 4; c++)
			for (unsigned k = 0; k < 3; k++) {
				const char *sep = a ? ", " : "";

				a += (size_t)snprintf(
				    r->ports_cols + a, sizeof(r->ports_cols) - a,
				    "%s%s_%s_%s", sep, dirs[d], cls[c], ctr[k]);
				b += (size_t)snprintf(
				    r->ports_sums + b, sizeof(r->ports_sums) - b,
				    "%sSUM(%s_%s_%s)", sep, dirs[d], cls[c], ctr[k]);
			}
	/* 0.0 first: summed as DECIMAL, where eight BIGINTs cannot overflow */
	for (unsigned k = 0; k < 3; k++) {
		size_t n =
		    (size_t)snprintf(r->node_sums[k], sizeof(r->node_sums[k]), "0.0");

		for (unsigned d = 0; d < 2; d++)
			for (unsigned c = 0; c < 4; c++)
				n += (size_t)snprintf(
				    r->node_sums[k] + n, sizeof(r->node_sums[k]) - n,
				    " + %s_%s_%s", dirs[d], cls[c], ctr[k]);
	}
}

/* Whether bucket size index j still keeps bucket b (with a day to spare). */
static int
fi_rollup_keeps(const struct fi_config *cfg, unsigned j, uint32_t b)
{
	int64_t days = cfg->retention_days[j];

	return days == 0 ||
	       (int64_t)b >= (int64_t)time(NULL) - days * 86400 + FI_ROLLUP_KEEP_MARGIN;
}

/*
 * The size index whose pairs and ports bucket b of size index i is summed
 * from: the next finer size while it keeps b, else -1 (the detail source's
 * flow rows and ports, which stay while any size summed from them keeps b).
 */
static int
fi_rollup_source(const struct fi_config *cfg, unsigned i, uint32_t b)
{
	int prev = fi_config_rollup_prev(cfg, i);

	return prev >= 0 && fi_rollup_keeps(cfg, (unsigned)prev, b) ? prev : -1;
}

/*
 * Runs one statement of the roll-up with (bucket) bound, 1 parameter, or
 * (from, to) of the bucket, 2, or (bucket, from, to), 3.
 */
static int
fi_rollup_exec(struct fi_rollup *r, const char *sql, unsigned nparams, uint32_t bucket,
	       uint32_t size, struct fi_err *err)
{
	struct fi_val v[3] = {FI_VAL_U(bucket), FI_VAL_U(bucket),
			      FI_VAL_U((uint64_t)bucket + size)};

	return fi_db_exec_params(r->db, sql, nparams == 2 ? v + 1 : v, nparams, err);
}

/* The left-out value of one counter: the (FI_ROLLUP_TOP + 1)-th largest. */
static int
fi_rollup_top_out(struct fi_rollup *r, const char *ctr, char *out, size_t size,
		  struct fi_err *err)
{
	char sql[256];
	struct fi_val off = FI_VAL_U(FI_ROLLUP_TOP);
	struct fi_stmt *st;

	snprintf(sql, sizeof(sql),
		 "SELECT %s FROM fi_rollup_tuples ORDER BY %s DESC LIMIT 1 OFFSET ?", ctr,
		 ctr);
	out[0] = '\0';
	st = fi_stmt_first(r->db, sql, &off, 1, err);
	if (st == NULL) {
		if (fi_db_fault(r->db) != FI_DB_FAULT_NONE)
			return err->code;
		fi_err_clear(err); /* no such row: nothing is left out */
		return 0;
	}
	if (fi_stmt_col_text(st, 0, out, size) != 0)
		out[0] = '\0';
	fi_stmt_free(st);
	return 0;
}

/* Records the bucket's 5-tuple count and left-out values (flowgroups_S). */
static int
fi_rollup_top_groups(struct fi_rollup *r, const struct fi_rollup_job *job,
		     char out[3][48], struct fi_err *err)
{
	uint32_t size = r->cfg->bucket_sizes[job->i];
	struct fi_stmt *st =
	    fi_stmt_first(r->db, "SELECT COUNT(*) FROM fi_rollup_tuples", NULL, 0, err);
	struct fi_val v[5];
	char sql[256];

	if (st == NULL)
		return err->code;
	v[0] = FI_VAL_U(job->bucket);
	v[1] = FI_VAL_U(fi_stmt_col(st, 0)->v.u);
	fi_stmt_free(st);
	for (unsigned k = 0; k < 3; k++)
		v[2 + k] = out[k][0] ? FI_VAL_S(out[k], strlen(out[k]))
				     : (struct fi_val){.type = FI_VAL_NULL};
	snprintf(sql, sizeof(sql),
		 "REPLACE INTO flowgroups_%u (bucket, tuples, out_flows, out_packets, "
		 "out_bytes)"
		 " VALUES (?, ?, ?, ?, ?)",
		 size);
	return fi_db_exec_params(r->db, sql, v, 5, err);
}

/*
 * The flow table's rows of one bucket of a size that is not a detail size
 * (flowtop_S, flowgroups_S): the bucket's 5-tuples summed once into a
 * temporary table, the largest by each counter kept, the count and the
 * left-out values recorded (inside the caller's transaction).
 */
static int
fi_rollup_top(struct fi_rollup *r, const struct fi_rollup_job *job, struct fi_err *err)
{
	static const char *const ctrs[3] = {"flows", "packets", "bytes"};
	uint32_t size = r->cfg->bucket_sizes[job->i];
	char sql[FI_ROLLUP_SQL_MAX], out[3][48];
	int rc =
	    fi_db_exec(r->db, "DROP TEMPORARY TABLE IF EXISTS fi_rollup_tuples", err);

	snprintf(sql, sizeof(sql),
		 "CREATE TEMPORARY TABLE fi_rollup_tuples"
		 " SELECT src, dst, sport, dport, proto, CAST(SUM(flows) AS "
		 "DECIMAL(30,9)) AS flows,"
		 " CAST(SUM(packets) AS UNSIGNED) AS packets, CAST(SUM(bytes) AS "
		 "UNSIGNED) AS bytes"
		 " FROM flows_%u WHERE bucket >= ? AND bucket < ?"
		 " GROUP BY src, dst, sport, dport, proto",
		 fi_config_detail_source(r->cfg, job->i));
	if (rc == 0)
		rc = fi_rollup_exec(r, sql, 2, job->bucket, size, err);
	snprintf(sql, sizeof(sql), "DELETE FROM flowtop_%u WHERE bucket = ?", size);
	if (rc == 0)
		rc = fi_rollup_exec(r, sql, 1, job->bucket, size, err);
	for (unsigned k = 0; rc == 0 && k < 3; k++) {
		snprintf(
		    sql, sizeof(sql),
		    "INSERT IGNORE INTO flowtop_%u (bucket, src, dst, sport, dport, "
		    "proto,"
		    " flows, packets, bytes) SELECT ?, src, dst, sport, dport, proto, "
		    "flows,"
		    " packets, bytes FROM fi_rollup_tuples ORDER BY %s DESC LIMIT %u",
		    size, ctrs[k], FI_ROLLUP_TOP);
		rc = fi_rollup_exec(r, sql, 1, job->bucket, size, err);
		if (rc == 0)
			rc = fi_rollup_top_out(r, ctrs[k], out[k], sizeof(out[k]), err);
	}
	if (rc == 0)
		rc = fi_rollup_top_groups(r, job, out, err);
	if (rc == 0)
		rc = fi_db_exec(r->db, "DROP TEMPORARY TABLE fi_rollup_tuples", err);
	return rc;
}

/* The tables of an index's first rows (fi_rollup_ranks): nodes, ports. */
static const struct {
	const char *rows, *id, *top, *groups, *count;
} fi_rollup_ranked[2] = {{"nodes", "addr", "nodetop", "nodegroups", "hosts"},
			 {"ports", "port", "porttop", "portgroups", "ports"}};

/*
 * The first rows of index x (fi_rollup_ranked) of one bucket, at any size
 * (nodetop_S, nodegroups_S, porttop_S, portgroups_S; sql/buckets.sql): per
 * counter the ids of the bucket's nodes_S (ports_S) rows ranked by their
 * total, largest first, ties by id, ranks 1 to FI_NODETOP_RANKS + 1; then
 * the bucket's id count and the ranks kept (inside the caller's
 * transaction). nodes_S is written by the importer at every size, ports_S
 * of a size that is not a detail size by fi_rollup_rows just before.
 */
static int
fi_rollup_ranks(struct fi_rollup *r, const struct fi_rollup_job *job, unsigned x,
		struct fi_err *err)
{
	uint32_t size = r->cfg->bucket_sizes[job->i];
	const char *id = fi_rollup_ranked[x].id;
	char sql[FI_ROLLUP_SQL_MAX];
	int rc;

	snprintf(sql, sizeof(sql), "DELETE FROM %s_%u WHERE bucket = ?",
		 fi_rollup_ranked[x].top, size);
	rc = fi_rollup_exec(r, sql, 1, job->bucket, size, err);
	for (unsigned k = 0; rc == 0 && k < 3; k++) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO %s_%u (bucket, ctr, rnk, %s, value)"
			 " SELECT ?, %u, ROW_NUMBER() OVER (ORDER BY v DESC, %s), %s, v"
			 " FROM (SELECT %s, %s AS v FROM %s_%u"
			 " WHERE bucket >= ? AND bucket < ?) fi_n ORDER BY v DESC, %s"
			 " LIMIT %u",
			 fi_rollup_ranked[x].top, size, id, k, id, id, id,
			 r->node_sums[k], fi_rollup_ranked[x].rows, size, id,
			 FI_NODETOP_RANKS + 1);
		rc = fi_rollup_exec(r, sql, 3, job->bucket, size, err);
	}
	snprintf(sql, sizeof(sql),
		 "REPLACE INTO %s_%u (bucket, %s, ranks)"
		 " SELECT ?, COUNT(*), LEAST(COUNT(*), %u) FROM %s_%u"
		 " WHERE bucket >= ? AND bucket < ?",
		 fi_rollup_ranked[x].groups, size, fi_rollup_ranked[x].count,
		 FI_NODETOP_RANKS + 1, fi_rollup_ranked[x].rows, size);
	if (rc == 0)
		rc = fi_rollup_exec(r, sql, 3, job->bucket, size, err);
	return rc;
}

/*
 * The host pairs' first rows of one bucket (pairtop_S, pairgroups_S;
 * sql/buckets.sql) at the size that keeps them (fi_config_pair_lists): the
 * bucket's pairs_S rows, just written, summed per (src, dst) over their
 * protocols once into a temporary table, then per counter ranked largest
 * first, ties by src then dst, ranks 1 to FI_PAIRTOP_RANKS + 1; the pair
 * count and the ranks kept. Nothing at another size (--init-db empties its
 * lists, which a former coarsest size may have left).
 */
static int
fi_rollup_pair_ranks(struct fi_rollup *r, const struct fi_rollup_job *job,
		     struct fi_err *err)
{
	static const char *const ctrs[3] = {"flows", "packets", "bytes"};
	uint32_t size = r->cfg->bucket_sizes[job->i];
	char sql[FI_ROLLUP_SQL_MAX];
	int rc;

	if (!fi_config_pair_lists(r->cfg, job->i))
		return 0;
	snprintf(sql, sizeof(sql), "DELETE FROM pairgroups_%u WHERE bucket = ?", size);
	rc = fi_rollup_exec(r, sql, 1, job->bucket, size, err);
	snprintf(sql, sizeof(sql), "DELETE FROM pairtop_%u WHERE bucket = ?", size);
	if (rc == 0)
		rc = fi_rollup_exec(r, sql, 1, job->bucket, size, err);
	if (rc == 0)
		rc = fi_db_exec(r->db,
				"DROP TEMPORARY TABLE IF EXISTS fi_rollup_pairsums", err);
	snprintf(sql, sizeof(sql),
		 "CREATE TEMPORARY TABLE fi_rollup_pairsums"
		 " SELECT src, dst, CAST(SUM(flows) AS DECIMAL(30,9)) AS flows,"
		 " CAST(SUM(packets) AS DECIMAL(30,0)) AS packets,"
		 " CAST(SUM(bytes) AS DECIMAL(30,0)) AS bytes"
		 " FROM pairs_%u WHERE bucket = ? GROUP BY src, dst",
		 size);
	if (rc == 0)
		rc = fi_rollup_exec(r, sql, 1, job->bucket, size, err);
	for (unsigned k = 0; rc == 0 && k < 3; k++) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO pairtop_%u (bucket, ctr, rnk, src, dst, value)"
			 " SELECT ?, %u, ROW_NUMBER() OVER (ORDER BY %s DESC, src, dst),"
			 " src, dst, %s FROM fi_rollup_pairsums"
			 " ORDER BY %s DESC, src, dst LIMIT %u",
			 size, k, ctrs[k], ctrs[k], ctrs[k], FI_PAIRTOP_RANKS + 1);
		rc = fi_rollup_exec(r, sql, 1, job->bucket, size, err);
	}
	snprintf(sql, sizeof(sql),
		 "INSERT INTO pairgroups_%u (bucket, pairs, ranks)"
		 " SELECT ?, COUNT(*), LEAST(COUNT(*), %u) FROM fi_rollup_pairsums",
		 size, FI_PAIRTOP_RANKS + 1);
	if (rc == 0)
		rc = fi_rollup_exec(r, sql, 1, job->bucket, size, err);
	if (rc == 0)
		rc = fi_db_exec(r->db, "DROP TEMPORARY TABLE fi_rollup_pairsums", err);
	return rc;
}

/* Replaces the rolled-up rows of one bucket (inside the caller's transaction). */
static int
fi_rollup_rows(struct fi_rollup *r, const struct fi_rollup_job *job, struct fi_err *err)
{
	const struct fi_config *cfg = r->cfg;
	uint32_t size = cfg->bucket_sizes[job->i];
	int src = fi_rollup_source(cfg, job->i, job->bucket);
	uint32_t from =
	    src >= 0 ? cfg->bucket_sizes[src] : fi_config_detail_source(cfg, job->i);
	char sql[FI_ROLLUP_SQL_MAX];
	int rc;

	snprintf(sql, sizeof(sql), "DELETE FROM pairs_%u WHERE bucket = ?", size);
	rc = fi_rollup_exec(r, sql, 1, job->bucket, size, err);
	/* last: the finest bucket with traffic; unknown (NULL) if a finer
	 * row's is (a row from before it, rolled up again meanwhile) */
	snprintf(
	    sql, sizeof(sql),
	    "INSERT INTO pairs_%u (bucket, src, dst, proto, flows, packets, bytes, last)"
	    " SELECT ?, src, dst, proto, SUM(flows), SUM(packets), SUM(bytes), %s"
	    " FROM %s_%u WHERE bucket >= ? AND bucket < ? GROUP BY src, dst, proto",
	    size,
	    src >= 0 ? "IF(COUNT(last) = COUNT(*), MAX(last), NULL)" : "MAX(bucket)",
	    src >= 0 ? "pairs" : "flows", from);
	if (rc == 0)
		rc = fi_rollup_exec(r, sql, 3, job->bucket, size, err);
	if (rc == 0)
		rc = fi_rollup_pair_ranks(r, job, err);
	if (rc == 0)
		rc = fi_rollup_ranks(r, job, 0, err);
	if (rc != 0 || fi_config_is_detail(cfg, job->i))
		/* a detail size's ports are written by the importer */
		return rc != 0 ? rc : fi_rollup_ranks(r, job, 1, err);
	snprintf(sql, sizeof(sql), "DELETE FROM ports_%u WHERE bucket = ?", size);
	rc = fi_rollup_exec(r, sql, 1, job->bucket, size, err);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO ports_%u (bucket, port, %s) SELECT ?, port, %s"
		 " FROM ports_%u WHERE bucket >= ? AND bucket < ? GROUP BY port",
		 size, r->ports_cols, r->ports_sums, from);
	if (rc == 0)
		rc = fi_rollup_exec(r, sql, 3, job->bucket, size, err);
	if (rc == 0)
		rc = fi_rollup_ranks(r, job, 1, err);
	if (rc == 0)
		rc = fi_rollup_top(r, job, err);
	return rc;
}

/* Deletes the mark if it is still job->gen; *gone tells whether it was. */
static int
fi_rollup_unmark(struct fi_rollup *r, const struct fi_rollup_job *job, int *gone,
		 struct fi_err *err)
{
	struct fi_val v[3] = {FI_VAL_U(r->cfg->bucket_sizes[job->i]),
			      FI_VAL_U(job->bucket), FI_VAL_U(job->gen)};
	struct fi_stmt *st = fi_stmt_run(r->db, fi_rollup_sql_unmark, v, 3, err);

	if (st == NULL)
		return err->code;
	*gone = fi_stmt_affected(st) == 1;
	fi_stmt_free(st);
	return 0;
}

/* Whether some bucket of the next finer size inside job's is still marked. */
static int
fi_rollup_waits(struct fi_rollup *r, const struct fi_rollup_job *job, int *waits,
		struct fi_err *err)
{
	int src = fi_rollup_source(r->cfg, job->i, job->bucket);
	uint32_t size = r->cfg->bucket_sizes[job->i];
	struct fi_val v[3];
	struct fi_stmt *st;

	*waits = 0;
	if (src < 0)
		return 0;
	v[0] = FI_VAL_U(r->cfg->bucket_sizes[src]);
	v[1] = FI_VAL_U(job->bucket);
	v[2] = FI_VAL_U((uint64_t)job->bucket + size);
	st = fi_stmt_first(r->db, fi_rollup_sql_finer, v, 3, err);
	if (st == NULL)
		return err->code;
	*waits = fi_stmt_col(st, 0)->v.u > 0;
	fi_stmt_free(st);
	return 0;
}

/*
 * Rolls up one marked bucket: *done is 1 when it was rolled up (or its
 * mark dropped: a bucket its own retention deletes), 0 when it waits for
 * finer buckets. Returns 0 or a negative code.
 */
static int
fi_rollup_one(struct fi_rollup *r, const struct fi_rollup_job *job, int *done,
	      struct fi_err *err)
{
	const struct fi_config *cfg = r->cfg;
	uint32_t size = cfg->bucket_sizes[job->i];
	int64_t days = cfg->retention_days[job->i];
	double t0 = fi_clock_now();
	int waits, gone = 0, rc;

	*done = 0;
	if (days > 0 &&
	    (int64_t)job->bucket <= (int64_t)time(NULL) - days * 86400 - size) {
		rc = fi_rollup_unmark(r, job, &gone, err);
		r->dropped += rc == 0 && gone;
		*done = rc == 0;
		return rc;
	}
	rc = fi_rollup_waits(r, job, &waits, err);
	if (rc != 0 || waits)
		return rc;
	rc = fi_db_begin(r->db, err);
	if (rc != 0)
		return rc;
	rc = fi_rollup_rows(r, job, err);
	if (rc == 0)
		rc = fi_rollup_unmark(r, job, &gone, err);
	if (rc == 0)
		rc = fi_db_exec(r->db, fi_rollup_sql_meta, err);
	if (rc == 0)
		rc = fi_db_commit(r->db, err);
	if (rc != 0) {
		fi_db_rollback(r->db);
		return rc;
	}
	*done = 1;
	r->rolled++;
	r->seconds += fi_clock_now() - t0;
	fi_debug("rolled up %u s bucket %u in %.3f s%s", size, job->bucket,
		 fi_clock_now() - t0, gone ? "" : " (marked again meanwhile)");
	return 0;
}

/* ---- the loop ---- */

/* Reads up to FI_ROLLUP_TAKE marks that may be rolled up now. */
static int
fi_rollup_take(struct fi_rollup *r, struct fi_rollup_job *jobs, size_t *n,
	       struct fi_err *err)
{
	struct fi_val v = FI_VAL_U(r->cfg->rollup_settle);
	struct fi_stmt *st = fi_stmt_run(r->db, fi_rollup_sql_take, &v, 1, err);
	int rc;

	*n = 0;
	if (st == NULL)
		return err->code;
	while ((rc = fi_stmt_fetch(st, err)) == 1) {
		int i = fi_config_bucket_index(r->cfg, (uint32_t)fi_stmt_col(st, 0)->v.u);

		/* a size no longer configured: its tables are not read */
		if (i < 0 || *n == FI_ROLLUP_TAKE)
			continue;
		jobs[*n].i = (unsigned)i;
		jobs[*n].bucket = (uint32_t)fi_stmt_col(st, 1)->v.u;
		jobs[*n].gen = fi_stmt_col(st, 2)->v.u;
		(*n)++;
	}
	fi_stmt_free(st);
	return rc;
}

/*
 * One connection's share of a round: jobs k, k + step, ... of the round's
 * (each bucket in one share, so no two connections roll up one bucket;
 * a coarse bucket whose finer ones another share still has waits for the
 * next round). Sets w->rc and w->n (buckets rolled up).
 */
static void *
fi_rollup_share(void *arg)
{
	struct fi_rollup_worker *w = arg;

	w->n = 0;
	w->rc = 0;
	for (size_t k = w->first; w->rc == 0 && k < w->njobs && !fi_rollup_stop;
	     k += w->step) {
		int done;

		w->rc = fi_rollup_one(&w->r, &w->jobs[k], &done, &w->err);
		w->n += done;
	}
	return NULL;
}

/* A connection of the roll-up, its session set up; NULL (err) on failure. */
static struct fi_db *
fi_rollup_open(const struct fi_config *cfg, struct fi_err *err)
{
	struct fi_db *db = fi_db_open(cfg, FI_DB_ROLE_IMPORTER, err);

	if (db != NULL && fi_db_exec(db, fi_rollup_sql_session, err) != 0) {
		fi_db_close(db);
		db = NULL;
	}
	return db;
}

/* Opens connection w (a worker's own, without the lock); 0 or < 0. */
static int
fi_rollup_worker_open(struct fi_rollup_worker *w, const struct fi_rollup *main,
		      struct fi_err *err)
{
	struct fi_db *db = w->r.db;

	w->r = *main;
	w->r.db = db != NULL ? db : fi_rollup_open(main->cfg, err);
	w->r.rolled = w->r.dropped = 0;
	w->r.seconds = 0;
	return w->r.db != NULL ? 0 : err->code;
}

/*
 * One round: rolls up what may be now, the jobs shared among the main
 * connection and the workers' (rollup_connections - 1 of them), each in a
 * thread of its own. Returns rolled buckets, or < 0.
 */
static int
fi_rollup_round(struct fi_rollup *r, struct fi_rollup_worker *ws, unsigned nw,
		struct fi_err *err)
{
	struct fi_rollup_job jobs[FI_ROLLUP_TAKE];
	struct fi_rollup_worker self = {.r = *r};
	size_t n;
	int rolled, rc = fi_rollup_take(r, jobs, &n, err);
	unsigned open = 0, started = 0;

	if (rc != 0 || n == 0)
		return rc;
	/* the connections first, so that every share is known before any starts */
	for (unsigned k = 0; k < nw && open + 1 < n; k++, open++) {
		fi_err_clear(&ws[k].err);
		if (fi_rollup_worker_open(&ws[k], r, &ws[k].err) != 0) {
			fi_warnx_limited(
			    &r->rl, "roll-up: no connection %u: %s; going on with %u",
			    k + 2, ws[k].err.msg, k + 1);
			break;
		}
	}
	for (unsigned k = 0; k < open; k++) {
		ws[k].jobs = jobs;
		ws[k].njobs = n;
		ws[k].first = k + 1;
		ws[k].step = open + 1;
	}
	for (; started < open; started++)
		if (pthread_create(&ws[started].thread, NULL, fi_rollup_share,
				   &ws[started]) != 0)
			break; /* the shares not started wait for the next round */
	self.jobs = jobs;
	self.njobs = n;
	self.first = 0;
	self.step = open + 1;
	fi_rollup_share(&self);
	*r = self.r;
	rc = self.rc;
	rolled = self.n;
	if (rc != 0)
		*err = self.err;
	for (unsigned k = 0; k < started; k++) {
		struct fi_rollup_worker *w = &ws[k];

		pthread_join(w->thread, NULL);
		r->rolled += w->r.rolled;
		r->dropped += w->r.dropped;
		r->seconds += w->r.seconds;
		rolled += w->n;
		if (w->rc != 0) {
			/* opened afresh next round */
			fi_db_close(w->r.db);
			w->r.db = NULL;
			if (rc == 0) {
				rc = w->rc;
				*err = w->err;
			}
		}
	}
	return rc != 0 ? rc : rolled;
}

static void
fi_rollup_stats(struct fi_rollup *r, double now)
{
	struct fi_err err;
	struct fi_stmt *st;
	uint64_t pending = 0;

	fi_err_clear(&err);
	st = fi_stmt_first(r->db, fi_rollup_sql_pending, NULL, 0, &err);
	if (st != NULL) {
		pending = fi_stmt_col(st, 0)->v.u;
		fi_stmt_free(st);
	}
	if (r->rolled > 0 || r->dropped > 0 || pending > 0)
		fi_info("roll-up: %llu buckets rolled up in %.1f s (%llu past retention "
			"dropped), %llu over and marked",
			(unsigned long long)r->rolled, r->seconds,
			(unsigned long long)r->dropped, (unsigned long long)pending);
	r->rolled_total += r->rolled;
	r->rolled = r->dropped = 0;
	r->seconds = 0;
	r->stats_at = now;
}

/* Connects, takes the roll-up lock (one roll-up per database); 0 or < 0. */
static int
fi_rollup_connect(struct fi_rollup *r, int once, struct fi_err *err)
{
	double until = fi_clock_now() + FI_ROLLUP_LOCK_WAIT_S;

	r->db = fi_rollup_open(r->cfg, err);
	if (r->db == NULL)
		return err->code;
	while (!fi_rollup_stop) {
		struct fi_stmt *st =
		    fi_stmt_first(r->db, fi_rollup_sql_lock, NULL, 0, err);
		int got;

		if (st == NULL)
			return err->code ? err->code : FI_EINTERNAL;
		got = fi_stmt_col(st, 0)->type != FI_VAL_NULL &&
		      fi_stmt_col(st, 0)->v.u == 1;
		fi_stmt_free(st);
		if (got)
			return 0;
		if (once && fi_clock_now() > until)
			return fi_err_set(
			    err, FI_EUNAVAIL,
			    "another roll-up holds the lock of this database");
		fi_debug("another roll-up is running; waiting");
		sleep(FI_ROLLUP_RESTART_S);
	}
	return FI_EUNAVAIL;
}

int
fi_rollup_run(const struct fi_config *cfg, int once)
{
	struct fi_rollup r = {.cfg = cfg, .rl = {.period = 60, .burst = 3}};
	struct fi_rollup_worker ws[FI_ROLLUP_CONNECTIONS_MAX - 1];
	unsigned nw = cfg->rollup_connections > 1 ? cfg->rollup_connections - 1 : 0;
	struct sigaction sa;
	unsigned backoff = 1;
	int status = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fi_rollup_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (nw > FI_ROLLUP_CONNECTIONS_MAX - 1)
		nw = FI_ROLLUP_CONNECTIONS_MAX - 1;
	memset(ws, 0, sizeof(ws));
	fi_rollup_ports_cols(&r);
	r.stats_at = fi_clock_now();
	fi_info("roll-up started%s", once ? " (until done)" : "");
	while (!fi_rollup_stop) {
		struct fi_err err;
		int n;

		fi_err_clear(&err);
		if (r.db == NULL && fi_rollup_connect(&r, once, &err) != 0) {
			fi_db_close(r.db);
			r.db = NULL;
			if (fi_rollup_stop)
				break; /* stopped while waiting for the lock */
			fi_warnx("roll-up: %s; again in %u s", err.msg, backoff);
			if (once) {
				status = 1;
				break;
			}
			fi_backoff_wait(&backoff, &fi_rollup_stop);
			continue;
		}
		n = fi_rollup_round(&r, ws, nw, &err);
		if (n < 0) {
			fi_warnx("roll-up: %s; reconnecting", err.msg);
			fi_db_close(r.db);
			r.db = NULL;
			fi_backoff_wait(&backoff, &fi_rollup_stop);
			continue;
		}
		backoff = 1;
		if (fi_clock_now() - r.stats_at >= FI_ROLLUP_STATS_S)
			fi_rollup_stats(&r, fi_clock_now());
		if (n == 0 && once)
			break;
		if (n == 0)
			sleep(FI_ROLLUP_IDLE_S);
	}
	if (r.db != NULL)
		fi_rollup_stats(&r, fi_clock_now());
	fi_info("roll-up stopped: %llu buckets rolled up",
		(unsigned long long)r.rolled_total);
	fi_db_close(r.db);
	for (unsigned k = 0; k < nw; k++)
		fi_db_close(ws[k].r.db);
	return status;
}

/* ---- the daemon's child ---- */

static pid_t fi_rollup_child = -1;
static double fi_rollup_child_at;
static char fi_rollup_child_conf[4096];
static int fi_rollup_child_conf_given;

static void
fi_rollup_child_spawn(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0) {
		fi_warn("cannot start the roll-up process");
		return;
	}
	if (pid == 0) {
		/* ends with the importer, whichever way that goes */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(0);
		if (fi_rollup_child_conf_given)
			execl("/proc/self/exe", "flowinspector-importer", "-c",
			      fi_rollup_child_conf, "--rollup", (char *)NULL);
		else
			execl("/proc/self/exe", "flowinspector-importer", "--rollup",
			      (char *)NULL);
		_exit(127);
	}
	fi_rollup_child = pid;
	fi_rollup_child_at = fi_clock_now();
	fi_info("roll-up process %ld started", (long)pid);
}

void
fi_rollup_child_start(const char *config_path)
{
	fi_rollup_child_conf_given = config_path != NULL;
	if (config_path != NULL)
		snprintf(fi_rollup_child_conf, sizeof(fi_rollup_child_conf), "%s",
			 config_path);
	fi_rollup_child_spawn();
}

void
fi_rollup_child_check(void)
{
	int st;

	if (fi_rollup_child > 0 &&
	    waitpid(fi_rollup_child, &st, WNOHANG) == fi_rollup_child) {
		if (WIFSIGNALED(st))
			fi_warnx("roll-up process %ld killed by signal %d; restarting",
				 (long)fi_rollup_child, WTERMSIG(st));
		else
			fi_warnx("roll-up process %ld exited with %d; restarting",
				 (long)fi_rollup_child, WEXITSTATUS(st));
		fi_rollup_child = 0; /* to be started again */
	}
	if (fi_rollup_child == 0 &&
	    fi_clock_now() - fi_rollup_child_at >= FI_ROLLUP_RESTART_S)
		fi_rollup_child_spawn();
}

void
fi_rollup_child_stop(void)
{
	if (fi_rollup_child <= 0)
		return;
	kill(fi_rollup_child, SIGTERM);
	while (waitpid(fi_rollup_child, NULL, 0) < 0 && errno == EINTR)
		;
	fi_rollup_child = -1;
}
