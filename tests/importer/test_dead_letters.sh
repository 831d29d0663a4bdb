#!/usr/bin/env bash
# test_dead_letters.sh: malformed elements, between good ones, each land in
# the dead-letter list with their reason; the good ones are all imported.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
fi_test_setup dead
t_init_db "retention_days = 0"

ok='"sourceIPv4Address":167772161,"destinationIPv4Address":167772162,"protocolIdentifier":6,"sourceTransportPort":1,"destinationTransportPort":2'
t='"flowStartSeconds":1700000000,"flowEndSeconds":1700000010'
c='"octetDeltaCount":100,"packetDeltaCount":2'
long=$(printf 'x%.0s' $(seq 1 5000))
# element <TAB> expected reason (substring)
cat >"$T_TMP/bad.tsv" <<BAD
garbage	not JSON
[1,2,3]	not a JSON object
{$ok,$t,$c	not JSON
{$ok,$c}	missing flowStartSeconds
{$ok,"flowStartSeconds":1700000000,$c}	missing flowEndSeconds
{$ok,$t,"octetDeltaCount":100}	missing packetDeltaCount
{$ok,$t,"packetDeltaCount":2}	missing octetDeltaCount
{$ok,$t,"octetDeltaCount":-5,"packetDeltaCount":2}	octetDeltaCount: -5 is out of range
{$ok,$t,"octetDeltaCount":"12x","packetDeltaCount":2}	is not a whole number
{$ok,$t,"octetDeltaCount":1.5,"packetDeltaCount":2}	is not a whole number
{$ok,$t,"octetDeltaCount":true,"packetDeltaCount":2}	expected a number
{$ok,$t,"octetDeltaCount":99999999999999999999999,"packetDeltaCount":2}	not JSON
{$ok,"flowStartSeconds":1700000010,"flowEndSeconds":1700000000,$c}	ends (1700000000) before it starts
{$ok,"flowStartSeconds":-1,"flowEndSeconds":5,$c}	out of range
{$ok,"flowStartSeconds":99999999999,"flowEndSeconds":99999999999,$c}	out of range
{$ok,"flowStartSeconds":0,"flowEndSeconds":4000000000,$c}	longer than max_flow_duration
{"sourceIPv4Address":4294967296,"destinationIPv4Address":1,$t,$c}	out of range
{"sourceIPv4Address":"10.0.0.300","destinationIPv4Address":1,$t,$c}	is not an IPv4 address
{"sourceIPv6Address":"2001:db8::zz","destinationIPv6Address":"::1",$t,$c}	is not an IPv6 address
{"sourceIPv6Address":12,"destinationIPv6Address":"::1",$t,$c}	expected an address in text form
{"sourceIPv4Address":1,"sourceIPv6Address":"::1",$t,$c}	both an IPv4 and an IPv6 address
{$ok,"protocolIdentifier":300,$t,$c}	not JSON
{"protocolIdentifier":300,$t,$c}	protocolIdentifier: 300 is out of range
{"protocolIdentifier":"XYZ",$t,$c}	not a whole number
{"sourceTransportPort":65536,$t,$c}	out of range
{"flowStartSeconds":1,"FLOWSTARTSECONDS":2,"flowEndSeconds":3,$c}	give the same field
{"flowStartSeconds":1,"flowStartSeconds":2,"flowEndSeconds":3,$c}	not JSON
{$ok,$t,$c,"flows":-1}	flows: -1 is out of range
{ "sourceIPv4Address" : 1, 4294967295, "flowStartSeconds" : 1 }	not JSON
{"x":"$long",$t,$c}	element longer than 4096 bytes
BAD
# good elements: the VERMONT recording, with the bad ones in between
good=$T_FIXTURES/vermont-redis.jsonl
python3 - "$T_TMP/bad.tsv" "$good" >"$T_TMP/mixed.txt" <<'PY'
import sys
bad = [l.rstrip("\n").split("\t")[0] for l in open(sys.argv[1])]
good = [l.rstrip("\n") for l in open(sys.argv[2]) if l.strip()]
step = max(1, len(good) // (len(bad) + 1))
out = []
for i, g in enumerate(good):
    out.append(g)
    if i % step == 0 and bad:
        out.append(bad.pop(0))
out += bad
print("\n".join(out))
PY
check_cmd "push" t_push "$T_TMP/mixed.txt"
check_cmd "importer --once" "$T_IMPORTER" -c "$T_CONF" --once
nbad=$(grep -c . "$T_TMP/bad.tsv")
check_eq "dead letters" "$(harness_redis_cli LLEN "$T_DEAD")" "$nbad"
t_check_dead_letters "$T_TMP/bad.tsv"
SIZES=60,600,3600,86400 t_check_tables "$good"
t_done
