#!/usr/bin/env python3
"""dbsrcref.py: the tests' independent reading of argus and VERMONT source tables.

flows   reads source tables through the mariadb client and writes the flows
        they hold as VERMONT JSON lines (one per flow, IPv6 text keys), ready
        for `flowref.py check`. It applies the rules of README.md ("Database
        sources") with its own code: argus rows give a forward flow and, when
        dpkts > 0, a reverse flow over [floor(stime), floor(stime + dur)];
        arp, rarp and man rows are skipped; bad rows are counted and dropped.
        Prints {"rows", "flows", "not_ip", "bad"} as JSON on standard error.
sums    prints "packets bytes" over the flows of the same tables.
"""
import argparse
import ipaddress
import json
import math
import subprocess
import sys

PROTOS = {
    "hopopt": 0, "icmp": 1, "igmp": 2, "ggp": 3, "ipencap": 4, "ipnip": 4, "ipv4": 4,
    "st": 5, "tcp": 6, "egp": 8, "igp": 9, "pup": 12, "udp": 17, "hmp": 20,
    "xns-idp": 22, "rdp": 27, "iso-tp4": 29, "dccp": 33, "xtp": 36, "ddp": 37,
    "idpr-cmtp": 38, "ipv6": 41, "ipv6-route": 43, "ipv6-frag": 44, "idrp": 45,
    "rsvp": 46, "gre": 47, "esp": 50, "ah": 51, "skip": 57, "ipv6-icmp": 58,
    "icmpv6": 58, "ipv6-nonxt": 59, "ipv6-opts": 60, "rspf": 73, "vmtp": 81,
    "eigrp": 88, "ospf": 89, "ospfigp": 89, "ax.25": 93, "ipip": 94, "etherip": 97,
    "encap": 98, "pim": 103, "ipcomp": 108, "vrrp": 112, "l2tp": 115, "isis": 124,
    "sctp": 132, "fc": 133, "mobility-header": 135, "udplite": 136, "mpls-in-ip": 137,
    "manet": 138, "hip": 139, "shim6": 140, "wesp": 141, "rohc": 142, "ethernet": 143,
}
NOT_IP = {"arp", "rarp", "man"}
WITH_PORTS = {1, 6, 17, 33, 58, 132, 136}
TIME_MAX = 4294967295
INT64_MAX = (1 << 63) - 1

ARGUS = {"saddr": "saddr", "daddr": "daddr", "sport": "sport", "dport": "dport",
         "proto": "proto", "pkts": "spkts", "bytes": "sbytes", "rpkts": "dpkts",
         "rbytes": "dbytes", "stime": "stime", "dur": "dur", "ltime": "ltime"}
VERMONT = {"saddr": ["sourceipv4address", "srcip"],
           "daddr": ["destinationipv4address", "dstip"],
           "sport": ["sourcetransportport", "srcport"],
           "dport": ["destinationtransportport", "dstport"],
           "proto": ["protocolidentifier", "proto"],
           "pkts": ["packetdeltacount", "pkts"], "bytes": ["octetdeltacount", "bytes"],
           "rpkts": ["revpacketdeltacount", "revpkts"],
           "rbytes": ["revoctetdeltacount", "revbytes"],
           "start_s": ["flowstartseconds"], "end_s": ["flowendseconds"],
           "start_ms": ["flowstartmilliseconds", "firstswitched", "firstswitchedmillis"],
           "end_ms": ["flowendmilliseconds", "lastswitched", "lastswitchedmillis"]}


class Bad(Exception):
    pass


def mysql(args, db, sql):
    cmd = ["mariadb", "--no-defaults", "-N", "-B", "-u", args.user, "-S", args.socket, db,
           "-e", sql]
    out = subprocess.run(cmd, check=True, capture_output=True).stdout.decode("utf-8")
    return [line.split("\t") for line in out.split("\n") if line != ""]


