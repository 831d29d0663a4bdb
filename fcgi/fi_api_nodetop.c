/*
 * fi_api_nodetop.c: the unfiltered node index sorted by a host's total
 * (flows, packets or bytes, descending) from the roll-up's first rows,
 * instead of summing every nodes_S row of the range. nodetop_S ranks per
 * bucket the hosts by each total (ranks 1 to FI_NODETOP_RANKS + 1),
 * nodegroups_S says per bucket how many hosts it has and how many ranks it
 * kept. A threshold rule (Fagin's): the candidates are the hosts ranked at
 * most k in some bucket of the range; any other host has in each bucket at
 * most the value ranked k + 1 there (nothing where the bucket has at most k
 * hosts), so its total is at most T, the sum of those values. The
 * candidates' rows are summed exactly from nodes_S (primary-key lookups)
 * and sorted by the request's whole order; that page is the answer when
 * every bucket of the range with data is rolled up (no mark, its
 * nodegroups_S row with the ranks needed) and either no host was left out
 * (T is NULL) or the page is full and its last row's total is above T:
 * every host left out then sorts after it. The statement checks that
 * itself (one snapshot) in a column of every row; when it does not hold
 * the caller sums nodes_S as before. The rows are the same columns as
 * there, so the answers are the same byte for byte.
 */
#include "fi_api_int.h"

/* k, the ranks read per bucket: twice the rows asked, at least this many */
#define FI_API_NODETOP_MIN_K 20

/* the 24 counter columns of a row, read by fi_api_index_row after the id */
#define FI_API_NODETOP_COLS (2 * FI_PC_COUNT * FI_CTR_COUNT)

static const char fi_api_nodetop_sql_range[] = " AND %s.bucket >= ";
static const char fi_api_nodetop_sql_to[] = " AND %s.bucket <= ";
/* per bucket of the range (from totals_S, the buckets with data) a join */
static const char fi_api_nodetop_sql_ranked[] =
    " FROM totals_%u t JOIN nodetop_%u x ON x.bucket = t.bucket AND x.ctr = ";

/* The first sort key's counter (0..2) if the request can be answered here, or -1. */
static int
fi_api_nodetop_counter(const struct fi_req *r)
{
	const struct fi_query *q = r->q;
	const struct fi_field *f = &q->sort[0].field;

	if (r->name != 0 || q->count || (q->have & (FI_QP_FILTERS | FI_QP_AGGREGATE)) ||
	    q->nsort == 0 || !q->sort[0].desc || f->kind != FI_FK_COUNTER ||
	    f->dir != FI_DIR_ALL || f->cls != FI_PC_COUNT ||
	    q->offset + r->fetch > FI_NODETOP_RANKS)
		return -1;
	return f->ctr;
}

/* Appends " AND <alias>.bucket >= ? AND <alias>.bucket <= ?" for the range. */
static void
fi_api_nodetop_range(struct fi_req *r, const char *alias, int dynamic)
{
	struct fi_sqlb *b = &r->api->sb;

	/* the all-time index: every bucket there can be */
	fi_sqlb_addf(b, fi_api_nodetop_sql_range, alias);
	fi_sqlb_u64(b, dynamic ? (uint64_t)r->q->start_bucket : 0);
	fi_sqlb_addf(b, fi_api_nodetop_sql_to, alias);
	fi_sqlb_u64(b, dynamic ? (uint64_t)r->q->end_bucket : UINT32_MAX);
}

/*
 * Appends "(SELECT <what> FROM totals_S t JOIN nodetop_S x ON ... AND
 * x.rnk <op> k WHERE <range>)": the ranked rows of the range's buckets.
 */
static void
fi_api_nodetop_ranked(struct fi_req *r, const char *what, const char *op, int ctr,
		      uint64_t k, int dynamic)
{
	struct fi_sqlb *b = &r->api->sb;

	fi_sqlb_addf(b, "(SELECT %s", what);
	fi_sqlb_addf(b, fi_api_nodetop_sql_ranked, r->size, r->size);
	fi_sqlb_u64(b, (uint64_t)ctr);
	fi_sqlb_addf(b, " AND x.rnk %s ", op);
	fi_sqlb_u64(b, k);
	fi_sqlb_add(b, " WHERE TRUE");
	fi_api_nodetop_range(r, "t", dynamic);
	fi_sqlb_add(b, ")");
}

/*
 * Appends the condition of the file's comment: no mark in the range, every
 * bucket with data has its nodegroups_S row with ranks enough for k + 1,
 * and nothing left out or the page full with its last total above T.
 */
static void
fi_api_nodetop_exact(struct fi_req *r, int ctr, uint64_t k, int dynamic)
{
	struct fi_sqlb *b = &r->api->sb;

	fi_sqlb_add(b, "(SELECT COUNT(*) FROM fi_rollup_dirty d WHERE d.size = ");
	fi_sqlb_u64(b, r->size);
	fi_api_nodetop_range(r, "d", dynamic);
	fi_sqlb_addf(b,
		     ") = 0 AND NOT EXISTS (SELECT 1 FROM totals_%u t"
		     " LEFT JOIN nodegroups_%u g ON g.bucket = t.bucket"
		     " WHERE (g.bucket IS NULL OR g.ranks < LEAST(g.hosts, ",
		     r->size, r->size);
	fi_sqlb_u64(b, k + 1);
	fi_sqlb_add(b, "))");
	fi_api_nodetop_range(r, "t", dynamic);
	fi_sqlb_add(b, ") AND (");
	fi_api_nodetop_ranked(r, "SUM(x.value)", "=", ctr, k + 1, dynamic);
	fi_sqlb_add(b, " IS NULL OR (fi_w.fi_n = ");
	fi_sqlb_u64(b, r->fetch);
	fi_sqlb_add(b, " AND fi_w.fi_m > ");
	fi_api_nodetop_ranked(r, "SUM(x.value)", "=", ctr, k + 1, dynamic);
	fi_sqlb_add(b, "))");
}

