/*
 * fi_dbsrc_key.c: key mode, for a table with an AUTO_INCREMENT column and
 * no other unique key: rows above the highest key read are new. Keys the
 * source could have handed out below it but that were not there (a
 * concurrent writer had not committed them yet) are kept as gap ranges in
 * fi_source_gaps, written with the mark, and read again by each run until
 * a row comes or src_settle seconds have passed.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fi_dbsrc_import.h"

/*
 * How many keys of [lo, hi] the source can hand out (offset + n *
 * increment); 0 when none, so that the range is no gap.
 */
static uint64_t
fi_dbsrc_key_possible(const struct fi_dbsrc_source *d, int64_t lo, int64_t hi)
{
	uint64_t span, first;
	int64_t r;

	if (hi < lo)
		return 0;
	span = (uint64_t)hi - (uint64_t)lo;
	if (d->ai_inc <= 1)
		return span == UINT64_MAX ? span : span + 1;
	r = (d->ai_off - lo % d->ai_inc) % d->ai_inc;
	if (r < 0)
		r += d->ai_inc;
	first = (uint64_t)r;
	return span < first ? 0 : (span - first) / (uint64_t)d->ai_inc + 1;
}

/*
 * Narrows [*lo, *hi] to the first and last key the source can hand out in
 * it; returns how many it can (0: the range is no gap).
 */
static uint64_t
fi_dbsrc_key_narrow(const struct fi_dbsrc_source *d, int64_t *lo, int64_t *hi)
{
	uint64_t n = fi_dbsrc_key_possible(d, *lo, *hi);
	int64_t r;

	if (n == 0 || d->ai_inc <= 1)
		return n;
	r = (d->ai_off - *lo % d->ai_inc) % d->ai_inc;
	*lo += r < 0 ? r + d->ai_inc : r;
	*hi = *lo + (int64_t)(n - 1) * d->ai_inc;
	return n;
}

static void
fi_dbsrc_gaps_free(struct fi_dbsrc_gaps *g)
{
	free(g->v);
	free(g->dirty);
	free(g->gone);
	memset(g, 0, sizeof(*g));
}

/* Room for one more range. */
static int
fi_dbsrc_gaps_grow(struct fi_dbsrc_gaps *g)
{
	size_t cap = g->cap; /* the ranges' and the flags' */

	if (fi_buf_grow_array(&g->v, &cap, g->n, sizeof(*g->v), SIZE_MAX) != 0)
		return FI_ENOMEM;
	cap = g->cap;
	if (fi_buf_grow_array(&g->dirty, &cap, g->n, 1, SIZE_MAX) != 0)
		return FI_ENOMEM;
	g->cap = cap;
	return 0;
}

/* Records that the range starting at lo is to be deleted. */
static int
fi_dbsrc_gaps_gone(struct fi_dbsrc_gaps *g, int64_t lo)
{
	if (fi_buf_grow_array(&g->gone, &g->capgone, g->ngone, sizeof(*g->gone),
			      SIZE_MAX) != 0)
		return FI_ENOMEM;
	g->gone[g->ngone++] = lo;
	return 0;
}

/* Inserts a (changed) range at index at. */
static int
fi_dbsrc_gaps_insert(struct fi_dbsrc_gaps *g, size_t at, struct fi_store_gap gap)
{
	if (fi_dbsrc_gaps_grow(g) != 0)
		return FI_ENOMEM;
	memmove(g->v + at + 1, g->v + at, (g->n - at) * sizeof(*g->v));
	memmove(g->dirty + at + 1, g->dirty + at, g->n - at);
	g->v[at] = gap;
	g->dirty[at] = 1;
	g->n++;
	return 0;
}

