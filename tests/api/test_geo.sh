#!/usr/bin/env bash
# test_geo.sh: /api/geo through nginx, with country and AS databases the
# test makes itself (tests/api/geo_ref.py's tables written by
# deploy/mkmmdb.py), on hilbert_ref.py's data set (random IPv4 hosts over
# the whole space, private and documentation ranges, IPv6):
#   - every answer (by country, AS and host; a country's or an AS's hosts;
#     local and unknown; directions, ranges, classes, sort, paging) equals
#     geo_ref.py's, computed from the node rows without the responder;
#   - the totals equal the node index's (each endpoint once per direction);
#   - special-purpose addresses are local, with their range's name;
#   - a database renamed over the old one is used by every worker within a
#     second; a broken one is refused (a log line) and the old one kept;
#   - /api/meta names the databases; bad parameters are 400s.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/api/apilib.sh"
GEO=$(mktemp -d "${TMPDIR:-/tmp}/fi-geo-db.XXXXXX")
api_setup geo "geo_country_db = $GEO/country.mmdb
geo_asn_db = $GEO/asn.mmdb"
trap 'rm -rf "$GEO"; api_cleanup' EXIT
# the responder logs the databases it takes at info
sed -i 's/^log_level = .*/log_level = info/' "$T_CONF"
REF=$FI_SOURCE_DIR/tests/api/geo_ref.py
MK=$FI_SOURCE_DIR/deploy/mkmmdb.py

# mkdb VARIANT DIR: the country and AS databases of a variant of the tables.
mkdb()
{
	mkdir -p "$2" && python3 "$REF" csv "$2" --variant "$1" &&
		python3 "$MK" country "$2/country.mmdb" "$2/country.csv" \
			--database-type "fi-test-country-$1" >/dev/null &&
		python3 "$MK" asn "$2/asn.mmdb" "$2/asn.csv" --database-type fi-test-asn \
			>/dev/null
}
check_cmd "the test's databases" mkdb 0 "$GEO/v0"
cp "$GEO/v0/country.mmdb" "$GEO/v0/asn.mmdb" "$GEO/"