def unescape(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            out.append({"t": "\t", "n": "\n", "0": "\0", "\\": "\\"}.get(s[i + 1], s[i + 1]))
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def read_table(args, db, table):
    """Rows as dicts lower-case column name -> str or None."""
    cols = [r[0] for r in mysql(args, db, "SELECT COLUMN_NAME FROM information_schema.COLUMNS "
                                "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '%s' "
                                "ORDER BY ORDINAL_POSITION" % table)]
    cols = [c for c in cols if c.lower() != "record"]
    sel = ",".join("IF(`%s` IS NULL, 'N', CONCAT('V', `%s`))" % (c, c) for c in cols)
    rows = []
    for r in mysql(args, db, "SELECT %s FROM `%s`" % (sel, table)):
        rows.append({c.lower(): (None if v == "N" else unescape(v[1:]))
                     for c, v in zip(cols, r)})
    return rows, [c.lower() for c in cols]


def count(v, what):
    if v is None:
        raise Bad("NULL " + what)
    if not v.isdigit() or int(v) > INT64_MAX:
        raise Bad("bad " + what)
    return int(v)


def num(v, what):
    if v is None or v == "" or any(c not in "0123456789.-" for c in v) or v.count(".") > 1 \
            or "-" in v[1:]:
        raise Bad("bad " + what)
    x = float(v)
    if not math.isfinite(x):
        raise Bad("bad " + what)
    return x


def port(v):
    if v is None or v == "":
        return 0
    try:
        p = int(v[2:], 16) if v[:2].lower() == "0x" and len(v) > 2 and \
            all(c in "0123456789abcdefABCDEF" for c in v[2:]) else \
            int(v) if v.isdigit() else None
    except ValueError:
        p = None
    if p is None or p > 65535:
        raise Bad("bad port %r" % v)
    return p


def addr(v, allow_int):
    if v is None or "%" in v:
        raise Bad("bad address %r" % v)
    if allow_int and v.isdigit() and int(v) <= 0xFFFFFFFF:
        return ipaddress.IPv6Address("::ffff:" + str(ipaddress.IPv4Address(int(v))))
    try:
        a = ipaddress.ip_address(v)
    except ValueError:
        raise Bad("bad address %r" % v)
    return ipaddress.IPv6Address("::ffff:" + str(a)) if a.version == 4 else a


def proto_of(v):
    if v is None:
        raise Bad("NULL proto")
    if v.lower() in NOT_IP:
        return None
    if v.lower() in PROTOS:
        return PROTOS[v.lower()]
    if v.isdigit() and int(v) <= 255:
        return int(v)
    raise Bad("bad proto %r" % v)


def reverse(r, kp, kb):
    if kp is None or kb is None:
        return None
    p, b = r[kp], r[kb]
    if p is None and b is None:
        return None
    return count(p, "reverse packets"), count(b, "reverse bytes")


def argus_flows(r, cols, max_dur):
    proto = proto_of(r["proto"])
    if proto is None:
        return None
    stime = num(r["stime"], "stime")
    if stime < 0 or stime >= TIME_MAX + 1:
        raise Bad("stime out of range")
    if "dur" in cols:
        dur = num(r["dur"], "dur")
        if dur < 0:
            raise Bad("negative dur")
        end = stime + dur
        if not end < TIME_MAX + 1:
            raise Bad("end out of range")
    else:
        end = num(r["ltime"], "ltime")
        if end >= TIME_MAX + 1 or end < stime:
            raise Bad("bad ltime")
    first, last = math.floor(stime), math.floor(end)
    if last - first + 1 > max_dur:
        raise Bad("too long")
    src, dst = addr(r["saddr"], False), addr(r["daddr"], False)
    sp = dp = 0
    if proto in WITH_PORTS:
        sp = port(r.get("sport")) if "sport" in cols else 0
        dp = port(r.get("dport")) if "dport" in cols else 0
    pk, by = count(r["spkts"], "spkts"), count(r["sbytes"], "sbytes")
    rev = reverse(r, "dpkts" if "dpkts" in cols else None,
                  "dbytes" if "dbytes" in cols else None)
    return first, last, src, dst, sp, dp, proto, pk, by, rev


def pick(cols, names):
    for n in names:
        if n in cols:
            return n
    return None


def vermont_flows(r, cols, max_dur):
    c = {k: pick(cols, v) for k, v in VERMONT.items()}
    proto = proto_of(r[c["proto"]]) if c["proto"] else 0
    if proto is None:
        return None
    t, ms = [0, 0], [0, 0]
    for i, (ks, kms) in enumerate((("start_s", "start_ms"), ("end_s", "end_ms"))):
        if c[ks]:
            t[i] = count(r[c[ks]], "time")
            if t[i] > TIME_MAX:
                raise Bad("time out of range")
        else:
            ms[i] = count(r[c[kms]], "time")
            if ms[i] > TIME_MAX * 1000 + 999:
                raise Bad("time out of range")
            t[i] = ms[i] // 1000
    if (not c["start_s"] and not c["end_s"] and ms[1] < ms[0]) or t[1] < t[0]:
        raise Bad("ends before it starts")
    if t[1] - t[0] + 1 > max_dur:
        raise Bad("too long")
    src, dst = addr(r[c["saddr"]], True), addr(r[c["daddr"]], True)

    def vport(k):
        if not c[k] or r[c[k]] is None:
            return 0
        v = r[c[k]]
        if not v.isdigit() or int(v) > 65535:
            raise Bad("bad port")
        return int(v)
    sp, dp = vport("sport"), vport("dport")
    pk, by = count(r[c["pkts"]], "packets"), count(r[c["bytes"]], "bytes")
    rev = reverse(r, c["rpkts"], c["rbytes"])
    return t[0], t[1], src, dst, sp, dp, proto, pk, by, rev


def element(first, last, src, dst, sp, dp, proto, pk, by):
    return json.dumps({"sourceIPv6Address": str(src), "destinationIPv6Address": str(dst),
                       "sourceTransportPort": sp, "destinationTransportPort": dp,
                       "protocolIdentifier": proto, "flowStartSeconds": first,
                       "flowEndSeconds": last, "packetDeltaCount": pk, "octetDeltaCount": by},
                      separators=(",", ":"))


def tables_of(args, db):
    if args.table:
        return args.table
    return [r[0] for r in mysql(args, db, "SELECT TABLE_NAME FROM information_schema.TABLES "
                                "WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME")]


def run(args, out):
    stats = dict(rows=0, flows=0, not_ip=0, bad=0, packets=0, bytes=0)
    for db in args.db:
        for table in tables_of(args, db):
            rows, cols = read_table(args, db, table)
            need = ["saddr", "daddr", "proto", "spkts", "sbytes", "stime"] \
                if args.kind == "argus" else []
            if args.kind == "argus" and (any(n not in cols for n in need) or
                                         ("dur" not in cols and "ltime" not in cols)):
                continue
            if args.kind == "vermont" and (not pick(cols, VERMONT["saddr"]) or
                                           not pick(cols, VERMONT["pkts"])):
                continue
            conv = argus_flows if args.kind == "argus" else vermont_flows
            for r in rows:
                stats["rows"] += 1
                try:
                    f = conv(r, cols, args.max_duration)
                except Bad:
                    stats["bad"] += 1
                    continue
                if f is None:
                    stats["not_ip"] += 1
                    continue
                first, last, src, dst, sp, dp, proto, pk, by, rev = f
                flows = [(src, dst, sp, dp, pk, by)]
                if rev is not None and rev[0] > 0:
                    flows.append((dst, src, dp, sp, rev[0], rev[1]))
                for s, d, a, b, p, n in flows:
                    stats["flows"] += 1
                    stats["packets"] += p
                    stats["bytes"] += n
                    if out:
                        out.write(element(first, last, s, d, a, b, proto, p, n) + "\n")
    return stats


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cmd", choices=["flows", "sums"])
    ap.add_argument("--kind", choices=["argus", "vermont"], required=True)
    ap.add_argument("--socket", required=True)
    ap.add_argument("--user", default="root")
    ap.add_argument("--db", action="append", required=True)
    ap.add_argument("--table", action="append")
    ap.add_argument("--max-duration", type=int, default=604800)
    a = ap.parse_args()
    stats = run(a, sys.stdout if a.cmd == "flows" else None)
    if a.cmd == "sums":
        print(stats["packets"], stats["bytes"])
    print(json.dumps(stats), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
