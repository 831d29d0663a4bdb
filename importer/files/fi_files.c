/*
 * fi_files.c: a run of a file-source import (fi_files.h). Per file: the
 * lines up to its first record are kept while its identity is computed,
 * its mark is looked up, then every line goes through one path: lines the
 * mark covers are read past (header directives still apply), the digest
 * is checked where the mark ends, and records after it are aggregated and
 * written in chunks, each with the file's new mark in one transaction
 * (fi_store_write_source moves the mark only from the one this import
 * started from, so two imports of one file cannot both count a record).
 */
#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fi_agg.h"
#include "fi_argusfile.h"
#include "fi_clock.h"
#include "fi_db.h"
#include "fi_files.h"
#include "fi_lines.h"
#include "fi_log.h"
#include "fi_nfdump.h"
#include "fi_store.h"
#include "fi_zeek.h"

#define FI_FILES_BAD_SHOWN   10		/* bad records shown in full per file */
#define FI_FILES_WRITE_TRIES 3		/* attempts of one write after a lock timeout */
#define FI_FILES_HEAD_MAX    (1u << 20) /* bytes of header before the first record */
#define FI_FILES_MARK_MAX    255	/* fi_source_marks.mark */
#define FI_FILES_SEEN_MAX    4096	/* files remembered as done between rounds */
#define FI_FILES_TAILS	     16 /* growing files kept open between rounds (--follow) */

static volatile sig_atomic_t fi_files_stop;
static volatile sig_atomic_t fi_files_reopen;

