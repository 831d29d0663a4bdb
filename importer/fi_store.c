/*
 * fi_store.c: the write path. Rows go out in key order (the maps are sorted)
 * as multi-row INSERT ... ON DUPLICATE KEY UPDATE c = c + VALUES(c), so
 * concurrent importers add up and lock rows in the same order. Statement
 * texts are generated from the fixed column lists below; every value is a
 * bound parameter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fi_clock.h"
#include "fi_buf.h"
#include "fi_log.h"
#include "fi_num.h"
#include "fi_rollup.h"
#include "fi_store.h"
#include "fi_store_int.h"

#define FI_STORE_LADDER_MIN 8 /* fewer rows go in a statement not kept */
/* kept statements: per table, the full size and each power of two below it */
#define FI_STORE_STMTS_MAX    (4 * FI_BUCKET_SIZES_MAX * 12)
#define FI_STORE_DEC_MAX      32   /* bytes of a DECIMAL(30,9) in text, with NUL */
#define FI_STORE_KEEP_BATCHES 1000 /* batch records kept per consumer */

enum fi_store_kind { FI_T_FLOWS, FI_T_NODES, FI_T_PORTS, FI_T_TOTALS, FI_T_COUNT };

static const char *const fi_store_tables[FI_T_COUNT] = {"flows", "nodes", "ports",
							"totals"};
static const char *const fi_store_flow_cols[] = {
    "bucket", "src", "dst", "sport", "dport", "proto", "flows", "packets", "bytes"};
#define FI_STORE_FLOW_KEYS 6 /* the first six columns are the key */

static const char fi_store_sql_session[] =
    "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED";
static const char fi_store_sql_batch_put[] =
    "INSERT INTO fi_batches (consumer, part, batch_id, flows, piece_rows)"
    " VALUES (?, ?, ?, ?, ?)";
static const char fi_store_sql_batch_cuts[] =
    "SELECT part, piece_rows FROM fi_batches"
    " WHERE consumer = ? AND batch_id = ? AND part NOT LIKE 'totals\\_%'";
static const char fi_store_sql_batch_prune[] =
    "DELETE FROM fi_batches WHERE consumer = ? AND batch_id + ? < ?";
static const char fi_store_sql_batch_last[] =
    "SELECT COALESCE(MAX(batch_id), 0) FROM fi_batches WHERE consumer = ?";
static const char fi_store_sql_refused_put[] =
    "INSERT INTO fi_batch_refused (consumer, batch_id, position, reason)"
    " VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE reason = VALUES(reason)";
static const char fi_store_sql_refused_get[] =
    "SELECT position, reason FROM fi_batch_refused"
    " WHERE consumer = ? AND batch_id = ? ORDER BY position";
static const char fi_store_sql_refused_prune[] =
    "DELETE FROM fi_batch_refused WHERE consumer = ? AND batch_id + ? < ?";
/* ... FROM totals_S WHERE bucket BETWEEN ? AND ? FOR UPDATE, built per size */
static const char fi_store_sql_totals_lock[] = " WHERE bucket BETWEEN ? AND ? FOR UPDATE";
static const char fi_store_sql_meta[] =
    "INSERT INTO fi_meta (name, value) VALUES ('last_import', UNIX_TIMESTAMP())"
    " ON DUPLICATE KEY UPDATE value = VALUES(value)";

struct fi_store_cached {
	uint32_t size;
	enum fi_store_kind kind;
	unsigned rows;
	struct fi_stmt *stmt; /* owned */
};

struct fi_store {
	struct fi_db *db; /* borrowed */
	struct fi_store_cached cache[FI_STORE_STMTS_MAX];
	unsigned ncache;
	struct fi_val params[FI_STORE_PARAMS_MAX];
	char dec[FI_STORE_PARAMS_MAX][FI_STORE_DEC_MAX]; /* DECIMAL texts */
	uint64_t u[FI_STORE_PARAMS_MAX];		 /* bucket numbers etc. */
	struct fi_store_stats stats;
	/* the buckets of the flow and port rows written in this transaction,
	 * ascending per table, for the roll-up marks (fi_rollup_mark) */
	uint32_t *marks;
	size_t nmarks, capmarks;
};

/* Columns of a table kind: the names of counters follow the fixed order. */
static unsigned
fi_store_ncols(enum fi_store_kind kind)
{
	switch (kind) {
	case FI_T_FLOWS:
		return 9;
	case FI_T_NODES:
	case FI_T_PORTS:
		return 2 + FI_AGG_DIR_COUNT * FI_PC_COUNT * FI_AGG_M_COUNT;
	case FI_T_TOTALS:
	case FI_T_COUNT:
		break;
	}
	return 1 + FI_PC_COUNT * FI_AGG_M_COUNT;
}

static unsigned
fi_store_nkeys(enum fi_store_kind kind)
{
	return kind == FI_T_FLOWS ? FI_STORE_FLOW_KEYS : kind == FI_T_TOTALS ? 1 : 2;
}

