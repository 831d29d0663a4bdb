/*
 * fi_zeek.c: Zeek conn.log lines as flows (fi_zeek.h). Times are read as
 * decimals into seconds and nanoseconds, never through a double, so that
 * end = floor(ts + duration) is exact. JSON lines are scanned for the
 * fields a flow needs (a flat object, as the ASCII writer's use_json
 * writes it); other values, nested ones included, are skipped unread.
 */
#include <stdio.h>
#include <string.h>

#include "fi_addr.h"
#include "fi_ftime.h"
#include "fi_num.h"
#include "fi_zeek.h"

#define FI_ZEEK_VAL_MAX 64 /* an unescaped value we read (an IPv6 text fits) */

static const char *const fi_zeek_names[FI_ZF_N] = {
    "ts",	 "id.orig_h",	  "id.orig_p", "id.resp_h",	"id.resp_p", "proto",
    "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes", "duration",  "ip_proto",
};

/* One record's values of the fields in fi_zeek_names (unset: p == NULL). */
struct fi_zeek_rec {
	struct fi_str v[FI_ZF_N];
	int quoted[FI_ZF_N]; /* a JSON string (ts in ISO 8601) */
	char tmp[FI_ZF_N][FI_ZEEK_VAL_MAX];
};

void
fi_zeek_init(struct fi_zeek *z, int64_t max_duration)
{
	memset(z, 0, sizeof(*z));
	snprintf(z->sep, sizeof(z->sep), "\t");
	snprintf(z->unset, sizeof(z->unset), "-");
	snprintf(z->empty, sizeof(z->empty), "(empty)");
	for (int i = 0; i < FI_ZF_N; i++)
		z->col[i] = -1;
	z->max_duration = max_duration;
}

/*
 * The ASCII writer's escapes (\xNN) undone into out (size bytes, NUL
 * added). Returns the length, or -1 when it does not fit or an escape is
 * cut short.
 */
static long
fi_zeek_unescape(struct fi_str s, char *out, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];

		if (c == '\\' && i + 3 < s.n && s.p[i + 1] == 'x') {
			int h = fi_num_hex_digit(s.p[i + 2]),
			    l = fi_num_hex_digit(s.p[i + 3]);

			if (h < 0 || l < 0)
				return -1;
			c = (char)(h << 4 | l);
			i += 3;
		} else if (c == '\\' && i + 1 < s.n && s.p[i + 1] == 'x') {
			return -1;
		}
		if (n + 1 >= size)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return (long)n;
}

/* Splits off the next field of s at sep (s is what follows). */
static struct fi_str
fi_zeek_field(struct fi_str *s, const char *sep, size_t seplen, int *last)
{
	struct fi_str f = *s;
	const char *hit = NULL;

	if (seplen == 1)
		hit = memchr(s->p, sep[0], s->n);
	else
		for (size_t i = 0; i + seplen <= s->n && hit == NULL; i++)
			if (memcmp(s->p + i, sep, seplen) == 0)
				hit = s->p + i;
	if (hit == NULL) {
		*last = 1;
		s->p += s->n;
		s->n = 0;
		return f;
	}
	*last = 0;
	f.n = (size_t)(hit - s->p);
	s->n -= f.n + seplen;
	s->p = hit + seplen;
	return f;
}

/* #fields: which column holds each field; FI_ECONFIG if one a flow needs is missing. */
static int
fi_zeek_fields(struct fi_zeek *z, struct fi_str rest, struct fi_err *err)
{
	size_t seplen = strlen(z->sep);
	unsigned k = 0;
	int last = rest.n == 0;

	for (int i = 0; i < FI_ZF_N; i++)
		z->col[i] = -1;
	while (!last) {
		struct fi_str f = fi_zeek_field(&rest, z->sep, seplen, &last);

		for (int i = 0; i < FI_ZF_N; i++) {
			if (!fi_str_eq(f, fi_zeek_names[i]))
				continue;
			if (z->col[i] >= 0) {
				z->nfields = 0;
				return fi_err_set(err, FI_ECONFIG,
						  "its #fields names %s twice",
						  fi_zeek_names[i]);
			}
			z->col[i] = (int)k;
		}
		k++;
	}
	z->nfields = k;
	for (int i = 0; i < FI_ZF_REQUIRED; i++)
		if (z->col[i] < 0) {
			z->nfields = 0;
			return fi_err_set(err, FI_ECONFIG,
					  "its #fields has no %s column: not a conn.log "
					  "this importer can read",
					  fi_zeek_names[i]);
		}
	return 0;
}

