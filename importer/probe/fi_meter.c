/*
 * fi_meter.c: the flow table. A fixed pool of entries (its size is the
 * memory bound), chained hashing with a per-meter random seed (packets are
 * untrusted input), and three intrusive lists that keep the timeouts O(1):
 * by last activity (inactive timeout, eviction), by creation (active timeout)
 * and by FIN/RST deadline. A small direct-mapped cache remembers the ports of
 * fragmented datagrams from their first fragment for the later ones.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fi_limits.h"
#include "fi_meter.h"

const char *const fi_meter_reason_names[FI_METER_NREASONS] = {
    "inactive", "active", "tcp-end", "evicted", "flush",
};

#define FI_NIL		     UINT32_MAX
#define FI_US		     1000000LL
#define FI_METER_FRAG_TTL_US (60 * FI_US) /* RFC 8200's reassembly time */
#define FI_METER_BUCKETS_MIN 65536	  /* hash heads at the start (256 KB) */

enum { L_ACT = 0, L_AGE = 1, L_END = 2, L_COUNT = 3 };

/* The flow key, laid out without padding so it can be hashed and compared as bytes. */
struct fi_meter_key {
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;
	uint16_t dport;
	uint8_t proto;
	uint8_t zero[3]; /* always 0 */
};

struct fi_meter_flow {
	struct fi_meter_key key;
	uint32_t hash;		   /* of key */
	uint32_t hnext;		   /* next in the hash chain, or in the free list */
	uint32_t link[L_COUNT][2]; /* [list][0 prev, 1 next] */
	int64_t first_us, last_us; /* packet times */
	int64_t seen_us;	   /* meter time of the last packet (list order) */
	int64_t end_us;		   /* FIN/RST deadline, INT64_MAX when none */
	uint64_t packets, bytes;   /* counters */
};

struct fi_meter_frag {
	uint8_t src[16], dst[16]; /* datagram key with id and frag_proto */
	uint32_t id;
	uint8_t frag_proto;
	uint8_t proto; /* what the first fragment told */
	uint8_t used;
	uint16_t sport, dport;
	int64_t ts_us; /* when the first fragment was seen */
};

struct fi_meter {
	struct fi_meter_config cfg;
	fi_meter_export_fn export;
	void *ctx;
	uint64_t seed;
	int64_t now_us; /* the meter's clock: the latest time seen */
	struct fi_meter_flow *pool;
	uint32_t *buckets; /* hash heads */
	uint32_t mask;	   /* buckets - 1 */
	uint32_t max_mask; /* the largest the table grows to, minus 1 */
	uint32_t free;	   /* head of the list of exported entries */
	uint32_t fresh;	   /* entries never used start here (untouched memory) */
	uint32_t head[L_COUNT], tail[L_COUNT];
	struct fi_meter_frag *frags;
	struct fi_meter_stats st;
	int rc; /* first non-zero export result of the current call */
};

