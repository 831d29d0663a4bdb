/*
 * fi_limits.h: the hard limits of flowinspector in one place: how much the
 * programs accept of what comes from outside (config files, queue
 * elements, packets, HTTP queries, source databases) and how large a
 * buffer, a statement or an answer may grow. Parsers and buffers check
 * against these before copying; raising one is a deliberate decision, so
 * they live together where they can be reviewed.
 *
 * Not here, by choice: tuning values (intervals, timeouts, batch sizes,
 * retry counts) and the sizes of buffers private to one function stay
 * next to their use. Not here yet: fi_db.c's FI_DB_COL_MAX (largest column
 * value read) and FI_DB_PARAMS_MAX (the protocol's placeholders).
 */
#ifndef FI_LIMITS_H
#define FI_LIMITS_H

/* config files */
#define FI_CONFIG_LINE_MAX  4096     /* bytes in one config line */
#define FI_CONFIG_VALUE_MAX 1024     /* bytes in one config value */
#define FI_CONFIG_STR_MAX   256	     /* bytes of a string setting, with NUL */
#define FI_BUCKET_SIZES_MAX 8	     /* entries in flow_bucket_sizes */
#define FI_BUCKET_SIZE_MIN  1	     /* seconds */
#define FI_BUCKET_SIZE_MAX  31622400 /* one leap year of seconds */
#define FI_SCHEMA_HOSTS_MAX 16	     /* entries in db_grant_hosts */

/* every program */
#define FI_TIME_MAX	   4294967295LL /* flow times: buckets are INT UNSIGNED */
#define FI_ERR_MSG_MAX	   256		/* bytes of an error message */
#define FI_LOG_LINE_MAX	   1024		/* bytes of one log line */
#define FI_ADDR_TEXT_MAX   64		/* bytes of an address in text form, with NUL */
#define FI_BUF_DEFAULT_CAP (64u << 20)	/* default hard cap of an fi_buf */
#define FI_IDENT_MAX	   64		/* bytes of a database identifier */
#define FI_SQL_SCRIPT_MAX  (1 << 20)	/* bytes of one schema script */
#define FI_BACKOFF_MAX_S   30		/* seconds of the longest reconnect wait */

/* the queue: elements taken by the importer, pushed by the probe */
#define FI_MESSAGE_MAX	    4096	/* bytes of one queue element */
#define FI_DEAD_ELEMENT_MAX (64 * 1024) /* bytes of an element kept in a dead letter */

/* the importer's write path */
#define FI_STORE_PARAMS_MAX 8000 /* placeholders per statement */
/*
 * The largest value any stored counter may reach: packets and bytes of one
 * element, of one row of the cache, of one row of a bucket table; flows in
 * 1/FI_FLOW_UNIT (9,223,372,036.854775807 flows). 2^63-1, so every signed
 * 64-bit reader keeps it (the columns are BIGINT UNSIGNED); 9.2 EB in one
 * bucket is no real traffic. What would pass it is refused, never wrapped.
 */
#define FI_COUNTER_MAX 9223372036854775807ULL

/* the database sources: what a source database may hold */
#define FI_DBSRC_TABLES_MAX    65536 /* tables of one source database we look at */
#define FI_DBSRC_COLUMNS_MAX   4096  /* MariaDB's own limit on columns per table */
#define FI_DBSRC_KEY_COLS      64    /* columns of a unique key used for ordering */
#define FI_DBSRC_NUM_MAX       64    /* bytes of a number given as text */
#define FI_DBSRC_SQL_MAX       16384 /* bytes of a generated SELECT */
#define FI_DBSRC_MARK_TEXT_MAX 255   /* fi_source_marks.mark is VARBINARY(255) */

/* the probe: headers followed in one packet, its flow table, its filter */
#define FI_PKT_VLAN_MAX	     8		/* stacked VLAN tags */
#define FI_PKT_MPLS_MAX	     16		/* MPLS labels */
#define FI_PKT_IP6EH_MAX     16		/* IPv6 extension headers */
#define FI_METER_FLOWS_LIMIT 100000000u /* most probe_max_flows allows */
#define FI_METER_FRAG_SLOTS  16384	/* fragmented datagrams remembered */
#define FI_PROBE_FILTER_MAX  4096	/* bytes of a BPF filter expression */

/* the JSON API: query strings, generated statements, answers */
#define FI_QUERY_MAX	   8192	       /* bytes of an HTTP query string */
#define FI_QUERY_ITEMS_MAX 1024	       /* items in one comma list parameter */
#define FI_QUERY_SORT_MAX  8	       /* keys in the sort parameter */
#define FI_QUERY_NAMES_MAX 64	       /* distinct names in fields / aggregate */
#define FI_QUERY_ECHO_MAX  40	       /* bytes of client input quoted in a message */
#define FI_API_SQL_MAX	   (1 << 18)   /* bytes of one statement (long filter lists) */
#define FI_API_PARAMS_MAX  16384       /* bound parameters of one statement */
#define FI_API_BODY_MAX	   (64u << 20) /* bytes of one answer */

/*
 * the node and port indexes' first rows (nodetop_S, porttop_S,
 * sql/buckets.sql): hosts (ports) ranked per bucket and counter by the
 * roll-up, ranks 1 to this + 1 (the last one is the largest value left
 * out); the responder answers a page from them
 * while its offset + rows are at most this (fcgi/fi_api_indextop.c)
 */
#define FI_NODETOP_RANKS 100

/*
 * the host pairs' first rows (pairtop_S, sql/buckets.sql): per bucket of the
 * coarsest size and counter the (source, destination) pairs ranked by the
 * roll-up, ranks 1 to this + 1. Twice the edge bundle's 20,000 pairs
 * (static/js/views/page.js PAIR_LIMIT): the week's top pairs are then found
 * from the seven days' lists (fcgi/fi_api_pairtop.c).
 */
#define FI_PAIRTOP_RANKS 40000

/* the roll-up's connections at once (rollup_connections, importer/fi_rollup.c) */
#define FI_ROLLUP_CONNECTIONS_MAX 8

/* the address-space map of /api/hilbert: at most 4^order = 2^20 cells */
#define FI_HILBERT_ORDER_MAX 10

/* the country and AS lookup (fcgi/fi_geo.c): strings copied out of a database */
#define FI_GEO_AS_NAME_MAX 256 /* bytes of an AS name, with NUL; cut at a character */
#define FI_GEO_TYPE_MAX	   64  /* bytes of a database's type, with NUL */

#endif
