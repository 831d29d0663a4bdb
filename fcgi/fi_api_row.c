/*
 * fi_api_row.c: the values of result rows as JSON. Counters are read into
 * billionths (flows are kept exactly) and rounded only when printed;
 * addresses print as IPv4 integers or IPv6 text; a counter block prints as
 * the nested objects of SPEC 6 ({"tcp": {...}, "src": {"tcp": {...}}}).
 * Also the cut at max_rows and the end of an answer.
 */
#include <stdio.h>
#include <string.h>

#include "fi_api_int.h"

/*
 * Reads a counter column (integer, or DECIMAL as text) into billionths.
 * NULL (a SUM over no rows) is 0. Returns 0 or FI_EINVAL.
 */
int
fi_api_row_num(const struct fi_val *v, __int128 *out)
{
	__int128 x = 0;
	size_t i = 0, frac = 0;
	int neg = 0, dot = 0, digits = 0;

	switch (v->type) {
	case FI_VAL_NULL:
		*out = 0;
		return 0;
	case FI_VAL_INT:
		*out = (__int128)v->v.i * FI_API_SUBUNITS;
		return 0;
	case FI_VAL_UINT:
		*out = (__int128)v->v.u * FI_API_SUBUNITS;
		return 0;
	case FI_VAL_TEXT:
		break;
	default:
		return FI_EINVAL;
	}
	if (v->v.s.n > 0 && v->v.s.p[0] == '-') {
		neg = 1;
		i = 1;
	}
	for (; i < v->v.s.n; i++) {
		char c = v->v.s.p[i];

		if (c == '.' && !dot) {
			dot = 1;
			continue;
		}
		if (c < '0' || c > '9' || digits > 36)
			return FI_EINVAL;
		digits++;
		if (dot) {
			if (frac >= 9)
				continue; /* beyond the stored precision */
			frac++;
		}
		x = x * 10 + (c - '0');
	}
	if (digits == 0)
		return FI_EINVAL;
	for (; frac < 9; frac++)
		x *= 10;
	*out = neg ? -x : x;
	return 0;
}

/* Rounds billionths to a whole number, half away from zero (SPEC 6). */
__int128
fi_api_row_round(__int128 v)
{
	if (v >= 0)
		return (v + FI_API_SUBUNITS / 2) / FI_API_SUBUNITS;
	return -((-v + FI_API_SUBUNITS / 2) / FI_API_SUBUNITS);
}

/* Completes the sums of a block whose base cells are filled. */
void
fi_api_row_block_sum(struct fi_api_block *bl, int with_dirs)
{
	for (int k = 0; k < FI_CTR_COUNT; k++) {
		if (with_dirs)
			for (int c = 0; c < FI_PC_COUNT; c++)
				bl->v[0][c][k] = bl->v[1][c][k] + bl->v[2][c][k];
		for (int d = 0; d < (with_dirs ? FI_DIR_COUNT : 1); d++) {
			bl->v[d][FI_PC_COUNT][k] = 0;
			for (int c = 0; c < FI_PC_COUNT; c++)
				bl->v[d][FI_PC_COUNT][k] += bl->v[d][c][k];
		}
	}
}

/* Reads cols[first ...] as [dirs][class][counter] base cells. */
int
fi_api_row_block_read(struct fi_stmt *st, unsigned first, int with_dirs,
		      struct fi_api_block *bl)
{
	unsigned col = first;

	memset(bl, 0, sizeof(*bl));
	for (int d = with_dirs ? 1 : 0; d < (with_dirs ? FI_DIR_COUNT : 1); d++)
		for (int c = 0; c < FI_PC_COUNT; c++)
			for (int k = 0; k < FI_CTR_COUNT; k++)
				if (fi_api_row_num(fi_stmt_col(st, col++),
						   &bl->v[d][c][k]) != 0)
					return FI_EINVAL;
	fi_api_row_block_sum(bl, with_dirs);
	return 0;
}

/* Writes the three counters of one [dir][class] cell as members. */
static void
fi_api_row_block_cell(struct fi_jsonw *w, const struct fi_api_block *bl, int d, int c)
{
	for (int k = 0; k < FI_CTR_COUNT; k++) {
		fi_jsonw_key(w, fi_ctr_names[k]);
		fi_jsonw_i128(w, fi_api_row_round(bl->v[d][c][k]));
	}
}

/*
 * The fast path of a block without dirs (an aggregate writes one per group:
 * the half hour's all pairs 45,000, where writing key by key was a quarter
 * of the responder's time): the members formatted into one piece, the keys
 * as fragments made once from fi_ctr_names and fi_proto_class_names.
 */
