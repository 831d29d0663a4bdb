/*
 * config_case.c: runs one data-driven config case, tests/cases/config/NAME/:
 * `input` is a config file; the case passes when loading it gives exactly
 * `output` (the printed effective config) or `error` (the message, with the
 * case directory shown as "CASE"). With --print it shows what it got.
 */
#include <stdlib.h>

#include "fi_buf.h"
#include "fi_config.h"
#include "fi_case.h"
#include "fi_test.h"

int
main(int argc, char **argv)
{
	char path[4096], got[8192];
	struct fi_config cfg;
	char *p;
	struct fi_case c;
	int rc = fi_case_start(&c, argc, argv, "config_case", 0);
	const char *dir = c.dir;

	if (rc != 0)
		return rc;
	/* secrets may be written as env:NAME; these cases use FI_TEST_SECRET */
	setenv("FI_TEST_SECRET", "s3cret", 1);
	unsetenv("FI_TEST_UNSET");
	snprintf(path, sizeof(path), "%s/input", dir);
	fi_config_defaults(&cfg);
	if (fi_config_load(&cfg, path, &c.err) == 0 &&
	    fi_config_finish(&cfg, &c.err) == 0) {
		FILE *mem = fmemopen(got, sizeof(got), "w");
		fi_config_print(&cfg, mem);
		fclose(mem);
		snprintf(path, sizeof(path), "%s/output", dir);
	} else {
		/* show the case directory as CASE so expectations do not hold paths */
		size_t dl = strlen(dir);
		const char *m = c.err.msg;

		if (strncmp(m, dir, dl) == 0)
			snprintf(got, sizeof(got), "CASE%s\n", m + dl);
		else
			snprintf(got, sizeof(got), "%s\n", m);
		snprintf(path, sizeof(path), "%s/error", dir);
	}
	/* a plain "secret" check: the printed config never shows a password */
	p = strstr(got, "s3cret");
	CHECK(p == NULL);
	return fi_case_finish(&c, path, got);
}
