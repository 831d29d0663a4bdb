/*
 * fi_api_http.c: the HTTP side of an answer: the response and its buffer,
 * status lines, errors as {"error": ...} with the status a failure maps to
 * (one switch on the database's fault), the CGI header block, and the ETag
 * with If-None-Match.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#ifdef __GLIBC__ /* from the headers above */
#include <malloc.h>
#endif

#include "fi_api_int.h"
#include "fi_gate.h"

/*
 * a body buffer larger is freed after use (and the heap trimmed); one up to
 * this size is kept for the next answer: the all-pairs call's 16 MB body,
 * faulted in page by page on every request, was a tenth of its time
 */
#define FI_API_BUF_KEEP	  (32u << 20)
#define FI_API_BUSY_RETRY 2 /* Retry-After (s) of a request the gate refused */

void
fi_api_response_init(struct fi_api_response *r)
{
	memset(r, 0, sizeof(*r));
	fi_buf_init(&r->body, FI_API_BODY_MAX);
}

void
fi_api_response_fini(struct fi_api_response *r)
{
	fi_buf_fini(&r->body);
}

void
fi_api_response_trim(struct fi_api_response *r)
{
	if (r->body.cap > FI_API_BUF_KEEP) {
		fi_buf_fini(&r->body);
		fi_buf_init(&r->body, FI_API_BODY_MAX);
#ifdef __GLIBC__
		/* glibc keeps freed heap pages (the body's, the client
		 * library's result rows) and raises its mmap threshold after
		 * a large free: each worker would keep its largest answer's
		 * size for life. Give them back. */
		malloc_trim(0);
#endif
	}
}

static const char *
fi_api_http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	}
	return "Error";
}

/* Replaces the body by {"error": msg} with the given status. */
void
fi_api_http_error(struct fi_api_response *resp, int status, const char *msg)
{
	struct fi_jsonw w;

	fi_buf_reset(&resp->body);
	resp->status = status;
	resp->reason = fi_api_http_reason(status);
	resp->etag[0] = '\0';
	resp->truncated = 0;
	fi_jsonw_init(&w, &resp->body);
	fi_jsonw_obj_begin(&w);
	fi_jsonw_key(&w, "error");
	fi_jsonw_cstr(&w, msg);
	fi_jsonw_obj_end(&w);
}

/*
 * What a failed statement means for the client: a lost connection (or a
 * failure while disconnected) is "unavailable" whatever the statement's own
 * fault; otherwise the fault of a database error (FI_EDB), else none.
 */
static enum fi_db_fault
fi_api_http_fault(const struct fi_api *api, int rc)
{
	if (rc == FI_EUNAVAIL || api->dberr.code == FI_EUNAVAIL)
		return FI_DB_FAULT_GONE;
	if (rc == FI_EDB)
		return api->dbfault;
	return FI_DB_FAULT_NONE;
}

/* Maps a failed handler's outcome to the error answer. */
void
fi_api_http_fail(struct fi_req *r, int rc)
{
	struct fi_api *api = r->api;
	char msg[FI_ERR_MSG_MAX];

	if (r->err.code != 0) {
		fi_api_http_error(r->resp, 400, r->err.msg);
		return;
	}
	if (r->busy) {
		r->resp->retry_after = FI_API_BUSY_RETRY;
		snprintf(msg, sizeof(msg),
			 "The server is busy: %u large queries are running, the most "
			 "it runs at once; retry in a few seconds.",
			 fi_gate_limit(api->gate));
		fi_api_http_error(r->resp, 503, msg);
		return;
	}
	switch (fi_api_http_fault(api, rc)) {
	case FI_DB_FAULT_GONE:
	case FI_DB_FAULT_BUSY:
		r->resp->retry_after = 5;
		fi_api_http_error(r->resp, 503, "The database is not available.");
		return;
	case FI_DB_FAULT_TIMEOUT:
		snprintf(msg, sizeof(msg),
			 "The query took longer than %u s and was cut off; "
			 "narrow the range or the filters.",
			 api->cfg->query_timeout);
		fi_api_http_error(r->resp, 504, msg);
		return;
	case FI_DB_FAULT_NO_TABLE:
		r->resp->retry_after = 60;
		fi_api_http_error(r->resp, 503,
				  "The database has no tables for this bucket size; "
				  "run flowinspector-importer --init-db.");
		return;
	case FI_DB_FAULT_NONE:
		if (rc == FI_ETOOBIG) {
			snprintf(msg, sizeof(msg),
				 "The answer is larger than %u MB; set a limit or "
				 "narrow the query.",
				 (unsigned)(FI_API_BODY_MAX >> 20));
			fi_api_http_error(r->resp, 400, msg);
			return;
		}
		break;
	case FI_DB_FAULT_DUPLICATE:
	case FI_DB_FAULT_OTHER:
		break;
	}
	fi_warnx_limited(&api->rl, "request failed: %s", fi_strerror(rc));
	fi_api_http_error(r->resp, 500, "Internal error.");
}

