#!/usr/bin/env bash
# test_dbsrc_incremental.sh: repeated imports count every source row once.
# Rows appended between runs, also with an earlier stime (as rasqlinsert
# writes held flows), to -m none, daily and VERMONT tables; a table followed
# by its AUTO_INCREMENT key; an import SIGKILLed mid-way (scan, key and
# snapshot modes) and run again: exact totals; a concurrent second run does
# nothing; a table whose imported rows changed is refused; --every runs
# until SIGTERM (SIGHUP only reopens the log) and keeps the password out of
# its command line.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
. "$FI_SOURCE_DIR/tests/shell/dbsrclib.sh"
fi_test_setup dbsrc_incremental
ds_setup
echo "src_chunk_rows = 500" >>"$T_CONF"

ds_load_dump "$T_FIXTURES/argus-rasqlinsert.sql" "" argus argus_daily
ds_load_dump "$T_FIXTURES/vermont-ipfixdbwriter.sql" "" vermont_flows
ds_create big
A=$(ds_db argus)
D=$(ds_db argus_daily)
V=$(ds_db vermont_flows)
B=$(ds_db big)

# every source table in the destination, for the reference
reference()
{
	ds_ref argus "$T_TMP/ref.argus" --db "$A" --db "$D" &&
		ds_ref vermont "$T_TMP/ref.vermont" --db "$V" &&
		ds_ref argus "$T_TMP/ref.big" --db "$B"
}

# mark_rows TABLE DB: rows_imported of a source table ("" if no mark yet)
mark_rows()
{
	t_sql "SELECT rows_imported FROM fi_source_marks WHERE source = 'argus:$2'
		AND source_table = '$1'"
}

# --- rows appended between runs, late ones included -------------------------
ds_import --argus-db --src-database "$A"
check_eq "first import" "$DS_RC" 0
ds_import --argus-db --src-database "$D"
check_eq "first daily import" "$DS_RC" 0
ds_import --src-database "$V"
check_eq "first VERMONT import" "$DS_RC" 0
# held flows arrive late with their earlier stime; others carry on
ds_sql argus "INSERT INTO argus_flows SELECT stime - 600, dur, proto, saddr, sport, daddr,
	dport, spkts, dpkts, sbytes, dbytes, NULL FROM argus_flows WHERE proto = 'tcp' LIMIT 40"
ds_sql argus "INSERT INTO argus_flows SELECT stime + 3000, dur, proto, saddr, sport, daddr,
	dport, spkts + 1, dpkts, sbytes + 100, dbytes, NULL FROM argus_flows LIMIT 25"
ds_sql argus_daily "INSERT INTO argus_2024_03_10 SELECT stime - 7200, dur, proto, saddr,
	sport, daddr, dport, spkts, dpkts, sbytes, dbytes, NULL FROM argus_2024_03_11 LIMIT 30"
ds_sql vermont_flows "INSERT INTO f_240311_000000 SELECT sourceIPv4Address,
	destinationIPv4Address, sourceTransportPort, destinationTransportPort,
	protocolIdentifier, octetDeltaCount * 2, packetDeltaCount, flowStartMilliseconds - 99999,
	flowEndMilliseconds, tcpControlBits FROM f_240311_000000 LIMIT 50"
ds_import --argus-db --src-database "$A"
check_eq "second import" "$DS_RC" 0
check_contains "only the new rows" "$DS_OUT" "argus_flows: new rows by scan: 65 rows read"
ds_import --argus-db --src-database "$D"
check_contains "daily: only the new rows" "$DS_OUT" "argus_2024_03_10: new rows by scan: 30 rows read"
check_contains "daily: the other day is up to date" "$DS_OUT" "argus_2024_03_11: up to date (263 rows)"
ds_import --src-database "$V"
check_contains "VERMONT: only the new rows" "$DS_OUT" "f_240311_000000: new rows by scan: 50 rows read"
check_eq "marks" "$(mark_rows argus_flows "$A") $(mark_rows argus_2024_03_10 "$D")" "561 263"

# --- key mode: an AUTO_INCREMENT column added to a live table ----------------
ds_sql argus "CREATE TABLE keyed_by_id LIKE argus_flows;
	ALTER TABLE keyed_by_id ADD fi_id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY;
	INSERT INTO keyed_by_id (stime, dur, proto, saddr, sport, daddr, dport, spkts, dpkts,
		sbytes, dbytes) SELECT stime, dur, proto, saddr, sport, daddr, dport, spkts,
		dpkts, sbytes, dbytes FROM argus_flows LIMIT 100"
