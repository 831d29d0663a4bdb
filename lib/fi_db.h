/*
 * fi_db.h: the database layer, the one file that touches libmariadb.
 * Values from outside reach the server only as bound parameters of prepared
 * statements; fi_db_exec is for fixed statement texts of our own.
 */
#ifndef FI_DB_H
#define FI_DB_H

#include <stddef.h>
#include <stdint.h>

#include "fi_config.h"
#include "fi_err.h"

struct fi_db;
struct fi_stmt;

enum fi_db_role {
	FI_DB_ROLE_IMPORTER,  /* db_user, read/write */
	FI_DB_ROLE_RESPONDER, /* db_ro_user, SELECT only */
	FI_DB_ROLE_ADMIN,     /* db_admin_user, for --init-db */
};

/* Where and as whom to connect. Strings are borrowed for the call only. */
struct fi_db_params {
	const char *host;   /* "localhost" or NULL: unix socket */
	unsigned port;	    /* TCP port */
	const char *socket; /* unix socket path or NULL/"" */
	const char *user;
	const char *password;
	const char *database; /* NULL: none selected */
	unsigned timeout;     /* read/write timeout in seconds, 0 = library default */
	int multi;	      /* allow several statements in one fi_db_exec */
};

/* Value of a parameter or a result column. Strings are borrowed. */
enum fi_val_type {
	FI_VAL_NULL,
	FI_VAL_INT,
	FI_VAL_UINT,
	FI_VAL_DOUBLE,
	FI_VAL_TEXT, /* also DECIMAL columns, exact as text */
	FI_VAL_BLOB,
};

struct fi_val {
	enum fi_val_type type;
	union {
		int64_t i;
		uint64_t u;
		double d;
		struct {
			const char *p;
			size_t n;
		} s;
	} v;
};

#define FI_VAL_I(x)	 ((struct fi_val){.type = FI_VAL_INT, .v.i = (x)})
#define FI_VAL_U(x)	 ((struct fi_val){.type = FI_VAL_UINT, .v.u = (x)})
#define FI_VAL_S(p_, n_) ((struct fi_val){.type = FI_VAL_TEXT, .v.s = {(p_), (n_)}})
#define FI_VAL_B(p_, n_)                                                                 \
	((struct fi_val){.type = FI_VAL_BLOB,                                            \
			 .v.s = {(const char *)(const void *)(p_), (n_)}})

/*
 * Connects. Returns a new handle (free with fi_db_close) or NULL with err set;
 * err->code is FI_EUNAVAIL when the server could not be reached, FI_EDB
 * otherwise (e.g. access denied).
 */
struct fi_db *fi_db_open_params(const struct fi_db_params *p, struct fi_err *err);

/* Connects with the account and database of role from cfg (admin: no database). */
struct fi_db *fi_db_open(const struct fi_config *cfg, enum fi_db_role role,
			 struct fi_err *err);

/* Closes the connection. NULL is a no-op. */
void fi_db_close(struct fi_db *db);

/*
 * Runs fixed SQL text (no values from outside!) and discards any results; with
 * the multi flag the text may hold several statements. Returns 0, FI_EDB or
 * FI_EUNAVAIL (connection lost).
 */
int fi_db_exec(struct fi_db *db, const char *sql, struct fi_err *err);

/*
 * What went wrong, in the project's terms: the server's and the client
 * library's error numbers stay inside this module. Callers that must tell
 * failures apart (a statement cut off by max_statement_time, a table not
 * created yet) ask fi_db_fault after a failed call.
 */
enum fi_db_fault {
	FI_DB_FAULT_NONE = 0, /* the last statement did not fail */
	FI_DB_FAULT_GONE,     /* connection refused or lost, server shutting down, full */
	FI_DB_FAULT_BUSY,     /* deadlock or lock wait timeout: retry the transaction */
	FI_DB_FAULT_TIMEOUT,  /* the statement ran past max_statement_time */
	FI_DB_FAULT_NO_TABLE, /* a table it names does not exist */
	FI_DB_FAULT_DUPLICATE, /* a duplicate key */
	FI_DB_FAULT_OTHER,     /* anything else (syntax, access denied, ...) */
};

