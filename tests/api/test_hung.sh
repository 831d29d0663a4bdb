#!/usr/bin/env bash
# test_hung.sh: the master replaces workers that are stuck. Every worker is
# stopped (SIGSTOP), one of them in the middle of a request; the master
# kills and replaces them all: a waiting worker after 10 s without a
# heartbeat, the busy one after query_timeout (2 s here) + 10 s without
# progress. A request sent while they are stopped is answered by the new
# workers within 16 s (before: nginx's 503 after 90 s, and never a new
# worker). Workers waiting on a slow statement, or idle, are left alone.
set -uo pipefail
BUILD=$1
API_QUERY_TIMEOUT=2
. "$FI_SOURCE_DIR/tests/api/apilib.sh"
api_setup hung

check_cmd "load the golden data set" api_load_golden
api_start_responder && api_start_nginx || t_done
uri="/api/bucket/query?bucket_size=600&limit=3"
api_get "$uri" -H 'X-Flowinspector-NoCache: 1'
check_eq "before: 200" "$R_STATUS" 200
old=$(api_workers)

# one worker waits on a table lock (a request in progress), then all stop
harness_mysql "$T_DB" -e "LOCK TABLES totals_60 WRITE; SELECT SLEEP(3); UNLOCK TABLES;" >/dev/null &
locker=$!
sleep 0.3
curl -s -o /dev/null -w '%{http_code}' -H 'X-Flowinspector-NoCache: 1' --max-time 60 \
	"$T_URL/api/bucket/query?bucket_size=60&limit=1" >"$T_TMP/inflight" &
inflight=$!
sleep 0.5
kill -STOP $old
stopped=$(date +%s%N)
api_get "${uri/limit=3/limit=5}" -H 'X-Flowinspector-NoCache: 1' --max-time 60
ms=$((($(date +%s%N) - stopped) / 1000000))
echo "a request sent with every worker stopped: $R_STATUS after $ms ms"
check_eq "answered by the new workers" "$R_STATUS" 200
if ((ms >= 9000 && ms < 16000)); then t_ok; else t_fail "answered after $ms ms (want 10-16 s)"; fi
wait "$inflight" "$locker"
# the stuck request itself is lost with its worker: nginx's JSON 503
check_eq "the request in progress" "$(cat "$T_TMP/inflight")" 503
for _ in $(seq 1 40); do
	(($(api_workers | wc -l) == 3)) && [[ -z $(comm -12 <(api_workers) <(echo "$old")) ]] && break
	sleep 0.25
done
check_eq "three workers" "$(api_workers | wc -l)" 3
check_eq "none of the stopped ones" "$(comm -12 <(api_workers) <(echo "$old"))" ""
log=$(cat "$T_TMP/fcgi.log")
check_eq "idle ones killed as such" \
	"$(grep -c 'made no progress for 1[0-9] s while waiting for requests; killing it' <<<"$log")" 2
check_contains "the busy one killed as such" "$log" "s on one request; killing it"
check_contains "and replaced" "$log" "killed by signal 9; restarting"
kill -CONT $old 2>/dev/null

# a request that waits for a lock is not taken for a stuck worker, nor are
# idle workers
now=$(api_workers)
harness_mysql "$T_DB" -e "LOCK TABLES totals_600 WRITE; SELECT SLEEP(1.5); UNLOCK TABLES;" >/dev/null &
locker=$!
sleep 0.3
api_get "/api/bucket/query?bucket_size=600&limit=4" -H 'X-Flowinspector-NoCache: 1'
wait "$locker"
check_eq "a slow request: answered" "$R_STATUS" 200
sleep 11 # idle workers are not killed either
check_eq "no worker replaced" "$(api_workers)" "$now"
t_done
