#!/usr/bin/env bash
# importer_bench.sh: the queue importer's throughput on this machine (issue 3).
# Pushes 1,000,000 generated flows (2 hours over 3,000 hosts, in order of flow
# end as a probe exports them) and times until all are committed, with the
# default four bucket sizes and with one (600 s). In the same run it measures
# the ceilings: redis handing over the same elements (take + finish scripts,
# nothing else) and MariaDB taking the upserts of the same tables (one write
# of everything, summed). The default flow_detail_sizes applies: per-key rows
# and ports are written for the finest size only. Prints figures; it asserts nothing but that the
# import completed. Usage: importer_bench.sh [BUILD_DIR [FLOWS]]
# (tests/run.sh runs it with FI_BENCH=1 and no arguments: build/rel).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../shell/benchlib.sh
. "$root/tests/shell/benchlib.sh"
BUILD=$(realpath "${1:-$root/build/rel}")
N=${2:-1000000}
# MariaDB runs with the settings deploy/mariadb/flowinspector.cnf recommends,
# for the import and the ceiling alike
mycnf=$(bench_mariadb_args)
echo "bench: mariadbd $mycnf"
FI_HARNESS_MARIADB_ARGS="$mycnf" bench_own_harness fi-bench --no-nginx
imp=$BUILD/importer/flowinspector-importer
bench=$BUILD/tests/fi_bench

echo "bench: generating $N flows"
python3 "$root/tests/tools/flowref.py" gen --count "$N" --seed 1 --hosts 3000 --span 7200 \
	--max-duration 300 --sorted >"$tmp/flows.jsonl"

conf()
{
	cat >"$tmp/$1.conf" <<CONF
db_host = 127.0.0.1
db_port = $FI_TEST_MYSQL_PORT
db_name = bench_$1
db_password = bench
db_ro_password = bench
db_grant_hosts = 127.0.0.1
redis_port = $FI_TEST_REDIS_PORT
flow_bucket_sizes = $2
retention_days = 0
log_level = info
CONF
}

push()
{
	python3 "$root/tests/tools/flowref.py" resp "$tmp/flows.jsonl" |
		harness_redis_cli --pipe >/dev/null
}

fresh_db()
{
	harness_mysql -e "DROP DATABASE IF EXISTS bench_$1"
	"$imp" -c "$tmp/$1.conf" --init-db 2>/dev/null
}

conf four 60,600,3600,86400
conf one 600
fresh_db four

push
take=$("$bench" take -c "$tmp/four.conf" 2>/dev/null)
echo "bench: $take"
take_rate=$(awk '{print $(NF-1)}' <<<"$take")

declare -A res
for cfg in four one; do
	fresh_db $cfg
	w=$("$bench" write -c "$tmp/$cfg.conf" "$tmp/flows.jsonl" 2>/dev/null)
	echo "bench ($cfg): ceiling $w"
	ceil=$(awk '{print $(NF-1)}' <<<"$w")
	fresh_db $cfg
	push
	t0=$(date +%s.%N)
	"$imp" -c "$tmp/$cfg.conf" --once 2>"$tmp/$cfg.log"
	t1=$(date +%s.%N)
	summary=$(grep -o 'summary: .*' "$tmp/$cfg.log")
	echo "bench ($cfg): importer $summary"
	written=$(sed -E 's/.* ([0-9]+) written .*/\1/' <<<"$summary")
	rows=$(sed -E 's/.* as ([0-9]+) rows .*/\1/' <<<"$summary")
	cpu=$(sed -E 's/.*cpu ([0-9.]+) s.*/\1/' <<<"$summary")
	rss=$(sed -E 's/.*peak RSS ([0-9]+) MiB.*/\1/' <<<"$summary")
	secs=$(echo "$t1 - $t0" | bc -l)
	res[$cfg]=$(printf '%-6s %9.0f %10.2f %10.0f %10.0f %8.0f%% %7.0f%% %8s' "$cfg" \
		"$(echo "$written / $secs" | bc -l)" "$(echo "$rows / $written" | bc -l)" \
		"$(echo "$rows / $secs" | bc -l)" "$ceil" \
		"$(echo "100 * $rows / $secs / $ceil" | bc -l)" \
		"$(echo "100 * $cpu / $secs" | bc -l)" "${rss}MiB")
	if [[ $written != "$N" ]]; then
		echo "bench ($cfg): only $written of $N flows written" >&2
		exit 1
	fi
done
echo
echo "importer benchmark, $N flows; redis hands over $take_rate elements/s"
printf '%-6s %9s %10s %10s %10s %9s %8s %8s\n' sizes flows/s rows/flow rows/s ceiling of-ceil imp-cpu peakRSS
echo "${res[four]}"
echo "${res[one]}"
echo "targets: four sizes >= 30000 flows/s, one size >= 60000 flows/s, peak RSS < 512 MiB"
echo "load: $(uptime)"
