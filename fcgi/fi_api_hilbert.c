/*
 * fi_api_hilbert.c: /api/hilbert, the map of an address space: traffic per
 * sub-prefix of a prefix, summed from the node index in one range scan of
 * its primary key, the cells numbered along the Hilbert curve (fi_hilbert.h).
 * Its parameters are checked before the database is asked.
 */
#include "fi_addr.h"
#include "fi_api_int.h"

/* /api/hilbert: the cell of an address is a bit field of a 4-byte window
 * (position, shift and mask bound), grouped over an address range of the
 * node index, so the primary key (bucket, addr) is range-scanned */
static const char *const fi_api_hilbert_sql_cell[4] = {
    "SELECT (CAST(CONV(HEX(SUBSTRING(addr, ", /* ? */ ", 4)), 16, 10) AS UNSIGNED) >> ",
    /* ? */ ") & ", /* ? */ " AS cell"};
static const char *const fi_api_hilbert_sql_addr[2] = {" AND addr >= ", " AND addr <= "};
static const char fi_api_hilbert_sql_group[] = " GROUP BY cell ORDER BY cell";

static int
fi_api_hilbert_row(struct fi_req *r, struct fi_stmt *st)
{
	struct fi_api_hmap *m = &r->hmap;
	const struct fi_val *cv = fi_stmt_col(st, 0);
	__int128 v[FI_CTR_COUNT] = {0};
	unsigned col = 1;
	int any = 0;

	if ((cv->type != FI_VAL_UINT && cv->type != FI_VAL_INT) ||
	    cv->v.u >= m->plan.ncells)
		return FI_EINTERNAL;
	for (int k = 0; k < FI_CTR_COUNT; k++) {
		if (!(m->ctrs & (1u << k)))
			continue;
		if (fi_api_row_num(fi_stmt_col(st, col++), &v[k]) != 0)
			return FI_EINTERNAL;
		any |= v[k] != 0;
	}
	/* an address seen only in the other direction or class is no traffic */
	if (!any)
		return 0;
	m->nonzero++;
	for (int k = 0; k < FI_CTR_COUNT; k++) {
		m->total[k] += v[k];
		if (v[k] > m->max[k])
			m->max[k] = v[k];
	}
	if (fi_api_row_cut(r))
		return 0; /* the sums still count the cells past max_rows */
	fi_jsonw_arr_begin(&r->w);
	fi_jsonw_uint(&r->w, cv->v.u);
	for (int k = 0; k < FI_CTR_COUNT; k++)
		if (m->ctrs & (1u << k))
			fi_jsonw_i128(&r->w, fi_api_row_round(v[k]));
	fi_jsonw_arr_end(&r->w);
	return 0;
}

/* Writes name: {counter: n, ...} over the answered counters. */
static void
fi_api_hilbert_sums(struct fi_req *r, const char *name, const __int128 *v)
{
	fi_jsonw_key(&r->w, name);
	fi_jsonw_obj_begin(&r->w);
	for (int k = 0; k < FI_CTR_COUNT; k++)
		if (r->hmap.ctrs & (1u << k)) {
			fi_jsonw_key(&r->w, fi_ctr_names[k]);
			fi_jsonw_i128(&r->w, fi_api_row_round(v[k]));
		}
	fi_jsonw_obj_end(&r->w);
}

/*
 * Checks the parameters of a map and plans it, before the database is asked
 * (so a bad depth is a 400 even while the database is down); the route
 * table has refused the parameters the map does not take.
 */
int
fi_api_hilbert_check(struct fi_req *r)
{
	const struct fi_query *q = r->q;
	struct fi_api_hmap *m = &r->hmap;
	struct fi_prefix whole = {.len = 96}; /* 0.0.0.0/0 */
	int rc;

	whole.addr = fi_addr_from_v4(0);
	rc = fi_hilbert_plan((q->have & FI_QP_PREFIX) ? &q->prefix : &whole,
			     (q->have & FI_QP_DEPTH) != 0, q->depth, &m->plan, &r->err);
	if (rc != 0)
		return rc;
	m->ctrs = q->value < FI_CTR_COUNT ? 1u << q->value : 7u;
	return fi_api_sql_whole_classes(r, "/api/hilbert", &m->classes);
}

