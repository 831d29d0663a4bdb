/*
 * fi_clock.h: the one monotonic clock of the programs, for timeouts, rates
 * and intervals (never for timestamps of flows, which are wall-clock time).
 */
#ifndef FI_CLOCK_H
#define FI_CLOCK_H

#include <signal.h>
#include <stdint.h>

/* Seconds since an arbitrary fixed point, with nanosecond resolution. */
double fi_clock_now(void);

/* Milliseconds since the same point. */
int64_t fi_clock_ms(void);

/*
 * Sleeps for seconds, returning early (within FI_CLOCK_TICK_US) once *stop
 * is set by a signal handler; stop may be NULL.
 */
void fi_clock_sleep(double seconds, const volatile sig_atomic_t *stop);

#endif
