#!/usr/bin/env python3
"""flowref.py: the tests' independent reference for the queue importer.

gen     writes generated VERMONT-style JSON elements (one per line), in every
        spelling the importer must accept (seconds, milliseconds, legacy names,
        numeric strings, IPv6, odd key case, weights, unknown keys).
resp    turns element lines into the redis protocol for `redis-cli --pipe`.
check   decodes element files itself, slices and sums them per SPEC 4 (its own
        code, not the importer's), reads every bucket table of a database
        through the mariadb client, and compares row by row: every key present
        on both sides, packets and bytes exact, flows within 1e-6. The tables
        the roll-up fills (pairs_S with its last finest bucket, nodetop_S, nodegroups_S, porttop_S,
        portgroups_S, pairtop_S and pairgroups_S; ports_S,
        flowtop_S and flowgroups_S of a size that is not a detail size) are
        compared for every bucket not marked in fi_rollup_dirty; --all-rolled
        also requires that no bucket is marked. flowtop_S may hold any of the
        5-tuples tied at the cut, so it is checked by what it promises: its
        rows exact, every 5-tuple above a counter's left-out value there, the
        left-out value the TOP+1-th. nodetop_S likewise: per counter ranks 1
        to min(hosts, NODETOP + 1), the value at rank r the r-th largest host
        total, its host's total that value, every host above the last value
        listed, nodegroups_S the bucket's host count and the ranks kept;
        porttop_S and portgroups_S the same for ports, pairtop_S and
        pairgroups_S for host pairs (summed over their protocols) at the
        coarsest size, and none at the others.
"""
import argparse
import ipaddress
import json
import random
import subprocess
import sys
from collections import defaultdict

CLASSES = ("tcp", "udp", "icmp", "other")
METRICS = ("flows", "packets", "bytes")


def proto_class(p):
    return {6: 0, 17: 1, 1: 2, 58: 2}.get(p, 3)


# ---- generation -------------------------------------------------------------

