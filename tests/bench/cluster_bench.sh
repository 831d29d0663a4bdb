#!/usr/bin/env bash
# cluster_bench.sh: the benchmark of issue 17 (past one machine). In one run,
# each against the single server measured in the same run:
#  A. import: the same generated flows (300,000 by default, 2 hours over
#     3,000 hosts, in order of flow end) pushed to redis and imported with
#     --once into a fresh database: (1) a single server, (2) a primary that
#     writes a ROW binlog with two replicas attached (their SQL threads
#     stopped meanwhile: how many binlog bytes a flow costs, and an idle
#     server's bytes per second from the heartbeat; then how fast each
#     replica applies it, alone), again (2b) with binlog_row_image = MINIMAL
#     and (2c) with log_bin_compress too, (3) a three-node Galera cluster
#     with one importer on node 1 and (4) with two importers of one queue on
#     nodes 1 and 2 (conflicts retried; the nodes' tables compared). Every
#     figure comes from a run whose totals hold every flow (else the bench
#     fails). The roll-up runs on the primary after (2), timed, with its
#     binlog volume, and after (2c) for B.
#  B. responders on the same flows (2c's, rolled up and replicated): a mix of four API calls (meta, the
#     timeline, the top hosts and the top pairs of an hour) through nginx,
#     uncached (X-Flowinspector-NoCache: 1) and cached, from CLIENTS
#     concurrent clients on many loopback addresses (http_mix.py): (1) one
#     responder on the primary, (2) one on a replica, (3) two, each on its
#     own replica, behind deploy/nginx/responders.conf (hash $remote_addr
#     consistent), with how the requests split between them.
# Every MariaDB server (primary, replicas, Galera nodes) runs with the
# settings of deploy/mariadb/flowinspector.cnf. All of it runs on this one
# machine: on 2 cores every node, importer, responder and the load client
# share the same CPUs, so two writer nodes or two replicas show their
# overhead and that they work, not added capacity. The figures are still
# what this machine gives. Prints figures; fails only when a run is
# incomplete. Usage: cluster_bench.sh [BUILD_DIR [FLOWS]] (tests/run.sh runs
# it with FI_BENCH=1: build/rel). Each import runs FI_BENCH_ROUNDS times (2),
# the best round counting (other sessions share the machine), and so does
# each responder run, of FI_BENCH_DURATION s (10) with FI_BENCH_CLIENTS
# clients (8); FI_BENCH_KEEP=1 keeps the work dir. About 9 minutes.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../shell/benchlib.sh
. "$root/tests/shell/benchlib.sh"
# shellcheck source-path=SCRIPTDIR source=../harness/lib.sh
. "$root/tests/harness/lib.sh"
BUILD=$(realpath "${1:-$root/build/rel}")
N=${2:-300000}
DUR=${FI_BENCH_DURATION:-10}
ROUNDS=${FI_BENCH_ROUNDS:-2}
CLIENTS=${FI_BENCH_CLIENTS:-8}
ADDRS=4 # loopback addresses per client: CLIENTS x 4 clients for nginx's hash
IDLE=10   # seconds an idle primary's binlog is watched
SETTLE=15 # seconds a new harness is left alone before it is measured
DB=fi_cbench
S0=1700000000 # flowref.py gen's first second
imp=$BUILD/importer/flowinspector-importer
fcgi=$BUILD/fcgi/flowinspector-fcgi
bench_need_build cluster_bench
load_before=$(uptime)

