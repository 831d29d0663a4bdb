/*
 * fi_dbsrc_run.c: a run of a database-source import (SPEC 3.2, 3.3): once
 * for cron or every --every seconds, each round takes the source's lock,
 * lists its tables and imports each the way its keys allow (README.md,
 * "Database sources"):
 *   key   an AUTO_INCREMENT column and no other unique key: rows above the
 *         highest key read are new; keys skipped below it are kept as gap
 *         ranges and read again (fi_dbsrc_key.c);
 *   scan  no unique key (rasqlinsert -m none, VERMONT): rows are only ever
 *         appended, and a table scan returns them in insertion order
 *         (fi_dbsrc_read.c);
 *   snapshot  any other unique key (rasqlinsert -m saddr ...): rows are
 *         updated in place, so the table is imported once, whole, when it
 *         is complete (named with --table-name, or a daily table whose day
 *         is over), in key order, resumable like a scan (fi_dbsrc_read.c).
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fi_clock.h"
#include "fi_dbsrc_import.h"

static const char fi_dbsrc_sql_lock[] = "SELECT GET_LOCK(?, 0)";
static const char fi_dbsrc_sql_marks[] =
    "SELECT (SELECT COUNT(*) FROM fi_source_marks WHERE 1 = 0)"
    " + (SELECT COUNT(*) FROM fi_source_gaps WHERE 1 = 0)";
static const char fi_dbsrc_sql_autoinc[] =
    "SELECT @@auto_increment_increment, @@auto_increment_offset";
static const char fi_dbsrc_sql_session[] =
    "SET SESSION net_write_timeout = 3600, net_read_timeout = 3600";
static const char fi_dbsrc_sql_read_only[] = "SET SESSION TRANSACTION READ ONLY";

static volatile sig_atomic_t fi_dbsrc_stop;
static volatile sig_atomic_t fi_dbsrc_reopen;

int
fi_dbsrc_stopped(void)
{
	return fi_dbsrc_stop;
}

static void
fi_dbsrc_signal(int sig)
{
	if (sig == SIGHUP)
		fi_dbsrc_reopen = 1;
	else
		fi_dbsrc_stop = 1;
}

void
fi_dbsrc_say(struct fi_dbsrc_source *d, const char *fmt, ...)
{
	va_list ap;

	if (!d->report)
		return;
	fi_progress_clear(&d->prog);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

void
fi_dbsrc_dst_close(struct fi_dbsrc_source *d)
{
	fi_store_free(d->store);
	d->store = NULL;
	fi_db_close(d->dst);
	d->dst = NULL;
}

int
fi_dbsrc_dst_open(struct fi_dbsrc_source *d, struct fi_err *err)
{
	d->dst = fi_db_open(d->cfg, FI_DB_ROLE_IMPORTER, err);
	if (d->dst != NULL)
		d->store = fi_store_new(d->dst, err);
	if (d->store == NULL) {
		fi_dbsrc_dst_close(d);
		return err->code ? err->code : FI_EDB;
	}
	return 0;
}

/*
 * The source's auto_increment_increment and _offset (the session's, which
 * start as the server's): with an increment above 1 the keys between are
 * never handed out, so they are no gaps. An offset above the increment is
 * ignored by the server (keys start at 1).
 */
static int
fi_dbsrc_autoinc(struct fi_dbsrc_source *d, struct fi_err *err)
{
	struct fi_stmt *st = fi_stmt_run(d->src, fi_dbsrc_sql_autoinc, NULL, 0, err);
	int64_t inc = 1, off = 1;
	int rc;

	if (st == NULL)
		return err->code;
	rc = fi_stmt_fetch(st, err);
	if (rc == 1) {
		if (fi_dbsrc_val_i64(fi_stmt_col(st, 0), &inc) != 0 ||
		    fi_dbsrc_val_i64(fi_stmt_col(st, 1), &off) != 0 || inc < 1 || off < 1)
			inc = off = 1;
		fi_stmt_reset(st);
		rc = 0;
	} else if (rc == 0) {
		rc =
		    fi_err_set(err, FI_EDB, "no result from %.60s", fi_dbsrc_sql_autoinc);
	}
	fi_stmt_free(st);
	d->ai_inc = inc;
	d->ai_off = off > inc ? 1 : off;
	return rc;
}

