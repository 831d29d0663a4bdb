#!/usr/bin/env bash
# test_workers.sh: the responder's processes. A worker killed under load is
# replaced and the others keep answering; SIGTERM lets a request in progress
# finish, then everything exits 0 and the socket is gone; the responder also
# runs on a socket inherited from spawn-fcgi and from systemd socket activation
# (emulated by socket_activate.py, so the test needs no systemd).
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/api/apilib.sh"
api_setup workers

check_cmd "load the golden data set" api_load_golden
api_start_responder && api_start_nginx || t_done
uri="/api/bucket/query?bucket_size=60&aggregate=sourceIPv4Address"

# three workers, each its own process
workers=$(api_workers)
check_eq "worker processes" "$(wc -l <<<"$workers")" 3

# kill -9 one worker in the middle of a 4-second load from 4 clients (a
# light call: 4 clients of a large query would also meet the gate below,
# whose 503s on a loaded machine are not what this part is about)
light="/api/bucket/query?bucket_size=60&limit=50"
python3 "$FI_SOURCE_DIR/tests/api/load.py" "$T_URL$light" 4 4 >"$T_TMP/load.out" &
load=$!
sleep 1.5
victim=$(head -n 1 <<<"$workers")
kill_at=$(date +%s.%N)
kill -KILL "$victim"
wait "$load"
total=$(wc -l <"$T_TMP/load.out")
failed=$(awk '$2 != 200' "$T_TMP/load.out" | wc -l)
after=$(awk -v k="$kill_at" '$1 > k + 0.5 && $2 == 200' "$T_TMP/load.out" | wc -l)
echo "load: $total requests, $failed failed, $after answered 0.5 s after the kill"
if ((total >= 40)); then t_ok; else t_fail "only $total requests under load"; fi
# only the request the killed worker was answering may fail (nginx: JSON 503)
if ((failed <= 1)); then t_ok; else
	t_fail "$failed requests failed around the kill (kill at $kill_at):"
	awk '$2 != 200' "$T_TMP/load.out" >&2
fi
if ((after >= 10)); then t_ok; else t_fail "only $after requests answered after the kill"; fi
sleep 1.5
now=$(api_workers)
check_eq "the killed worker was replaced" "$(wc -l <<<"$now")" 3
if grep -qx "$victim" <<<"$now"; then t_fail "worker $victim still listed"; else t_ok; fi
check_contains "the master logged it" "$(cat "$T_TMP/fcgi.log")" "worker $victim killed by signal 9; restarting"
api_get "$uri"
check_eq "answers after the restart" "$R_STATUS" 200

# Requests whose clients gave up while they waited in the socket's queue are
# dropped unanswered, not run: with every worker stopped, 12 requests are
# sent and their connections closed; resumed, the workers drop all 12 and
# keep answering live requests.
workers=$(api_workers)
kill -STOP $workers
python3 "$FI_SOURCE_DIR/tests/api/fcgi_abandon.py" "$T_SOCK" 12 /api/bucket/query \
	"bucket_size=60&aggregate=sourceIPv4Address&abandoned=1"
kill -CONT $workers
api_get "$uri" -H 'X-Flowinspector-NoCache: 1'
check_eq "answers after the abandoned requests" "$R_STATUS" 200
for _ in $(seq 1 50); do
	(($(grep -c 'dropped a request whose client has gone' "$T_TMP/fcgi.log") >= 12)) && break
	sleep 0.1
done
check_eq "abandoned requests dropped" \
	"$(grep -c 'dropped a request whose client has gone: /api/bucket/query' "$T_TMP/fcgi.log")" 12

