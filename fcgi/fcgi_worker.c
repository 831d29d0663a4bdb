/*
 * fcgi_worker.c: the accept loop of a worker. Each request's parameters are
 * read from the FastCGI environment as counted strings, answered by
 * fi_api_handle, and written back in one piece; the body is built in full
 * first, so an error halfway never leaves a half-written answer.
 */
#include <errno.h>
#include <fcgiapp.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "fcgi_worker.h"
#include "fi_api.h"
#include "fi_log.h"

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

int
fcgi_worker_run(const struct fi_config *cfg, int listen_fd, struct fi_gate *gate,
		unsigned slot, volatile sig_atomic_t *stop, volatile sig_atomic_t *reopen)
{
	FCGX_Request req;
	struct fi_api *api;
	struct fi_api_response resp;
	struct fi_buf head, path;
	int status = 0;

	if (FCGX_Init() != 0 ||
	    FCGX_InitRequest(&req, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		fi_warnx("cannot initialise libfcgi");
		return 1;
	}
	api = fi_api_new(cfg);
	if (api == NULL) {
		fi_warnx("out of memory");
		return 1;
	}
	fi_api_set_gate(api, gate, slot);
	fi_api_response_init(&resp);
	fi_buf_init(&head, 4096);
	fi_buf_init(&path, 8192);
	while (!*stop) {
		struct fi_str method;
		int rc;

		if (*reopen) {
			*reopen = 0;
			fi_log_reopen();
		}
		rc = FCGX_Accept_r(&req);
		if (rc < 0) {
			if (*stop || errno == EINTR || rc == -EINTR)
				continue;
			fi_warnx("accept failed (%d); retrying", rc);
			usleep(100000);
			continue;
		}
		if (fcgi_client_gone(&req)) {
			struct fi_str uri = fcgi_param(&req, "DOCUMENT_URI");

			fi_warnx("dropped a request whose client has gone: %.*s",
				 (int)(uri.n < 200 ? uri.n : 200), uri.p ? uri.p : "");
			FCGX_Finish_r(&req);
			continue;
		}
		method = fcgi_param(&req, "REQUEST_METHOD");
		fi_api_handle(api, method, fcgi_path(&req, &path),
			      fcgi_param(&req, "QUERY_STRING"),
			      fcgi_param(&req, "HTTP_IF_NONE_MATCH"), &resp);
		fi_buf_reset(&head);
		if (fi_api_response_headers(&resp, &head) != 0) {
			fi_warnx("response header too long");
			status = 1;
			break;
		}
		FCGX_PutStr(head.data, (int)head.len, req.out);
		if (!fi_str_eq(method, "HEAD") && resp.body.len > 0)
			FCGX_PutStr(resp.body.data, (int)resp.body.len, req.out);
		FCGX_Finish_r(&req);
		fi_api_response_trim(&resp);
	}
	FCGX_Free(&req, 0);
	fi_buf_fini(&path);
	fi_buf_fini(&head);
	fi_api_response_fini(&resp);
	fi_api_free(api);
	return status;
}
