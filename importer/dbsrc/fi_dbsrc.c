/*
 * fi_dbsrc.c: the shapes of argus and VERMONT source tables (which column
 * plays which role), and typing and validating their rows into flows; the
 * names of daily tables. Every value comes from a database we do not
 * control: each is checked for type and range, and a message about a bad
 * value shows it with unprintable bytes replaced.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fi_dbsrc.h"
#include "fi_num.h"

#define FI_DBSRC_SHOW_MAX 48 /* bytes of a bad value shown in a message */

/* Column names per kind and role; for one role the earlier name wins. */
struct fi_dbsrc_alias {
	const char *name;
	enum fi_dbsrc_role role;
};

static const struct fi_dbsrc_alias fi_dbsrc_argus_cols[] = {
    {"saddr", FI_SR_SADDR},  {"daddr", FI_SR_DADDR},	{"sport", FI_SR_SPORT},
    {"dport", FI_SR_DPORT},  {"proto", FI_SR_PROTO},	{"spkts", FI_SR_PKTS},
    {"sbytes", FI_SR_BYTES}, {"dpkts", FI_SR_REV_PKTS}, {"dbytes", FI_SR_REV_BYTES},
    {"stime", FI_SR_STIME},  {"dur", FI_SR_DUR},	{"ltime", FI_SR_LTIME},
};

/* VERMONT's IPFIX names first, then its legacy names (useLegacyNames). */
static const struct fi_dbsrc_alias fi_dbsrc_vermont_cols[] = {
    {"sourceIPv4Address", FI_SR_SADDR},
    {"srcIP", FI_SR_SADDR},
    {"destinationIPv4Address", FI_SR_DADDR},
    {"dstIP", FI_SR_DADDR},
    {"sourceTransportPort", FI_SR_SPORT},
    {"srcPort", FI_SR_SPORT},
    {"destinationTransportPort", FI_SR_DPORT},
    {"dstPort", FI_SR_DPORT},
    {"protocolIdentifier", FI_SR_PROTO},
    {"proto", FI_SR_PROTO},
    {"packetDeltaCount", FI_SR_PKTS},
    {"pkts", FI_SR_PKTS},
    {"octetDeltaCount", FI_SR_BYTES},
    {"bytes", FI_SR_BYTES},
    {"revPacketDeltaCount", FI_SR_REV_PKTS},
    {"revPkts", FI_SR_REV_PKTS},
    {"revOctetDeltaCount", FI_SR_REV_BYTES},
    {"revBytes", FI_SR_REV_BYTES},
    {"flowStartSeconds", FI_SR_START_S},
    {"flowEndSeconds", FI_SR_END_S},
    {"flowStartMilliseconds", FI_SR_START_MS},
    {"firstSwitched", FI_SR_START_MS}, /* milliseconds in these tables */
    {"firstSwitchedMillis", FI_SR_START_MS},
    {"flowEndMilliseconds", FI_SR_END_MS},
    {"lastSwitched", FI_SR_END_MS},
    {"lastSwitchedMillis", FI_SR_END_MS},
};

/* Protocol keywords (IANA, as argus and /etc/protocols print them). */
static const struct {
	const char *name;
	uint8_t num;
} fi_dbsrc_protos[] = {
    {"hopopt", 0},     {"icmp", 1},	    {"igmp", 2},
    {"ggp", 3},	       {"ipencap", 4},	    {"ipnip", 4},
    {"ipv4", 4},       {"st", 5},	    {"tcp", 6},
    {"egp", 8},	       {"igp", 9},	    {"pup", 12},
    {"udp", 17},       {"hmp", 20},	    {"xns-idp", 22},
    {"rdp", 27},       {"iso-tp4", 29},	    {"dccp", 33},
    {"xtp", 36},       {"ddp", 37},	    {"idpr-cmtp", 38},
    {"ipv6", 41},      {"ipv6-route", 43},  {"ipv6-frag", 44},
    {"idrp", 45},      {"rsvp", 46},	    {"gre", 47},
    {"esp", 50},       {"ah", 51},	    {"skip", 57},
    {"ipv6-icmp", 58}, {"icmpv6", 58},	    {"ipv6-nonxt", 59},
    {"ipv6-opts", 60}, {"rspf", 73},	    {"vmtp", 81},
    {"eigrp", 88},     {"ospf", 89},	    {"ospfigp", 89},
    {"ax.25", 93},     {"ipip", 94},	    {"etherip", 97},
    {"encap", 98},     {"pim", 103},	    {"ipcomp", 108},
    {"vrrp", 112},     {"l2tp", 115},	    {"isis", 124},
    {"sctp", 132},     {"fc", 133},	    {"mobility-header", 135},
    {"udplite", 136},  {"mpls-in-ip", 137}, {"manet", 138},
    {"hip", 139},      {"shim6", 140},	    {"wesp", 141},
    {"rohc", 142},     {"ethernet", 143},
};

