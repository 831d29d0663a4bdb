#!/usr/bin/env bash
# test_schema.sh: --init-db on an empty database creates every table, event,
# account and grant; a second run changes nothing; on a database from
# before an upgrade (fi_source_gaps or fi_batch_refused missing) it
# applies it; the responder's
# account can read but not write; the importer's can write.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
fi_test_setup schema

# Everything that describes the schema, in a stable order.
schema_dump()
{
	local t
	for t in $(t_sql "SHOW TABLES"); do
		t_sql "SHOW CREATE TABLE \`$t\`" | sed 's/AUTO_INCREMENT=[0-9]* //'
	done
	t_sql "SELECT EVENT_NAME, EVENT_DEFINITION, INTERVAL_VALUE, INTERVAL_FIELD, STATUS
	       FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '$T_DB' ORDER BY 1"
	t_sql "SELECT version, name FROM fi_schema_version ORDER BY version"
	t_sql "SELECT size, retention_days FROM fi_bucket_sizes ORDER BY size"
	harness_mysql -N -B -e "SHOW GRANTS FOR '$T_USER'@'127.0.0.1';
	                        SHOW GRANTS FOR '$T_RO_USER'@'127.0.0.1'"
}

check_cmd "first --init-db" "$T_IMPORTER" -c "$T_CONF" --init-db
first=$(schema_dump)
check_cmd "second --init-db" "$T_IMPORTER" -c "$T_CONF" --init-db
second=$(schema_dump)
check_eq "schema after a second --init-db" "$second" "$first"
# a database from before upgrade 0003 (no fi_source_gaps): --init-db adds it
t_sql "DROP TABLE fi_source_gaps; DELETE FROM fi_schema_version WHERE version = 3"
check_cmd "--init-db on a database without fi_source_gaps" "$T_IMPORTER" -c "$T_CONF" --init-db
check_eq "schema after upgrade 0003" "$(schema_dump)" "$first"
# a database from before upgrade 0004 (no fi_batch_refused): --init-db adds it
t_sql "DROP TABLE fi_batch_refused; DELETE FROM fi_schema_version WHERE version = 4"
check_cmd "--init-db on a database without fi_batch_refused" "$T_IMPORTER" -c "$T_CONF" --init-db
check_eq "schema after upgrade 0004" "$(schema_dump)" "$first"

tables=$(t_sql "SHOW TABLES" | sort | tr '\n' ' ')
want=""
for t in fi_batch_refused fi_batches fi_bucket_sizes fi_heartbeat fi_meta fi_rollup_dirty fi_schema_version fi_source_gaps fi_source_marks; do
	want+="$t "
done
for kind in flowgroups flows flowtop nodegroups nodes nodetop pairgroups pairs pairtop portgroups ports porttop totals; do
	for size in 3600 60 600 86400; do
		want+="${kind}_$size "
	done
done
want=$(tr ' ' '\n' <<<"$want" | sed '/^$/d' | sort | tr '\n' ' ')
check_eq "tables for the default bucket sizes" "$tables" "$want"
check_eq "upgrades recorded once" "$(t_sql "SELECT COUNT(*) FROM fi_schema_version")" \
	"$(find "$FI_SOURCE_DIR/sql/upgrades" -name '*.sql' | wc -l)"
# default retention: 60 s 2 days, 600 s 31, 3600 s 400, 86400 s forever (no
# event); and the heartbeat, every second
check_eq "retention events and the heartbeat" \
	"$(t_sql "SELECT EVENT_NAME, STATUS FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '$T_DB' ORDER BY 1" | tr '\n\t' '  ')" \
	"fi_heartbeat ENABLED fi_retention_3600 ENABLED fi_retention_60 ENABLED fi_retention_600 ENABLED "
hb0=$(t_sql "SELECT ts_ms FROM fi_heartbeat WHERE id = 1")
sleep 2.1
hb1=$(t_sql "SELECT ts_ms FROM fi_heartbeat WHERE id = 1")
check_cmd "the heartbeat moves ($hb0 -> $hb1)" test "$((hb1 - hb0))" -ge 1000 -a "$((hb1 - hb0))" -le 4000
check_contains "60 s event age" "$(t_sql "SELECT EVENT_DEFINITION FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '$T_DB' AND EVENT_NAME = 'fi_retention_60'")" \
	"UNIX_TIMESTAMP() - 2 * 86400 - 60"

