/*
 * fi_agg.c: slicing flows into the in-memory tables. A flow counts in the
 * node index once for its source and once for its destination address, and
 * in the port index once for each of its ports (SPEC 4, 9).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fi_agg.h"
#include "fi_err.h"

const char *const fi_agg_dir_names[FI_AGG_DIR_COUNT] = {"src", "dst"};
const char *const fi_agg_metric_names[FI_AGG_M_COUNT] = {"flows", "packets", "bytes"};

static void
fi_agg_put32(uint8_t b[4], uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static void
fi_agg_put16(uint8_t b[2], uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

uint32_t
fi_agg_get32(const uint8_t b[4])
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

uint16_t
fi_agg_get16(const uint8_t b[2])
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

void
fi_agg_init(struct fi_agg *a, const uint32_t *sizes, unsigned nsizes)
{
	memset(a, 0, sizeof(*a));
	a->nsizes = nsizes;
	for (unsigned i = 0; i < nsizes; i++) {
		struct fi_agg_size *s = &a->sizes[i];

		s->size = sizes[i];
		s->detail = 1;
		fi_map_init(&s->flows, sizeof(struct fi_agg_flow_key),
			    sizeof(struct fi_agg_flow_val));
		fi_map_init(&s->nodes, sizeof(struct fi_agg_node_key),
			    sizeof(struct fi_agg_index_val));
		fi_map_init(&s->ports, sizeof(struct fi_agg_port_key),
			    sizeof(struct fi_agg_index_val));
		fi_map_init(&s->totals, sizeof(struct fi_agg_total_key),
			    sizeof(struct fi_agg_total_val));
	}
	a->min_time = a->max_time = -1;
}

void
fi_agg_set_detail(struct fi_agg *a, unsigned i, int detail)
{
	if (i < a->nsizes)
		a->sizes[i].detail = detail;
}

/* Tables up to this size keep their memory between flushes. */
#define FI_AGG_KEEP_BYTES (64u << 20)

void
fi_agg_clear(struct fi_agg *a)
{
	for (unsigned i = 0; i < a->nsizes; i++) {
		fi_map_clear(&a->sizes[i].flows, FI_AGG_KEEP_BYTES);
		fi_map_clear(&a->sizes[i].nodes, FI_AGG_KEEP_BYTES);
		fi_map_clear(&a->sizes[i].ports, FI_AGG_KEEP_BYTES);
		fi_map_clear(&a->sizes[i].totals, FI_AGG_KEEP_BYTES);
	}
	a->nflows = 0;
	a->min_time = a->max_time = -1;
}

void
fi_agg_fini(struct fi_agg *a)
{
	if (a == NULL)
		return;
	for (unsigned i = 0; i < a->nsizes; i++) {
		fi_map_fini(&a->sizes[i].flows);
		fi_map_fini(&a->sizes[i].nodes);
		fi_map_fini(&a->sizes[i].ports);
		fi_map_fini(&a->sizes[i].totals);
	}
}

/*
 * Cannot wrap: fi_agg_check kept the bucket's totals row within
 * FI_COUNTER_MAX, and every counter of every other row of the bucket sums
 * a subset of the slices that the same counter of the totals row sums.
 */
static void
fi_agg_count(uint64_t c[FI_AGG_M_COUNT], const struct fi_flow_slice *s)
{
	c[FI_AGG_M_FLOWS] += s->flows;
	c[FI_AGG_M_PACKETS] += s->packets;
	c[FI_AGG_M_BYTES] += s->bytes;
}

/* Adds one slice to the index row of key (a node or port key) in m. */
static int
fi_agg_index(struct fi_map *m, const void *key, int dir, enum fi_proto_class pc,
	     const struct fi_flow_slice *s)
{
	struct fi_agg_index_val *v = fi_map_upsert(m, key);

	if (v == NULL)
		return FI_ENOMEM;
	fi_agg_count(v->c[dir][pc], s);
	return 0;
}

/* Adds one slice to the index row of (bucket, addr). */
static int
fi_agg_node(struct fi_map *m, const uint8_t bucket[4], const struct fi_addr *addr,
	    int dir, enum fi_proto_class pc, const struct fi_flow_slice *s)
{
	struct fi_agg_node_key k;

	memset(&k, 0, sizeof(k));
	memcpy(k.bucket, bucket, 4);
	memcpy(k.addr, addr->b, 16);
	return fi_agg_index(m, &k, dir, pc, s);
}

/* Adds one slice to the index row of (bucket, port). */
static int
fi_agg_port(struct fi_map *m, const uint8_t bucket[4], uint16_t port, int dir,
	    enum fi_proto_class pc, const struct fi_flow_slice *s)
{
	struct fi_agg_port_key k;