static int
fi_dbsrc_src_open(struct fi_dbsrc_source *d, struct fi_err *err)
{
	const struct fi_config *cfg = d->cfg;
	struct fi_db_params p = {
	    .host = cfg->src_host,
	    .port = cfg->src_port,
	    .socket = cfg->src_socket,
	    .user = cfg->src_user[0] ? cfg->src_user : NULL,
	    .password = cfg->src_password,
	    .database = cfg->src_database,
	    .timeout = 3600,
	};

	if (d->postgresql)
		return fi_dbsrc_pg_open(d, err);
	d->src = fi_db_open_params(&p, err);
	if (d->src == NULL)
		return err->code ? err->code : FI_EDB;
	if (fi_db_exec(d->src, fi_dbsrc_sql_session, err) != 0 ||
	    fi_db_exec(d->src, fi_dbsrc_sql_read_only, err) != 0 ||
	    fi_dbsrc_autoinc(d, err) != 0) {
		fi_db_close(d->src);
		d->src = NULL;
		return err->code;
	}
	return 0;
}

/* Whether a keyed table is complete: named explicitly, or a daily table long over. */
static const char *
fi_dbsrc_complete(struct fi_dbsrc_source *d, const struct fi_dbsrc_table *t)
{
	int64_t day, now = (int64_t)time(NULL), settle = d->cfg->src_settle;

	if (d->opts.table != NULL)
		return "named with --table-name";
	if (fi_dbsrc_table_day(d->opts.kind, t->name, &day) == 0 &&
	    now >= day + 86400 + settle && (t->idle < 0 || t->idle >= settle))
		return "its day is over";
	return NULL;
}

static void
fi_dbsrc_summary(struct fi_dbsrc_source *d, const struct fi_dbsrc_import *im,
		 const char *mode, double seconds)
{
	fi_dbsrc_say(
	    d,
	    "%s: %s: %llu rows read, %llu flows imported, %llu rows not IP flows, "
	    "%llu bad; %llu rows in all, %.1f s",
	    im->t->name, mode, (unsigned long long)im->read,
	    (unsigned long long)im->flows, (unsigned long long)im->not_ip,
	    (unsigned long long)im->bad, (unsigned long long)im->mark.rows, seconds);
	if (im->bad > FI_DBSRC_BAD_SHOWN) {
		fi_progress_clear(&d->prog);
		fi_warnx("%s: %llu bad rows skipped (the first %d shown)", im->t->name,
			 (unsigned long long)im->bad, FI_DBSRC_BAD_SHOWN);
	}
}

/* Reads the table's mark, when it has one, into im. */
static int
fi_dbsrc_mark_load(struct fi_dbsrc_import *im, struct fi_err *err)
{
	struct fi_dbsrc_source *d = im->d;
	char text[FI_DBSRC_MARK_TEXT_MAX + 1];
	uint64_t rows = 0;
	int found, rc;

	rc = fi_store_source_mark_get(d->store, d->source, im->t->name, text,
				      sizeof(text), &rows, &found, err);
	if (rc != 0 || !found)
		return rc;
	if (fi_dbsrc_mark_parse(text, strlen(text), &im->mark) != 0)
		return fi_err_set(err, FI_EINVAL,
				  "%s: unreadable mark \"%.60s\" in fi_source_marks",
				  im->t->name, text);
	memcpy(im->prev, text, sizeof(text));
	im->have_prev = 1;
	return 0;
}

/* A table imported whole as a snapshot before: it is not imported again. */
static int
fi_dbsrc_snapshot_done(struct fi_dbsrc_import *im, struct fi_err *err)
{
	struct fi_dbsrc_source *d = im->d;
	int64_t count;
	int rc = fi_dbsrc_count(im, NULL, &count, err);

	if (rc != 0)
		return rc;
	if ((uint64_t)count != im->mark.rows && d->opts.table != NULL)
		fi_warnx("%s was imported as a snapshot of %llu rows before; it has "
			 "%lld rows now. It is not imported again (that would count "
			 "its rows twice)",
			 im->t->name, (unsigned long long)im->mark.rows,
			 (long long)count);
	else
		fi_dbsrc_say(d, "%s: imported as a snapshot before (%llu rows); skipped",
			     im->t->name, (unsigned long long)im->mark.rows);
	return 0;
}

