#!/usr/bin/env bash
# test_lost_take.sh: the importer talks to redis through tests/tools/
# faultproxy.py, which loses the replies of chosen takes after redis has run
# them (the take script names the queue key, so the proxy counts it as a
# push): the elements are then in the batch list but not in the importer's
# memory. Every flow must still be in the tables exactly once, and no batch
# list may be left behind.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
fi_test_setup lost_take
PROXY=$FI_SOURCE_DIR/tests/tools/faultproxy.py
t_init_db "retention_days = 0"
cat >>"$T_CONF" <<CONF
batch_size = 700
CONF

python3 "$T_FLOWREF" gen --count 20000 --seed 23 >"$T_TMP/gen.jsonl"
check_cmd "push" t_push "$T_TMP/gen.jsonl"

# the proxy loses the replies of the 3rd, 8th and 14th take
python3 "$PROXY" --upstream "$FI_TEST_REDIS_PORT" --port-file "$T_TMP/proxy.port" \
	--log "$T_TMP/proxy.log" --queue "$T_QUEUE" --fault 3:lose --fault 8:lose \
	--fault 14:lose 2>"$T_TMP/proxy.err" &
proxy=$!
T_PIDS="${T_PIDS:-} $proxy"
for _ in $(seq 100); do
	[[ -s $T_TMP/proxy.port ]] && break
	sleep 0.05
done
sed -i "s/^redis_port = .*/redis_port = $(cat "$T_TMP/proxy.port")/" "$T_CONF"

check_cmd "importer --once through the proxy" \
	bash -c '"$0" -c "$1" --once 2>>"$2"' "$T_IMPORTER" "$T_CONF" "$T_TMP/importer.log"
check_eq "three replies lost" "$(grep -c 'lose' "$T_TMP/proxy.log")" 3
check_eq "queue drained" "$(harness_redis_cli LLEN "$T_QUEUE")" 0
check_eq "no batch left in redis" "$(harness_redis_cli --raw KEYS "fi:batch:$T_NAME-$$:*" | sed '/^$/d' | wc -l)" 0
check_eq "every element written once" \
	"$(t_sql "SELECT SUM(flows) FROM fi_batches WHERE part = 'totals_60'")" 20000
check_contains "the importer said why it read a batch again" "$(cat "$T_TMP/importer.log")" \
	"the reply of a take was lost; read the batch again"
t_check_tables "$T_TMP/gen.jsonl"
t_done
