#!/usr/bin/env bash
# api_bench.sh: the API benchmark of issue 5. Loads 1,000,000 flows (sliced
# per SPEC 4 by gen_bench.py, loaded with LOAD DATA, the other tables derived
# with SQL), then runs wrk through nginx with 64 connections on the three
# calls the pages make most: the timeline, the top-15 hosts of one hour and
# the source x destination aggregate of the whole range. Each call runs
# three ways in the same run: as deployed (nginx's one-second micro-cache in
# front), the responder alone (cache bypassed), and nginx serving the
# identical body as a static file. Prints req/s, p50/p99 latency, errors and
# the memory of every process before and after; exits 1 on any error or a
# missed target (10x the original flow-inspector: 970, 52 and 2 req/s).
# Run by tests/run.sh when FI_BENCH=1. Knobs: FI_BENCH_BUILD (build/rel),
# FI_BENCH_FLOWS (1000000), FI_BENCH_DURATION (60 s), FI_BENCH_CONNECTIONS (64),
# FI_BENCH_KEEP=1 (keep the work dir with the logs and wrk's output).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../shell/benchlib.sh
. "$root/tests/shell/benchlib.sh"
DUR=${FI_BENCH_DURATION:-60}
CONN=${FI_BENCH_CONNECTIONS:-64}

bench_need_build api_bench
command -v wrk >/dev/null || {
	echo "api_bench: wrk is not installed (tests/deps.sh installs it)" >&2
	exit 1
}

bench_setup fi_bench
bench_load fi_bench "$FLOWS"
bench_start_responder
url=$FI_TEST_NGINX_URL

names=(timeline top15_hosts_1h src_x_dst_all)
uris=(
	"/api/bucket/query?resolution=1000"
	"/api/dynamic/index/nodes?start_bucket=$((DAY0 + 12 * 3600))&end_bucket=$((DAY0 + 13 * 3600 - 1))&limit=15&sort=flows%20desc"
	"/api/bucket/query?aggregate=sourceIPv4Address,destinationIPv4Address&fields=bucket&sort=flows%20desc&limit=20000&start_bucket=$DAY0&end_bucket=$((DAY0 + 86399))&bucket_size=600"
)
# the pairs call is the edge bundle page's (static/js/views/page.js
# loadHostsAndPairs): the 20,000 largest pairs by flows with their last
# bucket, at the size the page's resolution picks for a day (600 s)
original=(970 52 2) # req/s of the original flow-inspector on 200,000 flows (issue 5)

echo "== calls"
for i in "${!names[@]}"; do
	code=$(curl -s -o "$work/static/bench/${names[$i]}.json" -w '%{http_code} %{time_total}' \
		-H 'X-Flowinspector-NoCache: 1' "$url${uris[$i]}")
	rows=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["results"]), "rows, bucket size", d.get("bucket_size", "-"), "(cut at max_rows)" if d.get("truncated") else "")' \
		"$work/static/bench/${names[$i]}.json" 2>/dev/null)
	printf '  %-16s %s\n    HTTP %s s, %s bytes, %s\n' "${names[$i]}" "${uris[$i]}" \
		"$code" "$(stat -c %s "$work/static/bench/${names[$i]}.json")" "${rows:-?}"
done

# RSS in kB of mariadbd, of nginx (master and workers), of the responder (all)
rss()
{
	local m n f
	m=$(ps -o rss= -p "$FI_TEST_MYSQL_PID" | tr -d ' ')
	n=$(ps -o rss= -p "$FI_TEST_NGINX_PID" $(pgrep -P "$FI_TEST_NGINX_PID" | sed 's/^/-p /') | awk '{ s += $1 } END { print s }')
	f=$(ps -o rss= -p "$FCGI_PID" $(pgrep -P "$FCGI_PID" | sed 's/^/-p /') | awk '{ s += $1 } END { print s }')
	echo "$m $n $f"
}

echo "== warm-up (5 s a call)"
for i in "${!names[@]}"; do
	wrk -t2 -c"$CONN" -d5s --timeout 30s "$url${uris[$i]}" >/dev/null 2>&1
done
read -r m0 n0 f0 <<<"$(rss)"

# The responder alone gets two connections per worker for the light calls:
# with 64, requests would only queue in front of its 4 workers (and outlive
# the run); the pair aggregate gets one per place of the large-query gate
# (fcgi_workers - fcgi_light_workers = 3): a fourth would be refused (503).
resp_conn=(8 8 3)
echo "== wrk: $DUR s per run; $CONN connections (responder alone: ${resp_conn[*]})"
: >"$work/results"
for i in "${!names[@]}"; do
	echo "  ${names[$i]}: deployed, responder alone, static file"
	bench_wrk "${names[$i]}" deployed "$CONN" "${uris[$i]}"
	bench_wrk "${names[$i]}" responder "${resp_conn[$i]}" "${uris[$i]}" -H 'X-Flowinspector-NoCache: 1'
	bench_wrk "${names[$i]}" static "$CONN" "/bench/${names[$i]}.json"
done
read -r m1 n1 f1 <<<"$(rss)"

status=0
echo
printf '%-16s %-10s %10s %10s %10s %8s %10s %5s %s\n' call mode req/s p50_ms p99_ms errors requests load target
for i in "${!names[@]}"; do
	target=$((original[i] * 10))
	while read -r name mode rps p50 p99 errors reqs load; do
		verdict=""
		if [[ $mode == deployed ]]; then
			if python3 -c "import sys; sys.exit(0 if $rps >= $target else 1)"; then
				verdict=">= $target ok"
			else
				verdict="< $target MISSED"
				status=1
			fi
		fi
		if [[ $errors != 0 ]]; then
			verdict+=" ERRORS"
			status=1
		fi
		printf '%-16s %-10s %10.1f %10.2f %10.2f %8s %10s %5s %s\n' "$name" "$mode" "$rps" "$p50" "$p99" \
			"$errors" "$reqs" "$load" "$verdict"
	done < <(grep "^${names[$i]} " "$work/results")
done
echo
echo "memory (RSS, MB) before and after the runs:"
printf '  %-28s %8.1f -> %8.1f\n' "mariadbd" "$((m0))e-3" "$((m1))e-3"
printf '  %-28s %8.1f -> %8.1f\n' "nginx (master + workers)" "$((n0))e-3" "$((n1))e-3"
printf '  %-28s %8.1f -> %8.1f\n' "flowinspector-fcgi (all 5)" "$((f0))e-3" "$((f1))e-3"
# the responder must not grow: allow 20% or 20 MB of noise
if ((f1 > f0 + f0 / 5 && f1 > f0 + 20000)); then
	echo "the responder's memory grew"
	status=1
fi
if grep -qE 'Sanitizer|runtime error|killed by signal' "$work/fcgi.log"; then
	echo "the responder's log:"
	cat "$work/fcgi.log"
	status=1
fi
exit "$status"
