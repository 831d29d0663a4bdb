#!/usr/bin/env bash
# scale_bench.sh: the views at campus volumes (issue 15, A). For each size
# of FI_BENCH_SIZES, a week of generated campus flows (gen_campus.py: 3,000
# clients with heavy-tailed activity, servers, external peers and ports of
# Zipf popularity, weekday hours busy) goes through redis and the real
# importer daemon (default bucket sizes 60,600,3600,86400; its roll-up
# child, where it has one, runs as deployed) into a fresh database. Prints:
#   import throughput (flows/s from the importer's start until every element
#   is committed; target >= 40,000), and the roll-up lag: during the import
#   the age of the oldest mark (now - marked_at) of a closed bucket in
#   fi_rollup_dirty, and after it the seconds until no closed bucket
#   (bucket + size <= now) is marked (target < 60 s);
#   the data size (rows per table, MB on disk);
#   through nginx with the cache bypassed (X-Flowinspector-NoCache: 1), the
#   first call and the median of 3 more of: the week's host pairs as the
#   edge bundle asks (static/js/views/page.js loadHostsAndPairs, 86400 s),
#   the week's top 10 ports, the flow table page's two requests for the
#   week (top 50 by bytes, and its row count; static/js/pages/flows.js),
#   one day's pairs at 600 s and one hour's top 15 hosts.
# Targets at the largest size (meant for 10M): every call < 1 s, the flow
# table < 2 s, the pair and port calls at most 2x the smallest size's. Each
# prints PASS or FAIL; a FAIL exits 1 only with FI_BENCH_STRICT=1. An HTTP
# error exits 1 (after the report). The load average goes with every figure.
# Run by tests/run.sh when FI_BENCH=1. Knobs: FI_BENCH_SIZES ("1000000
# 3000000 10000000"), FI_BENCH_BUILD (build/rel), FI_BENCH_STRICT=1,
# FI_BENCH_ROLLUP_WAIT (seconds to wait for the roll-up, 900), FI_BENCH_CONF
# (more config lines, say "live_import = no"), FI_BENCH_KEEP=1 (keep the
# work dir with the logs and the last database), FI_BENCH_BASELINE=1 (first
# import each size without the roll-up child, rollup_workers = 0, so that
# the roll-up's cost shows beside it), FI_BENCH_CALLS=0 (import only: no
# data sizes, no HTTP calls). Each import also prints where the time went:
# the CPU seconds of MariaDB, the importer and its roll-up child, and the
# server's statements, rows, commits, fsyncs and lock waits (SHOW GLOBAL
# STATUS, before and after).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../shell/benchlib.sh
. "$root/tests/shell/benchlib.sh"
read -r -a SIZES <<<"${FI_BENCH_SIZES:-1000000 3000000 10000000}"
ROLLUP_WAIT=${FI_BENCH_ROLLUP_WAIT:-900}
DB=fi_scale
W0=1700438400 # Monday 2023-11-20 00:00 UTC: the week's first second
WEEK_END=$((W0 + 7 * 86400 - 1))
D0=$((W0 + 2 * 86400)) # the day: Wednesday
H0=$((D0 + 12 * 3600)) # the hour: its noon

bench_need_build scale_bench

BENCH_QUEUE=1 BENCH_CONF=${FI_BENCH_CONF:-} bench_setup "$DB"
nocache=(-H 'X-Flowinspector-NoCache: 1')
load1()
{
	cut -d' ' -f1 /proc/loadavg
}
sql()
{
	harness_mysql -N -B "$DB" -e "$1"
}

