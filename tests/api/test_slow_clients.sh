#!/usr/bin/env bash
# test_slow_clients.sh: connections to the FastCGI socket that send nothing,
# or send their request a byte a second, cannot take the API down. With 500
# silent and 6 dripping connections held open (fcgi_hold.py reconnects each
# one the responder closes), requests through nginx are answered within a
# second; no dripping connection lives much past fcgi_read_timeout (2 s
# here); and when the attack ends the workers are the same processes.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/api/apilib.sh"
api_setup slow_clients "${API_SLOW_CONF-fcgi_read_timeout = 2}"

check_cmd "load the golden data set" api_load_golden
api_start_responder && api_start_nginx || t_done
workers=$(api_workers)

# timed_get URI: api_get without nginx's cache; sets R_MS (milliseconds)
timed_get()
{
	local t0
	t0=$(date +%s%N)
	api_get "$1" -H 'X-Flowinspector-NoCache: 1' --max-time 10
	R_MS=$((($(date +%s%N) - t0) / 1000000))
}

timed_get "/api/bucket/query?bucket_size=600&limit=3"
check_eq "before: 200" "$R_STATUS" 200

python3 "$FI_SOURCE_DIR/tests/api/fcgi_hold.py" "$T_SOCK" 500 6 14 >"$T_TMP/hold.out" &
holder=$!
sleep 3 # the 500 are connected, the drips are past the responder's first look
slow=0
for i in $(seq 1 10); do
	timed_get "/api/bucket/query?bucket_size=600&limit=$i"
	echo "during the attack: request $i: $R_STATUS in $R_MS ms"
	if [[ $R_STATUS != 200 ]] || ((R_MS >= 1000)); then
		slow=$((slow + 1))
	fi
	sleep 0.8
done
check_eq "during the attack: every request answered 200 within a second" "$slow" 0
timed_get "/api/index/nodes?limit=2"
check_eq "during the attack: the node index" "$R_STATUS" 200
wait "$holder"
hold=$(cat "$T_TMP/hold.out")
echo "attacker: $hold"
connected=$(sed -n 's/.*connected=\([0-9]*\).*/\1/p' <<<"$hold")
life=$(sed -n 's/.*drip_max_life=\([0-9.]*\).*/\1/p' <<<"$hold")
completed=$(sed -n 's/.*drip_completed=\([0-9]*\).*/\1/p' <<<"$hold")
# accepted at once (the backlog is 128): the responder takes every connection
if ((connected >= 500)); then t_ok; else t_fail "only $connected attacker connections were accepted"; fi
# read timeout 2 s: a dripping client is cut off after about 2 s
if (($(echo "$life < 5" | bc))); then t_ok; else t_fail "a dripping client stayed $life s"; fi
check_eq "no dripping client got its request through" "$completed" 0
check_contains "the responder logged the cut" "$(cat "$T_TMP/fcgi.log")" "closed a connection that sent no complete request within 2 s"
timed_get "/api/bucket/query?bucket_size=600&limit=99"
check_eq "after the attack: 200" "$R_STATUS" 200
check_eq "the same workers" "$(api_workers)" "$workers"
t_done
