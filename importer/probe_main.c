/*
 * probe_main.c: flowinspector-probe, which turns packets (a capture file or
 * an interface) into flow records on the redis queue. So far it reads and
 * checks the configuration; capture and metering come next.
 */
#include <stdio.h>

#include "fi_program.h"

int
main(int argc, char **argv)
{
	struct fi_config cfg;
	int rc = fi_program_basic(
	    "flowinspector-probe",
	    "Meters flows from packets and pushes them to the queue.", argc, argv, &cfg);

	if (rc >= 0)
		return rc;
	fprintf(stderr, "flowinspector-probe: capture is not built in this version\n");
	return 1;
}
