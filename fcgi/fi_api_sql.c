/*
 * fi_api_sql.c: the statement pieces the routes share, all fixed text: the
 * tables and columns, the flow filters as a WHERE clause, the flow table of
 * a size that is summed from a finer one, ORDER BY and LIMIT. Values from a
 * request enter only through fi_sqlb's bound values; field and sort names
 * only as the whitelisted fragments below.
 */
#include "fi_api_int.h"

static const char fi_api_sql_flows_table[] = " FROM flows_%u";
static const char fi_api_sql_totals_table[] = " FROM totals_%u";
static const char fi_api_sql_index_table[] = " FROM %s_%u";
static const char *const fi_api_sql_index_names[2] = {"nodes", "ports"};

/*
 * The flow table of a size that is not stored (flow_detail_sizes): summed
 * from the detail size's table over the fine buckets of the range (the
 * slices telescope, so the sums are the rows the coarse size would hold).
 */
static const char fi_api_sql_from_derived[] =
    " FROM (SELECT bucket DIV %u * %u AS bucket, src, dst, sport, dport, proto,"
    " CAST(SUM(flows) AS DECIMAL(30,9)) AS flows, CAST(SUM(packets) AS UNSIGNED)"
    " AS packets, CAST(SUM(bytes) AS UNSIGNED) AS bytes FROM flows_%u";
static const char fi_api_sql_derived_end[] = " GROUP BY 1, 2, 3, 4, 5, 6) fi_f";
/* the same rows ungrouped, for queries that sum them anyway (merged, no temp) */
static const char fi_api_sql_from_flat[] =
    " FROM (SELECT bucket DIV %u * %u AS bucket, src, dst, sport, dport, proto, flows,"
    " packets, bytes FROM flows_%u";
static const char fi_api_sql_flat_end[] = ") fi_f";
static const char fi_api_sql_bucket_from[] = "bucket >= "; /* ? AND bucket <= ? */
static const char fi_api_sql_bucket_to[] = " AND bucket <= ";
static const char fi_api_sql_limit_kw[] = " LIMIT ";
static const char fi_api_sql_offset_kw[] = " OFFSET ";

const char fi_api_sql_select[] = "SELECT ";
/* the inner level of an aggregate: the counters per key and protocol */
const char fi_api_sql_ctr_sums[] =
    ", SUM(flows) AS flows, SUM(packets) AS packets, SUM(bytes) AS bytes";
/* both endpoints of a flow row, for aggregate=ipaddress|port and the indexes */
const char fi_api_sql_dirs[] = " CROSS JOIN (SELECT 0 AS d UNION ALL SELECT 1) fi_dirs";
const char fi_api_sql_endpoint_addr[] = "IF(fi_dirs.d = 0, src, dst)";
const char fi_api_sql_endpoint_port[] = "IF(fi_dirs.d = 0, sport, dport)";
/* the row-level protocol classes of the flow table (derived from proto) */
const char *const fi_api_sql_cls_cond[FI_PC_COUNT] = {
    "proto = 6", "proto = 17", "proto IN (1, 58)", "proto NOT IN (1, 6, 17, 58)"};
/* counter columns of the flow table, and their names in the other tables */
const char *const fi_api_sql_ctr[FI_CTR_COUNT] = {"flows", "packets", "bytes"};
const char *const fi_api_sql_cls[FI_PC_COUNT] = {"tcp", "udp", "icmp", "other"};
const char *const fi_api_sql_dir[FI_DIR_COUNT] = {"", "src", "dst"};

/* Appends "bucket >= ? AND bucket <= ?" with lo and hi bound. */
void
fi_api_sql_bucket_range(struct fi_sqlb *b, int64_t lo, int64_t hi)
{
	fi_sqlb_add(b, fi_api_sql_bucket_from);
	fi_sqlb_u64(b, (uint64_t)lo);
	fi_sqlb_add(b, fi_api_sql_bucket_to);
	fi_sqlb_u64(b, (uint64_t)hi);
}

/*
 * Appends the WHERE clause of the flow filters, each list in its own
 * parentheses and all joined by AND (the original's include lists were not
 * parenthesised: include_protos=udp,icmp matched nothing).
 */
