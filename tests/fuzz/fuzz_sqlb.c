/*
 * fuzz_sqlb.c: libFuzzer target for the statement builder (fcgi/fi_sqlb.h),
 * no database needed. The input is a small program of builder calls (text,
 * values, IN lists, prefixes, the count wrapper, resets) under caps taken
 * from its first bytes; after every call the text must hold exactly as many
 * `?` as there are values, earlier values must keep their place, type and
 * content, the text must stay within its cap, and an error must stop all
 * further growth. Any breach aborts. fuzz_replay.c runs tests/fuzz/sqlb/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fi_err.h"
#include "fi_sqlb.h"

#define FUZZ_VALUES_MAX 40 /* most values a program may bind (its cap) */
#define FUZZ_LIST_MAX	9  /* items of one IN list */
#define FUZZ_PIECE_MAX	300

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input, read from the front; past its end every read gives zeros. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

/* A copy of a value that does not point into the builder. */
struct fuzz_val {
	enum fi_val_type type;
	uint64_t u;
	uint8_t b[16];
	int loose; /* only the type is known (the ends of a prefix range) */
};

static uint8_t
fuzz_byte(struct fuzz_in *in)
{
	uint8_t c = 0;

	if (in->n > 0) {
		c = *in->p++;
		in->n--;
	}
	return c;
}

static void
fuzz_bytes(struct fuzz_in *in, void *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)out)[i] = fuzz_byte(in);
}

/* A NUL-terminated piece of text of the input, any bytes but NUL. */
static void
fuzz_piece(struct fuzz_in *in, char *out, size_t max)
{
	size_t len = fuzz_byte(in) + (size_t)fuzz_byte(in) % 2 * 256, i;

	if (len >= max)
		len = max - 1;
	for (i = 0; i < len && in->n > 0; i++) {
		out[i] = (char)fuzz_byte(in);
		if (out[i] == '\0')
			break;
	}
	out[i] = '\0';
}

static unsigned
fuzz_marks(const char *s)
{
	unsigned n = 0;

	for (; *s != '\0'; s++)
		n += *s == '?';
	return n;
}

static void
fuzz_copy(const struct fi_val *v, struct fuzz_val *out)
{
	memset(out, 0, sizeof(*out));
	out->type = v->type;
	if (v->type == FI_VAL_UINT)
		out->u = v->v.u;
	else if (v->type == FI_VAL_BLOB && v->v.s.n == 16)
		memcpy(out->b, v->v.s.p, 16);
	else
		abort(); /* the builder binds only integers and addresses */
}

static int
fuzz_same(const struct fi_val *v, const struct fuzz_val *w)
{
	if (v->type != w->type)
		return 0;
	if (v->type == FI_VAL_UINT)
		return v->v.u == w->u;
	return v->v.s.n == 16 && memcmp(v->v.s.p, w->b, 16) == 0;
}

