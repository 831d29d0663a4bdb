# shellcheck shell=bash
# Test harness functions: start, stop, kill and restart the MariaDB, redis and nginx
# instances of one harness state dir. start.sh and stop.sh use them, and so can
# tests that kill or restart a service mid-test: source this file, then
# `harness_load_env DIR`. Functions return non-zero on failure, never exit, and do
# not rely on `set -e`. Every managed process is recorded in DIR/pids/NAME.

# mariadbd and nginx live in /usr/sbin, which is not always on a test's PATH.
case ":$PATH:" in
*:/usr/sbin:*) ;;
*) PATH="$PATH:/usr/sbin:/sbin" ;;
esac

# Seconds to wait for a service to answer, and for a TERMed process to exit.
HARNESS_START_TIMEOUT=${FI_HARNESS_START_TIMEOUT:-60}
HARNESS_STOP_TIMEOUT=${FI_HARNESS_STOP_TIMEOUT:-20}
# Exit status of harness_start_* when the port was taken: start.sh picks another.
HARNESS_PORT_BUSY=3

# The variables DIR/env may export, in the order they are written.
HARNESS_ENV_VARS=(
	FI_TEST_DIR
	FI_TEST_MYSQL_HOST FI_TEST_MYSQL_PORT FI_TEST_MYSQL_SOCKET
	FI_TEST_MYSQL_USER FI_TEST_MYSQL_PASSWORD FI_TEST_MYSQL_PID
	FI_TEST_REDIS_HOST FI_TEST_REDIS_PORT FI_TEST_REDIS_PID
	FI_TEST_NGINX_PORT FI_TEST_NGINX_URL FI_TEST_NGINX_PID
	FI_HARNESS_OWNER_PID FI_HARNESS_REAPER_PID
)

harness_log()
{
	printf 'harness: %s\n' "$*" >&2
}

# Loads DIR/env (DIR defaults to $FI_TEST_DIR) into the current shell.
harness_load_env()
{
	local dir=${1:-${FI_TEST_DIR:-}}
	if [[ -z $dir || ! -r $dir/env ]]; then
		harness_log "no harness env file: ${dir:-<no dir>}/env"
		return 1
	fi
	# shellcheck source=/dev/null
	. "$dir/env"
}

# Rewrites DIR/env from the FI_TEST_* variables that are set (atomically).
harness_write_env()
{
	local dir=${FI_TEST_DIR:?FI_TEST_DIR not set} var tmp
	tmp=$(mktemp "$dir/.env.XXXXXX") || return 1
	{
		echo "# Written by tests/harness; source it to reach this harness's services."
		for var in "${HARNESS_ENV_VARS[@]}"; do
			if [[ -v $var ]]; then
				printf 'export %s=%q\n' "$var" "${!var}"
			fi
		done
	} >"$tmp" && mv -f "$tmp" "$dir/env"
}

# Prints a free TCP port in 20000-59999 (not listening per `ss`). The caller still
# has to cope with losing a race for it: harness_start_* return HARNESS_PORT_BUSY.
harness_free_port()
{
	local i port
	# below the kernel's ephemeral range (32768-60999 by default), so no
	# client connection takes the port between here and the bind; and no
	# socket of any state on it now
	for ((i = 0; i < 200; i++)); do
		port=$((10000 + (RANDOM * 32768 + RANDOM) % 22000))
		if [[ -z $(ss -Htan "sport = :$port" 2>/dev/null) ]]; then
			echo "$port"
			return 0
		fi
	done
	harness_log "no free port found"
	return 1
}

