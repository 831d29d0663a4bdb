#!/usr/bin/env bash
# test_galera.sh: importers on a three-node Galera cluster (issue 17), the
# cluster on a harness of its own (start.sh --galera), redis the shared
# one's. Two importers, one writing to node 1 and one to node 2, drain one
# queue at the same time: their commits collide on the same bucket rows, and
# the loser of each certification (error 1213) is tried again; meanwhile an
# importer is SIGKILLed and started again, and node 3 is SIGKILLed
# mid-import (the cluster goes on with two) and rejoins once the queue is
# drained (a rejoin under full write load on this 2-core machine can take
# longer than the harness waits). The bucket tables (read on node 1) equal
# the reference exactly, node 2 and the rejoined node 3 hold the same rows,
# and the conflicts are counted in the importers' logs.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
fi_test_setup galera
own=$(mktemp -d "${TMPDIR:-/tmp}/fi-galera-imp.XXXXXX")
chmod 711 "$own" # the nodes run as mysql, which must reach their dirs
trap 'fi_test_cleanup; bash "$FI_SOURCE_DIR/tests/harness/stop.sh" "$own/h" >/dev/null 2>&1;
	rm -rf "$own"' EXIT
if ! bash "$FI_SOURCE_DIR/tests/harness/start.sh" "$own/h" --galera --no-redis --no-nginx \
	2>"$own/start.log"; then
	cat "$own/start.log" >&2
	t_fail "the cluster did not start"
	t_done
fi
eval "$(grep '^export FI_TEST_GALERA' "$own/h/env")"
GDIR=$own/h
# gal CMD...: a harness helper run against the cluster's harness (a subshell
# with its env; the test's own stays the shared harness's)
gal()
{
	(harness_load_env "$GDIR" && "$@")
}
# the test's database lives on the cluster: root's client, the reference
# checker and the configs go to node 1 (node 2 for the second importer)
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
sed -e "s/^consumer_name = .*/consumer_name = galera-b-$$/" \
	-e "s/^db_port = .*/db_port = $FI_TEST_GALERA2_PORT/" "$T_CONF" >"$T_TMP/b.conf"
check_cmd "--init-db on node 1" "$T_IMPORTER" -c "$T_CONF" --init-db || t_done
check_eq "the schema reached node 2" "$(gal harness_galera_sql 2 \
	"SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$T_DB'
	AND TABLE_NAME = 'totals_60'")" 1

python3 "$T_FLOWREF" gen --count 120000 --seed 17 >"$T_TMP/gen.jsonl"
head -n 60000 "$T_TMP/gen.jsonl" >"$T_TMP/first.jsonl"
tail -n +60001 "$T_TMP/gen.jsonl" >"$T_TMP/second.jsonl"
check_cmd "push the first half" t_push "$T_TMP/first.jsonl"
start_b()
{
	"$T_IMPORTER" -c "$T_TMP/b.conf" >>"$T_TMP/b.log" 2>&1 &
	b=$!
	T_PIDS="$T_PIDS $b"
}
t_importer_start
a=$T_PID
start_b
# b is SIGKILLed once it holds a batch it took
for ((i = 0; i < 400; i++)); do
	[[ -n $(harness_redis_cli --raw KEYS "fi:batch:galera-b-$$:*") ]] && break
	sleep 0.05
done
left=$(harness_redis_cli LLEN "$T_QUEUE")
kill -KILL "$b"
wait "$b" 2>/dev/null
check_cmd "SIGKILLed importer b holding a batch ($left flows queued)" test "$left" -gt 0
start_b
left=$(harness_redis_cli LLEN "$T_QUEUE")
check_cmd "SIGKILL node 3 mid-import ($left flows queued)" gal harness_galera_kill 3
check_cmd "... while flows were queued" test "$left" -gt 0
check_cmd "push the second half" t_push "$T_TMP/second.jsonl"
check_cmd "drained by a" t_wait_drained "galera-$$"
check_cmd "drained by b" t_wait_drained "galera-b-$$"
check_cmd "node 3 rejoins" gal harness_galera_start 3
kill -TERM "$a" "$b"
t_wait_exit "$a" "$T_TMP/importer.log"
check_eq "a's exit status" "$?" "0"
t_wait_exit "$b" "$T_TMP/b.log"
check_eq "b's exit status" "$?" "0"
na=$(t_sql "SELECT COALESCE(SUM(flows), 0) FROM fi_batches WHERE consumer = 'galera-$$' AND part = 'totals_60'")
nb=$(t_sql "SELECT COALESCE(SUM(flows), 0) FROM fi_batches WHERE consumer = 'galera-b-$$' AND part = 'totals_60'")
echo "galera: a took $na flows, b took $nb"
check_eq "flows taken by both, once" "$((na + nb))" 120000
check_cmd "both took some ($na, $nb)" test "$na" -gt 0 -a "$nb" -gt 0
conflicts=$(cat "$T_TMP/importer.log" "$T_TMP/b.log" |
	sed -n 's/.*summary: .* \([0-9][0-9]*\) conflicts retried.*/\1/p' | paste -sd+ | bc)
echo "galera: $conflicts commits tried again after a conflict"
check_cmd "conflicts observed and counted (${conflicts:-none})" test "${conflicts:-0}" -gt 0
sums=$(t_sql "CHECKSUM TABLE $T_DB.totals_60, $T_DB.nodes_600, $T_DB.flows_60")
for n in 2 3; do
	check_eq "node $n has what node 1 has" "$(gal harness_galera_sql "$n" \
		"CHECKSUM TABLE $T_DB.totals_60, $T_DB.nodes_600, $T_DB.flows_60")" "$sums"
done
MIN_ROWS=100000 t_check_tables "$T_TMP/gen.jsonl"
t_done
