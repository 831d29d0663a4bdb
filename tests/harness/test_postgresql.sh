#!/usr/bin/env bash
# test_postgresql.sh: start.sh --postgresql brings up a real PostgreSQL on
# loopback next to MariaDB and redis, as a future PostgreSQL flow source
# (issue 16) needs: a VERMONT-like parent table `f` with a per-bucket child
# that INHERITS it, inet values, the socket and 127.0.0.1 both reachable; and
# stop.sh leaves no postgres process and no file behind.
# Runs on a harness of its own (the shared one starts no PostgreSQL).
set -uo pipefail
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
. "$FI_SOURCE_DIR/tests/harness/lib.sh"
T_NAME=harness_postgresql
# The postgres account must reach DIR/postgresql: mktemp's 0700 is opened to
# searching (not listing) by others.
own=$(mktemp -d "${TMPDIR:-/tmp}/fi-pg-harness.XXXXXX")
chmod 711 "$own"
H=$own/h
trap 'bash "$FI_SOURCE_DIR/tests/harness/stop.sh" "$H" >/dev/null 2>&1; rm -rf "$own"' EXIT

# pg_sql SQL: one statement in database fi_pg, unaligned, tuples only.
pg_sql()
{
	harness_psql -d fi_pg -Atqc "$1"
}

# The pids of postgres processes belonging to this harness (by data dir or cwd).
pg_procs()
{
	harness_strays "$own" | awk '$2 ~ /postgres/ { print $1 }'
}

if ! bash "$FI_SOURCE_DIR/tests/harness/start.sh" "$H" --postgresql --no-nginx \
	2>"$own/start.log"; then
	cat "$own/start.log" >&2
	t_fail "the harness did not start"
	t_done
fi
harness_load_env "$H" || {
	t_fail "no env file"
	t_done
}

# What DIR/env tells a client.
check_contains "env: PostgreSQL's port" "$(cat "$H/env")" "FI_TEST_PG_PORT=$FI_TEST_PG_PORT"
check_cmd "env: the port is a number" test -n "${FI_TEST_PG_PORT##*[!0-9]*}"
check_cmd "env: the socket is in FI_TEST_PG_SOCKET_DIR" \
	test -S "$FI_TEST_PG_SOCKET_DIR/.s.PGSQL.$FI_TEST_PG_PORT"
check_eq "env: the socket dir is the state dir's" "$FI_TEST_PG_SOCKET_DIR" "$H/postgresql"
check_cmd "MariaDB runs beside it" harness_mysql -e 'SELECT 1'
check_eq "redis runs beside it" "$(harness_redis_cli ping)" "PONG"
check_cmd "listens on 127.0.0.1 only" \
	test -n "$(ss -Hltn "sport = :$FI_TEST_PG_PORT" | awk '$4 == "127.0.0.1:'"$FI_TEST_PG_PORT"'"')"
check_eq "nothing else listens on its port" \
	"$(ss -Hltn "sport = :$FI_TEST_PG_PORT" | wc -l)" "1"

# A database with VERMONT's layout: a parent table and a child per bucket.
check_cmd "CREATE DATABASE" harness_psql -qc "CREATE DATABASE fi_pg"
check_cmd "parent table f" pg_sql "CREATE TABLE f (srcip inet, dstip inet,
	srcport integer, dstport integer, proto smallint, pkts bigint, bytes bigint,
	firstswitched bigint, lastswitched bigint)"
check_cmd "child f_240301_000000 INHERITS (f)" pg_sql "CREATE TABLE f_240301_000000 () INHERITS (f)"
check_cmd "a row into the child" pg_sql "INSERT INTO f_240301_000000 VALUES
	('10.0.0.1', '2001:db8::2', 12345, 80, 6, 3, 180, 1709251200000, 1709251201000)"
check_eq "no row in f itself" "$(pg_sql "SELECT COUNT(*) FROM ONLY f")" "0"
check_eq "the child's row" "$(pg_sql "SELECT COUNT(*) FROM f_240301_000000")" "1"
check_eq "f with its children" "$(pg_sql "SELECT COUNT(*) FROM f")" "1"
check_eq "the children of f" "$(pg_sql "SELECT c.relname FROM pg_inherits i
	JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'f'::regclass")" "f_240301_000000"
check_eq "inet round-trips" "$(pg_sql "SELECT inet '10.0.0.1'")" "10.0.0.1"
check_eq "IPv6 inet round-trips" "$(pg_sql "SELECT dstip FROM f")" "2001:db8::2"
check_eq "TCP on 127.0.0.1 with trust" "$("$FI_TEST_PG_BINDIR/psql" -X -Atq \
	-h "$FI_TEST_PG_HOST" -p "$FI_TEST_PG_PORT" -U "$FI_TEST_PG_USER" -d fi_pg \
	-c "SELECT host(inet_server_addr()), current_setting('fsync')")" "127.0.0.1|off"

# Stopping: a client still connected must not hold it up (pg_ctl -m fast).
harness_psql -qc "SELECT pg_sleep(300)" >/dev/null 2>&1 &
sleeper=$!
sleep 0.5
check_cmd "postgres runs before the stop" test -n "$(pg_procs)"
begin=$SECONDS
check_cmd "stop.sh" bash "$FI_SOURCE_DIR/tests/harness/stop.sh" "$H"
check_cmd "stopped within 10 s" test $((SECONDS - begin)) -lt 10
wait "$sleeper" 2>/dev/null
check_eq "no postgres process of the harness left" "$(pg_procs)" ""
check_cmd "the state dir is gone" test ! -e "$H"
t_done
