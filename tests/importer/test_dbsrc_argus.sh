#!/usr/bin/env bash
# test_dbsrc_argus.sh: end to end with the real argus tools (Debian's
# argus-server and argus-client, installed by tests/deps.sh). argus reads the
# mixed capture (TCP, UDP, ICMP, ESP, IPv6, ARP); rasqlinsert writes its
# records into the harness MariaDB in the three usual layouts (-m none,
# -M time 1d, -m saddr daddr proto sport dport) and into a table with an
# AUTO_INCREMENT column; each is imported, and packets, bytes and flows must
# equal what argus itself reports (racount, ra) for the IP records. Then
# rasqlinsert appends the rest of the records while `--every 1` imports
# concurrently: every record is counted once.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
. "$FI_SOURCE_DIR/tests/shell/dbsrclib.sh"
fi_test_setup dbsrc_argus
for tool in argus rasqlinsert racount racluster ra; do
	command -v "$tool" >/dev/null || {
		echo "$tool is missing: tests/deps.sh installs argus-server and argus-client" >&2
		exit 1
	}
done
ds_setup
ds_create none daily agg key
FIELDS=(stime dur proto saddr sport daddr dport spkts dpkts sbytes dbytes)
URL=mysql://root@127.0.0.1:$FI_TEST_MYSQL_PORT

# the Debian default flow settings, whatever /etc/argus.conf says
printf 'ARGUS_FLOW_TYPE="Bidirectional"\nARGUS_FLOW_KEY="CLASSIC_5_TUPLE"\nARGUS_FLOW_STATUS_INTERVAL=5\n' \
	>"$T_TMP/argus.conf"
check_cmd "argus -r" argus -F "$T_TMP/argus.conf" -r "$T_FIXTURES/traffic-mixed.pcap" \
	-w "$T_TMP/all.argus"
# the first 300 records now, the rest later
check_cmd "ra -N" ra -r "$T_TMP/all.argus" -N 1-300 -w "$T_TMP/first.argus"
check_cmd "ra -N" ra -r "$T_TMP/all.argus" -N 301-100000 -w "$T_TMP/rest.argus"

# argus_sums FILE: "packets bytes flows" of the IP records, as argus counts
# them: racount's totals, and one flow per record plus one per reply.
argus_sums()
{
	local pb fl
	pb=$(racount -r "$1" - not arp and not man | awk '$1 == "sum" {print $3, $6}')
	fl=$(ra -r "$1" -n -L -1 -s dpkts - not arp and not man |
		awk '{n++; if ($1 > 0) r++} END {print n + r}')
	echo "$pb $fl"
}
# argus_records FILE [racluster]: the rows rasqlinsert writes (all but man)
argus_records()
{
	if [[ ${2:-} == racluster ]]; then
		racluster -r "$1" -m saddr daddr proto sport dport -n -L -1 -s proto - not man | wc -l
	else
		ra -r "$1" -n -L -1 -s proto - not man | wc -l
	fi
}

