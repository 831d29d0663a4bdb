/*
 * importer_main.c: flowinspector-importer's command line: the queue import
 * daemon (default, with its roll-up child), --once and --exit-on-end for
 * scripts, --init-db, --rollup, the imports of argus and VERMONT
 * database tables (--argus-db, --vermont-db) and of flow files (--zeek,
 * --argus-file, --nfcapd).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fi_dbsrc_run.h"
#include "fi_files.h"
#include "fi_importer.h"
#include "fi_num.h"
#include "fi_log.h"
#include "fi_program.h"
#include "fi_rollup.h"
#include "fi_schema.h"

static const char *const importer_name = "flowinspector-importer";

static void
importer_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: %s [-c FILE] [-n [-v]] [--init-db] [--once] [--exit-on-end]\n"
	    "       %s [-c FILE] --rollup [--once]\n"
	    "       %s [-c FILE] [-v] --argus-db | --vermont-db [--src-driver DRV]\n"
	    "          [--src-host H] [--src-port P] [--src-user U] [--src-password W]\n"
	    "          [--src-database D] [--table-name T] [--every SECONDS]\n"
	    "       %s [-c FILE] [-v] --zeek | --argus-file | --nfcapd [--every S]\n"
	    "          [--follow] PATH...\n"
	    "\n"
	    "Takes flow records from the redis queue (and database sources) and keeps\n"
	    "the time-bucket tables in MySQL/MariaDB current.\n"
	    "\n" FI_PROGRAM_USAGE_CONFIG
	    "      --init-db      create or upgrade schema, retention events and "
	    "accounts\n"
	    "      --once         import what is queued now, write it, and exit\n"
	    "      --exit-on-end  exit after the flush an END element asks for\n"
	    "      --rollup       only roll up marked buckets (pairs, coarse ports) "
	    "until\n"
	    "                     SIGTERM; with --once until none is left that may be\n"
	    "                     rolled up now. The daemon runs one itself unless\n"
	    "                     rollup_workers = 0\n"
	    "\n"
	    "Database sources (one run imports the rows not imported before, then "
	    "exits;\n"
	    "each --src-* option overrides the src_* key of the same name):\n"
	    "      --argus-db     import argus rasqlinsert tables\n"
	    "      --vermont-db   import VERMONT IpfixDbWriter tables (the default with\n"
	    "                     --src-database)\n"
	    "      --src-driver mysql|postgresql  the source server (postgresql: "
	    "VERMONT's\n"
	    "                     PostgreSQL writer; default mysql, MySQL or MariaDB)\n"
	    "      --src-host H, --src-port P, --src-socket S, --src-user U,\n"
	    "      --src-password W (or env:NAME), --src-database D, --src-name N\n"
	    "      --table-name T import only table T (a keyed table: as a snapshot)\n"
	    "      --every SECONDS  run again every SECONDS until SIGTERM (without "
	    "cron)\n"
	    "  -v, --verbose      with a database source: a summary per table even when\n"
	    "                     not on a terminal\n"
	    "\n"
	    "File sources (each file imported once, known by its content; a run\n"
	    "imports what was not imported before, then exits):\n"
	    "      --zeek         Zeek conn.log files (TSV or JSON lines, .gz too);\n"
	    "                     PATH is a file, a directory (its conn*.log* files)\n"
	    "                     or - (standard input)\n"
	    "      --argus-file   argus record files, read through ra (argus-client);\n"
	    "                     PATH is a file, a directory (its files) or -\n"
	    "      --nfcapd       nfcapd/sfcapd files (NetFlow, IPFIX, sFlow), read\n"
	    "                     through nfdump; a directory: its nfcapd.* files\n"
	    "                     but nfcapd.current.*\n"
	    "      --follow       run every --every seconds (1 by default) until\n"
	    "                     SIGTERM, reading growing files on from where the\n"
	    "                     last run stopped (a Zeek log tailed across rotation)\n"
	    "  exit status of a database or file import: 0 all imported, 1 failed (the\n"
	    "  next run resumes), 3 imported but invalid rows were "
	    "skipped\n" FI_PROGRAM_USAGE_HELP,
	    importer_name, importer_name, importer_name, importer_name);
}

enum {
	OPT_INIT_DB = 256,
	OPT_ONCE,
	OPT_EXIT_ON_END,
	OPT_ROLLUP,
	OPT_ARGUS_DB,
	OPT_VERMONT_DB,
	OPT_TABLE,
	OPT_EVERY,
	OPT_ZEEK,
	OPT_ARGUS_FILE,
	OPT_NFCAPD,
	OPT_FOLLOW,
	OPT_SRC, /* --src-*: the config key is the option name with _ */
};

