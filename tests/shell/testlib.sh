# shellcheck shell=bash
# testlib.sh: shared helpers of the shell integration tests: checks that
# count and report, the harness's services, and a private database, accounts
# and config file per test so tests can run in parallel on one server.
# Usage: BUILD=$1; . "$FI_SOURCE_DIR/tests/shell/testlib.sh"; fi_test_setup NAME

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
	T_QUEUE=q:$T_NAME:$$
	T_DEAD=dead:$T_NAME:$$
	T_FLOWREF=$FI_SOURCE_DIR/tests/tools/flowref.py
	T_FIXTURES=$FI_SOURCE_DIR/../shared/fixtures
	{
		echo "# written by tests/shell/testlib.sh for $T_NAME"
		harness_db_config "$T_DB" "$T_USER" "$T_RO_USER"
		cat <<CONF
redis_host = 127.0.0.1
redis_port = $FI_TEST_REDIS_PORT
redis_queue = $T_QUEUE
redis_dead_queue = $T_DEAD
consumer_name = $T_NAME-$$
log_level = warn
CONF
	} >"$T_CONF"
	trap fi_test_cleanup EXIT
}

# fi_test_local NAME: for a test that starts what it needs itself (no shared
# harness, no test database): sets T_NAME and loads the harness functions.
fi_test_local()
{
	T_NAME=$1
	# shellcheck source=/dev/null
	. "$(dirname "${BASH_SOURCE[0]}")/../harness/lib.sh"
}

fi_test_cleanup()
{
	local pid
	for pid in ${T_PIDS:-}; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	harness_redis_cli DEL "$T_QUEUE" "$T_DEAD" >/dev/null 2>&1 || true
	harness_mysql -e "DROP DATABASE IF EXISTS \`$T_DB\`;
		DROP USER IF EXISTS '$T_USER'@'127.0.0.1', '$T_RO_USER'@'127.0.0.1';" \
		2>/dev/null || true
	[[ -n ${FI_KEEP_TMP:-} ]] || rm -rf "$T_TMP"
}

# t_init_db [CONFIG LINE]...: appends the lines to T_CONF, then runs
# --init-db with it as a check.
t_init_db()
{
	local line
	for line in "$@"; do
		echo "$line" >>"$T_CONF"
	done
	check_cmd "--init-db" "$T_IMPORTER" -c "$T_CONF" --init-db
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

# Pushes the element lines of FILES... to the test's queue (or QUEUE=key).
t_push()
{
	python3 "$T_FLOWREF" resp --key "${QUEUE:-$T_QUEUE}" "$@" |
		harness_redis_cli --pipe >"$T_TMP/pipe.log" 2>&1 || {
		cat "$T_TMP/pipe.log" >&2
		return 1
	}
}

# Compares every bucket table with flowref's own computation over FILES...
t_check_tables()
{
	local out
	out=$(python3 "$T_FLOWREF" check --socket "$FI_TEST_MYSQL_SOCKET" --db "$T_DB" \
		--sizes "${SIZES:-60,600,3600,86400}" --detail-sizes "${DETAIL_SIZES:-}" \
		--min-rows "${MIN_ROWS:-1}" "$@" 2>&1)
	local rc=$?
	echo "$out"
	if [[ $rc -eq 0 ]]; then
		t_ok
	else
		t_fail "bucket tables differ from the reference"
	fi
}

# Starts the importer daemon in the background (extra args passed on); T_PID.
t_importer_start()
{
	"$T_IMPORTER" -c "$T_CONF" "$@" >>"$T_TMP/importer.log" 2>&1 &
	T_PID=$!
	T_PIDS="${T_PIDS:-} $T_PID"
}

# t_diagnose PID [LOG]...: what a process that should have ended is doing:
# its threads' and its children's stacks (gdb), the server's statements, and
# the last lines of each LOG. For a test about to fail on a hang.
t_diagnose()
{
	local pid=$1 p log
	shift
	echo "---- process $pid and its children"
	ps -o pid,ppid,stat,wchan:30,etime,args --pid "$pid" --ppid "$pid" 2>&1
	for p in $pid $(pgrep -P "$pid"); do
		echo "---- threads of $p"
		ps -L -o lwp,stat,wchan:30,comm -p "$p" 2>&1
		if command -v gdb >/dev/null; then
			timeout 60 gdb -p "$p" -batch -nx -ex 'thread apply all bt' 2>&1 |
				grep -E '^(Thread|#)' | head -200
		fi
	done
	echo "---- SHOW FULL PROCESSLIST"
	harness_mysql -e "SHOW FULL PROCESSLIST" 2>&1 | head -60
	for log in "$@"; do
		echo "---- last lines of $log"
		tail -n 40 "$log" 2>&1
	done
}

# t_wait_exit PID [LOG]...: waits for PID (a child of the test) and returns
# its exit status. If it is still running after FI_TEST_STOP_S seconds (180),
# it is shown (t_diagnose, with the LOGs) and killed, and the status is 137:
# a test fails on a process that does not stop instead of hanging to ctest's
# timeout with nothing said. It polls /proc rather than start a watchdog: a
# subshell killed as it starts can run the test's EXIT trap.
t_wait_exit()
{
	local pid=$1 limit=${FI_TEST_STOP_S:-180} i stat state
	for ((i = 0; i < limit * 10; i++)); do
		stat=
		read -r stat 2>/dev/null <"/proc/$pid/stat"
		state=${stat##*) }
		[[ -n $stat && ${state%% *} != Z ]] || break
		sleep 0.1
	done
	if [[ -n $stat && ${state%% *} != Z ]]; then
		{
			echo "process $pid still running ${limit} s after it was told to stop:"
			t_diagnose "$@"
		} >&2
		kill -KILL "$pid" $(pgrep -P "$pid") 2>/dev/null
	fi
	wait "$pid"
}

# Waits until the queue is empty and every batch list of the consumer is gone
# (a list is deleted only after its batch is in the database). An idle
# importer keeps its next, empty, batch id in fi:batches:<consumer>.
t_wait_drained()
{
	local consumer=${1:-$T_NAME-$$} i
	for ((i = 0; i < ${2:-600}; i++)); do
		if [[ $(harness_redis_cli LLEN "$T_QUEUE") == 0 &&
			-z $(harness_redis_cli --raw KEYS "fi:batch:$consumer:*") ]]; then
			return 0
		fi
		sleep 0.5
	done
	return 1
}

# t_check_dead_letters TSV: the dead-letter list holds, in order, one record
# per line of TSV (ELEMENT<TAB>REASON): the element whole (as kept: at most
# 64 KiB) and a reason containing REASON.
t_check_dead_letters()
{
	local element reason line i=0
	harness_redis_cli --raw LRANGE "$T_DEAD" 0 -1 >"$T_TMP/dead.txt"
	while IFS=$'\t' read -r element reason; do
		line=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["reason"]); print(d["element"] == sys.argv[2][:65536])' \
			"$(sed -n "$((i + 1))p" "$T_TMP/dead.txt")" "$element")
		check_contains "reason of dead letter $((i + 1))" "${line%%$'\n'*}" "$reason"
		check_eq "dead letter $((i + 1)) is its element, whole" "${line##*$'\n'}" "True"
		i=$((i + 1))
	done <"$1"
}
