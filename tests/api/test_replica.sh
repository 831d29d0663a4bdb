#!/usr/bin/env bash
# test_replica.sh: a responder on a read-only GTID replica (issue 17), on a
# harness of its own (start.sh --replicas 1): the golden data set written on
# the primary gives every golden answer from the replica too; the heartbeat
# (fi_heartbeat, rewritten every second by the primary's event scheduler)
# makes data_as_of move on both while no flows arrive, and with the
# replica's SQL thread stopped the replica's data_as_of stands still, its
# replica_lag_s grows, and past max_replica_lag its data routes answer 503
# with Retry-After (/api/meta still answers, showing the lag) until the
# thread runs again. Answers come from the responder's one-shot mode
# (flowinspector-fcgi -q URI): headers, a blank line, the body. And through
# nginx with deploy/nginx/responders.conf over a responder on the primary
# and one on the replica: clients stick to one responder, and a client of
# the replica's is answered by the primary's while the replica lags.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
. "$FI_SOURCE_DIR/tests/harness/lib.sh"
T_NAME=api_replica
own=$(mktemp -d "${TMPDIR:-/tmp}/fi-replica.XXXXXX")
PIDS=()
cleanup()
{
	local pid
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	[[ -z ${FI_KEEP_TMP:-} ]] || cp -r "$own/nginx" "$own/nginx.kept" 2>/dev/null
	bash "$FI_SOURCE_DIR/tests/harness/stop.sh" "$own/nginx" >/dev/null 2>&1
	bash "$FI_SOURCE_DIR/tests/harness/stop.sh" "$own/h" >/dev/null 2>&1
	[[ -n ${FI_KEEP_TMP:-} ]] || rm -rf "$own"
}
trap cleanup EXIT
if ! bash "$FI_SOURCE_DIR/tests/harness/start.sh" "$own/h" --replicas 1 --no-redis \
	--no-nginx 2>"$own/start.log"; then
	cat "$own/start.log" >&2
	t_fail "the harness did not start"
	t_done
fi
harness_load_env "$own/h"
FCGI=$BUILD/fcgi/flowinspector-fcgi
IMP=$BUILD/importer/flowinspector-importer
{
	harness_db_config fi_replica imp ro
	cat <<CONF
flow_bucket_sizes = 60,600,3600
retention_days = 0
max_rows = 300
log_level = warn
CONF
} >"$own/primary.conf"
check_cmd "--init-db on the primary" "$IMP" -c "$own/primary.conf" --init-db
python3 "$FI_SOURCE_DIR/tests/api/golden.py" "$own/golden" >/dev/null
check_cmd "the golden data on the primary" harness_mysql fi_replica -e "source $own/golden/data.sql"
check_cmd "... marked as --init-db marks it" "$IMP" -c "$own/primary.conf" --init-db
check_cmd "the replica has it all" harness_replica_wait 1 60
# the replica's responder: the same accounts (replicated), the replica's port
sed -e "s/^db_port = .*/db_port = $FI_TEST_REPLICA1_PORT/" "$own/primary.conf" >"$own/replica.conf"
echo "max_replica_lag = 3" >>"$own/replica.conf"

# ask CONF URI: sets A_STATUS, A_HEADERS (lower case) and A_BODY.
ask()
{
	"$FCGI" -c "$1" -q "$2" >"$own/answer" 2>"$own/answer.err"
	A_STATUS=$(sed -n '1s/^Status: \([0-9]*\).*/\1/p' "$own/answer" | tr -d '\r')
	A_STATUS=${A_STATUS:-200}
	A_HEADERS=$(sed '/^\r\{0,1\}$/q' "$own/answer" | tr -d '\r' | tr 'A-Z' 'a-z')
	A_BODY=$(sed '1,/^\r\{0,1\}$/d' "$own/answer")
}

# meta CONF KEY: one member of /api/meta.
meta()
{
	ask "$1" /api/meta
	python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$A_BODY" "$2"
}