/* Appends column i's name of a table kind. */
static int
fi_store_colname(struct fi_buf *b, enum fi_store_kind kind, unsigned i)
{
	unsigned c;

	if (kind == FI_T_FLOWS)
		return fi_buf_puts(b, fi_store_flow_cols[i]);
	if (i == 0)
		return fi_buf_puts(b, "bucket");
	if (kind == FI_T_TOTALS) {
		c = i - 1;
		return fi_buf_printf(b, "%s_%s", fi_proto_class_names[c / FI_AGG_M_COUNT],
				     fi_agg_metric_names[c % FI_AGG_M_COUNT]);
	}
	if (i == 1)
		return fi_buf_puts(b, kind == FI_T_NODES ? "addr" : "port");
	c = i - 2;
	return fi_buf_printf(b, "%s_%s_%s",
			     fi_agg_dir_names[c / (FI_PC_COUNT * FI_AGG_M_COUNT)],
			     fi_proto_class_names[c / FI_AGG_M_COUNT % FI_PC_COUNT],
			     fi_agg_metric_names[c % FI_AGG_M_COUNT]);
}

/* Builds the upsert text for rows rows of a table. */
static int
fi_store_sql(struct fi_buf *b, enum fi_store_kind kind, uint32_t size, unsigned rows)
{
	unsigned ncols = fi_store_ncols(kind), nkeys = fi_store_nkeys(kind);
	int rc = fi_buf_printf(b, "INSERT INTO %s_%u (", fi_store_tables[kind], size);

	for (unsigned i = 0; rc == 0 && i < ncols; i++) {
		rc = fi_buf_puts(b, i ? "," : "");
		if (rc == 0)
			rc = fi_store_colname(b, kind, i);
	}
	rc = rc ? rc : fi_buf_puts(b, ") VALUES ");
	for (unsigned r = 0; rc == 0 && r < rows; r++) {
		rc = fi_buf_puts(b, r ? ",(" : "(");
		for (unsigned i = 0; rc == 0 && i < ncols; i++)
			rc = fi_buf_puts(b, i ? ",?" : "?");
		rc = rc ? rc : fi_buf_puts(b, ")");
	}
	rc = rc ? rc : fi_buf_puts(b, " ON DUPLICATE KEY UPDATE ");
	for (unsigned i = nkeys; rc == 0 && i < ncols; i++) {
		size_t start;

		rc = fi_buf_puts(b, i > nkeys ? "," : "");
		start = b->len;
		rc = rc ? rc : fi_store_colname(b, kind, i);
		if (rc == 0) {
			char name[64];

			snprintf(name, sizeof(name), "%.*s", (int)(b->len - start),
				 b->data + start);
			rc = fi_buf_printf(b, "=%s+VALUES(%s)", name, name);
		}
	}
	return rc;
}

/*
 * The prepared statement for rows rows of (size, kind), kept for reuse when
 * *cache and there is room; *cache says whether it was (else the caller
 * frees it).
 */
static struct fi_stmt *
fi_store_stmt(struct fi_store *st, enum fi_store_kind kind, uint32_t size, unsigned rows,
	      int *cache, struct fi_err *err)
{
	struct fi_buf sql;
	struct fi_stmt *stmt;

	for (unsigned i = 0; i < st->ncache; i++)
		if (st->cache[i].size == size && st->cache[i].kind == kind &&
		    st->cache[i].rows == rows) {
			*cache = 1;
			return st->cache[i].stmt;
		}
	fi_buf_init(&sql, FI_SQL_SCRIPT_MAX);
	if (fi_store_sql(&sql, kind, size, rows) != 0) {
		fi_buf_fini(&sql);
		fi_err_set(err, FI_ETOOBIG, "statement too long");
		return NULL;
	}
	stmt = fi_stmt_new(st->db, sql.data, err);
	fi_buf_fini(&sql);
	if (stmt != NULL && *cache && st->ncache < FI_STORE_STMTS_MAX)
		st->cache[st->ncache++] =
		    (struct fi_store_cached){size, kind, rows, stmt};
	else
		*cache = 0;
	return stmt;
}

struct fi_store *
fi_store_new(struct fi_db *db, struct fi_err *err)
{
	struct fi_store *st = calloc(1, sizeof(*st));

	if (st == NULL) {
		fi_err_set(err, FI_ENOMEM, "out of memory");
		return NULL;
	}
	st->db = db;
	if (fi_db_exec(db, fi_store_sql_session, err) != 0) {
		free(st);
		return NULL;
	}
	return st;
}

void
fi_store_free(struct fi_store *st)
{
	if (st == NULL)
		return;
	for (unsigned i = 0; i < st->ncache; i++)
		fi_stmt_free(st->cache[i].stmt);
	free(st->marks);
	free(st);
}

/*
 * Parameter p as the DECIMAL text of a count in 1/FI_FLOW_UNIT, written by
 * hand: "%llu.%09llu" through snprintf took a tenth of the importer's time.
 */
