/*
 * fcgi_main.c: flowinspector-fcgi, the FastCGI responder of the JSON API.
 * So far it reads and checks the configuration; the routes come next.
 */
#include <stdio.h>

#include "fi_program.h"

int
main(int argc, char **argv)
{
	struct fi_config cfg;
	int rc = fi_program_basic(
	    "flowinspector-fcgi",
	    "Answers the JSON API under /api/ as a FastCGI responder.", argc, argv, &cfg);

	if (rc >= 0)
		return rc;
	fprintf(stderr, "flowinspector-fcgi: the API is not built in this version\n");
	return 1;
}
