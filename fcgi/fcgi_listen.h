/*
 * fcgi_listen.h: the responder's listening socket: opened from fcgi_socket
 * (host:port, [v6]:port, or a unix socket path), or inherited from systemd
 * socket activation (LISTEN_FDS) or spawn-fcgi (a listening socket on fd 0).
 */
#ifndef FCGI_LISTEN_H
#define FCGI_LISTEN_H

#include "fi_err.h"

#define FCGI_LISTEN_BACKLOG 128 /* pending connections nginx may queue */

/*
 * Opens and listens on spec. A unix path (starting with '/' or '.') replaces
 * a stale socket file, never another kind of file, and is made 0660.
 * Returns the descriptor, or -1 with err set.
 */
int fcgi_listen_open(const char *spec, struct fi_err *err);

/*
 * The inherited listening socket, if any: fd 3 when systemd passed one to
 * this process (LISTEN_PID/LISTEN_FDS, which are then unset), else fd 0 when
 * it is a listening socket (spawn-fcgi). Returns the descriptor or -1.
 */
int fcgi_listen_inherited(void);

/* Whether spec names a unix socket path. */
int fcgi_listen_is_unix(const char *spec);

#endif