/* Removes the ranges [at, at + k) from the table. */
static int
fi_dbsrc_gaps_remove(struct fi_dbsrc_gaps *g, size_t at, size_t k)
{
	for (size_t i = at; i < at + k; i++)
		if (fi_dbsrc_gaps_gone(g, g->v[i].lo) != 0)
			return FI_ENOMEM;
	memmove(g->v + at, g->v + at + k, (g->n - at - k) * sizeof(*g->v));
	memmove(g->dirty + at, g->dirty + at + k, g->n - at - k);
	g->n -= k;
	return 0;
}

/*
 * What a write changes of the table's gaps: beyond src_max_gaps ranges
 * the lowest (oldest) are dropped first; *changed (free() it) holds the
 * changed ranges that sm points at.
 */
int
fi_dbsrc_gaps_changes(struct fi_dbsrc_import *im, struct fi_store_source_mark *sm,
		      struct fi_store_gap **changed, struct fi_err *err)
{
	struct fi_dbsrc_gaps *g = im->gaps;
	size_t k = 0;

	if (g->n > im->d->cfg->src_max_gaps) {
		size_t over = g->n - im->d->cfg->src_max_gaps;

		if (im->trimmed == 0) {
			fi_progress_clear(&im->d->prog);
			fi_warnx(
			    "%s: more than src_max_gaps = %u ranges of keys "
			    "skipped by %s are waiting for late rows; the oldest are "
			    "given up (rows committed there later are NOT imported)",
			    im->t->name, im->d->cfg->src_max_gaps, im->shape->autoinc);
		}
		if (fi_dbsrc_gaps_remove(g, 0, over) != 0)
			return fi_err_set(err, FI_ENOMEM, "out of memory");
		im->trimmed += over;
	}
	*changed = NULL;
	for (size_t i = 0; i < g->n; i++)
		k += g->dirty[i];
	if (k > 0) {
		*changed = malloc(k * sizeof(**changed));
		if (*changed == NULL)
			return fi_err_set(err, FI_ENOMEM, "out of memory");
		k = 0;
		for (size_t i = 0; i < g->n; i++)
			if (g->dirty[i])
				(*changed)[k++] = g->v[i];
	}
	sm->gaps = *changed;
	sm->ngaps = k;
	sm->gone = g->gone;
	sm->ngone = g->ngone;
	return 0;
}

void
fi_dbsrc_gaps_written(struct fi_dbsrc_gaps *g)
{
	if (g->n > 0)
		memset(g->dirty, 0, g->n);
	g->ngone = 0;
}

/*
 * The statement of key mode: the columns read and the key, of the rows
 * whose key matches cond (" > ?" or " BETWEEN ? AND ?"), in key order, at
 * most ? rows.
 */
static struct fi_stmt *
fi_dbsrc_key_stmt(struct fi_dbsrc_import *im, const char *cond, struct fi_err *err)
{
	const struct fi_dbsrc_shape *sh = im->shape;
	struct fi_buf sql;
	int rc;

	rc = fi_dbsrc_select(&sql, &sh->layout);
	rc = rc ? rc : fi_buf_puts(&sql, ",");
	rc = rc ? rc : fi_dbsrc_quote(&sql, sh->autoinc);
	rc = rc ? rc : fi_buf_puts(&sql, " FROM ");
	rc = rc ? rc : fi_dbsrc_quote(&sql, im->t->name);
	rc = rc ? rc : fi_buf_puts(&sql, " WHERE ");
	rc = rc ? rc : fi_dbsrc_quote(&sql, sh->autoinc);
	rc = rc ? rc : fi_buf_puts(&sql, cond);
	rc = rc ? rc : fi_buf_puts(&sql, " ORDER BY ");
	rc = rc ? rc : fi_dbsrc_quote(&sql, sh->autoinc);
	rc = rc ? rc : fi_buf_puts(&sql, " LIMIT ?");
	return fi_dbsrc_prepare(im->d, &sql, rc, err);
}

