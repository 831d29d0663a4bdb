/*
 * fcgi_worker.c: the loop of a worker: a connection whose request has
 * arrived (fcgi_conn.c) is read by libfcgi, its parameters taken from the
 * FastCGI environment as counted strings, answered by fi_api_handle, and
 * the answer written back in one piece; the body is built in full first, so
 * an error halfway never leaves a half-written answer.
 */
#include <errno.h>
#include <fcgiapp.h>
#include <malloc.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fcgi_conn.h"
#include "fcgi_worker.h"
#include "fi_api.h"
#include "fi_clock.h"
#include "fi_gate.h"
#include "fi_log.h"

/* the content of one FastCGI record, at most 65535 bytes, a multiple of 8 */
#define FCGI_RECORD_MAX 65528
/* freed heap memory a worker keeps for its next answers */
#define FI_FCGI_HEAP_KEEP (128 << 20)

/* an answer (head and body) this small fits libfcgi's 8 KB stream buffer
 * with its record headers and the end-of-request records */
#define FCGI_WORKER_SMALL 8000

#define FCGI_WORKER_TICK_MS   1000 /* longest wait for a connection between checks */
#define FCGI_WORKER_LINGER_MS 1000 /* most time spent closing an answered connection */

/* A worker's state. */
struct fcgi_worker {
	FCGX_Request req;	     /* libfcgi's request, reused */
	struct fcgi_conns conns;     /* connections waiting for their request */
	struct fi_api *api;	     /* owned */
	struct fi_api_response resp; /* the answer, reused */
	struct fi_buf head, path;    /* header block and path, reused */
	int unix_sock;		     /* the listening socket is a unix socket */
};

/*
 * 1 when the web server has already closed the request's connection: its
 * client gave up while the request waited in the socket's queue (nginx
 * closes the FastCGI connection when its client goes). Answering it would
 * only run a query nobody reads and keep a worker from live requests; under
 * a burst of abandoned heavy queries every worker would be busy for minutes.
 * nginx never half-closes a FastCGI connection, so end of stream means gone.
 */
