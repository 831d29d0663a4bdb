/*
 * fi_db.c: connections, fixed statements and prepared statements over
 * libmariadb. Result columns are bound to growable buffers, so any column
 * size is read without truncation; rows are streamed (bounded memory).
 */
#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fi_db.h"

#define FI_DB_COL_INITIAL 64	     /* first buffer size of a string column */
#define FI_DB_COL_MAX	  (1u << 24) /* largest column value we read */
#define FI_DB_PARAMS_MAX  65535	     /* the protocol's limit on placeholders */

#ifndef ER_STATEMENT_TIMEOUT /* MariaDB's; older headers lack it */
#define ER_STATEMENT_TIMEOUT 1969
#endif

struct fi_db {
	MYSQL *my;		/* owned connection */
	enum fi_db_fault fault; /* of the last statement, see fi_db_fault */
	unsigned errnum;	/* its server or client error number, 0 if none */
};

struct fi_col {
	MYSQL_BIND *bind; /* points into fi_stmt.res */
	char *buf;	  /* owned buffer for strings */
	size_t bufsize;
	int64_t num;	   /* integer target */
	double dbl;	   /* floating-point target */
	unsigned long len; /* length written by the library */
	my_bool is_null;
	my_bool error;
	enum fi_val_type type;
	struct fi_val val; /* what fi_stmt_col returns */
};

struct fi_stmt {
	struct fi_db *db; /* borrowed */
	MYSQL_STMT *st;	  /* owned */
	unsigned nparams;
	MYSQL_BIND *params;  /* nparams entries */
	unsigned long *plen; /* parameter lengths */
	unsigned ncols;
	MYSQL_BIND *res;     /* ncols entries */
	struct fi_col *cols; /* ncols entries */
	int have_result;     /* a result set is open */
};

/* The one place that reads the server's and the library's error numbers. */
static enum fi_db_fault
fi_db_classify(unsigned e)
{
	switch (e) {
	case 0:
		return FI_DB_FAULT_NONE;
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_SERVER_LOST_EXTENDED:
	case ER_SERVER_SHUTDOWN:
	case ER_CON_COUNT_ERROR:
		return FI_DB_FAULT_GONE;
	case ER_LOCK_DEADLOCK:
	case ER_LOCK_WAIT_TIMEOUT:
		return FI_DB_FAULT_BUSY;
	case ER_STATEMENT_TIMEOUT:
		return FI_DB_FAULT_TIMEOUT;
	case ER_NO_SUCH_TABLE:
		return FI_DB_FAULT_NO_TABLE;
	case ER_DUP_ENTRY:
		return FI_DB_FAULT_DUPLICATE;
	}
	return FI_DB_FAULT_OTHER;
}

/* Connection-level errors mean "try again later", others are real errors. */
static int
fi_db_code(enum fi_db_fault f)
{
	switch (f) {
	case FI_DB_FAULT_GONE:
	case FI_DB_FAULT_BUSY:
		return FI_EUNAVAIL;
	case FI_DB_FAULT_DUPLICATE:
		return FI_EEXIST;
	default:
		return FI_EDB;
	}
}

static int
fi_db_fail(struct fi_db *db, struct fi_err *err, const char *what)
{
	unsigned e = mysql_errno(db->my);

	db->errnum = e;
	db->fault = fi_db_classify(e);
	if (db->fault == FI_DB_FAULT_NONE)
		db->fault = FI_DB_FAULT_OTHER; /* failed without a number */
	return fi_err_set(err, fi_db_code(db->fault), "%s: %s (%u)", what,
			  mysql_error(db->my), e);
}

static int
fi_stmt_fail(struct fi_stmt *st, struct fi_err *err, const char *what)
{
	unsigned e = mysql_stmt_errno(st->st);

	/* the connection's number where the statement has none of its own */
	st->db->errnum = e ? e : mysql_errno(st->db->my);
	st->db->fault = fi_db_classify(st->db->errnum);
	if (st->db->fault == FI_DB_FAULT_NONE)
		st->db->fault = FI_DB_FAULT_OTHER;
	return fi_err_set(err, fi_db_code(st->db->fault), "%s: %s (%u)", what,
			  mysql_stmt_error(st->st), e);
}

