#!/usr/bin/env bash
# test_poison.sh: elements whose counters cannot be stored (issue 13) are
# dead letters with their reason, and never stop the queue. The running
# importer takes good flows, poison, more good flows: the 2^63-1-packet
# element of the issue in three batches (the first fits, the others would take
# the stored totals past FI_COUNTER_MAX: refused by the totals check), three
# 7e18-packet elements in one batch (the sums would wrap), weights over
# 9.22e9 flows, and elements that a totals row put near the cap directly in
# the database cannot take. All good flows land within a bound; then the
# importer is killed (-9) right after the totals of a batch with such an
# element are committed, and restarted: no double count, no lost element.
# Every row of every table equals flowref's reference over the good and the
# accepted elements.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
fi_test_setup poison
sed -i 's/^log_level = warn$/log_level = info/' "$T_CONF"
cat >>"$T_CONF" <<CONF
retention_days = 0
flush_interval = 1
CONF
CAP=9223372036854775807
check_cmd "--init-db" "$T_IMPORTER" -c "$T_CONF" --init-db

# poison at flow times on days of their own, far from the good flows
T0=1600000000 T1=1600100000 T2=1600200000 T3=1600300000 T4=1600400000
el()	# el TIME PROTO PACKETS BYTES [EXTRA]: one element
{
	printf '{"sourceIPv4Address":167772161,"destinationIPv4Address":167772162,"protocolIdentifier":%s,"sourceTransportPort":1000,"destinationTransportPort":53,"flowStartSeconds":%s,"flowEndSeconds":%s,"packetDeltaCount":%s,"octetDeltaCount":%s%s}\n' \
		"$2" "$1" "$1" "$3" "$4" "${5:-}"
}
# a totals row put near the cap directly in the database: 1000 bytes of room
for t in $T3 $T4; do
	t_sql "INSERT INTO totals_60 (bucket, udp_bytes) VALUES ($((t / 60 * 60)), $((CAP - 1000)))"
done
for s in 1 2 3 4; do
	python3 "$T_FLOWREF" gen --count 3000 --seed "$((40 + s))" >"$T_TMP/good$s.jsonl"
done
: >"$T_TMP/accepted.jsonl"
: >"$T_TMP/refused.tsv.el" # the elements to be refused, in dead-letter order
: >"$T_TMP/refused.tsv.why" # and their reasons (substrings)
accept() { el "$@" | tee -a "$T_TMP/accepted.jsonl"; }
refuse()	# refuse REASON TIME ...: an element that must be a dead letter with REASON
{
	local why=$1
	shift
	el "$@" | tee -a "$T_TMP/refused.tsv.el"
	printf '%s\n' "$why" >>"$T_TMP/refused.tsv.why"
}

t_importer_start
# 1. the issue's element: the first fits (2^63-1 exactly), the second does not
accept $T0 6 $CAP 1 >"$T_TMP/p1.jsonl"
check_cmd "push good flows and the first 2^63-1" t_push "$T_TMP/good1.jsonl" "$T_TMP/p1.jsonl"
check_cmd "drained" t_wait_drained "" 120
bucket0=$((T0 / 60 * 60))
refuse "tcp packets of bucket $bucket0 (60 s) would pass $CAP: $CAP there, $CAP more" $T0 6 $CAP 1 >"$T_TMP/p2.jsonl"
check_cmd "push the second 2^63-1 and good flows" t_push "$T_TMP/p2.jsonl" "$T_TMP/good2.jsonl"
check_cmd "drained within 60 s" t_wait_drained "" 120
# 2. the third 2^63-1 in a third batch, three 7e18 in one batch, weights
# over the cap, the database's near-cap row
bucket1=$((T1 / 60 * 60)) bucket3=$((T3 / 60 * 60))
{
	# the third 2^63-1: the old importer failed its batch (1690) forever here
	refuse "tcp packets of bucket $bucket0 (60 s) would pass $CAP: $CAP there, $CAP more" $T0 6 $CAP 1
	accept $T1 6 7000000000000000000 1
	refuse "tcp packets of bucket $bucket1 (60 s) would pass $CAP" $T1 6 7000000000000000000 1
	refuse "tcp packets of bucket $bucket1 (60 s) would pass $CAP" $T1 6 7000000000000000000 1
	refuse "flows: 10000000000 is above the largest weight 9223372036.854775807" $T2 6 1 1 ',"flows":1e10'
	refuse "flows: 12345678901.5 is above the largest weight" $T2 6 1 1 ',"flows":12345678901.5'
	refuse "flows: 10000000000 is above the largest weight" $T2 6 1 1 ',"flows":10000000000'
	accept $T2 6 1 1 ',"flows":4294967296.75'
	accept $T3 17 1 500
	refuse "udp bytes of bucket $bucket3 (60 s) would pass $CAP: $((CAP - 500)) there, 2000 more" $T3 17 1 2000
	accept $T3 17 1 400
} >"$T_TMP/p3.jsonl"
check_cmd "push poison between good flows" t_push "$T_TMP/p3.jsonl" "$T_TMP/good3.jsonl"
check_cmd "drained within 60 s" t_wait_drained "" 120
if kill -0 "$T_PID" 2>/dev/null; then t_ok; else t_fail "the importer stopped"; fi
kill -TERM "$T_PID"
t_wait_exit "$T_PID" "$T_TMP/importer.log"
check_eq "importer exit status after SIGTERM" "$?" "0"

