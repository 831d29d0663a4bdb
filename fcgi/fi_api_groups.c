/*
 * fi_api_groups.c: the grouped rows of an aggregate whose keys a pair row
 * holds (bucket query modes D and E over pairs_S: the edge bundle, graph
 * and hive plot's host pairs, top talkers), summed by the responder
 * instead of by the server. The statement streams the rows the filters
 * select, with the group keys as the grouped statement would compute them
 * and no GROUP BY; a hash table sums them per group into the twelve class
 * counters; the groups are sorted as that statement's ORDER BY sorts them
 * (the sort keys, then the keys ascending, NULL first) and written by the
 * same row writer, so the answer is the same byte for byte.
 *
 * Why: the server's two GROUP BY levels over DECIMAL sums cost ~190 ms of
 * the ~230 ms of a half hour's 58,000 pair rows (path_bench), and the
 * unlimited aggregate has to sum every group anyway; streaming the rows
 * costs a fraction of that. Past fcgi_groups_max groups (memory) the
 * caller answers with the grouped statement as before.
 */
#include <stdlib.h>
#include <string.h>

#include "fi_api_int.h"

#define FI_API_GROUP_KEY 17 /* bytes of a key: 0 NULL / 1 value, then 16 */

/*
 * A group: per class its flows (billionths) and its packets and bytes (as
 * stored; a sum past 64 bits hands the request to the server), then the
 * keys (hashed) and the MAX() of the `fields` keys, as many as asked.
 */
struct fi_api_group {
	__int128 flows[FI_PC_COUNT];
	uint64_t pb[FI_PC_COUNT][2];
	uint8_t key[][FI_API_GROUP_KEY];
};

/* A group in the sort: its first sort key's counter beside it. */
struct fi_api_group_ref {
	__int128 first;
	const struct fi_api_group *g;
};

struct fi_api_groups {
	unsigned char *mem; /* the groups, stride bytes each, in the order first seen */
	size_t stride;
	size_t n, cap;
	uint32_t *slot; /* open addressing: index + 1 into g, 0 empty */
	size_t max;	/* fcgi_groups_max */
	int overflow;	/* more groups than that */
	size_t nslots;	/* a power of two, at least twice n */
	unsigned nkeys, nmaxes;
	const struct fi_req *r; /* for the sort */
};

/*
 * Whether the request can be summed here: its sort keys (counters, its keys
 * or fields) and limits; the caller checks its keys hold in a pair row
 * (fi_api_bucket_on_pairs).
 */
int
fi_api_groups_fit(const struct fi_req *r)
{
	const struct fi_api_aggplan *p = &r->aggplan;
	const struct fi_query *q = r->q;
	if (q->count || p->nkeys == 0 || r->api->cfg->fcgi_groups_max == 0)
		return 0;
	for (unsigned i = 0; i < q->nsort; i++) {
		const struct fi_field *f = &q->sort[i].field;
		int found = f->kind == FI_FK_COUNTER && f->dir == FI_DIR_ALL;

		for (unsigned j = 0; j < p->nkeys && !found; j++)
			found = (enum fi_fkind)f->kind == p->keys[j] ||
				(f->kind == FI_FK_ID && p->keys[j] == FI_FK_IPADDRESS);
		for (unsigned j = 0; j < p->nmaxes && !found; j++)
			found = (enum fi_fkind)f->kind == p->maxes[j];
		if (!found)
			return 0; /* the grouped statement says why */
	}
	return 1;
}

/* Encodes a key column: addresses as their 16 bytes, numbers big-endian. */
static int
fi_api_groups_key(const struct fi_val *v, uint8_t *out)
{
	memset(out, 0, FI_API_GROUP_KEY);
	switch (v->type) {
	case FI_VAL_NULL:
		return 0;
	case FI_VAL_BLOB:
	case FI_VAL_TEXT:
		if (v->v.s.n != 16)
			return FI_EINTERNAL;
		out[0] = 1;
		memcpy(out + 1, v->v.s.p, 16);
		return 0;
	case FI_VAL_INT:
	case FI_VAL_UINT:
		if (v->type == FI_VAL_INT && v->v.i < 0)
			return FI_EINTERNAL;
		out[0] = 1;
		for (int i = 0; i < 8; i++)
			out[FI_API_GROUP_KEY - 1 - i] = (uint8_t)(v->v.u >> (8 * i));
		return 0;
	default:
		return FI_EINTERNAL;
	}
}

