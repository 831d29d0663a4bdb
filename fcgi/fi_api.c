/*
 * fi_api.c: routes, SQL and JSON of the API (SPEC 6, with the fixes of 9).
 * A request is parsed by fi_query, turned into one prepared statement whose
 * text is assembled only from the fixed fragments below (never from client
 * text) with every value bound, and its rows are written as JSON. Counters
 * are summed exactly (flows in billionths) and rounded only when printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __GLIBC__ /* from the headers above */
#include <malloc.h>
#endif

#include "fi_clock.h"
#include "fi_addr.h"
#include "fi_api.h"
#include "fi_db.h"
#include "fi_err.h"
#include "fi_flow.h"
#include "fi_gate.h"
#include "fi_hilbert.h"
#include "fi_jsonw.h"
#include "fi_log.h"
#include "fi_query.h"
#include "fi_sqlb.h"

#define FI_API_RECONNECT_MS 1000	 /* least time between two connection attempts */
#define FI_API_BUF_KEEP	    (1u << 20)	 /* a body buffer larger is freed after use */
#define FI_API_SUBUNITS	    1000000000LL /* counters are kept in billionths */
#define FI_API_STMT_CACHE   32		 /* prepared statements a worker keeps */
#define FI_API_STMT_KEEP    8192	 /* longer statement texts are not kept */
#define FI_API_TMP_TABLE    (256u << 20) /* bytes of an in-memory GROUP BY table */
#define FI_API_BUSY_RETRY   2	 /* Retry-After (s) of a request the gate refused */
#define FI_API_GATE_WAIT_MS 1000 /* a large query waits this long for a place */
#define FI_API_GATE_TICK_MS 5	 /* checking every this often */

/* ---- statement texts: every SQL fragment this module sends ------------------ */

static const char fi_sql_session_timeout[] = "SET SESSION max_statement_time = %u";
static const char fi_sql_session_ro[] = "SET SESSION TRANSACTION READ ONLY";
static const char fi_sql_session_tmp[] =
    "SET SESSION tmp_table_size = %u, max_heap_table_size = %u";
static const char fi_sql_ping[] = "SELECT 1";
static const char fi_sql_range[] = "SELECT MIN(bucket), MAX(bucket) FROM totals_%u";
static const char fi_sql_min_in[] = "(SELECT MIN(bucket) FROM totals_%u WHERE ";
static const char fi_sql_max_in[] = "(SELECT MAX(bucket) FROM totals_%u WHERE ";
static const char fi_sql_min_all[] = "(SELECT MIN(bucket) FROM totals_%u)";
static const char fi_sql_max_all[] = "(SELECT MAX(bucket) FROM totals_%u)";
static const char fi_sql_last_batch[] =
    "SELECT UNIX_TIMESTAMP(MAX(committed_at)) FROM fi_batches";
static const char fi_sql_last_mark[] =
    "SELECT UNIX_TIMESTAMP(MAX(updated_at)) FROM fi_source_marks";
static const char fi_sql_select[] = "SELECT ";
static const char fi_sql_from_totals[] = " FROM totals_%u";
static const char fi_sql_from_flows[] = " FROM flows_%u";
static const char fi_sql_from_index[] = " FROM %s_%u";
/*
 * The flow table of a size that is not stored (flow_detail_sizes): summed
 * from the detail size's table over the fine buckets of the range (the
 * slices telescope, so the sums are the rows the coarse size would hold).
 */
static const char fi_sql_from_derived[] =
    " FROM (SELECT bucket DIV %u * %u AS bucket, src, dst, sport, dport, proto,"
    " CAST(SUM(flows) AS DECIMAL(30,9)) AS flows, CAST(SUM(packets) AS UNSIGNED)"
    " AS packets, CAST(SUM(bytes) AS UNSIGNED) AS bytes FROM flows_%u";
static const char fi_sql_derived_end[] = " GROUP BY 1, 2, 3, 4, 5, 6) fi_f";
/* the same rows ungrouped, for queries that sum them anyway (merged, no temp) */
static const char fi_sql_from_flat[] =
    " FROM (SELECT bucket DIV %u * %u AS bucket, src, dst, sport, dport, proto, flows,"
    " packets, bytes FROM flows_%u";
static const char fi_sql_flat_end[] = ") fi_f";
/* the inner level of an aggregate: the counters per key and protocol */
static const char fi_sql_ctr_sums[] =
    ", SUM(flows) AS flows, SUM(packets) AS packets, SUM(bytes) AS bytes";
static const char fi_sql_dirs[] =
    " CROSS JOIN (SELECT 0 AS d UNION ALL SELECT 1) fi_dirs";
static const char fi_sql_bucket_from[] = "bucket >= "; /* ? AND bucket <= ? */
static const char fi_sql_bucket_to[] = " AND bucket <= ";
static const char fi_sql_count_open[] = "SELECT COUNT(*) FROM (";
static const char fi_sql_count_close[] = ") fi_t";
static const char fi_sql_limit[] = " LIMIT ";
static const char fi_sql_offset[] = " OFFSET ";

/* the row-level protocol classes of the flow table (derived from proto) */
static const char *const fi_sql_cls_cond[FI_PC_COUNT] = {
    "proto = 6", "proto = 17", "proto IN (1, 58)", "proto NOT IN (1, 6, 17, 58)"};
/* counter columns of the flow table, and their names in the other tables */
static const char *const fi_sql_ctr[FI_CTR_COUNT] = {"flows", "packets", "bytes"};
static const char *const fi_sql_cls[FI_PC_COUNT] = {"tcp", "udp", "icmp", "other"};
static const char *const fi_sql_dir[FI_DIR_COUNT] = {"", "src", "dst"};
static const char *const fi_sql_dir_cond_outer[FI_DIR_COUNT] = {"TRUE", "d = 0", "d = 1"};
/* key columns of the flow table as stored, and folded for biflow */
static const char *const fi_sql_key[] = {
    [FI_FK_BUCKET] = "bucket", [FI_FK_SRC] = "src",	[FI_FK_DST] = "dst",
    [FI_FK_SPORT] = "sport",   [FI_FK_DPORT] = "dport", [FI_FK_PROTO] = "proto"};
static const char *const fi_sql_key_biflow[] = {
    [FI_FK_BUCKET] = "bucket",
    [FI_FK_SRC] = "IF(src <= dst, src, dst)",
    [FI_FK_DST] = "IF(src <= dst, dst, src)",
    [FI_FK_SPORT] = "IF(src <= dst, sport, dport)",
    [FI_FK_DPORT] = "IF(src <= dst, dport, sport)",
    [FI_FK_PROTO] = "proto"};
/* either endpoint, for aggregate=ipaddress|port and the computed indexes */
static const char fi_sql_endpoint_addr[] = "IF(fi_dirs.d = 0, src, dst)";
static const char fi_sql_endpoint_port[] = "IF(fi_dirs.d = 0, sport, dport)";
/* the index tables */
static const char *const fi_sql_index_table[2] = {"nodes", "ports"};
static const char *const fi_sql_index_id[2] = {"addr", "port"};
/* /api/hilbert: the cell of an address is a bit field of a 4-byte window
 * (position, shift and mask bound), grouped over an address range of the
 * node index, so the primary key (bucket, addr) is range-scanned */
static const char *const fi_sql_hilbert_cell[4] = {
    "SELECT (CAST(CONV(HEX(SUBSTRING(addr, ", /* ? */ ", 4)), 16, 10) AS UNSIGNED) >> ",
    /* ? */ ") & ", /* ? */ " AS cell"};
static const char *const fi_sql_hilbert_addr[2] = {" AND addr >= ", " AND addr <= "};
static const char fi_sql_hilbert_group[] = " GROUP BY cell ORDER BY cell";
static const char fi_sql_hilbert_wide[] = "CAST(%s_%s_%s AS DECIMAL(20))";

/* ---- state ---------------------------------------------------------------------- */

/* A prepared statement kept for reuse, by its text. */
struct fi_stmt_slot {
	char *sql;	    /* owned copy of the text, NULL when the slot is free */
	struct fi_stmt *st; /* owned, prepared on api->db */
	uint64_t last_used; /* for evicting the least recently used */
};

struct fi_api {
	const struct fi_config *cfg;		      /* borrowed */
	struct fi_stmt_slot stmts[FI_API_STMT_CACHE]; /* statements of db */
	uint64_t stmt_clock;			      /* use counter for the cache */
	struct fi_db *db;			      /* owned; NULL while disconnected */
	int64_t last_attempt_ms;  /* monotonic time of the last connect attempt */
	struct fi_query *q;	  /* owned, reused */
	struct fi_sqlb sb;	  /* reused statement builder */
	struct fi_err dberr;	  /* the last database error */
	enum fi_db_fault dbfault; /* its kind */
	struct fi_ratelimit rl;	  /* for logging database errors */
	struct fi_gate *gate;	  /* large-query gate of the workers, or NULL */
	unsigned gate_slot;	  /* this worker's slot in it */
};

/* A one-row result of up to two integers (MIN/MAX, a timestamp). */
struct fi_pair {
	int have[2];   /* the value was not NULL */
	uint64_t v[2]; /* the values */
};

/*
 * What a row of the flow table prints (modes B and C): bucket, the listed
 * keys in order, the whole-row counters asked for, and per class the
 * counters asked for. Built from `fields`, or everything without it.
 */
struct fi_rowplan {
	enum fi_fkind keys[8]; /* key fields after bucket, in request order */
	unsigned nkeys;
	unsigned all_ctrs;		/* bit k: whole-row counter k */
	unsigned cls_ctrs[FI_PC_COUNT]; /* bit k: counter k of that class */
};

/* The grouped rows of modes D and E. */
struct fi_aggplan {
	enum fi_fkind keys[8]; /* group keys: column i is keys[i] */
	unsigned nkeys;
	enum fi_fkind maxes[8]; /* MAX() of these key fields follow */
	unsigned nmaxes;
};

/* The map of /api/hilbert while its rows are read. */
struct fi_hmap {
	struct fi_hilbert plan;	      /* prefix, depth, SQL window */
	unsigned classes;	      /* bit c: protocol class c is counted */
	unsigned ctrs;		      /* bit k: counter k is answered */
	__int128 max[FI_CTR_COUNT];   /* largest cell, per counter */
	__int128 total[FI_CTR_COUNT]; /* sum of the cells, per counter */
	uint64_t nonzero;	      /* cells with traffic */
};

/* What a request's handler reports besides the body. */
struct fi_req {
	struct fi_api *api;
	struct fi_api_response *resp;
	struct fi_jsonw w;
	const struct fi_query *q;
	uint32_t size;	/* the bucket size answered */
	uint64_t fetch; /* rows to fetch (LIMIT), one more than max_rows to see a cut */
	uint64_t max;	/* rows to write */
	uint64_t rows;	/* rows written */
	int index;	/* index routes: 0 nodes, 1 ports */
	struct fi_err err;   /* a client error (400) found while planning */
	struct fi_pair pair; /* result of fi_api_pair */
	struct fi_pair
	    in[FI_BUCKET_SIZES_MAX]; /* per size: data range within the query's */
	struct fi_pair all[FI_BUCKET_SIZES_MAX]; /* per size: data range overall */
	int have_ranges;			 /* in[] and all[] are filled */
	int heavy;		   /* the statement being built scans a per-key table */
	int admitted;		   /* the request holds the large-query gate */
	int busy;		   /* refused by the gate */
	struct fi_rowplan rowplan; /* modes B and C */
	struct fi_aggplan aggplan; /* modes D and E */
	struct fi_hmap hmap;	   /* /api/hilbert */
};

static void fi_api_disconnect(struct fi_api *api);

void
fi_api_set_gate(struct fi_api *api, struct fi_gate *gate, unsigned slot)
{
	api->gate = gate;
	api->gate_slot = slot;
}

