/*
 * fi_msg.c: decoding and encoding queue elements. jansson parses the text;
 * each known key is looked up in one table (case-insensitively, with
 * VERMONT's legacy aliases) and checked for type and range.
 */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fi_msg.h"
#include "fi_num.h"

/* The fields an element can carry. */
enum fi_msg_field {
	FM_START_S,
	FM_END_S,
	FM_START_MS,
	FM_END_MS,
	FM_PACKETS,
	FM_BYTES,
	FM_SRC4,
	FM_DST4,
	FM_SRC6,
	FM_DST6,
	FM_SPORT,
	FM_DPORT,
	FM_PROTO,
	FM_FLOWS,
	FM_COUNT,
};

static const struct {
	const char *name;
	enum fi_msg_field field;
} fi_msg_keys[] = {
    {"flowStartSeconds", FM_START_S},
    {"flowEndSeconds", FM_END_S},
    {"flowStartMilliseconds", FM_START_MS},
    {"flowEndMilliseconds", FM_END_MS},
    {"firstSwitched", FM_START_S}, /* legacy: seconds in the redis exporter */
    {"lastSwitched", FM_END_S},
    {"packetDeltaCount", FM_PACKETS},
    {"pkts", FM_PACKETS},
    {"octetDeltaCount", FM_BYTES},
    {"bytes", FM_BYTES},
    {"sourceIPv4Address", FM_SRC4},
    {"srcIP", FM_SRC4},
    {"destinationIPv4Address", FM_DST4},
    {"dstIP", FM_DST4},
    {"sourceIPv6Address", FM_SRC6},
    {"destinationIPv6Address", FM_DST6},
    {"sourceTransportPort", FM_SPORT},
    {"srcPort", FM_SPORT},
    {"destinationTransportPort", FM_DPORT},
    {"dstPort", FM_DPORT},
    {"protocolIdentifier", FM_PROTO},
    {"proto", FM_PROTO},
    {"flows", FM_FLOWS},
};

int
fi_msg_is_end(const char *p, size_t n)
{
	return n == 3 && memcmp(p, "END", 3) == 0;
}

static int
fi_msg_field_of(const char *key)
{
	for (size_t i = 0; i < sizeof(fi_msg_keys) / sizeof(fi_msg_keys[0]); i++)
		if (strcasecmp(key, fi_msg_keys[i].name) == 0)
			return (int)fi_msg_keys[i].field;
	return -1;
}

/*
 * An unsigned integer in [0, max] from a JSON integer, a numeric string or
 * an integral real. Returns 0 with *out set, or FI_EINVAL (never 0) with
 * err saying why: callers read *out only after a 0.
 */
static int
fi_msg_uint(const char *key, json_t *v, uint64_t max, uint64_t *out, struct fi_err *err)
{
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (i >= 0 && (uint64_t)i <= max) {
			*out = (uint64_t)i;
			return 0;
		}
		fi_err_set(err, FI_EINVAL, "%s: %lld is out of range", key, (long long)i);
	} else if (json_is_string(v)) {
		struct fi_str s = {json_string_value(v), json_string_length(v)};

		if (fi_num_u64(s, 0, max, out) == 0)
			return 0;
		fi_err_set(err, FI_EINVAL,
			   "%s: \"%.40s\" is not a whole number in range (0 to %llu)",
			   key, s.p, (unsigned long long)max);
	} else if (json_is_real(v)) {
		double d = json_real_value(v);

		/*
		 * an integral real (1e3, 234.0) is a whole number too; compared
		 * after the conversion, as (double)max may round up past max
		 */
		if (d >= 0 && d < 18446744073709551616.0 && floor(d) == d &&
		    (uint64_t)d <= max) {
			*out = (uint64_t)d;
			return 0;
		}
		fi_err_set(err, FI_EINVAL,
			   "%s: %g is not a whole number in range (0 to %llu)", key, d,
			   (unsigned long long)max);
	} else {
		fi_err_set(err, FI_EINVAL, "%s: expected a number", key);
	}
	return FI_EINVAL;
}

/* An IPv4 address: integer, numeric string, or dotted text. */
static int
fi_msg_v4(const char *key, json_t *v, struct fi_addr *out, struct fi_err *err)
{
	uint64_t u;

	if (json_is_string(v)) {
		struct fi_str s = {json_string_value(v), json_string_length(v)};

		if (fi_addr_parse(s, FI_ADDR_ALLOW_INT, out) == 0 && fi_addr_is_v4(out))
			return 0;
		return fi_err_set(err, FI_EINVAL, "%s: \"%.40s\" is not an IPv4 address",
				  key, s.p);
	}
	if (fi_msg_uint(key, v, UINT32_MAX, &u, err) != 0)
		return FI_EINVAL;
	*out = fi_addr_from_v4((uint32_t)u);
	return 0;
}

