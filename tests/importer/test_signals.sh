#!/usr/bin/env bash
# test_signals.sh: data becomes visible within flush_interval while the
# queue is idle; END flushes at once (and ends the importer with
# --exit-on-end); SIGTERM with unflushed data writes it and exits 0.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
fi_test_setup signals
cat >>"$T_CONF" <<CONF
retention_days = 0
flush_interval = 2
live_import = no
CONF
check_cmd "--init-db" "$T_IMPORTER" -c "$T_CONF" --init-db
fix=$T_FIXTURES/vermont-redis.jsonl
packets=$(python3 -c 'import json,sys; print(sum(json.loads(l)["packetDeltaCount"] for l in open(sys.argv[1]) if l.strip()))' "$fix")
total() { t_sql "SELECT COALESCE(SUM(tcp_packets + udp_packets + icmp_packets + other_packets), 0) FROM totals_600"; }

# 1. idle flush: visible within flush_interval (2 s) plus slack, no more flows
t_importer_start
check_cmd "push" t_push "$fix"
seen=""
for i in $(seq 1 40); do
	[[ $(total) == "$packets" ]] && seen=$i && break
	sleep 0.25
done
check_eq "visible while idle (after ${seen:-never} x 0.25 s)" "$(total)" "$packets"
if [[ -n $seen ]] && ((seen <= 16)); then t_ok; else t_fail "not visible within 4 s"; fi

# 2. SIGTERM with unflushed data: a long interval, then stop
kill -TERM "$T_PID"
t_wait_exit "$T_PID" "$T_TMP/importer.log"
sed -i 's/^flush_interval = 2$/flush_interval = 3600/' "$T_CONF"
t_importer_start
check_cmd "push again" t_push "$fix"
for i in $(seq 1 40); do
	[[ $(harness_redis_cli LLEN "$T_QUEUE") == 0 ]] && break
	sleep 0.25
done
sleep 0.5
check_eq "taken but not yet written" "$(total)" "$packets"
kill -TERM "$T_PID"
t_wait_exit "$T_PID" "$T_TMP/importer.log"
check_eq "exit status after SIGTERM" "$?" "0"
check_eq "written at SIGTERM" "$(total)" "$((2 * packets))"

# 3. END flushes at once and, with --exit-on-end, ends the importer
check_cmd "push a third time" t_push "$fix"
harness_redis_cli RPUSH "$T_QUEUE" END >/dev/null
timeout 30 "$T_IMPORTER" -c "$T_CONF" --exit-on-end >>"$T_TMP/importer.log" 2>&1
check_eq "exit status after END" "$?" "0"
check_eq "written at END" "$(total)" "$((3 * packets))"
check_eq "END taken from the queue" "$(harness_redis_cli LLEN "$T_QUEUE")" "0"
nfix=$(grep -c . "$fix")
check_eq "flows recorded with the batches" "$(t_sql "SELECT SUM(flows) FROM fi_batches WHERE part = 'totals_60'")" "$((3 * nfix))"
t_done