# every golden answer from the replica's responder
n=0
while IFS=$'\t' read -r name uri; do
	ask "$own/replica.conf" "$uri"
	n=$((n + 1))
	if [[ $A_STATUS != 200 ]]; then
		t_fail "$name ($uri): status $A_STATUS: $A_BODY"
		continue
	fi
	if python3 "$FI_SOURCE_DIR/tests/api/jsoncmp.py" <(printf '%s' "$A_BODY") \
		"$own/golden/expected/$name.json" >"$own/diff" 2>&1; then
		t_ok
	else
		t_fail "$name from the replica: $(cat "$own/diff")"
	fi
done <"$own/golden/queries.tsv"
check_cmd "golden queries asked: $n" test "$n" -gt 20

# the heartbeat moves on both while no flows arrive
a1=$(meta "$own/primary.conf" data_as_of)
r1=$(meta "$own/replica.conf" data_as_of)
sleep 2.2
a2=$(meta "$own/primary.conf" data_as_of)
r2=$(meta "$own/replica.conf" data_as_of)
check_cmd "primary: data_as_of moves ($a1 -> $a2)" test "$a2" \> "$a1"
check_cmd "replica: data_as_of moves ($r1 -> $r2)" test "$r2" \> "$r1"
lag=$(meta "$own/replica.conf" replica_lag_s)
check_cmd "replica: lag under 2 s while replicating ($lag)" \
	python3 -c "import sys; sys.exit(0 if 0 <= $lag < 2 else 1)"
ask "$own/replica.conf" "/api/bucket/query?bucket_size=3600&limit=1"
check_eq "a data route answers" "$A_STATUS" 200
check_contains "X-Data-As-Of on an answer" "$A_HEADERS" "x-data-as-of: 20"

# nginx over two responders (deploy/nginx/responders.conf): one on the
# primary (max_rows 300), one on the replica (max_rows 301, which tells
# them apart in /api/meta); clients by source address 127.0.0.N
sed -e "s|^max_rows = .*|max_rows = 300|" "$own/primary.conf" >"$own/p.conf"
sed -e "s|^max_rows = .*|max_rows = 301|" "$own/replica.conf" >"$own/r.conf"
echo "fcgi_socket = $own/p.sock" >>"$own/p.conf"
echo "fcgi_socket = $own/r.sock" >>"$own/r.conf"
for c in p r; do
	"$FCGI" -c "$own/$c.conf" >>"$own/fcgi.$c.log" 2>&1 &
	PIDS+=($!)
done
for ((i = 0; i < 100; i++)); do
	[[ -S $own/p.sock && -S $own/r.sock ]] && break
	sleep 0.05
done
check_cmd "both responders listen" test -S "$own/p.sock" -a -S "$own/r.sock" ||
	cat "$own"/fcgi.*.log >&2
harness_site_conf "$own/nginx.in"
sed -i "/harness-http.conf;/r $FI_SOURCE_DIR/deploy/nginx/responders.conf" "$own/nginx.in"
mkdir -p "$own/static"
echo '<!doctype html><title>flowinspector</title>' >"$own/static/index.html"
NGINX_ADDR=127.0.0.1 STATIC_DIR=$own/static FCGI_PASS=flowinspector_responders \
	CACHE_DIR=$own/cache NOCACHE_ALLOW= RESPONDER1=unix:$own/p.sock RESPONDER2=unix:$own/r.sock \
	bash "$FI_SOURCE_DIR/tests/harness/start.sh" "$own/nginx" --no-mariadb --no-redis \
	--nginx-conf "$own/nginx.in" 2>"$own/nginx.log" || {
	cat "$own/nginx.log" >&2
	t_fail "nginx did not start"
	t_done
}
url=$(. "$own/nginx/env" && echo "$FI_TEST_NGINX_URL")

# via CLIENT URI: GET through nginx from 127.0.0.CLIENT (a fresh URI each
# time, also in a subshell: the micro-cache is bypassed from 127.0.0.1
# only); V_STATUS, V_BODY.
via()
{
	V_STATUS=$(curl -s -o "$own/via" -w '%{http_code}' --interface "127.0.0.$1" \
		"$url$2&_=$(date +%s%N)") || V_STATUS=000
	V_BODY=$(cat "$own/via")
}
# responder CLIENT: which responder answers the client's /api/meta (p or r)
responder()
{
	via "$1" "/api/meta?resolution=1"
	case $V_BODY in
	*'"max_rows":300'*) echo p ;;
	*'"max_rows":301'*) echo r ;;
	*) echo "?" ;;
	esac
}
mapping="" sticky=1 rclient=""
for c in $(seq 1 12); do
	m=$(responder "$c")
	mapping+="$m"
	for k in 1 2; do
		[[ $(responder "$c") == "$m" ]] || sticky=0
	done
	[[ $m == r && -z $rclient ]] && rclient=$c