# 3. kill -9 right after the totals of a batch with a refused element are in:
# the other tables are locked, so the batch's other parts wait
locks=""
for kind in flows nodes ports; do
	for size in 60 600 3600 86400; do locks+="${locks:+, }${kind}_$size WRITE"; done
done
harness_mysql "$T_DB" -e "LOCK TABLES $locks; SELECT SLEEP(300)" >/dev/null 2>&1 &
lockpid=$!
bucket4=$((T4 / 60 * 60))
refuse "udp bytes of bucket $bucket4 (60 s) would pass $CAP: $((CAP - 1000)) there, 2000 more" $T4 17 1 2000 >"$T_TMP/c.jsonl"
accept $T4 17 1 500 >>"$T_TMP/c.jsonl"
t_importer_start
check_cmd "push the crash batch" t_push "$T_TMP/c.jsonl"
crashed="FROM fi_batch_refused WHERE reason LIKE 'udp bytes of bucket $bucket4 %'"
for ((i = 0; i < 120; i++)); do
	[[ $(t_sql "SELECT COUNT(*) $crashed") == 1 ]] && break
	sleep 0.5
done
check_eq "refused element recorded with the totals" "$(t_sql "SELECT COUNT(*) $crashed")" "1"
check_eq "its totals in, its other parts not" \
	"$(t_sql "SELECT GROUP_CONCAT(part ORDER BY part) FROM fi_batches WHERE batch_id = (SELECT batch_id $crashed)")" \
	"totals_3600,totals_60,totals_600,totals_86400"
check_cmd "push good flows behind it" t_push "$T_TMP/good4.jsonl"
sleep 1
kill -KILL "$T_PID"
wait "$T_PID" 2>/dev/null
harness_mysql -N -B -e "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO = 'SELECT SLEEP(300)'" |
	while read -r id; do harness_mysql -e "KILL $id"; done
wait "$lockpid" 2>/dev/null
check_eq "no dead letter before the batch is finished" "$(harness_redis_cli LLEN "$T_DEAD")" "$(($(grep -c . "$T_TMP/refused.tsv.el") - 1))"
t_importer_start
check_cmd "drained after the restart" t_wait_drained "" 120
kill -TERM "$T_PID"
t_wait_exit "$T_PID" "$T_TMP/importer.log"
check_eq "importer exit status after SIGTERM" "$?" "0"
check_contains "the batch was recovered" "$(cat "$T_TMP/importer.log")" "recovering batch"

# dead letters: each poison element once, in order, with its reason
paste "$T_TMP/refused.tsv.el" "$T_TMP/refused.tsv.why" >"$T_TMP/refused.tsv"
check_eq "dead letters" "$(harness_redis_cli LLEN "$T_DEAD")" "$(grep -c . "$T_TMP/refused.tsv")"
t_check_dead_letters "$T_TMP/refused.tsv"
# the rows put near the cap by hand, taken out again: then every row is exact
for t in $T3 $T4; do
	t_sql "UPDATE totals_60 SET udp_bytes = udp_bytes - $((CAP - 1000)) WHERE bucket = $((t / 60 * 60))"
done
check_eq "no counter past the cap" "$(t_sql "SELECT COUNT(*) FROM totals_60 WHERE tcp_packets > $CAP OR udp_bytes > $CAP")" "0"
MIN_ROWS=10000 t_check_tables "$T_TMP"/good{1,2,3,4}.jsonl "$T_TMP/accepted.jsonl"
t_done