/*
 * Follows the table the way its mark says, or a new table the way its keys
 * allow. Sets *mode to what was done, for the summary; leaves it NULL when
 * nothing was (a keyed table still being written, or an error about the
 * mark).
 */
static int
fi_dbsrc_follow(struct fi_dbsrc_import *im, const char **mode, struct fi_err *err)
{
	struct fi_dbsrc_source *d = im->d;
	const struct fi_dbsrc_shape *sh = im->shape;
	const char *name = im->t->name, *reason;

	if (d->postgresql) {
		*mode = "new rows by place (ctid)";
		return fi_dbsrc_pg_follow(im, err);
	}
	if (im->have_prev && im->mark.mode == FI_DBSRC_MARK_KEY) {
		if (strcmp(im->mark.column, sh->autoinc) != 0)
			return fi_err_set(
			    err, FI_EINVAL,
			    "%s: its mark follows the AUTO_INCREMENT column "
			    "%s, which it no longer has",
			    name, im->mark.column);
		*mode = "new rows by key";
		return fi_dbsrc_key_table(im, err);
	}
	if (im->have_prev) {
		int snap = im->mark.mode == FI_DBSRC_MARK_SNAP_RUN;

		*mode = snap ? "snapshot (resumed)" : "new rows by scan";
		return fi_dbsrc_scan(im, snap, err);
	}
	if (sh->keyed) {
		reason = fi_dbsrc_complete(d, im->t);
		if (reason == NULL) {
			fi_dbsrc_say(
			    d,
			    "%s: skipped: a keyed table (rows are updated in place) "
			    "cannot be followed while it is written; it is imported "
			    "as a snapshot once complete: name it with --table-name, "
			    "or, for a daily table, when its day is over",
			    name);
			return 0;
		}
		fi_info("%s: importing it as a snapshot of its current state (%s); "
			"changes after this import are not imported",
			name, reason);
		fi_dbsrc_say(d,
			     "%s: importing it as a snapshot of its current state (%s); "
			     "changes after this import are not imported",
			     name, reason);
		*mode = "snapshot";
		return fi_dbsrc_scan(im, 1, err);
	}
	*mode = sh->autoinc[0] != '\0' ? "new rows by key" : "new rows by scan";
	return sh->autoinc[0] != '\0' ? fi_dbsrc_key_table(im, err)
				      : fi_dbsrc_scan(im, 0, err);
}

/* Imports one table. Returns 0 or the error that stopped it. */
static int
fi_dbsrc_run_table(struct fi_dbsrc_source *d, const struct fi_dbsrc_table *t,
		   struct fi_err *err)
{
	struct fi_dbsrc_shape sh;
	struct fi_dbsrc_import im;
	struct fi_err why;
	const char *mode = NULL;
	double t0 = fi_clock_now();
	int rc;

	fi_err_clear(&why);
	rc = d->postgresql ? fi_dbsrc_pg_shape(d, t, &sh, &why, err)
			   : fi_dbsrc_shape_read(d, t, &sh, &why, err);
	if (rc != 0)
		return rc;
	if (why.code != 0) {
		const char *what =
		    d->opts.kind == FI_DBSRC_ARGUS ? "an argus" : "a VERMONT";

		if (d->opts.table != NULL)
			return fi_err_set(err, FI_EINVAL, "%s is not %s table: %s",
					  t->name, what, why.msg);
		fi_dbsrc_say(d, "%s: skipped, not %s table (%s)", t->name, what, why.msg);
		return 0;
	}
	memset(&im, 0, sizeof(im));
	im.d = d;
	im.t = t;
	im.shape = &sh;
	im.written_at = t0;
	rc = fi_dbsrc_mark_load(&im, err);
	if (rc != 0)
		return rc;
	if (im.have_prev && im.mark.mode == FI_DBSRC_MARK_SNAP && !d->postgresql)
		return fi_dbsrc_snapshot_done(&im, err);
	rc = fi_dbsrc_follow(&im, &mode, err);
	if (mode == NULL)
		return rc;
	d->bad += im.bad;
	d->flows += im.flows;
	d->read += im.read;
	if (rc == 0 && im.read == 0 && !im.interrupted &&
	    im.mark.mode != FI_DBSRC_MARK_SNAP)
		fi_dbsrc_say(d, "%s: up to date (%llu rows)", t->name,
			     (unsigned long long)im.mark.rows);
	else
		fi_dbsrc_summary(d, &im, mode, fi_clock_now() - t0);
	return rc;
}

