#!/usr/bin/env bash
# test_defects.sh: one check for each defect of the original flow-inspector
# that SPEC 9 lists for the API; every check here fails on the original.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/api/apilib.sh"
api_setup defects

B=1699999200 # golden.py's BASE: flow times below are relative to it
# first last src dst sport dport proto packets bytes
python3 "$FI_SOURCE_DIR/tests/api/golden.py" --sql >"$T_TMP/data.sql" <<'FLOWS'
# three minutes: a third of the flow in each 60 s bucket, all of it in one 600 s bucket
0 179 10.0.0.1 10.0.0.2 40000 80 6 3 300
# the answer, the other way round (biflow folds it onto the first)
0 59 10.0.0.2 10.0.0.1 80 40000 6 2 2000
# udp, icmp, icmpv6, gre, protocol 0
10 10 10.0.0.3 10.0.0.9 5353 53 17 1 80
20 20 10.0.0.3 10.0.0.4 0 2048 1 1 84
30 30 2001:db8::1 2001:db8::2 0 32768 58 1 104
40 40 10.0.0.5 10.0.0.6 0 0 47 4 400
50 50 10.0.0.5 10.0.0.6 0 0 0 5 500
# address 0.0.0.0 and port 0
70 70 0.0.0.0 255.255.255.255 68 67 17 1 328
FLOWS
check_cmd "load the data" harness_mysql "$T_DB" <"$T_TMP/data.sql"
check_cmd "mark it for the roll-up" api_mark_loaded
api_start_responder && api_start_nginx || t_done

q=/api/bucket/query
jq_py()
{
	python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" <<<"$R_BODY"
}

# "The port index counted the source port twice and never the destination port."
api_get "/api/index/ports?sort=id"
check_eq "port index: ports" "$(jq_py '" ".join(str(r["id"]) for r in d["results"])')" \
	"0 53 67 68 80 2048 5353 32768 40000"
check_eq "port 80 counts as destination once and as source once" \
	"$(jq_py 'next((r["src"]["flows"], r["dst"]["flows"]) for r in d["results"] if r["id"] == 80)')" "(1, 1)"
api_get "/api/dynamic/index/ports?bucket_size=600&include_protos=tcp&sort=id"
check_eq "port index from flows (filtered): both ports of each flow" \
	"$(jq_py '[(r["id"], r["src"]["flows"], r["dst"]["flows"]) for r in d["results"]]')" \
	"[(80, 1, 1), (40000, 1, 1)]"

# "The total row ... could collide with 0.0.0.0 and port 0, and used up a limit slot."
api_get "/api/index/nodes?sort=id&limit=1"
check_eq "limit=1 gives one row" "$(jq_py 'len(d["results"])')" 1
check_eq "0.0.0.0 is an ordinary row" "$(jq_py 'd["results"][0]["id"], d["results"][0]["flows"]')" "0 1"
check_eq "totalCounter counts each flow once" "$(jq_py 'd["totalCounter"]["flows"]')" 8
api_get "/api/index/ports?sort=id&limit=1"
check_eq "port 0 is an ordinary row" "$(jq_py 'd["results"][0]["id"], d["results"][0]["flows"]')" "0 6"

# "flows was rounded on every write": the same range gives the same total at every size.
for size in 60 600 3600; do
	api_get "/api/dynamic/index/nodes?bucket_size=$size&start_bucket=$B&end_bucket=$((B + 179))&include_ports=40000"
	check_eq "total flows of the 3-minute flow pair at size $size" "$(jq_py 'd["totalCounter"]["flows"]')" 2
done
api_get "$q?bucket_size=60&include_ports=40000&biflow=1&aggregate=sourceIPv4Address"
check_eq "thirds of a flow add up to one again" "$(jq_py 'd["results"][0]["flows"]')" 2

# "include_protos=udp,icmp returned nothing" (the include list was not parenthesised).
api_get "$q?bucket_size=3600&include_protos=udp,icmp&start_bucket=$B"
check_eq "include_protos=udp,icmp" "$(jq_py 'sorted(r["protocolIdentifier"] for r in d["results"])')" "[1, 17, 17, 58]"
api_get "$q?bucket_size=3600&include_ports=80,53&include_protos=tcp,udp"
check_eq "two include lists together" "$(jq_py 'sorted(r["destinationTransportPort"] for r in d["results"])')" "[53, 80, 40000]"

# "only the first sort key was used"
api_get "$q?bucket_size=3600&include_protos=tcp,udp&sort=protocolIdentifier%20desc,octetDeltaCount%20asc"
check_eq "every sort key applies" "$(jq_py '[(r["protocolIdentifier"], r["octetDeltaCount"]) for r in d["results"]]')" \
	"[(17, 80), (17, 328), (6, 300), (6, 2000)]"

# "other meant protocol 0"
api_get "$q?bucket_size=3600&include_protos=other"
check_eq "other is every protocol but tcp, udp, icmp" "$(jq_py 'sorted(r["protocolIdentifier"] for r in d["results"])')" "[0, 47]"

