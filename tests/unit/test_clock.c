/*
 * test_clock.c: the monotonic clock (lib/fi_clock.c): it never goes back,
 * it advances across a sleep by about the time slept, and its two units
 * agree.
 */
#include <time.h>

#include "fi_clock.h"
#include "fi_test.h"

int
main(void)
{
	double prev = fi_clock_now(), t0, t1;
	int64_t ms0, ms1;
	int back = 0;
	struct timespec nap = {0, 50 * 1000 * 1000};

	for (int i = 0; i < 100000; i++) {
		double now = fi_clock_now();
		if (now < prev)
			back++;
		prev = now;
	}
	CHECK_INT(back, 0);

	t0 = fi_clock_now();
	ms0 = fi_clock_ms();
	nanosleep(&nap, NULL);
	t1 = fi_clock_now();
	ms1 = fi_clock_ms();
	CHECK(t1 - t0 >= 0.049);
	CHECK(t1 - t0 < 5.0);
	CHECK(ms1 - ms0 >= 49);
	CHECK(ms1 - ms0 < 5000);
	/* the same clock in two units: within a few ms of each other */
	CHECK(ms0 - (int64_t)(t0 * 1000) >= -5 && ms0 - (int64_t)(t0 * 1000) <= 5);
	return fi_test_result("test_clock");
}
