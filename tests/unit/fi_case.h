/*
 * fi_case.h: what the data-driven case runners (config_case, msg_case,
 * query_case) share: reading a case file whole, and the ending: print what
 * was got (--print), or compare it with the expected file.
 */
#ifndef FI_CASE_H
#define FI_CASE_H

#include <stdio.h>
#include <stdlib.h>

#include "fi_buf.h"
#include "fi_test.h"

/*
 * The contents of path (up to 1 MB), NUL-terminated, malloc'ed; its length
 * in *len unless len is NULL. NULL when it cannot be opened.
 */
static inline char *
fi_case_read(const char *path, size_t *len)
{
	struct fi_buf b;
	char chunk[4096];
	size_t n;
	FILE *fp = fopen(path, "rb");

	if (fp == NULL)
		return NULL;
	fi_buf_init(&b, 1 << 20);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (fi_buf_append(&b, chunk, n) != 0)
			break;
	fclose(fp);
	if (len != NULL)
		*len = b.len;
	return fi_buf_steal(&b);
}

/*
 * Ends a case whose answer is got and whose expectation is the file path:
 * with print, writes got and passes; else got must equal the file. Returns
 * main()'s exit status.
 */
static inline int
fi_case_finish(const char *dir, const char *path, const char *got, int print)
{
	char *want;

	if (print) {
		fputs(got, stdout);
		return 0;
	}
	want = fi_case_read(path, NULL);
	if (want == NULL) {
		fprintf(stderr, "%s: missing (got this instead):\n%s", path, got);
		return 1;
	}
	CHECK_STR(got, want);
	free(want);
	return fi_test_result(dir);
}

#endif
