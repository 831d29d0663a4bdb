#!/usr/bin/env bash
# test_dbsrc_fixtures.sh: the shipped argus (rasqlinsert -m none, -m keyed,
# -M time 1d) and VERMONT (IpfixDbWriter: milliseconds, seconds, legacy
# names) dumps, mixed and loopback captures, loaded into source databases and
# imported; every row of every bucket table equals the reference computed by
# dbsrcref.py + flowref.py from the same source tables. A second run imports
# nothing; the keyed table is only imported as a snapshot when named.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
. "$FI_SOURCE_DIR/tests/shell/dbsrclib.sh"
fi_test_setup dbsrc_fixtures
ds_setup

ds_load_dump "$T_FIXTURES/argus-rasqlinsert.sql" "" argus argus_agg argus_daily
ds_load_dump "$T_FIXTURES/argus-rasqlinsert-loopback.sql" lo_ argus argus_agg argus_daily
ds_load_dump "$T_FIXTURES/vermont-ipfixdbwriter.sql" "" vermont_flows vermont_flows_sec \
	vermont_legacy
ds_load_dump "$T_FIXTURES/vermont-ipfixdbwriter-loopback.sql" lo_ vermont_flows \
	vermont_flows_sec vermont_legacy
check_eq "argus rows loaded" "$(ds_sql argus 'SELECT COUNT(*) FROM argus_flows')" 496

refs=()
# argus: -m none and the daily tables are followed; the keyed table is not
for db in argus argus_daily lo_argus lo_argus_daily; do
	ds_import --argus-db --src-database "$(ds_db $db)"
	check_eq "import $db exit" "$DS_RC" 0
	ds_ref argus "$T_TMP/ref.$db" --db "$(ds_db $db)"
	refs+=("$T_TMP/ref.$db")
done
check_contains "daily tables" "$DS_OUT" "argus_2026_11_27: new rows by scan"
check_eq "marks of the followed tables" \
	"$(t_sql "SELECT source, source_table, rows_imported, LEFT(mark, 9) FROM fi_source_marks
		WHERE source = 'argus:$(ds_db argus)'")" \
	"$(printf 'argus:%s\targus_flows\t496\tscan 496 ' "$(ds_db argus)")"
for db in argus_agg lo_argus_agg; do
	ds_import --argus-db --src-database "$(ds_db $db)"
	check_eq "keyed $db without --table-name exit" "$DS_RC" 0
	check_contains "keyed $db skipped" "$DS_OUT" "argus_flows: skipped: a keyed table"
	ds_import --argus-db --src-database "$(ds_db $db)" --table-name argus_flows
	check_eq "keyed $db as a snapshot exit" "$DS_RC" 0
	check_contains "keyed $db says snapshot" "$DS_OUT" \
		"importing it as a snapshot of its current state (named with --table-name)"
	ds_ref argus "$T_TMP/ref.$db" --db "$(ds_db $db)"
	refs+=("$T_TMP/ref.$db")
done
check_eq "keyed rows" "$(ds_stat "$T_TMP/ref.argus_agg" rows)" 399
check_eq "snapshot mark" "$(t_sql "SELECT LEFT(mark, 13) FROM fi_source_marks
	WHERE source = 'argus:$(ds_db argus_agg)'")" "snapshot 399 "

# VERMONT: every f_ table; the empty exporter table lacks the columns
for db in vermont_flows vermont_flows_sec vermont_legacy lo_vermont_flows \
	lo_vermont_flows_sec lo_vermont_legacy; do
	ds_import --src-database "$(ds_db $db)"
	check_eq "import $db exit" "$DS_RC" 0
	check_contains "$db exporter table skipped" "$DS_OUT" "exporter: skipped, not a VERMONT table"
	ds_ref vermont "$T_TMP/ref.$db" --db "$(ds_db $db)"
	refs+=("$T_TMP/ref.$db")
done
check_eq "VERMONT flows per run" "$(ds_stat "$T_TMP/ref.vermont_legacy" flows)" 564
for r in "${refs[@]}"; do
	check_eq "no bad rows in $(basename "$r")" "$(ds_stat "$r" bad)" 0
done

MIN_ROWS=5000 t_check_tables "${refs[@]}"

# a second run of everything changes nothing
before=$(ds_totals)
for db in argus argus_daily lo_argus lo_argus_daily; do
	ds_import --argus-db --src-database "$(ds_db $db)"
	check_eq "again $db exit" "$DS_RC" 0
	check_contains "again $db up to date" "$DS_OUT" "up to date"
done
ds_import --argus-db --src-database "$(ds_db argus_agg)" --table-name argus_flows
check_contains "snapshot not taken twice" "$DS_OUT" "imported as a snapshot before (399 rows)"
for db in vermont_flows vermont_legacy; do
	ds_import --src-database "$(ds_db $db)"
	check_eq "again $db exit" "$DS_RC" 0
done
check_eq "totals unchanged" "$(ds_totals)" "$before"

# without a terminal and without -v a successful run prints nothing
out=$("$T_IMPORTER" -c "$T_CONF" --argus-db --src-database "$(ds_db argus)" 2>&1)
check_eq "quiet under cron" "$out" ""
t_done