# Prints the start time (clock ticks since boot) of PID; fails if it is gone.
_harness_starttime()
{
	local stat rest fields
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	rest=${stat##*) }
	read -r -a fields <<<"$rest"
	[[ ${fields[0]} != Z ]] || return 1
	echo "${fields[19]}"
}

# True when PID exists and is not a zombie (PID 1 here may not reap orphans).
_harness_alive()
{
	_harness_starttime "$1" >/dev/null
}

# Writes "pid starttime" for PID to FILE: the start time tells a reused pid apart.
_harness_write_pidfile()
{
	local file=$1 pid=$2 start
	start=$(_harness_starttime "$pid") || start=0
	echo "$pid $start" >"$file"
}

# Prints the pid in FILE (written by _harness_write_pidfile) if that very process
# is still running.
_harness_read_pidfile()
{
	local file=$1 pid start now
	[[ -r $file ]] || return 1
	read -r pid start <"$file" || return 1
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	now=$(_harness_starttime "$pid") || return 1
	[[ $start == 0 || $now == "$start" ]] || return 1
	echo "$pid"
}

# Records PID as the harness process NAME in DIR/pids/NAME.
_harness_record()
{
	mkdir -p "$FI_TEST_DIR/pids" && _harness_write_pidfile "$FI_TEST_DIR/pids/$1" "$2"
}

# Prints the pid recorded for NAME if that very process is still running.
harness_pid()
{
	_harness_read_pidfile "${FI_TEST_DIR:?}/pids/$1"
}

# Waits up to TIMEOUT seconds until none of PIDS... runs; leaves the survivors in
# HARNESS_LEFT and fails if there are any.
_harness_wait_gone()
{
	local deadline=$((SECONDS + $1)) p
	shift
	while :; do
		HARNESS_LEFT=()
		for p in "$@"; do
			if _harness_alive "$p"; then
				HARNESS_LEFT+=("$p")
			fi
		done
		[[ ${#HARNESS_LEFT[@]} -gt 0 ]] || return 0
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

# Sends SIGNAL to the recorded processes NAME..., waits up to TIMEOUT seconds for
# them and their children to exit, then KILLs what is left. Forgets the records.
_harness_signal_wait()
{
	local sig=$1 timeout=$2 name pid p main=() all=()
	shift 2
	for name in "$@"; do
		if pid=$(harness_pid "$name"); then
			main+=("$pid")
			all+=("$pid")
			# nginx workers and redis rewrite children outlive a KILLed parent.
			for p in $(pgrep -P "$pid" 2>/dev/null || true); do
				all+=("$p")
			done
		fi
	done
	if [[ ${#main[@]} -gt 0 ]]; then
		# TERM lets a master stop its children; KILL has to hit them all.
		if [[ $sig == KILL ]]; then
			kill -KILL "${all[@]}" 2>/dev/null || true
		else
			kill "-$sig" "${main[@]}" 2>/dev/null || true
		fi
		if ! _harness_wait_gone "$timeout" "${all[@]}"; then
			harness_log "still running after $timeout s, killing: ${HARNESS_LEFT[*]}"
			kill -KILL "${HARNESS_LEFT[@]}" 2>/dev/null || true
			_harness_wait_gone 5 "${HARNESS_LEFT[@]}" ||
				harness_log "cannot kill: ${HARNESS_LEFT[*]}"
		fi
	fi
	for name in "$@"; do
		rm -f "$FI_TEST_DIR/pids/$name"
	done
	return 0
}

# Runs `CMD ARGS...` in the background with I/O to DIR/logs/NAME.log and records it
# as NAME; stop.sh and the reaper stop it with the services. Sets HARNESS_PID.
harness_spawn()
{
	local name=$1
	shift
	mkdir -p "$FI_TEST_DIR/logs" || return 1
	"$@" </dev/null >>"$FI_TEST_DIR/logs/$name.log" 2>&1 &
	HARNESS_PID=$!
	_harness_record "$name" "$HARNESS_PID"
}

# Stops a process started with harness_spawn (TERM, then KILL).
harness_stop_spawned()
{
	_harness_signal_wait TERM "$HARNESS_STOP_TIMEOUT" "$1"
}

# Shows the end of a log on stderr, for failed starts.
_harness_show_log()
{
	local file=$1
	if [[ -r $file ]]; then
		harness_log "--- last lines of $file ---"
		tail -n 40 "$file" >&2
		harness_log "---"
	fi
}

# Waits until `CHECK...` succeeds while PID lives. 0 when up, HARNESS_PORT_BUSY when
# the process died and LOG (from byte OFFSET) says the address was in use, else 1.
_harness_wait_up()
{
	local what=$1 pid=$2 log=$3 offset=$4
	shift 4
	local deadline=$((SECONDS + HARNESS_START_TIMEOUT))
	while :; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		if ! _harness_alive "$pid"; then
			if grep -qi 'already in use' < <(tail -c "+$((offset + 1))" "$log" 2>/dev/null); then
				return "$HARNESS_PORT_BUSY"
			fi
			harness_log "$what exited during start"
			_harness_show_log "$log"
			return 1
		fi
		if ((SECONDS >= deadline)); then
			harness_log "$what did not answer within $HARNESS_START_TIMEOUT s"
			_harness_show_log "$log"
			return 1
		fi
		sleep 0.1
	done
}

# _harness_not_running KEY LABEL: fails, saying so, when KEY's recorded
# process still runs.
_harness_not_running()
{
	local pid
	if pid=$(harness_pid "$1"); then
		harness_log "$2 already running (pid $pid)"
		return 1
	fi
}

# _harness_launch KEY LABEL LOG CHECK CMD...: runs CMD in the background (its
# output to stdout.log next to LOG), records it as KEY and waits until CHECK
# succeeds (see _harness_wait_up); kills it when it does not come up. Sets
# _HARNESS_UP_PID.
_harness_launch()
{
	local key=$1 label=$2 log=$3 check=$4 offset rc=0
	shift 4
	offset=$(_harness_size "$log")
	"$@" </dev/null >>"$(dirname "$log")/stdout.log" 2>&1 &
	_HARNESS_UP_PID=$!
	_harness_record "$key" "$_HARNESS_UP_PID"
	_harness_wait_up "$label" "$_HARNESS_UP_PID" "$log" "$offset" "$check" || rc=$?
	if [[ $rc -ne 0 ]]; then
		_harness_signal_wait KILL 5 "$key"
		return "$rc"
	fi
}

_harness_size()
{
	stat -c %s "$1" 2>/dev/null || echo 0
}

# ---- MariaDB -------------------------------------------------------------------

# Server options; the harness's own files all live under DIR/mysql.
_harness_mariadbd_args()
{
	local d=$FI_TEST_DIR/mysql
	HARNESS_MARIADBD_ARGS=(
		--no-defaults
		--datadir="$d/data"
		--socket="$d/mysql.sock"
		--port="$FI_TEST_MYSQL_PORT"
		--bind-address=127.0.0.1
		--pid-file="$d/mariadbd.pid"
		--log-error="$d/error.log"
		--event-scheduler=ON
		# No DNS lookups, as on a production server; root@127.0.0.1 and root@::1
		# are granted explicitly by harness_init_mariadb_grants for TCP clients.
		--skip-name-resolve
		# --no-defaults skips Debian's config, which sets utf8mb4; keep its default.
		--character-set-server=utf8mb4
		--collation-server=utf8mb4_general_ci
		--innodb-buffer-pool-size=512M
		--innodb-flush-log-at-trx-commit=2
		--innodb-log-file-size=256M
		--max-connections=500
		--user="$(id -un)"
	)
	# extra server options, e.g. a larger buffer pool for the benchmarks
	if [[ -n ${FI_HARNESS_MARIADB_ARGS:-} ]]; then
		local extra
		read -r -a extra <<<"$FI_HARNESS_MARIADB_ARGS"
		HARNESS_MARIADBD_ARGS+=("${extra[@]}")
	fi
}

# Creates the data dir (first start only).
harness_init_mariadb()
{
	local d=$FI_TEST_DIR/mysql
	mkdir -p "$d" || return 1
	if ! mariadb-install-db --no-defaults --auth-root-authentication-method=normal \
		--datadir="$d/data" --user="$(id -un)" --skip-test-db --skip-name-resolve \
		--innodb-buffer-pool-size=512M --innodb-log-file-size=256M \
		>"$d/install.log" 2>&1; then
		harness_log "mariadb-install-db failed"
		_harness_show_log "$d/install.log"
		return 1
	fi
}

# root without password over TCP too: with --skip-name-resolve root@localhost only
# matches socket connections.
harness_init_mariadb_grants()
{
	local host sql=""
	for host in 127.0.0.1 ::1; do
		sql+="CREATE USER IF NOT EXISTS 'root'@'$host';"
		sql+="GRANT ALL PRIVILEGES ON *.* TO 'root'@'$host' WITH GRANT OPTION;"
		sql+="GRANT PROXY ON ''@'%' TO 'root'@'$host' WITH GRANT OPTION;"
	done
	harness_mysql -e "$sql"
}

_harness_mariadb_ping()
{
	mariadb-admin --no-defaults --socket="$FI_TEST_DIR/mysql/mysql.sock" -uroot \
		--connect-timeout=2 ping
}

# Starts mariadbd on $FI_TEST_MYSQL_PORT with the existing data dir and waits for it.
harness_start_mariadb()
{
	local d=${FI_TEST_DIR:?}/mysql
	: "${FI_TEST_MYSQL_PORT:?FI_TEST_MYSQL_PORT not set}"
	_harness_not_running mariadbd mariadbd || return 1
	_harness_mariadbd_args
	_harness_launch mariadbd mariadbd "$d/error.log" _harness_mariadb_ping \
		mariadbd "${HARNESS_MARIADBD_ARGS[@]}" || return
	export FI_TEST_MYSQL_HOST=127.0.0.1 FI_TEST_MYSQL_SOCKET=$d/mysql.sock
	export FI_TEST_MYSQL_USER=root FI_TEST_MYSQL_PASSWORD=
	export FI_TEST_MYSQL_PID=$_HARNESS_UP_PID
	harness_write_env
}

# Crashes mariadbd (SIGKILL) and waits until it is gone.
harness_kill_mariadb()
{
	_harness_signal_wait KILL 5 mariadbd
}

# Shuts mariadbd down cleanly (TERM).
harness_stop_mariadb()
{
	_harness_signal_wait TERM "$HARNESS_STOP_TIMEOUT" mariadbd
}

# harness_db_config DB USER RO_USER: the config lines of a flowinspector
# database DB on this MariaDB: the importer's account USER (password imp-pw),
# the responder's RO_USER (ro-pw), root as the admin, all from 127.0.0.1.
harness_db_config()
{
	cat <<CONF
db_host = 127.0.0.1
db_port = ${FI_TEST_MYSQL_PORT:?}
db_name = $1
db_user = $2
db_password = imp-pw
db_ro_user = $3
db_ro_password = ro-pw
db_admin_user = root
db_grant_hosts = 127.0.0.1
CONF
}

# The mariadb client as root over the socket; arguments are passed on.
harness_mysql()
{
	mariadb --no-defaults --socket="${FI_TEST_DIR:?}/mysql/mysql.sock" -uroot "$@"
}

# ---- redis ---------------------------------------------------------------------

_harness_redis_conf()
{
	local d=$FI_TEST_DIR/redis
	cat >"$d/redis.conf" <<EOF
# Generated by tests/harness/lib.sh.
port ${FI_TEST_REDIS_PORT:?}
bind 127.0.0.1
protected-mode yes
daemonize no
supervised no
# Keep the config path in the command line so leftovers can be found.
set-proc-title no
dir $d
pidfile $d/redis.pid
logfile $d/redis.log
save ""
# The AOF keeps queued data across harness_kill_redis + harness_start_redis.
appendonly yes
appendfsync ${FI_HARNESS_REDIS_FSYNC:-everysec}
EOF
}

_harness_redis_ping()
{
	[[ $(redis-cli -h 127.0.0.1 -p "$FI_TEST_REDIS_PORT" ping 2>/dev/null) == PONG ]]
}

# Starts redis-server on $FI_TEST_REDIS_PORT with DIR/redis (and its AOF); waits.
harness_start_redis()
{
	local d=${FI_TEST_DIR:?}/redis
	: "${FI_TEST_REDIS_PORT:?FI_TEST_REDIS_PORT not set}"
	_harness_not_running redis redis-server || return 1
	mkdir -p "$d" && _harness_redis_conf || return 1
	_harness_launch redis redis-server "$d/redis.log" _harness_redis_ping \
		redis-server "$d/redis.conf" || return
	export FI_TEST_REDIS_HOST=127.0.0.1 FI_TEST_REDIS_PID=$_HARNESS_UP_PID
	harness_write_env
}

# Crashes redis-server (SIGKILL) and waits until it is gone.
harness_kill_redis()
{
	_harness_signal_wait KILL 5 redis
}

# Shuts redis-server down cleanly (TERM: it syncs the AOF first).
harness_stop_redis()
{
	_harness_signal_wait TERM "$HARNESS_STOP_TIMEOUT" redis
}

# redis-cli against the harness; arguments are passed on.
harness_redis_cli()
{
	redis-cli -h 127.0.0.1 -p "${FI_TEST_REDIS_PORT:?}" "$@"
}

# ---- nginx ---------------------------------------------------------------------

_harness_nginx_ping()
{
	curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$FI_TEST_NGINX_PORT/"
}

# Becomes nginx with DIR/nginx/nginx.conf (D), in the foreground.
_harness_nginx_exec()
{
	local d=$1
	# -e: nginx opens its error log before reading the config; keep it out of /var.
	# Started from DIR/nginx: the workers' cwd is how stop.sh finds strays.
	cd "$d" && exec nginx -p "$d" -c "$d/nginx.conf" -e "$d/error.log" \
		-g "daemon off; pid $d/nginx.pid;"
}

# Starts nginx with the rendered DIR/nginx/nginx.conf on $FI_TEST_NGINX_PORT; waits.
harness_start_nginx()
{
	local d=${FI_TEST_DIR:?}/nginx
	: "${FI_TEST_NGINX_PORT:?FI_TEST_NGINX_PORT not set}"
	_harness_not_running nginx nginx || return 1
	_harness_launch nginx nginx "$d/error.log" _harness_nginx_ping _harness_nginx_exec "$d" ||
		return
	export FI_TEST_NGINX_URL=http://127.0.0.1:$FI_TEST_NGINX_PORT FI_TEST_NGINX_PID=$_HARNESS_UP_PID
	harness_write_env
}

# Stops nginx (TERM; its workers go with it).
harness_stop_nginx()
{
	_harness_signal_wait TERM "$HARNESS_STOP_TIMEOUT" nginx
}

# Stops and starts nginx on the same port with the same config.
harness_restart_nginx()
{
	harness_stop_nginx && harness_start_nginx
}

# ---- everything ----------------------------------------------------------------

# Prints "pid command line" of each running mariadbd, redis-server or nginx (and,
# with --with-reaper, harness reaper) whose command line or working directory lies
# under PREFIX, whether recorded in a pid file or not.
harness_strays()
{
	local prefix=${1%/} with_reaper=${2:-} pid comm args cwd
	while read -r pid comm args; do
		case $comm in
		mariadbd | redis-server | nginx) ;;
		bash)
			if [[ $with_reaper == --with-reaper && "$args " == *reaper.sh*" $prefix"[/\ ]* ]]; then
				echo "$pid $args"
			fi
			continue
			;;
		*) continue ;;
		esac
		_harness_alive "$pid" || continue
		cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || cwd=""
		if [[ $args == *"$prefix/"* || $cwd/ == "$prefix/"* ]]; then
			echo "$pid $args"
		fi
	done < <(ps -eo pid=,comm=,args=)
}

# Stops every recorded process of the harness (services and harness_spawn ones).
harness_stop_all()
{
	local names=() f
	for f in "${FI_TEST_DIR:?}"/pids/*; do
		if [[ -e $f ]]; then
			names+=("${f##*/}")
		fi
	done
	[[ ${#names[@]} -eq 0 ]] || _harness_signal_wait TERM "$HARNESS_STOP_TIMEOUT" "${names[@]}"
}

# harness_site_conf OUT [WORKER_CONNECTIONS]: writes to OUT the nginx config
# template (for start.sh --nginx-conf) of the deployed site,
# deploy/nginx/flowinspector.conf, inside the harness's main and http parts.
harness_site_conf()
{
	local top
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	{
		echo 'include @STATE_DIR@/nginx/harness-main.conf;'
		echo "events { worker_connections ${2:-1024}; }"
		echo 'http {'
		echo 'include @STATE_DIR@/nginx/harness-http.conf;'
		cat "$top/deploy/nginx/flowinspector.conf"
		echo '}'
	} >"$1"
}
