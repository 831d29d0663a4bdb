/*
 * fi_dbsrc_read.c: reading rows of a source table into the bucket tables,
 * exactly once: every write carries, in the same transaction, the table's
 * new mark in fi_source_marks (fi_store_write_source moves it from the
 * mark the import started from, so two imports of one table cannot both
 * count a row). Scan and snapshot mode live here: the mark keeps how many
 * rows were read and a digest of them, and each run checks that the table
 * still starts with exactly those rows before it reads on. Rows stream from
 * the source (bounded memory) and are written in chunks.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fi_clock.h"
#include "fi_dbsrc_import.h"

#define FI_DBSRC_WRITE_TRIES 3 /* attempts of one write after a lock timeout */

/* Runs a one-row, one-column integer query. */
int
fi_dbsrc_query_int(struct fi_db *db, const char *sql, const struct fi_val *v, unsigned n,
		   int64_t *out, struct fi_err *err)
{
	struct fi_stmt *st = fi_stmt_first(db, sql, v, n, err);
	int rc = 0;

	if (st == NULL)
		return err->code;
	if (fi_stmt_col(st, 0)->type == FI_VAL_NULL)
		*out = -1;
	else if (fi_dbsrc_val_i64(fi_stmt_col(st, 0), out) != 0)
		rc = fi_err_set(err, FI_EDB, "unexpected result of %.60s", sql);
	fi_stmt_reset(st);
	fi_stmt_free(st);
	return rc;
}

/*
 * Writes the cached flows and moves the table's mark to next, in one
 * transaction; retries a few times after a lock timeout or a lost
 * connection. On success the cache is empty and next is the committed mark.
 */
int
fi_dbsrc_commit(struct fi_dbsrc_import *im, const struct fi_dbsrc_mark *next,
		struct fi_err *err)
{
	struct fi_dbsrc_source *d = im->d;
	char text[FI_DBSRC_MARK_TEXT_MAX + 1];
	struct fi_store_source_mark sm;
	struct fi_store_gap *changed = NULL;
	int rc = fi_dbsrc_mark_format(next, text, sizeof(text));

	if (rc != 0)
		return fi_err_set(err, rc, "the mark of %s is too long", im->t->name);
	sm = (struct fi_store_source_mark){.source = d->source,
					   .table = im->t->name,
					   .prev = im->have_prev ? im->prev : NULL,
					   .mark = text,
					   .rows = next->rows};
	if (im->gaps != NULL) {
		rc = fi_dbsrc_gaps_changes(im, &sm, &changed, err);
		if (rc != 0)
			return rc;
	}
	for (int tries = 1;; tries++) {
		struct fi_err werr;

		fi_err_clear(&werr);
		if (d->store == NULL)
			rc = fi_dbsrc_dst_open(d, &werr);
		if (d->store != NULL)
			rc = fi_store_write_source(d->store, &d->agg, &sm, NULL, &werr);
		if (rc == 0)
			break;
		if (rc != FI_EUNAVAIL || tries >= FI_DBSRC_WRITE_TRIES ||
		    fi_dbsrc_stopped()) {
			free(changed);
			*err = werr;
			return rc;
		}
		fi_progress_clear(&d->prog);
		fi_warnx("writing %s failed: %s; retrying", im->t->name, werr.msg);
		if (!fi_db_alive(d->dst))
			fi_dbsrc_dst_close(d);
		sleep(1);
	}
	free(changed);
	if (im->gaps != NULL)
		fi_dbsrc_gaps_written(im->gaps);
	fi_agg_retention_warning(&d->agg, d->cfg, &d->retention_log, "old data",
				 &d->prog);
	im->flows += d->agg.nflows;
	fi_agg_clear(&d->agg);
	memcpy(im->prev, text, sizeof(text));
	im->have_prev = 1;
	im->mark = *next;
	im->since_write = 0;
	im->written_at = fi_clock_now();
	return 0;
}

/* Whether the cached rows should be written now. */
int
fi_dbsrc_due(const struct fi_dbsrc_import *im)
{
	const struct fi_config *cfg = im->d->cfg;

	return im->since_write >= cfg->src_chunk_rows ||
	       fi_agg_bytes(&im->d->agg) >= (size_t)cfg->max_memory_mb << 20 ||
	       (im->since_write > 0 &&
		fi_clock_now() - im->written_at >= cfg->flush_interval);
}

/*
 * Converts and caches one row (im->vals). pos is its place in scan order,
 * key its key value (key mode) for messages. A bad row is counted and
 * reported, not an error; only running out of memory is.
 */
int
fi_dbsrc_row(struct fi_dbsrc_import *im, uint64_t pos, const int64_t *key,
	     struct fi_err *err)
{
	struct fi_dbsrc_source *d = im->d;
	struct fi_flow f[2];
	struct fi_err why;
	unsigned n;