tmp=$(mktemp -d /tmp/fi-cbench.XXXXXX) # short: unix socket paths are limited
chmod 711 "$tmp"                        # the Galera nodes run as mysql: they must reach it
RUN_PIDS=()
cleanup()
{
	local pid d
	for pid in "${RUN_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for d in "$tmp/nprimary" "$tmp/nreplica" "$tmp/ntwo" "$tmp/s" "$tmp/g" "$tmp/r"; do
		[[ -d $d ]] && bash "$root/tests/harness/stop.sh" "$d" >/dev/null 2>&1
	done
	if [[ ${FI_BENCH_KEEP:-0} == 1 ]]; then
		echo "kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
die()
{
	echo "cluster_bench: $*" >&2
	exit 1
}
# now LABEL: the seconds since the epoch, fractional
now()
{
	date +%s.%N
}
# calc EXPR: bc's answer
calc()
{
	echo "$1" | bc -l
}

# harness DIR OPTION...: starts a harness (MariaDB and its nodes with the
# deployed settings, redis) and loads its env
harness()
{
	local d=$1 args
	shift
	args=$(bench_mariadb_args)
	echo "bench: starting a harness $*"
	FI_HARNESS_OWNER=$$ FI_HARNESS_MARIADB_ARGS=$args FI_HARNESS_NODE_MARIADB_ARGS=$args \
		bash "$root/tests/harness/start.sh" "$d" --no-nginx "$@" 2>"$tmp/start.log" || {
		cat "$tmp/start.log" >&2
		die "the harness did not start"
	}
	harness_load_env "$d"
	# a server just started is busy with its own start-up for a while: an
	# import right after ran at 60% of the speed it had 10 s later
	sleep "$SETTLE"
}

# sql SOCKET SQL: root's statement on that server, rows tab-separated; on a
# Galera node it first waits for the cluster's commits (wsrep_sync_wait)
sql()
{
	local pre=""
	[[ $1 == */galera/* ]] && pre="SET SESSION wsrep_sync_wait = 1; "
	mariadb --no-defaults --socket="$1" -uroot -NB -e "$pre$2"
}

# mkconf FILE SOCKET CONSUMER: a config of database $DB on that server over
# its unix socket (as deployed: db_host = localhost), the queue of this
# harness's redis, the default four bucket sizes, no roll-up child
mkconf()
{
	cat >"$1" <<CONF
db_host = localhost
db_socket = $2
db_name = $DB
db_user = imp
db_password = imp-pw
db_ro_user = ro
db_ro_password = ro-pw
db_admin_user = root
db_grant_hosts = localhost
redis_port = $FI_TEST_REDIS_PORT
consumer_name = $3
rollup_workers = 0
retention_days = 0
log_level = info
CONF
}

# fresh_db SOCKET: database $DB made anew on that server
fresh_db()
{
	sql "$1" "DROP DATABASE IF EXISTS $DB" || die "DROP DATABASE failed"
	mkconf "$tmp/init.conf" "$1" init
	"$imp" -c "$tmp/init.conf" --init-db 2>"$tmp/init.log" || {
		cat "$tmp/init.log" >&2
		die "--init-db failed"
	}
}

# import_run NAME SOCKET...: pushes the flows and runs one importer --once
# per SOCKET at the same time (consumer NAME-K); sets I_SECS, I_WRITTEN,
# I_ROWS, I_CONFLICTS and I_SPLIT (flows written by each); fails unless all
# flows were written and totals_60 on the first SOCKET holds them all (their
# weights, $want)
import_run()
{
	local name=$1 t0 k=0 pid pids=() rc=0 s w total
	shift
	harness_redis_cli FLUSHALL >/dev/null
	harness_redis_cli --pipe <"$tmp/flows.resp" >/dev/null || die "push failed"
	for s in "$@"; do
		k=$((k + 1))
		mkconf "$tmp/$name.$k.conf" "$s" "$name-$k"
	done
	t0=$(now)
	for ((k = 1; k <= $#; k++)); do
		"$imp" -c "$tmp/$name.$k.conf" --once 2>"$tmp/$name.$k.log" &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || rc=1
	done
	I_SECS=$(calc "$(now) - $t0")
	I_WRITTEN=0 I_ROWS=0 I_CONFLICTS=0 I_SPLIT=""
	for ((k = 1; k <= $#; k++)); do
		s=$(grep -o 'summary: .*' "$tmp/$name.$k.log")
		[[ -n $s ]] || rc=1
		echo "bench ($name-$k): importer $s"
		w=$(sed -E 's/.* ([0-9]+) written .*/\1/' <<<"$s")
		I_WRITTEN=$((I_WRITTEN + w))
		I_ROWS=$((I_ROWS + $(sed -E 's/.* as ([0-9]+) rows .*/\1/' <<<"$s")))
		I_CONFLICTS=$((I_CONFLICTS + $(sed -E 's/.* ([0-9]+) conflicts retried.*/\1/' <<<"$s")))
		I_SPLIT+="${I_SPLIT:+ + }$w"
	done
	total=$(sql "$1" "SELECT ROUND(SUM(tcp_flows + udp_flows + icmp_flows + other_flows)) FROM $DB.totals_60")
	if [[ $rc != 0 || $I_WRITTEN != "$N" || $total != "$want" ]]; then
		tail -n 5 "$tmp/$name".*.log >&2
		die "$name: incomplete: exit $rc, $I_WRITTEN of $N flows written, totals_60 holds ${total:-none} of $want"
	fi
}

# binlog: the primary's binlog bytes, all files (0 without a binlog)
binlog()
{
	harness_mysql -NB -e 'SHOW BINARY LOGS' 2>/dev/null | awk '{ s += $2 } END { print s + 0 }'
}

# data_size SOCKET DATADIR: "rows MiB" of $DB: its rows counted, its files
data_size()
{
	local q
	q=$(sql "$1" "SET SESSION group_concat_max_len = 65536;
		SELECT GROUP_CONCAT(CONCAT('(SELECT COUNT(*) FROM $DB.', table_name, ')')
		SEPARATOR ' + ') FROM information_schema.TABLES
		WHERE table_schema = '$DB' AND table_type = 'BASE TABLE'")
	echo "$(sql "$1" "SELECT $q") $(du -sm "$2/$DB" | cut -f1)"
}

echo "bench: generating $N flows"
python3 "$root/tests/tools/flowref.py" gen --count "$N" --seed 1 --hosts 3000 --span 7200 \
	--max-duration 300 --sorted >"$tmp/flows.jsonl" || die "gen failed"
python3 "$root/tests/tools/flowref.py" resp "$tmp/flows.jsonl" >"$tmp/flows.resp" || die "resp failed"
# the flows the totals must hold: a generated flow may weigh 0.25 to 3
want=$(python3 -c 'import json, sys
print(round(sum(json.loads(l).get("flows", 1) for l in open(sys.argv[1]))))' "$tmp/flows.jsonl")

# imports NAME SOCKET...: $ROUNDS rounds of import_run NAME SOCKET..., each
# on a fresh database; fps, rps, load, rows, conflicts and split (of
# import_run) of the best round (most flows/s: the one other sessions on the
# machine disturbed least), every round's flows/s in all; BPF: binlog bytes
# per flow (of the last round: they are the same each time), less the
# heartbeat's meanwhile; SECS: all rounds' seconds, summed
declare -A fps rps note load all rows conflicts split BPF SECS
idle_bps=0
imports()
{
	local name=$1 r f best=0 b1 b2
	shift
	all[$name]="" SECS[$name]=0
	for ((r = 1; r <= ROUNDS; r++)); do
		fresh_db "$1"
		b1=$(binlog)
		import_run "$name" "$@"
		b2=$(binlog)
		f=$(calc "$N / $I_SECS")
		all[$name]+="${all[$name]:+ / }$(printf '%.0f' "$f")"
		SECS[$name]=$(calc "${SECS[$name]} + $I_SECS")
		BPF[$name]=$(calc "($b2 - $b1 - $idle_bps * $I_SECS) / $N")
		if [[ $(calc "$f > $best") == 1 ]]; then
			best=$f fps[$name]=$f rps[$name]=$(calc "$I_ROWS / $I_SECS")
			load[$name]=$(cut -d' ' -f1 /proc/loadavg)
			rows[$name]=$I_ROWS conflicts[$name]=$I_CONFLICTS split[$name]=$I_SPLIT
		fi
	done
}

# ---- A.1: a single server, on a harness of its own --------------------------------
harness "$tmp/s"
imports single "$FI_TEST_MYSQL_SOCKET"
note[single]="$(calc "${rows[single]} / $N" | xargs printf '%.2f') rows/flow"
size_single=$(data_size "$FI_TEST_MYSQL_SOCKET" "$tmp/s/mysql/data")
bash "$root/tests/harness/stop.sh" "$tmp/s" >/dev/null 2>&1

# ---- A.3, A.4: a Galera cluster -----------------------------------------------
harness "$tmp/g" --galera
G1=$FI_TEST_GALERA1_SOCKET G2=$FI_TEST_GALERA2_SOCKET
imports galera1 "$G1"
note[galera1]="${conflicts[galera1]} conflicts retried"
imports galera2 "$G1" "$G2"
note[galera2]="$(calc "${rows[galera2]} / $N" | xargs printf '%.2f') rows/flow, ${conflicts[galera2]} conflicts retried; flows ${split[galera2]}"
gsums=""
for s in "$G1" "$G2" "$FI_TEST_GALERA3_SOCKET"; do
	gsums+="$(sql "$s" "CHECKSUM TABLE $DB.totals_60, $DB.nodes_600, $DB.flows_60" | md5sum | cut -c1-8) "
done
echo "bench: the Galera nodes' checksums (totals_60, nodes_600, flows_60): $gsums"
[[ $(tr ' ' '\n' <<<"$gsums" | sort -u | grep -c .) == 1 ]] || die "the Galera nodes differ"
bash "$root/tests/harness/stop.sh" "$tmp/g" >/dev/null 2>&1

# ---- A.2: a primary with a binlog and two replicas ---------------------------------
harness "$tmp/r" --replicas 2
P=$FI_TEST_MYSQL_SOCKET
# replicas START|STOP: the replicas' SQL threads; STOP waits until they
# have caught up first (the IO threads go on receiving the binlog: the
# primary sends it all the same)
replicas()
{
	local k
	for k in 1 2; do
		if [[ $1 == STOP ]]; then
			harness_replica_wait "$k" 900 || die "replica $k did not catch up"
		fi
		harness_replica_sql "$k" "$1 SLAVE SQL_THREAD"
	done
}
# rollup: --rollup --once on the primary (what the daemon's child does
# while it imports; rollup_settle 0: the import is over); sets ROLLUP_SECS
rollup()
{
	local t0
	t0=$(now)
	mkconf "$tmp/rollup.conf" "$P" rollup
	echo "rollup_settle = 0" >>"$tmp/rollup.conf"
	"$imp" -c "$tmp/rollup.conf" --rollup --once 2>"$tmp/rollup.log" || {
		tail -n 5 "$tmp/rollup.log" >&2
		die "the roll-up failed"
	}
	ROLLUP_SECS=$(calc "$(now) - $t0")
	echo "bench: $(grep -o 'roll-up: .*' "$tmp/rollup.log" | tail -n 1)"
}
# binlog_note NAME: the note of an import with a binlog
binlog_note()
{
	note[$1]="$(printf '%.0f' "${BPF[$1]}") binlog B/flow, $(printf '%.1f' \
		"$(calc "${BPF[$1]} * ${fps[$1]} / 1048576")") MiB/s"
}
fresh_db "$P"
replicas STOP
b0=$(binlog)
sleep "$IDLE"
idle_bps=$(calc "($(binlog) - $b0) / $IDLE")
# as deployed (binlog_row_image FULL), then the roll-up; each replica applies
# all of it alone, timed
imports binlog "$P"
binlog_note binlog
b2=$(binlog)
rollup
rollup_secs=$ROLLUP_SECS
rollup_bpf=$(calc "($(binlog) - $b2 - $idle_bps * $rollup_secs) / $N")
binlog_mib=$(calc "$(binlog) / 1048576")
declare -A apply
for k in 1 2; do
	t0=$(now)
	harness_replica_sql "$k" "START SLAVE SQL_THREAD"
	harness_replica_wait "$k" 900 || die "replica $k did not catch up"
	apply[$k]=$(calc "$(now) - $t0")
done
# the same with smaller row images, and compressed
replicas STOP
harness_mysql -e "SET GLOBAL binlog_row_image = MINIMAL"
imports minimal "$P"
binlog_note minimal
harness_mysql -e "SET GLOBAL log_bin_compress = ON"
imports compress "$P"
binlog_note compress
harness_mysql -e "SET GLOBAL binlog_row_image = FULL; SET GLOBAL log_bin_compress = OFF"
rollup
size_primary=$(data_size "$P" "$tmp/r/mysql/data")
replicas START
for k in 1 2; do
	harness_replica_wait "$k" 900 || die "replica $k did not catch up"
	[[ $(sql "$(eval echo "\$FI_TEST_REPLICA${k}_SOCKET")" "SELECT ROUND(SUM(tcp_flows +
		udp_flows + icmp_flows + other_flows)) FROM $DB.totals_60") == "$want" ]] ||
		die "replica $k lacks flows"
done

# ---- B: responders on the primary and the replicas ---------------------------------
uris=$tmp/uris
cat >"$uris" <<URIS
/api/meta
/api/bucket/query?resolution=1000
/api/dynamic/index/nodes?start_bucket=$((S0 + 3600))&end_bucket=$((S0 + 7199))&limit=15&sort=flows%20desc
/api/bucket/query?aggregate=sourceIPv4Address,destinationIPv4Address&fields=bucket&sort=flows%20desc&limit=1000&start_bucket=$((S0 + 3600))&end_bucket=$((S0 + 7199))&bucket_size=600
URIS
# responder K SOCKET: a responder (4 workers) on that server, on $tmp/fK.sock
responder()
{
	mkconf "$tmp/f$1.conf" "$2" "f$1"
	sed -i 's/^log_level = .*/log_level = warn/' "$tmp/f$1.conf"
	echo "fcgi_socket = $tmp/f$1.sock" >>"$tmp/f$1.conf"
	"$fcgi" -c "$tmp/f$1.conf" >>"$tmp/f$1.log" 2>&1 &
	RUN_PIDS+=($!)
	for _ in $(seq 1 100); do
		[[ -S $tmp/f$1.sock ]] && return 0
		sleep 0.05
	done
	die "responder $1 did not start"
}
responder 0 "$P"
responder 1 "$FI_TEST_REPLICA1_SOCKET"
responder 2 "$FI_TEST_REPLICA2_SOCKET"
mkdir -p "$tmp/static"
echo '<!doctype html><title>flowinspector</title>' >"$tmp/static/index.html"
declare -A res served rounds errs
# serve NAME FCGI_PASS [R1 R2]: nginx (the deployed site; with R1 and R2 the
# upstream of responders.conf over them) in $tmp/nNAME, logging each
# request's upstream; runs the mix uncached and cached; keeps the best of
# the rounds (most req/s) in res and served, every round's req/s in rounds,
# the errors of all in errs
serve()
{
	local name=$1 d=$tmp/n$1 mode out nc k rq e
	harness_site_conf "$tmp/$name.in"
	# shellcheck disable=SC2016 # nginx's variable
	sed -i '/harness-http.conf;/a log_format fi_up "$upstream_addr";\naccess_log @STATE_DIR@/nginx/upstream.log fi_up;' \
		"$tmp/$name.in"
	[[ -z ${3:-} ]] || sed -i "/harness-http.conf;/r $root/deploy/nginx/responders.conf" "$tmp/$name.in"
	NGINX_ADDR=127.0.0.1 STATIC_DIR=$tmp/static FCGI_PASS=$2 CACHE_DIR=$tmp/cache.$name \
		NOCACHE_ALLOW="127.0.0.0/8 1;" RESPONDER1=${3:-} RESPONDER2=${4:-} \
		bash "$root/tests/harness/start.sh" "$d" --no-mariadb --no-redis \
		--nginx-conf "$tmp/$name.in" 2>"$tmp/$name.log" || {
		cat "$tmp/$name.log" >&2
		die "nginx did not start"
	}
	# shellcheck disable=SC1091 # the harness's env, written by start.sh
	url=$(. "$d/env" && echo "$FI_TEST_NGINX_URL")
	# warm-up: every call on every responder, the buffer pools
	python3 "$root/tests/bench/http_mix.py" "$url" "$uris" 3 "$CLIENTS" "$ADDRS" --nocache \
		>/dev/null || die "the load client failed"
	for mode in uncached cached; do
		: >"$d/nginx/upstream.log"
		nc=()
		[[ $mode == cached ]] || nc=(--nocache)
		out=$(python3 "$root/tests/bench/http_mix.py" "$url" "$uris" "$DUR" "$CLIENTS" "$ADDRS" \
			"${nc[@]}") || die "the load client failed"
		echo "bench ($name, $mode):"
		echo "  ${out//$'\n'/$'\n'  }"
		k=$name.$mode
		read -r rq _ _ _ e <<<"$out"
		rounds[$k]+="${rounds[$k]:+ / }$(printf '%.0f' "$rq")"
		errs[$k]=$((${errs[$k]:-0} + e))
		[[ -z ${res[$k]:-} || $(calc "$rq > ${res[$k]%% *}") == 1 ]] || continue
		res[$k]="$(head -n 1 <<<"$out") $(cut -d' ' -f1 /proc/loadavg)"
		# "1, 2": asked of 1, then of 2 (fastcgi_next_upstream): "1>2"
		served[$k]=$(sed -e "s|unix:$tmp/f\([0-9]\).sock|\1|g" -e 's/, />/g' \
			"$d/nginx/upstream.log" |
			sort | uniq -c | awk '{ printf "%s%s:%s", n++ ? " " : "", $2, $1 }')
	done
	bash "$root/tests/harness/stop.sh" "$d" >/dev/null 2>&1
}
for ((r = 1; r <= ROUNDS; r++)); do
	serve primary "unix:$tmp/f0.sock"
	serve replica "unix:$tmp/f1.sock"
	serve two flowinspector_responders "unix:$tmp/f1.sock" "unix:$tmp/f2.sock"
done

# ---- the figures ---------------------------------------------------------------
read -r rows_s mib_s <<<"$size_single"
read -r rows_p mib_p <<<"$size_primary"
echo
echo "cluster benchmark (issue 17), $N flows (2 h, 3,000 hosts; four bucket sizes), one run"
echo "NOTE: one 2-core machine: every node, importer, responder and the load client share"
echo "its CPUs, so two writer nodes or two replicas show overhead and correctness, not capacity"
echo
echo "A. import (importer --once until every flow is committed; fresh database each;"
echo "   best of $ROUNDS rounds, each round's flows/s under rounds)"
printf '%-40s %8s %8s %5s %5s %-15s %s\n' run flows/s rows/s vs-1 load rounds notes
for r in single binlog minimal compress galera1 galera2; do
	case $r in
	single) label="1 single server (no binlog)" ;;
	binlog) label="2 primary: ROW binlog, 2 replicas" ;;
	minimal) label="2b ... binlog_row_image = MINIMAL" ;;
	compress) label="2c ... MINIMAL + log_bin_compress" ;;
	galera1) label="3 Galera (3 nodes), 1 importer, node 1" ;;
	galera2) label="4 Galera, 2 importers, nodes 1 and 2" ;;
	esac
	printf '%-40s %8.0f %8.0f %5.2f %5s %-15s %s\n' "$label" "${fps[$r]}" "${rps[$r]}" \
		"$(calc "${fps[$r]} / ${fps[single]}")" "${load[$r]}" "${all[$r]}" "${note[$r]}"
