#!/usr/bin/env bash
# test_partitions.sh: partitioned queues (issue 17) on plain MariaDB. Two
# redis instances (start.sh --redis-partitions 2, a harness of its own for
# them; the database is the shared harness's) are two partitions of one
# database: partition A has one importer, B two, each with a consumer name
# of its own. A's importer is SIGKILLed holding a batch and stays dead while
# flowinspector-probe, assigned to A by its config, pushes the sample
# capture into A's redis and more flows go to B: B drains and its flows are
# committed, A's wait untouched in A's redis. A's importer started again
# recovers its batch and drains A; every bucket table then equals the
# reference over all flows of both partitions, each imported once.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
fi_test_setup parts
own=$(mktemp -d "${TMPDIR:-/tmp}/fi-parts.XXXXXX")
trap 'fi_test_cleanup; bash "$FI_SOURCE_DIR/tests/harness/stop.sh" "$own/h" >/dev/null 2>&1;
	rm -rf "$own"' EXIT
begin=$SECONDS
if ! bash "$FI_SOURCE_DIR/tests/harness/start.sh" "$own/h" --no-mariadb --no-nginx \
	--redis-partitions 2 2>"$own/start.log"; then
	cat "$own/start.log" >&2
	t_fail "the partitions' redis instances did not start"
	t_done
fi
PROBE=$BUILD/importer/probe/flowinspector-probe
SAMPLE=$FI_SOURCE_DIR/deploy/sample/sample.pcap

# rcli K ARGS...: redis-cli on partition K (1 is A, 2 is B), a subshell with
# the partitions' harness env; the test's own stays the shared harness's.
rcli()
{
	(harness_load_env "$own/h" && harness_redis_part_cli "$@")
}

# conf K CONSUMER: the config of an importer (or probe) of partition K.
conf()
{
	sed -e "s/^redis_port = .*/redis_port = $(rcli "$1" CONFIG GET port | tail -n 1)/" \
		-e "s/^consumer_name = .*/consumer_name = $2/" \
		-e "s/^log_level = .*/log_level = info/" "$T_CONF"
}

# start NAME K: starts importer NAME (consumer NAME-PID) of partition K,
# logging to T_TMP/NAME.log; its pid in pid[NAME].
declare -A pid
start()
{
	conf "$2" "$1-$$" >"$T_TMP/$1.conf"
	"$T_IMPORTER" -c "$T_TMP/$1.conf" >>"$T_TMP/$1.log" 2>&1 &
	pid[$1]=$!
	T_PIDS="${T_PIDS:-} $!"
}

# held K CONSUMER: the batch lists CONSUMER holds on partition K, sorted
# (KEYS answers in no set order)
held()
{
	rcli "$1" --raw KEYS "fi:batch:$2:*" | sort
}

