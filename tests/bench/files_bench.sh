#!/usr/bin/env bash
# files_bench.sh: the file sources' import throughput (issue 16). The same
# generated flows (importer_bench's: 2 hours over 3,000 hosts, up to 300 s
# long) are imported, with the default four bucket sizes, through the redis
# queue (the baseline, the queue importer --once), as a Zeek conn.log
# (--zeek; one record per flow, no resp packets, so one flow per record),
# plain and gzipped, and, their IPv4 flows, as an nfcapd file (--nfcapd)
# that a real nfcapd collected from NetFlow v5 this script sends it on
# loopback, and, their IPv4 flows again, as a VERMONT table in PostgreSQL
# (--vermont-db, src_driver = postgresql, the current layout: a child of
# f, inet addresses) beside the same table in MariaDB (the database
# source's own baseline). Prints flows/s, the importer's CPU and peak RSS, the data size
# and the machine's load; asserts only that every packet went in.
# Usage: files_bench.sh [BUILD_DIR [FLOWS]] (FI_BENCH=1 tests/run.sh runs it).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=../shell/benchlib.sh
. "$root/tests/shell/benchlib.sh"
BUILD=$(realpath "${1:-$root/build/rel}")
N=${2:-1000000}
mycnf=$(bench_mariadb_args)
FI_HARNESS_MARIADB_ARGS="$mycnf" bench_own_harness fi-files-bench --no-nginx --postgresql
imp=$BUILD/importer/flowinspector-importer

echo "bench: generating $N flows"
python3 "$root/tests/tools/flowref.py" gen --count "$N" --seed 1 --hosts 3000 --span 7200 \
	--max-duration 300 --sorted >"$tmp/flows.jsonl"
# the same flows as Zeek records: ts the start, duration end - start, the
# protocol in ip_proto, ICMP's type and code back in orig_p and resp_p
python3 - "$root/tests/tools" "$tmp/flows.jsonl" >"$tmp/conn.log" <<'PY'
import ipaddress, sys
sys.path.insert(0, sys.argv[1])
import flowref  # its decoder: gen writes every spelling the queue accepts
cols = ("ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto duration orig_pkts "
        "orig_ip_bytes resp_pkts resp_ip_bytes ip_proto").split()
print("#separator \\x09\n#unset_field\t-\n#path\tconn\n#open\t2024-01-01-00-00-00")
print("#fields\t" + "\t".join(cols))
names = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmp"}
def text(h):
    a = ipaddress.IPv6Address(int(h, 16))
    return str(a.ipv4_mapped) if a.ipv4_mapped is not None else str(a)
for i, line in enumerate(open(sys.argv[2])):
    f = flowref.decode(line)
    p, sp, dp = f["proto"], f["sport"], f["dport"]
    if p in (1, 58):
        sp, dp = dp >> 8, dp & 255
    print("%d.000000\tC%d\t%s\t%d\t%s\t%d\t%s\t%d.000000\t%d\t%d\t0\t0\t%d" % (
        f["first"], i, text(f["src"]), sp, text(f["dst"]), dp, names.get(p, "unknown_transport"),
        f["last"] - f["first"], f["packets"], f["bytes"], p))
PY
gzip -1 -c "$tmp/conn.log" >"$tmp/conn.log.gz"
want_pkts=$(awk -F'\t' '!/^#/ { p += $9 } END { printf "%d", p }' "$tmp/conn.log")

