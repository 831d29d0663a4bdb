/*
 * fi_api_geo.c: /api/geo, the traffic of a range by country, by AS or by
 * host of a country or AS. The node index is summed per address over the
 * range (one grouped statement), each address is looked up (fi_geo.h:
 * special-purpose ranges first, "local"), and the responder sums the
 * groups itself; so a new database applies to past data at once and the
 * importer writes nothing more. See fcgi/API.md, "/api/geo".
 */
#include <stdlib.h>
#include <string.h>

#include "fi_addr.h"
#include "fi_api_int.h"
#include "fi_clock.h"

/* Group kinds, the high half of a group key (the low half: code or AS). */
enum { FI_API_GEO_KNOWN, FI_API_GEO_LOCAL, FI_API_GEO_UNKNOWN };

/* An address of the range (later, after merging: a group). */
struct fi_api_geo_host {
	struct fi_addr addr;	  /* the address (a group: its first one) */
	uint64_t key;		  /* its group under `by` (host: the country's) */
	uint64_t hosts;		  /* addresses: 1, or the group's */
	__int128 v[FI_CTR_COUNT]; /* counters, billionths for flows */
};

struct fi_api_geo {
	struct fi_api_geo_host *h;
	size_t n, cap;
	unsigned classes;
	__int128 total[FI_CTR_COUNT];
	uint64_t hosts;
	int sort_ctr; /* the counter rows are ordered by */
};

static const char fi_api_geo_sql_select[] = "SELECT addr";
static const char fi_api_geo_sql_group[] = " GROUP BY addr ORDER BY NULL";
static const char *const fi_api_geo_kinds[] = {"known", "local", "unknown"};

static uint64_t
fi_api_geo_key(unsigned kind, uint32_t low)
{
	return (uint64_t)kind << 32 | low;
}

/* The country group of a lookup: kind and the two letters. */
static uint64_t
fi_api_geo_country_key(const struct fi_geo_result *g)
{
	if (g->kind == FI_GEO_LOCAL)
		return fi_api_geo_key(FI_API_GEO_LOCAL, 0);
	if (g->country[0] == '\0')
		return fi_api_geo_key(FI_API_GEO_UNKNOWN, 0);
	return fi_api_geo_key(FI_API_GEO_KNOWN,
			      (uint32_t)(unsigned char)g->country[0] << 8 |
				  (unsigned char)g->country[1]);
}

static uint64_t
fi_api_geo_asn_key(const struct fi_geo_result *g)
{
	if (g->kind == FI_GEO_LOCAL)
		return fi_api_geo_key(FI_API_GEO_LOCAL, 0);
	if (g->asn == 0)
		return fi_api_geo_key(FI_API_GEO_UNKNOWN, 0);
	return fi_api_geo_key(FI_API_GEO_KNOWN, g->asn);
}

/* Whether a key matches a selection (country= or asn=). */
static int
fi_api_geo_selected(uint64_t key, uint8_t sel, uint32_t want)
{
	unsigned kind = (unsigned)(key >> 32);

	if (sel == FI_GEO_SEL_LOCAL)
		return kind == FI_API_GEO_LOCAL;
	if (sel == FI_GEO_SEL_UNKNOWN)
		return kind == FI_API_GEO_UNKNOWN;
	return kind == FI_API_GEO_KNOWN && (uint32_t)key == want;
}

/* Whether an address passes the query's country= and asn=; its group key. */
static int
fi_api_geo_place(const struct fi_query *q, const struct fi_geo_result *g, uint64_t *key)
{
	uint64_t ck = fi_api_geo_country_key(g), ak = fi_api_geo_asn_key(g);

	if ((q->have & FI_QP_COUNTRY) &&
	    !fi_api_geo_selected(ck, q->country_sel,
				 (uint32_t)(unsigned char)q->country[0] << 8 |
				     (unsigned char)q->country[1]))
		return 0;
	if ((q->have & FI_QP_ASN) && !fi_api_geo_selected(ak, q->asn_sel, q->asn))
		return 0;
	*key = q->geo_by == FI_GEO_BY_ASN ? ak : ck;
	return 1;
}

