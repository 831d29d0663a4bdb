/*
 * fi_api.h: the JSON API of SPEC 6 without the socket: a request (method,
 * path, query string, If-None-Match) goes in, a status, headers and a JSON
 * body come out. One struct fi_api per worker process holds its database
 * connection, reconnecting after an outage, and its reusable buffers.
 */
#ifndef FI_API_H
#define FI_API_H

#include "fi_buf.h"
#include "fi_config.h"

struct fi_api;

/* An answer. The body is owned by the response and reused between requests. */
struct fi_api_response {
	int status;	       /* HTTP status code */
	const char *reason;    /* its reason phrase, static */
	struct fi_buf body;    /* JSON text (empty for 304) */
	char etag[24];	       /* quoted strong ETag of the body, "" when none */
	const char *allow;     /* value of an Allow header (405), or NULL */
	int truncated;	       /* the answer was cut at max_rows */
	unsigned retry_after;  /* seconds for a Retry-After header (503), 0 = none */
	int64_t data_as_of_ms; /* the heartbeat's time (X-Data-As-Of), 0 = none */
};

/*
 * Creates the API state for one worker; cfg is borrowed and must outlive it.
 * Connects lazily, at the first request. Returns NULL when out of memory.
 */
struct fi_api *fi_api_new(const struct fi_config *cfg);

/*
 * Makes the API enter gate (fi_gate.h) as slot before a statement that scans
 * the per-key flow or port tables, and leave it after the answer; a request
 * the gate refuses is answered 503 with Retry-After. Without a gate (the
 * default) nothing is limited.
 */
struct fi_gate;
void fi_api_set_gate(struct fi_api *api, struct fi_gate *gate, unsigned slot);

/* Frees it and closes its connection. NULL is a no-op. */
void fi_api_free(struct fi_api *api);

/* Initialises / frees a response (its body buffer). */
void fi_api_response_init(struct fi_api_response *r);
void fi_api_response_fini(struct fi_api_response *r);

/*
 * Gives back the memory of a large body once it has been sent, so one huge
 * answer does not pin its memory for the worker's life; small buffers are
 * kept for reuse.
 */
void fi_api_response_trim(struct fi_api_response *r);

/*
 * Answers one request. All strings are borrowed counted strings; path is the
 * decoded URI path, query the raw query string without '?', inm the
 * If-None-Match header (empty when absent). Every outcome, errors included,
 * is a JSON answer in resp (never fails); a 304 leaves the body empty.
 */
void fi_api_handle(struct fi_api *api, struct fi_str method, struct fi_str path,
		   struct fi_str query, struct fi_str inm, struct fi_api_response *resp);

/*
 * Appends the CGI response header block of resp to out: "Status:",
 * Content-Type, Content-Length, ETag, caching and Allow / Retry-After lines,
 * then the empty line. Returns 0 or FI_ETOOBIG.
 */
int fi_api_response_headers(const struct fi_api_response *resp, struct fi_buf *out);

/* Whether the API holds a live database connection (for tests and logs). */
int fi_api_connected(const struct fi_api *api);

#endif
