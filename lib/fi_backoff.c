/*
 * fi_backoff.c: the doubling wait between reconnect attempts, on the
 * monotonic clock and stop-aware.
 */
#include "fi_backoff.h"
#include "fi_clock.h"
#include "fi_limits.h"

void
fi_backoff_wait(unsigned *delay, const volatile sig_atomic_t *stop)
{
	fi_clock_sleep(*delay, stop);
	*delay = *delay * 2 > FI_BACKOFF_MAX_S ? FI_BACKOFF_MAX_S : *delay * 2;
}