struct fi_api *
fi_api_new(const struct fi_config *cfg)
{
	struct fi_api *api = calloc(1, sizeof(*api));

	if (api == NULL)
		return NULL;
	api->cfg = cfg;
	api->last_attempt_ms = INT64_MIN / 2;
	api->q = calloc(1, sizeof(*api->q));
	api->rl = (struct fi_ratelimit){.period = 10, .burst = 5};
	if (fi_sqlb_init(&api->sb, FI_API_SQL_MAX, FI_API_PARAMS_MAX) != 0 ||
	    api->q == NULL) {
		fi_api_free(api);
		return NULL;
	}
	return api;
}

void
fi_api_free(struct fi_api *api)
{
	if (api == NULL)
		return;
	fi_api_disconnect(api);
	fi_sqlb_fini(&api->sb);
	free(api->q);
	free(api);
}

int
fi_api_connected(const struct fi_api *api)
{
	return api->db != NULL;
}

void
fi_api_response_init(struct fi_api_response *r)
{
	memset(r, 0, sizeof(*r));
	fi_buf_init(&r->body, FI_API_BODY_MAX);
}

void
fi_api_response_fini(struct fi_api_response *r)
{
	fi_buf_fini(&r->body);
}

void
fi_api_response_trim(struct fi_api_response *r)
{
	if (r->body.cap > FI_API_BUF_KEEP) {
		fi_buf_fini(&r->body);
		fi_buf_init(&r->body, FI_API_BODY_MAX);
#ifdef __GLIBC__
		/* glibc keeps freed heap pages (the body's, the client
		 * library's result rows) and raises its mmap threshold after
		 * a large free: each worker would keep its largest answer's
		 * size for life. Give them back. */
		malloc_trim(0);
#endif
	}
}

/* ---- database ---------------------------------------------------------------- */

static void
fi_api_stmt_drop(struct fi_stmt_slot *slot)
{
	fi_stmt_free(slot->st);
	free(slot->sql);
	slot->st = NULL;
	slot->sql = NULL;
}

/* Closes the connection and the statements prepared on it. */
static void
fi_api_disconnect(struct fi_api *api)
{
	for (unsigned i = 0; i < FI_API_STMT_CACHE; i++)
		fi_api_stmt_drop(&api->stmts[i]);
	fi_db_close(api->db);
	api->db = NULL;
}

/*
 * The prepared statement for sql: from the cache (most answers repeat the
 * same few texts), else prepared and kept in place of the least recently
 * used one. Returns a borrowed statement, or NULL with err set.
 */
static struct fi_stmt *
fi_api_stmt(struct fi_api *api, const char *sql, struct fi_stmt_slot **slotp,
	    struct fi_err *err)
{
	struct fi_stmt_slot *victim = &api->stmts[0];
	size_t len = strlen(sql);
	struct fi_stmt *st;
	char *copy;

	*slotp = NULL;
	for (unsigned i = 0; i < FI_API_STMT_CACHE; i++) {
		struct fi_stmt_slot *slot = &api->stmts[i];

		if (slot->sql != NULL && strcmp(slot->sql, sql) == 0) {
			slot->last_used = ++api->stmt_clock;
			*slotp = slot;
			return slot->st;
		}
		if (slot->last_used < victim->last_used)
			victim = slot;
	}
	st = fi_stmt_new(api->db, sql, err);
	if (st == NULL || len > FI_API_STMT_KEEP)
		return st; /* not kept: the caller frees it */
	copy = malloc(len + 1);
	if (copy == NULL)
		return st;
	memcpy(copy, sql, len + 1);
	fi_api_stmt_drop(victim);
	victim->sql = copy;
	victim->st = st;
	victim->last_used = ++api->stmt_clock;
	*slotp = victim;
	return st;
}

/*
 * Makes sure a connection is open: connects (at most once per
 * FI_API_RECONNECT_MS) and sets the session up. Returns 0 or FI_EUNAVAIL.
 */
static int
fi_api_connect(struct fi_api *api)
{
	char sql[64], tmp[96];
	struct fi_err err;
	int64_t now;

	if (api->db != NULL)
		return 0;
	now = fi_clock_ms();
	if (now - api->last_attempt_ms < FI_API_RECONNECT_MS)
		return FI_EUNAVAIL;
	api->last_attempt_ms = now;
	fi_err_clear(&err);
	api->db = fi_db_open(api->cfg, FI_DB_ROLE_RESPONDER, &err);
	if (api->db == NULL) {
		fi_warnx_limited(&api->rl, "database unavailable: %s", err.msg);
		return FI_EUNAVAIL;
	}
	/* a runaway query is cut off by the server; the session cannot write */
	snprintf(sql, sizeof(sql), fi_sql_session_timeout, api->cfg->query_timeout);
	snprintf(tmp, sizeof(tmp), fi_sql_session_tmp, FI_API_TMP_TABLE,
		 FI_API_TMP_TABLE);
	/* aggregates over a day of flows group ~300k keys: keeping that table in
	 * memory (the server's default is 16 MB; 64 MB spilled a day's host
	 * pairs to disk: 3.8 s against 3.0 s) halves their time. The server
	 * takes the memory only as a table grows, and the large-query gate
	 * bounds how many run at once. */
	if (fi_db_exec(api->db, sql, &err) != 0 ||
	    fi_db_exec(api->db, fi_sql_session_ro, &err) != 0 ||
	    fi_db_exec(api->db, tmp, &err) != 0) {
		fi_warnx_limited(&api->rl, "cannot set up the database session: %s",
				 err.msg);
		fi_api_disconnect(api);
		return FI_EUNAVAIL;
	}
	fi_info("connected to the database");
	return 0;
}

/*
 * Records a failed statement's error and its fault (read before anything
 * else is done on the connection, which would reset it); a lost connection
 * is closed.
 */
static int
fi_api_dbfail(struct fi_api *api, const struct fi_err *err, enum fi_db_fault fault)
{
	api->dberr = *err;
	api->dbfault = fault;
	if (err->code == FI_EUNAVAIL || (api->db != NULL && !fi_db_alive(api->db))) {
		fi_warnx_limited(&api->rl, "database connection lost: %s", err->msg);
		fi_api_disconnect(api);
		api->dberr.code = FI_EUNAVAIL;
		return FI_EUNAVAIL;
	}
	if (api->dbfault != FI_DB_FAULT_TIMEOUT)
		fi_warnx_limited(&api->rl, "database error: %s", err->msg);
	return err->code ? err->code : FI_EDB;
}

/* ---- statements ------------------------------------------------------------------ */

/* Appends "bucket >= ? AND bucket <= ?" with lo and hi bound. */
static void
fi_api_bucket_range(struct fi_sqlb *b, int64_t lo, int64_t hi)
{
	fi_sqlb_add(b, fi_sql_bucket_from);
	fi_sqlb_u64(b, (uint64_t)lo);
	fi_sqlb_add(b, fi_sql_bucket_to);
	fi_sqlb_u64(b, (uint64_t)hi);
}

/*
 * Appends the WHERE clause of the flow filters, each list in its own
 * parentheses and all joined by AND (the original's include lists were not
 * parenthesised: include_protos=udp,icmp matched nothing).
 */
static void
fi_sqlb_where(struct fi_sqlb *b, const struct fi_query *q, int with_range)
{
	static const char *const both[2] = {"src", "dst"};
	struct fi_protoset allowed;
	unsigned nallowed;
	int first = 1;

#define FI_WHERE_AND() (fi_sqlb_add(b, first ? " WHERE " : " AND "), first = 0)
	if (with_range) {
		FI_WHERE_AND();
		fi_api_bucket_range(b, q->start_bucket, q->end_bucket);
	}
	if (q->have & FI_QP_INCLUDE_PORTS) {
		FI_WHERE_AND();
		fi_sqlb_add(b, "(");
		fi_sqlb_in_ports(b, "sport", 0, q->include_ports, q->ninclude_ports);
		fi_sqlb_add(b, " OR ");
		fi_sqlb_in_ports(b, "dport", 0, q->include_ports, q->ninclude_ports);
		fi_sqlb_add(b, ")");
	}
	if (q->have & FI_QP_EXCLUDE_PORTS) {
		FI_WHERE_AND();
		fi_sqlb_in_ports(b, "sport", 1, q->exclude_ports, q->nexclude_ports);
		fi_sqlb_add(b, " AND ");
		fi_sqlb_in_ports(b, "dport", 1, q->exclude_ports, q->nexclude_ports);
	}
	if (q->have & FI_QP_INCLUDE_IPS) {
		FI_WHERE_AND();
		fi_sqlb_in_prefixes(b, both, 2, q->include_ips, q->ninclude_ips);
	}
	if (q->have & FI_QP_EXCLUDE_IPS) {
		FI_WHERE_AND();
		fi_sqlb_add(b, "NOT ");
		fi_sqlb_in_prefixes(b, both, 2, q->exclude_ips, q->nexclude_ips);
	}
	nallowed = fi_query_protos(q, &allowed);
	if (nallowed < 256) {
		int negate = nallowed > 128;
		unsigned k = 0;

		FI_WHERE_AND();
		if (nallowed == 0) {
			fi_sqlb_add(b, "FALSE");
			return;
		}
		fi_sqlb_add(b, negate ? "proto NOT IN (" : "proto IN (");
		for (unsigned p = 0; p < 256; p++)
			if (fi_query_protoset_has(&allowed, p) != negate) {
				fi_sqlb_add(b, k++ ? ", " : "");
				fi_sqlb_u64(b, p);
			}
		fi_sqlb_add(b, ")");
	}
#undef FI_WHERE_AND
}

/*
 * The twelve per-class sums of the flow table, tcp flows to other bytes;
 * each is preceded by ", " unless first and it is the first.
 */
static void
fi_sqlb_class_sums(struct fi_sqlb *b, int first)
{
	for (int c = 0; c < FI_PC_COUNT; c++)
		for (int k = 0; k < FI_CTR_COUNT; k++)
			fi_sqlb_addf(b, "%sSUM(IF(%s, %s, 0))",
				     first && c + k == 0 ? "" : ", ", fi_sql_cls_cond[c],
				     fi_sql_ctr[k]);
}

/* The size whose flows_ and ports_ tables hold the answered size's rows. */
static uint32_t
fi_api_source(const struct fi_req *r)
{
	int i = fi_config_bucket_index(r->api->cfg, r->size);

	return i < 0 ? r->size : fi_config_detail_source(r->api->cfg, (unsigned)i);
}

/*
 * Appends the range of fine buckets (of a detail size) whose coarse buckets
 * (of the answered size) lie in the query's range.
 */
static void
fi_api_fine_range(struct fi_req *r)
{
	int64_t s = r->size;

	fi_api_bucket_range(&r->api->sb, (r->q->start_bucket + s - 1) / s * s,
			    r->q->end_bucket / s * s + s - 1);
}

/*
 * " FROM" the answered size's flow table, stored or summed from a finer one.
 * Queries that print rows need the coarse rows (grouped); queries that sum
 * over keys anyway can sum the fine rows directly (the server then merges
 * the subquery into a plain range scan).
 */
static void
fi_api_from_flows(struct fi_req *r, int with_range, int grouped)
{
	struct fi_sqlb *b = &r->api->sb;
	uint32_t src = fi_api_source(r);

	r->heavy = 1;
	if (src == r->size) {
		fi_sqlb_addf(b, fi_sql_from_flows, r->size);
		return;
	}
	fi_sqlb_addf(b, grouped ? fi_sql_from_derived : fi_sql_from_flat, r->size,
		     r->size, src);
	if (with_range) {
		fi_sqlb_add(b, " WHERE ");
		fi_api_fine_range(r);
	}
	fi_sqlb_add(b, grouped ? fi_sql_derived_end : fi_sql_flat_end);
}

/* ---- numbers ---------------------------------------------------------------------- */

/*
 * Reads a counter column (integer, or DECIMAL as text) into billionths.
 * NULL (a SUM over no rows) is 0. Returns 0 or FI_EINVAL.
 */