# drained K CONSUMER...: waits (up to 300 s) until partition K's queue is
# empty and none of the consumers holds a batch there.
# shellcheck disable=SC2317 # called through check_cmd
drained()
{
	local k=$1 i c busy
	shift
	for ((i = 0; i < 600; i++)); do
		busy=$(rcli "$k" LLEN "$T_QUEUE")
		for c in "$@"; do
			busy+=$(held "$k" "$c")
		done
		[[ $busy != 0 ]] || return 0
		sleep 0.5
	done
	return 1
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

# taken CONSUMER: the flows CONSUMER's batches brought to the database.
taken()
{
	t_sql "SELECT COALESCE(SUM(flows), 0) FROM fi_batches WHERE consumer = '$1'
		AND part = 'totals_60'"
}

cat >>"$T_CONF" <<CONF
retention_days = 0
flush_interval = 1
batch_size = 1000
CONF
check_cmd "--init-db" "$T_IMPORTER" -c "$T_CONF" --init-db
python3 "$T_FLOWREF" gen --count 60000 --seed 31 >"$T_TMP/a.jsonl"
python3 "$T_FLOWREF" gen --count 60000 --seed 32 >"$T_TMP/b.jsonl"
head -n 30000 "$T_TMP/b.jsonl" >"$T_TMP/b1.jsonl"
tail -n +30001 "$T_TMP/b.jsonl" >"$T_TMP/b2.jsonl"
# the probe's flows of the sample capture, written to a file: the reference
check_cmd "the probe meters the sample" "$PROBE" -c "$T_CONF" -q -r "$SAMPLE" \
	-w "$T_TMP/probe.jsonl"
nprobe=$(grep -c . "$T_TMP/probe.jsonl")
check_cmd "push A's flows to partition A" push 1 "$T_TMP/a.jsonl"
check_cmd "push half of B's flows to partition B" push 2 "$T_TMP/b1.jsonl"

start a 1
start b1 2
start b2 2
# A's importer is SIGKILLed once it holds a batch it took
for ((i = 0; i < 400; i++)); do
	[[ -n $(held 1 "a-$$") ]] && break
	sleep 0.05
done
kill -KILL "${pid[a]}"
wait "${pid[a]}" 2>/dev/null
held_a=$(held 1 "a-$$")
left_a=$(rcli 1 LLEN "$T_QUEUE")
check_cmd "A's importer SIGKILLed holding a batch (${held_a:-none})" test -n "$held_a"
check_cmd "... with A's flows still queued ($left_a)" test "$left_a" -gt 0
taken_a=$(taken "a-$$")

# A's importer stays dead: its probe goes on pushing into A's redis, and B
# gets the rest of its flows
conf 1 unused >"$T_TMP/probe.conf"
check_cmd "the probe of partition A pushes the sample" "$PROBE" -c "$T_TMP/probe.conf" \
	-r "$SAMPLE"
check_eq "A's queue grew by the probe's $nprobe flows" "$(rcli 1 LLEN "$T_QUEUE")" \
	"$((left_a + nprobe))"
check_eq "the probe pushed its reference flows" \
	"$(rcli 1 --raw LRANGE "$T_QUEUE" "-$nprobe" -1 | sort | md5sum)" \
	"$(sort "$T_TMP/probe.jsonl" | md5sum)"
check_cmd "push the rest of B's flows to partition B" push 2 "$T_TMP/b2.jsonl"
t=$SECONDS
check_cmd "partition B drains while A's importer is dead" drained 2 "b1-$$" "b2-$$"
echo "partitions: B drained $((SECONDS - t)) s after its last push"
nb1=$(taken "b1-$$")
nb2=$(taken "b2-$$")
check_eq "all of B's flows are committed" "$((nb1 + nb2))" 60000
check_cmd "both of B's importers took some ($nb1, $nb2)" test "$nb1" -gt 0 -a "$nb2" -gt 0
check_eq "A's flows wait in A's redis" "$(rcli 1 LLEN "$T_QUEUE")" "$((left_a + nprobe))"
check_eq "... and A's batch with them" "$(held 1 "a-$$")" "$held_a"
check_eq "nothing of A's was imported meanwhile" "$(taken "a-$$")" "$taken_a"
check_cmd "B's importers took nothing from A" test -z "$(held 1 "b1-$$")$(held 1 "b2-$$")"

# A's importer again: it recovers its batch and drains A
start a 1
check_cmd "partition A drains" drained 1 "a-$$"
check_contains "A's importer recovered its batch" "$(cat "$T_TMP/a.log")" "recovering batch"
kill -TERM "${pid[a]}" "${pid[b1]}" "${pid[b2]}"
for p in a b1 b2; do
	t_wait_exit "${pid[$p]}" "$T_TMP/$p.log"
	check_eq "$p's exit status" "$?" 0
done
check_eq "A's flows and the probe's, each once" "$(taken "a-$$")" "$((60000 + nprobe))"
check_eq "B's flows, each once" "$(($(taken "b1-$$") + $(taken "b2-$$")))" 60000
check_eq "no dead letters in A" "$(rcli 1 LLEN "$T_DEAD")" 0
check_eq "no dead letters in B" "$(rcli 2 LLEN "$T_DEAD")" 0
MIN_ROWS=100000 t_check_tables "$T_TMP/a.jsonl" "$T_TMP/b.jsonl" "$T_TMP/probe.jsonl"
echo "partitions: $((SECONDS - begin)) s"
t_done
