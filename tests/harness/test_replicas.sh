#!/usr/bin/env bash
# test_replicas.sh: start.sh --replicas 2 brings up a primary with two GTID
# replicas on loopback, as scale-out (issue 17) needs: what the harness and a
# test write on the primary reaches both, the replicas refuse ordinary
# accounts' writes (read_only), a replica whose SQL thread is stopped falls
# behind while the other keeps up and catches up once it runs again; stop.sh
# leaves no server and no file behind.
# Runs on a harness of its own (the shared one starts no replicas).
set -uo pipefail
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
. "$FI_SOURCE_DIR/tests/harness/lib.sh"
T_NAME=harness_replicas
own=$(mktemp -d "${TMPDIR:-/tmp}/fi-repl-harness.XXXXXX")
H=$own/h
trap 'bash "$FI_SOURCE_DIR/tests/harness/stop.sh" "$H" >/dev/null 2>&1; rm -rf "$own"' EXIT

# rows N: the number of rows of fi_repl.t on the primary (0) or replica N.
rows()
{
	if [[ $1 == 0 ]]; then
		harness_mysql -NB -e 'SELECT COUNT(*) FROM fi_repl.t'
	else
		harness_replica_sql "$1" 'SELECT COUNT(*) FROM fi_repl.t'
	fi
}

# checksum N: CHECKSUM TABLE fi_repl.t on the primary (0) or replica N.
checksum()
{
	if [[ $1 == 0 ]]; then
		harness_mysql -NB -e 'CHECKSUM TABLE fi_repl.t' | cut -f2
	else
		harness_replica_sql "$1" 'CHECKSUM TABLE fi_repl.t' | cut -f2
	fi
}

# insert FROM TO: rows FROM..TO on the primary, one statement.
# shellcheck disable=SC2317 # called through check_cmd
insert()
{
	harness_mysql -e "INSERT INTO fi_repl.t (id, v) WITH RECURSIVE s(n) AS
		(SELECT $1 UNION ALL SELECT n + 1 FROM s WHERE n < $2) SELECT n, CONCAT('row ', n) FROM s"
}

# The pids of mariadbd processes belonging to this harness (by data dir or cwd).
servers()
{
	harness_strays "$own" | awk '$2 ~ /mariadbd/ { print $1 }'
}

begin=$SECONDS
if ! bash "$FI_SOURCE_DIR/tests/harness/start.sh" "$H" --replicas 2 --no-nginx --no-redis \
	2>"$own/start.log"; then
	cat "$own/start.log" >&2
	t_fail "the harness did not start"
	t_done
fi
echo "$T_NAME: start.sh --replicas 2 took $((SECONDS - begin)) s"
harness_load_env "$H" || {
	t_fail "no env file"
	t_done
}

# What DIR/env tells a client.
check_eq "env: two replicas" "$FI_TEST_REPLICA_COUNT" 2
check_contains "env: replica 2's port" "$(cat "$H/env")" "FI_TEST_REPLICA2_PORT=$FI_TEST_REPLICA2_PORT"
ports=("$FI_TEST_MYSQL_PORT" "$FI_TEST_REPLICA1_PORT" "$FI_TEST_REPLICA2_PORT")
check_eq "env: three distinct numeric ports" \
	"$(printf '%s\n' "${ports[@]}" | grep -x '[0-9][0-9]*' | sort -u | wc -l | tr -d ' ')" 3
check_cmd "env: replica 1's socket" test -S "$FI_TEST_REPLICA1_SOCKET"
check_eq "replica 1 listens on 127.0.0.1" \
	"$(ss -Hltn "sport = :$FI_TEST_REPLICA1_PORT" | awk '{ print $4 }')" \
	"127.0.0.1:$FI_TEST_REPLICA1_PORT"

# The servers' settings.
check_eq "primary: server_id, binlog, ROW, strict GTIDs" \
	"$(harness_mysql -NB -e 'SELECT @@server_id, @@log_bin, @@binlog_format, @@gtid_strict_mode')" \
	"1	1	ROW	1"