static int
fi_msg_v6(const char *key, json_t *v, struct fi_addr *out, struct fi_err *err)
{
	struct fi_str s;

	if (!json_is_string(v))
		return fi_err_set(err, FI_EINVAL, "%s: expected an address in text form",
				  key);
	s.p = json_string_value(v);
	s.n = json_string_length(v);
	if (memchr(s.p, ':', s.n) == NULL || fi_addr_parse(s, 0, out) != 0)
		return fi_err_set(err, FI_EINVAL, "%s: \"%.40s\" is not an IPv6 address",
				  key, s.p);
	return 0;
}

static int
fi_msg_proto(const char *key, json_t *v, uint8_t *out, struct fi_err *err)
{
	static const struct {
		const char *name;
		uint8_t num;
	} names[] = {{"tcp", 6},	{"udp", 17}, {"icmp", 1}, {"icmpv6", 58},
		     {"ipv6-icmp", 58}, {"esp", 50}, {"gre", 47}, {"sctp", 132}};
	uint64_t u;

	if (json_is_string(v)) {
		const char *s = json_string_value(v);

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcasecmp(s, names[i].name) == 0) {
				*out = names[i].num;
				return 0;
			}
	}
	if (fi_msg_uint(key, v, 255, &u, err) != 0)
		return FI_EINVAL;
	*out = (uint8_t)u;
	return 0;
}

/*
 * The weight: a non-negative number (fractions allowed), in 1/FI_FLOW_UNIT,
 * at most FI_COUNTER_MAX of them. The range is checked before any
 * conversion, and a real is converted in two exact steps (its whole part,
 * then its fraction rounded to the nearest billionth), so a large weight
 * is kept exactly or refused, never wrapped.
 */
static int
fi_msg_weight(const char *key, json_t *v, uint64_t *out, struct fi_err *err)
{
	const uint64_t wmax = FI_COUNTER_MAX / FI_FLOW_UNIT;
	uint64_t whole, frac;
	double d;

	if (json_is_integer(v) || json_is_string(v)) {
		if (fi_msg_uint(key, v, UINT64_MAX, &whole, err) != 0)
			return FI_EINVAL;
		d = (double)whole;
		if (whole > wmax)
			goto big;
		*out = whole * FI_FLOW_UNIT;
		return 0;
	}
	if (!json_is_real(v))
		return fi_err_set(err, FI_EINVAL, "%s: expected a number", key);
	d = json_real_value(v);
	if (!(d >= 0))
		return fi_err_set(err, FI_EINVAL, "%s: %g is out of range", key, d);
	if (d >= (double)(wmax + 1))
		goto big;
	whole = (uint64_t)floor(d);
	frac = (uint64_t)llround((d - floor(d)) * FI_FLOW_UNIT); /* 0..FI_FLOW_UNIT */
	if (whole * FI_FLOW_UNIT > FI_COUNTER_MAX - frac)
		goto big;
	*out = whole * FI_FLOW_UNIT + frac;
	return 0;
big:
	return fi_err_set(err, FI_EINVAL,
			  "%s: %.17g is above the largest weight %llu.%09llu", key, d,
			  (unsigned long long)(FI_COUNTER_MAX / FI_FLOW_UNIT),
			  (unsigned long long)(FI_COUNTER_MAX % FI_FLOW_UNIT));
}

/* The known fields of one element: jansson's values (borrowed) and keys. */
struct fi_msg_fields {
	json_t *v[FM_COUNT];
	const char *key[FM_COUNT];
};

/* Finds the known keys of the object root; a field given twice is an error. */
static int
fi_msg_fields(json_t *root, struct fi_msg_fields *fs, struct fi_err *err)
{
	const char *key;
	json_t *v;

	memset(fs, 0, sizeof(*fs));
	json_object_foreach(root, key, v)
	{
		int f = fi_msg_field_of(key);

		if (f < 0)
			continue; /* revOctetDeltaCount, exporterID, tcpControlBits, ...
				   */
		if (fs->v[f] != NULL)
			return fi_err_set(err, FI_EINVAL, "%s and %s give the same field",
					  fs->key[f], key);
		fs->v[f] = v;
		fs->key[f] = key;
	}
	return 0;
}

/* The unsigned number of field f in [0, max]. */
static int
fi_msg_field_uint(const struct fi_msg_fields *fs, enum fi_msg_field f, uint64_t max,
		  uint64_t *out, struct fi_err *err)
{
	return fi_msg_uint(fs->key[f], fs->v[f], max, out, err);
}

