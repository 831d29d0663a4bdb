#!/usr/bin/env bash
# test_rollup.sh: the calls that read the roll-up tables (pairs_S, ports_S of
# the coarse sizes; fcgi/fi_api_rollup.c) answer the same, byte for byte,
# whatever the roll-up has done: nothing, everything, or some buckets at some
# sizes, and whatever stale rows a marked bucket holds. The roll-up is played
# here by SQL (INSERT ... SELECT ... GROUP BY from the finer tables) and the
# marks of fi_rollup_dirty are set by hand, keeping their invariant (a marked
# bucket's coarser buckets are marked too). Also /api/meta's roll-up fields.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/api/apilib.sh"
api_setup rollup

B=1699999200 # golden.py's BASE: the flows span B .. B + 3 h and a bit
SIZES=(60 600 3600)
check_cmd "load the golden data set" api_load_golden
api_start_responder && api_start_nginx || t_done

# sql_do SQL: runs statements in the test's database; an error fails the test
sql_do()
{
	t_sql "$1" >/dev/null || t_fail "SQL failed: ${1:0:120}"
}

# the 24 counter columns of ports_S
PORT_COLS=$(for d in src dst; do for c in tcp udp icmp other; do
	for k in flows packets bytes; do printf '%s_%s_%s\n' $d $c $k; done
done; done | paste -sd, -)
PORT_SUMS=$(sed -E 's/([a-z_]+)/SUM(\1)/g' <<<"$PORT_COLS")

# roll_up: the pair rows of every size and the ports of the coarse sizes as
# the roll-up writes them, each size summed from the next finer one
roll_up()
{
	local prev=60 s sql
	sql="DELETE FROM pairs_60; INSERT INTO pairs_60 SELECT bucket, src, dst, proto,
		SUM(flows), SUM(packets), SUM(bytes), MAX(bucket) FROM flows_60 GROUP BY 1, 2, 3, 4;"
	for s in 600 3600; do
		sql+="DELETE FROM pairs_$s; INSERT INTO pairs_$s SELECT bucket DIV $s * $s,
			src, dst, proto, SUM(flows), SUM(packets), SUM(bytes), MAX(last) FROM pairs_$prev
			GROUP BY 1, 2, 3, 4;
			DELETE FROM ports_$s; INSERT INTO ports_$s (bucket, port, $PORT_COLS)
			SELECT bucket DIV $s * $s, port, $PORT_SUMS FROM ports_$prev GROUP BY 1, 2;"
		prev=$s
	done
	sql_do "$sql DELETE FROM fi_rollup_dirty"
}

# unroll: nothing rolled up (the pair tables and coarse ports empty) and
# every bucket with data marked
unroll()
{
	local s sql="DELETE FROM fi_rollup_dirty;"
	for s in "${SIZES[@]}"; do
		sql+="DELETE FROM pairs_$s; INSERT INTO fi_rollup_dirty (size, bucket)
			SELECT $s, bucket FROM totals_$s;"
	done
	sql_do "$sql DELETE FROM ports_600; DELETE FROM ports_3600"
}

# mark SIZE BUCKET...: marks the buckets and the coarser buckets holding them
mark()
{
	local size=$1 b s sql=""
	shift
	for b in "$@"; do
		for s in "${SIZES[@]}"; do
			((s >= size)) && sql+="INSERT IGNORE INTO fi_rollup_dirty (size, bucket)
				VALUES ($s, $((b / s * s)));"
		done
	done
	sql_do "$sql"
}

