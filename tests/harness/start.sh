#!/usr/bin/env bash
# Starts throwaway MariaDB, redis and nginx (and, asked for, PostgreSQL, MariaDB
# replicas, a Galera cluster or more redis instances) servers for the tests on
# free 127.0.0.1 ports, all state in DIR, as plain processes (no systemd).
# Writes DIR/env (source it, or run programs through with-env.sh) and starts a
# reaper that runs stop.sh DIR once the owner process (the parent, normally
# ctest) has gone. Undo with stop.sh.
#
# Usage: start.sh DIR [--no-mariadb] [--no-redis] [--no-nginx] [--nginx-conf FILE]
#                     [--postgresql] [--replicas N] [--galera] [--redis-partitions N]
#
# DIR is created; if it holds an earlier harness, that one is stopped and removed.
# FI_HARNESS_OWNER=PID watches PID instead of the parent. FI_HARNESS_KEEP=1 keeps
# DIR after a failed start (and in stop.sh). FI_HARNESS_START_TIMEOUT (60) and
# FI_HARNESS_STOP_TIMEOUT (20) bound the waits, in seconds.
# FI_HARNESS_MARIADB_ARGS adds server options to the primary's,
# FI_HARNESS_NODE_MARIADB_ARGS to the replicas' and the Galera nodes' (the
# benchmarks give them deploy/mariadb/flowinspector.cnf's).
#
# --postgresql also starts PostgreSQL (off by default): a cluster in
# DIR/postgresql/data made by initdb (as the postgres account when run as root:
# DIR's parents must be searchable by it), trust on the socket and 127.0.0.1
# only, fsync off, logs in DIR/postgresql/log. DIR/env gets FI_TEST_PG_HOST,
# _PORT, _SOCKET_DIR (DIR/postgresql, or a short /tmp/fi-pg.* dir when that path
# is too long for a socket), _USER, _BINDIR and _PID; lib.sh's harness_psql is
# its client. FI_HARNESS_PG_BINDIR picks the server's programs,
# FI_HARNESS_PG_PORT a fixed port.
#
# --replicas N (N >= 1) also starts N MariaDB replicas of the primary (which then
# writes a binlog: server_id 1, ROW, gtid_strict_mode): replica K in
# DIR/replicas/K, server_id K+1, read_only, log_slave_updates, replicating by
# GTID (MASTER_USE_GTID=slave_pos) as FI_TEST_REPL_USER with a password. Each
# begins with a fresh data dir and replays the primary's binlog from its start,
# so all the primary ever held reaches it; start.sh returns once each has
# applied the primary's binlog. DIR/env gets FI_TEST_REPLICA_COUNT,
# FI_TEST_REPL_USER, _PASSWORD and FI_TEST_REPLICA<K>_PORT, _SOCKET, _PID;
# lib.sh has harness_replica_sql K SQL, harness_replica_wait K [TIMEOUT] (until
# K has applied the primary's gtid_binlog_pos), harness_replica_status K FIELD,
# harness_kill_replica, _stop_ and _start_. FI_HARNESS_REPLICA<K>_PORT fixes a port.
#
# --galera also starts a three-node Galera cluster (galera-4) beside the primary,
# which stays what FI_TEST_MYSQL_* and harness_mysql name: a test points a program
# at a node's port itself. Node N lives in DIR/galera/N (as the mysql account
# when run as root: DIR's parents must be searchable by it), with four free
# ports: SQL, gcomm, IST and SST (rsync). Node 1 bootstraps the cluster, 2 and 3
# join by SST one after the other; start.sh returns once all three are Synced
# in a cluster of 3. DIR/env gets FI_TEST_GALERA_COUNT (3) and
# FI_TEST_GALERA<N>_PORT, _SOCKET, _PID, _GCOMM_PORT, _IST_PORT, _SST_PORT;
# lib.sh has harness_galera_sql N SQL, harness_galera_status N VAR,
# harness_galera_kill N (SIGKILL), harness_galera_start N (rejoins, by IST after
# a crash, and waits until Synced), harness_galera_stop N and
# harness_galera_wait_size SIZE [TIMEOUT].
#
# --redis-partitions N (2 to 9; 1 is the default) also starts redis
# partitions 2..N, one redis per queue partition (issue 17): partition 1 is
# the ordinary redis, partition K another redis-server configured alike (AOF
# on) in DIR/redis-K, recorded as redisK. DIR/env gets FI_TEST_REDIS_PARTITIONS (N) and FI_TEST_REDIS<K>_PORT,
# _PID; lib.sh has harness_redis_part_cli K ARGS..., harness_redis_part_port K,
# harness_kill_redis_part K, _stop_ and _start_ (K = 1 is the main redis).
# FI_HARNESS_REDIS<K>_PORT fixes a port.
#
# nginx serves DIR/www with a generated config, or uses --nginx-conf FILE, a template
# in which these placeholders are replaced before use:
#   @NGINX_PORT@  the port chosen for nginx (listen 127.0.0.1:@NGINX_PORT@;)
#   @STATE_DIR@   DIR, absolute
#   @VAR@         the value of the environment variable VAR (upper case, digits, _),
#                 e.g. @FI_TEST_MYSQL_PORT@ or one the caller exports (@FCGI_SOCKET@).
#                 An unset one is an error.
# The template must not set `pid` or `daemon` (given with -g). To keep logs and temp
# files inside DIR and to run workers as the current user, it should include the
# generated snippets, as the default config does:
#   include @STATE_DIR@/nginx/harness-main.conf;          (main context)
#   events {}
#   http { include @STATE_DIR@/nginx/harness-http.conf; server { ... } }
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