/* A '#' line: the header directives that change how records read. */
static int
fi_zeek_directive(struct fi_zeek *z, struct fi_str line, struct fi_err *err)
{
	static const char sep_head[] = "#separator ";
	size_t seplen = strlen(z->sep);
	struct fi_str rest = line, name;
	int last;
	char *dst = NULL;
	size_t size = 0;

	if (line.n >= sizeof(sep_head) - 1 &&
	    memcmp(line.p, sep_head, sizeof(sep_head) - 1) == 0) {
		struct fi_str v = {line.p + sizeof(sep_head) - 1,
				   line.n - (sizeof(sep_head) - 1)};

		if (fi_zeek_unescape(v, z->sep, sizeof(z->sep)) <= 0) {
			snprintf(z->sep, sizeof(z->sep), "\t");
			return fi_err_set(err, FI_ECONFIG, "a #separator it cannot use");
		}
		return 0;
	}
	name = fi_zeek_field(&rest, z->sep, seplen, &last);
	if (fi_str_eq(name, "#fields"))
		return fi_zeek_fields(z, last ? (struct fi_str){"", 0} : rest, err);
	if (fi_str_eq(name, "#unset_field")) {
		dst = z->unset;
		size = sizeof(z->unset);
	} else if (fi_str_eq(name, "#empty_field")) {
		dst = z->empty;
		size = sizeof(z->empty);
	}
	if (dst != NULL && (last || fi_zeek_unescape(rest, dst, size) < 0))
		return fi_err_set(err, FI_ECONFIG, "a %.*s it cannot use", (int)name.n,
				  name.p);
	return 0; /* #set_separator, #path, #open, #types, #close, others */
}

/* A TSV record's values. */
static int
fi_zeek_tsv(const struct fi_zeek *z, struct fi_str line, struct fi_zeek_rec *r,
	    struct fi_err *err)
{
	size_t seplen = strlen(z->sep);
	unsigned k = 0;
	int last = 0;

	if (z->nfields == 0)
		return fi_err_set(err, FI_EINVAL, "a record before the #fields line");
	while (!last) {
		struct fi_str f = fi_zeek_field(&line, z->sep, seplen, &last);

		for (int i = 0; i < FI_ZF_N; i++) {
			if (z->col[i] != (int)k)
				continue;
			if (fi_str_eq(f, z->unset) || fi_str_eq(f, z->empty)) {
				r->v[i] = (struct fi_str){NULL, 0};
			} else if (memchr(f.p, '\\', f.n) != NULL) {
				long n =
				    fi_zeek_unescape(f, r->tmp[i], sizeof(r->tmp[i]));

				if (n < 0)
					return fi_err_set(err, FI_EINVAL,
							  "%s: a value it cannot read",
							  fi_zeek_names[i]);
				r->v[i] = (struct fi_str){r->tmp[i], (size_t)n};
			} else {
				r->v[i] = f;
			}
		}
		k++;
	}
	if (k != z->nfields)
		return fi_err_set(err, FI_EINVAL, "%u fields where #fields names %u", k,
				  z->nfields);
	return 0;
}

/* ---- JSON lines ---- */

static const char *
fi_zeek_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* A string at p (on its '"'): its raw inside in *s; returns past it or NULL. */
static const char *
fi_zeek_jstr(const char *p, const char *e, struct fi_str *s, int *escaped)
{
	const char *q = ++p;

	*escaped = 0;
	while (q < e && *q != '"') {
		if (*q == '\\') {
			*escaped = 1;
			q++;
		}
		q++;
	}
	if (q >= e)
		return NULL;
	*s = (struct fi_str){p, (size_t)(q - p)};
	return q + 1;
}

/* Skips one value (nesting up to a sane depth); returns past it or NULL. */
static const char *
fi_zeek_jskip(const char *p, const char *e, int depth)
{
	struct fi_str s;
	int esc;

	p = fi_zeek_ws(p, e);
	if (p >= e || depth > 32)
		return NULL;
	if (*p == '"')
		return fi_zeek_jstr(p, e, &s, &esc);
	if (*p == '[' || *p == '{') {
		char close = *p == '[' ? ']' : '}';

		p = fi_zeek_ws(p + 1, e);
		if (p < e && *p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				p = fi_zeek_ws(p, e);
				if (p >= e || *p != '"' ||
				    (p = fi_zeek_jstr(p, e, &s, &esc)) == NULL)
					return NULL;
				p = fi_zeek_ws(p, e);
				if (p >= e || *p != ':')
					return NULL;
				p++;
			}
			p = fi_zeek_jskip(p, e, depth + 1);
			if (p == NULL)
				return NULL;
			p = fi_zeek_ws(p, e);
			if (p < e && *p == ',') {
				p++;
				continue;
			}
			return p < e && *p == close ? p + 1 : NULL;
		}
	}
	while (p < e && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\t' &&
	       *p != '\r')
		p++;
	return p;
}