for n in 1 2; do
	check_eq "replica $n: server_id, read_only, log_slave_updates, strict GTIDs" \
		"$(harness_replica_sql "$n" 'SELECT @@server_id, @@read_only, @@log_slave_updates,
			@@gtid_strict_mode, @@log_bin')" "$((n + 1))	1	1	1	1"
	check_eq "replica $n replicates by GTID" "$(harness_replica_status "$n" Using_Gtid)" Slave_Pos
	check_eq "replica $n: both threads run" \
		"$(harness_replica_status "$n" Slave_IO_Running)/$(harness_replica_status "$n" Slave_SQL_Running)" \
		"Yes/Yes"
	check_eq "replica $n replicates from the primary" \
		"$(harness_replica_status "$n" Master_Port)" "$FI_TEST_MYSQL_PORT"
	# seeded: the accounts the harness made on the primary are on the replica
	check_eq "replica $n has the harness's accounts" \
		"$(harness_replica_sql "$n" "SELECT GROUP_CONCAT(CONCAT(user, '@', host) ORDER BY user, host)
			FROM mysql.user WHERE host IN ('127.0.0.1', '::1')")" \
		"repl@127.0.0.1,root@127.0.0.1,root@::1"
	check_eq "replica $n: root over TCP" "$(mariadb --no-defaults -h 127.0.0.1 \
		-P "$(printenv "FI_TEST_REPLICA${n}_PORT")" -uroot -NB -e 'SELECT @@port')" \
		"$(printenv "FI_TEST_REPLICA${n}_PORT")"
done
check_cmd "the replication account needs its password" \
	test -z "$(mariadb --no-defaults -h 127.0.0.1 -P "$FI_TEST_MYSQL_PORT" \
		-u "$FI_TEST_REPL_USER" -NB -e 'SELECT 1' 2>/dev/null)"
check_eq "the replication account with its password" "$(mariadb --no-defaults -h 127.0.0.1 \
	-P "$FI_TEST_MYSQL_PORT" -u "$FI_TEST_REPL_USER" -p"$FI_TEST_REPL_PASSWORD" -NB \
	-e 'SELECT CURRENT_USER()')" "repl@127.0.0.1"

# A table and rows on the primary reach both replicas.
check_cmd "schema on the primary" harness_mysql -e "CREATE DATABASE fi_repl;
	CREATE TABLE fi_repl.t (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL)"
check_cmd "100 rows on the primary" insert 1 100
# An ordinary account (made on the primary, so on the replicas too) may write
# on the primary but not on a read_only replica.
check_cmd "account w on the primary" harness_mysql -e "CREATE USER 'w'@'127.0.0.1'
	IDENTIFIED BY 'w-pw'; GRANT SELECT, INSERT ON fi_repl.* TO 'w'@'127.0.0.1'"
check_cmd "w writes on the primary" mariadb --no-defaults -h 127.0.0.1 -P "$FI_TEST_MYSQL_PORT" \
	-uw -pw-pw -e "INSERT INTO fi_repl.t VALUES (1000, 'by w')"
for n in 1 2; do
	check_cmd "replica $n applies the primary's binlog" harness_replica_wait "$n" 30
	check_eq "replica $n has the rows" "$(rows "$n")" 101
	check_eq "replica $n's table is the primary's" "$(checksum "$n")" "$(checksum 0)"
	check_eq "w reads on replica $n" "$(mariadb --no-defaults -h 127.0.0.1 \
		-P "$(printenv "FI_TEST_REPLICA${n}_PORT")" -uw -pw-pw -NB \
		-e 'SELECT v FROM fi_repl.t WHERE id = 1000' 2>&1)" "by w"
	check_contains "w cannot write on read_only replica $n" "$(mariadb --no-defaults \
		-h 127.0.0.1 -P "$(printenv "FI_TEST_REPLICA${n}_PORT")" -uw -pw-pw \
		-e "INSERT INTO fi_repl.t VALUES (1001, 'refused')" 2>&1)" "ERROR 1290"
	check_eq "replica $n did not take the write" \
		"$(harness_replica_sql "$n" 'SELECT COUNT(*) FROM fi_repl.t WHERE id = 1001')" 0
