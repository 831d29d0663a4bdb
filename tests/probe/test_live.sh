#!/usr/bin/env bash
# test_live.sh: flowinspector-probe on an interface (lo, filtered to a port
# of its own): flows of a few refused connections reach the queue while the
# probe runs, through the inactive timeout on an idle link (the clock moves
# time on) and the one-second push of a partial batch; the 10-second
# statistics line appears; SIGTERM ends it with exit status 0 and a summary.
# Needs CAP_NET_RAW: skipped (77) without it.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
fi_test_setup probe_live
PROBE=$BUILD/importer/probe/flowinspector-probe
sed -i 's/^log_level = .*/log_level = info/' "$T_CONF"
echo "probe_inactive_timeout = 1" >>"$T_CONF"
port=$(harness_free_port)

"$PROBE" -c "$T_CONF" -i lo -p tcp port "$port" >"$T_TMP/probe.log" 2>&1 &
pid=$!
T_PIDS="$pid"
for ((i = 0; i < 50; i++)); do
	grep -q 'metering interface' "$T_TMP/probe.log" && break
	if ! kill -0 "$pid" 2>/dev/null; then
		if grep -qi 'permission\|not permitted' "$T_TMP/probe.log"; then
			echo "no permission to capture on lo: skipped"
			exit 77
		fi
		break
	fi
	sleep 0.1
done
check_contains "capturing" "$(cat "$T_TMP/probe.log")" "metering interface lo"
sleep 0.5
begin=$SECONDS
for i in 1 2 3; do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
done
# each refused connection is a SYN one way and a RST the other: 6 flows
for ((i = 0; i < 100; i++)); do
	[[ $(harness_redis_cli LLEN "$T_QUEUE") == 6 ]] && break
	sleep 0.1
done
check_eq "flows pushed while running" "$(harness_redis_cli LLEN "$T_QUEUE")" "6"
check_cmd "they are the refused connections" python3 -c "
import json, sys
e = [json.loads(l) for l in sys.stdin.read().split()]
syn = [x for x in e if x['destinationTransportPort'] == $port]
rst = [x for x in e if x['sourceTransportPort'] == $port]
assert len(syn) == 3 and len(rst) == 3, e
assert all(x['sourceIPv4Address'] == 2130706433 and x['packetDeltaCount'] == 1 for x in e), e
assert all(x['octetDeltaCount'] in (40, 60) for x in e), e" \
	<<<"$(harness_redis_cli --raw LRANGE "$T_QUEUE" 0 -1)"
sleep $((begin + 11 - SECONDS))
check_contains "statistics every 10 s" "$(cat "$T_TMP/probe.log")" "packets/s, "
kill -TERM "$pid"
wait "$pid"
check_eq "SIGTERM: exit status" "$?" "0"
check_contains "SIGTERM: summary" "$(cat "$T_TMP/probe.log")" "summary: 6 frames"
t_done
