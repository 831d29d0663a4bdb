#!/usr/bin/env bash
# test_http.sh: the HTTP side of the API through nginx: Content-Type, ETag
# and If-None-Match (from nginx's cache and from the responder), gzip, HEAD,
# trailing slashes, an ETag that changes with the data, /api/meta and
# /api/health, and a slow query cut off at query_timeout with a JSON 504.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/api/apilib.sh"
API_QUERY_TIMEOUT=2
api_setup http

check_cmd "load the golden data set" api_load_golden
api_start_responder && api_start_nginx || t_done
nocache=(-H 'X-Flowinspector-NoCache: 1')
uri="/api/bucket/query?bucket_size=600&limit=5"

api_get "$uri"
check_eq "200" "$R_STATUS" 200
check_eq "Content-Type" "$(api_header content-type)" "application/json"
check_eq "Cache-Control" "$(api_header cache-control)" "no-cache"
etag=$(api_header etag)
check_contains "a strong ETag" "$etag" '"'
body=$R_BODY

api_get "$uri" -H "If-None-Match: $etag"
check_eq "If-None-Match from nginx's cache: 304" "$R_STATUS" 304
check_eq "304 has no body" "$R_BODY" ""
api_get "$uri" "${nocache[@]}" -H "If-None-Match: \"0000\", $etag"
check_eq "If-None-Match from the responder: 304" "$R_STATUS" 304
check_eq "the cache was bypassed" "$(api_header x-cache-status)" "bypass"
api_get "$uri" "${nocache[@]}" -H 'If-None-Match: "0000"'
check_eq "another ETag: 200" "$R_STATUS" 200
check_eq "the same answer" "$R_BODY" "$body"

# gzip: nginx makes the ETag weak, and the weak form still matches
api_get "/api/bucket/query?bucket_size=60" --compressed -H 'Accept-Encoding: gzip'
check_eq "gzip" "$(api_header content-encoding)" "gzip"
check_contains "Vary" "$(api_header vary)" "accept-encoding"
wetag=$(api_header etag)
check_contains "a weak ETag after gzip" "$wetag" 'w/"'
api_get "/api/bucket/query?bucket_size=60" -H 'Accept-Encoding: gzip' -H "If-None-Match: W/${wetag#w/}"
check_eq "a weak If-None-Match: 304" "$R_STATUS" 304

# HEAD
head=$(curl -s -I "${nocache[@]}" "$T_URL$uri" | tr -d '\r')
check_contains "HEAD: 200" "$head" "HTTP/1.1 200 OK"
check_contains "HEAD: JSON" "$head" "Content-Type: application/json"
check_contains "HEAD: the length of the GET" "$head" "Content-Length: ${#body}"
if [[ $head == *"{"* ]]; then t_fail "HEAD: a body: $head"; else t_ok; fi

# both spellings of every route
for route in /api/bucket/query /api/index/nodes /api/index/ports /api/dynamic/index/nodes \
	/api/dynamic/index/ports; do
	api_get "$route?limit=2&bucket_size=3600"
	a=$R_BODY
	api_get "$route/?limit=2&bucket_size=3600"
	check_eq "$route/ is $route" "$R_BODY" "$a"
done

# the ETag follows the data (after nginx's cache: one second, counted in whole
# seconds, so up to two)
b1=$(t_sql "SELECT MAX(bucket) + 600 FROM totals_600")
t_sql "INSERT INTO totals_600 (bucket, udp_flows, udp_packets, udp_bytes) VALUES ($b1, 1, 2, 3)"
sleep 2.1
api_get "$uri&sort=bucket%20desc"
etag2=$(api_header etag)
check_contains "new data is in the answer" "$R_BODY" "\"bucket\":$b1"
api_get "$uri" -H "If-None-Match: $etag"
check_eq "same query, other data: 200" "$R_STATUS" 200
check_contains "same query, other data: global_max_bucket" "$R_BODY" "\"global_max_bucket\":$b1"
if [[ $(api_header etag) != "$etag" ]]; then t_ok; else t_fail "the ETag did not change"; fi
api_get "$uri&sort=bucket%20desc" -H "If-None-Match: $etag2"
check_eq "the new ETag matches" "$R_STATUS" 304

# /api/meta
api_get /api/meta
meta=$(python3 -c '
import json,sys
d = json.load(sys.stdin)
print(d["bucket_sizes"], d["index_bucket_size"], d["max_rows"], d["query_timeout"],
      [(s["bucket_size"], s["retention_days"], s["min_bucket"] is not None) for s in d["sizes"]],
      d["last_import"], d["version"])' <<<"$R_BODY")
check_eq "/api/meta" "$meta" "[60, 600, 3600] 3600 300 2 [(60, 0, True), (600, 0, True), (3600, 0, True)] None 0.1.0"
t_sql "INSERT INTO fi_batches (consumer, batch_id, flows, committed_at) VALUES ('test', 1, 5, FROM_UNIXTIME(1700000000))"
sleep 2.1
api_get /api/meta
check_contains "/api/meta: last import" "$R_BODY" '"last_import":1700000000'

# The timeline over the whole range takes its data range from its own rows
# (fi_api_bucket_span): equal to the server's MIN/MAX whether every row
# came, the rows were cut at a limit, or the size has none.
range=$(t_sql "SELECT CONCAT(MIN(bucket), ',', MAX(bucket)) FROM totals_3600")
for q in "" "&limit=2" "&sort=bucket%20asc&limit=1" "&offset=1" "&sort=bucket%20desc"; do
	api_get "/api/bucket/query?bucket_size=3600$q" "${nocache[@]}"
	check_contains "timeline$q: its data range" "$R_BODY" \
		"\"global_min_bucket\":${range%,*},\"global_max_bucket\":${range#*,},"
done
t_sql "DELETE FROM totals_60"
api_get "/api/bucket/query?bucket_size=60" "${nocache[@]}"
check_eq "timeline of a size without rows" "$R_BODY" \
	'{"bucket_size":60,"global_min_bucket":null,"global_max_bucket":null,"results":[]}'

# /api/health: never cached
api_get /api/health
check_eq "/api/health" "$R_STATUS $R_BODY" '200 {"status":"ok","database":"reachable"}'
check_eq "/api/health is not cached" "$(api_header x-cache-status)" "bypass"

# -q answers like the socket does
cli=$("$T_FCGI" -c "$T_CONF" -q "$uri" 2>/dev/null | tail -n 1)
api_get "$uri" "${nocache[@]}"
check_eq "-q gives the same answer" "$cli" "$R_BODY"

# a query waiting longer than query_timeout (2 s) is cut off: 504 in JSON
harness_mysql "$T_DB" -e "LOCK TABLES totals_3600 WRITE; SELECT SLEEP(5); UNLOCK TABLES;" >/dev/null &
locker=$!
sleep 0.5
begin=$SECONDS
api_get "/api/bucket/query?bucket_size=3600" "${nocache[@]}"
check_eq "a slow query: 504" "$R_STATUS" 504
check_contains "a slow query: the message" "$R_BODY" "The query took longer than 2 s and was cut off"
if ((SECONDS - begin <= 4)); then t_ok; else t_fail "the cut took $((SECONDS - begin)) s"; fi
wait "$locker"
api_get "/api/bucket/query?bucket_size=3600" "${nocache[@]}"
check_eq "the worker answers again after a cut" "$R_STATUS" 200
t_done
