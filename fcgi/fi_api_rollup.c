/*
 * fi_api_rollup.c: the per-key rows the roll-up keeps (pairs_S at every size,
 * ports_S at a size that is not a detail size; README "Data model"), read so
 * that they are exact whatever the roll-up has done so far: a bucket that
 * fi_rollup_dirty does not mark from its own size's table, a marked one from
 * the next finer level, and so on down to the stored rows of a detail size.
 * One statement, so marks and rows come from one consistent snapshot.
 */
#include <time.h>

#include "fi_api_int.h"

/*
 * A level is read only for buckets that lie this far inside its retention:
 * its event deletes a bucket in batches, so one near its age may be half
 * gone, and the responder's clock need not be the server's. Older buckets
 * skip the level and are read from the next finer one that keeps them, in
 * the end from the detail size's stored rows, which retention keeps as long
 * as any size summed from them keeps the bucket (fi_schema's detail
 * cutoff): never from a level that may have lost them.
 */
#define FI_API_ROLLUP_MARGIN 86400

/*
 * Every pair part yields rows of the answered size S: bucket DIV S * S, then
 * the table's own columns, so the parts are alike and the consumer sums.
 * Port parts are summed per port at once (the port index needs no bucket):
 * the UNION is materialized, and copying a day's rows of ports_600 there
 * took 4.5 s of the statement's 11 s.
 */
static const char fi_api_rollup_sql_pair_cols[] =
    "SELECT p.bucket DIV %u * %u AS bucket, p.src, p.dst, p.proto, p.flows, p.packets,"
    " p.bytes";
static const char fi_api_rollup_sql_port_id[] = "SELECT p.port";
static const char fi_api_rollup_sql_port_col[] = ", SUM(p.%s_%s_%s) AS %s_%s_%s";
static const char fi_api_rollup_sql_port_group[] = " GROUP BY p.port";
/*
 * The buckets a part reads. Over a range: a level's buckets from its
 * totals_ rows (a range scan), each bucket without a mark joined to its
 * rows (ref on the key's first column); the stored rows by a range scan.
 * Under the buckets marked at the coarser level (a range scan of the
 * marks): each mark's sub-buckets counted out by the Sequence engine
 * (seq_0_to_N), those without a mark joined to their rows by ref. So a
 * marked bucket's rows are never read, not even to be dropped, and every
 * lookup is an equality: joined on a range of buckets instead, the server
 * took a block nested loop over all of ports_60 for 144 marks (31 s).
 * Every bucket with rolled rows has its totals row (the totals are written
 * first, from the same flows, and deleted at the same age). STRAIGHT_JOIN
 * keeps the order.
 */
static const char fi_api_rollup_sql_top_rolled[] =
    " FROM totals_%u t STRAIGHT_JOIN %s_%u p ON p.bucket = t.bucket WHERE t.bucket >= ";
static const char fi_api_rollup_sql_top_stored[] = " FROM %s_%u p WHERE p.bucket >= ";
static const char fi_api_rollup_sql_top_to[] = " AND %c.bucket <= ";
static const char fi_api_rollup_sql_under[] =
    " FROM fi_rollup_dirty d STRAIGHT_JOIN seq_0_to_%u s STRAIGHT_JOIN %s_%u p"
    " ON p.bucket = d.bucket + s.seq * "; /* ? */
static const char fi_api_rollup_sql_mark_size[] = " WHERE d.size = ";
static const char fi_api_rollup_sql_mark_from[] = " AND d.bucket >= ";
static const char fi_api_rollup_sql_mark_to[] = " AND d.bucket <= ";
/* what a level holds exactly: its buckets without a mark */
static const char fi_api_rollup_sql_unmarked[] =
    " AND NOT EXISTS (SELECT 1 FROM fi_rollup_dirty e WHERE e.bucket = ";
static const char fi_api_rollup_sql_unmarked_top[] = "t.bucket";
static const char fi_api_rollup_sql_unmarked_sub[] = "d.bucket + s.seq * "; /* ? */
static const char fi_api_rollup_sql_unmarked_size[] = " AND e.size = ";	    /* ?) */
static const char fi_api_rollup_sql_union[] = " UNION ALL ";
static const char fi_api_rollup_sql_open[] = " FROM (";
static const char fi_api_rollup_sql_close[] = ") fi_f";

/* the rolled table of each kind, and the stored table at the bottom */
static const char *const fi_api_rollup_rolled[2] = {"pairs", "ports"};
static const char *const fi_api_rollup_stored[2] = {"flows", "ports"};

/*
 * The levels of the answered size S: S first, then each size the previous
 * one is rolled from (fi_config_rollup_prev). Ports stop before the first
 * detail size: its ports_ rows are stored whole by the importer, the bottom.
 */
