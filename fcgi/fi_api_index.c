/*
 * fi_api_index.c: /api/index/{nodes,ports} (all time, the coarsest size) and
 * /api/dynamic/index/{nodes,ports} (a bucket range): per address or port
 * the counters by direction and class, and totalCounter, the traffic
 * matched with each flow once. Without filters from the index tables (an
 * index sorted by a total from the roll-up's first rows where they answer
 * exactly, fi_api_indextop.c); with filters computed from the flow
 * table; with aggregate, the bucket query's grouped rows.
 */
#include "fi_api_int.h"

/* the id column of the index tables, and the direction of a flow row's endpoint */
static const char *const fi_api_index_sql_id[2] = {"addr", "port"};
static const char *const fi_api_index_sql_dir_cond[FI_DIR_COUNT] = {"TRUE", "d = 0",
								    "d = 1"};

int
fi_api_index_row(struct fi_req *r, struct fi_stmt *st)
{
	struct fi_api_block bl;

	if (fi_api_row_cut(r))
		return 0;
	fi_jsonw_obj_begin(&r->w);
	if (fi_api_row_key(&r->w, r->name ? FI_FK_PORT : FI_FK_IPADDRESS,
			   fi_stmt_col(st, 0)) != 0 ||
	    fi_api_row_block_read(st, 1, 1, &bl) != 0)
		return FI_EINTERNAL;
	fi_api_row_block_write(&r->w, &bl, 1);
	fi_jsonw_obj_end(&r->w);
	return 0;
}

static int
fi_api_index_row_total(struct fi_req *r, struct fi_stmt *st)
{
	struct fi_api_block bl;

	if (fi_api_row_block_read(st, 0, 0, &bl) != 0)
		return FI_EINTERNAL;
	fi_jsonw_key(&r->w, "totalCounter");
	fi_jsonw_obj_begin(&r->w);
	fi_api_row_block_write(&r->w, &bl, 0);
	fi_jsonw_obj_end(&r->w);
	return 0;
}

/*
 * The sum of one index counter: over the index table's columns
 * ("src_tcp_flows + ..."), or over flow rows on the side of each endpoint.
 */
void
fi_api_index_counter(struct fi_sqlb *b, const struct fi_field *f, int from_flows)
{
	int n = 0;

	if (from_flows) {
		fi_sqlb_addf(b, "SUM(IF(%s AND %s, %s, 0))",
			     fi_api_index_sql_dir_cond[f->dir],
			     f->cls < FI_PC_COUNT ? fi_api_sql_cls_cond[f->cls] : "TRUE",
			     fi_api_sql_ctr[f->ctr]);
		return;
	}
	fi_sqlb_add(b, "SUM(");
	for (int d = 1; d < FI_DIR_COUNT; d++) {
		if (f->dir != FI_DIR_ALL && f->dir != d)
			continue;
		for (int c = 0; c < FI_PC_COUNT; c++) {
			if (f->cls != FI_PC_COUNT && f->cls != c)
				continue;
			fi_sqlb_addf(b, "%s%s_%s_%s", n++ ? " + " : "", fi_api_sql_dir[d],
				     fi_api_sql_cls[c], fi_api_sql_ctr[f->ctr]);
		}
	}
	fi_sqlb_add(b, ")");
}

/* The totalCounter statement: each flow once, over what the filters select. */
static void
fi_api_index_total_sql(struct fi_req *r, int dynamic, int filters)
{
	const struct fi_query *q = r->q;
	struct fi_sqlb *b = &r->api->sb;

	fi_sqlb_reset(b);
	fi_sqlb_add(b, fi_api_sql_select);
	if (filters) {
		/* per protocol first, then into classes (see fi_api_bucket_aggr) */
		fi_api_sql_class_sums(b, 1);
		fi_sqlb_add(b, " FROM (SELECT proto");
		fi_sqlb_add(b, fi_api_sql_ctr_sums);
		if (fi_api_rollup_fits(r))
			fi_api_rollup_from(r, 0, dynamic);
		else
			fi_api_sql_from_flows(r, dynamic, 0);
		fi_api_sql_where(b, q, dynamic);
		fi_sqlb_add(b, " GROUP BY proto) fi_g");
		return;
	}
	for (int c = 0; c < FI_PC_COUNT; c++)
		for (int k = 0; k < FI_CTR_COUNT; k++)
			fi_sqlb_addf(b, "%sSUM(%s_%s)", c + k ? ", " : "",
				     fi_api_sql_cls[c], fi_api_sql_ctr[k]);
	fi_api_sql_from_totals(b, r->size);
	if (dynamic) {
		fi_sqlb_add(b, " WHERE ");
		fi_api_sql_bucket_range(b, q->start_bucket, q->end_bucket);
	}
}

