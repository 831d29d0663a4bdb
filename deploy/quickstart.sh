#!/usr/bin/env bash
# quickstart.sh: the one command that sets flowinspector up on this machine
# and runs it, on loopback, without systemd: installs the Debian packages,
# builds, starts MariaDB, redis and nginx under a state directory
# (<checkout>/state, or $FI_STATE_DIR), creates the database and starts the
# importer. Running it again is safe; `quickstart.sh stop` stops it all and
# `quickstart.sh status` shows what runs.
#
# The servers are the test harness's (tests/harness), started with fixed
# ports: nginx on $FI_HTTP_PORT (8080), MariaDB 13306, redis 16379.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state=$(realpath -m "${FI_STATE_DIR:-$top/state}")
http_port=${FI_HTTP_PORT:-8080}
build=$top/build/rel
conf=$state/flowinspector.conf

say()
{
	printf 'quickstart: %s\n' "$*"
}

# shellcheck source=../tests/harness/lib.sh
. "$top/tests/harness/lib.sh"

running()
{
	[[ -r $state/env ]] || return 1
	# shellcheck source=/dev/null
	. "$state/env"
	FI_TEST_DIR=$state harness_pid mariadbd >/dev/null
}

status()
{
	local name pid
	if [[ ! -d $state/pids ]]; then
		say "nothing runs (no state in $state)"
		return 0
	fi
	for f in "$state"/pids/*; do
		[[ -e $f ]] || continue
		name=${f##*/}
		if pid=$(FI_TEST_DIR=$state harness_pid "$name"); then
			say "$name runs (pid $pid)"
		else
			say "$name is not running"
		fi
	done
}

stop()
{
	if [[ -e $state/.fi-harness ]]; then
		FI_HARNESS_KEEP=1 bash "$top/tests/harness/stop.sh" "$state"
		say "stopped everything under $state (data kept; rm -rf it to start afresh)"
	else
		say "nothing to stop in $state"
	fi
}

write_config()
{
	cat >"$conf" <<CONF
# flowinspector configuration written by deploy/quickstart.sh
db_host = 127.0.0.1
db_port = $FI_TEST_MYSQL_PORT
db_name = flowinspector
db_user = flowinspector
db_password = quickstart-importer
db_ro_user = flowinspector_ro
db_ro_password = quickstart-responder
db_admin_user = root
db_grant_hosts = 127.0.0.1
redis_host = 127.0.0.1
redis_port = $FI_TEST_REDIS_PORT
# the sample capture is old: keep everything instead of expiring it at once
retention_days = 0
log_file = $state/logs/importer.log
CONF
}

start()
{
	say "installing missing packages"
	bash "$top/tests/deps.sh"
	say "building in $build"
	cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$build" -j"$(nproc)" >/dev/null
	if running; then
		say "servers already run in $state"
	else
		if [[ -e $state/.fi-harness ]]; then
			bash "$top/tests/harness/stop.sh" "$state" >/dev/null 2>&1 || true
		fi
		rm -rf "$state"
		mkdir -p "$(dirname "$state")"
		# pid 1 as the owner: the servers outlive this script, until `stop`
		FI_HARNESS_OWNER=1 FI_HARNESS_MYSQL_PORT=13306 FI_HARNESS_REDIS_PORT=16379 \
			FI_HARNESS_NGINX_PORT=$http_port bash "$top/tests/harness/start.sh" "$state"
		# shellcheck source=/dev/null
		. "$state/env"
		rm -rf "$state/www"
		ln -s "$top/static" "$state/www"
	fi
	export FI_TEST_DIR=$state
	write_config
	"$build/importer/flowinspector-importer" -c "$conf" --init-db
	if ! harness_pid importer >/dev/null; then
		harness_spawn importer "$build/importer/flowinspector-importer" -c "$conf"
	fi
	say "running:"
	status
	say "queue: redis-cli -p $FI_TEST_REDIS_PORT RPUSH entry:queue '<VERMONT JSON flow>'"
	say "database: mariadb -h 127.0.0.1 -P $FI_TEST_MYSQL_PORT -u root flowinspector"
	say "site: http://127.0.0.1:$http_port/"
}

case ${1:-start} in
start) start ;;
stop) stop ;;
status) status ;;
*)
	echo "usage: $0 [start|stop|status]" >&2
	exit 2
	;;
esac
