#!/usr/bin/env bash
# test_hilbert.sh: /api/hilbert through nginx on a data set spread over the
# whole address space. Every map (IPv4 and IPv6 prefixes, depths, directions,
# ranges, protocol classes, one value) must equal the one tests/api/
# hilbert_ref.py computes from the node tables by SQL, and the per-cell
# packets and bytes must equal the rows of /api/dynamic/index/nodes summed
# per cell. Then: ETag and 304, the statement's plan (a range on the primary
# key), and a table of bad requests with their 400 messages.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/api/apilib.sh"
api_setup hilbert
# the responder logs its statements at debug: their plan is checked below
sed -i 's/^log_level = .*/log_level = debug/' "$T_CONF"
REF=$FI_SOURCE_DIR/tests/api/hilbert_ref.py
BASE=1699999200 # golden.py's BASE: the flows span BASE .. BASE + 6.25 h

load()
{
	python3 "$REF" flows | python3 "$FI_SOURCE_DIR/tests/api/golden.py" --sql \
		>"$T_TMP/data.sql" && harness_mysql "$T_DB" <"$T_TMP/data.sql" && api_mark_loaded
}
check_cmd "load the data set" load
api_start_responder && api_start_nginx || t_done

cols=""
for d in src dst; do
	for c in tcp udp icmp other; do
		for k in flows packets bytes; do
			cols+=", ${d}_${c}_$k"
		done
	done
done
for s in 60 600 3600; do
	t_sql "SELECT $s, bucket, HEX(addr)$cols FROM nodes_$s"
done >"$T_TMP/nodes.tsv"
check_cmd "the node tables hold the data" test "$(wc -l <"$T_TMP/nodes.tsv")" -gt 1000

