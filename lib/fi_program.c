/*
 * fi_program.c: shared start-up of the three programs: one command-line
 * parser for the common options that hands each program its own, the
 * config read with its messages, and the answers to -h, -V and -n.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fi_log.h"
#include "fi_err.h"
#include "fi_program.h"

#define FI_PROGRAM_OPTS_MAX  32 /* long options of one program, common ones included */
#define FI_PROGRAM_SHORT_MAX 64 /* bytes of its short option string */

static const struct option fi_program_longopts[] = {
    {"config", required_argument, NULL, 'c'}, {"check", no_argument, NULL, 'n'},
    {"verbose", no_argument, NULL, 'v'},      {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
};
#define FI_PROGRAM_NCOMMON (sizeof(fi_program_longopts) / sizeof(fi_program_longopts[0]))

int
fi_program_config(const char *name, const char *explicit_path, struct fi_config *cfg)
{
	struct fi_err err;

	fi_err_clear(&err);
	if (fi_config_read(cfg, explicit_path, &err) != 0) {
		fprintf(stderr, "%s: %s\n", name, err.msg);
		return 1;
	}
	if (fi_log_init(name, (enum fi_log_level)cfg->log_level, cfg->log_file) != 0)
		return 1;
	return 0;
}

int
fi_program_config_quiet(const char *explicit_path, struct fi_config *cfg)
{
	struct fi_config fresh;
	struct fi_err err;

	fi_err_clear(&err);
	if (fi_config_read(&fresh, explicit_path, &err) != 0) {
		fi_warnx("keeping the old configuration: %s", err.msg);
		return -1;
	}
	*cfg = fresh;
	return 0;
}

/*
 * For -n: reports "configuration OK" with the file used, and with verbose
 * prints the effective configuration. Returns the exit status (0).
 */
static int
fi_program_check(const char *name, const char *explicit_path, const struct fi_config *cfg,
		 int verbose)
{
	int required;
	const char *path = fi_config_path(explicit_path, &required);

	if (!required && access(path, F_OK) != 0)
		printf("%s: configuration OK (no file at %s: built-in defaults)\n", name,
		       path);
	else
		printf("%s: configuration OK (%s)\n", name, path);
	if (verbose)
		fi_config_print(cfg, stdout);
	return 0;
}

static void
fi_program_usage(const struct fi_program_cli *cli, FILE *out)
{
	cli->usage(out);
	fi_config_print_keys(out);
}

/*
 * The common options followed by the program's own, as getopt_long wants
 * them. Returns 0, or -1 when the program has more than the limits allow.
 */
static int
fi_program_options(const struct fi_program_cli *cli, struct option *all, char *shortopts)
{
	size_t n = FI_PROGRAM_NCOMMON;
	int w;

	memcpy(all, fi_program_longopts, sizeof(fi_program_longopts));
	for (size_t i = 0; cli->longopts != NULL && cli->longopts[i].name != NULL; i++) {
		if (n + 1 >= FI_PROGRAM_OPTS_MAX)
			return -1;
		all[n++] = cli->longopts[i];
	}
	memset(&all[n], 0, sizeof(all[n]));
	w = snprintf(shortopts, FI_PROGRAM_SHORT_MAX, "c:nvhV%s",
		     cli->shortopts != NULL ? cli->shortopts : "");
	return w < 0 || w >= FI_PROGRAM_SHORT_MAX ? -1 : 0;
}

/* Parses argv; fills cli's results and *check. Returns -1 or the exit status. */
static int
fi_program_parse(struct fi_program_cli *cli, int argc, char **argv, int *check)
{
	struct option all[FI_PROGRAM_OPTS_MAX];
	char shortopts[FI_PROGRAM_SHORT_MAX];
	int ch, idx = -1, rc;

	if (fi_program_options(cli, all, shortopts) != 0) {
		fprintf(stderr, "%s: too many options\n", cli->name);
		return 2;
	}
	while ((ch = getopt_long(argc, argv, shortopts, all, &idx)) != -1) {
		const char *longname = idx >= 0 ? all[idx].name : NULL;

		idx = -1;
		switch (ch) {
		case 'c':
			cli->config_path = optarg;
			continue;
		case 'n':
			*check = 1;
			continue;
		case 'v':
			cli->verbose = 1;
			continue;
		case 'h':
			fi_program_usage(cli, stdout);
			return 0;
		case 'V':
			printf("%s %s\n", cli->name, FI_VERSION);
			return 0;
		case '?':
		case ':':
			fi_program_usage(cli, stderr);
			return 2;
		default:
			break;
		}
		rc =
		    cli->option != NULL ? cli->option(cli->ctx, ch, longname, optarg) : 2;
		if (rc >= 0)
			return rc;
	}
	if (optind < argc && cli->operands != NULL)
		return cli->operands(cli->ctx, argc - optind, argv + optind);
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument \"%s\"\n", cli->name,
			argv[optind]);
		return 2;
	}
	return -1;
}

int
fi_program_start(struct fi_program_cli *cli, int argc, char **argv, struct fi_config *cfg)
{
	int check = 0, rc;

	cli->config_path = NULL;
	cli->verbose = 0;
	rc = fi_program_parse(cli, argc, argv, &check);
	if (rc >= 0)
		return rc;
	if (fi_program_config(cli->name, cli->config_path, cfg) != 0)
		return 1;
	if (cli->configured != NULL) {
		rc = cli->configured(cli->ctx, cfg);
		if (rc >= 0)
			return rc;
	}
	if (check)
		return fi_program_check(cli->name, cli->config_path, cfg, cli->verbose);
	return -1;
}
