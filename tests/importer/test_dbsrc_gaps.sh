#!/usr/bin/env bash
# test_dbsrc_gaps.sh: key mode (a table followed by its AUTO_INCREMENT key)
# with concurrent InnoDB writers. A row committed after a higher key was
# imported is imported by a later run, exactly once; the key of a rolled-back
# insert is given up after src_settle and reported; an import stopped by
# SIGTERM or SIGKILL while it reads rows from gaps resumes with exact
# totals; with auto_increment_increment = 2 the keys between are no gaps;
# beyond src_max_gaps ranges the oldest are given up with a warning.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
. "$FI_SOURCE_DIR/tests/shell/dbsrclib.sh"
fi_test_setup dbsrc_gaps
ds_setup
echo "src_chunk_rows = 500" >>"$T_CONF"
echo "src_settle = 600" >>"$T_CONF"

ds_load_dump "$T_FIXTURES/argus-rasqlinsert.sql" "" argus
ds_create gaps
A=$(ds_db argus)
G=$(ds_db gaps)
COLS="stime, dur, proto, saddr, sport, daddr, dport, spkts, dpkts, sbytes, dbytes"

restore_increment()
{
	harness_mysql -e "SET GLOBAL auto_increment_increment = 1,
		GLOBAL auto_increment_offset = 1" 2>/dev/null || true
}
trap 'restore_increment; [[ -n ${WA_PID:-} ]] && kill "$WA_PID" 2>/dev/null;
	ds_cleanup; fi_test_cleanup' EXIT