	memset(&k, 0, sizeof(k));
	memcpy(k.bucket, bucket, 4);
	fi_agg_put16(k.port, port);
	return fi_agg_index(m, &k, dir, pc, s);
}

/* Adds the slices of f for size index i (after fi_agg_check). */
static int
fi_agg_add_size(struct fi_agg *a, unsigned i, const struct fi_flow *f,
		struct fi_agg_flow_key *fk, enum fi_proto_class pc)
{
	struct fi_agg_size *sz = &a->sizes[i];
	struct fi_flow_slicer it;
	struct fi_flow_slice s;

	fi_flow_slicer_init(&it, f, sz->size);
	while (fi_flow_slicer_next(&it, &s)) {
		struct fi_agg_total_key tk;
		struct fi_agg_flow_val *fv;
		struct fi_agg_total_val *tv;

		fi_agg_put32(fk->bucket, (uint32_t)s.bucket);
		if (sz->detail) {
			fv = fi_map_upsert(&sz->flows, fk);
			if (fv == NULL)
				return FI_ENOMEM;
			fi_agg_count(fv->c, &s);
		}
		memset(&tk, 0, sizeof(tk));
		memcpy(tk.bucket, fk->bucket, 4);
		tv = fi_map_upsert(&sz->totals, &tk);
		if (tv == NULL)
			return FI_ENOMEM;
		fi_agg_count(tv->c[pc], &s);
		if (fi_agg_node(&sz->nodes, fk->bucket, &f->src, FI_AGG_DIR_SRC, pc,
				&s) ||
		    fi_agg_node(&sz->nodes, fk->bucket, &f->dst, FI_AGG_DIR_DST, pc, &s))
			return FI_ENOMEM;
		if (sz->detail && (fi_agg_port(&sz->ports, fk->bucket, f->sport,
					       FI_AGG_DIR_SRC, pc, &s) ||
				   fi_agg_port(&sz->ports, fk->bucket, f->dport,
					       FI_AGG_DIR_DST, pc, &s)))
			return FI_ENOMEM;
	}
	return 0;
}

