/*
 * fi_api_bucket.c: /api/bucket/query (SPEC 6). By its parameters it answers
 *   A  nothing but range/size/sort/limit: one row per bucket, totals table
 *   B  filters: the rows of the flow table with every column
 *   C  fields: the rows of the flow table with the fields asked for
 *   D  aggregate: GROUP BY the keys asked for, counters summed
 *   E  aggregate with ipaddress or port: D over both endpoints of each row
 */
#include <stdio.h>
#include <string.h>

#include "fi_api_int.h"

/* key columns of the flow table as stored, and folded for biflow */
static const char *const fi_api_bucket_sql_key[] = {
    [FI_FK_BUCKET] = "bucket", [FI_FK_SRC] = "src",	[FI_FK_DST] = "dst",
    [FI_FK_SPORT] = "sport",   [FI_FK_DPORT] = "dport", [FI_FK_PROTO] = "proto"};
static const char *const fi_api_bucket_sql_key_biflow[] = {
    [FI_FK_BUCKET] = "bucket",
    [FI_FK_SRC] = "IF(src <= dst, src, dst)",
    [FI_FK_DST] = "IF(src <= dst, dst, src)",
    [FI_FK_SPORT] = "IF(src <= dst, sport, dport)",
    [FI_FK_DPORT] = "IF(src <= dst, dport, sport)",
    [FI_FK_PROTO] = "proto"};

/* Mode A, the timeline: one row per bucket from the totals table. */
static int
fi_api_bucket_row_totals(struct fi_req *r, struct fi_stmt *st)
{
	struct fi_api_block bl;

	if (fi_api_row_cut(r))
		return 0;
	fi_jsonw_obj_begin(&r->w);
	if (fi_api_row_uint(&r->w, "bucket", fi_stmt_col(st, 0)) != 0 ||
	    fi_api_row_block_read(st, 1, 0, &bl) != 0)
		return FI_EINTERNAL;
	fi_api_row_block_write(&r->w, &bl, 0);
	fi_jsonw_obj_end(&r->w);
	return 0;
}

/*
 * A timeline row that also carries the size's data range (the answer's
 * global_min_bucket and global_max_bucket) in columns 13 and 14.
 */
static int
fi_api_bucket_row_totals_ranged(struct fi_req *r, struct fi_stmt *st)
{
	if (!r->range_read) {
		for (unsigned i = 0; i < 2; i++) {
			const struct fi_val *v = fi_stmt_col(st, 13 + i);

			r->pair.have[i] = v->type == FI_VAL_UINT || v->type == FI_VAL_INT;
			r->pair.v[i] = r->pair.have[i] ? v->v.u : 0;
		}
		r->range_read = 1;
	}
	return fi_api_bucket_row_totals(r, st);
}

/*
 * A timeline row of a call over the whole data range sorted by bucket
 * (fi_api_bucket_span): the rows are every bucket of the size in order, so
 * the first is its global_min_bucket and the last so far its
 * global_max_bucket; the caller keeps them once every row has come.
 */
static int
fi_api_bucket_row_totals_span(struct fi_req *r, struct fi_stmt *st)
{
	const struct fi_val *v = fi_stmt_col(st, 0);

	if (v->type != FI_VAL_UINT && v->type != FI_VAL_INT)
		return FI_EINTERNAL;
	if (r->span_rows++ == 0) {
		r->pair.have[0] = 1;
		r->pair.v[0] = v->v.u;
	}
	r->pair.have[1] = 1;
	r->pair.v[1] = v->v.u;
	return fi_api_bucket_row_totals(r, st);
}

/*
 * Whether the timeline's rows are the whole data range in bucket order
 * (no start or end, no offset, sorted by bucket ascending): its data range
 * then comes from its first and last rows, and the statement needs no
 * MIN/MAX subqueries (a third of the server's time for this call) and no
 * WHERE.
 */
