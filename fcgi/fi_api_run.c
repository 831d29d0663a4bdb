/*
 * fi_api_run.c: running the statement a route built: through the
 * large-query gate when it scans a per-key table, prepared (or taken from
 * the cache), its rows handed to the route's row function; and the small
 * statements every route needs: data ranges, the choice of a bucket size,
 * the count of a statement's rows.
 */
#include <string.h>
#include <time.h>

#include "fi_api_int.h"
#include "fi_clock.h"
#include "fi_gate.h"

#define FI_API_GATE_WAIT_MS 1000 /* a large query waits this long for a place */
#define FI_API_GATE_TICK_MS 5	 /* checking every this often */

static const char fi_api_run_sql_range[] =
    "SELECT MIN(bucket), MAX(bucket) FROM totals_%u";
static const char fi_api_run_sql_min_in[] = "(SELECT MIN(bucket) FROM totals_%u WHERE ";
static const char fi_api_run_sql_max_in[] = "(SELECT MAX(bucket) FROM totals_%u WHERE ";
static const char fi_api_run_sql_min_all[] = "(SELECT MIN(bucket) FROM totals_%u)";
static const char fi_api_run_sql_max_all[] = "(SELECT MAX(bucket) FROM totals_%u)";
static const char fi_api_run_sql_count_open[] = "SELECT COUNT(*) FROM (";
static const char fi_api_run_sql_count_close[] = ") fi_t";

/*
 * Enters the large-query gate, waiting up to FI_API_GATE_WAIT_MS for a place:
 * most large queries take milliseconds, and a place is soon free; while the
 * gate stays full, the light calls wait at most that long for this worker.
 * Returns 0 or FI_EUNAVAIL.
 */
static int
fi_api_run_gate_enter(struct fi_api *api)
{
	int64_t until = fi_clock_ms() + FI_API_GATE_WAIT_MS;

	while (fi_gate_enter(api->gate, api->gate_slot) != 0) {
		struct timespec tick = {0, FI_API_GATE_TICK_MS * 1000000L};

		if (fi_clock_ms() >= until)
			return FI_EUNAVAIL;
		nanosleep(&tick, NULL);
	}
	return 0;
}

/*
 * Prepares (or takes from the cache) and runs the built statement once,
 * calling fn for every row; *rows counts the rows handed to fn.
 */
static int
fi_api_run_once(struct fi_req *r, fi_api_row_fn fn, uint64_t *rows)
{
	struct fi_api *api = r->api;
	struct fi_sqlb *b = &api->sb;
	struct fi_api_stmt_slot *slot;
	struct fi_stmt *st;
	struct fi_err err;
	enum fi_db_fault fault;
	int rc;

	/* each statement is progress: the master replaces a worker only when
	 * one takes far longer than query_timeout */
	fi_gate_beat(api->gate, api->gate_slot, 1);
	fi_err_clear(&err);
	if (fi_log_enabled(FI_LOG_DEBUG))
		fi_debug("sql (%u params): %s", fi_sqlb_nparams(b), fi_sqlb_text(b));
	st = fi_api_db_stmt(api, fi_sqlb_text(b), &slot, &err);
	if (st == NULL)
		return fi_api_db_fail(api, &err, fi_db_fault(api->db));
	rc = fi_stmt_exec(st, fi_sqlb_params(b), fi_sqlb_nparams(b), &err);
	while (rc == 0 && (rc = fi_stmt_fetch(st, &err)) == 1) {
		(*rows)++;
		rc = fn(r, st);
	}
	fault = rc < 0 ? fi_db_fault(api->db) : FI_DB_FAULT_NONE;
	if (slot == NULL)
		fi_stmt_free(st);
	else if (rc < 0)
		fi_api_db_stmt_drop(slot); /* after a failure, prepare afresh next time */
	else
		fi_stmt_reset(st);
	if (rc < 0 && err.code != 0)
		rc = fi_api_db_fail(api, &err, fault);
	return rc;
}

int
fi_api_run(struct fi_req *r, fi_api_row_fn fn)
{
	struct fi_api *api = r->api;
	uint64_t rows = 0;
	int rc;

	rc = fi_sqlb_error(&api->sb);
	if (rc == FI_EINTERNAL)
		return rc; /* a fixed text of ours with a `?`: a bug */
	if (rc != 0) {
		/* only a client's huge lists can make a statement this long */
		fi_err_set(&r->err, FI_EINVAL,
			   "The query is too complex (too many filter items).");
		return FI_EINVAL;
	}
	if (r->heavy && !r->admitted && api->gate != NULL) {
		if (fi_api_run_gate_enter(api) != 0) {
			r->busy = 1;
			return FI_EUNAVAIL;
		}
		r->admitted = 1;
	}
	rc = fi_api_run_once(r, fn, &rows);
	/*
	 * A connection found lost at use (the server restarted since the last
	 * request: it is closed now) is opened again and the statement run once
	 * more, at once: every statement of the API is a SELECT in a read-only
	 * session, so running it twice changes nothing. Not when rows were
	 * already written into the answer, and once per request.
	 */
	if (rc == FI_EUNAVAIL && api->db == NULL && api->dbfault != FI_DB_FAULT_BUSY &&
	    rows == 0 && !r->retried) {
		r->retried = 1;
		if (fi_api_db_reconnect(api) == 0) {
			fi_warnx_limited(&api->rl, "reconnected to the database; "
						   "running the statement again");
			fi_err_clear(&api->dberr);
			api->dbfault = FI_DB_FAULT_NONE;
			rc = fi_api_run_once(r, fn, &rows);
		}
	}
	return rc;
}