static struct fi_api_group *
fi_api_groups_at(const struct fi_api_groups *gs, size_t i)
{
	return (struct fi_api_group *)(void *)(gs->mem + i * gs->stride);
}

/* Doubles the slots and places every group again. */
static int
fi_api_groups_rehash(struct fi_api_groups *gs)
{
	size_t nslots = gs->nslots ? gs->nslots * 2 : 1024,
	       klen = gs->nkeys * FI_API_GROUP_KEY;
	uint32_t *slot = calloc(nslots, sizeof(*slot));

	if (slot == NULL)
		return FI_ENOMEM;
	for (size_t i = 0; i < gs->n; i++) {
		size_t s = fi_api_hash64(fi_api_groups_at(gs, i)->key[0], klen, 0) &
			   (nslots - 1);

		while (slot[s] != 0)
			s = (s + 1) & (nslots - 1);
		slot[s] = (uint32_t)i + 1;
	}
	free(gs->slot);
	gs->slot = slot;
	gs->nslots = nslots;
	return 0;
}

/* The group of a key, added (zeroed) if new; NULL past the limit. */
static struct fi_api_group *
fi_api_groups_find(struct fi_api_groups *gs, uint8_t key[][FI_API_GROUP_KEY], int *rc)
{
	size_t klen = gs->nkeys * FI_API_GROUP_KEY, s;
	uint64_t h = fi_api_hash64(key[0], klen, 0);
	struct fi_api_group *g;

	if (gs->n + 1 > gs->nslots / 2 && (*rc = fi_api_groups_rehash(gs)) != 0)
		return NULL;
	for (s = h & (gs->nslots - 1); gs->slot[s] != 0; s = (s + 1) & (gs->nslots - 1)) {
		g = fi_api_groups_at(gs, gs->slot[s] - 1);
		if (memcmp(g->key[0], key[0], klen) == 0)
			return g;
	}
	if (gs->n >= gs->max) {
		gs->overflow = 1;
		*rc = FI_ETOOBIG;
		return NULL;
	}
	*rc = fi_buf_grow_array(&gs->mem, &gs->cap, gs->n, gs->stride, gs->max * 2 + 64);
	if (*rc != 0) {
		gs->overflow = *rc == FI_ETOOBIG;
		return NULL;
	}
	g = fi_api_groups_at(gs, gs->n);
	memset(g, 0, gs->stride);
	memcpy(g->key[0], key[0], klen);
	gs->slot[s] = (uint32_t)++gs->n;
	return g;
}

/* Row callback: keys g0 ..., maxes m0 ..., proto, flows, packets, bytes. */
static int
fi_api_groups_row(struct fi_req *r, struct fi_stmt *st)
{
	struct fi_api_groups *gs = r->groups;
	uint8_t key[2 * FI_API_KEYS_MAX][FI_API_GROUP_KEY];
	unsigned nk = gs->nkeys + gs->nmaxes;
	const struct fi_val *proto = fi_stmt_col(st, nk);
	struct fi_api_group *g;
	__int128 x;
	int c, rc = 0;

	for (unsigned i = 0; i < nk; i++)
		if (fi_api_groups_key(fi_stmt_col(st, i), key[i]) != 0)
			return FI_EINTERNAL;
	g = fi_api_groups_find(gs, key, &rc);
	if (g == NULL)
		return rc;
	/* a new group's maxes are NULL, the least, as MAX() skips NULLs */
	for (unsigned i = gs->nkeys; i < nk; i++)
		if (memcmp(key[i], g->key[i], FI_API_GROUP_KEY) > 0)
			memcpy(g->key[i], key[i], FI_API_GROUP_KEY);
	c = proto->type == FI_VAL_UINT || proto->type == FI_VAL_INT
		? (int)fi_proto_class((uint8_t)proto->v.u)
		: FI_PC_OTHER;
	if (fi_api_row_num(fi_stmt_col(st, nk + 1), &x) != 0)
		return FI_EINTERNAL;
	g->flows[c] += x;
	for (unsigned k = 0; k < 2; k++) {
		const struct fi_val *v = fi_stmt_col(st, nk + 2 + k);
		uint64_t u = v->type == FI_VAL_UINT || v->type == FI_VAL_INT ? v->v.u : 0;

		if (u > UINT64_MAX - g->pb[c][k] ||
		    (v->type != FI_VAL_UINT && v->type != FI_VAL_INT)) {
			gs->overflow = 1; /* the server sums past 64 bits */
			return FI_ETOOBIG;
		}
		g->pb[c][k] += u;
	}
	return 0;
}