# src_state DB: "rows packets bytes" over every table of a source database
src_state()
{
	local q="" t
	for t in $(harness_mysql -N -B -e "SELECT TABLE_NAME FROM information_schema.TABLES
		WHERE TABLE_SCHEMA = '$1'"); do
		q+="${q:+ UNION ALL }SELECT spkts, dpkts, sbytes, dbytes FROM \`$1\`.\`$t\`"
	done
	[[ -n $q ]] || {
		echo "0 0 0"
		return
	}
	harness_mysql -N -B -e "SELECT COUNT(*), COALESCE(SUM(spkts + dpkts), 0),
		COALESCE(SUM(sbytes + dbytes), 0) FROM ($q) x" | tr '\t' ' '
}

# rsq_wait DB WANT PID: waits until the database holds WANT ("rows packets
# bytes"), or until it stays at something else for 5 s (rasqlinsert 3.0.8.2
# now and then stops short, or writes a record twice), or 30 s pass; then
# kills rasqlinsert PID (it never exits by itself and ignores SIGTERM).
# Returns 0 when WANT was reached.
rsq_wait()
{
	local db=$1 want=$2 pid=$3 i got="" last="" same=0
	for ((i = 0; i < 150; i++)); do
		got=$(src_state "$db")
		[[ $got == "$want" ]] && break
		if [[ $got == "$last" ]]; then
			((++same < 25)) || break
		else
			same=0
			last=$got
		fi
		sleep 0.2
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[[ $got == "$want" ]]
}

# rsq FILE DB TABLE WANT ARGS...: rasqlinsert FILE into DB.TABLE, again from
# scratch (after CLEAN_SQL) until the table holds what argus reports.
rsq()
{
	local file=$1 db=$2 table=$3 want=$4 try pid
	shift 4
	for ((try = 1; try <= 8; try++)); do
		[[ -z ${CLEAN_SQL:-} ]] || harness_mysql "$db" -e "$CLEAN_SQL"
		rasqlinsert -r "$file" -w "$URL/$db/$table" "$@" -s "${FIELDS[@]}" \
			>>"$T_TMP/rasqlinsert.log" 2>&1 &
		pid=$!
		T_PIDS="${T_PIDS:-} $pid"
		rsq_wait "$db" "$want" "$pid" && return 0
		echo "rasqlinsert wrote $(src_state "$db") instead of $want; again" >&2
	done
	return 1
}

read -r fp fb ff <<<"$(argus_sums "$T_TMP/first.argus")"
read -r ap ab af <<<"$(argus_sums "$T_TMP/all.argus")"
# what rasqlinsert writes: every record but man ones, ARP included
first_rows=$(argus_records "$T_TMP/first.argus")
first_all=$(racount -r "$T_TMP/first.argus" - not man | awk '$1 == "sum" {print $3, $6}')
all_all=$(racount -r "$T_TMP/all.argus" - not man | awk '$1 == "sum" {print $3, $6}')
want_first="$first_rows $first_all"
want_all="$(argus_records "$T_TMP/all.argus") $all_all"
want_agg="$(argus_records "$T_TMP/first.argus" racluster) $first_all"
echo "argus: first part $fp packets $fb bytes $ff flows; all $ap $ab $af"

# totals_are WHAT "packets bytes flows": the destination's totals so far
totals_are()
{
	check_eq "$1" "$(t_sql "SELECT SUM(packets), SUM(bytes), ROUND(SUM(flows))
		FROM flows_86400" | tr '\t' ' ')" "$2"
}

# -m none
CLEAN_SQL="DROP TABLE IF EXISTS argus_flows" check_cmd "rasqlinsert -m none" \
	rsq "$T_TMP/first.argus" "$(ds_db none)" argus_flows "$want_first" -M drop -m none
ds_import --argus-db --src-database "$(ds_db none)"
check_eq "-m none import" "$DS_RC" 0
totals_are "-m none equals argus" "$fp $fb $ff"
check_eq "IPv6 flows imported" "$(t_sql "SELECT COUNT(*) > 0 FROM flows_86400
	WHERE HEX(src) NOT LIKE '00000000000000000000FFFF%'")" 1

# -M time 1d: one table per day (the capture crosses midnight)
CLEAN_SQL="DROP TABLE IF EXISTS argus_2024_03_10, argus_2024_03_11" check_cmd \
	"rasqlinsert -M time 1d" rsq "$T_TMP/first.argus" "$(ds_db daily)" "argus_%Y_%m_%d" \
	"$want_first" -M drop -m none -M time 1d
ds_import --argus-db --src-database "$(ds_db daily)"
check_eq "daily import" "$DS_RC" 0
check_contains "daily tables" "$DS_OUT" "argus_2024_03_10: new rows by scan"
totals_are "daily equals argus" "$((2 * fp)) $((2 * fb)) $((2 * ff))"

# -m saddr daddr proto sport dport: keyed, imported as a snapshot when named
CLEAN_SQL="DROP TABLE IF EXISTS argus_flows" check_cmd "rasqlinsert -m 5-tuple" \
	rsq "$T_TMP/first.argus" "$(ds_db agg)" argus_flows "$want_agg" \
	-M drop -m saddr daddr proto sport dport
ds_import --argus-db --src-database "$(ds_db agg)"
check_contains "keyed table skipped" "$DS_OUT" "argus_flows: skipped: a keyed table"
ds_import --argus-db --src-database "$(ds_db agg)" --table-name argus_flows
check_eq "keyed import" "$DS_RC" 0
check_contains "keyed import is a snapshot" "$DS_OUT" "importing it as a snapshot"
check_eq "keyed packets and bytes equal argus" "$(t_sql "SELECT SUM(packets), SUM(bytes)
	FROM flows_86400" | tr '\t' ' ')" "$((3 * fp)) $((3 * fb))"

# a table with an AUTO_INCREMENT column, which rasqlinsert fills
keyed_table="CREATE TABLE argus_flows (fi_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
	stime double(18,6) unsigned NOT NULL, dur double(18,6) NOT NULL,
	proto varchar(16) NOT NULL, saddr varchar(64) NOT NULL, sport varchar(10) NOT NULL,
	daddr varchar(64) NOT NULL, dport varchar(10) NOT NULL, spkts bigint DEFAULT NULL,
	dpkts bigint DEFAULT NULL, sbytes bigint DEFAULT NULL, dbytes bigint DEFAULT NULL,
	record blob DEFAULT NULL) ENGINE=MyISAM"
