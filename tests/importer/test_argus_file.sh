#!/usr/bin/env bash
# test_argus_file.sh: --argus-file on argus files that argus itself writes
# from the fixture captures (argus -r): killed with SIGKILL mid-file twice
# and re-run, the imported totals equal racount's for the IP records at
# every size, one flow row per IP flow direction, and a last run imports
# nothing. The same files arriving one by one in a directory followed by an
# importer SIGKILLed mid-file are counted once. A file ra cannot read is an
# error.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
fi_test_setup argusfile
t_init_db "retention_days = 0" "src_chunk_rows = 40" "flush_interval = 3600"
dir=$T_TMP/argus
mkdir -p "$dir"
for cap in traffic-mixed traffic-loopback; do
	# -F /dev/null: not the system's /etc/argus.conf (it also writes to /var/log)
	check_cmd "argus -r $cap" argus -F /dev/null -r "$T_FIXTURES/$cap.pcap" -w "$dir/$cap.argus"
done

# runs the import in the background; SIGKILL once a mark passes $1 rows
kill_mid_file()
{
	local pid i rows=0
	"$T_IMPORTER" -c "$T_CONF" --argus-file "$dir" >>"$T_TMP/importer.log" 2>&1 &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		rows=$(t_sql "SELECT COALESCE(MAX(rows_imported), 0) FROM fi_source_marks
			WHERE source = 'argus-file' AND rows_imported > $1")
		((rows > 0)) && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	echo "$rows"
}

r1=$(kill_mid_file 0)
r2=$(kill_mid_file "$r1")
echo "argusfile: killed at $r1 and $r2 rows"
if ((r1 > 0 && r2 > r1)); then t_ok; else t_fail "the kills were not mid-file ($r1, $r2)"; fi
check_cmd "the last run" "$T_IMPORTER" -c "$T_CONF" --argus-file "$dir"
out=$("$T_IMPORTER" -c "$T_CONF" -v --argus-file "$dir" 2>&1)
check_eq "a run after it: every file up to date" "$(grep -c ': up to date (' <<<"$out")" 2
check_eq "a run after it imports nothing" "$(grep -c 'flows imported' <<<"$out")" 0

# totals: racount over the IP records (argus' arp and man records are no IP flows)
read -r _ _ want_pkts _ _ want_bytes _ < <(racount -r "$dir"/*.argus - ip | grep -E '^ *sum ')
sum=""
for c in tcp udp icmp other; do sum="$sum + ${c}_packets"; done
check_eq "packets: racount's" "$(t_sql "SELECT SUM(0 $sum) FROM totals_86400")" "$want_pkts"
check_eq "packets at 60 s: the same" "$(t_sql "SELECT SUM(0 $sum) FROM totals_60")" "$want_pkts"
sum=""
for c in tcp udp icmp other; do sum="$sum + ${c}_bytes"; done
check_eq "bytes: racount's" "$(t_sql "SELECT SUM(0 $sum) FROM totals_86400")" "$want_bytes"
check_eq "bytes at 600 s: the same" "$(t_sql "SELECT SUM(0 $sum) FROM totals_600")" "$want_bytes"
check_eq "flow rows at 60 s: one per IP flow direction" \
	"$(t_sql "SELECT ROUND(SUM(flows)) FROM flows_60")" \
	"$(ra -F /dev/null -n -r "$dir"/*.argus -s spkts dpkts - ip |
		awk 'NR > 1 { n += 1 + ($2 > 0) } END { print n }')"

# followed: the same files arrive one by one (as rastream closes them) in a
# directory followed into a second database, the follower SIGKILLed mid-file
conf=$T_TMP/follow.conf
sed "s/^db_name = .*/db_name = ${T_DB}_f/" "$T_CONF" >"$conf"
trap 'harness_mysql -e "DROP DATABASE IF EXISTS \`${T_DB}_f\`"; fi_test_cleanup' EXIT
"$T_IMPORTER" -c "$conf" --init-db >/dev/null 2>&1
mkdir -p "$T_TMP/follow"
fmarked()
{
	harness_mysql -N "${T_DB}_f" -e "SELECT COALESCE(SUM(rows_imported), 0) FROM fi_source_marks"
}
follow()
{
	"$T_IMPORTER" -c "$conf" --argus-file --follow "$T_TMP/follow" >>"$T_TMP/follow.log" 2>&1 &
	fpid=$!
	T_PIDS="${T_PIDS:-} $fpid"
}
follow
cp "$dir/traffic-mixed.argus" "$T_TMP/follow/argus.1"
for ((i = 0; i < 500; i++)); do
	m=$(fmarked)
	((m > 0)) && break
	sleep 0.01
done
kill -KILL "$fpid"
wait "$fpid" 2>/dev/null
echo "argusfile: follower SIGKILLed with $m records marked"
follow
cp "$dir/traffic-loopback.argus" "$T_TMP/follow/argus.2"
want=$(t_sql "SELECT SUM(rows_imported) FROM fi_source_marks")
for ((i = 0; i < 600; i++)); do
	(($(fmarked) == want)) && break
	sleep 0.1
done
check_eq "followed: every record marked once" "$(fmarked)" "$want"
kill -TERM "$fpid"
t_wait_exit "$fpid" "$T_TMP/follow.log"
check_eq "followed: SIGTERM, status 0" "$?" 0
sum=""
for c in tcp udp icmp other; do sum="$sum + ${c}_packets"; done
check_eq "followed: packets, racount's" \
	"$(harness_mysql -N "${T_DB}_f" -e "SELECT SUM(0 $sum) FROM totals_60")" "$want_pkts"

# ra refuses a file that is no argus file: the run fails and says so
echo "not argus" >"$T_TMP/bogus.argus"
out=$("$T_IMPORTER" -c "$T_CONF" --argus-file "$T_TMP/bogus.argus" 2>&1)
check_eq "a file ra cannot read: status" "$?" 1
check_contains "a file ra cannot read: why" "$out" "the reading program exited with"
t_done
