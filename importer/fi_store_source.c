/*
 * fi_store_source.c: the write path's side of the database sources: a
 * source table's mark (how far it has been read, fi_source_marks) and its
 * gap ranges (fi_source_gaps) move in the same transaction as the rows
 * read up to them (fi_store_write_source), and are read back at the start
 * of a run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fi_clock.h"
#include "fi_num.h"
#include "fi_store.h"
#include "fi_store_int.h"

static const char fi_store_sql_source_add[] =
    "INSERT INTO fi_source_marks (source, source_table, mark, rows_imported)"
    " VALUES (?, ?, ?, ?)";
static const char fi_store_sql_source_move[] =
    "UPDATE fi_source_marks SET mark = ?, rows_imported = ?"
    " WHERE source = ? AND source_table = ? AND mark = ?";
static const char fi_store_sql_source_get[] =
    "SELECT mark, rows_imported FROM fi_source_marks"
    " WHERE source = ? AND source_table = ?";
static const char fi_store_sql_source_lock[] =
    "SELECT mark FROM fi_source_marks WHERE source = ? AND source_table = ? FOR UPDATE";
static const char fi_store_sql_gap_del[] =
    "DELETE FROM fi_source_gaps WHERE source = ? AND source_table = ? AND lo = ?";
static const char fi_store_sql_gap_put[] =
    "INSERT INTO fi_source_gaps (source, source_table, lo, hi, first_seen)"
    " VALUES (?, ?, ?, ?, ?)"
    " ON DUPLICATE KEY UPDATE hi = VALUES(hi), first_seen = VALUES(first_seen)";
static const char fi_store_sql_gap_get[] =
    "SELECT lo, hi, first_seen FROM fi_source_gaps"
    " WHERE source = ? AND source_table = ? ORDER BY lo";

/*
 * Locks the row of a mark that stays as it is (a write that changes only gap
 * ranges: an UPDATE that changes nothing affects no row, so it cannot tell);
 * FI_EEXIST if the mark is no longer m->prev.
 */
static int
fi_store_source_hold(struct fi_store *st, const struct fi_store_source_mark *m,
		     struct fi_err *err)
{
	struct fi_val v[2] = {FI_VAL_S(m->source, strlen(m->source)),
			      FI_VAL_S(m->table, strlen(m->table))};
	struct fi_stmt *stmt =
	    fi_stmt_run(fi_store_db(st), fi_store_sql_source_lock, v, 2, err);
	char cur[256];
	int rc, same = 0;

	if (stmt == NULL)
		return err->code;
	rc = fi_stmt_fetch(stmt, err);
	if (rc == 1) {
		same = fi_stmt_col_text(stmt, 0, cur, sizeof(cur)) == 0 &&
		       strcmp(cur, m->prev) == 0;
		fi_stmt_reset(stmt);
		rc = 0;
	}
	fi_stmt_free(stmt);
	if (rc == 0 && !same)
		rc =
		    fi_err_set(err, FI_EEXIST,
			       "the mark of %s table %s moved: another import is running",
			       m->source, m->table);
	return rc;
}

/* Writes the gap ranges that changed: deletions first, then the others. */
static int
fi_store_source_gaps(struct fi_store *st, const struct fi_store_source_mark *m,
		     struct fi_err *err)
{
	struct fi_val v[5] = {FI_VAL_S(m->source, strlen(m->source)),
			      FI_VAL_S(m->table, strlen(m->table))};
	struct fi_stmt *del = NULL, *put = NULL;
	int rc = 0;

	if (m->ngone > 0) {
		del = fi_stmt_new(fi_store_db(st), fi_store_sql_gap_del, err);
		if (del == NULL)
			return err->code;
	}
	for (size_t i = 0; rc == 0 && i < m->ngone; i++) {
		v[2] = FI_VAL_I(m->gone[i]);
		rc = fi_stmt_exec(del, v, 3, err);
	}
	fi_stmt_free(del);
	if (rc == 0 && m->ngaps > 0) {
		put = fi_stmt_new(fi_store_db(st), fi_store_sql_gap_put, err);
		if (put == NULL)
			return err->code;
	}
	for (size_t i = 0; rc == 0 && i < m->ngaps; i++) {
		v[2] = FI_VAL_I(m->gaps[i].lo);
		v[3] = FI_VAL_I(m->gaps[i].hi);
		v[4] = FI_VAL_I(m->gaps[i].first_seen);
		rc = fi_stmt_exec(put, v, 5, err);
	}
	fi_stmt_free(put);
	fi_store_counted(st, m->ngone + m->ngaps);
	return rc;
}

/*
 * Moves a source mark from prev to mark, first thing in the transaction: the
 * row lock makes a concurrent import of the same table wait, and then find
 * the mark moved (FI_EEXIST) instead of counting the same rows again.
 */
