/*
 * test_api.c: the answers fi_api gives before it needs the database (routes,
 * methods, bad parameters) and when the database cannot be reached: the
 * status, the JSON error, the headers. The database answers themselves are
 * tested through nginx by tests/api/.
 */
#include "fi_api.h"
#include "fi_err.h"
#include "fi_test.h"

static struct fi_api *api;
static struct fi_api_response resp;

static void
get(const char *method, const char *path, const char *query)
{
	fi_api_handle(api, (struct fi_str){method, strlen(method)},
		      (struct fi_str){path, strlen(path)},
		      (struct fi_str){query, strlen(query)}, FI_STR(""), &resp);
}

static void
test_routes(void)
{
	get("GET", "/api/nothing", "");
	CHECK_INT(resp.status, 404);
	CHECK_STR(resp.body.data, "{\"error\":\"Not found.\"}");
	get("GET", "/api/index/hosts", "");
	CHECK_INT(resp.status, 404);
	CHECK_STR(resp.body.data, "{\"error\":\"Index name not known.\"}");
	get("GET", "/api/dynamic/index/", "");
	CHECK_INT(resp.status, 404);
	get("GET", "/api/index/nodes/extra", "");
	CHECK_INT(resp.status, 404);
	get("POST", "/api/bucket/query", "");
	CHECK_INT(resp.status, 405);
	CHECK_STR(resp.allow, "GET, HEAD");
	CHECK_CONTAINS(resp.body.data, "\"error\":");
	get("DELETE", "/api/index/nodes/", "");
	CHECK_INT(resp.status, 405);
}

static void
test_bad_params(void)
{
	get("GET", "/api/bucket/query", "limit=abc");
	CHECK_INT(resp.status, 400);
	CHECK_STR(resp.body.data, "{\"error\":\"Param limit has to be an integer.\"}");
	get("GET", "/api/bucket/query/", "include_ports=http");
	CHECK_INT(resp.status, 400);
	CHECK_STR(resp.body.data, "{\"error\":\"Ports have to be integers.\"}");
	get("GET", "/api/dynamic/index/nodes", "bucket_size=7");
	CHECK_INT(resp.status, 400);
	CHECK_STR(resp.body.data, "{\"error\":\"This bucket size is not available.\"}");
	get("GET", "/api/index/ports", "sort=flows%22%00");
	CHECK_INT(resp.status, 400);
	CHECK_STR(resp.body.data,
		  "{\"error\":\"Param sort contains a control character.\"}");
	get("GET", "/api/index/ports", "sort=fl%22ows");
	CHECK_STR(resp.body.data,
		  "{\"error\":\"Param sort: unknown field \\\"fl\\\"ows\\\".\"}");
	CHECK_STR(resp.etag, "");
}

/* The map's parameters are checked before the database is asked. */
static void
test_hilbert_params(void)
{
	get("GET", "/api/hilbert", "prefix=10.0.0.0/8&depth=7");
	CHECK_INT(resp.status, 400);
	CHECK_STR(resp.body.data, "{\"error\":\"Param depth has to be at least the "
				  "prefix length (8).\"}");
	get("GET", "/api/hilbert/", "depth=22");
	CHECK_INT(resp.status, 400);
	CHECK_CONTAINS(resp.body.data, "Param depth asks for 2^22 cells");
	get("GET", "/api/hilbert", "include_protos=47");
	CHECK_INT(resp.status, 400);
	CHECK_CONTAINS(resp.body.data, "take whole classes");
	get("GET", "/api/hilbert", "include_ports=80");
	CHECK_INT(resp.status, 400);
	CHECK_STR(resp.body.data, "{\"error\":\"Param include_ports is not supported "
				  "by /api/hilbert.\"}");
	get("GET", "/api/bucket/query", "depth=16");
	CHECK_INT(resp.status, 400);
	CHECK_STR(resp.body.data, "{\"error\":\"Param depth is only supported by "
				  "/api/hilbert.\"}");
	/* good parameters get as far as the database */
	get("GET", "/api/hilbert",
	    "prefix=2001:db8::/32&depth=48&include_protos=tcp,icmp");
	CHECK_INT(resp.status, 503);
	get("POST", "/api/hilbert", "");
	CHECK_INT(resp.status, 405);
}

/* The route table refuses what a route does not take, before the database. */
static void
test_route_params(void)
{
	get("GET", "/api/index/nodes", "fields=flows");
	CHECK_INT(resp.status, 400);
	CHECK_STR(resp.body.data,
		  "{\"error\":\"Param fields is not supported by the index without "
		  "aggregate.\"}");
	get("GET", "/api/dynamic/index/ports/", "black_others=0");
	CHECK_STR(resp.body.data,
		  "{\"error\":\"Param black_others is not supported by the index without "
		  "aggregate.\"}");
	/* another route's own parameter is named first */
	get("GET", "/api/index/nodes", "aggregate=port&value=bytes");
	CHECK_STR(resp.body.data, "{\"error\":\"Param value is only supported by "
				  "/api/hilbert and /api/geo.\"}");
	get("GET", "/api/hilbert", "count=1&offset=2&limit=1");
	CHECK_STR(resp.body.data,
		  "{\"error\":\"Param limit is not supported by /api/hilbert.\"}");
	/* meta and health take (and ignore) every parameter */
	get("GET", "/api/meta", "fields=flows&depth=3");
	CHECK_INT(resp.status, 503);
	get("GET", "/api/health/", "limit=1");
	CHECK_INT(resp.status, 503);
}

static void
test_unavailable(void)
{
	struct fi_buf head;

	get("GET", "/api/bucket/query", "limit=3");
	CHECK_INT(resp.status, 503);
	CHECK_STR(resp.body.data, "{\"error\":\"The database is not available.\"}");
	CHECK_INT(resp.retry_after, 5);
	CHECK(!fi_api_connected(api));
	get("GET", "/api/health", "");
	CHECK_INT(resp.status, 503);
	fi_buf_init(&head, 4096);
	CHECK_INT(fi_api_response_headers(&resp, &head), 0);
	CHECK_STR(head.data, "Status: 503 Service Unavailable\r\n"
			     "Content-Type: application/json\r\n"
			     "Content-Length: 42\r\n"
			     "Cache-Control: no-store\r\n"
			     "X-Content-Type-Options: nosniff\r\n"
			     "Retry-After: 5\r\n\r\n");
	fi_buf_fini(&head);
}

int
main(void)
{
	static struct fi_config cfg;
	struct fi_err err;

	fi_config_defaults(&cfg);
	fi_err_clear(&err);
	/* nothing listens on port 1: the database is "down" */
	CHECK_INT(fi_config_set(&cfg, "db_host", "127.0.0.1", "test", &err), 0);
	CHECK_INT(fi_config_set(&cfg, "db_port", "1", "test", &err), 0);
	CHECK_INT(fi_config_set(&cfg, "log_level", "error", "test", &err), 0);
	CHECK_INT(fi_config_finish(&cfg, &err), 0);
	api = fi_api_new(&cfg);
	CHECK(api != NULL);
	fi_api_response_init(&resp);
	test_routes();
	test_bad_params();
	test_hilbert_params();
	test_route_params();
	test_unavailable();
	fi_api_response_fini(&resp);
	fi_api_free(api);
	return fi_test_result("test_api");
}
