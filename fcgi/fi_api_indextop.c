/*
 * fi_api_indextop.c: the unfiltered node and port indexes sorted by a
 * total (flows, packets or bytes, descending) from the roll-up's first
 * rows, instead of summing every nodes_S or ports_S row of the range.
 * nodetop_S/porttop_S rank per bucket the hosts/ports by each total (ranks
 * 1 to FI_NODETOP_RANKS + 1), nodegroups_S/portgroups_S say per bucket how
 * many it has and how many ranks it kept. A threshold rule (Fagin's): the
 * candidates are the ids ranked at most k in some bucket of the range; any
 * other id has in each bucket at most the value ranked k + 1 there
 * (nothing where the bucket has at most k ids), so its total is at most T,
 * the sum of those values. The candidates' rows are summed exactly from
 * nodes_S/ports_S (primary-key lookups) and sorted by the request's whole
 * order; that page is the answer when every bucket of the range with data
 * is rolled up (no mark, its groups row with the ranks needed) and either
 * nothing was left out (T is NULL) or the page is full and its last row's
 * total is above T: every id left out then sorts after it. The statement
 * checks that itself (one snapshot) in a column of every row; when it does
 * not hold the caller sums the index table as before. The rows are the
 * same columns as there, so the answers are the same byte for byte.
 */
#include "fi_api_int.h"

/* k, the ranks read per bucket: twice the rows asked, at least this many */
#define FI_API_INDEXTOP_MIN_K 20

/* the 24 counter columns of a row, read by fi_api_index_row after the id */
#define FI_API_INDEXTOP_COLS (2 * FI_PC_COUNT * FI_CTR_COUNT)

/* Per index (r->name: 0 nodes, 1 ports) the tables and the id column. */
struct fi_api_indextop_kind {
	const char *id;	     /* the id column of every table below */
	const char *rows;    /* the index table summed, nodes_S or ports_S */
	const char *top;     /* the ranks, nodetop_S or porttop_S */
	const char *buckets; /* the buckets with data of the range */
	const char *groups;  /* per bucket the ids and ranks kept */
	const char *count;   /* its column of the ids */
};

/*
 * the buckets whose rows are summed: nodes totals_S's, ports portgroups_S's
 * (one for every bucket the roll-up ranked, whether or not totals_S has it
 * yet); fi_api_indextop_covered checks that no bucket with data is missing
 */
static const struct fi_api_indextop_kind fi_api_indextop_kinds[2] = {
    {"addr", "nodes", "nodetop", "totals", "nodegroups", "hosts"},
    {"port", "ports", "porttop", "portgroups", "portgroups", "ports"},
};

static const char fi_api_indextop_sql_range[] = " AND %s.bucket >= ";
static const char fi_api_indextop_sql_to[] = " AND %s.bucket <= ";
/* per bucket of the range with data a join to its ranks */
static const char fi_api_indextop_sql_ranked[] =
    " FROM %s_%u t JOIN %s_%u x ON x.bucket = t.bucket AND x.ctr = ";

/* The first sort key's counter (0..2) if the request can be answered here, or -1. */
static int
fi_api_indextop_counter(const struct fi_req *r)
{
	const struct fi_query *q = r->q;
	const struct fi_field *f = &q->sort[0].field;

	if (r->name > 1 || q->count || (q->have & (FI_QP_FILTERS | FI_QP_AGGREGATE)) ||
	    q->nsort == 0 || !q->sort[0].desc || f->kind != FI_FK_COUNTER ||
	    f->dir != FI_DIR_ALL || f->cls != FI_PC_COUNT ||
	    q->offset + r->fetch > FI_NODETOP_RANKS)
		return -1;
	return f->ctr;
}