/* a + b, or UINT64_MAX where that overflows (a stored value may be past the cap) */
static uint64_t
fi_agg_sat(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

/*
 * Whether adding add[m] to the counters have[m] (of class pc in the totals
 * row of bucket, size seconds) keeps each within FI_COUNTER_MAX; adding 0
 * always does. FI_ERANGE with err saying which counter, else 0.
 */
static int
fi_agg_fits(const uint64_t have[FI_AGG_M_COUNT], const uint64_t add[FI_AGG_M_COUNT],
	    uint32_t size, uint32_t bucket, enum fi_proto_class pc, struct fi_err *err)
{
	for (unsigned m = 0; m < FI_AGG_M_COUNT; m++) {
		if (add[m] == 0 ||
		    (have[m] <= FI_COUNTER_MAX && add[m] <= FI_COUNTER_MAX - have[m]))
			continue;
		return fi_err_set(
		    err, FI_ERANGE,
		    "%s %s of bucket %u (%u s) would pass %llu%s: %llu there, %llu more",
		    fi_proto_class_names[pc], fi_agg_metric_names[m], bucket, size,
		    (unsigned long long)FI_COUNTER_MAX,
		    m == FI_AGG_M_FLOWS ? " billionths" : "", (unsigned long long)have[m],
		    (unsigned long long)add[m]);
	}
	return 0;
}

/* The totals counters of class pc of one bucket in a and base, summed. */
static void
fi_agg_total_of(const struct fi_agg *a, unsigned i, const struct fi_agg_total_key *k,
		enum fi_proto_class pc, uint64_t have[FI_AGG_M_COUNT])
{
	const struct fi_agg_total_val *v = fi_map_get(&a->sizes[i].totals, k);
	const struct fi_agg_total_val *b = a->base != NULL && i < a->base->nsizes
					       ? fi_map_get(&a->base->sizes[i].totals, k)
					       : NULL;

	for (unsigned m = 0; m < FI_AGG_M_COUNT; m++)
		have[m] = fi_agg_sat(v ? v->c[pc][m] : 0, b ? b->c[pc][m] : 0);
}

/* Whether every slice of f fits in its totals row (see fi_agg_add). */
static int
fi_agg_check(const struct fi_agg *a, const struct fi_flow *f, struct fi_err *err)
{
	enum fi_proto_class pc = fi_proto_class(f->proto);

	for (unsigned i = 0; i < a->nsizes; i++) {
		struct fi_flow_slicer it;
		struct fi_flow_slice s;

		fi_flow_slicer_init(&it, f, a->sizes[i].size);
		while (fi_flow_slicer_next(&it, &s)) {
			struct fi_agg_total_key tk;
			uint64_t have[FI_AGG_M_COUNT];
			const uint64_t add[FI_AGG_M_COUNT] = {s.flows, s.packets,
							      s.bytes};

			memset(&tk, 0, sizeof(tk));
			fi_agg_put32(tk.bucket, (uint32_t)s.bucket);
			fi_agg_total_of(a, i, &tk, pc, have);
			if (fi_agg_fits(have, add, a->sizes[i].size, (uint32_t)s.bucket,
					pc, err) != 0)
				return FI_ERANGE;
		}
	}
	return 0;
}

int
fi_agg_totals_fit(const struct fi_agg *a, unsigned i, const struct fi_agg *base,
		  struct fi_err *err)
{
	static const uint64_t none[FI_AGG_M_COUNT];
	const struct fi_map *m = &a->sizes[i].totals;
	const unsigned char **rows = fi_map_sorted(m);
	int rc = 0;

	if (rows == NULL && m->count > 0)
		return fi_err_set(err, FI_ENOMEM, "out of memory");
	for (size_t r = 0; rc == 0 && r < m->count; r++) {
		const struct fi_agg_total_val *v =
		    (const void *)(rows[r] + sizeof(struct fi_agg_total_key));
		const struct fi_agg_total_val *b =
		    base != NULL && i < base->nsizes
			? fi_map_get(&base->sizes[i].totals, rows[r])
			: NULL;

		for (unsigned pc = 0; rc == 0 && pc < FI_PC_COUNT; pc++)
			rc = fi_agg_fits(b ? b->c[pc] : none, v->c[pc], a->sizes[i].size,
					 fi_agg_get32(rows[r]), (enum fi_proto_class)pc,
					 err);
	}
	free(rows);
	return rc;
}

int
fi_agg_add(struct fi_agg *a, const struct fi_flow *f, struct fi_err *err)
{
	enum fi_proto_class pc = fi_proto_class(f->proto);
	struct fi_agg_flow_key fk;

	/* check first, then apply: a refused flow leaves no trace */
	if (fi_agg_check(a, f, err) != 0)
		return FI_ERANGE;
	memset(&fk, 0, sizeof(fk));
	memcpy(fk.src, f->src.b, 16);
	memcpy(fk.dst, f->dst.b, 16);
	fi_agg_put16(fk.sport, f->sport);
	fi_agg_put16(fk.dport, f->dport);
	fk.proto = f->proto;

	for (unsigned i = 0; i < a->nsizes; i++) {
		if (fi_agg_add_size(a, i, f, &fk, pc) != 0)
			return fi_err_set(err, FI_ENOMEM,
					  "out of memory aggregating flows");
	}
	a->nflows++;
	if (a->min_time < 0 || f->first < a->min_time)
		a->min_time = f->first;
	if (f->last > a->max_time)
		a->max_time = f->last;
	return 0;
}

size_t
fi_agg_bytes(const struct fi_agg *a)
{
	size_t n = 0;

	for (unsigned i = 0; i < a->nsizes; i++)
		n += fi_map_bytes(&a->sizes[i].flows) + fi_map_bytes(&a->sizes[i].nodes) +
		     fi_map_bytes(&a->sizes[i].ports) + fi_map_bytes(&a->sizes[i].totals);
	return n;
}

uint64_t
fi_agg_rows(const struct fi_agg *a)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < a->nsizes; i++)
		n += a->sizes[i].flows.count + a->sizes[i].nodes.count +
		     a->sizes[i].ports.count + a->sizes[i].totals.count;
	return n;
}

void
fi_agg_retention_warning(const struct fi_agg *a, const struct fi_config *cfg,
			 struct fi_ratelimit *rl, const char *kept,
			 struct fi_progress *bar)
{
	int64_t now = (int64_t)time(NULL);

	for (unsigned i = 0; i < cfg->n_bucket_sizes; i++) {
		int64_t days = cfg->retention_days[i];
		int64_t size = cfg->bucket_sizes[i];

		if (days <= 0 || a->min_time < 0 ||
		    a->min_time + size > now - days * 86400)
			continue;
		if (bar != NULL)
			fi_progress_clear(bar);
		fi_warnx_limited(
		    rl,
		    "imported flows from %lld s ago into %lld s buckets, which "
		    "retention deletes after %lld days; set retention_days = 0 "
		    "to keep %s",
		    (long long)(now - a->min_time), (long long)size, (long long)days,
		    kept);
	}
}
