/*
 * fi_query.h: the query string of an API request (SPEC 6), parsed and checked.
 * A bounded parser over a counted string: URL decoding, one entry per
 * parameter, every value validated, field names from a fixed table. Pure: no
 * socket, no database; the route decides later which fields make sense.
 */
#ifndef FI_QUERY_H
#define FI_QUERY_H

#include <stdint.h>
#include <stdio.h>

#include "fi_addr.h"
#include "fi_buf.h"
#include "fi_err.h"
#include "fi_flow.h"
#include "fi_limits.h"

/* What a field name refers to. */
enum fi_fkind {
	FI_FK_BUCKET,	 /* bucket */
	FI_FK_SRC,	 /* sourceIPv4Address / sourceIPv6Address */
	FI_FK_DST,	 /* destinationIPv4Address / destinationIPv6Address */
	FI_FK_SPORT,	 /* sourceTransportPort */
	FI_FK_DPORT,	 /* destinationTransportPort */
	FI_FK_PROTO,	 /* protocolIdentifier */
	FI_FK_ID,	 /* id: the address or port of an index row */
	FI_FK_IPADDRESS, /* aggregate pseudo-field: either endpoint address */
	FI_FK_PORT,	 /* aggregate pseudo-field: either endpoint port */
	FI_FK_CLASS,	 /* tcp, udp, icmp, other: a class's three counters */
	FI_FK_COUNTER,	 /* [src_|dst_][class_](flows|packetDeltaCount|octetDeltaCount) */
};

/* Directions of a counter: the whole row, or one side of an index row. */
enum fi_dir { FI_DIR_ALL = 0, FI_DIR_SRC = 1, FI_DIR_DST = 2, FI_DIR_COUNT = 3 };

/* The three counters. */
enum fi_ctr { FI_CTR_FLOWS = 0, FI_CTR_PACKETS = 1, FI_CTR_BYTES = 2, FI_CTR_COUNT = 3 };

/* Their API names: "flows", "packetDeltaCount", "octetDeltaCount". */
extern const char *const fi_ctr_names[FI_CTR_COUNT];
/* "", "src", "dst" */
extern const char *const fi_dir_names[FI_DIR_COUNT];

/* One field name, resolved. */
struct fi_field {
	uint8_t kind; /* enum fi_fkind */
	uint8_t dir;  /* enum fi_dir, counters only */
	uint8_t cls;  /* enum fi_proto_class, or FI_PC_COUNT for all classes */
	uint8_t ctr;  /* enum fi_ctr, counters only */
};

/* One key of `sort`. */
struct fi_sort_key {
	struct fi_field field;
	int desc; /* 1 for descending */
};

/* Parameters that were given, for fi_query.have. */
enum {
	FI_QP_START_BUCKET = 1u << 0,
	FI_QP_END_BUCKET = 1u << 1,
	FI_QP_BUCKET_SIZE = 1u << 2,
	FI_QP_RESOLUTION = 1u << 3,
	FI_QP_LIMIT = 1u << 4,
	FI_QP_SORT = 1u << 5,
	FI_QP_FIELDS = 1u << 6,
	FI_QP_AGGREGATE = 1u << 7,
	FI_QP_INCLUDE_IPS = 1u << 8,
	FI_QP_EXCLUDE_IPS = 1u << 9,
	FI_QP_INCLUDE_PORTS = 1u << 10,
	FI_QP_EXCLUDE_PORTS = 1u << 11,
	FI_QP_INCLUDE_PROTOS = 1u << 12,
	FI_QP_EXCLUDE_PROTOS = 1u << 13,
	FI_QP_BLACK_OTHERS = 1u << 14,
	FI_QP_BIFLOW = 1u << 15,
	FI_QP_COUNT = 1u << 16,
	FI_QP_OFFSET = 1u << 17,
	FI_QP_PREFIX = 1u << 18,
	FI_QP_DEPTH = 1u << 19,
	FI_QP_VALUE = 1u << 20,
	FI_QP_DIRECTION = 1u << 21,
	FI_QP_BY = 1u << 22,
	FI_QP_COUNTRY = 1u << 23,
	FI_QP_ASN = 1u << 24,
	FI_QP_GEOTAG = 1u << 25,
};

/* The parameters only /api/hilbert takes. */
#define FI_QP_HILBERT (FI_QP_PREFIX | FI_QP_DEPTH | FI_QP_VALUE | FI_QP_DIRECTION)

/* The parameters only /api/geo takes (besides value and direction). */
#define FI_QP_GEO (FI_QP_BY | FI_QP_COUNTRY | FI_QP_ASN)

/* What /api/geo groups by (by=). */
enum fi_geo_by { FI_GEO_BY_COUNTRY, FI_GEO_BY_ASN, FI_GEO_BY_HOST };