/* The rows computed from the flow table: a flow counts for both endpoints. */
static void
fi_api_index_rows_flows(struct fi_req *r, int dynamic)
{
	struct fi_sqlb *b = &r->api->sb;

	/* per endpoint, direction and protocol first, then into classes */
	fi_sqlb_add(b, "g_id");
	for (int d = 1; d < FI_DIR_COUNT; d++)
		for (int c = 0; c < FI_PC_COUNT; c++)
			for (int k = 0; k < FI_CTR_COUNT; k++)
				fi_sqlb_addf(b, ", SUM(IF(%s AND %s, %s, 0))",
					     fi_api_index_sql_dir_cond[d],
					     fi_api_sql_cls_cond[c], fi_api_sql_ctr[k]);
	fi_sqlb_add(b, " FROM (SELECT ");
	fi_sqlb_add(b, r->name ? fi_api_sql_endpoint_port : fi_api_sql_endpoint_addr);
	fi_sqlb_add(b, " AS g_id, fi_dirs.d AS d, proto");
	fi_sqlb_add(b, fi_api_sql_ctr_sums);
	if (r->name == 0 && fi_api_rollup_fits(r))
		fi_api_rollup_from(r, 0,
				   dynamic); /* addresses: the pair rows hold them */
	else
		fi_api_sql_from_flows(r, dynamic, 0);
	fi_sqlb_add(b, fi_api_sql_dirs);
	fi_api_sql_where(b, r->q, dynamic);
	fi_sqlb_add(b, " GROUP BY g_id, d, proto) fi_g");
}

/* The rows from the index tables (nodes_, ports_). */
static void
fi_api_index_rows_table(struct fi_req *r, int dynamic)
{
	struct fi_sqlb *b = &r->api->sb;

	fi_sqlb_addf(b, "%s AS g_id", fi_api_index_sql_id[r->name]);
	for (int d = 1; d < FI_DIR_COUNT; d++)
		for (int c = 0; c < FI_PC_COUNT; c++)
			for (int k = 0; k < FI_CTR_COUNT; k++)
				fi_sqlb_addf(b, ", SUM(%s_%s_%s)", fi_api_sql_dir[d],
					     fi_api_sql_cls[c], fi_api_sql_ctr[k]);
	/* ports of a size that is not a detail size: rolled up from finer ones */
	if (r->name != 0 && fi_api_rollup_ports_fit(r)) {
		fi_api_rollup_from(r, 1, dynamic);
		return;
	}
	r->heavy |= r->name != 0; /* ports_: a row per port and bucket */
	fi_api_sql_from_index(b, r->name, r->size);
	if (dynamic) {
		fi_sqlb_add(b, " WHERE ");
		fi_api_sql_bucket_range(b, r->q->start_bucket, r->q->end_bucket);
	}
}

/* Appends ORDER BY the sort keys, then the id (a stable order), and LIMIT. */
static void
fi_api_index_order(struct fi_req *r, int filters)
{
	const struct fi_query *q = r->q;
	struct fi_sqlb *b = &r->api->sb;

	fi_sqlb_add(b, " ORDER BY ");
	for (unsigned i = 0; i < q->nsort; i++) {
		const struct fi_field *f = &q->sort[i].field;

		if (f->kind == FI_FK_ID)
			fi_sqlb_add(b, "g_id");
		else
			fi_api_index_counter(b, f, filters);
		fi_sqlb_add(b, fi_api_sql_order(q->sort[i].desc));
		fi_sqlb_add(b, ", ");
	}
	fi_sqlb_add(b, "g_id");
	fi_api_sql_limit(r);
}

int
fi_api_index_check(struct fi_req *r)
{
	static const unsigned with_aggregate[] = {FI_QP_FIELDS, FI_QP_BLACK_OTHERS,
						  FI_QP_BIFLOW};

	if (r->q->have & FI_QP_AGGREGATE)
		return 0;
	for (unsigned i = 0; i < sizeof(with_aggregate) / sizeof(with_aggregate[0]); i++)
		if (r->q->have & with_aggregate[i])
			return fi_err_set(&r->err, FI_EINVAL,
					  "Param %s is not supported by the index "
					  "without aggregate.",
					  fi_query_param_name(with_aggregate[i]));
	return 0;
}

