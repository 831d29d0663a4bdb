#!/usr/bin/env bash
# test_groups.sh: aggregates over host pairs summed by the responder
# (fcgi/fi_api_groups.c) answer byte for byte as the database's GROUP BY
# does. 20,000 generated flows (IPv4 and IPv6) over two hours are imported
# and rolled up; every pair aggregate the pages send, and more (biflow,
# black_others, `fields` (MAX of keys), filters, class and key sorts,
# pages past max_rows, offsets, partly marked ranges, the indexes with
# aggregate) is asked three times:
# summed by the responder (the default), grouped by the database
# (fcgi_groups_max = 0), and with too many groups for the responder
# (fcgi_groups_max = 7: it hands over to the database).
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/api/apilib.sh"
api_setup groups "rollup_settle = 0"

S=1699999200 # an hour boundary
python3 "$T_FLOWREF" gen --count 20000 --seed 11 --hosts 300 --start "$S" --span 7200 \
	>"$T_TMP/gen.jsonl"
check_cmd "push" t_push "$T_TMP/gen.jsonl"
check_cmd "import" "$T_IMPORTER" -c "$T_CONF" --once
check_cmd "roll-up" "$T_IMPORTER" -c "$T_CONF" --rollup --once
# one 600 s bucket marked again, and its hour (a mark's coarser buckets are
# always marked): their pairs come from the finer rows
t_sql "INSERT INTO fi_rollup_dirty (size, bucket) VALUES (600, $((S + 1800))), (3600, $S)"
api_start_nginx || t_done

q="/api/bucket/query"
pairs="aggregate=sourceIPv4Address,destinationIPv4Address"
h1="start_bucket=$((S + 600))&end_bucket=$((S + 4199))"
calls=(
	"$q?bucket_size=600&$pairs&sort=flows%20desc"
	"$q?bucket_size=600&$pairs&sort=flows%20desc&limit=20"
	"$q?bucket_size=3600&$pairs&sort=octetDeltaCount%20desc&limit=50&offset=40"
	"$q?bucket_size=600&$h1&$pairs&biflow=1&sort=packetDeltaCount%20desc&limit=100"
	"$q?bucket_size=60&$h1&$pairs&include_protos=udp,icmp&sort=tcp_flows%20desc,udp_octetDeltaCount%20asc"
	"$q?bucket_size=600&$pairs&include_ips=10.0.0.0/28&black_others=1&sort=flows%20desc"
	"$q?bucket_size=600&$pairs&exclude_ips=10.0.0.1&sort=destinationIPv4Address%20desc,sourceIPv4Address%20asc&limit=60"
	"$q?bucket_size=600&aggregate=ipaddress&sort=octetDeltaCount%20desc&limit=25"
	"$q?bucket_size=3600&aggregate=ipaddress&sort=id%20desc&limit=30&offset=10"
	"$q?bucket_size=600&aggregate=bucket,protocolIdentifier&sort=bucket%20desc"
	"$q?bucket_size=600&aggregate=sourceIPv4Address&sort=sourceIPv4Address%20asc&offset=250"
	"$q?bucket_size=600&aggregate=bucket,sourceIPv4Address,destinationIPv4Address,protocolIdentifier&sort=flows%20asc&limit=80&offset=5000"
	"$q?bucket_size=600&$pairs&sort=flows%20desc&offset=100000000"
	"$q?bucket_size=600&start_bucket=$((S + 100000))&end_bucket=$((S + 200000))&$pairs"
	"$q?bucket_size=600&start_bucket=$((S + 1))&end_bucket=$((S + 1805))&$pairs&sort=flows%20desc&limit=40"
	"$q?resolution=3&$pairs&sort=octetDeltaCount%20desc&limit=10"
	"/api/dynamic/index/nodes?bucket_size=600&$h1&aggregate=ipaddress&sort=flows%20desc,id&limit=31"
	"/api/index/nodes?aggregate=ipaddress&sort=octetDeltaCount%20desc&limit=7"
	"$q?bucket_size=600&$pairs&include_ports=80&sort=flows%20desc&limit=10"
	"$q?bucket_size=3600&$pairs&fields=bucket&sort=flows%20desc&limit=20000"
	"$q?bucket_size=600&$h1&$pairs&fields=bucket,protocolIdentifier&sort=bucket%20desc,flows%20desc&limit=70"
	"$q?bucket_size=600&$pairs&biflow=1&fields=protocolIdentifier&sort=octetDeltaCount%20desc&limit=12"
	"$q?bucket_size=600&$pairs&include_ips=10.0.0.0/28&black_others=1&fields=bucket,protocolIdentifier&sort=protocolIdentifier%20asc,flows%20desc"
)
answers()
{
	local i
	for i in "${!calls[@]}"; do
		api_get "${calls[$i]}" -H 'X-Flowinspector-NoCache: 1'
		[[ $R_STATUS == 200 ]] || t_fail "HTTP $R_STATUS ${calls[$i]}"
		printf '%s\n' "$R_BODY" >"$T_TMP/$1.$i"
	done
}
# run_with NAME [CONFIG LINE]: the responder with the line added, the calls
run_with()
{
	local conf=$T_CONF
	# at debug level the log shows each statement
	sed 's/^log_level = .*/log_level = debug/' "$conf" >"$T_TMP/$1.conf"
	printf '%s\n' "${2:-}" >>"$T_TMP/$1.conf"
	T_CONF=$T_TMP/$1.conf
	: >"$T_TMP/fcgi.log"
	api_start_responder || t_done
	answers "$1"
	cp "$T_TMP/fcgi.log" "$T_TMP/$1.log"
	api_stop_responder
	T_CONF=$conf
}
run_with summed
run_with grouped "fcgi_groups_max = 0"
run_with handed "fcgi_groups_max = 7"