static int
fi_api_bucket_span(const struct fi_query *q)
{
	return q->start_bucket <= 0 && q->end_bucket >= FI_TIME_MAX && q->offset == 0 &&
	       (q->nsort == 0 ||
		(q->nsort == 1 && q->sort[0].field.kind == FI_FK_BUCKET &&
		 !q->sort[0].desc));
}

/* Appends the ORDER BY expression of a counter of the totals table. */
static void
fi_api_bucket_totals_counter(struct fi_sqlb *b, const struct fi_field *f)
{
	if (f->cls < FI_PC_COUNT) {
		fi_sqlb_addf(b, "%s_%s", fi_api_sql_cls[f->cls], fi_api_sql_ctr[f->ctr]);
		return;
	}
	fi_sqlb_add(b, "(");
	for (int c = 0; c < FI_PC_COUNT; c++)
		fi_sqlb_addf(b, "%s%s_%s", c ? " + " : "", fi_api_sql_cls[c],
			     fi_api_sql_ctr[f->ctr]);
	fi_sqlb_add(b, ")");
}

static int
fi_api_bucket_totals(struct fi_req *r)
{
	const struct fi_query *q = r->q;
	struct fi_sqlb *b = &r->api->sb;
	int span = r->range_in_rows && fi_api_bucket_span(q);
	int rc;

	for (unsigned i = 0; i < q->nsort; i++) {
		const struct fi_field *f = &q->sort[i].field;
		if (f->kind != FI_FK_BUCKET &&
		    !(f->kind == FI_FK_COUNTER && f->dir == FI_DIR_ALL))
			return fi_api_sql_sort_error(r, f,
						     "is not available without "
						     "fields, aggregate or filters");
	}
	fi_sqlb_reset(b);
	fi_sqlb_add(b, fi_api_sql_select);
	fi_sqlb_add(b, "bucket");
	for (int c = 0; c < FI_PC_COUNT; c++)
		for (int k = 0; k < FI_CTR_COUNT; k++)
			fi_sqlb_addf(b, ", %s_%s", fi_api_sql_cls[c], fi_api_sql_ctr[k]);
	if (r->range_in_rows && !span)
		fi_sqlb_addf(b,
			     ", (SELECT MIN(bucket) FROM totals_%u),"
			     " (SELECT MAX(bucket) FROM totals_%u)",
			     r->size, r->size);
	fi_api_sql_from_totals(b, r->size);
	/* the whole range needs no WHERE: it spares the server its range
	 * analysis and multi-range read, a tenth of the statement */
	if (!span) {
		fi_sqlb_add(b, " WHERE ");
		fi_api_sql_bucket_range(b, q->start_bucket, q->end_bucket);
	}
	if (q->count)
		return fi_api_run_count(r);
	fi_sqlb_add(b, " ORDER BY ");
	for (unsigned i = 0; i < q->nsort; i++) {
		const struct fi_field *f = &q->sort[i].field;

		if (f->kind == FI_FK_BUCKET)
			fi_sqlb_add(b, "bucket");
		else
			fi_api_bucket_totals_counter(b, f);
		fi_sqlb_add(b, fi_api_sql_order(q->sort[i].desc));
		fi_sqlb_add(b, ", ");
	}
	fi_sqlb_add(b, "bucket");
	fi_api_sql_limit(r);
	if (span) {
		memset(&r->pair, 0, sizeof(r->pair));
		r->span_rows = 0;
	}
	rc = fi_api_run(r, span		      ? fi_api_bucket_row_totals_span
			   : r->range_in_rows ? fi_api_bucket_row_totals_ranged
					      : fi_api_bucket_row_totals);
	/* cut at the LIMIT, the last row need not be the last bucket: the
	 * range then comes from a statement of its own */
	if (rc == 0 && span)
		r->range_read = r->span_rows < r->fetch;
	return rc;
}