static int
fcgi_client_gone(const FCGX_Request *req)
{
	struct pollfd p = {.fd = req->ipcFd, .events = POLLIN | POLLRDHUP};

	if (req->ipcFd < 0 || poll(&p, 1, 0) != 1)
		return 0;
	return (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

/* A request parameter as a counted string (empty when absent). */
static struct fi_str
fcgi_param(FCGX_Request *req, const char *name)
{
	const char *v = FCGX_GetParam(name, req->envp);

	return v ? (struct fi_str){v, strlen(v)} : (struct fi_str){"", 0};
}

/*
 * The request path: nginx's DOCUMENT_URI (decoded and normalised), else
 * SCRIPT_NAME + PATH_INFO, else REQUEST_URI without its query.
 */
static struct fi_str
fcgi_path(FCGX_Request *req, struct fi_buf *tmp)
{
	struct fi_str s = fcgi_param(req, "DOCUMENT_URI");
	const char *q;

	if (s.n > 0)
		return s;
	fi_buf_reset(tmp);
	s = fcgi_param(req, "SCRIPT_NAME");
	if (s.n > 0 && fi_buf_append(tmp, s.p, s.n) == 0) {
		s = fcgi_param(req, "PATH_INFO");
		if (fi_buf_append(tmp, s.p, s.n) == 0)
			return (struct fi_str){tmp->data, tmp->len};
	}
	s = fcgi_param(req, "REQUEST_URI");
	q = memchr(s.p, '?', s.n);
	if (q != NULL)
		s.n = (size_t)(q - s.p);
	return s;
}

/*
 * Closes a connection whose answer has been sent. libfcgi would shut the
 * sending side down and then read until the client's end of stream, with a
 * 2 s wait for each read: a client sending a byte a second would keep the
 * worker reading forever. The same here, but bounded in all.
 */
static void
fcgi_worker_close(int fd, int unix_get)
{
	int64_t until = fi_clock_ms() + FCGI_WORKER_LINGER_MS;
	char trash[1024];
	ssize_t n;

	/*
	 * Over a unix socket nothing resets: what was written stays readable
	 * after close, and the web server's peer sees ECONNRESET only if
	 * unread bytes are left here. A GET or HEAD request has come whole
	 * (nginx writes it in one piece, the empty stdin record included), so
	 * what is left of it is read without waiting and the connection
	 * closed, sparing the wait for nginx's close (a sleep and a wake-up a
	 * request).
	 */
	if (unix_get) {
		do
			n = recv(fd, trash, sizeof(trash), MSG_DONTWAIT);
		while (n == (ssize_t)sizeof(trash));
		if (n >= 0 || errno == EAGAIN || errno == EWOULDBLOCK) {
			close(fd);
			return;
		}
	}

	/* reading what is left keeps a TCP peer from a reset that could
	 * discard the answer */
	if (shutdown(fd, SHUT_WR) == 0) {
		for (int64_t left; (left = until - fi_clock_ms()) > 0;) {
			struct pollfd p = {.fd = fd, .events = POLLIN};

			if (poll(&p, 1, (int)left) != 1 ||
			    read(fd, trash, sizeof(trash)) <= 0)
				break;
		}
	}
	close(fd);
}

/*
 * Writes the body as FastCGI stdout records of up to 64 KB straight to the
 * connection, after what libfcgi's stream holds (the head): the stream
 * cuts it into 8 KB records, one write() each, 2,000 for the all-pairs
 * call's 16 MB, each waking nginx. A failed write is left to libfcgi,
 * whose end of the request then fails on the same connection.
 */
/* writev() of every byte of iov[0..n) (which it changes); 0 or -1. */
static int
fcgi_write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t k = writev(fd, iov, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		for (; n > 0 && (size_t)k >= iov->iov_len; iov++, n--)
			k -= (ssize_t)iov->iov_len;
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + k;
			iov->iov_len -= (size_t)k;
		}
	}
	return 0;
}

static void
fcgi_write_body(FCGX_Request *req, char *p, size_t n)
{
	if (FCGX_FFlush(req->out) != 0)
		return;
	while (n > 0) {
		size_t len = n > FCGI_RECORD_MAX ? FCGI_RECORD_MAX : n;
		unsigned char h[8] = {1,
				      6 /* FCGI_STDOUT */,
				      (unsigned char)(req->requestId >> 8),
				      (unsigned char)req->requestId,
				      (unsigned char)(len >> 8),
				      (unsigned char)len,
				      0,
				      0};
		struct iovec iov[2] = {{h, sizeof(h)}, {p, len}};

		if (fcgi_write_all(req->ipcFd, iov, 2) != 0)
			return;
		p += len;
		n -= len;
	}
}

/*
 * Answers the request on connection fd, whose parameters have all arrived
 * (fcgi_conn.c). libfcgi accepts only when the request has no connection
 * (ipcFd < 0): given one, it reads the request from it. keepConnection
 * keeps libfcgi from closing it before and after; detached, from waiting
 * on the client when it does close it (a request it cannot read).
 * Returns 0, or -1 when the worker must stop.
 */
