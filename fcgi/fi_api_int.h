/*
 * fi_api_int.h: what the files of the API (fi_api*.c) share and nothing
 * else sees: the worker's state, the state of one request, and the shared
 * parts each route uses: the connection (fi_api_db.c), running statements
 * (fi_api_run.c), statement pieces (fi_api_sql.c), rows and numbers
 * (fi_api_row.c), the HTTP side (fi_api_http.c), and the route handlers.
 */
#ifndef FI_API_INT_H
#define FI_API_INT_H

#include <stdint.h>

#include "fi_api.h"
#include "fi_db.h"
#include "fi_err.h"
#include "fi_geo.h"
#include "fi_hilbert.h"
#include "fi_jsonw.h"
#include "fi_log.h"
#include "fi_query.h"
#include "fi_sqlb.h"

#define FI_API_SUBUNITS	  1000000000LL /* counters are kept in billionths */
#define FI_API_STMT_CACHE 32	       /* prepared statements a worker keeps */
#define FI_API_KEYS_MAX	  8	       /* key fields of a row or a group */

/* A prepared statement kept for reuse, by its text. */
struct fi_api_stmt_slot {
	char *sql;	    /* owned copy of the text, NULL when the slot is free */
	struct fi_stmt *st; /* owned, prepared on api->db */
	uint64_t last_used; /* for evicting the least recently used */
};

/* One worker's API state (fi_api.h). */
struct fi_api {
	const struct fi_config *cfg;			  /* borrowed */
	struct fi_api_stmt_slot stmts[FI_API_STMT_CACHE]; /* statements of db */
	uint64_t stmt_clock;				  /* use counter for the cache */
	struct fi_db *db;	  /* owned; NULL while disconnected */
	int64_t last_attempt_ms;  /* monotonic time of the last connect attempt */
	struct fi_query *q;	  /* owned, reused */
	struct fi_sqlb sb;	  /* reused statement builder */
	struct fi_err dberr;	  /* the last database error */
	enum fi_db_fault dbfault; /* its kind */
	struct fi_ratelimit rl;	  /* for logging database errors */
	struct fi_gate *gate;	  /* large-query gate of the workers, or NULL */
	unsigned gate_slot;	  /* this worker's slot in it */
	struct fi_geo *geo;	  /* owned: countries and ASes (/api/geo) */
};

/* A one-row result of up to two integers (MIN/MAX, a timestamp). */
struct fi_api_pair {
	int have[2];   /* the value was not NULL */
	uint64_t v[2]; /* the values */
};

/*
 * What a row of the flow table prints (bucket query modes B and C): bucket,
 * the listed keys in order, the whole-row counters asked for, and per class
 * the counters asked for. Built from `fields`, or everything without it.
 */
struct fi_api_rowplan {
	enum fi_fkind keys[FI_API_KEYS_MAX]; /* key fields after bucket, in order */
	unsigned nkeys;
	unsigned all_ctrs;		/* bit k: whole-row counter k */
	unsigned cls_ctrs[FI_PC_COUNT]; /* bit k: counter k of that class */
};

/* The grouped rows of bucket query modes D and E. */
struct fi_api_aggplan {
	enum fi_fkind keys[FI_API_KEYS_MAX]; /* group keys: column i is keys[i] */
	unsigned nkeys;
	enum fi_fkind maxes[FI_API_KEYS_MAX]; /* MAX() of these key fields follow */
	unsigned nmaxes;
	int endpoint; /* grouped by ipaddress or port (mode E) */
};

/* The map of /api/hilbert while its rows are read. */
struct fi_api_hmap {
	struct fi_hilbert plan;	      /* prefix, depth, SQL window */
	unsigned classes;	      /* bit c: protocol class c is counted */
	unsigned ctrs;		      /* bit k: counter k is answered */
	__int128 max[FI_CTR_COUNT];   /* largest cell, per counter */
	__int128 total[FI_CTR_COUNT]; /* sum of the cells, per counter */
	uint64_t nonzero;	      /* cells with traffic */
};

