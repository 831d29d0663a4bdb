#!/usr/bin/env bash
# test_galera_parts.sh: two queue partitions on a three-node Galera cluster
# (issue 17), on a harness of its own (start.sh --galera --redis-partitions
# 2). Partition 1's importer writes to node 1, partition 2's to node 2; their
# flows fall in the same minutes, so both add to the same bucket rows on two
# nodes and lose certifications (1213) to each other, which they count and
# try again. Each importer is SIGKILLed holding a batch and started again.
# Then node 2, the node importer 2 writes to, is SIGKILLed mid-import:
# importer 2 keeps trying (it logs and backs off) while importer 1 drains
# partition 1 through node 1; partition 2's flows wait in its redis. Node 2
# rejoins (by IST) once partition 1 is drained, under little load (a rejoin
# under full write load on this 2-core machine has stalled for over a
# minute), and importer 2 drains partition 2. The bucket tables (read on
# node 1) equal the reference over both partitions exactly, nodes 2 and 3
# hold the same rows, and the conflicts are counted in the importers' logs.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
fi_test_setup galera_parts
own=$(mktemp -d "${TMPDIR:-/tmp}/fi-galera-parts.XXXXXX")
chmod 711 "$own" # the nodes run as mysql, which must reach their dirs
trap 'fi_test_cleanup; bash "$FI_SOURCE_DIR/tests/harness/stop.sh" "$own/h" >/dev/null 2>&1;
	rm -rf "$own"' EXIT
begin=$SECONDS
if ! bash "$FI_SOURCE_DIR/tests/harness/start.sh" "$own/h" --galera --no-mariadb --no-nginx \
	--redis-partitions 2 2>"$own/start.log"; then
	cat "$own/start.log" >&2
	t_fail "the cluster did not start"
	t_done
fi
echo "galera_parts: cluster and partitions up in $((SECONDS - begin)) s"
eval "$(grep '^export FI_TEST_GALERA' "$own/h/env")"
# gal CMD...: a harness helper run against the test's own harness (a
# subshell with its env; the test's own stays the shared harness's)
gal()
{
	(harness_load_env "$own/h" && "$@")
}
# the test's database lives on the cluster: root's client and the reference
# checker go to node 1
# (after node 1 has applied what the cluster committed before: the other
# importer writes on node 2, and a read without it can be stale)
harness_mysql()
{
	mariadb --no-defaults --socket="$FI_TEST_GALERA1_SOCKET" -uroot \
		--init-command="SET SESSION wsrep_sync_wait = 1" "$@"
}
export FI_TEST_MYSQL_SOCKET=$FI_TEST_GALERA1_SOCKET
sed -i -e "s/^db_port = .*/db_port = $FI_TEST_GALERA1_PORT/" \
	-e "s/^log_level = .*/log_level = info/" "$T_CONF"
cat >>"$T_CONF" <<CONF
retention_days = 0
flush_interval = 1
batch_size = 500
rollup_workers = 0
CONF
# importer K: partition K's redis, node K, consumer gK-PID
for k in 1 2; do
	port=FI_TEST_GALERA${k}_PORT
	sed -e "s/^consumer_name = .*/consumer_name = g$k-$$/" \
		-e "s/^db_port = .*/db_port = ${!port}/" \
		-e "s/^redis_port = .*/redis_port = $(gal harness_redis_part_port "$k")/" \
		"$T_CONF" >"$T_TMP/g$k.conf"
done

# rcli K ARGS...: redis-cli on partition K
rcli()
{
	gal harness_redis_part_cli "$@"
}

# push K FILE: pushes the element lines of FILE to partition K's queue.
# shellcheck disable=SC2317 # called through check_cmd
push()
{
	python3 "$T_FLOWREF" resp --key "$T_QUEUE" "$2" | rcli "$1" --pipe >"$T_TMP/pipe.log" 2>&1 || {
		cat "$T_TMP/pipe.log" >&2
		return 1
	}
}

# start K: starts importer K, each run logging to a file of its own
# (T_TMP/gK.RUN.log); its pid in pid[K].
declare -A pid runs
start()
{
	runs[$1]=$((${runs[$1]:-0} + 1))
	"$T_IMPORTER" -c "$T_TMP/g$1.conf" >"$T_TMP/g$1.${runs[$1]}.log" 2>&1 &
	pid[$1]=$!
	T_PIDS="${T_PIDS:-} $!"
}

# held K: the batch lists importer K holds in partition K.
held()
{
	rcli "$1" --raw KEYS "fi:batch:g$1-$$:*"
}

# waiting K: the elements in partition K's queue and in the batch lists
# importer K holds there (it goes on taking while it cannot write)
waiting()
{
	local n l
	n=$(rcli "$1" LLEN "$T_QUEUE")
	for l in $(held "$1"); do
		n=$((n + $(rcli "$1" LLEN "$l")))
	done
	echo "$n"
}

# kill_holding K: SIGKILLs importer K once it holds a batch it took.
kill_holding()
{
	local i
	for ((i = 0; i < 400; i++)); do
		[[ -n $(held "$1") ]] && break
		sleep 0.05
	done
	kill -KILL "${pid[$1]}"
	wait "${pid[$1]}" 2>/dev/null
	check_cmd "importer $1 SIGKILLed holding a batch" test -n "$(held "$1")"
}

# drained K [TIMEOUT]: waits (up to TIMEOUT s, 300) until partition K's queue
# is empty and importer K holds no batch.
# shellcheck disable=SC2317 # called through check_cmd
drained()
{
	local i
	for ((i = 0; i < ${2:-300} * 2; i++)); do
		[[ $(rcli "$1" LLEN "$T_QUEUE")$(held "$1") != 0 ]] || return 0
		sleep 0.5
	done
	return 1
}

