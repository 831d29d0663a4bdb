/*
 * fi_case.h: what the data-driven case runners (config_case, msg_case,
 * query_case) share: the command line, reading a case file whole, and the
 * ending: print what was got (--print), or compare it with the expected file.
 */
#ifndef FI_CASE_H
#define FI_CASE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
 * The case directory of the command line `NAME [--print] CASEDIR`, with
 * *print set for --print; NULL, after printing the usage, when it is not one.
 */
static inline const char *
fi_case_dir(int argc, char **argv, const char *name, int *print)
{
	*print = argc == 3 && strcmp(argv[1], "--print") == 0;
	if (argc != 2 && !*print) {
		fprintf(stderr, "usage: %s [--print] CASEDIR\n", name);
		return NULL;
	}
	return argv[argc - 1];
}

/*
 * The case's file DIR/input as fi_case_read gives it, with one trailing
 * newline dropped from *len; NULL, said on stderr, when it cannot be read.
 */
static inline char *
fi_case_input(const char *dir, size_t *len)
{
	char path[4096];
	char *in;

	snprintf(path, sizeof(path), "%s/input", dir);
	in = fi_case_read(path, len);
	if (in == NULL)
		fprintf(stderr, "%s: cannot read\n", path);
	else if (*len > 0 && in[*len - 1] == '\n')
		(*len)--;
	return in;
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