static void
fi_api_bucket_rowplan_key(struct fi_api_rowplan *p, enum fi_fkind k)
{
	for (unsigned i = 0; i < p->nkeys; i++)
		if (p->keys[i] == k)
			return;
	if (k != FI_FK_BUCKET && p->nkeys < FI_API_KEYS_MAX)
		p->keys[p->nkeys++] = k;
}

static void
fi_api_bucket_rowplan(struct fi_api_rowplan *p, const struct fi_query *q)
{
	memset(p, 0, sizeof(*p));
	if (!(q->have & FI_QP_FIELDS)) {
		for (int k = FI_FK_SRC; k <= FI_FK_PROTO; k++)
			fi_api_bucket_rowplan_key(p, (enum fi_fkind)k);
		p->all_ctrs = 7;
		for (int c = 0; c < FI_PC_COUNT; c++)
			p->cls_ctrs[c] = 7;
		return;
	}
	for (unsigned i = 0; i < q->nfields; i++) {
		const struct fi_field *f = &q->fields[i];

		if (f->kind == FI_FK_CLASS)
			p->cls_ctrs[f->cls] = 7;
		else if (f->kind == FI_FK_COUNTER && f->cls == FI_PC_COUNT)
			p->all_ctrs |= 1u << f->ctr;
		else if (f->kind == FI_FK_COUNTER)
			p->cls_ctrs[f->cls] |= 1u << f->ctr;
		else
			fi_api_bucket_rowplan_key(p, (enum fi_fkind)f->kind);
	}
}

/* Column of each key in the flow-row select: bucket, src, dst, sport, dport, proto. */
static unsigned
fi_api_bucket_flow_col(enum fi_fkind k)
{
	return (unsigned)k; /* FI_FK_BUCKET .. FI_FK_PROTO are 0 .. 5 */
}

int
fi_api_bucket_row_flow(struct fi_req *r, struct fi_stmt *st)
{
	const struct fi_api_rowplan *p = &r->rowplan;
	const struct fi_val *pv = fi_stmt_col(st, 5);
	__int128 v[FI_CTR_COUNT];
	int cls;

	if (fi_api_row_cut(r))
		return 0;
	if (pv->type != FI_VAL_UINT)
		return FI_EINTERNAL;
	cls = fi_proto_class((uint8_t)pv->v.u);
	for (int k = 0; k < FI_CTR_COUNT; k++)
		if (fi_api_row_num(fi_stmt_col(st, 6 + (unsigned)k), &v[k]) != 0)
			return FI_EINTERNAL;
	fi_jsonw_obj_begin(&r->w);
	if (fi_api_row_key(&r->w, FI_FK_BUCKET, fi_stmt_col(st, 0)) != 0)
		return FI_EINTERNAL;
	for (unsigned i = 0; i < p->nkeys; i++)
		if (fi_api_row_key(&r->w, p->keys[i],
				   fi_stmt_col(st, fi_api_bucket_flow_col(p->keys[i]))) !=
		    0)
			return FI_EINTERNAL;
	for (int k = 0; k < FI_CTR_COUNT; k++)
		if (p->all_ctrs & (1u << k)) {
			fi_jsonw_key(&r->w, fi_ctr_names[k]);
			fi_jsonw_i128(&r->w, fi_api_row_round(v[k]));
		}
	for (int c = 0; c < FI_PC_COUNT; c++) {
		if (p->cls_ctrs[c] == 0)
			continue;
		fi_jsonw_key(&r->w, fi_proto_class_names[c]);
		fi_jsonw_obj_begin(&r->w);
		for (int k = 0; k < FI_CTR_COUNT; k++)
			if (p->cls_ctrs[c] & (1u << k)) {
				fi_jsonw_key(&r->w, fi_ctr_names[k]);
				fi_jsonw_i128(&r->w,
					      c == cls ? fi_api_row_round(v[k]) : 0);
			}
		fi_jsonw_obj_end(&r->w);
	}
	fi_jsonw_obj_end(&r->w);
	return 0;
}

