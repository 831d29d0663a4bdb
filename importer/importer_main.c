/*
 * importer_main.c: flowinspector-importer's command line: the queue import
 * daemon (default), --once and --exit-on-end for scripts, --init-db, and
 * the imports of argus and VERMONT database tables (--argus-db, --vermont-db).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fi_dbsource.h"
#include "fi_importer.h"
#include "fi_num.h"
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
	    "       %s [-c FILE] [-v] --argus-db | --vermont-db [--src-host H]\n"
	    "          [--src-port P] [--src-user U] [--src-password W] [--src-database "
	    "D]\n"
	    "          [--table-name T] [--every SECONDS]\n"
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
	    "\n"
	    "Database sources (one run imports the rows not imported before, then "
	    "exits;\n"
	    "each --src-* option overrides the src_* key of the same name):\n"
	    "      --argus-db     import argus rasqlinsert tables\n"
	    "      --vermont-db   import VERMONT IpfixDbWriter tables (the default with\n"
	    "                     --src-database)\n"
	    "      --src-host H, --src-port P, --src-socket S, --src-user U,\n"
	    "      --src-password W (or env:NAME), --src-database D, --src-name N\n"
	    "      --table-name T import only table T (a keyed table: as a snapshot)\n"
	    "      --every SECONDS  run again every SECONDS until SIGTERM (without "
	    "cron)\n"
	    "  -v, --verbose      with a database source: a summary per table even when\n"
	    "                     not on a terminal\n"
	    "  exit status of a database import: 0 all imported, 1 failed (the next run\n"
	    "  resumes), 3 imported but invalid rows were skipped\n"
	    "  -h, --help         this text\n"
	    "  -V, --version      print the version\n"
	    "\nconfiguration keys:\n",
	    importer_name, importer_name);
	fi_config_print_keys(out);
}

int
main(int argc, char **argv)
{
	enum {
		OPT_INIT_DB = 256,
		OPT_ONCE,
		OPT_EXIT_ON_END,
		OPT_ARGUS_DB,
		OPT_VERMONT_DB,
		OPT_TABLE,
		OPT_EVERY,
		OPT_SRC, /* --src-*: the config key is the option name with _ */
	};
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check", no_argument, NULL, 'n'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"init-db", no_argument, NULL, OPT_INIT_DB},
	    {"once", no_argument, NULL, OPT_ONCE},
	    {"exit-on-end", no_argument, NULL, OPT_EXIT_ON_END},
	    {"argus-db", no_argument, NULL, OPT_ARGUS_DB},
	    {"vermont-db", no_argument, NULL, OPT_VERMONT_DB},
	    {"table-name", required_argument, NULL, OPT_TABLE},
	    {"every", required_argument, NULL, OPT_EVERY},
	    {"src-host", required_argument, NULL, OPT_SRC},
	    {"src-port", required_argument, NULL, OPT_SRC},
	    {"src-socket", required_argument, NULL, OPT_SRC},
	    {"src-user", required_argument, NULL, OPT_SRC},
	    {"src-password", required_argument, NULL, OPT_SRC},
	    {"src-database", required_argument, NULL, OPT_SRC},
	    {"src-name", required_argument, NULL, OPT_SRC},
	    {NULL, 0, NULL, 0},
	};
	struct {
		char key[16]; /* src_host, ... */
		char *value;  /* in argv: a password is blanked there once read */
	} src[8];
	unsigned nsrc = 0;
	int dbsource = 0, idx;
	struct fi_dbsource_opts dopts = {.kind = FI_DBSRC_VERMONT};
	uint64_t every;
	const char *config_path = NULL;
	int check = 0, verbose = 0, init_db = 0, ch;
	struct fi_importer_opts opts = {0, 0};
	struct fi_config cfg;
	struct fi_err err;

	while ((ch = getopt_long(argc, argv, "c:nvhV", longopts, &idx)) != -1) {
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
		case OPT_ARGUS_DB:
		case OPT_VERMONT_DB:
			dopts.kind =
			    ch == OPT_ARGUS_DB ? FI_DBSRC_ARGUS : FI_DBSRC_VERMONT;
			dbsource = 1;
			break;
		case OPT_TABLE:
			if (strlen(optarg) == 0 || strlen(optarg) >= FI_IDENT_MAX) {
				fprintf(stderr, "%s: --table-name: not a table name\n",
					importer_name);
				return 2;
			}
			dopts.table = optarg;
			break;
		case OPT_EVERY:
			if (fi_num_u64_cstr(optarg, 1, 31536000, &every) != 0) {
				fprintf(stderr, "%s: --every: not a number of seconds\n",
					importer_name);
				return 2;
			}
			dopts.every = (unsigned)every;
			break;
		case OPT_SRC:
			/* "src-host" -> "src_host"; an option given twice: the last wins
			 */
			snprintf(src[nsrc].key, sizeof(src[nsrc].key), "src_%s",
				 longopts[idx].name + 4);
			src[nsrc].value = optarg;
			if (strcmp(src[nsrc].key, "src_database") == 0)
				dbsource = 1;
			if (nsrc < sizeof(src) / sizeof(src[0]) - 1)
				nsrc++;
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
	for (unsigned i = 0; i < nsrc; i++) {
		fi_err_clear(&err);
		if (fi_config_set(&cfg, src[i].key, src[i].value, "command line", &err) !=
		    0) {
			fprintf(stderr, "%s: %s\n", importer_name, err.msg);
			return 1;
		}
		/* keep the password out of ps(1) from here on */
		if (strcmp(src[i].key, "src_password") == 0)
			memset(src[i].value, 'x', strlen(src[i].value));
	}
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
	if (dbsource) {
		dopts.verbose = verbose;
		return fi_dbsource_run(&cfg, &dopts);
	}
	if (dopts.table != NULL || dopts.every > 0) {
		fprintf(stderr,
			"%s: --table-name and --every need --argus-db or --vermont-db\n",
			importer_name);
		return 2;
	}
	return fi_importer_run(&cfg, config_path, &opts);
}
