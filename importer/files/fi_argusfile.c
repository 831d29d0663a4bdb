/*
 * fi_argusfile.c: argus files through ra, see fi_argusfile.h. ra is told
 * everything that shapes its output (fields, separator, numeric values,
 * UNIX times with microseconds) and reads no configuration file, so a
 * site's .rarc cannot change what a line means.
 */
#include <string.h>

#include "fi_argusfile.h"

static const char *const fi_argusfile_fields[FI_ARGUSFILE_FIELDS] = {
    "stime", "dur",   "proto", "saddr",	 "sport",  "daddr",
    "dport", "spkts", "dpkts", "sbytes", "dbytes",
};

int
fi_argusfile_init(struct fi_argusfile *a, int64_t max_duration, struct fi_err *err)
{
	int rc = fi_dbsrc_layout_init(&a->layout, FI_DBSRC_ARGUS, fi_argusfile_fields,
				      FI_ARGUSFILE_FIELDS, err);

	if (rc != 0)
		return rc;
	for (unsigned k = 0; k < a->layout.n; k++)
		for (unsigned i = 0; i < FI_ARGUSFILE_FIELDS; i++)
			if (strcmp(a->layout.names[k], fi_argusfile_fields[i]) == 0)
				a->field[k] = i;
	a->lim.max_duration = max_duration;
	return 0;
}

void
fi_argusfile_argv(const char *path, const char *argv[FI_ARGUSFILE_ARGV])
{
	static const char *const head[] = {"ra", "-F", "/dev/null", "-n", "-u", "-p",
					   "6",	 "-c", "|",	    "-r", NULL, "-s"};
	unsigned n = 0;

	for (unsigned i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		argv[n++] = head[i];
	argv[10] = path;
	for (unsigned i = 0; i < FI_ARGUSFILE_FIELDS; i++)
		argv[n++] = fi_argusfile_fields[i];
	argv[n] = NULL;
}

int
fi_argusfile_is_record(struct fi_str line)
{
	return line.n > 0 && !(line.n >= 9 && memcmp(line.p, "StartTime", 9) == 0);
}

int
fi_argusfile_line(const struct fi_argusfile *a, struct fi_str line, struct fi_flow out[2],
		  unsigned *n, struct fi_err *err)
{
	struct fi_str f[FI_ARGUSFILE_FIELDS];
	struct fi_val vals[FI_SR_COUNT];
	unsigned k = 0;
	const char *p = line.p, *e = line.p + line.n;

	*n = 0;
	if (!fi_argusfile_is_record(line))
		return 0;
	for (;;) {
		const char *bar = memchr(p, '|', (size_t)(e - p));
		const char *end = bar != NULL ? bar : e;

		if (k == FI_ARGUSFILE_FIELDS)
			return fi_err_set(err, FI_EINVAL, "more than %u fields",
					  FI_ARGUSFILE_FIELDS);
		f[k++] = (struct fi_str){p, (size_t)(end - p)};
		if (bar == NULL)
			break;
		p = bar + 1;
	}
	if (k != FI_ARGUSFILE_FIELDS)
		return fi_err_set(err, FI_EINVAL, "%u fields, not %u", k,
				  FI_ARGUSFILE_FIELDS);
	for (unsigned c = 0; c < a->layout.n; c++) {
		struct fi_str v = f[a->field[c]];

		vals[c] =
		    v.n > 0 ? FI_VAL_S(v.p, v.n) : (struct fi_val){.type = FI_VAL_NULL};
	}
	return fi_dbsrc_decode(&a->layout, vals, &a->lim, out, n, err);
}