load()
{
	python3 "$FI_SOURCE_DIR/tests/api/hilbert_ref.py" flows |
		python3 "$FI_SOURCE_DIR/tests/api/golden.py" --sql >"$T_TMP/data.sql" &&
		harness_mysql "$T_DB" <"$T_TMP/data.sql" && api_mark_loaded
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

# the parts of an answer the reference computes ("range" is checked below)
strip()
{
	python3 -c 'import json, sys
a = json.load(sys.stdin)
for r in a["results"]:
    r.pop("range", None)
print(json.dumps({k: a[k] for k in ("by", "results", "groups", "total")}))'
}

BASE=1699999200 # golden.py's BASE
mid0=$((BASE + 3600))
mid1=$((BASE + 3 * 3600 - 600))
g=/api/geo
# check_all VARIANT: every URI below against the reference of VARIANT
check_all()
{
	local uri
	while read -r uri; do
		[[ -n $uri && $uri != \#* ]] || continue
		api_get "$uri" -H 'Cache-Control: no-cache'
		check_eq "$uri: status" "$R_STATUS" 200
		[[ $R_STATUS == 200 ]] || echo "$R_BODY" >&2
		check_json "$uri (databases v$1)" "$(strip <<<"$R_BODY")" \
			"$(python3 "$REF" expect "$T_TMP/nodes.tsv" "$uri" --variant "$1")"
	done
}
check_all 0 <<URIS
$g?bucket_size=600
$g?bucket_size=600&by=asn
$g?bucket_size=60&direction=src
$g?bucket_size=3600&direction=dst&by=asn
$g?bucket_size=600&value=flows
$g?bucket_size=600&by=asn&value=packets
$g?bucket_size=600&start_bucket=$mid0&end_bucket=$mid1
$g?bucket_size=600&include_protos=tcp,udp
$g?bucket_size=600&exclude_protos=icmp&by=asn&direction=src
$g?bucket_size=600&country=DE
$g?bucket_size=600&country=us&limit=5
$g?bucket_size=600&country=US&limit=5&offset=5
$g?bucket_size=600&country=local
$g?bucket_size=600&country=unknown&value=flows
$g?bucket_size=600&asn=3320
$g?bucket_size=600&asn=15169&direction=dst
$g?bucket_size=600&asn=unknown&limit=7
$g?bucket_size=600&asn=local&by=country
$g?bucket_size=600&country=JP&by=asn
$g?bucket_size=600&by=host&limit=10
$g?bucket_size=600&country=IE
$g?bucket_size=600&start_bucket=1000&end_bucket=2000
URIS

# the totals are the node index's: each endpoint once per direction
api_get "$g?bucket_size=600"
geo=$R_BODY
printf '%s' "$geo" >"$T_TMP/geo.json"
api_get "/api/dynamic/index/nodes?bucket_size=600"
printf '%s' "$R_BODY" >"$T_TMP/nodes.json"
check_eq "totals: twice the node index's totalCounter (packets, bytes)" \
	"$(python3 -c 'import json, sys
g, n = json.load(open(sys.argv[1]))["total"], json.load(open(sys.argv[2]))["totalCounter"]
print(g["packetDeltaCount"] - 2 * n["packetDeltaCount"], g["octetDeltaCount"] - 2 * n["octetDeltaCount"],
      abs(g["flows"] - 2 * n["flows"]) <= 1)' "$T_TMP/geo.json" "$T_TMP/nodes.json")" "0 0 True"
check_eq "totals: the node index's rows summed, host by host" \
	"$(python3 -c 'import json, sys
g, n = json.load(open(sys.argv[1]))["results"], json.load(open(sys.argv[2]))["results"]
print(len(n) > 100, sum(r["hosts"] for r in g) == len(n),
      sum(r["octetDeltaCount"] for r in g) == sum(r["octetDeltaCount"] for r in n))' \
		"$T_TMP/geo.json" "$T_TMP/nodes.json")" "True True True"
check_contains "local and unknown rows" "$geo" '"group":"local"'
check_contains "an unknown row" "$geo" '"group":"unknown"'
check_contains "databases named" "$geo" '"databases":{"country":{"type":"fi-test-country-0"'

# special-purpose addresses: local, with the name of their range
api_get "$g?bucket_size=600&country=local&limit=1000"
check_eq "local hosts: each names its range" "$(python3 -c 'import json, sys
r = json.loads(sys.argv[1])["results"]
print(len(r) > 30, all("range" in x for x in r))' "$R_BODY")" "True True"
check_contains "10.20.x.x is Private-Use" "$R_BODY" '"country":"local","range":"Private-Use"'
check_contains "2001:db8:: is Documentation" "$R_BODY" '"range":"Documentation"'
check_contains "0.0.0.1 is This network" "$R_BODY" '"id":1,"country":"local","range":"This network"'
api_get "$g?bucket_size=600&country=IE"
check_contains "IPv6 hosts get country and AS" "$R_BODY" \
	'"country":"IE","asn":15169,"as_name":"Google LLC"'
api_get /api/meta
check_contains "/api/meta names the databases" "$R_BODY" \
	'"geo":{"databases":{"country":{"type":"fi-test-country-0"'

# geo=1: country and AS beside every address of the node index and the
# flow table; without it the old shape
api_get "/api/dynamic/index/nodes?bucket_size=600&geo=1"
printf '%s' "$R_BODY" >"$T_TMP/nodes_geo.json"
python3 -c 'import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(r["id"], r["country"], r.get("asn", "-"))' "$T_TMP/nodes_geo.json" >"$T_TMP/got.labels"
cut -d' ' -f1 "$T_TMP/got.labels" | python3 "$REF" label >"$T_TMP/want.labels"
check_cmd "geo=1: the node index's rows carry their labels" test "$(wc -l <"$T_TMP/got.labels")" -gt 100
check_eq "geo=1: every row's country and AS as the reference's" \
	"$(diff "$T_TMP/got.labels" "$T_TMP/want.labels" && echo same)" "same"
api_get "/api/dynamic/index/nodes?bucket_size=600&limit=3"
check_cmd "without geo: no country" test "${R_BODY/country/}" == "$R_BODY"
for uri in "/api/dynamic/index/nodes?bucket_size=600&limit=5&geo=1" \
	"/api/dynamic/index/nodes?bucket_size=3600&limit=5&geo=1&sort=octetDeltaCount%20desc" \
	"/api/bucket/query?bucket_size=600&aggregate=sourceIPv4Address&limit=5&geo=1"; do
	api_get "$uri"
	printf '%s' "$R_BODY" >"$T_TMP/top.json"
	check_eq "$uri: every row labelled" "$(python3 -c 'import json, sys
rows = json.load(open(sys.argv[1]))["results"]
print(len(rows), all(("country" in r or "sourceCountry" in r) and "" not in r for r in rows))' \
		"$T_TMP/top.json")" "5 True"
done
api_get "/api/bucket/query?bucket_size=600&include_ips=2a00::/12&geo=1&limit=50"
printf '%s' "$R_BODY" >"$T_TMP/flows_geo.json"
check_eq "geo=1 on flows: both ends labelled" "$(python3 -c 'import json, sys
rows = json.load(open(sys.argv[1]))["results"]
print(len(rows) > 0, all("sourceCountry" in r and "destinationCountry" in r for r in rows),
      any(r.get("sourceAsn") == 15169 and r.get("sourceAsName") == "Google LLC" for r in rows))' \
	"$T_TMP/flows_geo.json")" "True True True"
check_contains "geo=1 on flows: a local end's range" "$(cat "$T_TMP/flows_geo.json")" \
	'Range":"Private-Use"'

# a new database renamed over the old one: every worker uses it within a second
check_cmd "databases of variant 1" mkdb 1 "$GEO/v1"
cp "$GEO/v1/country.mmdb" "$GEO/country.mmdb.new" && mv "$GEO/country.mmdb.new" "$GEO/country.mmdb"
sleep 1.2
for i in 1 2 3 4 5 6; do
	check_all 1 <<URIS
$g?bucket_size=600&_=$i
URIS
done
check_all 1 <<URIS
$g?bucket_size=600&country=AT
$g?bucket_size=600&country=CH&by=asn
URIS
check_cmd "a worker says it took the new file" \
	grep -q "geo: country database $GEO/country.mmdb: fi-test-country-1" "$T_TMP/fcgi.log"

# a broken file: refused with a log line, the old one kept
size=$(stat -c %s "$GEO/v0/country.mmdb")
head -c $((size / 2)) "$GEO/v0/country.mmdb" >"$GEO/country.mmdb.new" &&
	mv "$GEO/country.mmdb.new" "$GEO/country.mmdb"
sleep 1.2
for i in 1 2 3 4 5 6; do
	check_all 1 <<URIS
$g?bucket_size=600&by=country&_=b$i
URIS
done
check_cmd "the refusal is logged" grep -q "country database $GEO/country.mmdb refused" \
	"$T_TMP/fcgi.log"
head -c 100000 /dev/urandom >"$GEO/country.mmdb.new" && mv "$GEO/country.mmdb.new" "$GEO/country.mmdb"
sleep 1.2
api_get "$g?bucket_size=600&_=garbage"
check_json "garbage: the old one kept" "$(strip <<<"$R_BODY")" \
	"$(python3 "$REF" expect "$T_TMP/nodes.tsv" "$g?bucket_size=600" --variant 1)"
api_get /api/meta
check_contains "/api/meta: the database in use" "$R_BODY" '"type":"fi-test-country-1"'
# and a good one again
cp "$GEO/v0/country.mmdb" "$GEO/country.mmdb.new" && mv "$GEO/country.mmdb.new" "$GEO/country.mmdb"
sleep 1.2
check_all 0 <<URIS
$g?bucket_size=600&_=good
URIS

# bad requests
while IFS='|' read -r uri want; do
	[[ -n $uri && $uri != \#* ]] || continue
	api_get "$uri"
	check_eq "$uri: status" "$R_STATUS" 400
	msg=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["error"])' <<<"$R_BODY" 2>&1)
	check_contains "$uri: message" "$msg" "$want"
done <<'TABLE'
/api/geo?by=city|Param by has to be country, asn or host.
/api/geo?country=DEU|Param country has to be a two-letter country code, local or unknown.
/api/geo?country=D1|Param country has to be a two-letter country code
/api/geo?country=|Param country has to be a two-letter country code
/api/geo?asn=0|Param asn has to be an AS number (1-4294967295), local or unknown.
/api/geo?asn=4294967296|Param asn has to be an AS number
/api/geo?asn=AS3320|Param asn has to be an AS number
/api/geo?include_protos=1|take whole classes on /api/geo
/api/geo?value=octets|Param value has to be flows, packets or bytes.
/api/geo?include_ips=10.0.0.0/8|Param include_ips is not supported by /api/geo.
/api/geo?sort=flows|Param sort is not supported by /api/geo.
/api/geo?prefix=10.0.0.0/8|Param prefix is only supported by /api/hilbert.
/api/bucket/query?by=country|Param by is only supported by /api/geo.
/api/dynamic/index/nodes?country=DE|Param country is only supported by /api/geo.
/api/hilbert?asn=3320|Param asn is only supported by /api/geo.
/api/hilbert?geo=1|Param geo is not supported by /api/hilbert.
/api/geo?geo=1|Param geo is not supported by /api/geo.
/api/dynamic/index/nodes?geo=2|Param geo has to be empty, 1 or 0 (or true/false).
TABLE
t_done
