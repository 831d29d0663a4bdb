#!/usr/bin/env bash
# test_porttop.sh: the unfiltered port index from the roll-up's first rows
# (fcgi/fi_api_indextop.c), as test_nodetop.sh for nodes. 30,000 generated
# flows over two hours are imported and rolled up (ports_60 written by the
# importer, ports_600 and ports_3600 summed by the roll-up); every
# port-index call below answers the same with the top lists in place as
# with every bucket marked (then ports_S is summed as before). With the
# first port of every top list spoiled (a port no bucket has), the calls
# the top lists answer change (they do read them) unless the lists cannot
# be used: a bucket marked, a portgroups_ row missing or short of ranks, a
# threshold that fails.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/api/apilib.sh"
API_MAX_ROWS=2000 api_setup porttop "rollup_settle = 0"

S=1699999200 # an hour boundary
python3 "$T_FLOWREF" gen --count 30000 --seed 7 --hosts 400 --start "$S" --span 7200 \
	>"$T_TMP/gen.jsonl"
check_cmd "push" t_push "$T_TMP/gen.jsonl"
check_cmd "import" "$T_IMPORTER" -c "$T_CONF" --once
check_cmd "roll-up" "$T_IMPORTER" -c "$T_CONF" --rollup --once
check_eq "nothing left marked" "$(t_sql "SELECT COUNT(*) FROM fi_rollup_dirty")" 0
check_eq "ports left out at 600 s (more than 101 in a bucket)" \
	"$(t_sql "SELECT COUNT(*) >= 10 FROM portgroups_600 WHERE ports > 101 AND ranks = 101")" 1
api_start_responder && api_start_nginx || t_done

d="/api/dynamic/index/ports?bucket_size=600&start_bucket=$S&end_bucket=$((S + 7199))"
h="/api/dynamic/index/ports?bucket_size=3600&start_bucket=$S&end_bucket=$((S + 7199))"
m="/api/dynamic/index/ports?bucket_size=60&start_bucket=$((S + 1200))&end_bucket=$((S + 1799))"
# calls the top lists answer (fast), then ones they may or cannot (other);
# a handful of service ports carry most flows, the rest are random
fast=(
	"$d&sort=flows%20desc&limit=5"
	"$d&sort=packetDeltaCount%20desc&limit=5"
	"$d&sort=octetDeltaCount%20desc&limit=5"
	"$d&sort=flows%20desc&limit=3&offset=2"
	"$d&sort=octetDeltaCount%20desc,%20flows%20asc&limit=4"
	"$d&sort=flows%20desc,%20id%20desc&limit=4"
	"$h&sort=flows%20desc&limit=5"
	"$m&sort=packetDeltaCount%20desc&limit=5"
	"/api/dynamic/index/ports?bucket_size=600&start_bucket=$((S + 1200))&end_bucket=$((S + 3000))&sort=flows%20desc&limit=5"
	"/api/index/ports?sort=flows%20desc&limit=5"
	"/api/index/ports?sort=packetDeltaCount%20desc&limit=4&offset=1"
)
other=(
	"$d&sort=flows%20desc&limit=10"
	"$d&sort=octetDeltaCount%20desc&limit=50"
	"$d&sort=packetDeltaCount%20desc&limit=30&offset=20"
	"$d&sort=octetDeltaCount%20desc&limit=101"
	"$d&sort=flows%20asc&limit=10"
	"$d&sort=src_flows%20desc&limit=10"
	"$d&sort=flows%20desc"
	"$d&sort=flows%20desc&limit=10&count=1"
	"$d&sort=flows%20desc&limit=10&include_protos=6"
	"/api/dynamic/index/ports?bucket_size=600&start_bucket=$((S + 100000))&end_bucket=$((S + 200000))&sort=flows%20desc&limit=10"
	"/api/dynamic/index/nodes?bucket_size=600&start_bucket=$S&end_bucket=$((S + 7199))&sort=flows%20desc&limit=10"
)
calls=("${fast[@]}" "${other[@]}")
mark_all()
{
	t_sql "INSERT IGNORE INTO fi_rollup_dirty (size, bucket)
		SELECT 60, bucket FROM totals_60 UNION ALL SELECT 600, bucket FROM totals_600
		UNION ALL SELECT 3600, bucket FROM totals_3600"
}