/* argus records that are not IP flows: skipped, not errors. */
static const char *const fi_dbsrc_not_ip[] = {"arp", "rarp", "man"};

const char *
fi_dbsrc_kind_name(enum fi_dbsrc_kind kind)
{
	return kind == FI_DBSRC_ARGUS ? "argus" : "vermont";
}

/* Index of the column called name (any case) among names[0..n-1], or -1. */
static int
fi_dbsrc_find(const char *const *names, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (strcasecmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

static int
fi_dbsrc_missing(struct fi_err *err, const char *what)
{
	return fi_err_set(err, FI_ENOTFOUND, "no column %s", what);
}

int
fi_dbsrc_layout_init(struct fi_dbsrc_layout *l, enum fi_dbsrc_kind kind,
		     const char *const *names, unsigned n, struct fi_err *err)
{
	const struct fi_dbsrc_alias *alias =
	    kind == FI_DBSRC_ARGUS ? fi_dbsrc_argus_cols : fi_dbsrc_vermont_cols;
	size_t nalias =
	    kind == FI_DBSRC_ARGUS
		? sizeof(fi_dbsrc_argus_cols) / sizeof(fi_dbsrc_argus_cols[0])
		: sizeof(fi_dbsrc_vermont_cols) / sizeof(fi_dbsrc_vermont_cols[0]);
	int found[FI_SR_COUNT];

	memset(l, 0, sizeof(*l));
	l->kind = kind;
	for (int r = 0; r < FI_SR_COUNT; r++)
		found[r] = l->col[r] = -1;
	for (size_t i = 0; i < nalias; i++)
		if (found[alias[i].role] < 0)
			found[alias[i].role] = fi_dbsrc_find(names, n, alias[i].name);

	if (found[FI_SR_SADDR] < 0)
		return fi_dbsrc_missing(
		    err, kind == FI_DBSRC_ARGUS ? "saddr" : "sourceIPv4Address");
	if (found[FI_SR_DADDR] < 0)
		return fi_dbsrc_missing(
		    err, kind == FI_DBSRC_ARGUS ? "daddr" : "destinationIPv4Address");
	if (found[FI_SR_PKTS] < 0)
		return fi_dbsrc_missing(err, kind == FI_DBSRC_ARGUS ? "spkts"
								    : "packetDeltaCount");
	if (found[FI_SR_BYTES] < 0)
		return fi_dbsrc_missing(err, kind == FI_DBSRC_ARGUS ? "sbytes"
								    : "octetDeltaCount");
	if (kind == FI_DBSRC_ARGUS) {
		if (found[FI_SR_PROTO] < 0)
			return fi_dbsrc_missing(err, "proto");
		if (found[FI_SR_STIME] < 0)
			return fi_dbsrc_missing(err, "stime");
		if (found[FI_SR_DUR] < 0 && found[FI_SR_LTIME] < 0)
			return fi_dbsrc_missing(err, "dur (or ltime)");
		if (found[FI_SR_DUR] >= 0)
			found[FI_SR_LTIME] = -1;
	} else {
		if (found[FI_SR_START_S] < 0 && found[FI_SR_START_MS] < 0)
			return fi_dbsrc_missing(
			    err, "flowStartSeconds (or flowStartMilliseconds)");
		if (found[FI_SR_END_S] < 0 && found[FI_SR_END_MS] < 0)
			return fi_dbsrc_missing(
			    err, "flowEndSeconds (or flowEndMilliseconds)");
		/* seconds win over milliseconds, as in queue elements */
		if (found[FI_SR_START_S] >= 0)
			found[FI_SR_START_MS] = -1;
		if (found[FI_SR_END_S] >= 0)
			found[FI_SR_END_MS] = -1;
	}
	/* a reverse flow needs both of its counters */
	if (found[FI_SR_REV_PKTS] < 0 || found[FI_SR_REV_BYTES] < 0)
		found[FI_SR_REV_PKTS] = found[FI_SR_REV_BYTES] = -1;

	for (int r = 0; r < FI_SR_COUNT; r++) {
		size_t len;

		if (found[r] < 0)
			continue;
		len = strlen(names[found[r]]);
		if (len >= FI_IDENT_MAX)
			return fi_err_set(err, FI_ETOOBIG, "column name too long");
		memcpy(l->names[l->n], names[found[r]], len + 1);
		l->col[r] = (int)l->n++;
	}
	return 0;
}

/* A value for a message: at most FI_DBSRC_SHOW_MAX bytes, unprintables as '?'. */
static const char *
fi_dbsrc_show(const struct fi_val *v, char *buf, size_t size)
{
	size_t n = 0;

	switch (v->type) {
	case FI_VAL_NULL:
		snprintf(buf, size, "NULL");
		return buf;
	case FI_VAL_INT:
		snprintf(buf, size, "%lld", (long long)v->v.i);
		return buf;
	case FI_VAL_UINT:
		snprintf(buf, size, "%llu", (unsigned long long)v->v.u);
		return buf;
	case FI_VAL_DOUBLE:
		snprintf(buf, size, "%.17g", v->v.d);
		return buf;
	case FI_VAL_TEXT:
	case FI_VAL_BLOB:
		break;
	}
	buf[n++] = '"';
	for (size_t i = 0; i < v->v.s.n && n + 5 < size && i < FI_DBSRC_SHOW_MAX; i++) {
		unsigned char c = (unsigned char)v->v.s.p[i];

		buf[n++] = (char)(isprint(c) && c != '"' ? c : '?');
	}
	if (v->v.s.n > FI_DBSRC_SHOW_MAX && n + 4 < size) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return buf;
}

/* Reports a bad value of the column of role. */
static int
fi_dbsrc_bad(const struct fi_dbsrc_layout *l, enum fi_dbsrc_role role,
	     const struct fi_val *v, const char *why, struct fi_err *err)
{
	char shown[FI_DBSRC_SHOW_MAX + 8];

	return fi_err_set(err, FI_EINVAL, "%s %s: %s", l->names[l->col[role]],
			  fi_dbsrc_show(v, shown, sizeof(shown)), why);
}

/* A whole number in [0, max] from an integer, integral double or decimal text. */
static int
fi_dbsrc_val_u64(const struct fi_val *v, uint64_t max, uint64_t *out)
{
	switch (v->type) {
	case FI_VAL_INT:
		if (v->v.i < 0 || (uint64_t)v->v.i > max)
			return FI_ERANGE;
		*out = (uint64_t)v->v.i;
		return 0;
	case FI_VAL_UINT:
		if (v->v.u > max)
			return FI_ERANGE;
		*out = v->v.u;
		return 0;
	case FI_VAL_DOUBLE:
		if (!(v->v.d >= 0) || v->v.d > (double)max ||
		    v->v.d >= 18446744073709549568.0 || floor(v->v.d) != v->v.d)
			return FI_ERANGE;
		*out = (uint64_t)v->v.d;
		return 0;
	case FI_VAL_TEXT:
		return fi_num_u64((struct fi_str){v->v.s.p, v->v.s.n}, 0, max, out);
	case FI_VAL_NULL:
	case FI_VAL_BLOB:
		break;
	}
	return FI_EINVAL;
}

int
fi_dbsrc_val_i64(const struct fi_val *v, int64_t *out)
{
	switch (v->type) {
	case FI_VAL_INT:
		*out = v->v.i;
		return 0;
	case FI_VAL_UINT:
		if (v->v.u > INT64_MAX)
			return FI_ERANGE;
		*out = (int64_t)v->v.u;
		return 0;
	case FI_VAL_TEXT:
		return fi_num_i64((struct fi_str){v->v.s.p, v->v.s.n}, INT64_MIN,
				  INT64_MAX, out);
	default:
		return FI_EINVAL;
	}
}

/* A finite number from a double, an integer or decimal text ("123.456"). */
static int
fi_dbsrc_val_double(const struct fi_val *v, double *out)
{
	char tmp[FI_DBSRC_NUM_MAX];
	char *end;
	size_t n;

	switch (v->type) {
	case FI_VAL_DOUBLE:
		*out = v->v.d;
		return isfinite(v->v.d) ? 0 : FI_ERANGE;
	case FI_VAL_INT:
		*out = (double)v->v.i;
		return 0;
	case FI_VAL_UINT:
		*out = (double)v->v.u;
		return 0;
	case FI_VAL_TEXT:
		n = v->v.s.n;
		if (n == 0 || n >= sizeof(tmp))
			return FI_EINVAL;
		/* digits with at most one point and a leading minus: no "nan", "0x" */
		for (size_t i = 0, dots = 0; i < n; i++) {
			char c = v->v.s.p[i];

			if (c == '.' && ++dots == 1)
				continue;
			if (c == '-' && i == 0)
				continue;
			if (c < '0' || c > '9')
				return FI_EINVAL;
		}
		memcpy(tmp, v->v.s.p, n);
		tmp[n] = '\0';
		*out = strtod(tmp, &end);
		return *end == '\0' && isfinite(*out) ? 0 : FI_EINVAL;
	case FI_VAL_NULL:
	case FI_VAL_BLOB:
		break;
	}
	return FI_EINVAL;
}

/* Whether the protocol's ports mean something (else argus may put an SPI there). */
static int
fi_dbsrc_has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 1 || proto == 58 || proto == 132 ||
	       proto == 33 || proto == 136;
}

/* The protocol: 0 and *num, 1 for a record that is not an IP flow, or < 0. */
static int
fi_dbsrc_proto(const struct fi_val *v, uint8_t *num)
{
	uint64_t u;

	if (v->type == FI_VAL_TEXT) {
		struct fi_str s = {v->v.s.p, v->v.s.n};

		for (size_t i = 0;
		     i < sizeof(fi_dbsrc_not_ip) / sizeof(fi_dbsrc_not_ip[0]); i++)
			if (fi_str_caseeq(s, fi_dbsrc_not_ip[i]))
				return 1;
		for (size_t i = 0;
		     i < sizeof(fi_dbsrc_protos) / sizeof(fi_dbsrc_protos[0]); i++)
			if (fi_str_caseeq(s, fi_dbsrc_protos[i].name)) {
				*num = fi_dbsrc_protos[i].num;
				return 0;
			}
	}
	if (fi_dbsrc_val_u64(v, 255, &u) != 0)
		return FI_EINVAL;
	*num = (uint8_t)u;
	return 0;
}

/*
 * A TCP or UDP service name ("ssh") as its port, from the services database
 * (/etc/services): argus clients write names unless told -n, and rasqlinsert
 * sometimes does even with numbers asked for. Names of at most 31 letters,
 * digits and "-_.+" only. Returns 0 or FI_EINVAL.
 */
static int
fi_dbsrc_service(struct fi_str s, uint8_t proto, uint16_t *port)
{
	char name[32], buf[1024];
	struct servent se, *res = NULL;

	if ((proto != 6 && proto != 17) || s.n == 0 || s.n >= sizeof(name))
		return FI_EINVAL;
	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("-_.+", c) != NULL))
			return FI_EINVAL;
		name[i] = c;
	}
	name[s.n] = '\0';
	if (getservbyname_r(name, proto == 6 ? "tcp" : "udp", &se, buf, sizeof(buf),
			    &res) != 0 ||
	    res == NULL)
		return FI_EINVAL;
	*port = ntohs((uint16_t)res->s_port);
	return 0;
}