done

# Replica 1's SQL thread stopped: it still receives the primary's binlog but
# applies nothing, while replica 2 keeps up.
check_cmd "STOP SLAVE SQL_THREAD on replica 1" harness_replica_sql 1 'STOP SLAVE SQL_THREAD'
check_eq "replica 1: IO runs, SQL does not" \
	"$(harness_replica_status 1 Slave_IO_Running)/$(harness_replica_status 1 Slave_SQL_Running)" \
	"Yes/No"
stopped_at=$(harness_replica_sql 1 'SELECT @@gtid_slave_pos')
check_cmd "50 more rows on the primary" insert 101 150
primary_pos=$(harness_mysql -NB -e 'SELECT @@gtid_binlog_pos')
check_cmd "the primary moved on" test "$primary_pos" != "$stopped_at"
check_cmd "replica 2 keeps up" harness_replica_wait 2 30
check_eq "replica 2 has the new rows" "$(rows 2)" 151
check_eq "replica 2 is at the primary's position" \
	"$(harness_replica_sql 2 'SELECT @@gtid_slave_pos')" "$primary_pos"
# replica 1 has received the events (bounded wait) but not applied them
for ((i = 0; i < 100; i++)); do
	[[ $(harness_replica_status 1 Gtid_IO_Pos) != "$primary_pos" ]] || break
	sleep 0.1
done
check_eq "replica 1 received the primary's binlog" \
	"$(harness_replica_status 1 Gtid_IO_Pos)" "$primary_pos"
check_eq "replica 1 is still where it stopped" \
	"$(harness_replica_sql 1 'SELECT @@gtid_slave_pos')" "$stopped_at"
check_eq "replica 1 lacks the new rows" "$(rows 1)" 101
check_eq "replica 1 has no Seconds_Behind_Master without its SQL thread" \
	"$(harness_replica_status 1 Seconds_Behind_Master)" NULL
check_cmd "harness_replica_wait gives up on replica 1" \
	test "$(harness_replica_wait 1 2 2>&1 && echo caught-up)" != caught-up
check_eq "and it took a bounded time" "$(
	t=$SECONDS
	harness_replica_wait 1 1 2>/dev/null
	echo $((SECONDS - t <= 5))
)" 1

# Started again, it catches up.
check_cmd "START SLAVE SQL_THREAD on replica 1" harness_replica_sql 1 'START SLAVE SQL_THREAD'
check_cmd "replica 1 catches up" harness_replica_wait 1 30
check_eq "replica 1 has the new rows" "$(rows 1)" 151
check_eq "replica 1's table is the primary's" "$(checksum 1)" "$(checksum 0)"
check_eq "replica 1 is at the primary's position" \
	"$(harness_replica_sql 1 'SELECT @@gtid_slave_pos')" "$primary_pos"
check_eq "replica 1 is 0 s behind" "$(harness_replica_status 1 Seconds_Behind_Master)" 0

# Stopping: everything goes, a client still connected to a replica or not.
harness_replica_sql 2 'SELECT SLEEP(300)' >/dev/null 2>&1 &
sleeper=$!
sleep 0.5
check_eq "three servers run before the stop" "$(servers | wc -l | tr -d ' ')" 3
begin=$SECONDS
check_cmd "stop.sh" bash "$FI_SOURCE_DIR/tests/harness/stop.sh" "$H"
check_cmd "stopped within 20 s" test $((SECONDS - begin)) -lt 20
wait "$sleeper" 2>/dev/null
check_eq "no server of the harness left" "$(servers)" ""
check_cmd "the state dir is gone" test ! -e "$H"
t_done
