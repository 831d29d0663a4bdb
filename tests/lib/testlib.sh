# shellcheck shell=bash
# testlib.sh: shared helpers of the shell integration tests: checks that
# count and report, the harness's services, and a private database, accounts
# and config file per test so tests can run in parallel on one server.
# Usage: BUILD=$1; . "$FI_SOURCE_DIR/tests/lib/testlib.sh"; fi_test_setup NAME

T_PASS=0
T_FAIL=0

t_ok()
{
	T_PASS=$((T_PASS + 1))
}

t_fail()
{
	T_FAIL=$((T_FAIL + 1))
	printf 'FAIL: %s\n' "$*" >&2
}

# check_eq WHAT GOT WANT
check_eq()
{
	if [[ "$2" == "$3" ]]; then
		t_ok
	else
		t_fail "$1: got [$2], want [$3]"
	fi
}

# check_contains WHAT HAYSTACK NEEDLE
check_contains()
{
	if [[ "$2" == *"$3"* ]]; then
		t_ok
	else
		t_fail "$1: [$2] does not contain [$3]"
	fi
}

# check_cmd WHAT CMD...: the command must succeed.
check_cmd()
{
	local what=$1
	shift
	if "$@"; then
		t_ok
	else
		t_fail "$what: command failed: $*"
	fi
}

# Prints the summary and exits non-zero on any failure or when nothing was checked.
t_done()
{
	echo "$T_NAME: $T_PASS passed, $T_FAIL failed"
	if ((T_FAIL > 0 || T_PASS == 0)); then
		exit 1
	fi
	exit 0
}

# fi_test_setup NAME: loads the harness env, makes T_TMP, T_DB, T_CONF and
# T_IMPORTER; the database and accounts are dropped on exit.
fi_test_setup()
{
	T_NAME=$1
	: "${BUILD:?BUILD (the build dir) not set}"
	: "${FI_HARNESS_DIR:?FI_HARNESS_DIR not set: run through ctest}"
	# shellcheck source=/dev/null
	. "$FI_SOURCE_DIR/tests/harness/lib.sh"
	harness_load_env "$FI_HARNESS_DIR" || exit 1
	T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/fi-$T_NAME.XXXXXX")
	T_DB=fi_${T_NAME}_$$
	T_USER=imp_$$
	T_RO_USER=ro_$$
	T_CONF=$T_TMP/flowinspector.conf
	T_IMPORTER=$BUILD/importer/flowinspector-importer
	cat >"$T_CONF" <<CONF
# written by tests/lib/testlib.sh for $T_NAME
db_host = 127.0.0.1
db_port = $FI_TEST_MYSQL_PORT
db_name = $T_DB
db_user = $T_USER
db_password = imp-pw
db_ro_user = $T_RO_USER
db_ro_password = ro-pw
db_admin_user = root
db_grant_hosts = 127.0.0.1
redis_host = 127.0.0.1
redis_port = $FI_TEST_REDIS_PORT
log_level = warn
CONF
	trap fi_test_cleanup EXIT
}

fi_test_cleanup()
{
	harness_mysql -e "DROP DATABASE IF EXISTS \`$T_DB\`;
		DROP USER IF EXISTS '$T_USER'@'127.0.0.1', '$T_RO_USER'@'127.0.0.1';" \
		2>/dev/null || true
	rm -rf "$T_TMP"
}

# Runs SQL in the test's database as root; prints tab-separated rows.
t_sql()
{
	harness_mysql -N -B "$T_DB" -e "$1"
}

# Runs SQL over TCP as USER with PASSWORD in the test's database.
t_sql_as()
{
	mariadb --no-defaults -h 127.0.0.1 -P "$FI_TEST_MYSQL_PORT" -u "$1" -p"$2" \
		-N -B "$T_DB" -e "$3"
}
