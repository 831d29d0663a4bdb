#!/usr/bin/env bash
# test_nfcapd.sh: --nfcapd against the probe. Debian's softflowd replays a
# fixture capture as NetFlow v5, v9 and IPFIX to a real nfcapd on loopback;
# each collected file is imported (nfcapd.current.* left alone) and compared
# with what flowinspector-probe makes of the same packets (IP bytes):
# v5 (IPv4 only) and IPFIX bucket by bucket at every size, v9 per 5-tuple
# (softflowd's v9 times are off by up to a second: its export header keeps
# whole seconds; and its v9 IPv6 records carry no ICMPv6 type: those ports
# are compared as 0). nfcapd -s 10 multiplies the counts, and the import keeps
# them. A second run imports nothing. The four files, arriving one by one in
# a directory followed by an importer SIGKILLed mid-file twice, are counted
# once each. A file nfdump cannot read fails.
set -uo pipefail
BUILD=$1
. "$FI_SOURCE_DIR/tests/shell/testlib.sh"
fi_test_setup nfcapd
t_init_db "retention_days = 0"
for prog in nfcapd softflowd nfdump; do
	command -v "$prog" >/dev/null || {
		t_fail "$prog is needed (tests/deps.sh installs nfdump and softflowd)"
		t_done
	}
done
cap=$T_FIXTURES/traffic-mixed.pcap
: >"$T_TMP/empty.conf"
check_cmd "the probe on the capture" "$BUILD/importer/probe/flowinspector-probe" \
	-c "$T_TMP/empty.conf" -q -r "$cap" -w "$T_TMP/probe.jsonl"
dbs=()
cleanup_dbs()
{
	local d
	for d in "${dbs[@]}"; do harness_mysql -e "DROP DATABASE IF EXISTS \`$d\`"; done
	fi_test_cleanup
}
trap cleanup_dbs EXIT

# collect NAME SAMPLING SOFTFLOWD-ARGS...: nfcapd on a free port, softflowd
# replays the capture to it, nfcapd is stopped (its file is then finished)
collect()
{
	local name=$1 sampling=$2 port pid
	shift 2
	port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	mkdir -p "$T_TMP/$name"
	nfcapd -l "$T_TMP/$name" -b 127.0.0.1 -p "$port" -t 3600 ${sampling:+-s "$sampling"} \
		>"$T_TMP/$name.nfcapd.log" 2>&1 &
	pid=$!
	sleep 0.5
	softflowd -r "$cap" -n "127.0.0.1:$port" "$@" >"$T_TMP/$name.softflowd.log" 2>&1
	sleep 1
	kill -INT "$pid"
	wait "$pid"
	# a file being written is never read
	echo "not finished" >"$T_TMP/$name/nfcapd.current.4242"
}

# import_dir NAME: into a database of its own
import_dir()
{
	local conf=$T_TMP/$1.conf db=${T_DB}_$1
	sed "s/^db_name = .*/db_name = $db/" "$T_CONF" >"$conf"
	dbs+=("$db")
	"$T_IMPORTER" -c "$conf" --init-db >/dev/null 2>&1
	check_cmd "$1: the import" "$T_IMPORTER" -c "$conf" --nfcapd "$T_TMP/$1"
	out=$("$T_IMPORTER" -c "$conf" -v --nfcapd "$T_TMP/$1" 2>&1)
	check_contains "$1: a second run" "$out" ": up to date ("
	check_eq "$1: one mark, the finished file's" \
		"$(harness_mysql -N "$db" -e "SELECT COUNT(*) FROM fi_source_marks")" 1
}

# compare DB HOW [FACTOR]: HOW buckets (every bucket table's totals) or
# tuples (per 5-tuple over all buckets); only IPv4 flows of the probe with v4
compare()
{
	python3 - "$FI_SOURCE_DIR/tests/tools" "$T_TMP/probe.jsonl" "$FI_TEST_MYSQL_SOCKET" "$@" <<'PY'
import json, subprocess, sys
sys.path.insert(0, sys.argv[1])
import flowref
probe, sock, db, how = sys.argv[2:6]
factor = int(sys.argv[6]) if len(sys.argv) > 6 else 1
v4 = how.endswith("-v4")
lines = [l for l in open(probe) if l.strip()]
if v4:
    lines = [l for l in lines if "sourceIPv4Address" in json.loads(l)]
if factor != 1:  # what nfcapd -s stores: each record's counts times the rate
    scaled = []
    for l in lines:
        e = json.loads(l)
        e["packetDeltaCount"] *= factor
        e["octetDeltaCount"] *= factor
        scaled.append(json.dumps(e) + "\n")
    lines = scaled
sel = probe + ".sel"
open(sel, "w").writelines(lines)
def sql(q):
    out = subprocess.run(["mariadb", "--no-defaults", "-S", sock, "-uroot", "-N", "-B", db,
                          "-e", q], capture_output=True, text=True, check=True).stdout
    return [r.split("\t") for r in out.splitlines()]
bad = 0
if how.startswith("buckets"):
    sizes = [60, 600, 3600, 86400]
    exp, _ = flowref.expected([sel], sizes)
    cols = [c + "_" + k for c in ("tcp", "udp", "icmp", "other") for k in ("packets", "bytes")]
    for size in sizes:
        want = {}
        for key, v in exp[size]["totals"].items():
            want[key[0]] = [v[i] for i in (1, 2, 4, 5, 7, 8, 10, 11)]
        got = {int(r[0]): [int(x) for x in r[1:]]
               for r in sql("SELECT bucket, %s FROM totals_%d" % (",".join(cols), size))}
        for b in sorted(set(want) | set(got)):
            if want.get(b, [0] * 8) != got.get(b, [0] * 8):
                bad += 1
                print("totals_%d %d: imported %s, probe %s" % (size, b, got.get(b), want.get(b)))
        print("%s: totals_%d, %d buckets compared" % (db, size, len(set(want) | set(got))))
else:
    want = {}
    for l in lines:
        f = flowref.decode(l)
        k = (f["src"], f["dst"], f["sport"], 0 if f["proto"] == 58 else f["dport"], f["proto"])
        p, b = want.get(k, (0, 0))
        want[k] = (p + f["packets"], b + f["bytes"])
    got = {tuple(r[:2]) + (int(r[2]), 0 if r[4] == "58" else int(r[3]), int(r[4])):
           (int(r[5]), int(r[6]))
           for r in sql("SELECT HEX(src), HEX(dst), sport, dport, proto, SUM(packets),"
                        " SUM(bytes) FROM flows_60 GROUP BY src, dst, sport, dport, proto")}
    for k in set(want) | set(got):
        if want.get(k) != got.get(k):
            bad += 1
            if bad <= 5:
                print("5-tuple %s: imported %s, probe %s" % (k, got.get(k), want.get(k)))
    print("%s: %d 5-tuples compared" % (db, len(set(want) | set(got))))
sys.exit(1 if bad else 0)
PY
}