/* Appends " AND <alias>.bucket >= ? AND <alias>.bucket <= ?" for the range. */
static void
fi_api_indextop_range(struct fi_req *r, const char *alias, int dynamic)
{
	struct fi_sqlb *b = &r->api->sb;

	/* the all-time index: every bucket there can be */
	fi_sqlb_addf(b, fi_api_indextop_sql_range, alias);
	fi_sqlb_u64(b, dynamic ? (uint64_t)r->q->start_bucket : 0);
	fi_sqlb_addf(b, fi_api_indextop_sql_to, alias);
	fi_sqlb_u64(b, dynamic ? (uint64_t)r->q->end_bucket : UINT32_MAX);
}

/*
 * Appends "(SELECT <what> FROM totals_S t JOIN nodetop_S x ON ... AND
 * x.rnk <op> k WHERE <range>)" (ports: portgroups_S, porttop_S): the
 * ranked rows of the range's buckets.
 */
static void
fi_api_indextop_ranked(struct fi_req *r, const char *what, const char *op, int ctr,
		       uint64_t k, int dynamic)
{
	const struct fi_api_indextop_kind *kd = &fi_api_indextop_kinds[r->name];
	struct fi_sqlb *b = &r->api->sb;

	fi_sqlb_addf(b, "(SELECT %s", what);
	fi_sqlb_addf(b, fi_api_indextop_sql_ranked, kd->buckets, r->size, kd->top,
		     r->size);
	fi_sqlb_u64(b, (uint64_t)ctr);
	fi_sqlb_addf(b, " AND x.rnk %s ", op);
	fi_sqlb_u64(b, k);
	fi_sqlb_add(b, " WHERE TRUE");
	fi_api_indextop_range(r, "t", dynamic);
	fi_sqlb_add(b, ")");
}

/*
 * Appends "NOT EXISTS ...": every bucket of the range with data has its
 * groups row with ranks enough for k + 1. nodes: the buckets with data are
 * totals_S's. ports: ports_S's, read as one index dive per bucket (a loose
 * scan of its primary key's first column): a batch's totals part may
 * commit after its ports were rolled up, and a detail size's ports stay
 * after its totals.
 */
static void
fi_api_indextop_covered(struct fi_req *r, uint64_t k, int dynamic)
{
	const struct fi_api_indextop_kind *kd = &fi_api_indextop_kinds[r->name];
	struct fi_sqlb *b = &r->api->sb;

	if (r->name == 0) {
		fi_sqlb_addf(b, "NOT EXISTS (SELECT 1 FROM totals_%u t", r->size);
	} else {
		fi_sqlb_addf(b,
			     "NOT EXISTS (SELECT 1 FROM (SELECT bucket FROM ports_%u p"
			     " WHERE TRUE",
			     r->size);
		fi_api_indextop_range(r, "p", dynamic);
		fi_sqlb_add(b, " GROUP BY bucket) t");
	}
	fi_sqlb_addf(b,
		     " LEFT JOIN %s_%u g ON g.bucket = t.bucket"
		     " WHERE (g.bucket IS NULL OR g.ranks < LEAST(g.%s, ",
		     kd->groups, r->size, kd->count);
	fi_sqlb_u64(b, k + 1);
	fi_sqlb_add(b, "))");
	if (r->name == 0)
		fi_api_indextop_range(r, "t", dynamic);
	fi_sqlb_add(b, ")");
}

/*
 * Appends the condition of the file's comment: no mark in the range, every
 * bucket with data has its groups row with ranks enough for k + 1, and
 * nothing left out or the page full with its last total above T.
 */
static void
fi_api_indextop_exact(struct fi_req *r, int ctr, uint64_t k, int dynamic)
{
	struct fi_sqlb *b = &r->api->sb;

	fi_sqlb_add(b, "(SELECT COUNT(*) FROM fi_rollup_dirty d WHERE d.size = ");
	fi_sqlb_u64(b, r->size);
	fi_api_indextop_range(r, "d", dynamic);
	fi_sqlb_add(b, ") = 0 AND ");
	fi_api_indextop_covered(r, k, dynamic);
	fi_sqlb_add(b, " AND (");
	fi_api_indextop_ranked(r, "SUM(x.value)", "=", ctr, k + 1, dynamic);
	fi_sqlb_add(b, " IS NULL OR (fi_w.fi_n = ");
	fi_sqlb_u64(b, r->fetch);
	fi_sqlb_add(b, " AND fi_w.fi_m > ");
	fi_api_indextop_ranked(r, "SUM(x.value)", "=", ctr, k + 1, dynamic);
	fi_sqlb_add(b, "))");
}

