/*
 * fi_api_db.c: the worker's database connection: opened lazily, at most
 * once a second while the server is away, with a read-only session that
 * cuts off runaway statements; the last statements kept prepared; a failed
 * statement's error and fault recorded for the error answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fi_api_int.h"
#include "fi_clock.h"

#define FI_API_RECONNECT_MS 1000	 /* least time between two connection attempts */
#define FI_API_STMT_KEEP    8192	 /* longer statement texts are not kept */
#define FI_API_TMP_TABLE    (256u << 20) /* bytes of an in-memory GROUP BY table */

static const char fi_api_db_sql_timeout[] = "SET SESSION max_statement_time = %u";
static const char fi_api_db_sql_ro[] = "SET SESSION TRANSACTION READ ONLY";
static const char fi_api_db_sql_tmp[] =
    "SET SESSION tmp_table_size = %u, max_heap_table_size = %u";

void
fi_api_db_stmt_drop(struct fi_api_stmt_slot *slot)
{
	fi_stmt_free(slot->st);
	free(slot->sql);
	slot->st = NULL;
	slot->sql = NULL;
}

/* Closes the connection and the statements prepared on it. */
void
fi_api_db_disconnect(struct fi_api *api)
{
	for (unsigned i = 0; i < FI_API_STMT_CACHE; i++)
		fi_api_db_stmt_drop(&api->stmts[i]);
	fi_db_close(api->db);
	api->db = NULL;
}

/*
 * The prepared statement for sql: from the cache (most answers repeat the
 * same few texts), else prepared and kept in place of the least recently
 * used one. Returns a borrowed statement, or NULL with err set.
 */
struct fi_stmt *
fi_api_db_stmt(struct fi_api *api, const char *sql, struct fi_api_stmt_slot **slotp,
	       struct fi_err *err)
{
	struct fi_api_stmt_slot *victim = &api->stmts[0];
	size_t len = strlen(sql);
	struct fi_stmt *st;
	char *copy;

	*slotp = NULL;
	for (unsigned i = 0; i < FI_API_STMT_CACHE; i++) {
		struct fi_api_stmt_slot *slot = &api->stmts[i];

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
	fi_api_db_stmt_drop(victim);
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
int
fi_api_db_connect(struct fi_api *api)
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
	snprintf(sql, sizeof(sql), fi_api_db_sql_timeout, api->cfg->query_timeout);
	snprintf(tmp, sizeof(tmp), fi_api_db_sql_tmp, FI_API_TMP_TABLE, FI_API_TMP_TABLE);
	/* aggregates over a day of flows group ~300k keys: keeping that table in
	 * memory (the server's default is 16 MB; 64 MB spilled a day's host
	 * pairs to disk: 3.8 s against 3.0 s) halves their time. The server
	 * takes the memory only as a table grows, and the large-query gate
	 * bounds how many run at once. */
	if (fi_db_exec(api->db, sql, &err) != 0 ||
	    fi_db_exec(api->db, fi_api_db_sql_ro, &err) != 0 ||
	    fi_db_exec(api->db, tmp, &err) != 0) {
		fi_warnx_limited(&api->rl, "cannot set up the database session: %s",
				 err.msg);
		fi_api_db_disconnect(api);
		return FI_EUNAVAIL;
	}
	fi_info("connected to the database");
	return 0;
}

int
fi_api_db_reconnect(struct fi_api *api)
{
	fi_api_db_disconnect(api);
	api->last_attempt_ms = INT64_MIN / 2;
	return fi_api_db_connect(api);
}

/*
 * Records a failed statement's error and its fault (read before anything
 * else is done on the connection, which would reset it); a lost connection
 * is closed.
 */
int
fi_api_db_fail(struct fi_api *api, const struct fi_err *err, enum fi_db_fault fault)
{
	api->dberr = *err;
	api->dbfault = fault;
	if (err->code == FI_EUNAVAIL || (api->db != NULL && !fi_db_alive(api->db))) {
		fi_warnx_limited(&api->rl, "database connection lost: %s", err->msg);
		fi_api_db_disconnect(api);
		api->dberr.code = FI_EUNAVAIL;
		return FI_EUNAVAIL;
	}
	if (api->dbfault != FI_DB_FAULT_TIMEOUT)
		fi_warnx_limited(&api->rl, "database error: %s", err->msg);
	return err->code ? err->code : FI_EDB;
}