ds_import --argus-db --src-database "$A"
check_contains "key mode" "$DS_OUT" "keyed_by_id: new rows by key: 100 rows read"
ds_sql argus "INSERT INTO keyed_by_id (stime, dur, proto, saddr, sport, daddr, dport, spkts,
	dpkts, sbytes, dbytes) SELECT stime - 60, dur, proto, saddr, sport, daddr, dport, spkts,
	dpkts, sbytes, dbytes FROM argus_flows LIMIT 120"
ds_import --argus-db --src-database "$A"
check_contains "key mode, new rows" "$DS_OUT" "keyed_by_id: new rows by key: 120 rows read"
check_contains "key mode mark" "$(t_sql "SELECT mark FROM fi_source_marks
	WHERE source_table = 'keyed_by_id'")" "key 220 220 fi_id"
reference
MIN_ROWS=5000 t_check_tables "$T_TMP/ref.argus" "$T_TMP/ref.vermont"

# --- SIGKILL mid-way, in all three modes, and a concurrent run ---------------
ds_sql big "CREATE TABLE flows_scan LIKE \`$A\`.argus_flows"
ds_sql big "INSERT INTO flows_scan SELECT * FROM \`$(ds_db argus)\`.argus_flows"
for k in 1 2 3 4 5 6; do
	ds_sql big "INSERT INTO flows_scan SELECT stime + $k * 86400, dur, proto, saddr, sport,
		daddr, dport, spkts, dpkts, sbytes, dbytes, NULL FROM flows_scan"
done
total=$(ds_sql big "SELECT COUNT(*) FROM flows_scan")
ds_sql big "CREATE TABLE flows_key LIKE flows_scan;
	ALTER TABLE flows_key ADD id INT AUTO_INCREMENT PRIMARY KEY FIRST;
	INSERT INTO flows_key (stime, dur, proto, saddr, sport, daddr, dport, spkts, dpkts, sbytes,
		dbytes) SELECT stime, dur, proto, saddr, sport, daddr, dport, spkts, dpkts, sbytes,
		dbytes FROM flows_scan;
	CREATE TABLE flows_snap LIKE flows_scan;
	ALTER TABLE flows_snap ADD PRIMARY KEY (stime, proto, saddr, sport, daddr, dport, dur);
	INSERT IGNORE INTO flows_snap SELECT * FROM flows_scan"
snap_total=$(ds_sql big "SELECT COUNT(*) FROM flows_snap")

# kill_midway TABLE ARGS...: starts an import of TABLE, SIGKILLs it once its
# mark passed 2000 rows, and checks that it was stopped before the end.
kill_midway()
{
	local table=$1 pid i n="" base
	shift
	importer_gone
	base=$(mark_rows "$table" "$B")
	"$T_IMPORTER" -c "$T_CONF" --argus-db --src-database "$B" --table-name "$table" "$@" \
		>"$T_TMP/kill.$table.log" 2>&1 &
	pid=$!
	T_PIDS="${T_PIDS:-} $pid"
	for ((i = 0; i < 600; i++)); do
		n=$(mark_rows "$table" "$B")
		[[ -n $n && $n -ge $((${base:-0} + 2000)) ]] && break
		sleep 0.1
	done
	# meanwhile a second import of the same source does nothing
	ds_import --argus-db --src-database "$B" --table-name "$table"
	check_eq "concurrent run on $table exit" "$DS_RC" 0
	check_contains "concurrent run on $table" "$DS_OUT" "another import of argus:$B is running"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	importer_gone
	n=$(mark_rows "$table" "$B")
	if [[ -n $n && $n -ge 2000 && $n -lt $total ]]; then
		t_ok
	else
		t_fail "$table: import not killed mid-way (mark at ${n:-none} of $total rows)"
	fi
}
# resume TABLE: imports TABLE again once the killed run's lock is released
resume()
{
	local i
	for ((i = 0; i < 50; i++)); do
		ds_import --argus-db --src-database "$B" --table-name "$1"
		[[ $DS_OUT == *"another import of"* ]] || return 0
		sleep 0.2
	done
}
# SIGTERM: the rows read so far are written, the run says it was interrupted
"$T_IMPORTER" -c "$T_CONF" --argus-db --src-database "$B" --table-name flows_scan \
	>"$T_TMP/term.log" 2>&1 &
pid=$!
T_PIDS="${T_PIDS:-} $pid"
for ((i = 0; i < 600; i++)); do
	n=$(mark_rows flows_scan "$B")
	[[ -n $n && $n -ge 1000 ]] && break
	sleep 0.1