# accounts: the responder reads, cannot write; the importer writes
check_eq "responder can SELECT" "$(t_sql_as "$T_RO_USER" ro-pw "SELECT COUNT(*) FROM totals_600")" "0"
out=$(t_sql_as "$T_RO_USER" ro-pw "INSERT INTO totals_600 (bucket) VALUES (600)" 2>&1)
check_contains "responder cannot INSERT" "$out" "INSERT command denied"
out=$(t_sql_as "$T_RO_USER" ro-pw "DELETE FROM totals_600" 2>&1)
check_contains "responder cannot DELETE" "$out" "DELETE command denied"
out=$(t_sql_as "$T_RO_USER" ro-pw "CREATE TABLE x (a INT)" 2>&1)
check_contains "responder cannot CREATE" "$out" "denied"
# a current bucket, so that retention leaves it alone
bucket=$(($(date +%s) / 600 * 600))
check_cmd "importer can INSERT" t_sql_as "$T_USER" imp-pw "INSERT INTO totals_600 (bucket, tcp_flows) VALUES ($bucket, 0.5)"
check_eq "importer's row" "$(t_sql "SELECT bucket, tcp_flows FROM totals_600")" "$(printf '%s\t0.500000000' "$bucket")"
out=$(t_sql_as "$T_USER" imp-pw "DROP TABLE totals_600" 2>&1)
check_contains "importer cannot DROP" "$out" "denied"
out=$(t_sql_as "$T_RO_USER" wrong "SELECT 1" 2>&1)
check_contains "a wrong password is refused" "$out" "Access denied"

# a changed config: a new size gets its tables; changed ages re-create the events
cat >>"$T_CONF" <<CONF
flow_bucket_sizes = 60,300,600,3600,86400
retention_days = 1,3,31,400,0
CONF
check_cmd "--init-db with a new size" "$T_IMPORTER" -c "$T_CONF" --init-db
check_eq "new size's tables" "$(t_sql "SHOW TABLES LIKE '%\_300'" | sort | tr '\n' ' ')" \
	"flowgroups_300 flows_300 flowtop_300 nodegroups_300 nodes_300 nodetop_300 pairgroups_300 pairs_300 pairtop_300 portgroups_300 ports_300 porttop_300 totals_300 "
check_contains "changed age" "$(t_sql "SELECT EVENT_DEFINITION FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '$T_DB' AND EVENT_NAME = 'fi_retention_60'")" \
	"UNIX_TIMESTAMP() - 1 * 86400 - 60"
check_eq "the importer's row survived" "$(t_sql "SELECT COUNT(*) FROM totals_600")" "1"
check_contains "60 s per-key rows kept as long as 86400 s" \
	"$(t_sql "SELECT EVENT_DEFINITION FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '$T_DB' AND EVENT_NAME = 'fi_retention_60'")" \
	"DECLARE detail_cutoff BIGINT DEFAULT 0;"

# per-key rows of a size that is no longer a detail size: kept, not read, said
check_cmd "a port row of the old layout" t_sql "INSERT INTO ports_3600 (bucket, port) VALUES ($bucket, 80)"
out=$("$T_IMPORTER" -c "$T_CONF" --init-db 2>&1)
check_contains "--init-db names the unread table" "$out" "ports_3600 holds rows written before"
out=$(echo "flow_detail_sizes = 60,3600" >>"$T_CONF" && "$T_IMPORTER" -c "$T_CONF" --init-db 2>&1)
check_eq "no warning once 3600 s is a detail size" "$(grep -c 'holds rows' <<<"$out")" "0"
check_contains "60 s per-key rows kept as long as 600 s" \
	"$(t_sql "SELECT EVENT_DEFINITION FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '$T_DB' AND EVENT_NAME = 'fi_retention_60'")" \
	"LEAST((FLOOR((UNIX_TIMESTAMP() - 1 * 86400 - 60) / 60) + 1) * 60, (FLOOR((UNIX_TIMESTAMP() - 3 * 86400 - 300) / 300) + 1) * 300, (FLOOR((UNIX_TIMESTAMP() - 31 * 86400 - 600) / 600) + 1) * 600)"

