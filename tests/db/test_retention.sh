#!/usr/bin/env bash
# test_retention.sh: the retention EVENTs, run by the server's real event
# scheduler every second, delete every bucket older than the configured age
# from all four tables of a size, keep newer buckets, and leave sizes kept
# forever alone. The per-key rows and ports of the 60 s size (the detail size,
# flow_detail_sizes) also answer the 600 s size: they stay as long as it keeps
# their buckets, and so do the port index's first rows (porttop_, portgroups_).
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
fi_test_setup retention

cat >>"$T_CONF" <<CONF
flow_bucket_sizes = 60,600
retention_days = 1,0
retention_interval = 1
CONF
check_cmd "--init-db" "$T_IMPORTER" -c "$T_CONF" --init-db
check_eq "event scheduler" "$(harness_mysql -N -B -e 'SELECT @@event_scheduler')" "ON"

# Buckets relative to now (aligned to 60 s): two past the age, two inside it.
now=$(date +%s)
day=86400
old1=$(((now - day - 3600) / 60 * 60))  # an hour past the age
old2=$(((now - day - 180) / 60 * 60))   # three minutes past it
new1=$(((now - day + 600) / 60 * 60))   # ten minutes before it
new2=$((now / 60 * 60))                 # the current bucket
v4a="0x00000000000000000000ffff0a000001"
v4b="0x00000000000000000000ffff0a000002"
# One transaction, counted inside it: the event (every second) cannot delete
# the old rows between the inserts and the count.
sql="START TRANSACTION;"
for b in $old1 $old2 $new1 $new2; do
	sql+="INSERT INTO flows_60 (bucket, src, dst, sport, dport, proto, flows, packets, bytes)
	        VALUES ($b, $v4a, $v4b, 1234, 80, 6, 1, 2, 3);
	      INSERT INTO nodes_60 (bucket, addr, src_tcp_packets) VALUES ($b, $v4a, 2);
	      INSERT INTO ports_60 (bucket, port, dst_tcp_packets) VALUES ($b, 80, 2);
	      INSERT INTO portgroups_60 (bucket, ports, ranks) VALUES ($b, 1, 1);
	      INSERT INTO porttop_60 (bucket, ctr, rnk, port, value) VALUES ($b, 0, 1, 80, 1);
	      INSERT INTO totals_60 (bucket, tcp_packets) VALUES ($b, 2);
	      INSERT INTO totals_600 (bucket, tcp_packets) VALUES ($((b / 600 * 600 - 30 * day)), 2)
	        ON DUPLICATE KEY UPDATE tcp_packets = tcp_packets + 2;"
done
sql+="SELECT COUNT(*) FROM totals_60; COMMIT;"
check_eq "rows before" "$(t_sql "$sql")" "4"

# The event runs every second; give it up to 30 s to get through all tables.
left=""
for _ in $(seq 1 60); do
	left=$(t_sql "SELECT (SELECT COUNT(*) FROM flows_60) + (SELECT COUNT(*) FROM nodes_60)
	              + (SELECT COUNT(*) FROM ports_60) + (SELECT COUNT(*) FROM totals_60)")
	[[ $left == 12 ]] && break
	sleep 0.5
done
check_eq "rows left in the 60 s tables" "$left" "12"
for t in nodes_60 totals_60; do
	check_eq "buckets kept in $t" "$(t_sql "SELECT GROUP_CONCAT(bucket ORDER BY bucket) FROM $t")" \
		"$new1,$new2"
done
# the 600 s size is kept forever and sums its per-key rows and ports from these
for t in flows_60 ports_60 portgroups_60 porttop_60; do
	check_eq "buckets kept in $t (600 s keeps them)" \
		"$(t_sql "SELECT GROUP_CONCAT(bucket ORDER BY bucket) FROM $t")" "$old1,$old2,$new1,$new2"
done
check_eq "600 s buckets are kept forever" "$(t_sql "SELECT SUM(tcp_packets) FROM totals_600")" "8"
check_eq "no event for the size kept forever" \
	"$(t_sql "SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '$T_DB' AND EVENT_NAME = 'fi_retention_600'")" "0"

# With a day for the 600 s size too, the per-key rows and ports go once the
# 600 s bucket they fall in is past the age: old1 (an hour past it) goes, the
# newer two stay (old2's 600 s bucket may or may not be past it yet).
sed -i 's/^retention_days = 1,0$/retention_days = 1,1/' "$T_CONF"
check_cmd "--init-db with a day for 600 s" "$T_IMPORTER" -c "$T_CONF" --init-db
for t in flows_60 ports_60 portgroups_60 porttop_60; do
	got=""
	for _ in $(seq 1 60); do
		got=$(t_sql "SELECT GROUP_CONCAT(bucket ORDER BY bucket) FROM $t WHERE bucket <> $old2")
		[[ $got == "$new1,$new2" ]] && break
		sleep 0.5
	done
	check_eq "buckets kept in $t (600 s kept a day)" "$got" "$new1,$new2"
done

# Setting the age to 0 (forever) by config removes the event.
sed -i 's/^retention_days = 1,1$/retention_days = 0/' "$T_CONF"
check_cmd "--init-db with retention off" "$T_IMPORTER" -c "$T_CONF" --init-db
check_eq "events after retention off: the heartbeat only" \
	"$(t_sql "SELECT GROUP_CONCAT(EVENT_NAME) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '$T_DB'")" \
	"fi_heartbeat"

t_done