static void
fi_store_flows(struct fi_store *st, unsigned p, uint64_t nano)
{
	char tmp[FI_STORE_DEC_MAX];
	char *end = tmp + sizeof(tmp), *q = end;
	uint64_t whole = nano / FI_FLOW_UNIT, frac = nano % FI_FLOW_UNIT;
	size_t n;

	for (int i = 0; i < 9; i++) {
		*--q = (char)('0' + frac % 10);
		frac /= 10;
	}
	*--q = '.';
	do {
		*--q = (char)('0' + whole % 10);
		whole /= 10;
	} while (whole > 0);
	n = (size_t)(end - q);
	memcpy(st->dec[p], q, n);
	st->params[p] = FI_VAL_S(st->dec[p], n);
}

/* Fills the parameters of one row from a map entry (key, value after it). */
static void
fi_store_row(struct fi_store *st, enum fi_store_kind kind, unsigned p,
	     const unsigned char *entry, size_t key_size)
{
	const unsigned char *val = entry + key_size;

	switch (kind) {
	case FI_T_FLOWS: {
		const struct fi_agg_flow_key *k = (const void *)entry;
		const struct fi_agg_flow_val *v = (const void *)val;

		st->params[p] = FI_VAL_U(fi_agg_get32(k->bucket));
		st->params[p + 1] = FI_VAL_B(k->src, 16);
		st->params[p + 2] = FI_VAL_B(k->dst, 16);
		st->params[p + 3] = FI_VAL_U(fi_agg_get16(k->sport));
		st->params[p + 4] = FI_VAL_U(fi_agg_get16(k->dport));
		st->params[p + 5] = FI_VAL_U(k->proto);
		fi_store_flows(st, p + 6, v->c[FI_AGG_M_FLOWS]);
		st->params[p + 7] = FI_VAL_U(v->c[FI_AGG_M_PACKETS]);
		st->params[p + 8] = FI_VAL_U(v->c[FI_AGG_M_BYTES]);
		return;
	}
	case FI_T_NODES:
	case FI_T_PORTS: {
		/* the counters are one array of u64 in [dir][class][metric] order */
		const uint64_t *c = (const uint64_t *)(const void *)val;

		st->params[p] = FI_VAL_U(fi_agg_get32(entry));
		if (kind == FI_T_NODES)
			st->params[p + 1] = FI_VAL_B(entry + 4, 16);
		else
			st->params[p + 1] = FI_VAL_U(fi_agg_get16(entry + 4));
		for (unsigned i = 0; i < FI_AGG_DIR_COUNT * FI_PC_COUNT * FI_AGG_M_COUNT;
		     i++) {
			if (i % FI_AGG_M_COUNT == FI_AGG_M_FLOWS)
				fi_store_flows(st, p + 2 + i, c[i]);
			else
				st->params[p + 2 + i] = FI_VAL_U(c[i]);
		}
		return;
	}
	case FI_T_TOTALS:
	case FI_T_COUNT: {
		const uint64_t *c = (const uint64_t *)(const void *)val;

		st->params[p] = FI_VAL_U(fi_agg_get32(entry));
		for (unsigned i = 0; i < FI_PC_COUNT * FI_AGG_M_COUNT; i++) {
			if (i % FI_AGG_M_COUNT == FI_AGG_M_FLOWS)
				fi_store_flows(st, p + 1 + i, c[i]);
			else
				st->params[p + 1 + i] = FI_VAL_U(c[i]);
		}
		return;
	}
	}
}

/*
 * Adds the buckets of rows (sorted: the bucket leads every key, big-endian)
 * to st->marks, each once per table. Returns 0 or -1 (out of memory).
 */
static int
fi_store_mark_buckets(struct fi_store *st, const unsigned char **rows, size_t n)
{
	size_t first = st->nmarks;

	for (size_t i = 0; i < n; i++) {
		uint32_t b = fi_agg_get32(rows[i]);

		if (st->nmarks > first && st->marks[st->nmarks - 1] == b)
			continue;
		if (st->nmarks == st->capmarks) {
			size_t cap = st->capmarks ? st->capmarks * 2 : 64;
			uint32_t *p = realloc(st->marks, cap * sizeof(*p));

			if (p == NULL)
				return -1;
			st->marks = p;
			st->capmarks = cap;
		}
		st->marks[st->nmarks++] = b;
	}
	return 0;
}

/*
 * Marks for the roll-up, in the transaction that wrote them, the buckets
 * of every size that the flow, port and node rows just written (of size
 * index i) fall in (fi_rollup_mark). Node rows mark the coarser sizes too,
 * although only their own size's nodetop_S follows from them: the readers
 * rely on a marked bucket's coarser buckets being marked (fi_api_rollup.c).
 */
static int
fi_store_marks_put(struct fi_store *st, const struct fi_agg *agg, unsigned i,
		   struct fi_err *err)
{
	uint32_t sizes[FI_BUCKET_SIZES_MAX];
	int rc = 0;

	for (unsigned j = 0; j < agg->nsizes; j++)
		sizes[j] = agg->sizes[j].size;
	if (st->nmarks > 0)
		rc = fi_rollup_mark(st->db, sizes, agg->nsizes, i, st->marks, st->nmarks,
				    err);
	st->nmarks = 0;
	return rc;
}

/*
 * Upserts rows[0..count), entries of map m in key order, into their table.
 */