static int
fi_api_num(const struct fi_val *v, __int128 *out)
{
	__int128 x = 0;
	size_t i = 0, frac = 0;
	int neg = 0, dot = 0, digits = 0;

	switch (v->type) {
	case FI_VAL_NULL:
		*out = 0;
		return 0;
	case FI_VAL_INT:
		*out = (__int128)v->v.i * FI_API_SUBUNITS;
		return 0;
	case FI_VAL_UINT:
		*out = (__int128)v->v.u * FI_API_SUBUNITS;
		return 0;
	case FI_VAL_TEXT:
		break;
	default:
		return FI_EINVAL;
	}
	if (v->v.s.n > 0 && v->v.s.p[0] == '-') {
		neg = 1;
		i = 1;
	}
	for (; i < v->v.s.n; i++) {
		char c = v->v.s.p[i];

		if (c == '.' && !dot) {
			dot = 1;
			continue;
		}
		if (c < '0' || c > '9' || digits > 36)
			return FI_EINVAL;
		digits++;
		if (dot) {
			if (frac >= 9)
				continue; /* beyond the stored precision */
			frac++;
		}
		x = x * 10 + (c - '0');
	}
	if (digits == 0)
		return FI_EINVAL;
	for (; frac < 9; frac++)
		x *= 10;
	*out = neg ? -x : x;
	return 0;
}

/* Rounds billionths to a whole number, half away from zero (SPEC 6). */
static __int128
fi_api_round(__int128 v)
{
	if (v >= 0)
		return (v + FI_API_SUBUNITS / 2) / FI_API_SUBUNITS;
	return -((-v + FI_API_SUBUNITS / 2) / FI_API_SUBUNITS);
}

/* A counter block: [dir][class, FI_PC_COUNT = all][counter], in billionths. */
struct fi_block {
	__int128 v[FI_DIR_COUNT][FI_PC_COUNT + 1][FI_CTR_COUNT];
};

/* Completes the sums of a block whose base cells are filled. */
static void
fi_block_sum(struct fi_block *bl, int with_dirs)
{
	for (int k = 0; k < FI_CTR_COUNT; k++) {
		if (with_dirs)
			for (int c = 0; c < FI_PC_COUNT; c++)
				bl->v[0][c][k] = bl->v[1][c][k] + bl->v[2][c][k];
		for (int d = 0; d < (with_dirs ? FI_DIR_COUNT : 1); d++) {
			bl->v[d][FI_PC_COUNT][k] = 0;
			for (int c = 0; c < FI_PC_COUNT; c++)
				bl->v[d][FI_PC_COUNT][k] += bl->v[d][c][k];
		}
	}
}

/* Reads cols[first ...] as [dirs][class][counter] base cells. */
static int
fi_block_read(struct fi_stmt *st, unsigned first, int with_dirs, struct fi_block *bl)
{
	unsigned col = first;

	memset(bl, 0, sizeof(*bl));
	for (int d = with_dirs ? 1 : 0; d < (with_dirs ? FI_DIR_COUNT : 1); d++)
		for (int c = 0; c < FI_PC_COUNT; c++)
			for (int k = 0; k < FI_CTR_COUNT; k++)
				if (fi_api_num(fi_stmt_col(st, col++), &bl->v[d][c][k]) !=
				    0)
					return FI_EINVAL;
	fi_block_sum(bl, with_dirs);
	return 0;
}

/* Writes the three counters of one [dir][class] cell as members. */
static void
fi_block_write_cell(struct fi_jsonw *w, const struct fi_block *bl, int d, int c)
{
	for (int k = 0; k < FI_CTR_COUNT; k++) {
		fi_jsonw_key(w, fi_ctr_names[k]);
		fi_jsonw_i128(w, fi_api_round(bl->v[d][c][k]));
	}
}

/*
 * Writes a block as members: flows, packetDeltaCount, octetDeltaCount,
 * tcp {...}, udp, icmp, other, and with dirs src {... tcp {...} ...}, dst.
 */
static void
fi_block_write(struct fi_jsonw *w, const struct fi_block *bl, int with_dirs)
{
	for (int d = 0; d < (with_dirs ? FI_DIR_COUNT : 1); d++) {
		if (d > 0) {
			fi_jsonw_key(w, fi_dir_names[d]);
			fi_jsonw_obj_begin(w);
		}
		fi_block_write_cell(w, bl, d, FI_PC_COUNT);
		for (int c = 0; c < FI_PC_COUNT; c++) {
			fi_jsonw_key(w, fi_proto_class_names[c]);
			fi_jsonw_obj_begin(w);
			fi_block_write_cell(w, bl, d, c);
			fi_jsonw_obj_end(w);
		}
		if (d > 0)
			fi_jsonw_obj_end(w);
	}
}

/* ---- values ---------------------------------------------------------------------- */

/*
 * Writes an address member: IPv4 as an integer under v4key, IPv6 as text
 * under v6key; NULL (the merged "others" of black_others) as 0 under v4key.
 */
static int
fi_api_write_addr(struct fi_jsonw *w, const struct fi_val *v, const char *v4key,
		  const char *v6key)
{
	struct fi_addr a;
	char text[FI_ADDR_TEXT_MAX];

	if (v->type == FI_VAL_NULL) {
		fi_jsonw_key(w, v4key);
		fi_jsonw_uint(w, 0);
		return 0;
	}
	if (v->type != FI_VAL_BLOB || v->v.s.n != 16)
		return FI_EINVAL;
	memcpy(a.b, v->v.s.p, 16);
	if (fi_addr_is_v4(&a)) {
		fi_jsonw_key(w, v4key);
		fi_jsonw_uint(w, fi_addr_v4(&a));
	} else {
		fi_jsonw_key(w, v6key);
		fi_jsonw_cstr(w, fi_addr_format(&a, text));
	}
	return 0;
}

/* Writes an integer column (bucket, port, protocol); NULL ("others") as 0. */
static int
fi_api_write_uint(struct fi_jsonw *w, const char *key, const struct fi_val *v)
{
	fi_jsonw_key(w, key);
	switch (v->type) {
	case FI_VAL_NULL:
		fi_jsonw_uint(w, 0);
		return 0;
	case FI_VAL_UINT:
		fi_jsonw_uint(w, v->v.u);
		return 0;
	case FI_VAL_INT:
		fi_jsonw_int(w, v->v.i);
		return 0;
	default:
		return FI_EINVAL;
	}
}

/* Writes a key field's member from its column. */
static int
fi_api_write_key(struct fi_jsonw *w, enum fi_fkind kind, const struct fi_val *v)
{
	switch (kind) {
	case FI_FK_BUCKET:
		return fi_api_write_uint(w, "bucket", v);
	case FI_FK_SRC:
		return fi_api_write_addr(w, v, "sourceIPv4Address", "sourceIPv6Address");
	case FI_FK_DST:
		return fi_api_write_addr(w, v, "destinationIPv4Address",
					 "destinationIPv6Address");
	case FI_FK_SPORT:
		return fi_api_write_uint(w, "sourceTransportPort", v);
	case FI_FK_DPORT:
		return fi_api_write_uint(w, "destinationTransportPort", v);
	case FI_FK_PROTO:
		return fi_api_write_uint(w, "protocolIdentifier", v);
	case FI_FK_IPADDRESS:
		return fi_api_write_addr(w, v, "id", "id");
	case FI_FK_PORT:
		return fi_api_write_uint(w, "id", v);
	default:
		return FI_EINVAL;
	}
}

/* ---- running statements ------------------------------------------------------------ */

/* Writes one row of a result; returns 0 or a negative code. */
typedef int (*fi_row_fn)(struct fi_req *r, struct fi_stmt *st);

/*
 * Prepares and runs the built statement, calling fn for every row. Returns
 * 0, a negative code with the database error recorded, or FI_EINTERNAL.
 */
/*
 * Enters the large-query gate, waiting up to FI_API_GATE_WAIT_MS for a place:
 * most large queries take milliseconds, and a place is soon free; while the
 * gate stays full, the light calls wait at most that long for this worker.
 * Returns 0 or FI_EUNAVAIL.
 */
static int
fi_api_gate_enter(struct fi_api *api)
{
	int64_t until = fi_clock_ms() + FI_API_GATE_WAIT_MS;

	while (fi_gate_enter(api->gate, api->gate_slot) != 0) {
		struct timespec tick = {0, FI_API_GATE_TICK_MS * 1000000L};

		if (fi_clock_ms() >= until)
			return FI_EUNAVAIL;
		nanosleep(&tick, NULL);
	}
	return 0;
}

static int
fi_api_run(struct fi_req *r, fi_row_fn fn)
{
	struct fi_api *api = r->api;
	struct fi_sqlb *b = &api->sb;
	struct fi_stmt_slot *slot;
	struct fi_stmt *st;
	struct fi_err err;
	enum fi_db_fault fault;
	int rc;

	rc = fi_sqlb_error(b);
	if (rc == FI_EINTERNAL)
		return rc; /* a fixed text of ours with a `?`: a bug */
	if (rc != 0) {
		/* only a client's huge lists can make a statement this long */
		fi_err_set(&r->err, FI_EINVAL,
			   "The query is too complex (too many filter items).");
		return FI_EINVAL;
	}
	if (r->heavy && !r->admitted && api->gate != NULL) {
		if (fi_api_gate_enter(api) != 0) {
			r->busy = 1;
			return FI_EUNAVAIL;
		}
		r->admitted = 1;
	}
	fi_err_clear(&err);
	if (fi_log_enabled(FI_LOG_DEBUG))
		fi_debug("sql (%u params): %s", fi_sqlb_nparams(b), fi_sqlb_text(b));
	st = fi_api_stmt(api, fi_sqlb_text(b), &slot, &err);
	if (st == NULL)
		return fi_api_dbfail(api, &err, fi_db_fault(api->db));
	rc = fi_stmt_exec(st, fi_sqlb_params(b), fi_sqlb_nparams(b), &err);
	while (rc == 0 && (rc = fi_stmt_fetch(st, &err)) == 1)
		rc = fn(r, st);
	fault = rc < 0 ? fi_db_fault(api->db) : FI_DB_FAULT_NONE;
	if (slot == NULL)
		fi_stmt_free(st);
	else if (rc < 0)
		fi_api_stmt_drop(slot); /* after a failure, prepare afresh next time */
	else
		fi_stmt_reset(st);
	if (rc < 0 && err.code != 0)
		rc = fi_api_dbfail(api, &err, fault);
	return rc;
}

/* Row callback reading one row of two nullable integers into r->pair. */
static int
fi_api_row_pair(struct fi_req *r, struct fi_stmt *st)
{
	struct fi_pair *p = &r->pair;

	for (unsigned i = 0; i < 2 && i < fi_stmt_ncols(st); i++) {
		const struct fi_val *v = fi_stmt_col(st, i);

		p->have[i] = v->type == FI_VAL_UINT || v->type == FI_VAL_INT;
		p->v[i] = p->have[i] ? v->v.u : 0;
		if (v->type == FI_VAL_TEXT) {
			__int128 x;
			if (fi_api_num(v, &x) == 0 && x >= 0) {
				p->have[i] = 1;
				p->v[i] = (uint64_t)(x / FI_API_SUBUNITS);
			}
		}
	}
	return 0;
}

/* Runs a fixed one-row query of up to two integers. */
static int
fi_api_pair(struct fi_req *r, struct fi_pair *out)
{
	int rc;

	memset(&r->pair, 0, sizeof(r->pair));
	rc = fi_api_run(r, fi_api_row_pair);
	*out = r->pair;
	return rc;
}

/* The data range (MIN, MAX bucket) of one size. */
static int
fi_api_range(struct fi_req *r, uint32_t size, struct fi_pair *out)
{
	struct fi_sqlb *b = &r->api->sb;

	fi_sqlb_reset(b);
	fi_sqlb_addf(b, fi_sql_range, size);
	return fi_api_pair(r, out);
}