/* ORDER BY expression of a sort key over flow rows (modes B, C). */
static int
fi_api_bucket_flow_sort(struct fi_req *r, const struct fi_field *f)
{
	static const char *const alias[] = {"bucket",  "k_src",	  "k_dst",
					    "k_sport", "k_dport", "proto"};
	struct fi_sqlb *b = &r->api->sb;

	if (f->kind <= FI_FK_PROTO) {
		fi_sqlb_add(b, alias[f->kind]);
		return 0;
	}
	if (f->kind != FI_FK_COUNTER || f->dir != FI_DIR_ALL)
		return fi_api_sql_sort_error(r, f, "is not available for flow rows");
	if (f->cls == FI_PC_COUNT)
		fi_sqlb_add(b, fi_api_sql_ctr[f->ctr]);
	else
		fi_sqlb_addf(b, "IF(%s, %s, 0)", fi_api_sql_cls_cond[f->cls],
			     fi_api_sql_ctr[f->ctr]);
	return 0;
}

void
fi_api_bucket_flow_select(struct fi_req *r)
{
	const char *const *key =
	    r->q->biflow ? fi_api_bucket_sql_key_biflow : fi_api_bucket_sql_key;

	fi_sqlb_add(&r->api->sb, fi_api_sql_select);
	fi_sqlb_addf(&r->api->sb,
		     "bucket, %s AS k_src, %s AS k_dst, %s AS k_sport, %s AS k_dport,"
		     " proto, flows, packets, bytes",
		     key[FI_FK_SRC], key[FI_FK_DST], key[FI_FK_SPORT], key[FI_FK_DPORT]);
}

int
fi_api_bucket_flow_order(struct fi_req *r)
{
	const struct fi_query *q = r->q;
	struct fi_sqlb *b = &r->api->sb;

	fi_sqlb_add(b, " ORDER BY ");
	for (unsigned i = 0; i < q->nsort; i++) {
		int rc = fi_api_bucket_flow_sort(r, &q->sort[i].field);

		if (rc != 0)
			return rc;
		fi_sqlb_add(b, fi_api_sql_order(q->sort[i].desc));
		fi_sqlb_add(b, ", ");
	}
	fi_sqlb_add(b, "bucket, k_src, k_dst, k_sport, k_dport, proto");
	return 0;
}

/*
 * Modes B and C: the rows of the flow table, every column or the fields;
 * from the roll-up's first rows where they answer exactly (fi_api_top.c).
 */
static int
fi_api_bucket_flows(struct fi_req *r)
{
	const struct fi_query *q = r->q;
	struct fi_sqlb *b = &r->api->sb;
	int rc, done = 0;

	fi_api_bucket_rowplan(&r->rowplan, q);
	rc = fi_api_top_flows(r, &done);
	if (rc != 0 || done)
		return rc;
	fi_sqlb_reset(b);
	fi_api_bucket_flow_select(r);
	fi_api_sql_from_flows(r, 1, 1);
	fi_api_sql_where(b, q, 1);
	if (q->count)
		return fi_api_run_count(r);
	rc = fi_api_bucket_flow_order(r);
	if (rc != 0)
		return rc;
	fi_api_sql_limit(r);
	return fi_api_run(r, fi_api_bucket_row_flow);
}

