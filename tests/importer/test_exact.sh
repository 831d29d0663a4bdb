#!/usr/bin/env bash
# test_exact.sh: the VERMONT recordings and 100,000 generated flows (every
# accepted spelling) go through redis and the importer; every row of every
# bucket table, for all four default sizes, equals flowref's independent
# computation: packets and bytes exactly, flows within 1e-6.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
fi_test_setup exact
t_init_db "retention_days = 0"
python3 "$T_FLOWREF" gen --count 100000 --seed 7 >"$T_TMP/gen.jsonl"
files=("$T_FIXTURES"/vermont-redis.jsonl "$T_FIXTURES"/vermont-redis-ms.jsonl
	"$T_FIXTURES"/vermont-redis-loopback.jsonl "$T_FIXTURES"/vermont-redis-ms-loopback.jsonl
	"$T_TMP/gen.jsonl")
check_cmd "push" t_push "${files[@]}"
want=$(cat "${files[@]}" | grep -c .)
check_eq "queued" "$(harness_redis_cli LLEN "$T_QUEUE")" "$want"
check_cmd "importer --once" "$T_IMPORTER" -c "$T_CONF" --once
check_eq "queue drained" "$(harness_redis_cli LLEN "$T_QUEUE")" "0"
check_eq "no dead letters" "$(harness_redis_cli LLEN "$T_DEAD")" "0"
check_eq "no batch left in redis" "$(harness_redis_cli SCARD "fi:batches:exact-$$")" "0"
check_eq "flows recorded with the batches" "$(t_sql "SELECT SUM(flows) FROM fi_batches WHERE part = 'totals_60'")" "$want"
MIN_ROWS=500000 t_check_tables "${files[@]}"
# a second run finds nothing to do and changes nothing
before=$(t_sql "SELECT SUM(packets), SUM(bytes) FROM flows_60")
check_cmd "importer --once on an empty queue" "$T_IMPORTER" -c "$T_CONF" --once
check_eq "nothing added" "$(t_sql "SELECT SUM(packets), SUM(bytes) FROM flows_60")" "$before"
t_done