/* Writes the cache, the gaps and the mark at key (rows read so far). */
static int
fi_dbsrc_key_commit(struct fi_dbsrc_import *im, int64_t key, struct fi_err *err)
{
	struct fi_dbsrc_mark next = {.mode = FI_DBSRC_MARK_KEY,
				     .rows = im->mark.rows + im->since_write,
				     .key = key};

	memcpy(next.column, im->shape->autoinc, sizeof(next.column));
	return fi_dbsrc_commit(im, &next, err);
}

/*
 * Takes key k, just read, out of gap range *i: what is left of it below k
 * stays at *i, what is left above k follows. Moves *i to the range that
 * holds the keys above k; *done is set when none of them is left.
 */
static int
fi_dbsrc_gaps_found(struct fi_dbsrc_import *im, size_t *i, int64_t k, int *done)
{
	struct fi_dbsrc_gaps *g = im->gaps;
	struct fi_store_gap r = g->v[*i];
	int64_t llo = r.lo, lhi = k - 1, rlo = k + 1, rhi = r.hi;
	int left = k > r.lo && fi_dbsrc_key_narrow(im->d, &llo, &lhi) > 0;
	int right = k < r.hi && fi_dbsrc_key_narrow(im->d, &rlo, &rhi) > 0;

	*done = !right;
	if (left && llo == r.lo) {
		g->v[*i].hi = lhi;
		g->dirty[*i] = 1;
		++*i;
		if (right)
			return fi_dbsrc_gaps_insert(
			    g, *i, (struct fi_store_gap){rlo, rhi, r.first_seen});
		return 0;
	}
	if (fi_dbsrc_gaps_remove(g, *i, 1) != 0)
		return FI_ENOMEM;
	if (left) {
		if (fi_dbsrc_gaps_insert(
			g, *i, (struct fi_store_gap){llo, lhi, r.first_seen}) != 0)
			return FI_ENOMEM;
		++*i;
	}
	if (right)
		return fi_dbsrc_gaps_insert(
		    g, *i, (struct fi_store_gap){rlo, rhi, r.first_seen});
	return 0;
}

/*
 * Fetches the next row of a key-mode statement (the key column follows the
 * layout's columns) into vals. Returns 1 with *key set, 0 at the end or on
 * a stop (im->interrupted is then set), or an error: a key outside
 * [lo, hi] is one.
 */
static int
fi_dbsrc_key_next(struct fi_dbsrc_import *im, struct fi_stmt *st, struct fi_val *vals,
		  int64_t lo, int64_t hi, int64_t *key, struct fi_err *err)
{
	unsigned ncol = im->shape->layout.n;
	int rc;

	if (fi_dbsrc_stopped()) {
		im->interrupted = 1;
		return 0;
	}
	rc = fi_stmt_fetch(st, err);
	if (rc <= 0)
		return rc;
	if (fi_dbsrc_val_i64(fi_stmt_col(st, ncol), key) != 0 || *key < lo || *key > hi)
		return fi_err_set(err, FI_EINVAL, "%s: a value of %s is out of range",
				  im->t->name, im->shape->autoinc);
	fi_dbsrc_take_row(st, vals, ncol);
	return 1;
}

/*
 * Key mode, first step: reads the rows whose keys lie in the table's gap
 * ranges (committed late by a concurrent writer) and imports them, taking
 * their keys out of the ranges in the same transaction as their flows.
 * Then gives up the ranges first seen src_settle seconds before this step
 * began: their inserts were rolled back (or failed) or never come.
 */