/* One request while it is answered. */
struct fi_req {
	struct fi_api *api;
	struct fi_api_response *resp;
	struct fi_jsonw w; /* writes into resp->body */
	const struct fi_query *q;
	uint32_t size;	/* the bucket size answered */
	uint64_t fetch; /* rows to fetch (LIMIT), one more than max_rows to see a cut */
	uint64_t max;	/* rows to write */
	uint64_t rows;	/* rows written */
	unsigned name;	/* the name after a route's path: indexes 0 nodes, 1 ports */
	struct fi_err err;	 /* a client error (400) found while planning */
	struct fi_api_pair pair; /* result of fi_api_run_pair */
	struct fi_api_pair
	    in[FI_BUCKET_SIZES_MAX]; /* per size: data range within the query's */
	struct fi_api_pair all[FI_BUCKET_SIZES_MAX]; /* per size: data range overall */
	int have_ranges;			     /* in[] and all[] are filled */
	int range_in_rows;  /* the timeline's rows carry the data range of its size */
	int range_read;	    /* ... and pair holds it */
	uint64_t span_rows; /* timeline rows read (fi_api_bucket_row_totals_span) */
	struct fi_api_groups *groups;	/* groups being summed (fi_api_groups.c) */
	struct fi_api_pairtop *pairtop; /* the pair lists being read (fi_api_pairtop.c) */
	int heavy;    /* the statement being built scans a per-key table */
	int admitted; /* the request holds the large-query gate */
	int busy;     /* refused by the gate */
	int retried;  /* a statement was run again on a new connection */
	int all_time; /* the all-time index: no bucket range in the statements */
	int top; /* fi_api_top.c, fi_api_indextop.c: 0 not known yet, 1 exact, -1 not */
	struct fi_api_rowplan rowplan; /* bucket query modes B and C */
	struct fi_api_aggplan aggplan; /* bucket query modes D and E */
	struct fi_api_hmap hmap;       /* /api/hilbert */
	struct fi_api_geo *geoq;       /* /api/geo: the addresses being summed */
	unsigned geo_classes;	       /* /api/geo: bit c: class c is counted */
	int64_t lag_ms; /* how far the database's heartbeat is behind, -1: unknown */
};

/* A counter block: [dir][class, FI_PC_COUNT = all][counter], in billionths. */
struct fi_api_block {
	__int128 v[FI_DIR_COUNT][FI_PC_COUNT + 1][FI_CTR_COUNT];
};

/* Writes one row of a result; returns 0 or a negative code. */
typedef int (*fi_api_row_fn)(struct fi_req *r, struct fi_stmt *st);

/* A route's step: 0, or a negative code (r->err set for a 400). */
typedef int (*fi_api_step_fn)(struct fi_req *r);

/* ---- fi_api_db.c: the connection and its prepared statements ---- */

/* Connects (at most once a second) and sets the session up; 0 or FI_EUNAVAIL. */
int fi_api_db_connect(struct fi_api *api);

/* Connects now, whenever the last attempt was; 0 or FI_EUNAVAIL. */
int fi_api_db_reconnect(struct fi_api *api);

/* Closes the connection and the statements prepared on it. */
void fi_api_db_disconnect(struct fi_api *api);

/*
 * The prepared statement for sql, from the cache or prepared now. Returns a
 * borrowed statement with *slotp its cache slot, or an owned one with
 * *slotp NULL (the caller frees it), or NULL with err set.
 */
struct fi_stmt *fi_api_db_stmt(struct fi_api *api, const char *sql,
			       struct fi_api_stmt_slot **slotp, struct fi_err *err);

/* Drops a cached statement (after a failure, it is prepared afresh). */
void fi_api_db_stmt_drop(struct fi_api_stmt_slot *slot);

/*
 * Records a failed statement's error and fault; closes a lost connection.
 * Returns the code to pass on (FI_EUNAVAIL when the connection is gone).
 */
int fi_api_db_fail(struct fi_api *api, const struct fi_err *err, enum fi_db_fault fault);

