# shellcheck shell=bash
# benchlib.sh: what the benchmarks share. Those that need the bench data set:
# a harness (MariaDB and nginx with deploy/nginx/flowinspector.conf) in a work
# dir of their own, the config, gen_bench.py's flows loaded with LOAD DATA,
# and the responder; those with data of their own: a harness in a temp dir.
# Sourced by tests/bench/*.sh.
# Those that import through the real importer set BENCH_QUEUE=1 before
# bench_setup (the harness gets redis too) and use bench_import_*.
# Usage: root=...; . "$root/tests/shell/benchlib.sh"; bench_setup NAME
# Sets work, H, BUILD; bench_load sets nothing; bench_start_responder FCGI_PID;
# bench_import_start IMP_PID; bench_own_harness sets tmp, h.

BUILD=${FI_BENCH_BUILD:-$root/build/rel}
FCGI_PID=""
IMP_PID=""
# BENCH_QUEUE=1: bench_setup starts redis; BENCH_CONF: more config lines;
# BENCH_FCGI_WORKERS: the responder's workers (4)
BENCH_QUEUE=${BENCH_QUEUE:-0}
BENCH_CONF=${BENCH_CONF:-}
BENCH_FCGI_WORKERS=${BENCH_FCGI_WORKERS:-4}
# the bench data set: FLOWS flows of gen_bench.py's day, starting at DAY0
FLOWS=${FI_BENCH_FLOWS:-1000000}
DAY0=1700006400

# Checks that the programs are built.
bench_need_build()
{
	local bin
	for bin in "$BUILD/fcgi/flowinspector-fcgi" "$BUILD/importer/flowinspector-importer"; do
		[[ -x $bin ]] || {
			echo "$1: $bin is missing; build first" >&2
			exit 1
		}
	done
}

# Stops the responder, the importer and the harness; removes the work dir
# unless FI_BENCH_KEEP=1.
bench_cleanup()
{
	if [[ -n $FCGI_PID ]]; then
		kill -TERM "$FCGI_PID" 2>/dev/null
		wait "$FCGI_PID" 2>/dev/null
	fi
	bench_import_stop
	bash "$root/tests/harness/stop.sh" "$H" >/dev/null 2>&1
	if [[ ${FI_BENCH_KEEP:-0} == 1 ]]; then
		echo "kept $work"
	else
		rm -rf "$work"
	fi
}

# The server options of deploy/mariadb/flowinspector.cnf as mariadbd
# arguments (for FI_HARNESS_MARIADB_ARGS).
bench_mariadb_args()
{
	awk -F' *= *' '/^[a-z_]+ *=/ { printf "--%s=%s ", $1, $2 }' \
		"$root/deploy/mariadb/flowinspector.cnf"
}

# bench_own_harness PREFIX START-OPTION...: a work dir $tmp (named PREFIX.*)
# and in it a harness $h started with the options of harness/start.sh, both
# removed on exit; loads the harness's env.
bench_own_harness()
{
	local prefix=$1
	shift
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/$prefix.XXXXXX")
	chmod 711 "$tmp" # --postgresql: the postgres account must reach $h
	h=$tmp/h
	trap 'bash "$root/tests/harness/stop.sh" "$h" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
	FI_HARNESS_OWNER=$$ bash "$root/tests/harness/start.sh" "$h" "$@" || exit 1
	# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
	. "$root/tests/harness/lib.sh"
	harness_load_env "$h"
}

