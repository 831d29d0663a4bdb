#!/usr/bin/env bash
# test_once.sh: the probe pushes every flow exactly once when redis or the
# connection fails in the middle of a push. A capture of about 6,000 flows
# goes through tests/tools/faultproxy.py, which loses the replies of pushes
# that redis executed, drops pushes before redis sees them, restarts redis
# (AOF, fsync always) after a push, and restarts it under a live connection
# (lost script cache: NOSCRIPT); the queue must then hold exactly what a run
# without faults pushes, in the same order. Also: back-pressure at
# probe_max_queue. Runs on a harness of its own, since it restarts redis.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/harness/lib.sh"
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
T_NAME=probe_once
PROBE=$BUILD/importer/probe/flowinspector-probe
PROXY=$FI_SOURCE_DIR/tests/tools/faultproxy.py
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/fi-probe-once.XXXXXX")
own=$T_TMP/harness
proxy_pid=""
cleanup()
{
	[[ -z $proxy_pid ]] || kill "$proxy_pid" 2>/dev/null
	bash "$FI_SOURCE_DIR/tests/harness/stop.sh" "$own"
	[[ -n ${FI_KEEP_TMP:-} ]] || rm -rf "$T_TMP"
}
trap cleanup EXIT
# exported: the restarts in the proxy's hook write redis.conf again
export FI_HARNESS_REDIS_FSYNC=always
bash "$FI_SOURCE_DIR/tests/harness/start.sh" "$own" --no-mariadb --no-nginx || exit 1
harness_load_env "$own" || exit 1

cap=$T_TMP/once.pcap
check_cmd "write the capture" python3 "$FI_SOURCE_DIR/tests/tools/probecases.py" bench \
	"$cap" --packets 60000 --flows 6000 --span 600 --seed 7

# conf QUEUE PORT [KEY = VALUE...]: a probe config on stdout
conf()
{
	printf 'redis_port = %s\nredis_queue = %s\nlog_level = info\n' "$2" "$1"
	shift 2
	for kv in "$@"; do
		echo "$kv"
	done
}

# proxy NAME FAULT...: starts the fault proxy in front of redis (proxy_port)
proxy()
{
	local name=$1 args=() f
	shift
	for f in "$@"; do
		args+=(--fault "$f")
	done
	rm -f "$T_TMP/$name.port"
	python3 "$PROXY" --upstream "$FI_TEST_REDIS_PORT" --port-file "$T_TMP/$name.port" \
		--log "$T_TMP/$name.proxy" --queue "q:$name" "${args[@]}" \
		--hook "bash -c '. $FI_SOURCE_DIR/tests/harness/lib.sh && harness_load_env $own &&
			harness_kill_redis && harness_start_redis'" 2>"$T_TMP/$name.proxy.err" &
	proxy_pid=$!
	for _ in $(seq 100); do
		[[ -s $T_TMP/$name.port ]] && break
		sleep 0.1
	done
	proxy_port=$(cat "$T_TMP/$name.port")
}

stop_proxy()
{
	kill "$proxy_pid" 2>/dev/null
	wait "$proxy_pid" 2>/dev/null
	proxy_pid=""
}

# same NAME: the queue q:NAME holds exactly the reference's elements, in order
same()
{
	local name=$1
	harness_redis_cli --raw LRANGE "q:$name" 0 -1 >"$T_TMP/$name.jsonl"
	check_cmd "$name: the same elements as without faults, once each" python3 -c '
import collections, sys
ref = open(sys.argv[1]).read().splitlines()
got = open(sys.argv[2]).read().splitlines()
extra = collections.Counter(got) - collections.Counter(ref)
missing = collections.Counter(ref) - collections.Counter(got)
if extra or missing:
    sys.exit("%d elements, want %d: %d extra (duplicates), %d missing"
             % (len(got), len(ref), sum(extra.values()), sum(missing.values())))
if got != ref:
    sys.exit("the same elements in another order")' "$T_TMP/ref.jsonl" "$T_TMP/$name.jsonl"
	check_eq "$name: no mark left behind" \
		"$(harness_redis_cli --raw KEYS "q:$name:probe:*")" ""
}

# The reference: straight into redis, no faults; and through the proxy
# without faults, which counts the pushes.
conf q:ref "$FI_TEST_REDIS_PORT" >"$T_TMP/ref.conf"
"$PROBE" -c "$T_TMP/ref.conf" -q -r "$cap" --end 2>"$T_TMP/ref.log"
check_eq "reference: exit status" "$?" "0"
harness_redis_cli --raw LRANGE q:ref 0 -1 >"$T_TMP/ref.jsonl"
flows=$(grep -c '^{' "$T_TMP/ref.jsonl")
echo "probe_once: reference run pushed $flows flows and END"
check_cmd "reference: several batches ($flows flows)" test "$flows" -gt 5000
check_eq "reference: END last" "$(tail -n 1 "$T_TMP/ref.jsonl")" "END"