/* A file found complete in an earlier round, unchanged since (--every). */
struct fi_files_seen {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

/* The run: its connection, cache and counts. */
struct fi_files_run {
	const struct fi_config *cfg;
	const struct fi_files_opts *opts;
	const char *source;	   /* fi_source_marks.source */
	struct fi_argusfile argus; /* --argus-file: ra's fields as a table's */
	struct fi_db *db;
	struct fi_store *store;
	struct fi_agg agg;
	int report;
	struct fi_files_seen *seen;
	size_t nseen;
	struct fi_files_tail *tails; /* --follow: FI_FILES_TAILS of them */
	/* this round */
	uint64_t files, records, flows, bad;
	int failed;
};

/* What a file's mark says: records up to byte off (line `line`) are in. */
struct fi_files_mark {
	uint64_t off, line, records;
	struct fi_digest digest;
};

/* One file's import. */
struct fi_files_one {
	struct fi_files_run *r;
	const char *path;
	char id[33]; /* its identity (fi_source_marks.source_table) */
	char prev[FI_FILES_MARK_MAX + 1]; /* the committed mark's text */
	int have_prev;
	struct fi_files_mark mark; /* the committed mark */
	int reached;		   /* the lines read reached the mark */
	struct fi_zeek z;
	uint64_t records;		  /* record lines up to the last line read */
	uint64_t since;			  /* records not written yet */
	uint64_t new_records, flows, bad; /* this run */
	uint64_t first_line;		  /* where this run started reading records */
	double written_at;
};

/*
 * --follow: a plain file read to its end, kept open with its import's state
 * (mark, header, position) so the next round reads on from there instead of
 * from its start. Known by device and inode, so a rename (rotation) keeps
 * it; a file no round lists any more is closed.
 */
struct fi_files_tail {
	int used, listed;
	dev_t dev;
	ino_t ino;
	char path[4096];
	struct fi_files_one o;
	struct fi_lines l;
};

static void
fi_files_signal(int sig)
{
	if (sig == SIGHUP)
		fi_files_reopen = 1;
	else
		fi_files_stop = 1;
}

static void fi_files_say(struct fi_files_run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fi_files_say(struct fi_files_run *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->report)
		return;
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static void
fi_files_db_close(struct fi_files_run *r)
{
	fi_store_free(r->store);
	r->store = NULL;
	fi_db_close(r->db);
	r->db = NULL;
}

static int
fi_files_db_open(struct fi_files_run *r, struct fi_err *err)
{
	if (r->store != NULL)
		return 0;
	r->db = fi_db_open(r->cfg, FI_DB_ROLE_IMPORTER, err);
	if (r->db != NULL)
		r->store = fi_store_new(r->db, err);
	if (r->store == NULL) {
		fi_files_db_close(r);
		return err->code ? err->code : FI_EDB;
	}
	return 0;
}

static void
fi_files_mark_format(const struct fi_files_mark *m, char *buf, size_t size)
{
	char hex[33];

	fi_digest_hex(&m->digest, hex);
	snprintf(buf, size, "file %llu %llu %s", (unsigned long long)m->off,
		 (unsigned long long)m->line, hex);
}

static int
fi_files_mark_parse(const char *text, struct fi_files_mark *m)
{
	unsigned long long off, line;
	char hex[40];
	int end = 0;

	if (sscanf(text, "file %llu %llu %39s%n", &off, &line, hex, &end) != 3 ||
	    text[end] != '\0' || strlen(hex) != 32 ||
	    strspn(hex, "0123456789abcdef") != 32)
		return FI_EINVAL;
	m->off = off;
	m->line = line;
	m->digest.lo = strtoull(hex + 16, NULL, 16);
	hex[16] = '\0';
	m->digest.hi = strtoull(hex, NULL, 16);
	return 0;
}

/*
 * Writes the cached flows and moves the file's mark to next, in one
 * transaction; retries a few times after a lock timeout or a lost
 * connection. On success the cache is empty and next is the committed mark.
 */
static int
fi_files_commit(struct fi_files_one *o, const struct fi_files_mark *next,
		struct fi_err *err)
{
	struct fi_files_run *r = o->r;
	char text[FI_FILES_MARK_MAX + 1];
	struct fi_store_source_mark sm;
	int rc = 0;

	fi_files_mark_format(next, text, sizeof(text));
	sm = (struct fi_store_source_mark){.source = r->source,
					   .table = o->id,
					   .prev = o->have_prev ? o->prev : NULL,
					   .mark = text,
					   .rows = next->records};
	for (int tries = 1;; tries++) {
		struct fi_err werr;

		fi_err_clear(&werr);
		rc = fi_files_db_open(r, &werr);
		if (rc == 0)
			rc = fi_store_write_source(r->store, &r->agg, &sm, NULL, &werr);
		if (rc == 0)
			break;
		if (rc == FI_EEXIST) {
			return fi_err_set(err, rc,
					  "another import of this file moved its mark; "
					  "this one stops (nothing is counted twice)");
		}
		if (rc != FI_EUNAVAIL || tries >= FI_FILES_WRITE_TRIES || fi_files_stop) {
			*err = werr;
			return rc;
		}
		fi_warnx("%s: writing failed: %s; retrying", o->path, werr.msg);
		if (!fi_db_alive(r->db))
			fi_files_db_close(r);
		sleep(1);
	}
	o->flows += r->agg.nflows;
	fi_agg_clear(&r->agg);
	memcpy(o->prev, text, sizeof(text));
	o->have_prev = 1;
	o->mark = *next;
	o->reached = 1; /* the lines read are the mark's */
	o->since = 0;
	o->written_at = fi_clock_now();
	return 0;
}

/* Whether the cached records should be written now. */
static int
fi_files_due(const struct fi_files_one *o)
{
	const struct fi_config *cfg = o->r->cfg;

	return o->since >= cfg->src_chunk_rows ||
	       fi_agg_bytes(&o->r->agg) >= (size_t)cfg->max_memory_mb << 20 ||
	       (o->since > 0 && fi_clock_now() - o->written_at >= cfg->flush_interval);
}

/*
 * Whether a line is a record: for Zeek not a '#' directive, not empty; for
 * ra's output not its label line.
 */
static int
fi_files_is_record(const struct fi_files_run *r, struct fi_str line)
{
	if (r->opts->kind == FI_FILES_ARGUS)
		return fi_argusfile_is_record(line);
	if (r->opts->kind == FI_FILES_NFCAPD)
		return fi_nfdump_is_record(line);
	if (line.n > 0 && line.p[line.n - 1] == '\r')
		line.n--;
	return line.n > 0 && line.p[0] != '#';
}

/* One line as flows, by the file's kind (fi_zeek_line, fi_argusfile_line). */
static int
fi_files_parse(struct fi_files_one *o, struct fi_str line, struct fi_flow f[2],
	       unsigned *n, struct fi_err *err)
{
	if (o->r->opts->kind == FI_FILES_ARGUS)
		return fi_argusfile_line(&o->r->argus, line, f, n, err);
	if (o->r->opts->kind == FI_FILES_NFCAPD)
		return fi_nfdump_line(line, o->r->cfg->max_flow_duration, f, n, err);
	return fi_zeek_line(&o->z, line, f, n, err);
}

/*
 * One line of the file, ending at byte off (line number lineno), with
 * digest the digest of every byte up to there. Returns 0, or < 0 when the
 * file cannot be read on (err).
 */
static int
fi_files_line(struct fi_files_one *o, struct fi_str line, uint64_t off, uint64_t lineno,
	      const struct fi_digest *digest, struct fi_err *err)
{
	struct fi_files_run *r = o->r;
	int record = fi_files_is_record(r, line);
	struct fi_flow f[2];
	struct fi_err why;
	unsigned n;
	int rc;

	fi_err_clear(&why);
	o->records += record;
	if (o->have_prev && !o->reached) {
		if (off < o->mark.off) {
			/* imported before: only the header directives matter */
			if (!record)
				(void)fi_files_parse(o, line, f, &n, &why);
			return 0;
		}
		if (off > o->mark.off || !fi_digest_eq(digest, &o->mark.digest) ||
		    lineno != o->mark.line)
			return fi_err_set(
			    err, FI_EINVAL,
			    "it changed under its mark: its first %llu "
			    "bytes are not the ones imported before (a file "
			    "is imported once; rename or remove it)",
			    (unsigned long long)o->mark.off);
		if (!record)
			(void)fi_files_parse(o, line, f, &n, &why);
		o->reached = 1;
		o->first_line = lineno + 1;
		return 0;
	}
	rc = fi_files_parse(o, line, f, &n, &why);
	if (rc == FI_ECONFIG)
		return fi_err_set(err, rc, "line %llu: %s", (unsigned long long)lineno,
				  why.msg);
	if (!record)
		return 0;
	o->since++;
	o->new_records++;
	if (rc != 0) {
		if (++o->bad <= FI_FILES_BAD_SHOWN)
			fi_warnx("%s:%llu: skipped: %s", o->path,
				 (unsigned long long)lineno, why.msg);
		return 0;
	}
	for (unsigned i = 0; i < n; i++) {
		fi_err_clear(&why);
		rc = fi_agg_add(&r->agg, &f[i], &why);
		if (rc == FI_ENOMEM)
			return fi_err_set(err, rc,
					  "out of memory (lower max_memory_mb or "
					  "src_chunk_rows)");
		/* a counter the tables cannot hold: this direction is skipped */
		if (rc != 0 && ++o->bad <= FI_FILES_BAD_SHOWN)
			fi_warnx("%s:%llu: skipped a direction: %s", o->path,
				 (unsigned long long)lineno, why.msg);
	}
	if (fi_files_due(o)) {
		struct fi_files_mark next = {off, lineno, o->records, *digest};

		return fi_files_commit(o, &next, err);
	}
	return 0;
}

/*
 * The lines up to the first record, kept in head (each with its newline):
 * the identity is the digest of those bytes. Returns 1 (o->id set), 0 when
 * the file has no complete record yet, or < 0.
 */
static int
fi_files_identify(struct fi_files_one *o, struct fi_lines *l, struct fi_buf *head,
		  struct fi_err *err)
{
	for (;;) {
		struct fi_str line;
		int rc = fi_lines_next(l, &line, err);

		if (rc <= 0)
			return rc;
		if (fi_buf_append(head, line.p, line.n) != 0 ||
		    fi_buf_append(head, "\n", 1) != 0)
			return fi_err_set(err, FI_ETOOBIG,
					  "no record in its first %u bytes",
					  FI_FILES_HEAD_MAX);
		if (fi_files_is_record(o->r, line)) {
			fi_digest_hex(&l->digest, o->id);
			return 1;
		}
	}
}

/* The file's committed mark, if any, into o. */
static int
fi_files_mark_read(struct fi_files_one *o, struct fi_err *err)
{
	struct fi_files_run *r = o->r;
	uint64_t rows;
	int found, rc = fi_files_db_open(r, err);

	if (rc == 0)
		rc = fi_store_source_mark_get(r->store, r->source, o->id, o->prev,
					      sizeof(o->prev), &rows, &found, err);
	if (rc != 0)
		return rc;
	o->have_prev = found;
	if (!found)
		return 0;
	if (fi_files_mark_parse(o->prev, &o->mark) != 0)
		return fi_err_set(err, FI_EINVAL, "its mark \"%s\" cannot be read",
				  o->prev);
	o->mark.records = rows;
	return 0;
}

/*
 * Reads the file on from its mark: the kept head lines first, then the rest
 * of l, writing chunks; the last chunk at the end. *complete: the file
 * ended on a complete line. Returns 0 or < 0 (err).
 */
static int
fi_files_read(struct fi_files_one *o, struct fi_lines *l, const struct fi_buf *head,
	      int *complete, struct fi_err *err)
{
	struct fi_digest dg;
	uint64_t off = 0, lineno = 0;
	size_t at = 0;
	int rc = 0;

	fi_digest_init(&dg);
	while (rc == 0 && at < head->len) {
		const char *nl = memchr(head->data + at, '\n', head->len - at);
		size_t len = (size_t)(nl - (head->data + at));

		fi_digest_add(&dg, head->data + at, len + 1);
		off += len + 1;
		lineno++;
		rc = fi_files_line(o, (struct fi_str){head->data + at, len}, off, lineno,
				   &dg, err);
		at += len + 1;
	}
	while (rc == 0 && !fi_files_stop) {
		struct fi_str line;

		rc = fi_lines_next(l, &line, err);
		if (rc <= 0)
			break;
		rc = fi_files_line(o, line, l->off, l->line, &l->digest, err);
	}
	if (rc == 0 && !fi_files_stop && o->have_prev && !o->reached)
		rc = fi_err_set(err, FI_EINVAL,
				"it is shorter than its mark (%llu bytes imported "
				"before, %llu now): it shrank or was replaced",
				(unsigned long long)o->mark.off,
				(unsigned long long)l->off);
	if (rc == 0 && o->since > 0) {
		struct fi_files_mark next = {l->off, l->line, o->records, l->digest};

		rc = fi_files_commit(o, &next, err);
	}
	if (rc == 0 && !fi_files_stop)
		*complete = fi_lines_pending(l) == 0;
	if (rc == 0 && fi_lines_pending(l) > 0)
		fi_files_say(o->r,
			     "%s: its last line is not complete yet; it is read on the "
			     "next run",
			     o->path);
	return rc;
}

/* What a file's import did: for the operator, and into the run's counts. */
static void
fi_files_report(const struct fi_files_one *o, int ok)
{
	struct fi_files_run *r = o->r;

	if (o->bad > FI_FILES_BAD_SHOWN)
		fi_warnx("%s: %llu bad records skipped (the first %u shown)", o->path,
			 (unsigned long long)o->bad, FI_FILES_BAD_SHOWN);
	if (o->id[0] != '\0' && ok && o->new_records == 0 && o->have_prev) {
		fi_files_say(r, "%s: up to date (%llu records imported before)", o->path,
			     (unsigned long long)o->mark.records);
	} else if (o->id[0] != '\0' && ok && o->new_records > 0) {
		char from[48] = "";

		if (o->first_line > 1)
			snprintf(from, sizeof(from), " (from line %llu)",
				 (unsigned long long)o->first_line);
		fi_files_say(r, "%s: %llu records, %llu flows imported%s, %llu bad",
			     o->path, (unsigned long long)o->new_records,
			     (unsigned long long)o->flows, from,
			     (unsigned long long)o->bad);
	}
	r->records += o->new_records;
	r->flows += o->flows;
	r->bad += o->bad;
}

/* Opens path for its kind: the file itself, or ra or nfdump reading it. */
static int
fi_files_open(struct fi_files_run *r, const char *path, struct fi_lines *l,
	      struct fi_err *err)
{
	int rc;

	if (r->opts->kind == FI_FILES_ARGUS) {
		const char *argv[FI_ARGUSFILE_ARGV];

		fi_argusfile_argv(path, argv);
		rc = fi_lines_open_cmd(l, argv, err);
	} else if (r->opts->kind == FI_FILES_NFCAPD) {
		const char *argv[FI_NFDUMP_ARGV];

		fi_nfdump_argv(path, argv);
		rc = fi_nfdump_check(path, err);
		if (rc == 0)
			rc = fi_lines_open_cmd(l, argv, err);
	} else {
		rc = fi_lines_open(l, path, err);
	}
	return rc;
}

/* A kept tail of the file st names, or NULL. */
static struct fi_files_tail *
fi_files_tail_find(struct fi_files_run *r, const struct stat *st)
{
	for (unsigned i = 0; r->tails != NULL && st != NULL && i < FI_FILES_TAILS; i++)
		if (r->tails[i].used && r->tails[i].dev == st->st_dev &&
		    r->tails[i].ino == st->st_ino)
			return &r->tails[i];
	return NULL;
}

static void
fi_files_tail_drop(struct fi_files_tail *t)
{
	fi_lines_close(&t->l, NULL);
	t->used = 0;
}

/*
 * Keeps a plain file read to its end open for the next round (--follow).
 * Returns 1 when it took l (the caller must not close it), else 0.
 */
static int
fi_files_tail_keep(struct fi_files_run *r, const struct stat *st,
		   const struct fi_files_one *o, const struct fi_lines *l)
{
	if (r->tails == NULL || st == NULL || r->opts->kind != FI_FILES_ZEEK ||
	    !fi_lines_plain(l) || fi_files_stop)
		return 0;
	for (unsigned i = 0; i < FI_FILES_TAILS; i++) {
		struct fi_files_tail *t = &r->tails[i];

		if (t->used)
			continue;
		t->used = t->listed = 1;
		t->dev = st->st_dev;
		t->ino = st->st_ino;
		snprintf(t->path, sizeof(t->path), "%s", o->path);
		t->o = *o;
		t->o.path = t->path;
		t->l = *l;
		return 1;
	}
	return 0; /* all taken: read from its start next round */
}

/* Reads on a kept tail from where the last round stopped. */
static int
fi_files_tail_read(struct fi_files_tail *t, const char *path, const struct stat *st,
		   int *complete, struct fi_err *err)
{
	struct fi_files_one *o = &t->o;
	struct fi_buf none;
	int rc;

	t->listed = 1;
	snprintf(t->path, sizeof(t->path), "%s", path); /* renamed, perhaps */
	o->new_records = o->flows = o->bad = 0;
	o->first_line = o->mark.line + 1;
	if ((uint64_t)st->st_size < t->l.off) {
		rc = fi_err_set(err, FI_EINVAL,
				"it shrank under its mark (%llu bytes read, %llu now)",
				(unsigned long long)t->l.off,
				(unsigned long long)st->st_size);
	} else {
		fi_buf_init(&none, 1);
		fi_lines_more(&t->l);
		rc = fi_files_read(o, &t->l, &none, complete, err);
	}
	if (rc != 0) {
		fi_agg_clear(&o->r->agg);
		fi_files_tail_drop(t);
	}
	fi_files_report(o, rc == 0);
	return rc;
}

/* Imports one file (st: NULL for standard input). Returns 0, or < 0 with err. */
static int
fi_files_one(struct fi_files_run *r, const char *path, const struct stat *st,
	     int *complete, struct fi_err *err)
{
	struct fi_files_tail *t = fi_files_tail_find(r, st);
	struct fi_files_one o;
	struct fi_lines l;
	struct fi_buf head;
	int rc;

	*complete = 0;
	if (t != NULL)
		return fi_files_tail_read(t, path, st, complete, err);
	memset(&o, 0, sizeof(o));
	o.r = r;
	o.path = path;
	o.written_at = fi_clock_now();
	fi_zeek_init(&o.z, r->cfg->max_flow_duration);
	rc = fi_files_open(r, path, &l, err);
	if (rc != 0)
		return rc;
	fi_buf_init(&head, FI_FILES_HEAD_MAX);
	rc = fi_files_identify(&o, &l, &head, err);
	if (rc == 0) {
		fi_files_say(r, "%s: no complete record yet", path);
		*complete = fi_lines_pending(&l) == 0;
	} else if (rc == 1) {
		rc = fi_files_mark_read(&o, err);
		if (rc == 0)
			rc = fi_files_read(&o, &l, &head, complete, err);
	}
	if (rc != 0 || o.id[0] == '\0' || !fi_files_tail_keep(r, st, &o, &l)) {
		struct fi_err cerr;

		fi_err_clear(&cerr);
		if (fi_lines_close(&l, &cerr) != 0 && rc == 0) {
			rc = cerr.code;
			*err = cerr;
		}
	}
	if (rc != 0)
		fi_agg_clear(&r->agg); /* what the mark does not cover is read again */
	fi_files_report(&o, rc == 0);
	fi_buf_fini(&head);
	return rc;
}

/*
 * Whether a directory entry is a file of the kind: not hidden; for Zeek
 * conn*.log* (conn.log, conn.<time>.log.gz), for nfcapd the finished
 * nfcapd.* files (not nfcapd.current.*, still being written), for argus any.
 */
static int
fi_files_wanted(const struct fi_files_run *r, const char *name)
{
	if (name[0] == '.')
		return 0;
	if (r->opts->kind == FI_FILES_ARGUS)
		return 1;
	if (r->opts->kind == FI_FILES_NFCAPD)
		return strncmp(name, "nfcapd.", 7) == 0 &&
		       strncmp(name, "nfcapd.current.", 15) != 0;
	return strncmp(name, "conn", 4) == 0 && strstr(name, ".log") != NULL;
}

static int
fi_files_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
fi_files_seen_find(const struct fi_files_run *r, const struct stat *st)
{
	for (size_t i = 0; i < r->nseen; i++) {
		const struct fi_files_seen *s = &r->seen[i];

		if (s->dev == st->st_dev && s->ino == st->st_ino &&
		    s->size == st->st_size && s->mtime.tv_sec == st->st_mtim.tv_sec &&
		    s->mtime.tv_nsec == st->st_mtim.tv_nsec)
			return 1;
	}
	return 0;
}

static void
fi_files_seen_add(struct fi_files_run *r, const struct stat *st)
{
	struct fi_files_seen *s;

	if (r->opts->every == 0)
		return;
	if (r->nseen == FI_FILES_SEEN_MAX)
		r->nseen = 0; /* forget them all: they are read (and skipped) again */
	if (r->seen == NULL) {
		r->seen = calloc(FI_FILES_SEEN_MAX, sizeof(*r->seen));
		if (r->seen == NULL)
			return;
	}
	s = &r->seen[r->nseen++];
	*s = (struct fi_files_seen){st->st_dev, st->st_ino, st->st_size, st->st_mtim};
}

/* One file: imported unless an earlier round found it complete as it is now. */
static void
fi_files_path(struct fi_files_run *r, const char *path)
{
	struct stat st;
	struct fi_err err;
	int complete, have_st = strcmp(path, "-") != 0 && stat(path, &st) == 0;

	if (have_st && fi_files_seen_find(r, &st))
		return;
	fi_err_clear(&err);
	r->files++;
	if (fi_files_one(r, path, have_st ? &st : NULL, &complete, &err) != 0) {
		fi_warnx("%s: %s", path, err.msg);
		r->failed = 1;
		if (r->db != NULL && !fi_db_alive(r->db))
			fi_files_db_close(r);
		return;
	}
	if (have_st && complete)
		fi_files_seen_add(r, &st);
}

/* A directory's files of the kind, by name. */
static void
fi_files_dir(struct fi_files_run *r, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (d == NULL) {
		fi_warn("%s", dir);
		r->failed = 1;
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (!fi_files_wanted(r, e->d_name))
			continue;
		if (fi_buf_grow_array(&names, &cap, n + 1, sizeof(*names), 1u << 20) !=
			0 ||
		    (names[n] = strdup(e->d_name)) == NULL) {
			fi_warnx("%s: out of memory listing it", dir);
			r->failed = 1;
			break;
		}
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), fi_files_cmp);
	for (size_t i = 0; i < n && !fi_files_stop; i++) {
		char path[4096];
		struct stat st;

		size_t dl = strlen(dir);

		while (dl > 1 && dir[dl - 1] == '/')
			dl--;
		if (snprintf(path, sizeof(path), "%.*s/%s", (int)dl, dir, names[i]) >=
		    (int)sizeof(path)) {
			fi_warnx("%s/%s: path too long", dir, names[i]);
			r->failed = 1;
		} else if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			fi_files_path(r, path);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* One round over every path. Returns the round's status. */
static int
fi_files_round(struct fi_files_run *r)
{
	double t0 = fi_clock_now();

	r->files = r->records = r->flows = r->bad = 0;
	r->failed = 0;
	for (unsigned i = 0; r->tails != NULL && i < FI_FILES_TAILS; i++)
		r->tails[i].listed = 0;
	for (unsigned i = 0; i < r->opts->npaths && !fi_files_stop; i++) {
		const char *p = r->opts->paths[i];
		struct stat st;

		if (strcmp(p, "-") != 0 && stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			fi_files_dir(r, p);
		else
			fi_files_path(r, p);
	}
	/* a kept file no path lists any more (rotated away, deleted) is done */
	for (unsigned i = 0; r->tails != NULL && i < FI_FILES_TAILS; i++)
		if (r->tails[i].used && !r->tails[i].listed && !fi_files_stop)
			fi_files_tail_drop(&r->tails[i]);
	if (r->records > 0 || r->failed || r->opts->every == 0)
		fi_info("%llu records of %llu files read in %.1f s: %llu flows imported, "
			"%llu bad%s",
			(unsigned long long)r->records, (unsigned long long)r->files,
			fi_clock_now() - t0, (unsigned long long)r->flows,
			(unsigned long long)r->bad,
			fi_files_stop ? " (stopped: the next run goes on from here)"
				      : "");
	if (r->failed || fi_files_stop)
		return FI_FILES_FAILED;
	return r->bad > 0 ? FI_FILES_BADRECS : 0;
}

int
fi_files_run(const struct fi_config *cfg, const struct fi_files_opts *opts)
{
	struct fi_files_run r;
	struct sigaction sa;
	int status;

	memset(&r, 0, sizeof(r));
	r.cfg = cfg;
	r.opts = opts;
	r.source = opts->kind == FI_FILES_ARGUS	   ? "argus-file"
		   : opts->kind == FI_FILES_NFCAPD ? "nfcapd"
						   : "zeek";
	if (opts->kind == FI_FILES_ARGUS) {
		struct fi_err err;

		fi_err_clear(&err);
		if (fi_argusfile_init(&r.argus, cfg->max_flow_duration, &err) != 0) {
			fi_warnx("argus files: %s", err.msg);
			return FI_FILES_FAILED;
		}
	}
	r.report = opts->verbose || isatty(STDOUT_FILENO);
	fi_agg_init(&r.agg, cfg->bucket_sizes, cfg->n_bucket_sizes);
	if (opts->follow)
		r.tails = calloc(FI_FILES_TAILS, sizeof(*r.tails));
	for (unsigned k = 0; k < cfg->n_bucket_sizes; k++)
		fi_agg_set_detail(&r.agg, k, fi_config_is_detail(cfg, k));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fi_files_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL); /* reopens the log file (after rotation) */
	signal(SIGPIPE, SIG_IGN);

	for (;;) {
		if (fi_files_reopen) {
			fi_files_reopen = 0;
			fi_log_reopen();
		}
		status = fi_files_round(&r);
		if (opts->every == 0 || fi_files_stop)
			break;
		fi_clock_sleep(opts->every, &fi_files_stop);
		if (fi_files_stop)
			break;
	}
	if (opts->every > 0 && fi_files_stop)
		status = 0;
	for (unsigned i = 0; r.tails != NULL && i < FI_FILES_TAILS; i++)
		if (r.tails[i].used)
			fi_files_tail_drop(&r.tails[i]);
	free(r.tails);
	fi_files_db_close(&r);
	fi_agg_fini(&r.agg);
	free(r.seen);
	return status;
}