# bench_setup DBNAME [WORKER_CONNECTIONS]: work dir, harness, config
# ($work/flowinspector.conf, database DBNAME), --init-db.
bench_setup()
{
	work=$(mktemp -d /tmp/fi-bench.XXXXXX) # short: unix socket paths are limited
	H=$work/h
	trap bench_cleanup EXIT
	# mariadbd takes its temporary tables from TMPDIR: keep them out of a shared /tmp
	mkdir -p "$work/tmp" "$work/static/bench"
	export TMPDIR=$work/tmp

	# shellcheck source-path=SCRIPTDIR source=../../harness/lib.sh
	. "$root/tests/harness/lib.sh"
	harness_site_conf "$work/nginx.conf.in" "${2:-4096}"
	# a bench may change the site first (path_bench adds a location)
	if declare -F bench_site_hook >/dev/null; then
		bench_site_hook "$work/nginx.conf.in"
	fi
	# MariaDB runs with the settings deploy/mariadb/flowinspector.cnf
	# recommends (a buffer pool that holds the day's tables), as deployed
	local opts=(--nginx-conf "$work/nginx.conf.in")
	[[ $BENCH_QUEUE == 1 ]] || opts+=(--no-redis)
	FI_HARNESS_MARIADB_ARGS=$(bench_mariadb_args) \
		NGINX_ADDR=127.0.0.1 STATIC_DIR=$work/static FCGI_PASS=unix:$work/fcgi.sock \
		CACHE_DIR=$work/cache NOCACHE_ALLOW= bash "$root/tests/harness/start.sh" "$H" "${opts[@]}" || exit 1
	harness_load_env "$H"
	{
		# the programs reach MariaDB over its unix socket, as deployed
		# (db_host = localhost): over TCP every statement costs more
		harness_db_config "$1" imp ro | sed -e 's/^db_host = .*/db_host = localhost/' \
			-e "s|^db_grant_hosts = .*|db_grant_hosts = localhost\ndb_socket = $H/mysql/mysql.sock|"
		cat <<CONF
fcgi_socket = $work/fcgi.sock
fcgi_workers = $BENCH_FCGI_WORKERS
# the data is from 2023: no retention event may delete it during the run
retention_days = 0
log_level = warn
CONF
		if [[ $BENCH_QUEUE == 1 ]]; then
			echo "redis_port = $FI_TEST_REDIS_PORT"
			echo "consumer_name = bench"
		fi
		printf '%s\n' "$BENCH_CONF"
	} >"$work/flowinspector.conf"
	"$BUILD/importer/flowinspector-importer" -c "$work/flowinspector.conf" --init-db || exit 1
}

