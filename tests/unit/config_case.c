/*
 * config_case.c: runs one data-driven config case, tests/cases/config/NAME/:
 * `input` is a config file; the case passes when loading it gives exactly
 * `output` (the printed effective config) or `error` (the message, with the
 * case directory shown as "CASE"). With --print it shows what it got.
 */
#include <stdlib.h>

#include "fi_buf.h"
#include "fi_config.h"
#include "fi_test.h"

static char *
slurp(const char *path)
{
	struct fi_buf b;
	char chunk[4096];
	size_t n;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return NULL;
	fi_buf_init(&b, 1 << 20);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (fi_buf_append(&b, chunk, n) != 0)
			break;
	fclose(fp);
	return fi_buf_steal(&b);
}

int
main(int argc, char **argv)
{
	char path[4096], got[8192];
	struct fi_config cfg;
	struct fi_err err;
	const char *dir;
	char *want, *p;
	int print = argc == 3 && strcmp(argv[1], "--print") == 0;

	if (argc != 2 && !print) {
		fprintf(stderr, "usage: config_case [--print] CASEDIR\n");
		return 2;
	}
	dir = argv[argc - 1];
	/* secrets may be written as env:NAME; these cases use FI_TEST_SECRET */
	setenv("FI_TEST_SECRET", "s3cret", 1);
	unsetenv("FI_TEST_UNSET");
	snprintf(path, sizeof(path), "%s/input", dir);
	fi_err_clear(&err);
	fi_config_defaults(&cfg);
	if (fi_config_load(&cfg, path, &err) == 0 && fi_config_finish(&cfg, &err) == 0) {
		FILE *mem = fmemopen(got, sizeof(got), "w");
		fi_config_print(&cfg, mem);
		fclose(mem);
		snprintf(path, sizeof(path), "%s/output", dir);
	} else {
		/* show the case directory as CASE so expectations do not hold paths */
		size_t dl = strlen(dir);
		const char *m = err.msg;

		if (strncmp(m, dir, dl) == 0)
			snprintf(got, sizeof(got), "CASE%s\n", m + dl);
		else
			snprintf(got, sizeof(got), "%s\n", m);
		snprintf(path, sizeof(path), "%s/error", dir);
	}
	if (print) {
		fputs(got, stdout);
		return 0;
	}
	want = slurp(path);
	if (want == NULL) {
		fprintf(stderr, "%s: missing (got this instead):\n%s", path, got);
		return 1;
	}
	/* a plain "secret" check: the printed config never shows a password */
	p = strstr(got, "s3cret");
	CHECK(p == NULL);
	CHECK_STR(got, want);
	free(want);
	return fi_test_result(dir);
}
