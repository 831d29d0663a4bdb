/*
 * fcgi_worker.h: one worker process of the responder: the FastCGI accept
 * loop (the only code that touches libfcgi) around fi_api.
 */
#ifndef FCGI_WORKER_H
#define FCGI_WORKER_H

#include <signal.h>

#include "fi_config.h"

struct fi_gate;

/*
 * Answers requests on the listening socket listen_fd until *stop is set
 * (by SIGTERM: the request in progress is finished first). Large queries
 * enter gate as slot (NULL: no limit). *reopen asks for the log file to be
 * reopened. Returns the process exit status.
 */
int fcgi_worker_run(const struct fi_config *cfg, int listen_fd, struct fi_gate *gate,
		    unsigned slot, volatile sig_atomic_t *stop,
		    volatile sig_atomic_t *reopen);

#endif
