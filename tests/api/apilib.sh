# shellcheck shell=bash
# apilib.sh: what the API tests share: a private database (testlib.sh), the
# responder on a unix socket of the test's own, and an nginx of the test's
# own started by tests/harness/start.sh with deploy/nginx/flowinspector.conf
# (unchanged but for its placeholders) inside the harness's main and http
# snippets. Every test gets its own nginx, so tests run in parallel.
# Usage: BUILD=$1; . "$FI_SOURCE_DIR/tests/api/apilib.sh"; api_setup NAME

# shellcheck source=../shell/testlib.sh
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"

API_FCGI=""

# api_setup NAME [CONFIG LINES]: fi_test_setup, the API's config keys (and
# the extra lines), --init-db. Sets T_SOCK, T_FCGI. API_WORKERS and
# API_QUERY_TIMEOUT override fcgi_workers (3) and query_timeout (10).
api_setup()
{
	fi_test_setup "$1"
	trap api_cleanup EXIT
	T_SOCK=$T_TMP/fcgi.sock
	T_FCGI=$BUILD/fcgi/flowinspector-fcgi
	cat >>"$T_CONF" <<CONF
flow_bucket_sizes = 60,600,3600
fcgi_socket = $T_SOCK
fcgi_workers = ${API_WORKERS:-3}
max_rows = ${API_MAX_ROWS:-300}
query_timeout = ${API_QUERY_TIMEOUT:-10}
# the test data is from 2023: no retention event may delete it mid-test
retention_days = 0
${2:-}
CONF
	"$T_IMPORTER" -c "$T_CONF" --init-db || {
		t_fail "--init-db failed"
		t_done
	}
}

# Stops what the test started; a sanitizer report in the responder's log
# (a sanitizer build) fails the test.
api_cleanup()
{
	local rc=$?
	api_stop_responder
	if [[ -n ${T_NGINX_DIR:-} && -d $T_NGINX_DIR ]]; then
		bash "$FI_SOURCE_DIR/tests/harness/stop.sh" "$T_NGINX_DIR" >/dev/null 2>&1 || true
	fi
	if grep -qE 'Sanitizer|runtime error:' "$T_TMP/fcgi.log" 2>/dev/null; then
		echo "FAIL: the responder's log has a sanitizer report:" >&2
		cat "$T_TMP/fcgi.log" >&2
		rc=1
	fi
	fi_test_cleanup
	exit "$rc"
}

# Starts flowinspector-fcgi in the background and waits for its socket.
api_start_responder()
{
	"$T_FCGI" -c "$T_CONF" >>"$T_TMP/fcgi.log" 2>&1 &
	API_FCGI=$!
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -S $T_SOCK ]] && return 0
		sleep 0.05
	done
	t_fail "the responder did not open $T_SOCK"
	cat "$T_TMP/fcgi.log" >&2
	return 1
}

# Stops the responder (TERM, as systemd would) and waits for it.
api_stop_responder()
{
	if [[ -n $API_FCGI ]] && kill -0 "$API_FCGI" 2>/dev/null; then
		kill -TERM "$API_FCGI" 2>/dev/null
		wait "$API_FCGI" 2>/dev/null
	fi
	API_FCGI=""
}

# The responder's worker pids, one a line.
api_workers()
{
	pgrep -P "$API_FCGI" | sort
}

# Starts the test's nginx on a free port; sets T_URL (http://127.0.0.1:PORT).
# It serves API_STATIC_DIR as the site (the browser tests: static/), else a
# stand-in index.html. API_NOCACHE_ALLOW: the site's @NOCACHE_ALLOW@ (more
# clients than loopback that may bypass the cache; none by default).
api_start_nginx()
{
	local tmpl=$T_TMP/nginx.conf.in static=${API_STATIC_DIR:-$T_TMP/static}
	T_NGINX_DIR=$T_TMP/nginx
	if [[ -z ${API_STATIC_DIR:-} ]]; then
		mkdir -p "$T_TMP/static"
		echo '<!doctype html><title>flowinspector</title>' >"$T_TMP/static/index.html"
	fi
	harness_site_conf "$tmpl"
	NGINX_ADDR=127.0.0.1 STATIC_DIR=$static FCGI_PASS=unix:$T_SOCK \
		CACHE_DIR=$T_TMP/nginx-cache NOCACHE_ALLOW=${API_NOCACHE_ALLOW:-} \
		bash "$FI_SOURCE_DIR/tests/harness/start.sh" "$T_NGINX_DIR" --no-mariadb \
		--no-redis --nginx-conf "$tmpl" 2>>"$T_TMP/harness.log" || {
		t_fail "nginx did not start"
		cat "$T_TMP/harness.log" >&2
		return 1
	}
	T_URL=$(. "$T_NGINX_DIR/env" && echo "$FI_TEST_NGINX_URL")
}

