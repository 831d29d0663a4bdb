/*
 * fcgi_conn.h: the connections a worker has accepted and not yet answered.
 * A worker accepts connections itself and hands one to libfcgi only once
 * its request (the begin record and every parameter record) has arrived in
 * full, so a client that sends nothing, or a byte a second, never holds a
 * worker: it waits in this list until fcgi_read_timeout, then is closed.
 */
#ifndef FCGI_CONN_H
#define FCGI_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "fi_log.h"

#define FCGI_CONN_MAX  512 /* connections a worker waits on; then the oldest goes */
#define FCGI_CONN_PEEK (128 << 10) /* most bytes a request may have before its body */

/* One accepted connection whose request has not arrived in full. */
struct fcgi_conn {
	int fd;		  /* owned */
	int64_t since_ms; /* when it was accepted (fi_clock_ms) */
	int ready;	  /* its request is complete: next to be answered */
};

/* A worker's waiting connections. */
struct fcgi_conns {
	int listen_fd;			    /* borrowed, shared with the other workers */
	int epfd;			    /* owned epoll instance */
	unsigned timeout_ms;		    /* fcgi_read_timeout */
	unsigned n;			    /* entries of c in use, oldest first */
	struct fcgi_conn c[FCGI_CONN_MAX];  /* the waiting connections */
	struct fi_ratelimit rl;		    /* for logging the ones cut off */
	unsigned char peek[FCGI_CONN_PEEK]; /* what a connection has sent so far */
};

/*
 * Sets cs up to accept on listen_fd (made non-blocking: every worker polls
 * it) and wait up to timeout_s seconds for each request. Returns 0, or -1
 * with errno set (epoll).
 */
int fcgi_conns_init(struct fcgi_conns *cs, int listen_fd, unsigned timeout_s);

/* Closes every waiting connection and the epoll instance. */
void fcgi_conns_fini(struct fcgi_conns *cs);

/*
 * Waits up to wait_ms for a connection whose request has arrived in full,
 * accepting new connections meanwhile and closing those past the timeout,
 * at their end of stream, or with a malformed or oversized request. Returns
 * such a connection's descriptor (blocking; the caller owns it), or -1 when
 * there is none yet (the wait ended, or a signal came).
 */
int fcgi_conns_next(struct fcgi_conns *cs, int wait_ms);

/*
 * Whether the n bytes at p hold a whole FastCGI request up to its body: a
 * begin record, then parameter records up to the empty one that ends them
 * (management records may come between). 1 when they do, 0 when more must
 * come, -1 when they are not such a request.
 */
int fcgi_conn_complete(const unsigned char *p, size_t n);

#endif
