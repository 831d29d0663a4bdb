#!/usr/bin/env bash
# test_outage.sh: MariaDB goes away under the responder: every request is a
# JSON 503 (nginx and the responder stay up), /api/health says so; when the
# server is back, the same workers reconnect and answer, without a restart.
# MariaDB restarted (cleanly, and killed) while the workers are idle: not
# one request fails once it is back.
# The test kills MariaDB, so it starts a harness of its own (MariaDB and
# nginx in its own state dir) instead of using the shared one, which the
# other tests of the ctest run are using meanwhile.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
. "$FI_SOURCE_DIR/tests/harness/lib.sh"
T_NAME=outage
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/fi-outage.XXXXXX")
T_SOCK=$T_TMP/fcgi.sock
T_CONF=$T_TMP/flowinspector.conf
T_FCGI=$BUILD/fcgi/flowinspector-fcgi
H=$T_TMP/h
API_FCGI=""

cleanup()
{
	local rc=$?
	if [[ -n $API_FCGI ]]; then
		kill -TERM "$API_FCGI" 2>/dev/null
		wait "$API_FCGI" 2>/dev/null
	fi
	bash "$FI_SOURCE_DIR/tests/harness/stop.sh" "$H" >/dev/null 2>&1
	if grep -qE 'Sanitizer|runtime error:' "$T_TMP/fcgi.log" 2>/dev/null; then
		echo "FAIL: the responder's log has a sanitizer report:" >&2
		cat "$T_TMP/fcgi.log" >&2
		rc=1
	fi
	rm -rf "$T_TMP"
	exit "$rc"
}
trap cleanup EXIT

# the harness: MariaDB and nginx with the site config
harness_site_conf "$T_TMP/nginx.conf.in"
mkdir -p "$T_TMP/static" "$T_TMP/tmp"
# mariadbd keeps its temporary files in TMPDIR: its own, not the shared /tmp
export TMPDIR=$T_TMP/tmp
NGINX_ADDR=127.0.0.1 STATIC_DIR=$T_TMP/static FCGI_PASS=unix:$T_SOCK CACHE_DIR=$T_TMP/cache NOCACHE_ALLOW= \
	bash "$FI_SOURCE_DIR/tests/harness/start.sh" "$H" --no-redis \
	--nginx-conf "$T_TMP/nginx.conf.in" 2>"$T_TMP/harness.log" || {
	cat "$T_TMP/harness.log" >&2
	t_fail "the harness did not start"
	t_done
}
harness_load_env "$H"
T_URL=$FI_TEST_NGINX_URL
cat >"$T_CONF" <<CONF
db_host = 127.0.0.1
db_port = $FI_TEST_MYSQL_PORT
db_name = fi_outage
db_user = imp
db_password = imp-pw
db_ro_user = ro
db_ro_password = ro-pw
db_admin_user = root
db_grant_hosts = 127.0.0.1
flow_bucket_sizes = 60,600,3600
fcgi_socket = $T_SOCK
fcgi_workers = 3
log_level = warn
CONF
check_cmd "--init-db" "$BUILD/importer/flowinspector-importer" -c "$T_CONF" --init-db
python3 "$FI_SOURCE_DIR/tests/api/golden.py" "$T_TMP/golden" >/dev/null
check_cmd "load the golden data set" harness_mysql fi_outage <"$T_TMP/golden/data.sql"

"$T_FCGI" -c "$T_CONF" >>"$T_TMP/fcgi.log" 2>&1 &
API_FCGI=$!
for _ in $(seq 1 100); do [[ -S $T_SOCK ]] && break; sleep 0.05; done

get()
{
	R_STATUS=$(curl -s -o "$T_TMP/body" -D "$T_TMP/headers" -w '%{http_code}' --max-time 30 \
		-H 'X-Flowinspector-NoCache: 1' "$T_URL$1") || R_STATUS=000
	R_BODY=$(cat "$T_TMP/body")
}