/* A JSON string's escapes undone (ASCII \u only); -1 if it cannot be. */
static long
fi_zeek_junescape(struct fi_str s, char *out, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];

		if (c == '\\') {
			if (++i >= s.n)
				return -1;
			switch (s.p[i]) {
			case '"':
			case '\\':
			case '/':
				c = s.p[i];
				break;
			case 'u': {
				unsigned u = 0;

				if (i + 4 >= s.n)
					return -1;
				for (size_t k = 1; k <= 4; k++) {
					int h = fi_num_hex_digit(s.p[i + k]);

					if (h < 0)
						return -1;
					u = u << 4 | (unsigned)h;
				}
				if (u == 0 || u > 0x7f)
					return -1;
				c = (char)u;
				i += 4;
				break;
			}
			default:
				return -1; /* \b \f \n \r \t: never in a value we read */
			}
		}
		if (n + 1 >= size)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return (long)n;
}

/* A JSON object's values of the fields a flow needs. */
static int
fi_zeek_json(struct fi_str line, struct fi_zeek_rec *r, struct fi_err *err)
{
	const char *p = line.p, *e = line.p + line.n;

	p = fi_zeek_ws(p + 1, e); /* past '{' */
	if (p < e && *p == '}')
		p++;
	else
		for (;;) {
			struct fi_str key, val;
			int esc, i;
			const char *v;

			if (p >= e || *p != '"' ||
			    (p = fi_zeek_jstr(p, e, &key, &esc)) == NULL)
				return fi_err_set(err, FI_EINVAL, "not a JSON object");
			p = fi_zeek_ws(p, e);
			if (p >= e || *p != ':')
				return fi_err_set(err, FI_EINVAL, "not a JSON object");
			v = fi_zeek_ws(p + 1, e);
			p = fi_zeek_jskip(v, e, 0);
			if (p == NULL)
				return fi_err_set(err, FI_EINVAL, "not a JSON object");
			for (i = 0; i < FI_ZF_N && !fi_str_eq(key, fi_zeek_names[i]); i++)
				;
			if (i < FI_ZF_N) {
				r->quoted[i] = *v == '"';
				if (*v == '"') {
					long n;

					fi_zeek_jstr(v, e, &val, &esc);
					n = esc ? fi_zeek_junescape(val, r->tmp[i],
								    sizeof(r->tmp[i]))
						: (long)val.n;
					if (n < 0)
						return fi_err_set(
						    err, FI_EINVAL,
						    "%s: a value it cannot read",
						    fi_zeek_names[i]);
					r->v[i] =
					    esc ? (struct fi_str){r->tmp[i], (size_t)n}
						: val;
				} else if (*v == '[' || *v == '{') {
					return fi_err_set(err, FI_EINVAL,
							  "%s: not a single value",
							  fi_zeek_names[i]);
				} else {
					val = (struct fi_str){v, (size_t)(p - v)};
					r->v[i] = fi_str_eq(val, "null")
						      ? (struct fi_str){NULL, 0}
						      : val;
				}
			}
			p = fi_zeek_ws(p, e);
			if (p < e && *p == ',') {
				p = fi_zeek_ws(p + 1, e);
				continue;
			}
			if (p < e && *p == '}') {
				p++;
				break;
			}
			return fi_err_set(err, FI_EINVAL, "not a JSON object");
		}
	if (fi_zeek_ws(p, e) != e)
		return fi_err_set(err, FI_EINVAL, "text after the JSON object");
	return 0;
}

/* ---- values ---- */

static int
fi_zeek_bad(struct fi_err *err, enum fi_zeek_field f, struct fi_str v, const char *what)
{
	return fi_err_set(err, FI_EINVAL, "%s %.*s: %s", fi_zeek_names[f],
			  (int)(v.n > 48 ? 48 : v.n), v.p ? v.p : "", what);
}

static int
fi_zeek_count(const struct fi_zeek_rec *r, enum fi_zeek_field f, uint64_t max,
	      uint64_t *out, struct fi_err *err)
{
	*out = 0;
	if (r->v[f].p == NULL)
		return 0; /* unset: none */
	if (fi_num_u64(r->v[f], 0, max, out) != 0)
		return fi_zeek_bad(err, f, r->v[f], "not a count");
	return 0;
}

