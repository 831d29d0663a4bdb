/*
 * fi_api_row.c: the values of result rows as JSON. Counters are read into
 * billionths (flows are kept exactly) and rounded only when printed;
 * addresses print as IPv4 integers or IPv6 text; a counter block prints as
 * the nested objects of SPEC 6 ({"tcp": {...}, "src": {"tcp": {...}}}).
 * Also the cut at max_rows and the end of an answer.
 */
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
 * Writes a block as members: flows, packetDeltaCount, octetDeltaCount,
 * tcp {...}, udp, icmp, other, and with dirs src {... tcp {...} ...}, dst.
 */
void
fi_api_row_block_write(struct fi_jsonw *w, const struct fi_api_block *bl, int with_dirs)
{
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