/*
 * A port: NULL or "" is 0; decimal or 0x-hex text, or a TCP/UDP service
 * name; an integer.
 */
static int
fi_dbsrc_port(const struct fi_val *v, uint8_t proto, uint16_t *port)
{
	uint64_t u;

	if (v->type == FI_VAL_NULL || (v->type == FI_VAL_TEXT && v->v.s.n == 0)) {
		*port = 0;
		return 0;
	}
	if (v->type == FI_VAL_TEXT) {
		struct fi_str s = {v->v.s.p, v->v.s.n};

		if (fi_num_u64_hexdec(s, 0, 65535, &u) != 0)
			return fi_dbsrc_service(s, proto, port);
	} else if (fi_dbsrc_val_u64(v, 65535, &u) != 0) {
		return FI_EINVAL;
	}
	*port = (uint16_t)u;
	return 0;
}

/* An address: IPv4 or IPv6 text, or (VERMONT) an IPv4 integer in host order. */
static int
fi_dbsrc_addr(const struct fi_val *v, enum fi_dbsrc_kind kind, struct fi_addr *a)
{
	uint64_t u;

	if (v->type == FI_VAL_TEXT)
		return fi_addr_parse((struct fi_str){v->v.s.p, v->v.s.n},
				     kind == FI_DBSRC_VERMONT ? FI_ADDR_ALLOW_INT : 0, a);
	if (kind == FI_DBSRC_VERMONT &&
	    (v->type == FI_VAL_INT || v->type == FI_VAL_UINT) &&
	    fi_dbsrc_val_u64(v, UINT32_MAX, &u) == 0) {
		*a = fi_addr_from_v4((uint32_t)u);
		return 0;
	}
	return FI_EINVAL;
}

