/*
 * fi_queue.c: the reliable queue over hiredis. Moves happen in Lua scripts,
 * which redis runs atomically (and writes to its AOF as one unit), so an
 * element is always in exactly one of: the queue, a batch list, gone with
 * its batch committed. See README "Exactly once" for the whole protocol.
 * Producers (the probe) push numbered batches through a script that skips
 * a batch already pushed, so a retry after a lost reply adds nothing.
 */
#include <hiredis/hiredis.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "fi_log.h"
#include "fi_num.h"
#include "fi_queue.h"

#define FI_QUEUE_KEY_MAX      (FI_CONFIG_STR_MAX + 64)
#define FI_QUEUE_TIMEOUT_S    30    /* socket timeout for ordinary commands */
#define FI_QUEUE_LOCK_MS      15000 /* lock lifetime; refreshed by keepalive */
#define FI_QUEUE_PUSH_WAIT_US 50000 /* back-pressure poll interval */
#define FI_QUEUE_MARK_TTL_S   86400 /* a producer's mark outlives its pushes by this */

/*
 * take: KEYS queue, batch list, batch set; ARGV max, batch id.
 * Moves up to max elements in chunks (unpack has a stack limit).
 */
static const char fi_queue_lua_take[] =
    "local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)\n"
    "if #items == 0 then return items end\n"
    "redis.call('LTRIM', KEYS[1], #items, -1)\n"
    "redis.call('SADD', KEYS[3], ARGV[2])\n"
    "for i = 1, #items, 1000 do\n"
    "  redis.call('RPUSH', KEYS[2], unpack(items, i, math.min(i + 999, #items)))\n"
    "end\n"
    "return items\n";

/* done: KEYS batch list, batch set, dead list; ARGV batch id, dead letters... */
static const char fi_queue_lua_done[] =
    "for i = 2, #ARGV, 1000 do\n"
    "  redis.call('RPUSH', KEYS[3], unpack(ARGV, i, math.min(i + 999, #ARGV)))\n"
    "end\n"
    "redis.call('DEL', KEYS[1])\n"
    "redis.call('SREM', KEYS[2], ARGV[1])\n"
    "return 1\n";

/* lock: KEYS lock; ARGV token, ms. Takes a free lock or extends our own. */
static const char fi_queue_lua_lock[] =
    "local cur = redis.call('GET', KEYS[1])\n"
    "if cur == false or cur == ARGV[1] then\n"
    "  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])\n"
    "  return 1\n"
    "end\n"
    "return cur\n";

