/*
 * fi_api_meta.c: /api/meta (the configuration the pages need, the data range
 * and roll-up state of each bucket size, the time of the last import) and
 * /api/health (the database answers).
 */
#include "fi_api_int.h"
#include "fi_clock.h"

static const char fi_api_meta_sql_ping[] = "SELECT 1";
/* the importers record every committed batch and source mark with a time */
static const char fi_api_meta_sql_last_batch[] =
    "SELECT UNIX_TIMESTAMP(MAX(committed_at)) FROM fi_batches";
static const char fi_api_meta_sql_last_mark[] =
    "SELECT UNIX_TIMESTAMP(MAX(updated_at)) FROM fi_source_marks";
/* how far the roll-up has got (fi_api_rollup.c): the marks of a size, and
 * the oldest of them whose bucket has ended (open buckets stay marked) */
static const char fi_api_meta_sql_pending[] =
    "SELECT COUNT(*), MIN(IF(bucket + "; /* ? <= UNIX_TIMESTAMP() ... */
static const char fi_api_meta_sql_pending_end[] =
    " <= UNIX_TIMESTAMP(), bucket, NULL)) FROM fi_rollup_dirty WHERE size = ";
/* the newest bucket with data and no mark: a backward scan past the marked */
static const char fi_api_meta_sql_rolled[] =
    "SELECT t.bucket FROM totals_%u t WHERE NOT EXISTS (SELECT 1 FROM "
    "fi_rollup_dirty e WHERE e.bucket = t.bucket AND e.size = ";
static const char fi_api_meta_sql_rolled_end[] = ") ORDER BY t.bucket DESC LIMIT 1";

/* Writes the member key: the value, or null. */
static void
fi_api_meta_opt(struct fi_jsonw *w, const char *key, int have, uint64_t v)
{
	fi_jsonw_key(w, key);
	if (have)
		fi_jsonw_uint(w, v);
	else
		fi_jsonw_null(w);
}

/*
 * The "rollup" member of a size: pending (buckets marked), oldest_pending
 * (the oldest marked bucket that has ended), newest_rolled (the newest
 * bucket with data that is rolled up).
 */
static int
fi_api_meta_rollup(struct fi_req *r, uint32_t size)
{
	struct fi_sqlb *b = &r->api->sb;
	struct fi_api_pair pending, rolled;
	int rc;

	fi_sqlb_reset(b);
	fi_sqlb_add(b, fi_api_meta_sql_pending);
	fi_sqlb_u64(b, size);
	fi_sqlb_add(b, fi_api_meta_sql_pending_end);
	fi_sqlb_u64(b, size);
	rc = fi_api_run_pair(r, &pending);
	if (rc != 0)
		return rc;
	fi_sqlb_reset(b);
	fi_sqlb_addf(b, fi_api_meta_sql_rolled, size);
	fi_sqlb_u64(b, size);
	fi_sqlb_add(b, fi_api_meta_sql_rolled_end);
	rc = fi_api_run_pair(r, &rolled);
	if (rc != 0)
		return rc;
	fi_jsonw_key(&r->w, "rollup");
	fi_jsonw_obj_begin(&r->w);
	fi_api_meta_opt(&r->w, "pending", 1, pending.v[0]);
	fi_api_meta_opt(&r->w, "oldest_pending", pending.have[1], pending.v[1]);
	fi_api_meta_opt(&r->w, "newest_rolled", rolled.have[0], rolled.v[0]);
	fi_jsonw_obj_end(&r->w);
	return 0;
}

/* One member of "sizes": the size, its retention, data range and roll-up. */
static int
fi_api_meta_size(struct fi_req *r, unsigned i)
{
	const struct fi_config *cfg = r->api->cfg;
	struct fi_api_pair p;
	int rc;

	rc = fi_api_run_range(r, cfg->bucket_sizes[i], &p);
	if (rc != 0)
		return rc;
	fi_jsonw_obj_begin(&r->w);
	fi_jsonw_key(&r->w, "bucket_size");
	fi_jsonw_uint(&r->w, cfg->bucket_sizes[i]);
	fi_jsonw_key(&r->w, "retention_days");
	fi_jsonw_uint(&r->w, cfg->retention_days[i]);
	fi_api_meta_opt(&r->w, "min_bucket", p.have[0], p.v[0]);
	fi_api_meta_opt(&r->w, "max_bucket", p.have[1], p.v[1]);
	rc = fi_api_meta_rollup(r, cfg->bucket_sizes[i]);
	fi_jsonw_obj_end(&r->w);
	return rc;
}

