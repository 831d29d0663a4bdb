#!/usr/bin/env bash
# test_rollup.sh: the roll-up (importer/fi_rollup.c). Generated flows are
# imported in several orders and portions; after each step flowref compares
# every table with its own sums, the roll-up's tables (pairs_S, nodetop_S,
# nodegroups_S, porttop_S and portgroups_S at every size, ports_S, flowtop_S
# and flowgroups_S of the sizes that are not detail sizes) for every bucket
# not marked, and once
# the roll-up is through, that nothing is left marked. Covered: a first
# roll-up, late flows for rolled-up buckets (marked and rolled up again),
# the daemon's child rolling up while it imports, kill -9 of the roll-up at
# random moments and inside a transaction, MariaDB killed during a roll-up.
# Runs on its own harness, since it kills MariaDB.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/harness/lib.sh"
own=$(mktemp -d "${TMPDIR:-/tmp}/fi-rollup-harness.XXXXXX")
bash "$FI_SOURCE_DIR/tests/harness/start.sh" "$own" --no-nginx || exit 1
FI_HARNESS_DIR=$own
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
fi_test_setup rollup
trap 'fi_test_cleanup; bash "$FI_SOURCE_DIR/tests/harness/stop.sh" "$own"' EXIT
sed -i 's/^log_level = warn$/log_level = info/' "$T_CONF"
cat >>"$T_CONF" <<CONF
retention_days = 0
rollup_settle = 0
flush_interval = 1
batch_size = 2000
CONF
check_cmd "--init-db" "$T_IMPORTER" -c "$T_CONF" --init-db

# four portions over the same 28 hours (two days): each later one has flows for
# buckets the roll-up has already rolled up
for seed in 1 2 3 4; do
	python3 "$T_FLOWREF" gen --count 4000 --seed "$seed" --span 100000 \
		--start 1699990000 >"$T_TMP/p$seed.jsonl"
done
files=()
marks()
{
	t_sql "SELECT COUNT(*) FROM fi_rollup_dirty"
}
# elements the importer has taken and not yet written (its batch lists)
held()
{
	local k n=0
	for k in $(harness_redis_cli KEYS 'fi:batch:*'); do
		n=$((n + $(harness_redis_cli LLEN "$k")))
	done
	echo "$n"
}
rollup_once()
{
	"$T_IMPORTER" -c "$T_CONF" --rollup --once >>"$T_TMP/rollup.log" 2>&1
}

# 1. import, nothing rolled up: the marks cover every bucket with data
t_push "$T_TMP/p1.jsonl"
files+=("$T_TMP/p1.jsonl")
check_cmd "import portion 1" "$T_IMPORTER" -c "$T_CONF" --once
check_eq "every bucket with data is marked" "$(marks)" \
	"$(t_sql "SELECT (SELECT COUNT(*) FROM totals_60) + (SELECT COUNT(*) FROM totals_600) +
		(SELECT COUNT(*) FROM totals_3600) + (SELECT COUNT(*) FROM totals_86400)")"
check_eq "no pair rows before the roll-up" "$(t_sql "SELECT COUNT(*) FROM pairs_60")" 0
check_cmd "roll-up" rollup_once
check_eq "nothing marked after the roll-up" "$(marks)" 0
check_eq "pair rows of the day" "$(t_sql "SELECT COUNT(*) > 500 FROM pairs_86400")" 1
t_check_tables --all-rolled "${files[@]}"

# 2. late flows: portion 2 falls in rolled-up buckets; they are marked again,
# the rest stay exact, and a second roll-up makes them exact too
t_push "$T_TMP/p2.jsonl"
files+=("$T_TMP/p2.jsonl")
check_cmd "import portion 2 (late)" "$T_IMPORTER" -c "$T_CONF" --once
check_eq "the day buckets are marked again" \
	"$(t_sql "SELECT COUNT(*) FROM fi_rollup_dirty WHERE size = 86400")" \
	"$(t_sql "SELECT COUNT(*) FROM totals_86400")"
t_check_tables "${files[@]}"
check_cmd "roll-up again" rollup_once
t_check_tables --all-rolled "${files[@]}"
check_contains "a re-roll replaced the rows" "$(t_sql "SELECT value > 0 FROM fi_meta WHERE name = 'rollup_at'")" 1

# 3. the daemon: imports portion 3 pushed in reverse order while its child
# rolls up; then nothing is left marked and everything is exact
tac "$T_TMP/p3.jsonl" >"$T_TMP/p3r.jsonl"
files+=("$T_TMP/p3.jsonl")
t_importer_start
t_push "$T_TMP/p3r.jsonl"
# an empty queue is not enough: the daemon may hold the last take unwritten
for _ in $(seq 1 600); do
	[[ $(harness_redis_cli LLEN "$T_QUEUE") == 0 && $(held) == 0 && $(marks) == 0 ]] && break
	sleep 0.2
