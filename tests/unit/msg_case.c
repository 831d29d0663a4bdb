/*
 * msg_case.c: runs one data-driven queue-element case, tests/cases/msg/NAME/:
 * `input` holds one element (a trailing newline is dropped); the case passes
 * when decoding gives exactly `output` (the flow, one field a line) or
 * `error` (the reason). With --print it shows what it got.
 */
#include <stdlib.h>

#include "fi_msg.h"
#include "fi_test.h"

static char *
slurp(const char *path, size_t *n)
{
	struct fi_buf b;
	char chunk[4096];
	size_t k;
	FILE *fp = fopen(path, "rb");

	if (fp == NULL)
		return NULL;
	fi_buf_init(&b, 1 << 20);
	while ((k = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (fi_buf_append(&b, chunk, k) != 0)
			break;
	fclose(fp);
	*n = b.len;
	return fi_buf_steal(&b);
}

int
main(int argc, char **argv)
{
	struct fi_msg_limits lim = {.max_duration = 604800};
	char path[4096], got[4096], a[FI_ADDR_TEXT_MAX], b[FI_ADDR_TEXT_MAX];
	struct fi_flow f;
	struct fi_err err;
	char *in, *want;
	size_t n, wn;
	int print = argc == 3 && strcmp(argv[1], "--print") == 0;
	const char *dir = argv[argc - 1];

	if (argc != 2 && !print) {
		fprintf(stderr, "usage: msg_case [--print] CASEDIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/input", dir);
	in = slurp(path, &n);
	if (in == NULL) {
		fprintf(stderr, "%s: cannot read\n", path);
		return 1;
	}
	if (n > 0 && in[n - 1] == '\n')
		n--;
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
	if (print) {
		fputs(got, stdout);
		return 0;
	}
	want = slurp(path, &wn);
	if (want == NULL) {
		fprintf(stderr, "%s: missing (got this instead):\n%s", path, got);
		return 1;
	}
	CHECK_STR(got, want);
	free(want);
	return fi_test_result(dir);
}
