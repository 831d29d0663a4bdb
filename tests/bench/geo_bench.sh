#!/usr/bin/env bash
# geo_bench.sh: /api/geo's benchmark (issue 18). Loads 1,000,000 flows of
# one day (gen_bench.py, 200,000 external peers spread over the whole IPv4
# space, traffic skewed 1/rank: about 57,000 distinct addresses) and installs the real open
# country and AS databases with deploy/geo-update (into the work dir; when
# the npm registry cannot be reached, the test tables of geo_ref.py made
# with mkmmdb.py, and says so). Then asks through nginx, FI_BENCH_REPEAT
# times each, uncached (the micro-cache bypassed) and cached:
#   - /api/geo by country and by AS for the day, at the size the pages leave
#     it and at 3600 s, and one country's hosts;
#   - the baseline of the same run: /api/hilbert's /16 map of the day, the
#     same node rows summed without lookups;
# and prints first/median/max ms, the addresses looked up, the machine's
# load, and the lookup module alone (test_geo --bench: lookups per second).
# Target: /api/geo by country for the day under 300 ms uncached (median);
# exits 1 when missed or on an error. Knobs: FI_BENCH_BUILD, FI_BENCH_FLOWS
# (1000000), FI_BENCH_PEERS (200000), FI_BENCH_REPEAT (11), FI_BENCH_KEEP=1.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../shell/benchlib.sh
. "$root/tests/shell/benchlib.sh"
PEERS=${FI_BENCH_PEERS:-200000}
REPEAT=${FI_BENCH_REPEAT:-11}
DAY1=$((DAY0 + 86399))
TARGET_MS=300

bench_need_build geo_bench
BENCH_CONF="geo_country_db = /tmp/fi-geo-bench-unset
geo_asn_db = /tmp/fi-geo-bench-unset"
bench_setup fi_gbench 1024
# the databases: the real ones, or the test tables
geo=$work/geo
mkdir -p "$geo"
if bash "$root/deploy/geo-update" --dir "$geo" >"$work/geo-update.log" 2>&1; then
	dbs="the open databases ($(sed -n 's/^\(country\|asn\): //p' "$geo/ATTRIBUTION" |
		paste -sd ';'))"
else
	tail -3 "$work/geo-update.log"
	python3 "$root/tests/api/geo_ref.py" csv "$geo" &&
		python3 "$root/deploy/mkmmdb.py" country "$geo/country.mmdb" "$geo/country.csv" &&
		python3 "$root/deploy/mkmmdb.py" asn "$geo/asn.mmdb" "$geo/asn.csv" || exit 1
	dbs="the test tables (geo-update failed: no registry?)"
fi
sed -i -e "s|^geo_country_db = .*|geo_country_db = $geo/country.mmdb|" \
	-e "s|^geo_asn_db = .*|geo_asn_db = $geo/asn.mmdb|" "$work/flowinspector.conf"
echo "== databases: $dbs; $(du -m "$geo/country.mmdb" | cut -f1) MiB and" \
	"$(du -m "$geo/asn.mmdb" | cut -f1) MiB"
bench_load fi_gbench "$FLOWS" --peers "$PEERS" --peer-zipf 1.0
bench_start_responder
url=$FI_TEST_NGINX_URL
range="start_bucket=$DAY0&end_bucket=$DAY1"
echo "== distinct addresses of the day: $(harness_mysql -N fi_gbench -e \
	"SELECT COUNT(DISTINCT addr) FROM nodes_3600 WHERE bucket BETWEEN $DAY0 AND $DAY1")"

names=(geo_country_day geo_asn_day geo_country_day_3600 geo_hosts_of_US hilbert_day_base
	hilbert_day_3600_base)
uris=(
	"/api/geo?$range"
	"/api/geo?$range&by=asn"
	"/api/geo?$range&bucket_size=3600"
	"/api/geo?$range&country=US&limit=10"
	"/api/hilbert?$range&prefix=0.0.0.0/0&depth=16"
	"/api/hilbert?$range&prefix=0.0.0.0/0&depth=16&bucket_size=3600"
)

# times NAME URI [CURL ARGS]: REPEAT answers; prints "first med max".
times()
{
	local k out
	: >"$work/times"
	for ((k = 0; k < REPEAT; k++)); do
		out=$(curl -s -o "$work/body.json" -w '%{http_code} %{time_total}' "${@:3}" \
			"$url$2")
		if [[ ${out% *} != 200 ]]; then
			echo "$1: HTTP ${out% *}: $(head -c 300 "$work/body.json")" >&2
			return 1
		fi
		echo "${out#* }" >>"$work/times"
	done
	python3 -c '
import statistics, sys
t = [float(x) * 1000 for x in open(sys.argv[1])]
print("%.1f %.1f %.1f" % (t[0], statistics.median(t), max(t)))' "$work/times"
}

status=0
echo "== through nginx, $REPEAT times each; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %8s %8s %8s %8s %7s %6s  %s\n' call first_ms med_ms max_ms cached_ms hosts size \
	target
for i in "${!names[@]}"; do
	r=$(times "${names[$i]}" "${uris[$i]}" -H 'X-Flowinspector-NoCache: 1') || {
		status=1
		continue
	}
	read -r first med max <<<"$r"
	read -r hosts size <<<"$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["total"]["hosts"] if "by" in d else d["nonzero"], d["bucket_size"])' "$work/body.json")"
	cached=$(times "${names[$i]}" "${uris[$i]}" | cut -d' ' -f2)
	verdict=""
	if [[ $i == 0 ]]; then
		if python3 -c "import sys; sys.exit(0 if $med < $TARGET_MS else 1)"; then
			verdict="< $TARGET_MS ok"
		else
			verdict=">= $TARGET_MS MISSED"
			status=1
		fi
	fi
	printf '%-22s %8s %8s %8s %8s %7s %6s  %s\n' "${names[$i]}" "$first" "$med" "$max" \
		"$cached" "$hosts" "$size" "$verdict"
done
echo "(hosts: addresses looked up and summed; for hilbert the lit /16 cells)"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "== the lookup module alone (both databases per address)"
"$BUILD/tests/test_geo" --bench "$geo/country.mmdb" "$geo/asn.mmdb" || status=1
if grep -qE 'Sanitizer|runtime error|killed by signal' "$work/fcgi.log"; then
	cat "$work/fcgi.log"
	status=1
fi
exit "$status"
