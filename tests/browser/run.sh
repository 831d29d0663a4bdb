#!/usr/bin/env bash
# run.sh: runs one browser test (a node:test script using tests/browser/lib.mjs)
# against the real stack: the test's own database in the harness MariaDB with
# the sample capture (deploy/sample/, IPv4 and IPv6, two hours of 2024-05-01)
# imported through flowinspector-probe, redis and flowinspector-importer; the
# responder; an nginx of the test's own with deploy/nginx/flowinspector.conf
# serving static/ (d3 put in place by deploy/vendor.sh). Screenshots and
# downloads go to BUILD/browser-artifacts/NAME/.
# The script runs as `node SCRIPT` (node:test runs its tests and exits non-zero
# when one fails).
# Usage (ctest, see fi_browser_test in tests/CMakeLists.txt):
#   FI_SOURCE_DIR=... FI_HARNESS_DIR=... run.sh BUILD tests/browser/NAME.mjs
# Extra environment for the script: FI_BROWSER_MAX_ROWS (the API's max_rows,
# default 100000); FI_BROWSER_GEO=1 (the world map's test): country and AS
# databases made by deploy/mkmmdb.py from tests/api/geo_ref.py's tables
# (plus 96.0.0.0/8 as Singapore, a country without a shape on the map) in
# the responder's config, and tests/browser/geo_flows.py's flows of hosts
# in their countries imported with the sample. The script gets FI_BROWSER_DB, FI_BROWSER_DB_SOCKET and
# FI_BROWSER_RO_USER: its own database, the harness MariaDB's socket (root
# without a password there) and the responder's account (lib.mjs's sql()).
set -uo pipefail
BUILD=$1
SCRIPT=$2
NAME=$(basename "$SCRIPT" .mjs)
. "$FI_SOURCE_DIR/tests/api/apilib.sh"

# npm ci (tests/run.sh) installs playwright-core and d3; a bare ctest may
# come before it, with browser tests in parallel: one installs, under a lock
(
	flock 9
	if [[ ! -d $FI_SOURCE_DIR/node_modules/playwright-core ]]; then
		cd "$FI_SOURCE_DIR" && npm ci --no-audit --no-fund --silent
	fi
) 9>"${TMPDIR:-/tmp}/flowinspector-npm-ci.lock" || {
	echo "FAIL: npm ci failed: playwright-core is missing" >&2
	exit 1
}
[[ -x ${FI_CHROMIUM:-/usr/bin/chromium} ]] || {
	echo "FAIL: no ${FI_CHROMIUM:-/usr/bin/chromium} (tests/deps.sh installs chromium)" >&2
	exit 1
}
bash "$FI_SOURCE_DIR/deploy/vendor.sh" || exit 1

API_MAX_ROWS=${FI_BROWSER_MAX_ROWS:-100000}
API_STATIC_DIR=$FI_SOURCE_DIR/static
api_setup "browser_${NAME//-/_}"

# mkgeo DIR: the test's country and AS databases in DIR
mkgeo()
{
	mkdir -p "$1" && python3 "$FI_SOURCE_DIR/tests/api/geo_ref.py" csv "$1" &&
		echo "96.0.0.0,96.255.255.255,SG" >>"$1/country.csv" &&
		python3 "$FI_SOURCE_DIR/deploy/mkmmdb.py" country "$1/country.mmdb" "$1/country.csv" \
			--database-type fi-test-country >/dev/null &&
		python3 "$FI_SOURCE_DIR/deploy/mkmmdb.py" asn "$1/asn.mmdb" "$1/asn.csv" \
			--database-type fi-test-asn >/dev/null
}
if [[ ${FI_BROWSER_GEO:-} == 1 ]]; then
	check_cmd "the test's geo databases" mkgeo "$T_TMP/geo"
	printf 'geo_country_db = %s\ngeo_asn_db = %s\n' "$T_TMP/geo/country.mmdb" "$T_TMP/geo/asn.mmdb" >>"$T_CONF"
	python3 "$FI_SOURCE_DIR/tests/browser/geo_flows.py" >"$T_TMP/geo-flows.json"
	check_cmd "queue the flows of hosts in known countries" t_push "$T_TMP/geo-flows.json"
fi

check_cmd "meter the sample capture into the queue" \
	"$BUILD/importer/probe/flowinspector-probe" -c "$T_CONF" -q \
	-r "$FI_SOURCE_DIR/deploy/sample/sample.pcap" --end
check_cmd "importer --once" "$T_IMPORTER" -c "$T_CONF" --once
check_eq "no dead letters" "$(harness_redis_cli LLEN "$T_DEAD")" 0
api_start_responder && api_start_nginx || t_done

artifacts=$BUILD/browser-artifacts/$NAME
rm -rf "$artifacts"
mkdir -p "$artifacts"
echo "artifacts: $artifacts"
if FI_BASE_URL=$T_URL FI_ARTIFACT_DIR=$artifacts \
	FI_BROWSER_DB=$T_DB FI_BROWSER_DB_SOCKET=$FI_TEST_DIR/mysql/mysql.sock FI_BROWSER_RO_USER=$T_RO_USER \
	node "$SCRIPT"; then
	t_ok
else
	t_fail "$SCRIPT failed (screenshots in $artifacts)"
fi
t_done
