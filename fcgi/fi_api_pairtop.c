/*
 * fi_api_pairtop.c: the unfiltered host pairs sorted by a total (the edge
 * bundle's, graph's and hive plot's request: aggregate by source and
 * destination address, sort flows, packets or bytes descending, a limit)
 * from the roll-up's host pair lists (pairtop_S, pairgroups_S of the
 * coarsest size; sql/buckets.sql), instead of summing every pair row of
 * the range: a week at 10M flows has ~1.9M distinct pairs.
 *
 * The rule (Fagin's "no random access" threshold): per bucket b of the
 * range read the pairs ranked 1..k (all of them where b has at most k)
 * and t_b, the value ranked k + 1 (0 where b has at most k). A pair's
 * total is at least L(p), the sum of the values seen for it, and at most
 * U(p) = L(p) + the t_b of the buckets it was not seen in; a pair never
 * seen has at most T, the sum of all t_b. With n = offset + rows and L the
 * n-th largest L(p): when T < L (or T is 0: every list was read whole),
 * every pair whose U(p) < L sorts after n pairs whose totals are at least
 * L, whatever the later sort keys. The candidates (U(p) >= L) have their
 * pairs_S rows summed exactly (fi_api_groups.c, one lookup per candidate
 * and bucket) and the page is sorted from them: the same rows, sums and
 * order as summing the whole range, byte for byte. Otherwise, or when a
 * bucket of the range is not rolled up (a mark, or no pairgroups_S row),
 * nothing is written and the caller sums the range as before.
 *
 * Every statement runs in one transaction with a consistent snapshot, so
 * lists, marks and rows agree although a roll-up may replace them meanwhile.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fi_api_int.h"

#define FI_API_PAIRTOP_BUCKETS 64   /* at most this many buckets (a 64-bit mask) */
#define FI_API_PAIRTOP_MIN_K   256  /* ranks read per bucket, at least */
#define FI_API_PAIRTOP_CHUNK   4096 /* candidates per statement of their rows */
/*
 * what a candidate's lookup in a bucket costs against a pair row read in a
 * scan: more lookups than the range's pair rows / this and the range is
 * summed whole (two hours at 600 s whose lists were read whole: 0.52 s
 * through the lists, 0.20 s summed)
 */
#define FI_API_PAIRTOP_LOOKUP_COST 4
/* a bucket this near its size's retention age may be half deleted */
#define FI_API_PAIRTOP_MARGIN 86400

/* A pair seen in some list. */
struct fi_api_pairtop_cand {
	uint8_t key[32]; /* src, dst */
	__int128 lower;	 /* the sum of its values seen */
	uint64_t seen;	 /* bit j: seen in the range's j-th bucket */
};

struct fi_api_pairtop {
	uint32_t bucket[FI_API_PAIRTOP_BUCKETS];
	uint64_t pairs[FI_API_PAIRTOP_BUCKETS]; /* pairs of the bucket */
	uint64_t got[FI_API_PAIRTOP_BUCKETS];	/* list rows read, rank <= k */
	__int128 out[FI_API_PAIRTOP_BUCKETS];	/* t_b */
	uint64_t have_out;			/* bit j: t_b read */
	unsigned nb;
	uint32_t size; /* the lists' size, the coarsest */
	uint64_t k;
	int unusable; /* a bucket not rolled up, too many buckets, a row amiss */
	struct fi_api_pairtop_cand *c;
	size_t n, cap;
	uint32_t *slot; /* open addressing: index + 1 into c */
	size_t nslots;
};

static const char fi_api_pairtop_sql_begin[] =
    "START TRANSACTION WITH CONSISTENT SNAPSHOT";
static const char fi_api_pairtop_sql_end[] = "COMMIT";
/* the range's buckets with data, their lists' header and whether marked */
static const char fi_api_pairtop_sql_heads[] =
    "SELECT t.bucket, g.pairs, g.ranks, EXISTS (SELECT 1 FROM fi_rollup_dirty d"
    " WHERE d.size = %u AND d.bucket = t.bucket) FROM totals_%u t"
    " LEFT JOIN pairgroups_%u g ON g.bucket = t.bucket WHERE t.bucket >= ";
static const char fi_api_pairtop_sql_lists[] =
    "SELECT bucket, rnk, src, dst, value FROM pairtop_%u WHERE ctr = %u AND rnk <= ";