proxy plain
conf q:plain "$proxy_port" >"$T_TMP/plain.conf"
"$PROBE" -c "$T_TMP/plain.conf" -q -r "$cap" --end 2>"$T_TMP/plain.log"
check_eq "plain: exit status" "$?" "0"
stop_proxy
pushes=$(grep -c '^push ' "$T_TMP/plain.proxy")
check_eq "plain: one push per batch and END" "$pushes" "$(((flows + 999) / 1000 + 1))"
same plain

# Lost replies and dropped pushes: batch 2 is executed but its reply lost,
# its retry dropped, the next retry skipped by redis; batch 4 loses its
# reply too, and so does END (the last push, after three extra tries).
proxy lose 2:lose 3:drop 6:lose "$((pushes + 3)):lose"
conf q:lose "$proxy_port" >"$T_TMP/lose.conf"
"$PROBE" -c "$T_TMP/lose.conf" -q -r "$cap" --end 2>"$T_TMP/lose.log"
check_eq "lose: exit status" "$?" "0"
stop_proxy
check_eq "lose: faults done" "$(grep -c ' lose$\| drop$' "$T_TMP/lose.proxy")" "4"
check_eq "lose: retried pushes skipped by redis" \
	"$(grep -c 'was pushed already' "$T_TMP/lose.log")" "3"
same lose

# redis restarts: after executing batch 3 (the reply is lost; the mark
# survives in the AOF), and twice under the connection, so that the probe's
# EVALSHA meets an empty script cache: for batch 5, sent without waiting
# (the probe loads the scripts again and pushes it with EVALSHA), and for
# END, sent and waited for (the probe sends the script's text with EVAL).
proxy restart 3:restart 6:swap "$((pushes + 2)):swap"
conf q:restart "$proxy_port" >"$T_TMP/restart.conf"
"$PROBE" -c "$T_TMP/restart.conf" -q -r "$cap" --end 2>"$T_TMP/restart.log"
check_eq "restart: exit status" "$?" "0"
stop_proxy
check_eq "restart: redis restarted three times" \
	"$(grep -c '^hook exit 0$' "$T_TMP/restart.proxy")" "3"
check_contains "restart: NOSCRIPT, scripts loaded again" "$(cat "$T_TMP/restart.log")" \
	"redis lost its scripts: loading them again"
check_eq "restart: batch 5 pushed again after SCRIPT LOAD" \
	"$(sed -n '/^push 6 /,/^push 7 /p' "$T_TMP/restart.proxy" | sed -n '$p;/SCRIPT/p' | sort -u)" \
	"$(printf 'command SCRIPT\npush 7 EVALSHA')"
check_contains "restart: NOSCRIPT, then the script's text" "$(cat "$T_TMP/restart.log")" \
	"redis lost its scripts: sending the script's text"
check_cmd "restart: END went again as EVAL" grep -q "^push $((pushes + 3)) EVAL\$" \
	"$T_TMP/restart.proxy"
check_eq "restart: the retried batch skipped" \
	"$(grep -c 'was pushed already' "$T_TMP/restart.log")" "1"
same restart

# Back-pressure: with probe_max_queue = 1500 the probe stops at two batches
# until the queue is drained below that; taken out in order, the elements
# are the reference's.
conf q:full "$FI_TEST_REDIS_PORT" "probe_max_queue = 1500" >"$T_TMP/full.conf"
"$PROBE" -c "$T_TMP/full.conf" -q -r "$cap" --end 2>"$T_TMP/full.log" &
probe_pid=$!
sleep 2
check_eq "back-pressure: the probe waits at two batches" \
	"$(harness_redis_cli LLEN q:full)" "2000"
check_cmd "back-pressure: the probe is still running" kill -0 "$probe_pid"
: >"$T_TMP/full.jsonl"
while kill -0 "$probe_pid" 2>/dev/null || [[ $(harness_redis_cli LLEN q:full) != 0 ]]; do
	harness_redis_cli --raw LPOP q:full 700 | grep . >>"$T_TMP/full.jsonl"
	sleep 0.2
done
wait "$probe_pid"
check_eq "back-pressure: exit status" "$?" "0"
check_cmd "back-pressure: every element once, in order" cmp -s "$T_TMP/ref.jsonl" \
	"$T_TMP/full.jsonl"
t_done