# The calls: names, and URIs as the pages send them.
flowfields=sourceIPv4Address,sourceTransportPort,destinationIPv4Address,destinationTransportPort
flowfields+=,protocolIdentifier,flows,packetDeltaCount,octetDeltaCount
week="start_bucket=$W0&end_bucket=$WEEK_END&bucket_size=86400"
names=(week_pairs week_ports week_flows week_flows_count day_pairs_600 hour_hosts)
uris=(
	"/api/bucket/query?$week&aggregate=sourceIPv4Address,destinationIPv4Address&fields=bucket&sort=flows%20desc&limit=20000"
	"/api/dynamic/index/ports?$week&sort=flows%20desc&limit=10"
	"/api/bucket/query?$week&fields=$flowfields&sort=octetDeltaCount%20desc%2C%20bucket%20asc&limit=50&offset=0"
	"/api/bucket/query?$week&fields=$flowfields&count=1"
	"/api/bucket/query?start_bucket=$D0&end_bucket=$((D0 + 86399))&bucket_size=600&aggregate=sourceIPv4Address,destinationIPv4Address&fields=bucket&sort=flows%20desc&limit=20000"
	"/api/dynamic/index/nodes?start_bucket=$H0&end_bucket=$((H0 + 3599))&bucket_size=3600&sort=flows%20desc&limit=15"
)
limits=(1 1 2 2 1 1) # seconds, at the largest size
growth=(1 1 0 0 1 0) # held to at most 2x the smallest size's
http_errors=0

# Empties the database and the queue; the responder goes (its statements
# would point at the dropped tables).
fresh()
{
	if [[ -n $FCGI_PID ]]; then
		kill -TERM "$FCGI_PID" 2>/dev/null
		wait "$FCGI_PID" 2>/dev/null
		FCGI_PID=""
	fi
	harness_mysql -e "DROP DATABASE IF EXISTS $DB" || exit 1
	"$BUILD/importer/flowinspector-importer" -c "$work/flowinspector.conf" --init-db \
		>/dev/null || exit 1
	harness_redis_cli flushall >/dev/null || exit 1
}

# Closed buckets marked for the roll-up: "count age-of-oldest-mark".
marks()
{
	sql "SELECT COUNT(*), COALESCE(UNIX_TIMESTAMP() - UNIX_TIMESTAMP(MIN(marked_at)), 0)
		FROM fi_rollup_dirty WHERE bucket + size <= UNIX_TIMESTAMP()"
}

# CPU seconds (user + system) of process $1 so far, 0 when it is gone.
cpu_s()
{
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' \
		"/proc/$1/stat" 2>/dev/null || echo 0
}
STATUS_VARS="'Com_insert','Com_delete','Com_select','Com_commit','Innodb_rows_inserted',
	'Innodb_rows_updated','Innodb_rows_deleted','Innodb_os_log_fsyncs','Innodb_data_fsyncs',
	'Innodb_row_lock_waits','Innodb_row_lock_time','Innodb_buffer_pool_reads'"
# The server's counters of STATUS_VARS as "name value" lines.
server_status()
{
	sql "SHOW GLOBAL STATUS WHERE Variable_name IN ($STATUS_VARS)"
}