static const char fi_api_pairtop_sql_rows[] =
    " STRAIGHT_JOIN pairgroups_%u g"
    " STRAIGHT_JOIN pairs_%u p ON p.bucket = g.bucket"
    " AND p.src = fi_k.s AND p.dst = fi_k.d"
    " WHERE g.bucket >= ";

/* The index of the size that keeps pair lists (the coarsest), or -1. */
static int
fi_api_pairtop_lists(const struct fi_config *cfg)
{
	for (unsigned i = 0; i < cfg->n_bucket_sizes; i++)
		if (fi_config_pair_lists(cfg, i))
			return (int)i;
	return -1;
}

/*
 * Whether `last` of the lists' size's pair rows tells the last bucket of
 * size s: its grain (the flow rows its chain is rolled up from, at the
 * bottom or, past a finer size's retention, its own detail source) divides
 * s, and s divides the lists' size.
 */
static int
fi_api_pairtop_size_ok(const struct fi_config *cfg, int c, uint32_t s)
{
	int j = c, prev;

	if (cfg->bucket_sizes[c] % s != 0)
		return 0;
	while ((prev = fi_config_rollup_prev(cfg, (unsigned)j)) >= 0)
		j = prev;
	return s % fi_config_detail_source(cfg, (unsigned)j) == 0 &&
	       s % fi_config_detail_source(cfg, (unsigned)c) == 0;
}

/*
 * The range in buckets of the lists' size c: [lo, hi] from the request's
 * range of size r->size, which must be whole buckets of c. Returns 0 if
 * it is not.
 */
static int
fi_api_pairtop_range(const struct fi_req *r, uint32_t c, uint64_t *lo, uint64_t *hi)
{
	const struct fi_query *q = r->q;
	uint64_t s = r->size, from, end;

	if (r->all_time) {
		*lo = 0;
		*hi = UINT32_MAX;
		return 1;
	}
	from = q->start_bucket < 0 ? 0 : ((uint64_t)q->start_bucket + s - 1) / s * s;
	end = q->end_bucket < 0 ? 0 : (uint64_t)q->end_bucket / s * s + s;
	if (end <= from || from % c != 0 || end % c != 0 || end - c > UINT32_MAX)
		return 0;
	*lo = from;
	*hi = end - c;
	return 1;
}

int
fi_api_pairtop_fit(const struct fi_req *r)
{
	const struct fi_config *cfg = r->api->cfg;
	const struct fi_query *q = r->q;
	const struct fi_api_aggplan *p = &r->aggplan;
	const struct fi_field *f = &q->sort[0].field;
	int c = fi_api_pairtop_lists(cfg);
	uint64_t lo, hi;

	if (c < 0 || fi_config_bucket_index(cfg, r->size) < 0 ||
	    !fi_api_pairtop_size_ok(cfg, c, r->size) ||
	    !fi_api_pairtop_range(r, cfg->bucket_sizes[c], &lo, &hi) || q->count ||
	    (q->have & FI_QP_FILTERS) || q->biflow || p->endpoint || p->nkeys != 2 ||
	    p->keys[0] == p->keys[1] || p->nmaxes > 1 ||
	    (p->nmaxes == 1 && p->maxes[0] != FI_FK_BUCKET))
		return 0;
	if ((p->keys[0] != FI_FK_SRC && p->keys[0] != FI_FK_DST) ||
	    (p->keys[1] != FI_FK_SRC && p->keys[1] != FI_FK_DST))
		return 0;
	if (q->nsort == 0 || !q->sort[0].desc || f->kind != FI_FK_COUNTER ||
	    f->dir != FI_DIR_ALL || f->cls != FI_PC_COUNT ||
	    q->offset + r->fetch > FI_PAIRTOP_RANKS)
		return 0;
	return fi_api_groups_fit(r);
}

/* Runs a fixed statement whose rows are not wanted. */
static int
fi_api_pairtop_none(struct fi_req *r, struct fi_stmt *st)
{
	(void)r;
	(void)st;
	return 0;
}

static int
fi_api_pairtop_exec(struct fi_req *r, const char *sql)
{
	fi_sqlb_reset(&r->api->sb);
	fi_sqlb_add(&r->api->sb, sql);
	return fi_api_run(r, fi_api_pairtop_none);
}

