#!/usr/bin/env bash
# test_store_mark.sh: runs tests/db/store_mark.c against the harness MariaDB:
# source marks are moved compare-and-set, in the transaction of their data.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
fi_test_setup store_mark
t_init_db "retention_days = 0"
check_cmd "store_mark" "$BUILD/tests/store_mark" "$T_CONF"
check_eq "the marks" "$(t_sql "SELECT source, source_table, mark, rows_imported
	FROM fi_source_marks ORDER BY source_table")" \
	"$(printf 'argus:test\targus_flows\tscan 2 z\t2\nargus:test\tother\tscan 2 z\t2')"
check_eq "no batch records" "$(t_sql "SELECT COUNT(*) FROM fi_batches")" 0
check_eq "the data" "$(t_sql "SELECT SUM(tcp_packets) FROM totals_86400")" 15
t_done