void
fi_api_sql_where(struct fi_sqlb *b, const struct fi_query *q, int with_range)
{
	static const char *const both[2] = {"src", "dst"};
	struct fi_protoset allowed;
	unsigned nallowed;
	int first = 1;

#define FI_WHERE_AND() (fi_sqlb_add(b, first ? " WHERE " : " AND "), first = 0)
	if (with_range) {
		FI_WHERE_AND();
		fi_api_sql_bucket_range(b, q->start_bucket, q->end_bucket);
	}
	if (q->have & FI_QP_INCLUDE_PORTS) {
		FI_WHERE_AND();
		fi_sqlb_add(b, "(");
		fi_sqlb_in_ports(b, "sport", 0, q->include_ports, q->ninclude_ports);
		fi_sqlb_add(b, " OR ");
		fi_sqlb_in_ports(b, "dport", 0, q->include_ports, q->ninclude_ports);
		fi_sqlb_add(b, ")");
	}
	if (q->have & FI_QP_EXCLUDE_PORTS) {
		FI_WHERE_AND();
		fi_sqlb_in_ports(b, "sport", 1, q->exclude_ports, q->nexclude_ports);
		fi_sqlb_add(b, " AND ");
		fi_sqlb_in_ports(b, "dport", 1, q->exclude_ports, q->nexclude_ports);
	}
	if (q->have & FI_QP_INCLUDE_IPS) {
		FI_WHERE_AND();
		fi_sqlb_in_prefixes(b, both, 2, q->include_ips, q->ninclude_ips);
	}
	if (q->have & FI_QP_EXCLUDE_IPS) {
		FI_WHERE_AND();
		fi_sqlb_add(b, "NOT ");
		fi_sqlb_in_prefixes(b, both, 2, q->exclude_ips, q->nexclude_ips);
	}
	nallowed = fi_query_protos(q, &allowed);
	if (nallowed < 256) {
		int negate = nallowed > 128;
		unsigned k = 0;

		FI_WHERE_AND();
		if (nallowed == 0) {
			fi_sqlb_add(b, "FALSE");
			return;
		}
		fi_sqlb_add(b, negate ? "proto NOT IN (" : "proto IN (");
		for (unsigned p = 0; p < 256; p++)
			if (fi_query_protoset_has(&allowed, p) != negate) {
				fi_sqlb_add(b, k++ ? ", " : "");
				fi_sqlb_u64(b, p);
			}
		fi_sqlb_add(b, ")");
	}
#undef FI_WHERE_AND
}

/*
 * The twelve per-class sums of the flow table, tcp flows to other bytes;
 * each is preceded by ", " unless first and it is the first.
 */
void
fi_api_sql_class_sums(struct fi_sqlb *b, int first)
{
	for (int c = 0; c < FI_PC_COUNT; c++)
		for (int k = 0; k < FI_CTR_COUNT; k++)
			fi_sqlb_addf(b, "%sSUM(IF(%s, %s, 0))",
				     first && c + k == 0 ? "" : ", ",
				     fi_api_sql_cls_cond[c], fi_api_sql_ctr[k]);
}

/* The size whose flows_ and ports_ tables hold the answered size's rows. */
uint32_t
fi_api_sql_source(const struct fi_req *r)
{
	int i = fi_config_bucket_index(r->api->cfg, r->size);

	return i < 0 ? r->size : fi_config_detail_source(r->api->cfg, (unsigned)i);
}

/*
 * Appends the range of fine buckets (of a detail size) whose coarse buckets
 * (of the answered size) lie in the query's range.
 */
void
fi_api_sql_fine_range(struct fi_req *r)
{
	int64_t s = r->size;

	fi_api_sql_bucket_range(&r->api->sb, (r->q->start_bucket + s - 1) / s * s,
				r->q->end_bucket / s * s + s - 1);
}

/*
 * " FROM" the answered size's flow table, stored or summed from a finer one.
 * Queries that print rows need the coarse rows (grouped); queries that sum
 * over keys anyway can sum the fine rows directly (the server then merges
 * the subquery into a plain range scan).
 */
void
fi_api_sql_from_flows(struct fi_req *r, int with_range, int grouped)
{
	struct fi_sqlb *b = &r->api->sb;
	uint32_t src = fi_api_sql_source(r);

	r->heavy = 1;
	if (src == r->size) {
		fi_sqlb_addf(b, fi_api_sql_flows_table, r->size);
		return;
	}
	fi_sqlb_addf(b, grouped ? fi_api_sql_from_derived : fi_api_sql_from_flat, r->size,
		     r->size, src);
	if (with_range) {
		fi_sqlb_add(b, " WHERE ");
		fi_api_sql_fine_range(r);
	}
	fi_sqlb_add(b, grouped ? fi_api_sql_derived_end : fi_api_sql_flat_end);
}