static int
fi_dbsrc_key_gaps(struct fi_dbsrc_import *im, struct fi_val *vals, struct fi_err *err)
{
	struct fi_dbsrc_source *d = im->d;
	struct fi_dbsrc_gaps *g = im->gaps;
	int64_t t0 = (int64_t)time(NULL), settle = d->cfg->src_settle;
	struct fi_stmt *st;
	size_t i = 0, kept = 0;
	int rc = 0;

	if (g->n == 0)
		return 0;
	st = fi_dbsrc_key_stmt(im, " BETWEEN ? AND ?", err);
	if (st == NULL)
		return err->code;
	im->vals = vals;
	while (rc == 0 && i < g->n && !im->interrupted) {
		int64_t cur = g->v[i].lo, hi = g->v[i].hi;
		int done = 0;

		while (rc == 0 && !done && !im->interrupted) {
			struct fi_val p[3] = {FI_VAL_I(cur), FI_VAL_I(hi),
					      FI_VAL_U(d->cfg->src_chunk_rows)};
			uint64_t got = 0;

			rc = fi_stmt_exec(st, p, 3, err);
			while (rc == 0 && !done) {
				int64_t k;

				rc = fi_dbsrc_key_next(im, st, vals, cur, hi, &k, err);
				if (rc <= 0)
					break;
				got++;
				im->gap_rows++;
				rc = fi_dbsrc_row(im, im->mark.rows + im->since_write + 1,
						  &k, err);
				if (rc == 0 && fi_dbsrc_gaps_found(im, &i, k, &done) != 0)
					rc = fi_err_set(err, FI_ENOMEM, "out of memory");
				cur = k + 1;
				if (rc == 0 && fi_dbsrc_due(im))
					rc = fi_dbsrc_key_commit(im, im->mark.key, err);
			}
			fi_stmt_reset(st);
			if (got < d->cfg->src_chunk_rows && !done) {
				done = 1;
				i++; /* no more rows in this range: keep what is left */
			}
		}
	}
	fi_stmt_free(st);
	im->vals = NULL;
	if (rc == 0 && im->interrupted && (im->since_write > 0 || g->ngone > 0))
		return fi_dbsrc_key_commit(im, im->mark.key, err); /* what was read */
	if (rc != 0 || im->interrupted)
		return rc;
	for (i = 0; i < g->n; i++) {
		uint64_t keys = fi_dbsrc_key_possible(d, g->v[i].lo, g->v[i].hi);

		if (keys > 0 && g->v[i].first_seen + settle > t0) {
			g->v[kept] = g->v[i];
			g->dirty[kept++] = g->dirty[i];
			continue;
		}
		if (fi_dbsrc_gaps_gone(g, g->v[i].lo) != 0)
			return fi_err_set(err, FI_ENOMEM, "out of memory");
		if (keys > 0) {
			im->dropped++;
			im->dropped_keys += keys;
		}
	}
	g->n = kept;
	if (im->since_write > 0 || g->ngone > 0)
		rc = fi_dbsrc_key_commit(im, im->mark.key, err);
	return rc;
}

/* Records the keys lo..hi, skipped above the mark, as a gap range (if any can be). */
static int
fi_dbsrc_gaps_new(struct fi_dbsrc_import *im, int64_t lo, int64_t hi)
{
	if (fi_dbsrc_key_narrow(im->d, &lo, &hi) == 0)
		return 0;
	return fi_dbsrc_gaps_insert(im->gaps, im->gaps->n,
				    (struct fi_store_gap){lo, hi, (int64_t)time(NULL)});
}

/*
 * Key mode: the rows in the gap ranges first, then the rows above the
 * mark's key, in key order, chunk by chunk. Keys the source could have
 * handed out but that were not read below the highest key read become gap
 * ranges, written with the mark.
 */