CLEAN_SQL="DROP TABLE IF EXISTS argus_flows; $keyed_table" check_cmd \
	"rasqlinsert into a table with a key" rsq "$T_TMP/first.argus" "$(ds_db key)" \
	argus_flows "$want_first" -m none
ds_import --argus-db --src-database "$(ds_db key)"
check_eq "key import" "$DS_RC" 0
check_contains "key mode" "$DS_OUT" "argus_flows: new rows by key"
check_eq "key packets and bytes equal argus" "$(t_sql "SELECT SUM(packets), SUM(bytes)
	FROM flows_86400" | tr '\t' ' ')" "$((4 * fp)) $((4 * fb))"
ds_ref argus "$T_TMP/ref.first" --db "$(ds_db none)" --db "$(ds_db daily)" --db "$(ds_db key)"
ds_ref argus "$T_TMP/ref.agg" --db "$(ds_db agg)" --table argus_flows
MIN_ROWS=1000 t_check_tables "$T_TMP/ref.first" "$T_TMP/ref.agg"

# rasqlinsert appends the rest while importers run every second
pids=()
for db in none key; do
	"$T_IMPORTER" -c "$T_CONF" --argus-db --src-database "$(ds_db $db)" --every 1 \
		>"$T_TMP/every.$db.log" 2>&1 &
	pids+=($!)
	T_PIDS="${T_PIDS:-} $!"
done
rsq_pids=()
for db in none key; do
	rasqlinsert -r "$T_TMP/rest.argus" -w "$URL/$(ds_db $db)/argus_flows" -m none \
		-s "${FIELDS[@]}" >>"$T_TMP/rasqlinsert.log" 2>&1 &
	rsq_pids+=($!)
	T_PIDS="${T_PIDS:-} $!"
done
complete=1
rsq_wait "$(ds_db none)" "$want_all" "${rsq_pids[0]}" || complete=0
rsq_wait "$(ds_db key)" "$want_all" "${rsq_pids[1]}" || complete=0
# the importers catch up with every row, then stop on SIGTERM
for db in none key; do
	rows=$(ds_sql $db "SELECT COUNT(*) FROM argus_flows")
	for ((i = 0; i < 150; i++)); do
		[[ $(t_sql "SELECT rows_imported FROM fi_source_marks
			WHERE source = 'argus:$(ds_db $db)' AND source_table = 'argus_flows'") == "$rows" ]] &&
			break
		sleep 0.2
	done
done
for pid in "${pids[@]}"; do
	kill -TERM "$pid"
	t_wait_exit "$pid"
	check_eq "--every stopped by SIGTERM" "$?" 0
done
check_eq "--every quiet" "$(cat "$T_TMP/every.none.log" "$T_TMP/every.key.log")" ""
ds_ref argus "$T_TMP/ref.all" --db "$(ds_db none)" --db "$(ds_db daily)" --db "$(ds_db key)"
MIN_ROWS=1000 t_check_tables "$T_TMP/ref.all" "$T_TMP/ref.agg"
if [[ $complete == 1 ]]; then
	# -m none and key hold every record now; daily and keyed the first ones
	totals_are "appended records counted once, as argus counts them" \
		"$((2 * ap + 2 * fp)) $((2 * ab + 2 * fb)) $((2 * af + ff + $(ds_stat "$T_TMP/ref.agg" flows)))"
else
	echo "rasqlinsert did not write the appended records exactly: compared with the tables only" >&2
fi
t_done