# taken K: the flows importer K's batches brought to the database, read on
# node 1 once it has applied what the cluster committed (importer 2 commits
# on node 2)
taken()
{
	gal harness_galera_sql 1 "SELECT COALESCE(SUM(flows), 0) FROM $T_DB.fi_batches
		WHERE consumer = 'g$1-$$' AND part = 'totals_60'"
}

check_cmd "--init-db on node 1" "$T_IMPORTER" -c "$T_CONF" --init-db || t_done
check_eq "the schema reached node 2" "$(gal harness_galera_sql 2 \
	"SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$T_DB'
	AND TABLE_NAME = 'totals_60'")" 1

# both partitions' flows in the same 15 minutes, among 500 hosts: the same
# minute and node rows
for k in 1 2; do
	python3 "$T_FLOWREF" gen --count 60000 --seed $((50 + k)) --span 900 --hosts 500 \
		>"$T_TMP/p$k.jsonl"
	head -n 30000 "$T_TMP/p$k.jsonl" >"$T_TMP/p$k.first.jsonl"
	tail -n +30001 "$T_TMP/p$k.jsonl" >"$T_TMP/p$k.second.jsonl"
	check_cmd "push 30,000 flows to partition $k" push "$k" "$T_TMP/p$k.first.jsonl"
done
side=$SECONDS
start 1
start 2
kill_holding 1
start 1
kill_holding 2
start 2

# node 2 goes while importer 2 has flows left to write through it, after
# both importers have worked side by side for a while
for ((i = 0; i < 1200; i++)); do
	(($(rcli 2 LLEN "$T_QUEUE") > 10000)) || break
	sleep 0.05
done
left=$(waiting 2)
check_cmd "SIGKILL node 2 mid-import ($left flows waiting in partition 2)" \
	gal harness_galera_kill 2
check_cmd "... while partition 2 had flows waiting" test "$left" -gt 0
killed_at=$SECONDS
echo "galera_parts: both importers side by side for $((SECONDS - side)) s before node 2's kill"
for k in 1 2; do
	check_cmd "push the other 30,000 flows to partition $k" push "$k" "$T_TMP/p$k.second.jsonl"
done
check_cmd "partition 1 drains through node 1 while node 2 is down" drained 1
echo "galera_parts: partition 1 drained $((SECONDS - killed_at)) s after node 2's kill"
check_cmd "importer 2 still runs" kill -0 "${pid[2]}"
log2=$T_TMP/g2.${runs[2]}.log
check_cmd "importer 2 keeps trying node 2" grep -q "retrying in" "$log2"
grep -m 3 "retrying in" "$log2"
left=$(waiting 2)
check_cmd "partition 2's flows wait in its redis ($left)" test "$left" -gt 0
n2=$(taken 2)
check_cmd "... not yet all written ($n2 of 60000)" test "$n2" -lt 60000

t=$SECONDS
check_cmd "node 2 rejoins" gal harness_galera_start 2
echo "galera_parts: node 2 rejoined in $((SECONDS - t)) s"
t=$SECONDS
check_cmd "partition 2 drains through node 2" drained 2
echo "galera_parts: partition 2 drained $((SECONDS - t)) s after node 2's rejoin"
t=$SECONDS
kill -TERM "${pid[1]}" "${pid[2]}"
for k in 1 2; do
	t_wait_exit "${pid[$k]}" "$T_TMP/g$k.${runs[$k]}.log"
	check_eq "importer $k's exit status" "$?" 0
	check_eq "partition $k's flows, each once" "$(taken "$k")" 60000
	check_eq "no dead letters in partition $k" "$(rcli "$k" LLEN "$T_DEAD")" 0
done

echo "galera_parts: importers stopped and counted in $((SECONDS - t)) s"

# the conflicts each run counted: the last figure of its log (a statistics
# line every 10 s, the summary at the end; a SIGKILLed run's last few
# seconds go uncounted)
conflicts=0
for f in "$T_TMP"/g[12].*.log; do
	n=$(grep -o -e 'conflicts retried [0-9]*' -e '[0-9]* conflicts retried' "$f" |
		tail -n 1 | tr -dc 0-9)
	conflicts=$((conflicts + ${n:-0}))
done
echo "galera_parts: $conflicts commits tried again after a conflict; node 1 counted" \
	"$(gal harness_galera_status 1 wsrep_local_cert_failures) certification failures and" \
	"$(gal harness_galera_status 1 wsrep_local_bf_aborts) brute-force aborts"
check_cmd "conflicts observed and counted ($conflicts)" test "$conflicts" -gt 0
t=$SECONDS
sums=$(gal harness_galera_sql 1 "CHECKSUM TABLE $T_DB.totals_60, $T_DB.nodes_600, $T_DB.flows_60")
for n in 2 3; do
	check_eq "node $n has what node 1 has" "$(gal harness_galera_sql "$n" \
		"CHECKSUM TABLE $T_DB.totals_60, $T_DB.nodes_600, $T_DB.flows_60")" "$sums"
done
echo "galera_parts: three nodes' checksums in $((SECONDS - t)) s"
t=$SECONDS
MIN_ROWS=100000 t_check_tables "$T_TMP/p1.jsonl" "$T_TMP/p2.jsonl"
echo "galera_parts: reference check in $((SECONDS - t)) s"
echo "galera_parts: $((SECONDS - begin)) s"
t_done