collect v5 "" -v 5 -a
import_dir v5
check_cmd "v5 (IPv4): every bucket as the probe's" compare "${T_DB}_v5" buckets-v4
collect v9 "" -v 9 -a
import_dir v9
check_cmd "v9: every 5-tuple as the probe's" compare "${T_DB}_v9" tuples
collect ipfix "" -v 10 -A milli
import_dir ipfix
check_cmd "IPFIX: every bucket as the probe's" compare "${T_DB}_ipfix" buckets
collect sampled 10 -v 10 -A milli
import_dir sampled
check_cmd "nfcapd -s 10: every bucket ten times the probe's" compare "${T_DB}_sampled" buckets 10

# exactly once: the finished files of all four collections arrive one by
# one in a directory followed by an importer that is SIGKILLed mid-file
# twice; in the end every bucket holds each file's counts once
conf=$T_TMP/follow.conf
sed "s/^db_name = .*/db_name = ${T_DB}_follow/" "$T_CONF" >"$conf"
echo "src_chunk_rows = 20" >>"$conf"
dbs+=("${T_DB}_follow")
"$T_IMPORTER" -c "$conf" --init-db >/dev/null 2>&1
mkdir -p "$T_TMP/follow"
marked()
{
	harness_mysql -N "${T_DB}_follow" -e \
		"SELECT COALESCE(SUM(rows_imported), 0) FROM fi_source_marks"
}
start_follow()
{
	"$T_IMPORTER" -c "$conf" --nfcapd --follow "$T_TMP/follow" >>"$T_TMP/follow.log" 2>&1 &
	fpid=$!
	T_PIDS="${T_PIDS:-} $fpid"
}
start_follow
want=0
kills=0
for name in v5 v9 ipfix sampled; do
	f=$(ls "$T_TMP/$name"/nfcapd.2*)
	n=$(nfdump -r "$f" -q -N -o 'fmt:%pkt' | wc -l)
	cp "$f" "$T_TMP/follow/nfcapd.$name"
	want=$((want + n))
	if ((kills < 2)); then
		for ((i = 0; i < 500; i++)); do
			m=$(marked)
			((m > want - n && m < want)) && break
			sleep 0.01
		done
		kill -KILL "$fpid"
		wait "$fpid" 2>/dev/null
		echo "nfcapd: SIGKILL with $m of $want records marked"
		kills=$((kills + 1))
		start_follow
	fi
done
for ((i = 0; i < 600; i++)); do
	(($(marked) == want)) && break
	sleep 0.1
done
check_eq "followed: every record marked once" "$(marked)" "$want"
kill -TERM "$fpid"
t_wait_exit "$fpid" "$T_TMP/follow.log"
check_eq "followed: SIGTERM, status 0" "$?" 0
sum=""
for c in tcp udp icmp other; do sum="$sum + ${c}_packets"; done
check_eq "followed: the packets of the four imports, once" \
	"$(harness_mysql -N "${T_DB}_follow" -e "SELECT SUM(0 $sum) FROM totals_60")" \
	"$(for n in v5 v9 ipfix sampled; do harness_mysql -N "${T_DB}_$n" -e \
		"SELECT SUM(0 $sum) FROM totals_60"; done | awk '{ s += $1 } END { print s }')"

echo "not an nfcapd file" >"$T_TMP/nfcapd.bogus"
out=$("$T_IMPORTER" -c "$T_CONF" --nfcapd "$T_TMP/nfcapd.bogus" 2>&1)
check_eq "a file nfdump cannot read: status" "$?" 1
check_contains "a file nfdump cannot read: why" "$out" "nfcapd.bogus"
t_done