# The large-query gate: of the 3 workers, fcgi_light_workers (1) stay free
# for light calls. Two aggregates over flows_60 held up by a table lock take
# the two places; a third is refused at once (503, Retry-After), a timeline
# (totals) is still answered, and the held two finish once the lock goes.
# A refused query waited one second for a place first.
# (each request of its own: distinct limits, so no cache or lock joins them;
# grouped by port, so summed from flows_60: host groups read pairs_60)
heavy="/api/bucket/query?bucket_size=60&aggregate=destinationTransportPort&limit="
# gate_hold: locks flows_60 until gate_release (a session sleeping with the
# lock; fixed durations made the test depend on the machine's load)
gate_hold()
{
	harness_mysql "$T_DB" -e "LOCK TABLES flows_60 WRITE; SELECT SLEEP(120) AS gate_lock; UNLOCK TABLES;" \
		>/dev/null 2>&1 &
	locker=$!
	for _ in $(seq 1 100); do
		[[ $(gate_sessions "SELECT SLEEP(120) AS gate_lock%") == 1 ]] && return
		sleep 0.05
	done
	t_fail "gate: the lock was not taken"
}
gate_release()
{
	harness_mysql -N -B -e "SELECT ID FROM information_schema.PROCESSLIST
		WHERE INFO LIKE 'SELECT SLEEP(120) AS gate_lock%'" |
		while read -r id; do harness_mysql -e "KILL $id" 2>/dev/null; done
	wait "$locker"
}
# gate_sessions PATTERN: how many sessions run a statement like PATTERN
gate_sessions()
{
	harness_mysql -N -B -e "SELECT COUNT(*) FROM information_schema.PROCESSLIST
		WHERE INFO LIKE '$1' AND DB = '$T_DB'"
}
# gate_two_held LIMIT: two large queries (limits LIMIT1, LIMIT2) that wait for
# the lock, inside the gate; returns once the database sees both waiting
gate_two_held()
{
	for i in 1 2; do
		curl -s -o /dev/null -w '%{http_code}\n' -H 'X-Flowinspector-NoCache: 1' \
			"$T_URL$heavy$1$i" >"$T_TMP/held$i" &
		held[i]=$!
	done
	for _ in $(seq 1 600); do
		[[ $(gate_sessions "%FROM%flows_60%") == 2 ]] && return
		sleep 0.05
	done
	t_fail "gate: the two large queries did not reach the database in 30 s:"
	harness_mysql -e "SELECT ID, USER, DB, COMMAND, TIME, STATE, LEFT(INFO, 120)
		FROM information_schema.PROCESSLIST" >&2
	tail -n 20 "$T_TMP/fcgi.log" >&2
}
gate_hold
gate_two_held 10
t0=$(date +%s.%N)
api_get "${heavy}103" -H 'X-Flowinspector-NoCache: 1'
took=$(echo "$(date +%s.%N) - $t0" | bc)
check_eq "gate: a third large query" "$R_STATUS $(api_header retry-after)" "503 2"
check_contains "gate: it says why" "$R_BODY" '"error":"The server is busy: 2 large queries are running'
if (($(echo "$took >= 0.9 && $took < 3.5" | bc))); then t_ok; else t_fail "gate: the refusal took $took s"; fi
api_get "/api/bucket/query?bucket_size=600&limit=7" -H 'X-Flowinspector-NoCache: 1'
check_eq "gate: a light call meanwhile" "$R_STATUS" 200
gate_release
wait "${held[1]}" "${held[2]}"
check_eq "gate: the two held ones" "$(cat "$T_TMP/held1" "$T_TMP/held2" | tr '\n' ' ')" "200 200 "
api_get "${heavy}104" -H 'X-Flowinspector-NoCache: 1'
check_eq "gate: open again" "$R_STATUS" 200
# workers killed inside large queries give their places back: kill every
# worker while two hold the gate; the new ones get exactly two places again
gate_hold
gate_two_held 20
kill -KILL $(api_workers)
wait "${held[1]}" "${held[2]}"
# the killed workers' statements would wait for the lock on: end them
harness_mysql -N -B -e "SELECT ID FROM information_schema.PROCESSLIST
	WHERE INFO LIKE '%FROM%flows_60%' AND DB = '$T_DB'" |
	while read -r id; do harness_mysql -e "KILL $id" 2>/dev/null; done
for _ in $(seq 1 40); do
	(($(api_workers | wc -l) == 3)) && break
	sleep 0.1
done
sleep 0.3
gate_two_held 30
api_get "${heavy}303" -H 'X-Flowinspector-NoCache: 1'
check_eq "gate: after the kill, a third large query" "$R_STATUS" 503
gate_release
wait "${held[1]}" "${held[2]}"
check_eq "gate: after the kill, two places" "$(cat "$T_TMP/held1" "$T_TMP/held2" | tr '\n' ' ')" "200 200 "

# SIGTERM: a request waiting for a table lock is finished before the exit
harness_mysql "$T_DB" -e "LOCK TABLES totals_600 WRITE; SELECT SLEEP(2); UNLOCK TABLES;" >/dev/null &
locker=$!
sleep 0.3
curl -s -o /dev/null -w '%{http_code}' -H 'X-Flowinspector-NoCache: 1' \
	"$T_URL/api/bucket/query?bucket_size=600" >"$T_TMP/inflight" &
inflight=$!
sleep 0.3
master=$API_FCGI
kill -TERM "$master"
wait "$master"
check_eq "SIGTERM: exit status" "$?" 0
API_FCGI=""
wait "$inflight"
wait "$locker"
check_eq "SIGTERM: the request in progress was answered" "$(cat "$T_TMP/inflight")" 200
if [[ -e $T_SOCK ]]; then t_fail "the socket file is left"; else t_ok; fi
check_eq "SIGTERM: no worker left" "$(pgrep -P "$master" | wc -l)" 0
api_get "$uri" -H 'X-Flowinspector-NoCache: 1'
check_eq "without the responder: JSON 503" "$R_STATUS $R_BODY" '503 {"error": "The API is not available."}'

# spawn-fcgi hands over the socket as fd 0
spawn-fcgi -n -s "$T_SOCK" -M 0660 -- "$T_FCGI" -c "$T_CONF" >>"$T_TMP/fcgi.log" 2>&1 &
API_FCGI=$!
for _ in $(seq 1 50); do [[ -S $T_SOCK ]] && break; sleep 0.1; done
sleep 0.3
api_get "$uri" -H 'X-Flowinspector-NoCache: 1'
check_eq "under spawn-fcgi" "$R_STATUS" 200
api_stop_responder
# had it opened fcgi_socket itself, it would have found it in use and exited;
# a socket it did not create it leaves in place
if [[ -S $T_SOCK ]]; then t_ok; else t_fail "spawn-fcgi's socket was removed"; fi
rm -f "$T_SOCK"

# systemd socket activation (LISTEN_PID, LISTEN_FDS, fd 3), as systemd does it
python3 "$FI_SOURCE_DIR/tests/api/socket_activate.py" "$T_SOCK" "$T_FCGI" -c "$T_CONF" \
	>>"$T_TMP/fcgi.log" 2>&1 &
API_FCGI=$!
for _ in $(seq 1 50); do [[ -S $T_SOCK ]] && break; sleep 0.1; done
api_get "$uri" -H 'X-Flowinspector-NoCache: 1'
check_eq "under systemd socket activation" "$R_STATUS" 200
check_eq "under systemd: the master is the activated process" \
	"$(pgrep -P "$API_FCGI" -c)" 3
api_stop_responder
if [[ -S $T_SOCK ]]; then t_ok; else t_fail "systemd's socket was removed"; fi
t_done
