#!/usr/bin/env bash
# test_vermont_pg.sh: the PostgreSQL source (src_driver = postgresql) on a
# real PostgreSQL started for this test, its tables laid out as VERMONT's
# PostgreSQL writer lays them out (tools/vermont_pg.py: the current layout
# with inet addresses and the 2013 one with integer addresses, a CHECK and
# an index per child) and holding the rows of the shipped MySQL dumps:
#   - every bucket table equals that of the same dumps imported from
#     MariaDB, and the reference (dbsrcref.py + flowref.py);
#   - the parent is never read; a SELECT-only account with a scram password;
#   - rows appended between runs, with two SIGKILLs mid-table and a new
#     day's child: exact totals, no row lost or counted twice;
#   - deletions and rewrites (VACUUM FULL) refused with an error, nothing
#     imported twice.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
. "$FI_SOURCE_DIR/tests/shell/dbsrclib.sh"
fi_test_setup vermont_pg
ds_setup
VPG=$FI_SOURCE_DIR/tests/tools/vermont_pg.py

# PostgreSQL: a harness of its own (the shared one starts none). The
# postgres account must reach its directory.
own=$(mktemp -d "${TMPDIR:-/tmp}/fi-vpg.XXXXXX")
chmod 711 "$own"
T_DB2=${T_DB}_my
pg_cleanup()
{
	bash "$FI_SOURCE_DIR/tests/harness/stop.sh" "$own/h" >/dev/null 2>&1
	rm -rf "$own"
	harness_mysql -e "DROP DATABASE IF EXISTS \`$T_DB2\`" 2>/dev/null
}
trap 'pg_cleanup; ds_cleanup; fi_test_cleanup' EXIT
if ! bash "$FI_SOURCE_DIR/tests/harness/start.sh" "$own/h" --no-mariadb --no-redis \
	--no-nginx --postgresql 2>"$own/start.log"; then
	cat "$own/start.log" >&2
	t_fail "PostgreSQL did not start"
	t_done
fi
eval "$(grep '^export FI_TEST_PG_' "$own/h/env")"

# pg_sql DB SQL: runs SQL in PostgreSQL database DB as postgres.
pg_sql()
{
	harness_psql -d "$1" -Atqc "$2"
}

# pg_load DB ARGS...: a database DB made by vermont_pg.py sql ARGS..., read
# by the SELECT-only account fi_reader.
pg_load()
{
	local db=$1
	shift
	pg_sql postgres "CREATE DATABASE $db" &&
		pg_sql "$db" "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES
			TO fi_reader" &&
		python3 "$VPG" sql "$@" | harness_psql -q -d "$db" >/dev/null
}

# The reader: a password checked by scram on 127.0.0.1 (the rest stays trust).
pg_sql postgres "SET password_encryption = 'scram-sha-256';
	CREATE ROLE fi_reader LOGIN PASSWORD 'r3ader pw'"
hba=$own/h/postgresql/data/pg_hba.conf
{
	echo "host all fi_reader 127.0.0.1/32 scram-sha-256"
	cat "$hba"
} >"$own/hba" && cat "$own/hba" >"$hba"
pg_sql postgres "SELECT pg_reload_conf()" >/dev/null
export FI_PG_PW='r3ader pw'
sed -i -e '/^src_host\|^src_port\|^src_user/d' "$T_CONF"
cat >>"$T_CONF" <<CONF
src_driver = postgresql
src_host = 127.0.0.1
src_port = $FI_TEST_PG_PORT
src_user = fi_reader
src_password = env:FI_PG_PW
CONF

# ---- the fixtures in both layouts ---------------------------------------------
F=$T_FIXTURES/vermont-ipfixdbwriter.sql
FL=$T_FIXTURES/vermont-ipfixdbwriter-loopback.sql
for db in vermont_flows vermont_flows_sec vermont_legacy; do
	check_cmd "load $db (2024 layout)" pg_load "c_$db" --dump "$F" --db "$db"
	check_cmd "load lo_$db (2024 layout)" pg_load "c_lo_$db" --dump "$FL" --db "$db"