# spoil [PORT SIZES]: every rolled row of a marked bucket wrong, some
# missing, and a pair that never was: none of it may show. The ports of the
# sizes given (default 600 3600: those rolled up) are spoiled too.
spoil()
{
	local s sql="" ports=${1:-600 3600}
	for s in "${SIZES[@]}"; do
		sql+="UPDATE pairs_$s p JOIN fi_rollup_dirty d ON d.size = $s
			AND d.bucket = p.bucket SET p.packets = p.packets * 7 + 1,
			p.flows = p.flows + 3, p.bytes = p.bytes + 1000;
			DELETE p FROM pairs_$s p JOIN fi_rollup_dirty d ON d.size = $s
			AND d.bucket = p.bucket WHERE p.proto = 17;
			INSERT IGNORE INTO pairs_$s SELECT bucket, UNHEX('00000000000000000000FFFF0A00000A'),
			UNHEX('00000000000000000000FFFF0A00000B'), 6, 5, 500, 50000, bucket
			FROM fi_rollup_dirty WHERE size = $s;"
	done
	for s in $ports; do
		sql+="UPDATE ports_$s p JOIN fi_rollup_dirty d ON d.size = $s
			AND d.bucket = p.bucket SET p.src_tcp_packets = p.src_tcp_packets * 3 + 1,
			p.dst_udp_flows = p.dst_udp_flows + 2;
			INSERT IGNORE INTO ports_$s (bucket, port, src_tcp_flows, src_tcp_packets)
			SELECT bucket, 4242, 9, 99 FROM fi_rollup_dirty WHERE size = $s;"
	done
	sql_do "$sql"
}

# the calls of the pages that read the roll-up tables, and a few more
Q=/api/bucket/query
CALLS=(
	"$Q?bucket_size=600&aggregate=sourceIPv4Address,destinationIPv4Address&fields=bucket&sort=flows%20desc&limit=250"
	"$Q?bucket_size=3600&aggregate=sourceIPv4Address,destinationIPv4Address&fields=bucket&sort=octetDeltaCount%20desc"
	"$Q?bucket_size=3600&aggregate=sourceIPv4Address,destinationIPv4Address&start_bucket=$((B + 3599))&end_bucket=$((B + 7201))"
	"$Q?bucket_size=600&aggregate=sourceIPv4Address,destinationIPv4Address&start_bucket=$((B + 599))&end_bucket=$((B + 5401))&include_protos=tcp,udp"
	"$Q?bucket_size=600&aggregate=sourceIPv4Address&sort=packetDeltaCount%20desc"
	"$Q?bucket_size=3600&aggregate=sourceIPv4Address"
	"$Q?bucket_size=3600&aggregate=sourceIPv4Address,destinationIPv4Address&biflow=1&sort=flows%20desc&limit=40"
	"$Q?bucket_size=600&aggregate=ipaddress&biflow=1&include_ips=10.0.0.0/29"
	"$Q?bucket_size=600&aggregate=bucket,protocolIdentifier&fields=destinationIPv4Address&start_bucket=$((B + 1))&end_bucket=$((B + 7199))"
	"$Q?bucket_size=60&aggregate=bucket&include_ips=10.0.0.1,10.0.0.2"
	"$Q?bucket_size=3600&aggregate=ipaddress&include_ips=10.0.0.1,10.0.0.2&black_others=1"
	"/api/dynamic/index/nodes?bucket_size=600&include_ips=10.0.0.0/29&sort=flows%20desc"
	"/api/dynamic/index/nodes?bucket_size=3600&include_ips=2001:db8::/32&include_protos=icmp,tcp&start_bucket=$((B + 1))&end_bucket=$((B + 7300))"
	"/api/dynamic/index/nodes?bucket_size=600&aggregate=ipaddress&include_protos=udp&limit=9"
	"/api/index/nodes?include_protos=tcp&sort=octetDeltaCount%20desc&limit=12"
	"/api/dynamic/index/ports?bucket_size=600&sort=src_flows%20desc,id&limit=40"
	"/api/dynamic/index/ports?bucket_size=3600&start_bucket=$((B + 599))&end_bucket=$((B + 7201))"
	"/api/dynamic/index/ports?bucket_size=600&start_bucket=$((B + 599))&end_bucket=$((B + 1800))&sort=flows%20desc,id"
	"/api/index/ports?sort=packetDeltaCount%20desc"
)