static const struct option importer_longopts[] = {
    {"init-db", no_argument, NULL, OPT_INIT_DB},
    {"once", no_argument, NULL, OPT_ONCE},
    {"exit-on-end", no_argument, NULL, OPT_EXIT_ON_END},
    {"rollup", no_argument, NULL, OPT_ROLLUP},
    {"argus-db", no_argument, NULL, OPT_ARGUS_DB},
    {"vermont-db", no_argument, NULL, OPT_VERMONT_DB},
    {"table-name", required_argument, NULL, OPT_TABLE},
    {"every", required_argument, NULL, OPT_EVERY},
    {"zeek", no_argument, NULL, OPT_ZEEK},
    {"argus-file", no_argument, NULL, OPT_ARGUS_FILE},
    {"nfcapd", no_argument, NULL, OPT_NFCAPD},
    {"follow", no_argument, NULL, OPT_FOLLOW},
    {"src-driver", required_argument, NULL, OPT_SRC},
    {"src-host", required_argument, NULL, OPT_SRC},
    {"src-port", required_argument, NULL, OPT_SRC},
    {"src-socket", required_argument, NULL, OPT_SRC},
    {"src-user", required_argument, NULL, OPT_SRC},
    {"src-password", required_argument, NULL, OPT_SRC},
    {"src-database", required_argument, NULL, OPT_SRC},
    {"src-name", required_argument, NULL, OPT_SRC},
    {NULL, 0, NULL, 0},
};

/* What the importer's own options ask for. */
struct importer_args {
	struct {
		char key[16]; /* src_host, ... */
		char *value;  /* in argv: a password is blanked there once read */
	} src[8];
	unsigned nsrc;
	int dbsource; /* --argus-db, --vermont-db or --src-database given */
	int init_db;
	int rollup;
	int files; /* --zeek, --argus-file or --nfcapd given */
	struct fi_files_opts fopts;
	struct fi_dbsrc_opts dopts;
	struct fi_importer_opts opts;
};

static int
importer_option(void *ctx, int ch, const char *longname, char *arg)
{
	struct importer_args *a = ctx;
	uint64_t every;

	switch (ch) {
	case OPT_INIT_DB:
		a->init_db = 1;
		break;
	case OPT_ONCE:
		a->opts.once = 1;
		break;
	case OPT_EXIT_ON_END:
		a->opts.exit_on_end = 1;
		break;
	case OPT_ROLLUP:
		a->rollup = 1;
		break;
	case OPT_ARGUS_DB:
	case OPT_VERMONT_DB:
		a->dopts.kind = ch == OPT_ARGUS_DB ? FI_DBSRC_ARGUS : FI_DBSRC_VERMONT;
		a->dbsource = 1;
		break;
	case OPT_TABLE:
		if (strlen(arg) == 0 || strlen(arg) >= FI_IDENT_MAX) {
			fprintf(stderr, "%s: --table-name: not a table name\n",
				importer_name);
			return 2;
		}
		a->dopts.table = arg;
		break;
	case OPT_EVERY:
		if (fi_num_u64_cstr(arg, 1, 31536000, &every) != 0) {
			fprintf(stderr, "%s: --every: not a number of seconds\n",
				importer_name);
			return 2;
		}
		a->dopts.every = (unsigned)every;
		break;
	case OPT_ZEEK:
	case OPT_ARGUS_FILE:
	case OPT_NFCAPD:
		a->files = 1;
		a->fopts.kind = ch == OPT_ZEEK	       ? FI_FILES_ZEEK
				: ch == OPT_ARGUS_FILE ? FI_FILES_ARGUS
						       : FI_FILES_NFCAPD;
		break;
	case OPT_FOLLOW:
		a->fopts.follow = 1;
		break;
	case OPT_SRC:
		/* "src-host" -> "src_host"; an option given twice: the last wins */
		snprintf(a->src[a->nsrc].key, sizeof(a->src[a->nsrc].key), "src_%s",
			 longname + 4);
		a->src[a->nsrc].value = arg;
		if (strcmp(a->src[a->nsrc].key, "src_database") == 0)
			a->dbsource = 1;
		if (a->nsrc < sizeof(a->src) / sizeof(a->src[0]) - 1)
			a->nsrc++;
		break;
	default:
		return 2;
	}
	return -1;
}

/* The PATHs of a file source. */
static int
importer_operands(void *ctx, int argc, char **argv)
{
	struct importer_args *a = ctx;

	if (!a->files) {
		fprintf(stderr, "%s: unexpected argument %s\n", importer_name, argv[0]);
		return 2;
	}
	a->fopts.paths = argv;
	a->fopts.npaths = (unsigned)argc;
	return -1;
}