mid0=$((BASE + 3600))
mid1=$((BASE + 3 * 3600 - 600))
h=/api/hilbert
# each map against the reference
while read -r uri; do
	[[ -n $uri && $uri != \#* ]] || continue
	api_get "$uri"
	check_eq "$uri: status" "$R_STATUS" 200
	[[ $R_STATUS == 200 ]] || echo "$R_BODY" >&2
	check_json "$uri" "$R_BODY" "$(python3 "$REF" expect "$T_TMP/nodes.tsv" "$uri")"
done <<URIS
# the whole IPv4 space, as /16s and as /8s, each direction
$h?bucket_size=600
$h?bucket_size=600&prefix=0.0.0.0/0&depth=16&direction=both
$h?bucket_size=600&direction=src
$h?bucket_size=600&direction=dst
$h?bucket_size=60&prefix=0.0.0.0/0&depth=8
$h?bucket_size=3600&prefix=0.0.0.0/0&depth=20
# zoomed in: the /16s of a /8, the /24s of a /16, the hosts of a /24
$h?bucket_size=3600&prefix=10.0.0.0/8&depth=16
$h?bucket_size=600&prefix=10.20.0.0/16&depth=24
$h?bucket_size=60&prefix=192.168.1.0/24&depth=32&direction=dst
$h?bucket_size=600&prefix=192.168.1.0/24
$h?bucket_size=3600&prefix=10.20.0.0/16&depth=16
# a range inside the data, and one outside it (no cells)
$h?bucket_size=600&start_bucket=$mid0&end_bucket=$mid1
$h?bucket_size=60&start_bucket=$mid0&end_bucket=$mid1&prefix=10.0.0.0/8&depth=18
$h?bucket_size=600&start_bucket=1000&end_bucket=2000
# the bucket size chosen by resolution, as the other routes choose it
$h?start_bucket=$mid0&end_bucket=$mid1
$h?start_bucket=$mid0&end_bucket=$mid1&resolution=100
# protocol classes
$h?bucket_size=600&include_protos=tcp,udp
$h?bucket_size=600&exclude_protos=icmp&direction=src
$h?bucket_size=600&include_protos=6,other
$h?bucket_size=600&include_protos=tcp&exclude_protos=tcp&value=packets
# one value only
$h?bucket_size=600&value=bytes
$h?bucket_size=600&prefix=2001:db8::/32&value=flows&direction=dst
# IPv6: the /48s of a /32, the whole space, an IPv4-mapped prefix
$h?bucket_size=600&prefix=2001:db8::/32&depth=48
$h?bucket_size=600&prefix=2001:db8::/32
$h?bucket_size=3600&prefix=::/0&depth=16
$h?bucket_size=3600&prefix=::/0&depth=2
$h?bucket_size=600&prefix=::ffff:10.0.0.0/104&depth=16
# order 0: the prefix itself as one cell
$h?bucket_size=600&prefix=10.20.0.0/16&depth=16
URIS

# the cells against the node index route (packets and bytes; flows are
# rounded per node there)
for dir in both src dst; do
	api_get "/api/dynamic/index/nodes?bucket_size=600"
	printf '%s' "$R_BODY" >"$T_TMP/index.json"
	for p in 0.0.0.0/0 2001:db8::/32; do
		api_get "$h?bucket_size=600&direction=$dir&prefix=$p"
		printf '%s' "$R_BODY" >"$T_TMP/map.json"
		check_cmd "$p ($dir) against /api/dynamic/index/nodes" \
			python3 "$REF" index "$T_TMP/map.json" "$T_TMP/index.json" "$dir"
	done
done

# the answer has data worth checking at all
api_get "$h?bucket_size=600"
nz=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["nonzero"], len(d["cells"]))' <<<"$R_BODY")
check_cmd "the /16 map has many non-empty cells ($nz)" test "${nz% *}" -gt 100
# More cells with traffic than max_rows: cut, with a header, but max and
# total still cover every cell (the responder alone, with max_rows = 40).
sed 's/^max_rows = .*/max_rows = 40/' "$T_CONF" >"$T_TMP/cut.conf"
uri="$h?bucket_size=3600&prefix=0.0.0.0/0&depth=20"
"$T_FCGI" -c "$T_TMP/cut.conf" -q "$uri" >"$T_TMP/cut.txt" 2>>"$T_TMP/fcgi.log"
check_contains "cut answer: header" "$(tr -d '\r' <"$T_TMP/cut.txt")" "X-Flowinspector-Truncated: 1"
check_json "cut answer" "$(sed '1,/^\r*$/d' "$T_TMP/cut.txt")" \
	"$(MAX_ROWS=40 python3 "$REF" expect "$T_TMP/nodes.tsv" "$uri")"

# ETag and 304, HEAD, the trailing slash
api_get "$h?bucket_size=600&prefix=10.0.0.0/8"
etag=$(api_header etag)
check_contains "ETag" "$etag" '"'
api_get "$h?bucket_size=600&prefix=10.0.0.0/8" -H "If-None-Match: $etag"
check_eq "If-None-Match: 304" "$R_STATUS" 304
api_get "$h/?bucket_size=600&prefix=10.0.0.0/8" -H 'X-Flowinspector-NoCache: 1'
check_eq "trailing slash" "$(api_header etag)" "$etag"
api_get "$h?bucket_size=600&prefix=10.0.0.0/8&depth=14" -H "If-None-Match: $etag"
check_eq "another map: 200" "$R_STATUS" 200

# The plan of the statement the responder sent (from its debug log), run
# with EXPLAIN on a range of a few buckets: a range scan of the primary key.
api_get "$h?bucket_size=60&prefix=10.0.0.0/8&start_bucket=$mid0&end_bucket=$((mid0 + 300))" \
	-H 'X-Flowinspector-NoCache: 1'
sql=$(grep -o 'sql (7 params): SELECT (CAST(CONV.*' "$T_TMP/fcgi.log" | tail -n 1 | sed 's/^sql (7 params): //')
check_contains "the statement was logged" "$sql" "FROM nodes_60"
plan=$(harness_mysql -B "$T_DB" -e "
	SET @p1 = 13, @p2 = 8, @p3 = 65535, @p4 = $mid0, @p5 = $((mid0 + 300)),
		@p6 = UNHEX('00000000000000000000ffff0a000000'),
		@p7 = UNHEX('00000000000000000000ffff0affffff');
	PREPARE s FROM 'EXPLAIN ${sql//\'/\'\'}';
	EXECUTE s USING @p1, @p2, @p3, @p4, @p5, @p6, @p7;" 2>&1)
echo "$plan"
check_eq "EXPLAIN: a range on the primary key" \
	"$(awk -F'\t' 'NR == 2 { print $4, $6 }' <<<"$plan")" "range PRIMARY"

# bad requests: status 400 and the message
while IFS='|' read -r uri want; do
	[[ -n $uri && $uri != \#* ]] || continue
	api_get "$uri"
	check_eq "$uri: status" "$R_STATUS" 400
	msg=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["error"])' <<<"$R_BODY" 2>&1)
	check_contains "$uri: message" "$msg" "$want"
done <<'TABLE'
# prefixes
/api/hilbert?prefix=10.1.0.0/8|Param prefix: "10.1.0.0/8" has bits set past its length (10.0.0.0/8?).
/api/hilbert?prefix=2001:db8::1/32|has bits set past its length (2001:db8::/32?).
/api/hilbert?prefix=10.0.0.0|Param prefix: "10.0.0.0" is not a CIDR prefix
/api/hilbert?prefix=10.0.0.0/33|is not a CIDR prefix
/api/hilbert?prefix=167772160/8|is not a CIDR prefix
/api/hilbert?prefix=net10|is not a CIDR prefix
/api/hilbert?prefix=|is not a CIDR prefix
/api/hilbert?prefix=2001:db8::/129|is not a CIDR prefix
# depths
/api/hilbert?prefix=10.0.0.0/8&depth=4|Param depth has to be at least the prefix length (8).
/api/hilbert?prefix=10.0.0.0/8&depth=-1|Param depth has to be at least the prefix length (8).
/api/hilbert?depth=abc|Param depth has to be an integer.
/api/hilbert?depth=16.5|Param depth has to be an integer.
/api/hilbert?depth=|Param depth has to be an integer.
/api/hilbert?depth=99999999999999999999|Param depth is out of range.
/api/hilbert?depth=17|has to differ from the prefix length (0) by an even number
/api/hilbert?depth=22|Param depth asks for 2^22 cells; at most 2^20
/api/hilbert?prefix=10.0.0.0/8&depth=34|Param depth has to be at most 32 for an IPv4 prefix.
/api/hilbert?prefix=2001:db8::/32&depth=130|Param depth has to be at most 128 for an IPv6 prefix.
/api/hilbert?prefix=2001:db8::/32&depth=56|Param depth asks for 2^24 cells
# other parameters
/api/hilbert?value=octets|Param value has to be flows, packets or bytes.
/api/hilbert?direction=in|Param direction has to be src, dst or both.
/api/hilbert?include_protos=1|take whole classes on /api/hilbert
/api/hilbert?exclude_protos=47|take whole classes on /api/hilbert
/api/hilbert?include_ips=10.0.0.0/8|Param include_ips is not supported by /api/hilbert.
/api/hilbert?exclude_ports=80|Param exclude_ports is not supported by /api/hilbert.
/api/hilbert?limit=10|Param limit is not supported by /api/hilbert.
/api/hilbert?offset=10|Param offset is not supported by /api/hilbert.
/api/hilbert?sort=flows|Param sort is not supported by /api/hilbert.
/api/hilbert?biflow=1|Param biflow is not supported by /api/hilbert.
/api/hilbert?bucket_size=300|This bucket size is not available.
/api/hilbert?start_bucket=noon|Param start_bucket has to be an integer.
/api/hilbert?zoom=2|Unknown parameter "zoom".
/api/hilbert?depth=16&depth=16|Param depth is given more than once.
# the map's parameters on the other routes
/api/bucket/query?prefix=10.0.0.0/8|Param prefix is only supported by /api/hilbert.
/api/dynamic/index/nodes?direction=src|Param direction is only supported by /api/hilbert and /api/geo.
TABLE
t_done
