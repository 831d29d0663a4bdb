/*
 * fi_api_route.c: routing. One table lists every route: its path, the
 * names that may follow it, the parameters it takes, the check it makes
 * before the database is asked, and its handler. fi_api_handle answers a
 * request through it.
 */
#include <string.h>

#include "fi_api_int.h"
#include "fi_clock.h"
#include "fi_gate.h"

/* Parameters of the query routes, and those each route takes. */
#define FI_API_TAKES_ALL   (~0u)
#define FI_API_TAKES_QUERY (~(unsigned)(FI_QP_HILBERT | FI_QP_GEO))
/* fields, biflow and black_others only with aggregate (fi_api_index_check) */
#define FI_API_TAKES_INDEX FI_API_TAKES_QUERY
/* /api/geo: the node index's parameters, paged, and its own */
#define FI_API_TAKES_GEO                                                                 \
	(FI_QP_START_BUCKET | FI_QP_END_BUCKET | FI_QP_BUCKET_SIZE | FI_QP_RESOLUTION |  \
	 FI_QP_INCLUDE_PROTOS | FI_QP_EXCLUDE_PROTOS | FI_QP_VALUE | FI_QP_DIRECTION |   \
	 FI_QP_LIMIT | FI_QP_OFFSET | FI_QP_GEO)
/* the node index has no addresses or ports of flows and no rows to sort */
#define FI_API_TAKES_HILBERT                                                             \
	(FI_QP_START_BUCKET | FI_QP_END_BUCKET | FI_QP_BUCKET_SIZE | FI_QP_RESOLUTION |  \
	 FI_QP_INCLUDE_PROTOS | FI_QP_EXCLUDE_PROTOS | FI_QP_HILBERT)

/* A route under /api/. */
struct fi_api_route {
	const char *path;	  /* without a trailing slash */
	const char *const *names; /* names that follow "path/", NULL: none */
	unsigned takes;		  /* the FI_QP_* parameters it takes */
	unsigned owns;		  /* those no other route takes */
	const char *who;	  /* how a refused parameter's 400 names it */
	fi_api_step_fn check;	  /* checks before the database is asked, or NULL */
	fi_api_step_fn handle;	  /* writes the answer */
};

static const char *const fi_api_route_index_names[] = {"nodes", "ports", NULL};

static const struct fi_api_route fi_api_routes[] = {
    {"/api/bucket/query", NULL, FI_API_TAKES_QUERY, 0, "/api/bucket/query", NULL,
     fi_api_bucket_query},
    {"/api/meta", NULL, FI_API_TAKES_ALL, 0, "/api/meta", NULL, fi_api_meta},
    {"/api/health", NULL, FI_API_TAKES_ALL, 0, "/api/health", NULL, fi_api_meta_health},
    {"/api/hilbert", NULL, FI_API_TAKES_HILBERT, FI_QP_HILBERT, "/api/hilbert",
     fi_api_hilbert_check, fi_api_hilbert},
    {"/api/geo", NULL, FI_API_TAKES_GEO, FI_QP_GEO | FI_QP_VALUE | FI_QP_DIRECTION,
     "/api/geo", fi_api_geo_check, fi_api_geo},
    {"/api/dynamic/index", fi_api_route_index_names, FI_API_TAKES_INDEX, 0, "the index",
     fi_api_index_check, fi_api_index_dynamic},
    {"/api/index", fi_api_route_index_names, FI_API_TAKES_INDEX, 0, "the index",
     fi_api_index_check, fi_api_index_all},
};

#define FI_API_NROUTES (sizeof(fi_api_routes) / sizeof(fi_api_routes[0]))

/*
 * The parameters some route refuses, in the order a request that gives
 * several is answered: another route's own parameters first.
 */