/* argus: [floor(stime), floor(stime + dur)], or floor(ltime) as the end. */
static int
fi_dbsrc_argus_times(const struct fi_dbsrc_layout *l, const struct fi_val *vals,
		     struct fi_flow *f, struct fi_err *err)
{
	const struct fi_val *vs = &vals[l->col[FI_SR_STIME]];
	double stime, end, x;

	if (fi_dbsrc_val_double(vs, &stime) != 0 || stime < 0 ||
	    stime >= FI_TIME_MAX + 1.0)
		return fi_dbsrc_bad(l, FI_SR_STIME, vs, "not a time", err);
	if (l->col[FI_SR_DUR] >= 0) {
		const struct fi_val *vd = &vals[l->col[FI_SR_DUR]];

		if (fi_dbsrc_val_double(vd, &x) != 0)
			return fi_dbsrc_bad(l, FI_SR_DUR, vd, "not a duration", err);
		if (x < 0)
			return fi_dbsrc_bad(l, FI_SR_DUR, vd, "negative duration", err);
		end = stime + x;
		if (!(end < FI_TIME_MAX + 1.0))
			return fi_dbsrc_bad(l, FI_SR_DUR, vd, "ends past the year 2106",
					    err);
	} else {
		const struct fi_val *vl = &vals[l->col[FI_SR_LTIME]];

		if (fi_dbsrc_val_double(vl, &end) != 0 || end >= FI_TIME_MAX + 1.0)
			return fi_dbsrc_bad(l, FI_SR_LTIME, vl, "not a time", err);
		if (end < stime)
			return fi_dbsrc_bad(l, FI_SR_LTIME, vl, "before stime", err);
	}
	f->first = (int64_t)floor(stime);
	f->last = (int64_t)floor(end);
	return 0;
}