/*
 * The first and last second: seconds win over milliseconds when both are
 * given; the flow must not end before it starts nor last longer than lim
 * allows.
 */
static int
fi_msg_times(const struct fi_msg_fields *fs, const struct fi_msg_limits *lim,
	     struct fi_flow *out, struct fi_err *err)
{
	uint64_t ms[2] = {0, 0}, u;
	int in_ms = 0;

	for (int end = 0; end < 2; end++) {
		enum fi_msg_field fsec = end ? FM_END_S : FM_START_S;
		enum fi_msg_field fms = end ? FM_END_MS : FM_START_MS;
		int64_t *t = end ? &out->last : &out->first;

		if (fs->v[fsec] != NULL) {
			if (fi_msg_field_uint(fs, fsec, FI_TIME_MAX, &u, err) != 0)
				return FI_EINVAL;
			*t = (int64_t)u;
		} else if (fs->v[fms] != NULL) {
			if (fi_msg_field_uint(fs, fms, FI_TIME_MAX * 1000 + 999, &u,
					      err) != 0)
				return FI_EINVAL;
			*t = (int64_t)(u / 1000);
			ms[end] = u;
			in_ms |= 1 << end;
		} else {
			return fi_err_set(err, FI_EINVAL, "missing %s (or %s)",
					  end ? "flowEndSeconds" : "flowStartSeconds",
					  end ? "flowEndMilliseconds"
					      : "flowStartMilliseconds");
		}
	}
	if (in_ms == 3 && ms[1] < ms[0])
		return fi_err_set(err, FI_EINVAL,
				  "flow ends (%llu ms) before it starts (%llu ms)",
				  (unsigned long long)ms[1], (unsigned long long)ms[0]);
	if (out->last < out->first)
		return fi_err_set(err, FI_EINVAL,
				  "flow ends (%lld) before it starts (%lld)",
				  (long long)out->last, (long long)out->first);
	if (lim != NULL && out->last - out->first + 1 > lim->max_duration)
		return fi_err_set(err, FI_EINVAL,
				  "flow lasts %lld s, longer than max_flow_duration",
				  (long long)(out->last - out->first + 1));
	return 0;
}

/* Addresses (each endpoint IPv4 or IPv6), ports, protocol. */
static int
fi_msg_endpoints(const struct fi_msg_fields *fs, struct fi_flow *out, struct fi_err *err)
{
	uint64_t u;

	if ((fs->v[FM_SRC4] && fs->v[FM_SRC6]) || (fs->v[FM_DST4] && fs->v[FM_DST6]))
		return fi_err_set(err, FI_EINVAL,
				  "both an IPv4 and an IPv6 address for one endpoint");
	if ((fs->v[FM_SRC4] &&
	     fi_msg_v4(fs->key[FM_SRC4], fs->v[FM_SRC4], &out->src, err)) ||
	    (fs->v[FM_DST4] &&
	     fi_msg_v4(fs->key[FM_DST4], fs->v[FM_DST4], &out->dst, err)) ||
	    (fs->v[FM_SRC6] &&
	     fi_msg_v6(fs->key[FM_SRC6], fs->v[FM_SRC6], &out->src, err)) ||
	    (fs->v[FM_DST6] &&
	     fi_msg_v6(fs->key[FM_DST6], fs->v[FM_DST6], &out->dst, err)))
		return FI_EINVAL;
	if (fs->v[FM_SPORT] != NULL) {
		if (fi_msg_field_uint(fs, FM_SPORT, 65535, &u, err) != 0)
			return FI_EINVAL;
		out->sport = (uint16_t)u;
	}
	if (fs->v[FM_DPORT] != NULL) {
		if (fi_msg_field_uint(fs, FM_DPORT, 65535, &u, err) != 0)
			return FI_EINVAL;
		out->dport = (uint16_t)u;
	}
	if (fs->v[FM_PROTO] != NULL &&
	    fi_msg_proto(fs->key[FM_PROTO], fs->v[FM_PROTO], &out->proto, err) != 0)
		return FI_EINVAL;
	return 0;
}