/*
 * Takes the lock of this source in the destination database, so that one
 * import of a source runs at a time (cron runs may overlap); the session
 * holds it until d->dst is closed. Sets *got to 1 when it was free.
 */
static int
fi_dbsrc_lock(struct fi_dbsrc_source *d, int64_t *got, struct fi_err *err)
{
	struct fi_digest dg;
	struct fi_val lv = FI_VAL_S(d->source, strlen(d->source));
	char lock[48];

	fi_digest_init(&dg);
	fi_dbsrc_digest_row(&dg, &lv, 1);
	snprintf(lock, sizeof(lock), "fi_src_%016llx%016llx", (unsigned long long)dg.hi,
		 (unsigned long long)dg.lo);
	lv = FI_VAL_S(lock, strlen(lock));
	return fi_dbsrc_query_int(d->dst, fi_dbsrc_sql_lock, &lv, 1, got, err);
}

/* Imports each of the n tables (or the one named) in turn. */
static void
fi_dbsrc_run_tables(struct fi_dbsrc_source *d, const struct fi_dbsrc_table *tables,
		    size_t n)
{
	struct fi_err err;
	int seen = 0;

	for (size_t i = 0; i < n && !fi_dbsrc_stop; i++) {
		if (d->opts.table != NULL && strcmp(tables[i].name, d->opts.table) != 0)
			continue;
		seen++;
		fi_err_clear(&err);
		if (fi_dbsrc_run_table(d, &tables[i], &err) != 0) {
			fi_progress_clear(&d->prog);
			fi_warnx("%s: %s", tables[i].name, err.msg);
			d->failed++;
			if (!(d->postgresql ? fi_dbsrc_pg_alive(d)
					    : d->src != NULL && fi_db_alive(d->src)) ||
			    d->dst == NULL || !fi_db_alive(d->dst))
				break; /* a lost connection ends the round */
		}
	}
	if (d->opts.table != NULL && seen == 0 && !fi_dbsrc_stop) {
		fi_warnx("source %s has no table %s", d->source, d->opts.table);
		d->failed++;
	}
	if (fi_dbsrc_stop && d->opts.every == 0) {
		fi_warnx("interrupted; the next run continues where this one stopped");
		d->failed++;
	}
}

/* What a round did, and what it gave up; returns its exit status. */
static int
fi_dbsrc_round_report(struct fi_dbsrc_source *d, size_t ntables, double seconds)
{
	fi_dbsrc_say(d,
		     "%s: %zu tables, %llu rows read, %llu flows imported, %llu bad "
		     "rows, %d failed, %.1f s",
		     d->source, ntables, (unsigned long long)d->read,
		     (unsigned long long)d->flows, (unsigned long long)d->bad, d->failed,
		     seconds);
	if (d->gaps_dropped > 0) {
		fi_info("%s: %llu ranges of skipped keys (%llu keys) given up: no row "
			"came in them within src_settle = %u s (rolled back inserts)",
			d->source, (unsigned long long)d->gaps_dropped,
			(unsigned long long)d->gap_keys_dropped, d->cfg->src_settle);
		fi_dbsrc_say(d,
			     "%s: %llu gap ranges (%llu keys) given up after src_settle",
			     d->source, (unsigned long long)d->gaps_dropped,
			     (unsigned long long)d->gap_keys_dropped);
	}
	if (d->gaps_trimmed > 0)
		fi_warnx(
		    "%s: %llu ranges of skipped keys given up over src_max_gaps = %u "
		    "per table: rows committed there later are not imported",
		    d->source, (unsigned long long)d->gaps_trimmed, d->cfg->src_max_gaps);
	if (d->failed > 0)
		return FI_DBSRC_FAILED;
	return d->bad > 0 ? FI_DBSRC_BADROWS : 0;
}