static uint64_t
fi_meter_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint32_t
fi_meter_hash(const struct fi_meter *m, const void *key, size_t n)
{
	const uint8_t *p = key;
	uint64_t h = m->seed;

	for (size_t i = 0; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return (uint32_t)fi_meter_mix(h ^ n);
}

struct fi_meter *
fi_meter_new(const struct fi_meter_config *cfg, fi_meter_export_fn export, void *ctx)
{
	struct fi_meter *m;
	size_t nb = 1, max_nb = 1;

	if (cfg->max_flows < 1 || cfg->max_flows > FI_METER_FLOWS_LIMIT ||
	    cfg->inactive_timeout < 1 || cfg->active_timeout < 1 || export == NULL)
		return NULL;
	/* the table doubles with the flows, from a size that stays in cache */
	while (max_nb < (size_t)cfg->max_flows)
		max_nb <<= 1;
	while (nb < FI_METER_BUCKETS_MIN && nb < max_nb)
		nb <<= 1;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->cfg = *cfg;
	m->export = export;
	m->ctx = ctx;
	/* a seed an outsider cannot guess keeps crafted traffic off one chain */
	m->seed = fi_meter_mix((uint64_t)(uintptr_t)m ^ (uint64_t)time(NULL) ^
			       (uint64_t)clock() << 32);
	m->pool = calloc(cfg->max_flows, sizeof(*m->pool));
	m->buckets = malloc(nb * sizeof(*m->buckets));
	m->frags = calloc(FI_METER_FRAG_SLOTS, sizeof(*m->frags));
	if (m->pool == NULL || m->buckets == NULL || m->frags == NULL) {
		fi_meter_free(m);
		return NULL;
	}
	m->mask = (uint32_t)(nb - 1);
	m->max_mask = (uint32_t)(max_nb - 1);
	memset(m->buckets, 0xff, nb * sizeof(*m->buckets));
	/* the pool is calloc'd and taken in order: pages are touched when used */
	m->free = FI_NIL;
	m->fresh = 0;
	for (int l = 0; l < L_COUNT; l++)
		m->head[l] = m->tail[l] = FI_NIL;
	m->now_us = INT64_MIN;
	return m;
}

void
fi_meter_free(struct fi_meter *m)
{
	if (m == NULL)
		return;
	free(m->pool);
	free(m->buckets);
	free(m->frags);
	free(m);
}

static void
fi_meter_list_append(struct fi_meter *m, int l, uint32_t i)
{
	struct fi_meter_flow *f = &m->pool[i];

	f->link[l][0] = m->tail[l];
	f->link[l][1] = FI_NIL;
	if (m->tail[l] != FI_NIL)
		m->pool[m->tail[l]].link[l][1] = i;
	else
		m->head[l] = i;
	m->tail[l] = i;
}

static void
fi_meter_list_remove(struct fi_meter *m, int l, uint32_t i)
{
	struct fi_meter_flow *f = &m->pool[i];
	uint32_t prev = f->link[l][0], next = f->link[l][1];

	if (prev != FI_NIL)
		m->pool[prev].link[l][1] = next;
	else
		m->head[l] = next;
	if (next != FI_NIL)
		m->pool[next].link[l][0] = prev;
	else
		m->tail[l] = prev;
}

static int64_t
fi_meter_seconds(int64_t us)
{
	return us / FI_US; /* times are clamped to >= 0 on the way in */
}

/* Hands flow i to the callback and returns its entry to the free list. */
static void
fi_meter_export_flow(struct fi_meter *m, uint32_t i, enum fi_meter_reason why)
{
	struct fi_meter_flow *f = &m->pool[i];
	struct fi_flow out;
	uint32_t *pp = &m->buckets[f->hash & m->mask];
	int rc;

	while (*pp != i)
		pp = &m->pool[*pp].hnext;
	*pp = f->hnext;
	fi_meter_list_remove(m, L_ACT, i);
	fi_meter_list_remove(m, L_AGE, i);
	if (f->end_us != INT64_MAX)
		fi_meter_list_remove(m, L_END, i);

	memset(&out, 0, sizeof(out));
	out.first = fi_meter_seconds(f->first_us);
	out.last = fi_meter_seconds(f->last_us);
	memcpy(out.src.b, f->key.src, 16);
	memcpy(out.dst.b, f->key.dst, 16);
	out.sport = f->key.sport;
	out.dport = f->key.dport;
	out.proto = f->key.proto;
	out.packets = f->packets;
	out.bytes = f->bytes;
	out.flows = FI_FLOW_UNIT;
	f->hnext = m->free;
	m->free = i;
	m->st.flows_active--;
	m->st.exported[why]++;
	rc = m->export(m->ctx, &out, why);
	if (rc != 0 && m->rc == 0)
		m->rc = rc;
}

static int
fi_meter_result(struct fi_meter *m)
{
	int rc = m->rc;

	m->rc = 0;
	return rc;
}

static void
fi_meter_expire(struct fi_meter *m)
{
	const int64_t inactive = (int64_t)m->cfg.inactive_timeout * FI_US;
	const int64_t active = (int64_t)m->cfg.active_timeout * FI_US;

	for (;;) {
		uint32_t i = m->head[L_ACT];

		if (i != FI_NIL && m->now_us - m->pool[i].seen_us >= inactive) {
			fi_meter_export_flow(m, i, FI_METER_INACTIVE);
			continue;
		}
		i = m->head[L_AGE];
		if (i != FI_NIL && m->now_us - m->pool[i].first_us >= active) {
			fi_meter_export_flow(m, i, FI_METER_ACTIVE);
			continue;
		}
		i = m->head[L_END];
		if (i != FI_NIL && m->now_us >= m->pool[i].end_us) {
			fi_meter_export_flow(m, i, FI_METER_TCP_END);
			continue;
		}
		break;
	}
}

/* Keeps times where flows can be stored (and the arithmetic far from overflow). */
static int64_t
fi_meter_clamp(int64_t us)
{
	if (us < 0)
		return 0;
	if (us > FI_TIME_MAX * FI_US)
		return FI_TIME_MAX * FI_US;
	return us;
}

int
fi_meter_advance(struct fi_meter *m, int64_t now_us)
{
	now_us = fi_meter_clamp(now_us);
	if (now_us > m->now_us) {
		m->now_us = now_us;
		fi_meter_expire(m);
	}
	return fi_meter_result(m);
}

int
fi_meter_flush(struct fi_meter *m)
{
	while (m->head[L_ACT] != FI_NIL)
		fi_meter_export_flow(m, m->head[L_ACT], FI_METER_FLUSH);
	return fi_meter_result(m);
}

void
fi_meter_get_stats(const struct fi_meter *m, struct fi_meter_stats *st)
{
	*st = m->st;
}

/* The slot of a fragmented datagram in the cache, and whether it holds it. */
static struct fi_meter_frag *
fi_meter_frag_slot(struct fi_meter *m, const struct fi_pkt *pkt, int *hit)
{
	struct {
		uint8_t src[16], dst[16];
		uint32_t id;
		uint32_t proto;
	} k;
	struct fi_meter_frag *s;

	memcpy(k.src, pkt->src.b, 16);
	memcpy(k.dst, pkt->dst.b, 16);
	k.id = pkt->frag_id;
	k.proto = pkt->frag_proto;
	s = &m->frags[fi_meter_hash(m, &k, sizeof(k)) & (FI_METER_FRAG_SLOTS - 1)];
	*hit = s->used && s->id == pkt->frag_id && s->frag_proto == pkt->frag_proto &&
	       memcmp(s->src, k.src, 16) == 0 && memcmp(s->dst, k.dst, 16) == 0 &&
	       m->now_us - s->ts_us < FI_METER_FRAG_TTL_US;
	return s;
}

/* Fills the flow key of pkt, giving later fragments the ports of their first. */
static void
fi_meter_key_of(struct fi_meter *m, const struct fi_pkt *pkt, int64_t ts_us,
		struct fi_meter_key *k)
{
	struct fi_meter_frag *s;
	int hit;

	memset(k, 0, sizeof(*k));
	memcpy(k->src, pkt->src.b, 16);
	memcpy(k->dst, pkt->dst.b, 16);
	k->sport = pkt->sport;
	k->dport = pkt->dport;
	k->proto = pkt->proto;
	if (pkt->frag == FI_FRAG_FIRST) {
		s = fi_meter_frag_slot(m, pkt, &hit);
		memcpy(s->src, k->src, 16);
		memcpy(s->dst, k->dst, 16);
		s->id = pkt->frag_id;
		s->frag_proto = pkt->frag_proto;
		s->proto = pkt->proto;
		s->sport = pkt->sport;
		s->dport = pkt->dport;
		s->ts_us = ts_us > m->now_us ? ts_us : m->now_us;
		s->used = 1;
	} else if (pkt->frag == FI_FRAG_LATER) {
		s = fi_meter_frag_slot(m, pkt, &hit);
		if (hit) {
			k->proto = s->proto;
			k->sport = s->sport;
			k->dport = s->dport;
			m->st.frag_matched++;
		} else {
			m->st.frag_unmatched++;
		}
	}
	if ((k->proto == 1 || k->proto == 58) && !m->cfg.icmp_typecode)
		k->sport = k->dport = 0;
}

/* Doubles the hash table when it holds more flows than heads (if it may). */
static void
fi_meter_grow(struct fi_meter *m)
{
	size_t nb = (size_t)m->mask + 1;
	uint32_t *b;

	if (m->st.flows_active < nb || m->mask >= m->max_mask)
		return;
	b = malloc(2 * nb * sizeof(*b));
	if (b == NULL)
		return; /* longer chains, still correct */
	free(m->buckets);
	m->buckets = b;
	m->mask = (uint32_t)(2 * nb - 1);
	memset(b, 0xff, 2 * nb * sizeof(*b));
	for (uint32_t i = m->head[L_ACT]; i != FI_NIL; i = m->pool[i].link[L_ACT][1]) {
		struct fi_meter_flow *f = &m->pool[i];

		f->hnext = b[f->hash & m->mask];
		b[f->hash & m->mask] = i;
	}
}

static uint32_t
fi_meter_find(const struct fi_meter *m, const struct fi_meter_key *k, uint32_t hash)
{
	uint32_t i = m->buckets[hash & m->mask];

	while (i != FI_NIL) {
		const struct fi_meter_flow *f = &m->pool[i];

		if (f->hash == hash && memcmp(&f->key, k, sizeof(*k)) == 0)
			return i;
		i = f->hnext;
	}
	return FI_NIL;
}

int
fi_meter_packet(struct fi_meter *m, const struct fi_pkt *pkt, int64_t ts_us)
{
	struct fi_meter_key k;
	struct fi_meter_flow *f;
	uint32_t hash, i;

	ts_us = fi_meter_clamp(ts_us);
	if (ts_us > m->now_us) {
		m->now_us = ts_us;
		fi_meter_expire(m);
	}
	fi_meter_key_of(m, pkt, ts_us, &k);
	hash = fi_meter_hash(m, &k, sizeof(k));
	i = fi_meter_find(m, &k, hash);
	if (i != FI_NIL && m->pool[i].end_us != INT64_MAX && k.proto == 6 &&
	    (pkt->tcp_flags & FI_TCP_SYN)) {
		/* a new connection on the ports of one that is closing */
		fi_meter_export_flow(m, i, FI_METER_TCP_END);
		i = FI_NIL;
	}
	if (i == FI_NIL) {
		if (m->free == FI_NIL && m->fresh == m->cfg.max_flows)
			fi_meter_export_flow(m, m->head[L_ACT], FI_METER_EVICTED);
		if (m->free != FI_NIL) {
			i = m->free;
			m->free = m->pool[i].hnext;
		} else {
			i = m->fresh++;
		}
		f = &m->pool[i];
		f->key = k;
		f->hash = hash;
		f->hnext = m->buckets[hash & m->mask];
		m->buckets[hash & m->mask] = i;
		f->first_us = f->last_us = ts_us;
		f->end_us = INT64_MAX;
		f->packets = f->bytes = 0;
		fi_meter_list_append(m, L_AGE, i);
		m->st.flows_active++;
	} else {
		f = &m->pool[i];
		fi_meter_list_remove(m, L_ACT, i);
		if (ts_us < f->first_us)
			f->first_us = ts_us;
		if (ts_us > f->last_us)
			f->last_us = ts_us;
	}
	fi_meter_list_append(m, L_ACT, i);
	fi_meter_grow(m); /* after the append: it rehashes what L_ACT holds */
	f->seen_us = m->now_us;
	f->packets++;
	f->bytes += pkt->ip_len;
	m->st.packets++;
	m->st.bytes += pkt->ip_len;
	if (k.proto == 6 && (pkt->tcp_flags & (FI_TCP_FIN | FI_TCP_RST)) &&
	    f->end_us == INT64_MAX && pkt->frag != FI_FRAG_LATER) {
		f->end_us = m->now_us + (int64_t)m->cfg.tcp_end_timeout * FI_US;
		fi_meter_list_append(m, L_END, i);
		if (m->cfg.tcp_end_timeout == 0)
			fi_meter_export_flow(m, i, FI_METER_TCP_END);
	}
	return fi_meter_result(m);
}