done
check_cmd "load vermont_legacy (2013 layout)" pg_load o_legacy --dump "$F" --db vermont_legacy \
	--layout 2013
check_cmd "load lo_vermont_legacy (2013 layout)" pg_load o_lo_legacy --dump "$FL" \
	--db vermont_legacy --layout 2013
check_cmd "load vermont_legacy (2013 layout, int4 addresses)" pg_load o_legacy_i4 --dump "$F" \
	--db vermont_legacy --layout 2013 --addr integer
check_eq "the parent returns the children's rows" \
	"$(pg_sql c_vermont_flows "SELECT COUNT(*), (SELECT COUNT(*) FROM ONLY f) FROM f")" "564|0"
check_eq "2013 layout: a CHECK and an index per child" \
	"$(pg_sql o_legacy "SELECT COUNT(*) FROM pg_constraint WHERE contype = 'c'
		AND conrelid <> 0")|$(pg_sql \
		o_legacy "SELECT COUNT(*) FROM pg_indexes WHERE indexname LIKE 'f_%_firstswitched'")" \
	"2|2"
check_eq "int4 addresses: negative ones" \
	"$(pg_sql o_legacy_i4 "SELECT COUNT(*) > 0 FROM f WHERE srcip < 0")" "t"

ds_load_dump "$F" "" vermont_flows vermont_flows_sec vermont_legacy
ds_load_dump "$FL" lo_ vermont_flows vermont_flows_sec vermont_legacy

# wrong password: refused, nothing imported
FI_PG_PW=wrong ds_import --vermont-db --src-database c_vermont_flows
check_eq "wrong password exit" "$DS_RC" 1
check_contains "wrong password said" "$DS_OUT" "password authentication failed for user \"fi_reader\""
check_eq "argus tables are not read from PostgreSQL" \
	"$("$T_IMPORTER" -c "$T_CONF" --argus-db --src-database c_vermont_flows 2>&1; echo "rc=$?")" \
	"flowinspector-importer: src_driver = postgresql is for VERMONT's tables (--vermont-db); rasqlinsert writes to MySQL only
rc=2"
ds_import --vermont-db --src-database c_vermont_flows --table-name f
check_eq "the parent named: exit" "$DS_RC" 1
check_contains "the parent named: said" "$DS_OUT" "f is a parent table"

# current layout: every database into T_DB; the same dumps from MariaDB into T_DB2
refs=()
for db in vermont_flows vermont_flows_sec vermont_legacy lo_vermont_flows lo_vermont_flows_sec \
	lo_vermont_legacy; do
	ds_import --vermont-db --src-database "c_$db"
	check_eq "import c_$db exit" "$DS_RC" 0
	check_contains "c_$db: the parent skipped" "$DS_OUT" \
		"f: skipped, a parent table (its children are read instead)"
	check_contains "c_$db: by place" "$DS_OUT" "_000000: new rows by place (ctid): "
	ds_ref vermont "$T_TMP/ref.$db" --db "$(ds_db "$db")"
	refs+=("$T_TMP/ref.$db")
done
check_contains "rows by place" "$DS_OUT" "new rows by place (ctid)"
check_eq "marks" "$(t_sql "SELECT source, source_table, rows_imported, LEFT(mark, 9)
	FROM fi_source_marks WHERE source = 'vermont-pg:c_vermont_flows' ORDER BY 2")" \
	"$(printf 'vermont-pg:c_vermont_flows\tf_240310_000000\t251\tctid 251 \n')
$(printf 'vermont-pg:c_vermont_flows\tf_240311_000000\t313\tctid 313 ')"
MIN_ROWS=5000 t_check_tables "${refs[@]}"