done
kill -TERM "$pid"
t_wait_exit "$pid"
check_eq "SIGTERM exit" "$?" 1
check_contains "SIGTERM message" "$(cat "$T_TMP/term.log")" \
	"interrupted; the next run continues where this one stopped"
n=$(mark_rows flows_scan "$B")
if [[ -n $n && $n -gt 0 && $n -lt $total ]]; then
	t_ok
else
	t_fail "SIGTERM: mark at ${n:-none} of $total rows"
fi
kill_midway flows_scan
kill_midway flows_key
kill_midway flows_snap
check_contains "snapshot interrupted" "$(t_sql "SELECT mark FROM fi_source_marks
	WHERE source_table = 'flows_snap'")" "snapshot-partial "
resume flows_scan
check_eq "scan resumed" "$DS_RC" 0
check_eq "scan complete" "$(mark_rows flows_scan "$B")" "$total"
resume flows_key
check_eq "key resumed" "$DS_RC" 0
check_eq "key complete" "$(mark_rows flows_key "$B")" "$total"
resume flows_snap
check_eq "snapshot resumed" "$DS_RC" 0
check_contains "snapshot resumed output" "$DS_OUT" "flows_snap: snapshot (resumed)"
check_eq "snapshot complete" "$(t_sql "SELECT rows_imported, LEFT(mark, 9) FROM fi_source_marks
	WHERE source_table = 'flows_snap'")" "$(printf '%s\tsnapshot ' "$snap_total")"
reference
MIN_ROWS=5000 t_check_tables "$T_TMP/ref.argus" "$T_TMP/ref.vermont" "$T_TMP/ref.big"

# --- a table whose imported rows changed is refused, nothing is counted -----
before=$(ds_totals)
ds_sql argus "DELETE FROM argus_flows WHERE proto = 'udp' LIMIT 1;
	INSERT INTO argus_flows SELECT * FROM argus_flows WHERE proto = 'tcp' LIMIT 2"
ds_import --argus-db --src-database "$A"
check_eq "changed table exit" "$DS_RC" 1
check_contains "changed table message" "$DS_OUT" \
	"argus_flows: the first 561 rows of argus_flows are not the ones imported before"
check_contains "the other tables go on" "$DS_OUT" "keyed_by_id: up to date (220 rows)"
ds_sql argus "DELETE FROM argus_flows WHERE proto = 'tcp' LIMIT 5"
ds_import --argus-db --src-database "$A"
check_eq "shrunk table exit" "$DS_RC" 1
check_contains "shrunk table message" "$DS_OUT" "has 557 rows, fewer than the 561 imported before"
check_eq "totals unchanged" "$(ds_totals)" "$before"

# --- --every: runs until SIGTERM; the password is not left in ps -------------
READER=rd_$$
harness_mysql -e "CREATE USER '$READER'@'127.0.0.1' IDENTIFIED BY 'every-pw';
	GRANT SELECT ON \`$D\`.* TO '$READER'@'127.0.0.1';"
trap 'harness_mysql -e "DROP USER IF EXISTS '"'$READER'"'@'"'127.0.0.1'"'" 2>/dev/null;
	ds_cleanup; fi_test_cleanup' EXIT
"$T_IMPORTER" -c "$T_CONF" --argus-db --src-database "$D" --src-user "$READER" \
	--src-password every-pw --every 1 >"$T_TMP/every.log" 2>&1 &
pid=$!
T_PIDS="${T_PIDS:-} $pid"
sleep 1
cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline")
check_contains "password blanked in argv" "$cmdline" "--src-password xxxxxxxx --every"
ds_sql argus_daily "INSERT INTO argus_2024_03_11 SELECT stime + 1, dur, proto, saddr, sport,
	daddr, dport, spkts, dpkts, sbytes, dbytes, NULL FROM argus_2024_03_11 LIMIT 7"
for ((i = 0; i < 100; i++)); do
	[[ $(mark_rows argus_2024_03_11 "$D") == 270 ]] && break
	sleep 0.1
done
check_eq "--every picked up the new rows" "$(mark_rows argus_2024_03_11 "$D")" 270
kill -HUP "$pid"
sleep 0.5
check_cmd "--every survives SIGHUP" kill -0 "$pid"
kill -TERM "$pid"
t_wait_exit "$pid"
check_eq "--every exit after SIGTERM" "$?" 0
check_eq "--every quiet" "$(cat "$T_TMP/every.log")" ""
t_done
