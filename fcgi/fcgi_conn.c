/*
 * fcgi_conn.c: a worker's accepted connections that wait for their request
 * (fcgi_conn.h). libfcgi would accept one connection and then block reading
 * it, so four silent clients would stop four workers for good. Instead the
 * worker accepts, looks at what each connection has sent with MSG_PEEK
 * (edge-triggered epoll: woken only when more arrives), and gives libfcgi a
 * connection only when its whole request is there to be read without
 * waiting. Connections that stay incomplete past fcgi_read_timeout are
 * closed, however slowly they drip.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "fcgi_conn.h"
#include "fi_clock.h"

/* FastCGI record types (the FastCGI 1.0 specification) */
#define FCGI_REC_BEGIN	    1
#define FCGI_REC_PARAMS	    4
#define FCGI_REC_GET_VALUES 9
#define FCGI_REC_HEADER	    8

#define FCGI_CONN_ACCEPT_BURST 64     /* connections accepted per wake */
#define FCGI_CONN_EMFILE_PAUSE 100000 /* us to wait when out of descriptors */
#define FCGI_CONN_SETTLE_MS    1      /* wait for a request just connected */

int
fcgi_conn_complete(const unsigned char *p, size_t n)
{
	size_t off = 0;
	int begun = 0;

	while (n - off >= FCGI_REC_HEADER) {
		const unsigned char *h = p + off;
		unsigned type = h[1];
		size_t len = ((size_t)h[4] << 8 | h[5]) + h[6];

		if (h[0] != 1)
			return -1;
		if (type == FCGI_REC_BEGIN && !begun)
			begun = 1;
		else if (type == FCGI_REC_PARAMS && begun && h[4] == 0 && h[5] == 0)
			return n - off - FCGI_REC_HEADER >= h[6] ? 1 : 0;
		else if (!(type == FCGI_REC_PARAMS && begun) &&
			 type != FCGI_REC_GET_VALUES)
			return -1;
		off += FCGI_REC_HEADER + len;
		if (off > n)
			return 0;
	}
	return 0;
}

int
fcgi_conns_init(struct fcgi_conns *cs, int listen_fd, unsigned timeout_s)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE,
				 .data.fd = listen_fd};
	int fl = fcntl(listen_fd, F_GETFL);

	cs->listen_fd = listen_fd;
	cs->timeout_ms = timeout_s * 1000u;
	cs->n = 0;
	cs->rl = (struct fi_ratelimit){.period = 10, .burst = 3};
	/* every worker waits on it: one that loses the race must not block */
	if (fl < 0 || fcntl(listen_fd, F_SETFL, fl | O_NONBLOCK) != 0)
		return -1;
	cs->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (cs->epfd < 0)
		return -1;
	/* EXCLUSIVE: one connection wakes one worker, not all of them */
	if (epoll_ctl(cs->epfd, EPOLL_CTL_ADD, listen_fd, &ev) != 0) {
		close(cs->epfd);
		cs->epfd = -1;
		return -1;
	}
	return 0;
}

void
fcgi_conns_fini(struct fcgi_conns *cs)
{
	for (unsigned i = 0; i < cs->n; i++)
		close(cs->c[i].fd);
	cs->n = 0;
	if (cs->epfd >= 0)
		close(cs->epfd);
	cs->epfd = -1;
}

/* Takes entry i out of the list (and out of epoll); returns its descriptor. */
static int
fcgi_conns_take(struct fcgi_conns *cs, unsigned i)
{
	int fd = cs->c[i].fd;

	epoll_ctl(cs->epfd, EPOLL_CTL_DEL, fd, NULL);
	memmove(&cs->c[i], &cs->c[i + 1], (cs->n - i - 1) * sizeof(cs->c[0]));
	cs->n--;
	return fd;
}

/* Closes the connections past the timeout (the oldest come first). */
static void
fcgi_conns_expire(struct fcgi_conns *cs, int64_t now)
{
	while (cs->n > 0 && !cs->c[0].ready &&
	       now - cs->c[0].since_ms >= cs->timeout_ms) {
		close(fcgi_conns_take(cs, 0));
		fi_warnx_limited(&cs->rl,
				 "closed a connection that sent no complete request "
				 "within %u s",
				 cs->timeout_ms / 1000u);
	}
}

/*
 * Looks at what connection fd has sent: 1 when its request is complete, 0 while
 * it may still come, -1 when the connection is to be closed (its end of
 * stream or an error came first, or it is not a FastCGI request).
 */
static int
fcgi_conns_peek(struct fcgi_conns *cs, int fd, int hup)
{
	ssize_t got = recv(fd, cs->peek, sizeof(cs->peek), MSG_PEEK | MSG_DONTWAIT);
	int rc;

	if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
		return -1;
	if (got < 0)
		return hup ? -1 : 0;
	rc = fcgi_conn_complete(cs->peek, (size_t)got);
	if (rc == 0 && ((size_t)got == sizeof(cs->peek) || hup))
		rc = -1; /* too large to be ours, or it will not come */
	return rc;
}