/* Appends " ORDER BY" the sort keys (their columns fi_s<i>), then the id. */
static void
fi_api_indextop_order(struct fi_req *r, const char *alias)
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
 * The candidates' page: their rows summed from nodes_S (ports_S) over the
 * range's buckets, with a column per counter sort key, in the request's
 * order.
 */
static void
fi_api_indextop_page(struct fi_req *r, int ctr, uint64_t k, int dynamic)
{
	const struct fi_api_indextop_kind *kd = &fi_api_indextop_kinds[r->name];
	const struct fi_query *q = r->q;
	struct fi_sqlb *b = &r->api->sb;
	unsigned col = 0;
	char what[32];

	fi_sqlb_addf(b, "SELECT n.%s AS g_id", kd->id);
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
	snprintf(what, sizeof(what), "DISTINCT x.%s", kd->id);
	fi_api_indextop_ranked(r, what, "<=", ctr, k, dynamic);
	/*
	 * in this order: the candidates, the buckets with data, then each
	 * (bucket, candidate) looked up on nodes_S's (ports_S's) primary key
	 * (left to the optimizer, it read every nodes_S row of each bucket
	 * and looked the candidates up in them)
	 */
	fi_sqlb_addf(b, " fi_k STRAIGHT_JOIN %s_%u t ON TRUE", kd->buckets, r->size);
	fi_api_indextop_range(r, "t", dynamic);
	fi_sqlb_addf(b,
		     " STRAIGHT_JOIN %s_%u n ON n.bucket = t.bucket AND n.%s = fi_k.%s"
		     " GROUP BY n.%s",
		     kd->rows, r->size, kd->id, kd->id, kd->id);
	fi_api_indextop_order(r, "");
	fi_api_sql_limit(r);
}

static int
fi_api_indextop_row(struct fi_req *r, struct fi_stmt *st)
{
	if (r->top == 0) {
		const struct fi_val *ok = fi_stmt_col(st, 1 + FI_API_INDEXTOP_COLS);

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
fi_api_indextop(struct fi_req *r, int dynamic, int *done)
{
	struct fi_sqlb *b = &r->api->sb;
	int ctr = fi_api_indextop_counter(r);
	uint64_t k = 2 * (r->q->offset + r->fetch);
	int rc;

	*done = 0;
	if (ctr < 0)
		return 0;
	if (k < FI_API_INDEXTOP_MIN_K)
		k = FI_API_INDEXTOP_MIN_K;
	if (k > FI_NODETOP_RANKS)
		k = FI_NODETOP_RANKS;
	fi_sqlb_reset(b);
	fi_sqlb_add(b, "SELECT fi_w.g_id");
	for (unsigned i = 0; i < FI_API_INDEXTOP_COLS; i++)
		fi_sqlb_addf(b, ", fi_w.fi_c%u", i);
	fi_sqlb_add(b, ", (");
	fi_api_indextop_exact(r, ctr, (uint64_t)k, dynamic);
	fi_sqlb_add(b, ") AS fi_exact FROM (SELECT fi_p.*, COUNT(*) OVER () AS fi_n,"
		       " MIN(fi_p.fi_s0) OVER () AS fi_m FROM (");
	fi_api_indextop_page(r, ctr, k, dynamic);
	fi_sqlb_add(b, ") fi_p) fi_w");
	fi_api_indextop_order(r, "fi_w.");
	r->top = 0;
	rc = fi_api_run(r, fi_api_indextop_row);
	*done = rc == 0 && r->top > 0;
	return rc;
}
