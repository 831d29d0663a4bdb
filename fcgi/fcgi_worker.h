/*
 * fcgi_worker.h: one worker process of the responder: the FastCGI accept
 * loop (the only code that touches libfcgi) around fi_api.
 */
#ifndef FCGI_WORKER_H
#define FCGI_WORKER_H

#include <signal.h>

#include "fi_config.h"

/*
 * Answers requests on the listening socket listen_fd until *stop is set
 * (by SIGTERM: the request in progress is finished first). *reopen asks
 * for the log file to be reopened. Returns the process exit status.
 */
int fcgi_worker_run(const struct fi_config *cfg, int listen_fd,
		    volatile sig_atomic_t *stop, volatile sig_atomic_t *reopen);

#endif
