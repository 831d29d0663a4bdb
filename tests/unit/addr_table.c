/*
 * addr_table.c: checks the responder's address and prefix parsers
 * (fi_addr_parse, fi_prefix_parse) against tests/cases/addr/table.txt, the
 * table the pages' parser (static/js/lib/addr.js) is tested with too, so the
 * pages accept exactly what the API accepts. Argument: the table's path.
 */
#include <stdio.h>
#include <string.h>

#include "fi_addr.h"
#include "fi_test.h"

/* Parses text as kind says; 0 on success. The meaning is compared as a prefix. */
static int
addr_table_parse(const char *kind, const char *text, struct fi_prefix *out)
{
	struct fi_str s = {text, strlen(text)};

	if (strcmp(kind, "addr") == 0 || strcmp(kind, "int") == 0) {
		out->len = 128;
		return fi_addr_parse(s, strcmp(kind, "int") == 0 ? FI_ADDR_ALLOW_INT : 0,
				     &out->addr);
	}
	return fi_prefix_parse(s, FI_ADDR_ALLOW_INT, out);
}

int
main(int argc, char **argv)
{
	char line[512];
	unsigned lineno = 0;
	FILE *f;

	if (argc != 2 || (f = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "usage: addr_table TABLE\n");
		return 2;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char kind[16], in[256], want[256];
		struct fi_prefix got, exp;
		int rc;

		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%15s %255s %255s", kind, in, want) != 3) {
			FI_FAIL_AT("line %u: not KIND INPUT MEANING", lineno);
			continue;
		}
		fi_test_checks++;
		rc = addr_table_parse(kind, in, &got);
		if (strcmp(want, "-") == 0) {
			if (rc == 0)
				FI_FAIL_AT("line %u: %s \"%s\" was taken", lineno, kind,
					   in);
			continue;
		}
		if (rc != 0) {
			FI_FAIL_AT("line %u: %s \"%s\" was refused", lineno, kind, in);
			continue;
		}
		/* the meaning is read as a prefix (a bare address is a /128) */
		if (fi_prefix_parse((struct fi_str){want, strlen(want)}, 0, &exp) != 0) {
			FI_FAIL_AT("line %u: the meaning \"%s\" does not parse", lineno,
				   want);
			continue;
		}
		if (fi_addr_cmp(&got.addr, &exp.addr) != 0 || got.len != exp.len) {
			char buf[FI_ADDR_TEXT_MAX];

			FI_FAIL_AT("line %u: %s \"%s\" is %s/%u, not %s", lineno, kind,
				   in, fi_addr_format(&got.addr, buf), got.len, want);
		}
	}
	fclose(f);
	return fi_test_result("addr_table");
}
