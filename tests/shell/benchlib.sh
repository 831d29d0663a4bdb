# shellcheck shell=bash
# benchlib.sh: what the benchmarks share. Those that need the bench data set:
# a harness (MariaDB and nginx with deploy/nginx/flowinspector.conf) in a work
# dir of their own, the config, gen_bench.py's flows loaded with LOAD DATA,
# and the responder; those with data of their own: a harness in a temp dir.
# Sourced by tests/bench/*.sh.
# Usage: root=...; . "$root/tests/shell/benchlib.sh"; bench_setup NAME
# Sets work, H, BUILD; bench_load sets nothing; bench_start_responder FCGI_PID;
# bench_own_harness sets tmp, h.

BUILD=${FI_BENCH_BUILD:-$root/build/rel}
FCGI_PID=""
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

# Stops the responder and the harness; removes the work dir unless
# FI_BENCH_KEEP=1.
bench_cleanup()
{
	if [[ -n $FCGI_PID ]]; then
		kill -TERM "$FCGI_PID" 2>/dev/null
		wait "$FCGI_PID" 2>/dev/null
	fi
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
	# MariaDB runs with the settings deploy/mariadb/flowinspector.cnf
	# recommends (a buffer pool that holds the day's tables), as deployed
	FI_HARNESS_MARIADB_ARGS=$(bench_mariadb_args) \
		NGINX_ADDR=127.0.0.1 STATIC_DIR=$work/static FCGI_PASS=unix:$work/fcgi.sock \
		CACHE_DIR=$work/cache NOCACHE_ALLOW= bash "$root/tests/harness/start.sh" "$H" --no-redis \
		--nginx-conf "$work/nginx.conf.in" || exit 1
	harness_load_env "$H"
	{
		harness_db_config "$1" imp ro
		cat <<CONF
fcgi_socket = $work/fcgi.sock
fcgi_workers = 4
# the data is from 2023: no retention event may delete it during the run
retention_days = 0
log_level = warn
CONF
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
