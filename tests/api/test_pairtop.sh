#!/usr/bin/env bash
# test_pairtop.sh: the host pairs from the roll-up's pair lists
# (fcgi/fi_api_pairtop.c; flowref checks the lists themselves).
# 30,000 campus-like flows over six hours (400 clients) are imported and
# rolled up; the coarsest size, 3600 s, keeps the lists (k = 256 ranks are read per bucket for a page of up to 128 rows, so
# most calls below need the threshold to hold). Every host-pair call below
# (each total, limits, offsets, secondary sort keys, the keys in either
# order, with and without fields=bucket, partial ranges, whole hours at
# 600 s and 60 s (their last buckets from pairs_3600.last), calls the lists
# cannot answer) answers the same with the lists in place as with every
# bucket marked (then pairs are summed as before). With the first pair of
# every list-answered page taken out of every list, those calls change
# (they do read the lists) unless the lists cannot be used: a bucket
# marked, a pairgroups_ row missing or short of ranks, a threshold that
# fails. A second roll-up makes every answer exact again.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/api/apilib.sh"
API_MAX_ROWS=2000 api_setup pairtop "rollup_settle = 0"

S=1699999200 # an hour boundary
# campus-like flows (a few pairs carry most of them), as the edge bundle meets
python3 "$FI_SOURCE_DIR/tests/bench/gen_campus.py" 30000 --start "$S" --span 21600 \
	--hosts 400 --peers 300 --key "$T_QUEUE" >"$T_TMP/gen.resp"
check_cmd "push" harness_redis_cli --pipe <"$T_TMP/gen.resp"
check_cmd "import" "$T_IMPORTER" -c "$T_CONF" --once
check_cmd "roll-up" "$T_IMPORTER" -c "$T_CONF" --rollup --once
check_eq "nothing left marked" "$(t_sql "SELECT COUNT(*) FROM fi_rollup_dirty")" 0
check_eq "six hours with pair lists, each with more than 256 pairs" \
	"$(t_sql "SELECT COUNT(*), MIN(pairs) > 256 FROM pairgroups_3600 WHERE bucket BETWEEN $S AND $S + 21599")" "6	1"
check_eq "no pair lists at the finer sizes" \
	"$(t_sql "SELECT (SELECT COUNT(*) FROM pairtop_600) + (SELECT COUNT(*) FROM pairgroups_60)")" 0
api_start_responder && api_start_nginx || t_done

q="/api/bucket/query?bucket_size=3600&start_bucket=$S&end_bucket=$((S + 21599))"
p="aggregate=sourceIPv4Address,destinationIPv4Address"
# calls the lists answer, then ones they may or cannot (other)
fast=(
	"$q&$p&fields=bucket&sort=flows%20desc&limit=20"
	"$q&$p&sort=packetDeltaCount%20desc&limit=10"
	"$q&$p&fields=bucket&sort=octetDeltaCount%20desc&limit=15"
	"$q&$p&sort=flows%20desc&limit=5&offset=3"
	"$q&$p&sort=octetDeltaCount%20desc,%20flows%20asc&limit=12"
	"$q&$p&sort=flows%20desc,%20destinationIPv4Address%20desc&limit=8"
	"$q&aggregate=destinationIPv4Address,sourceIPv4Address&fields=bucket&sort=flows%20desc&limit=10"
	"/api/bucket/query?bucket_size=3600&start_bucket=$((S + 3600))&end_bucket=$((S + 10800))&$p&sort=flows%20desc&limit=10"
	"/api/bucket/query?bucket_size=600&start_bucket=$((S + 3600))&end_bucket=$((S + 10799))&$p&fields=bucket&sort=flows%20desc&limit=10"
	"/api/bucket/query?bucket_size=60&start_bucket=$((S + 7200))&end_bucket=$((S + 10799))&$p&fields=bucket&sort=octetDeltaCount%20desc&limit=10"
	"/api/bucket/query?bucket_size=600&start_bucket=$((S + 7001))&end_bucket=$((S + 10799))&$p&fields=bucket&sort=packetDeltaCount%20desc&limit=10"
)
other=(
	"$q&$p&fields=bucket&sort=flows%20desc&limit=2000"
	"$q&$p&sort=flows%20asc&limit=10"
	"$q&$p&sort=tcp_flows%20desc&limit=10"
	"$q&$p&sort=flows%20desc"
	"$q&$p&sort=flows%20desc&limit=10&count=1"
	"$q&$p&sort=flows%20desc&limit=10&include_protos=6"
	"$q&$p&sort=flows%20desc&limit=10&biflow=1"
	"$q&$p,protocolIdentifier&sort=flows%20desc&limit=10"
	"$q&aggregate=sourceIPv4Address&sort=flows%20desc&limit=10"
	"$q&$p&fields=bucket,sourceTransportPort&sort=flows%20desc&limit=10"
	"/api/bucket/query?bucket_size=600&start_bucket=$((S + 600))&end_bucket=$((S + 7199))&$p&sort=flows%20desc&limit=10"
	"/api/bucket/query?bucket_size=3600&start_bucket=$((S + 100000))&end_bucket=$((S + 200000))&$p&sort=flows%20desc&limit=10"
)
calls=("${fast[@]}" "${other[@]}")
mark_all()
{
	t_sql "INSERT IGNORE INTO fi_rollup_dirty (size, bucket) SELECT 3600, bucket FROM totals_3600"
}

