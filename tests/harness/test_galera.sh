#!/usr/bin/env bash
# test_galera.sh: start.sh --galera brings up a three-node Galera cluster on
# loopback beside the primary, as scale-out (issue 17) needs: a write on one
# node is read on the others; two transactions updating the same row on two
# nodes cannot both commit (the later COMMIT gets error 1213, whichever pair of
# nodes); a SIGKILLed node leaves a cluster of two that still takes writes, and
# rejoins Synced by IST with the rows written meanwhile; stop.sh leaves no
# server, no SST process and no file behind.
# Runs on a harness of its own (the shared one starts no cluster).
set -uo pipefail
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
. "$FI_SOURCE_DIR/tests/harness/lib.sh"
T_NAME=harness_galera
# As root the nodes run as mysql, which must reach DIR/galera: mktemp's 0700 is
# opened to searching (not listing) by others.
own=$(mktemp -d "${TMPDIR:-/tmp}/fi-galera-harness.XXXXXX")
chmod 711 "$own"
H=$own/h
trap 'bash "$FI_SOURCE_DIR/tests/harness/stop.sh" "$H" >/dev/null 2>&1; rm -rf "$own"' EXIT

# The pids of this harness's servers and SST processes (by data dir or cwd).
servers()
{
	harness_strays "$own" | awk '{ print $1 }'
}

# gone PID: PID has exited (a zombie counts: PID 1 here may not reap).
# shellcheck disable=SC2317 # called through check_cmd
gone()
{
	! _harness_alive "$1"
}

# rows N: the rows of fi_gal.t on node N, as N reads them after the cluster's
# earlier commits.
rows()
{
	harness_galera_sql "$1" 'SELECT COUNT(*) FROM fi_gal.t'
}

# insert N FROM TO: rows FROM..TO written on node N, one statement.
# shellcheck disable=SC2317 # called through check_cmd
insert()
{
	harness_galera_mysql "$1" -e "INSERT INTO fi_gal.t (id, v) WITH RECURSIVE s(n) AS
		(SELECT $2 UNION ALL SELECT n + 1 FROM s WHERE n < $3) SELECT n, n FROM s"
}

# ---- client sessions that stay open across steps --------------------------------
# session_open NAME NODE: a mariadb client on node NODE reading statements from
# the fifo $own/NAME.in, its output in NAME.out (flushed per statement), its
# errors in NAME.err. The client gets none of the other sessions' fifos, so
# that closing a session's fifo ends its client alone.
declare -A S_FD S_PID
# A write to the fifo of a client that has exited must fail, not kill the test.
trap '' PIPE
session_open()
{
	local name=$1 fd
	rm -f "$own/$name".{in,out,err}
	mkfifo "$own/$name.in"
	(
		for fd in "${S_FD[@]}"; do
			exec {fd}>&-
		done
		exec mariadb --no-defaults --socket="$(_harness_galera_dir "$2")/mysql.sock" -uroot \
			-NB --unbuffered <"$own/$name.in" >"$own/$name.out" 2>"$own/$name.err"
	) &
	S_PID[$name]=$!
	exec {fd}>"$own/$name.in"
	S_FD[$name]=$fd
}

# session_run NAME SQL: sends SQL and waits (10 s at most) until the client has
# run it: fails when it did not, e.g. because a statement failed.
# shellcheck disable=SC2317 # called through check_cmd
session_run()
{
	local name=$1 mark=mark-$RANDOM-$RANDOM i
	{
		printf '%s\nSELECT '\''%s'\'';\n' "$2" "$mark" >&"${S_FD[$name]}"
	} 2>/dev/null || return 1
	for ((i = 0; i < 100; i++)); do
		if grep -qx "$mark" "$own/$name.out"; then
			return 0
		fi
		_harness_alive "${S_PID[$name]}" || return 1
		sleep 0.1
	done
	return 1
}