static int
fi_api_bucket_row_aggr(struct fi_req *r, struct fi_stmt *st)
{
	const struct fi_api_aggplan *p = &r->aggplan;
	struct fi_api_block bl;
	unsigned col = 0;

	if (fi_api_row_cut(r))
		return 0;
	fi_jsonw_obj_begin(&r->w);
	for (unsigned i = 0; i < p->nkeys; i++)
		if (fi_api_row_key(&r->w, p->keys[i], fi_stmt_col(st, col++)) != 0)
			return FI_EINTERNAL;
	for (unsigned i = 0; i < p->nmaxes; i++)
		if (fi_api_row_key(&r->w, p->maxes[i], fi_stmt_col(st, col++)) != 0)
			return FI_EINTERNAL;
	if (fi_api_row_block_read(st, col, 0, &bl) != 0)
		return FI_EINTERNAL;
	fi_api_row_block_write(&r->w, &bl, 0);
	fi_jsonw_obj_end(&r->w);
	return 0;
}

/*
 * Appends the SQL of a group key: the stored or folded column, or an
 * endpoint; with black_others, endpoints not in the include list become
 * NULL, one merged "others" row (printed as 0).
 */
static void
fi_api_bucket_group_key(struct fi_req *r, enum fi_fkind k)
{
	const struct fi_query *q = r->q;
	struct fi_sqlb *b = &r->api->sb;
	const char *expr;
	int addr;

	if (k == FI_FK_IPADDRESS)
		expr = fi_api_sql_endpoint_addr;
	else if (k == FI_FK_PORT)
		expr = fi_api_sql_endpoint_port;
	else
		expr =
		    (q->biflow ? fi_api_bucket_sql_key_biflow : fi_api_bucket_sql_key)[k];
	addr = k == FI_FK_SRC || k == FI_FK_DST || k == FI_FK_IPADDRESS;
	if (q->black_others && addr && (q->have & FI_QP_INCLUDE_IPS)) {
		fi_sqlb_add(b, "CASE WHEN ");
		fi_sqlb_in_prefixes(b, &expr, 1, q->include_ips, q->ninclude_ips);
		fi_sqlb_addf(b, " THEN %s END", expr);
	} else if (q->black_others &&
		   (k == FI_FK_SPORT || k == FI_FK_DPORT || k == FI_FK_PORT) &&
		   (q->have & FI_QP_INCLUDE_PORTS)) {
		fi_sqlb_add(b, "CASE WHEN ");
		fi_sqlb_in_ports(b, expr, 0, q->include_ports, q->ninclude_ports);
		fi_sqlb_addf(b, " THEN %s END", expr);
	} else {
		fi_sqlb_add(b, expr);
	}
}

/* ORDER BY expression of a sort key over grouped rows. */
static int
fi_api_bucket_aggr_sort(struct fi_req *r, const struct fi_field *f)
{
	const struct fi_api_aggplan *p = &r->aggplan;
	struct fi_sqlb *b = &r->api->sb;

	if (f->kind == FI_FK_COUNTER && f->dir == FI_DIR_ALL) {
		if (f->cls == FI_PC_COUNT)
			fi_sqlb_addf(b, "SUM(%s)", fi_api_sql_ctr[f->ctr]);
		else
			fi_sqlb_addf(b, "SUM(IF(%s, %s, 0))", fi_api_sql_cls_cond[f->cls],
				     fi_api_sql_ctr[f->ctr]);
		return 0;
	}
	for (unsigned i = 0; i < p->nkeys; i++)
		if ((enum fi_fkind)f->kind == p->keys[i] ||
		    (f->kind == FI_FK_ID &&
		     (p->keys[i] == FI_FK_IPADDRESS || p->keys[i] == FI_FK_PORT))) {
			fi_sqlb_addf(b, "g%u", i);
			return 0;
		}
	for (unsigned i = 0; i < p->nmaxes; i++)
		if ((enum fi_fkind)f->kind == p->maxes[i]) {
			fi_sqlb_addf(b, "m%u", i);
			return 0;
		}
	return fi_api_sql_sort_error(r, f, "is neither aggregated nor in fields");
}

/*
 * Plans the groups of modes D and E: the aggregate keys (an endpoint key
 * first: it is the row's id), then MAX() of the key fields named in fields
 * (counters are always summed).
 */