for i in "${!calls[@]}"; do
	if cmp -s "$T_TMP/summed.$i" "$T_TMP/grouped.$i" &&
		cmp -s "$T_TMP/handed.$i" "$T_TMP/grouped.$i" && grep -q '"results"' "$T_TMP/summed.$i"; then
		t_ok
	else
		t_fail "${calls[$i]}: answers differ"
		diff <(head -c 1500 "$T_TMP/summed.$i") <(head -c 1500 "$T_TMP/grouped.$i") >&2
	fi
done
check_contains "the unlimited pairs are cut at max_rows" "$(cat "$T_TMP/summed.0")" '"truncated":true'
check_contains "a page past max_rows is empty" "$(cat "$T_TMP/summed.12")" '"results":[]'
# which path answered: the streamed statement has no GROUP BY, nor has the
# statement of the pairs the pair lists chose (fi_api_pairtop.c)
stream='sql \([0-9]+ params\): SELECT (src, dst, proto, flows, packets, bytes FROM \(|p\.src, p\.dst, .* FROM \(SELECT \? AS s)'
n_summed=$(grep -cE "$stream" "$T_TMP/summed.log")
n_handed=$(grep -cE "$stream" "$T_TMP/handed.log")
if ((n_summed >= 9)); then t_ok; else t_fail "the responder summed $n_summed calls, not 9"; fi
check_eq "the database grouped them with fcgi_groups_max = 0" \
	"$(grep -cE "$stream" "$T_TMP/grouped.log")" 0
check_eq "handed over past fcgi_groups_max (streamed, then grouped)" "$n_handed" "$n_summed"

# packets past 64 bits in one group: the responder hands it to the server,
# whose sums are exact (two rows of the largest counter, two hours, rolled
# up into pairs_3600 and its pair lists, which rank the pair first)
big=9223372036854775807
t_sql "INSERT INTO pairs_600 (bucket, src, dst, proto, flows, packets, bytes) VALUES
	($S, UNHEX('00000000000000000000FFFFC0000201'), UNHEX('00000000000000000000FFFFC0000202'), 6, 1, $big, 1),
	($((S + 3600)), UNHEX('00000000000000000000FFFFC0000201'), UNHEX('00000000000000000000FFFFC0000202'), 6, 1, $big, 1);
	INSERT IGNORE INTO fi_rollup_dirty (size, bucket) VALUES (3600, $S), (3600, $((S + 3600)))"
check_cmd "roll-up of the two hours" "$T_IMPORTER" -c "$T_CONF" --rollup --once
check_eq "the pair ranked first by packets" \
	"$(t_sql "SELECT COUNT(*) FROM pairtop_3600 WHERE ctr = 1 AND rnk = 1 AND value = $big")" 2
calls=("$q?bucket_size=3600&$pairs&sort=packetDeltaCount%20desc&limit=3")
run_with summed_big
run_with grouped_big "fcgi_groups_max = 0"
check_eq "a sum past 64 bits answers as the server sums it" "$(cat "$T_TMP/summed_big.0")" \
	"$(cat "$T_TMP/grouped_big.0")"
check_contains "... exactly" "$(cat "$T_TMP/summed_big.0")" '"packetDeltaCount":18446744073709551614'
check_eq "no warning or error logged" \
	"$(cat "$T_TMP"/*.log | grep -cE ' (warn|error):')" 0
t_done
