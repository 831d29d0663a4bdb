/*
 * fi_clock.c: the monotonic clock (CLOCK_MONOTONIC, which never steps back
 * when the wall clock is set).
 */
#include <time.h>

#include "fi_clock.h"

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