	im->read++;
	im->since_write++;
	fi_err_clear(&why);
	if (fi_dbsrc_decode(&im->shape->layout, im->vals, &d->lim, f, &n, &why) != 0) {
		if (++im->bad <= FI_DBSRC_BAD_SHOWN) {
			fi_progress_clear(&d->prog);
			if (key != NULL)
				fi_warnx("%s: skipped the row with %s = %lld: %s",
					 im->t->name, im->shape->autoinc, (long long)*key,
					 why.msg);
			else
				fi_warnx("%s: skipped row %llu: %s", im->t->name,
					 (unsigned long long)pos, why.msg);
		}
		return 0;
	}
	if (n == 0)
		im->not_ip++;
	for (unsigned i = 0; i < n; i++) {
		int rc;

		fi_err_clear(&why);
		rc = fi_agg_add(&d->agg, &f[i], &why);

		if (rc == FI_ENOMEM)
			return fi_err_set(err, FI_ENOMEM,
					  "out of memory (lower max_memory_mb or "
					  "src_chunk_rows)");
		/* a counter the tables cannot hold: this direction is skipped */
		if (rc != 0 && ++im->bad <= FI_DBSRC_BAD_SHOWN) {
			fi_progress_clear(&d->prog);
			fi_warnx("%s: skipped a flow of row %llu: %s", im->t->name,
				 (unsigned long long)pos, why.msg);
		}
	}
	return 0;
}

/* Appends the quoted columns the layout reads, comma-separated. */
int
fi_dbsrc_select_list(struct fi_buf *sql, const struct fi_dbsrc_layout *l)
{
	int rc = 0;

	for (unsigned i = 0; rc == 0 && i < l->n; i++) {
		if (i > 0)
			rc = fi_buf_puts(sql, ",");
		if (rc == 0)
			rc = fi_dbsrc_quote(sql, l->names[i]);
	}
	return rc;
}

int
fi_dbsrc_select(struct fi_buf *sql, const struct fi_dbsrc_layout *l)
{
	int rc;

	fi_buf_init(sql, FI_DBSRC_SQL_MAX);
	rc = fi_buf_puts(sql, "SELECT ");
	return rc ? rc : fi_dbsrc_select_list(sql, l);
}

/* SELECT COUNT(*) FROM the table [WHERE key > from]. */
int
fi_dbsrc_count(struct fi_dbsrc_import *im, const int64_t *from, int64_t *out,
	       struct fi_err *err)
{
	struct fi_buf sql;
	struct fi_val v = FI_VAL_I(from ? *from : 0);
	int rc;

	fi_buf_init(&sql, FI_DBSRC_SQL_MAX);
	rc = fi_buf_puts(&sql, "SELECT COUNT(*) FROM ");
	rc = rc ? rc : fi_dbsrc_quote(&sql, im->t->name);
	if (from != NULL) {
		rc = rc ? rc : fi_buf_puts(&sql, " WHERE ");
		rc = rc ? rc : fi_dbsrc_quote(&sql, im->shape->autoinc);
		rc = rc ? rc : fi_buf_puts(&sql, " > ?");
	}
	if (rc != 0)
		rc = fi_err_set(err, rc, "statement too long");
	else
		rc = fi_dbsrc_query_int(im->d->src, sql.data, &v, from ? 1 : 0, out, err);
	fi_buf_fini(&sql);
	return rc;
}

/* Copies the current row's values so that im->vals points at them. */
void
fi_dbsrc_take_row(struct fi_stmt *st, struct fi_val *vals, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		vals[i] = *fi_stmt_col(st, i);
}

struct fi_stmt *
fi_dbsrc_prepare(struct fi_dbsrc_source *d, struct fi_buf *sql, int rc,
		 struct fi_err *err)
{
	struct fi_stmt *st = NULL;

	if (rc != 0)
		fi_err_set(err, rc, "statement too long");
	else
		st = fi_stmt_new(d->src, sql->data, err);
	fi_buf_fini(sql);
	return st;
}

/*
 * The statement of scan mode (a table scan: rows in the order they were
 * stored) or of snapshot mode (in the order of the first unique key).
 */
