#!/usr/bin/env bash
# test_two_importers.sh: two importers (two consumer names) drain one queue
# at the same time; the totals are exact. A third with a name in use is
# refused with a clear message.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
fi_test_setup two
cat >>"$T_CONF" <<CONF
retention_days = 0
flush_interval = 1
batch_size = 1000
CONF
sed "s/^consumer_name = .*/consumer_name = two-b-$$/" "$T_CONF" >"$T_TMP/b.conf"

check_cmd "--init-db" "$T_IMPORTER" -c "$T_CONF" --init-db
python3 "$T_FLOWREF" gen --count 100000 --seed 5 >"$T_TMP/gen.jsonl"
check_cmd "push" t_push "$T_TMP/gen.jsonl"
t_importer_start
a=$T_PID
"$T_IMPORTER" -c "$T_TMP/b.conf" >>"$T_TMP/b.log" 2>&1 &
b=$!
T_PIDS="$T_PIDS $b"
sleep 1
out=$(timeout 5 "$T_IMPORTER" -c "$T_CONF" --once 2>&1)
check_contains "a second importer with the same name is refused" "$out" "is in use by"
check_cmd "drained by a" t_wait_drained "two-$$"
check_cmd "drained by b" t_wait_drained "two-b-$$"
kill -TERM "$a" "$b"
t_wait_exit "$a" "$T_TMP/importer.log"
check_eq "a's exit status" "$?" "0"
t_wait_exit "$b" "$T_TMP/b.log"
check_eq "b's exit status" "$?" "0"
na=$(t_sql "SELECT COALESCE(SUM(flows), 0) FROM fi_batches WHERE consumer = 'two-$$' AND part = 'totals_60'")
nb=$(t_sql "SELECT COALESCE(SUM(flows), 0) FROM fi_batches WHERE consumer = 'two-b-$$' AND part = 'totals_60'")
echo "two: a took $na flows, b took $nb"
check_eq "flows taken by both" "$((na + nb))" "100000"
if ((na > 0 && nb > 0)); then t_ok; else t_fail "one importer took nothing ($na, $nb)"; fi
MIN_ROWS=100000 t_check_tables "$T_TMP/gen.jsonl"
t_done
