/*
 * fi_program.c: shared start-up of the three programs.
 */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "fi_log.h"
#include "fi_err.h"
#include "fi_program.h"

void
fi_program_version(const char *name)
{
	printf("%s %s\n", name, FI_VERSION);
}

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

int
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
fi_program_usage(FILE *out, const char *name, const char *summary)
{
	fprintf(out,
		"usage: %s [-c FILE] [-n [-v]]\n\n%s\n\n"
		"  -c, --config FILE  configuration file (default: $" FI_CONFIG_ENV
		" or " FI_CONFIG_DEFAULT_PATH ")\n"
		"  -n, --check        check the configuration and exit\n"
		"  -v, --verbose      with -n: print the effective configuration\n"
		"  -h, --help         this text\n"
		"  -V, --version      print the version\n"
		"\nconfiguration keys:\n",
		name, summary);
	fi_config_print_keys(out);
}

int
fi_program_basic(const char *name, const char *summary, int argc, char **argv,
		 struct fi_config *cfg)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'}, {"check", no_argument, NULL, 'n'},
	    {"verbose", no_argument, NULL, 'v'},      {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
	};
	const char *config_path = NULL;
	int check = 0, verbose = 0, ch;

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
			fi_program_usage(stdout, name, summary);
			return 0;
		case 'V':
			fi_program_version(name);
			return 0;
		default:
			fi_program_usage(stderr, name, summary);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument \"%s\"\n", name, argv[optind]);
		return 2;
	}
	if (fi_program_config(name, config_path, cfg) != 0)
		return 1;
	if (check)
		return fi_program_check(name, config_path, cfg, verbose);
	return -1;
}
