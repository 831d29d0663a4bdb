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
	struct fi_case c;
	int rc = fi_case_start(&c, argc, argv, "query_case", 1);

	if (rc != 0)
		return rc;
	if (fi_query_parse((struct fi_str){c.in, c.n}, sizes, 4, &q, &c.err) == 0) {
		FILE *mem = fmemopen(got, sizeof(got), "w");
		fi_query_print(&q, mem);
		fclose(mem);
		snprintf(path, sizeof(path), "%s/output", c.dir);
	} else {
		CHECK(c.err.code != 0);
		snprintf(got, sizeof(got), "%s\n", c.err.msg);
		snprintf(path, sizeof(path), "%s/error", c.dir);
	}
	return fi_case_finish(&c, path, got);
}