# session_close NAME: ends the client's input and sets S_RC to its exit status
# (124 when it did not exit within 10 s: then it is killed).
session_close()
{
	local name=$1 i fd=${S_FD[$1]} pid=${S_PID[$1]}
	exec {fd}>&-
	unset "S_FD[$name]" "S_PID[$name]"
	S_RC=124
	for ((i = 0; i < 100; i++)); do
		if ! _harness_alive "$pid"; then
			S_RC=0
			wait "$pid" || S_RC=$?
			return 0
		fi
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# conflicts N: the transactions node N aborted for a conflict so far
# (certification failures and brute-force aborts).
conflicts()
{
	local cert bf
	cert=$(harness_galera_status "$1" wsrep_local_cert_failures)
	bf=$(harness_galera_status "$1" wsrep_local_bf_aborts)
	echo $((cert + bf))
}

# conflict_round A B: a transaction on node A and one on node B update row 1 of
# fi_gal.c; A commits first and wins, B's COMMIT must fail with 1213 and the row
# on every node has A's update only.
conflict_round()
{
	local a=$1 b=$2 v0 c0 rc_a rc_b n what="nodes $1 and $2"
	v0=$(harness_galera_sql "$a" 'SELECT v FROM fi_gal.c WHERE id = 1')
	c0=$(conflicts "$b")
	session_open a "$a"
	session_open b "$b"
	check_cmd "$what: A updates" session_run a "BEGIN; UPDATE fi_gal.c SET v = v + 1 WHERE id = 1;"
	check_cmd "$what: B updates the same row" \
		session_run b "BEGIN; UPDATE fi_gal.c SET v = v + 1000 WHERE id = 1;"
	check_cmd "$what: A commits" session_run a "COMMIT;"
	# B's client may fail on the COMMIT and exit before the SELECT is written
	{
		printf 'COMMIT;\nSELECT '\''b-committed'\'';\n' >&"${S_FD[b]}"
	} 2>/dev/null
	session_close a
	rc_a=$S_RC
	session_close b
	rc_b=$S_RC
	check_eq "$what: A's client ends well" "$rc_a/$(cat "$own/a.err")" "0/"
	check_eq "$what: B's client fails" "$rc_b" 1
	check_contains "$what: B's COMMIT gets 1213" "$(cat "$own/b.err")" "ERROR 1213 (40001)"
	check_cmd "$what: B's COMMIT did not go through" \
		test -z "$(grep -x b-committed "$own/b.out")"
	check_cmd "$what: node $b counted the conflict" test "$(conflicts "$b")" -gt "$c0"
	for ((n = 1; n <= 3; n++)); do
		check_eq "$what: node $n has A's update only" \
			"$(harness_galera_sql "$n" 'SELECT v FROM fi_gal.c WHERE id = 1')" "$((v0 + 1))"
	done
}

# ---- the cluster -------------------------------------------------------------------
begin=$SECONDS
if ! bash "$FI_SOURCE_DIR/tests/harness/start.sh" "$H" --galera --no-nginx --no-redis \
	2>"$own/start.log"; then
	cat "$own/start.log" >&2
	t_fail "the harness did not start"
	t_done
fi
echo "$T_NAME: start.sh --galera took $((SECONDS - begin)) s"
harness_load_env "$H" || {
	t_fail "no env file"
	t_done
}

# What DIR/env tells a client: 12 ports of the nodes and the primary's, all distinct.
check_eq "env: three nodes" "$FI_TEST_GALERA_COUNT" 3
ports=("$FI_TEST_MYSQL_PORT")
for n in 1 2 3; do
	for k in PORT GCOMM_PORT IST_PORT SST_PORT; do
		ports+=("$(printenv "FI_TEST_GALERA${n}_$k")")
	done
	check_cmd "env: node $n's socket" test -S "$(printenv "FI_TEST_GALERA${n}_SOCKET")"
	check_eq "env: node $n's pid is its mariadbd" \
		"$(ps -o comm= -p "$(printenv "FI_TEST_GALERA${n}_PID")")" mariadbd
	check_eq "node $n listens on 127.0.0.1" \
		"$(ss -Hltn "sport = :$(printenv "FI_TEST_GALERA${n}_PORT")" | awk '{ print $4 }')" \
		"127.0.0.1:$(printenv "FI_TEST_GALERA${n}_PORT")"
	if [[ $EUID -eq 0 ]]; then
		check_eq "node $n runs as mysql" \
			"$(ps -o user= -p "$(printenv "FI_TEST_GALERA${n}_PID")")" mysql
	fi
done
check_eq "env: 13 distinct numeric ports" \
	"$(printf '%s\n' "${ports[@]}" | grep -x '[0-9][0-9]*' | sort -u | wc -l | tr -d ' ')" 13
check_eq "the primary is no Galera node" "$(harness_mysql -NB -e 'SELECT @@wsrep_on')" 0

uuid=$(harness_galera_status 1 wsrep_cluster_state_uuid)
for n in 1 2 3; do
	check_eq "node $n: Synced in a cluster of 3" \
		"$(harness_galera_status "$n" wsrep_cluster_size)/$(harness_galera_status "$n" wsrep_local_state_comment)" \
		"3/Synced"
	check_eq "node $n: the same cluster" "$(harness_galera_status "$n" wsrep_cluster_state_uuid)" "$uuid"
	check_eq "node $n: root over TCP" "$(mariadb --no-defaults -h 127.0.0.1 \
		-P "$(printenv "FI_TEST_GALERA${n}_PORT")" -uroot -NB -e 'SELECT @@wsrep_node_name')" \
		"galera$n"
done

# Written on node 1, read on 2 and 3.
check_cmd "schema on node 1" harness_galera_mysql 1 -e "CREATE DATABASE fi_gal;
	CREATE TABLE fi_gal.t (id INT PRIMARY KEY, v INT NOT NULL);
	CREATE TABLE fi_gal.c (id INT PRIMARY KEY, v INT NOT NULL);
	INSERT INTO fi_gal.c VALUES (1, 0)"
check_cmd "100 rows on node 1" insert 1 1 100
sum=$(harness_galera_sql 1 'SELECT SUM(v) FROM fi_gal.t')
check_eq "node 1's rows" "$(rows 1)/$sum" "100/5050"
for n in 2 3; do
	check_eq "node $n reads node 1's rows" \
		"$(rows "$n")/$(harness_galera_sql "$n" 'SELECT SUM(v) FROM fi_gal.t')" "100/5050"
done

# Conflicting updates of one row on two nodes, every pair of nodes in turn.
conflict_round 1 2
conflict_round 2 3
conflict_round 3 1
check_eq "the row after three rounds" \
	"$(harness_galera_sql 2 'SELECT v FROM fi_gal.c WHERE id = 1')" 3

# Node 3 SIGKILLed: the others form a cluster of two, which takes writes.
pid3=$FI_TEST_GALERA3_PID
begin=$SECONDS
check_cmd "SIGKILL node 3" harness_galera_kill 3
check_cmd "node 3's mariadbd is gone" gone "$pid3"
check_cmd "nodes 1 and 2 form a cluster of 2" harness_galera_wait_size 2 60
echo "$T_NAME: the cluster noticed the kill in $((SECONDS - begin)) s"
check_cmd "100 rows on node 1 without node 3" insert 1 101 200
# 1..100, 101..200, and 151..200 once more
sum2=$((5050 + 15050 + 8775))
check_cmd "an update on node 2 without node 3" \
	harness_galera_mysql 2 -e 'UPDATE fi_gal.t SET v = v * 2 WHERE id > 150'
check_eq "node 2 has both" "$(rows 2)/$(harness_galera_sql 2 'SELECT SUM(v) FROM fi_gal.t')" \
	"200/$sum2"
check_eq "node 1 has both" "$(rows 1)/$(harness_galera_sql 1 'SELECT SUM(v) FROM fi_gal.t')" \
	"200/$sum2"

# Node 3 restarted: it rejoins Synced, by IST, with what was written meanwhile.
log3=$H/galera/3/error.log
offset=$(stat -c %s "$log3")
begin=$SECONDS
check_cmd "node 3 rejoins" harness_galera_start 3
echo "$T_NAME: node 3 rejoined in $((SECONDS - begin)) s"
check_cmd "node 3 runs anew" test "$(harness_pid galera3)" != "$pid3"
check_cmd "a cluster of 3 again, all Synced" harness_galera_wait_size 3 60
since=$(tail -c "+$((offset + 1))" "$log3")
check_contains "node 3 caught up by IST" "$since" "rsync IST completed on joiner"
check_cmd "not by a whole SST" test -z "$(grep 'rsync SST completed' <<<"$since")"
check_eq "node 3 has the rows written without it" \
	"$(rows 3)/$(harness_galera_sql 3 'SELECT SUM(v) FROM fi_gal.t')" "200/$sum2"
check_cmd "node 3 takes writes again" insert 3 201 210
check_eq "node 1 reads node 3's rows" "$(rows 1)" 210

# Stopping: everything goes, SST processes included, a client connected or not.
harness_galera_sql 2 'SELECT SLEEP(300)' >/dev/null 2>&1 &
sleeper=$!
sleep 0.5
check_eq "four servers run before the stop" "$(servers | wc -l | tr -d ' ')" 4
begin=$SECONDS
check_cmd "stop.sh" bash "$FI_SOURCE_DIR/tests/harness/stop.sh" "$H"
check_cmd "stopped within 30 s" test $((SECONDS - begin)) -lt 30
wait "$sleeper" 2>/dev/null
check_eq "no server or SST process of the harness left" "$(servers)" ""
check_cmd "the state dir is gone" test ! -e "$H"
t_done