sed -e "s/^db_name = .*/db_name = $T_DB2/" -e '/^src_/d' "$T_CONF" >"$T_TMP/my.conf"
cat >>"$T_TMP/my.conf" <<CONF
src_host = 127.0.0.1
src_port = $FI_TEST_MYSQL_PORT
src_user = root
CONF
check_cmd "--init-db of the MariaDB-source database" "$T_IMPORTER" -c "$T_TMP/my.conf" --init-db
for db in vermont_flows vermont_flows_sec vermont_legacy lo_vermont_flows lo_vermont_flows_sec \
	lo_vermont_legacy; do
	check_cmd "import $db from MariaDB" "$T_IMPORTER" -c "$T_TMP/my.conf" \
		--src-database "$(ds_db "$db")"
done

# dest_dump DB: every bucket table of DB, all rows in order.
dest_dump()
{
	local t n
	for t in $(harness_mysql -N -B -e "SELECT TABLE_NAME FROM information_schema.TABLES
		WHERE TABLE_SCHEMA = '$1' AND TABLE_NAME NOT LIKE 'fi\\_%' ORDER BY 1"); do
		n=$(harness_mysql -N -B -e "SELECT COUNT(*) FROM information_schema.COLUMNS
			WHERE TABLE_SCHEMA = '$1' AND TABLE_NAME = '$t'")
		echo "== $t"
		harness_mysql -N -B "$1" -e "SELECT * FROM \`$t\` ORDER BY $(seq -s, 1 "$n")"
	done
}
dest_dump "$T_DB" >"$T_TMP/pg.dump"
dest_dump "$T_DB2" >"$T_TMP/my.dump"
check_cmd "bucket tables: rows from PostgreSQL" test "$(grep -vc '^==' "$T_TMP/pg.dump")" -gt 5000
check_eq "bucket tables: PostgreSQL (2024 layout) = MariaDB, every row" \
	"$(cmp "$T_TMP/pg.dump" "$T_TMP/my.dump" && echo same)" "same"

# a second run of everything imports nothing
before=$(ds_totals)
for db in vermont_flows vermont_legacy lo_vermont_flows_sec; do
	ds_import --vermont-db --src-database "c_$db"
	check_eq "again c_$db exit" "$DS_RC" 0
	check_contains "again c_$db up to date" "$DS_OUT" "_000000: up to date"
done
check_eq "totals unchanged" "$(ds_totals)" "$before"

# 2013 layout (bigint and int4 addresses) into a database of its own
harness_mysql -e "DROP DATABASE \`$T_DB2\`; CREATE DATABASE \`$T_DB2\`"
check_cmd "--init-db again" "$T_IMPORTER" -c "$T_TMP/my.conf" --init-db
sed -e "s/^db_name = .*/db_name = $T_DB2/" "$T_CONF" >"$T_TMP/old.conf"
for db in o_legacy o_lo_legacy o_legacy_i4; do
	check_cmd "import $db (2013 layout)" "$T_IMPORTER" -c "$T_TMP/old.conf" --vermont-db \
		--src-database "$db"
done
T_DB=$T_DB2 MIN_ROWS=1000 t_check_tables "$T_TMP/ref.vermont_legacy" \
	"$T_TMP/ref.lo_vermont_legacy" "$T_TMP/ref.vermont_legacy"

# ---- rows appended between runs, SIGKILLed mid-table --------------------------
python3 "$VPG" gen --rows 90000 --seed 7 >"$T_TMP/gen.day1"
python3 "$VPG" gen --rows 20000 --seed 8 --day-offset 1 >"$T_TMP/gen.day2"
cols="sourceIPv4Address, destinationIPv4Address, sourceTransportPort,
	destinationTransportPort, protocolIdentifier, octetDeltaCount, packetDeltaCount,
	flowStartMilliseconds, flowEndMilliseconds"
ds_create gen
ds_sql gen "CREATE TABLE f_240310_000000 (sourceIPv4Address int unsigned,
	destinationIPv4Address int unsigned, sourceTransportPort smallint unsigned,
	destinationTransportPort smallint unsigned, protocolIdentifier tinyint unsigned,
	octetDeltaCount bigint unsigned, packetDeltaCount bigint unsigned,
	flowStartMilliseconds bigint unsigned, flowEndMilliseconds bigint unsigned);
	CREATE TABLE f_240311_000000 LIKE f_240310_000000"
harness_mysql --local-infile=1 "$(ds_db gen)" -e "
	LOAD DATA LOCAL INFILE '$T_TMP/gen.day1' INTO TABLE f_240310_000000;
	LOAD DATA LOCAL INFILE '$T_TMP/gen.day2' INTO TABLE f_240311_000000"
check_eq "generated rows in MariaDB (the reference's copy)" \
	"$(ds_sql gen "SELECT (SELECT COUNT(*) FROM f_240310_000000) + (SELECT COUNT(*) FROM f_240311_000000)")" \
	110000
pg_sql postgres "CREATE DATABASE g"
pg_sql g "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO fi_reader;
	CREATE TABLE f (sourceIPv4Address inet, destinationIPv4Address inet,
	sourceTransportPort integer, destinationTransportPort integer, protocolIdentifier smallint,
	octetDeltaCount bigint, packetDeltaCount bigint, flowStartMilliseconds bigint,
	flowEndMilliseconds bigint);
	CREATE TABLE f_240310_000000 () INHERITS (f);
	CREATE FUNCTION ip(bigint) RETURNS inet LANGUAGE sql IMMUTABLE
	AS \$\$ SELECT '0.0.0.0'::inet + \$1 \$\$;
	CREATE TABLE raw (s bigint, d bigint, sp integer, dp integer, p smallint, b bigint,
	k bigint, t0 bigint, t1 bigint)"

# pg_append FILE FROM TO CHILD: rows FROM..TO (1-based) of FILE appended to CHILD.
pg_append()
{
	sed -n "$2,$3p" "$1" | harness_psql -d g -qc "TRUNCATE raw; COPY raw FROM STDIN" &&
		pg_sql g "INSERT INTO $4 SELECT ip(s), ip(d), sp, dp, p, b, k, t0, t1 FROM raw"
}

# gen_rows: rows of the generated source imported so far (its marks).
gen_rows()
{
	t_sql "SELECT COALESCE(SUM(rows_imported), 0) FROM fi_source_marks WHERE source = 'vermont-pg:g'"
}

# kill_midway MIN: an import of g SIGKILLed once its marks passed MIN rows;
# checks that it had not finished.
kill_midway()
{
	local pid i n=0
	importer_gone
	"$T_IMPORTER" -c "$T_CONF" --vermont-db --src-database g >"$T_TMP/kill.$1.log" 2>&1 &
	pid=$!
	T_PIDS="${T_PIDS:-} $pid"
	for ((i = 0; i < 1200; i++)); do
		n=$(gen_rows)
		[[ $n -ge $1 ]] && break
		sleep 0.05
	done
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	check_cmd "SIGKILLed mid-table (after $n rows)" test "$n" -ge "$1" -a "$n" -lt 110000
}

echo "src_chunk_rows = 2000" >>"$T_CONF"
check_cmd "append rows 1-40000" pg_append "$T_TMP/gen.day1" 1 40000 f_240310_000000
kill_midway 6000
check_cmd "append rows 40001-70000" pg_append "$T_TMP/gen.day1" 40001 70000 f_240310_000000
kill_midway 30000
importer_gone
ds_import --vermont-db --src-database g
check_eq "a run after two SIGKILLs: exit" "$DS_RC" 0
check_eq "rows imported so far" "$(gen_rows)" 70000
check_cmd "append rows 70001-90000" pg_append "$T_TMP/gen.day1" 70001 90000 f_240310_000000
pg_sql g "CREATE TABLE f_240311_000000 () INHERITS (f)"
check_cmd "a new day's child" pg_append "$T_TMP/gen.day2" 1 20000 f_240311_000000
ds_import --vermont-db --src-database g
check_eq "the last run: exit" "$DS_RC" 0
check_contains "the last run: the rest of day 1" "$DS_OUT" \
	"f_240310_000000: new rows by place (ctid): 20000 rows read"
check_contains "the last run: day 2" "$DS_OUT" \
	"f_240311_000000: new rows by place (ctid): 20000 rows read"
check_eq "every generated row imported once" "$(gen_rows)" 110000
ds_ref vermont "$T_TMP/ref.gen" --db "$(ds_db gen)"
MIN_ROWS=5000 t_check_tables "${refs[@]}" "$T_TMP/ref.gen"

# ---- bad rows: counted and shown, exit status 3, not read again ----------------
pg_sql c_lo_vermont_flows "INSERT INTO f_261127_000000 (sourceipv4address, destinationipv4address,
	sourcetransportport, destinationtransportport, protocolidentifier, octetdeltacount,
	packetdeltacount, flowstartmilliseconds, flowendmilliseconds) VALUES
	('10.0.0.0/8', '10.0.0.1', 1, 2, 6, 100, 1, 1795750580000, 1795750580000),
	('10.0.0.2', '10.0.0.1', 1, 2, 6, 100, NULL, 1795750580000, 1795750580000),
	('10.0.0.3', '10.0.0.1', 1, 2, 6, 100, 1, 1795750580000, 1795750580000)"
