/*
 * fi_jsonw.c: the JSON writer: separators are tracked per nesting level,
 * numbers are formatted without locale, strings escaped per RFC 8259.
 */
#include <stdint.h>
#include <string.h>

#include "fi_err.h"
#include "fi_jsonw.h"

void
fi_jsonw_init(struct fi_jsonw *w, struct fi_buf *b)
{
	memset(w, 0, sizeof(*w));
	w->b = b;
	w->first[0] = 1;
}

static void
fi_jsonw_put(struct fi_jsonw *w, const char *p, size_t n)
{
	int rc;

	if (w->err)
		return;
	rc = fi_buf_add(w->b, p, n);
	if (rc != 0)
		w->err = rc;
}

/* Writes the separator a new value needs at the current level. */
static void
fi_jsonw_sep(struct fi_jsonw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (!w->first[w->depth])
		fi_jsonw_put(w, ",", 1);
	w->first[w->depth] = 0;
}

static void
fi_jsonw_open(struct fi_jsonw *w, char c)
{
	fi_jsonw_sep(w);
	if (w->depth + 1 >= FI_JSONW_DEPTH) {
		w->err = w->err ? w->err : FI_EINTERNAL;
		return;
	}
	fi_jsonw_put(w, &c, 1);
	w->first[++w->depth] = 1;
	w->array[w->depth] = c == '[';
}

static void
fi_jsonw_close(struct fi_jsonw *w, char c)
{
	if (w->depth == 0 || w->after_key || w->array[w->depth] != (c == ']')) {
		w->err = w->err ? w->err : FI_EINTERNAL;
		return;
	}
	w->depth--;
	fi_jsonw_put(w, &c, 1);
}

void
fi_jsonw_obj_begin(struct fi_jsonw *w)
{
	fi_jsonw_open(w, '{');
}

void
fi_jsonw_obj_end(struct fi_jsonw *w)
{
	fi_jsonw_close(w, '}');
}

void
fi_jsonw_arr_begin(struct fi_jsonw *w)
{
	fi_jsonw_open(w, '[');
}

void
fi_jsonw_arr_end(struct fi_jsonw *w)
{
	fi_jsonw_close(w, ']');
}

/* Writes s as a quoted, escaped JSON string. */
static void
fi_jsonw_quoted(struct fi_jsonw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	fi_jsonw_put(w, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6];
		size_t en = 2;

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\')
			continue;
		fi_jsonw_put(w, s + run, i - run);
		run = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"':
			esc[1] = '"';
			break;
		case '\\':
			esc[1] = '\\';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\t':
			esc[1] = 't';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			en = 6;
			break;
		}
		fi_jsonw_put(w, esc, en);
	}
	fi_jsonw_put(w, s + run, n - run);
	fi_jsonw_put(w, "\"", 1);
}

void
fi_jsonw_key(struct fi_jsonw *w, const char *key)
{
	char text[64];
	size_t n = 0;

	if (w->depth == 0 || w->after_key || w->array[w->depth]) {
		w->err = w->err ? w->err : FI_EINTERNAL;
		return;
	}
	fi_jsonw_sep(w);
	/* a short key with nothing to escape (all of ours) in one piece */
	text[n++] = '"';
	for (; key[n - 1] != '\0' && n < sizeof(text) - 2; n++) {
		unsigned char c = (unsigned char)key[n - 1];

		if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
			break;
		text[n] = (char)c;
	}
	if (key[n - 1] == '\0') {
		text[n++] = '"';
		text[n++] = ':';
		fi_jsonw_put(w, text, n);
	} else {
		fi_jsonw_quoted(w, key, strlen(key));
		fi_jsonw_put(w, ":", 1);
	}
	w->after_key = 1;
}

void
fi_jsonw_members(struct fi_jsonw *w, const char *text, size_t n)
{
	if (w->depth == 0 || w->after_key || w->array[w->depth]) {
		w->err = w->err ? w->err : FI_EINTERNAL;
		return;
	}
	fi_jsonw_sep(w);
	fi_jsonw_put(w, text, n);
}

void
fi_jsonw_str(struct fi_jsonw *w, const char *s, size_t n)
{
	fi_jsonw_sep(w);
	fi_jsonw_quoted(w, s, n);
}

void
fi_jsonw_cstr(struct fi_jsonw *w, const char *s)
{
	fi_jsonw_str(w, s, strlen(s));
}

/* Writes the decimal digits of v (a magnitude) with an optional sign. */
static void
fi_jsonw_digits(struct fi_jsonw *w, unsigned __int128 v, int neg)
{
	char buf[48];
	size_t i = sizeof(buf);

	/* 64 bits at a time: a division of __int128 is a libgcc call */
	while (v > UINT64_MAX) {
		uint64_t low = (uint64_t)(v % 10000000000000000000ULL);

		v /= 10000000000000000000ULL;
		for (int k = 0; k < 19; k++, low /= 10)
			buf[--i] = (char)('0' + (int)(low % 10));
	}
	for (uint64_t u = (uint64_t)v;; u /= 10) {
		buf[--i] = (char)('0' + (int)(u % 10));
		if (u < 10)
			break;
	}
	if (neg)
		buf[--i] = '-';
	fi_jsonw_sep(w);
	fi_jsonw_put(w, buf + i, sizeof(buf) - i);
}

void
fi_jsonw_int(struct fi_jsonw *w, int64_t v)
{
	fi_jsonw_i128(w, v);
}

void
fi_jsonw_uint(struct fi_jsonw *w, uint64_t v)
{
	fi_jsonw_digits(w, v, 0);
}

void
fi_jsonw_i128(struct fi_jsonw *w, __int128 v)
{
	if (v < 0)
		fi_jsonw_digits(w, -(unsigned __int128)v, 1);
	else
		fi_jsonw_digits(w, (unsigned __int128)v, 0);
}

void
fi_jsonw_null(struct fi_jsonw *w)
{
	fi_jsonw_sep(w);
	fi_jsonw_put(w, "null", 4);
}

void
fi_jsonw_bool(struct fi_jsonw *w, int v)
{
	fi_jsonw_sep(w);
	if (v)
		fi_jsonw_put(w, "true", 4);
	else
		fi_jsonw_put(w, "false", 5);
}

int
fi_jsonw_error(const struct fi_jsonw *w)
{
	if (w->err)
		return w->err;
	return w->depth != 0 || w->after_key ? FI_EINTERNAL : 0;
}