/* ---- fi_api_run.c: running the built statement ---- */

/*
 * Prepares and runs the statement built in r->api->sb, calling fn for every
 * row; a statement that scans a per-key table (r->heavy) first enters the
 * large-query gate. A connection found lost before the first row is opened
 * again and the statement run once more (once per request). Returns 0, a negative code
 * with the database error recorded, FI_EINVAL with r->err set (a statement too large), or
 * FI_EUNAVAIL with r->busy set (the gate stayed full).
 */
int fi_api_run(struct fi_req *r, fi_api_row_fn fn);

/* Runs the built one-row statement of up to two integers into *out. */
int fi_api_run_pair(struct fi_req *r, struct fi_api_pair *out);

/* The data range (MIN, MAX bucket) of one size. */
int fi_api_run_range(struct fi_req *r, uint32_t size, struct fi_api_pair *out);

/*
 * Sets r->size: bucket_size if given, else the finest size whose buckets
 * with data in the range number <= resolution, else the coarsest.
 */
int fi_api_run_choose_size(struct fi_req *r);

/* Runs the statement built so far as a count of its rows: "count": N. */
int fi_api_run_count(struct fi_req *r);

/* ---- fi_api_sql.c: statement pieces every route uses ---- */

extern const char fi_api_sql_select[];
extern const char fi_api_sql_ctr_sums[];
extern const char fi_api_sql_dirs[];
extern const char fi_api_sql_endpoint_addr[];
extern const char fi_api_sql_endpoint_port[];
extern const char *const fi_api_sql_cls_cond[FI_PC_COUNT];
extern const char *const fi_api_sql_ctr[FI_CTR_COUNT];
extern const char *const fi_api_sql_cls[FI_PC_COUNT];
extern const char *const fi_api_sql_dir[FI_DIR_COUNT];

/* Appends " FROM totals_<size>". */
void fi_api_sql_from_totals(struct fi_sqlb *b, uint32_t size);

/* Appends " FROM nodes_<size>" (ports 0) or " FROM ports_<size>". */
void fi_api_sql_from_index(struct fi_sqlb *b, unsigned ports, uint32_t size);

/* Appends "bucket >= ? AND bucket <= ?" with lo and hi bound. */
void fi_api_sql_bucket_range(struct fi_sqlb *b, int64_t lo, int64_t hi);

/* Appends the WHERE clause of the query's flow filters (and its range). */
void fi_api_sql_where(struct fi_sqlb *b, const struct fi_query *q, int with_range);

/* The twelve per-class sums of the flow table, ", "-separated. */
void fi_api_sql_class_sums(struct fi_sqlb *b, int first);

/* The size whose flows_ and ports_ tables hold the answered size's rows. */
uint32_t fi_api_sql_source(const struct fi_req *r);

/* Appends the range of fine buckets behind the query's coarse range. */
void fi_api_sql_fine_range(struct fi_req *r);

/* Appends " FROM" the answered size's flow table, stored or summed. */
void fi_api_sql_from_flows(struct fi_req *r, int with_range, int grouped);

/* " ASC" or " DESC". */
const char *fi_api_sql_order(int desc);

/* Appends " LIMIT ?" (and " OFFSET ?") for the rows to fetch. */
void fi_api_sql_limit(struct fi_req *r);

/*
 * The protocol classes the query's protocol filters keep (bit c: class c),
 * for the node index, which is split by class only: a filter that splits a
 * class is a 400 naming the route who.
 */
int fi_api_sql_whole_classes(struct fi_req *r, const char *who, unsigned *mask);

/*
 * Appends ", SUM(...)" of counter k of the node index over the columns of
 * direction dir (FI_DIR_ALL: both) and the classes in the mask.
 */
void fi_api_sql_node_sum(struct fi_sqlb *b, unsigned classes, int dir, int k);

/* Sets the 400 of a sort key a route cannot order by; returns FI_EINVAL. */
int fi_api_sql_sort_error(struct fi_req *r, const struct fi_field *f, const char *why);