def gen(args):
    rnd = random.Random(args.seed)
    v4_hosts = [0x0A000000 + rnd.randrange(1, 1 << 16) for _ in range(args.hosts)]
    v6_hosts = ["2001:db8::%x:%x" % (rnd.randrange(1 << 16), rnd.randrange(1 << 16))
                for _ in range(max(1, args.hosts // 10))]
    servers = v4_hosts[: max(1, args.hosts // 20)]
    out = sys.stdout
    lines = []
    for i in range(args.count):
        t0 = args.start + rnd.randrange(args.span)
        r = rnd.random()
        dur = 0 if r < 0.3 else rnd.randrange(60) if r < 0.8 else rnd.randrange(args.max_duration)
        proto = rnd.choices([6, 17, 1, 58, 47, 50, 132], [60, 25, 5, 2, 3, 3, 2])[0]
        pk = rnd.randrange(1, 2000)
        by = pk * rnd.randrange(40, 1500)
        if proto in (6, 17, 132):
            sport, dport = rnd.randrange(1024, 65536), rnd.choice([80, 443, 53, 22, 25, 123, 8080])
        else:
            sport, dport = 0, (rnd.randrange(256) << 8 | rnd.randrange(16)) if proto in (1, 58) else 0
        v6 = rnd.random() < 0.1
        if v6:
            src, dst = rnd.choice(v6_hosts), rnd.choice(v6_hosts)
        else:
            src, dst = rnd.choice(v4_hosts), rnd.choice(servers)
            if rnd.random() < 0.5:
                src, dst, sport, dport = dst, src, dport, sport
        style = rnd.random()
        e = {}
        if v6:
            e["sourceIPv6Address"], e["destinationIPv6Address"] = src, dst
        elif style < 0.05:
            e["srcIP"], e["dstIP"] = src, dst
        else:
            e["sourceIPv4Address"], e["destinationIPv4Address"] = src, dst
        if style < 0.05:
            e.update(srcPort=sport, dstPort=dport, proto=proto, firstSwitched=t0,
                     lastSwitched=t0 + dur, pkts=pk, bytes=by)
        elif style < 0.15:
            ms = t0 * 1000 + rnd.randrange(1000)
            e.update(sourceTransportPort=sport, destinationTransportPort=dport,
                     protocolIdentifier=proto, flowStartMilliseconds=ms,
                     flowEndMilliseconds=ms + dur * 1000, octetDeltaCount=by,
                     packetDeltaCount=pk, tcpControlBits=rnd.randrange(256))
        else:
            e.update(sourceTransportPort=sport, destinationTransportPort=dport,
                     protocolIdentifier=proto, flowStartSeconds=t0,
                     flowEndSeconds=t0 + dur, octetDeltaCount=by, packetDeltaCount=pk)
        if 0.15 <= style < 0.20:  # numeric strings
            e = {k: str(v) for k, v in e.items()}
        if 0.20 <= style < 0.23:  # the 2013 spelling and other case
            e = {k.replace("Milliseconds", "MilliSeconds").upper() if k.startswith("flow") else k: v
                 for k, v in e.items()}
        if 0.23 <= style < 0.25:
            e["revOctetDeltaCount"] = rnd.randrange(1000)
            e["exporterID"] = 7
        if 0.25 <= style < 0.27:
            e["flows"] = rnd.choice([2, 3, 0.5, 0.25])
        if 0.27 <= style < 0.30 and proto in (6, 17, 1):
            e["protocolIdentifier" if "protocolIdentifier" in e else "proto"] = \
                {6: "TCP", 17: "udp", 1: "ICMP"}[proto]
        line = json.dumps(e, separators=(",", ":")) + "\n"
        if args.sorted:
            lines.append((t0 + dur, line))
        else:
            out.write(line)
    # a probe exports a flow when it ends: --sorted orders by end time
    for _, line in sorted(lines, key=lambda x: x[0]):
        out.write(line)


def resp(args):
    out = sys.stdout.buffer
    key = args.key.encode()
    for path in args.files:
        with open(path, "rb") as f:
            for line in f:
                line = line.rstrip(b"\n")
                if not line:
                    continue
                out.write(b"*3\r\n$5\r\nRPUSH\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n"
                          % (len(key), key, len(line), line))


# ---- the reference ------------------------------------------------------------

def addr_hex(v, v6):
    if v6:
        a = ipaddress.IPv6Address(v)
        if a.ipv4_mapped is not None:
            return "00000000000000000000FFFF%08X" % int(a.ipv4_mapped)
        return "%032X" % int(a)
    if isinstance(v, str):
        v = int(v) if v.isdigit() else int(ipaddress.IPv4Address(v))
    return "00000000000000000000FFFF%08X" % v


def decode(line):
    e = {k.lower(): v for k, v in json.loads(line).items()}

    def num(*names):
        for n in names:
            if n in e:
                return int(e[n])
        return None
    first = num("flowstartseconds", "firstswitched")
    if first is None:
        first = num("flowstartmilliseconds") // 1000
    last = num("flowendseconds", "lastswitched")
    if last is None:
        last = num("flowendmilliseconds") // 1000
    if "sourceipv6address" in e:
        src, dst = addr_hex(e["sourceipv6address"], True), addr_hex(e["destinationipv6address"], True)
    else:
        src = addr_hex(e.get("sourceipv4address", e.get("srcip", 0)), False)
        dst = addr_hex(e.get("destinationipv4address", e.get("dstip", 0)), False)
    p = e.get("protocolidentifier", e.get("proto", 0))
    if isinstance(p, str) and not p.isdigit():
        p = {"tcp": 6, "udp": 17, "icmp": 1}[p.lower()]
    w = e.get("flows", 1)
    w = float(w) if isinstance(w, float) else int(w)
    return dict(first=first, last=last, src=src, dst=dst,
                sport=num("sourcetransportport", "srcport") or 0,
                dport=num("destinationtransportport", "dstport") or 0,
                proto=int(p), packets=num("packetdeltacount", "pkts"),
                bytes=num("octetdeltacount", "bytes"), weight=w)


def slices(f, size):
    """SPEC 4: integer shares with the remainder carried, the last slice the rest."""
    dur = f["last"] - f["first"] + 1
    b = f["first"] // size * size
    done_p = done_b = 0
    while b <= f["last"]:
        end = min(b + size - 1, f["last"])
        covered = end - f["first"] + 1
        secs = end - max(b, f["first"]) + 1
        if end == f["last"]:
            p, by = f["packets"], f["bytes"]
        else:
            p, by = f["packets"] * covered // dur, f["bytes"] * covered // dur
        yield b, p - done_p, by - done_b, f["weight"] * secs / dur
        done_p, done_b = p, by
        b += size


def expected(files, sizes):
    exp = {}
    for size in sizes:
        exp[size] = dict(flows=defaultdict(lambda: [0.0, 0, 0]),
                         totals=defaultdict(lambda: [0.0, 0, 0] * 4),
                         nodes=defaultdict(lambda: [0.0, 0, 0] * 8),
                         ports=defaultdict(lambda: [0.0, 0, 0] * 8))
    n = 0
    for path in files:
        with open(path) as fh:
            for line in fh:
                line = line.strip()
                if not line or line == "END":
                    continue
                f = decode(line)
                n += 1
                pc = proto_class(f["proto"])
                for size in sizes:
                    t = exp[size]
                    for b, p, by, w in slices(f, size):
                        r = t["flows"][(b, f["src"], f["dst"], f["sport"], f["dport"], f["proto"])]
                        r[0] += w; r[1] += p; r[2] += by
                        r = t["totals"][(b,)]
                        r[3 * pc] += w; r[3 * pc + 1] += p; r[3 * pc + 2] += by
                        for tab, key, d in (("nodes", f["src"], 0), ("nodes", f["dst"], 1),
                                            ("ports", f["sport"], 0), ("ports", f["dport"], 1)):
                            r = t[tab][(b, key)]
                            o = 12 * d + 3 * pc
                            r[o] += w; r[o + 1] += p; r[o + 2] += by
    return exp, n


def counter_cols(tab):
    if tab == "pairs":  # and the last finest bucket with traffic
        return ["flows", "packets", "bytes", "last"]
    if tab in ("flows", "flowtop"):
        return ["flows", "packets", "bytes"]
    dirs = [""] if tab == "totals" else ["src_", "dst_"]
    return ["%s%s_%s" % (d, c, m) for d in dirs for c in CLASSES for m in METRICS]


TOP = 1000  # FI_ROLLUP_TOP of importer/fi_rollup.c
NODETOP = 100  # FI_NODETOP_RANKS of lib/fi_limits.h (nodes and ports)
PAIRTOP = 40000  # FI_PAIRTOP_RANKS of lib/fi_limits.h (host pairs)
KEYS = {"flows": ["bucket", "HEX(src)", "HEX(dst)", "sport", "dport", "proto"],
        "pairs": ["bucket", "HEX(src)", "HEX(dst)", "proto"],
        "flowtop": ["bucket", "HEX(src)", "HEX(dst)", "sport", "dport", "proto"],
        "totals": ["bucket"], "nodes": ["bucket", "HEX(addr)"], "ports": ["bucket", "port"]}


def detail_sources(sizes, detail):
    """Where each size's per-key rows and ports are stored (flow_detail_sizes):
    a detail size in its own tables, another summed from the coarsest stored
    size that divides it, a size that no stored size divides in its own."""
    sizes = sorted(sizes)
    if detail == "all":
        stored = set(sizes)
    elif detail:
        stored = set(int(s) for s in detail.split(","))
    else:
        stored = {sizes[0]}
    src = {}
    for s in sizes:
        divs = [d for d in sizes if d < s and d in stored and s % d == 0]
        if s in stored or not divs:
            stored.add(s)
            src[s] = s
        else:
            src[s] = max(divs)
    return src


def query(args, sql):
    cmd = ["mariadb", "--no-defaults", "-N", "-B", "-h", "127.0.0.1", "-P", str(args.port),
           "-u", args.user, args.db, "-e", sql]
    if args.socket:
        cmd[4:8] = ["-S", args.socket]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit("flowref: %s failed: %s" % (sql[:80], run.stderr.strip()))
    return run.stdout


def marked(args):
    """The buckets the roll-up has not rolled up: {size: set(bucket)}."""
    out = defaultdict(set)
    for line in query(args, "SELECT size, bucket FROM fi_rollup_dirty").splitlines():
        size, bucket = line.split("\t")
        out[int(size)].add(int(bucket))
    return out


def pairs_of(flows, finest=None, size=None):
    """Host pair rows summed from 5-tuple rows; with the finest size's rows
    (finest) each also gets its last: the latest finest bucket in which it
    has a row, within its bucket of size."""
    out = defaultdict(lambda: [0.0, 0, 0])
    for (b, src, dst, _sport, _dport, proto), v in flows.items():
        r = out[(b, src, dst, proto)]
        for i in range(3):
            r[i] += v[i]
    if finest is not None:
        for r in out.values():
            r.append(None)
        for (b, src, dst, _sport, _dport, proto) in finest:
            r = out.get((b // size * size, src, dst, proto))
            if r is not None and (r[3] is None or b > r[3]):
                r[3] = b
    return out


def compare(tab, size, want, got, state):
    """Row for row; counts into state ["checked", "bad"]."""
    cols = counter_cols(tab)
    for key in set(want) | set(got):
        w, g = want.get(key), got.get(key)
        state[0] += 1
        if w is None or g is None:
            state[1] += 1
            if state[1] <= 10:
                print("%s_%d %s: %s in the database, %s expected"
                      % (tab, size, key, g, w), file=sys.stderr)
            continue
        for i, c in enumerate(cols):
            ok = (abs(g[i] - w[i]) <= 1e-6 if c.endswith("flows") and None not in (g[i], w[i])
                  else g[i] == w[i])
            if not ok:
                state[1] += 1
                if state[1] <= 10:
                    print("%s_%d %s %s: database %r, expected %r"
                          % (tab, size, key, c, g[i], w[i]), file=sys.stderr)


def check_rolled(args, sizes, exp, src, state):
    """The roll-up's tables, for the buckets it has rolled up."""
    marks = marked(args)
    nmarks = sum(len(v) for v in marks.values())
    if args.all_rolled and nmarks:
        state[1] += 1
        print("fi_rollup_dirty: %d buckets still marked" % nmarks, file=sys.stderr)
    for size in sizes:
        tabs = [("pairs", pairs_of(exp[size]["flows"], exp[min(sizes)]["flows"], size))]
        if src[size] != size:
            tabs.append(("ports", exp[size]["ports"]))
        for tab, want in tabs:
            got = fetch(args, tab, size)
            skip = marks.get(size, set())
            compare(tab, size, {k: v for k, v in want.items() if k[0] not in skip},
                    {k: v for k, v in got.items() if k[0] not in skip}, state)
        if src[size] != size:
            check_top(args, size, exp[size]["flows"], marks.get(size, set()), state)
        for kind in ("node", "port"):
            check_ranked(args, size, kind, node_totals(exp[size][kind + "s"]),
                         marks.get(size, set()), state)
        # host pair lists at the coarsest size only (fi_config_pair_lists)
        check_ranked(args, size, "pair",
                     pair_totals(exp[size]["flows"]) if size == max(sizes) else {},
                     marks.get(size, set()), state)
    return nmarks


def node_totals(nodes):
    """{bucket: {id: [flows, packets, bytes]}}: a node's (port's) totals over
    both directions and every class."""
    per = defaultdict(dict)
    for (b, addr), v in nodes.items():
        per[b][addr] = [sum(v[12 * d + 3 * pc + m] for d in (0, 1) for pc in range(4))
                        for m in range(3)]
    return per


def pair_totals(flows):
    """{bucket: {"SRC:DST": [flows, packets, bytes]}}: a host pair's totals
    over its protocols."""
    per = defaultdict(dict)
    for (b, src, dst, _proto), v in pairs_of(flows).items():
        have = per[b].setdefault("%s:%s" % (src, dst), [0.0, 0, 0])
        for i in range(3):
            have[i] += v[i]
    return per


RANKED = {  # kind: (count column, id expression, ranks kept + 1)
    "node": ("hosts", "HEX(addr)", NODETOP),
    "port": ("ports", "port", NODETOP),
    "pair": ("pairs", "CONCAT(HEX(src), ':', HEX(dst))", PAIRTOP),
}


def check_ranked(args, size, kind, per, skip, state):
    """nodetop_S and nodegroups_S (kind "node") against the host totals of
    each bucket (node_totals), porttop_S and portgroups_S ("port") against
    the ports', pairtop_S and pairgroups_S ("pair") against the host pairs'
    (pair_totals; an empty per: the size keeps no lists)."""
    def bad(msg):
        state[1] += 1
        if state[1] <= 10:
            print(msg, file=sys.stderr)
    groups, top = {}, defaultdict(dict)
    top_t, groups_t = kind + "top", kind + "groups"
    count, ident, most = RANKED[kind]
    for line in query(args, "SELECT bucket, %s, ranks FROM %s_%d"
                            % (count, groups_t, size)).splitlines():
        b, h, k = (int(x) for x in line.split("\t"))
        groups[b] = (h, k)
    for line in query(args, "SELECT bucket, ctr, rnk, %s, value FROM %s_%d"
                            % (ident, top_t, size)).splitlines():
        b, c, k, a, v = line.split("\t")
        top[(int(b), int(c))][int(k)] = (int(a) if kind == "port" else a, float(v))
    for b in set(per) | set(groups) | set(k[0] for k in top):
        if b in skip:
            continue
        want, g = per.get(b, {}), groups.get(b)
        ranks = min(len(want), most + 1)
        state[0] += 1
        if g != (len(want), ranks):
            bad("%s_%d %d: %s, (%d %s, %d ranks) expected" % (groups_t, size, b, g, len(want), count, ranks))
            continue
        for m in range(3):
            vals = sorted((v[m] for v in want.values()), reverse=True)
            got = top.get((b, m), {})
            state[0] += 1
            if sorted(got) != list(range(1, ranks + 1)):
                bad("%s_%d %d %s: ranks %s, 1 to %d expected" % (top_t, size, b, METRICS[m], sorted(got), ranks))
                continue
            if len(set(a for a, _ in got.values())) != ranks:
                bad("%s_%d %d %s: an id listed twice" % (top_t, size, b, METRICS[m]))
            for k, (a, v) in got.items():
                host = want.get(a)
                if abs(v - vals[k - 1]) > 1e-6 or host is None or abs(host[m] - v) > 1e-6:
                    bad("%s_%d %d %s rank %d: %s %s, expected value %s (the host's: %s)"
                        % (top_t, size, b, METRICS[m], k, a, v, vals[k - 1], host and host[m]))
            last = got[ranks][1] if ranks else 0
            listed = set(a for a, _ in got.values())
            for a, v in want.items():
                if v[m] > last + 1e-6 and a not in listed:
                    bad("%s_%d %d %s: %s missing (%s above the last value listed)"
                        % (top_t, size, b, METRICS[m], a, v[m]))


def check_top(args, size, flows, skip, state):
    """flowtop_S and flowgroups_S against the 5-tuples of each bucket."""
    top = fetch(args, "flowtop", size)
    groups = {}
    for line in query(args, "SELECT bucket, tuples, out_flows, out_packets, out_bytes "
                            "FROM flowgroups_%d" % size).splitlines():
        v = line.split("\t")
        groups[int(v[0])] = [int(v[1])] + [None if x == "NULL" else float(x) for x in v[2:]]
    per = defaultdict(dict)
    for key, v in flows.items():
        per[key[0]][key] = v
    for b in set(per) | set(groups):
        if b in skip:
            continue
        want, g = per.get(b, {}), groups.get(b)
        state[0] += 1
        if g is None or g[0] != len(want):
            state[1] += 1
            print("flowgroups_%d %d: %s, %d 5-tuples expected" % (size, b, g, len(want)),
                  file=sys.stderr)
            continue
        for k in range(3):
            vals = sorted((v[k] for v in want.values()), reverse=True)
            out = vals[TOP] if len(vals) > TOP else None
            state[0] += 1
            if (out is None) != (g[1 + k] is None) or (out is not None and abs(out - g[1 + k]) > 1e-6):
                state[1] += 1
                print("flowgroups_%d %d: left-out %s %s, expected %s"
                      % (size, b, METRICS[k], g[1 + k], out), file=sys.stderr)
            for key, v in want.items():
                if (out is None or v[k] > out + 1e-6) and key not in top:
                    state[1] += 1
                    print("flowtop_%d %s: missing (%s %s above the left-out value)"
                          % (size, key, METRICS[k], v[k]), file=sys.stderr)
    compare("flowtop", size, {k: v for k, v in flows.items() if k in top and k[0] not in skip},
            {k: v for k, v in top.items() if k[0] not in skip}, state)


def fetch(args, tab, size, source=None):
    if source is not None and source != size:
        # a size that is not stored: its rows are the sums of the finer
        # size's rows over the coarse bucket (summed here, not by the server)
        rows = {}
        for key, vals in fetch(args, tab, source).items():
            key = (key[0] // size * size,) + key[1:]
            have = rows.setdefault(key, [0] * len(vals))
            for i, v in enumerate(vals):
                have[i] += v
        return rows
    cols = KEYS[tab] + counter_cols(tab)
    res = query(args, "SELECT %s FROM %s_%d" % (",".join(cols), tab, size))
    nk = len(KEYS[tab])
    rows = {}
    for line in res.splitlines():
        v = line.split("\t")
        # HEX() of an address can be all digits (::1): keep those as text
        key = tuple(x if c.startswith("HEX(") else int(x)
                    for c, x in zip(KEYS[tab], v[:nk]))
        rows[key] = [None if x == "NULL" else float(x) if "." in x else int(x)
                     for x in v[nk:]]
    return rows


def check(args):
    sizes = [int(s) for s in args.sizes.split(",")]
    exp, n = expected(args.files, sizes)
    state = [0, 0]  # rows compared, differences
    src = detail_sources(sizes, args.detail_sizes)
    for size in sizes:
        for tab in ("flows", "totals", "nodes", "ports"):
            derived = tab in ("flows", "ports") and src[size] != size
            if derived and tab == "flows":
                left = fetch(args, tab, size)
                state[0] += 1
                if left:
                    state[1] += 1
                    print("%s_%d: %d rows written, none expected (summed from %s_%d)"
                          % (tab, size, len(left), tab, src[size]), file=sys.stderr)
            got = fetch(args, tab, size, src[size] if derived else None)
            compare(tab, size, exp[size][tab], got, state)
    nmarks = check_rolled(args, sizes, exp, src, state)
    checked, bad = state
    print("flowref: %d flows, %d rows compared over %d bucket sizes (%d buckets not "
          "rolled up), %d differences" % (n, checked, len(sizes), nmarks, bad))
    if args.min_rows and checked < args.min_rows:
        print("flowref: fewer rows than %d compared" % args.min_rows, file=sys.stderr)
        return 1
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--count", type=int, default=100000)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--hosts", type=int, default=3000)
    g.add_argument("--start", type=int, default=1700000000)
    g.add_argument("--span", type=int, default=7200)
    g.add_argument("--max-duration", type=int, default=900)
    g.add_argument("--sorted", action="store_true", help="in order of flow end, as a probe exports")
    r = sub.add_parser("resp")
    r.add_argument("--key", default="entry:queue")
    r.add_argument("files", nargs="+")
    c = sub.add_parser("check")
    c.add_argument("--port", type=int, default=3306)
    c.add_argument("--socket")
    c.add_argument("--user", default="root")
    c.add_argument("--db", required=True)
    c.add_argument("--sizes", default="60,600,3600,86400")
    c.add_argument("--min-rows", type=int, default=1)
    c.add_argument("--detail-sizes", default="",
                   help="the importer's flow_detail_sizes: empty, all, or a list")
    c.add_argument("--all-rolled", action="store_true",
                   help="fail if a bucket is still marked for the roll-up")
    c.add_argument("files", nargs="+")
    a = ap.parse_args()
    return {"gen": gen, "resp": resp, "check": check}[a.cmd](a) or 0


if __name__ == "__main__":
    sys.exit(main())