/*
 * A 64-bit hash of n bytes from seed, eight bytes a step (FNV-1a's multiply
 * over words, then a final mix). Byte by byte, it cost 17 ms of a 16 MB
 * answer's ETag.
 */
uint64_t
fi_api_hash64(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = 14695981039346656037ULL ^ seed;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		h = (h ^ w) * 1099511628211ULL;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	h ^= h >> 32;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

/* The ETag: the body's hash, so it changes exactly when the answer does. */
static void
fi_api_http_etag(struct fi_api_response *resp)
{
	uint64_t h = fi_api_hash64(resp->body.data, resp->body.len, resp->body.len);

	snprintf(resp->etag, sizeof(resp->etag), "\"%016llx\"", (unsigned long long)h);
}

/* Whether If-None-Match (a list, maybe weak, maybe "*") matches etag. */
static int
fi_api_http_etag_match(struct fi_str inm, const char *etag)
{
	size_t i = 0, elen = strlen(etag);

	while (i < inm.n) {
		size_t start, end;

		while (i < inm.n &&
		       (inm.p[i] == ' ' || inm.p[i] == '\t' || inm.p[i] == ','))
			i++;
		start = i;
		while (i < inm.n && inm.p[i] != ',')
			i++;
		end = i;
		while (end > start && (inm.p[end - 1] == ' ' || inm.p[end - 1] == '\t'))
			end--;
		/* nginx's gzip turns our strong tag weak: compare weakly */
		if (end - start > 2 && inm.p[start] == 'W' && inm.p[start + 1] == '/')
			start += 2;
		if ((end - start == 1 && inm.p[start] == '*') ||
		    (end - start == elen && memcmp(inm.p + start, etag, elen) == 0))
			return 1;
	}
	return 0;
}

const char *
fi_api_http_time(int64_t ms, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(buf, size, "?");
	else
		snprintf(buf + strlen(buf), size - strlen(buf), ".%03dZ",
			 (int)(ms % 1000));
	return buf;
}

int
fi_api_response_headers(const struct fi_api_response *resp, struct fi_buf *out)
{
	int rc = fi_buf_printf(out, "Status: %d %s\r\n", resp->status, resp->reason);

	/* 304 carries no body and no Content-Length of one */
	if (rc == 0 && resp->status != 304)
		rc = fi_buf_printf(out,
				   "Content-Type: application/json\r\n"
				   "Content-Length: %zu\r\n",
				   resp->body.len);
	if (rc == 0 && resp->etag[0] != '\0')
		rc = fi_buf_printf(out, "ETag: %s\r\n", resp->etag);
	/* browsers revalidate with If-None-Match every time; errors are not kept */
	if (rc == 0)
		rc = fi_buf_puts(out, resp->status == 200 || resp->status == 304
					  ? "Cache-Control: no-cache\r\n"
					  : "Cache-Control: no-store\r\n");
	if (rc == 0)
		rc = fi_buf_puts(out, "X-Content-Type-Options: nosniff\r\n");
	if (rc == 0 && resp->allow != NULL)
		rc = fi_buf_printf(out, "Allow: %s\r\n", resp->allow);
	if (rc == 0 && resp->retry_after != 0)
		rc = fi_buf_printf(out, "Retry-After: %u\r\n", resp->retry_after);
	if (rc == 0 && resp->truncated)
		rc = fi_buf_puts(out, "X-Flowinspector-Truncated: 1\r\n");
	if (rc == 0 && resp->data_as_of_ms > 0) {
		char when[32];

		rc = fi_buf_printf(
		    out, "X-Data-As-Of: %s\r\n",
		    fi_api_http_time(resp->data_as_of_ms, when, sizeof(when)));
	}
	if (rc == 0)
		rc = fi_buf_puts(out, "\r\n");
	return rc;
}

void
fi_api_http_begin(struct fi_api_response *resp)
{
	fi_api_response_trim(resp);
	fi_buf_reset(&resp->body);
	resp->status = 200;
	resp->reason = "OK";
	resp->etag[0] = '\0';
	resp->allow = NULL;
	resp->truncated = 0;
	resp->retry_after = 0;
	resp->data_as_of_ms = 0;
}

void
fi_api_http_done(struct fi_api_response *resp, struct fi_str inm)
{
	fi_api_http_etag(resp);
	if (inm.n > 0 && fi_api_http_etag_match(inm, resp->etag)) {
		resp->status = 304;
		resp->reason = fi_api_http_reason(304);
		fi_buf_reset(&resp->body);
	}
}