static int
fcgi_worker_answer(struct fcgi_worker *w, int fd)
{
	FCGX_Request *req = &w->req;
	struct fi_str method;
	int get;

	req->ipcFd = fd;
	req->keepConnection = 1;
	req->detached = 1;
	if (FCGX_Accept_r(req) < 0) {
		fi_debug("a request could not be read; connection closed");
		return 0; /* libfcgi closed it */
	}
	method = fcgi_param(req, "REQUEST_METHOD");
	get = fi_str_eq(method, "GET") || fi_str_eq(method, "HEAD");
	if (fcgi_client_gone(req)) {
		struct fi_str uri = fcgi_param(req, "DOCUMENT_URI");

		fi_warnx("dropped a request whose client has gone: %.*s",
			 (int)(uri.n < 200 ? uri.n : 200), uri.p ? uri.p : "");
	} else {
		fi_api_handle(w->api, method, fcgi_path(req, &w->path),
			      fcgi_param(req, "QUERY_STRING"),
			      fcgi_param(req, "HTTP_IF_NONE_MATCH"), &w->resp);
		fi_buf_reset(&w->head);
		if (fi_api_response_headers(&w->resp, &w->head) != 0) {
			fi_warnx("response header too long");
			return -1;
		}
		FCGX_PutStr(w->head.data, (int)w->head.len, req->out);
		if (fi_str_eq(method, "HEAD") || w->resp.body.len == 0)
			;
		else if (w->head.len + w->resp.body.len <= FCGI_WORKER_SMALL)
			/* in libfcgi's buffer: the whole answer and the end of the
			 * request go out in one write, which wakes nginx once */
			FCGX_PutStr(w->resp.body.data, (int)w->resp.body.len, req->out);
		else
			fcgi_write_body(req, w->resp.body.data, w->resp.body.len);
	}
	req->keepConnection = 1;
	FCGX_Finish_r(req); /* writes the end of the request; closes only on an error */
	if (req->ipcFd >= 0) {
		fcgi_worker_close(req->ipcFd, w->unix_sock && get);
		req->ipcFd = -1;
	}
	fi_api_response_trim(&w->resp);
	return 0;
}

int
fcgi_worker_run(const struct fi_config *cfg, int listen_fd, struct fi_gate *gate,
		unsigned slot, volatile sig_atomic_t *stop, volatile sig_atomic_t *reopen)
{
	static struct fcgi_worker w; /* large (the connection list): not on the stack */
	int status = 0;

	/*
	 * An answer's buffers (the body, the summed groups) reach tens of MB.
	 * From the heap, kept there between requests up to FI_FCGI_HEAP_KEEP,
	 * they are not mapped, faulted in page by page and unmapped again on
	 * every request (a fifth of the kernel's share of the all-pairs call).
	 */
	mallopt(M_MMAP_THRESHOLD, FI_FCGI_HEAP_KEEP / 2);
	mallopt(M_TRIM_THRESHOLD, FI_FCGI_HEAP_KEEP);
	/* libfcgi never accepts: its listening socket is none (-1) */
	if (FCGX_Init() != 0 || FCGX_InitRequest(&w.req, -1, 0) != 0) {
		fi_warnx("cannot initialise libfcgi");
		return 1;
	}
	if (fcgi_conns_init(&w.conns, listen_fd, cfg->fcgi_read_timeout) != 0) {
		fi_warn("cannot wait on the socket");
		return 1;
	}
	w.api = fi_api_new(cfg);
	if (w.api == NULL) {
		fi_warnx("out of memory");
		fcgi_conns_fini(&w.conns);
		return 1;
	}
	{
		struct sockaddr_storage sa;
		socklen_t len = sizeof(sa);

		w.unix_sock = getsockname(listen_fd, (struct sockaddr *)&sa, &len) == 0 &&
			      sa.ss_family == AF_UNIX;
	}
	fi_api_set_gate(w.api, gate, slot);
	fi_api_response_init(&w.resp);
	fi_buf_init(&w.head, 4096);
	fi_buf_init(&w.path, 8192);
	while (!*stop && status == 0) {
		int fd;

		if (*reopen) {
			*reopen = 0;
			fi_log_reopen();
		}
		fi_gate_beat(gate, slot, 0); /* alive, waiting */
		fd = fcgi_conns_next(&w.conns, FCGI_WORKER_TICK_MS);
		if (fd < 0)
			continue;
		fi_gate_beat(gate, slot, 1);
		if (fcgi_worker_answer(&w, fd) != 0)
			status = 1;
	}
	FCGX_Free(&w.req, 0);
	if (w.req.ipcFd >= 0)
		close(w.req.ipcFd);
	fcgi_conns_fini(&w.conns);
	fi_buf_fini(&w.path);
	fi_buf_fini(&w.head);
	fi_api_response_fini(&w.resp);
	fi_api_free(w.api);
	return status;
}