/* VERMONT: seconds, or milliseconds floored; the end must not precede the start. */
static int
fi_dbsrc_vermont_times(const struct fi_dbsrc_layout *l, const struct fi_val *vals,
		       struct fi_flow *f, struct fi_err *err)
{
	uint64_t t[2], ms[2];
	int in_ms = 0;

	for (int end = 0; end < 2; end++) {
		enum fi_dbsrc_role rs = end ? FI_SR_END_S : FI_SR_START_S;
		enum fi_dbsrc_role rms = end ? FI_SR_END_MS : FI_SR_START_MS;

		if (l->col[rs] >= 0) {
			const struct fi_val *v = &vals[l->col[rs]];

			if (fi_dbsrc_val_u64(v, FI_TIME_MAX, &t[end]) != 0)
				return fi_dbsrc_bad(l, rs, v, "not a time in seconds",
						    err);
		} else {
			const struct fi_val *v = &vals[l->col[rms]];

			if (fi_dbsrc_val_u64(v, FI_TIME_MAX * 1000 + 999, &ms[end]) != 0)
				return fi_dbsrc_bad(l, rms, v,
						    "not a time in milliseconds", err);
			t[end] = ms[end] / 1000;
			in_ms |= 1 << end;
		}
	}
	if ((in_ms == 3 && ms[1] < ms[0]) || t[1] < t[0])
		return fi_err_set(err, FI_EINVAL, "the flow ends before it starts");
	f->first = (int64_t)t[0];
	f->last = (int64_t)t[1];
	return 0;
}

