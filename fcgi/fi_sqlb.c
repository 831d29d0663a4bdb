/*
 * fi_sqlb.c: the statement builder (fi_sqlb.h). Text and bound values are
 * appended together, each append all or nothing, so the number of `?` in
 * the text equals the number of values even after a cap was hit.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fi_err.h"
#include "fi_sqlb.h"

#define FI_SQLB_FORMAT_MAX 256 /* bytes of one fi_sqlb_addf piece, with NUL */

/* Records the first error; later ones are consequences of it. */
static void
fi_sqlb_fail(struct fi_sqlb *b, int code)
{
	if (b->err == 0)
		b->err = code;
}

int
fi_sqlb_init(struct fi_sqlb *b, size_t text_max, unsigned params_max)
{
	memset(b, 0, sizeof(*b));
	fi_buf_init(&b->sql, text_max);
	b->cap = params_max;
	b->params = calloc(params_max ? params_max : 1, sizeof(*b->params));
	b->addrs = calloc(params_max ? params_max : 1, sizeof(*b->addrs));
	if (b->params == NULL || b->addrs == NULL)
		return FI_ENOMEM;
	return 0;
}

void
fi_sqlb_fini(struct fi_sqlb *b)
{
	fi_buf_fini(&b->sql);
	free(b->params);
	free(b->addrs);
	b->params = NULL;
	b->addrs = NULL;
	b->n = b->naddrs = b->cap = 0;
}

void
fi_sqlb_reset(struct fi_sqlb *b)
{
	fi_buf_reset(&b->sql);
	b->n = b->naddrs = 0;
	b->err = 0;
}

/* Appends text that was checked to hold no `?`. */
static void
fi_sqlb_text_append(struct fi_sqlb *b, const char *text)
{
	int rc;

	if (b->err != 0)
		return;
	rc = fi_buf_puts(&b->sql, text);
	if (rc != 0)
		fi_sqlb_fail(b, rc == FI_ENOMEM ? FI_ENOMEM : FI_ETOOBIG);
}

void
fi_sqlb_add(struct fi_sqlb *b, const char *text)
{
	if (strchr(text, '?') != NULL) {
		fi_sqlb_fail(b, FI_EINTERNAL); /* a placeholder without its value */
		return;
	}
	fi_sqlb_text_append(b, text);
}

void
fi_sqlb_addf(struct fi_sqlb *b, const char *fmt, ...)
{
	char tmp[FI_SQLB_FORMAT_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		fi_sqlb_fail(b, FI_EINTERNAL);
	else
		fi_sqlb_add(b, tmp);
}

/*
 * Appends `?` and returns the slot of its value, or NULL (error set) when
 * either cap is reached: then neither the `?` nor a value was added.
 */
static struct fi_val *
fi_sqlb_param(struct fi_sqlb *b)
{
	int rc;

	if (b->err != 0)
		return NULL;
	if (b->n >= b->cap) {
		fi_sqlb_fail(b, FI_ETOOBIG);
		return NULL;
	}
	rc = fi_buf_puts(&b->sql, "?");
	if (rc != 0) {
		fi_sqlb_fail(b, rc == FI_ENOMEM ? FI_ENOMEM : FI_ETOOBIG);
		return NULL;
	}
	return &b->params[b->n++];
}

void
fi_sqlb_u64(struct fi_sqlb *b, uint64_t v)
{
	struct fi_val *p = fi_sqlb_param(b);

	if (p != NULL)
		*p = FI_VAL_U(v);
}

void
fi_sqlb_addr(struct fi_sqlb *b, const struct fi_addr *a)
{
	struct fi_addr *slot;
	struct fi_val *p;

	if (b->err == 0 && b->naddrs >= b->cap) {
		fi_sqlb_fail(b, FI_ETOOBIG);
		return;
	}
	p = fi_sqlb_param(b);
	if (p == NULL)
		return;
	slot = &b->addrs[b->naddrs++];
	*slot = *a;
	*p = FI_VAL_B(slot->b, 16);
}

void
fi_sqlb_in_ports(struct fi_sqlb *b, const char *expr, int negate, const uint16_t *ports,
		 unsigned n)
{
	fi_sqlb_add(b, expr);
	fi_sqlb_add(b, negate ? " NOT IN (" : " IN (");
	for (unsigned i = 0; i < n; i++) {
		if (i > 0)
			fi_sqlb_add(b, ", ");
		fi_sqlb_u64(b, ports[i]);
	}
	fi_sqlb_add(b, ")");
}

void
fi_sqlb_in_prefixes(struct fi_sqlb *b, const char *const *exprs, unsigned nexpr,
		    const struct fi_prefix *p, unsigned n)
{
	unsigned singles = 0, terms = 0;

	for (unsigned i = 0; i < n; i++)
		singles += p[i].len == 128;
	fi_sqlb_add(b, "(");
	for (unsigned e = 0; e < nexpr && singles > 0; e++) {
		unsigned k = 0;

		fi_sqlb_add(b, terms++ ? " OR " : "");
		fi_sqlb_add(b, exprs[e]);
		fi_sqlb_add(b, " IN (");
		for (unsigned i = 0; i < n; i++)
			if (p[i].len == 128) {
				fi_sqlb_add(b, k++ ? ", " : "");
				fi_sqlb_addr(b, &p[i].addr);
			}
		fi_sqlb_add(b, ")");
	}
	for (unsigned i = 0; i < n; i++) {
		struct fi_addr lo, hi;

		if (p[i].len == 128)
			continue;
		fi_prefix_range(&p[i], &lo, &hi);
		for (unsigned e = 0; e < nexpr; e++) {
			fi_sqlb_add(b, terms++ ? " OR " : "");
			fi_sqlb_add(b, exprs[e]);
			fi_sqlb_add(b, " BETWEEN ");
			fi_sqlb_addr(b, &lo);
			fi_sqlb_add(b, " AND ");
			fi_sqlb_addr(b, &hi);
		}
	}
	fi_sqlb_add(b, ")");
}

void
fi_sqlb_wrap(struct fi_sqlb *b, const char *open, const char *close)
{
	struct fi_buf inner = b->sql;
	int rc;

	if (b->err != 0)
		return;
	if (strchr(open, '?') != NULL || strchr(close, '?') != NULL) {
		fi_sqlb_fail(b, FI_EINTERNAL);
		return;
	}
	/* move the text aside and write the wrapper around it */
	fi_buf_init(&b->sql, inner.max);
	rc = fi_buf_puts(&b->sql, open);
	if (rc == 0)
		rc = fi_buf_append(&b->sql, inner.data, inner.len);
	if (rc == 0)
		rc = fi_buf_puts(&b->sql, close);
	if (rc != 0) {
		/* keep the old text: its `?` still match the values */
		fi_buf_fini(&b->sql);
		b->sql = inner;
		fi_sqlb_fail(b, rc == FI_ENOMEM ? FI_ENOMEM : FI_ETOOBIG);
		return;
	}
	fi_buf_fini(&inner);
}

const char *
fi_sqlb_text(const struct fi_sqlb *b)
{
	return b->sql.data != NULL ? b->sql.data : "";
}

const struct fi_val *
fi_sqlb_params(const struct fi_sqlb *b)
{
	return b->params;
}

unsigned
fi_sqlb_nparams(const struct fi_sqlb *b)
{
	return b->n;
}

int
fi_sqlb_error(const struct fi_sqlb *b)
{
	return b->err;
}
