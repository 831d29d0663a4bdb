/*
 * fi_program.h: what every program does at start: parse the command line
 * (the common options -c FILE, -n, -v, -h, -V and the program's own), read
 * and check the config, set up logging, and answer --version / -n the same
 * way.
 */
#ifndef FI_PROGRAM_H
#define FI_PROGRAM_H

#include <getopt.h>
#include <stdio.h>

#include "fi_config.h"

#ifndef FI_VERSION
#define FI_VERSION "0.0.0"
#endif

/* The usage lines of the common options, for a program's usage text. */
#define FI_PROGRAM_USAGE_CONFIG                                                          \
	"  -c, --config FILE  configuration file (default: $" FI_CONFIG_ENV              \
	" or " FI_CONFIG_DEFAULT_PATH ")\n"                                              \
	"  -n, --check        check the configuration and exit\n"                        \
	"  -v, --verbose      with -n: print the effective configuration\n"
/* ...and the last lines; the list of configuration keys follows them. */
#define FI_PROGRAM_USAGE_HELP                                                            \
	"  -h, --help         this text\n"                                               \
	"  -V, --version      print the version\n"                                       \
	"\nconfiguration keys:\n"

/*
 * A program's command line: what it adds to the common options. The
 * callbacks return -1 to go on, or the exit status to end with (they print
 * their own message); ctx is passed to them.
 */
struct fi_program_cli {
	const char *name;	       /* the program, for messages and --version */
	void (*usage)(FILE *out);      /* the usage text; the config keys follow */
	const char *shortopts;	       /* its own short options (getopt syntax), or "" */
	const struct option *longopts; /* its own long options, {NULL} ends; or NULL */
	/* one of its own options: ch as getopt_long returns it, longname the
	 * long option's name (NULL when given short), arg its argument or NULL */
	int (*option)(void *ctx, int ch, const char *longname, char *arg);
	/* the operands after the options; NULL: an operand is an error */
	int (*operands)(void *ctx, int argc, char **argv);
	/* cfg is read, -n not yet answered: for settings from the command line */
	int (*configured)(void *ctx, struct fi_config *cfg);
	void *ctx;
	/* filled by fi_program_start */
	const char *config_path; /* -c FILE, or NULL */
	int verbose;		 /* -v */
};

/*
 * The whole start of a program: parses argv (the common options, then
 * cli's own through its callbacks), prints usage for -h (exit 0) and for a
 * bad option (exit 2), the version for -V (exit 0), reads the config into
 * cfg (printing an error as "NAME: file:line: message", exit 1), sets up
 * logging, calls cli->configured, and answers -n (exit 0). Returns -1 when
 * the program should go on with cfg filled, else the exit status. cli is
 * borrowed; its config_path and verbose are filled.
 */
int fi_program_start(struct fi_program_cli *cli, int argc, char **argv,
		     struct fi_config *cfg);

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

#endif
