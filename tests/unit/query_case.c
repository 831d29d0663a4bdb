/*
 * query_case.c: runs one data-driven query-string case, tests/cases/query/NAME/:
 * `input` is a query string (one trailing newline is dropped); the case passes
 * when parsing it with the default bucket sizes gives exactly `output` (the
 * parsed query as fi_query_print writes it) or `error` (the client message).
 * With --print it shows what it got.
 */
#include <stdlib.h>

#include "fi_buf.h"
#include "fi_query.h"
#include "fi_case.h"
#include "fi_test.h"

int
main(int argc, char **argv)
{
	static const uint32_t sizes[] = {60, 600, 3600, 86400};
	static struct fi_query q;
	char path[4096], got[65536];
	struct fi_err err;
	char *input;
	size_t n;
	int print;
	const char *dir = fi_case_dir(argc, argv, "query_case", &print);

	if (dir == NULL)
		return 2;
	input = fi_case_input(dir, &n);
	if (input == NULL)
		return 1;
	fi_err_clear(&err);
	if (fi_query_parse((struct fi_str){input, n}, sizes, 4, &q, &err) == 0) {
		FILE *mem = fmemopen(got, sizeof(got), "w");
		fi_query_print(&q, mem);
		fclose(mem);
		snprintf(path, sizeof(path), "%s/output", dir);
	} else {
		CHECK(err.code != 0);
		snprintf(got, sizeof(got), "%s\n", err.msg);
		snprintf(path, sizeof(path), "%s/error", dir);
	}
	free(input);
	return fi_case_finish(dir, path, got, print);
}