/* Appends " ORDER BY" the sort keys (their columns fi_s<i>), then the id. */
static void
fi_api_nodetop_order(struct fi_req *r, const char *alias)
{
	const struct fi_query *q = r->q;
	struct fi_sqlb *b = &r->api->sb;

	fi_sqlb_add(b, " ORDER BY ");
	for (unsigned i = 0; i < q->nsort; i++) {
		if (q->sort[i].field.kind == FI_FK_ID)
			fi_sqlb_addf(b, "%sg_id", alias);
		else
			fi_sqlb_addf(b, "%sfi_s%u", alias, i);
		fi_sqlb_add(b, fi_api_sql_order(q->sort[i].desc));
		fi_sqlb_add(b, ", ");
	}
	fi_sqlb_addf(b, "%sg_id", alias);
}

/*
 * The candidates' page: their rows summed from nodes_S over the range's
 * buckets, with a column per counter sort key, in the request's order.
 */
static void
fi_api_nodetop_page(struct fi_req *r, int ctr, uint64_t k, int dynamic)
{
	const struct fi_query *q = r->q;
	struct fi_sqlb *b = &r->api->sb;
	unsigned col = 0;

	fi_sqlb_add(b, "SELECT n.addr AS g_id");
	for (int d = 1; d < FI_DIR_COUNT; d++)
		for (int c = 0; c < FI_PC_COUNT; c++)
			for (int m = 0; m < FI_CTR_COUNT; m++)
				fi_sqlb_addf(b, ", SUM(n.%s_%s_%s) AS fi_c%u",
					     fi_api_sql_dir[d], fi_api_sql_cls[c],
					     fi_api_sql_ctr[m], col++);
	for (unsigned i = 0; i < q->nsort; i++) {
		if (q->sort[i].field.kind == FI_FK_ID)
			continue;
		fi_sqlb_add(b, ", ");
		fi_api_index_counter(b, &q->sort[i].field, 0);
		fi_sqlb_addf(b, " AS fi_s%u", i);
	}
	fi_sqlb_add(b, " FROM ");
	fi_api_nodetop_ranked(r, "DISTINCT x.addr", "<=", ctr, k, dynamic);
	/*
	 * in this order: the candidates, the buckets with data, then each
	 * (bucket, candidate) looked up on nodes_S's primary key (left to the
	 * optimizer, it read every nodes_S row of each bucket and looked
	 * the candidates up in them)
	 */
	fi_sqlb_addf(b, " fi_k STRAIGHT_JOIN totals_%u t ON TRUE", r->size);
	fi_api_nodetop_range(r, "t", dynamic);
	fi_sqlb_addf(
	    b, " STRAIGHT_JOIN nodes_%u n ON n.bucket = t.bucket AND n.addr = fi_k.addr",
	    r->size);
	fi_sqlb_add(b, " GROUP BY n.addr");
	fi_api_nodetop_order(r, "");
	fi_api_sql_limit(r);
}

static int
fi_api_nodetop_row(struct fi_req *r, struct fi_stmt *st)
{
	if (r->top == 0) {
		const struct fi_val *ok = fi_stmt_col(st, 1 + FI_API_NODETOP_COLS);

		r->top = ok->type != FI_VAL_NULL && ok->v.i == 1 ? 1 : -1;
	}
	return r->top > 0 ? fi_api_index_row(r, st) : 0;
}

/*
 * SELECT the page's columns, <exact> FROM (the page with its row count and
 * last total) ORDER BY ... (the window functions in a table of their own,
 * as in fi_api_top.c).
 */
int
fi_api_nodetop(struct fi_req *r, int dynamic, int *done)
{
	struct fi_sqlb *b = &r->api->sb;
	int ctr = fi_api_nodetop_counter(r);
	uint64_t k = 2 * (r->q->offset + r->fetch);
	int rc;

	*done = 0;
	if (ctr < 0)
		return 0;
	if (k < FI_API_NODETOP_MIN_K)
		k = FI_API_NODETOP_MIN_K;
	if (k > FI_NODETOP_RANKS)
		k = FI_NODETOP_RANKS;
	fi_sqlb_reset(b);
	fi_sqlb_add(b, "SELECT fi_w.g_id");
	for (unsigned i = 0; i < FI_API_NODETOP_COLS; i++)
		fi_sqlb_addf(b, ", fi_w.fi_c%u", i);
	fi_sqlb_add(b, ", (");
	fi_api_nodetop_exact(r, ctr, (uint64_t)k, dynamic);
	fi_sqlb_add(b, ") AS fi_exact FROM (SELECT fi_p.*, COUNT(*) OVER () AS fi_n,"
		       " MIN(fi_p.fi_s0) OVER () AS fi_m FROM (");
	fi_api_nodetop_page(r, ctr, k, dynamic);
	fi_sqlb_add(b, ") fi_p) fi_w");
	fi_api_nodetop_order(r, "fi_w.");
	r->top = 0;
	rc = fi_api_run(r, fi_api_nodetop_row);
	*done = rc == 0 && r->top > 0;
	return rc;
}
