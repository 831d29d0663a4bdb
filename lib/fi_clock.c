/*
 * fi_clock.c: the monotonic clock (CLOCK_MONOTONIC, which never steps back
 * when the wall clock is set), and sleeping on it.
 */
#include <time.h>
#include <unistd.h>

#include "fi_clock.h"

#define FI_CLOCK_TICK_US 50000 /* how soon a sleep sees a stop */

double
fi_clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t
fi_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
fi_clock_sleep(double seconds, const volatile sig_atomic_t *stop)
{
	double until = fi_clock_now() + seconds;

	while ((stop == NULL || !*stop) && fi_clock_now() < until)
		usleep(FI_CLOCK_TICK_US);
}
