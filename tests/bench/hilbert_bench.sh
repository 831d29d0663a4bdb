#!/usr/bin/env bash
# hilbert_bench.sh: the address-space map's benchmark (issue 7). Loads
# 1,000,000 flows of one day (gen_bench.py, with the external peers spread
# over the whole IPv4 space so that many /16s are lit), then asks
# /api/hilbert through nginx (micro-cache bypassed) for the full /16 map of
# the day and a few other maps, each FI_BENCH_REPEAT times, and prints the
# answer times (first, median, max), sizes and lit cells, and the plan of the
# map's statement; then the page's canvas draw time in headless Chromium
# (hilbert_draw.mjs: the day's map, and one with all 65,536 cells lit).
# Targets: the /16 map of the day (bucket size chosen as the pages leave
# it) answered in under 200 ms and drawn in under 100 ms (medians); exits 1
# when one is missed or on an error. Knobs: FI_BENCH_BUILD (build/rel),
# FI_BENCH_FLOWS (1000000), FI_BENCH_PEERS (50000), FI_BENCH_REPEAT (15),
# FI_BENCH_KEEP=1, FI_BENCH_NO_BROWSER=1 (skip the draw).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../shell/benchlib.sh
. "$root/tests/shell/benchlib.sh"
PEERS=${FI_BENCH_PEERS:-50000}
REPEAT=${FI_BENCH_REPEAT:-15}
DAY1=$((DAY0 + 86399))
TARGET_MS=200

bench_need_build hilbert_bench
bench_setup fi_hbench 1024
bench_load fi_hbench "$FLOWS" --peers "$PEERS"
bench_start_responder
url=$FI_TEST_NGINX_URL
# the site, for the draw benchmark
cp -r "$root/static/." "$work/static/"
bash "$root/deploy/vendor.sh" "$work/static" || exit 1
range="start_bucket=$DAY0&end_bucket=$DAY1"

names=(map16_day map16_day_3600 map16_day_600 map16_day_60 map16_day_bytes_src
	map8_day map24_of_10.0/8 hosts_of_10.1.0/24 v6_48_of_32 map16_hour_60)
uris=(
	"/api/hilbert?$range&prefix=0.0.0.0/0&depth=16"
	"/api/hilbert?$range&prefix=0.0.0.0/0&depth=16&bucket_size=3600"
	"/api/hilbert?$range&prefix=0.0.0.0/0&depth=16&bucket_size=600"
	"/api/hilbert?$range&prefix=0.0.0.0/0&depth=16&bucket_size=60"
	"/api/hilbert?$range&prefix=0.0.0.0/0&depth=16&value=bytes&direction=src"
	"/api/hilbert?$range&prefix=0.0.0.0/0&depth=8"
	"/api/hilbert?$range&prefix=10.0.0.0/8&depth=24"
	"/api/hilbert?$range&prefix=10.1.0.0/24&depth=32"
	"/api/hilbert?$range&prefix=2001:db8::/32&depth=48"
	"/api/hilbert?start_bucket=$((DAY0 + 12 * 3600))&end_bucket=$((DAY0 + 13 * 3600 - 1))&depth=16&bucket_size=60"
)

status=0
echo "== /api/hilbert through nginx, $REPEAT times each (cache bypassed)"
printf '%-22s %8s %8s %8s %10s %8s %6s  %s\n' call first_ms med_ms max_ms bytes lit size target
for i in "${!names[@]}"; do
	: >"$work/times"
	for ((k = 0; k < REPEAT; k++)); do
		out=$(curl -s -o "$work/body.json" -w '%{http_code} %{time_total}' \
			-H 'X-Flowinspector-NoCache: 1' "$url${uris[$i]}")
		if [[ ${out% *} != 200 ]]; then
			echo "${names[$i]}: HTTP ${out% *}: $(head -c 300 "$work/body.json")"
			status=1
			break
		fi
		echo "${out#* }" >>"$work/times"
	done
	[[ ${out% *} == 200 ]] || continue
	read -r first med max <<<"$(python3 -c '
import statistics, sys
t = [float(x) * 1000 for x in open(sys.argv[1])]
print("%.1f %.1f %.1f" % (t[0], statistics.median(t), max(t)))' "$work/times")"
	read -r lit size <<<"$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["nonzero"], d["bucket_size"])' "$work/body.json")"
	verdict=""
	if [[ $i == 0 ]]; then
		if python3 -c "import sys; sys.exit(0 if $med < $TARGET_MS else 1)"; then
			verdict="< $TARGET_MS ok"
		else
			verdict=">= $TARGET_MS MISSED"
			status=1
		fi
	fi
	printf '%-22s %8s %8s %8s %10s %8s %6s  %s\n' "${names[$i]}" "$first" "$med" "$max" \
		"$(stat -c %s "$work/body.json")" "$lit" "$size" "$verdict"
done

# The plan of the map's statement, as the responder sends it (from a debug
# run of -q), for the /16 map of the day on the finest size: a range on the
# primary key (bucket, addr).
sed 's/^log_level = .*/log_level = debug/' "$work/flowinspector.conf" >"$work/debug.conf"
"$BUILD/fcgi/flowinspector-fcgi" -c "$work/debug.conf" -q \
	"/api/hilbert?$range&depth=16&bucket_size=60" >/dev/null 2>"$work/debug.log"
sql=$(grep -o 'sql (7 params): SELECT (CAST(CONV.*' "$work/debug.log" | tail -n 1 |
	sed 's/^sql (7 params): //')
echo
echo "== EXPLAIN of the map's statement (nodes_60, one day, 0.0.0.0/0)"
harness_mysql -t fi_hbench -e "
	SET @p1 = 13, @p2 = 16, @p3 = 65535, @p4 = $DAY0, @p5 = $DAY1,
		@p6 = UNHEX('00000000000000000000ffff00000000'),
		@p7 = UNHEX('00000000000000000000ffffffffffff');
	PREPARE s FROM 'EXPLAIN ${sql//\'/\'\'}';
	EXECUTE s USING @p1, @p2, @p3, @p4, @p5, @p6, @p7;" || status=1
if [[ ${FI_BENCH_NO_BROWSER:-0} != 1 ]]; then
	echo
	echo "== canvas draw of the page (headless Chromium)"
	FI_BASE_URL=$url FI_ARTIFACT_DIR=$work/artifacts \
		node "$root/tests/bench/hilbert_draw.mjs" "$DAY0" "$((DAY1 + 1))" || status=1
fi
if grep -qE 'Sanitizer|runtime error|killed by signal' "$work/fcgi.log"; then
	cat "$work/fcgi.log"
	status=1
fi
exit "$status"