/*
 * The ICMP type Zeek pairs with type t as request and reply (it logs that
 * pair as the connection's orig_p and resp_p), or -1 for a one-way type
 * (it logs the message's code as resp_p). Zeek's own tables: ICMP4 and
 * ICMP6_counterpart in its ICMP analyzer.
 */
static int
fi_zeek_counterpart(uint8_t proto, int t)
{
	static const int v4[][2] = {{8, 0}, {13, 14}, {15, 16}, {10, 9}, {17, 18}};
	static const int v6[][2] = {{128, 129}, {133, 134}, {135, 136},
				    {130, 131}, {139, 140}, {144, 145}};
	const int(*p)[2] = proto == 1 ? v4 : v6;
	size_t n = proto == 1 ? sizeof(v4) / sizeof(v4[0]) : sizeof(v6) / sizeof(v6[0]);

	for (size_t i = 0; i < n; i++) {
		if (p[i][0] == t)
			return p[i][1];
		if (p[i][1] == t)
			return p[i][0];
	}
	return -1;
}

/* The protocol number: ip_proto, else the proto name (icmp by family). */
static int
fi_zeek_proto(const struct fi_zeek_rec *r, int v6, uint8_t *out, struct fi_err *err)
{
	struct fi_str p = r->v[FI_ZF_PROTO];
	uint64_t n;

	if (r->v[FI_ZF_IP_PROTO].p != NULL) {
		if (fi_num_u64(r->v[FI_ZF_IP_PROTO], 0, 255, &n) != 0)
			return fi_zeek_bad(err, FI_ZF_IP_PROTO, r->v[FI_ZF_IP_PROTO],
					   "not a protocol number");
		*out = (uint8_t)n;
		return 0;
	}
	if (p.p == NULL)
		return fi_err_set(err, FI_EINVAL, "proto: unset");
	if (fi_str_eq(p, "tcp"))
		*out = 6;
	else if (fi_str_eq(p, "udp"))
		*out = 17;
	else if (fi_str_eq(p, "icmp"))
		*out = v6 ? 58 : 1;
	else
		*out = 0; /* unknown_transport without ip_proto */
	return 0;
}

/* The record's first and last second into f. */
static int
fi_zeek_times(const struct fi_zeek *z, const struct fi_zeek_rec *r, struct fi_flow *f,
	      struct fi_err *err)
{
	int64_t ts, tns, ds = 0, dns = 0;
	int rc =
	    r->quoted[FI_ZF_TS] && memchr(r->v[FI_ZF_TS].p, '-', r->v[FI_ZF_TS].n) != NULL
		? fi_ftime_iso8601(r->v[FI_ZF_TS], &ts, &tns)
		: fi_ftime_decimal(r->v[FI_ZF_TS], &ts, &tns);

	if (rc != 0)
		return fi_zeek_bad(err, FI_ZF_TS, r->v[FI_ZF_TS], "not a time");
	if (r->v[FI_ZF_DURATION].p != NULL &&
	    fi_ftime_decimal(r->v[FI_ZF_DURATION], &ds, &dns) != 0)
		return fi_zeek_bad(err, FI_ZF_DURATION, r->v[FI_ZF_DURATION],
				   "not a duration of 0 or more seconds");
	f->first = ts;
	f->last = ts + ds + (tns + dns) / 1000000000;
	if (f->last > UINT32_MAX)
		return fi_zeek_bad(err, FI_ZF_TS, r->v[FI_ZF_TS], "past the year 2106");
	if (f->last - f->first + 1 > z->max_duration)
		return fi_err_set(err, FI_EINVAL,
				  "the connection lasts %lld s, longer than "
				  "max_flow_duration",
				  (long long)(f->last - f->first + 1));
	return 0;
}

/*
 * The ports of f (its proto set) from orig_p and resp_p, and in *rdport the
 * destination port of the resp -> orig flow of an ICMP connection.
 */
static int
fi_zeek_ports(struct fi_flow *f, uint64_t orig_p, uint64_t resp_p, uint16_t *rdport,
	      struct fi_err *err)
{
	if (f->proto != 1 && f->proto != 58) {
		f->sport = (uint16_t)orig_p;
		f->dport = (uint16_t)resp_p;
		return 0;
	}
	if (orig_p > 255 || resp_p > 255)
		return fi_err_set(err, FI_EINVAL, "ICMP type %llu or code %llu above 255",
				  (unsigned long long)orig_p, (unsigned long long)resp_p);
	f->sport = 0;
	if (fi_zeek_counterpart(f->proto, (int)orig_p) == (int)resp_p) {
		/* a request and its reply: each direction its own type, code 0 */
		f->dport = (uint16_t)(orig_p << 8);
		*rdport = (uint16_t)(resp_p << 8);
	} else {
		/* one-way: resp_p is the message's code */
		f->dport = *rdport = (uint16_t)(orig_p << 8 | resp_p);
	}
	return 0;
}