# bench_load DBNAME FLOWS [gen_bench.py options]: generates the flows, loads
# them (each statement retried up to three times) and prints the table sizes.
bench_load()
{
	local db=$1 flows=$2 begin stmt attempt
	shift 2
	echo "== data: $flows flows${*:+ ($*)}"
	begin=$SECONDS
	python3 "$root/tests/bench/gen_bench.py" "$work/data" "$flows" "$@" || exit 1
	echo "generated in $((SECONDS - begin)) s"
	begin=$SECONDS
	while IFS= read -r stmt; do
		for attempt in 1 2 3; do
			if harness_mysql --local-infile=1 "$db" -e "$stmt"; then
				break
			fi
			[[ $attempt == 3 ]] && exit 1
			echo "retrying: ${stmt:0:60}..." >&2
		done
	done <"$work/data/load.sql"
	rm -f "$work"/data/*.tsv
	# as the importer writes them (flow_detail_sizes, default): per-key rows and
	# ports only for 60 s buckets; the responder sums the coarser sizes from them
	harness_mysql "$db" -e "TRUNCATE flows_600; TRUNCATE flows_3600; TRUNCATE flows_86400;
		TRUNCATE ports_600; TRUNCATE ports_3600; TRUNCATE ports_86400" || exit 1
	echo "loaded in $((SECONDS - begin)) s:"
	harness_mysql -N -B "$db" -e "SELECT table_name, table_rows FROM information_schema.TABLES
		WHERE table_schema = '$db' AND table_name REGEXP '^(flows|totals|nodes|ports)_'
		ORDER BY table_name" | awk '{ printf "  %-12s ~%d rows\n", $1, $2 }'
}

# Starts the responder on $work/fcgi.sock; sets FCGI_PID.
bench_start_responder()
{
	"$BUILD/fcgi/flowinspector-fcgi" -c "$work/flowinspector.conf" >>"$work/fcgi.log" 2>&1 &
	FCGI_PID=$!
	for _ in $(seq 1 100); do
		[[ -S $work/fcgi.sock ]] && break
		sleep 0.05
	done
}

# Starts the importer daemon (and so its roll-up child, where it has one)
# with $work/flowinspector.conf at log level info (its statistics every 10 s
# and its summary when it stops), logging to $work/importer.log; sets IMP_PID.
# bench_import_start [LINE...]: LINEs are config lines added for this run
# (say "rollup_workers = 0"; a key of the config given again is an error).
bench_import_start()
{
	sed 's/^log_level = .*/log_level = info/' "$work/flowinspector.conf" >"$work/importer.conf"
	(($# == 0)) || printf '%s\n' "$@" >>"$work/importer.conf"
	"$BUILD/importer/flowinspector-importer" -c "$work/importer.conf" \
		>>"$work/importer.log" 2>&1 &
	IMP_PID=$!
}

# The queue elements not yet committed: those in the queue and in the
# consumer's batch lists (a list is deleted once written; an idle importer
# keeps its next batch in the set, without a list).
bench_import_left()
{
	harness_redis_cli --raw eval "local n = redis.call('LLEN', KEYS[1])
		for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
			n = n + redis.call('LLEN', 'fi:batch:bench:' .. id)
		end
		return n" 2 entry:queue fi:batches:bench
}

# bench_import_wait [TIMEOUT]: waits until bench_import_left is 0 (exit 1
# after TIMEOUT seconds, default 7200, or if the importer died).
bench_import_wait()
{
	local deadline=$((SECONDS + ${1:-7200})) left
	while :; do
		left=$(bench_import_left)
		[[ $left == 0 ]] && return 0
		if ! kill -0 "$IMP_PID" 2>/dev/null; then
			echo "the importer exited with $left elements left; its log:" >&2
			tail -20 "$work/importer.log" >&2
			exit 1
		fi
		if ((SECONDS > deadline)); then
			echo "the import did not finish in time: $left elements left" >&2
			exit 1
		fi
		sleep 0.2
	done
}

# Stops the importer and what it started (its roll-up child), if running.
bench_import_stop()
{
	local kids
	[[ -n $IMP_PID ]] || return 0
	kids=$(pgrep -P "$IMP_PID")
	kill -TERM "$IMP_PID" 2>/dev/null
	wait "$IMP_PID" 2>/dev/null
	for k in $kids; do
		kill -TERM "$k" 2>/dev/null
	done
	IMP_PID=""
}

# bench_wrk NAME MODE CONNECTIONS URI [wrk args]: one wrk run of $DUR
# seconds (2 threads) against $FI_TEST_NGINX_URL; keeps wrk's output in
# $work/wrk-NAME-MODE.txt and appends to $work/results the line
# "NAME MODE req/s p50_ms p99_ms errors requests load1": errors are the
# answers other than 2xx/3xx plus socket errors, load1 the one-minute load
# average at the end of the run.
bench_wrk()
{
	local name=$1 mode=$2 conn=$3 uri=$4 out
	shift 4
	out=$(wrk -t2 -c"$conn" -d"${DUR}s" --latency --timeout 30s "$@" "$FI_TEST_NGINX_URL$uri" 2>&1)
	printf '%s\n' "$out" >"$work/wrk-$name-$mode.txt"
	python3 - "$name" "$mode" "$work/wrk-$name-$mode.txt" "$(cut -d' ' -f1 /proc/loadavg)" \
		>>"$work/results" <<'EOF'
import re
import sys

name, mode, path, load = sys.argv[1:]
out = open(path).read()


def ms(v):
    m = re.match(r"([0-9.]+)(us|ms|s)", v)
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]


lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
rps = re.search(r"Requests/sec:\s+([0-9.]+)", out)
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
reqs = re.search(r"(\d+) requests in", out)
errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, sock.groups())) if sock else 0)
if not rps:
    errors += 1  # wrk itself failed
print(name, mode, rps.group(1) if rps else 0, ms(lat["50"]) if "50" in lat else -1,
      ms(lat["99"]) if "99" in lat else -1, errors, reqs.group(1) if reqs else 0, load)
EOF
}

# bench_exit STATUS MISSED: ends a benchmark that printed PASS/FAIL per
# target: with MISSED 1, a miss fails it only under FI_BENCH_STRICT=1.
bench_exit()
{
	local status=$1
	if [[ $2 == 1 ]]; then
		if [[ ${FI_BENCH_STRICT:-0} == 1 ]]; then
			echo "a target was missed (FI_BENCH_STRICT=1: failing)"
			status=1
		else
			echo "a target was missed (FI_BENCH_STRICT=1 would fail)"
		fi
	fi
	exit "$status"
}