static int
fi_store_rows(struct fi_store *st, enum fi_store_kind kind, uint32_t size,
	      const struct fi_map *m, const unsigned char **rows, size_t count,
	      struct fi_err *err)
{
	unsigned ncols = fi_store_ncols(kind);
	unsigned per = FI_STORE_PARAMS_MAX / ncols;
	int rc = 0;

	/*
	 * node rows too: a batch's parts commit one by one, so a roll-up may
	 * run between its flow rows (which marked the bucket) and its node
	 * rows; their own mark makes it roll the bucket's nodetop_S again
	 */
	if ((kind == FI_T_FLOWS || kind == FI_T_PORTS || kind == FI_T_NODES) &&
	    fi_store_mark_buckets(st, rows, count) != 0)
		return fi_err_set(err, FI_ENOMEM, "out of memory");
	for (size_t done = 0; done < count && rc == 0;) {
		size_t left = count - done;
		unsigned n = left < per ? (unsigned)left : per;
		int keep = 1;
		struct fi_stmt *stmt;

		/*
		 * The rest goes in kept statements of a power of two rows each, so
		 * a flush prepares nothing new once every size has been used;
		 * only the last few rows take a statement of their own.
		 */
		if (n < per) {
			unsigned k = FI_STORE_LADDER_MIN;

			while (k * 2 <= n)
				k *= 2;
			keep = n >= FI_STORE_LADDER_MIN;
			n = keep ? k : n;
		}
		stmt = fi_store_stmt(st, kind, size, n, &keep, err);
		if (stmt == NULL) {
			rc = err->code;
			break;
		}
		for (unsigned r = 0; r < n; r++)
			fi_store_row(st, kind, r * ncols, rows[done + r], m->key_size);
		rc = fi_stmt_exec(stmt, st->params, n * ncols, err);
		if (!keep)
			fi_stmt_free(stmt);
		done += n;
		st->stats.rows += n;
		st->stats.statements++;
	}
	return rc;
}

/* Upserts every entry of one map into its table. */
static int
fi_store_table(struct fi_store *st, enum fi_store_kind kind, uint32_t size,
	       const struct fi_map *m, struct fi_err *err)
{
	const unsigned char **rows;
	int rc;

	if (m->count == 0)
		return 0;
	rows = fi_map_sorted(m);
	if (rows == NULL)
		return fi_err_set(err, FI_ENOMEM, "out of memory sorting rows");
	rc = fi_store_rows(st, kind, size, m, rows, m->count, err);
	free(rows);
	return rc;
}

/* Inserts the record of part `name` of a batch (first in its transaction). */
static int
fi_store_mark_put(struct fi_store *st, const char *name, const struct fi_store_mark *mark,
		  uint64_t flows, struct fi_err *err)
{
	struct fi_val v[5] = {FI_VAL_S(mark->consumer, strlen(mark->consumer)),
			      FI_VAL_S(name, strlen(name)), FI_VAL_U(mark->batch_id),
			      FI_VAL_U(flows), FI_VAL_U(mark->piece_rows)};

	return fi_db_exec_params(st->db, fi_store_sql_batch_put, v, 5, err);
}

/* Column i of the current row as an unsigned number (integer or text). */
static int
fi_store_col_u64(struct fi_stmt *stmt, unsigned i, uint64_t *out)
{
	const struct fi_val *c = fi_stmt_col(stmt, i);

	if (c->type == FI_VAL_UINT || c->type == FI_VAL_INT) {
		*out = c->v.u;
		return 0;
	}
	if (c->type == FI_VAL_TEXT)
		return fi_num_u64((struct fi_str){c->v.s.p, c->v.s.n}, 0, UINT64_MAX,
				  out);
	return -1;
}

/* Adds the cut a record (part name, its piece_rows) tells to cuts[*n]. */
static int
fi_store_cut_add(struct fi_store_cut **cuts, size_t *n, size_t *cap, const char *part,
		 uint32_t piece_rows)
{
	const char *dot = strchr(part, '.');
	size_t len = dot != NULL ? (size_t)(dot - part) : strlen(part);

	for (size_t i = 0; i < *n; i++)
		if (strlen((*cuts)[i].table) == len &&
		    memcmp((*cuts)[i].table, part, len) == 0)
			return 0;
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		struct fi_store_cut *p = realloc(*cuts, c * sizeof(*p));

		if (p == NULL)
			return -1;
		*cuts = p;
		*cap = c;
	}
	snprintf((*cuts)[*n].table, sizeof((*cuts)[*n].table), "%.*s", (int)len, part);
	(*cuts)[(*n)++].piece_rows = dot != NULL ? piece_rows : 0;
	return 0;
}

int
fi_store_batch_cuts(struct fi_store *st, const struct fi_store_mark *mark,
		    struct fi_store_cut **cuts, size_t *n, struct fi_err *err)
{
	struct fi_val v[2] = {FI_VAL_S(mark->consumer, strlen(mark->consumer)),
			      FI_VAL_U(mark->batch_id)};
	struct fi_stmt *stmt = fi_stmt_new(st->db, fi_store_sql_batch_cuts, err);
	size_t cap = 0;
	int rc;

