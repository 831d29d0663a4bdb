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
# default 100000). The script gets FI_BROWSER_DB, FI_BROWSER_DB_SOCKET and
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