ds_import --vermont-db --src-database c_lo_vermont_flows
check_eq "bad rows: exit" "$DS_RC" 3
check_contains "bad rows: a network is no address" "$DS_OUT" "f_261127_000000: skipped row 78:"
check_contains "bad rows: NULL packets" "$DS_OUT" "f_261127_000000: skipped row 79:"
check_contains "bad rows: the good one imported" "$DS_OUT" \
	"3 rows read, 1 flows imported, 0 rows not IP flows, 2 bad"
ds_import --vermont-db --src-database c_lo_vermont_flows
check_eq "bad rows: not read again" "$DS_RC" 0

# ---- what cannot be followed is refused, nothing counted twice ----------------
before=$(ds_totals)
pg_sql c_vermont_flows "DELETE FROM f_240310_000000 WHERE ctid = '(0,5)'"
pg_sql c_vermont_flows "INSERT INTO f_240311_000000 SELECT * FROM f_240311_000000 LIMIT 3"
pg_sql c_vermont_flows_sec "VACUUM FULL f_240311_000000"
ds_import --vermont-db --src-database c_vermont_flows
check_eq "a deleted row: exit" "$DS_RC" 1
check_contains "a deleted row: said" "$DS_OUT" \
	"not the 251 imported: rows were deleted, updated or inserted into freed space"