# import_set N [baseline]: pushes the week of N flows, imports it; sets
# rate, lag, age_max. With baseline: no roll-up child and no lag.
import_set()
{
	local n=$1 mode=${2:-} begin t0 t1 left i=0 count age seen=0 pairs
	local db_pid db_cpu0 roll_cpu=0 kid
	begin=$SECONDS
	python3 "$root/tests/bench/gen_campus.py" "$n" --end |
		harness_redis_cli --pipe >"$work/push.log" || exit 1
	grep -q 'errors: 0,' "$work/push.log" || {
		cat "$work/push.log" >&2
		exit 1
	}
	echo "  generated and queued in $((SECONDS - begin)) s (load $(load1))"
	age_max=0
	db_pid=$(harness_pid mariadbd)
	db_cpu0=$(cpu_s "$db_pid")
	server_status >"$work/status0"
	t0=$(date +%s.%N)
	if [[ $mode == baseline ]]; then
		bench_import_start "rollup_workers = 0"
	else
		bench_import_start
	fi
	while :; do
		left=$(bench_import_left)
		[[ $left == 0 ]] && break
		if ! kill -0 "$IMP_PID" 2>/dev/null; then
			echo "the importer exited with $left elements left:" >&2
			tail -20 "$work/importer.log" >&2
			exit 1
		fi
		if ((i++ % 10 == 0)); then
			read -r count age <<<"$(marks)"
			((count > 0)) && seen=1
			((age > age_max)) && age_max=$age
		fi
		sleep 0.2
	done
	t1=$(date +%s.%N)
	rate=$(echo "$n / ($t1 - $t0)" | bc -l)
	printf '  imported in %.1f s: %.0f flows/s (load %s)%s\n' "$(echo "$t1 - $t0" | bc -l)" \
		"$rate" "$(load1)" "${mode:+ [$mode: no roll-up]}"
	for kid in $(pgrep -P "$IMP_PID"); do
		roll_cpu=$(cpu_s "$kid")
	done
	echo "  cpu during the import: MariaDB $(echo "$(cpu_s "$db_pid") - $db_cpu0" | bc) s," \
		"roll-up child $roll_cpu s (importer: see its summary)"
	server_status | awk 'NR == FNR { v0[$1] = $2; next }
		{ printf "%s%s %d", (n++ ? ", " : "  server: "), $1, $2 - v0[$1] } END { print "" }' \
		"$work/status0" -
	if [[ $mode == baseline ]]; then
		lag=none age_max=0
		bench_import_stop
		grep -o 'summary: .*' "$work/importer.log" | tail -1 | sed 's/^/  importer /'
		: >"$work/importer.log"
		return
	fi
	# the roll-up lag: until no closed bucket is marked
	begin=$SECONDS
	lag=""
	while ((SECONDS - begin <= ROLLUP_WAIT)); do
		read -r count age <<<"$(marks)"
		((count > 0)) && seen=1
		if ((count == 0)); then
			lag=$((SECONDS - begin))
			break
		fi
		((age > age_max)) && age_max=$age
		sleep 1
	done
	pairs=$(sql "SELECT EXISTS (SELECT 1 FROM pairs_60) + EXISTS (SELECT 1 FROM pairs_86400)")
	if [[ $seen == 0 && $pairs == 0 ]]; then
		lag=none # no bucket was ever marked and no pair rolled up
		echo "  roll-up: none in this importer (nothing marked, pairs_* empty): lag not measured"
	elif [[ -z $lag ]]; then
		lag=timeout
		echo "  roll-up: $count closed buckets still marked after $ROLLUP_WAIT s (load $(load1))"
	else
		echo "  roll-up: lag $lag s after the import; oldest closed mark during it ${age_max} s (load $(load1))"
	fi
	bench_import_stop
	grep -o 'summary: .*' "$work/importer.log" | tail -1 | sed 's/^/  importer /'
	: >"$work/importer.log"
}

# Rows and MB on disk per table of the database.
sizes()
{
	local t rows mb total
	for t in $(sql "SELECT table_name FROM information_schema.TABLES WHERE table_schema = '$DB'
		AND table_name REGEXP '^(flows|totals|nodes|ports|pairs)_' ORDER BY table_name"); do
		rows=$(sql "SELECT COUNT(*) FROM $t")
		mb=$(du -m "$H/mysql/data/$DB/$t.ibd" | cut -f1)
		printf '  %-12s %10d rows %7d MB\n' "$t" "$rows" "$mb"
	done
	total=$(du -sm "$H/mysql/data/$DB" | cut -f1)
	printf '  %-12s %15s %7d MB (load %s)\n' "all" "" "$total" "$(load1)"
}

# call N I: the first call and 3 more of call I; appends
# "N name first median load bytes errors" to $work/calls (errors: answers
# that were not 200, such as a 504 when the query was cut off).
call()
{
	local n=$1 i=$2 k code t times=() first errors=0
	for k in 0 1 2 3; do
		read -r code t < <(curl -s -o "$work/answer.json" -w '%{http_code} %{time_total}\n' \
			"${nocache[@]}" --max-time 120 "$FI_TEST_NGINX_URL${uris[$i]}")
		if [[ $code != 200 ]]; then
			echo "  ${names[$i]}: HTTP $code: $(head -c 200 "$work/answer.json")"
			errors=$((errors + 1))
		fi
		if ((k == 0)); then
			first=$t
		else
			times+=("$t")
		fi
	done
	http_errors=$((http_errors + errors))
	printf '%s %s %s %s %s %s %s\n' "$n" "${names[$i]}" "$first" \
		"$(printf '%s\n' "${times[@]}" | sort -g | sed -n 2p)" "$(load1)" \
		"$(stat -c %s "$work/answer.json")" "$errors" >>"$work/calls"
}

: >"$work/calls"
: >"$work/imports"
for n in "${SIZES[@]}"; do
	if [[ ${FI_BENCH_BASELINE:-0} == 1 ]]; then
		echo "== $n flows over 7 days from $W0, baseline: no roll-up (rollup_workers = 0)"
		fresh
		import_set "$n" baseline
		echo "$n-baseline $rate none 0" >>"$work/imports"
	fi
	echo "== $n flows over 7 days from $W0"
	fresh
	import_set "$n"
	echo "$n $rate $lag $age_max" >>"$work/imports"
	[[ ${FI_BENCH_CALLS:-1} == 0 ]] && continue
	sizes
	bench_start_responder
	for i in "${!names[@]}"; do
		call "$n" "$i"
	done
	awk -v n="$n" '$1 == n { printf "  %-17s first %7.3f s  median %7.3f s  (load %s, %d bytes%s)\n",
		$2, $3, $4, $5, $6, $7 ? sprintf(", %d of 4 HTTP errors", $7) : "" }' "$work/calls"