done
check_eq "the daemon wrote every element it took" "$(held)" 0
check_eq "the daemon's roll-up caught up" "$(marks)" 0
child=$(pgrep -f -- "-c $T_CONF --rollup" | head -n 1)
if [[ -n $child ]]; then t_ok; else t_fail "no roll-up child of the daemon"; fi
# kill -9 the child: the daemon starts another
kill -KILL "$child" 2>/dev/null
for _ in $(seq 1 100); do
	now=$(pgrep -f -- "-c $T_CONF --rollup" | head -n 1)
	[[ -n $now && $now != "$child" ]] && break
	sleep 0.1
done
if [[ -n $now && $now != "$child" ]]; then t_ok; else t_fail "the roll-up child was not restarted"; fi
check_contains "the daemon logged it" "$(cat "$T_TMP/importer.log")" \
	"roll-up process $child killed by signal 9; restarting"
kill -TERM "$T_PID"
t_wait_exit "$T_PID" "$T_TMP/importer.log"
check_eq "the daemon stops with 0" "$?" 0
if pgrep -f -- "-c $T_CONF --rollup" >/dev/null; then
	t_fail "the roll-up child outlived the daemon"
else
	t_ok
fi
t_check_tables --all-rolled "${files[@]}"

# 4. kill -9 at random moments: portion 4 imported, every bucket of every
# size marked, then roll-ups killed after 0.1-1.0 s, eight times
t_push "$T_TMP/p4.jsonl"
files+=("$T_TMP/p4.jsonl")
check_cmd "import portion 4" "$T_IMPORTER" -c "$T_CONF" --once
t_sql "INSERT IGNORE INTO fi_rollup_dirty (size, bucket)
	SELECT 60, bucket FROM totals_60 UNION ALL SELECT 600, bucket FROM totals_600
	UNION ALL SELECT 3600, bucket FROM totals_3600 UNION ALL SELECT 86400, bucket FROM totals_86400"
t_sql "UPDATE pairs_86400 SET packets = packets + 1" # wrong until rolled up again
RANDOM=15
before=$(marks)
for _ in 1 2 3 4 5 6 7 8; do
	"$T_IMPORTER" -c "$T_CONF" --rollup >>"$T_TMP/rollup.log" 2>&1 &
	pid=$!
	sleep "$((RANDOM % 10 + 1))e-1"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
done
echo "kill -9: $before marks before, $(marks) after eight killed roll-ups"
t_check_tables "${files[@]}"

# held COLUMN: marks the day buckets, spoils pairs_86400's COLUMN (wrong
# until rolled up again), holds ports_86400 locked (locker) and starts a
# roll-up (pid), which waits for the lock inside its transaction
waiting()
{
	t_sql "SELECT COUNT(*) FROM information_schema.PROCESSLIST
		WHERE INFO LIKE 'INSERT INTO ports_86400%' OR INFO LIKE 'DELETE FROM ports_86400%'"
}
held()
{
	t_sql "INSERT IGNORE INTO fi_rollup_dirty (size, bucket) SELECT 86400, bucket FROM totals_86400"
	t_sql "UPDATE pairs_86400 SET $1 = $1 + 1"
	harness_mysql "$T_DB" -e "LOCK TABLES ports_86400 WRITE; SELECT SLEEP(60) AS rollup_lock;" \
		>/dev/null 2>&1 &
	locker=$!
	"$T_IMPORTER" -c "$T_CONF" --rollup >>"$T_TMP/rollup.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 200); do
		[[ $(waiting) == 1 ]] && break
		sleep 0.05
	done
}
# ...and inside a transaction: the day's pairs written, its ports waiting
# for a lock held by another session, when the roll-up is killed
held bytes
check_eq "the roll-up waits inside its transaction" "$(waiting)" 1
kill -KILL "$pid"
wait "$pid" 2>/dev/null
harness_mysql -N -B -e "SELECT ID FROM information_schema.PROCESSLIST
	WHERE INFO = 'SELECT SLEEP(60) AS rollup_lock'" |
	while read -r id; do harness_mysql -e "KILL $id"; done
wait "$locker"
t_check_tables "${files[@]}"
check_cmd "roll-up after the kills" rollup_once
t_check_tables --all-rolled "${files[@]}"

# 5. MariaDB killed while a roll-up is inside its transaction; the roll-up
# (running on) reconnects and finishes after the restart
held flows
check_eq "the roll-up waits inside its transaction (MariaDB)" "$(waiting)" 1
harness_kill_mariadb
wait "$locker" 2>/dev/null
sleep 1
check_cmd "MariaDB restart" harness_start_mariadb
for _ in $(seq 1 300); do
	[[ $(marks 2>/dev/null) == 0 ]] && break
	sleep 0.2
done
check_eq "the roll-up finished after the restart" "$(marks)" 0
kill -TERM "$pid"
wait "$pid"
check_eq "the roll-up stops on SIGTERM with 0" "$?" 0
t_check_tables --all-rolled "${files[@]}"
if grep -qE 'Sanitizer|runtime error:' "$T_TMP/rollup.log" "$T_TMP/importer.log"; then
	t_fail "a sanitizer report in the logs"
	grep -E -A20 'Sanitizer|runtime error:' "$T_TMP/rollup.log" "$T_TMP/importer.log" >&2
else
	t_ok
fi
t_done
