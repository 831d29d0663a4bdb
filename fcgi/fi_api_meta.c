/*
 * fi_api_meta.c: /api/meta (the configuration the pages need, the data range
 * of each bucket size, the time of the last import) and /api/health (the
 * database answers).
 */
#include "fi_api_int.h"

static const char fi_api_meta_sql_ping[] = "SELECT 1";
/* the importers record every committed batch and source mark with a time */
static const char fi_api_meta_sql_last_batch[] =
    "SELECT UNIX_TIMESTAMP(MAX(committed_at)) FROM fi_batches";
static const char fi_api_meta_sql_last_mark[] =
    "SELECT UNIX_TIMESTAMP(MAX(updated_at)) FROM fi_source_marks";

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
		rc = fi_api_run_range(r, cfg->bucket_sizes[i], &p);
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
	fi_jsonw_key(&r->w, "last_import");
	if (have_last)
		fi_jsonw_uint(&r->w, last);
	else
		fi_jsonw_null(&r->w);
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
