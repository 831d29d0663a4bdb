/*
 * fi_program.h: what every program does at start: read and check the
 * config, set up logging, and answer --version / -n the same way.
 */
#ifndef FI_PROGRAM_H
#define FI_PROGRAM_H

#include "fi_config.h"

#ifndef FI_VERSION
#define FI_VERSION "0.0.0"
/*
 * The whole command line of a program that so far takes only the common
 * options (-c FILE, -n, -v, -h, -V): parses argv, prints usage (the
 * `summary` paragraph and the config keys), reads the config. Returns -1 when
 * the program should go on with cfg filled, else the exit status.
 */
int fi_program_basic(const char *name, const char *summary, int argc, char **argv,
		     struct fi_config *cfg);

#endif

/* Prints "NAME VERSION" to standard output. */
void fi_program_version(const char *name);

/*
 * Reads the config (explicit_path from -c, or NULL), printing any error as
 * "NAME: file:line: message" to standard error, then sets up logging from
 * it. Returns 0, or 1 (the exit status to use) on error.
 */
int fi_program_config(const char *name, const char *explicit_path, struct fi_config *cfg);

/*
 * Re-reads the config (for SIGHUP): on error logs it as a warning and
 * returns -1, leaving cfg untouched.
 */
int fi_program_config_quiet(const char *explicit_path, struct fi_config *cfg);

/*
 * For -n: reports "configuration OK" with the file used, and with verbose
 * prints the effective configuration. Returns the exit status (0).
 */
int fi_program_check(const char *name, const char *explicit_path,
		     const struct fi_config *cfg, int verbose);

/*
 * The whole command line of a program that so far takes only the common
 * options (-c FILE, -n, -v, -h, -V): parses argv, prints usage (the
 * `summary` paragraph and the config keys), reads the config. Returns -1 when
 * the program should go on with cfg filled, else the exit status.
 */
int fi_program_basic(const char *name, const char *summary, int argc, char **argv,
		     struct fi_config *cfg);

#endif
