/*
 * fi_dbsrc_mark.c: how far an incremental import of a source table got:
 * the digest of the rows read (FNV-1a, 128 bits) and the mark kept in
 * fi_source_marks, written and parsed as one line of text.
 */
#include <stdio.h>
#include <string.h>

#include "fi_dbsrc.h"
#include "fi_num.h"

void
fi_dbsrc_digest_row(struct fi_digest *d, const struct fi_val *vals, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const struct fi_val *v = &vals[i];
		unsigned char head[9];
		uint64_t x = 0;
		size_t len = 9;

		head[0] = (unsigned char)v->type;
		switch (v->type) {
		case FI_VAL_NULL:
			len = 1;
			break;
		case FI_VAL_INT:
		case FI_VAL_UINT:
			x = v->v.u;
			break;
		case FI_VAL_DOUBLE:
			memcpy(&x, &v->v.d, sizeof(x));
			break;
		case FI_VAL_TEXT:
		case FI_VAL_BLOB:
			x = v->v.s.n; /* the length first: values cannot run together */
			break;
		}
		for (int k = 0; k < 8; k++)
			head[1 + k] = (unsigned char)(x >> (56 - 8 * k));
		fi_digest_add(d, head, len);
		if (v->type == FI_VAL_TEXT || v->type == FI_VAL_BLOB)
			fi_digest_add(d, v->v.s.p, v->v.s.n);
	}
	fi_digest_add(d, "\n", 1);
}

static const char *const fi_dbsrc_mark_modes[] = {"key", "scan", "snapshot-partial",
						  "snapshot", "ctid"};
#define FI_DBSRC_MARK_MODES (sizeof(fi_dbsrc_mark_modes) / sizeof(fi_dbsrc_mark_modes[0]))

const char *
fi_dbsrc_mark_mode_name(enum fi_dbsrc_mark_mode mode)
{
	return fi_dbsrc_mark_modes[mode];
}

int
fi_dbsrc_mark_format(const struct fi_dbsrc_mark *m, char *buf, size_t size)
{
	int n;

	if (m->mode == FI_DBSRC_MARK_KEY)
		n = snprintf(buf, size, "key %llu %lld %s", (unsigned long long)m->rows,
			     (long long)m->key, m->column);
	else if (m->mode == FI_DBSRC_MARK_CTID)
		n = snprintf(buf, size, "ctid %llu %lu %lu %lu",
			     (unsigned long long)m->rows, (unsigned long)m->page,
			     (unsigned long)m->item, (unsigned long)m->filenode);
	else
		n = snprintf(buf, size, "%s %llu %016llx%016llx",
			     fi_dbsrc_mark_modes[m->mode], (unsigned long long)m->rows,
			     (unsigned long long)m->digest.hi,
			     (unsigned long long)m->digest.lo);
	return n < 0 || (size_t)n >= size || (size_t)n > FI_DBSRC_MARK_TEXT_MAX
		   ? FI_ETOOBIG
		   : 0;
}

/* Splits the next space-separated word off *s (of *n bytes). */
static struct fi_str
fi_dbsrc_mark_word(const char **s, size_t *n)
{
	struct fi_str w = {*s, 0};

	while (w.n < *n && (*s)[w.n] != ' ')
		w.n++;
	*s += w.n;
	*n -= w.n;
	if (*n > 0) {
		(*s)++;
		(*n)--;
	}
	return w;
}

static int
fi_dbsrc_mark_hex64(struct fi_str s, uint64_t *out)
{
	char tmp[19] = "0x";

	if (s.n != 16)
		return FI_EINVAL;
	memcpy(tmp + 2, s.p, 16);
	return fi_num_u64_hexdec((struct fi_str){tmp, 18}, 0, UINT64_MAX, out);
}

/* The rest of a ctid mark: "PAGE ITEM FILENODE" (page already split off). */
static int
fi_dbsrc_mark_ctid(struct fi_str page, const char **text, size_t *n,
		   struct fi_dbsrc_mark *m)
{
	struct fi_str item = fi_dbsrc_mark_word(text, n);
	struct fi_str node = fi_dbsrc_mark_word(text, n);
	uint64_t p, i, f;

	if (*n != 0 || fi_num_u64(page, 0, UINT32_MAX, &p) != 0 ||
	    fi_num_u64(item, 0, UINT16_MAX, &i) != 0 ||
	    fi_num_u64(node, 0, UINT32_MAX, &f) != 0)
		return FI_EINVAL;
	m->page = (uint32_t)p;
	m->item = (uint32_t)i;
	m->filenode = (uint32_t)f;
	return 0;
}

int
fi_dbsrc_mark_parse(const char *text, size_t n, struct fi_dbsrc_mark *m)
{
	struct fi_str mode = fi_dbsrc_mark_word(&text, &n);
	struct fi_str rows = fi_dbsrc_mark_word(&text, &n);
	struct fi_str third = fi_dbsrc_mark_word(&text, &n);
	int found = -1;

	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < FI_DBSRC_MARK_MODES; i++)
		if (fi_str_eq(mode, fi_dbsrc_mark_modes[i]))
			found = (int)i;
	if (found < 0 || fi_num_u64(rows, 0, UINT64_MAX, &m->rows) != 0)
		return FI_EINVAL;
	m->mode = (enum fi_dbsrc_mark_mode)found;
	if (m->mode == FI_DBSRC_MARK_KEY) {
		struct fi_str col = fi_dbsrc_mark_word(&text, &n);

		if (fi_num_i64(third, INT64_MIN, INT64_MAX, &m->key) != 0 || col.n == 0 ||
		    col.n >= FI_IDENT_MAX || n != 0)
			return FI_EINVAL;
		memcpy(m->column, col.p, col.n);
		m->column[col.n] = '\0';
		return 0;
	}
	if (m->mode == FI_DBSRC_MARK_CTID)
		return fi_dbsrc_mark_ctid(third, &text, &n, m);
	if (n != 0 || third.n != 32 ||
	    fi_dbsrc_mark_hex64((struct fi_str){third.p, 16}, &m->digest.hi) != 0 ||
	    fi_dbsrc_mark_hex64((struct fi_str){third.p + 16, 16}, &m->digest.lo) != 0)
		return FI_EINVAL;
	return 0;
}

int
fi_dbsrc_ctid_parse(const char *s, size_t n, uint32_t *page, uint32_t *item)
{
	const char *comma = n > 2 ? memchr(s, ',', n) : NULL;
	uint64_t p, i;

	if (comma == NULL || s[0] != '(' || s[n - 1] != ')' ||
	    fi_num_u64((struct fi_str){s + 1, (size_t)(comma - s - 1)}, 0, UINT32_MAX,
		       &p) != 0 ||
	    fi_num_u64((struct fi_str){comma + 1, (size_t)(s + n - 1 - comma - 1)}, 0,
		       UINT16_MAX, &i) != 0)
		return FI_EINVAL;
	*page = (uint32_t)p;
	*item = (uint32_t)i;
	return 0;
}