static struct fi_stmt *
fi_dbsrc_scan_stmt(struct fi_dbsrc_import *im, int snapshot, struct fi_err *err)
{
	const struct fi_dbsrc_shape *sh = im->shape;
	struct fi_buf sql;
	int rc;

	rc = fi_dbsrc_select(&sql, &sh->layout);
	rc = rc ? rc : fi_buf_puts(&sql, " FROM ");
	rc = rc ? rc : fi_dbsrc_quote(&sql, im->t->name);
	if (!snapshot) {
		/* a table scan, never an index: rows in the order they were stored */
		rc = rc ? rc : fi_buf_puts(&sql, " USE INDEX ()");
	} else {
		rc = rc ? rc : fi_buf_puts(&sql, " ORDER BY ");
		for (unsigned i = 0; rc == 0 && i < sh->norder; i++) {
			rc = i ? fi_buf_puts(&sql, ",") : 0;
			rc = rc ? rc : fi_dbsrc_quote(&sql, sh->order[i]);
		}
		/* a UNIQUE key may hold NULLs: the columns read complete the order */
		if (!sh->primary) {
			rc = rc ? rc : fi_buf_puts(&sql, ",");
			rc = rc ? rc : fi_dbsrc_select_list(&sql, &sh->layout);
		}
	}
	return fi_dbsrc_prepare(im->d, &sql, rc, err);
}

/*
 * The end of a scan: a table shorter than the rows read before cannot be
 * followed; what was read since the last write is written with the final
 * mark (a whole snapshot is marked done even when nothing was left).
 */
static int
fi_dbsrc_scan_end(struct fi_dbsrc_import *im, int snapshot, uint64_t pos, uint64_t verify,
		  const struct fi_digest *dg, struct fi_err *err)
{
	struct fi_dbsrc_mark next = {.rows = pos, .digest = *dg};

	if (!im->interrupted && pos < verify)
		return fi_err_set(err, FI_EINVAL,
				  "%s ended after %llu rows, before the %llu imported "
				  "before: it cannot be followed any more",
				  im->t->name, (unsigned long long)pos,
				  (unsigned long long)verify);
	if (im->since_write == 0 && (!snapshot || im->interrupted))
		return 0;
	next.mode = !snapshot	      ? FI_DBSRC_MARK_SCAN
		    : im->interrupted ? FI_DBSRC_MARK_SNAP_RUN
				      : FI_DBSRC_MARK_SNAP;
	return pos >= verify ? fi_dbsrc_commit(im, &next, err) : 0;
}

int
fi_dbsrc_scan(struct fi_dbsrc_import *im, int snapshot, struct fi_err *err)
{
	struct fi_dbsrc_source *d = im->d;
	unsigned ncol = im->shape->layout.n;
	uint64_t verify = im->have_prev ? im->mark.rows : 0, pos = 0;
	struct fi_val vals[FI_SR_COUNT];
	struct fi_digest dg;
	struct fi_stmt *st;
	int64_t count;
	int rc;

	rc = fi_dbsrc_count(im, NULL, &count, err);
	if (rc != 0)
		return rc;
	if ((uint64_t)count < verify)
		return fi_err_set(
		    err, FI_EINVAL,
		    "%s has %lld rows, fewer than the %llu imported before: "
		    "rows were deleted, so it cannot be followed any more",
		    im->t->name, (long long)count, (unsigned long long)verify);
	if (!snapshot && (uint64_t)count == verify)
		return 0; /* nothing new: rows are only ever appended */
	st = fi_dbsrc_scan_stmt(im, snapshot, err);
	if (st == NULL)
		return err->code;
	rc = fi_stmt_exec(st, NULL, 0, err);
	fi_digest_init(&dg);
	fi_progress_begin(&d->prog, d->bar, im->t->name, (uint64_t)count);
	im->vals = vals;
	while (rc == 0) {
		if (fi_dbsrc_stopped()) {
			im->interrupted = 1;
			break;
		}
		rc = fi_stmt_fetch(st, err);
		if (rc <= 0)
			break;
		rc = 0;
		fi_dbsrc_take_row(st, vals, ncol);
		fi_dbsrc_digest_row(&dg, vals, ncol);
		fi_progress_update(&d->prog, ++pos);
		if (pos == verify && !fi_digest_eq(&dg, &im->mark.digest))
			rc = fi_err_set(err, FI_EINVAL,
					"the first %llu rows of %s are not the ones "
					"imported before (rows were deleted, changed or "
					"reordered), so it cannot be followed any more",
					(unsigned long long)verify, im->t->name);
		if (pos <= verify)
			continue;
		rc = fi_dbsrc_row(im, pos, NULL, err);
		if (rc == 0 && fi_dbsrc_due(im)) {
			struct fi_dbsrc_mark next = {.mode = snapshot
								 ? FI_DBSRC_MARK_SNAP_RUN
								 : FI_DBSRC_MARK_SCAN,
						     .rows = pos,
						     .digest = dg};

			rc = fi_dbsrc_commit(im, &next, err);
		}
	}
	if (rc == 0)
		rc = fi_dbsrc_scan_end(im, snapshot, pos, verify, &dg, err);
	fi_progress_clear(&d->prog);
	fi_agg_clear(&d->agg); /* what was not written stays for the next run */
	im->vals = NULL;
	fi_stmt_free(st);
	return rc;
}