/* Row callback of fi_api_ranges: four columns per size. */
static int
fi_api_row_ranges(struct fi_req *r, struct fi_stmt *st)
{
	for (unsigned i = 0; i < r->api->cfg->n_bucket_sizes; i++) {
		struct fi_pair *p[2] = {&r->in[i], &r->all[i]};

		for (unsigned j = 0; j < 4; j++) {
			const struct fi_val *v = fi_stmt_col(st, i * 4 + j);
			int have = v->type == FI_VAL_UINT || v->type == FI_VAL_INT;

			p[j / 2]->have[j % 2] = have;
			p[j / 2]->v[j % 2] = have ? v->v.u : 0;
		}
	}
	r->have_ranges = 1;
	return 0;
}

/*
 * The data range of every size, within the query's range and overall, in
 * one statement (index lookups only): what choosing a size needs.
 */
static int
fi_api_ranges(struct fi_req *r)
{
	const struct fi_config *cfg = r->api->cfg;
	struct fi_sqlb *b = &r->api->sb;

	fi_sqlb_reset(b);
	fi_sqlb_add(b, fi_sql_select);
	for (unsigned i = 0; i < cfg->n_bucket_sizes; i++) {
		uint32_t s = cfg->bucket_sizes[i];

		fi_sqlb_add(b, i ? ", " : "");
		fi_sqlb_addf(b, fi_sql_min_in, s);
		fi_api_bucket_range(b, r->q->start_bucket, r->q->end_bucket);
		fi_sqlb_add(b, "), ");
		fi_sqlb_addf(b, fi_sql_max_in, s);
		fi_api_bucket_range(b, r->q->start_bucket, r->q->end_bucket);
		fi_sqlb_add(b, ")");
		fi_sqlb_add(b, ", ");
		fi_sqlb_addf(b, fi_sql_min_all, s);
		fi_sqlb_add(b, ", ");
		fi_sqlb_addf(b, fi_sql_max_all, s);
	}
	return fi_api_run(r, fi_api_row_ranges);
}

/*
 * The bucket size to answer: bucket_size if given, else the finest size
 * whose buckets with data in the range number <= resolution (sizes without
 * data in the range are passed over), else the coarsest.
 */
static int
fi_api_choose_size(struct fi_req *r)
{
	const struct fi_config *cfg = r->api->cfg;
	const struct fi_query *q = r->q;
	int rc;

	if (q->bucket_size != 0) {
		r->size = q->bucket_size;
		return 0;
	}
	rc = fi_api_ranges(r);
	if (rc != 0)
		return rc;
	r->size = cfg->bucket_sizes[cfg->n_bucket_sizes - 1];
	for (unsigned i = 0; i + 1 < cfg->n_bucket_sizes; i++) {
		uint32_t s = cfg->bucket_sizes[i];
		const struct fi_pair *p = &r->in[i];

		if (p->have[0] && p->have[1] &&
		    (p->v[1] - p->v[0]) / s + 1 <= q->resolution) {
			r->size = s;
			break;
		}
	}
	return 0;
}

/* Row callback of the count statements. */
static int
fi_api_row_count(struct fi_req *r, struct fi_stmt *st)
{
	const struct fi_val *v = fi_stmt_col(st, 0);

	fi_jsonw_key(&r->w, "count");
	if (v->type == FI_VAL_UINT || v->type == FI_VAL_INT)
		fi_jsonw_int(&r->w, v->v.i);
	else
		fi_jsonw_uint(&r->w, 0);
	return 0;
}

/*
 * Runs the statement built so far (a SELECT without ORDER BY and LIMIT) as a
 * count of its rows, writing "count": N.
 */
static int
fi_api_count(struct fi_req *r)
{
	fi_sqlb_wrap(&r->api->sb, fi_sql_count_open, fi_sql_count_close);
	return fi_api_run(r, fi_api_row_count);
}

/* ORDER BY direction of a sort key. */
static const char *
fi_api_dir(int desc)
{
	return desc ? " DESC" : " ASC";
}

/* Appends " LIMIT ?" for the rows to fetch, and " OFFSET ?" for the rows
 * to skip first (paging; every ORDER BY ends in a unique key, so pages
 * neither overlap nor leave gaps). */
static void
fi_api_limit(struct fi_req *r)
{
	fi_sqlb_add(&r->api->sb, fi_sql_limit);
	fi_sqlb_u64(&r->api->sb, r->fetch);
	if (r->api->q->offset != 0) {
		fi_sqlb_add(&r->api->sb, fi_sql_offset);
		fi_sqlb_u64(&r->api->sb, r->api->q->offset);
	}
}

/* Counts a row; 1 when it is past max_rows and must not be written. */
static int
fi_api_row_cut(struct fi_req *r)
{
	if (r->rows >= r->max) {
		r->resp->truncated = 1;
		return 1;
	}
	r->rows++;
	return 0;
}

static int
fi_api_sort_error(struct fi_req *r, const struct fi_field *f, const char *why)
{
	char name[64];

	return fi_err_set(&r->err, FI_EINVAL, "Param sort: field %s %s.",
			  fi_query_field_name(f, name, sizeof(name)), why);
}

/* Ends an answer object: "truncated": true when rows were cut at max_rows. */
static int
fi_api_answer_end(struct fi_req *r)
{
	if (r->resp->truncated) {
		fi_jsonw_key(&r->w, "truncated");
		fi_jsonw_bool(&r->w, 1);
	}
	fi_jsonw_obj_end(&r->w);
	return 0;
}

/* ---- /api/bucket/query ------------------------------------------------------------ */

/*
 * What the route answers, by parameters (SPEC 6):
 *   A  nothing but range/size/sort/limit: one row per bucket, totals table
 *   B  filters: the rows of the flow table with every column
 *   C  fields: the rows of the flow table with the fields asked for
 *   D  aggregate: GROUP BY the keys asked for, counters summed
 *   E  aggregate with ipaddress or port: D over both endpoints of each row
 */

/* Mode A, the timeline: one row per bucket from the totals table. */
static int
fi_api_row_totals(struct fi_req *r, struct fi_stmt *st)
{
	struct fi_block bl;

	if (fi_api_row_cut(r))
		return 0;
	fi_jsonw_obj_begin(&r->w);
	if (fi_api_write_uint(&r->w, "bucket", fi_stmt_col(st, 0)) != 0 ||
	    fi_block_read(st, 1, 0, &bl) != 0)
		return FI_EINTERNAL;
	fi_block_write(&r->w, &bl, 0);
	fi_jsonw_obj_end(&r->w);
	return 0;
}

/* Appends the ORDER BY expression of a counter of the totals table. */
static void
fi_api_totals_counter(struct fi_sqlb *b, const struct fi_field *f)
{
	if (f->cls < FI_PC_COUNT) {
		fi_sqlb_addf(b, "%s_%s", fi_sql_cls[f->cls], fi_sql_ctr[f->ctr]);
		return;
	}
	fi_sqlb_add(b, "(");
	for (int c = 0; c < FI_PC_COUNT; c++)
		fi_sqlb_addf(b, "%s%s_%s", c ? " + " : "", fi_sql_cls[c],
			     fi_sql_ctr[f->ctr]);
	fi_sqlb_add(b, ")");
}

static int
fi_api_bucket_totals(struct fi_req *r)
{
	const struct fi_query *q = r->q;
	struct fi_sqlb *b = &r->api->sb;

	for (unsigned i = 0; i < q->nsort; i++) {
		const struct fi_field *f = &q->sort[i].field;
		if (f->kind != FI_FK_BUCKET &&
		    !(f->kind == FI_FK_COUNTER && f->dir == FI_DIR_ALL))
			return fi_api_sort_error(r, f,
						 "is not available without "
						 "fields, aggregate or filters");
	}
	fi_sqlb_reset(b);
	fi_sqlb_add(b, fi_sql_select);
	fi_sqlb_add(b, "bucket");
	for (int c = 0; c < FI_PC_COUNT; c++)
		for (int k = 0; k < FI_CTR_COUNT; k++)
			fi_sqlb_addf(b, ", %s_%s", fi_sql_cls[c], fi_sql_ctr[k]);
	fi_sqlb_addf(b, fi_sql_from_totals, r->size);
	fi_sqlb_add(b, " WHERE ");
	fi_api_bucket_range(b, q->start_bucket, q->end_bucket);
	if (q->count)
		return fi_api_count(r);
	fi_sqlb_add(b, " ORDER BY ");
	for (unsigned i = 0; i < q->nsort; i++) {
		const struct fi_field *f = &q->sort[i].field;

		if (f->kind == FI_FK_BUCKET)
			fi_sqlb_add(b, "bucket");
		else
			fi_api_totals_counter(b, f);
		fi_sqlb_add(b, fi_api_dir(q->sort[i].desc));
		fi_sqlb_add(b, ", ");
	}
	fi_sqlb_add(b, "bucket");
	fi_api_limit(r);
	return fi_api_run(r, fi_api_row_totals);
}

static void
fi_rowplan_add_key(struct fi_rowplan *p, enum fi_fkind k)
{
	for (unsigned i = 0; i < p->nkeys; i++)
		if (p->keys[i] == k)
			return;
	if (k != FI_FK_BUCKET && p->nkeys < 8)
		p->keys[p->nkeys++] = k;
}

static void
fi_rowplan_build(struct fi_rowplan *p, const struct fi_query *q)
{
	memset(p, 0, sizeof(*p));
	if (!(q->have & FI_QP_FIELDS)) {
		for (int k = FI_FK_SRC; k <= FI_FK_PROTO; k++)
			fi_rowplan_add_key(p, (enum fi_fkind)k);
		p->all_ctrs = 7;
		for (int c = 0; c < FI_PC_COUNT; c++)
			p->cls_ctrs[c] = 7;
		return;
	}
	for (unsigned i = 0; i < q->nfields; i++) {
		const struct fi_field *f = &q->fields[i];

		if (f->kind == FI_FK_CLASS)
			p->cls_ctrs[f->cls] = 7;
		else if (f->kind == FI_FK_COUNTER && f->cls == FI_PC_COUNT)
			p->all_ctrs |= 1u << f->ctr;
		else if (f->kind == FI_FK_COUNTER)
			p->cls_ctrs[f->cls] |= 1u << f->ctr;
		else
			fi_rowplan_add_key(p, (enum fi_fkind)f->kind);
	}
}

/* Column of each key in the flow-row select: bucket, src, dst, sport, dport, proto. */
static unsigned
fi_api_flow_col(enum fi_fkind k)
{
	return (unsigned)k; /* FI_FK_BUCKET .. FI_FK_PROTO are 0 .. 5 */
}

static int
fi_api_row_flow(struct fi_req *r, struct fi_stmt *st)
{
	const struct fi_rowplan *p = &r->rowplan;
	const struct fi_val *pv = fi_stmt_col(st, 5);
	__int128 v[FI_CTR_COUNT];
	int cls;

	if (fi_api_row_cut(r))
		return 0;
	if (pv->type != FI_VAL_UINT)
		return FI_EINTERNAL;
	cls = fi_proto_class((uint8_t)pv->v.u);
	for (int k = 0; k < FI_CTR_COUNT; k++)
		if (fi_api_num(fi_stmt_col(st, 6 + (unsigned)k), &v[k]) != 0)
			return FI_EINTERNAL;
	fi_jsonw_obj_begin(&r->w);
	if (fi_api_write_key(&r->w, FI_FK_BUCKET, fi_stmt_col(st, 0)) != 0)
		return FI_EINTERNAL;
	for (unsigned i = 0; i < p->nkeys; i++)
		if (fi_api_write_key(&r->w, p->keys[i],
				     fi_stmt_col(st, fi_api_flow_col(p->keys[i]))) != 0)
			return FI_EINTERNAL;
	for (int k = 0; k < FI_CTR_COUNT; k++)
		if (p->all_ctrs & (1u << k)) {
			fi_jsonw_key(&r->w, fi_ctr_names[k]);
			fi_jsonw_i128(&r->w, fi_api_round(v[k]));
		}
	for (int c = 0; c < FI_PC_COUNT; c++) {
		if (p->cls_ctrs[c] == 0)
			continue;
		fi_jsonw_key(&r->w, fi_proto_class_names[c]);
		fi_jsonw_obj_begin(&r->w);
		for (int k = 0; k < FI_CTR_COUNT; k++)
			if (p->cls_ctrs[c] & (1u << k)) {
				fi_jsonw_key(&r->w, fi_ctr_names[k]);
				fi_jsonw_i128(&r->w, c == cls ? fi_api_round(v[k]) : 0);
			}
		fi_jsonw_obj_end(&r->w);
	}
	fi_jsonw_obj_end(&r->w);
	return 0;
}