# api_get URI [CURL ARGS...]: GET through nginx; sets R_STATUS, R_BODY, and
# R_HEADERS (lower-cased header lines).
api_get()
{
	local uri=$1 out
	shift
	rm -f "$T_TMP/headers" "$T_TMP/body"
	out=$(curl -s -S -D "$T_TMP/headers" -o "$T_TMP/body" -w '%{http_code}' \
		--max-time 60 "$@" "$T_URL$uri") || out=000
	R_STATUS=$out
	R_BODY=$(cat "$T_TMP/body" 2>/dev/null)
	R_HEADERS=$(tr -d '\r' <"$T_TMP/headers" 2>/dev/null | tr 'A-Z' 'a-z')
}

# A header's value from the last api_get (name in lower case).
api_header()
{
	sed -n "s/^$1: //p" <<<"$R_HEADERS" | head -n 1
}

# check_json WHAT JSON EXPECTED_JSON: equal as parsed JSON values.
check_json()
{
	local diff
	if diff=$(python3 "$FI_SOURCE_DIR/tests/api/jsoncmp.py" <(printf '%s' "$2") \
		<(printf '%s' "$3") 2>&1); then
		t_ok
	else
		t_fail "$1: $diff"
	fi
}

# Loads the golden data set into the test's database (root, by SQL).
api_load_golden()
{
	python3 "$FI_SOURCE_DIR/tests/api/golden.py" "$T_TMP/golden" >/dev/null &&
		harness_mysql "$T_DB" <"$T_TMP/golden/data.sql" &&
		api_mark_loaded
}

# Data loaded by SQL, not by the importer, is not marked for the roll-up:
# --init-db marks every bucket with data that was never rolled up, as it
# does on an upgrade, so the roll-up's tables are not read for them.
api_mark_loaded()
{
	"$T_IMPORTER" -c "$T_CONF" --init-db >/dev/null 2>&1
}

# A checksum of every bucket table, to show that data is untouched.
api_data_checksum()
{
	local t tables
	tables=$(t_sql "SHOW TABLES" | grep -E '^(flows|totals|nodes|ports)_' | sort | paste -sd, -)
	t_sql "CHECKSUM TABLE $tables" | md5sum | cut -d' ' -f1
}

# api_check_golden: asks every query of golden.py's list (in $T_TMP/golden)
# and compares each answer with its expected JSON.
api_check_golden()
{
	local name uri
	while IFS=$'\t' read -r name uri; do
		api_get "$uri"
		check_eq "$name: status ($uri)" "$R_STATUS" 200
		check_json "$name ($uri)" "$R_BODY" "$(cat "$T_TMP/golden/expected/$name.json")"
	done <"$T_TMP/golden/queries.tsv"
}

# api_answers NAME: asks every URI of the caller's array `calls` (cache
# bypassed) and keeps each body in $T_TMP/NAME.<index>; a status other than
# 200 is said on stderr (the comparisons below then fail).
api_answers()
{
	local i
	for i in "${!calls[@]}"; do
		api_get "${calls[$i]}" -H 'X-Flowinspector-NoCache: 1'
		[[ $R_STATUS == 200 ]] || echo "HTTP $R_STATUS ${calls[$i]}: $R_BODY" >&2
		printf '%s\n' "$R_BODY" >"$T_TMP/$1.$i"
	done
}

# api_same A B WHAT: one check that every answer kept as A (api_answers) is
# byte for byte B's and has results; the differences go to stderr.
api_same()
{
	local i bad=0
	for i in "${!calls[@]}"; do
		if ! cmp -s "$T_TMP/$1.$i" "$T_TMP/$2.$i" || ! grep -q '"results"' "$T_TMP/$1.$i"; then
			bad=1
			echo "$1 and $2 differ: ${calls[$i]}" >&2
			diff <(head -c 1500 "$T_TMP/$1.$i") <(head -c 1500 "$T_TMP/$2.$i") >&2
		fi
	done
	if ((bad == 0)); then t_ok; else t_fail "$3"; fi
}