# "biflow and count were ignored"
api_get "$q?bucket_size=3600&include_ports=40000&biflow=1"
check_eq "biflow: the smaller address is the source" \
	"$(jq_py '[(r["sourceIPv4Address"], r["destinationIPv4Address"], r["sourceTransportPort"]) for r in d["results"]]')" \
	"[(167772161, 167772162, 40000), (167772161, 167772162, 40000)]"
api_get "$q?bucket_size=3600&include_ports=40000&biflow=1&aggregate=sourceIPv4Address,destinationIPv4Address"
check_eq "biflow aggregate merges both directions" "$(jq_py 'len(d["results"]), d["results"][0]["packetDeltaCount"]')" "1 5"
api_get "$q?bucket_size=60&include_protos=tcp&count=1"
check_eq "count" "$(jq_py 'd["count"], d["results"]')" "4 []"

# "black_others with ports and aggregate=ipaddress|port crashed"
api_get "$q?bucket_size=3600&aggregate=destinationTransportPort&include_ports=80,53&black_others=1"
check_eq "black_others with ports" "$R_STATUS $(jq_py '[(r["destinationTransportPort"], r["flows"]) for r in d["results"]]')" \
	"200 [(0, 1), (53, 1), (80, 1)]"
api_get "$q?bucket_size=3600&aggregate=ipaddress&include_ips=10.0.0.1&black_others=1"
check_eq "black_others with ipaddress" "$R_STATUS $(jq_py '[(r["id"], r["flows"]) for r in d["results"]]')" \
	"200 [(0, 2), (167772161, 2)]"
api_get "$q?bucket_size=3600&aggregate=port&include_ports=80&black_others=1"
check_eq "black_others with port" "$R_STATUS $(jq_py '[(r["id"], r["flows"]) for r in d["results"]]')" \
	"200 [(0, 2), (80, 2)]"

# "IP or protocol filters without aggregate crashed"
api_get "$q?bucket_size=600&include_ips=10.0.0.5"
check_eq "an IP filter without aggregate" "$R_STATUS $(jq_py 'len(d["results"])')" "200 2"
api_get "$q?bucket_size=600&exclude_protos=tcp,udp,icmp"
check_eq "a protocol filter without aggregate" "$R_STATUS $(jq_py 'len(d["results"])')" "200 2"

# "src_tcp_flows-style counters were dropped from answers"
api_get "/api/index/nodes?sort=id&limit=2&include_protos=tcp"
check_eq "three-part counters are nested" "$(jq_py 'd["results"][0]["src"]["tcp"], d["results"][0]["dst"]["tcp"]["packetDeltaCount"]')" \
	"{'flows': 1, 'packetDeltaCount': 3, 'octetDeltaCount': 300} 2"

# "fields, sort and aggregate were pasted into SQL": a name is checked, never pasted
before=$(api_data_checksum)
for bad in "sort=flows;DROP%20TABLE%20flows_600" "fields=bucket,(SELECT%20SLEEP(5))" \
	"aggregate=sourceIPv4Address%20UNION%20SELECT%201"; do
	api_get "$q?bucket_size=600&$bad"
	check_eq "injection $bad: 400" "$R_STATUS" 400
done
check_eq "the data is untouched" "$(api_data_checksum)" "$before"

# "errors came back as HTTP 500 HTML pages"
for uri in "$q?limit=x" "/api/nothing" "/api/index/hosts"; do
	api_get "$uri"
	check_contains "$uri: JSON error" "$(api_header content-type) $R_BODY" 'application/json {"error":'
done

# IPv6 is answered, as text
api_get "$q?bucket_size=3600&include_ips=2001:db8::/32"
check_eq "IPv6 rows" "$(jq_py 'd["results"][0]["sourceIPv6Address"], d["results"][0]["destinationIPv6Address"]')" \
	"2001:db8::1 2001:db8::2"

# "single-threaded web server with one DB connection": while one request waits
# for a table another session has locked, the other workers keep answering
harness_mysql "$T_DB" -e "LOCK TABLES totals_600 WRITE; SELECT SLEEP(4); UNLOCK TABLES;" >/dev/null &
locker=$!
sleep 0.5
curl -s -o "$T_TMP/slow" -w '%{http_code}' -H 'X-Flowinspector-NoCache: 1' \
	"$T_URL$q?bucket_size=600&start_bucket=1" >"$T_TMP/slow.status" &
slow=$!
sleep 0.5
begin=$(date +%s%N)
api_get "$q?bucket_size=60" -H 'X-Flowinspector-NoCache: 1'
ms=$((($(date +%s%N) - begin) / 1000000))
check_eq "another request while one waits: status" "$R_STATUS" 200
if ((ms < 2000)); then t_ok; else t_fail "the second request took $ms ms"; fi
wait "$slow"
wait "$locker"
check_eq "the waiting request is answered after the lock" "$(cat "$T_TMP/slow.status")" 200
ro=$(sed -n 's/^db_ro_user = //p' "$T_CONF")
check_eq "one database connection per worker (at most)" \
	"$(harness_mysql -N -B -e "SELECT COUNT(*) <= 3 AND COUNT(*) >= 2 FROM information_schema.PROCESSLIST WHERE USER = '$ro'")" 1

t_done