done
check_eq "nginx: each client sticks to its responder ($mapping)" "$sticky" 1
check_cmd "nginx: every client answered by one of them ($mapping)" \
	test "${#mapping}" == 12 -a "${mapping//[pr]/}" == ""
check_cmd "nginx: clients of both responders ($mapping)" test "${mapping//[^p]/}" != "" -a \
	"${mapping//[^r]/}" != ""

# the replica's SQL thread stopped: data_as_of stands, the lag grows
check_cmd "STOP SLAVE SQL_THREAD" harness_replica_sql 1 "STOP SLAVE SQL_THREAD"
sleep 1.2
r3=$(meta "$own/replica.conf" data_as_of)
sleep 2.5
r4=$(meta "$own/replica.conf" data_as_of)
lag=$(meta "$own/replica.conf" replica_lag_s)
check_eq "stopped: data_as_of stands still" "$r4" "$r3"
check_cmd "stopped: the lag grows past 3 s ($lag)" \
	python3 -c "import sys; sys.exit(0 if 3 < $lag < 10 else 1)"
check_cmd "stopped: the primary's data_as_of still moves" \
	test "$(meta "$own/primary.conf" data_as_of)" \> "$a2"
ask "$own/replica.conf" "/api/dynamic/index/nodes?bucket_size=3600&limit=3"
check_eq "past max_replica_lag: 503" "$A_STATUS" 503
check_contains "... with Retry-After" "$A_HEADERS" "retry-after: 5"
check_contains "... saying why" "$A_BODY" "lags"
check_contains "... and how far" "$A_BODY" "(max_replica_lag = 3 s)"
ask "$own/replica.conf" /api/health
check_eq "past max_replica_lag: health 503 too" "$A_STATUS" 503
ask "$own/replica.conf" /api/meta
check_eq "past max_replica_lag: /api/meta answers" "$A_STATUS" 200
check_contains "... with max_replica_lag" "$A_BODY" '"max_replica_lag":3'
ask "$own/primary.conf" "/api/dynamic/index/nodes?bucket_size=3600&limit=3"
check_eq "the primary answers meanwhile" "$A_STATUS" 200
ok=0
for k in 1 2 3 4 5; do
	via "${rclient:-1}" "/api/dynamic/index/nodes?bucket_size=3600&limit=3"
	[[ $V_STATUS == 200 && $V_BODY == *totalCounter* ]] && ok=$((ok + 1))
done
check_eq "nginx: the replica's client is answered (by the primary's responder)" "$ok" 5
check_eq "nginx: the replica's responder left out after its 503s (max_fails)" \
	"$(responder "${rclient:-1}")" p

# running again: it catches up
check_cmd "START SLAVE SQL_THREAD" harness_replica_sql 1 "START SLAVE SQL_THREAD"
check_cmd "caught up" harness_replica_wait 1 30
sleep 1.2
lag=$(meta "$own/replica.conf" replica_lag_s)
check_cmd "caught up: the lag is back under 2 s ($lag)" \
	python3 -c "import sys; sys.exit(0 if 0 <= $lag < 2 else 1)"
ask "$own/replica.conf" "/api/dynamic/index/nodes?bucket_size=3600&limit=3"
check_eq "caught up: data routes answer again" "$A_STATUS" 200
back=""
for ((i = 0; i < 30; i++)); do
	back=$(responder "${rclient:-1}")
	[[ $back == r ]] && break
	sleep 1
done
check_eq "nginx: after fail_timeout the client is back on its responder (${i} s)" "$back" r
check_cmd "the heartbeat event is disabled on the replica (SLAVESIDE_DISABLED)" \
	test "$(harness_replica_sql 1 "SELECT STATUS FROM information_schema.EVENTS
		WHERE EVENT_SCHEMA = 'fi_replica' AND EVENT_NAME = 'fi_heartbeat'")" == "SLAVESIDE_DISABLED"
t_done
