# shellcheck shell=bash
# Test harness functions: start, stop, kill and restart the MariaDB, redis and nginx
# (and, when asked for, PostgreSQL, replicas, Galera nodes and more redis
# partitions) instances of one harness state dir. start.sh and stop.sh use them,
# and so can tests that kill or restart a service mid-test: source this file, then
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
	FI_TEST_PG_HOST FI_TEST_PG_PORT FI_TEST_PG_SOCKET_DIR FI_TEST_PG_USER
	FI_TEST_PG_BINDIR FI_TEST_PG_PID
	FI_TEST_REPLICA_COUNT FI_TEST_REPL_USER FI_TEST_REPL_PASSWORD
	FI_TEST_GALERA_COUNT FI_TEST_REDIS_PARTITIONS
	FI_HARNESS_OWNER_PID FI_HARNESS_REAPER_PID
)
# and per replica, Galera node and redis partition N (see _harness_env_var_names):
HARNESS_REPLICA_ENV=(PORT SOCKET PID)
HARNESS_REDIS_PART_ENV=(PORT PID)
HARNESS_GALERA_ENV=(PORT SOCKET PID GCOMM_PORT IST_PORT SST_PORT)

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
		for var in $(_harness_env_var_names); do
			if [[ -v $var ]]; then
				printf 'export %s=%q\n' "$var" "${!var}"
			fi
		done
	} >"$tmp" && mv -f "$tmp" "$dir/env"
}

# Prints the names of HARNESS_ENV_VARS and the per-node ones:
# FI_TEST_REPLICA<N>_PORT ... for each replica, FI_TEST_GALERA<N>_PORT ... for
# each Galera node, FI_TEST_REDIS<N>_PORT and _PID for each redis partition
# past the first.
_harness_env_var_names()
{
	local n k
	printf '%s\n' "${HARNESS_ENV_VARS[@]}"
	for ((n = 1; n <= $(_harness_count FI_TEST_REPLICA_COUNT); n++)); do
		for k in "${HARNESS_REPLICA_ENV[@]}"; do
			echo "FI_TEST_REPLICA${n}_$k"
		done
	done
	for ((n = 1; n <= $(_harness_count FI_TEST_GALERA_COUNT); n++)); do
		for k in "${HARNESS_GALERA_ENV[@]}"; do
			echo "FI_TEST_GALERA${n}_$k"
		done
	done
	for ((n = 2; n <= $(_harness_count FI_TEST_REDIS_PARTITIONS); n++)); do
		for k in "${HARNESS_REDIS_PART_ENV[@]}"; do
			echo "FI_TEST_REDIS${n}_$k"
		done
	done
}

