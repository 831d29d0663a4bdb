/*
 * fi_query.c: the bounded query-string parser of the API. One table lists
 * every parameter with its kind; values are URL-decoded into a scratch copy
 * no longer than the query itself, then checked. Messages are the original
 * flow-inspector's where it had one, so scripts that match them still work.
 */
#include <ctype.h>
#include <string.h>

#include "fi_hilbert.h"
#include "fi_num.h"
#include "fi_query.h"

const char *const fi_ctr_names[FI_CTR_COUNT] = {"flows", "packetDeltaCount",
						"octetDeltaCount"};
const char *const fi_dir_names[FI_DIR_COUNT] = {"", "src", "dst"};

/* How a parameter's value is parsed. */
enum fi_query_ptype {
	FI_QT_INT,     /* a signed integer (start_bucket, end_bucket, limit, ...) */
	FI_QT_SIZE,    /* bucket_size: an integer that must be a configured size */
	FI_QT_SORT,    /* comma list of "field [asc|desc]" */
	FI_QT_FIELDS,  /* comma list of field names */
	FI_QT_AGGR,    /* comma list of group-by field names */
	FI_QT_IPS,     /* comma list of addresses or prefixes */
	FI_QT_PORTS,   /* comma list of ports */
	FI_QT_PROTOS,  /* comma list of protocol classes or numbers */
	FI_QT_FLAG,    /* presence flag: empty, 1/0, true/false, yes/no, on/off */
	FI_QT_PREFIX,  /* one CIDR prefix without host bits (/api/hilbert) */
	FI_QT_CHOICE,  /* one word of a fixed list (value, direction, by) */
	FI_QT_GEO,     /* a country (ISO code) or AS number, local or unknown */
	FI_QT_IGNORED, /* accepted and ignored (jQuery's cache buster "_") */
};

struct fi_query_param {
	const char *name;
	unsigned bit; /* FI_QP_*, 0 for ignored ones */
	enum fi_query_ptype type;
};

static const struct fi_query_param fi_query_params[] = {
    {"start_bucket", FI_QP_START_BUCKET, FI_QT_INT},
    {"end_bucket", FI_QP_END_BUCKET, FI_QT_INT},
    {"bucket_size", FI_QP_BUCKET_SIZE, FI_QT_SIZE},
    {"resolution", FI_QP_RESOLUTION, FI_QT_INT},
    {"limit", FI_QP_LIMIT, FI_QT_INT},
    {"offset", FI_QP_OFFSET, FI_QT_INT},
    {"sort", FI_QP_SORT, FI_QT_SORT},
    {"fields", FI_QP_FIELDS, FI_QT_FIELDS},
    {"aggregate", FI_QP_AGGREGATE, FI_QT_AGGR},
    {"include_ips", FI_QP_INCLUDE_IPS, FI_QT_IPS},
    {"exclude_ips", FI_QP_EXCLUDE_IPS, FI_QT_IPS},
    {"include_ports", FI_QP_INCLUDE_PORTS, FI_QT_PORTS},
    {"exclude_ports", FI_QP_EXCLUDE_PORTS, FI_QT_PORTS},
    {"include_protos", FI_QP_INCLUDE_PROTOS, FI_QT_PROTOS},
    {"exclude_protos", FI_QP_EXCLUDE_PROTOS, FI_QT_PROTOS},
    {"black_others", FI_QP_BLACK_OTHERS, FI_QT_FLAG},
    {"biflow", FI_QP_BIFLOW, FI_QT_FLAG},
    {"count", FI_QP_COUNT, FI_QT_FLAG},
    {"prefix", FI_QP_PREFIX, FI_QT_PREFIX},
    {"depth", FI_QP_DEPTH, FI_QT_INT},
    {"value", FI_QP_VALUE, FI_QT_CHOICE},
    {"direction", FI_QP_DIRECTION, FI_QT_CHOICE},
    {"by", FI_QP_BY, FI_QT_CHOICE},
    {"country", FI_QP_COUNTRY, FI_QT_GEO},
    {"asn", FI_QP_ASN, FI_QT_GEO},
    {"geo", FI_QP_GEOTAG, FI_QT_FLAG},
    {"_", 0, FI_QT_IGNORED},
};

#define FI_QUERY_NPARAMS (sizeof(fi_query_params) / sizeof(fi_query_params[0]))

