#!/usr/bin/env bash
# test_zeek_follow.sh: --zeek --follow on a live log directory. The test
# writes conn.log as Zeek would (records appended in bursts, the last line
# sometimes half written), kills the importer with SIGKILL twice and starts
# it again, rotates the log (renamed, #close, gzipped, a new conn.log) and
# writes on; the importer follows every step. Once the marks hold every
# record, SIGTERM ends it with status 0, and the bucket tables equal the
# reference (tests/tools/zeekref.py) over the final files.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
fi_test_setup zeekfollow
t_init_db "retention_days = 0" "src_chunk_rows = 300" "flush_interval = 1"
logs=$T_TMP/logs
mkdir -p "$logs"
gen=$FI_SOURCE_DIR/tests/tools/zeekgen.py

follow()
{
	"$T_IMPORTER" -c "$T_CONF" --zeek --follow "$logs" >>"$T_TMP/importer.log" 2>&1 &
	imp=$!
	T_PIDS="${T_PIDS:-} $imp"
}
# records the marks hold
imported()
{
	t_sql "SELECT COALESCE(SUM(rows_imported), 0) FROM fi_source_marks"
}
# burst SEED COUNT START: appends records to conn.log, the last one in two writes
burst()
{
	python3 "$gen" "$1" "$2" "$3" >"$T_TMP/burst"
	head -c -40 "$T_TMP/burst" >>"$logs/conn.log"
	sleep 0.3
	tail -c 40 "$T_TMP/burst" >>"$logs/conn.log"
}

python3 "$gen" 1 2000 1709280000 header >"$logs/conn.log"
follow
burst 2 1500 1709280100
sleep 1
kill -KILL "$imp"
wait "$imp" 2>/dev/null
first=$(imported)
echo "zeekfollow: killed with $first records in"
follow
burst 3 1500 1709280200
sleep 0.5
kill -KILL "$imp"
wait "$imp" 2>/dev/null
follow
burst 4 1000 1709280300
# rotation, as zeekctl does it: renamed with #close, then compressed
printf '#close\t2024-03-01-11-00-00\n' >>"$logs/conn.log"
mv "$logs/conn.log" "$logs/conn.2024-03-01-10-00-00.log"
python3 "$gen" 5 800 1709283600 header >"$logs/conn.log"
sleep 1
gzip "$logs/conn.2024-03-01-10-00-00.log"
burst 6 700 1709283700
total=$((2000 + 1500 + 1500 + 1000 + 800 + 700))
for ((i = 0; i < 600; i++)); do
	(($(imported) == total)) && break
	sleep 0.1
done
check_eq "every record followed into the marks" "$(imported)" "$total"
if ((first > 0 && first < total)); then t_ok; else t_fail "the first kill was not mid-way ($first)"; fi
kill -TERM "$imp"
t_wait_exit "$imp" "$T_TMP/importer.log"
check_eq "SIGTERM: status 0" "$?" 0
check_eq "two marks: the rotated log and the new one" \
	"$(t_sql "SELECT COUNT(*) FROM fi_source_marks")" 2
python3 "$FI_SOURCE_DIR/tests/tools/zeekref.py" "$logs"/conn.2024-03-01-10-00-00.log.gz \
	"$logs/conn.log" >"$T_TMP/expected.jsonl" 2>"$T_TMP/zeekref.err"
MIN_ROWS=10000 t_check_tables "$T_TMP/expected.jsonl"
t_done