/* ORDER BY direction of a sort key. */
const char *
fi_api_sql_order(int desc)
{
	return desc ? " DESC" : " ASC";
}

/* Appends " LIMIT ?" for the rows to fetch, and " OFFSET ?" for the rows
 * to skip first (paging; every ORDER BY ends in a unique key, so pages
 * neither overlap nor leave gaps). */
void
fi_api_sql_limit(struct fi_req *r)
{
	fi_sqlb_add(&r->api->sb, fi_api_sql_limit_kw);
	fi_sqlb_u64(&r->api->sb, r->fetch);
	if (r->api->q->offset != 0) {
		fi_sqlb_add(&r->api->sb, fi_api_sql_offset_kw);
		fi_sqlb_u64(&r->api->sb, r->api->q->offset);
	}
}

int
fi_api_sql_sort_error(struct fi_req *r, const struct fi_field *f, const char *why)
{
	char name[64];

	return fi_err_set(&r->err, FI_EINVAL, "Param sort: field %s %s.",
			  fi_query_field_name(f, name, sizeof(name)), why);
}

void
fi_api_sql_from_totals(struct fi_sqlb *b, uint32_t size)
{
	fi_sqlb_addf(b, fi_api_sql_totals_table, size);
}

void
fi_api_sql_from_index(struct fi_sqlb *b, unsigned ports, uint32_t size)
{
	fi_sqlb_addf(b, fi_api_sql_index_table, fi_api_sql_index_names[ports != 0], size);
}

/*
 * The protocol classes a query's protocol filters keep. The node index is
 * split by class only, so a filter must take or leave whole classes
 * (include_protos=icmp, exclude_protos=udp,other); one that splits a class
 * (include_protos=1, or 47) is a 400 rather than a wrong answer.
 */
int
fi_api_sql_whole_classes(struct fi_req *r, const char *who, unsigned *mask)
{
	struct fi_protoset allowed;
	unsigned in[FI_PC_COUNT] = {0}, all[FI_PC_COUNT] = {0};

	fi_query_protos(r->q, &allowed);
	for (unsigned p = 0; p < 256; p++) {
		int c = fi_proto_class((uint8_t)p);

		all[c]++;
		in[c] += (unsigned)fi_query_protoset_has(&allowed, p);
	}
	*mask = 0;
	for (int c = 0; c < FI_PC_COUNT; c++) {
		if (in[c] != 0 && in[c] != all[c])
			return fi_err_set(
			    &r->err, FI_EINVAL,
			    "Params include_protos and exclude_protos take "
			    "whole classes on %s (tcp, udp, icmp, "
			    "other): the node index has no protocol numbers.",
			    who);
		if (in[c] != 0)
			*mask |= 1u << c;
	}
	return 0;
}

/*
 * Appends ", SUM(a + b + ...)" of counter k over the columns of the asked
 * direction and classes: one sum per counter (summing all 24 columns apart
 * costs half as much again). The integer counters are added as DECIMAL, so
 * eight BIGINT UNSIGNED columns cannot overflow the addition.
 */
void
fi_api_sql_node_sum(struct fi_sqlb *b, unsigned classes, int dir, int k)
{
	int n = 0;

	fi_sqlb_add(b, ", SUM(");
	for (int d = 1; d < FI_DIR_COUNT; d++) {
		if (dir != FI_DIR_ALL && dir != d)
			continue;
		for (int c = 0; c < FI_PC_COUNT; c++) {
			if (!(classes & (1u << c)))
				continue;
			if (n++ == 0 && k != FI_CTR_FLOWS)
				fi_sqlb_addf(b, "CAST(%s_%s_%s AS DECIMAL(20))",
					     fi_api_sql_dir[d], fi_api_sql_cls[c],
					     fi_api_sql_ctr[k]);
			else
				fi_sqlb_addf(b, "%s%s_%s_%s", n > 1 ? " + " : "",
					     fi_api_sql_dir[d], fi_api_sql_cls[c],
					     fi_api_sql_ctr[k]);
		}
	}
	fi_sqlb_add(b, n == 0 ? "0)" : ")");
}