/* ---- fi_api_rollup.c: per-key rows from the roll-up tables, exact at any state ---- */

/*
 * Whether the answered size's pair rows (bucket, src, dst, proto, flows,
 * packets, bytes) can stand for its flow rows: no port filter (the caller
 * checks that its keys are among bucket, src, dst, proto and endpoints).
 */
int fi_api_rollup_fits(const struct fi_req *r);

/* Whether the answered size's ports_ rows are rolled up (not a detail size). */
int fi_api_rollup_ports_fit(const struct fi_req *r);

/*
 * Appends " FROM (...) fi_f": the rows of the answered size over the fine
 * buckets of the query's range (all buckets without with_range), from the
 * pair tables (ports 0: bucket as bucket DIV size * size, src, dst, proto,
 * flows, packets, bytes) or the port tables (ports 1: port and the 24
 * src_/dst_ counters summed over the range). Several rows may share a key:
 * the caller sums. Exact whatever fi_rollup_dirty marks; sets r->heavy.
 */
void fi_api_rollup_from(struct fi_req *r, unsigned ports, int with_range);

/* ---- fi_api_row.c: counters and values of result rows, as JSON ---- */

/* Reads a counter column (integer, DECIMAL text, NULL = 0) into billionths. */
int fi_api_row_num(const struct fi_val *v, __int128 *out);

/* Rounds billionths to a whole number, half away from zero (SPEC 6). */
__int128 fi_api_row_round(__int128 v);

/* Reads cols[first ...] as [dirs][class][counter] cells and completes the sums. */
/* Completes a block's sums (totals over classes, and dirs) from its base cells. */
void fi_api_row_block_sum(struct fi_api_block *bl, int with_dirs);

int fi_api_row_block_read(struct fi_stmt *st, unsigned first, int with_dirs,
			  struct fi_api_block *bl);

/* Writes a block's members: counters, class objects, and src/dst objects. */
void fi_api_row_block_write(struct fi_jsonw *w, const struct fi_api_block *bl,
			    int with_dirs);

/*
 * geo=1: while geo is not NULL, every address written gets its country, AS
 * and special range beside it (fi_api_handle sets it per request).
 */
void fi_api_row_geotag(struct fi_geo *geo);

/* Writes an integer member (bucket, port, protocol); NULL as 0. */
int fi_api_row_uint(struct fi_jsonw *w, const char *key, const struct fi_val *v);

/* Writes a key field's member from its column. */
int fi_api_row_key(struct fi_jsonw *w, enum fi_fkind kind, const struct fi_val *v);

/* Counts a row; 1 when it is past max_rows and must not be written. */
int fi_api_row_cut(struct fi_req *r);

/* Ends an answer object: "truncated": true when rows were cut at max_rows. */
int fi_api_row_end(struct fi_req *r);

/* ---- fi_api_http.c: status lines, errors, headers, ETag ---- */

/* A time in ms as RFC 3339 UTC with milliseconds, into buf; returns buf. */
const char *fi_api_http_time(int64_t ms, char *buf, size_t size);

/* Replaces the body by {"error": msg} with the given status. */
void fi_api_http_error(struct fi_api_response *resp, int status, const char *msg);

/* Maps a failed route's outcome (rc, r->err, the database fault) to its answer. */
void fi_api_http_fail(struct fi_req *r, int rc);

/* Sets a good answer's ETag, and turns it into a 304 when inm matches. */
void fi_api_http_done(struct fi_api_response *resp, struct fi_str inm);

/* Empties resp for a new answer (200 OK, no headers). */
void fi_api_http_begin(struct fi_api_response *resp);

/* ---- the routes (fi_api_bucket.c, fi_api_index.c, fi_api_hilbert.c, fi_api_meta.c) ----
 */

int fi_api_bucket_query(struct fi_req *r);
/* The grouped rows of `aggregate` (bucket query modes D, E; the indexes). */
int fi_api_bucket_aggr(struct fi_req *r);