static int
fi_dbsrc_key_read(struct fi_dbsrc_import *im, struct fi_err *err)
{
	struct fi_dbsrc_source *d = im->d;
	int64_t from = im->have_prev ? im->mark.key : INT64_MIN, count;
	int64_t last = im->have_prev ? im->mark.key : 0; /* keys start at 1 */
	struct fi_val vals[FI_SR_COUNT];
	struct fi_stmt *st;
	uint64_t done = 0;
	int rc;

	rc = fi_dbsrc_key_gaps(im, vals, err);
	if (rc != 0 || im->interrupted) {
		fi_agg_clear(&d->agg); /* what was not written stays for the next run */
		return rc;
	}
	rc = fi_dbsrc_count(im, &from, &count, err);
	if (rc != 0 || count == 0)
		return rc;
	st = fi_dbsrc_key_stmt(im, " > ?", err);
	if (st == NULL)
		return err->code;
	fi_progress_begin(&d->prog, d->bar, im->t->name, (uint64_t)count);
	im->vals = vals;
	while (rc == 0 && !im->interrupted) {
		struct fi_val p[2] = {FI_VAL_I(from), FI_VAL_U(d->cfg->src_chunk_rows)};
		uint64_t got = 0;

		rc = fi_stmt_exec(st, p, 2, err);
		while (rc == 0) {
			/* above the last key read, as "> ?" asked */
			int64_t lo = from < INT64_MAX ? from + 1 : from, key;

			rc = fi_dbsrc_key_next(im, st, vals, lo, INT64_MAX, &key, err);
			if (rc <= 0)
				break;
			if (key - 1 > last &&
			    fi_dbsrc_gaps_new(im, last + 1, key - 1) != 0) {
				rc = fi_err_set(err, FI_ENOMEM, "out of memory");
				break;
			}
			last = key > last ? key : last;
			from = key;
			got++;
			rc = fi_dbsrc_row(im, im->mark.rows + im->since_write + 1, &key,
					  err);
			fi_progress_update(&d->prog, ++done);
			if (rc == 0 && fi_dbsrc_due(im))
				rc = fi_dbsrc_key_commit(im, from, err);
		}
		fi_stmt_reset(st);
		if (rc == 0 && im->since_write > 0)
			rc = fi_dbsrc_key_commit(im, from, err);
		if (got == 0)
			break;
	}
	fi_progress_clear(&d->prog);
	fi_agg_clear(&d->agg);
	im->vals = NULL;
	fi_stmt_free(st);
	return rc;
}

/*
 * Key mode with the table's gap ranges: loaded from fi_source_gaps (ranges
 * left by an import whose mark is gone are deleted by the next write, not
 * read), then reported.
 */
int
fi_dbsrc_key_table(struct fi_dbsrc_import *im, struct fi_err *err)
{
	struct fi_dbsrc_source *d = im->d;
	struct fi_dbsrc_gaps g;
	int rc;

	memset(&g, 0, sizeof(g));
	rc = fi_store_source_gaps_get(d->store, d->source, im->t->name, &g.v, &g.n, err);
	if (rc != 0)
		return rc;
	g.cap = g.n;
	if (g.n > 0 && (g.dirty = calloc(g.n, 1)) == NULL) {
		fi_dbsrc_gaps_free(&g);
		return fi_err_set(err, FI_ENOMEM, "out of memory");
	}
	if (!im->have_prev && g.n > 0 && fi_dbsrc_gaps_remove(&g, 0, g.n) != 0) {
		fi_dbsrc_gaps_free(&g);
		return fi_err_set(err, FI_ENOMEM, "out of memory");
	}
	im->gaps = &g;
	rc = fi_dbsrc_key_read(im, err);
	im->gaps = NULL;
	if (im->gap_rows > 0 || im->dropped > 0 || g.n > 0)
		fi_dbsrc_say(
		    d,
		    "%s: %llu rows read in gaps of %s, %zu gap ranges waiting, %llu "
		    "given up (%llu keys)",
		    im->t->name, (unsigned long long)im->gap_rows, im->shape->autoinc,
		    g.n, (unsigned long long)im->dropped,
		    (unsigned long long)im->dropped_keys);
	d->gaps_dropped += im->dropped;
	d->gap_keys_dropped += im->dropped_keys;
	d->gaps_trimmed += im->trimmed;
	fi_dbsrc_gaps_free(&g);
	return rc;
}
