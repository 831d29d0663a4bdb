/*
 * fuzz_msg.c: libFuzzer target for the queue-element decoder. Any input
 * must decode into a valid flow or fail with a reason (which then goes into
 * a dead letter), without a crash or a sanitizer report. Built with FI_FUZZ
 * (clang); fuzz_replay.c runs the corpus of tests/fuzz/msg/ through it as an
 * ordinary test under any compiler.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fi_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fi_msg_limits lim = {.max_duration = 604800};
	struct fi_flow f;
	struct fi_err err;
	struct fi_buf dead;

	fi_err_clear(&err);
	if (fi_msg_is_end((const char *)data, size))
		return 0;
	if (fi_msg_decode((const char *)data, size, &lim, &f, &err) == 0) {
		/* what decodes must be a flow the slicer accepts */
		if (f.first < 0 || f.last < f.first || f.last > FI_TIME_MAX ||
		    f.last - f.first + 1 > lim.max_duration)
			abort();
		return 0;
	}
	if (err.code == 0 || err.msg[0] == '\0')
		abort(); /* every rejection carries a reason */
	fi_buf_init(&dead, 0);
	if (fi_msg_dead_letter((const char *)data, size, err.msg, &dead) != 0 ||
	    dead.len == 0)
		abort(); /* and becomes a dead letter */
	fi_buf_fini(&dead);
	return 0;
}
