#!/usr/bin/env bash
# test_known.sh: captures with known packets (tests/tools/probecases.py: every
# link type, VLAN/QinQ/MPLS/PPPoE, IPv4 options and fragments, IPv6 extension
# headers and fragments, truncated and malformed frames, timeouts, FIN/RST,
# a full table) go through flowinspector-probe into the harness's redis; the
# pushed elements must be exactly the expected flows (IP-level bytes), and
# the skipped frames counted by reason. Also: --end, -w, bad files.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
fi_test_setup probe_known
PROBE=$BUILD/importer/probe/flowinspector-probe
CASES=$FI_SOURCE_DIR/tests/tools/probecases.py
d=$T_TMP/caps

check_cmd "write the captures" python3 "$CASES" known "$d"
mapfile -t files < <(python3 -c "
import json, sys
for m in json.load(open(sys.argv[1])): print(m['file'])" "$d/manifest.json")

for f in "${files[@]}"; do
	conf=$T_TMP/$f.conf
	sed 's/^log_level = .*/log_level = info/' "$T_CONF" >"$conf"
	python3 -c "
import json, sys
m = [m for m in json.load(open(sys.argv[1])) if m['file'] == sys.argv[2]][0]
for k, v in m['config'].items(): print(k, '=', v)" "$d/manifest.json" "$f" >>"$conf"
	harness_redis_cli DEL "$T_QUEUE" >/dev/null
	"$PROBE" -c "$conf" -r "$d/$f" >"$T_TMP/$f.log" 2>&1
	check_eq "$f: exit status" "$?" "0"
	harness_redis_cli --raw LRANGE "$T_QUEUE" 0 -1 >"$T_TMP/$f.jsonl"
	out=$(python3 "$CASES" compare "$d/manifest.json" "$f" "$T_TMP/$f.jsonl")
	check_eq "$f: pushed flows" "$?" "0"
	echo "$out" | tail -n 20
	want=$(python3 -c "
import json, sys
m = [m for m in json.load(open(sys.argv[1])) if m['file'] == sys.argv[2]][0]
s = m['skipped']
print('skipped: ' + ', '.join('%s %d' % (k, s.get(k, 0))
      for k in ('not IP', 'truncated', 'malformed', 'unsupported')) + ';')" "$d/manifest.json" "$f")
	check_contains "$f: skipped frames" "$(cat "$T_TMP/$f.log")" "$want"
done

# every element is VERMONT's JSON as SPEC 3.1 shows it, one flow each
harness_redis_cli DEL "$T_QUEUE" >/dev/null
"$PROBE" -c "$T_CONF" -r "$d/eth.pcap" --end 2>"$T_TMP/end.log"
check_eq "--end: exit status" "$?" "0"
check_eq "--end: END is the last element" "$(harness_redis_cli --raw LINDEX "$T_QUEUE" -1)" "END"
check_eq "--end: one END" "$(harness_redis_cli --raw LRANGE "$T_QUEUE" 0 -1 | grep -c '^END$')" "1"
first=$(harness_redis_cli --raw LINDEX "$T_QUEUE" 0)
check_cmd "elements are JSON with the VERMONT keys" python3 -c "
import json, sys
e = json.loads(sys.argv[1])
need = {'protocolIdentifier', 'sourceTransportPort', 'destinationTransportPort',
        'flowStartSeconds', 'flowEndSeconds', 'octetDeltaCount', 'packetDeltaCount'}
assert need <= set(e), e
assert ('sourceIPv4Address' in e) != ('sourceIPv6Address' in e), e
assert all(isinstance(v, int) for k, v in e.items() if 'IPv6' not in k), e" "$first"

# -w - writes the same elements to standard output, and pushes nothing
harness_redis_cli DEL "$T_QUEUE" >/dev/null
"$PROBE" -c "$T_CONF" -r "$d/eth.pcap" -w - 2>/dev/null >"$T_TMP/w.jsonl"
check_eq "-w: exit status" "$?" "0"
check_cmd "-w: the expected flows" python3 "$CASES" compare "$d/manifest.json" eth.pcap "$T_TMP/w.jsonl"
check_eq "-w: nothing pushed" "$(harness_redis_cli LLEN "$T_QUEUE")" "0"

# a BPF filter applies before metering
"$PROBE" -c "$T_CONF" -r "$d/eth.pcap" -w - udp and port 9000 2>/dev/null >"$T_TMP/f.jsonl"
check_eq "filter: exit status" "$?" "0"
check_eq "filter: only the flows of port 9000" "$(grep -c . "$T_TMP/f.jsonl")" "2"
out=$("$PROBE" -c "$T_CONF" -r "$d/eth.pcap" -w - 'port port' 2>&1)
check_eq "bad filter: exit status" "$?" "1"
check_contains "bad filter: message" "$out" "filter \"port port\""

# a file that is not a capture, a missing one, and one cut in the middle
printf 'not a capture file at all\n' >"$T_TMP/junk.pcap"
out=$("$PROBE" -c "$T_CONF" -r "$T_TMP/junk.pcap" 2>&1)
check_eq "not a capture: exit status" "$?" "1"
check_contains "not a capture: message" "$out" "junk.pcap"
out=$("$PROBE" -c "$T_CONF" -r "$T_TMP/missing.pcap" 2>&1)
check_eq "missing file: exit status" "$?" "1"
size=$(stat -c %s "$d/eth.pcap")
head -c $((size - 30)) "$d/eth.pcap" >"$T_TMP/cut.pcap"
harness_redis_cli DEL "$T_QUEUE" >/dev/null
out=$("$PROBE" -c "$T_CONF" -r "$T_TMP/cut.pcap" 2>&1)
check_eq "cut file: exit status" "$?" "1"
check_contains "cut file: says why" "$out" "truncated"
n=$(harness_redis_cli LLEN "$T_QUEUE")
check_cmd "cut file: the flows read so far are pushed ($n)" test "$n" -gt 30
out=$("$PROBE" -c "$T_CONF" 2>&1)
check_eq "no source: exit status" "$?" "2"
out=$("$PROBE" -c "$T_CONF" -r "$d/eth.pcap" -i lo 2>&1)
check_eq "two sources: exit status" "$?" "2"

# no redis: a file import fails at once, with the reason
printf 'redis_port = 1\n' >"$T_TMP/noredis.conf"
out=$("$PROBE" -c "$T_TMP/noredis.conf" -r "$d/eth.pcap" 2>&1)
check_eq "no redis: exit status" "$?" "1"
check_contains "no redis: message" "$out" "redis 127.0.0.1:1"
t_done