/* Row callback reading one row of two nullable integers into r->pair. */
static int
fi_api_run_row_pair(struct fi_req *r, struct fi_stmt *st)
{
	struct fi_api_pair *p = &r->pair;

	for (unsigned i = 0; i < 2 && i < fi_stmt_ncols(st); i++) {
		const struct fi_val *v = fi_stmt_col(st, i);

		p->have[i] = v->type == FI_VAL_UINT || v->type == FI_VAL_INT;
		p->v[i] = p->have[i] ? v->v.u : 0;
		if (v->type == FI_VAL_TEXT) {
			__int128 x;
			if (fi_api_row_num(v, &x) == 0 && x >= 0) {
				p->have[i] = 1;
				p->v[i] = (uint64_t)(x / FI_API_SUBUNITS);
			}
		}
	}
	return 0;
}

/* Runs a fixed one-row query of up to two integers. */
int
fi_api_run_pair(struct fi_req *r, struct fi_api_pair *out)
{
	int rc;

	memset(&r->pair, 0, sizeof(r->pair));
	rc = fi_api_run(r, fi_api_run_row_pair);
	*out = r->pair;
	return rc;
}

/* The data range (MIN, MAX bucket) of one size. */
int
fi_api_run_range(struct fi_req *r, uint32_t size, struct fi_api_pair *out)
{
	struct fi_sqlb *b = &r->api->sb;

	fi_sqlb_reset(b);
	fi_sqlb_addf(b, fi_api_run_sql_range, size);
	return fi_api_run_pair(r, out);
}

/* Row callback of fi_api_run_ranges: four columns per size. */
static int
fi_api_run_row_ranges(struct fi_req *r, struct fi_stmt *st)
{
	for (unsigned i = 0; i < r->api->cfg->n_bucket_sizes; i++) {
		struct fi_api_pair *p[2] = {&r->in[i], &r->all[i]};

		for (unsigned j = 0; j < 4; j++) {
			const struct fi_val *v = fi_stmt_col(st, i * 4 + j);
			int have = v->type == FI_VAL_UINT || v->type == FI_VAL_INT;

			p[j / 2]->have[j % 2] = have;
			p[j / 2]->v[j % 2] = have ? v->v.u : 0;
		}
	}
	r->have_ranges = 1;
	return 0;
}

/*
 * The data range of every size, within the query's range and overall, in
 * one statement (index lookups only): what choosing a size needs.
 */
static int
fi_api_run_ranges(struct fi_req *r)
{
	const struct fi_config *cfg = r->api->cfg;
	struct fi_sqlb *b = &r->api->sb;

	fi_sqlb_reset(b);
	fi_sqlb_add(b, fi_api_sql_select);
	for (unsigned i = 0; i < cfg->n_bucket_sizes; i++) {
		uint32_t s = cfg->bucket_sizes[i];

		fi_sqlb_add(b, i ? ", " : "");
		fi_sqlb_addf(b, fi_api_run_sql_min_in, s);
		fi_api_sql_bucket_range(b, r->q->start_bucket, r->q->end_bucket);
		fi_sqlb_add(b, "), ");
		fi_sqlb_addf(b, fi_api_run_sql_max_in, s);
		fi_api_sql_bucket_range(b, r->q->start_bucket, r->q->end_bucket);
		fi_sqlb_add(b, ")");
		fi_sqlb_add(b, ", ");
		fi_sqlb_addf(b, fi_api_run_sql_min_all, s);
		fi_sqlb_add(b, ", ");
		fi_sqlb_addf(b, fi_api_run_sql_max_all, s);
	}
	return fi_api_run(r, fi_api_run_row_ranges);
}

/*
 * The bucket size to answer: bucket_size if given, the size if there is
 * one (no statement), else the finest size
 * whose buckets with data in the range number <= resolution (sizes without
 * data in the range are passed over), else the coarsest.
 */
int
fi_api_run_choose_size(struct fi_req *r)
{
	const struct fi_config *cfg = r->api->cfg;
	const struct fi_query *q = r->q;
	int rc;

	if (q->bucket_size != 0 || cfg->n_bucket_sizes == 1) {
		r->size = q->bucket_size != 0 ? q->bucket_size : cfg->bucket_sizes[0];
		return 0;
	}
	rc = fi_api_run_ranges(r);
	if (rc != 0)
		return rc;
	r->size = cfg->bucket_sizes[cfg->n_bucket_sizes - 1];
	for (unsigned i = 0; i + 1 < cfg->n_bucket_sizes; i++) {
		uint32_t s = cfg->bucket_sizes[i];
		const struct fi_api_pair *p = &r->in[i];

		if (p->have[0] && p->have[1] &&
		    (p->v[1] - p->v[0]) / s + 1 <= q->resolution) {
			r->size = s;
			break;
		}
	}
	return 0;
}

/* Row callback of the count statements. */
static int
fi_api_run_row_count(struct fi_req *r, struct fi_stmt *st)
{
	const struct fi_val *v = fi_stmt_col(st, 0);

	fi_jsonw_key(&r->w, "count");
	if (v->type == FI_VAL_UINT || v->type == FI_VAL_INT)
		fi_jsonw_int(&r->w, v->v.i);
	else
		fi_jsonw_uint(&r->w, 0);
	return 0;
}

/*
 * Runs the statement built so far (a SELECT without ORDER BY and LIMIT) as a
 * count of its rows, writing "count": N.
 */
int
fi_api_run_count(struct fi_req *r)
{
	fi_sqlb_wrap(&r->api->sb, fi_api_run_sql_count_open, fi_api_run_sql_count_close);
	return fi_api_run(r, fi_api_run_row_count);
}