/*
 * An index with `aggregate`, as the original meant it (its MySQL backend
 * ran the bucket query's aggregate over the flow table, and crashed on
 * ipaddress): totalCounter as always, and as results the bucket query's
 * grouped rows over the same buckets, whichever index is named.
 */
static int
fi_api_index_aggr(struct fi_req *r, int dynamic)
{
	int filters = (r->q->have & FI_QP_FILTERS) != 0, rc;

	r->all_time = !dynamic;
	fi_api_index_total_sql(r, dynamic, filters);
	rc = fi_api_run(r, fi_api_index_row_total);
	if (rc != 0)
		return rc;
	if (!r->q->count) {
		fi_jsonw_key(&r->w, "results");
		fi_jsonw_arr_begin(&r->w);
	}
	rc = fi_api_bucket_aggr(r);
	if (rc != 0)
		return rc;
	if (r->q->count) {
		fi_jsonw_key(&r->w, "results");
		fi_jsonw_arr_begin(&r->w);
	}
	fi_jsonw_arr_end(&r->w);
	return fi_api_row_end(r);
}

/* Builds "SELECT g_id, <24 sums> ... GROUP BY g_id", the rows before ORDER BY. */
static void
fi_api_index_rows_sql(struct fi_req *r, int dynamic, int filters)
{
	fi_sqlb_reset(&r->api->sb);
	fi_sqlb_add(&r->api->sb, fi_api_sql_select);
	if (filters)
		fi_api_index_rows_flows(r, dynamic);
	else
		fi_api_index_rows_table(r, dynamic);
	fi_sqlb_add(&r->api->sb, " GROUP BY g_id");
}

/*
 * The index's rows (or their count) after its totalCounter: from the
 * roll-up's first rows where they answer exactly (fi_api_indextop.c), else
 * summed from the index tables or the flow table.
 */
static int
fi_api_index_rows(struct fi_req *r, int dynamic, int filters)
{
	int rc, done = 0;

	if (r->q->count) {
		fi_api_index_rows_sql(r, dynamic, filters);
		rc = fi_api_run_count(r);
		if (rc == 0) {
			fi_jsonw_key(&r->w, "results");
			fi_jsonw_arr_begin(&r->w);
			fi_jsonw_arr_end(&r->w);
			fi_jsonw_obj_end(&r->w);
		}
		return rc;
	}
	fi_jsonw_key(&r->w, "results");
	fi_jsonw_arr_begin(&r->w);
	rc = fi_api_indextop(r, dynamic, &done);
	if (rc == 0 && !done) {
		fi_api_index_rows_sql(r, dynamic, filters);
		fi_api_index_order(r, filters);
		rc = fi_api_run(r, fi_api_index_row);
	}
	if (rc != 0)
		return rc;
	fi_jsonw_arr_end(&r->w);
	return fi_api_row_end(r);
}

/*
 * An index: per address (nodes) or port (ports) the counters by direction and
 * class, plus totalCounter (each flow once, never one of the rows). Without
 * filters from the index tables; with filters computed from the flow table,
 * where a flow counts for both its endpoints.
 */
static int
fi_api_index(struct fi_req *r, int dynamic)
{
	const struct fi_query *q = r->q;
	const struct fi_config *cfg = r->api->cfg;
	int filters = (q->have & FI_QP_FILTERS) != 0;
	int aggregate = (q->have & FI_QP_AGGREGATE) != 0;
	int rc;

	for (unsigned i = 0; i < q->nsort && !aggregate; i++) {
		const struct fi_field *f = &q->sort[i].field;
		if (f->kind != FI_FK_ID && f->kind != FI_FK_COUNTER)
			return fi_api_sql_sort_error(r, f,
						     "is not available for an index");
	}
	if (dynamic) {
		rc = fi_api_run_choose_size(r);
		if (rc != 0)
			return rc;
	} else {
		/* the all-time index is the coarsest size over all its buckets */
		r->size = cfg->bucket_sizes[cfg->n_bucket_sizes - 1];
	}
	fi_jsonw_obj_begin(&r->w);
	if (aggregate)
		return fi_api_index_aggr(r, dynamic);
	fi_api_index_total_sql(r, dynamic, filters);
	rc = fi_api_run(r, fi_api_index_row_total);
	if (rc != 0)
		return rc;
	return fi_api_index_rows(r, dynamic, filters);
}

int
fi_api_index_all(struct fi_req *r)
{
	return fi_api_index(r, 0);
}

int
fi_api_index_dynamic(struct fi_req *r)
{
	return fi_api_index(r, 1);
}