/* One address of the node index: looked up, kept when it is selected. */
static int
fi_api_geo_row(struct fi_req *r, struct fi_stmt *st)
{
	struct fi_api_geo *g = r->geoq;
	const struct fi_val *av = fi_stmt_col(st, 0);
	struct fi_api_geo_host h = {.hosts = 1};
	struct fi_geo_result res;
	int any = 0, rc;

	if (av->type != FI_VAL_BLOB || av->v.s.n != 16)
		return FI_EINTERNAL;
	memcpy(h.addr.b, av->v.s.p, 16);
	for (int k = 0; k < FI_CTR_COUNT; k++) {
		if (fi_api_row_num(fi_stmt_col(st, 1 + (unsigned)k), &h.v[k]) != 0)
			return FI_EINTERNAL;
		any |= h.v[k] != 0;
	}
	if (!any) /* traffic only in the other direction or classes */
		return 0;
	fi_geo_lookup(r->api->geo, &h.addr, &res);
	if (!fi_api_geo_place(r->q, &res, &h.key))
		return 0;
	rc = fi_buf_grow_array(&g->h, &g->cap, g->n, sizeof(*g->h),
			       r->api->cfg->fcgi_groups_max ? r->api->cfg->fcgi_groups_max
							    : SIZE_MAX / sizeof(*g->h));
	if (rc == FI_ETOOBIG)
		return fi_err_set(
		    &r->err, FI_EINVAL,
		    "The range holds more than fcgi_groups_max (%u) addresses; "
		    "choose a shorter range.",
		    r->api->cfg->fcgi_groups_max);
	if (rc != 0)
		return FI_ENOMEM;
	g->h[g->n++] = h;
	g->hosts++;
	for (int k = 0; k < FI_CTR_COUNT; k++)
		g->total[k] += h.v[k];
	return 0;
}

static int
fi_api_geo_by_key(const void *a, const void *b)
{
	const struct fi_api_geo_host *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return memcmp(x->addr.b, y->addr.b, 16);
}

/* The sort counter of qsort's comparisons, and whether hosts are sorted
 * (one request at a time per worker). */
static int fi_api_geo_ctr, fi_api_geo_hosts;

/* Largest first by the sort counter; then by key (groups) or address. */
static int
fi_api_geo_by_value(const void *a, const void *b)
{
	const struct fi_api_geo_host *x = a, *y = b;
	__int128 vx = x->v[fi_api_geo_ctr], vy = y->v[fi_api_geo_ctr];

	if (vx != vy)
		return vx > vy ? -1 : 1;
	if (fi_api_geo_hosts)
		return memcmp(x->addr.b, y->addr.b, 16);
	return fi_api_geo_by_key(a, b);
}

/* Merges the addresses of each group into one entry (sorted by key). */
static void
fi_api_geo_merge(struct fi_api_geo *g)
{
	size_t out = 0;

	if (g->n > 1) /* g->h is NULL when nothing was kept */
		qsort(g->h, g->n, sizeof(*g->h), fi_api_geo_by_key);
	for (size_t i = 0; i < g->n; i++) {
		if (out > 0 && g->h[out - 1].key == g->h[i].key) {
			struct fi_api_geo_host *m = &g->h[out - 1];

			m->hosts += g->h[i].hosts;
			for (int k = 0; k < FI_CTR_COUNT; k++)
				m->v[k] += g->h[i].v[k];
			continue;
		}
		g->h[out++] = g->h[i];
	}
	g->n = out;
}

/* Writes the counters of v. */
static void
fi_api_geo_ctrs(struct fi_req *r, const __int128 *v)
{
	for (int k = 0; k < FI_CTR_COUNT; k++) {
		fi_jsonw_key(&r->w, fi_ctr_names[k]);
		fi_jsonw_i128(&r->w, fi_api_row_round(v[k]));
	}
}

/* Writes "country"/"asn"/"as_name"/"range" of an address's lookup. */
static void
fi_api_geo_labels(struct fi_req *r, const struct fi_geo_result *res, int with_country,
		  int with_asn)
{
	uint64_t ck = fi_api_geo_country_key(res), ak = fi_api_geo_asn_key(res);

	if (with_country) {
		fi_jsonw_key(&r->w, "country");
		fi_jsonw_cstr(&r->w, (ck >> 32) == FI_API_GEO_KNOWN
					 ? res->country
					 : fi_api_geo_kinds[ck >> 32]);
	}
	if (with_asn && (ak >> 32) == FI_API_GEO_KNOWN) {
		fi_jsonw_key(&r->w, "asn");
		fi_jsonw_uint(&r->w, res->asn);
		fi_jsonw_key(&r->w, "as_name");
		fi_jsonw_cstr(&r->w, res->as_name);
	}
	if (res->range != NULL) {
		fi_jsonw_key(&r->w, "range");
		fi_jsonw_cstr(&r->w, res->range);
	}
}