/*
 * fi_api_groups.c: an aggregate over pair rows summed by the responder.
 * fit: whether the request's keys and sort keys allow it; run: runs the
 * built streaming statement (keys, proto, flows, packets, bytes per row)
 * and writes the page; 0, a negative code, or 1 when there were too many
 * groups (nothing written: answer with the grouped statement).
 */
int fi_api_groups_fit(const struct fi_req *r);
int fi_api_groups_run(struct fi_req *r);

/*
 * The same in steps, for groups summed from several statements: open the
 * groups (r->groups), add the rows of each built statement (1 past the
 * limit, as above), close (write 1: sort and write the page) to free them.
 */
int fi_api_groups_open(struct fi_req *r);
int fi_api_groups_add(struct fi_req *r);
int fi_api_groups_close(struct fi_req *r, int write);
/* Whether some group's MAX() of a `fields` key is NULL (no row had one). */
int fi_api_groups_null_max(const struct fi_req *r);

/* A 64-bit hash of n bytes (fi_api_http.c): the ETag's, and the groups'. */
uint64_t fi_api_hash64(const void *data, size_t n, uint64_t seed);

/*
 * fi_api_pairtop.c: the host pairs' first rows. fit: whether the request
 * is the unfiltered pairs sorted by a total over whole buckets of the size
 * with pair lists (at that size or a finer one);
 * run: 0 answered, a negative code, or 1 (nothing written: not provably
 * exact from the lists, answer as without them).
 */
int fi_api_pairtop_fit(const struct fi_req *r);
int fi_api_pairtop_run(struct fi_req *r);

int fi_api_index_check(struct fi_req *r); /* before the database is asked */
/* Writes one index row: the id, then the 24 src_/dst_ counters. */
int fi_api_index_row(struct fi_req *r, struct fi_stmt *st);
/*
 * Appends the sum of one index counter: over the index table's columns, or
 * (from_flows) over flow rows on the side of each endpoint.
 */
void fi_api_index_counter(struct fi_sqlb *b, const struct fi_field *f, int from_flows);
int fi_api_index_all(struct fi_req *r);
int fi_api_index_dynamic(struct fi_req *r);
int fi_api_hilbert_check(struct fi_req *r); /* before the database is asked */
int fi_api_hilbert(struct fi_req *r);
/*
 * Reads the heartbeat (fi_heartbeat): r->resp->data_as_of_ms and r->lag_ms
 * (-1: not known). Returns 0, or FI_EUNAVAIL when the connection is gone.
 */
int fi_api_meta_fresh(struct fi_req *r);
int fi_api_geo_check(struct fi_req *r); /* before the database is asked */
int fi_api_geo(struct fi_req *r);
/* Writes "databases": the country and AS databases in use (or null). */
void fi_api_geo_databases(struct fi_req *r);
int fi_api_meta(struct fi_req *r);
int fi_api_meta_health(struct fi_req *r);

/* The flow table's rows (modes B, C): "SELECT bucket, k_src, ..., bytes". */
void fi_api_bucket_flow_select(struct fi_req *r);
/* Its " ORDER BY" the sort keys, then the row's key; 0 or FI_EINVAL (r->err). */
int fi_api_bucket_flow_order(struct fi_req *r);
/* Writes one flow row of those columns. */
int fi_api_bucket_row_flow(struct fi_req *r, struct fi_stmt *st);

/*
 * ---- fi_api_top.c: the flow table from the roll-up's first rows ----
 * Answers the flow rows or their count (r->rowplan set) from flowtop_S
 * when that is exact; *done says whether it did (else nothing is written).
 */
int fi_api_top_flows(struct fi_req *r, int *done);
/*
 * ---- fi_api_indextop.c: the indexes from the roll-up's first rows ----
 * Writes the rows of the unfiltered node or port index (r->name) sorted by
 * a total from nodetop_S or porttop_S when that is exact (dynamic: over
 * the query's range, else all buckets); *done says whether it did (else
 * nothing is written).
 */
int fi_api_indextop(struct fi_req *r, int dynamic, int *done);

#endif