/* the heartbeat row and the server's own clock, both in ms */
static const char fi_api_meta_sql_heartbeat[] =
    "SELECT ts_ms, ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000) FROM fi_heartbeat WHERE id = 1";

int
fi_api_meta_fresh(struct fi_req *r)
{
	struct fi_sqlb *b = &r->api->sb;
	struct fi_api_pair p;
	int rc;

	r->lag_ms = -1;
	fi_sqlb_reset(b);
	fi_sqlb_add(b, fi_api_meta_sql_heartbeat);
	rc = fi_api_run_pair(r, &p);
	if (rc == FI_EUNAVAIL)
		return rc;
	if (rc != 0 || !p.have[0] || !p.have[1] || p.v[0] == 0) {
		/* no heartbeat (a schema before 0006): answer without one */
		fi_err_clear(&r->api->dberr);
		r->api->dbfault = FI_DB_FAULT_NONE;
		return 0;
	}
	r->resp->data_as_of_ms = (int64_t)p.v[0];
	r->lag_ms = p.v[1] > p.v[0] ? (int64_t)(p.v[1] - p.v[0]) : 0;
	return 0;
}

/* "data_as_of" and "replica_lag_s" of the heartbeat read for this request. */
static void
fi_api_meta_freshness(struct fi_req *r)
{
	char when[32], lag[64];
	int n;

	fi_jsonw_key(&r->w, "data_as_of");
	if (r->lag_ms < 0) {
		fi_jsonw_null(&r->w);
		fi_jsonw_key(&r->w, "replica_lag_s");
		fi_jsonw_null(&r->w);
		return;
	}
	fi_jsonw_cstr(&r->w,
		      fi_api_http_time(r->resp->data_as_of_ms, when, sizeof(when)));
	n = snprintf(lag, sizeof(lag), "\"replica_lag_s\":%lld.%03lld",
		     (long long)(r->lag_ms / 1000), (long long)(r->lag_ms % 1000));
	fi_jsonw_members(&r->w, lag, (size_t)n);
}

int
fi_api_meta(struct fi_req *r)
{
	const struct fi_config *cfg = r->api->cfg;
	struct fi_sqlb *b = &r->api->sb;
	struct fi_api_pair p;
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
		rc = fi_api_meta_size(r, i);
		if (rc != 0)
			return rc;
	}
	fi_jsonw_arr_end(&r->w);
	/* the importers record every committed batch and source mark with a time */
	for (int i = 0; i < 2; i++) {
		fi_sqlb_reset(b);
		fi_sqlb_add(b, i == 0 ? fi_api_meta_sql_last_batch
				      : fi_api_meta_sql_last_mark);
		rc = fi_api_run_pair(r, &p);
		if (rc == FI_EUNAVAIL)
			return rc;
		if (rc == 0 && p.have[0] && (!have_last || p.v[0] > last)) {
			last = p.v[0];
			have_last = 1;
		}
	}
	fi_api_meta_opt(&r->w, "last_import", have_last, last);
	fi_api_meta_freshness(r);
	fi_jsonw_key(&r->w, "max_replica_lag");
	fi_jsonw_uint(&r->w, r->api->cfg->max_replica_lag);
	fi_geo_maybe_reload(r->api->geo, fi_clock_ms());
	fi_jsonw_key(&r->w, "geo");
	fi_jsonw_obj_begin(&r->w);
	fi_api_geo_databases(r);
	fi_jsonw_obj_end(&r->w);
	fi_jsonw_obj_end(&r->w);
	return 0;
}

int
fi_api_meta_health(struct fi_req *r)
{
	struct fi_sqlb *b = &r->api->sb;
	struct fi_api_pair p;
	int rc;

	fi_sqlb_reset(b);
	fi_sqlb_add(b, fi_api_meta_sql_ping);
	rc = fi_api_run_pair(r, &p);
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