	*cuts = NULL;
	*n = 0;
	if (stmt == NULL)
		return err->code;
	rc = fi_stmt_exec(stmt, v, 2, err);
	while (rc == 0 && (rc = fi_stmt_fetch(stmt, err)) == 1) {
		char part[64];
		uint64_t pr = 0;

		rc = 0;
		if (fi_stmt_col_text(stmt, 0, part, sizeof(part)) != 0 ||
		    fi_store_col_u64(stmt, 1, &pr) != 0)
			rc = fi_err_set(err, FI_EDB, "unexpected record in fi_batches");
		else if (fi_store_cut_add(cuts, n, &cap, part, (uint32_t)pr) != 0)
			rc = fi_err_set(err, FI_ENOMEM, "out of memory");
	}
	fi_stmt_free(stmt);
	if (rc != 0) {
		free(*cuts);
		*cuts = NULL;
		*n = 0;
	}
	return rc;
}

/* The map holding one kind of table of a bucket size. */
static const struct fi_map *
fi_store_map(const struct fi_agg *agg, unsigned size_index, unsigned kind)
{
	const struct fi_agg_size *s = &agg->sizes[size_index];

	switch ((enum fi_store_kind)kind) {
	case FI_T_FLOWS:
		return &s->flows;
	case FI_T_NODES:
		return &s->nodes;
	case FI_T_PORTS:
		return &s->ports;
	case FI_T_TOTALS:
	case FI_T_COUNT:
		break;
	}
	return &s->totals;
}

static int
fi_store_part_cmp(const void *a, const void *b)
{
	const struct fi_store_part *x = a, *y = b;

	return x->rows < y->rows ? 1 : x->rows > y->rows ? -1 : 0;
}

/*
 * Appends to p[*n] the pieces of the whole-table part `whole` (of
 * more than piece_rows rows), its rows sorted once for all of them.
 */
static int
fi_store_pieces(const struct fi_agg *agg, const struct fi_store_part *whole,
		uint32_t piece_rows, struct fi_store_part *p, size_t *n)
{
	const unsigned char **sorted =
	    fi_map_sorted(fi_store_map(agg, whole->size_index, whole->kind));

	if (sorted == NULL)
		return -1;
	for (uint64_t first = 0, k = 1; first < whole->rows; first += piece_rows, k++) {
		struct fi_store_part *q = &p[(*n)++];

		*q = *whole;
		q->first = first;
		q->rows =
		    whole->rows - first < piece_rows ? whole->rows - first : piece_rows;
		q->sorted = sorted;
		q->owns_sorted = k == 1;
		/* a table's name is at most "totals_4294967295"; k < 2^32 */
		snprintf(q->name, sizeof(q->name), "%.17s.%u", whole->name, (unsigned)k);
	}
	return 0;
}

/* The piece size of table `name`: as cuts[] says, or piece_rows. */
static uint32_t
fi_store_cut_of(const char *name, uint32_t piece_rows, const struct fi_store_cut *cuts,
		size_t ncuts)
{
	for (size_t i = 0; i < ncuts; i++)
		if (strcmp(cuts[i].table, name) == 0)
			return cuts[i].piece_rows;
	return piece_rows;
}

int
fi_store_parts(const struct fi_agg *agg, uint32_t piece_rows,
	       const struct fi_store_cut *cuts, size_t ncuts, int with_totals,
	       struct fi_store_part **parts, size_t *n, struct fi_err *err)
{
	uint32_t cut[FI_STORE_PARTS_MAX];
	struct fi_store_part whole[FI_STORE_PARTS_MAX], *p;
	size_t nwhole = 0, total = 0;

	*parts = NULL;
	*n = 0;
	for (unsigned i = 0; i < agg->nsizes; i++)
		for (unsigned k = 0; k < FI_T_COUNT; k++) {
			const struct fi_map *m = fi_store_map(agg, i, k);
			struct fi_store_part *w = &whole[nwhole];

			if (m->count == 0 || (k == FI_T_TOTALS && !with_totals))
				continue;
			memset(w, 0, sizeof(*w));
			w->size_index = i;
			w->kind = k;
			w->rows = m->count;
			snprintf(w->name, sizeof(w->name), "%s_%u", fi_store_tables[k],
				 agg->sizes[i].size);
			cut[nwhole] = fi_store_cut_of(w->name, piece_rows, cuts, ncuts);
			total += cut[nwhole] > 0 && w->rows > cut[nwhole]
				     ? (w->rows + cut[nwhole] - 1) / cut[nwhole]
				     : 1;
			nwhole++;
		}
	p = calloc(total > 0 ? total : 1, sizeof(*p));
	if (p == NULL)
		return fi_err_set(err, FI_ENOMEM, "out of memory listing parts");
	for (size_t i = 0; i < nwhole; i++) {
		if (cut[i] == 0 || whole[i].rows <= cut[i]) {
			p[(*n)++] = whole[i];
		} else if (fi_store_pieces(agg, &whole[i], cut[i], p, n) != 0) {
			fi_store_parts_free(p, *n);
			*n = 0;
			return fi_err_set(err, FI_ENOMEM, "out of memory sorting rows");
		}
	}
	if (*n > 0)
		qsort(p, *n, sizeof(*p), fi_store_part_cmp);
	*parts = p;
	return 0;
}

