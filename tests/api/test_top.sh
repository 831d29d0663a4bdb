#!/usr/bin/env bash
# test_top.sh: the flow table of the coarse sizes from the roll-up's first
# rows (fcgi/fi_api_top.c). 30,000 generated flows over two hours are
# imported and rolled up (more than 1,000 5-tuples per 600 s and 3600 s
# bucket, so some are left out); every flow-table call the page makes
# (sorted by each counter, pages near and past the cut, fields, biflow,
# counts, partial ranges) answers the same as from the detail rows, which
# the API reads once every bucket is marked again. A changed flowtop row
# shows in the answer: the calls do read it.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/api/apilib.sh"
API_MAX_ROWS=2000 api_setup top "rollup_settle = 0"

S=1699999200 # an hour boundary
python3 "$T_FLOWREF" gen --count 30000 --seed 5 --hosts 400 --start "$S" --span 7200 \
	>"$T_TMP/gen.jsonl"
check_cmd "push" t_push "$T_TMP/gen.jsonl"
check_cmd "import" "$T_IMPORTER" -c "$T_CONF" --once
check_cmd "roll-up" "$T_IMPORTER" -c "$T_CONF" --rollup --once
check_eq "nothing left marked" "$(t_sql "SELECT COUNT(*) FROM fi_rollup_dirty")" 0
check_eq "5-tuples left out at 600 s and 3600 s" \
	"$(t_sql "SELECT (SELECT COUNT(*) FROM flowgroups_600 WHERE out_bytes IS NOT NULL) > 0
		AND (SELECT COUNT(*) FROM flowgroups_3600 WHERE out_bytes IS NOT NULL) > 0")" 1
api_start_responder && api_start_nginx || t_done

q="/api/bucket/query"
all="start_bucket=$S&end_bucket=$((S + 7199))"
fields="fields=sourceIPv4Address,sourceTransportPort,destinationIPv4Address,destinationTransportPort,protocolIdentifier,flows,packetDeltaCount,octetDeltaCount"
calls=(
	"$q?bucket_size=600&$all&$fields&sort=octetDeltaCount%20desc,%20bucket%20asc&limit=50"
	"$q?bucket_size=3600&$all&$fields&sort=octetDeltaCount%20desc,%20bucket%20asc&limit=50"
	"$q?bucket_size=600&$all&$fields&sort=packetDeltaCount%20desc,%20bucket%20asc&limit=50&offset=100"
	"$q?bucket_size=3600&$all&$fields&sort=flows%20desc,%20bucket%20asc&limit=200"
	"$q?bucket_size=600&$all&$fields&sort=octetDeltaCount%20desc&limit=1000"
	"$q?bucket_size=600&$all&$fields&sort=octetDeltaCount%20desc&limit=100&offset=5900"
	"$q?bucket_size=3600&$all&$fields&sort=octetDeltaCount%20desc&limit=50&offset=1990"
	"$q?bucket_size=600&$all&sort=octetDeltaCount%20desc&limit=30"
	"$q?bucket_size=600&$all&fields=sourceIPv4Address,octetDeltaCount&sort=octetDeltaCount%20desc&limit=30&biflow=1"
	"$q?bucket_size=600&start_bucket=$((S + 1200))&end_bucket=$((S + 2400))&$fields&sort=octetDeltaCount%20desc&limit=40"
	"$q?bucket_size=600&start_bucket=$((S + 100000))&end_bucket=$((S + 200000))&$fields&sort=octetDeltaCount%20desc&limit=40"
	"$q?bucket_size=600&$all&$fields&count=1"
	"$q?bucket_size=3600&start_bucket=$((S + 3600))&end_bucket=$((S + 3600))&$fields&count=1"
	"$q?bucket_size=600&$all&$fields&sort=octetDeltaCount%20asc&limit=20"
)
api_answers top
# the detail rows: every bucket marked again (as late flows would)
t_sql "INSERT IGNORE INTO fi_rollup_dirty (size, bucket)
	SELECT 600, bucket FROM totals_600 UNION ALL SELECT 3600, bucket FROM totals_3600"
api_answers detail
api_same top detail "the answers from flowtop_S are the detail rows' answers"
check_contains "the counts are there" "$(cat "$T_TMP/top.11")" '"count":'
rows=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["results"]))' "$T_TMP/top.4")
check_eq "a page of 1000 rows" "$rows" 1000

# the first call reads flowtop_600: a changed row there shows (and is not
# shown once the bucket is marked)
t_sql "DELETE FROM fi_rollup_dirty"
t_sql "UPDATE flowtop_600 SET bytes = bytes + 1 ORDER BY bytes DESC LIMIT 1"
api_get "${calls[0]}" -H 'X-Flowinspector-NoCache: 1'
if [[ $R_BODY != "$(cat "$T_TMP/detail.0")" ]]; then t_ok; else t_fail "flowtop_600 is not read"; fi
t_sql "INSERT INTO fi_rollup_dirty (size, bucket) SELECT 600, bucket FROM totals_600"
api_get "${calls[0]}" -H 'X-Flowinspector-NoCache: 1'
check_eq "a marked bucket is read from the detail rows" "$R_BODY" "$(cat "$T_TMP/detail.0")"
t_done
