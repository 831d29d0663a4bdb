/*
 * fuzz_query.c: libFuzzer target for the API query-string parser. Any input
 * must parse or fail with a message, within the limits, without a crash or a
 * sanitizer report. Built with FI_FUZZ (clang); fuzz_replay.c runs the corpus
 * of tests/fuzz/query/ through it as an ordinary test under any compiler.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fi_query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t sizes[] = {60, 600, 3600, 86400};
	static struct fi_query q;
	struct fi_err err;
	int rc;

	fi_err_clear(&err);
	rc =
	    fi_query_parse((struct fi_str){(const char *)data, size}, sizes, 4, &q, &err);
	if (rc != 0 && (err.code == 0 || err.msg[0] == '\0'))
		abort(); /* every failure carries a message for the client */
	if (rc == 0 &&
	    (q.nsort > FI_QUERY_SORT_MAX || q.ninclude_ips > FI_QUERY_ITEMS_MAX ||
	     q.nexclude_ips > FI_QUERY_ITEMS_MAX ||
	     q.ninclude_ports > FI_QUERY_ITEMS_MAX ||
	     q.nexclude_ports > FI_QUERY_ITEMS_MAX || q.resolution < 1 ||
	     q.end_bucket > FI_TIME_MAX))
		abort();
	return 0;
}