/* ORDER BY expression of a sort key over flow rows (modes B, C). */
static int
fi_api_flow_sort_expr(struct fi_req *r, const struct fi_field *f)
{
	static const char *const alias[] = {"bucket",  "k_src",	  "k_dst",
					    "k_sport", "k_dport", "proto"};
	struct fi_sqlb *b = &r->api->sb;

	if (f->kind <= FI_FK_PROTO) {
		fi_sqlb_add(b, alias[f->kind]);
		return 0;
	}
	if (f->kind != FI_FK_COUNTER || f->dir != FI_DIR_ALL)
		return fi_api_sort_error(r, f, "is not available for flow rows");
	if (f->cls == FI_PC_COUNT)
		fi_sqlb_add(b, fi_sql_ctr[f->ctr]);
	else
		fi_sqlb_addf(b, "IF(%s, %s, 0)", fi_sql_cls_cond[f->cls],
			     fi_sql_ctr[f->ctr]);
	return 0;
}

/* Modes B and C: the rows of the flow table, every column or the fields. */
static int
fi_api_bucket_flows(struct fi_req *r)
{
	const struct fi_query *q = r->q;
	struct fi_sqlb *b = &r->api->sb;
	const char *const *key = q->biflow ? fi_sql_key_biflow : fi_sql_key;
	int rc;

	fi_rowplan_build(&r->rowplan, q);
	fi_sqlb_reset(b);
	fi_sqlb_add(b, fi_sql_select);
	fi_sqlb_addf(b,
		     "bucket, %s AS k_src, %s AS k_dst, %s AS k_sport, %s AS k_dport,"
		     " proto, flows, packets, bytes",
		     key[FI_FK_SRC], key[FI_FK_DST], key[FI_FK_SPORT], key[FI_FK_DPORT]);
	fi_api_from_flows(r, 1, 1);
	fi_sqlb_where(b, q, 1);
	if (q->count)
		return fi_api_count(r);
	fi_sqlb_add(b, " ORDER BY ");
	for (unsigned i = 0; i < q->nsort; i++) {
		rc = fi_api_flow_sort_expr(r, &q->sort[i].field);
		if (rc != 0)
			return rc;
		fi_sqlb_add(b, fi_api_dir(q->sort[i].desc));
		fi_sqlb_add(b, ", ");
	}
	fi_sqlb_add(b, "bucket, k_src, k_dst, k_sport, k_dport, proto");
	fi_api_limit(r);
	return fi_api_run(r, fi_api_row_flow);
}

static int
fi_api_row_aggr(struct fi_req *r, struct fi_stmt *st)
{
	const struct fi_aggplan *p = &r->aggplan;
	struct fi_block bl;
	unsigned col = 0;

	if (fi_api_row_cut(r))
		return 0;
	fi_jsonw_obj_begin(&r->w);
	for (unsigned i = 0; i < p->nkeys; i++)
		if (fi_api_write_key(&r->w, p->keys[i], fi_stmt_col(st, col++)) != 0)
			return FI_EINTERNAL;
	for (unsigned i = 0; i < p->nmaxes; i++)
		if (fi_api_write_key(&r->w, p->maxes[i], fi_stmt_col(st, col++)) != 0)
			return FI_EINTERNAL;
	if (fi_block_read(st, col, 0, &bl) != 0)
		return FI_EINTERNAL;
	fi_block_write(&r->w, &bl, 0);
	fi_jsonw_obj_end(&r->w);
	return 0;
}

/*
 * Appends the SQL of a group key: the stored or folded column, or an
 * endpoint; with black_others, endpoints not in the include list become
 * NULL, one merged "others" row (printed as 0).
 */
static void
fi_api_group_key(struct fi_req *r, enum fi_fkind k)
{
	const struct fi_query *q = r->q;
	struct fi_sqlb *b = &r->api->sb;
	const char *expr;
	int addr;

	if (k == FI_FK_IPADDRESS)
		expr = fi_sql_endpoint_addr;
	else if (k == FI_FK_PORT)
		expr = fi_sql_endpoint_port;
	else
		expr = (q->biflow ? fi_sql_key_biflow : fi_sql_key)[k];
	addr = k == FI_FK_SRC || k == FI_FK_DST || k == FI_FK_IPADDRESS;
	if (q->black_others && addr && (q->have & FI_QP_INCLUDE_IPS)) {
		fi_sqlb_add(b, "CASE WHEN ");
		fi_sqlb_in_prefixes(b, &expr, 1, q->include_ips, q->ninclude_ips);
		fi_sqlb_addf(b, " THEN %s END", expr);
	} else if (q->black_others &&
		   (k == FI_FK_SPORT || k == FI_FK_DPORT || k == FI_FK_PORT) &&
		   (q->have & FI_QP_INCLUDE_PORTS)) {
		fi_sqlb_add(b, "CASE WHEN ");
		fi_sqlb_in_ports(b, expr, 0, q->include_ports, q->ninclude_ports);
		fi_sqlb_addf(b, " THEN %s END", expr);
	} else {
		fi_sqlb_add(b, expr);
	}
}

/* ORDER BY expression of a sort key over grouped rows. */
static int
fi_api_aggr_sort_expr(struct fi_req *r, const struct fi_field *f)
{
	const struct fi_aggplan *p = &r->aggplan;
	struct fi_sqlb *b = &r->api->sb;

	if (f->kind == FI_FK_COUNTER && f->dir == FI_DIR_ALL) {
		if (f->cls == FI_PC_COUNT)
			fi_sqlb_addf(b, "SUM(%s)", fi_sql_ctr[f->ctr]);
		else
			fi_sqlb_addf(b, "SUM(IF(%s, %s, 0))", fi_sql_cls_cond[f->cls],
				     fi_sql_ctr[f->ctr]);
		return 0;
	}
	for (unsigned i = 0; i < p->nkeys; i++)
		if ((enum fi_fkind)f->kind == p->keys[i] ||
		    (f->kind == FI_FK_ID &&
		     (p->keys[i] == FI_FK_IPADDRESS || p->keys[i] == FI_FK_PORT))) {
			fi_sqlb_addf(b, "g%u", i);
			return 0;
		}
	for (unsigned i = 0; i < p->nmaxes; i++)
		if ((enum fi_fkind)f->kind == p->maxes[i]) {
			fi_sqlb_addf(b, "m%u", i);
			return 0;
		}
	return fi_api_sort_error(r, f, "is neither aggregated nor in fields");
}

/* Modes D and E: GROUP BY the aggregate keys, with the counters summed. */
static int
fi_api_bucket_aggr(struct fi_req *r)
{
	const struct fi_query *q = r->q;
	struct fi_sqlb *b = &r->api->sb;
	struct fi_aggplan *p = &r->aggplan;
	int endpoint = 0, rc;

	memset(p, 0, sizeof(*p));
	for (unsigned i = 0; i < q->naggregate; i++) {
		enum fi_fkind k = (enum fi_fkind)q->aggregate[i].kind;

		if (k == FI_FK_IPADDRESS || k == FI_FK_PORT) {
			if (endpoint)
				return fi_err_set(&r->err, FI_EINVAL,
						  "Param aggregate: ipaddress and port "
						  "cannot be combined.");
			endpoint = 1;
			/* the endpoint is the row's id: it goes first */
			memmove(&p->keys[1], &p->keys[0], p->nkeys * sizeof(p->keys[0]));
			p->keys[0] = k;
			p->nkeys++;
		} else if (p->nkeys < 8) {
			p->keys[p->nkeys++] = k;
		}
	}
	/* fields with aggregate: MAX() of key fields; counters are always summed */
	for (unsigned i = 0; i < q->nfields; i++) {
		enum fi_fkind k = (enum fi_fkind)q->fields[i].kind;
		int dup = 0;

		if (k > FI_FK_PROTO)
			continue;
		for (unsigned j = 0; j < p->nkeys; j++)
			dup |= p->keys[j] == k;
		if (!dup && p->nmaxes < 8)
			p->maxes[p->nmaxes++] = k;
	}
	/*
	 * Two levels: the inner query groups by the keys and proto with three
	 * plain sums, the outer one splits them into the twelve class sums.
	 * Summing each flow row into twelve IF()s cost twice as much (a day of
	 * 60 s rows into host pairs: 8 s against 4 s).
	 */
	fi_sqlb_reset(b);
	fi_sqlb_add(b, fi_sql_select);
	for (unsigned i = 0; i < p->nkeys; i++)
		fi_sqlb_addf(b, "%sg%u", i ? ", " : "", i);
	for (unsigned i = 0; i < p->nmaxes; i++)
		fi_sqlb_addf(b, ", MAX(m%u) AS m%u", i, i);
	fi_sqlb_class_sums(b, 0);
	fi_sqlb_add(b, " FROM (SELECT ");
	for (unsigned i = 0; i < p->nkeys; i++) {
		fi_sqlb_add(b, i ? ", " : "");
		fi_api_group_key(r, p->keys[i]);
		fi_sqlb_addf(b, " AS g%u", i);
	}
	for (unsigned i = 0; i < p->nmaxes; i++)
		fi_sqlb_addf(b, ", MAX(%s) AS m%u",
			     (q->biflow ? fi_sql_key_biflow : fi_sql_key)[p->maxes[i]],
			     i);
	fi_sqlb_add(b, ", proto");
	fi_sqlb_add(b, fi_sql_ctr_sums);
	fi_api_from_flows(r, 1, 0);
	if (endpoint)
		fi_sqlb_add(b, fi_sql_dirs);
	fi_sqlb_where(b, q, 1);
	fi_sqlb_add(b, " GROUP BY ");
	for (unsigned i = 0; i < p->nkeys; i++)
		fi_sqlb_addf(b, "g%u, ", i);
	fi_sqlb_add(b, "proto) fi_g GROUP BY ");
	for (unsigned i = 0; i < p->nkeys; i++)
		fi_sqlb_addf(b, "%sg%u", i ? ", " : "", i);
	if (q->count)
		return fi_api_count(r);
	fi_sqlb_add(b, " ORDER BY ");
	for (unsigned i = 0; i < q->nsort; i++) {
		rc = fi_api_aggr_sort_expr(r, &q->sort[i].field);
		if (rc != 0)
			return rc;
		fi_sqlb_add(b, fi_api_dir(q->sort[i].desc));
		fi_sqlb_add(b, ", ");
	}
	for (unsigned i = 0; i < p->nkeys; i++)
		fi_sqlb_addf(b, "%sg%u", i ? ", " : "", i);
	fi_api_limit(r);
	return fi_api_run(r, fi_api_row_aggr);
}

static int
fi_api_bucket_query(struct fi_req *r)
{
	const struct fi_query *q = r->q;
	struct fi_pair range;
	int rc;

	rc = fi_api_choose_size(r);
	if (rc != 0)
		return rc;
	if (r->have_ranges) {
		int i = fi_config_bucket_index(r->api->cfg, r->size);
		range = r->all[i < 0 ? 0 : i];
	} else {
		rc = fi_api_range(r, r->size, &range);
		if (rc != 0)
			return rc;
	}
	fi_jsonw_obj_begin(&r->w);
	fi_jsonw_key(&r->w, "bucket_size");
	fi_jsonw_uint(&r->w, r->size);
	fi_jsonw_key(&r->w, "global_min_bucket");
	if (range.have[0])
		fi_jsonw_uint(&r->w, range.v[0]);
	else
		fi_jsonw_null(&r->w);
	fi_jsonw_key(&r->w, "global_max_bucket");
	if (range.have[1])
		fi_jsonw_uint(&r->w, range.v[1]);
	else
		fi_jsonw_null(&r->w);
	if (!q->count) {
		fi_jsonw_key(&r->w, "results");
		fi_jsonw_arr_begin(&r->w);
	}
	if (q->have & FI_QP_AGGREGATE)
		rc = fi_api_bucket_aggr(r);
	else if (q->have & (FI_QP_FIELDS | FI_QP_FILTERS))
		rc = fi_api_bucket_flows(r);
	else
		rc = fi_api_bucket_totals(r);
	if (rc != 0)
		return rc;
	if (q->count) {
		fi_jsonw_key(&r->w, "results");
		fi_jsonw_arr_begin(&r->w);
	}
	fi_jsonw_arr_end(&r->w);
	return fi_api_answer_end(r);
}