struct fi_api_row_frags {
	char ctr[FI_CTR_COUNT][24]; /* "flows": (a comma before all but the first) */
	char cls[FI_PC_COUNT][16];  /* ,"tcp":{ */
	size_t nctr[FI_CTR_COUNT], ncls[FI_PC_COUNT];
};

static const struct fi_api_row_frags *
fi_api_row_frags(void)
{
	static struct fi_api_row_frags f;
	static int made;

	if (!made) {
		for (int k = 0; k < FI_CTR_COUNT; k++)
			f.nctr[k] =
			    (size_t)snprintf(f.ctr[k], sizeof(f.ctr[k]),
					     "%s\"%s\":", k ? "," : "", fi_ctr_names[k]);
		for (int c = 0; c < FI_PC_COUNT; c++)
			f.ncls[c] =
			    (size_t)snprintf(f.cls[c], sizeof(f.cls[c]), ",\"%s\":{",
					     fi_proto_class_names[c]);
		made = 1;
	}
	return &f;
}

/* Appends the rounded value of billionths v (0 <= v < 2^64) to p. */
static char *
fi_api_row_put_u64(char *p, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	v = v / FI_API_SUBUNITS + (v % FI_API_SUBUNITS >= FI_API_SUBUNITS / 2);
	do {
		tmp[--i] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v != 0);
	memcpy(p, tmp + i, sizeof(tmp) - i);
	return p + (sizeof(tmp) - i);
}

/* The block's cells in one piece; 0 if a value does not fit the fast path. */
static size_t
fi_api_row_block_fast(const struct fi_api_block *bl, char *out)
{
	const struct fi_api_row_frags *f = fi_api_row_frags();
	char *p = out;

	for (int c = 0; c <= FI_PC_COUNT; c++)
		for (int k = 0; k < FI_CTR_COUNT; k++)
			if (bl->v[0][c][k] < 0 || bl->v[0][c][k] > (__int128)UINT64_MAX)
				return 0;
	/* the totals (FI_PC_COUNT), then each class as an object */
	for (int i = 0; i <= FI_PC_COUNT; i++) {
		int c = i == 0 ? FI_PC_COUNT : i - 1;

		if (i > 0) {
			memcpy(p, f->cls[c], f->ncls[c]);
			p += f->ncls[c];
		}
		for (int k = 0; k < FI_CTR_COUNT; k++) {
			memcpy(p, f->ctr[k], f->nctr[k]);
			p = fi_api_row_put_u64(p + f->nctr[k], (uint64_t)bl->v[0][c][k]);
		}
		if (i > 0)
			*p++ = '}';
	}
	return (size_t)(p - out);
}

/*
 * Writes a block as members: flows, packetDeltaCount, octetDeltaCount,
 * tcp {...}, udp, icmp, other, and with dirs src {... tcp {...} ...}, dst.
 */
void
fi_api_row_block_write(struct fi_jsonw *w, const struct fi_api_block *bl, int with_dirs)
{
	/* 15 members of at most 19 + 20 bytes and 4 class keys */
	char text[FI_PC_COUNT * 16 + (FI_PC_COUNT + 1) * FI_CTR_COUNT * 48];
	size_t n = with_dirs ? 0 : fi_api_row_block_fast(bl, text);

	if (n > 0) {
		fi_jsonw_members(w, text, n);
		return;
	}
	for (int d = 0; d < (with_dirs ? FI_DIR_COUNT : 1); d++) {
		if (d > 0) {
			fi_jsonw_key(w, fi_dir_names[d]);
			fi_jsonw_obj_begin(w);
		}
		fi_api_row_block_cell(w, bl, d, FI_PC_COUNT);
		for (int c = 0; c < FI_PC_COUNT; c++) {
			fi_jsonw_key(w, fi_proto_class_names[c]);
			fi_jsonw_obj_begin(w);
			fi_api_row_block_cell(w, bl, d, c);
			fi_jsonw_obj_end(w);
		}
		if (d > 0)
			fi_jsonw_obj_end(w);
	}
}

/*
 * Writes an address member: IPv4 as an integer under v4key, IPv6 as text
 * under v6key; NULL (the merged "others" of black_others) as 0 under v4key.
 */
/* The lookups of geo=1 (one request at a time per worker), or NULL. */
static struct fi_geo *fi_api_row_geo_ctx;

void
fi_api_row_geotag(struct fi_geo *geo)
{
	fi_api_row_geo_ctx = geo;
}

/*
 * geo=1: the country (or local, unknown), AS and special range of an
 * address beside it, under names made from prefix ("" for id: country,
 * asn, as_name, range; "source": sourceCountry, sourceAsn, ...).
 */