/* One result row: a group (by country or asn) or a host. */
static void
fi_api_geo_write(struct fi_req *r, const struct fi_api_geo_host *h)
{
	const struct fi_query *q = r->q;
	unsigned kind = (unsigned)(h->key >> 32);
	struct fi_geo_result res;
	char group[16];

	fi_geo_lookup(r->api->geo, &h->addr, &res);
	fi_jsonw_obj_begin(&r->w);
	if (q->geo_by == FI_GEO_BY_HOST) {
		struct fi_val v = FI_VAL_B(h->addr.b, 16);

		fi_api_row_key(&r->w, FI_FK_IPADDRESS, &v);
		fi_api_geo_labels(r, &res, 1, 1);
	} else {
		if (kind != FI_API_GEO_KNOWN)
			snprintf(group, sizeof(group), "%s", fi_api_geo_kinds[kind]);
		else if (q->geo_by == FI_GEO_BY_ASN)
			snprintf(group, sizeof(group), "AS%u",
				 (unsigned)(uint32_t)h->key);
		else
			snprintf(group, sizeof(group), "%s", res.country);
		fi_jsonw_key(&r->w, "group");
		fi_jsonw_cstr(&r->w, group);
		if (kind == FI_API_GEO_KNOWN)
			fi_api_geo_labels(r, &res, q->geo_by == FI_GEO_BY_COUNTRY,
					  q->geo_by == FI_GEO_BY_ASN);
		fi_jsonw_key(&r->w, "hosts");
		fi_jsonw_uint(&r->w, h->hosts);
	}
	fi_api_geo_ctrs(r, h->v);
	fi_jsonw_obj_end(&r->w);
}

/* "databases": what each database is, for the page's credits and /api/meta. */
void
fi_api_geo_databases(struct fi_req *r)
{
	static const char *const names[2] = {"country", "asn"};

	fi_jsonw_key(&r->w, "databases");
	fi_jsonw_obj_begin(&r->w);
	for (int i = 0; i < 2; i++) {
		struct fi_geo_info info;

		fi_geo_info(r->api->geo, i == 0 ? FI_GEO_COUNTRY : FI_GEO_ASN, &info);
		fi_jsonw_key(&r->w, names[i]);
		if (!info.loaded) {
			fi_jsonw_null(&r->w);
			continue;
		}
		fi_jsonw_obj_begin(&r->w);
		fi_jsonw_key(&r->w, "type");
		fi_jsonw_cstr(&r->w, info.type);
		fi_jsonw_key(&r->w, "build_epoch");
		fi_jsonw_uint(&r->w, info.build_epoch);
		fi_jsonw_obj_end(&r->w);
	}
	fi_jsonw_obj_end(&r->w);
}

/*
 * Checks before the database is asked: whole protocol classes only (the
 * node index is split by class); without `by`, country= or asn= ask for
 * that group's hosts.
 */
int
fi_api_geo_check(struct fi_req *r)
{
	struct fi_query *q = r->api->q;

	if (!(q->have & FI_QP_BY))
		q->geo_by = (q->have & (FI_QP_COUNTRY | FI_QP_ASN)) ? FI_GEO_BY_HOST
								    : FI_GEO_BY_COUNTRY;
	return fi_api_sql_whole_classes(r, "/api/geo", &r->geo_classes);
}