/* A counter: a whole number in [0, INT64_MAX]; NULL is an error. */
static int
fi_dbsrc_counter(const struct fi_dbsrc_layout *l, enum fi_dbsrc_role role,
		 const struct fi_val *vals, uint64_t *out, struct fi_err *err)
{
	const struct fi_val *v = &vals[l->col[role]];

	if (v->type == FI_VAL_NULL)
		return fi_dbsrc_bad(l, role, v, "counter is NULL", err);
	if (fi_dbsrc_val_u64(v, INT64_MAX, out) != 0)
		return fi_dbsrc_bad(l, role, v, "not a count", err);
	return 0;
}

int
fi_dbsrc_decode(const struct fi_dbsrc_layout *l, const struct fi_val *vals,
		const struct fi_dbsrc_limits *lim, struct fi_flow out[2], unsigned *nout,
		struct fi_err *err)
{
	struct fi_flow *f = &out[0];
	int rc;

	*nout = 0;
	memset(f, 0, sizeof(*f));
	f->flows = FI_FLOW_UNIT;
	if (l->col[FI_SR_PROTO] >= 0) {
		const struct fi_val *v = &vals[l->col[FI_SR_PROTO]];

		rc = fi_dbsrc_proto(v, &f->proto);
		if (rc == 1)
			return 0; /* arp, man: not an IP flow */
		if (rc != 0)
			return fi_dbsrc_bad(l, FI_SR_PROTO, v, "unknown protocol", err);
	}
	rc = l->kind == FI_DBSRC_ARGUS ? fi_dbsrc_argus_times(l, vals, f, err)
				       : fi_dbsrc_vermont_times(l, vals, f, err);
	if (rc != 0)
		return rc;
	if (lim != NULL && f->last - f->first + 1 > lim->max_duration)
		return fi_err_set(err, FI_EINVAL,
				  "the flow lasts %lld s, longer than max_flow_duration",
				  (long long)(f->last - f->first + 1));
	for (int d = 0; d < 2; d++) {
		enum fi_dbsrc_role r = d ? FI_SR_DADDR : FI_SR_SADDR;
		const struct fi_val *v = &vals[l->col[r]];

		if (fi_dbsrc_addr(v, l->kind, d ? &f->dst : &f->src) != 0)
			return fi_dbsrc_bad(l, r, v, "not an IP address", err);
	}
	for (int d = 0; d < 2; d++) {
		enum fi_dbsrc_role r = d ? FI_SR_DPORT : FI_SR_SPORT;
		uint16_t *port = d ? &f->dport : &f->sport;

		if (l->col[r] < 0)
			continue;
		/* argus writes an ESP SPI as dport: not a port */
		if (l->kind == FI_DBSRC_ARGUS && !fi_dbsrc_has_ports(f->proto))
			continue;
		if (fi_dbsrc_port(&vals[l->col[r]], f->proto, port) != 0)
			return fi_dbsrc_bad(l, r, &vals[l->col[r]], "not a port", err);
	}
	if (fi_dbsrc_counter(l, FI_SR_PKTS, vals, &f->packets, err) != 0 ||
	    fi_dbsrc_counter(l, FI_SR_BYTES, vals, &f->bytes, err) != 0)
		return FI_EINVAL;
	*nout = 1;
	if (l->col[FI_SR_REV_PKTS] >= 0) {
		const struct fi_val *vp = &vals[l->col[FI_SR_REV_PKTS]];
		const struct fi_val *vb = &vals[l->col[FI_SR_REV_BYTES]];
		uint64_t p, b;

		if (vp->type == FI_VAL_NULL && vb->type == FI_VAL_NULL)
			return 0; /* no reverse direction recorded */
		if (fi_dbsrc_counter(l, FI_SR_REV_PKTS, vals, &p, err) != 0 ||
		    fi_dbsrc_counter(l, FI_SR_REV_BYTES, vals, &b, err) != 0) {
			*nout = 0;
			return FI_EINVAL;
		}
		if (p > 0) {
			struct fi_flow *r = &out[1];

			*r = *f;
			r->src = f->dst;
			r->dst = f->src;
			r->sport = f->dport;
			r->dport = f->sport;
			r->packets = p;
			r->bytes = b;
			*nout = 2;
		}
	}
	return 0;
}