/* ---- /api/index and /api/dynamic/index ------------------------------------------- */

static int
fi_api_row_index(struct fi_req *r, struct fi_stmt *st)
{
	struct fi_block bl;

	if (fi_api_row_cut(r))
		return 0;
	fi_jsonw_obj_begin(&r->w);
	if (fi_api_write_key(&r->w, r->index ? FI_FK_PORT : FI_FK_IPADDRESS,
			     fi_stmt_col(st, 0)) != 0 ||
	    fi_block_read(st, 1, 1, &bl) != 0)
		return FI_EINTERNAL;
	fi_block_write(&r->w, &bl, 1);
	fi_jsonw_obj_end(&r->w);
	return 0;
}

static int
fi_api_row_total(struct fi_req *r, struct fi_stmt *st)
{
	struct fi_block bl;

	if (fi_block_read(st, 0, 0, &bl) != 0)
		return FI_EINTERNAL;
	fi_jsonw_key(&r->w, "totalCounter");
	fi_jsonw_obj_begin(&r->w);
	fi_block_write(&r->w, &bl, 0);
	fi_jsonw_obj_end(&r->w);
	return 0;
}

/*
 * The sum of one index counter: over the index table's columns
 * ("src_tcp_flows + ..."), or over flow rows on the side of each endpoint.
 */
static void
fi_api_index_counter(struct fi_sqlb *b, const struct fi_field *f, int from_flows)
{
	int n = 0;

	if (from_flows) {
		fi_sqlb_addf(b, "SUM(IF(%s AND %s, %s, 0))",
			     fi_sql_dir_cond_outer[f->dir],
			     f->cls < FI_PC_COUNT ? fi_sql_cls_cond[f->cls] : "TRUE",
			     fi_sql_ctr[f->ctr]);
		return;
	}
	fi_sqlb_add(b, "SUM(");
	for (int d = 1; d < FI_DIR_COUNT; d++) {
		if (f->dir != FI_DIR_ALL && f->dir != d)
			continue;
		for (int c = 0; c < FI_PC_COUNT; c++) {
			if (f->cls != FI_PC_COUNT && f->cls != c)
				continue;
			fi_sqlb_addf(b, "%s%s_%s_%s", n++ ? " + " : "", fi_sql_dir[d],
				     fi_sql_cls[c], fi_sql_ctr[f->ctr]);
		}
	}
	fi_sqlb_add(b, ")");
}

/*
 * An index: per address (nodes) or port (ports) the counters by direction and
 * class, plus totalCounter (each flow once, never one of the rows). Without
 * filters from the index tables; with filters computed from the flow table,
 * where a flow counts for both its endpoints.
 */
static int
fi_api_index(struct fi_req *r, int dynamic)
{
	const struct fi_query *q = r->q;
	const struct fi_config *cfg = r->api->cfg;
	struct fi_sqlb *b = &r->api->sb;
	int filters = (q->have & FI_QP_FILTERS) != 0;
	static const unsigned unsupported[] = {FI_QP_FIELDS, FI_QP_AGGREGATE,
					       FI_QP_BIFLOW, FI_QP_BLACK_OTHERS};
	static const char *const unsupported_names[] = {"fields", "aggregate", "biflow",
							"black_others"};
	uint32_t src;
	int rc;

	for (unsigned i = 0; i < 4; i++)
		if (q->have & unsupported[i])
			return fi_err_set(&r->err, FI_EINVAL,
					  "Param %s is not supported by the index.",
					  unsupported_names[i]);
	for (unsigned i = 0; i < q->nsort; i++) {
		const struct fi_field *f = &q->sort[i].field;
		if (f->kind != FI_FK_ID && f->kind != FI_FK_COUNTER)
			return fi_api_sort_error(r, f, "is not available for an index");
	}
	if (dynamic) {
		rc = fi_api_choose_size(r);
		if (rc != 0)
			return rc;
	} else {
		/* the all-time index is the coarsest size over all its buckets */
		r->size = cfg->bucket_sizes[cfg->n_bucket_sizes - 1];
	}
	fi_jsonw_obj_begin(&r->w);

	/* totalCounter */
	fi_sqlb_reset(b);
	fi_sqlb_add(b, fi_sql_select);
	if (filters) {
		/* per protocol first, then into classes (see fi_api_bucket_aggr) */
		fi_sqlb_class_sums(b, 1);
		fi_sqlb_add(b, " FROM (SELECT proto");
		fi_sqlb_add(b, fi_sql_ctr_sums);
		fi_api_from_flows(r, dynamic, 0);
		fi_sqlb_where(b, q, dynamic);
		fi_sqlb_add(b, " GROUP BY proto) fi_g");
	} else {
		for (int c = 0; c < FI_PC_COUNT; c++)
			for (int k = 0; k < FI_CTR_COUNT; k++)
				fi_sqlb_addf(b, "%sSUM(%s_%s)", c + k ? ", " : "",
					     fi_sql_cls[c], fi_sql_ctr[k]);
		fi_sqlb_addf(b, fi_sql_from_totals, r->size);
		if (dynamic) {
			fi_sqlb_add(b, " WHERE ");
			fi_api_bucket_range(b, q->start_bucket, q->end_bucket);
		}
	}
	rc = fi_api_run(r, fi_api_row_total);
	if (rc != 0)
		return rc;

	/* the rows */
	fi_sqlb_reset(b);
	fi_sqlb_add(b, fi_sql_select);
	if (filters) {
		/* per endpoint, direction and protocol first, then into classes */
		fi_sqlb_add(b, "g_id");
		for (int d = 1; d < FI_DIR_COUNT; d++)
			for (int c = 0; c < FI_PC_COUNT; c++)
				for (int k = 0; k < FI_CTR_COUNT; k++)
					fi_sqlb_addf(b, ", SUM(IF(%s AND %s, %s, 0))",
						     fi_sql_dir_cond_outer[d],
						     fi_sql_cls_cond[c], fi_sql_ctr[k]);
		fi_sqlb_add(b, " FROM (SELECT ");
		fi_sqlb_add(b, r->index ? fi_sql_endpoint_port : fi_sql_endpoint_addr);
		fi_sqlb_add(b, " AS g_id, fi_dirs.d AS d, proto");
		fi_sqlb_add(b, fi_sql_ctr_sums);
		fi_api_from_flows(r, dynamic, 0);
		fi_sqlb_add(b, fi_sql_dirs);
		fi_sqlb_where(b, q, dynamic);
		fi_sqlb_add(b, " GROUP BY g_id, d, proto) fi_g");
	} else {
		fi_sqlb_addf(b, "%s AS g_id", fi_sql_index_id[r->index]);
		for (int d = 1; d < FI_DIR_COUNT; d++)
			for (int c = 0; c < FI_PC_COUNT; c++)
				for (int k = 0; k < FI_CTR_COUNT; k++)
					fi_sqlb_addf(b, ", SUM(%s_%s_%s)", fi_sql_dir[d],
						     fi_sql_cls[c], fi_sql_ctr[k]);
		/* ports of a size that is not stored: the sums of a finer size's */
		src = r->index ? fi_api_source(r) : r->size;
		r->heavy |= r->index; /* ports_: a row per port and bucket */
		fi_sqlb_addf(b, fi_sql_from_index, fi_sql_index_table[r->index], src);
		if (dynamic) {
			fi_sqlb_add(b, " WHERE ");
			if (src != r->size)
				fi_api_fine_range(r);
			else
				fi_api_bucket_range(b, q->start_bucket, q->end_bucket);
		}
	}
	fi_sqlb_add(b, " GROUP BY g_id");
	if (q->count) {
		rc = fi_api_count(r);
		if (rc == 0) {
			fi_jsonw_key(&r->w, "results");
			fi_jsonw_arr_begin(&r->w);
			fi_jsonw_arr_end(&r->w);
			fi_jsonw_obj_end(&r->w);
		}
		return rc;
	}
	fi_sqlb_add(b, " ORDER BY ");
	for (unsigned i = 0; i < q->nsort; i++) {
		const struct fi_field *f = &q->sort[i].field;

		if (f->kind == FI_FK_ID)
			fi_sqlb_add(b, "g_id");
		else
			fi_api_index_counter(b, f, filters);
		fi_sqlb_add(b, fi_api_dir(q->sort[i].desc));
		fi_sqlb_add(b, ", ");
	}
	fi_sqlb_add(b, "g_id");
	fi_api_limit(r);
	fi_jsonw_key(&r->w, "results");
	fi_jsonw_arr_begin(&r->w);
	rc = fi_api_run(r, fi_api_row_index);
	if (rc != 0)
		return rc;
	fi_jsonw_arr_end(&r->w);
	return fi_api_answer_end(r);
}

/* ---- /api/hilbert ------------------------------------------------------------------ */

/*
 * The protocol classes a query's protocol filters keep. The node index is
 * split by class only, so a filter must take or leave whole classes
 * (include_protos=icmp, exclude_protos=udp,other); one that splits a class
 * (include_protos=1, or 47) is a 400 rather than a wrong answer.
 */
static int
fi_api_hilbert_classes(struct fi_req *r, unsigned *mask)
{
	struct fi_protoset allowed;
	unsigned in[FI_PC_COUNT] = {0}, all[FI_PC_COUNT] = {0};

	fi_query_protos(r->q, &allowed);
	for (unsigned p = 0; p < 256; p++) {
		int c = fi_proto_class((uint8_t)p);

		all[c]++;
		in[c] += (unsigned)fi_query_protoset_has(&allowed, p);
	}
	*mask = 0;
	for (int c = 0; c < FI_PC_COUNT; c++) {
		if (in[c] != 0 && in[c] != all[c])
			return fi_err_set(
			    &r->err, FI_EINVAL,
			    "Params include_protos and exclude_protos take "
			    "whole classes on /api/hilbert (tcp, udp, icmp, "
			    "other): the node index has no protocol numbers.");
		if (in[c] != 0)
			*mask |= 1u << c;
	}
	return 0;
}

static int
fi_api_row_hilbert(struct fi_req *r, struct fi_stmt *st)
{
	struct fi_hmap *m = &r->hmap;
	const struct fi_val *cv = fi_stmt_col(st, 0);
	__int128 v[FI_CTR_COUNT] = {0};
	unsigned col = 1;
	int any = 0;

	if ((cv->type != FI_VAL_UINT && cv->type != FI_VAL_INT) ||
	    cv->v.u >= m->plan.ncells)
		return FI_EINTERNAL;
	for (int k = 0; k < FI_CTR_COUNT; k++) {
		if (!(m->ctrs & (1u << k)))
			continue;
		if (fi_api_num(fi_stmt_col(st, col++), &v[k]) != 0)
			return FI_EINTERNAL;
		any |= v[k] != 0;
	}
	/* an address seen only in the other direction or class is no traffic */
	if (!any)
		return 0;
	m->nonzero++;
	for (int k = 0; k < FI_CTR_COUNT; k++) {
		m->total[k] += v[k];
		if (v[k] > m->max[k])
			m->max[k] = v[k];
	}
	if (fi_api_row_cut(r))
		return 0; /* the sums still count the cells past max_rows */
	fi_jsonw_arr_begin(&r->w);
	fi_jsonw_uint(&r->w, cv->v.u);
	for (int k = 0; k < FI_CTR_COUNT; k++)
		if (m->ctrs & (1u << k))
			fi_jsonw_i128(&r->w, fi_api_round(v[k]));
	fi_jsonw_arr_end(&r->w);
	return 0;
}