# the IPv4 flows as NetFlow v5 to a real nfcapd (30 records a datagram,
# paced so that none is dropped); its finished file is the nfcapd data set
port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$tmp/nfcapd"
nfcapd -l "$tmp/nfcapd" -b 127.0.0.1 -p "$port" -t 3600 -B 8000000 >"$tmp/nfcapd.log" 2>&1 &
nfpid=$!
sleep 0.5
nf=$(python3 - "$root/tests/tools" "$tmp/flows.jsonl" "$port" <<'PY'
import socket, struct, sys, time
sys.path.insert(0, sys.argv[1])
import flowref
flows = [f for f in map(flowref.decode, open(sys.argv[2])) if f["src"].startswith("0" * 20 + "FFFF")]
now = max(f["last"] for f in flows) + 60
uptime = 3000000000  # ms; the exporter booted uptime / 1000 s before now
boot = now - uptime // 1000
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
pkts = 0
for i in range(0, len(flows), 30):
    part = flows[i:i + 30]
    d = struct.pack("!HHIIIIBBH", 5, len(part), uptime, now, 0, i, 0, 0, 0)
    for f in part:
        d += struct.pack("!IIIHHIIIIHHBBBBHHBBH", int(f["src"][24:], 16), int(f["dst"][24:], 16),
                         0, 0, 0, f["packets"], f["bytes"], (f["first"] - boot) * 1000,
                         (f["last"] - boot) * 1000, f["sport"], f["dport"], 0, 0, f["proto"],
                         0, 0, 0, 0, 0, 0)
        pkts += f["packets"]
    s.sendto(d, ("127.0.0.1", int(sys.argv[3])))
    if i % 3000 == 0:
        time.sleep(0.01)
print(len(flows), pkts)
PY
)
sleep 2
kill -INT "$nfpid"
wait "$nfpid"
read -r nf_flows nf_pkts <<<"$nf"
echo "bench: nfcapd collected $(nfdump -r "$tmp"/nfcapd/nfcapd.2* -q -N -o 'fmt:%pkt' | wc -l) of $nf_flows v5 records" \
	"($(du -m "$tmp"/nfcapd/nfcapd.2* | cut -f1) MiB)"
echo "bench: conn.log $(du -m "$tmp/conn.log" | cut -f1) MiB, gzipped $(du -m "$tmp/conn.log.gz" | cut -f1) MiB"

# the IPv4 flows as VERMONT rows (millisecond IPFIX names), in MariaDB and
# PostgreSQL: addresses as integers there, as inet here
python3 - "$root/tests/tools" "$tmp/flows.jsonl" "$tmp/vermont.my" "$tmp/vermont.pg" <<'PY'
import ipaddress, sys
sys.path.insert(0, sys.argv[1])
import flowref
my, pg = open(sys.argv[3], "w"), open(sys.argv[4], "w")
for line in open(sys.argv[2]):
    f = flowref.decode(line)
    if not f["src"].startswith("0" * 20 + "FFFF"):
        continue
    s, d = int(f["src"][24:], 16), int(f["dst"][24:], 16)
    rest = "%d\t%d\t%d\t%d\t%d\t%d\t%d\n" % (f["sport"], f["dport"], f["proto"], f["bytes"],
                                         f["packets"], f["first"] * 1000, f["last"] * 1000)
    my.write("%d\t%d\t%s" % (s, d, rest))
    pg.write("%s\t%s\t%s" % (ipaddress.IPv4Address(s), ipaddress.IPv4Address(d), rest))
PY
vm_flows=$(wc -l <"$tmp/vermont.my")
vm_pkts=$(awk -F'\t' '{ p += $7 } END { printf "%d", p }' "$tmp/vermont.my")
vcols="sourceIPv4Address, destinationIPv4Address, sourceTransportPort, destinationTransportPort,
	protocolIdentifier, octetDeltaCount, packetDeltaCount, flowStartMilliseconds,
	flowEndMilliseconds"
harness_mysql -e "CREATE DATABASE vermont_src; CREATE TABLE vermont_src.f_240101_000000 (
	sourceIPv4Address int unsigned, destinationIPv4Address int unsigned,
	sourceTransportPort smallint unsigned, destinationTransportPort smallint unsigned,
	protocolIdentifier tinyint unsigned, octetDeltaCount bigint unsigned,
	packetDeltaCount bigint unsigned, flowStartMilliseconds bigint unsigned,
	flowEndMilliseconds bigint unsigned)"
harness_mysql --local-infile=1 vermont_src -e \
	"LOAD DATA LOCAL INFILE '$tmp/vermont.my' INTO TABLE f_240101_000000"