# Prints the number in the variable VAR, 0 when it is unset or not a number.
_harness_count()
{
	local v=${!1:-0}
	[[ $v =~ ^[0-9]+$ ]] || v=0
	echo "$((10#$v))"
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

# _harness_mariadbd_common D PORT: the options of every server the harness
# starts (primary, replicas, Galera nodes), its files in D (data/, mysql.sock,
# mariadbd.pid, error.log); sets HARNESS_MARIADBD_ARGS.
_harness_mariadbd_common()
{
	local d=$1
	HARNESS_MARIADBD_ARGS=(
		--no-defaults
		--datadir="$d/data"
		--socket="$d/mysql.sock"
		--port="$2"
		--bind-address=127.0.0.1
		--pid-file="$d/mariadbd.pid"
		--log-error="$d/error.log"
		# No DNS lookups, as on a production server; root@127.0.0.1 and root@::1
		# are granted explicitly by harness_init_mariadb_grants for TCP clients.
		--skip-name-resolve
		# --no-defaults skips Debian's config, which sets utf8mb4; keep its default.
		--character-set-server=utf8mb4
		--collation-server=utf8mb4_general_ci
		--innodb-flush-log-at-trx-commit=2
	)
}

# The sizes of the replicas and Galera nodes: smaller than the primary's, as
# five of them may run beside it on two cores.
HARNESS_SMALL_MARIADBD_ARGS=(--innodb-buffer-pool-size=128M --innodb-log-file-size=48M
	--max-connections=100)

# Appends FI_HARNESS_NODE_MARIADB_ARGS, extra server options of the replicas
# and Galera nodes (a benchmark gives them the primary's sizes; being last,
# they win over the small ones), to HARNESS_MARIADBD_ARGS.
_harness_node_extra_args()
{
	if [[ -n ${FI_HARNESS_NODE_MARIADB_ARGS:-} ]]; then
		local extra
		read -r -a extra <<<"$FI_HARNESS_NODE_MARIADB_ARGS"
		HARNESS_MARIADBD_ARGS+=("${extra[@]}")
	fi
}

# Server options of the primary; the harness's own files all live under DIR/mysql.
_harness_mariadbd_args()
{
	_harness_mariadbd_common "$FI_TEST_DIR/mysql" "${FI_TEST_MYSQL_PORT:?}"
	HARNESS_MARIADBD_ARGS+=(
		--event-scheduler=ON
		--innodb-buffer-pool-size=512M
		--innodb-log-file-size=256M
		--max-connections=500
		--user="$(id -un)"
	)
	# With replicas (start.sh --replicas N, FI_TEST_REPLICA_COUNT in DIR/env, so a
	# restart keeps it) the primary writes a binlog for them, with GTIDs.
	if [[ ${FI_TEST_REPLICA_COUNT:-0} =~ ^[1-9][0-9]*$ ]]; then
		HARNESS_MARIADBD_ARGS+=(--server-id=1 --log-bin=binlog --binlog-format=ROW
			--gtid-strict-mode=ON)
	fi
	# extra server options, e.g. a larger buffer pool for the benchmarks
	if [[ -n ${FI_HARNESS_MARIADB_ARGS:-} ]]; then
		local extra
		read -r -a extra <<<"$FI_HARNESS_MARIADB_ARGS"
		HARNESS_MARIADBD_ARGS+=("${extra[@]}")
	fi
}

# _harness_install_db D USER BUFFER_POOL LOG_FILE: creates the data dir D/data
# for a server run as USER with these InnoDB sizes; its output in D/install.log.
_harness_install_db()
{
	local d=$1
	mkdir -p "$d" || return 1
	if ! mariadb-install-db --no-defaults --auth-root-authentication-method=normal \
		--datadir="$d/data" --user="$2" --skip-test-db --skip-name-resolve \
		--innodb-buffer-pool-size="$3" --innodb-log-file-size="$4" \
		>"$d/install.log" 2>&1; then
		harness_log "mariadb-install-db failed in $d"
		_harness_show_log "$d/install.log"
		return 1
	fi
}

# Creates the data dir (first start only).
harness_init_mariadb()
{
	_harness_install_db "$FI_TEST_DIR/mysql" "$(id -un)" 512M 256M
}

# root without password over TCP too: with --skip-name-resolve root@localhost only
# matches socket connections.
harness_init_mariadb_grants()
{
	harness_mysql -e "$(_harness_root_grants)"
}

# The statements that make root@127.0.0.1 and root@::1 (see above).
_harness_root_grants()
{
	local host
	for host in 127.0.0.1 ::1; do
		echo "CREATE USER IF NOT EXISTS 'root'@'$host';"
		echo "GRANT ALL PRIVILEGES ON *.* TO 'root'@'$host' WITH GRANT OPTION;"
		echo "GRANT PROXY ON ''@'%' TO 'root'@'$host' WITH GRANT OPTION;"
	done
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

# _harness_redis_conf D PORT: writes D/redis.conf for a redis on PORT with its
# files (AOF, log, pid) in D.
_harness_redis_conf()
{
	local d=$1
	cat >"$d/redis.conf" <<EOF
# Generated by tests/harness/lib.sh.
port ${2:?}
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
	[[ $(redis-cli -h 127.0.0.1 -p "$_HARNESS_REDIS_PORT" ping 2>/dev/null) == PONG ]]
}

# Starts redis-server on $FI_TEST_REDIS_PORT with DIR/redis (and its AOF); waits.
harness_start_redis()
{
	local d=${FI_TEST_DIR:?}/redis
	: "${FI_TEST_REDIS_PORT:?FI_TEST_REDIS_PORT not set}"
	_harness_not_running redis redis-server || return 1
	mkdir -p "$d" && _harness_redis_conf "$d" "$FI_TEST_REDIS_PORT" || return 1
	_HARNESS_REDIS_PORT=$FI_TEST_REDIS_PORT
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

# ---- redis partitions ----------------------------------------------------------
# Only with start.sh --redis-partitions N: one redis per queue partition
# (issue 17). Partition 1 is the harness's redis above; partition K (2..N)
# is another redis-server, configured alike, in DIR/redis-K on
# $FI_TEST_REDIS<K>_PORT, recorded as redisK. The functions below take K and
# treat partition 1 as the main redis, so a test can loop over 1..N.

# harness_redis_part_port K: prints partition K's port.
harness_redis_part_port()
{
	local v=FI_TEST_REDIS${1}_PORT
	[[ $1 != 1 ]] || v=FI_TEST_REDIS_PORT
	echo "${!v:?$v not set}"
}

# harness_start_redis_part K: starts partition K's redis (on its port, with
# its AOF) and waits for it.
harness_start_redis_part()
{
	local k=$1 d port=FI_TEST_REDIS${1}_PORT
	if [[ $k == 1 ]]; then
		harness_start_redis
		return
	fi
	d=${FI_TEST_DIR:?}/redis-$k
	: "${!port:?$port not set}"
	_harness_not_running "redis$k" "redis partition $k" || return 1
	mkdir -p "$d" && _harness_redis_conf "$d" "${!port}" || return 1
	_HARNESS_REDIS_PORT=${!port}
	_harness_launch "redis$k" "redis partition $k" "$d/redis.log" _harness_redis_ping \
		redis-server "$d/redis.conf" || return
	export "FI_TEST_REDIS${k}_PID=$_HARNESS_UP_PID"
	harness_write_env
}

# harness_kill_redis_part K: crashes partition K's redis (SIGKILL).
harness_kill_redis_part()
{
	if [[ $1 == 1 ]]; then
		harness_kill_redis
	else
		_harness_signal_wait KILL 5 "redis$1"
	fi
}

# harness_stop_redis_part K: shuts partition K's redis down cleanly (TERM).
harness_stop_redis_part()
{
	if [[ $1 == 1 ]]; then
		harness_stop_redis
	else
		_harness_signal_wait TERM "$HARNESS_STOP_TIMEOUT" "redis$1"
	fi
}

# harness_redis_part_cli K ARGS...: redis-cli against partition K's redis.
harness_redis_part_cli()
{
	local port
	port=$(harness_redis_part_port "$1") || return 1
	shift
	redis-cli -h 127.0.0.1 -p "$port" "$@"
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

# ---- PostgreSQL ----------------------------------------------------------------
# Only with start.sh --postgresql. initdb, pg_ctl and postgres refuse to run as
# root, so as root they run as the `postgres` account Debian's package creates,
# and DIR/postgresql (data/, log/, the socket) belongs to it; DIR's parents must
# be searchable by it. Its unix socket lives in DIR/postgresql unless that path is
# too long for a socket (107 bytes), then in a /tmp/fi-pg.XXXXXX dir named in
# DIR/postgresql/socket-dir, which stop.sh removes.

# The account the server runs as when we are root.
HARNESS_PG_ACCOUNT=postgres

# Prints the dir of the server's programs (initdb, pg_ctl, postgres, psql):
# FI_HARNESS_PG_BINDIR, else pg_config's (libpq-dev) when it holds a server, else
# the newest /usr/lib/postgresql/*/bin, so no version is written down here.
harness_pg_bindir()
{
	local d
	if [[ -n ${FI_HARNESS_PG_BINDIR:-} ]]; then
		echo "$FI_HARNESS_PG_BINDIR"
		return 0
	fi
	if d=$(pg_config --bindir 2>/dev/null) && [[ -x $d/postgres ]]; then
		echo "$d"
		return 0
	fi
	d=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' \
		2>/dev/null | sort -V | tail -n 1)
	if [[ -n $d ]]; then
		echo "${d%/postgres}"
		return 0
	fi
	harness_log "no PostgreSQL server found (install the postgresql package)"
	return 1
}

# Runs CMD... as the server's account (as is when we are not root), from
# DIR/postgresql so that no unreadable cwd bothers it.
_harness_pg_as()
{
	if [[ $EUID -eq 0 ]]; then
		(cd "$FI_TEST_DIR/postgresql" && runuser -u "$HARNESS_PG_ACCOUNT" -- "$@")
	else
		(cd "$FI_TEST_DIR/postgresql" && "$@")
	fi
}

# Prints the dir for the server's socket: DIR/postgresql when the socket's path
# (DIR/postgresql/.s.PGSQL.NNNNN) fits in sun_path, else a new short /tmp dir,
# recorded in DIR/postgresql/socket-dir for stop.sh.
_harness_pg_sockdir()
{
	local d=$FI_TEST_DIR/postgresql s
	if [[ -r $d/socket-dir ]]; then
		cat "$d/socket-dir"
		return 0
	fi
	# 15 bytes: /.s.PGSQL.NNNNN
	if ((${#d} + 15 <= 107)); then
		echo "$d"
		return 0
	fi
	s=$(mktemp -d /tmp/fi-pg.XXXXXX) || return 1
	echo "$s" >"$d/socket-dir" || return 1
	chmod 755 "$s" || return 1
	if [[ $EUID -eq 0 ]]; then
		chown "$HARNESS_PG_ACCOUNT:" "$s" || return 1
	fi
	echo "$s"
}

# Creates the cluster in DIR/postgresql/data (first start only): trust for the
# socket and 127.0.0.1 only, UTF8 with the C locale, and the test settings.
harness_init_postgresql()
{
	local d=${FI_TEST_DIR:?}/postgresql bindir sockdir
	bindir=$(harness_pg_bindir) || return 1
	mkdir -p "$d/log" || return 1
	if [[ $EUID -eq 0 ]]; then
		if ! id "$HARNESS_PG_ACCOUNT" >/dev/null 2>&1; then
			harness_log "no $HARNESS_PG_ACCOUNT account (install the postgresql package)"
			return 1
		fi
		chown -R "$HARNESS_PG_ACCOUNT:" "$d" && chmod 755 "$d" || return 1
		if ! runuser -u "$HARNESS_PG_ACCOUNT" -- test -w "$d"; then
			harness_log "$HARNESS_PG_ACCOUNT cannot reach $d: make its parents searchable (chmod o+x)"
			return 1
		fi
	fi
	sockdir=$(_harness_pg_sockdir) || return 1
	if ! _harness_pg_as "$bindir/initdb" -D "$d/data" -U postgres \
		--auth-local=trust --auth-host=trust --encoding=UTF8 --locale=C \
		--no-sync --no-instructions >"$d/log/initdb.log" 2>&1; then
		harness_log "initdb failed"
		_harness_show_log "$d/log/initdb.log"
		return 1
	fi
	# Replaces initdb's rules: the socket and IPv4 loopback, nothing else.
	printf '%s\n' "# Generated by tests/harness/lib.sh: trust, on loopback only." \
		"local all all trust" "host all all 127.0.0.1/32 trust" >"$d/data/pg_hba.conf" ||
		return 1
	# Later lines win over initdb's; the port is given at each start. fsync and
	# full-page writes guard against an OS crash only: a KILLed server still keeps
	# every commit (synchronous_commit stays on, or a KILL would lose the last ones).
	printf '%s\n' "" "# ---- tests/harness/lib.sh: a throwaway test server ----" \
		"listen_addresses = '127.0.0.1'" \
		"unix_socket_directories = '$sockdir'" \
		"fsync = off" "full_page_writes = off" \
		"shared_buffers = 16MB" "max_connections = 100" \
		"timezone = 'UTC'" "log_timezone = 'UTC'" \
		"log_line_prefix = '%m [%p] %q%u@%d '" >>"$d/data/postgresql.conf" || return 1
	if [[ $EUID -eq 0 ]]; then
		chown "$HARNESS_PG_ACCOUNT:" "$d/data/pg_hba.conf" "$d/data/postgresql.conf" ||
			return 1
	fi
}

# Starts the server (pg_ctl start -w) on $FI_TEST_PG_PORT with the existing
# cluster, records the postmaster and checks that it answers on 127.0.0.1.
harness_start_postgresql()
{
	local d=${FI_TEST_DIR:?}/postgresql bindir sockdir log offset pid
	: "${FI_TEST_PG_PORT:?FI_TEST_PG_PORT not set}"
	_harness_not_running postgres postgres || return 1
	bindir=$(harness_pg_bindir) && sockdir=$(_harness_pg_sockdir) || return 1
	log=$d/log/postgresql.log
	offset=$(_harness_size "$log")
	_harness_pg_clear_stale_locks "$sockdir"
	if ! _harness_pg_as "$bindir/pg_ctl" start -w -t "$HARNESS_START_TIMEOUT" \
		-D "$d/data" -l "$log" -o "-p $FI_TEST_PG_PORT" \
		</dev/null >>"$d/log/pg_ctl.log" 2>&1; then
		# pg_ctl may have given up waiting: leave no server behind
		_harness_pg_stop_unrecorded
		if grep -qi 'already in use' < <(tail -c "+$((offset + 1))" "$log" 2>/dev/null); then
			return "$HARNESS_PORT_BUSY"
		fi
		harness_log "postgres did not start"
		_harness_show_log "$log"
		return 1
	fi
	if ! pid=$(_harness_pg_pidfile_pid) || ! _harness_record postgres "$pid"; then
		harness_log "postgres started, but its postmaster.pid is unreadable"
		_harness_pg_stop_unrecorded
		return 1
	fi
	export FI_TEST_PG_HOST=127.0.0.1 FI_TEST_PG_SOCKET_DIR=$sockdir FI_TEST_PG_USER=postgres
	export FI_TEST_PG_BINDIR=$bindir FI_TEST_PG_PID=$pid
	if ! "$bindir/pg_isready" -q -h 127.0.0.1 -p "$FI_TEST_PG_PORT" -U postgres \
		-d postgres -t 5; then
		harness_log "postgres does not answer on 127.0.0.1:$FI_TEST_PG_PORT"
		harness_stop_postgresql
		return 1
	fi
	harness_write_env
}

# Prints the postmaster's pid from DIR/postgresql/data/postmaster.pid if that
# process runs (a zombie does not: PID 1 here may not reap the orphaned postmaster).
_harness_pg_pidfile_pid()
{
	local pid
	pid=$(head -n 1 "$FI_TEST_DIR/postgresql/data/postmaster.pid" 2>/dev/null) || return 1
	[[ $pid =~ ^[0-9]+$ ]] && _harness_alive "$pid" || return 1
	echo "$pid"
}

# After a KILL, postmaster.pid and the socket's .s.PGSQL.N.lock name a zombie,
# which postgres takes for a live postmaster and refuses to start; the backends
# were KILLed with it, so lock files whose process is not running can go.
_harness_pg_clear_stale_locks()
{
	local sockdir=$1 f pid
	for f in "$FI_TEST_DIR/postgresql/data/postmaster.pid" "$sockdir"/.s.PGSQL.*.lock; do
		[[ -e $f ]] || continue
		pid=$(head -n 1 "$f" 2>/dev/null) || continue
		if [[ $pid =~ ^-?[0-9]+$ ]] && ! _harness_alive "${pid#-}"; then
			rm -f "$f" "${f%.lock}"
		fi
	done
}

# A server whose postmaster.pid exists but that was never recorded (pg_ctl gave
# up waiting, or start.sh died before the record): pg_ctl stop -m fast, quietly.
_harness_pg_stop_unrecorded()
{
	local d=$FI_TEST_DIR/postgresql bindir
	_harness_pg_pidfile_pid >/dev/null || return 0
	bindir=$(harness_pg_bindir 2>/dev/null) || return 0
	_harness_pg_as "$bindir/pg_ctl" stop -D "$d/data" -m fast -w \
		-t "$HARNESS_STOP_TIMEOUT" </dev/null >>"$d/log/pg_ctl.log" 2>&1 || true
}

# Shuts the server down (pg_ctl stop -m fast: clients are disconnected, the
# cluster is left clean), KILLing the postmaster and its backends if it lingers.
harness_stop_postgresql()
{
	local d=${FI_TEST_DIR:?}/postgresql bindir
	if harness_pid postgres >/dev/null; then
		if bindir=$(harness_pg_bindir); then
			_harness_pg_as "$bindir/pg_ctl" stop -D "$d/data" -m fast -w \
				-t "$HARNESS_STOP_TIMEOUT" </dev/null >>"$d/log/pg_ctl.log" 2>&1 ||
				harness_log "pg_ctl stop failed; killing postgres"
		fi
	else
		_harness_pg_stop_unrecorded
	fi
	_harness_signal_wait KILL 5 postgres
}

# Crashes the server (SIGKILL to the postmaster and its backends); the next
# harness_start_postgresql recovers the cluster.
harness_kill_postgresql()
{
	_harness_signal_wait KILL 5 postgres
}

# Removes the short /tmp socket dir, if one was made: only a path of our own
# pattern, whatever DIR/postgresql/socket-dir says.
harness_remove_pg_sockdir()
{
	local f=${FI_TEST_DIR:?}/postgresql/socket-dir s
	[[ -r $f ]] || return 0
	s=$(cat "$f")
	if [[ $s =~ ^/tmp/fi-pg\.[A-Za-z0-9]+$ ]]; then
		rm -rf "$s"
	fi
	rm -f "$f"
}

# psql as the superuser over the socket, without ~/.psqlrc, stopping at the
# first error; arguments are passed on (the database defaults to postgres).
harness_psql()
{
	"${FI_TEST_PG_BINDIR:?}/psql" -X -v ON_ERROR_STOP=1 -h "${FI_TEST_PG_SOCKET_DIR:?}" \
		-p "${FI_TEST_PG_PORT:?}" -U postgres "$@"
}

# ---- MariaDB replicas ----------------------------------------------------------
# Only with start.sh --replicas N: N servers in DIR/replicas/1..N replicating
# from the primary (DIR/mysql) with GTIDs, as the primary's own user (like the
# primary). Each starts from a fresh data dir of its own, exactly as the
# primary's began, and replays the primary's whole binlog (its gtid_slave_pos is
# empty), so whatever the harness or a test creates on the primary reaches it.
# The replicas are read_only: only accounts with READ ONLY ADMIN (root) write.

# The replication account on the primary, made by harness_init_replication.
HARNESS_REPL_USER=repl
HARNESS_REPL_PASSWORD=repl-pw

# The replica's dir.
_harness_replica_dir()
{
	echo "${FI_TEST_DIR:?}/replicas/$1"
}

# harness_init_replication: the primary's replication account (from 127.0.0.1,
# with a password). Run on the primary after its start.
harness_init_replication()
{
	harness_mysql -e "CREATE USER IF NOT EXISTS '$HARNESS_REPL_USER'@'127.0.0.1'
		IDENTIFIED BY '$HARNESS_REPL_PASSWORD';
		GRANT REPLICATION SLAVE ON *.* TO '$HARNESS_REPL_USER'@'127.0.0.1'" || return 1
	export FI_TEST_REPL_USER=$HARNESS_REPL_USER FI_TEST_REPL_PASSWORD=$HARNESS_REPL_PASSWORD
}

# harness_init_replica N: creates replica N's data dir (first start only).
harness_init_replica()
{
	_harness_install_db "$(_harness_replica_dir "$1")" "$(id -un)" 128M 48M
}

# Server options of replica N: server_id N+1 (the primary's is 1), its own
# binlog with the replicated changes in it too, GTID strict mode, read only.
_harness_replica_args()
{
	local n=$1 port=FI_TEST_REPLICA${1}_PORT
	_harness_mariadbd_common "$(_harness_replica_dir "$n")" "${!port}"
	HARNESS_MARIADBD_ARGS+=(
		"${HARNESS_SMALL_MARIADBD_ARGS[@]}"
		--user="$(id -un)"
		--server-id=$((n + 1))
		--log-bin=binlog
		--log-slave-updates
		--binlog-format=ROW
		--gtid-strict-mode=ON
		--relay-log=relay-bin
		--read-only=ON
	)
	_harness_node_extra_args
}

_harness_replica_ping()
{
	mariadb-admin --no-defaults --socket="$(_harness_replica_dir "$_HARNESS_REPLICA")/mysql.sock" \
		-uroot --connect-timeout=2 ping
}

# harness_start_replica N: starts replica N on $FI_TEST_REPLICA<N>_PORT with its
# existing data dir and waits for it; replication resumes by itself once
# harness_replica_connect has set it up.
harness_start_replica()
{
	local n=$1 d port=FI_TEST_REPLICA${1}_PORT
	d=$(_harness_replica_dir "$n")
	: "${!port:?$port not set}"
	_harness_not_running "replica$n" "replica $n" || return 1
	_harness_replica_args "$n"
	_HARNESS_REPLICA=$n
	_harness_launch "replica$n" "replica $n" "$d/error.log" _harness_replica_ping \
		mariadbd "${HARNESS_MARIADBD_ARGS[@]}" || return
	export "FI_TEST_REPLICA${n}_SOCKET=$d/mysql.sock" "FI_TEST_REPLICA${n}_PID=$_HARNESS_UP_PID"
	harness_write_env
}

# harness_replica_connect N: points replica N at the primary by GTID (from its
# own gtid_slave_pos) and starts replicating.
harness_replica_connect()
{
	harness_replica_sql "$1" "CHANGE MASTER TO MASTER_HOST='127.0.0.1',
		MASTER_PORT=${FI_TEST_MYSQL_PORT:?}, MASTER_USER='${FI_TEST_REPL_USER:?}',
		MASTER_PASSWORD='${FI_TEST_REPL_PASSWORD:?}', MASTER_CONNECT_RETRY=1,
		MASTER_USE_GTID=slave_pos; START SLAVE"
}

# Crashes replica N (SIGKILL); stops it cleanly (TERM).
harness_kill_replica()
{
	_harness_signal_wait KILL 5 "replica$1"
}
harness_stop_replica()
{
	_harness_signal_wait TERM "$HARNESS_STOP_TIMEOUT" "replica$1"
}

# harness_replica_mysql N ARGS...: the mariadb client as root on replica N's socket.
harness_replica_mysql()
{
	local n=$1
	shift
	mariadb --no-defaults --socket="$(_harness_replica_dir "$n")/mysql.sock" -uroot "$@"
}

# harness_replica_sql N SQL: runs SQL on replica N, prints rows tab-separated
# without column names.
harness_replica_sql()
{
	harness_replica_mysql "$1" -NB -e "$2"
}

# harness_replica_status N FIELD: prints FIELD (Slave_SQL_Running,
# Seconds_Behind_Master, Gtid_IO_Pos, Last_SQL_Error, ...) of replica N's
# SHOW SLAVE STATUS.
harness_replica_status()
{
	harness_replica_mysql "$1" -e 'SHOW SLAVE STATUS\G' |
		sed -n "s/^ *$2: //p"
}

# harness_replica_wait N [TIMEOUT]: waits, up to TIMEOUT seconds (30), until
# replica N has applied everything in the primary's binlog now (its
# gtid_binlog_pos), with MASTER_GTID_WAIT; fails, saying where it is, if not.
harness_replica_wait()
{
	local n=$1 timeout=${2:-30} pos got
	pos=$(harness_mysql -NB -e 'SELECT @@gtid_binlog_pos') || return 1
	[[ -n $pos ]] || return 0
	# the client too is bounded: timeout(1) runs programs, not functions
	got=$(timeout $((timeout + 10)) mariadb --no-defaults -uroot -NB \
		--socket="$(_harness_replica_dir "$n")/mysql.sock" \
		-e "SELECT MASTER_GTID_WAIT('$pos', $timeout)") || got=error
	[[ $got != 0 ]] || return 0
	harness_log "replica $n has not applied $pos within $timeout s: at" \
		"$(harness_replica_sql "$n" 'SELECT @@gtid_slave_pos' 2>&1)," \
		"SQL thread $(harness_replica_status "$n" Slave_SQL_Running 2>&1)," \
		"$(harness_replica_status "$n" Last_Error 2>&1)"
	return 1
}

# ---- Galera --------------------------------------------------------------------
# Only with start.sh --galera: a three-node Galera cluster (galera-4, MariaDB's
# wsrep) on 127.0.0.1 beside the primary, node N in DIR/galera/N, recorded as
# galeraN. Each node has four ports of its own: SQL, gcomm (group
# communication), IST and the rsync SST daemon's. Node 1 is made by
# mariadb-install-db and bootstraps the cluster; 2 and 3 join with empty data
# dirs and get node 1's by SST (rsync). rsync's daemon, started as root, would
# drop to `nobody`, so as root the nodes run as the `mysql` account (Debian's
# mariadb-server makes it) and DIR/galera belongs to it: DIR's parents must be
# searchable by it. A node SIGKILLed (harness_galera_kill) rejoins with
# harness_galera_start: its position is recovered from InnoDB first
# (mariadbd --wsrep-recover, as Debian's galera_recovery does), so it catches
# up by IST from a donor's gcache, not by a whole SST.

HARNESS_GALERA_NODES=3
HARNESS_GALERA_PROVIDER=${FI_HARNESS_GALERA_PROVIDER:-/usr/lib/galera/libgalera_smm.so}

_harness_galera_dir()
{
	echo "${FI_TEST_DIR:?}/galera/$1"
}

# The account the nodes run as: mysql when we are root, else ourselves.
_harness_galera_account()
{
	if [[ $EUID -eq 0 ]]; then
		echo mysql
	else
		id -un
	fi
}

# The cluster's name, one per harness dir, so that nodes of two harnesses never
# form one cluster, whatever their ports.
_harness_galera_cluster_name()
{
	echo "fi-test-$(printf '%s' "${FI_TEST_DIR:?}" | cksum | cut -d' ' -f1)"
}

# harness_init_galera: the three nodes' dirs (as the account's) and node 1's data
# dir (first start only).
harness_init_galera()
{
	local g=${FI_TEST_DIR:?}/galera n account
	account=$(_harness_galera_account)
	if [[ ! -r $HARNESS_GALERA_PROVIDER ]]; then
		harness_log "no Galera provider $HARNESS_GALERA_PROVIDER (install galera-4)"
		return 1
	fi
	for ((n = 1; n <= HARNESS_GALERA_NODES; n++)); do
		mkdir -p "$g/$n/data" || return 1
	done
	if [[ $EUID -eq 0 ]]; then
		if ! id "$account" >/dev/null 2>&1; then
			harness_log "no $account account (install mariadb-server)"
			return 1
		fi
		chown -R "$account:" "$g" || return 1
		if ! runuser -u "$account" -- test -w "$g/1/data"; then
			harness_log "$account cannot reach $g: make its parents searchable (chmod o+x)"
			return 1
		fi
	fi
	_harness_install_db "$g/1" "$account" 128M 48M
}

# _harness_galera_args N CLUSTER_ADDRESS: node N's server options.
_harness_galera_args()
{
	local n=$1 p=FI_TEST_GALERA${1}_PORT g=FI_TEST_GALERA${1}_GCOMM_PORT
	local i=FI_TEST_GALERA${1}_IST_PORT s=FI_TEST_GALERA${1}_SST_PORT
	_harness_mariadbd_common "$(_harness_galera_dir "$n")" "${!p}"
	HARNESS_MARIADBD_ARGS+=(
		"${HARNESS_SMALL_MARIADBD_ARGS[@]}"
		--user="$(_harness_galera_account)"
		# what Galera requires of the tables and statements
		--binlog-format=ROW
		--innodb-autoinc-lock-mode=2
		--default-storage-engine=InnoDB
		--wsrep-on=ON
		--wsrep-provider="$HARNESS_GALERA_PROVIDER"
		--wsrep-cluster-name="$(_harness_galera_cluster_name)"
		--wsrep-cluster-address="$2"
		--wsrep-node-name="galera$n"
		--wsrep-node-address="127.0.0.1:${!g}"
		--wsrep-node-incoming-address="127.0.0.1:${!p}"
		# gcache: what a rejoining node can get by IST
		--wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:${!g}; ist.recv_addr=127.0.0.1:${!i}; gcache.size=64M"
		--wsrep-sst-method=rsync
		--wsrep-sst-receive-address="127.0.0.1:${!s}"
	)
	_harness_node_extra_args
}

# Picks node N's four ports: free now, and none another node has.
_harness_galera_pick_ports()
{
	local n=$1 m k v port taken=() tries
	for ((m = 1; m <= HARNESS_GALERA_NODES; m++)); do
		[[ $m != "$n" ]] || continue
		for k in PORT GCOMM_PORT IST_PORT SST_PORT; do
			v=FI_TEST_GALERA${m}_$k
			[[ -z ${!v:-} ]] || taken+=("${!v}")
		done
	done
	for k in PORT GCOMM_PORT IST_PORT SST_PORT; do
		for ((tries = 0; ; tries++)); do
			((tries < 20)) || return 1
			port=$(harness_free_port) || return 1
			[[ " ${taken[*]} " == *" $port "* ]] || break
		done
		taken+=("$port")
		export "FI_TEST_GALERA${n}_$k=$port"
	done
}

# The gcomm:// address of the nodes other than N that have ports.
_harness_galera_address()
{
	local n=$1 m v list=()
	for ((m = 1; m <= HARNESS_GALERA_NODES; m++)); do
		v=FI_TEST_GALERA${m}_GCOMM_PORT
		if [[ $m != "$n" && -n ${!v:-} ]]; then
			list+=("127.0.0.1:${!v}")
		fi
	done
	local IFS=,
	echo "gcomm://${list[*]}"
}

# harness_galera_status N VARIABLE: prints the GLOBAL STATUS VARIABLE of node N
# (wsrep_cluster_size, wsrep_local_state_comment, ...); fails when N does not answer.
harness_galera_status()
{
	local out
	out=$(mariadb --no-defaults --socket="$(_harness_galera_dir "$1")/mysql.sock" -uroot \
		--connect-timeout=2 -NB -e "SHOW GLOBAL STATUS LIKE '$2'" 2>/dev/null) || return 1
	echo "${out#*$'\t'}"
}

_harness_galera_synced()
{
	[[ $(harness_galera_status "$_HARNESS_GALERA" wsrep_local_state_comment) == Synced ]]
}

# Prints node N's position (uuid:seqno) recovered from InnoDB by
# mariadbd --wsrep-recover, for a node that was not shut down cleanly.
_harness_galera_recover()
{
	local n=$1 d pos
	d=$(_harness_galera_dir "$n")
	rm -f "$d/recover.log"
	_harness_galera_args "$n" gcomm://
	if ! timeout "$HARNESS_START_TIMEOUT" mariadbd "${HARNESS_MARIADBD_ARGS[@]}" \
		--pid-file="$d/recover.pid" --log-error="$d/recover.log" --wsrep-recover \
		</dev/null >/dev/null 2>&1; then
		harness_log "mariadbd --wsrep-recover failed for galera node $n"
		_harness_show_log "$d/recover.log"
		return 1
	fi
	pos=$(grep -o 'Recovered position: [0-9a-f-]*:-\{0,1\}[0-9]*' "$d/recover.log" | tail -n 1)
	pos=${pos##* }
	if [[ ! $pos =~ ^[0-9a-f-]{36}:[0-9]+$ ]]; then
		harness_log "no position recovered for galera node $n (${pos:-none})"
		return 1
	fi
	echo "$pos"
}

# _harness_galera_launch N [--new-cluster]: starts node N on its ports and waits
# until it is Synced.
_harness_galera_launch()
{
	local n=$1 d address extra=() pos
	d=$(_harness_galera_dir "$n")
	if [[ ${2:-} == --new-cluster ]]; then
		address=gcomm://
		extra+=(--wsrep-new-cluster)
	else
		address=$(_harness_galera_address "$n")
		# seqno -1: not shut down cleanly; an empty dir has no grastate.dat yet
		if grep -q '^seqno: *-1' "$d/data/grastate.dat" 2>/dev/null &&
			[[ -e $d/data/ibdata1 ]]; then
			pos=$(_harness_galera_recover "$n") || return 1
			extra+=(--wsrep-start-position="$pos")
		fi
	fi
	_harness_galera_args "$n" "$address"
	_HARNESS_GALERA=$n
	_harness_launch "galera$n" "galera node $n" "$d/error.log" _harness_galera_synced \
		mariadbd "${HARNESS_MARIADBD_ARGS[@]}" "${extra[@]}" || return
	export "FI_TEST_GALERA${n}_SOCKET=$d/mysql.sock" "FI_TEST_GALERA${n}_PID=$_HARNESS_UP_PID"
	harness_write_env
}

# harness_galera_start N [--new-cluster]: starts node N (on the ports it had, or
# new free ones; others when one was taken meanwhile) and waits until it is
# Synced: it joins the running nodes, or with --new-cluster bootstraps a cluster.
harness_galera_start()
{
	local n=$1 attempt rc port=FI_TEST_GALERA${1}_PORT k
	_harness_not_running "galera$n" "galera node $n" || return 1
	export FI_TEST_GALERA_COUNT=$HARNESS_GALERA_NODES
	for ((attempt = 1; attempt <= 5; attempt++)); do
		if [[ -z ${!port:-} ]]; then
			_harness_galera_pick_ports "$n" || return 1
		fi
		rc=0
		_harness_galera_launch "$n" "${2:-}" || rc=$?
		[[ $rc -ne 0 ]] || return 0
		[[ $rc -eq $HARNESS_PORT_BUSY ]] || return 1
		harness_log "a port of galera node $n was taken, trying others"
		for k in PORT GCOMM_PORT IST_PORT SST_PORT; do
			unset "FI_TEST_GALERA${n}_$k"
		done
	done
	return 1
}

# harness_galera_wait_size SIZE [TIMEOUT]: waits, up to TIMEOUT seconds (60),
# until every running node is Synced in a cluster of SIZE nodes.
harness_galera_wait_size()
{
	local size=$1 deadline=$((SECONDS + ${2:-60})) n ok state
	while :; do
		ok=1 state=()
		for ((n = 1; n <= HARNESS_GALERA_NODES; n++)); do
			harness_pid "galera$n" >/dev/null || continue
			state+=("$n:$(harness_galera_status "$n" wsrep_cluster_size)/$(harness_galera_status "$n" wsrep_local_state_comment)")
			[[ ${state[-1]} == "$n:$size/Synced" ]] || ok=0
		done
		[[ $ok == 0 || ${#state[@]} -eq 0 ]] || return 0
		if ((SECONDS >= deadline)); then
			harness_log "no Synced cluster of $size within ${2:-60} s (node:size/state: ${state[*]})"
			return 1
		fi
		sleep 0.2
	done
}

# Crashes node N (SIGKILL to its mariadbd and children) and waits until it is gone.
harness_galera_kill()
{
	_harness_signal_wait KILL 5 "galera$1"
}

# Shuts node N down cleanly (TERM); it leaves the cluster.
harness_galera_stop()
{
	_harness_signal_wait TERM "$HARNESS_STOP_TIMEOUT" "galera$1"
}

# harness_galera_mysql N ARGS...: the mariadb client as root on node N's socket.
harness_galera_mysql()
{
	local n=$1
	shift
	mariadb --no-defaults --socket="$(_harness_galera_dir "$n")/mysql.sock" -uroot "$@"
}

# harness_galera_sql N SQL: runs SQL on node N after the node has applied every
# write the cluster committed before (wsrep_sync_wait = 1: a read sees the other
# nodes' commits); prints rows tab-separated without column names.
harness_galera_sql()
{
	harness_galera_mysql "$1" -NB -e "SET SESSION wsrep_sync_wait = 1; $2"
}

# ---- everything ----------------------------------------------------------------

# Prints "pid command line" of each running mariadbd, redis-server, nginx or
# postgres, or Galera's SST script and its rsync (and, with --with-reaper, harness
# reaper) whose command line or working directory lies under PREFIX, whether
# recorded in a pid file or not.
harness_strays()
{
	local prefix=${1%/} with_reaper=${2:-} pid comm args cwd
	while read -r pid comm args; do
		case $comm in
		# the postmaster names its data dir; its backends have it as cwd
		mariadbd | redis-server | nginx | postgres) ;;
		# a Galera node's state transfer: the script names the data dir, its
		# rsync daemon the config in it
		wsrep_sst_* | rsync) ;;
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

# Stops every recorded process of the harness (services and harness_spawn ones);
# PostgreSQL first, with pg_ctl: a TERMed postmaster waits for its clients; and
# Galera nodes still joining with KILL.
harness_stop_all()
{
	local names=() f n
	if [[ -e $FI_TEST_DIR/pids/postgres || -e $FI_TEST_DIR/postgresql/data/postmaster.pid ]]; then
		harness_stop_postgresql
	fi
	# A Galera node that is not Synced (a joiner waiting for its state transfer)
	# ignores TERM; its data dir is half a copy anyway.
	for f in "${FI_TEST_DIR:?}"/pids/galera*; do
		[[ -e $f ]] || continue
		n=${f##*/galera}
		if [[ $(harness_galera_status "$n" wsrep_local_state_comment) != Synced ]]; then
			_harness_signal_wait KILL 5 "galera$n"
		fi
	done
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