void
fi_store_parts_free(struct fi_store_part *parts, size_t n)
{
	for (size_t i = 0; parts != NULL && i < n; i++)
		if (parts[i].owns_sorted)
			free((void *)parts[i].sorted);
	free(parts);
}

/* Starts a write: clears its statement counters, opens its transaction. */
int
fi_store_begin(struct fi_store *st, struct fi_err *err)
{
	memset(&st->stats, 0, sizeof(st->stats));
	st->nmarks = 0;
	return fi_db_begin(st->db, err);
}

/*
 * Ends a write that went as rc says: commits it, or rolls it back, and
 * adds its counters (since t0) to stats when not NULL. Returns the outcome.
 */
int
fi_store_end(struct fi_store *st, int rc, double t0, struct fi_store_stats *stats,
	     struct fi_err *err)
{
	if (rc == 0)
		rc = fi_db_commit(st->db, err);
	if (rc != 0)
		fi_db_rollback(st->db);
	if (stats != NULL) {
		stats->rows += st->stats.rows;
		stats->statements += st->stats.statements;
		stats->seconds += fi_clock_now() - t0;
	}
	return rc;
}

struct fi_db *
fi_store_db(struct fi_store *st)
{
	return st->db;
}

void
fi_store_counted(struct fi_store *st, uint64_t n)
{
	st->stats.statements += n;
}

int
fi_store_all_tables(struct fi_store *st, const struct fi_agg *agg, struct fi_err *err)
{
	int rc = 0;

	/* one fixed table order, so that concurrent imports lock alike */
	for (unsigned i = 0; rc == 0 && i < agg->nsizes; i++) {
		for (unsigned k = 0; rc == 0 && k < FI_T_COUNT; k++)
			rc = fi_store_table(st, (enum fi_store_kind)k, agg->sizes[i].size,
					    fi_store_map(agg, i, k), err);
		if (rc == 0)
			rc = fi_store_marks_put(st, agg, i, err);
	}
	if (rc == 0)
		rc = fi_db_exec_params(st->db, fi_store_sql_meta, NULL, 0, err);
	return rc;
}

int
fi_store_write_part(struct fi_store *st, const struct fi_agg *agg,
		    const struct fi_store_part *part, const struct fi_store_mark *mark,
		    struct fi_store_stats *stats, struct fi_err *err)
{
	double t0 = fi_clock_now();
	int rc = fi_store_begin(st, err);

	if (rc != 0)
		return rc;
	/* first, so that a part written before stops here, changing nothing */
	if (mark != NULL)
		rc = fi_store_mark_put(st, part->name, mark, agg->nflows, err);
	if (rc == 0 && part->sorted != NULL)
		rc = fi_store_rows(st, (enum fi_store_kind)part->kind,
				   agg->sizes[part->size_index].size,
				   fi_store_map(agg, part->size_index, part->kind),
				   part->sorted + part->first, part->rows, err);
	else if (rc == 0)
		rc = fi_store_table(st, (enum fi_store_kind)part->kind,
				    agg->sizes[part->size_index].size,
				    fi_store_map(agg, part->size_index, part->kind), err);
	if (rc == 0)
		rc = fi_store_marks_put(st, agg, part->size_index, err);
	rc = fi_store_end(st, rc, t0, stats, err);
	fi_debug("%s: %llu rows in %llu statements, %.3f s%s", part->name,
		 (unsigned long long)st->stats.rows,
		 (unsigned long long)st->stats.statements, fi_clock_now() - t0,
		 rc == 0 ? "" : " (failed)");
	return rc;
}

/*
 * A stored DECIMAL(30,9) flows text in 1/FI_FLOW_UNIT, UINT64_MAX where it
 * is larger (a value past the cap needs no more precision to be refused).
 */
static uint64_t
fi_store_nano(const char *p, size_t n)
{
	uint64_t v = 0;
	int frac = -1;

	for (size_t i = 0; i < n && frac < 9; i++) {
		if (p[i] == '.') {
			frac = 0;
			continue;
		}
		if (p[i] < '0' || p[i] > '9' || __builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(p[i] - '0'), &v))
			return UINT64_MAX;
		if (frac >= 0)
			frac++;
	}
	for (frac = frac < 0 ? 0 : frac; frac < 9; frac++)
		if (__builtin_mul_overflow(v, 10, &v))
			return UINT64_MAX;
	return v;
}