api_answers top
mark_all
api_answers detail
api_same top detail "with the pair lists and from pairs_S"
t_sql "DELETE FROM fi_rollup_dirty"
rows=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["results"]))' "$T_TMP/top.0")
check_eq "a page of 20 rows" "$rows" 20

# the first pair of each fast call's page taken out of every list (its
# source there gets an address no bucket has): each fast call changes, so
# it does read the lists; the other calls do not change
pairs=$(for i in "${!fast[@]}"; do cat "$T_TMP/detail.$i"; done | python3 -c '
import json, sys
def hx(i):
    return "00" * 10 + "ffff%08x" % i
out = set()
for line in sys.stdin:
    r = json.loads(line)["results"][0]
    out.add("(x\x27%s\x27, x\x27%s\x27)" % (hx(r["sourceIPv4Address"]), hx(r["destinationIPv4Address"])))
print(", ".join(sorted(out)))')
t_sql "UPDATE pairtop_3600 SET src = CONCAT(x'ee', SUBSTRING(src, 2)) WHERE (src, dst) IN ($pairs)"
api_answers spoiled
for i in "${!fast[@]}"; do
	if cmp -s "$T_TMP/spoiled.$i" "$T_TMP/detail.$i"; then
		t_fail "the pair lists were not read: ${calls[$i]}"
	else
		t_ok
	fi
done
for ((i = ${#fast[@]}; i < ${#calls[@]}; i++)); do
	if cmp -s "$T_TMP/spoiled.$i" "$T_TMP/detail.$i"; then t_ok; else t_fail "read the lists: ${calls[$i]}"; fi
done

# each of these makes the (spoiled) lists unusable for one bucket inside
# the ranges asked (@B@): the answers are the detail's again
B=$((S + 7200))
spoil_check()
{
	t_sql "${1//@B@/$B}"
	api_answers "$2"
	api_same "$2" detail "$3"
	t_sql "${4//@B@/$B}"
}
spoil_check "INSERT INTO fi_rollup_dirty (size, bucket) VALUES (3600, @B@)" \
	marked "one bucket marked" "DELETE FROM fi_rollup_dirty"
spoil_check "CREATE TABLE fi_keep SELECT * FROM pairgroups_3600 WHERE bucket = @B@;
	DELETE FROM pairgroups_3600 WHERE bucket = @B@" \
	nogroups "a pairgroups_ row missing" \
	"INSERT INTO pairgroups_3600 SELECT * FROM fi_keep; DROP TABLE fi_keep"
spoil_check "UPDATE pairgroups_3600 SET ranks = 200 WHERE bucket = @B@" \
	ranks "a pairgroups_ row short of ranks" \
	"UPDATE pairgroups_3600 SET ranks = LEAST(pairs, 40001)"
# every rank past 256 (k + 1 for the smallest k) above every pair's total in one bucket
spoil_check "UPDATE pairtop_3600 SET value = value + 1e12 WHERE rnk > 256 AND bucket = @B@" \
	threshold "a threshold that fails" \
	"UPDATE pairtop_3600 SET value = value - 1e12 WHERE rnk > 256 AND bucket = @B@"
api_answers again
for i in "${!fast[@]}"; do
	if cmp -s "$T_TMP/again.$i" "$T_TMP/spoiled.$i"; then t_ok; else t_fail "not as spoiled again: ${calls[$i]}"; fi
done

# a roll-up of marked buckets writes the lists again: the answers are exact
mark_all
check_cmd "roll-up again" "$T_IMPORTER" -c "$T_CONF" --rollup --once
api_answers rolled
api_same rolled detail "after a second roll-up"
t_done
