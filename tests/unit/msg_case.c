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
	struct fi_err err;
	char *in;
	size_t n;
	int print;
	const char *dir = fi_case_dir(argc, argv, "msg_case", &print);

	if (dir == NULL)
		return 2;
	in = fi_case_input(dir, &n);
	if (in == NULL)
		return 1;
	fi_err_clear(&err);
	if (fi_msg_is_end(in, n)) {
		snprintf(got, sizeof(got), "END\n");
		snprintf(path, sizeof(path), "%s/output", dir);
	} else if (fi_msg_decode(in, n, &lim, &f, &err) == 0) {
		snprintf(got, sizeof(got),
			 "first %lld\nlast %lld\nsrc %s\ndst %s\nsport %u\ndport "
			 "%u\nproto %u\n"
			 "packets %llu\nbytes %llu\nflows %llu\n",
			 (long long)f.first, (long long)f.last, fi_addr_format(&f.src, a),
			 fi_addr_format(&f.dst, b), f.sport, f.dport, f.proto,
			 (unsigned long long)f.packets, (unsigned long long)f.bytes,
			 (unsigned long long)f.flows);
		snprintf(path, sizeof(path), "%s/output", dir);
	} else {
		snprintf(got, sizeof(got), "%s\n", err.msg);
		snprintf(path, sizeof(path), "%s/error", dir);
	}
	free(in);
	return fi_case_finish(dir, path, got, print);
}