/* Header row: bucket, pairs, ranks (NULL: no lists), marked. */
static int
fi_api_pairtop_head(struct fi_req *r, struct fi_stmt *st)
{
	struct fi_api_pairtop *pt = r->pairtop;
	const struct fi_val *pairs = fi_stmt_col(st, 1), *ranks = fi_stmt_col(st, 2);

	if (pt->nb == FI_API_PAIRTOP_BUCKETS || pairs->type == FI_VAL_NULL ||
	    fi_stmt_col(st, 3)->v.u != 0) {
		pt->unusable = 1;
		return 0;
	}
	/* the lists hold ranks 1..k + 1 where the bucket has more than k pairs */
	if (pairs->v.u > pt->k && ranks->v.u < pt->k + 1)
		pt->unusable = 1;
	pt->bucket[pt->nb] = (uint32_t)fi_stmt_col(st, 0)->v.u;
	pt->pairs[pt->nb++] = pairs->v.u;
	return 0;
}

/* Doubles the slots and places every candidate again. */
static int
fi_api_pairtop_rehash(struct fi_api_pairtop *pt)
{
	size_t nslots = pt->nslots ? pt->nslots * 2 : 4096;
	uint32_t *slot = calloc(nslots, sizeof(*slot));

	if (slot == NULL)
		return FI_ENOMEM;
	for (size_t i = 0; i < pt->n; i++) {
		size_t s = fi_api_hash64(pt->c[i].key, 32, 0) & (nslots - 1);

		while (slot[s] != 0)
			s = (s + 1) & (nslots - 1);
		slot[s] = (uint32_t)i + 1;
	}
	free(pt->slot);
	pt->slot = slot;
	pt->nslots = nslots;
	return 0;
}

/* The candidate of a key, added if new; NULL when out of memory. */
static struct fi_api_pairtop_cand *
fi_api_pairtop_find(struct fi_api_pairtop *pt, const uint8_t *key)
{
	size_t s;

	if (pt->n + 1 > pt->nslots / 2 && fi_api_pairtop_rehash(pt) != 0)
		return NULL;
	for (s = fi_api_hash64(key, 32, 0) & (pt->nslots - 1); pt->slot[s] != 0;
	     s = (s + 1) & (pt->nslots - 1))
		if (memcmp(pt->c[pt->slot[s] - 1].key, key, 32) == 0)
			return &pt->c[pt->slot[s] - 1];
	if (fi_buf_grow_array((unsigned char **)&pt->c, &pt->cap, pt->n, sizeof(*pt->c),
			      SIZE_MAX) != 0)
		return NULL;
	memset(&pt->c[pt->n], 0, sizeof(*pt->c));
	memcpy(pt->c[pt->n].key, key, 32);
	pt->slot[s] = (uint32_t)++pt->n;
	return &pt->c[pt->n - 1];
}

/* List row: bucket, rnk, src, dst, value. */
static int
fi_api_pairtop_list(struct fi_req *r, struct fi_stmt *st)
{
	struct fi_api_pairtop *pt = r->pairtop;
	uint64_t b = fi_stmt_col(st, 0)->v.u, rnk = fi_stmt_col(st, 1)->v.u;
	const struct fi_val *src = fi_stmt_col(st, 2), *dst = fi_stmt_col(st, 3);
	struct fi_api_pairtop_cand *c;
	uint8_t key[32];
	__int128 v;
	unsigned j = 0;

	while (j < pt->nb && pt->bucket[j] != b)
		j++;
	if (j == pt->nb || src->v.s.n != 16 || dst->v.s.n != 16 ||
	    fi_api_row_num(fi_stmt_col(st, 4), &v) != 0)
		return FI_EINTERNAL;
	if (rnk == pt->k + 1) {
		pt->out[j] = v;
		pt->have_out |= 1ull << j;
		return 0;
	}
	memcpy(key, src->v.s.p, 16);
	memcpy(key + 16, dst->v.s.p, 16);
	c = fi_api_pairtop_find(pt, key);
	if (c == NULL)
		return FI_ENOMEM;
	c->lower += v;
	c->seen |= 1ull << j;
	pt->got[j]++;
	return 0;
}

