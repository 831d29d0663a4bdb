/*
 * fcgi_listen.c: socket setup for the responder. libfcgi's own
 * FCGX_OpenSocket is not used: it knows only IPv4 and copies the address
 * unbounded; here addresses go through getaddrinfo and paths are checked.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fcgi_listen.h"
#include "fi_buf.h"
#include "fi_num.h"

int
fcgi_listen_is_unix(const char *spec)
{
	return spec[0] == '/' || spec[0] == '.';
}

static int
fcgi_listen_unix(const char *path, struct fi_err *err)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, exists;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fi_err_set(err, FI_EINVAL, "fcgi_socket: path too long: %s", path);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	exists = lstat(path, &st) == 0;
	if (exists && !S_ISSOCK(st.st_mode)) {
		fi_err_set(err, FI_EINVAL, "fcgi_socket: %s exists and is not a socket",
			   path);
		return -1;
	}
	if (exists) {
		/* a socket someone still answers on is not ours to take over */
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(fd);
			fi_err_set(err, FI_EIO,
				   "fcgi_socket %s: in use by another process", path);
			return -1;
		}
		if (fd >= 0)
			close(fd);
		unlink(path); /* left by an earlier run */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fi_err_set(err, FI_EIO, "socket: %s", strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || chmod(path, 0660) != 0 ||
	    listen(fd, FCGI_LISTEN_BACKLOG) != 0) {
		fi_err_set(err, FI_EIO, "fcgi_socket %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
fcgi_listen_tcp(const char *spec, struct fi_err *err)
{
	char host[256];
	const char *colon = strrchr(spec, ':');
	struct addrinfo hints, *res = NULL, *ai;
	size_t hn;
	uint64_t port;
	int fd = -1, one = 1, rc;

	if (colon == NULL || fi_num_u64((struct fi_str){colon + 1, strlen(colon + 1)}, 1,
					65535, &port) != 0) {
		fi_err_set(err, FI_EINVAL,
			   "fcgi_socket: \"%s\" is neither host:port nor a path", spec);
		return -1;
	}
	hn = (size_t)(colon - spec);
	if (hn >= 2 && spec[0] == '[' && spec[hn - 1] == ']') {
		spec++;
		hn -= 2;
	}
	if (hn >= sizeof(host)) {
		fi_err_set(err, FI_EINVAL, "fcgi_socket: host too long");
		return -1;
	}
	memcpy(host, spec, hn);
	host[hn] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(hn == 0 || strcmp(host, "*") == 0 ? NULL : host, colon + 1,
			 &hints, &res);
	if (rc != 0) {
		fi_err_set(err, FI_EINVAL, "fcgi_socket %s: %s", spec, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, FCGI_LISTEN_BACKLOG) == 0)
			break;
		fi_err_set(err, FI_EIO, "fcgi_socket %s: %s", spec, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		fi_err_set(err, FI_EIO, "fcgi_socket %s: cannot listen", spec);
	return fd;
}

int
fcgi_listen_open(const char *spec, struct fi_err *err)
{
	if (fcgi_listen_is_unix(spec))
		return fcgi_listen_unix(spec, err);
	return fcgi_listen_tcp(spec, err);
}

/* Whether fd is a listening stream socket. */
static int
fcgi_listen_is_listening(int fd)
{
	struct stat st;
	int v = 0;
	socklen_t len = sizeof(v);

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) &&
	       getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == 0 && v == 1;
}

int
fcgi_listen_inherited(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	uint64_t p, n;

	if (pid != NULL && fds != NULL && fi_num_u64_cstr(pid, 1, UINT32_MAX, &p) == 0 &&
	    p == (uint64_t)getpid() && fi_num_u64_cstr(fds, 1, 64, &n) == 0) {
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_FDNAMES");
		if (fcgi_listen_is_listening(3))
			return 3;
	}
	if (fcgi_listen_is_listening(0))
		return 0;
	return -1;
}