check_contains "the other child goes on" "$DS_OUT" "f_240311_000000: new rows by place (ctid): 3 rows read"
ds_import --vermont-db --src-database c_vermont_flows_sec
check_eq "a rewritten table: exit" "$DS_RC" 1
check_contains "a rewritten table: said" "$DS_OUT" "f_240311_000000 was rewritten since the last import"
three=$(pg_sql c_vermont_flows "SELECT SUM(packetdeltacount), SUM(octetdeltacount) FROM
	(SELECT * FROM f_240311_000000 LIMIT 3) x")
check_eq "totals: only the 3 appended rows added" "$(ds_totals | awk '{ print $2 "|" $3 }')" \
	"$(echo "$before" | awk -v t="$three" '{ split(t, a, "|"); print $2 + a[1] "|" $3 + a[2] }')"

# the socket (postgres, trust) reaches it too
sed -e '/^src_host\|^src_port\|^src_user\|^src_password/d' "$T_CONF" >"$T_TMP/sock.conf"
echo "src_socket = $FI_TEST_PG_SOCKET_DIR/.s.PGSQL.$FI_TEST_PG_PORT" >>"$T_TMP/sock.conf"
echo "src_user = postgres" >>"$T_TMP/sock.conf"
out=$("$T_IMPORTER" -c "$T_TMP/sock.conf" -v --vermont-db --src-database c_lo_vermont_legacy 2>&1)
check_eq "over the socket: exit" "$?" 0
check_contains "over the socket: up to date" "$out" "f_261127_000000: up to date (77 rows)"
t_done