/* Reads the range's headers, then its lists; pt->unusable when they do not serve. */
static int
fi_api_pairtop_read(struct fi_req *r, struct fi_api_pairtop *pt, uint64_t lo, uint64_t hi,
		    unsigned ctr)
{
	struct fi_sqlb *b = &r->api->sb;
	int rc;

	fi_sqlb_reset(b);
	fi_sqlb_addf(b, fi_api_pairtop_sql_heads, pt->size, pt->size, pt->size);
	fi_sqlb_u64(b, lo);
	fi_sqlb_add(b, " AND t.bucket <= ");
	fi_sqlb_u64(b, hi);
	rc = fi_api_run(r, fi_api_pairtop_head);
	if (rc != 0 || pt->unusable || pt->nb == 0)
		return rc;
	fi_sqlb_reset(b);
	fi_sqlb_addf(b, fi_api_pairtop_sql_lists, pt->size, ctr);
	fi_sqlb_u64(b, pt->k + 1);
	fi_sqlb_add(b, " AND bucket IN (");
	for (unsigned j = 0; j < pt->nb; j++) {
		fi_sqlb_add(b, j ? ", " : "");
		fi_sqlb_u64(b, pt->bucket[j]);
	}
	fi_sqlb_add(b, ")");
	rc = fi_api_run(r, fi_api_pairtop_list);
	/* each bucket's list as its header says, else a roll-up is amiss */
	for (unsigned j = 0; rc == 0 && j < pt->nb; j++) {
		int cut = pt->pairs[j] > pt->k;

		if (pt->got[j] != (cut ? pt->k : pt->pairs[j]) ||
		    cut != !!(pt->have_out & 1ull << j))
			pt->unusable = 1;
		if (!cut)
			pt->out[j] = 0;
	}
	return rc;
}