# answers NAME: asks every call, bypassing the cache, into $T_TMP/NAME.N
answers()
{
	local i
	for i in "${!CALLS[@]}"; do
		api_get "${CALLS[i]}" -H 'X-Flowinspector-NoCache: 1'
		[[ $R_STATUS == 200 ]] || t_fail "$1: ${CALLS[i]}: status $R_STATUS: $R_BODY"
		printf '%s' "$R_BODY" >"$T_TMP/$1.$i"
	done
}

# same_as_base STATE: every answer of the state is the baseline's, byte for byte
same_as_base()
{
	local i
	answers "$1"
	for i in "${!CALLS[@]}"; do
		if cmp -s "$T_TMP/base.$i" "$T_TMP/$1.$i"; then
			t_ok
		else
			t_fail "$1: ${CALLS[i]}: $(diff <(tr ',' '\n' <"$T_TMP/base.$i") \
				<(tr ',' '\n' <"$T_TMP/$1.$i") | head -n 6 | tr '\n' ' ')"
		fi
	done
}

# the baseline: golden.py's answers with everything rolled up (it fills
# pairs_ and ports_), so the golden list passes and the calls are recorded
api_check_golden
answers base
for i in "${!CALLS[@]}"; do
	[[ $(wc -c <"$T_TMP/base.$i") -gt 150 ]] || t_fail "base: ${CALLS[i]}: a near-empty answer"
done

# (a) nothing rolled up: every bucket marked, no rolled rows
unroll
same_as_base a_unrolled
api_check_golden

# (b) everything rolled up by SQL, no marks
roll_up
same_as_base b_rolled

# the rolled rows are read (a clean bucket's wrong pair or port row shows)
sql_do "UPDATE pairs_3600 SET packets = packets + 1 WHERE bucket = $((B + 3600)) LIMIT 1"
api_get "${CALLS[1]}" -H 'X-Flowinspector-NoCache: 1'
cmp -s <(printf '%s' "$R_BODY") "$T_TMP/base.1" && t_fail "pairs_3600 is not read" || t_ok
sql_do "UPDATE ports_600 SET src_tcp_packets = src_tcp_packets + 1 WHERE bucket = $((B + 600)) LIMIT 1"
api_get "${CALLS[15]}" -H 'X-Flowinspector-NoCache: 1'
cmp -s <(printf '%s' "$R_BODY") "$T_TMP/base.15" && t_fail "ports_600 is not read" || t_ok
roll_up

# (c) mixes, each keeping the invariant
mark 3600 $((B + 3600))               # an hour: its 600 s pairs are read
same_as_base c_hour
mark 600 $((B + 600)) $((B + 4200))   # and two of its 600 s buckets: 60 s pairs
mark 60 $((B + 660)) $((B + 10740))   # and 60 s buckets: flows_60
same_as_base c_levels
sql_do "DELETE FROM fi_rollup_dirty"
# every third minute of the data (and their 600 s and 3600 s buckets)
mark 60 $(t_sql "SELECT bucket FROM totals_60 WHERE bucket DIV 60 % 3 = 0")
same_as_base c_minutes
sql_do "DELETE FROM fi_rollup_dirty"
# the open buckets as the importer leaves them: the newest of every size
mark 60 $(t_sql "SELECT MAX(bucket) FROM totals_60") $(t_sql "SELECT MAX(bucket) FROM totals_600")
same_as_base c_newest

# (d) marked buckets whose rolled rows are wrong, missing or made up
sql_do "DELETE FROM fi_rollup_dirty"
mark 3600 $((B + 7200))
mark 600 $((B + 600)) $((B + 1200))
mark 60 $((B + 660)) $((B + 3000)) $((B + 1260))
spoil
same_as_base d_spoiled
api_check_golden