/*
 * The fault of the last statement run on db (fi_db_exec, fi_stmt_new,
 * fi_stmt_exec and the fetches that follow): FI_DB_FAULT_NONE unless it
 * failed. The error code of such a failure is FI_EUNAVAIL for GONE and
 * BUSY, FI_EEXIST for DUPLICATE, FI_EDB otherwise (or FI_ENOMEM /
 * FI_ETOOBIG / FI_EINTERNAL for failures of our own, with no fault).
 */
enum fi_db_fault fi_db_fault(const struct fi_db *db);

/*
 * Whether the last statement run on db was refused for its data: a value
 * out of its column's range, truncated, or too long (the server's 1264,
 * 1690, 1366, 1406). Such a failure is FI_DB_FAULT_OTHER with code FI_EDB;
 * retrying the same statement fails the same way.
 */
int fi_db_data_error(const struct fi_db *db);

/* Whether the connection is alive (pings the server). */
int fi_db_alive(struct fi_db *db);

/* Transactions. Return 0 or a negative code. */
int fi_db_begin(struct fi_db *db, struct fi_err *err);
int fi_db_commit(struct fi_db *db, struct fi_err *err);
int fi_db_rollback(struct fi_db *db);

/* Server version as a number (e.g. 101119 for 10.11.19). */
unsigned long fi_db_server_version(struct fi_db *db);

/*
 * Prepares sql (with ? placeholders). Returns a new statement (free with
 * fi_stmt_free, before its fi_db) or NULL with err set.
 */
struct fi_stmt *fi_stmt_new(struct fi_db *db, const char *sql, struct fi_err *err);

/* Frees a statement. NULL is a no-op. */
void fi_stmt_free(struct fi_stmt *st);

/*
 * Prepares sql and executes it with params[0..n) (borrowed for the call):
 * a new statement whose rows, if any, are read with fi_stmt_fetch, or NULL
 * with err set.
 */
struct fi_stmt *fi_stmt_run(struct fi_db *db, const char *sql,
			    const struct fi_val *params, unsigned n, struct fi_err *err);

/*
 * Like fi_stmt_run, then fetches the first row: the statement at that row
 * (new: read it with fi_stmt_col, then fi_stmt_free it), or NULL with err
 * set, FI_EDB when there was no row.
 */
struct fi_stmt *fi_stmt_first(struct fi_db *db, const char *sql,
			      const struct fi_val *params, unsigned n,
			      struct fi_err *err);

/*
 * Prepares sql, executes it with params[0..n) and frees it: for statements
 * without rows. Returns 0 or a negative code with err set.
 */
int fi_db_exec_params(struct fi_db *db, const char *sql, const struct fi_val *params,
		      unsigned n, struct fi_err *err);

/*
 * Binds n parameters (borrowed for the call) and executes. A result set, if
 * any, is then read with fi_stmt_fetch. Returns 0 or a negative code.
 */
int fi_stmt_exec(struct fi_stmt *st, const struct fi_val *params, unsigned n,
		 struct fi_err *err);

/*
 * Fetches the next row: 1 with the row available through fi_stmt_col, 0 at
 * the end, or a negative code. Rows are streamed from the server.
 */
int fi_stmt_fetch(struct fi_stmt *st, struct fi_err *err);

/* Column i of the current row; borrowed until the next fetch. */
const struct fi_val *fi_stmt_col(struct fi_stmt *st, unsigned i);

/* Number of result columns (0 for statements without results). */
unsigned fi_stmt_ncols(struct fi_stmt *st);

/* Rows changed by the last execution. */
uint64_t fi_stmt_affected(struct fi_stmt *st);

/* Discards the rest of the current result set. */
void fi_stmt_reset(struct fi_stmt *st);

/* Copies column i as text into buf (NULL as ""); returns 0 or FI_ETOOBIG. */
int fi_stmt_col_text(struct fi_stmt *st, unsigned i, char *buf, size_t size);

#endif