/* The head of the answer: what was asked. */
static void
fi_api_geo_head(struct fi_req *r)
{
	static const char *const bys[] = {"country", "asn", "host"};
	static const char *const dirs[FI_DIR_COUNT] = {"both", "src", "dst"};
	const struct fi_query *q = r->q;

	fi_jsonw_obj_begin(&r->w);
	fi_jsonw_key(&r->w, "by");
	fi_jsonw_cstr(&r->w, bys[q->geo_by % 3]);
	fi_jsonw_key(&r->w, "bucket_size");
	fi_jsonw_uint(&r->w, r->size);
	fi_jsonw_key(&r->w, "direction");
	fi_jsonw_cstr(&r->w, dirs[q->direction % FI_DIR_COUNT]);
	fi_jsonw_key(&r->w, "sort");
	fi_jsonw_cstr(&r->w,
		      fi_ctr_names[q->value < FI_CTR_COUNT ? q->value : FI_CTR_BYTES]);
	if (q->have & FI_QP_COUNTRY) {
		fi_jsonw_key(&r->w, "country");
		fi_jsonw_cstr(&r->w, q->country_sel == FI_GEO_SEL_KNOWN
					 ? q->country
					 : fi_api_geo_kinds[q->country_sel]);
	}
	if (q->have & FI_QP_ASN) {
		fi_jsonw_key(&r->w, "asn");
		if (q->asn_sel == FI_GEO_SEL_KNOWN)
			fi_jsonw_uint(&r->w, q->asn);
		else
			fi_jsonw_cstr(&r->w, fi_api_geo_kinds[q->asn_sel]);
	}
}

/* The rows, ordered and paged, then the totals. */
static void
fi_api_geo_results(struct fi_req *r, struct fi_api_geo *g)
{
	const struct fi_query *q = r->q;
	size_t groups;

	if (q->geo_by != FI_GEO_BY_HOST)
		fi_api_geo_merge(g);
	fi_api_geo_ctr = g->sort_ctr;
	fi_api_geo_hosts = q->geo_by == FI_GEO_BY_HOST;
	if (g->n > 1)
		qsort(g->h, g->n, sizeof(*g->h), fi_api_geo_by_value);
	groups = g->n;
	fi_jsonw_key(&r->w, "results");
	fi_jsonw_arr_begin(&r->w);
	for (size_t i = q->offset < groups ? (size_t)q->offset : groups; i < groups;
	     i++) {
		if (fi_api_row_cut(r))
			break;
		fi_api_geo_write(r, &g->h[i]);
	}
	fi_jsonw_arr_end(&r->w);
	fi_jsonw_key(&r->w, "groups");
	fi_jsonw_uint(&r->w, groups);
	fi_jsonw_key(&r->w, "total");
	fi_jsonw_obj_begin(&r->w);
	fi_jsonw_key(&r->w, "hosts");
	fi_jsonw_uint(&r->w, g->hosts);
	fi_api_geo_ctrs(r, g->total);
	fi_jsonw_obj_end(&r->w);
	fi_api_geo_databases(r);
}

/*
 * /api/geo (checked by fi_api_geo_check): {"by", "bucket_size",
 * "direction", "sort", ["country"|"asn"], "results": [...], "groups",
 * "total", "databases"}. See fcgi/API.md.
 */
int
fi_api_geo(struct fi_req *r)
{
	const struct fi_query *q = r->q;
	struct fi_sqlb *b = &r->api->sb;
	struct fi_api_geo g;
	int rc;

	fi_geo_maybe_reload(r->api->geo, fi_clock_ms());
	rc = fi_api_run_choose_size(r);
	if (rc != 0)
		return rc;
	memset(&g, 0, sizeof(g));
	g.classes = r->geo_classes;
	g.sort_ctr = q->value < FI_CTR_COUNT ? q->value : FI_CTR_BYTES;
	r->geoq = &g;
	fi_sqlb_reset(b);
	fi_sqlb_add(b, fi_api_geo_sql_select);
	for (int k = 0; k < FI_CTR_COUNT; k++)
		fi_api_sql_node_sum(b, g.classes, q->direction % FI_DIR_COUNT, k);
	fi_api_sql_from_index(b, 0, r->size);
	fi_sqlb_add(b, " WHERE ");
	fi_api_sql_bucket_range(b, q->start_bucket, q->end_bucket);
	fi_sqlb_add(b, fi_api_geo_sql_group);
	r->heavy = 1; /* a row per address and bucket */
	fi_api_geo_head(r);
	rc = fi_api_run(r, fi_api_geo_row);
	if (rc == 0) {
		fi_api_geo_results(r, &g);
		rc = fi_api_row_end(r);
	}
	r->geoq = NULL;
	free(g.h);
	return rc;
}