/* A sort counter of a group: one class's or the sum of the classes. */
static __int128
fi_api_groups_ctr(const struct fi_api_group *g, const struct fi_field *f)
{
	__int128 v = 0;

	for (int c = 0; c < FI_PC_COUNT; c++)
		if (f->cls == FI_PC_COUNT || f->cls == c)
			v += f->ctr == 0 ? g->flows[c] : (__int128)g->pb[c][f->ctr - 1];
	return v;
}

static int
fi_api_groups_cmp_one(const struct fi_api_groups *gs, const struct fi_api_group *a,
		      const struct fi_api_group *b, const struct fi_field *f)
{
	const struct fi_api_aggplan *p = &gs->r->aggplan;

	if (f->kind == FI_FK_COUNTER) {
		__int128 x = fi_api_groups_ctr(a, f), y = fi_api_groups_ctr(b, f);

		return x < y ? -1 : x > y;
	}
	for (unsigned j = 0; j < p->nkeys; j++)
		if ((enum fi_fkind)f->kind == p->keys[j] ||
		    (f->kind == FI_FK_ID && p->keys[j] == FI_FK_IPADDRESS))
			return memcmp(a->key[j], b->key[j], FI_API_GROUP_KEY);
	for (unsigned j = 0; j < p->nmaxes; j++)
		if ((enum fi_fkind)f->kind == p->maxes[j])
			return memcmp(a->key[p->nkeys + j], b->key[p->nkeys + j],
				      FI_API_GROUP_KEY);
	return 0;
}

/* qsort_r's order: the statement's ORDER BY (sort keys, then the keys). */
static int
fi_api_groups_cmp(const void *pa, const void *pb, void *arg)
{
	const struct fi_api_groups *gs = arg;
	const struct fi_api_group_ref *ra = pa, *rb = pb;
	const struct fi_api_group *a = ra->g, *b = rb->g;
	const struct fi_query *q = gs->r->q;

	for (unsigned i = 0; i < q->nsort; i++) {
		int c = i == 0 && q->sort[0].field.kind == FI_FK_COUNTER
			    ? (ra->first < rb->first ? -1 : ra->first > rb->first)
			    : fi_api_groups_cmp_one(gs, a, b, &q->sort[i].field);

		if (c != 0)
			return q->sort[i].desc ? -c : c;
	}
	return memcmp(a->key[0], b->key[0], gs->nkeys * FI_API_GROUP_KEY);
}