/*
 * Appends ", SUM(a + b + ...)" of counter k over the columns of the asked
 * direction and classes: one sum per counter (summing all 24 columns apart
 * costs half as much again). The integer counters are added as DECIMAL, so
 * eight BIGINT UNSIGNED columns cannot overflow the addition.
 */
static void
fi_api_hilbert_sum(struct fi_sqlb *b, const struct fi_hmap *m, int dir, int k)
{
	int n = 0;

	fi_sqlb_add(b, ", SUM(");
	for (int d = 1; d < FI_DIR_COUNT; d++) {
		if (dir != FI_DIR_ALL && dir != d)
			continue;
		for (int c = 0; c < FI_PC_COUNT; c++) {
			if (!(m->classes & (1u << c)))
				continue;
			if (n++ == 0 && k != FI_CTR_FLOWS)
				fi_sqlb_addf(b, fi_sql_hilbert_wide, fi_sql_dir[d],
					     fi_sql_cls[c], fi_sql_ctr[k]);
			else
				fi_sqlb_addf(b, "%s%s_%s_%s", n > 1 ? " + " : "",
					     fi_sql_dir[d], fi_sql_cls[c], fi_sql_ctr[k]);
		}
	}
	fi_sqlb_add(b, n == 0 ? "0)" : ")");
}

/* Writes name: {counter: n, ...} over the answered counters. */
static void
fi_api_hilbert_sums(struct fi_req *r, const char *name, const __int128 *v)
{
	fi_jsonw_key(&r->w, name);
	fi_jsonw_obj_begin(&r->w);
	for (int k = 0; k < FI_CTR_COUNT; k++)
		if (r->hmap.ctrs & (1u << k)) {
			fi_jsonw_key(&r->w, fi_ctr_names[k]);
			fi_jsonw_i128(&r->w, fi_api_round(v[k]));
		}
	fi_jsonw_obj_end(&r->w);
}

/*
 * Checks the parameters of a map and plans it, before the database is asked
 * (so a bad depth is a 400 even while the database is down).
 */
static int
fi_api_hilbert_check(struct fi_req *r)
{
	static const unsigned unsupported[] = {
	    FI_QP_LIMIT,	FI_QP_OFFSET,	     FI_QP_SORT,
	    FI_QP_FIELDS,	FI_QP_AGGREGATE,     FI_QP_INCLUDE_IPS,
	    FI_QP_EXCLUDE_IPS,	FI_QP_INCLUDE_PORTS, FI_QP_EXCLUDE_PORTS,
	    FI_QP_BLACK_OTHERS, FI_QP_BIFLOW,	     FI_QP_COUNT};
	static const char *const unsupported_names[] = {
	    "limit",	     "offset",	     "sort",	    "fields",
	    "aggregate",     "include_ips",  "exclude_ips", "include_ports",
	    "exclude_ports", "black_others", "biflow",	    "count"};
	const struct fi_query *q = r->q;
	struct fi_hmap *m = &r->hmap;
	struct fi_prefix whole = {.len = 96}; /* 0.0.0.0/0 */
	int rc;

	for (unsigned i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (q->have & unsupported[i])
			return fi_err_set(&r->err, FI_EINVAL,
					  "Param %s is not supported by /api/hilbert.",
					  unsupported_names[i]);
	whole.addr = fi_addr_from_v4(0);
	rc = fi_hilbert_plan((q->have & FI_QP_PREFIX) ? &q->prefix : &whole,
			     (q->have & FI_QP_DEPTH) != 0, q->depth, &m->plan, &r->err);
	if (rc != 0)
		return rc;
	m->ctrs = q->value < FI_CTR_COUNT ? 1u << q->value : 7u;
	return fi_api_hilbert_classes(r, &m->classes);
}

/*
 * The address-space map (checked by fi_api_hilbert_check): traffic per
 * sub-prefix of length depth inside prefix, summed from the node index,
 * non-empty cells only, in cell (= Hilbert curve) order: {"prefix", "depth",
 * "order", "bucket_size", "direction", "columns", "cells": [[index,
 * counters...], ...], "max", "total", "nonzero"}. See fcgi/API.md.
 */
static int
fi_api_hilbert(struct fi_req *r)
{
	static const char *const dir_names[FI_DIR_COUNT] = {"both", "src", "dst"};
	const struct fi_query *q = r->q;
	struct fi_sqlb *b = &r->api->sb;
	struct fi_hmap *m = &r->hmap;
	struct fi_addr lo, hi;
	char text[FI_PREFIX_TEXT_MAX];
	int rc;

	rc = fi_api_choose_size(r);
	if (rc != 0)
		return rc;

	fi_jsonw_obj_begin(&r->w);
	fi_jsonw_key(&r->w, "prefix");
	fi_jsonw_cstr(&r->w, fi_hilbert_prefix_format(&m->plan.prefix, text));
	fi_jsonw_key(&r->w, "depth");
	fi_jsonw_uint(&r->w, m->plan.depth);
	fi_jsonw_key(&r->w, "order");
	fi_jsonw_uint(&r->w, m->plan.order);
	fi_jsonw_key(&r->w, "bucket_size");
	fi_jsonw_uint(&r->w, r->size);
	fi_jsonw_key(&r->w, "direction");
	fi_jsonw_cstr(&r->w, dir_names[q->direction % FI_DIR_COUNT]);
	fi_jsonw_key(&r->w, "columns");
	fi_jsonw_arr_begin(&r->w);
	fi_jsonw_cstr(&r->w, "index");
	for (int k = 0; k < FI_CTR_COUNT; k++)
		if (m->ctrs & (1u << k))
			fi_jsonw_cstr(&r->w, fi_ctr_names[k]);
	fi_jsonw_arr_end(&r->w);

	fi_sqlb_reset(b);
	fi_sqlb_add(b, fi_sql_hilbert_cell[0]);
	fi_sqlb_u64(b, m->plan.win_byte + 1); /* SUBSTRING counts from 1 */
	fi_sqlb_add(b, fi_sql_hilbert_cell[1]);
	fi_sqlb_u64(b, m->plan.win_shift);
	fi_sqlb_add(b, fi_sql_hilbert_cell[2]);
	fi_sqlb_u64(b, m->plan.win_mask);
	fi_sqlb_add(b, fi_sql_hilbert_cell[3]);
	for (int k = 0; k < FI_CTR_COUNT; k++)
		if (m->ctrs & (1u << k))
			fi_api_hilbert_sum(b, m, q->direction % FI_DIR_COUNT, k);
	fi_sqlb_addf(b, fi_sql_from_index, fi_sql_index_table[0], r->size);
	fi_sqlb_add(b, " WHERE ");
	fi_api_bucket_range(b, q->start_bucket, q->end_bucket);
	fi_prefix_range(&m->plan.prefix, &lo, &hi);
	fi_sqlb_add(b, fi_sql_hilbert_addr[0]);
	fi_sqlb_addr(b, &lo);
	fi_sqlb_add(b, fi_sql_hilbert_addr[1]);
	fi_sqlb_addr(b, &hi);
	fi_sqlb_add(b, fi_sql_hilbert_group);
	fi_jsonw_key(&r->w, "cells");
	fi_jsonw_arr_begin(&r->w);
	rc = fi_api_run(r, fi_api_row_hilbert);
	if (rc != 0)
		return rc;
	fi_jsonw_arr_end(&r->w);
	fi_api_hilbert_sums(r, "max", m->max);
	fi_api_hilbert_sums(r, "total", m->total);
	fi_jsonw_key(&r->w, "nonzero");
	fi_jsonw_uint(&r->w, m->nonzero);
	return fi_api_answer_end(r);
}

/* ---- /api/meta and /api/health ------------------------------------------------------
 */

static int
fi_api_meta(struct fi_req *r)
{
	const struct fi_config *cfg = r->api->cfg;
	struct fi_sqlb *b = &r->api->sb;
	struct fi_pair p;
	uint64_t last = 0;
	int have_last = 0, rc;

	fi_jsonw_obj_begin(&r->w);
	fi_jsonw_key(&r->w, "version");
	fi_jsonw_cstr(&r->w, FI_VERSION);
	fi_jsonw_key(&r->w, "bucket_sizes");
	fi_jsonw_arr_begin(&r->w);
	for (unsigned i = 0; i < cfg->n_bucket_sizes; i++)
		fi_jsonw_uint(&r->w, cfg->bucket_sizes[i]);
	fi_jsonw_arr_end(&r->w);
	fi_jsonw_key(&r->w, "index_bucket_size");
	fi_jsonw_uint(&r->w, cfg->bucket_sizes[cfg->n_bucket_sizes - 1]);
	fi_jsonw_key(&r->w, "max_rows");
	fi_jsonw_uint(&r->w, cfg->max_rows);
	fi_jsonw_key(&r->w, "query_timeout");
	fi_jsonw_uint(&r->w, cfg->query_timeout);
	fi_jsonw_key(&r->w, "sizes");
	fi_jsonw_arr_begin(&r->w);
	for (unsigned i = 0; i < cfg->n_bucket_sizes; i++) {
		rc = fi_api_range(r, cfg->bucket_sizes[i], &p);
		if (rc != 0)
			return rc;
		fi_jsonw_obj_begin(&r->w);
		fi_jsonw_key(&r->w, "bucket_size");
		fi_jsonw_uint(&r->w, cfg->bucket_sizes[i]);
		fi_jsonw_key(&r->w, "retention_days");
		fi_jsonw_uint(&r->w, cfg->retention_days[i]);
		fi_jsonw_key(&r->w, "min_bucket");
		if (p.have[0])
			fi_jsonw_uint(&r->w, p.v[0]);
		else
			fi_jsonw_null(&r->w);
		fi_jsonw_key(&r->w, "max_bucket");
		if (p.have[1])
			fi_jsonw_uint(&r->w, p.v[1]);
		else
			fi_jsonw_null(&r->w);
		fi_jsonw_obj_end(&r->w);
	}
	fi_jsonw_arr_end(&r->w);
	/* the importers record every committed batch and source mark with a time */
	for (int i = 0; i < 2; i++) {
		fi_sqlb_reset(b);
		fi_sqlb_add(b, i == 0 ? fi_sql_last_batch : fi_sql_last_mark);
		rc = fi_api_pair(r, &p);
		if (rc == FI_EUNAVAIL)
			return rc;
		if (rc == 0 && p.have[0] && (!have_last || p.v[0] > last)) {
			last = p.v[0];
			have_last = 1;
		}
	}
	fi_jsonw_key(&r->w, "last_import");
	if (have_last)
		fi_jsonw_uint(&r->w, last);
	else
		fi_jsonw_null(&r->w);
	fi_jsonw_obj_end(&r->w);
	return 0;
}

static int
fi_api_health(struct fi_req *r)
{
	struct fi_sqlb *b = &r->api->sb;
	struct fi_pair p;
	int rc;

	fi_sqlb_reset(b);
	fi_sqlb_add(b, fi_sql_ping);
	rc = fi_api_pair(r, &p);
	if (rc != 0)
		return FI_EUNAVAIL;
	fi_jsonw_obj_begin(&r->w);
	fi_jsonw_key(&r->w, "status");
	fi_jsonw_cstr(&r->w, "ok");
	fi_jsonw_key(&r->w, "database");
	fi_jsonw_cstr(&r->w, "reachable");
	fi_jsonw_obj_end(&r->w);
	return 0;
}

/* ---- requests ---------------------------------------------------------------------- */

static const char *
fi_api_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	}
	return "Error";
}