usage()
{
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
	exit 2
}

die()
{
	harness_log "$*"
	exit 1
}

dir="" want_mariadb=1 want_redis=1 want_nginx=1 want_postgresql=0 nginx_conf=""
replicas=0 want_galera=0 redis_parts=1
while [[ $# -gt 0 ]]; do
	case $1 in
	--no-mariadb) want_mariadb=0 ;;
	--no-redis) want_redis=0 ;;
	--no-nginx) want_nginx=0 ;;
	--postgresql) want_postgresql=1 ;;
	--replicas)
		[[ $# -ge 2 ]] || usage
		replicas=$2
		shift
		;;
	--replicas=*) replicas=${1#*=} ;;
	--galera) want_galera=1 ;;
	--redis-partitions)
		[[ $# -ge 2 ]] || usage
		redis_parts=$2
		shift
		;;
	--redis-partitions=*) redis_parts=${1#*=} ;;
	--nginx-conf)
		[[ $# -ge 2 ]] || usage
		nginx_conf=$2
		shift
		;;
	--nginx-conf=*) nginx_conf=${1#*=} ;;
	-h | --help) usage ;;
	-*) harness_log "unknown option $1" && usage ;;
	*)
		[[ -z $dir ]] || usage
		dir=$1
		;;
	esac
	shift