/* Reads the current row of a totals SELECT into the totals map of base. */
static int
fi_store_totals_row(struct fi_stmt *stmt, struct fi_map *m, struct fi_err *err)
{
	struct fi_agg_total_key k;
	struct fi_agg_total_val *v;
	const struct fi_val *b = fi_stmt_col(stmt, 0);

	memset(&k, 0, sizeof(k));
	k.bucket[0] = (uint8_t)(b->v.u >> 24);
	k.bucket[1] = (uint8_t)(b->v.u >> 16);
	k.bucket[2] = (uint8_t)(b->v.u >> 8);
	k.bucket[3] = (uint8_t)b->v.u;
	v = fi_map_upsert(m, &k);
	if (v == NULL)
		return fi_err_set(err, FI_ENOMEM, "out of memory");
	for (unsigned i = 0; i < FI_PC_COUNT * FI_AGG_M_COUNT; i++) {
		const struct fi_val *c = fi_stmt_col(stmt, 1 + i);
		uint64_t *dst = &v->c[i / FI_AGG_M_COUNT][i % FI_AGG_M_COUNT];

		if (c->type == FI_VAL_UINT || c->type == FI_VAL_INT)
			*dst = c->v.u;
		else if (c->type == FI_VAL_TEXT)
			*dst = fi_store_nano(c->v.s.p, c->v.s.n);
		else
			return fi_err_set(err, FI_EDB, "unexpected result type");
	}
	return 0;
}

/*
 * Reads the stored totals rows of size index i over the buckets agg holds,
 * FOR UPDATE, into base's totals map.
 */
static int
fi_store_totals_read(struct fi_store *st, const struct fi_agg *agg, unsigned i,
		     struct fi_agg *base, struct fi_err *err)
{
	const struct fi_map *m = &agg->sizes[i].totals;
	const unsigned char **rows = fi_map_sorted(m);
	struct fi_buf sql;
	struct fi_stmt *stmt = NULL;
	struct fi_val v[2];
	int rc = 0;

	if (rows == NULL)
		return fi_err_set(err, FI_ENOMEM, "out of memory sorting rows");
	v[0] = FI_VAL_U(fi_agg_get32(rows[0]));
	v[1] = FI_VAL_U(fi_agg_get32(rows[m->count - 1]));
	free(rows);
	fi_buf_init(&sql, FI_SQL_SCRIPT_MAX);
	rc = fi_buf_puts(&sql, "SELECT ");
	for (unsigned c = 0; rc == 0 && c < fi_store_ncols(FI_T_TOTALS); c++) {
		rc = fi_buf_puts(&sql, c ? "," : "");
		rc = rc ? rc : fi_store_colname(&sql, FI_T_TOTALS, c);
	}
	rc = rc ? rc
		: fi_buf_printf(&sql, " FROM totals_%u%s", agg->sizes[i].size,
				fi_store_sql_totals_lock);
	if (rc != 0)
		rc = fi_err_set(err, FI_ETOOBIG, "statement too long");
	else if ((stmt = fi_stmt_new(st->db, sql.data, err)) == NULL)
		rc = err->code;
	fi_buf_fini(&sql);
	if (rc == 0)
		rc = fi_stmt_exec(stmt, v, 2, err);
	while (rc == 0 && (rc = fi_stmt_fetch(stmt, err)) == 1)
		rc = fi_store_totals_row(stmt, &base->sizes[i].totals, err);
	fi_stmt_free(stmt);
	st->stats.statements++;
	return rc;
}

/* Records the refused elements of a batch. */
static int
fi_store_refused_put(struct fi_store *st, const struct fi_store_mark *mark,
		     const struct fi_store_refused *refused, size_t n, struct fi_err *err)
{
	struct fi_val v[4] = {FI_VAL_S(mark->consumer, strlen(mark->consumer)),
			      FI_VAL_U(mark->batch_id)};
	struct fi_stmt *stmt;
	int rc = 0;

	if (n == 0)
		return 0;
	stmt = fi_stmt_new(st->db, fi_store_sql_refused_put, err);
	if (stmt == NULL)
		return err->code;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		v[2] = FI_VAL_U(refused[i].position);
		v[3] = FI_VAL_S(refused[i].reason, strlen(refused[i].reason));
		rc = fi_stmt_exec(stmt, v, 4, err);
	}
	fi_stmt_free(stmt);
	st->stats.statements += n;
	return rc;
}

/*
 * Inside the totals transaction: records the parts, and returns in todo[]
 * the size indexes whose part was not written before (*ntodo of them).
 */
static int
fi_store_totals_marks(struct fi_store *st, const struct fi_agg *agg,
		      const struct fi_store_mark *mark, unsigned *todo, unsigned *ntodo,
		      struct fi_err *err)
{
	*ntodo = 0;
	for (unsigned i = 0; i < agg->nsizes; i++) {
		char name[32];
		int rc;

		if (agg->sizes[i].totals.count == 0)
			continue;
		snprintf(name, sizeof(name), "totals_%u", agg->sizes[i].size);
		rc = fi_store_mark_put(st, name, mark, agg->nflows, err);
		if (rc == FI_EEXIST) {
			/* a duplicate key fails the statement, not the transaction */
			fi_err_clear(err);
			continue;
		}
		if (rc != 0)
			return rc;
		todo[(*ntodo)++] = i;
	}
	return 0;
}