/* The flow of an element's fields. */
static int
fi_msg_flow(const struct fi_msg_fields *fs, const struct fi_msg_limits *lim,
	    struct fi_flow *out, struct fi_err *err)
{
	memset(out, 0, sizeof(*out));
	out->flows = FI_FLOW_UNIT;
	out->src = fi_addr_from_v4(0);
	out->dst = fi_addr_from_v4(0);
	if (fi_msg_times(fs, lim, out, err) != 0)
		return FI_EINVAL;
	if (fs->v[FM_PACKETS] == NULL || fs->v[FM_BYTES] == NULL)
		return fi_err_set(err, FI_EINVAL, "missing %s",
				  fs->v[FM_PACKETS] == NULL ? "packetDeltaCount"
							    : "octetDeltaCount");
	/* a counter above FI_COUNTER_MAX could never be stored */
	if (fi_msg_field_uint(fs, FM_PACKETS, FI_COUNTER_MAX, &out->packets, err) != 0 ||
	    fi_msg_field_uint(fs, FM_BYTES, FI_COUNTER_MAX, &out->bytes, err) != 0 ||
	    fi_msg_endpoints(fs, out, err) != 0)
		return FI_EINVAL;
	if (fs->v[FM_FLOWS] != NULL &&
	    fi_msg_weight(fs->key[FM_FLOWS], fs->v[FM_FLOWS], &out->flows, err) != 0)
		return FI_EINVAL;
	return 0;
}

int
fi_msg_decode(const char *p, size_t n, const struct fi_msg_limits *lim,
	      struct fi_flow *out, struct fi_err *err)
{
	struct fi_msg_fields fs;
	json_error_t jerr;
	json_t *root;
	int rc;

	if (n > FI_MESSAGE_MAX)
		return fi_err_set(err, FI_ETOOBIG, "element longer than %d bytes",
				  FI_MESSAGE_MAX);
	root = json_loadb(p, n, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return fi_err_set(err, FI_EINVAL, "not JSON: %s at byte %d", jerr.text,
				  jerr.position);
	if (!json_is_object(root))
		rc = fi_err_set(err, FI_EINVAL, "not a JSON object");
	else if (fi_msg_fields(root, &fs, err) != 0)
		rc = FI_EINVAL;
	else
		rc = fi_msg_flow(&fs, lim, out, err) != 0 ? FI_EINVAL : 0;
	json_decref(root);
	return rc;
}

int
fi_msg_encode(const struct fi_flow *f, struct fi_buf *out)
{
	char a[FI_ADDR_TEXT_MAX], b[FI_ADDR_TEXT_MAX];
	int v4 = fi_addr_is_v4(&f->src) && fi_addr_is_v4(&f->dst);
	int rc;

	if (v4)
		rc = fi_buf_printf(
		    out, "{\"sourceIPv4Address\":%u,\"destinationIPv4Address\":%u,",
		    fi_addr_v4(&f->src), fi_addr_v4(&f->dst));
	else
		rc = fi_buf_printf(
		    out,
		    "{\"sourceIPv6Address\":\"%s\",\"destinationIPv6Address\":"
		    "\"%s\",",
		    fi_addr_format(&f->src, a), fi_addr_format(&f->dst, b));
	if (rc != 0)
		return rc;
	rc = fi_buf_printf(out,
			   "\"protocolIdentifier\":%u,\"sourceTransportPort\":%u,"
			   "\"destinationTransportPort\":%u,\"flowStartSeconds\":%lld,"
			   "\"flowEndSeconds\":%lld,\"octetDeltaCount\":%llu,"
			   "\"packetDeltaCount\":%llu}",
			   f->proto, f->sport, f->dport, (long long)f->first,
			   (long long)f->last, (unsigned long long)f->bytes,
			   (unsigned long long)f->packets);
	return rc;
}

int
fi_msg_dead_letter(const char *p, size_t n, const char *reason, struct fi_buf *out)
{
	json_t *o = json_object(), *el;
	struct fi_buf latin;
	char *text;
	int rc = FI_ENOMEM;

	if (o == NULL)
		return FI_ENOMEM;
	if (n > FI_DEAD_ELEMENT_MAX)
		n = FI_DEAD_ELEMENT_MAX; /* the reason says how long it was */
	el = json_stringn(p, n);
	fi_buf_init(&latin, 2 * FI_DEAD_ELEMENT_MAX + 1);
	if (el == NULL) {
		/* not UTF-8: keep the bytes losslessly, read as Latin-1 */
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)p[i];
			char two[2] = {(char)(0xc0 | c >> 6), (char)(0x80 | (c & 0x3f))};

			if (c < 0x80 ? fi_buf_append(&latin, &p[i], 1)
				     : fi_buf_append(&latin, two, 2))
				break;
		}
		el = json_stringn(latin.data ? latin.data : "", latin.len);
	}
	if (el != NULL && json_object_set_new(o, "reason", json_string(reason)) == 0) {
		/* set_new takes the reference even when it fails */
		int set = json_object_set_new(o, "element", el);

		el = NULL;
		text = set == 0 ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
		if (text != NULL) {
			rc = fi_buf_puts(out, text);
			free(text);
		}
	}
	json_decref(el);
	json_decref(o);
	fi_buf_fini(&latin);
	return rc;
}
