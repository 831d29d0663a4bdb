#!/usr/bin/env bash
# test_sample.sh: the bundled sample capture (deploy/sample/) is exactly what
# its generator's recorded command makes, and the probe meters all of it:
# every frame a packet, the IP-level byte total the generator counted.
set -uo pipefail
BUILD=$1
T_NAME=probe_sample
. "$(dirname "$0")/../shell/testlib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fi-probe-sample.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

python3 "$top/tests/tools/gen_sample.py" "$tmp/sample.pcap" --seed 1 >"$tmp/sample.json"
check_eq "generator exit status" "$?" "0"
check_cmd "sample.pcap is the generator's output" cmp "$tmp/sample.pcap" "$top/deploy/sample/sample.pcap"
check_eq "sample.json is the generator's count" "$(cat "$tmp/sample.json")" \
	"$(cat "$top/deploy/sample/sample.json")"
: >"$tmp/empty.conf"
"$BUILD/importer/probe/flowinspector-probe" -c "$tmp/empty.conf" -q -r "$top/deploy/sample/sample.pcap" \
	-w "$tmp/flows.jsonl" 2>"$tmp/probe.log"
check_eq "probe exit status" "$?" "0"
check_contains "nothing skipped" "$(cat "$tmp/probe.log")" "skipped: not IP 0, truncated 0, malformed 0, unsupported 0;"
got=$(python3 -c "
import json, sys
e = [json.loads(l) for l in open(sys.argv[1])]
print(json.dumps({'packets': sum(x['packetDeltaCount'] for x in e),
                  'ip_bytes': sum(x['octetDeltaCount'] for x in e),
                  'first': min(x['flowStartSeconds'] for x in e),
                  'last': max(x['flowEndSeconds'] for x in e)}))" "$tmp/flows.jsonl")
want=$(python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))
print(json.dumps({k: s[k] for k in ('packets', 'ip_bytes', 'first', 'last')}))" "$top/deploy/sample/sample.json")
check_eq "probe totals = generator totals" "$got" "$want"
t_done