api_answers top
mark_all
api_answers detail
api_same top detail "with the top lists and from nodes_S"
t_sql "DELETE FROM fi_rollup_dirty"
check_eq "ports left out at 3600 s (k = 20)" \
	"$(t_sql "SELECT COUNT(*) > 0 FROM porttop_3600 WHERE rnk = 21")" 1
rows=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["results"]))' "$T_TMP/top.0")
check_eq "a page of 5 rows" "$rows" 5

# the first port of each fast call's page taken out of every top list (its
# rows there get a port no bucket has): each fast call changes, so it does
# read the lists; the other calls do not change
ports=$(for i in "${!fast[@]}"; do cat "$T_TMP/detail.$i"; done | python3 -c '
import json, sys
print(", ".join(sorted(set(str(json.loads(l)["results"][0]["id"]) for l in sys.stdin))))')
none=$(t_sql "SELECT MIN(p.port + 1) FROM (SELECT DISTINCT port FROM ports_60) p
	WHERE p.port < 65535 AND p.port + 1 NOT IN (SELECT port FROM ports_60)")
for size in 60 600 3600; do
	t_sql "UPDATE porttop_$size SET port = $none WHERE port IN ($ports)"
done
api_answers spoiled
for i in "${!fast[@]}"; do
	if cmp -s "$T_TMP/spoiled.$i" "$T_TMP/detail.$i"; then
		t_fail "the top lists were not read: ${calls[$i]}"
	else
		t_ok
	fi
done
nfast=0
for ((i = ${#fast[@]}; i < ${#calls[@]}; i++)); do
	cmp -s "$T_TMP/spoiled.$i" "$T_TMP/detail.$i" || nfast=$((nfast + 1))
done
echo "of the other calls, $nfast read the top lists (and answered wrongly once spoiled)"

# each of these makes the (spoiled) top lists unusable: the answers are the
# detail's again. Each statement runs for one bucket of every size inside
# the ranges asked (@S@ the size, @B@ the bucket).
each_size()
{
	local sql
	for sb in "60 $((S + 1500))" "600 $((S + 1800))" "3600 $S"; do
		sql=${1//@S@/${sb% *}}
		t_sql "${sql//@B@/${sb#* }}"
	done
}
spoil_check()
{
	each_size "$1"
	api_answers "$2"
	api_same "$2" detail "$3"
	each_size "$4"
}
# (a marked bucket's coarser buckets are always marked too)
spoil_check "INSERT IGNORE INTO fi_rollup_dirty (size, bucket)
	SELECT z.size, @B@ DIV z.size * z.size
	FROM (SELECT 60 AS size UNION ALL SELECT 600 UNION ALL SELECT 3600) z WHERE z.size >= @S@" \
	marked "one bucket marked" "DELETE FROM fi_rollup_dirty"
spoil_check "CREATE TABLE fi_keep_@S@ SELECT * FROM portgroups_@S@ WHERE bucket = @B@;
	DELETE FROM portgroups_@S@ WHERE bucket = @B@" \
	nogroups "a portgroups_ row missing" \
	"INSERT INTO portgroups_@S@ SELECT * FROM fi_keep_@S@; DROP TABLE fi_keep_@S@"
spoil_check "UPDATE portgroups_@S@ SET ranks = 20 WHERE bucket = @B@" \
	ranks "a portgroups_ row short of ranks" \
	"UPDATE portgroups_@S@ SET ranks = LEAST(ports, 101)"
# every rank past 20 (k + 1 for every k) above every port's total in one bucket
spoil_check "UPDATE porttop_@S@ SET value = value + 1e12 WHERE rnk > 20 AND bucket = @B@" \
	threshold "a threshold that fails" \
	"UPDATE porttop_@S@ SET value = value - 1e12 WHERE rnk > 20 AND bucket = @B@"
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