harness_psql -qc "CREATE DATABASE vermont_src"
harness_psql -q -d vermont_src -c "CREATE TABLE f (sourceIPv4Address inet,
	destinationIPv4Address inet, sourceTransportPort integer, destinationTransportPort integer,
	protocolIdentifier smallint, octetDeltaCount bigint, packetDeltaCount bigint,
	flowStartMilliseconds bigint, flowEndMilliseconds bigint)" \
	-c "CREATE TABLE f_240101_000000 () INHERITS (f)" \
	-c "\\copy f_240101_000000 ($vcols) FROM '$tmp/vermont.pg'" -c "VACUUM ANALYZE"
harness_mysql -e "ANALYZE TABLE vermont_src.f_240101_000000" >/dev/null
echo "bench: $vm_flows VERMONT rows in MariaDB ($(harness_mysql -N -e "SELECT ROUND((DATA_LENGTH)
	/ 1048576) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'vermont_src'") MiB) and" \
	"PostgreSQL ($(harness_psql -d vermont_src -Atc \
	"SELECT pg_total_relation_size('f_240101_000000') / 1048576") MiB)"

conf()
{
	cat >"$tmp/$1.conf" <<CONF
db_host = 127.0.0.1
db_port = $FI_TEST_MYSQL_PORT
db_name = bench_$1
db_password = bench
db_ro_password = bench
db_grant_hosts = 127.0.0.1
redis_port = $FI_TEST_REDIS_PORT
retention_days = 0
log_level = info
rollup_workers = 0
CONF
	harness_mysql -e "DROP DATABASE IF EXISTS bench_$1"
	"$imp" -c "$tmp/$1.conf" --init-db 2>/dev/null
}

# run NAME ARGS...: the importer's wall time, CPU and peak RSS; the flows in
run()
{
	local name=$1 out
	shift
	out=$(python3 - "$imp" -c "$tmp/$name.conf" "$@" <<'PY'
import resource, subprocess, sys, time
t0 = time.monotonic()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
t = time.monotonic() - t0
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%d %.3f %.2f %d" % (rc, t, u.ru_utime + u.ru_stime, u.ru_maxrss // 1024))
PY
)
	read -r rc secs cpu rss <<<"$out"
	pkts=$(harness_mysql -N "bench_$name" -e \
		"SELECT SUM(tcp_packets + udp_packets + icmp_packets + other_packets) FROM totals_86400")
	printf '%-8s %9.0f %8.1f %8.1f %7s  exit %s\n' "$name" \
		"$(echo "${flows:-$N} / $secs" | bc -l)" "$secs" "$cpu" "${rss}MiB" "$rc"
	[[ $pkts == "${want:-$want_pkts}" ]] ||
		echo "bench ($name): $pkts of ${want:-$want_pkts} packets imported" >&2
}

echo
echo "file sources benchmark, $N flows, default sizes, no roll-up"
printf '%-8s %9s %8s %8s %7s\n' source flows/s secs imp-cpu peakRSS
conf queue
python3 "$root/tests/tools/flowref.py" resp "$tmp/flows.jsonl" | harness_redis_cli --pipe >/dev/null
run queue --once
conf zeek
run zeek --zeek "$tmp/conn.log"
conf zeekgz
run zeekgz --zeek "$tmp/conn.log.gz"
conf nfcapd
flows=$nf_flows want=$nf_pkts run nfcapd --nfcapd "$tmp/nfcapd"
conf vtmysql
printf 'src_host = 127.0.0.1\nsrc_port = %s\nsrc_user = root\n' "$FI_TEST_MYSQL_PORT" \
	>>"$tmp/vtmysql.conf"
flows=$vm_flows want=$vm_pkts run vtmysql --vermont-db --src-database vermont_src
conf postgres
printf 'src_driver = postgresql\nsrc_socket = %s\nsrc_port = %s\nsrc_user = postgres\n' \
	"$FI_TEST_PG_SOCKET_DIR" "$FI_TEST_PG_PORT" >>"$tmp/postgres.conf"
flows=$vm_flows want=$vm_pkts run postgres --vermont-db --src-database vermont_src
echo "targets: Zeek (and nfcapd, PostgreSQL) >= 30000 flows/s, peak RSS < 512 MiB"
echo "load: $(uptime)"