/* Runs one call; returns the values it should bind at most (0 for text). */
static unsigned
fuzz_call(struct fi_sqlb *b, struct fuzz_in *in, unsigned op, struct fuzz_val *want)
{
	static const char *const pieces[] = {"SELECT ",	    "a",   ", ", "?",
					     " WHERE x = ", "b?c", "",	 ")"};
	static const char *const exprs[] = {"src", "dst", "IF(a, b, c)"};
	char piece[FUZZ_PIECE_MAX];
	struct fi_prefix pfx[FUZZ_LIST_MAX];
	uint16_t ports[FUZZ_LIST_MAX];
	struct fi_addr a;
	unsigned n, want_n = 0;
	uint64_t u;

	switch (op % 9) {
	case 0:
		fi_sqlb_add(b, pieces[fuzz_byte(in) % 8]);
		return 0;
	case 1:
		fuzz_piece(in, piece, sizeof(piece));
		fi_sqlb_add(b, piece);
		return 0;
	case 2:
		fuzz_piece(in, piece, sizeof(piece));
		fi_sqlb_addf(b, "%s", piece);
		return 0;
	case 3:
		fuzz_bytes(in, &u, sizeof(u));
		fi_sqlb_u64(b, u);
		want[0] = (struct fuzz_val){.type = FI_VAL_UINT, .u = u};
		return 1;
	case 4:
		fuzz_bytes(in, a.b, 16);
		fi_sqlb_addr(b, &a);
		want[0] = (struct fuzz_val){.type = FI_VAL_BLOB};
		memcpy(want[0].b, a.b, 16);
		return 1;
	case 5:
		n = 1 + fuzz_byte(in) % FUZZ_LIST_MAX;
		for (unsigned i = 0; i < n; i++) {
			fuzz_bytes(in, &ports[i], sizeof(ports[i]));
			want[i] = (struct fuzz_val){.type = FI_VAL_UINT, .u = ports[i]};
		}
		fi_sqlb_in_ports(b, exprs[op / 9 % 3], (op / 27) & 1, ports, n);
		return n;
	case 6:
		n = 1 + fuzz_byte(in) % FUZZ_LIST_MAX;
		for (unsigned i = 0; i < n; i++) {
			pfx[i].len = fuzz_byte(in) % 129;
			fuzz_bytes(in, pfx[i].addr.b, 16);
			want_n +=
			    pfx[i].len == 128 ? 2 : 4; /* per expression, two here */
		}
		fi_sqlb_in_prefixes(b, exprs, 2, pfx, n);
		/* only the count and the types are checked for prefixes */
		for (unsigned i = 0; i < want_n; i++)
			want[i] = (struct fuzz_val){.type = FI_VAL_BLOB, .loose = 1};
		return want_n;
	case 7:
		fi_sqlb_wrap(b, pieces[fuzz_byte(in) % 8], pieces[fuzz_byte(in) % 8]);
		return 0;
	default:
		fi_sqlb_reset(b);
		return 0;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct fuzz_val shadow[FUZZ_VALUES_MAX], want[FUZZ_LIST_MAX * 4];
	size_t text_max = 1 + fuzz_byte(&in) * 8u;
	unsigned cap = fuzz_byte(&in) % FUZZ_VALUES_MAX;
	struct fi_sqlb b;

	if (fi_sqlb_init(&b, text_max, cap) != 0)
		abort();
	for (unsigned steps = 0; in.n > 0 && steps < 256; steps++) {
		unsigned op = fuzz_byte(&in), before = fi_sqlb_nparams(&b), after, nwant;
		size_t len = strlen(fi_sqlb_text(&b));
		int err = fi_sqlb_error(&b);

		nwant = fuzz_call(&b, &in, op, want);
		after = fi_sqlb_nparams(&b);
		if (op % 9 == 8) {
			if (after != 0 || fi_sqlb_error(&b) != 0 || fi_sqlb_text(&b)[0])
				abort(); /* a reset empties everything */
			continue;
		}
		if (fuzz_marks(fi_sqlb_text(&b)) != after || after > cap ||
		    strlen(fi_sqlb_text(&b)) > text_max)
			abort();
		if (err != 0 && (fi_sqlb_error(&b) != err || after != before ||
				 strlen(fi_sqlb_text(&b)) != len))
			abort(); /* the first error stops all growth */
		if (after < before || after - before > nwant ||
		    (after - before < nwant && fi_sqlb_error(&b) == 0))
			abort(); /* a missing value is always an error */
		for (unsigned i = 0; i < before; i++)
			if (!fuzz_same(&fi_sqlb_params(&b)[i], &shadow[i]))
				abort(); /* earlier values keep place and content */
		for (unsigned i = before; i < after; i++) {
			fuzz_copy(&fi_sqlb_params(&b)[i], &shadow[i]);
			if (shadow[i].type != want[i - before].type ||
			    (!want[i - before].loose &&
			     !fuzz_same(&fi_sqlb_params(&b)[i], &want[i - before])))
				abort(); /* new values in call order, as given */
		}
	}
	fi_sqlb_fini(&b);
	return 0;
}