struct fi_api_rollup_chain {
	unsigned idx[FI_BUCKET_SIZES_MAX];  /* config size index of each level */
	uint64_t keep[FI_BUCKET_SIZES_MAX]; /* first bucket of S the level surely holds */
	unsigned n;			    /* levels */
	unsigned ports;			    /* 0 pairs, 1 ports */
	uint32_t size;			    /* S */
};

/* What the stored table of a size holds: its detail source's rows. */
static uint32_t
fi_api_rollup_stored_size(const struct fi_config *cfg, uint32_t size)
{
	int i = fi_config_bucket_index(cfg, size);

	return i < 0 ? size : fi_config_detail_source(cfg, (unsigned)i);
}

/*
 * The first bucket of S all of whose sub-buckets at size index i are well
 * inside i's retention (see FI_API_ROLLUP_MARGIN); 0 when kept forever. The
 * event deletes the buckets <= now - days * 86400 - size.
 */
static uint64_t
fi_api_rollup_keep(const struct fi_config *cfg, unsigned i, uint32_t s, int64_t now)
{
	int64_t from;

	if (cfg->retention_days[i] == 0)
		return 0;
	from = now - (int64_t)cfg->retention_days[i] * 86400 - cfg->bucket_sizes[i] +
	       FI_API_ROLLUP_MARGIN + 1;
	return from <= 0 ? 0 : (uint64_t)((from + s - 1) / s * s);
}

static void
fi_api_rollup_chain(const struct fi_req *r, unsigned ports, struct fi_api_rollup_chain *c)
{
	const struct fi_config *cfg = r->api->cfg;
	int i = fi_config_bucket_index(cfg, r->size);
	int64_t now = (int64_t)time(NULL);

	c->n = 0;
	c->ports = ports;
	c->size = r->size;
	while (i >= 0 && c->n < FI_BUCKET_SIZES_MAX &&
	       !(ports && fi_config_is_detail(cfg, (unsigned)i))) {
		c->idx[c->n] = (unsigned)i;
		c->keep[c->n++] = fi_api_rollup_keep(cfg, (unsigned)i, r->size, now);
		i = fi_config_rollup_prev(cfg, (unsigned)i);
	}
}

/* Appends the SELECT list of a part: pair rows, or port sums. */
static void
fi_api_rollup_cols(struct fi_sqlb *b, const struct fi_api_rollup_chain *c)
{
	if (!c->ports) {
		fi_sqlb_addf(b, fi_api_rollup_sql_pair_cols, c->size, c->size);
		return;
	}
	fi_sqlb_add(b, fi_api_rollup_sql_port_id);
	for (int d = 1; d < FI_DIR_COUNT; d++)
		for (int k = 0; k < FI_PC_COUNT; k++)
			for (int t = 0; t < FI_CTR_COUNT; t++)
				fi_sqlb_addf(b, fi_api_rollup_sql_port_col,
					     fi_api_sql_dir[d], fi_api_sql_cls[k],
					     fi_api_sql_ctr[t], fi_api_sql_dir[d],
					     fi_api_sql_cls[k], fi_api_sql_ctr[t]);
}

/*
 * One part: the rows of table_size over [lo, hi] (parent 0), or under the
 * buckets of size parent marked in [lo, hi]; a rolled level (rolled 1) only
 * in its own buckets without a mark.
 */
static void
fi_api_rollup_part(struct fi_sqlb *b, const struct fi_api_rollup_chain *c,
		   const char *table, uint32_t size, uint32_t parent, int rolled,
		   uint64_t lo, uint64_t hi)
{
	fi_api_rollup_cols(b, c);
	if (parent == 0) {
		if (rolled)
			fi_sqlb_addf(b, fi_api_rollup_sql_top_rolled, size, table, size);
		else
			fi_sqlb_addf(b, fi_api_rollup_sql_top_stored, table, size);
		fi_sqlb_u64(b, lo);
		fi_sqlb_addf(b, fi_api_rollup_sql_top_to, rolled ? 't' : 'p');
	} else {
		fi_sqlb_addf(b, fi_api_rollup_sql_under, parent / size - 1, table, size);
		fi_sqlb_u64(b, size);
		fi_sqlb_add(b, fi_api_rollup_sql_mark_size);
		fi_sqlb_u64(b, parent);
		fi_sqlb_add(b, fi_api_rollup_sql_mark_from);
		fi_sqlb_u64(b, lo);
		fi_sqlb_add(b, fi_api_rollup_sql_mark_to);
	}
	fi_sqlb_u64(b, hi);
	if (rolled) {
		fi_sqlb_add(b, fi_api_rollup_sql_unmarked);
		if (parent == 0) {
			fi_sqlb_add(b, fi_api_rollup_sql_unmarked_top);
		} else {
			fi_sqlb_add(b, fi_api_rollup_sql_unmarked_sub);
			fi_sqlb_u64(b, size);
		}
		fi_sqlb_add(b, fi_api_rollup_sql_unmarked_size);
		fi_sqlb_u64(b, size);
		fi_sqlb_add(b, ")");
	}
	if (c->ports)
		fi_sqlb_add(b, fi_api_rollup_sql_port_group);
}