/* The --src-* options over the config's src_* keys. */
static int
importer_configured(void *ctx, struct fi_config *cfg)
{
	struct importer_args *a = ctx;
	struct fi_err err;

	for (unsigned i = 0; i < a->nsrc; i++) {
		fi_err_clear(&err);
		if (fi_config_set(cfg, a->src[i].key, a->src[i].value, "command line",
				  &err) != 0) {
			fprintf(stderr, "%s: %s\n", importer_name, err.msg);
			return 1;
		}
		/* keep the password out of ps(1) from here on */
		if (strcmp(a->src[i].key, "src_password") == 0)
			memset(a->src[i].value, 'x', strlen(a->src[i].value));
	}
	return -1;
}

/* A file source's run (--zeek, --argus-file, --nfcapd): its arguments checked. */
static int
importer_files(struct importer_args *a, const struct fi_config *cfg, int verbose)
{
	if (a->dbsource || a->dopts.table != NULL) {
		fprintf(stderr, "%s: a file source does not go with a database source\n",
			importer_name);
		return 2;
	}
	if (a->fopts.npaths == 0) {
		fprintf(stderr,
			"%s: a file source needs a PATH (a file, a directory or -)\n",
			importer_name);
		return 2;
	}
	for (unsigned i = 0; i < a->fopts.npaths; i++) {
		if (strcmp(a->fopts.paths[i], "-") != 0)
			continue;
		if (a->fopts.kind != FI_FILES_ZEEK) {
			fprintf(stderr,
				"%s: standard input is for Zeek logs; ra and "
				"nfdump read files\n",
				importer_name);
			return 2;
		}
		if (a->dopts.every > 0 || a->fopts.follow) {
			fprintf(stderr,
				"%s: standard input is read once: not with "
				"--every or --follow\n",
				importer_name);
			return 2;
		}
	}
	a->fopts.every = a->dopts.every > 0 ? a->dopts.every : a->fopts.follow ? 1 : 0;
	a->fopts.verbose = verbose;
	return fi_files_run(cfg, &a->fopts);
}

/* Whether src_driver names a server the database source can read. */
static int
importer_driver_ok(const struct importer_args *a, const struct fi_config *cfg)
{
	if (strcmp(cfg->src_driver, "postgresql") == 0 &&
	    a->dopts.kind == FI_DBSRC_ARGUS) {
		fprintf(stderr,
			"%s: src_driver = postgresql is for VERMONT's tables "
			"(--vermont-db); rasqlinsert writes to MySQL only\n",
			importer_name);
		return 0;
	}
	if (strcmp(cfg->src_driver, "postgresql") != 0 &&
	    strcmp(cfg->src_driver, "mysql") != 0) {
		fprintf(stderr, "%s: src_driver = %s: mysql or postgresql\n",
			importer_name, cfg->src_driver);
		return 0;
	}
	return 1;
}

int
main(int argc, char **argv)
{
	struct importer_args a = {.dopts = {.kind = FI_DBSRC_VERMONT}};
	struct fi_program_cli cli = {
	    .name = importer_name,
	    .usage = importer_usage,
	    .longopts = importer_longopts,
	    .option = importer_option,
	    .configured = importer_configured,
	    .operands = importer_operands,
	    .ctx = &a,
	};
	struct fi_config cfg;
	struct fi_err err;
	int rc = fi_program_start(&cli, argc, argv, &cfg);

	if (rc >= 0)
		return rc;
	if (a.init_db) {
		fi_err_clear(&err);
		if (fi_schema_init(&cfg, &err) != 0) {
			fi_warnx("--init-db failed: %s", err.msg);
			return 1;
		}
		fi_info("database %s is ready", cfg.db_name);
		return 0;
	}
	if (a.files)
		return importer_files(&a, &cfg, cli.verbose);
	if (a.dbsource) {
		a.dopts.verbose = cli.verbose;
		return importer_driver_ok(&a, &cfg) ? fi_dbsrc_run(&cfg, &a.dopts) : 2;
	}
	if (a.dopts.table != NULL || a.dopts.every > 0) {
		fprintf(stderr,
			"%s: --table-name and --every need --argus-db or --vermont-db\n",
			importer_name);
		return 2;
	}
	if (a.rollup)
		return fi_rollup_run(&cfg, a.opts.once);
	/* the daemon rolls up as it imports; --once leaves that to --rollup */
	if (!a.opts.once && cfg.rollup_workers > 0) {
		fi_rollup_child_start(cli.config_path);
		a.opts.tick = fi_rollup_child_check;
	}
	rc = fi_importer_run(&cfg, cli.config_path, &a.opts);
	fi_rollup_child_stop();
	return rc;
}
