/*
 * fi_api_top.c: the flow table (bucket query modes B and C) of a size that
 * is not a detail size, from the roll-up's first rows instead of summing
 * the detail size's rows over the range. flowtop_S holds per bucket the
 * largest 5-tuples by each counter, flowgroups_S their count and per
 * counter the largest value left out. A page sorted by a counter,
 * descending, without filters, is exact from flowtop_S when every bucket of
 * the range with data is rolled up (not marked, its flowgroups_S row there)
 * and either nothing was left out or
 * the page is full and its last row is larger than every left-out value:
 * every 5-tuple left out then sorts after it. The statement checks that
 * itself (one snapshot), in a column of every row; when it does not hold
 * the caller answers from the detail rows as before. The count is the sum
 * of the buckets' 5-tuple counts under the same condition on the buckets.
 */
#include "fi_api_int.h"

static const char fi_api_top_sql_marked[] =
    "(SELECT COUNT(*) FROM fi_rollup_dirty WHERE size = ";
static const char fi_api_top_sql_out[] = "(SELECT MAX(out_%s) FROM flowgroups_%u WHERE ";

/* The sort counter the request can be answered by (0..2), or -1. */
static int
fi_api_top_counter(const struct fi_req *r)
{
	const struct fi_query *q = r->q;
	const struct fi_field *f = &q->sort[0].field;

	if (q->nsort == 0 || !q->sort[0].desc || f->kind != FI_FK_COUNTER ||
	    f->dir != FI_DIR_ALL || f->cls != FI_PC_COUNT)
		return -1;
	return f->ctr;
}

/* Whether flowtop_S exists for the size and the request has no filters. */
static int
fi_api_top_usable(const struct fi_req *r)
{
	int i = fi_config_bucket_index(r->api->cfg, r->size);

	return i >= 0 && !fi_config_is_detail(r->api->cfg, (unsigned)i) &&
	       !(r->q->have & FI_QP_FILTERS);
}

/* Appends "bucket >= ? AND bucket <= ?)" for the query's range. */
static void
fi_api_top_range(struct fi_req *r)
{
	fi_api_sql_bucket_range(&r->api->sb, r->q->start_bucket, r->q->end_bucket);
	fi_sqlb_add(&r->api->sb, ")");
}

/*
 * Appends "<count of the range's marked buckets> = 0 AND <every bucket with
 * data has its flowgroups_S row>": the second also holds out rows loaded
 * by hand without marks, which the roll-up never saw.
 */
static void
fi_api_top_marked(struct fi_req *r)
{
	struct fi_sqlb *b = &r->api->sb;

	fi_sqlb_add(b, fi_api_top_sql_marked);
	fi_sqlb_u64(b, r->size);
	fi_sqlb_add(b, " AND ");
	fi_api_top_range(r);
	fi_sqlb_addf(b, " = 0 AND (SELECT COUNT(*) FROM flowgroups_%u WHERE ", r->size);
	fi_api_top_range(r);
	fi_sqlb_addf(b, " = (SELECT COUNT(*) FROM totals_%u WHERE ", r->size);
	fi_api_top_range(r);
}

static int
fi_api_top_row(struct fi_req *r, struct fi_stmt *st)
{
	if (r->top == 0) {
		const struct fi_val *ok = fi_stmt_col(st, 9);

		r->top = ok->type != FI_VAL_NULL && ok->v.i == 1 ? 1 : -1;
	}
	return r->top > 0 ? fi_api_bucket_row_flow(r, st) : 0;
}

static int
fi_api_top_count_row(struct fi_req *r, struct fi_stmt *st)
{
	const struct fi_val *v = fi_stmt_col(st, 0);

	r->top = v->type == FI_VAL_NULL ? -1 : 1;
	if (r->top > 0) {
		fi_jsonw_key(&r->w, "count");
		fi_jsonw_uint(&r->w, v->v.u);
	}
	return 0;
}

static int
fi_api_top_count(struct fi_req *r)
{
	struct fi_sqlb *b = &r->api->sb;

	fi_sqlb_reset(b);
	fi_sqlb_add(b, "SELECT IF(");
	fi_api_top_marked(r);
	fi_sqlb_addf(b,
		     ", (SELECT CAST(COALESCE(SUM(tuples), 0) AS UNSIGNED)"
		     " FROM flowgroups_%u WHERE ",
		     r->size);
	fi_api_top_range(r);
	fi_sqlb_add(b, ", NULL)");
	return fi_api_run(r, fi_api_top_count_row);
}

/*
 * SELECT the page's columns, <exact> FROM (the page from flowtop_S with its
 * row count and last value) ORDER BY ..., where <exact> is the condition of
 * the file's comment. (The window functions sit in a table of their own:
 * in one expression with the subqueries the server made the whole NULL.)
 */
static int
fi_api_top_page(struct fi_req *r, int ctr)
{
	struct fi_sqlb *b = &r->api->sb;
	const char *name = fi_api_sql_ctr[ctr];
	int rc;

	fi_sqlb_reset(b);
	fi_sqlb_add(
	    b, "SELECT fi_w.bucket, fi_w.k_src, fi_w.k_dst, fi_w.k_sport, fi_w.k_dport,"
	       " fi_w.proto, fi_w.flows, fi_w.packets, fi_w.bytes, (");
	fi_api_top_marked(r);
	fi_sqlb_add(b, " AND (");
	fi_sqlb_addf(b, fi_api_top_sql_out, name, r->size);
	fi_api_top_range(r);
	fi_sqlb_add(b, " IS NULL OR (fi_w.fi_n = ");
	fi_sqlb_u64(b, r->fetch);
	fi_sqlb_add(b, " AND fi_w.fi_m > ");
	fi_sqlb_addf(b, fi_api_top_sql_out, name, r->size);
	fi_api_top_range(r);
	fi_sqlb_addf(b,
		     "))) AS fi_exact FROM (SELECT fi_p.*, COUNT(*) OVER () AS fi_n,"
		     " MIN(fi_p.%s) OVER () AS fi_m FROM (",
		     name);
	fi_api_bucket_flow_select(r);
	fi_sqlb_addf(b, " FROM flowtop_%u WHERE ", r->size);
	fi_api_sql_bucket_range(b, r->q->start_bucket, r->q->end_bucket);
	rc = fi_api_bucket_flow_order(r);
	if (rc != 0)
		return rc;
	fi_api_sql_limit(r);
	fi_sqlb_add(b, ") fi_p) fi_w");
	rc = fi_api_bucket_flow_order(r);
	if (rc != 0)
		return rc;
	return fi_api_run(r, fi_api_top_row);
}

int
fi_api_top_flows(struct fi_req *r, int *done)
{
	int ctr = fi_api_top_counter(r);
	int rc;

	*done = 0;
	if (!fi_api_top_usable(r) || (!r->q->count && ctr < 0))
		return 0;
	r->top = 0;
	rc = r->q->count ? fi_api_top_count(r) : fi_api_top_page(r, ctr);
	*done = rc == 0 && r->top > 0;
	return rc;
}