/* steal: KEYS lock; ARGV expected holder, token, ms. Replaces a dead holder. */
static const char fi_queue_lua_steal[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
    "  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])\n"
    "  return 1\n"
    "end\n"
    "return 0\n";

/* unlock: KEYS lock; ARGV token. */
static const char fi_queue_lua_unlock[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end\n"
    "return 1\n";

/*
 * push: KEYS queue, mark; ARGV batch number, mark ttl s, max queue length
 * (0: none), elements... The mark holds the number of the producer's last
 * batch pushed: a batch numbered at or below it was pushed already (its
 * reply was lost) and is skipped. Returns 1 pushed, 0 skipped, -1 queue
 * full (nothing done). The first write is the RPUSH, so an OOM refusal
 * leaves nothing behind, and redis does not refuse the writes after it.
 */
static const char fi_queue_lua_push[] =
    "local last = tonumber(redis.call('GET', KEYS[2]) or '0') or 0\n"
    "if tonumber(ARGV[1]) <= last then\n"
    "  redis.call('EXPIRE', KEYS[2], ARGV[2])\n"
    "  return 0\n"
    "end\n"
    "local max = tonumber(ARGV[3])\n"
    "if max > 0 and redis.call('LLEN', KEYS[1]) >= max then return -1 end\n"
    "for i = 4, #ARGV, 1000 do\n"
    "  redis.call('RPUSH', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))\n"
    "end\n"
    "redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])\n"
    "return 1\n";

enum {
	FI_LUA_TAKE,
	FI_LUA_DONE,
	FI_LUA_LOCK,
	FI_LUA_STEAL,
	FI_LUA_UNLOCK,
	FI_LUA_PUSH,
	FI_LUA_COUNT
};

static const char *const fi_queue_scripts[FI_LUA_COUNT] = {
    fi_queue_lua_take,	fi_queue_lua_done,   fi_queue_lua_lock,
    fi_queue_lua_steal, fi_queue_lua_unlock, fi_queue_lua_push};

struct fi_queue {
	const struct fi_config *cfg;	  /* borrowed */
	redisContext *c;		  /* NULL while disconnected */
	redisReply *last;		  /* reply behind the items handed out */
	char consumer[FI_CONFIG_STR_MAX]; /* "" for a producer */
	char set_key[FI_QUEUE_KEY_MAX];	  /* fi:batches:<consumer> */
	char lock_key[FI_QUEUE_KEY_MAX];
	char token[128]; /* host:pid:start, our lock value */
	char host[64];
	/* a producer's mark: <queue>:probe:<host>:<pid>:<random>, one per run */
	char mark_key[FI_CONFIG_STR_MAX + 128];
	uint64_t push_seq;	    /* the batch of fi_queue_push_send */
	char sha[FI_LUA_COUNT][41]; /* loaded scripts */
	size_t cap;		    /* entries in p/len */
	const char **p;
	size_t *len;
};

struct fi_queue *
fi_queue_new(const struct fi_config *cfg, const char *consumer)
{
	struct fi_queue *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return NULL;
	q->cfg = cfg;
	snprintf(q->consumer, sizeof(q->consumer), "%s", consumer ? consumer : "");
	snprintf(q->set_key, sizeof(q->set_key), "fi:batches:%s", q->consumer);
	snprintf(q->lock_key, sizeof(q->lock_key), "fi:lock:%s", q->consumer);
	if (gethostname(q->host, sizeof(q->host)) != 0)
		snprintf(q->host, sizeof(q->host), "localhost");
	q->host[sizeof(q->host) - 1] = '\0';
	snprintf(q->token, sizeof(q->token), "%s:%ld:%lld", q->host, (long)getpid(),
		 (long long)time(NULL));
	if (q->consumer[0] == '\0') {
		uint64_t run;

		/* a run that is not random enough still differs by host and pid */
		if (getrandom(&run, sizeof(run), 0) != (ssize_t)sizeof(run))
			run = (uint64_t)time(NULL) * 1000003u ^ (uint64_t)clock();
		snprintf(q->mark_key, sizeof(q->mark_key), "%s:probe:%s:%ld:%016llx",
			 cfg->redis_queue, q->host, (long)getpid(),
			 (unsigned long long)run);
	}
	return q;
}

static void
fi_queue_release(struct fi_queue *q)
{
	if (q->last != NULL) {
		freeReplyObject(q->last);
		q->last = NULL;
	}
}

void
fi_queue_disconnect(struct fi_queue *q)
{
	fi_queue_release(q);
	if (q->c != NULL) {
		redisFree(q->c);
		q->c = NULL;
	}
}

void
fi_queue_free(struct fi_queue *q)
{
	if (q == NULL)
		return;
	fi_queue_disconnect(q);
	free(q->p);
	free(q->len);
	free(q);
}

/* Sends a command; returns any reply, error replies too, or NULL with err set. */
static redisReply *
fi_queue_send(struct fi_queue *q, int argc, const char **argv, const size_t *argvlen,
	      struct fi_err *err)
{
	redisReply *r;

	if (q->c == NULL) {
		fi_err_set(err, FI_EUNAVAIL, "redis: not connected");
		return NULL;
	}
	r = redisCommandArgv(q->c, argc, argv, argvlen);
	if (r == NULL) {
		fi_err_set(err, FI_EUNAVAIL, "redis: %s", q->c->errstr);
		fi_queue_disconnect(q);
	}
	return r;
}

/* Turns an error reply into err (and frees it); passes other replies on. */
static redisReply *
fi_queue_check(redisReply *r, struct fi_err *err)
{
	if (r != NULL && r->type == REDIS_REPLY_ERROR) {
		fi_err_set(err, FI_EREDIS, "redis: %.*s", (int)r->len, r->str);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

/* Runs a command; returns the reply (caller frees) or NULL with err set. */
static redisReply *
fi_queue_cmd(struct fi_queue *q, int argc, const char **argv, const size_t *argvlen,
	     struct fi_err *err)
{
	return fi_queue_check(fi_queue_send(q, argc, argv, argvlen, err), err);
}

/*
 * Runs a loaded script: argv is EVALSHA sha nkeys keys... args..., whose
 * first two entries are filled in here. NOSCRIPT means that redis lost its
 * script cache under our connection (SCRIPT FLUSH; a restart behind a proxy
 * that kept the connection) and ran nothing: the script goes again as EVAL
 * with its text, which redis caches again for the next EVALSHA.
 */
static redisReply *
fi_queue_script(struct fi_queue *q, int script, int argc, const char **argv,
		size_t *argvlen, struct fi_err *err)
{
	redisReply *r;

	argv[0] = "EVALSHA";
	argvlen[0] = 7;
	argv[1] = q->sha[script];
	argvlen[1] = strlen(q->sha[script]);
	r = fi_queue_send(q, argc, argv, argvlen, err);
	if (r != NULL && r->type == REDIS_REPLY_ERROR && r->len >= 8 &&
	    memcmp(r->str, "NOSCRIPT", 8) == 0) {
		freeReplyObject(r);
		fi_info("redis lost its scripts: sending the script's text");
		argv[0] = "EVAL";
		argvlen[0] = 4;
		argv[1] = fi_queue_scripts[script];
		argvlen[1] = strlen(fi_queue_scripts[script]);
		r = fi_queue_send(q, argc, argv, argvlen, err);
	}
	return fi_queue_check(r, err);
}

/* Runs a loaded script with nkeys keys and argc keys and arguments in argv. */
static redisReply *
fi_queue_eval(struct fi_queue *q, int script, int nkeys, int argc, const char **argv,
	      const size_t *argvlen, struct fi_err *err)
{
	enum { FI_QUEUE_EVAL_ARGS = 8 };
	const char *a[FI_QUEUE_EVAL_ARGS + 3];
	size_t l[FI_QUEUE_EVAL_ARGS + 3];
	char nk[8];

	if (argc > FI_QUEUE_EVAL_ARGS) {
		fi_err_set(err, FI_EINTERNAL, "too many script arguments");
		return NULL;
	}
	snprintf(nk, sizeof(nk), "%d", nkeys);
	a[2] = nk;
	l[2] = strlen(nk);
	for (int i = 0; i < argc; i++) {
		a[3 + i] = argv[i];
		l[3 + i] = argvlen ? argvlen[i] : strlen(argv[i]);
	}
	return fi_queue_script(q, script, argc + 3, a, l, err);
}

static int
fi_queue_load(struct fi_queue *q, struct fi_err *err)
{
	for (int i = 0; i < FI_LUA_COUNT; i++) {
		const char *argv[3] = {"SCRIPT", "LOAD", fi_queue_scripts[i]};
		redisReply *r = fi_queue_cmd(q, 3, argv, NULL, err);

		if (r == NULL)
			return err->code;
		if (r->type != REDIS_REPLY_STRING || r->len != 40) {
			freeReplyObject(r);
			return fi_err_set(err, FI_EREDIS,
					  "redis: SCRIPT LOAD gave no digest");
		}
		memcpy(q->sha[i], r->str, 40);
		q->sha[i][40] = '\0';
		freeReplyObject(r);
	}
	return 0;
}

/* Whether a lock value "host:pid:start" names a dead process on this host. */
static int
fi_queue_holder_dead(const struct fi_queue *q, const char *holder)
{
	size_t hl = strlen(q->host);
	const char *pid_s, *colon;
	uint64_t pid;

	if (strncmp(holder, q->host, hl) != 0 || holder[hl] != ':')
		return 0; /* another host: only the lock's expiry frees it */
	pid_s = holder + hl + 1;
	colon = strchr(pid_s, ':');
	if (colon == NULL || fi_num_u64((struct fi_str){pid_s, (size_t)(colon - pid_s)},
					1, 4194304, &pid) != 0)
		return 0;
	if ((pid_t)pid == getpid())
		return 1; /* our own pid from an earlier life (e.g. in a container) */
	return kill((pid_t)pid, 0) != 0;
}

static int
fi_queue_lock(struct fi_queue *q, struct fi_err *err)
{
	char ms[16];
	const char *argv[4];
	redisReply *r;
	char holder[256];

	snprintf(ms, sizeof(ms), "%d", FI_QUEUE_LOCK_MS);
	argv[0] = q->lock_key;
	argv[1] = q->token;
	argv[2] = ms;
	r = fi_queue_eval(q, FI_LUA_LOCK, 1, 3, argv, NULL, err);
	if (r == NULL)
		return err->code;
	if (r->type == REDIS_REPLY_INTEGER) {
		freeReplyObject(r);
		return 0;
	}
	snprintf(holder, sizeof(holder), "%.*s", (int)r->len, r->str ? r->str : "");
	freeReplyObject(r);
	if (!fi_queue_holder_dead(q, holder))
		return fi_err_set(
		    err, FI_EEXIST,
		    "consumer \"%s\" is in use by %s: give each importer its own "
		    "consumer_name",
		    q->consumer, holder);
	argv[0] = q->lock_key;
	argv[1] = holder;
	argv[2] = q->token;
	argv[3] = ms;
	r = fi_queue_eval(q, FI_LUA_STEAL, 1, 4, argv, NULL, err);
	if (r == NULL)
		return err->code;
	if (r->type != REDIS_REPLY_INTEGER || r->integer != 1) {
		freeReplyObject(r);
		return fi_err_set(err, FI_EEXIST, "consumer \"%s\": lock changed hands",
				  q->consumer);
	}
	freeReplyObject(r);
	fi_info("took over the lock of consumer \"%s\" from %s (no longer running)",
		q->consumer, holder);
	return 0;
}

int
fi_queue_connect(struct fi_queue *q, struct fi_err *err)
{
	struct timeval tv = {5, 0};
	const struct fi_config *cfg = q->cfg;
	redisReply *r;
	char db[16];

	fi_queue_disconnect(q);
	if (cfg->redis_host[0] == '/')
		q->c = redisConnectUnixWithTimeout(cfg->redis_host, tv);
	else
		q->c = redisConnectWithTimeout(cfg->redis_host, (int)cfg->redis_port, tv);
	if (q->c == NULL || q->c->err) {
		fi_err_set(err, FI_EUNAVAIL, "redis %s:%u: %s", cfg->redis_host,
			   cfg->redis_port,
			   q->c ? q->c->errstr : "cannot allocate a connection");
		fi_queue_disconnect(q);
		return FI_EUNAVAIL;
	}
	tv.tv_sec = FI_QUEUE_TIMEOUT_S;
	redisSetTimeout(q->c, tv);
	if (cfg->redis_password[0] != '\0') {
		const char *argv[2] = {"AUTH", cfg->redis_password};

		r = fi_queue_cmd(q, 2, argv, NULL, err);
		if (r == NULL)
			goto fail;
		freeReplyObject(r);
	}
	if (cfg->redis_db != 0) {
		const char *argv[2] = {"SELECT", db};

		snprintf(db, sizeof(db), "%u", cfg->redis_db);
		r = fi_queue_cmd(q, 2, argv, NULL, err);
		if (r == NULL)
			goto fail;
		freeReplyObject(r);
	}
	if (fi_queue_load(q, err) != 0)
		goto fail;
	if (q->consumer[0] != '\0' && fi_queue_lock(q, err) != 0)
		goto fail;
	return 0;
fail:
	fi_queue_disconnect(q);
	return err->code;
}

int
fi_queue_keepalive(struct fi_queue *q, struct fi_err *err)
{
	return q->consumer[0] ? fi_queue_lock(q, err) : 0;
}

void
fi_queue_unlock(struct fi_queue *q)
{
	const char *argv[2] = {q->lock_key, q->token};
	struct fi_err err;
	redisReply *r;

	if (q->c == NULL || q->consumer[0] == '\0')
		return;
	fi_err_clear(&err);
	r = fi_queue_eval(q, FI_LUA_UNLOCK, 1, 2, argv, NULL, &err);
	if (r != NULL)
		freeReplyObject(r);
}

static void
fi_queue_batch_key(const struct fi_queue *q, uint64_t id, char *key, size_t size)
{
	snprintf(key, size, "fi:batch:%s:%llu", q->consumer, (unsigned long long)id);
}

static int
fi_queue_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
fi_queue_pending(struct fi_queue *q, uint64_t *ids, size_t max, size_t *n,
		 struct fi_err *err)
{
	const char *argv[2] = {"SMEMBERS", q->set_key};
	redisReply *r = fi_queue_cmd(q, 2, argv, NULL, err);

	*n = 0;
	if (r == NULL)
		return err->code;
	for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		redisReply *e = r->element[i];
		uint64_t id;

		if (e->type != REDIS_REPLY_STRING ||
		    fi_num_u64((struct fi_str){e->str, e->len}, 1, UINT64_MAX, &id) !=
			0) {
			fi_warnx("ignoring odd member of %s", q->set_key);
			continue;
		}
		if (*n >= max) {
			freeReplyObject(r);
			return fi_err_set(err, FI_ERANGE,
					  "more than %zu unfinished batches", max);
		}
		ids[(*n)++] = id;
	}
	freeReplyObject(r);
	qsort(ids, *n, sizeof(*ids), fi_queue_cmp_u64);
	return 0;
}

/* Hands out the string elements of an array reply (kept as q->last). */
static int
fi_queue_items_of(struct fi_queue *q, redisReply *r, struct fi_queue_items *items,
		  struct fi_err *err)
{
	size_t n = r->type == REDIS_REPLY_ARRAY ? r->elements : 0;

	fi_queue_release(q);
	q->last = r;
	if (n > q->cap) {
		const char **p = realloc(q->p, n * sizeof(*p));
		size_t *len;

		if (p == NULL)
			return fi_err_set(err, FI_ENOMEM, "out of memory");
		q->p = p;
		len = realloc(q->len, n * sizeof(*len));
		if (len == NULL)
			return fi_err_set(err, FI_ENOMEM, "out of memory");
		q->len = len;
		q->cap = n;
	}
	for (size_t i = 0; i < n; i++) {
		redisReply *e = r->element[i];

		q->p[i] = e->type == REDIS_REPLY_STRING ? e->str : "";
		q->len[i] = e->type == REDIS_REPLY_STRING ? e->len : 0;
	}
	items->n = n;
	items->p = q->p;
	items->len = q->len;
	return 0;
}

int
fi_queue_read(struct fi_queue *q, uint64_t id, size_t start, size_t count,
	      struct fi_queue_items *items, struct fi_err *err)
{
	char key[FI_QUEUE_KEY_MAX], a[24], b[24];
	const char *argv[4] = {"LRANGE", key, a, b};
	redisReply *r;

	fi_queue_batch_key(q, id, key, sizeof(key));
	snprintf(a, sizeof(a), "%zu", start);
	snprintf(b, sizeof(b), "%zu", start + count - 1);
	r = fi_queue_cmd(q, 4, argv, NULL, err);
	if (r == NULL)
		return err->code;
	return fi_queue_items_of(q, r, items, err);
}

int
fi_queue_take(struct fi_queue *q, uint64_t id, size_t max, unsigned wait_ms,
	      struct fi_queue_items *items, struct fi_err *err)
{
	char key[FI_QUEUE_KEY_MAX], smax[24], sid[24], timeout[24];
	const char *argv[5] = {q->cfg->redis_queue, key, q->set_key, smax, sid};
	redisReply *r;
	int rc;

	fi_queue_batch_key(q, id, key, sizeof(key));
	snprintf(smax, sizeof(smax), "%zu", max);
	snprintf(sid, sizeof(sid), "%llu", (unsigned long long)id);
	r = fi_queue_eval(q, FI_LUA_TAKE, 3, 5, argv, NULL, err);
	if (r == NULL)
		return err->code;
	rc = fi_queue_items_of(q, r, items, err);
	if (rc != 0 || items->n > 0 || wait_ms == 0)
		return rc;
	/*
	 * Empty: block for one element. The batch is put in the set first, so a
	 * crash right after the move still finds it.
	 */
	{
		const char *sadd[3] = {"SADD", q->set_key, sid};
		const char *blmove[6] = {
		    "BLMOVE", q->cfg->redis_queue, key, "LEFT", "RIGHT", timeout};

		r = fi_queue_cmd(q, 3, sadd, NULL, err);
		if (r == NULL)
			return err->code;
		freeReplyObject(r);
		snprintf(timeout, sizeof(timeout), "%.3f", wait_ms / 1000.0);
		r = fi_queue_cmd(q, 6, blmove, NULL, err);
		if (r == NULL)
			return err->code;
		if (r->type != REDIS_REPLY_STRING) {
			freeReplyObject(r);
			items->n = 0;
			return 0;
		}
		/* present it as a one-element array */
		{
			redisReply *arr = calloc(1, sizeof(*arr));
			redisReply **el = calloc(1, sizeof(*el));

			if (arr == NULL || el == NULL) {
				free(arr);
				free(el);
				freeReplyObject(r);
				return fi_err_set(err, FI_ENOMEM, "out of memory");
			}
			arr->type = REDIS_REPLY_ARRAY;
			arr->elements = 1;
			arr->element = el;
			el[0] = r;
			return fi_queue_items_of(q, arr, items, err);
		}
	}
}

int
fi_queue_done(struct fi_queue *q, uint64_t id, const struct fi_buf *dead, size_t ndead,
	      struct fi_err *err)
{
	/* EVALSHA sha 3 batch-list batch-set dead-list id dead-letter... */
	enum { FIXED = 7 };
	char key[FI_QUEUE_KEY_MAX], sid[24];
	size_t argc = FIXED + ndead;
	const char **argv = calloc(argc, sizeof(*argv));
	size_t *argvlen = calloc(argc, sizeof(*argvlen));
	const char *p = dead != NULL ? dead->data : NULL;
	redisReply *r;

	if (argv == NULL || argvlen == NULL) {
		free(argv);
		free(argvlen);
		return fi_err_set(err, FI_ENOMEM, "out of memory");
	}
	fi_queue_batch_key(q, id, key, sizeof(key));
	snprintf(sid, sizeof(sid), "%llu", (unsigned long long)id);
	argv[2] = "3";
	argv[3] = key;
	argv[4] = q->set_key;
	argv[5] = q->cfg->redis_dead_queue;
	argv[6] = sid;
	for (size_t i = 2; i < FIXED; i++)
		argvlen[i] = strlen(argv[i]);
	for (size_t i = 0; i < ndead; i++) {
		argv[FIXED + i] = p;
		argvlen[FIXED + i] = strlen(p);
		p += argvlen[FIXED + i] + 1;
	}
	r = fi_queue_script(q, FI_LUA_DONE, (int)argc, argv, argvlen, err);
	free(argv);
	free(argvlen);
	if (r == NULL)
		return err->code;
	freeReplyObject(r);
	return 0;
}

long long
fi_queue_length(struct fi_queue *q)
{
	const char *argv[2] = {"LLEN", q->cfg->redis_queue};
	struct fi_err err;
	redisReply *r;
	long long n = -1;

	fi_err_clear(&err);
	r = fi_queue_cmd(q, 2, argv, NULL, &err);
	if (r == NULL)
		return -1;
	if (r->type == REDIS_REPLY_INTEGER)
		n = r->integer;
	freeReplyObject(r);
	return n;
}

/* The arguments of one push: EVALSHA sha 2 queue mark seq ttl max element... */
struct fi_queue_pushargs {
	char seq[24], ttl[24], max[24];
	const char **a;
	size_t *l;
	int argc;
};

enum { FI_QUEUE_PUSH_FIXED = 8 };

static int
fi_queue_push_args(struct fi_queue *q, struct fi_queue_pushargs *pa, uint64_t seq,
		   const char *const *p, const size_t *len, size_t n, long long max_len,
		   struct fi_err *err)
{
	enum { FIXED = FI_QUEUE_PUSH_FIXED };

	if (q->mark_key[0] == '\0')
		return fi_err_set(err, FI_EINTERNAL, "push on a consumer's queue handle");
	if (q->c == NULL)
		return fi_err_set(err, FI_EUNAVAIL, "redis: not connected");
	if (n > (size_t)INT_MAX - FIXED)
		return fi_err_set(err, FI_ERANGE, "too many elements in one push");
	pa->a = malloc((FIXED + n) * sizeof(*pa->a));
	pa->l = malloc((FIXED + n) * sizeof(*pa->l));
	if (pa->a == NULL || pa->l == NULL) {
		free(pa->a);
		free(pa->l);
		return fi_err_set(err, FI_ENOMEM, "out of memory");
	}
	snprintf(pa->seq, sizeof(pa->seq), "%llu", (unsigned long long)seq);
	snprintf(pa->ttl, sizeof(pa->ttl), "%d", FI_QUEUE_MARK_TTL_S);
	snprintf(pa->max, sizeof(pa->max), "%lld", max_len > 0 ? max_len : 0);
	pa->a[0] = "EVALSHA";
	pa->a[1] = q->sha[FI_LUA_PUSH];
	pa->a[2] = "2";
	pa->a[3] = q->cfg->redis_queue;
	pa->a[4] = q->mark_key;
	pa->a[5] = pa->seq;
	pa->a[6] = pa->ttl;
	pa->a[7] = pa->max;
	for (size_t i = 0; i < FIXED; i++)
		pa->l[i] = strlen(pa->a[i]);
	for (size_t i = 0; i < n; i++) {
		pa->a[FIXED + i] = p[i];
		pa->l[FIXED + i] = len[i];
	}
	pa->argc = (int)(FIXED + n);
	return 0;
}

static void
fi_queue_push_args_free(struct fi_queue_pushargs *pa)
{
	free(pa->a);
	free(pa->l);
}

/*
 * The push script's reply: 0 pushed (or skipped: pushed before), 1 not
 * pushed (the queue is full, or redis lost the script), or a negative code.
 * Frees r.
 */
static int
fi_queue_push_reply(redisReply *r, uint64_t seq, struct fi_err *err)
{
	int rc = 0;

	if (r->type == REDIS_REPLY_ERROR && r->len >= 8 &&
	    memcmp(r->str, "NOSCRIPT", 8) == 0)
		rc = 1;
	else if (r->type == REDIS_REPLY_ERROR)
		rc = fi_err_set(err, FI_EREDIS, "redis: %.*s", (int)r->len, r->str);
	else if (r->type != REDIS_REPLY_INTEGER)
		rc = fi_err_set(err, FI_EREDIS, "redis: odd reply to a push");
	else if (r->integer < 0)
		rc = 1;
	else if (r->integer == 0)
		fi_info("batch %llu was pushed already (its reply was lost)",
			(unsigned long long)seq);
	freeReplyObject(r);
	return rc;
}

int
fi_queue_push(struct fi_queue *q, uint64_t seq, const char *const *p, const size_t *len,
	      size_t n, long long max_len, struct fi_err *err)
{
	struct fi_queue_pushargs pa;
	int rc = fi_queue_push_args(q, &pa, seq, p, len, n, max_len, err);

	if (rc != 0)
		return rc;
	/* one script call per try: the whole batch or nothing, and never twice */
	for (;;) {
		redisReply *r = fi_queue_script(q, FI_LUA_PUSH, pa.argc, pa.a, pa.l, err);

		if (r == NULL) {
			rc = err->code;
			break;
		}
		rc = fi_queue_push_reply(r, seq, err);
		if (rc <= 0)
			break;
		/* back-pressure: the queue is full; wait with LLEN, not the batch */
		rc = 0;
		for (;;) {
			long long cur;

			usleep(FI_QUEUE_PUSH_WAIT_US);
			cur = fi_queue_length(q);
			if (cur < 0) {
				rc = fi_err_set(err, FI_EUNAVAIL,
						"redis: cannot read the queue length");
				break;
			}
			if (cur < max_len)
				break;
		}
		if (rc != 0)
			break;
	}
	fi_queue_push_args_free(&pa);
	return rc;
}

int
fi_queue_push_send(struct fi_queue *q, uint64_t seq, const char *const *p,
		   const size_t *len, size_t n, long long max_len, struct fi_err *err)
{
	struct fi_queue_pushargs pa;
	int rc = fi_queue_push_args(q, &pa, seq, p, len, n, max_len, err);
	int done = 0;

	if (rc != 0)
		return rc;
	/* hiredis copies the command into its output buffer */
	if (redisAppendCommandArgv(q->c, pa.argc, pa.a, pa.l) != REDIS_OK)
		rc = FI_EUNAVAIL;
	fi_queue_push_args_free(&pa);
	while (rc == 0 && !done)
		if (redisBufferWrite(q->c, &done) != REDIS_OK)
			rc = FI_EUNAVAIL;
	if (rc != 0) {
		fi_err_set(err, rc, "redis: %s", q->c->errstr);
		fi_queue_disconnect(q); /* drops what was not sent */
		return rc;
	}
	q->push_seq = seq;
	return 0;
}

int
fi_queue_push_recv(struct fi_queue *q, struct fi_err *err)
{
	redisReply *reply = NULL;
	int rc, noscript;

	if (q->c == NULL)
		return fi_err_set(err, FI_EUNAVAIL, "redis: not connected");
	if (redisGetReply(q->c, (void **)&reply) != REDIS_OK) {
		fi_err_set(err, FI_EUNAVAIL, "redis: %s", q->c->errstr);
		fi_queue_disconnect(q);
		return FI_EUNAVAIL;
	}
	noscript = reply->type == REDIS_REPLY_ERROR && reply->len >= 8 &&
		   memcmp(reply->str, "NOSCRIPT", 8) == 0;
	rc = fi_queue_push_reply(reply, q->push_seq, err);
	if (rc == 1 && noscript) {
		/* load them again, so that the push that follows finds its script */
		fi_info("redis lost its scripts: loading them again");
		if (fi_queue_load(q, err) != 0) {
			fi_queue_disconnect(q);
			return err->code;
		}
	}
	return rc;
}

void
fi_queue_push_end(struct fi_queue *q)
{
	const char *argv[2] = {"DEL", q->mark_key};
	struct fi_err err;
	redisReply *r;

	if (q->c == NULL || q->mark_key[0] == '\0')
		return;
	fi_err_clear(&err);
	r = fi_queue_cmd(q, 2, argv, NULL, &err);
	if (r != NULL)
		freeReplyObject(r);
}