/*
 * The address-space map (checked by fi_api_hilbert_check): traffic per
 * sub-prefix of length depth inside prefix, summed from the node index,
 * non-empty cells only, in cell (= Hilbert curve) order: {"prefix", "depth",
 * "order", "bucket_size", "direction", "columns", "cells": [[index,
 * counters...], ...], "max", "total", "nonzero"}. See fcgi/API.md.
 */
int
fi_api_hilbert(struct fi_req *r)
{
	static const char *const dir_names[FI_DIR_COUNT] = {"both", "src", "dst"};
	const struct fi_query *q = r->q;
	struct fi_sqlb *b = &r->api->sb;
	struct fi_api_hmap *m = &r->hmap;
	struct fi_addr lo, hi;
	char text[FI_PREFIX_TEXT_MAX];
	int rc;

	rc = fi_api_run_choose_size(r);
	if (rc != 0)
		return rc;

	fi_jsonw_obj_begin(&r->w);
	fi_jsonw_key(&r->w, "prefix");
	fi_jsonw_cstr(&r->w, fi_hilbert_prefix_format(&m->plan.prefix, text));
	fi_jsonw_key(&r->w, "depth");
	fi_jsonw_uint(&r->w, m->plan.depth);
	fi_jsonw_key(&r->w, "order");
	fi_jsonw_uint(&r->w, m->plan.order);
	fi_jsonw_key(&r->w, "bucket_size");
	fi_jsonw_uint(&r->w, r->size);
	fi_jsonw_key(&r->w, "direction");
	fi_jsonw_cstr(&r->w, dir_names[q->direction % FI_DIR_COUNT]);
	fi_jsonw_key(&r->w, "columns");
	fi_jsonw_arr_begin(&r->w);
	fi_jsonw_cstr(&r->w, "index");
	for (int k = 0; k < FI_CTR_COUNT; k++)
		if (m->ctrs & (1u << k))
			fi_jsonw_cstr(&r->w, fi_ctr_names[k]);
	fi_jsonw_arr_end(&r->w);

	fi_sqlb_reset(b);
	fi_sqlb_add(b, fi_api_hilbert_sql_cell[0]);
	fi_sqlb_u64(b, m->plan.win_byte + 1); /* SUBSTRING counts from 1 */
	fi_sqlb_add(b, fi_api_hilbert_sql_cell[1]);
	fi_sqlb_u64(b, m->plan.win_shift);
	fi_sqlb_add(b, fi_api_hilbert_sql_cell[2]);
	fi_sqlb_u64(b, m->plan.win_mask);
	fi_sqlb_add(b, fi_api_hilbert_sql_cell[3]);
	for (int k = 0; k < FI_CTR_COUNT; k++)
		if (m->ctrs & (1u << k))
			fi_api_sql_node_sum(b, m->classes, q->direction % FI_DIR_COUNT,
					    k);
	fi_api_sql_from_index(b, 0, r->size);
	fi_sqlb_add(b, " WHERE ");
	fi_api_sql_bucket_range(b, q->start_bucket, q->end_bucket);
	fi_prefix_range(&m->plan.prefix, &lo, &hi);
	fi_sqlb_add(b, fi_api_hilbert_sql_addr[0]);
	fi_sqlb_addr(b, &lo);
	fi_sqlb_add(b, fi_api_hilbert_sql_addr[1]);
	fi_sqlb_addr(b, &hi);
	fi_sqlb_add(b, fi_api_hilbert_sql_group);
	fi_jsonw_key(&r->w, "cells");
	fi_jsonw_arr_begin(&r->w);
	rc = fi_api_run(r, fi_api_hilbert_row);
	if (rc != 0)
		return rc;
	fi_jsonw_arr_end(&r->w);
	fi_api_hilbert_sums(r, "max", m->max);
	fi_api_hilbert_sums(r, "total", m->total);
	fi_jsonw_key(&r->w, "nonzero");
	fi_jsonw_uint(&r->w, m->nonzero);
	return fi_api_row_end(r);
}
