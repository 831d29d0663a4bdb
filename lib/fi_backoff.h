/*
 * fi_backoff.h: the wait between reconnect attempts of the importer and
 * the probe (redis, the database): doubling from 1 s up to
 * FI_BACKOFF_MAX_S, cut short when the program is asked to stop.
 */
#ifndef FI_BACKOFF_H
#define FI_BACKOFF_H

#include <signal.h>

/*
 * Sleeps *delay seconds (start it at 1), returning early once *stop is
 * set, then doubles *delay up to FI_BACKOFF_MAX_S for the next attempt.
 */
void fi_backoff_wait(unsigned *delay, const volatile sig_atomic_t *stop);

#endif
