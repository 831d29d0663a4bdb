/*
 * fi_agg.c: slicing flows into the in-memory tables. A flow counts in the
 * node index once for its source and once for its destination address, and
 * in the port index once for each of its ports (SPEC 4, 9).
 */
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

static void
fi_agg_count(uint64_t c[FI_AGG_M_COUNT], const struct fi_flow_slice *s)
{
	c[FI_AGG_M_FLOWS] += s->flows;
	c[FI_AGG_M_PACKETS] += s->packets;
	c[FI_AGG_M_BYTES] += s->bytes;
}

/* Adds one slice to the index row of (bucket, addr). */
static int
fi_agg_node(struct fi_map *m, const uint8_t bucket[4], const struct fi_addr *addr,
	    int dir, enum fi_proto_class pc, const struct fi_flow_slice *s)
{
	struct fi_agg_node_key k;
	struct fi_agg_index_val *v;

	memset(&k, 0, sizeof(k));
	memcpy(k.bucket, bucket, 4);
	memcpy(k.addr, addr->b, 16);
	v = fi_map_upsert(m, &k);
	if (v == NULL)
		return FI_ENOMEM;
	fi_agg_count(v->c[dir][pc], s);
	return 0;
}

static int
fi_agg_port(struct fi_map *m, const uint8_t bucket[4], uint16_t port, int dir,
	    enum fi_proto_class pc, const struct fi_flow_slice *s)
{
	struct fi_agg_port_key k;
	struct fi_agg_index_val *v;

	memset(&k, 0, sizeof(k));
	memcpy(k.bucket, bucket, 4);
	fi_agg_put16(k.port, port);
	v = fi_map_upsert(m, &k);
	if (v == NULL)
		return FI_ENOMEM;
	fi_agg_count(v->c[dir][pc], s);
	return 0;
}

int
fi_agg_add(struct fi_agg *a, const struct fi_flow *f)
{
	enum fi_proto_class pc = fi_proto_class(f->proto);
	struct fi_agg_flow_key fk;

	memset(&fk, 0, sizeof(fk));
	memcpy(fk.src, f->src.b, 16);
	memcpy(fk.dst, f->dst.b, 16);
	fi_agg_put16(fk.sport, f->sport);
	fi_agg_put16(fk.dport, f->dport);
	fk.proto = f->proto;

	for (unsigned i = 0; i < a->nsizes; i++) {
		struct fi_agg_size *sz = &a->sizes[i];
		struct fi_flow_slicer it;
		struct fi_flow_slice s;

		fi_flow_slicer_init(&it, f, sz->size);
		while (fi_flow_slicer_next(&it, &s)) {
			struct fi_agg_total_key tk;
			struct fi_agg_flow_val *fv;
			struct fi_agg_total_val *tv;

			fi_agg_put32(fk.bucket, (uint32_t)s.bucket);
			if (sz->detail) {
				fv = fi_map_upsert(&sz->flows, &fk);
				if (fv == NULL)
					return FI_ENOMEM;
				fi_agg_count(fv->c, &s);
			}

			memset(&tk, 0, sizeof(tk));
			memcpy(tk.bucket, fk.bucket, 4);
			tv = fi_map_upsert(&sz->totals, &tk);
			if (tv == NULL)
				return FI_ENOMEM;
			fi_agg_count(tv->c[pc], &s);

			if (fi_agg_node(&sz->nodes, fk.bucket, &f->src, FI_AGG_DIR_SRC,
					pc, &s) ||
			    fi_agg_node(&sz->nodes, fk.bucket, &f->dst, FI_AGG_DIR_DST,
					pc, &s))
				return FI_ENOMEM;
			if (sz->detail && (fi_agg_port(&sz->ports, fk.bucket, f->sport,
						       FI_AGG_DIR_SRC, pc, &s) ||
					   fi_agg_port(&sz->ports, fk.bucket, f->dport,
						       FI_AGG_DIR_DST, pc, &s)))
				return FI_ENOMEM;
		}
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