done
[[ -n $dir ]] || usage
if [[ ! $replicas =~ ^[0-9]+$ ]] || ((10#$replicas > 9)); then
	die "--replicas takes a number of replicas, 1 to 9"
fi
replicas=$((10#$replicas))
if [[ $replicas -gt 0 && $want_mariadb == 0 ]]; then
	die "--replicas needs the primary MariaDB (not with --no-mariadb)"
fi
if [[ ! $redis_parts =~ ^[0-9]+$ ]] || ((10#$redis_parts < 1 || 10#$redis_parts > 9)); then
	die "--redis-partitions takes a number of redis instances, 1 to 9"
fi
redis_parts=$((10#$redis_parts))
if [[ $redis_parts -gt 1 && $want_redis == 0 ]]; then
	die "--redis-partitions needs the redis of partition 1 (not with --no-redis)"
fi
if [[ -n $nginx_conf ]]; then
	[[ -r $nginx_conf ]] || die "cannot read nginx config template $nginx_conf"
	nginx_conf=$(realpath "$nginx_conf")
	want_nginx=1
fi

dir=$(realpath -m "$dir")
[[ $dir != / ]] || die "refusing to use / as the state dir"
begin=$SECONDS

# A stale harness env (e.g. from a test that starts a nested one) must not leak in.
for var in "${HARNESS_ENV_VARS[@]}" $(compgen -v FI_TEST_REPLICA) $(compgen -v FI_TEST_GALERA) \
	$(compgen -v FI_TEST_REDIS); do
	unset "$var"
done

owner=${FI_HARNESS_OWNER:-$PPID}
owner_start=$(_harness_starttime "$owner") || die "owner process $owner is not running"

if [[ -e $dir/.fi-harness ]]; then
	harness_log "stopping the earlier harness in $dir"
	FI_HARNESS_KEEP=0 "$here/stop.sh" "$dir"
elif [[ -e $dir ]] && [[ -n $(ls -A "$dir") ]]; then
	die "$dir exists and is not a harness state dir; refusing to use it"
fi

socks=()
if [[ $want_mariadb == 1 ]]; then
	socks+=("$dir/mysql/mysql.sock")
fi
for ((n = 1; n <= replicas; n++)); do
	socks+=("$dir/replicas/$n/mysql.sock")
done
if [[ $want_galera == 1 ]]; then
	socks+=("$dir/galera/$HARNESS_GALERA_NODES/mysql.sock")
fi
for sock in "${socks[@]}"; do
	if [[ ${#sock} -gt 107 ]]; then
		die "unix socket path too long (${#sock} > 107 bytes): $sock; use a shorter DIR"
	fi
done

mkdir -p "$dir"/{mysql,redis,nginx/tmp,www,pids,logs}
if [[ $want_postgresql == 1 ]]; then
	mkdir -p "$dir/postgresql"
fi
touch "$dir/.fi-harness"
export FI_TEST_DIR=$dir

started=0
cleanup()
{
	local rc=$?
	if [[ $started == 0 ]]; then
		harness_log "start failed; stopping what was started in $dir"
		"$here/stop.sh" "$dir" || true
		[[ $rc -ne 0 ]] || rc=1
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The reaper first: if start.sh itself dies half-way, the owner's end still cleans up.
setsid -f bash "$here/reaper.sh" "$dir" "$owner" "$owner_start" \
	</dev/null >>"$dir/reaper.log" 2>&1
for ((i = 0; i < 50; i++)); do
	if FI_HARNESS_REAPER_PID=$(_harness_read_pidfile "$dir/reaper.pid"); then
		break
	fi
	sleep 0.1
done
[[ -n ${FI_HARNESS_REAPER_PID:-} ]] || die "the reaper did not start; see $dir/reaper.log"
export FI_HARNESS_REAPER_PID FI_HARNESS_OWNER_PID=$owner

# Runs START_FN [ARGS...] with the port variable VAR set to a free port, retrying
# with another port when the chosen one was taken meanwhile.
# FI_HARNESS_<SERVICE>_PORT (MYSQL, REDIS, NGINX, PG) asks for a fixed port instead
# of a free one (deploy/quickstart.sh uses that); a taken port is then an error.
start_on_free_port()
{
	local var=$1 fn=$2 attempt port rc fixed_var=${1/FI_TEST_/FI_HARNESS_}
	shift 2
	if [[ -n ${!fixed_var:-} ]]; then
		export "$var=${!fixed_var}"
		"$fn" "$@" && return 0
		harness_log "cannot start on the fixed port ${!fixed_var} ($fixed_var)"
		return 1
	fi
	for ((attempt = 1; attempt <= 10; attempt++)); do
		port=$(harness_free_port) || return 1
		export "$var=$port"
		rc=0
		"$fn" "$@" || rc=$?
		if [[ $rc -eq 0 ]]; then
			return 0
		fi
		[[ $rc -eq $HARNESS_PORT_BUSY ]] || return 1
		harness_log "port $port was taken, trying another"
	done
	return 1
}

# Replaces @NGINX_PORT@, @STATE_DIR@ and @VAR@ (from the environment) in SRC.
render_nginx_conf()
{
	local src=$1 dst=$2 content tok var val missing=()
	content=$(cat "$src") || return 1
	while read -r tok; do
		var=${tok//@/}
		case $var in
		NGINX_PORT) val=$FI_TEST_NGINX_PORT ;;
		STATE_DIR) val=$dir ;;
		*)
			if ! val=$(printenv "$var"); then
				missing+=("$tok")
				continue
			fi
			;;
		esac
		content=${content//"$tok"/"$val"}
	done < <(grep -o '@[A-Z_][A-Z0-9_]*@' "$src" | sort -u)
	if [[ ${#missing[@]} -gt 0 ]]; then
		harness_log "$src: unset placeholder(s) ${missing[*]}; export them first"
		return 1
	fi
	printf '%s\n' "$content" >"$dst"
}

write_nginx_snippets()
{
	local d=$dir/nginx t
	{
		echo "# Generated by tests/harness/start.sh (main context)."
		echo "worker_processes 2;"
		echo "error_log $d/error.log notice;"
		# Workers run as the caller, so they can read DIR and reach its sockets.
		if [[ $EUID -eq 0 ]]; then
			echo "user root root;"
		fi
	} >"$d/harness-main.conf"
	{
		echo "# Generated by tests/harness/start.sh (http context)."
		if [[ -r /etc/nginx/mime.types ]]; then
			echo "include /etc/nginx/mime.types;"
		fi
		echo "default_type application/octet-stream;"
		echo "access_log $d/access.log;"
		echo "client_body_temp_path $d/tmp/client_body;"
		echo "proxy_temp_path $d/tmp/proxy;"
		echo "fastcgi_temp_path $d/tmp/fastcgi;"
		# These two exist only when nginx was built with the module.
		for t in uwsgi scgi; do
			if ! nginx -V 2>&1 | grep -q -- "--without-http_${t}_module"; then
				echo "${t}_temp_path $d/tmp/$t;"
			fi
		done
	} >"$d/harness-http.conf"
}

write_default_nginx_conf()
{
	cat >"$dir/nginx/default.conf.in" <<'EOF'
# Generated by tests/harness/start.sh: serves the harness's www dir.
include @STATE_DIR@/nginx/harness-main.conf;
events {
	worker_connections 256;
}
http {
	include @STATE_DIR@/nginx/harness-http.conf;
	server {
		listen 127.0.0.1:@NGINX_PORT@;
		root @STATE_DIR@/www;
	}
}
EOF
	echo "flowinspector test harness" >"$dir/www/index.html"
}

start_nginx_first()
{
	render_nginx_conf "$nginx_conf" "$dir/nginx/nginx.conf" || return 1
	harness_start_nginx
}

# The replicas of the primary: made, started and connected one by one, then
# waited for until each has applied the primary's binlog.
start_replicas()
{
	local n t=$SECONDS ports=()
	for ((n = 1; n <= replicas; n++)); do
		harness_init_replica "$n" || die "cannot initialise replica $n's data dir"
		start_on_free_port "FI_TEST_REPLICA${n}_PORT" harness_start_replica "$n" ||
			die "cannot start replica $n"
		harness_replica_connect "$n" || die "cannot connect replica $n to the primary"
		ports+=("$(printenv "FI_TEST_REPLICA${n}_PORT")")
	done
	for ((n = 1; n <= replicas; n++)); do
		harness_replica_wait "$n" "$HARNESS_START_TIMEOUT" ||
			die "replica $n did not catch up with the primary"
	done
	harness_log "$replicas replica(s) up in $((SECONDS - t)) s"
	local IFS=,
	summary+=("replicas 127.0.0.1:${ports[*]}")
}

# The Galera cluster: node 1 bootstraps it, 2 and 3 join one after the other
# (each by SST from a Synced node), then all must be Synced in a cluster of 3.
start_galera()
{
	local n t=$SECONDS ports=() p
	harness_init_galera || die "cannot initialise the Galera nodes' dirs"
	harness_galera_start 1 --new-cluster || die "cannot bootstrap the Galera cluster"
	harness_galera_mysql 1 -e "$(_harness_root_grants)" ||
		die "cannot grant root@127.0.0.1 on the Galera cluster"
	for ((n = 2; n <= HARNESS_GALERA_NODES; n++)); do
		harness_galera_start "$n" || die "Galera node $n did not join"
	done
	harness_galera_wait_size "$HARNESS_GALERA_NODES" "$HARNESS_START_TIMEOUT" ||
		die "the Galera cluster did not form"
	harness_log "galera cluster up in $((SECONDS - t)) s"
	for ((n = 1; n <= HARNESS_GALERA_NODES; n++)); do
		p=FI_TEST_GALERA${n}_PORT
		ports+=("${!p}")
	done
	local IFS=,
	summary+=("galera 127.0.0.1:${ports[*]}")
}

summary=()
if [[ $want_mariadb == 1 ]]; then
	if [[ $replicas -gt 0 ]]; then
		# before the primary's start: it writes a binlog for them
		export FI_TEST_REPLICA_COUNT=$replicas
	fi
	harness_init_mariadb || die "cannot initialise the MariaDB data dir"
	start_on_free_port FI_TEST_MYSQL_PORT harness_start_mariadb || die "cannot start MariaDB"
	harness_init_mariadb_grants >/dev/null || die "cannot grant root@127.0.0.1"
	summary+=("mariadb 127.0.0.1:$FI_TEST_MYSQL_PORT")
fi
if [[ $replicas -gt 0 ]]; then
	harness_init_replication || die "cannot make the replication account"
	start_replicas
fi
if [[ $want_galera == 1 ]]; then
	start_galera
fi
if [[ $want_postgresql == 1 ]]; then
	harness_init_postgresql || die "cannot initialise the PostgreSQL cluster"
	start_on_free_port FI_TEST_PG_PORT harness_start_postgresql || die "cannot start PostgreSQL"
	summary+=("postgresql 127.0.0.1:$FI_TEST_PG_PORT (socket in $FI_TEST_PG_SOCKET_DIR)")
fi
if [[ $want_redis == 1 ]]; then
	start_on_free_port FI_TEST_REDIS_PORT harness_start_redis || die "cannot start redis"
	summary+=("redis 127.0.0.1:$FI_TEST_REDIS_PORT")
fi
if [[ $redis_parts -gt 1 ]]; then
	export FI_TEST_REDIS_PARTITIONS=$redis_parts
	for ((n = 2; n <= redis_parts; n++)); do
		start_on_free_port "FI_TEST_REDIS${n}_PORT" harness_start_redis_part "$n" ||
			die "cannot start redis partition $n"
		summary+=("redis$n 127.0.0.1:$(harness_redis_part_port "$n")")
	done
fi
if [[ $want_nginx == 1 ]]; then
	write_nginx_snippets
	if [[ -z $nginx_conf ]]; then
		write_default_nginx_conf
		nginx_conf=$dir/nginx/default.conf.in
	fi
	start_on_free_port FI_TEST_NGINX_PORT start_nginx_first || die "cannot start nginx"
	summary+=("nginx 127.0.0.1:$FI_TEST_NGINX_PORT")
fi
harness_write_env
started=1
harness_log "up in $((SECONDS - begin)) s in $dir: ${summary[*]:-nothing}"
