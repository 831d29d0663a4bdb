#!/usr/bin/env bash
# test_vermont.sh: the fixture captures through flowinspector-probe give the
# flows VERMONT recorded for them (../shared/fixtures/vermont-redis*.jsonl),
# element for element: same keys, times, packets and IP-level bytes. VERMONT
# (configured as in the fixtures README) exports IPv4 TCP/UDP/ICMP only and
# writes ICMP ports as 0, so the probe runs with probe_icmp_typecode = no
# and its other flows (IPv6, ESP, GRE) are left out of the comparison.
set -uo pipefail
BUILD=$1
T_NAME=probe_vermont
. "$(dirname "$0")/../shell/testlib.sh"
PROBE=$BUILD/importer/probe/flowinspector-probe
fixtures=$(cd "$(dirname "$0")/../../.." && pwd)/shared/fixtures
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fi-probe-vermont.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "probe_icmp_typecode = no" >"$tmp/vermont.conf"

for pair in traffic-mixed.pcap:vermont-redis.jsonl \
	traffic-loopback.pcap:vermont-redis-loopback.jsonl; do
	cap=${pair%%:*} rec=${pair##*:}
	"$PROBE" -c "$tmp/vermont.conf" -q -r "$fixtures/$cap" -w "$tmp/$cap.jsonl" 2>/dev/null
	check_eq "$cap: exit status" "$?" "0"
	out=$(python3 - "$tmp/$cap.jsonl" "$fixtures/$rec" <<'PY'
import collections, json, sys
KEYS = ("sourceIPv4Address", "destinationIPv4Address", "protocolIdentifier",
        "sourceTransportPort", "destinationTransportPort", "flowStartSeconds",
        "flowEndSeconds", "octetDeltaCount", "packetDeltaCount")
def load(path, vermont_kinds):
    out = collections.Counter()
    for line in open(path):
        e = json.loads(line)
        if vermont_kinds and ("sourceIPv4Address" not in e or
                              e["protocolIdentifier"] not in (1, 6, 17)):
            continue
        out[tuple(e[k] for k in KEYS)] += 1
    return out
probe, vermont = load(sys.argv[1], True), load(sys.argv[2], False)
for k in sorted(probe - vermont)[:10]:
    print("probe only:", k)
for k in sorted(vermont - probe)[:10]:
    print("VERMONT only:", k)
print("%d flows compared, %d differ" % (sum(vermont.values()),
      sum((probe - vermont).values()) + sum((vermont - probe).values())))
sys.exit(1 if probe != vermont else 0)
PY
)
	check_eq "$cap: the flows VERMONT recorded" "$?" "0"
	echo "$cap: $out"
done
t_done