done
echo
echo "replication log (the primary of A.2, ROW format; bytes per flow less the heartbeat's):"
printf '  import, binlog_row_image FULL (default): %6.0f B/flow\n' "${BPF[binlog]}"
printf '  import, MINIMAL:                          %6.0f B/flow\n' "${BPF[minimal]}"
printf '  import, MINIMAL + log_bin_compress:       %6.0f B/flow\n' "${BPF[compress]}"
printf '  roll-up after it (FULL, --rollup --once: %.1f s): %.0f B/flow\n' "$rollup_secs" "$rollup_bpf"
printf '  idle: %.0f B/s (the heartbeat, %d s watched)\n' "$idle_bps" "$IDLE"
printf '  binlog after the FULL import and roll-up: %.1f MiB\n' "$binlog_mib"
for k in 1 2; do
	printf '  replica %d applied the %d FULL imports + roll-up alone in %.1f s: %.0f flows/s' \
		"$k" "$ROUNDS" "${apply[$k]}" "$(calc "$ROUNDS * $N / ${apply[$k]}")"
	printf ' (the primary took %.1f s + %.1f s)\n' "${SECS[binlog]}" "$rollup_secs"
done
echo
echo "B. responders: 4 calls in turn (meta, timeline, top 15 hosts of an hour, top 1,000 pairs"
echo "   of an hour), $CLIENTS clients from $((CLIENTS * ADDRS)) loopback addresses, $DUR s a run, through nginx;"
echo "   best of $ROUNDS rounds (each round's req/s under rounds; errors: all rounds')"
printf '%-28s %-8s %8s %7s %8s %6s %5s %5s %-13s %s\n' responders mode req/s p50_ms p95_ms errors vs-1 load rounds split
for name in primary replica two; do
	case $name in
	primary) label="1 one, on the primary" ;;
	replica) label="2 one, on replica 1" ;;
	two) label="3 two, on replicas 1 and 2" ;;
	esac
	for mode in uncached cached; do
		read -r rq p50 p95 _ _ ld <<<"${res[$name.$mode]}"
		base=${res[primary.$mode]%% *}
		printf '%-28s %-8s %8.1f %7.2f %8.2f %6s %5.2f %5s %-13s %s\n' "$label" "$mode" "$rq" "$p50" \
			"$p95" "${errs[$name.$mode]}" "$(calc "$rq / $base")" "$ld" "${rounds[$name.$mode]}" \
			"${served[$name.$mode]}"
	done
done
echo "  (split: requests per responder in nginx's log: 0 = primary, 1 and 2 = replicas,"
echo "  - = from the cache, 1>2 = asked of 1, then of 2 after a failure or a 503)"
echo
echo "data: A.1 $rows_s rows, $mib_s MiB on disk; B's (A.2c's after the roll-up) $rows_p rows, $mib_p MiB"
echo "load before: $load_before"
echo "load after:  $(uptime)"
