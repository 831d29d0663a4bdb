#!/usr/bin/env bash
# test_argus.sh: the same known captures through argus (Debian's argus-server
# and argus-client, 3.0.8.2) and through flowinspector-probe: the packet
# totals are equal, and argus's byte totals exceed the probe's (IP-level, as
# IPFIX counts) by exactly the link-layer bytes argus counts, computed per
# frame from what the capture generator wrote: the whole frame on the wire for
# Ethernet (header, tags, padding), nothing for raw IP, and the BSD loopback
# family word not at all. (argus 3.0.8.2 aborts on Linux cooked captures,
# does not decode 802.1ad tags and drops ESP over IPv6: those are left out.)
set -uo pipefail
BUILD=$1
T_NAME=probe_argus
. "$(dirname "$0")/../shell/testlib.sh"
PROBE=$BUILD/importer/probe/flowinspector-probe
CASES=$(dirname "$0")/../tools/probecases.py
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fi-probe-argus.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if ! command -v argus >/dev/null || ! command -v ra >/dev/null; then
	t_fail "argus and ra are needed (tests/deps.sh installs argus-server and argus-client)"
	t_done
fi
check_cmd "write the captures" python3 "$CASES" known "$tmp"
: >"$tmp/empty.conf"

for f in argus.pcap raw.pcap null.pcap; do
	# -F /dev/null: not the system's /etc/argus.conf (it also writes to /var/log)
	argus -F /dev/null -r "$tmp/$f" -w "$tmp/$f.argus" 2>"$tmp/$f.argus.log"
	check_eq "$f: argus exit status" "$?" "0"
	read -r a_pkts a_bytes < <(ra -F /dev/null -r "$tmp/$f.argus" -n -c , \
		-s proto spkts dpkts sbytes dbytes 2>/dev/null |
		awk -F, '$1 != "man" && $1 != "Proto" { p += $2 + $3; b += $4 + $5 }
			END { print p + 0, b + 0 }')
	"$PROBE" -c "$tmp/empty.conf" -q -r "$tmp/$f" -w "$tmp/$f.jsonl" 2>/dev/null
	check_eq "$f: probe exit status" "$?" "0"
	read -r p_pkts p_bytes < <(python3 -c "
import json, sys
e = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(sum(x['packetDeltaCount'] for x in e), sum(x['octetDeltaCount'] for x in e))" "$tmp/$f.jsonl")
	read -r m_pkts m_link < <(python3 -c "
import json, sys
m = [m for m in json.load(open(sys.argv[1])) if m['file'] == sys.argv[2]][0]
ok = [x for x in m['frames'] if x['status'] == 'ok']
family = 4 if sys.argv[2] == 'null.pcap' else 0  # argus skips the BSD family word
print(len(ok), sum(x['wire'] - family - x['ip_len'] for x in ok))" "$tmp/manifest.json" "$f")
	echo "$f: argus $a_pkts packets $a_bytes bytes; probe $p_pkts packets $p_bytes bytes;" \
		"link-layer bytes argus counts: $m_link"
	check_eq "$f: probe packets" "$p_pkts" "$m_pkts"
	check_eq "$f: argus packets = probe packets" "$a_pkts" "$p_pkts"
	check_eq "$f: argus bytes - probe bytes = link bytes" "$((a_bytes - p_bytes))" "$m_link"
done
t_done