/* A group of /api/geo's country= or asn=: a known one, local or unknown. */
enum { FI_GEO_SEL_KNOWN, FI_GEO_SEL_LOCAL, FI_GEO_SEL_UNKNOWN };

/* The filters: parameters that select flows. */
#define FI_QP_FILTERS                                                                    \
	(FI_QP_INCLUDE_IPS | FI_QP_EXCLUDE_IPS | FI_QP_INCLUDE_PORTS |                   \
	 FI_QP_EXCLUDE_PORTS | FI_QP_INCLUDE_PROTOS | FI_QP_EXCLUDE_PROTOS)

/* A set of IP protocol numbers. */
struct fi_protoset {
	uint8_t bits[32]; /* bit p set: protocol p is in the set */
};

/*
 * A parsed query. Large (the lists are fixed arrays), so allocate it once
 * and reuse it; fi_query_parse resets it.
 */
struct fi_query {
	unsigned have;	      /* FI_QP_* bits of the parameters given (non-empty) */
	int64_t start_bucket; /* >= 0; 0 when not given */
	int64_t end_bucket;   /* <= FI_TIME_MAX; FI_TIME_MAX when not given */
	uint32_t bucket_size; /* a configured size, 0 = let the server choose */
	uint64_t resolution;  /* >= 1; 1 when not given (as the original) */
	uint64_t limit;	      /* 0 = no limit */
	uint64_t offset;      /* rows skipped before the first answered; 0 */
	struct fi_sort_key sort[FI_QUERY_SORT_MAX];
	unsigned nsort;
	struct fi_field fields[FI_QUERY_NAMES_MAX]; /* without duplicates */
	unsigned nfields;
	struct fi_field aggregate[FI_QUERY_NAMES_MAX]; /* without duplicates */
	unsigned naggregate;
	struct fi_prefix include_ips[FI_QUERY_ITEMS_MAX];
	unsigned ninclude_ips;
	struct fi_prefix exclude_ips[FI_QUERY_ITEMS_MAX];
	unsigned nexclude_ips;
	uint16_t include_ports[FI_QUERY_ITEMS_MAX];
	unsigned ninclude_ports;
	uint16_t exclude_ports[FI_QUERY_ITEMS_MAX];
	unsigned nexclude_ports;
	struct fi_protoset include_protos; /* valid with FI_QP_INCLUDE_PROTOS */
	struct fi_protoset exclude_protos; /* valid with FI_QP_EXCLUDE_PROTOS */
	int black_others;		   /* flags: 0 or 1 */
	int biflow;
	int count;
	int geotag;		 /* geo=1: country and AS beside every address */
	struct fi_prefix prefix; /* valid with FI_QP_PREFIX: a CIDR prefix, host bits 0 */
	int64_t depth;		 /* valid with FI_QP_DEPTH: checked by the route */
	uint8_t value;		 /* enum fi_ctr, FI_CTR_COUNT (all) when not given */
	uint8_t direction;	 /* enum fi_dir, FI_DIR_ALL (both) when not given */
	uint8_t geo_by;		 /* enum fi_geo_by; with FI_QP_BY */
	uint8_t country_sel;	 /* FI_GEO_SEL_*; with FI_QP_COUNTRY */
	char country[3];	 /* ISO code, upper case, with FI_GEO_SEL_KNOWN */
	uint8_t asn_sel;	 /* FI_GEO_SEL_*; with FI_QP_ASN */
	uint32_t asn;		 /* with FI_GEO_SEL_KNOWN */
};

/*
 * Parses the query string qs (not NUL-terminated, without the '?') into q.
 * sizes[0..nsizes) are the configured bucket sizes, which bucket_size must be
 * one of. Returns 0, or FI_EINVAL / FI_ETOOBIG with err->msg the message for
 * the client (a sentence, e.g. "Param limit has to be an integer.").
 */
int fi_query_parse(struct fi_str qs, const uint32_t *sizes, unsigned nsizes,
		   struct fi_query *q, struct fi_err *err);

/* Whether protocol p is in set s. */
int fi_query_protoset_has(const struct fi_protoset *s, unsigned p);

/*
 * The protocols q lets through: include_protos (or every protocol) minus
 * exclude_protos, into *allowed. Returns how many (0-256).
 */
unsigned fi_query_protos(const struct fi_query *q, struct fi_protoset *allowed);

/* The name of the parameter with FI_QP_* bit, a static string ("?" if none). */
const char *fi_query_param_name(unsigned bit);

/*
 * The API name of a field (for messages and output), written into buf;
 * returns buf. Addresses get their IPv4 names.
 */
const char *fi_query_field_name(const struct fi_field *f, char *buf, size_t size);

/* Whether two fields are the same. */
int fi_query_field_eq(const struct fi_field *a, const struct fi_field *b);

/*
 * Prints q in a stable text form (one parameter a line, only those given),
 * for the data-driven tests and for debugging.
 */
void fi_query_print(const struct fi_query *q, FILE *out);

#endif