/* One import of every table (or the one named). Returns the exit status. */
static int
fi_dbsrc_run_round(struct fi_dbsrc_source *d)
{
	struct fi_dbsrc_table *tables = NULL;
	struct fi_err err;
	size_t n = 0;
	int64_t got = 0;
	int status = 0;
	double t0 = fi_clock_now();

	d->failed = 0;
	d->bad = d->flows = d->read = 0;
	d->gaps_dropped = d->gap_keys_dropped = d->gaps_trimmed = 0;
	fi_err_clear(&err);
	if (fi_dbsrc_dst_open(d, &err) != 0) {
		fi_warnx("%s", err.msg);
		return FI_DBSRC_FAILED;
	}
	if (fi_dbsrc_query_int(d->dst, fi_dbsrc_sql_marks, NULL, 0, &got, &err) != 0) {
		fi_warnx("database %s: %s (run flowinspector-importer --init-db first)",
			 d->cfg->db_name, err.msg);
		status = FI_DBSRC_FAILED;
	} else if (fi_dbsrc_lock(d, &got, &err) != 0) {
		fi_warnx("%s", err.msg);
		status = FI_DBSRC_FAILED;
	} else if (got != 1) {
		fi_dbsrc_say(d, "another import of %s is running; nothing done",
			     d->source);
	} else if (fi_dbsrc_src_open(d, &err) != 0 ||
		   (d->postgresql ? fi_dbsrc_pg_tables(d, &tables, &n, &err)
				  : fi_dbsrc_tables(d, &tables, &n, &err)) != 0) {
		fi_warnx("source %s: %s", d->source, err.msg);
		status = FI_DBSRC_FAILED;
	} else {
		fi_dbsrc_run_tables(d, tables, n);
		status = fi_dbsrc_round_report(d, n, fi_clock_now() - t0);
	}
	free(tables);
	fi_db_close(d->src);
	d->src = NULL;
	fi_dbsrc_pg_close(d);
	fi_dbsrc_dst_close(d); /* also releases the lock */
	return status;
}

int
fi_dbsrc_run(const struct fi_config *cfg, const struct fi_dbsrc_opts *opts)
{
	struct fi_dbsrc_source d;
	struct sigaction sa;
	int status;

	memset(&d, 0, sizeof(d));
	d.cfg = cfg;
	d.opts = *opts;
	d.lim.max_duration = cfg->max_flow_duration;
	d.bar = isatty(STDERR_FILENO) ? stderr : NULL;
	d.report = opts->verbose || isatty(STDOUT_FILENO);
	d.retention_log = (struct fi_ratelimit){.period = 3600, .burst = 4};
	if (cfg->src_database[0] == '\0') {
		fi_warnx("no source database: give --src-database or src_database");
		return FI_DBSRC_FAILED;
	}
	d.postgresql = strcmp(cfg->src_driver, "postgresql") == 0;
	if (cfg->src_name[0] != '\0')
		snprintf(d.source, sizeof(d.source), "%s", cfg->src_name);
	else
		snprintf(d.source, sizeof(d.source), "%s%s:%s",
			 fi_dbsrc_kind_name(opts->kind), d.postgresql ? "-pg" : "",
			 cfg->src_database);
	fi_agg_init(&d.agg, cfg->bucket_sizes, cfg->n_bucket_sizes);
	for (unsigned k = 0; k < cfg->n_bucket_sizes; k++)
		fi_agg_set_detail(&d.agg, k, fi_config_is_detail(cfg, k));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fi_dbsrc_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL); /* reopens the log file (after rotation) */
	signal(SIGPIPE, SIG_IGN);

	for (;;) {
		if (fi_dbsrc_reopen) {
			fi_dbsrc_reopen = 0;
			fi_log_reopen();
		}
		status = fi_dbsrc_run_round(&d);
		if (opts->every == 0 || fi_dbsrc_stop)
			break;
		fi_clock_sleep(opts->every, &fi_dbsrc_stop);
		if (fi_dbsrc_stop)
			break;
	}
	if (opts->every > 0 && fi_dbsrc_stop)
		status = 0;
	fi_agg_fini(&d.agg);
	return status;
}
