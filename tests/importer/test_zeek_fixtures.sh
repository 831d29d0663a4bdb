#!/usr/bin/env bash
# test_zeek_fixtures.sh: --zeek on the hand-written Zeek logs of
# tests/importer/zeek (TSV in the default and in another column order, JSON
# lines with epoch and ISO 8601 times, a rotated .gz, IPv6, ICMP, unset
# fields, bad records): the bucket tables equal the independent reference
# (tests/tools/zeekref.py), the bad records are the reference's, each named
# by file and line, the exit status says so (3), and nothing is imported
# twice: not by a second run, not from standard input.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
fi_test_setup zeekfix
t_init_db "retention_days = 0"
fix=$FI_SOURCE_DIR/tests/importer/zeek
ref=$FI_SOURCE_DIR/tests/tools/zeekref.py

"$T_IMPORTER" -c "$T_CONF" --zeek "$fix" "$fix/bad.log" >"$T_TMP/run1.out" 2>"$T_TMP/run1.err"
check_eq "exit status with bad records" "$?" 3
cat "$T_TMP/run1.err"
python3 "$ref" "$fix"/conn* "$fix/bad.log" >"$T_TMP/expected.jsonl" 2>"$T_TMP/ref.err"
check_eq "the reference ran" "$?" 0
# the bad records: the same file:line pairs as the reference's
grep -oE '[^ /]+\.log:[0-9]+' "$T_TMP/ref.err" | sort -u >"$T_TMP/ref.bad"
grep -E 'skipped' "$T_TMP/run1.err" | grep -oE '[^ /]+\.log:[0-9]+' | sort -u >"$T_TMP/imp.bad"
check_eq "bad records found" "$(wc -l <"$T_TMP/imp.bad")" "$(wc -l <"$T_TMP/ref.bad")"
check_eq "bad records, by file and line" "$(cat "$T_TMP/imp.bad")" "$(cat "$T_TMP/ref.bad")"
if [[ -s $T_TMP/imp.bad ]]; then t_ok; else t_fail "no bad record reported"; fi
check_eq "a mark per file" "$(t_sql "SELECT COUNT(*) FROM fi_source_marks WHERE source = 'zeek'")" \
	"$(find "$fix" -name 'conn*' -o -name bad.log | wc -l)"
t_check_tables "$T_TMP/expected.jsonl"

# again: nothing new, status 0
out=$("$T_IMPORTER" -c "$T_CONF" -v --zeek "$fix" "$fix/bad.log" 2>&1)
check_eq "a second run's status" "$?" 0
check_eq "a second run: every file up to date" "$(grep -c ': up to date (' <<<"$out")" \
	"$(find "$fix" -name 'conn*' -o -name bad.log | wc -l)"
check_eq "a second run imports nothing" "$(grep -c 'flows imported' <<<"$out")" 0
# the same log on standard input is the same file
out=$(python3 -c 'import gzip,sys; sys.stdout.buffer.write(gzip.open(sys.argv[1]).read())' \
	"$(ls "$fix"/conn*.gz | head -n 1)" | "$T_IMPORTER" -c "$T_CONF" -v --zeek - 2>&1)
check_eq "standard input's status" "$?" 0
check_contains "a log on standard input imported before" "$out" "-: up to date"
check_cmd "--every with standard input is refused" test "$("$T_IMPORTER" -c "$T_CONF" \
	--zeek --every 5 - </dev/null >/dev/null 2>&1; echo $?)" = 2
t_check_tables "$T_TMP/expected.jsonl"

# a log whose #fields lacks a counter is refused whole, with status 1
printf '#separator \\x09\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n1709287200\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\n' \
	>"$T_TMP/conn.short.log"
out=$("$T_IMPORTER" -c "$T_CONF" --zeek "$T_TMP/conn.short.log" 2>&1)
check_eq "a log without counters: status" "$?" 1
check_contains "a log without counters: why" "$out" "has no orig_pkts column"
t_done