/* Writes one group as the grouped statement's row writer would. */
static int
fi_api_groups_write(struct fi_req *r, const struct fi_api_group *g)
{
	const struct fi_api_aggplan *p = &r->aggplan;
	struct fi_api_block bl;

	if (fi_api_row_cut(r))
		return 0;
	fi_jsonw_obj_begin(&r->w);
	for (unsigned i = 0; i < p->nkeys + p->nmaxes; i++) {
		enum fi_fkind kind = i < p->nkeys ? p->keys[i] : p->maxes[i - p->nkeys];
		struct fi_val v = {.type = FI_VAL_NULL};
		uint64_t u = 0;

		if (g->key[i][0] && (kind == FI_FK_BUCKET || kind == FI_FK_PROTO)) {
			for (int b = 9; b < FI_API_GROUP_KEY; b++)
				u = u << 8 | g->key[i][b];
			v = (struct fi_val)FI_VAL_U(u);
		} else if (g->key[i][0]) {
			v.type = FI_VAL_BLOB;
			v.v.s.p = (const char *)g->key[i] + 1;
			v.v.s.n = 16;
		}
		if (fi_api_row_key(&r->w, kind, &v) != 0)
			return FI_EINTERNAL;
	}
	memset(&bl, 0, sizeof(bl));
	for (int c = 0; c < FI_PC_COUNT; c++) {
		bl.v[0][c][0] = g->flows[c];
		bl.v[0][c][1] = (__int128)g->pb[c][0] * FI_API_SUBUNITS;
		bl.v[0][c][2] = (__int128)g->pb[c][1] * FI_API_SUBUNITS;
	}
	fi_api_row_block_sum(&bl, 0);
	fi_api_row_block_write(&r->w, &bl, 0);
	fi_jsonw_obj_end(&r->w);
	return 0;
}

/* Sorts the groups and writes the page: OFFSET, then up to r->fetch rows. */
static int
fi_api_groups_page(struct fi_req *r, struct fi_api_groups *gs)
{
	struct fi_api_group_ref *order = malloc((gs->n ? gs->n : 1) * sizeof(*order));
	const struct fi_field *first = r->q->nsort > 0 ? &r->q->sort[0].field : NULL;
	uint64_t off = r->q->offset, end;
	int rc = 0;

	if (order == NULL)
		return FI_ENOMEM;
	for (size_t i = 0; i < gs->n; i++) {
		order[i].g = fi_api_groups_at(gs, i);
		order[i].first = first != NULL && first->kind == FI_FK_COUNTER
				     ? fi_api_groups_ctr(order[i].g, first)
				     : 0;
	}
	qsort_r(order, gs->n, sizeof(*order), fi_api_groups_cmp, gs);
	end = off + r->fetch < off || off + r->fetch > gs->n ? gs->n : off + r->fetch;
	for (uint64_t i = off; i < end && rc == 0; i++)
		rc = fi_api_groups_write(r, order[i].g);
	free(order);
	return rc;
}

int
fi_api_groups_open(struct fi_req *r)
{
	struct fi_api_groups *gs = calloc(1, sizeof(*gs));

	if (gs == NULL)
		return FI_ENOMEM;
	gs->nkeys = r->aggplan.nkeys;
	gs->nmaxes = r->aggplan.nmaxes;
	gs->max = r->api->cfg->fcgi_groups_max;
	gs->stride = sizeof(struct fi_api_group) +
		     (gs->nkeys + gs->nmaxes) * (size_t)FI_API_GROUP_KEY;
	gs->stride = (gs->stride + 15) / 16 * 16; /* the flows' alignment */
	gs->r = r;
	r->groups = gs;
	return 0;
}

int
fi_api_groups_add(struct fi_req *r)
{
	int rc = fi_api_run(r, fi_api_groups_row);

	return r->groups->overflow ? 1 : rc;
}

int
fi_api_groups_null_max(const struct fi_req *r)
{
	const struct fi_api_groups *gs = r->groups;

	for (size_t i = 0; i < gs->n; i++)
		for (unsigned j = gs->nkeys; j < gs->nkeys + gs->nmaxes; j++)
			if (fi_api_groups_at(gs, i)->key[j][0] == 0)
				return 1;
	return 0;
}

int
fi_api_groups_close(struct fi_req *r, int write)
{
	struct fi_api_groups *gs = r->groups;
	int rc = write ? fi_api_groups_page(r, gs) : 0;

	r->groups = NULL;
	free(gs->slot);
	free(gs->mem);
	free(gs);
	return rc;
}

int
fi_api_groups_run(struct fi_req *r)
{
	int rc = fi_api_groups_open(r);

	if (rc != 0)
		return rc;
	rc = fi_api_groups_add(r);
	return rc == 0 ? fi_api_groups_close(r, 1) : (fi_api_groups_close(r, 0), rc);
}