struct fi_db *
fi_db_open_params(const struct fi_db_params *p, struct fi_err *err)
{
	struct fi_db *db;
	unsigned connect_timeout = 5;
	my_bool off = 0;
	unsigned long flags = CLIENT_FOUND_ROWS;
	const char *host = p->host;
	const char *sock = p->socket && *p->socket ? p->socket : NULL;

	db = calloc(1, sizeof(*db));
	if (db == NULL) {
		fi_err_set(err, FI_ENOMEM, "out of memory");
		return NULL;
	}
	db->my = mysql_init(NULL);
	if (db->my == NULL) {
		free(db);
		fi_err_set(err, FI_ENOMEM, "mysql_init failed");
		return NULL;
	}
	mysql_options(db->my, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
	if (p->timeout > 0) {
		mysql_options(db->my, MYSQL_OPT_READ_TIMEOUT, &p->timeout);
		mysql_options(db->my, MYSQL_OPT_WRITE_TIMEOUT, &p->timeout);
	}
	mysql_options(db->my, MYSQL_OPT_RECONNECT, &off);
	mysql_options(db->my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (p->multi)
		flags |= CLIENT_MULTI_STATEMENTS;
	if (host != NULL && *host == '\0')
		host = NULL;
	if (mysql_real_connect(db->my, host, p->user, p->password, p->database, p->port,
			       sock, flags) == NULL) {
		fi_db_fail(db, err, "cannot connect to the database");
		fi_db_close(db);
		return NULL;
	}
	return db;
}

struct fi_db *
fi_db_open(const struct fi_config *cfg, enum fi_db_role role, struct fi_err *err)
{
	struct fi_db_params p = {
	    .host = cfg->db_host,
	    .port = cfg->db_port,
	    .socket = cfg->db_socket,
	    .database = cfg->db_name,
	    .timeout = 600,
	};

	switch (role) {
	case FI_DB_ROLE_IMPORTER:
		p.user = cfg->db_user;
		p.password = cfg->db_password;
		break;
	case FI_DB_ROLE_RESPONDER:
		p.user = cfg->db_ro_user;
		p.password = cfg->db_ro_password;
		p.timeout = cfg->query_timeout + 5;
		break;
	case FI_DB_ROLE_ADMIN:
		p.user = cfg->db_admin_user;
		p.password = cfg->db_admin_password;
		p.database = NULL;
		p.multi = 1;
		break;
	}
	return fi_db_open_params(&p, err);
}

void
fi_db_close(struct fi_db *db)
{
	if (db == NULL)
		return;
	mysql_close(db->my);
	free(db);
}

int
fi_db_exec(struct fi_db *db, const char *sql, struct fi_err *err)
{
	int status;

	db->fault = FI_DB_FAULT_NONE;
	db->errnum = 0;
	if (mysql_real_query(db->my, sql, strlen(sql)) != 0)
		return fi_db_fail(db, err, "statement failed");
	do {
		MYSQL_RES *res = mysql_store_result(db->my);

		if (res != NULL)
			mysql_free_result(res);
		else if (mysql_field_count(db->my) != 0)
			return fi_db_fail(db, err, "reading a result failed");
		status = mysql_next_result(db->my);
		if (status > 0)
			return fi_db_fail(db, err, "statement failed");
	} while (status == 0);
	return 0;
}

enum fi_db_fault
fi_db_fault(const struct fi_db *db)
{
	return db != NULL ? db->fault : FI_DB_FAULT_GONE;
}

int
fi_db_data_error(const struct fi_db *db)
{
	if (db == NULL)
		return 0;
	switch (db->errnum) {
	case ER_WARN_DATA_OUT_OF_RANGE:		 /* 1264 */
	case ER_DATA_OUT_OF_RANGE:		 /* 1690, e.g. BIGINT UNSIGNED value */
	case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD: /* 1366 */
	case ER_DATA_TOO_LONG:			 /* 1406 */
		return 1;
	}
	return 0;
}

int
fi_db_alive(struct fi_db *db)
{
	return db != NULL && mysql_ping(db->my) == 0;
}

int
fi_db_begin(struct fi_db *db, struct fi_err *err)
{
	return fi_db_exec(db, "START TRANSACTION", err);
}

int
fi_db_commit(struct fi_db *db, struct fi_err *err)
{
	if (mysql_commit(db->my) != 0)
		return fi_db_fail(db, err, "commit failed");
	return 0;
}

int
fi_db_rollback(struct fi_db *db)
{
	return mysql_rollback(db->my) == 0 ? 0 : FI_EDB;
}

unsigned long
fi_db_server_version(struct fi_db *db)
{
	return mysql_get_server_version(db->my);
}

/* MYSQL_BIND wants a non-const buffer; for parameters the library only reads it. */
static void *
fi_db_param_buffer(const void *p)
{
	return (void *)(uintptr_t)p;
}

/* Chooses how a result column is bound and reported. */
static void
fi_stmt_col_setup(struct fi_col *c, MYSQL_FIELD *f)
{
	MYSQL_BIND *b = c->bind;

	memset(b, 0, sizeof(*b));
	b->is_null = &c->is_null;
	b->error = &c->error;
	b->length = &c->len;
	switch (f->type) {
	case MYSQL_TYPE_TINY:
	case MYSQL_TYPE_SHORT:
	case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONG:
	case MYSQL_TYPE_LONGLONG:
	case MYSQL_TYPE_YEAR:
		b->buffer_type = MYSQL_TYPE_LONGLONG;
		b->buffer = &c->num;
		b->is_unsigned = (f->flags & UNSIGNED_FLAG) != 0;
		c->type = b->is_unsigned ? FI_VAL_UINT : FI_VAL_INT;
		return;
	case MYSQL_TYPE_FLOAT:
	case MYSQL_TYPE_DOUBLE:
		b->buffer_type = MYSQL_TYPE_DOUBLE;
		b->buffer = &c->dbl;
		c->type = FI_VAL_DOUBLE;
		return;
	default:
		b->buffer_type = MYSQL_TYPE_STRING;
		b->buffer = c->buf;
		b->buffer_length = (unsigned long)c->bufsize;
		c->type = f->charsetnr == 63 && f->type != MYSQL_TYPE_NEWDECIMAL &&
				  f->type != MYSQL_TYPE_DECIMAL
			      ? FI_VAL_BLOB
			      : FI_VAL_TEXT;
		return;
	}
}

struct fi_stmt *
fi_stmt_new(struct fi_db *db, const char *sql, struct fi_err *err)
{
	struct fi_stmt *st;
	MYSQL_RES *meta;

	db->fault = FI_DB_FAULT_NONE;
	db->errnum = 0;
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		fi_err_set(err, FI_ENOMEM, "out of memory");
		return NULL;
	}
	st->db = db;
	st->st = mysql_stmt_init(db->my);
	if (st->st == NULL) {
		fi_db_fail(db, err, "cannot create a statement");
		free(st);
		return NULL;
	}
	if (mysql_stmt_prepare(st->st, sql, strlen(sql)) != 0) {
		fi_stmt_fail(st, err, "cannot prepare a statement");
		goto fail;
	}
	st->nparams = (unsigned)mysql_stmt_param_count(st->st);
	if (st->nparams > 0) {
		st->params = calloc(st->nparams, sizeof(*st->params));
		st->plen = calloc(st->nparams, sizeof(*st->plen));
		if (st->params == NULL || st->plen == NULL)
			goto nomem;
	}
	meta = mysql_stmt_result_metadata(st->st);
	if (meta != NULL) {
		MYSQL_FIELD *fields = mysql_fetch_fields(meta);

		st->ncols = mysql_num_fields(meta);
		st->res = calloc(st->ncols, sizeof(*st->res));
		st->cols = calloc(st->ncols, sizeof(*st->cols));
		if (st->res == NULL || st->cols == NULL) {
			mysql_free_result(meta);
			goto nomem;
		}
		for (unsigned i = 0; i < st->ncols; i++) {
			struct fi_col *c = &st->cols[i];

			c->bufsize = FI_DB_COL_INITIAL;
			c->buf = malloc(c->bufsize);
			if (c->buf == NULL) {
				mysql_free_result(meta);
				goto nomem;
			}
			c->bind = &st->res[i];
			fi_stmt_col_setup(c, &fields[i]);
		}
		mysql_free_result(meta);
	}
	return st;
nomem:
	fi_err_set(err, FI_ENOMEM, "out of memory");
fail:
	fi_stmt_free(st);
	return NULL;
}

void
fi_stmt_free(struct fi_stmt *st)
{
	if (st == NULL)
		return;
	if (st->st != NULL)
		mysql_stmt_close(st->st);
	for (unsigned i = 0; st->cols != NULL && i < st->ncols; i++)
		free(st->cols[i].buf);
	free(st->cols);
	free(st->res);
	free(st->params);
	free(st->plen);
	free(st);
}

struct fi_stmt *
fi_stmt_run(struct fi_db *db, const char *sql, const struct fi_val *params, unsigned n,
	    struct fi_err *err)
{
	struct fi_stmt *st = fi_stmt_new(db, sql, err);

	if (st != NULL && fi_stmt_exec(st, params, n, err) != 0) {
		fi_stmt_free(st);
		return NULL;
	}
	return st;
}

struct fi_stmt *
fi_stmt_first(struct fi_db *db, const char *sql, const struct fi_val *params, unsigned n,
	      struct fi_err *err)
{
	struct fi_stmt *st = fi_stmt_run(db, sql, params, n, err);
	int rc = st != NULL ? fi_stmt_fetch(st, err) : -1;

	if (rc == 1)
		return st;
	if (rc == 0)
		fi_err_set(err, FI_EDB, "no row from %.60s", sql);
	fi_stmt_free(st);
	return NULL;
}

int
fi_db_exec_params(struct fi_db *db, const char *sql, const struct fi_val *params,
		  unsigned n, struct fi_err *err)
{
	struct fi_stmt *st = fi_stmt_new(db, sql, err);
	int rc;

	if (st == NULL)
		return err->code;
	rc = fi_stmt_exec(st, params, n, err);
	fi_stmt_free(st);
	return rc;
}

int
fi_stmt_exec(struct fi_stmt *st, const struct fi_val *params, unsigned n,
	     struct fi_err *err)
{
	st->db->fault = FI_DB_FAULT_NONE;
	st->db->errnum = 0;
	if (n != st->nparams)
		return fi_err_set(err, FI_EINTERNAL,
				  "statement takes %u parameters, got %u", st->nparams,
				  n);
	fi_stmt_reset(st);
	for (unsigned i = 0; i < n; i++) {
		MYSQL_BIND *b = &st->params[i];
		const struct fi_val *v = &params[i];

		memset(b, 0, sizeof(*b));
		switch (v->type) {
		case FI_VAL_NULL:
			b->buffer_type = MYSQL_TYPE_NULL;
			break;
		case FI_VAL_INT:
		case FI_VAL_UINT:
			b->buffer_type = MYSQL_TYPE_LONGLONG;
			b->buffer = fi_db_param_buffer(&v->v.i);
			b->is_unsigned = v->type == FI_VAL_UINT;
			break;
		case FI_VAL_DOUBLE:
			b->buffer_type = MYSQL_TYPE_DOUBLE;
			b->buffer = fi_db_param_buffer(&v->v.d);
			break;
		case FI_VAL_TEXT:
		case FI_VAL_BLOB:
			b->buffer_type =
			    v->type == FI_VAL_TEXT ? MYSQL_TYPE_STRING : MYSQL_TYPE_BLOB;
			b->buffer = fi_db_param_buffer(v->v.s.p);
			st->plen[i] = (unsigned long)v->v.s.n;
			b->buffer_length = st->plen[i];
			b->length = &st->plen[i];
			break;
		}
	}
	if (n > 0 && mysql_stmt_bind_param(st->st, st->params) != 0)
		return fi_stmt_fail(st, err, "cannot bind parameters");
	if (mysql_stmt_execute(st->st) != 0)
		return fi_stmt_fail(st, err, "statement failed");
	if (st->ncols > 0) {
		if (mysql_stmt_bind_result(st->st, st->res) != 0)
			return fi_stmt_fail(st, err, "cannot bind results");
		st->have_result = 1;
	}
	return 0;
}

/* Reads column i again into a buffer large enough for it. */
static int
fi_stmt_refetch(struct fi_stmt *st, unsigned i, struct fi_err *err)
{
	struct fi_col *c = &st->cols[i];
	size_t need = (size_t)c->len + 1;
	char *p;

	if (need > FI_DB_COL_MAX)
		return fi_err_set(err, FI_ETOOBIG,
				  "a result column is larger than %u bytes",
				  FI_DB_COL_MAX);
	p = realloc(c->buf, need);
	if (p == NULL)
		return fi_err_set(err, FI_ENOMEM, "out of memory");
	c->buf = p;
	c->bufsize = need;
	c->bind->buffer = p;
	c->bind->buffer_length = (unsigned long)need;
	if (mysql_stmt_fetch_column(st->st, c->bind, i, 0) != 0)
		return fi_stmt_fail(st, err, "cannot read a column");
	/* the larger buffer must also be bound for the following rows */
	if (mysql_stmt_bind_result(st->st, st->res) != 0)
		return fi_stmt_fail(st, err, "cannot bind results");
	return 0;
}

int
fi_stmt_fetch(struct fi_stmt *st, struct fi_err *err)
{
	int rc;

	if (!st->have_result)
		return 0;
	rc = mysql_stmt_fetch(st->st);
	if (rc == MYSQL_NO_DATA) {
		fi_stmt_reset(st);
		return 0;
	}
	if (rc == 1)
		return fi_stmt_fail(st, err, "fetch failed");
	for (unsigned i = 0; i < st->ncols; i++) {
		struct fi_col *c = &st->cols[i];
		struct fi_val *v = &c->val;

		if (c->is_null) {
			v->type = FI_VAL_NULL;
			continue;
		}
		v->type = c->type;
		switch (c->type) {
		case FI_VAL_INT:
			v->v.i = c->num;
			break;
		case FI_VAL_UINT:
			v->v.u = (uint64_t)c->num;
			break;
		case FI_VAL_DOUBLE:
			v->v.d = c->dbl;
			break;
		default:
			if (c->len >= c->bufsize) {
				int r = fi_stmt_refetch(st, i, err);
				if (r != 0)
					return r;
			}
			c->buf[c->len] = '\0';
			v->v.s.p = c->buf;
			v->v.s.n = c->len;
			break;
		}
	}
	return 1;
}

const struct fi_val *
fi_stmt_col(struct fi_stmt *st, unsigned i)
{
	return &st->cols[i].val;
}

unsigned
fi_stmt_ncols(struct fi_stmt *st)
{
	return st->ncols;
}

uint64_t
fi_stmt_affected(struct fi_stmt *st)
{
	return (uint64_t)mysql_stmt_affected_rows(st->st);
}

void
fi_stmt_reset(struct fi_stmt *st)
{
	if (st->have_result) {
		mysql_stmt_free_result(st->st);
		st->have_result = 0;
	}
}

int
fi_stmt_col_text(struct fi_stmt *st, unsigned i, char *buf, size_t size)
{
	const struct fi_val *v = &st->cols[i].val;
	int n;

	switch (v->type) {
	case FI_VAL_NULL:
		n = snprintf(buf, size, "%s", "");
		break;
	case FI_VAL_INT:
		n = snprintf(buf, size, "%lld", (long long)v->v.i);
		break;
	case FI_VAL_UINT:
		n = snprintf(buf, size, "%llu", (unsigned long long)v->v.u);
		break;
	case FI_VAL_DOUBLE:
		n = snprintf(buf, size, "%.17g", v->v.d);
		break;
	default:
		n = snprintf(buf, size, "%.*s", (int)v->v.s.n, v->v.s.p);
		break;
	}
	return n < 0 || (size_t)n >= size ? FI_ETOOBIG : 0;
}