/* A record's values as its flows. */
static int
fi_zeek_flows(const struct fi_zeek *z, const struct fi_zeek_rec *r, struct fi_flow out[2],
	      unsigned *n, struct fi_err *err)
{
	struct fi_flow *f = &out[0];
	uint64_t orig_p, resp_p, rpk, rby;
	uint16_t rdport = 0;
	int rc;

	for (int i = 0; i < FI_ZF_PROTO; i++)
		if (r->v[i].p == NULL)
			return fi_err_set(err, FI_EINVAL, "%s: unset", fi_zeek_names[i]);
	memset(f, 0, sizeof(*f));
	rc = fi_zeek_times(z, r, f, err);
	if (rc != 0)
		return rc;
	if (fi_addr_parse(r->v[FI_ZF_ORIG_H], 0, &f->src) != 0)
		return fi_zeek_bad(err, FI_ZF_ORIG_H, r->v[FI_ZF_ORIG_H],
				   "not an IP address");
	if (fi_addr_parse(r->v[FI_ZF_RESP_H], 0, &f->dst) != 0)
		return fi_zeek_bad(err, FI_ZF_RESP_H, r->v[FI_ZF_RESP_H],
				   "not an IP address");
	if (fi_addr_is_v4(&f->src) != fi_addr_is_v4(&f->dst))
		return fi_err_set(err, FI_EINVAL, "an IPv4 and an IPv6 address");
	if (fi_num_u64(r->v[FI_ZF_ORIG_P], 0, 65535, &orig_p) != 0)
		return fi_zeek_bad(err, FI_ZF_ORIG_P, r->v[FI_ZF_ORIG_P], "not a port");
	if (fi_num_u64(r->v[FI_ZF_RESP_P], 0, 65535, &resp_p) != 0)
		return fi_zeek_bad(err, FI_ZF_RESP_P, r->v[FI_ZF_RESP_P], "not a port");
	rc = fi_zeek_proto(r, !fi_addr_is_v4(&f->src), &f->proto, err);
	if (rc == 0)
		rc = fi_zeek_ports(f, orig_p, resp_p, &rdport, err);
	if (rc == 0)
		rc = fi_zeek_count(r, FI_ZF_ORIG_PKTS, INT64_MAX, &f->packets, err);
	if (rc == 0)
		rc = fi_zeek_count(r, FI_ZF_ORIG_IP_BYTES, INT64_MAX, &f->bytes, err);
	if (rc == 0)
		rc = fi_zeek_count(r, FI_ZF_RESP_PKTS, INT64_MAX, &rpk, err);
	if (rc == 0)
		rc = fi_zeek_count(r, FI_ZF_RESP_IP_BYTES, INT64_MAX, &rby, err);
	if (rc != 0)
		return rc;
	f->flows = FI_FLOW_UNIT;
	*n = 1;
	if (rpk > 0) {
		out[1] = *f;
		out[1].src = f->dst;
		out[1].dst = f->src;
		out[1].sport = f->proto == 1 || f->proto == 58 ? 0 : f->dport;
		out[1].dport = f->proto == 1 || f->proto == 58 ? rdport : f->sport;
		out[1].packets = rpk;
		out[1].bytes = rby;
		*n = 2;
	}
	return 0;
}

int
fi_zeek_line(struct fi_zeek *z, struct fi_str line, struct fi_flow out[2], unsigned *n,
	     struct fi_err *err)
{
	struct fi_zeek_rec r;
	int rc;

	*n = 0;
	if (line.n > 0 && line.p[line.n - 1] == '\r')
		line.n--;
	if (line.n == 0)
		return 0; /* an empty line: nothing */
	if (line.p[0] == '#')
		return fi_zeek_directive(z, line, err);
	memset(r.v, 0, sizeof(r.v));
	memset(r.quoted, 0, sizeof(r.quoted));
	rc = line.p[0] == '{' ? fi_zeek_json(line, &r, err)
			      : fi_zeek_tsv(z, line, &r, err);
	if (rc != 0)
		return rc;
	return fi_zeek_flows(z, &r, out, n, err);
}