static const unsigned fi_api_route_refusable[] = {
    FI_QP_BY,		FI_QP_COUNTRY,	   FI_QP_ASN,		FI_QP_PREFIX,
    FI_QP_DEPTH,	FI_QP_VALUE,	   FI_QP_DIRECTION,	FI_QP_LIMIT,
    FI_QP_OFFSET,	FI_QP_SORT,	   FI_QP_FIELDS,	FI_QP_AGGREGATE,
    FI_QP_INCLUDE_IPS,	FI_QP_EXCLUDE_IPS, FI_QP_INCLUDE_PORTS, FI_QP_EXCLUDE_PORTS,
    FI_QP_BLACK_OTHERS, FI_QP_BIFLOW,	   FI_QP_COUNT};

/* Whether s is prefix followed by "/" and a name (no further "/"). */
static int
fi_api_route_named(struct fi_str s, const char *prefix, struct fi_str *name)
{
	size_t n = strlen(prefix);

	if (s.n < n + 2 || memcmp(s.p, prefix, n) != 0 || s.p[n] != '/')
		return 0;
	*name = (struct fi_str){s.p + n + 1, s.n - n - 1};
	return memchr(name->p, '/', name->n) == NULL;
}

/*
 * The route of path (one trailing slash ignored, as the original answered
 * both forms), or NULL; *name is what follows a route with names.
 */
static const struct fi_api_route *
fi_api_route_find(struct fi_str path, struct fi_str *name)
{
	if (path.n > 1 && path.p[path.n - 1] == '/')
		path.n--;
	*name = (struct fi_str){NULL, 0};
	for (size_t i = 0; i < FI_API_NROUTES; i++) {
		const struct fi_api_route *rt = &fi_api_routes[i];

		if (rt->names == NULL ? fi_str_eq(path, rt->path)
				      : fi_api_route_named(path, rt->path, name))
			return rt;
	}
	return NULL;
}

/* The position of name among the route's names; -1 when it has none such. */
static int
fi_api_route_name(const struct fi_api_route *rt, struct fi_str name)
{
	for (int i = 0; rt->names != NULL && rt->names[i] != NULL; i++)
		if (fi_str_eq(name, rt->names[i]))
			return i;
	return rt->names == NULL ? 0 : -1;
}

/* The 400 of a parameter the route does not take. */
static int
fi_api_route_refused(struct fi_req *r, const struct fi_api_route *rt, unsigned bit)
{
	const char *name = fi_query_param_name(bit), *owner[2] = {NULL, NULL};
	unsigned n = 0;

	/* a parameter other routes own is "only supported by" them (one or two) */
	for (size_t k = 0; k < FI_API_NROUTES && n < 2; k++)
		if (fi_api_routes[k].owns & bit)
			owner[n++] = fi_api_routes[k].who;
	if (n > 0)
		return fi_err_set(&r->err, FI_EINVAL,
				  "Param %s is only supported by %s%s%s.", name, owner[0],
				  n > 1 ? " and " : "", n > 1 ? owner[1] : "");
	return fi_err_set(&r->err, FI_EINVAL, "Param %s is not supported by %s.", name,
			  rt->who);
}

/* Refuses the first parameter given that the route does not take. */
static int
fi_api_route_refuse(struct fi_req *r, const struct fi_api_route *rt)
{
	unsigned refused = r->q->have & ~rt->takes;

	if (refused == 0)
		return 0;
	for (size_t i = 0;
	     i < sizeof(fi_api_route_refusable) / sizeof(fi_api_route_refusable[0]); i++)
		if (refused & fi_api_route_refusable[i])
			return fi_api_route_refused(r, rt, fi_api_route_refusable[i]);
	/* a parameter missing from the list above: the lowest bit */
	return fi_api_route_refused(r, rt, refused & -refused);
}

/*
 * Parses the query and checks it against the route (before the database is
 * asked); sets the rows to fetch. Returns 0 or a code with r->err set.
 */