# new_table NAME: an InnoDB copy of argus_flows' layout with an AUTO_INCREMENT key
new_table()
{
	ds_sql gaps "CREATE TABLE $1 LIKE \`$A\`.argus_flows;
		ALTER TABLE $1 ENGINE = InnoDB,
			ADD fi_id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY"
}
# rows_sql TABLE N [SHIFT]: an INSERT of N rows of argus_flows into TABLE.
# N is 2^k - 1: InnoDB may reserve keys for an INSERT ... SELECT in blocks
# of 1, 2, 4, ... rows and leave the rest of the last block unused.
rows_sql()
{
	echo "INSERT INTO $1 ($COLS) SELECT stime + ${3:-0}, dur, proto, saddr, sport, daddr,
		dport, spkts, dpkts, sbytes, dbytes FROM \`$A\`.argus_flows LIMIT $2"
}

# writer A: a second source connection that holds a transaction open
wa_start()
{
	coproc WA { harness_mysql -N -B -n "$G" 2>&1; }
	WA_PID=$WA_PID
}
# wa SQL: runs SQL on writer A and waits until it is done
wa()
{
	local line=""
	echo "$1; SELECT 'wa-ok';" >&"${WA[1]}"
	read -r -t 60 line <&"${WA[0]}"
	[[ $line == wa-ok ]] || t_fail "writer A: $1: $line"
}
wa_stop()
{
	exec {WA[1]}>&-
	wait "$WA_PID" 2>/dev/null
	WA_PID=""
}

import()
{
	ds_import --argus-db --src-database "$G"
}
# check_exact WHAT: the destination holds exactly the flows of the source
# tables, and the marks count every source row once
check_exact()
{
	local t n=0
	ds_ref argus "$T_TMP/ref.gaps" --db "$G"
	t_check_tables "$T_TMP/ref.gaps" >/dev/null
	for t in $(ds_sql gaps "SHOW TABLES"); do
		n=$((n + $(ds_sql gaps "SELECT COUNT(*) FROM $t")))
	done
	check_eq "$1: rows imported" "$(t_sql "SELECT SUM(rows_imported) FROM fi_source_marks")" "$n"
}
gaps_of()
{
	t_sql "SELECT CONCAT(lo, '-', hi) FROM fi_source_gaps WHERE source_table = '$1'
		ORDER BY lo" | tr '\n' ' '
}

# --- a lower key committed after a higher one was imported -------------------
new_table live
ds_sql gaps "$(rows_sql live 7)"
import
check_eq "first import" "$DS_RC" 0
check_contains "first import rows" "$DS_OUT" "live: new rows by key: 7 rows read"
wa_start
wa "BEGIN"
wa "$(rows_sql live 1 100)"
ds_sql gaps "$(rows_sql live 3 200)"
import
check_eq "import with a transaction open" "$DS_RC" 0
check_contains "the committed rows" "$DS_OUT" "live: new rows by key: 3 rows read"
check_contains "the gap is kept" "$DS_OUT" "1 gap ranges waiting"
check_eq "the gap" "$(gaps_of live)" "8-8 "
wa "COMMIT"
import
check_eq "import after the commit" "$DS_RC" 0
check_contains "the late row" "$DS_OUT" "live: 1 rows read in gaps of fi_id, 0 gap ranges waiting"
check_eq "no gap left" "$(gaps_of live)" ""
check_eq "mark" "$(t_sql "SELECT rows_imported, mark FROM fi_source_marks
	WHERE source_table = 'live'")" "$(printf '11\tkey 11 11 fi_id')"
check_exact "late row"
before=$(ds_totals)
import
check_contains "third run" "$DS_OUT" "live: up to date (11 rows)"
check_eq "third run changes nothing" "$(ds_totals)" "$before"

# --- a rolled-back insert: its key is given up after src_settle --------------
wa "BEGIN"
wa "$(rows_sql live 3 300)"
wa "ROLLBACK"
ds_sql gaps "$(rows_sql live 3 400)"
import
check_contains "rows after the rollback" "$DS_OUT" "live: new rows by key: 3 rows read"
check_eq "the rolled-back keys" "$(gaps_of live)" "12-14 "
sed -i 's/^src_settle = 600$/src_settle = 2/' "$T_CONF"
import
check_contains "not yet settled" "$DS_OUT" "1 gap ranges waiting, 0 given up"
sleep 3
before=$(ds_totals)
import
check_eq "given up exit" "$DS_RC" 0
check_contains "given up, per table" "$DS_OUT" "0 gap ranges waiting, 1 given up (3 keys)"
check_contains "given up, once per run" "$DS_OUT" \
	"argus:$G: 1 gap ranges (3 keys) given up after src_settle"
check_eq "given up: nothing counted" "$(ds_totals)" "$before"
check_eq "no gap after giving up" "$(gaps_of live)" ""
check_exact "rollback"
sed -i 's/^src_settle = 2$/src_settle = 600/' "$T_CONF"

# --- SIGTERM and SIGKILL while rows are read from a gap ----------------------
new_table big
ds_sql gaps "$(rows_sql big 7)"
import
wa "BEGIN"
for ((k = 1; k <= 80; k++)); do
	wa "$(rows_sql big 255 $((k * 7)))"
done
ds_sql gaps "$(rows_sql big 1 900)"
import
check_contains "a big gap" "$DS_OUT" "big: new rows by key: 1 rows read"
wa "COMMIT"
total=$(ds_sql gaps "SELECT COUNT(*) FROM big")
mark_rows()
{
	t_sql "SELECT rows_imported FROM fi_source_marks WHERE source_table = 'big'"
}
# stop_at SIGNAL ROWS: starts an import of big and sends SIGNAL once its mark
# is ROWS rows past where it began; checks that the run was stopped while it
# read the gap. Its exit status is in STOP_RC.
stop_at()
{
	local sig=$1 rows=$2 base n i pid
	importer_gone
	base=$(mark_rows)
	"$T_IMPORTER" -c "$T_CONF" --argus-db --src-database "$G" --table-name big \
		>"$T_TMP/stop.$sig.log" 2>&1 &
	pid=$!
	T_PIDS="${T_PIDS:-} $pid"
	for ((i = 0; i < 600; i++)); do
		n=$(mark_rows)
		[[ -n $n && $n -ge $((base + rows)) ]] && break
		sleep 0.05
	done
	kill -"$sig" "$pid"
	wait "$pid" 2>/dev/null
	STOP_RC=$?
	importer_gone
	n=$(mark_rows)
	if [[ $n -ge $((base + rows)) && $n -lt $total ]]; then
		t_ok
	else
		t_fail "big: SIG$sig did not stop the import in the gap (mark at $n of $total rows)"
	fi
	echo "big: SIG$sig with $n of $total rows imported"
}
stop_at TERM 2000
check_eq "SIGTERM in a gap: exit" "$STOP_RC" 1
check_contains "SIGTERM in a gap: message" "$(cat "$T_TMP/stop.TERM.log")" \
	"interrupted; the next run continues where this one stopped"
stop_at KILL 3000
check_contains "the gap shrank" "$(gaps_of big)" "-"
import
check_eq "resumed" "$DS_RC" 0
check_contains "resumed in the gap" "$DS_OUT" "0 gap ranges waiting, 0 given up"
check_eq "big complete" "$(mark_rows)" "$total"
check_eq "no gap left in big" "$(gaps_of big)" ""
check_exact "SIGKILL in a gap"

# --- beyond src_max_gaps ranges the oldest are given up, loudly --------------
echo "src_max_gaps = 2" >>"$T_CONF"
new_table bounded
for ((k = 1; k <= 3; k++)); do
	wa "BEGIN"
	wa "$(rows_sql bounded 1 $k)"
	wa "ROLLBACK"
	ds_sql gaps "$(rows_sql bounded 1 $((k + 10)))"
done
import
check_eq "over the bound: exit" "$DS_RC" 0
check_contains "over the bound: imported" "$DS_OUT" "bounded: new rows by key: 3 rows read"
check_contains "over the bound: warning" "$DS_OUT" \
	"bounded: more than src_max_gaps = 2 ranges of keys skipped by fi_id"
check_contains "over the bound: summary" "$DS_OUT" \
	"1 ranges of skipped keys given up over src_max_gaps = 2"
check_eq "over the bound: the newest kept" "$(gaps_of bounded)" "3-3 5-5 "
sed -i '/^src_max_gaps = 2$/d' "$T_CONF"
check_exact "over the bound"

# --- auto_increment_increment = 2: the keys between are no gaps --------------
wa_stop
harness_mysql -e "SET GLOBAL auto_increment_increment = 2, GLOBAL auto_increment_offset = 1"
new_table step2
for ((k = 1; k <= 5; k++)); do
	ds_sql gaps "$(rows_sql step2 7 $k)"
done
check_eq "keys step by 2" "$(ds_sql gaps "SELECT MIN(fi_id), MAX(fi_id), COUNT(*) FROM step2")" \
	"$(printf '1\t69\t35')"
import
check_contains "step 2 imported" "$DS_OUT" "step2: new rows by key: 35 rows read"
if [[ $DS_OUT == *"step2: 0 rows read in gaps"* ]]; then
	t_fail "spurious gaps in step2: $DS_OUT"
else
	t_ok
fi
check_eq "no spurious gaps" "$(gaps_of step2)" ""
# a real gap still counts: one key of step 2 held by an open transaction
wa_start
wa "BEGIN"
wa "$(rows_sql step2 1 500)"
ds_sql gaps "$(rows_sql step2 2 600)"
import
check_eq "one gap of step 2" "$(gaps_of step2)" "71-71 "
wa "COMMIT"
import
check_contains "the late row of step 2" "$DS_OUT" "step2: 1 rows read in gaps of fi_id, 0 gap"
check_eq "no gap left in step2" "$(gaps_of step2)" ""
wa_stop
restore_increment
check_exact "increment 2"
t_done
