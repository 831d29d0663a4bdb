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

# kill -9 one worker in the middle of a 4-second load from 4 clients
python3 "$FI_SOURCE_DIR/tests/api/load.py" "$T_URL$uri" 4 4 >"$T_TMP/load.out" &
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
if ((failed <= 1)); then t_ok; else t_fail "$failed requests failed around the kill"; fi
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