/*
 * The parts of one band of buckets [lo, hi], in which the levels whose
 * keep is <= lo are read (the others may have lost these buckets to their
 * retention): the first such level over the range, each next one under the
 * marks of the one before, and the stored rows under the marks of the last
 * (its detail source keeps them as long as it does). With no level, the
 * stored rows of S's own detail source over the range, as without roll-ups.
 * Returns the parts appended.
 */
static unsigned
fi_api_rollup_band(struct fi_sqlb *b, const struct fi_config *cfg,
		   const struct fi_api_rollup_chain *c, uint64_t lo, uint64_t hi,
		   unsigned nparts)
{
	const char *rolled = fi_api_rollup_rolled[c->ports];
	const char *stored = fi_api_rollup_stored[c->ports];
	uint32_t parent = 0, size;

	for (unsigned j = 0; j < c->n; j++) {
		if (c->keep[j] > lo)
			continue;
		size = cfg->bucket_sizes[c->idx[j]];
		fi_sqlb_add(b, nparts++ ? fi_api_rollup_sql_union : "");
		fi_api_rollup_part(b, c, rolled, size, parent, 1, lo, hi);
		parent = size;
	}
	size = fi_api_rollup_stored_size(cfg, parent ? parent : c->size);
	fi_sqlb_add(b, nparts++ ? fi_api_rollup_sql_union : "");
	fi_api_rollup_part(b, c, stored, size, parent, 0, lo, hi);
	return nparts;
}

/* The distinct keep values above 0, ascending, into e: the band edges. */
static unsigned
fi_api_rollup_edges(const struct fi_api_rollup_chain *c, uint64_t *e)
{
	unsigned n = 0;

	for (unsigned j = 0; j < c->n; j++) {
		uint64_t v = c->keep[j];
		unsigned k = n;
		int dup = v == 0;

		for (unsigned m = 0; m < n; m++)
			dup |= e[m] == v;
		if (dup)
			continue;
		for (; k > 0 && e[k - 1] > v; k--)
			e[k] = e[k - 1];
		e[k] = v;
		n++;
	}
	return n;
}

int
fi_api_rollup_fits(const struct fi_req *r)
{
	return fi_config_bucket_index(r->api->cfg, r->size) >= 0 &&
	       !(r->q->have & (FI_QP_INCLUDE_PORTS | FI_QP_EXCLUDE_PORTS));
}

int
fi_api_rollup_ports_fit(const struct fi_req *r)
{
	int i = fi_config_bucket_index(r->api->cfg, r->size);

	return i >= 0 && !fi_config_is_detail(r->api->cfg, (unsigned)i);
}

void
fi_api_rollup_from(struct fi_req *r, unsigned ports, int with_range)
{
	struct fi_sqlb *b = &r->api->sb;
	struct fi_api_rollup_chain c;
	uint64_t edge[FI_BUCKET_SIZES_MAX + 1], s = r->size, lo = 0, hi = FI_TIME_MAX;
	unsigned nedges, nparts = 0;

	if (with_range) {
		/* the fine buckets of the coarse buckets in the query's range */
		lo = ((uint64_t)r->q->start_bucket + s - 1) / s * s;
		hi = (uint64_t)r->q->end_bucket / s * s + s - 1;
	}
	r->heavy = 1;
	fi_api_rollup_chain(r, ports != 0, &c);
	nedges = fi_api_rollup_edges(&c, edge);
	fi_sqlb_add(b, fi_api_rollup_sql_open);
	/* bands between the edges: [0, e0 - 1], [e0, e1 - 1], ..., [e_last, hi] */
	for (unsigned k = 0; k <= nedges; k++) {
		uint64_t from = k == 0 ? 0 : edge[k - 1];
		uint64_t to = k == nedges ? UINT64_MAX : edge[k] - 1;

		from = from > lo ? from : lo;
		to = to < hi ? to : hi;
		if (from <= to)
			nparts = fi_api_rollup_band(b, r->api->cfg, &c, from, to, nparts);
	}
	if (nparts == 0) /* an empty range: any part, it selects nothing */
		fi_api_rollup_band(b, r->api->cfg, &c, lo, hi, 0);
	fi_sqlb_add(b, fi_api_rollup_sql_close);
}