# (e) a level past its retention is passed over: with 60 s kept one day the
# 2023 data is older, so 600 s buckets marked are read from flows_60 and the
# (wrong) pairs_60 never. The responder reads retention_days from the config;
# no --init-db, so no event deletes anything here.
roll_up
mark 600 $((B + 600)) $((B + 3600)) $((B + 6600))
sql_do "UPDATE pairs_60 SET packets = packets + 5, flows = flows + 1"
api_stop_responder
sed -i 's/^retention_days = 0$/retention_days = 1,0,0/' "$T_CONF"
api_start_responder || t_done
same_as_base e_retention
api_stop_responder
sed -i 's/^retention_days = 1,0,0$/retention_days = 0/' "$T_CONF"
api_start_responder || t_done
# with 60 s kept forever the same wrong rows show: the retention made the difference
api_get "${CALLS[0]}" -H 'X-Flowinspector-NoCache: 1'
cmp -s <(printf '%s' "$R_BODY") "$T_TMP/base.0" && t_fail "pairs_60 is not read" || t_ok

# (f) 600 s a detail size too: the hour's pairs come from pairs_600 and,
# past the 60 s retention, from flows_600 (golden.py stores it); ports_600
# is stored whole, ports_3600 rolled from it
roll_up
api_stop_responder
printf 'flow_detail_sizes = 60,600\n' >>"$T_CONF"
api_start_responder || t_done
same_as_base f_detail_rolled
mark 3600 $((B + 7200))
mark 600 $((B + 600)) $((B + 4200))
mark 60 $((B + 660)) $((B + 3000))
spoil 3600
same_as_base f_detail_spoiled
api_stop_responder
sed -i 's/^retention_days = 0$/retention_days = 1,0,0/' "$T_CONF"
api_start_responder || t_done
sql_do "UPDATE pairs_60 SET packets = packets + 5, flows = flows + 1"
same_as_base f_detail_retention
api_stop_responder
sed -i -e 's/^retention_days = 1,0,0$/retention_days = 0/' -e '/^flow_detail_sizes = 60,600$/d' "$T_CONF"
api_start_responder || t_done

# /api/meta: per size, the marks pending, the oldest closed one, the newest
# bucket rolled up
roll_up
mark 60 $((B + 660)) $((B + 3000))
api_get /api/meta -H 'X-Flowinspector-NoCache: 1'
check_eq "meta status" "$R_STATUS" 200
got=$(python3 -c '
import json, sys
d = json.load(sys.stdin)
for s in d["sizes"]:
    r = s["rollup"]
    print(s["bucket_size"], r["pending"], r["oldest_pending"], r["newest_rolled"])
' <<<"$R_BODY")
max60=$(t_sql "SELECT MAX(bucket) FROM totals_60")
max600=$(t_sql "SELECT MAX(bucket) FROM totals_600")
max3600=$(t_sql "SELECT MAX(bucket) FROM totals_3600")
check_eq "meta rollup" "$got" "60 2 $((B + 660)) $max60
600 2 $((B + 600)) $max600
3600 1 $B $max3600"
sql_do "DELETE FROM fi_rollup_dirty; INSERT INTO fi_rollup_dirty (size, bucket)
	SELECT 3600, bucket FROM totals_3600"
api_get /api/meta -H 'X-Flowinspector-NoCache: 1'
got=$(python3 -c '
import json, sys
r = json.load(sys.stdin)["sizes"][2]["rollup"]
print(r["pending"], r["oldest_pending"], r["newest_rolled"])
' <<<"$R_BODY")
check_eq "meta rollup, every hour pending" "$got" "$(t_sql "SELECT COUNT(*) FROM totals_3600") $B None"
# a bucket that is still open is pending but not overdue
sql_do "INSERT INTO fi_rollup_dirty (size, bucket) VALUES (60, UNIX_TIMESTAMP() DIV 60 * 60 + 60)"
api_get /api/meta -H 'X-Flowinspector-NoCache: 1'
got=$(python3 -c '
import json, sys
r = json.load(sys.stdin)["sizes"][0]["rollup"]
print(r["pending"], r["oldest_pending"])
' <<<"$R_BODY")
check_eq "meta rollup, an open bucket" "$got" "1 None"
t_done