static void
fi_api_row_geo(struct fi_jsonw *w, const struct fi_addr *a, const char *prefix)
{
	static const char *const names[2][4] = {{"country", "asn", "as_name", "range"},
						{"Country", "Asn", "AsName", "Range"}};
	const char *const *n = names[prefix[0] != '\0'];
	struct fi_geo_result g;
	char key[48];

	fi_geo_lookup(fi_api_row_geo_ctx, a, &g);
	snprintf(key, sizeof(key), "%s%s", prefix, n[0]);
	fi_jsonw_key(w, key);
	fi_jsonw_cstr(w, g.kind == FI_GEO_LOCAL ? "local"
			 : g.country[0] != '\0' ? g.country
						: "unknown");
	if (g.kind != FI_GEO_LOCAL && g.asn != 0) {
		snprintf(key, sizeof(key), "%s%s", prefix, n[1]);
		fi_jsonw_key(w, key);
		fi_jsonw_uint(w, g.asn);
		snprintf(key, sizeof(key), "%s%s", prefix, n[2]);
		fi_jsonw_key(w, key);
		fi_jsonw_cstr(w, g.as_name);
	}
	if (g.range != NULL) {
		snprintf(key, sizeof(key), "%s%s", prefix, n[3]);
		fi_jsonw_key(w, key);
		fi_jsonw_cstr(w, g.range);
	}
}

static int
fi_api_row_addr(struct fi_jsonw *w, const struct fi_val *v, const char *v4key,
		const char *v6key)
{
	struct fi_addr a;
	char text[FI_ADDR_TEXT_MAX];

	if (v->type == FI_VAL_NULL) {
		fi_jsonw_key(w, v4key);
		fi_jsonw_uint(w, 0);
		return 0;
	}
	if (v->type != FI_VAL_BLOB || v->v.s.n != 16)
		return FI_EINVAL;
	memcpy(a.b, v->v.s.p, 16);
	if (fi_addr_is_v4(&a)) {
		fi_jsonw_key(w, v4key);
		fi_jsonw_uint(w, fi_addr_v4(&a));
	} else {
		fi_jsonw_key(w, v6key);
		fi_jsonw_cstr(w, fi_addr_format(&a, text));
	}
	if (fi_api_row_geo_ctx != NULL)
		fi_api_row_geo(w, &a,
			       v4key[0] == 's'	 ? "source"
			       : v4key[0] == 'd' ? "destination"
						 : "");
	return 0;
}

/* Writes an integer column (bucket, port, protocol); NULL ("others") as 0. */
int
fi_api_row_uint(struct fi_jsonw *w, const char *key, const struct fi_val *v)
{
	fi_jsonw_key(w, key);
	switch (v->type) {
	case FI_VAL_NULL:
		fi_jsonw_uint(w, 0);
		return 0;
	case FI_VAL_UINT:
		fi_jsonw_uint(w, v->v.u);
		return 0;
	case FI_VAL_INT:
		fi_jsonw_int(w, v->v.i);
		return 0;
	default:
		return FI_EINVAL;
	}
}

/* Writes a key field's member from its column. */
int
fi_api_row_key(struct fi_jsonw *w, enum fi_fkind kind, const struct fi_val *v)
{
	switch (kind) {
	case FI_FK_BUCKET:
		return fi_api_row_uint(w, "bucket", v);
	case FI_FK_SRC:
		return fi_api_row_addr(w, v, "sourceIPv4Address", "sourceIPv6Address");
	case FI_FK_DST:
		return fi_api_row_addr(w, v, "destinationIPv4Address",
				       "destinationIPv6Address");
	case FI_FK_SPORT:
		return fi_api_row_uint(w, "sourceTransportPort", v);
	case FI_FK_DPORT:
		return fi_api_row_uint(w, "destinationTransportPort", v);
	case FI_FK_PROTO:
		return fi_api_row_uint(w, "protocolIdentifier", v);
	case FI_FK_IPADDRESS:
		return fi_api_row_addr(w, v, "id", "id");
	case FI_FK_PORT:
		return fi_api_row_uint(w, "id", v);
	default:
		return FI_EINVAL;
	}
}

/* Counts a row; 1 when it is past max_rows and must not be written. */
int
fi_api_row_cut(struct fi_req *r)
{
	if (r->rows >= r->max) {
		r->resp->truncated = 1;
		return 1;
	}
	r->rows++;
	return 0;
}

/* Ends an answer object: "truncated": true when rows were cut at max_rows. */
int
fi_api_row_end(struct fi_req *r)
{
	if (r->resp->truncated) {
		fi_jsonw_key(&r->w, "truncated");
		fi_jsonw_bool(&r->w, 1);
	}
	fi_jsonw_obj_end(&r->w);
	return 0;
}