static int
fi_api_bucket_aggplan(struct fi_req *r)
{
	const struct fi_query *q = r->q;
	struct fi_api_aggplan *p = &r->aggplan;

	memset(p, 0, sizeof(*p));
	for (unsigned i = 0; i < q->naggregate; i++) {
		enum fi_fkind k = (enum fi_fkind)q->aggregate[i].kind;

		if (k == FI_FK_IPADDRESS || k == FI_FK_PORT) {
			if (p->endpoint)
				return fi_err_set(&r->err, FI_EINVAL,
						  "Param aggregate: ipaddress and port "
						  "cannot be combined.");
			p->endpoint = 1;
			memmove(&p->keys[1], &p->keys[0], p->nkeys * sizeof(p->keys[0]));
			p->keys[0] = k;
			p->nkeys++;
		} else if (p->nkeys < FI_API_KEYS_MAX) {
			p->keys[p->nkeys++] = k;
		}
	}
	for (unsigned i = 0; i < q->nfields; i++) {
		enum fi_fkind k = (enum fi_fkind)q->fields[i].kind;
		int dup = 0;

		if (k > FI_FK_PROTO)
			continue;
		for (unsigned j = 0; j < p->nkeys; j++)
			dup |= p->keys[j] == k;
		if (!dup && p->nmaxes < FI_API_KEYS_MAX)
			p->maxes[p->nmaxes++] = k;
	}
	return 0;
}

/*
 * Whether the groups need nothing but what a pair row holds (bucket, the
 * addresses, proto): then they are summed from the pair tables, a row per
 * host pair and protocol instead of one per 5-tuple (fi_api_rollup.c).
 */
static int
fi_api_bucket_on_pairs(const struct fi_req *r)
{
	const struct fi_api_aggplan *p = &r->aggplan;
	unsigned ok = 1u << FI_FK_BUCKET | 1u << FI_FK_SRC | 1u << FI_FK_DST |
		      1u << FI_FK_PROTO | 1u << FI_FK_IPADDRESS;

	for (unsigned i = 0; i < p->nkeys; i++)
		if (!(ok & 1u << p->keys[i]))
			return 0;
	for (unsigned i = 0; i < p->nmaxes; i++)
		if (!(ok & 1u << p->maxes[i]))
			return 0;
	return fi_api_rollup_fits(r);
}

/*
 * The grouped statement of modes D and E, in two levels: the inner query
 * groups by the keys and proto with three plain sums, the outer one splits
 * them into the twelve class sums. Summing each flow row into twelve IF()s
 * cost twice as much (a day of 60 s rows into host pairs: 8 s against 4 s).
 */
static void
fi_api_bucket_aggr_sql(struct fi_req *r)
{
	const struct fi_api_aggplan *p = &r->aggplan;
	const char *const *key =
	    r->q->biflow ? fi_api_bucket_sql_key_biflow : fi_api_bucket_sql_key;
	struct fi_sqlb *b = &r->api->sb;

	fi_sqlb_reset(b);
	fi_sqlb_add(b, fi_api_sql_select);
	for (unsigned i = 0; i < p->nkeys; i++)
		fi_sqlb_addf(b, "%sg%u", i ? ", " : "", i);
	for (unsigned i = 0; i < p->nmaxes; i++)
		fi_sqlb_addf(b, ", MAX(m%u) AS m%u", i, i);
	fi_api_sql_class_sums(b, 0);
	fi_sqlb_add(b, " FROM (SELECT ");
	for (unsigned i = 0; i < p->nkeys; i++) {
		fi_sqlb_add(b, i ? ", " : "");
		fi_api_bucket_group_key(r, p->keys[i]);
		fi_sqlb_addf(b, " AS g%u", i);
	}
	for (unsigned i = 0; i < p->nmaxes; i++)
		fi_sqlb_addf(b, ", MAX(%s) AS m%u", key[p->maxes[i]], i);
	fi_sqlb_add(b, ", proto");
	fi_sqlb_add(b, fi_api_sql_ctr_sums);
	if (fi_api_bucket_on_pairs(r))
		fi_api_rollup_from(r, 0, !r->all_time);
	else
		fi_api_sql_from_flows(r, !r->all_time, 0);
	if (p->endpoint)
		fi_sqlb_add(b, fi_api_sql_dirs);
	fi_api_sql_where(b, r->q, !r->all_time);
	fi_sqlb_add(b, " GROUP BY ");
	for (unsigned i = 0; i < p->nkeys; i++)
		fi_sqlb_addf(b, "g%u, ", i);
	fi_sqlb_add(b, "proto) fi_g GROUP BY ");
	for (unsigned i = 0; i < p->nkeys; i++)
		fi_sqlb_addf(b, "%sg%u", i ? ", " : "", i);
}

