#!/usr/bin/env bash
# test_dbsrc_rows.sh: typed and validated source rows. argus tables with IPv6
# rows, ICMP hex ports, an ESP SPI, arp/man records, NULL counters, bad
# addresses, ports, protocols and durations; a table with extra columns and
# without the optional ones (ltime instead of dur); VERMONT tables with
# reverse columns, odd case, legacy names and NULLs. Bad rows are skipped
# with a warning naming table and row (10 per table, then a count), the exit
# status is 3, the rest equals the reference exactly, and a second run does
# not read the bad rows again. The source account's password comes from the
# environment (src_password = env:NAME).
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
. "$FI_SOURCE_DIR/tests/shell/dbsrclib.sh"
fi_test_setup dbsrc_rows
ds_setup
ds_create a v
A=$(ds_db a)
V=$(ds_db v)
READER=rd_$$
harness_mysql -e "CREATE USER '$READER'@'127.0.0.1' IDENTIFIED BY 'rd#pw';
	GRANT SELECT ON \`$A\`.* TO '$READER'@'127.0.0.1';
	GRANT SELECT ON \`$V\`.* TO '$READER'@'127.0.0.1';"
trap 'harness_mysql -e "DROP USER IF EXISTS '"'$READER'"'@'"'127.0.0.1'"'" 2>/dev/null;
	ds_cleanup; fi_test_cleanup' EXIT
sed -i "s/^src_user = root/src_user = $READER\nsrc_password = env:FI_TEST_SRC_PW/" "$T_CONF"
export FI_TEST_SRC_PW='rd#pw'

ARGUS_COLS='`stime` double(18,6) unsigned NOT NULL, `dur` double(18,6) NOT NULL,
	`proto` varchar(16) NOT NULL, `saddr` varchar(64) NOT NULL,
	`sport` varchar(10) NOT NULL, `daddr` varchar(64) NOT NULL,
	`dport` varchar(10) NOT NULL, `spkts` bigint(20) DEFAULT NULL,
	`dpkts` bigint(20) DEFAULT NULL, `sbytes` bigint(20) DEFAULT NULL,
	`dbytes` bigint(20) DEFAULT NULL, `record` blob DEFAULT NULL'
ds_sql a "CREATE TABLE argus_rows ($ARGUS_COLS) ENGINE=MyISAM"
# rows 1-10 good (6 and 7 are not IP), 11-20 bad, 21 good
ds_sql a "INSERT INTO argus_rows VALUES
	(1710114017.945215, 3.619111, 'tcp', '10.3.220.141', '55263', '203.0.113.35', '8080', 6, 6, 1203, 5692, NULL),
	(1710114009.176008, 0, 'icmp', '10.0.0.1', '0x0303', '192.168.0.84', '0x9a82', 1, 0, 70, 0, NULL),
	(1710114237.296738, 1.01, 'ipv6-icmp', '2001:db8:f::1d3c', '128', '2001:db8:5::28de', '0', 2, 2, 236, 236, NULL),
	(1710114060.136559, 4.559245, 'tcp', '2001:db8:f::1d3c', '49014', '2001:db8::73f8', '443', 10, 13, 2083, 12210, NULL),
	(1710114434.133701, 0, 'esp', '192.0.2.11', '', '192.0.2.25', '0x20201000', 1, 0, 142, 0, NULL),
	(1710114957.415004, 0.0003, 'arp', '10.1.18.185', '', '10.0.0.1', '', 1, 1, 42, 42, NULL),
	(1710114957.5, 0, 'man', '0', '0', '0', '0', 497, 0, 0, 0, NULL),
	(1710114000.999999, 0.000001, 'UDP', '::ffff:10.0.0.9', '53', '10.0.0.53', '53', 1, NULL, 60, NULL, NULL),
	(1710114100, 3599.5, '47', '10.9.9.9', 'x', '10.9.9.8', 'y', 0, 0, 0, 0, NULL),
	(1710113999.5, 120, 'tcp', '10.1.1.1', '0x01bb', '10.1.1.2', '', 4, 1, 400, 60, NULL),
	(1710114001, 1, 'tcp', '10.0.0.300', '1', '10.0.0.2', '2', 1, 1, 1, 1, NULL),
	(1710114001, 1, 'tcp', '10.0.0.1', '65536', '10.0.0.2', '2', 1, 1, 1, 1, NULL),
	(1710114001, 1, 'tcp', '10.0.0.1', '1', '10.0.0.2', '0x1x', 1, 1, 1, 1, NULL),
	(1710114001, 1, 'tcpx', '10.0.0.1', '1', '10.0.0.2', '2', 1, 1, 1, 1, NULL),
	(1710114001, 1, 'tcp', '10.0.0.1', '1', '10.0.0.2', '2', NULL, 1, 1, 1, NULL),
	(1710114001, 1, 'tcp', '10.0.0.1', '1', '10.0.0.2', '2', 1, 1, NULL, 1, NULL),
	(1710114001, 1, 'tcp', '10.0.0.1', '1', '10.0.0.2', '2', 1, NULL, 1, 1, NULL),
	(1710114001, 1, 'tcp', '10.0.0.1', '1', '10.0.0.2', '2', -1, 1, 1, 1, NULL),
	(1710114001, -2.5, 'tcp', '10.0.0.1', '1', '10.0.0.2', '2', 1, 1, 1, 1, NULL),
	(1710114001, 9999999999, 'tcp', '10.0.0.1', '1', '10.0.0.2', '2', 1, 1, 1, 1, NULL),
	(1710114002.25, 0.5, 'sctp', '10.2.0.1', '2905', '10.2.0.2', '2905', 7, 3, 700, 300, 0x00)"
ds_sql a "CREATE TABLE argus_more ($ARGUS_COLS) ENGINE=MyISAM"
ds_sql a "INSERT INTO argus_more VALUES
	(1710114001, 604800, 'tcp', '10.0.0.1', '1', '10.0.0.2', '2', 1, 1, 1, 1, NULL),
	(1710114001, 1, 'udp', 'fe80::1%eth0', '1', '10.0.0.2', '2', 1, 1, 1, 1, NULL)"
# more than 10 bad rows: 10 are shown, then the count
ds_sql a "CREATE TABLE argus_bad ($ARGUS_COLS) ENGINE=MyISAM"
for i in $(seq 1 14); do
	ds_sql a "INSERT INTO argus_bad VALUES (1710114001, 1, 'tcp', 'bad$i', '1', '10.0.0.2', '2', 1, 1, 1, 1, NULL)"
done
ds_sql a "INSERT INTO argus_bad VALUES (1710114001, 1, 'tcp', '10.7.7.7', '1', '10.0.0.2', '2', 1, 1, 1, 1, NULL)"
# extra columns, upper case, ltime for dur, no ports, no reverse counters
ds_sql a "CREATE TABLE argus_min (\`State\` varchar(8), \`STIME\` double(18,6) NOT NULL,
	\`LTime\` double(18,6) NOT NULL, \`trans\` int, \`Proto\` varchar(16) NOT NULL,
	\`SAddr\` varchar(64) NOT NULL, \`DAddr\` varchar(64) NOT NULL, \`smac\` varchar(20),
	\`SPkts\` bigint DEFAULT NULL, \`SBytes\` bigint DEFAULT NULL) ENGINE=InnoDB"
ds_sql a "INSERT INTO argus_min VALUES
	('CON', 1710114030.5, 1710114095.25, 1, 'udp', '10.4.0.1', '10.4.0.2', 'aa', 9, 900),
	('INT', 1710114040, 1710114040, 1, 'icmp', '2001:db8::1', '2001:db8::2', NULL, 1, 84),
	('CON', 1710114050, 1710114049, 1, 'udp', '10.4.0.1', '10.4.0.2', 'aa', 9, 900)"
# not an argus table: ignored
ds_sql a "CREATE TABLE notes (id int, text varchar(20))"

# VERMONT: IPFIX names in odd case with reverse columns, and legacy names
ds_sql v "CREATE TABLE f_240310_000000 (SOURCEIPV4ADDRESS int unsigned, destinationipv4address int unsigned,
	sourceTransportPort smallint unsigned, destinationTransportPort smallint unsigned,
	protocolIdentifier tinyint unsigned, octetDeltaCount bigint unsigned, packetDeltaCount bigint unsigned,
	flowStartMilliSeconds bigint unsigned, flowEndMilliSeconds bigint unsigned,
	revOctetDeltaCount bigint unsigned, revPacketDeltaCount bigint unsigned, exporterID smallint unsigned)"
ds_sql v "INSERT INTO f_240310_000000 VALUES
	(2887112081, 3405803791, 123, 123, 17, 393, 2, 1710114001619, 1710114004893, 403, 2, 1),
	(167772161, 167772162, 1234, 80, 6, 1000, 10, 1710114059999, 1710114060000, 0, 0, 1),
	(167772161, 167772163, 0, 0, 1, 84, 1, 1710114061000, 1710114061000, NULL, NULL, 1),
	(NULL, 167772163, 0, 0, 1, 84, 1, 1710114061000, 1710114061000, NULL, NULL, 1),
	(167772161, 167772163, 0, 0, 1, NULL, 1, 1710114061000, 1710114061000, NULL, NULL, 1),
	(167772161, 167772163, 0, 0, 1, 84, 1, 1710114061000, 1710114060999, NULL, NULL, 1),
	(167772161, 167772163, 0, 0, 1, 84, 1, 1710114061000, 1710114061000, 5, NULL, 1)"
ds_sql v "CREATE TABLE f_240311_000000 (srcIP int unsigned, dstIP int unsigned, srcPort smallint unsigned,
	dstPort smallint unsigned, proto tinyint unsigned, bytes bigint unsigned, pkts bigint unsigned,
	firstSwitched bigint unsigned, lastSwitched bigint unsigned, tcpControlBits smallint unsigned)"
ds_sql v "INSERT INTO f_240311_000000 VALUES
	(3405803791, 2887112081, 123, 123, 17, 403, 2, 1710115201621, 1710115204895, 0),
	(3405803791, 2887112081, NULL, NULL, 50, 403, 2, 1710115201621, 1710115204895, 0),
	(3405803791, 2887112081, 123, 123, NULL, 403, 2, 1710115201621, 1710115204895, 0),
	(3405803791, 2887112081, 123, 123, 17, 403, NULL, 1710115201621, 1710115204895, 0)"

ds_import --argus-db --src-database "$A"
check_eq "argus exit: bad rows skipped" "$DS_RC" 3
for w in "argus_rows: skipped row 11: saddr \"10.0.0.300\": not an IP address" \
	"argus_rows: skipped row 12: sport \"65536\": not a port" \
	"argus_rows: skipped row 13: dport \"0x1x\": not a port" \
	"argus_rows: skipped row 14: proto \"tcpx\": unknown protocol" \
	"argus_rows: skipped row 15: spkts NULL: counter is NULL" \
	"argus_rows: skipped row 16: sbytes NULL: counter is NULL" \
	"argus_rows: skipped row 17: dpkts NULL: counter is NULL" \
	"argus_rows: skipped row 18: spkts -1: not a count" \
	"argus_rows: skipped row 19: dur -2.5: negative duration" \
	"argus_rows: skipped row 20: dur 9999999999: ends past the year 2106" \
	"argus_more: skipped row 1: the flow lasts 604801 s, longer than max_flow_duration" \
	"argus_more: skipped row 2: saddr \"fe80::1%eth0\": not an IP address" \
	"argus_min: skipped row 3: LTime 1710114049: before stime" \
	"argus_bad: skipped row 10: saddr \"bad10\"" \
	"argus_bad: 14 bad rows skipped (the first 10 shown)" \
	"argus_rows: new rows by scan: 21 rows read, 14 flows imported, 2 rows not IP flows, 10 bad" \
	"notes: skipped, not an argus table (no column saddr)"; do
	check_contains "argus output" "$DS_OUT" "$w"
done
check_eq "only 10 rows of argus_bad shown" "$(grep -c 'argus_bad: skipped row' <<<"$DS_OUT")" 10
ds_ref argus "$T_TMP/ref.a" --db "$A"
check_eq "reference: bad rows" "$(ds_stat "$T_TMP/ref.a" bad)" $((10 + 2 + 14 + 1))
check_eq "reference: not IP" "$(ds_stat "$T_TMP/ref.a" not_ip)" 2

ds_import --vermont-db --src-database "$V"
check_eq "VERMONT exit: bad rows skipped" "$DS_RC" 3
for w in "f_240310_000000: skipped row 4: SOURCEIPV4ADDRESS NULL: not an IP address" \
	"f_240310_000000: skipped row 5: octetDeltaCount NULL: counter is NULL" \
	"f_240310_000000: skipped row 6: the flow ends before it starts" \
	"f_240310_000000: skipped row 7: revPacketDeltaCount NULL: counter is NULL" \
	"f_240311_000000: skipped row 3: proto NULL: unknown protocol" \
	"f_240311_000000: skipped row 4: pkts NULL: counter is NULL"; do
	check_contains "VERMONT output" "$DS_OUT" "$w"
done
ds_ref vermont "$T_TMP/ref.v" --db "$V"
check_eq "reference: VERMONT bad rows" "$(ds_stat "$T_TMP/ref.v" bad)" 6
check_eq "reference: VERMONT flows" "$(ds_stat "$T_TMP/ref.v" flows)" 6

MIN_ROWS=100 t_check_tables "$T_TMP/ref.a" "$T_TMP/ref.v"
# IPv6 rows are there, and the reverse of the IPv6 TCP row
check_eq "IPv6 flows" "$(t_sql "SELECT COUNT(*) FROM flows_86400 WHERE HEX(src) NOT LIKE '00000000000000000000FFFF%'")" 5
check_eq "ICMP hex ports" "$(t_sql "SELECT sport, dport FROM flows_86400 WHERE proto = 1 AND packets = 1 AND bytes = 70")" "$(printf '771\t39554')"
check_eq "no ESP SPI as a port" "$(t_sql "SELECT sport, dport FROM flows_86400 WHERE proto = 50")" "$(printf '0\t0\n0\t0')"

# the bad rows are behind the marks: a second run reads nothing, says nothing
before=$(ds_totals)
out=$("$T_IMPORTER" -c "$T_CONF" --argus-db --src-database "$A" 2>&1)
check_eq "second argus run exit" "$?" 0
check_eq "second argus run quiet" "$out" ""
ds_import --src-database "$V"
check_eq "second VERMONT run exit" "$DS_RC" 0
check_eq "totals unchanged" "$(ds_totals)" "$before"

# the password: from the command line (blanked in argv), wrong, missing
ds_import --argus-db --src-database "$A" --src-password 'rd#pw'
check_eq "password on the command line" "$DS_RC" 0
export FI_TEST_SRC_PW=wrong
ds_import --argus-db --src-database "$A"
check_eq "wrong password exit" "$DS_RC" 1
check_contains "wrong password message" "$DS_OUT" "Access denied"
unset FI_TEST_SRC_PW
ds_import --argus-db --src-database "$A"
check_eq "unset env password exit" "$DS_RC" 1
check_contains "unset env password message" "$DS_OUT" "src_password: environment variable not set"
export FI_TEST_SRC_PW='rd#pw'
ds_import --argus-db --src-database "$A" --table-name no_such_table
check_eq "unknown table exit" "$DS_RC" 1
check_contains "unknown table message" "$DS_OUT" "has no table no_such_table"
ds_import --argus-db --src-database "$A" --table-name notes
check_eq "not an argus table exit" "$DS_RC" 1
check_contains "not an argus table message" "$DS_OUT" "notes is not an argus table: no column saddr"
# a destination without the schema says what to do
ds_create none
harness_mysql -e "GRANT ALL ON \`$(ds_db none)\`.* TO '$T_USER'@'127.0.0.1'"
sed "s/^db_name = .*/db_name = ${T_DB}_none/" "$T_CONF" >"$T_TMP/none.conf"
"$T_IMPORTER" -c "$T_TMP/none.conf" --argus-db --src-database "$A" >"$T_TMP/none.log" 2>&1
check_eq "no schema exit" "$?" 1
check_contains "no schema message" "$(cat "$T_TMP/none.log")" "run flowinspector-importer --init-db first"
t_done