/* Reads n decimal digits at p; -1 if any is not a digit. */
static int
fi_dbsrc_digits(const char *p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's method). */
static int64_t
fi_dbsrc_days(int y, int m, int d)
{
	int64_t yy = y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static int
fi_dbsrc_valid_day(int y, int m, int d)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return y >= 1970 && y <= 2105 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= mdays[m - 1] &&
	       !(m == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0)));
}

int
fi_dbsrc_table_day(enum fi_dbsrc_kind kind, const char *name, int64_t *day_start)
{
	size_t n = strlen(name);

	if (kind == FI_DBSRC_VERMONT) {
		/* f_YYMMDD_HHMMSS */
		int y, m, d;

		if (n != 15 || strncasecmp(name, "f_", 2) != 0 || name[8] != '_')
			return FI_ENOTFOUND;
		y = fi_dbsrc_digits(name + 2, 2);
		m = fi_dbsrc_digits(name + 4, 2);
		d = fi_dbsrc_digits(name + 6, 2);
		if (y < 0 || fi_dbsrc_digits(name + 9, 6) < 0 ||
		    !fi_dbsrc_valid_day(2000 + y, m, d))
			return FI_ENOTFOUND;
		*day_start = fi_dbsrc_days(2000 + y, m, d) * 86400;
		return 0;
	}
	/* the first YYYY_MM_DD, YYYY-MM-DD or YYYYMMDD in the name */
	for (size_t i = 0; i + 8 <= n; i++) {
		int y = fi_dbsrc_digits(name + i, 4), m, d;

		if (y < 0 || (i > 0 && isdigit((unsigned char)name[i - 1])))
			continue;
		if (i + 10 <= n && (name[i + 4] == '_' || name[i + 4] == '-') &&
		    name[i + 7] == name[i + 4]) {
			m = fi_dbsrc_digits(name + i + 5, 2);
			d = fi_dbsrc_digits(name + i + 8, 2);
		} else {
			m = fi_dbsrc_digits(name + i + 4, 2);
			d = fi_dbsrc_digits(name + i + 6, 2);
		}
		if (fi_dbsrc_valid_day(y, m, d)) {
			*day_start = fi_dbsrc_days(y, m, d) * 86400;
			return 0;
		}
	}
	return FI_ENOTFOUND;
}

int
fi_dbsrc_quote(struct fi_buf *b, const char *name)
{
	int rc = fi_buf_append(b, "`", 1);

	for (const char *p = name; rc == 0 && *p; p++)
		rc = *p == '`' ? fi_buf_append(b, "``", 2) : fi_buf_append(b, p, 1);
	return rc ? rc : fi_buf_append(b, "`", 1);
}