static int
fi_api_route_prepare(struct fi_req *r, const struct fi_api_route *rt, struct fi_str query)
{
	const struct fi_config *cfg = r->api->cfg;
	struct fi_query *q = r->api->q;
	int rc;

	rc = fi_query_parse(query, cfg->bucket_sizes, cfg->n_bucket_sizes, q, &r->err);
	if (rc == 0)
		rc = fi_api_route_refuse(r, rt);
	if (rc == 0 && rt->check != NULL)
		rc = rt->check(r);
	if (rc != 0)
		return rc;
	/* one row more than max_rows is fetched to tell a cut answer */
	r->max = q->limit != 0 && q->limit < cfg->max_rows ? q->limit : cfg->max_rows;
	r->fetch = r->max == q->limit ? r->max : r->max + 1;
	return 0;
}

/* Answers with the route's handler on a live connection. */
static void
fi_api_route_answer(struct fi_req *r, const struct fi_api_route *rt, struct fi_str inm)
{
	struct fi_api *api = r->api;
	int rc, jrc;

	fi_jsonw_init(&r->w, &r->resp->body);
	if (r->q->geotag) {
		fi_geo_maybe_reload(api->geo, fi_clock_ms());
		fi_api_row_geotag(api->geo);
	}
	rc = rt->handle(r);
	fi_api_row_geotag(NULL);
	if (r->admitted)
		fi_gate_leave(api->gate, api->gate_slot);
	jrc = fi_jsonw_error(&r->w);
	if (rc == 0 && jrc != 0)
		rc = jrc;
	if (rc != 0)
		fi_api_http_fail(r, rc);
	else
		fi_api_http_done(r->resp, inm);
}

/*
 * max_replica_lag: a database whose heartbeat is further behind makes every
 * route but /api/meta (which shows the lag) answer 503 with Retry-After, so
 * that nginx asks another responder. Returns 1 when answered so.
 */
static int
fi_api_route_lagging(struct fi_req *r, const struct fi_api_route *rt)
{
	unsigned max = r->api->cfg->max_replica_lag;
	char msg[160];

	if (max == 0 || r->lag_ms <= (int64_t)max * 1000 || rt->handle == fi_api_meta)
		return 0;
	snprintf(msg, sizeof(msg),
		 "This database lags %lld s behind the primary (max_replica_lag = %u s).",
		 (long long)(r->lag_ms / 1000), max);
	r->resp->retry_after = 5;
	fi_api_http_error(r->resp, 503, msg);
	return 1;
}

void
fi_api_handle(struct fi_api *api, struct fi_str method, struct fi_str path,
	      struct fi_str query, struct fi_str inm, struct fi_api_response *resp)
{
	const struct fi_api_route *rt;
	struct fi_str name;
	struct fi_req r;
	int i;

	fi_api_http_begin(resp);
	memset(&r, 0, sizeof(r));
	r.api = api;
	r.resp = resp;
	r.q = api->q;
	fi_err_clear(&api->dberr);
	api->dbfault = FI_DB_FAULT_NONE;

	rt = fi_api_route_find(path, &name);
	if (rt == NULL) {
		fi_api_http_error(resp, 404, "Not found.");
		return;
	}
	if (!fi_str_eq(method, "GET") && !fi_str_eq(method, "HEAD")) {
		resp->allow = "GET, HEAD";
		fi_api_http_error(resp, 405, "Method not allowed; use GET.");
		return;
	}
	i = fi_api_route_name(rt, name);
	if (i < 0) {
		fi_api_http_error(resp, 404, "Index name not known.");
		return;
	}
	r.name = (unsigned)i;
	if (fi_api_route_prepare(&r, rt, query) != 0) {
		fi_api_http_error(resp, 400, r.err.msg);
		return;
	}
	if (fi_api_db_connect(api) != 0 || fi_api_meta_fresh(&r) != 0) {
		resp->retry_after = 5;
		fi_api_http_error(resp, 503, "The database is not available.");
		return;
	}
	if (fi_api_route_lagging(&r, rt))
		return;
	fi_api_route_answer(&r, rt, inm);
}