done

echo
echo "== uncached single calls, first / median of 3 (s), per data set (*: HTTP errors)"
awk '{ if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 }
	if (!($1 in have)) { have[$1] = 1; sizes[++m] = $1 }
	cell[$1, $2] = sprintf("%7.3f /%7.3f%s", $3, $4, $7 ? "*" : " "); ld[$1] = ld[$1] " " $5 }
	END { printf "%-17s", "call"; for (j = 1; j <= m; j++) printf " %18s", sizes[j]; print ""
	for (i = 1; i <= n; i++) { printf "%-17s", order[i]
		for (j = 1; j <= m; j++) printf " %18s", cell[sizes[j], order[i]]; print "" }
	for (j = 1; j <= m; j++) printf "load at %s:%s\n", sizes[j], ld[sizes[j]] }' "$work/calls"

# The verdicts: the largest size against the limits, its growth over the
# smallest size's, the import and the roll-up of every size.
small=${SIZES[0]} large=${SIZES[0]}
for n in "${SIZES[@]}"; do
	((n > large)) && large=$n
	((n < small)) && small=$n
done
missed=0
verdict()
{
	if [[ $1 == PASS ]]; then
		printf '  PASS  %s\n' "$2"
	else
		printf '  FAIL  %s\n' "$2"
		missed=1
	fi
}
ok()
{
	python3 -c "import sys; sys.exit(0 if $1 else 1)" && echo PASS || echo FAIL
}
echo
echo "== targets (calls at $large flows$( ((large != 10000000)) && echo ", meant for 10000000"))"
while read -r n rate lag age; do
	if [[ $n == *-baseline ]]; then
		printf '  info  import %d without the roll-up: %.0f flows/s (baseline of the next line)\n' \
			"${n%-baseline}" "$rate"
		continue
	fi
	verdict "$(ok "$rate >= 40000")" "$(printf 'import %d: %.0f flows/s >= 40000' "$n" "$rate")"
	case $lag in
	none) printf '  n/a   roll-up %d: no roll-up in this importer\n' "$n" ;;
	timeout) verdict FAIL "roll-up $n: lag > $ROLLUP_WAIT s (target < 60 s)" ;;
	*) verdict "$(ok "$lag < 60")" "roll-up $n: lag $lag s < 60 s (oldest mark during the import $age s)" ;;
	esac
done <"$work/imports"
[[ ${FI_BENCH_CALLS:-1} == 0 ]] && names=() # import only
for i in "${!names[@]}"; do
	med=$(awk -v n="$large" -v c="${names[$i]}" '$1 == n && $2 == c { print $4 }' "$work/calls")
	verdict "$(ok "$med < ${limits[$i]}")" "$(printf '%s at %d: median %.3f s < %d s' \
		"${names[$i]}" "$large" "$med" "${limits[$i]}")"
	if [[ ${growth[$i]} == 1 && $large != "$small" ]]; then
		base=$(awk -v n="$small" -v c="${names[$i]}" '$1 == n && $2 == c { print $4 }' "$work/calls")
		verdict "$(ok "$med <= 2 * $base")" "$(printf '%s grows %.1fx from %d to %d (<= 2x)' \
			"${names[$i]}" "$(echo "$med / $base" | bc -l)" "$small" "$large")"
	fi
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) on $(nproc) cores"

status=0
if ((http_errors > 0)); then
	echo "$http_errors calls answered with an HTTP error"
	status=1
fi
bench_exit "$status" "$missed"