static int
fi_api_pairtop_cmp_desc(const void *a, const void *b)
{
	__int128 x = *(const __int128 *)a, y = *(const __int128 *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * Keeps in pt->c only the candidates whose upper bound reaches L, the n-th
 * largest lower bound; pt->unusable unless T < L or T is 0.
 */
static int
fi_api_pairtop_cut(struct fi_api_pairtop *pt, uint64_t n)
{
	__int128 t = 0, l = 0;
	size_t kept = 0;

	for (unsigned j = 0; j < pt->nb; j++)
		t += pt->out[j];
	if (pt->n >= n && n > 0) {
		__int128 *lower = malloc(pt->n * sizeof(*lower));

		if (lower == NULL)
			return FI_ENOMEM;
		for (size_t i = 0; i < pt->n; i++)
			lower[i] = pt->c[i].lower;
		qsort(lower, pt->n, sizeof(*lower), fi_api_pairtop_cmp_desc);
		l = lower[n - 1];
		free(lower);
	}
	if (t != 0 && !(t < l)) {
		pt->unusable = 1;
		return 0;
	}
	for (size_t i = 0; i < pt->n; i++) {
		__int128 upper = pt->c[i].lower;

		for (unsigned j = 0; j < pt->nb; j++)
			if (!(pt->c[i].seen & 1ull << j))
				upper += pt->out[j];
		if (upper >= l)
			pt->c[kept++] = pt->c[i];
	}
	pt->n = kept;
	return 0;
}

/* Whether looking the candidates up costs more than summing the range. */
static int
fi_api_pairtop_dear(const struct fi_api_pairtop *pt)
{
	uint64_t rows = 0;

	for (unsigned j = 0; j < pt->nb; j++)
		rows += pt->pairs[j];
	return (uint64_t)pt->n * pt->nb * FI_API_PAIRTOP_LOOKUP_COST > rows;
}

/* Builds the statement of the rows of candidates [from, to). */
static void
fi_api_pairtop_rows_sql(struct fi_req *r, const struct fi_api_pairtop *pt, size_t from,
			size_t to, uint64_t lo, uint64_t hi)
{
	const struct fi_api_aggplan *p = &r->aggplan;
	struct fi_sqlb *b = &r->api->sb;

	fi_sqlb_reset(b);
	fi_sqlb_add(b, "SELECT ");
	for (unsigned i = 0; i < p->nkeys; i++)
		fi_sqlb_addf(b, "%sp.%s", i ? ", " : "",
			     p->keys[i] == FI_FK_SRC ? "src" : "dst");
	if (p->nmaxes == 1 && r->size == pt->size)
		fi_sqlb_add(b, ", p.bucket");
	else if (p->nmaxes == 1) /* the last bucket of the answered size */
		fi_sqlb_addf(b, ", p.last DIV %u * %u", r->size, r->size);
	fi_sqlb_add(b, ", p.proto, p.flows, p.packets, p.bytes FROM (");
	/* a derived table of SELECTs: MariaDB 10.11 reads bound parameters in
	 * a VALUES list as NULL */
	for (size_t i = from; i < to; i++) {
		struct fi_addr a;

		fi_sqlb_add(b, i == from ? "SELECT " : " UNION ALL SELECT ");
		memcpy(a.b, pt->c[i].key, 16);
		fi_sqlb_addr(b, &a);
		fi_sqlb_add(b, i == from ? " AS s, " : ", ");
		memcpy(a.b, pt->c[i].key + 16, 16);
		fi_sqlb_addr(b, &a);
		fi_sqlb_add(b, i == from ? " AS d" : "");
	}
	fi_sqlb_add(b, ") fi_k");
	fi_sqlb_addf(b, fi_api_pairtop_sql_rows, pt->size, pt->size);
	fi_sqlb_u64(b, lo);
	fi_sqlb_add(b, " AND g.bucket <= ");
	fi_sqlb_u64(b, hi);
}

/* Sums the candidates' rows and writes the page; 1 past fcgi_groups_max. */
static int
fi_api_pairtop_answer(struct fi_req *r, const struct fi_api_pairtop *pt, uint64_t lo,
		      uint64_t hi)
{
	int rc = fi_api_groups_open(r);

	for (size_t i = 0; rc == 0 && i < pt->n; i += FI_API_PAIRTOP_CHUNK) {
		size_t to =
		    pt->n - i > FI_API_PAIRTOP_CHUNK ? i + FI_API_PAIRTOP_CHUNK : pt->n;

		fi_api_pairtop_rows_sql(r, pt, i, to, lo, hi);
		rc = fi_api_groups_add(r);
	}
	if (r->groups == NULL)
		return rc;
	/* a row from before `last` (its bucket is marked by --init-db) */
	if (rc == 0 && r->size != pt->size && fi_api_groups_null_max(r))
		rc = 1;
	return rc == 0 ? fi_api_groups_close(r, 1) : (fi_api_groups_close(r, 0), rc);
}

/* Whether the lists' size keeps every bucket from lo on (FI_API_PAIRTOP_MARGIN). */
static int
fi_api_pairtop_kept(const struct fi_req *r, int c, uint64_t lo)
{
	const struct fi_config *cfg = r->api->cfg;
	int64_t days = cfg->retention_days[c], from;

	if (days == 0)
		return 1;
	from = (int64_t)time(NULL) - days * 86400 - cfg->bucket_sizes[c] +
	       FI_API_PAIRTOP_MARGIN;
	return (int64_t)lo > from;
}

int
fi_api_pairtop_run(struct fi_req *r)
{
	const struct fi_query *q = r->q;
	int c = fi_api_pairtop_lists(r->api->cfg);
	uint64_t n = q->offset + r->fetch, lo, hi;
	struct fi_api_pairtop *pt;
	int rc, end;

	if (c < 0 || !fi_api_pairtop_range(r, r->api->cfg->bucket_sizes[c], &lo, &hi) ||
	    !fi_api_pairtop_kept(r, c, lo))
		return 1;
	pt = calloc(1, sizeof(*pt));
	if (pt == NULL)
		return FI_ENOMEM;
	pt->size = r->api->cfg->bucket_sizes[c];
	pt->k = 2 * n > FI_API_PAIRTOP_MIN_K ? 2 * n : FI_API_PAIRTOP_MIN_K;
	pt->k = pt->k < FI_PAIRTOP_RANKS ? pt->k : FI_PAIRTOP_RANKS;
	r->heavy = 1;
	r->pairtop = pt;
	rc = fi_api_pairtop_exec(r, fi_api_pairtop_sql_begin);
	end = rc == 0;
	r->retried = 1; /* a new connection would not be in the snapshot */
	if (rc == 0)
		rc = fi_api_pairtop_read(r, pt, lo, hi, q->sort[0].field.ctr);
	if (rc == 0 && !pt->unusable && pt->nb > 0)
		rc = fi_api_pairtop_cut(pt, n);
	if (rc == 0 && (pt->unusable || pt->nb == 0 ||
			pt->n > r->api->cfg->fcgi_groups_max || fi_api_pairtop_dear(pt)))
		rc = 1;
	if (rc == 0)
		rc = fi_api_pairtop_answer(r, pt, lo, hi);
	if (end && r->api->db != NULL) {
		int rc2 = fi_api_pairtop_exec(r, fi_api_pairtop_sql_end);

		rc = rc == 0 || rc == 1 ? (rc2 < 0 ? rc2 : rc) : rc;
	}
	r->pairtop = NULL;
	free(pt->slot);
	free(pt->c);
	free(pt);
	return rc;
}
