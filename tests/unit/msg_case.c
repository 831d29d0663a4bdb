/*
 * msg_case.c: runs one data-driven queue-element case, tests/cases/msg/NAME/:
 * `input` holds one element (a trailing newline is dropped); the case passes
 * when decoding gives exactly `output` (the flow, one field a line) or
 * `error` (the reason). With --print it shows what it got.
 */
#include <stdlib.h>

#include "fi_msg.h"
#include "fi_case.h"
#include "fi_test.h"

int
main(int argc, char **argv)
{
	struct fi_msg_limits lim = {.max_duration = 604800};
	char path[4096], got[4096], a[FI_ADDR_TEXT_MAX], b[FI_ADDR_TEXT_MAX];
	struct fi_flow f;
	struct fi_case c;
	int rc = fi_case_start(&c, argc, argv, "msg_case", 1);

	if (rc != 0)
		return rc;
	if (fi_msg_is_end(c.in, c.n)) {
		snprintf(got, sizeof(got), "END\n");
		snprintf(path, sizeof(path), "%s/output", c.dir);
	} else if (fi_msg_decode(c.in, c.n, &lim, &f, &c.err) == 0) {
		snprintf(got, sizeof(got),
			 "first %lld\nlast %lld\nsrc %s\ndst %s\nsport %u\ndport "
			 "%u\nproto %u\n"
			 "packets %llu\nbytes %llu\nflows %llu\n",
			 (long long)f.first, (long long)f.last, fi_addr_format(&f.src, a),
			 fi_addr_format(&f.dst, b), f.sport, f.dport, f.proto,
			 (unsigned long long)f.packets, (unsigned long long)f.bytes,
			 (unsigned long long)f.flows);
		snprintf(path, sizeof(path), "%s/output", c.dir);
	} else {
		snprintf(got, sizeof(got), "%s\n", c.err.msg);
		snprintf(path, sizeof(path), "%s/error", c.dir);
	}
	return fi_case_finish(&c, path, got);
}