/*
 * The statement fi_api_groups.c sums: per row the group keys and the
 * `fields` keys as the grouped statement computes them, proto and the
 * three counters, from the pair rows the filters select, not grouped.
 */
static void
fi_api_bucket_stream_sql(struct fi_req *r)
{
	const struct fi_api_aggplan *p = &r->aggplan;
	const char *const *key =
	    r->q->biflow ? fi_api_bucket_sql_key_biflow : fi_api_bucket_sql_key;
	struct fi_sqlb *b = &r->api->sb;

	fi_sqlb_reset(b);
	fi_sqlb_add(b, fi_api_sql_select);
	for (unsigned i = 0; i < p->nkeys; i++) {
		fi_sqlb_add(b, i ? ", " : "");
		fi_api_bucket_group_key(r, p->keys[i]);
	}
	for (unsigned i = 0; i < p->nmaxes; i++)
		fi_sqlb_addf(b, ", %s", key[p->maxes[i]]);
	fi_sqlb_add(b, ", proto, flows, packets, bytes");
	fi_api_rollup_from(r, 0, !r->all_time);
	if (p->endpoint)
		fi_sqlb_add(b, fi_api_sql_dirs);
	fi_api_sql_where(b, r->q, !r->all_time);
}

/*
 * Modes D and E: GROUP BY the aggregate keys, with the counters summed;
 * the indexes answer `aggregate` with these rows too. Over pair rows the
 * responder sums the groups itself where it can (fi_api_groups.c), for
 * the top host pairs from the pair lists where they are exact
 * (fi_api_pairtop.c).
 */
int
fi_api_bucket_aggr(struct fi_req *r)
{
	const struct fi_query *q = r->q;
	const struct fi_api_aggplan *p = &r->aggplan;
	struct fi_sqlb *b = &r->api->sb;
	int rc;

	rc = fi_api_bucket_aggplan(r);
	if (rc != 0)
		return rc;
	if (fi_api_pairtop_fit(r) && fi_api_bucket_on_pairs(r)) {
		rc = fi_api_pairtop_run(r);
		if (rc <= 0)
			return rc;
	}
	if (fi_api_groups_fit(r) && fi_api_bucket_on_pairs(r)) {
		fi_api_bucket_stream_sql(r);
		rc = fi_api_groups_run(r);
		if (rc <= 0)
			return rc;
	}
	fi_api_bucket_aggr_sql(r);
	if (q->count)
		return fi_api_run_count(r);
	fi_sqlb_add(b, " ORDER BY ");
	for (unsigned i = 0; i < q->nsort; i++) {
		rc = fi_api_bucket_aggr_sort(r, &q->sort[i].field);
		if (rc != 0)
			return rc;
		fi_sqlb_add(b, fi_api_sql_order(q->sort[i].desc));
		fi_sqlb_add(b, ", ");
	}
	for (unsigned i = 0; i < p->nkeys; i++)
		fi_sqlb_addf(b, "%sg%u", i ? ", " : "", i);
	fi_api_sql_limit(r);
	return fi_api_run(r, fi_api_bucket_row_aggr);
}