/* Replaces the body by {"error": msg} with the given status. */
static void
fi_api_error(struct fi_api_response *resp, int status, const char *msg)
{
	struct fi_jsonw w;

	fi_buf_reset(&resp->body);
	resp->status = status;
	resp->reason = fi_api_reason(status);
	resp->etag[0] = '\0';
	resp->truncated = 0;
	fi_jsonw_init(&w, &resp->body);
	fi_jsonw_obj_begin(&w);
	fi_jsonw_key(&w, "error");
	fi_jsonw_cstr(&w, msg);
	fi_jsonw_obj_end(&w);
}

/*
 * What a failed statement means for the client: a lost connection (or a
 * failure while disconnected) is "unavailable" whatever the statement's own
 * fault; otherwise the fault of a database error (FI_EDB), else none.
 */
static enum fi_db_fault
fi_api_fault(const struct fi_api *api, int rc)
{
	if (rc == FI_EUNAVAIL || api->dberr.code == FI_EUNAVAIL)
		return FI_DB_FAULT_GONE;
	if (rc == FI_EDB)
		return api->dbfault;
	return FI_DB_FAULT_NONE;
}

/* Maps a failed handler's outcome to the error answer. */
static void
fi_api_fail(struct fi_req *r, int rc)
{
	struct fi_api *api = r->api;
	char msg[FI_ERR_MSG_MAX];

	if (r->err.code != 0) {
		fi_api_error(r->resp, 400, r->err.msg);
		return;
	}
	if (r->busy) {
		r->resp->retry_after = FI_API_BUSY_RETRY;
		snprintf(msg, sizeof(msg),
			 "The server is busy: %u large queries are running, the most "
			 "it runs at once; retry in a few seconds.",
			 fi_gate_limit(api->gate));
		fi_api_error(r->resp, 503, msg);
		return;
	}
	switch (fi_api_fault(api, rc)) {
	case FI_DB_FAULT_GONE:
	case FI_DB_FAULT_BUSY:
		r->resp->retry_after = 5;
		fi_api_error(r->resp, 503, "The database is not available.");
		return;
	case FI_DB_FAULT_TIMEOUT:
		snprintf(msg, sizeof(msg),
			 "The query took longer than %u s and was cut off; "
			 "narrow the range or the filters.",
			 api->cfg->query_timeout);
		fi_api_error(r->resp, 504, msg);
		return;
	case FI_DB_FAULT_NO_TABLE:
		r->resp->retry_after = 60;
		fi_api_error(r->resp, 503,
			     "The database has no tables for this bucket size; "
			     "run flowinspector-importer --init-db.");
		return;
	case FI_DB_FAULT_NONE:
		if (rc == FI_ETOOBIG) {
			snprintf(msg, sizeof(msg),
				 "The answer is larger than %u MB; set a limit or "
				 "narrow the query.",
				 (unsigned)(FI_API_BODY_MAX >> 20));
			fi_api_error(r->resp, 400, msg);
			return;
		}
		break;
	case FI_DB_FAULT_DUPLICATE:
	case FI_DB_FAULT_OTHER:
		break;
	}
	fi_warnx_limited(&api->rl, "request failed: %s", fi_strerror(rc));
	fi_api_error(r->resp, 500, "Internal error.");
}

/* FNV-1a 64 of the body: the ETag changes exactly when the answer does. */
static void
fi_api_etag(struct fi_api_response *resp)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < resp->body.len; i++) {
		h ^= (unsigned char)resp->body.data[i];
		h *= 1099511628211ULL;
	}
	snprintf(resp->etag, sizeof(resp->etag), "\"%016llx\"", (unsigned long long)h);
}

/* Whether If-None-Match (a list, maybe weak, maybe "*") matches etag. */
static int
fi_api_etag_match(struct fi_str inm, const char *etag)
{
	size_t i = 0, elen = strlen(etag);

	while (i < inm.n) {
		size_t start, end;

		while (i < inm.n &&
		       (inm.p[i] == ' ' || inm.p[i] == '\t' || inm.p[i] == ','))
			i++;
		start = i;
		while (i < inm.n && inm.p[i] != ',')
			i++;
		end = i;
		while (end > start && (inm.p[end - 1] == ' ' || inm.p[end - 1] == '\t'))
			end--;
		/* nginx's gzip turns our strong tag weak: compare weakly */
		if (end - start > 2 && inm.p[start] == 'W' && inm.p[start + 1] == '/')
			start += 2;
		if ((end - start == 1 && inm.p[start] == '*') ||
		    (end - start == elen && memcmp(inm.p + start, etag, elen) == 0))
			return 1;
	}
	return 0;
}

int
fi_api_response_headers(const struct fi_api_response *resp, struct fi_buf *out)
{
	int rc = fi_buf_printf(out, "Status: %d %s\r\n", resp->status, resp->reason);

	/* 304 carries no body and no Content-Length of one */
	if (rc == 0 && resp->status != 304)
		rc = fi_buf_printf(out,
				   "Content-Type: application/json\r\n"
				   "Content-Length: %zu\r\n",
				   resp->body.len);
	if (rc == 0 && resp->etag[0] != '\0')
		rc = fi_buf_printf(out, "ETag: %s\r\n", resp->etag);
	/* browsers revalidate with If-None-Match every time; errors are not kept */
	if (rc == 0)
		rc = fi_buf_puts(out, resp->status == 200 || resp->status == 304
					  ? "Cache-Control: no-cache\r\n"
					  : "Cache-Control: no-store\r\n");
	if (rc == 0)
		rc = fi_buf_puts(out, "X-Content-Type-Options: nosniff\r\n");
	if (rc == 0 && resp->allow != NULL)
		rc = fi_buf_printf(out, "Allow: %s\r\n", resp->allow);
	if (rc == 0 && resp->retry_after != 0)
		rc = fi_buf_printf(out, "Retry-After: %u\r\n", resp->retry_after);
	if (rc == 0 && resp->truncated)
		rc = fi_buf_puts(out, "X-Flowinspector-Truncated: 1\r\n");
	if (rc == 0)
		rc = fi_buf_puts(out, "\r\n");
	return rc;
}

/* Route names after /api/. */
enum fi_route {
	FI_ROUTE_NONE,
	FI_ROUTE_BUCKET,
	FI_ROUTE_INDEX,
	FI_ROUTE_DYNAMIC,
	FI_ROUTE_META,
	FI_ROUTE_HEALTH,
	FI_ROUTE_HILBERT,
};

/* Removes one trailing slash (the original answered both forms). */
static struct fi_str
fi_api_strip_slash(struct fi_str s)
{
	if (s.n > 1 && s.p[s.n - 1] == '/')
		s.n--;
	return s;
}

static int
fi_api_prefix(struct fi_str s, const char *prefix, struct fi_str *rest)
{
	size_t n = strlen(prefix);

	if (s.n < n || memcmp(s.p, prefix, n) != 0)
		return 0;
	*rest = (struct fi_str){s.p + n, s.n - n};
	return 1;
}

/* Finds the route of path; for the indexes *name is the index name. */
static enum fi_route
fi_api_route(struct fi_str path, struct fi_str *name)
{
	path = fi_api_strip_slash(path);
	if (fi_str_eq(path, "/api/bucket/query"))
		return FI_ROUTE_BUCKET;
	if (fi_str_eq(path, "/api/meta"))
		return FI_ROUTE_META;
	if (fi_str_eq(path, "/api/health"))
		return FI_ROUTE_HEALTH;
	if (fi_str_eq(path, "/api/hilbert"))
		return FI_ROUTE_HILBERT;
	if (fi_api_prefix(path, "/api/dynamic/index/", name) && name->n > 0 &&
	    memchr(name->p, '/', name->n) == NULL)
		return FI_ROUTE_DYNAMIC;
	if (fi_api_prefix(path, "/api/index/", name) && name->n > 0 &&
	    memchr(name->p, '/', name->n) == NULL)
		return FI_ROUTE_INDEX;
	return FI_ROUTE_NONE;
}

/*
 * Checks what only the route can: the map's parameters (which mean nothing
 * to the other query routes, a 400 there).
 */
static int
fi_api_check_route_params(struct fi_req *r, enum fi_route route)
{
	static const unsigned bits[] = {FI_QP_PREFIX, FI_QP_DEPTH, FI_QP_VALUE,
					FI_QP_DIRECTION};
	static const char *const names[] = {"prefix", "depth", "value", "direction"};

	if (route == FI_ROUTE_HILBERT)
		return fi_api_hilbert_check(r);
	if (route != FI_ROUTE_BUCKET && route != FI_ROUTE_INDEX &&
	    route != FI_ROUTE_DYNAMIC)
		return 0;
	for (unsigned i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (r->q->have & bits[i])
			return fi_err_set(&r->err, FI_EINVAL,
					  "Param %s is only supported by /api/hilbert.",
					  names[i]);
	return 0;
}

void
fi_api_handle(struct fi_api *api, struct fi_str method, struct fi_str path,
	      struct fi_str query, struct fi_str inm, struct fi_api_response *resp)
{
	struct fi_req r;
	struct fi_str name = {NULL, 0};
	enum fi_route route;
	int rc, jrc;

	fi_api_response_trim(resp);
	fi_buf_reset(&resp->body);
	resp->status = 200;
	resp->reason = "OK";
	resp->etag[0] = '\0';
	resp->allow = NULL;
	resp->truncated = 0;
	resp->retry_after = 0;
	memset(&r, 0, sizeof(r));
	r.api = api;
	r.resp = resp;
	r.q = api->q;
	fi_err_clear(&api->dberr);
	api->dbfault = FI_DB_FAULT_NONE;

	route = fi_api_route(path, &name);
	if (route == FI_ROUTE_NONE) {
		fi_api_error(resp, 404, "Not found.");
		return;
	}
	if (!fi_str_eq(method, "GET") && !fi_str_eq(method, "HEAD")) {
		resp->allow = "GET, HEAD";
		fi_api_error(resp, 405, "Method not allowed; use GET.");
		return;
	}
	if ((route == FI_ROUTE_INDEX || route == FI_ROUTE_DYNAMIC) &&
	    !fi_str_eq(name, "nodes") && !fi_str_eq(name, "ports")) {
		fi_api_error(resp, 404, "Index name not known.");
		return;
	}
	r.index = fi_str_eq(name, "ports");
	if (fi_query_parse(query, api->cfg->bucket_sizes, api->cfg->n_bucket_sizes,
			   api->q, &r.err) != 0 ||
	    fi_api_check_route_params(&r, route) != 0) {
		fi_api_error(resp, 400, r.err.msg);
		return;
	}
	/* one row more than max_rows is fetched to tell a cut answer */
	r.max = api->q->limit != 0 && api->q->limit < api->cfg->max_rows
		    ? api->q->limit
		    : api->cfg->max_rows;
	r.fetch = r.max == api->q->limit ? r.max : r.max + 1;
	if (fi_api_connect(api) != 0) {
		resp->retry_after = 5;
		fi_api_error(resp, 503, "The database is not available.");
		return;
	}
	fi_jsonw_init(&r.w, &resp->body);
	switch (route) {
	case FI_ROUTE_BUCKET:
		rc = fi_api_bucket_query(&r);
		break;
	case FI_ROUTE_INDEX:
	case FI_ROUTE_DYNAMIC:
		rc = fi_api_index(&r, route == FI_ROUTE_DYNAMIC);
		break;
	case FI_ROUTE_META:
		rc = fi_api_meta(&r);
		break;
	case FI_ROUTE_HILBERT:
		rc = fi_api_hilbert(&r);
		break;
	default:
		rc = fi_api_health(&r);
		break;
	}
	if (r.admitted)
		fi_gate_leave(api->gate, api->gate_slot);
	jrc = fi_jsonw_error(&r.w);
	if (rc == 0 && jrc != 0)
		rc = jrc;
	if (rc != 0) {
		fi_api_fail(&r, rc);
		return;
	}
	fi_api_etag(resp);
	if (inm.n > 0 && fi_api_etag_match(inm, resp->etag)) {
		resp->status = 304;
		resp->reason = fi_api_reason(304);
		fi_buf_reset(&resp->body);
	}
}