/* Field names that are not counters. */
static const struct {
	const char *name;
	enum fi_fkind kind;
} fi_key_names[] = {
    {"bucket", FI_FK_BUCKET},
    {"sourceIPv4Address", FI_FK_SRC},
    {"sourceIPv6Address", FI_FK_SRC},
    {"destinationIPv4Address", FI_FK_DST},
    {"destinationIPv6Address", FI_FK_DST},
    {"sourceTransportPort", FI_FK_SPORT},
    {"destinationTransportPort", FI_FK_DPORT},
    {"protocolIdentifier", FI_FK_PROTO},
    {"id", FI_FK_ID},
    {"ipaddress", FI_FK_IPADDRESS},
    {"port", FI_FK_PORT},
};

#define FI_KEY_NNAMES (sizeof(fi_key_names) / sizeof(fi_key_names[0]))

/* Whitespace the original stripped around values and items. */
static int
fi_query_space(char c)
{
	return c == ' ' || c == '\t';
}

static struct fi_str
fi_query_trim(struct fi_str s)
{
	while (s.n > 0 && fi_query_space(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n > 0 && fi_query_space(s.p[s.n - 1]))
		s.n--;
	return s;
}

/*
 * Copies client text into buf for a message: at most FI_QUERY_ECHO_MAX
 * bytes, anything but printable ASCII shown as '?', "..." when cut.
 */
static const char *
fi_query_echo(struct fi_str s, char buf[FI_QUERY_ECHO_MAX + 4])
{
	size_t n = s.n > FI_QUERY_ECHO_MAX ? FI_QUERY_ECHO_MAX : s.n, i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (n < s.n) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

/*
 * URL-decodes s into out (room for s.n bytes: decoding never grows): '+' is a
 * space, %XX a byte. Returns the decoded length, or -1 on a bad escape.
 */
static long
fi_query_decode(struct fi_str s, char *out)
{
	size_t i, n = 0;

	for (i = 0; i < s.n; i++) {
		char c = s.p[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi, lo;

			if (i + 2 >= s.n)
				return -1;
			hi = fi_num_hex_digit(s.p[i + 1]);
			lo = fi_num_hex_digit(s.p[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		out[n++] = c;
	}
	return (long)n;
}

/* Whether s holds a control character (decoded %00, %0a, ...). */
static int
fi_query_has_ctl(struct fi_str s)
{
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		if (c < 0x20 || c == 0x7f)
			return 1;
	}
	return 0;
}

int
fi_query_protoset_has(const struct fi_protoset *s, unsigned p)
{
	return p < 256 && (s->bits[p / 8] >> (p % 8) & 1);
}

static void
fi_query_protoset_add(struct fi_protoset *s, unsigned p)
{
	s->bits[p / 8] |= (uint8_t)(1u << (p % 8));
}

int
fi_query_field_eq(const struct fi_field *a, const struct fi_field *b)
{
	return a->kind == b->kind && a->dir == b->dir && a->cls == b->cls &&
	       a->ctr == b->ctr;
}

/* Resolves a field name; returns 0 or FI_EINVAL. */
static int
fi_query_field_lookup(struct fi_str s, struct fi_field *out)
{
	static const char *const cls_names[FI_PC_COUNT] = {"tcp", "udp", "icmp", "other"};
	struct fi_field f = {FI_FK_COUNTER, FI_DIR_ALL, FI_PC_COUNT, 0};
	size_t i;

	for (i = 0; i < FI_KEY_NNAMES; i++)
		if (fi_str_eq(s, fi_key_names[i].name)) {
			*out = (struct fi_field){(uint8_t)fi_key_names[i].kind, 0,
						 FI_PC_COUNT, 0};
			return 0;
		}
	for (i = 0; i < FI_PC_COUNT; i++)
		if (fi_str_eq(s, cls_names[i])) {
			*out = (struct fi_field){FI_FK_CLASS, 0, (uint8_t)i, 0};
			return 0;
		}
	/* counters: [src_|dst_][class_]counter */
	for (i = 1; i < FI_DIR_COUNT; i++)
		if (s.n > 4 && memcmp(s.p, fi_dir_names[i], 3) == 0 && s.p[3] == '_') {
			f.dir = (uint8_t)i;
			s.p += 4;
			s.n -= 4;
			break;
		}
	for (i = 0; i < FI_PC_COUNT; i++) {
		size_t l = strlen(cls_names[i]);
		if (s.n > l + 1 && memcmp(s.p, cls_names[i], l) == 0 && s.p[l] == '_') {
			f.cls = (uint8_t)i;
			s.p += l + 1;
			s.n -= l + 1;
			break;
		}
	}
	for (i = 0; i < FI_CTR_COUNT; i++)
		if (fi_str_eq(s, fi_ctr_names[i])) {
			f.ctr = (uint8_t)i;
			*out = f;
			return 0;
		}
	return FI_EINVAL;
}

const char *
fi_query_field_name(const struct fi_field *f, char *buf, size_t size)
{
	static const char *const kind_names[] = {"bucket",
						 "sourceIPv4Address",
						 "destinationIPv4Address",
						 "sourceTransportPort",
						 "destinationTransportPort",
						 "protocolIdentifier",
						 "id",
						 "ipaddress",
						 "port"};

	if (f->kind < FI_FK_CLASS) {
		snprintf(buf, size, "%s", kind_names[f->kind]);
	} else if (f->kind == FI_FK_CLASS) {
		snprintf(buf, size, "%s", fi_proto_class_names[f->cls % FI_PC_COUNT]);
	} else {
		snprintf(buf, size, "%s%s%s%s%s", fi_dir_names[f->dir % FI_DIR_COUNT],
			 f->dir ? "_" : "",
			 f->cls < FI_PC_COUNT ? fi_proto_class_names[f->cls] : "",
			 f->cls < FI_PC_COUNT ? "_" : "",
			 fi_ctr_names[f->ctr % FI_CTR_COUNT]);
	}
	return buf;
}

/* Splits the next comma-separated item off *rest; returns 0 at the end. */
static int
fi_query_next_item(struct fi_str *rest, struct fi_str *item)
{
	const char *comma;

	if (rest->p == NULL)
		return 0;
	comma = memchr(rest->p, ',', rest->n);
	if (comma == NULL) {
		*item = *rest;
		rest->p = NULL;
		rest->n = 0;
	} else {
		item->p = rest->p;
		item->n = (size_t)(comma - rest->p);
		rest->n -= item->n + 1;
		rest->p = comma + 1;
	}
	*item = fi_query_trim(*item);
	return 1;
}

/* Everything one parameter's parser needs. */
struct fi_query_ctx {
	const struct fi_query_param *e;
	struct fi_query *q;
	const uint32_t *sizes;
	unsigned nsizes;
	struct fi_err *err;
};

static int
fi_query_param_int(struct fi_query_ctx *c, struct fi_str v)
{
	struct fi_query *q = c->q;
	int64_t x;
	int rc = fi_num_i64(v, INT64_MIN, INT64_MAX, &x);

	if (rc == FI_ERANGE)
		return fi_err_set(c->err, FI_EINVAL, "Param %s is out of range.",
				  c->e->name);
	if (rc != 0)
		return fi_err_set(c->err, FI_EINVAL, "Param %s has to be an integer.",
				  c->e->name);
	/* the original's rules: negative start/end/limit mean 0, resolution >= 1;
	 * offset (ours, for paging) follows limit */
	switch (c->e->bit) {
	case FI_QP_START_BUCKET:
		q->start_bucket = x < 0 ? 0 : x > FI_TIME_MAX ? FI_TIME_MAX + 1 : x;
		break;
	case FI_QP_END_BUCKET:
		q->end_bucket = x < 0 ? 0 : x > FI_TIME_MAX ? FI_TIME_MAX : x;
		break;
	case FI_QP_RESOLUTION:
		q->resolution = x < 1 ? 1 : (uint64_t)x;
		break;
	case FI_QP_LIMIT:
		q->limit = x < 0 ? 0 : (uint64_t)x;
		break;
	case FI_QP_DEPTH:
		q->depth = x; /* its range depends on the prefix: the route checks */
		break;
	case FI_QP_OFFSET:
		q->offset = x < 0 ? 0 : (uint64_t)x;
		break;
	}
	return 0;
}

/*
 * The map's prefix: written as CIDR (a bare address would be a map of one
 * host), and without bits past its length: 10.1.0.0/8 is more likely a typo
 * than a wish for 10.0.0.0/8, and the cells are numbered from the prefix.
 */
static int
fi_query_param_prefix(struct fi_query_ctx *c, struct fi_str v)
{
	const char *slash = memchr(v.p, '/', v.n);
	struct fi_addr host;
	char echo[FI_QUERY_ECHO_MAX + 4], want[FI_PREFIX_TEXT_MAX];

	if (slash == NULL || fi_prefix_parse(v, 0, &c->q->prefix) != 0)
		return fi_err_set(c->err, FI_EINVAL,
				  "Param prefix: \"%s\" is not a CIDR prefix such as "
				  "10.0.0.0/8 or 2001:db8::/32.",
				  fi_query_echo(v, echo));
	if (fi_addr_parse((struct fi_str){v.p, (size_t)(slash - v.p)}, 0, &host) != 0 ||
	    fi_addr_cmp(&host, &c->q->prefix.addr) != 0)
		return fi_err_set(c->err, FI_EINVAL,
				  "Param prefix: \"%s\" has bits set past its length "
				  "(%s?).",
				  fi_query_echo(v, echo),
				  fi_hilbert_prefix_format(&c->q->prefix, want));
	return 0;
}

/* value and direction: one word of a fixed list. */
static int
fi_query_param_choice(struct fi_query_ctx *c, struct fi_str v)
{
	static const char *const values[FI_CTR_COUNT] = {"flows", "packets", "bytes"};
	static const char *const dirs[FI_DIR_COUNT] = {"both", "src", "dst"};
	static const char *const bys[] = {"country", "asn", "host"};

	if (c->e->bit == FI_QP_BY) {
		for (unsigned i = 0; i < sizeof(bys) / sizeof(bys[0]); i++)
			if (fi_str_caseeq(v, bys[i])) {
				c->q->geo_by = (uint8_t)i;
				return 0;
			}
		return fi_err_set(c->err, FI_EINVAL,
				  "Param by has to be country, asn or host.");
	}
	if (c->e->bit == FI_QP_VALUE) {
		for (unsigned i = 0; i < FI_CTR_COUNT; i++)
			if (fi_str_caseeq(v, values[i])) {
				c->q->value = (uint8_t)i;
				return 0;
			}
		return fi_err_set(c->err, FI_EINVAL,
				  "Param value has to be flows, packets or bytes.");
	}
	for (unsigned i = 0; i < FI_DIR_COUNT; i++)
		if (fi_str_caseeq(v, dirs[i])) {
			c->q->direction = (uint8_t)i;
			return 0;
		}
	return fi_err_set(c->err, FI_EINVAL,
			  "Param direction has to be src, dst or both.");
}

/*
 * country=: a two-letter ISO code (any case), local (special-purpose
 * addresses) or unknown (no country known); asn=: an AS number 1-4294967295,
 * local or unknown.
 */
static int
fi_query_param_geo(struct fi_query_ctx *c, struct fi_str v)
{
	struct fi_query *q = c->q;
	int country = c->e->bit == FI_QP_COUNTRY;
	uint8_t sel = fi_str_caseeq(v, "local")	    ? FI_GEO_SEL_LOCAL
		      : fi_str_caseeq(v, "unknown") ? FI_GEO_SEL_UNKNOWN
						    : FI_GEO_SEL_KNOWN;
	uint64_t asn;

	if (country)
		q->country_sel = sel;
	else
		q->asn_sel = sel;
	if (sel != FI_GEO_SEL_KNOWN)
		return 0;
	if (!country) {
		if (fi_num_u64(v, 1, UINT32_MAX, &asn) != 0)
			return fi_err_set(c->err, FI_EINVAL,
					  "Param asn has to be an AS number "
					  "(1-4294967295), local or unknown.");
		q->asn = (uint32_t)asn;
		return 0;
	}
	if (v.n != 2 || !isalpha((unsigned char)v.p[0]) ||
	    !isalpha((unsigned char)v.p[1]))
		return fi_err_set(c->err, FI_EINVAL,
				  "Param country has to be a two-letter country code, "
				  "local or unknown.");
	q->country[0] = (char)toupper((unsigned char)v.p[0]);
	q->country[1] = (char)toupper((unsigned char)v.p[1]);
	q->country[2] = '\0';
	return 0;
}

static int
fi_query_param_size(struct fi_query_ctx *c, struct fi_str v)
{
	uint64_t x;
	int64_t sx;
	int rc = fi_num_i64(v, INT64_MIN, INT64_MAX, &sx);

	if (rc == FI_EINVAL)
		return fi_err_set(c->err, FI_EINVAL,
				  "Param bucket_size has to be an integer.");
	if (rc == 0 && sx > 0) {
		x = (uint64_t)sx;
		for (unsigned i = 0; i < c->nsizes; i++)
			if (c->sizes[i] == x) {
				c->q->bucket_size = (uint32_t)x;
				return 0;
			}
	}
	return fi_err_set(c->err, FI_EINVAL, "This bucket size is not available.");
}

/* Adds f to list[*n] unless it is there already. */
static int
fi_query_param_add_field(struct fi_query_ctx *c, struct fi_field *list, unsigned *n,
			 const struct fi_field *f)
{
	for (unsigned i = 0; i < *n; i++)
		if (fi_query_field_eq(&list[i], f))
			return 0;
	if (*n >= FI_QUERY_NAMES_MAX)
		return fi_err_set(c->err, FI_EINVAL, "Param %s has too many names.",
				  c->e->name);
	list[(*n)++] = *f;
	return 0;
}

static int
fi_query_param_unknown_field(struct fi_query_ctx *c, struct fi_str item)
{
	char echo[FI_QUERY_ECHO_MAX + 4];

	return fi_err_set(c->err, FI_EINVAL, "Param %s: unknown field \"%s\".",
			  c->e->name, fi_query_echo(item, echo));
}

static int
fi_query_param_fields(struct fi_query_ctx *c, struct fi_str item)
{
	struct fi_field f;

	if (fi_query_field_lookup(item, &f) != 0)
		return fi_query_param_unknown_field(c, item);
	if (c->e->type == FI_QT_AGGR) {
		if (f.kind >= FI_FK_CLASS || f.kind == FI_FK_ID)
			return fi_query_param_unknown_field(c, item);
		return fi_query_param_add_field(c, c->q->aggregate, &c->q->naggregate,
						&f);
	}
	/* fields: row keys, counters of the whole row, protocol classes */
	if (f.kind == FI_FK_IPADDRESS || f.kind == FI_FK_PORT || f.kind == FI_FK_ID ||
	    (f.kind == FI_FK_COUNTER && f.dir != FI_DIR_ALL))
		return fi_query_param_unknown_field(c, item);
	return fi_query_param_add_field(c, c->q->fields, &c->q->nfields, &f);
}

static int
fi_query_param_sort(struct fi_query_ctx *c, struct fi_str item)
{
	struct fi_query *q = c->q;
	const char *sp = memchr(item.p, ' ', item.n);
	struct fi_str name = item, order = {NULL, 0};
	struct fi_sort_key k = {{0, 0, 0, 0}, 0};
	char echo[FI_QUERY_ECHO_MAX + 4];

	if (sp != NULL) {
		name.n = (size_t)(sp - item.p);
		order = fi_query_trim((struct fi_str){sp, item.n - name.n});
		if (fi_str_caseeq(order, "desc"))
			k.desc = 1;
		else if (!fi_str_caseeq(order, "asc"))
			return fi_err_set(
			    c->err, FI_EINVAL,
			    "Param sort: \"%s\" is not \"field [asc|desc]\".",
			    fi_query_echo(item, echo));
	}
	if (fi_query_field_lookup(name, &k.field) != 0 || k.field.kind == FI_FK_CLASS)
		return fi_query_param_unknown_field(c, name);
	if (q->nsort >= FI_QUERY_SORT_MAX)
		return fi_err_set(c->err, FI_EINVAL, "Param sort has more than %d keys.",
				  FI_QUERY_SORT_MAX);
	q->sort[q->nsort++] = k;
	return 0;
}

static int
fi_query_param_ips(struct fi_query_ctx *c, struct fi_str item)
{
	struct fi_query *q = c->q;
	int inc = c->e->bit == FI_QP_INCLUDE_IPS;
	unsigned *n = inc ? &q->ninclude_ips : &q->nexclude_ips;
	struct fi_prefix *list = inc ? q->include_ips : q->exclude_ips;
	char echo[FI_QUERY_ECHO_MAX + 4];

	/* the item count was checked before, against the same limit */
	if (fi_prefix_parse(item, FI_ADDR_ALLOW_INT, &list[*n]) != 0)
		return fi_err_set(c->err, FI_EINVAL,
				  "Param %s: \"%s\" is not an IP address or prefix "
				  "(integer or dotted IPv4, IPv6, CIDR).",
				  c->e->name, fi_query_echo(item, echo));
	(*n)++;
	return 0;
}

static int
fi_query_param_ports(struct fi_query_ctx *c, struct fi_str item)
{
	struct fi_query *q = c->q;
	int inc = c->e->bit == FI_QP_INCLUDE_PORTS;
	unsigned *n = inc ? &q->ninclude_ports : &q->nexclude_ports;
	uint16_t *list = inc ? q->include_ports : q->exclude_ports;
	int64_t x;
	int rc = fi_num_i64(item, INT64_MIN, INT64_MAX, &x);

	if (rc == FI_EINVAL)
		return fi_err_set(c->err, FI_EINVAL, "Ports have to be integers.");
	if (rc != 0 || x < 0 || x > 65535)
		return fi_err_set(c->err, FI_EINVAL,
				  "Ports have to be between 0 and 65535.");
	list[(*n)++] = (uint16_t)x;
	return 0;
}

static int
fi_query_param_protos(struct fi_query_ctx *c, struct fi_str item)
{
	struct fi_query *q = c->q;
	struct fi_protoset *set =
	    c->e->bit == FI_QP_INCLUDE_PROTOS ? &q->include_protos : &q->exclude_protos;
	uint64_t x;
	unsigned p;

	if (fi_str_caseeq(item, "tcp")) {
		fi_query_protoset_add(set, 6);
	} else if (fi_str_caseeq(item, "udp")) {
		fi_query_protoset_add(set, 17);
	} else if (fi_str_caseeq(item, "icmp")) {
		fi_query_protoset_add(set, 1);
		fi_query_protoset_add(set, 58);
	} else if (fi_str_caseeq(item, "other")) {
		/* every protocol but the three classes (the original's meant 0) */
		for (p = 0; p < 256; p++)
			if (fi_proto_class((uint8_t)p) == FI_PC_OTHER)
				fi_query_protoset_add(set, p);
	} else if (fi_num_u64(item, 0, 255, &x) == 0) {
		fi_query_protoset_add(set, (unsigned)x);
	} else {
		return fi_err_set(c->err, FI_EINVAL,
				  "Protocols have to be tcp, udp, icmp, other or numbers "
				  "0-255.");
	}
	return 0;
}

static int
fi_query_param_flag(struct fi_query_ctx *c, struct fi_str v)
{
	static const char *const yes[] = {"", "1", "true", "yes", "on"};
	static const char *const no[] = {"0", "false", "no", "off"};
	int val = -1;

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (fi_str_caseeq(v, yes[i]))
			val = 1;
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (fi_str_caseeq(v, no[i]))
			val = 0;
	if (val < 0)
		return fi_err_set(c->err, FI_EINVAL,
				  "Param %s has to be empty, 1 or 0 (or true/false).",
				  c->e->name);
	switch (c->e->bit) {
	case FI_QP_BLACK_OTHERS:
		c->q->black_others = val;
		break;
	case FI_QP_BIFLOW:
		c->q->biflow = val;
		break;
	case FI_QP_COUNT:
		c->q->count = val;
		break;
	case FI_QP_GEOTAG:
		c->q->geotag = val;
		break;
	}
	return 0;
}

/* Runs the item parser of a list parameter over every item of v. */
static int
fi_query_param_list(struct fi_query_ctx *c, struct fi_str v,
		    int (*fn)(struct fi_query_ctx *, struct fi_str))
{
	struct fi_str rest = v, item;
	unsigned n = 0;
	int rc;

	while (fi_query_next_item(&rest, &item)) {
		if (++n > FI_QUERY_ITEMS_MAX)
			return fi_err_set(c->err, FI_EINVAL,
					  "Param %s has more than %d items.", c->e->name,
					  FI_QUERY_ITEMS_MAX);
		if (item.n == 0)
			return fi_err_set(c->err, FI_EINVAL,
					  "Param %s has an empty item.", c->e->name);
		rc = fn(c, item);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Parses one decoded value of parameter e. */
static int
fi_query_param_value(struct fi_query_ctx *c, struct fi_str v)
{
	switch (c->e->type) {
	case FI_QT_INT:
		return fi_query_param_int(c, v);
	case FI_QT_SIZE:
		return fi_query_param_size(c, v);
	case FI_QT_SORT:
		return fi_query_param_list(c, v, fi_query_param_sort);
	case FI_QT_FIELDS:
	case FI_QT_AGGR:
		return fi_query_param_list(c, v, fi_query_param_fields);
	case FI_QT_IPS:
		return fi_query_param_list(c, v, fi_query_param_ips);
	case FI_QT_PORTS:
		return fi_query_param_list(c, v, fi_query_param_ports);
	case FI_QT_PROTOS:
		return fi_query_param_list(c, v, fi_query_param_protos);
	case FI_QT_FLAG:
		return fi_query_param_flag(c, v);
	case FI_QT_PREFIX:
		return fi_query_param_prefix(c, v);
	case FI_QT_CHOICE:
		return fi_query_param_choice(c, v);
	case FI_QT_GEO:
		return fi_query_param_geo(c, v);
	case FI_QT_IGNORED:
		return 0;
	}
	return FI_EINTERNAL;
}

/* Whether an empty value means "not given" (lists) rather than an error. */
static int
fi_query_param_empty_ok(enum fi_query_ptype t)
{
	return t != FI_QT_INT && t != FI_QT_SIZE && t != FI_QT_FLAG &&
	       t != FI_QT_PREFIX && t != FI_QT_CHOICE && t != FI_QT_GEO;
}

unsigned
fi_query_protos(const struct fi_query *q, struct fi_protoset *allowed)
{
	unsigned n = 0;

	memset(allowed, 0, sizeof(*allowed));
	for (unsigned p = 0; p < 256; p++) {
		int in = !(q->have & FI_QP_INCLUDE_PROTOS) ||
			 fi_query_protoset_has(&q->include_protos, p);
		int out = (q->have & FI_QP_EXCLUDE_PROTOS) &&
			  fi_query_protoset_has(&q->exclude_protos, p);
		if (in && !out) {
			fi_query_protoset_add(allowed, p);
			n++;
		}
	}
	return n;
}

const char *
fi_query_param_name(unsigned bit)
{
	for (size_t i = 0; i < FI_QUERY_NPARAMS; i++)
		if (bit != 0 && fi_query_params[i].bit == bit)
			return fi_query_params[i].name;
	return "?";
}

static void
fi_query_reset(struct fi_query *q)
{
	q->have = 0;
	q->start_bucket = 0;
	q->end_bucket = FI_TIME_MAX;
	q->bucket_size = 0;
	q->resolution = 1;
	q->limit = 0;
	q->offset = 0;
	q->nsort = q->nfields = q->naggregate = 0;
	q->ninclude_ips = q->nexclude_ips = 0;
	q->ninclude_ports = q->nexclude_ports = 0;
	memset(&q->include_protos, 0, sizeof(q->include_protos));
	memset(&q->exclude_protos, 0, sizeof(q->exclude_protos));
	q->black_others = q->biflow = q->count = q->geotag = 0;
	q->geo_by = FI_GEO_BY_COUNTRY;
	q->country_sel = q->asn_sel = FI_GEO_SEL_KNOWN;
	memset(q->country, 0, sizeof(q->country));
	q->asn = 0;
	memset(&q->prefix, 0, sizeof(q->prefix));
	q->depth = 0;
	q->value = FI_CTR_COUNT;
	q->direction = FI_DIR_ALL;
}

int
fi_query_parse(struct fi_str qs, const uint32_t *sizes, unsigned nsizes,
	       struct fi_query *q, struct fi_err *err)
{
	char scratch[FI_QUERY_MAX];
	unsigned seen = 0, seen_ignored = 0;
	size_t pos = 0;

	fi_query_reset(q);
	if (qs.n > FI_QUERY_MAX)
		return fi_err_set(err, FI_ETOOBIG,
				  "The query string is longer than %d bytes.",
				  FI_QUERY_MAX);
	while (pos < qs.n) {
		const char *amp = memchr(qs.p + pos, '&', qs.n - pos);
		size_t end = amp ? (size_t)(amp - qs.p) : qs.n;
		struct fi_str pair = {qs.p + pos, end - pos}, rawkey, rawval = {NULL, 0};
		const char *eq = memchr(pair.p, '=', pair.n);
		struct fi_str key, val;
		const struct fi_query_param *e = NULL;
		struct fi_query_ctx ctx;
		char echo[FI_QUERY_ECHO_MAX + 4];
		long kn, vn;
		int rc;

		pos = end + 1;
		if (pair.n == 0)
			continue; /* "a=1&&b=2", a trailing "&" */
		rawkey = pair;
		if (eq != NULL) {
			rawkey.n = (size_t)(eq - pair.p);
			rawval = (struct fi_str){eq + 1, pair.n - rawkey.n - 1};
		}
		/* key and value decode into disjoint parts of scratch */
		kn = fi_query_decode(rawkey, scratch);
		vn = kn < 0 ? -1 : fi_query_decode(rawval, scratch + kn);
		if (kn < 0 || vn < 0)
			return fi_err_set(err, FI_EINVAL,
					  "The query string has a malformed %%-escape.");
		key = (struct fi_str){scratch, (size_t)kn};
		val = fi_query_trim((struct fi_str){scratch + kn, (size_t)vn});
		for (size_t i = 0; i < FI_QUERY_NPARAMS; i++)
			if (fi_str_eq(key, fi_query_params[i].name))
				e = &fi_query_params[i];
		if (e == NULL)
			return fi_err_set(err, FI_EINVAL, "Unknown parameter \"%s\".",
					  fi_query_echo(key, echo));
		if ((e->bit ? seen & e->bit : seen_ignored) != 0)
			return fi_err_set(err, FI_EINVAL,
					  "Param %s is given more than once.", e->name);
		if (e->bit)
			seen |= e->bit;
		else
			seen_ignored = 1;
		if (e->type == FI_QT_IGNORED)
			continue;
		if (fi_query_has_ctl(val))
			return fi_err_set(err, FI_EINVAL,
					  "Param %s contains a control character.",
					  e->name);
		if (val.n == 0 && fi_query_param_empty_ok(e->type))
			continue;
		ctx = (struct fi_query_ctx){e, q, sizes, nsizes, err};
		rc = fi_query_param_value(&ctx, val);
		if (rc != 0)
			return rc;
		q->have |= e->bit;
	}
	return 0;
}

static void
fi_query_print_set(FILE *out, const char *name, const struct fi_protoset *s)
{
	fprintf(out, "%s =", name);
	for (unsigned p = 0; p < 256; p++)
		if (fi_query_protoset_has(s, p))
			fprintf(out, " %u", p);
	fputc('\n', out);
}

static void
fi_query_print_fields(FILE *out, const char *name, const struct fi_field *f, unsigned n)
{
	char buf[64];

	fprintf(out, "%s =", name);
	for (unsigned i = 0; i < n; i++)
		fprintf(out, " %s", fi_query_field_name(&f[i], buf, sizeof(buf)));
	fputc('\n', out);
}

static void
fi_query_print_ips(FILE *out, const char *name, const struct fi_prefix *p, unsigned n)
{
	char buf[FI_ADDR_TEXT_MAX];

	fprintf(out, "%s =", name);
	for (unsigned i = 0; i < n; i++)
		fprintf(out, " %s/%u", fi_addr_format(&p[i].addr, buf),
			fi_addr_is_v4(&p[i].addr) && p[i].len >= 96 ? p[i].len - 96
								    : p[i].len);
	fputc('\n', out);
}

static void
fi_query_print_ports(FILE *out, const char *name, const uint16_t *p, unsigned n)
{
	fprintf(out, "%s =", name);
	for (unsigned i = 0; i < n; i++)
		fprintf(out, " %u", p[i]);
	fputc('\n', out);
}

void
fi_query_print(const struct fi_query *q, FILE *out)
{
	static const char *const value_names[FI_CTR_COUNT] = {"flows", "packets",
							      "bytes"};
	char buf[64];

	fprintf(out, "start_bucket = %lld\n", (long long)q->start_bucket);
	fprintf(out, "end_bucket = %lld\n", (long long)q->end_bucket);
	fprintf(out, "bucket_size = %u\n", q->bucket_size);
	fprintf(out, "resolution = %llu\n", (unsigned long long)q->resolution);
	fprintf(out, "limit = %llu\n", (unsigned long long)q->limit);
	if (q->have & FI_QP_OFFSET)
		fprintf(out, "offset = %llu\n", (unsigned long long)q->offset);
	if (q->have & FI_QP_SORT) {
		fprintf(out, "sort =");
		for (unsigned i = 0; i < q->nsort; i++)
			fprintf(out, " %s %s",
				fi_query_field_name(&q->sort[i].field, buf, sizeof(buf)),
				q->sort[i].desc ? "desc" : "asc");
		fputc('\n', out);
	}
	if (q->have & FI_QP_FIELDS)
		fi_query_print_fields(out, "fields", q->fields, q->nfields);
	if (q->have & FI_QP_AGGREGATE)
		fi_query_print_fields(out, "aggregate", q->aggregate, q->naggregate);
	if (q->have & FI_QP_INCLUDE_IPS)
		fi_query_print_ips(out, "include_ips", q->include_ips, q->ninclude_ips);
	if (q->have & FI_QP_EXCLUDE_IPS)
		fi_query_print_ips(out, "exclude_ips", q->exclude_ips, q->nexclude_ips);
	if (q->have & FI_QP_INCLUDE_PORTS)
		fi_query_print_ports(out, "include_ports", q->include_ports,
				     q->ninclude_ports);
	if (q->have & FI_QP_EXCLUDE_PORTS)
		fi_query_print_ports(out, "exclude_ports", q->exclude_ports,
				     q->nexclude_ports);
	if (q->have & FI_QP_INCLUDE_PROTOS)
		fi_query_print_set(out, "include_protos", &q->include_protos);
	if (q->have & FI_QP_EXCLUDE_PROTOS)
		fi_query_print_set(out, "exclude_protos", &q->exclude_protos);
	if (q->have & FI_QP_BLACK_OTHERS)
		fprintf(out, "black_others = %d\n", q->black_others);
	if (q->have & FI_QP_BIFLOW)
		fprintf(out, "biflow = %d\n", q->biflow);
	if (q->have & FI_QP_COUNT)
		fprintf(out, "count = %d\n", q->count);
	if (q->have & FI_QP_PREFIX)
		fi_query_print_ips(out, "prefix", &q->prefix, 1);
	if (q->have & FI_QP_DEPTH)
		fprintf(out, "depth = %lld\n", (long long)q->depth);
	if (q->have & FI_QP_VALUE)
		fprintf(out, "value = %s\n", value_names[q->value % FI_CTR_COUNT]);
	if (q->have & FI_QP_DIRECTION)
		fprintf(out, "direction = %s\n",
			q->direction == FI_DIR_ALL ? "both" : fi_dir_names[q->direction]);
}