/* Writes "global_min_bucket": ..., "global_max_bucket": ... */
static void
fi_api_bucket_globals(struct fi_jsonw *w, const struct fi_api_pair *range)
{
	static const char *const key[2] = {"global_min_bucket", "global_max_bucket"};

	for (unsigned i = 0; i < 2; i++) {
		fi_jsonw_key(w, key[i]);
		if (range->have[i])
			fi_jsonw_uint(w, range->v[i]);
		else
			fi_jsonw_null(w);
	}
}

/*
 * The timeline's data range came with its rows (fi_api_bucket_row_totals_ranged),
 * or, with no row, comes from a statement of its own now: its two members
 * go in at `at`, right after bucket_size, where the answer has them.
 */
static int
fi_api_bucket_globals_insert(struct fi_req *r, size_t at)
{
	struct fi_api_pair range = r->pair;
	char text[96];
	int n, rc;

	if (!r->range_read) {
		rc = fi_api_run_range(r, r->size, &range);
		if (rc != 0)
			return rc;
	}
	n = snprintf(text, sizeof(text), ",\"global_min_bucket\":");
	n += range.have[0] ? snprintf(text + n, sizeof(text) - (size_t)n, "%llu",
				      (unsigned long long)range.v[0])
			   : snprintf(text + n, sizeof(text) - (size_t)n, "null");
	n += snprintf(text + n, sizeof(text) - (size_t)n, ",\"global_max_bucket\":");
	n += range.have[1] ? snprintf(text + n, sizeof(text) - (size_t)n, "%llu",
				      (unsigned long long)range.v[1])
			   : snprintf(text + n, sizeof(text) - (size_t)n, "null");
	return fi_buf_insert(r->w.b, at, text, (size_t)n);
}

/*
 * The answer: bucket_size, the size's data range (global_*), the rows of the
 * mode. The timeline (mode A) of a size known without the ranges statement
 * reads the range in its own statement's rows: one statement a call.
 */
int
fi_api_bucket_query(struct fi_req *r)
{
	const struct fi_query *q = r->q;
	struct fi_api_pair range;
	size_t at;
	int rc;

	rc = fi_api_run_choose_size(r);
	if (rc != 0)
		return rc;
	r->range_in_rows = !r->have_ranges && !q->count &&
			   !(q->have & (FI_QP_AGGREGATE | FI_QP_FIELDS | FI_QP_FILTERS));
	if (r->have_ranges) {
		int i = fi_config_bucket_index(r->api->cfg, r->size);
		range = r->all[i < 0 ? 0 : i];
	} else if (!r->range_in_rows) {
		rc = fi_api_run_range(r, r->size, &range);
		if (rc != 0)
			return rc;
	}
	fi_jsonw_obj_begin(&r->w);
	fi_jsonw_key(&r->w, "bucket_size");
	fi_jsonw_uint(&r->w, r->size);
	at = r->w.b->len;
	if (!r->range_in_rows)
		fi_api_bucket_globals(&r->w, &range);
	if (!q->count) {
		fi_jsonw_key(&r->w, "results");
		fi_jsonw_arr_begin(&r->w);
	}
	if (q->have & FI_QP_AGGREGATE)
		rc = fi_api_bucket_aggr(r);
	else if (q->have & (FI_QP_FIELDS | FI_QP_FILTERS))
		rc = fi_api_bucket_flows(r);
	else
		rc = fi_api_bucket_totals(r);
	if (rc == 0 && r->range_in_rows)
		rc = fi_api_bucket_globals_insert(r, at);
	if (rc != 0)
		return rc;
	if (q->count) {
		fi_jsonw_key(&r->w, "results");
		fi_jsonw_arr_begin(&r->w);
	}
	fi_jsonw_arr_end(&r->w);
	return fi_api_row_end(r);
}