# each of N requests (spread over the workers by the kernel) gives STATUS
all_give()
{
	local n=$1 want=$2 i bad=0
	for ((i = 0; i < n; i++)); do
		get "/api/bucket/query?bucket_size=600&limit=3"
		[[ $R_STATUS == "$want" ]] || bad=$((bad + 1))
	done
	echo "$bad"
}

uri="/api/bucket/query?bucket_size=600&limit=3"
get "$uri"
check_eq "before: 200" "$R_STATUS" 200
good=$R_BODY
check_eq "before: every worker answers" "$(all_give 12 200)" 0
workers=$(pgrep -P "$API_FCGI" | sort)

check_cmd "kill MariaDB" harness_kill_mariadb
get "$uri"
check_eq "MariaDB down: 503" "$R_STATUS" 503
check_eq "MariaDB down: the message" "$R_BODY" '{"error":"The database is not available."}'
check_contains "MariaDB down: Retry-After" "$(tr -d '\r' <"$T_TMP/headers")" "Retry-After: 5"
check_eq "MariaDB down: every request 503" "$(all_give 12 503)" 0
get /api/health
check_eq "MariaDB down: /api/health" "$R_STATUS" 503
get /api/index/nodes
check_eq "MariaDB down: index 503" "$R_STATUS" 503

check_cmd "start MariaDB again" harness_start_mariadb
# each worker retries at most once a second
ok=0
for _ in $(seq 1 40); do
	get "$uri"
	if [[ $R_STATUS == 200 ]]; then
		ok=1
		break
	fi
	sleep 0.25
done
check_eq "MariaDB back: 200" "$ok" 1
check_eq "MariaDB back: the same answer" "$R_BODY" "$good"
sleep 1.1
check_eq "MariaDB back: every worker answers" "$(all_give 12 200)" 0
get /api/health
check_eq "MariaDB back: /api/health" "$R_STATUS" 200
check_eq "the responder was not restarted" "$(kill -0 "$API_FCGI" && echo alive)" alive
check_eq "no worker was restarted" "$(pgrep -P "$API_FCGI" | sort)" "$workers"

# MariaDB restarts while the workers are idle: each keeps a connection the
# server has forgotten. The first request on it finds it lost, reconnects
# and runs its (read-only) statement again: once the server is back, no
# request fails, the first one of each worker included. To reach every
# worker, three requests wait together on a table lock (a worker takes the
# next request only when it is free); then the responder's account has its
# three connections again.
# restart_round HOW: HOW is harness_stop_mariadb (clean) or harness_kill_mariadb
restart_round()
{
	local i locker conns first=()
	check_cmd "$1, then start MariaDB" eval "$1 && harness_start_mariadb"
	harness_mysql fi_outage -e "LOCK TABLES totals_600 WRITE; SELECT SLEEP(1.5); UNLOCK TABLES;" \
		>/dev/null &
	locker=$!
	sleep 0.3
	for i in 1 2 3; do
		curl -s -o /dev/null -w '%{http_code}\n' -H 'X-Flowinspector-NoCache: 1' --max-time 30 \
			"$T_URL/api/bucket/query?bucket_size=600&limit=3&offset=$i" >"$T_TMP/first$i" &
		first[i]=$!
	done
	wait "${first[1]}" "${first[2]}" "${first[3]}" "$locker"
	check_eq "$1: each worker's first request" "$(cat "$T_TMP"/first[123] | tr '\n' ' ')" "200 200 200 "
	conns=$(harness_mysql -N -B -e \
		"SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = 'ro'")
	check_eq "$1: every worker took one of them (and reconnected)" "$conns" 3
	check_eq "$1: and then" "$(all_give 6 200)" 0
	get /api/health
	check_eq "$1: /api/health" "$R_STATUS" 200
}
check_eq "idle: every worker connected" "$(all_give 12 200)" 0
restart_round harness_stop_mariadb
restart_round harness_kill_mariadb
check_eq "no worker was restarted by the restarts" "$(pgrep -P "$API_FCGI" | sort)" "$workers"
t_done
