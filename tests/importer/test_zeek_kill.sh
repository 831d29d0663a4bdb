#!/usr/bin/env bash
# test_zeek_kill.sh: --zeek exactly once. A Zeek log directory is imported
# while the log grows, killed with SIGKILL mid-file several times, the log is
# rotated (gzipped under its dated name, a new conn.log started) and the
# import re-run; the bucket tables equal the reference (tests/tools/zeekref.py
# over the final files), and a last run imports nothing.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
fi_test_setup zeekkill
t_init_db "retention_days = 0" "src_chunk_rows = 500" "flush_interval = 3600"
logs=$T_TMP/logs
mkdir -p "$logs"

# gen SEED COUNT START [header]: Zeek TSV records (a header first with "header")
gen()
{
	python3 "$FI_SOURCE_DIR/tests/tools/zeekgen.py" "$@"
}

# runs the importer on the logs in the background; kills it with SIGKILL once
# a mark shows it part way (rows between 0 and all of the file)
kill_mid_file()
{
	local pid i rows
	"$T_IMPORTER" -c "$T_CONF" --zeek "$logs" >>"$T_TMP/importer.log" 2>&1 &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		rows=$(t_sql "SELECT COALESCE(MAX(rows_imported), 0) FROM fi_source_marks
			WHERE rows_imported > ${1:-0}")
		((rows > 0)) && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	echo "killed at $rows rows" >>"$T_TMP/kills"
	echo "$rows"
}

gen 7 30000 1709280000 header >"$logs/conn.log"
r1=$(kill_mid_file 0)
if ((r1 > 0 && r1 < 30000)); then t_ok; else t_fail "the first kill was not mid-file ($r1 rows)"; fi
r2=$(kill_mid_file "$r1")
if ((r2 > r1)); then t_ok; else t_fail "the second run did not go on from the mark ($r1 then $r2)"; fi
# the log grows: more records, the last one without its newline yet
gen 8 10000 1709281600 >>"$logs/conn.log"
printf '1709284000.000001\tCpartial\t10.0.0.1\t1\t10.0.0.2\t2\tudp' >>"$logs/conn.log"
r3=$(kill_mid_file "$r2")
# rotated: the line completed, #close added, gzipped under its dated name; a new log
printf '\t-\t-\t-\t-\tS0\tT\tF\t0\tD\t1\t40\t0\t0\t(empty)\n#close\t2024-03-01-11-00-00\n' \
	>>"$logs/conn.log"
gzip -c "$logs/conn.log" >"$logs/conn.2024-03-01-10-00-00.log.gz"
rm "$logs/conn.log"
gen 9 15000 1709290000 header >"$logs/conn.log"
r4=$(kill_mid_file "$r3")
echo "zeekkill: kills at $r1, $r2, $r3, $r4 rows"
check_cmd "the last run" "$T_IMPORTER" -c "$T_CONF" --zeek "$logs"
out=$("$T_IMPORTER" -c "$T_CONF" -v --zeek "$logs" 2>&1)
check_contains "a run after it: the rotated log" "$out" \
	"conn.2024-03-01-10-00-00.log.gz: up to date (40001 records imported before)"
check_contains "a run after it: the new log" "$out" \
	"conn.log: up to date (15000 records imported before)"
check_eq "two marks" "$(t_sql "SELECT COUNT(*) FROM fi_source_marks")" 2
python3 "$FI_SOURCE_DIR/tests/tools/zeekref.py" "$logs"/conn.2024-03-01-10-00-00.log.gz \
	"$logs/conn.log" >"$T_TMP/expected.jsonl" 2>"$T_TMP/zeekref.err"
check_eq "the reference read every record" "$(wc -l <"$T_TMP/expected.jsonl")" \
	"$(zcat "$logs"/*.gz | cat - "$logs/conn.log" | python3 -c '
import sys
n = 0
for line in sys.stdin:
    if line.startswith("#"):
        continue
    f = line.rstrip("\n").split("\t")
    n += 1 + (f[18] != "0")
print(n)')"
MIN_ROWS=50000 t_check_tables "$T_TMP/expected.jsonl"
t_done
