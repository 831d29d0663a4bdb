/*
 * importer_main.c: flowinspector-importer's command line: the queue import
 * daemon (default), --once and --exit-on-end for scripts, --init-db.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "fi_importer.h"
#include "fi_log.h"
#include "fi_program.h"
#include "fi_schema.h"

static const char *const importer_name = "flowinspector-importer";

static void
importer_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: %s [-c FILE] [-n [-v]] [--init-db] [--once] [--exit-on-end]\n"
	    "\n"
	    "Takes flow records from the redis queue (and database sources) and keeps\n"
	    "the time-bucket tables in MySQL/MariaDB current.\n"
	    "\n"
	    "  -c, --config FILE  configuration file (default: $" FI_CONFIG_ENV
	    " or " FI_CONFIG_DEFAULT_PATH ")\n"
	    "  -n, --check        check the configuration and exit\n"
	    "  -v, --verbose      with -n: print the effective configuration\n"
	    "      --init-db      create or upgrade schema, retention events and "
	    "accounts\n"
	    "      --once         import what is queued now, write it, and exit\n"
	    "      --exit-on-end  exit after the flush an END element asks for\n"
	    "  -h, --help         this text\n"
	    "  -V, --version      print the version\n"
	    "\nconfiguration keys:\n",
	    importer_name);
	fi_config_print_keys(out);
}

int
main(int argc, char **argv)
{
	enum { OPT_INIT_DB = 256, OPT_ONCE, OPT_EXIT_ON_END };
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check", no_argument, NULL, 'n'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"init-db", no_argument, NULL, OPT_INIT_DB},
	    {"once", no_argument, NULL, OPT_ONCE},
	    {"exit-on-end", no_argument, NULL, OPT_EXIT_ON_END},
	    {NULL, 0, NULL, 0},
	};
	const char *config_path = NULL;
	int check = 0, verbose = 0, init_db = 0, ch;
	struct fi_importer_opts opts = {0, 0};
	struct fi_config cfg;
	struct fi_err err;

	while ((ch = getopt_long(argc, argv, "c:nvhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config_path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			importer_usage(stdout);
			return 0;
		case 'V':
			fi_program_version(importer_name);
			return 0;
		case OPT_INIT_DB:
			init_db = 1;
			break;
		case OPT_ONCE:
			opts.once = 1;
			break;
		case OPT_EXIT_ON_END:
			opts.exit_on_end = 1;
			break;
		default:
			importer_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument \"%s\"\n", importer_name,
			argv[optind]);
		return 2;
	}
	if (fi_program_config(importer_name, config_path, &cfg) != 0)
		return 1;
	if (check)
		return fi_program_check(importer_name, config_path, &cfg, verbose);
	if (init_db) {
		fi_err_clear(&err);
		if (fi_schema_init(&cfg, &err) != 0) {
			fi_warnx("--init-db failed: %s", err.msg);
			return 1;
		}
		fi_info("database %s is ready", cfg.db_name);
		return 0;
	}
	return fi_importer_run(&cfg, config_path, &opts);
}