static int
fcgi_conns_check(struct fcgi_conns *cs, unsigned i, int hup)
{
	return fcgi_conns_peek(cs, cs->c[i].fd, hup);
}

/* Adds an accepted connection, making room by dropping the oldest. */
static void
fcgi_conns_add(struct fcgi_conns *cs, int fd, int64_t now)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.fd = fd};

	if (cs->n == FCGI_CONN_MAX) {
		close(fcgi_conns_take(cs, 0));
		fi_warnx_limited(&cs->rl,
				 "%d connections wait for their request; "
				 "closed the oldest",
				 FCGI_CONN_MAX);
	}
	if (epoll_ctl(cs->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		close(fd);
		return;
	}
	cs->c[cs->n++] = (struct fcgi_conn){fd, now, 0};
}

/*
 * A connection accepted between nginx's connect and its write (a race won
 * by about every other accept): waits for the request a moment, when no
 * other connection is waiting in the list, instead of an epoll round (two
 * epoll changes and a wait). A silent client costs the worker at most
 * FCGI_CONN_SETTLE_MS, once: the next ones go to the list. Returns as
 * fcgi_conns_peek.
 */
static int
fcgi_conns_settle(struct fcgi_conns *cs, int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLRDHUP};

	if (cs->n > 0 || poll(&p, 1, FCGI_CONN_SETTLE_MS) != 1)
		return 0;
	return fcgi_conns_peek(cs, fd,
			       (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0);
}

/*
 * Accepts what waits on the listening socket, one at a time: a connection
 * whose request is there already is returned at once (so a worker never
 * takes more answerable requests than the one it answers); the others
 * join the list. Returns a descriptor or -1.
 */
static int
fcgi_conns_accept(struct fcgi_conns *cs, int64_t now)
{
	for (int k = 0; k < FCGI_CONN_ACCEPT_BURST; k++) {
		int fd = accept4(cs->listen_fd, NULL, NULL, SOCK_CLOEXEC), rc;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				fi_warnx_limited(&cs->rl, "accept: %s", strerror(errno));
				if (cs->n > 0)
					close(fcgi_conns_take(cs, 0));
				else
					usleep(FCGI_CONN_EMFILE_PAUSE);
			}
			/* EAGAIN: another worker took it; the rest are the client's */
			return -1;
		}
		/* nginx sends its request as it connects: most are complete
		 * here and never join the list (two epoll changes saved) */
		rc = fcgi_conns_peek(cs, fd, 0);
		if (rc == 0)
			rc = fcgi_conns_settle(cs, fd);
		switch (rc) {
		case 1:
			return fd;
		case -1:
			close(fd);
			break;
		default:
			fcgi_conns_add(cs, fd, now);
		}
	}
	return -1;
}

/* Gives a connection handed to libfcgi a bound on each read, as a safety. */
static int
fcgi_conns_hand(struct fcgi_conns *cs, int fd)
{
	struct timeval tv = {.tv_sec = cs->timeout_ms / 1000u};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Index of the entry of fd, or -1. */
static int
fcgi_conns_find(const struct fcgi_conns *cs, int fd)
{
	for (unsigned i = 0; i < cs->n; i++)
		if (cs->c[i].fd == fd)
			return (int)i;
	return -1;
}

/* Takes the oldest connection whose request is complete; -1 when none is. */
static int
fcgi_conns_ready(struct fcgi_conns *cs)
{
	for (unsigned i = 0; i < cs->n; i++)
		if (cs->c[i].ready)
			return fcgi_conns_take(cs, i);
	return -1;
}

int
fcgi_conns_next(struct fcgi_conns *cs, int wait_ms)
{
	struct epoll_event ev[32];
	int64_t now = fi_clock_ms();
	int n, fd, accept_ready = 0;

	/* the events say only what changed: complete ones found earlier first */
	fd = fcgi_conns_ready(cs);
	if (fd >= 0)
		return fcgi_conns_hand(cs, fd);
	fcgi_conns_expire(cs, now);
	if (cs->n > 0 && cs->c[0].since_ms + cs->timeout_ms - now < wait_ms)
		wait_ms = (int)(cs->c[0].since_ms + cs->timeout_ms - now) + 1;
	n = epoll_wait(cs->epfd, ev, (int)(sizeof(ev) / sizeof(ev[0])), wait_ms);
	now = fi_clock_ms();
	for (int k = 0; k < n; k++) {
		int i;

		if (ev[k].data.fd == cs->listen_fd) {
			accept_ready = 1;
			continue;
		}
		i = fcgi_conns_find(cs, ev[k].data.fd);
		if (i < 0)
			continue;
		switch (fcgi_conns_check(
		    cs, (unsigned)i,
		    (ev[k].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0)) {
		case 1:
			cs->c[i].ready = 1;
			break;
		case -1:
			close(fcgi_conns_take(cs, (unsigned)i));
			break;
		}
	}
	fd = fcgi_conns_ready(cs);
	if (fd < 0 && accept_ready)
		fd = fcgi_conns_accept(cs, now);
	return fd < 0 ? -1 : fcgi_conns_hand(cs, fd);
}
