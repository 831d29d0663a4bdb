/*
 * test_config.c: the config API beyond single files: defaults, fi_config_set
 * from the command line, the path rules, retention defaults per size, and
 * where each size's per-key rows and ports are stored (flow_detail_sizes).
 */
#include <stdlib.h>
#include <unistd.h>

#include "fi_config.h"
#include "fi_log.h"
#include "fi_test.h"

static void
test_defaults(void)
{
	struct fi_config cfg;
	struct fi_err err;

	fi_err_clear(&err);
	fi_config_defaults(&cfg);
	CHECK_INT(fi_config_finish(&cfg, &err), 0);
	CHECK_UINT(cfg.n_bucket_sizes, 4);
	CHECK_UINT(cfg.bucket_sizes[0], 60);
	CHECK_UINT(cfg.bucket_sizes[3], 86400);
	CHECK_UINT(cfg.retention_days[0], 2);
	CHECK_UINT(cfg.retention_days[1], 31);
	CHECK_UINT(cfg.retention_days[2], 400);
	CHECK_UINT(cfg.retention_days[3], 0);
	CHECK_STR(cfg.redis_queue, "entry:queue");
	CHECK_STR(cfg.redis_dead_queue, "entry:dead");
	CHECK_UINT(cfg.flush_interval, 10);
	CHECK_UINT(cfg.max_flow_age, 300);
	CHECK_INT(cfg.log_level, FI_LOG_INFO);
	CHECK_INT(fi_config_bucket_index(&cfg, 600), 1);
	CHECK_INT(fi_config_bucket_index(&cfg, 601), -1);
}

static void
test_set(void)
{
	struct fi_config cfg;
	struct fi_err err;

	fi_config_defaults(&cfg);
	fi_err_clear(&err);
	CHECK_INT(fi_config_set(&cfg, "redis_port", "7000", "command line", &err), 0);
	CHECK_UINT(cfg.redis_port, 7000);
	CHECK_INT(fi_config_set(&cfg, "redis_port", "70000", "command line", &err),
		  FI_ECONFIG);
	CHECK_STR(err.msg, "command line: redis_port: not a whole number in range");
	fi_err_clear(&err);
	CHECK_INT(fi_config_set(&cfg, "nope", "1", "command line", &err), FI_ECONFIG);
	CHECK_STR(err.msg, "command line: unknown key \"nope\"");
	fi_err_clear(&err);
	setenv("FI_TEST_PW", "from-env", 1);
	CHECK_INT(fi_config_set(&cfg, "db_password", "env:FI_TEST_PW", "x", &err), 0);
	CHECK_STR(cfg.db_password, "from-env");
	/* a size list of one keeps the per-size retention rule */
	CHECK_INT(fi_config_set(&cfg, "flow_bucket_sizes", "600", "x", &err), 0);
	CHECK_INT(fi_config_finish(&cfg, &err), 0);
	CHECK_UINT(cfg.n_bucket_sizes, 1);
	CHECK_UINT(cfg.retention_days[0], 31);
}

/* The size whose flows_ and ports_ tables hold each size, for a detail list. */
static void
check_sources(const char *sizes, const char *detail, const uint32_t *want)
{
	struct fi_config cfg;
	struct fi_err err;

	fi_config_defaults(&cfg);
	fi_err_clear(&err);
	CHECK_INT(fi_config_set(&cfg, "flow_bucket_sizes", sizes, "x", &err), 0);
	CHECK_INT(fi_config_set(&cfg, "flow_detail_sizes", detail, "x", &err), 0);
	CHECK_INT(fi_config_finish(&cfg, &err), 0);
	for (unsigned i = 0; i < cfg.n_bucket_sizes; i++) {
		CHECK_UINT(fi_config_detail_source(&cfg, i), want[i]);
		CHECK_INT(fi_config_is_detail(&cfg, i), want[i] == cfg.bucket_sizes[i]);
	}
}

static void
test_detail(void)
{
	static const uint32_t finest[] = {60, 60, 60, 60};
	static const uint32_t all[] = {60, 600, 3600, 86400};
	static const uint32_t two[] = {60, 60, 3600, 3600};
	/* 60 and 90 divide no finer size: stored; the coarsest divisor sums */
	static const uint32_t odd[] = {60, 90, 300, 300, 300};

	check_sources("60,600,3600,86400", "", finest);
	check_sources("60,600,3600,86400", "all", all);
	check_sources("86400,60,3600,600", "3600,60", two);
	check_sources("60,90,300,600,3600", "", (const uint32_t[]){60, 90, 60, 60, 90});
	check_sources("60,90,300,600,3600", "90,300", odd);
}

static void
test_paths(void)
{
	struct fi_config cfg;
	struct fi_err err;
	int required;

	unsetenv(FI_CONFIG_ENV);
	CHECK_STR(fi_config_path(NULL, &required), FI_CONFIG_DEFAULT_PATH);
	CHECK_INT(required, 0);
	CHECK_STR(fi_config_path("/x.conf", &required), "/x.conf");
	CHECK_INT(required, 1);
	setenv(FI_CONFIG_ENV, "/from/env.conf", 1);
	CHECK_STR(fi_config_path(NULL, &required), "/from/env.conf");
	CHECK_INT(required, 1);
	CHECK_STR(fi_config_path("/x.conf", &required), "/x.conf");
	/* an explicit file that does not exist is an error naming it */
	fi_err_clear(&err);
	CHECK_INT(fi_config_read(&cfg, "/nonexistent/fi.conf", &err), FI_EIO);
	CHECK_CONTAINS(err.msg, "/nonexistent/fi.conf");
	unsetenv(FI_CONFIG_ENV);
}

int
main(void)
{
	test_defaults();
	test_set();
	test_detail();
	test_paths();
	return fi_test_result("test_config");
}
