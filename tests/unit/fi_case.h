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
#include "fi_err.h"
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

/* One case being run: its folder, --print, its input once read, its error. */
struct fi_case {
	const char *dir;   /* the case folder */
	int print;	   /* --print: show what was got, compare nothing */
	char *in;	   /* the file `input`, NUL-terminated (owned), or NULL */
	size_t n;	   /* its length, one trailing newline dropped */
	struct fi_err err; /* what the parser under test says, cleared at start */
};

/*
 * Reads the command line `NAME [--print] CASEDIR` into c and, with input,
 * the case's file `input`. Returns 0, or main()'s exit status after saying
 * why on stderr: 2 for a wrong command line, 1 for an unreadable input.
 */
static inline int
fi_case_start(struct fi_case *c, int argc, char **argv, const char *name, int input)
{
	char path[4096];

	memset(c, 0, sizeof(*c));
	fi_err_clear(&c->err);
	c->print = argc == 3 && strcmp(argv[1], "--print") == 0;
	if (argc != 2 && !c->print) {
		fprintf(stderr, "usage: %s [--print] CASEDIR\n", name);
		return 2;
	}
	c->dir = argv[argc - 1];
	if (!input)
		return 0;
	snprintf(path, sizeof(path), "%s/input", c->dir);
	c->in = fi_case_read(path, &c->n);
	if (c->in == NULL) {
		fprintf(stderr, "%s: cannot read\n", path);
		return 1;
	}
	if (c->n > 0 && c->in[c->n - 1] == '\n')
		c->n--;
	return 0;
}

/*
 * Ends case c, whose answer is got and whose expectation is the file path:
 * with --print, writes got and passes; else got must equal the file. Frees
 * the input; returns main()'s exit status.
 */
static inline int
fi_case_finish(struct fi_case *c, const char *path, const char *got)
{
	char *want;

	free(c->in);
	c->in = NULL;
	if (c->print) {
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
	return fi_test_result(c->dir);
}

#endif