# a database from before the node and port indexes' first rows: a bucket
# rolled up (pair rows) but without its nodegroups_ or portgroups_ row is
# marked, one with both is not, and a second --init-db marks nothing more
hour=$(($(date +%s) / 3600 * 3600))
t_sql "DELETE FROM fi_rollup_dirty WHERE size = 3600;
	INSERT INTO totals_3600 (bucket) VALUES ($hour), ($((hour - 3600))), ($((hour - 7200)));
	INSERT INTO pairs_3600 (bucket, src, dst, proto, last)
		VALUES ($hour, x'01', x'02', 6, $hour), ($((hour - 3600)), x'01', x'02', 6, $((hour - 3600))),
		($((hour - 7200)), x'01', x'02', 6, $((hour - 7200)));
	INSERT INTO nodegroups_3600 (bucket, hosts, ranks)
		VALUES ($((hour - 3600)), 0, 0), ($((hour - 7200)), 0, 0);
	INSERT INTO portgroups_3600 (bucket, ports, ranks) VALUES ($((hour - 3600)), 0, 0)"
check_cmd "--init-db on rolled-up buckets without nodegroups_, portgroups_" \
	"$T_IMPORTER" -c "$T_CONF" --init-db
check_eq "the buckets without nodegroups_ or portgroups_ are marked" \
	"$(t_sql "SELECT bucket FROM fi_rollup_dirty WHERE size = 3600 ORDER BY bucket" | tr '\n' ' ')" \
	"$((hour - 7200)) $hour "
check_cmd "--init-db again" "$T_IMPORTER" -c "$T_CONF" --init-db
check_eq "marked once" "$(t_sql "SELECT COUNT(*), MAX(gen) FROM fi_rollup_dirty WHERE size = 3600")" \
	"$(printf '2\t0')"

# the host pair lists: at the coarsest size (86400 s) a rolled-up bucket
# without its pairgroups_ row is marked; a finer size's lists (left by a
# former coarsest size) go
day=$(($(date +%s) / 86400 * 86400))
t_sql "DELETE FROM fi_rollup_dirty;
	INSERT INTO totals_86400 (bucket) VALUES ($day), ($((day - 86400)));
	INSERT INTO pairs_86400 (bucket, src, dst, proto, last)
		VALUES ($day, x'01', x'02', 6, $day), ($((day - 86400)), x'01', x'02', 6, $((day - 86400)));
	INSERT INTO nodegroups_86400 (bucket, hosts, ranks) VALUES ($day, 0, 0), ($((day - 86400)), 0, 0);
	INSERT INTO portgroups_86400 (bucket, ports, ranks) VALUES ($day, 0, 0), ($((day - 86400)), 0, 0);
	INSERT INTO pairgroups_86400 (bucket, pairs, ranks) VALUES ($((day - 86400)), 1, 1);
	INSERT INTO pairgroups_3600 (bucket, pairs, ranks) VALUES ($hour, 1, 1);
	INSERT INTO pairtop_3600 (bucket, ctr, rnk, src, dst, value) VALUES ($hour, 0, 1, x'01', x'02', 1)"
check_cmd "--init-db on buckets without pair lists" "$T_IMPORTER" -c "$T_CONF" --init-db
check_eq "the day without pairgroups_ is marked" \
	"$(t_sql "SELECT size, bucket FROM fi_rollup_dirty WHERE size = 86400")" "$(printf '86400\t%s' "$day")"
check_eq "a finer size keeps no pair lists" \
	"$(t_sql "SELECT (SELECT COUNT(*) FROM pairgroups_3600) + (SELECT COUNT(*) FROM pairtop_3600)")" 0
# pair rows from before their `last` column (NULL): their buckets are
# rolled up again
t_sql "DELETE FROM fi_rollup_dirty;
	INSERT INTO pairs_600 (bucket, src, dst, proto) VALUES ($((hour - 600)), x'01', x'02', 6)"
check_cmd "--init-db on pair rows without last" "$T_IMPORTER" -c "$T_CONF" --init-db
check_eq "their bucket is marked" \
	"$(t_sql "SELECT COUNT(*) FROM fi_rollup_dirty WHERE size = 600 AND bucket = $((hour - 600))")" 1

# bad admin credentials: a clear error and a non-zero exit
sed -i 's/^db_admin_user = root$/db_admin_user = nobody_here/' "$T_CONF"
out=$("$T_IMPORTER" -c "$T_CONF" --init-db 2>&1)
check_eq "--init-db exit status with a bad account" "$?" "1"
check_contains "--init-db message" "$out" "cannot connect to the database"

t_done