static int
fi_store_source_move(struct fi_store *st, const struct fi_store_source_mark *m,
		     struct fi_err *err)
{
	struct fi_val v[5] = {FI_VAL_B(m->mark, strlen(m->mark)), FI_VAL_U(m->rows),
			      FI_VAL_S(m->source, strlen(m->source)),
			      FI_VAL_S(m->table, strlen(m->table))};
	struct fi_stmt *stmt;
	int rc;

	if (m->prev == NULL) {
		struct fi_val add[4] = {v[2], v[3], v[0], v[1]};

		rc = fi_db_exec_params(fi_store_db(st), fi_store_sql_source_add, add, 4,
				       err);
		if (rc == FI_EEXIST) {
			fi_err_clear(err); /* say why, not the server's words */
			rc = fi_err_set(err, FI_EEXIST,
					"another import recorded a mark for %s table %s",
					m->source, m->table);
		}
		return rc;
	}
	v[4] = FI_VAL_B(m->prev, strlen(m->prev));
	if (strcmp(m->prev, m->mark) == 0)
		return fi_store_source_hold(st, m, err);
	stmt = fi_stmt_run(fi_store_db(st), fi_store_sql_source_move, v, 5, err);
	if (stmt == NULL)
		return err->code;
	rc = 0;
	if (fi_stmt_affected(stmt) != 1)
		rc =
		    fi_err_set(err, FI_EEXIST,
			       "the mark of %s table %s moved: another import is running",
			       m->source, m->table);
	fi_stmt_free(stmt);
	return rc;
}

int
fi_store_write_source(struct fi_store *st, const struct fi_agg *agg,
		      const struct fi_store_source_mark *mark,
		      struct fi_store_stats *stats, struct fi_err *err)
{
	double t0 = fi_clock_now();
	int rc = fi_store_begin(st, err);

	if (rc != 0)
		return rc;
	rc = fi_store_source_move(st, mark, err);
	if (rc == 0)
		rc = fi_store_source_gaps(st, mark, err);
	if (rc == 0)
		rc = fi_store_all_tables(st, agg, err);
	return fi_store_end(st, rc, t0, stats, err);
}

int
fi_store_source_gaps_get(struct fi_store *st, const char *source, const char *table,
			 struct fi_store_gap **out, size_t *n, struct fi_err *err)
{
	struct fi_val v[2] = {FI_VAL_S(source, strlen(source)),
			      FI_VAL_S(table, strlen(table))};
	struct fi_stmt *stmt =
	    fi_stmt_run(fi_store_db(st), fi_store_sql_gap_get, v, 2, err);
	struct fi_store_gap *g = NULL;
	size_t cap = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (stmt == NULL)
		return err->code;
	while (rc == 0 && (rc = fi_stmt_fetch(stmt, err)) == 1) {
		if (fi_buf_grow_array(&g, &cap, *n, sizeof(*g), SIZE_MAX) != 0) {
			rc = fi_err_set(err, FI_ENOMEM, "out of memory");
			break;
		}
		rc = 0;
		for (unsigned c = 0; c < 3; c++) {
			const struct fi_val *x = fi_stmt_col(stmt, c);
			int64_t *dst = c == 0	? &g[*n].lo
				       : c == 1 ? &g[*n].hi
						: &g[*n].first_seen;

			if (x->type == FI_VAL_INT || x->type == FI_VAL_UINT)
				*dst = x->v.i;
			else if (x->type != FI_VAL_TEXT ||
				 fi_num_i64((struct fi_str){x->v.s.p, x->v.s.n},
					    INT64_MIN, INT64_MAX, dst) != 0)
				rc = fi_err_set(err, FI_EDB, "unexpected result type");
		}
		if (rc == 0)
			(*n)++;
	}
	fi_stmt_free(stmt);
	if (rc != 0) {
		free(g);
		*n = 0;
		return rc;
	}
	*out = g;
	return 0;
}

int
fi_store_source_mark_get(struct fi_store *st, const char *source, const char *table,
			 char *buf, size_t size, uint64_t *rows, int *found,
			 struct fi_err *err)
{
	struct fi_val v[2] = {FI_VAL_S(source, strlen(source)),
			      FI_VAL_S(table, strlen(table))};
	struct fi_stmt *stmt =
	    fi_stmt_run(fi_store_db(st), fi_store_sql_source_get, v, 2, err);
	int rc;

	*found = 0;
	if (stmt == NULL)
		return err->code;
	rc = fi_stmt_fetch(stmt, err);
	if (rc == 1) {
		const struct fi_val *r = fi_stmt_col(stmt, 1);

		rc = fi_stmt_col_text(stmt, 0, buf, size);
		if (rc != 0)
			fi_err_set(err, rc, "the mark of %s table %s is too long", source,
				   table);
		else if (r->type != FI_VAL_UINT && r->type != FI_VAL_INT)
			rc = fi_err_set(err, FI_EDB, "unexpected result type");
		else
			*rows = r->v.u;
		*found = rc == 0;
		fi_stmt_reset(stmt);
	}
	fi_stmt_free(stmt);
	return rc;
}
