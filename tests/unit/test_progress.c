/*
 * test_progress.c: the importer's progress bar (importer/fi_progress.c): the
 * text of a line with and without a known total, the time left, a cut line,
 * and what is drawn on a stream: a carriage-return line, erased at the end,
 * nothing at all when disabled.
 */
#include <stdlib.h>

#include "fi_progress.h"
#include "fi_test.h"

static void
test_format(void)
{
	char buf[FI_PROGRESS_LINE_MAX];

	CHECK_STR(
	    fi_progress_format(buf, sizeof(buf), "argus_flows", 250, 1000, 2.0),
	    "argus_flows [#####...............]  25%  250/1000 rows  125 rows/s  ETA "
	    "0:06");
	CHECK_STR(fi_progress_format(buf, sizeof(buf), "t", 1000, 1000, 1.0),
		  "t [####################] 100%  1000/1000 rows  1000 rows/s  ETA 0:00");
	CHECK_STR(fi_progress_format(buf, sizeof(buf), "t", 5, 0, 0),
		  "t  5 rows  0 rows/s");
	CHECK_STR(fi_progress_format(buf, sizeof(buf), "t", 1, 100000, 1.0),
		  "t [....................]   0%  1/100000 rows  1 rows/s  ETA 27:46:39");
	/* more done than expected: no bar, just the count */
	CHECK_STR(fi_progress_format(buf, sizeof(buf), "t", 12, 10, 1.0),
		  "t  12 rows  12 rows/s");
	CHECK_STR(fi_progress_format(buf, 8, "long label", 1, 2, 1.0), "long la");
}

static void
test_draw(void)
{
	struct fi_progress p;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	CHECK(out != NULL);
	if (out == NULL)
		return;
	fi_progress_begin(&p, out, "argus_flows", 100);
	p.drawn_at -= 1.0; /* as if the last line were a second old */
	fi_progress_update(&p, 40);
	fflush(out);
	CHECK(len > 0 && text[0] == '\r');
	CHECK_CONTAINS(text, "argus_flows [########............]  40%  40/100 rows");
	CHECK(p.width > 0);
	/* a second update within the interval draws nothing */
	size_t before = len;
	fi_progress_update(&p, 41);
	fflush(out);
	CHECK_UINT(len, before);
	CHECK_UINT(p.done, 41);
	fi_progress_clear(&p);
	fflush(out);
	CHECK_UINT(p.width, 0);
	CHECK(len > before && text[len - 1] == '\r');
	fclose(out);
	free(text);

	/* disabled: every call is a no-op */
	fi_progress_begin(&p, NULL, "x", 10);
	fi_progress_update(&p, 5);
	fi_progress_clear(&p);
	CHECK_UINT(p.width, 0);
}

int
main(void)
{
	test_format();
	test_draw();
	return fi_test_result("test_progress");
}