int
fi_store_write_totals(struct fi_store *st, const struct fi_agg *agg,
		      const struct fi_store_mark *mark,
		      const struct fi_store_refused *refused, size_t n,
		      struct fi_agg *base, struct fi_store_stats *stats,
		      struct fi_err *err)
{
	unsigned todo[FI_BUCKET_SIZES_MAX], ntodo = 0;
	double t0 = fi_clock_now();
	int rc;

	if (agg->nsizes == 0 || agg->sizes[0].totals.count == 0)
		return 0;
	rc = fi_store_begin(st, err);
	if (rc != 0)
		return rc;
	fi_agg_clear(base);
	rc = fi_store_totals_marks(st, agg, mark, todo, &ntodo, err);
	if (rc == 0 && ntodo == 0)
		rc = FI_EEXIST; /* nothing was changed: rolled back below */
	for (unsigned j = 0; rc == 0 && j < ntodo; j++) {
		rc = fi_store_totals_read(st, agg, todo[j], base, err);
		if (rc == 0)
			rc = fi_agg_totals_fit(agg, todo[j], base, err);
	}
	if (rc == 0)
		rc = fi_store_refused_put(st, mark, refused, n, err);
	for (unsigned j = 0; rc == 0 && j < ntodo; j++)
		rc = fi_store_table(st, FI_T_TOTALS, agg->sizes[todo[j]].size,
				    &agg->sizes[todo[j]].totals, err);
	rc = fi_store_end(st, rc, t0, stats, err);
	fi_debug("totals: %llu rows in %llu statements, %.3f s%s",
		 (unsigned long long)st->stats.rows,
		 (unsigned long long)st->stats.statements, fi_clock_now() - t0,
		 rc == 0 ? "" : " (not written)");
	return rc;
}

int
fi_store_skip_part(struct fi_store *st, const char *name,
		   const struct fi_store_mark *mark, struct fi_err *err)
{
	int rc = fi_db_begin(st->db, err);

	if (rc == 0)
		rc = fi_store_mark_put(st, name, mark, 0, err);
	if (rc == 0)
		rc = fi_db_commit(st->db, err);
	if (rc != 0)
		fi_db_rollback(st->db);
	return rc;
}

int
fi_store_refused_get(struct fi_store *st, const struct fi_store_mark *mark,
		     struct fi_store_refused **out, size_t *n, struct fi_err *err)
{
	struct fi_val v[2] = {FI_VAL_S(mark->consumer, strlen(mark->consumer)),
			      FI_VAL_U(mark->batch_id)};
	struct fi_stmt *stmt = fi_stmt_new(st->db, fi_store_sql_refused_get, err);
	struct fi_store_refused *r = NULL;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (stmt == NULL)
		return err->code;
	rc = fi_stmt_exec(stmt, v, 2, err);
	while (rc == 0 && (rc = fi_stmt_fetch(stmt, err)) == 1) {
		const struct fi_val *pos = fi_stmt_col(stmt, 0);

		rc = 0;
		if (*n == cap) {
			struct fi_store_refused *p;

			cap = cap ? cap * 2 : 16;
			p = realloc(r, cap * sizeof(*r));
			if (p == NULL) {
				rc = fi_err_set(err, FI_ENOMEM, "out of memory");
				break;
			}
			r = p;
		}
		r[*n].position = pos->v.u;
		if (fi_stmt_col_text(stmt, 1, r[*n].reason, sizeof(r[*n].reason)) != 0)
			r[*n].reason[sizeof(r[*n].reason) - 1] = '\0';
		(*n)++;
	}
	fi_stmt_free(stmt);
	if (rc != 0) {
		free(r);
		*n = 0;
		return rc;
	}
	*out = r;
	return 0;
}

int
fi_store_finish(struct fi_store *st, const struct fi_store_mark *mark, struct fi_err *err)
{
	struct fi_val v[3] = {FI_VAL_S(mark->consumer, strlen(mark->consumer)),
			      FI_VAL_U(FI_STORE_KEEP_BATCHES), FI_VAL_U(mark->batch_id)};
	int rc = fi_db_exec_params(st->db, fi_store_sql_meta, NULL, 0, err);

	if (rc == 0)
		rc = fi_db_exec_params(st->db, fi_store_sql_batch_prune, v, 3, err);
	if (rc == 0)
		rc = fi_db_exec_params(st->db, fi_store_sql_refused_prune, v, 3, err);
	return rc;
}

static int
fi_store_query_u64(struct fi_store *st, const char *sql, const struct fi_val *v,
		   unsigned n, uint64_t *out, struct fi_err *err)
{
	struct fi_stmt *stmt = fi_stmt_first(st->db, sql, v, n, err);
	int rc = 0;

	if (stmt == NULL)
		return err->code;
	if (fi_store_col_u64(stmt, 0, out) != 0)
		rc = fi_err_set(err, FI_EDB, "unexpected result type");
	fi_stmt_free(stmt);
	return rc;
}

int
fi_store_last_batch(struct fi_store *st, const char *consumer, uint64_t *last,
		    struct fi_err *err)
{
	struct fi_val v = FI_VAL_S(consumer, strlen(consumer));

	return fi_store_query_u64(st, fi_store_sql_batch_last, &v, 1, last, err);
}
