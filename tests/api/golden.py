#!/usr/bin/env python3
"""golden.py: a fixed data set for the API tests, and its expected answers.

Generates flows from a seeded generator, slices them into buckets exactly as
SPEC 4 says (packets, bytes and flows in billionths split with the carry
rule), fills the five tables of every bucket size with SQL (pairs_ and the
coarse sizes' ports_ as the roll-up leaves them, every bucket rolled up:
fi_rollup_dirty stays empty), and computes the
expected JSON of a list of API calls with a second, independent implementation
of SPEC 6 written here in Python. The responder's answers must match it.

Usage: golden.py OUTDIR
Writes OUTDIR/data.sql, OUTDIR/queries.tsv (name, method+URI),
OUTDIR/expected/NAME.json, and OUTDIR/flows.jsonl: the same flows as queue
elements in VERMONT's JSON, for going through the importer instead.
   or: golden.py --sql < FLOWS > data.sql
Slices the flows on standard input, one a line as "first last src dst sport
dport proto packets bytes" (first and last relative to BASE), into the
INSERTs of the bucket tables, for tests that need a small data set of their own.
"""

import ipaddress
import json
import os
import sys
import urllib.parse

SIZES = [60, 600, 3600]  # the test config's flow_bucket_sizes
MAX_ROWS = 300  # the test config's max_rows
UNIT = 10**9  # flows are exact in billionths
BASE = 1699999200  # a multiple of 3600
CLASSES = ["tcp", "udp", "icmp", "other"]
CTRS = ["flows", "packetDeltaCount", "octetDeltaCount"]
COLS = ["flows", "packets", "bytes"]


class Rng:
    """xorshift64*: the same numbers on every Python version."""

    def __init__(self, seed):
        self.s = seed

    def next(self):
        x = self.s
        x ^= (x >> 12) & 0xFFFFFFFFFFFFFFFF
        x ^= (x << 25) & 0xFFFFFFFFFFFFFFFF
        x ^= (x >> 27) & 0xFFFFFFFFFFFFFFFF
        self.s = x
        return (x * 0x2545F4914F6CDD1D) & 0xFFFFFFFFFFFFFFFF

    def below(self, n):
        return self.next() % n

    def pick(self, seq):
        return seq[self.below(len(seq))]


def addr(text):
    """16-byte form: IPv4 mapped into ::ffff:0:0/96."""
    ip = ipaddress.ip_address(text)
    if ip.version == 4:
        return b"\0" * 10 + b"\xff\xff" + ip.packed
    return ip.packed


def is_v4(a):
    return a[:12] == b"\0" * 10 + b"\xff\xff"


def pclass(proto):
    return {6: 0, 17: 1, 1: 2, 58: 2}.get(proto, 3)


# ---- the data set ------------------------------------------------------------

def make_flows():
    rng = Rng(0x5EED1234ABCD)
    v4 = ["10.0.0.%d" % i for i in range(1, 13)] + ["192.168.1.%d" % i for i in range(1, 6)]
    v6 = ["2001:db8::1", "2001:db8::2", "2001:db8::3", "2001:db8:1::5"]
    flows = []
    for _ in range(260):
        proto = rng.pick([6, 6, 6, 6, 6, 17, 17, 17, 1, 58, 47, 50, 0])
        fam = v6 if (proto == 58 or rng.below(6) == 0) else v4
        if proto == 1:
            fam = v4
        src, dst = rng.pick(fam), rng.pick(fam)
        if proto in (6, 17):
            sport = 1024 + rng.below(64000)
            dport = rng.pick([80, 443, 53, 22, 123, 8080])
            if rng.below(3) == 0:  # an answer: from the service port
                src, dst, sport, dport = dst, src, dport, sport
        elif proto in (1, 58):
            sport, dport = 0, rng.pick([0x0800, 0x0303, 0x8000])
        else:
            sport = dport = 0
        first = BASE + rng.below(3 * 3600)
        dur = rng.pick([0, 0, 0, 5, 59, 60, 61, 300, 599, 600, 1199, 1800, 5000])
        packets = 1 + rng.below(2000)
        nbytes = packets * (40 + rng.below(1460))
        flows.append((first, first + dur, addr(src), addr(dst), sport, dport, proto,
                      packets, nbytes))
    # SPEC 4's example flow, 10 packets and 1000 bytes over 1200 s
    flows.append((BASE + 1000, BASE + 2199, addr("10.0.0.1"), addr("10.0.0.2"),
                  40000, 80, 6, 10, 1000))
    # address 0.0.0.0 and port 0: the original's "total" rows collided with them
    flows.append((BASE + 100, BASE + 100, addr("0.0.0.0"), addr("255.255.255.255"),
                  68, 67, 17, 1, 328))
    flows.append((BASE + 200, BASE + 260, addr("10.0.0.3"), addr("0.0.0.0"),
                  0, 0, 17, 3, 300))
    # a host talking to itself counts once as source and once as destination
    flows.append((BASE + 300, BASE + 300, addr("10.0.0.4"), addr("10.0.0.4"),
                  5000, 80, 6, 2, 120))
    # protocol 0 and another "other" protocol: "other" is not protocol 0 alone
    flows.append((BASE + 400, BASE + 400, addr("10.0.0.5"), addr("10.0.0.6"),
                  0, 0, 0, 7, 700))
    flows.append((BASE + 400, BASE + 400, addr("10.0.0.5"), addr("10.0.0.6"),
                  0, 0, 132, 5, 500))
    return flows


def slices(flow, size):
    """SPEC 4: share_i = floor(total * covered_i / dur) - floor(... covered_{i-1} ...)."""
    first, last = flow[0], flow[1]
    dur = last - first + 1
    totals = (UNIT, flow[7], flow[8])  # flows (one flow), packets, bytes
    done = [0, 0, 0]
    b = first // size * size
    out = []
    while b <= last:
        end = b + size - 1
        if end >= last:
            cum = list(totals)
        else:
            covered = end - first + 1
            cum = [t * covered // dur for t in totals]
        out.append((b, [cum[i] - done[i] for i in range(3)]))
        done = cum
        b += size
    return out


def build_tables(flows):
    """flows_S, totals_S, nodes_S, ports_S per size, counters in billionths."""
    t = {}
    for s in SIZES:
        fl, tot, nodes, ports, pairs = {}, {}, {}, {}, {}
        for f in flows:
            src, dst, sport, dport, proto = f[2], f[3], f[4], f[5], f[6]
            c = pclass(proto)
            for bucket, (w, p, by) in slices(f, s):
                v = (w, p * UNIT, by * UNIT)
                key = (bucket, src, dst, sport, dport, proto)
                cur = fl.setdefault(key, [0, 0, 0])
                pair = pairs.setdefault((bucket, src, dst, proto), [0, 0, 0])
                tc = tot.setdefault(bucket, [[0, 0, 0] for _ in CLASSES])
                for k in range(3):
                    cur[k] += v[k]
                    pair[k] += v[k]
                    tc[c][k] += v[k]
                for table, a, b in ((nodes, src, dst), (ports, sport, dport)):
                    for d, ident in ((0, a), (1, b)):
                        cells = table.setdefault((bucket, ident),
                                                 [[[0, 0, 0] for _ in CLASSES] for _ in range(2)])
                        for k in range(3):
                            cells[d][c][k] += v[k]
        t[s] = {"flows": fl, "totals": tot, "nodes": nodes, "ports": ports, "pairs": pairs}
    return t


def dec(v):
    """Billionths as a DECIMAL(30,9) literal."""
    return "%d.%09d" % (v // UNIT, v % UNIT)


def write_sql(tables, path):
    with open(path, "w") as out:
        for s in SIZES:
            t = tables[s]
            rows = ["(%d, 0x%s, 0x%s, %d, %d, %d, %s, %d, %d)" % (
                k[0], k[1].hex(), k[2].hex(), k[3], k[4], k[5], dec(v[0]), v[1] // UNIT,
                v[2] // UNIT) for k, v in sorted(t["flows"].items())]
            emit(out, "flows_%d (bucket, src, dst, sport, dport, proto, flows, packets, bytes)" % s, rows)
            # the pair rows as the roll-up leaves them: every bucket rolled up
            rows = ["(%d, 0x%s, 0x%s, %d, %s, %d, %d)" % (
                k[0], k[1].hex(), k[2].hex(), k[3], dec(v[0]), v[1] // UNIT,
                v[2] // UNIT) for k, v in sorted(t["pairs"].items())]
            emit(out, "pairs_%d (bucket, src, dst, proto, flows, packets, bytes)" % s, rows)
            cols = ", ".join("%s_%s" % (c, k) for c in CLASSES for k in COLS)
            rows = ["(%d, %s)" % (b, ", ".join(
                dec(v[c][k]) if k == 0 else str(v[c][k] // UNIT) for c in range(4) for k in range(3)))
                for b, v in sorted(t["totals"].items())]
            emit(out, "totals_%d (bucket, %s)" % (s, cols), rows)
            dcols = ", ".join("%s_%s_%s" % (d, c, k) for d in ("src", "dst") for c in CLASSES for k in COLS)
            for name, idcol in (("nodes", "addr"), ("ports", "port")):
                rows = []
                for (b, ident), cells in sorted(t[name].items()):
                    idv = "0x" + ident.hex() if name == "nodes" else str(ident)
                    vals = ", ".join(dec(cells[d][c][k]) if k == 0 else str(cells[d][c][k] // UNIT)
                                     for d in range(2) for c in range(4) for k in range(3))
                    rows.append("(%d, %s, %s)" % (b, idv, vals))
                emit(out, "%s_%d (bucket, %s, %s)" % (name, s, idcol, dcols), rows)


def write_jsonl(flows, path):
    """The flows as VERMONT's ipfixFlowInspectorExporter writes them (SPEC 3.1)."""
    with open(path, "w") as out:
        for first, last, src, dst, sport, dport, proto, packets, nbytes in flows:
            e = {}
            for key, a in (("source", src), ("destination", dst)):
                if is_v4(a):
                    e[key + "IPv4Address"] = int.from_bytes(a[12:], "big")
                else:
                    e[key + "IPv6Address"] = str(ipaddress.IPv6Address(a))
            e.update(sourceTransportPort=sport, destinationTransportPort=dport,
                     protocolIdentifier=proto, flowStartSeconds=first, flowEndSeconds=last,
                     packetDeltaCount=packets, octetDeltaCount=nbytes)
            out.write(json.dumps(e) + "\n")


def emit(out, head, rows):
    for i in range(0, len(rows), 400):
        out.write("INSERT INTO %s VALUES\n%s;\n" % (head, ",\n".join(rows[i:i + 400])))


# ---- the API, once more, in Python -------------------------------------------

def rnd(v):
    """Billionths to a whole number, half away from zero."""
    return (v + UNIT // 2) // UNIT if v >= 0 else -((-v + UNIT // 2) // UNIT)


def prefix_range(text):
    text = text.strip()
    if text.isdigit():
        text = str(ipaddress.IPv4Address(int(text)))
    net = ipaddress.ip_network(text, strict=False)
    lo, hi = net.network_address.packed, net.broadcast_address.packed
    if net.version == 4:
        lo, hi = b"\0" * 10 + b"\xff\xff" + lo, b"\0" * 10 + b"\xff\xff" + hi
    return lo, hi


def protoset(text):
    out = set()
    for item in text.split(","):
        item = item.strip().lower()
        if item == "tcp":
            out.add(6)
        elif item == "udp":
            out.add(17)
        elif item == "icmp":
            out |= {1, 58}
        elif item == "other":
            out |= {p for p in range(256) if pclass(p) == 3}
        else:
            out.add(int(item))
    return out


class Q:
    """A query as the pages send it (a dict of parameters)."""

    def __init__(self, params):
        self.p = params
        g = params.get
        self.start = max(0, int(g("start_bucket", 0)))
        self.end = min(4294967295, max(0, int(g("end_bucket", 4294967295))))
        self.size = int(g("bucket_size", 0))
        self.resolution = max(1, int(g("resolution", 1)))
        lim = max(0, int(g("limit", 0)))
        self.limit = lim
        self.offset = max(0, int(g("offset", 0)))
        self.sort = []
        for item in g("sort", "").split(",") if "sort" in params else []:
            parts = item.split()
            self.sort.append((parts[0], len(parts) > 1 and parts[1].lower() == "desc"))
        self.fields = [f.strip() for f in g("fields", "").split(",")] if "fields" in params else []
        self.aggregate = [f.strip() for f in g("aggregate", "").split(",")] if "aggregate" in params else []
        self.inc_ips = [prefix_range(x) for x in g("include_ips", "").split(",")] if "include_ips" in params else None
        self.exc_ips = [prefix_range(x) for x in g("exclude_ips", "").split(",")] if "exclude_ips" in params else None
        self.inc_ports = [int(x) for x in g("include_ports", "").split(",")] if "include_ports" in params else None
        self.exc_ports = [int(x) for x in g("exclude_ports", "").split(",")] if "exclude_ports" in params else None
        allowed = protoset(g("include_protos")) if "include_protos" in params else set(range(256))
        if "exclude_protos" in params:
            allowed -= protoset(g("exclude_protos"))
        self.protos = allowed
        self.filters = any(k in params for k in (
            "include_ips", "exclude_ips", "include_ports", "exclude_ports",
            "include_protos", "exclude_protos"))
        self.biflow = "biflow" in params
        self.count = "count" in params
        self.black = "black_others" in params

    def match(self, key):
        b, src, dst, sport, dport, proto = key
        if not self.start <= b <= self.end:
            return False
        return self.match_nobucket(key)

    def match_nobucket(self, key):
        _, src, dst, sport, dport, proto = key
        if self.inc_ports is not None and sport not in self.inc_ports and dport not in self.inc_ports:
            return False
        if self.exc_ports is not None and (sport in self.exc_ports or dport in self.exc_ports):
            return False
        if self.inc_ips is not None and not any(in_prefixes(a, self.inc_ips) for a in (src, dst)):
            return False
        if self.exc_ips is not None and any(in_prefixes(a, self.exc_ips) for a in (src, dst)):
            return False
        return proto in self.protos

    def window(self, rows):
        """Applies offset, limit and max_rows; returns (rows, truncated)."""
        rows = rows[self.offset:]
        if self.limit and self.limit <= MAX_ROWS:
            return rows[:self.limit], False
        return rows[:MAX_ROWS], len(rows) > MAX_ROWS


def in_prefixes(a, prefixes):
    return any(lo <= a <= hi for lo, hi in prefixes)


def sortval(v):
    """SQL order: NULL first, then values."""
    return (0, b"") if v is None else (1, v)


def order(rows, keys):
    """Sorts rows (dicts of sort values) by keys [(name, desc)], then the natural key."""
    rows.sort(key=lambda r: tuple(sortval(v) for v in r["_natural"]))
    for name, desc in reversed(keys):
        rows.sort(key=lambda r: sortval(r["_sort"][name]), reverse=desc)
    return rows


def write_addr(out, a, v4key, v6key):
    if a is None:
        out[v4key] = 0
    elif is_v4(a):
        out[v4key] = int.from_bytes(a[12:], "big")
    else:
        out[v6key] = str(ipaddress.IPv6Address(a))


def block(cells):
    """cells[class][k] -> {flows, packetDeltaCount, octetDeltaCount, tcp: {...}, ...}."""
    out = {CTRS[k]: rnd(sum(cells[c][k] for c in range(4))) for k in range(3)}
    for c in range(4):
        out[CLASSES[c]] = {CTRS[k]: rnd(cells[c][k]) for k in range(3)}
    return out


def counter_sortvals(cells, prefix=""):
    """Sort values of every counter name of a block: flows, tcp_flows, ..."""
    vals = {}
    for k in range(3):
        vals[prefix + CTRS[k]] = sum(cells[c][k] for c in range(4))
        for c in range(4):
            vals["%s%s_%s" % (prefix, CLASSES[c], CTRS[k])] = cells[c][k]
    return vals


def choose_size(t, q):
    if q.size:
        return q.size
    for s in SIZES[:-1]:
        bs = [b for b in t[s]["totals"] if q.start <= b <= q.end]
        if not bs:
            continue
        if (max(bs) - min(bs)) // s + 1 <= q.resolution:
            return s
    return SIZES[-1]


KEYS = {"bucket": 0, "sourceIPv4Address": 1, "sourceIPv6Address": 1,
        "destinationIPv4Address": 2, "destinationIPv6Address": 2,
        "sourceTransportPort": 3, "destinationTransportPort": 4, "protocolIdentifier": 5}
KEYNAMES = ["bucket", "src", "dst", "sport", "dport", "proto"]


def fold(key, biflow):
    b, src, dst, sport, dport, proto = key
    if biflow and src > dst:
        return (b, dst, src, dport, sport, proto)
    return key


def write_key(out, i, v):
    if i == 0:
        out["bucket"] = v
    elif i == 1:
        write_addr(out, v, "sourceIPv4Address", "sourceIPv6Address")
    elif i == 2:
        write_addr(out, v, "destinationIPv4Address", "destinationIPv6Address")
    else:
        out[["sourceTransportPort", "destinationTransportPort", "protocolIdentifier"][i - 3]] = \
            0 if v is None else v


def bucket_query(t, q):
    s = choose_size(t, q)
    tab = t[s]
    res = {"bucket_size": s,
           "global_min_bucket": min(tab["totals"]) if tab["totals"] else None,
           "global_max_bucket": max(tab["totals"]) if tab["totals"] else None}
    if q.aggregate:
        rows = aggregate_rows(tab, q)
    elif q.fields or q.filters:
        rows = flow_rows(tab, q)
    else:
        rows = []
        for b, cells in sorted(tab["totals"].items()):
            if q.start <= b <= q.end:
                r = {"bucket": b}
                r.update(block(cells))
                r["_natural"] = (b,)
                r["_sort"] = dict(counter_sortvals(cells), bucket=b)
                rows.append(r)
    return finish(res, rows, q)


def finish(res, rows, q):
    if q.count:
        res["count"] = len(rows)
        res["results"] = []
        return res
    rows = order(rows, q.sort)
    rows, truncated = q.window(rows)
    res["results"] = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
    if truncated:
        res["truncated"] = True
    return res


def flow_rows(tab, q):
    rows = []
    for key, v in tab["flows"].items():
        if not q.match(key):
            continue
        k = fold(key, q.biflow)
        c = pclass(k[5])
        cells = [[v[i] if cc == c else 0 for i in range(3)] for cc in range(4)]
        r = {}
        write_key(r, 0, k[0])
        if q.fields:
            keys, all_ctrs, cls = [], set(), {}
            for f in q.fields:
                if f in KEYS and KEYS[f] != 0 and KEYS[f] not in keys:
                    keys.append(KEYS[f])
                elif f in CTRS:
                    all_ctrs.add(CTRS.index(f))
                elif f in CLASSES:
                    cls[CLASSES.index(f)] = {0, 1, 2}
                elif "_" in f and f.split("_")[0] in CLASSES:
                    cls.setdefault(CLASSES.index(f.split("_")[0]), set()).add(CTRS.index(f.split("_")[1]))
            for i in keys:
                write_key(r, i, k[i])
            for i in sorted(all_ctrs):
                r[CTRS[i]] = rnd(v[i])
            for cc in sorted(cls):
                r[CLASSES[cc]] = {CTRS[i]: (rnd(v[i]) if cc == c else 0) for i in sorted(cls[cc])}
        else:
            for i in range(1, 6):
                write_key(r, i, k[i])
            r.update(block(cells))
        r["_natural"] = k
        sv = counter_sortvals(cells)
        for name, i in KEYS.items():
            sv[name] = k[i]
        r["_sort"] = sv
        rows.append(r)
    return rows


def aggregate_rows(tab, q):
    endpoint = next((a for a in q.aggregate if a in ("ipaddress", "port")), None)
    others = [KEYS[a] for a in q.aggregate if a in KEYS]
    keyfields = ([endpoint] if endpoint else []) + [a for a in q.aggregate if a in KEYS]
    maxes = []
    for f in q.fields:
        if f in KEYS and KEYS[f] not in others and KEYS[f] not in maxes:
            maxes.append(KEYS[f])
    groups = {}
    for key, v in tab["flows"].items():
        if not q.match(key):
            continue
        k = fold(key, q.biflow)
        sides = [None]
        if endpoint == "ipaddress":
            sides = [k[1], k[2]]
        elif endpoint == "port":
            sides = [k[3], k[4]]
        for ep in sides:
            gk = []
            if endpoint:
                gk.append(black(q, endpoint, ep))
            for i in others:
                gk.append(black(q, KEYNAMES[i], k[i]))
            g = groups.setdefault(tuple(gk), {"cells": [[0, 0, 0] for _ in CLASSES],
                                              "max": [None] * len(maxes)})
            for j in range(3):
                g["cells"][pclass(k[5])][j] += v[j]
            for n, i in enumerate(maxes):
                if g["max"][n] is None or k[i] > g["max"][n]:
                    g["max"][n] = k[i]
    rows = []
    for gk, g in groups.items():
        r = {}
        n = 0
        if endpoint == "ipaddress":
            write_addr(r, gk[0], "id", "id")
            n = 1
        elif endpoint == "port":
            r["id"] = 0 if gk[0] is None else gk[0]
            n = 1
        for j, i in enumerate(others):
            write_key(r, i, gk[n + j])
        for j, i in enumerate(maxes):
            write_key(r, i, g["max"][j])
        r.update(block(g["cells"]))
        r["_natural"] = gk
        sv = counter_sortvals(g["cells"])
        for j, name in enumerate(keyfields):
            sv[name] = gk[j]
        if endpoint:
            sv["id"] = gk[0]
        r["_sort"] = sv
        rows.append(r)
    return rows


def black(q, kind, v):
    """black_others: endpoints outside the include list merge into one NULL key."""
    if not q.black or v is None:
        return v
    if kind in ("src", "dst", "ipaddress") and q.inc_ips is not None:
        return v if in_prefixes(v, q.inc_ips) else None
    if kind in ("sport", "dport", "port") and q.inc_ports is not None:
        return v if v in q.inc_ports else None
    return v


def index_aggregate(tab, q, dynamic):
    """An index with aggregate: totalCounter (each flow once), and the bucket
    query's grouped rows over the same buckets (all of them for /api/index)."""
    if not dynamic:
        q.start, q.end = 0, 4294967295
    total = [[0, 0, 0] for _ in CLASSES]
    for key, v in tab["flows"].items():
        if q.match(key):
            for j in range(3):
                total[pclass(key[5])][j] += v[j]
    return finish({"totalCounter": block(total)}, aggregate_rows(tab, q), q)


def index_query(t, q, name, dynamic):
    s = choose_size(t, q) if dynamic else SIZES[-1]
    tab = t[s]
    if q.aggregate:
        return index_aggregate(tab, q, dynamic)
    inrange = (lambda b: q.start <= b <= q.end) if dynamic else (lambda b: True)
    idx = {}
    total = [[0, 0, 0] for _ in CLASSES]
    if q.filters:
        for key, v in tab["flows"].items():
            if not inrange(key[0]) or not q.match_nobucket(key):
                continue
            c = pclass(key[5])
            for j in range(3):
                total[c][j] += v[j]
            ends = (key[1], key[2]) if name == "nodes" else (key[3], key[4])
            for d, ident in enumerate(ends):
                cells = idx.setdefault(ident, [[[0, 0, 0] for _ in CLASSES] for _ in range(2)])
                for j in range(3):
                    cells[d][c][j] += v[j]
    else:
        for b, cells in tab["totals"].items():
            if inrange(b):
                for c in range(4):
                    for j in range(3):
                        total[c][j] += cells[c][j]
        for (b, ident), cells in tab[name].items():
            if not inrange(b):
                continue
            acc = idx.setdefault(ident, [[[0, 0, 0] for _ in CLASSES] for _ in range(2)])
            for d in range(2):
                for c in range(4):
                    for j in range(3):
                        acc[d][c][j] += cells[d][c][j]
    res = {"totalCounter": block(total)}
    rows = []
    for ident, cells in idx.items():
        r = {}
        if name == "nodes":
            write_addr(r, ident, "id", "id")
        else:
            r["id"] = ident
        both = [[cells[0][c][j] + cells[1][c][j] for j in range(3)] for c in range(4)]
        r.update(block(both))
        r["src"] = block(cells[0])
        r["dst"] = block(cells[1])
        r["_natural"] = (ident,)
        sv = counter_sortvals(both)
        sv.update(counter_sortvals(cells[0], "src_"))
        sv.update(counter_sortvals(cells[1], "dst_"))
        sv["id"] = ident
        r["_sort"] = sv
        rows.append(r)
    if q.count:
        res["count"] = len(rows)
        res["results"] = []
        return res
    rows = order(rows, q.sort)
    rows, truncated = q.window(rows)
    res["results"] = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
    if truncated:
        res["truncated"] = True
    return res


# ---- the calls ---------------------------------------------------------------

def queries():
    """(name, route, params): every route with what the pages send, and more."""
    h1 = (BASE + 3600, BASE + 7200 - 1)  # one hour
    b600 = dict(bucket_size=600, start_bucket=BASE, end_bucket=BASE + 3 * 3600)
    yield "timeline_res1000", "/api/bucket/query", dict(resolution=1000)
    yield "timeline_res10", "/api/bucket/query", dict(resolution=10)
    yield "timeline_res3", "/api/bucket/query", dict(resolution=3)
    yield "timeline_default", "/api/bucket/query/", {}
    yield "timeline_range_res20", "/api/bucket/query", dict(resolution=20, start_bucket=h1[0], end_bucket=h1[1])
    yield "timeline_600_sorted", "/api/bucket/query", dict(bucket_size=600, sort="octetDeltaCount desc")
    yield "timeline_600_multisort", "/api/bucket/query", dict(bucket_size=3600, sort="tcp_flows asc,bucket desc")
    yield "timeline_count", "/api/bucket/query", dict(bucket_size=60, count=1)
    # no row in the range: the data range still comes (from its own statement)
    yield "timeline_empty_range", "/api/bucket/query", dict(bucket_size=600, start_bucket=BASE - 86400, end_bucket=BASE - 3600)
    yield "timeline_limit", "/api/bucket/query", dict(bucket_size=60, limit=5, start_bucket=-7)
    yield "timeline_negative_limit", "/api/bucket/query", dict(bucket_size=3600, limit=-3)
    yield "rows_port80", "/api/bucket/query", dict(bucket_size=600, include_ports=80)
    yield "rows_ports_excl", "/api/bucket/query", dict(b600, exclude_ports="80,443,53", include_protos="tcp,udp")
    yield "rows_udp_icmp", "/api/bucket/query", dict(b600, include_protos="udp,icmp")
    yield "rows_other", "/api/bucket/query", dict(bucket_size=3600, include_protos="other")
    yield "rows_proto0", "/api/bucket/query", dict(bucket_size=3600, include_protos="0")
    yield "rows_not_tcp", "/api/bucket/query", dict(bucket_size=3600, exclude_protos="tcp")
    yield "rows_cidr", "/api/bucket/query", dict(b600, include_ips="192.168.1.0/24")
    yield "rows_ipv4_int", "/api/bucket/query", dict(bucket_size=3600, include_ips="167772162")
    yield "rows_ipv6", "/api/bucket/query", dict(bucket_size=3600, include_ips="2001:db8::/64")
    yield "rows_exclude_ips", "/api/bucket/query", dict(bucket_size=3600, exclude_ips="10.0.0.0/24,2001:db8::/32", include_protos="tcp")
    yield "rows_biflow", "/api/bucket/query", dict(bucket_size=3600, include_ports="22", biflow=1)
    yield "rows_sorted_multi", "/api/bucket/query", dict(bucket_size=3600, include_protos="tcp", sort="destinationTransportPort asc,flows desc,packetDeltaCount desc", limit=25)
    yield "rows_sorted_page3", "/api/bucket/query", dict(bucket_size=3600, include_protos="tcp", sort="destinationTransportPort asc,flows desc,packetDeltaCount desc", limit=25, offset=50)
    yield "rows_page_past_end", "/api/bucket/query", dict(bucket_size=3600, include_protos="tcp", limit=25, offset=1000000)
    yield "fields_page", "/api/bucket/query", dict(bucket_size=600, fields="sourceIPv4Address,destinationTransportPort,octetDeltaCount", sort="octetDeltaCount desc", limit=20, offset=7)
    yield "fields_count_ignores_offset", "/api/bucket/query", dict(bucket_size=600, fields="sourceIPv4Address", count=1, offset=7)
    yield "aggr_port_offset", "/api/bucket/query", dict(bucket_size=600, aggregate="port", sort="flows desc,id asc", limit=15, offset=15)
    yield "index_nodes_offset", "/api/index/nodes", dict(sort="flows desc", limit=10, offset=10)
    yield "timeline_offset_no_limit", "/api/bucket/query", dict(bucket_size=60, offset=100)
    yield "rows_sort_class", "/api/bucket/query", dict(bucket_size=3600, exclude_protos="47", sort="udp_octetDeltaCount desc", limit=10)
    yield "rows_truncated", "/api/bucket/query", dict(bucket_size=60, include_protos="tcp,udp,icmp,other")
    yield "rows_count", "/api/bucket/query", dict(bucket_size=60, include_ports="80,443", count=1)
    yield "fields_graph", "/api/bucket/query", dict(b600, fields="sourceIPv4Address,destinationIPv4Address", biflow=1, include_ips="10.0.0.1,10.0.0.2,10.0.0.3,10.0.0.4")
    yield "fields_counters", "/api/bucket/query", dict(bucket_size=3600, fields="protocolIdentifier,flows,tcp,udp_packetDeltaCount", limit=40)
    yield "fields_sorted", "/api/bucket/query", dict(bucket_size=3600, fields="sourceTransportPort", sort="octetDeltaCount desc", limit=12)
    yield "aggr_edge_bundle", "/api/bucket/query", dict(bucket_size=3600, aggregate="sourceIPv4Address,destinationIPv4Address")
    yield "aggr_edge_bundle_biflow", "/api/bucket/query", dict(bucket_size=3600, aggregate="sourceIPv4Address,destinationIPv4Address", biflow=1, sort="flows desc", limit=30)
    yield "aggr_pairs_range", "/api/bucket/query", dict(b600, aggregate="sourceIPv4Address,destinationIPv4Address", include_protos="tcp", start_bucket=h1[0], end_bucket=h1[1])
    yield "aggr_ipaddress", "/api/bucket/query", dict(bucket_size=3600, aggregate="ipaddress", sort="octetDeltaCount desc")
    yield "aggr_port", "/api/bucket/query", dict(bucket_size=600, aggregate="port", sort="flows desc,id asc", limit=15)
    yield "aggr_ipaddress_black", "/api/bucket/query", dict(bucket_size=3600, aggregate="ipaddress", include_ips="10.0.0.1,10.0.0.2", black_others=1)
    yield "aggr_port_black", "/api/bucket/query", dict(bucket_size=3600, aggregate="sourceTransportPort,destinationTransportPort", include_ports="80,443", black_others=1)
    yield "aggr_pairs_black", "/api/bucket/query", dict(bucket_size=3600, aggregate="sourceIPv4Address,destinationIPv4Address", include_ips="10.0.0.0/30", black_others=1, sort="packetDeltaCount desc")
    yield "aggr_bucket_proto_max", "/api/bucket/query", dict(bucket_size=600, aggregate="bucket,protocolIdentifier", fields="sourceTransportPort,destinationIPv4Address")
    yield "aggr_count", "/api/bucket/query", dict(bucket_size=3600, aggregate="ipaddress", count=1)
    yield "index_nodes", "/api/index/nodes", dict(sort="flows desc", limit=10)
    yield "index_nodes_all", "/api/index/nodes/", {}
    yield "index_ports", "/api/index/ports", dict(sort="packetDeltaCount desc", limit=8)
    yield "index_ports_by_id", "/api/index/ports", dict(sort="id desc", limit=6)
    yield "index_nodes_filtered", "/api/index/nodes", dict(include_protos="udp", sort="octetDeltaCount desc")
    yield "index_count", "/api/index/ports", dict(count=1)
    yield "dyn_nodes_hour", "/api/dynamic/index/nodes", dict(start_bucket=h1[0], end_bucket=h1[1], limit=15, sort="flows desc")
    yield "dyn_nodes_donut", "/api/dynamic/index/nodes", dict(start_bucket=h1[0], end_bucket=h1[1], limit=31, sort="octetDeltaCount desc", resolution=1000)
    yield "dyn_ports", "/api/dynamic/index/ports", dict(bucket_size=600, sort="src_flows desc,id", limit=10)
    # ranges that cut into buckets, at sizes summed from the 60 s tables
    yield "rows_unaligned_600", "/api/bucket/query", dict(bucket_size=600, include_ports=80, start_bucket=BASE + 1, end_bucket=BASE + 1805)
    yield "dyn_ports_unaligned", "/api/dynamic/index/ports", dict(bucket_size=600, start_bucket=BASE + 599, end_bucket=BASE + 1800, sort="flows desc,id", limit=10)
    yield "aggr_pairs_unaligned", "/api/bucket/query", dict(bucket_size=3600, aggregate="sourceIPv4Address,destinationIPv4Address", start_bucket=BASE + 3599, end_bucket=BASE + 7201, sort="octetDeltaCount desc", limit=20)
    yield "dyn_ports_filtered", "/api/dynamic/index/ports", dict(bucket_size=60, include_protos="tcp", exclude_ports="80", sort="dst_tcp_packetDeltaCount desc", limit=10)
    yield "dyn_nodes_ips", "/api/dynamic/index/nodes", dict(bucket_size=600, include_ips="2001:db8::/32", sort="flows desc")
    # an index with aggregate: the bucket query's grouped rows (the original's
    # pages asked for the donuts this way), whichever index is named
    yield "dyn_nodes_aggr_donut", "/api/dynamic/index/nodes", dict(bucket_size=600, aggregate="ipaddress", limit=5)
    yield "dyn_nodes_aggr_sorted", "/api/dynamic/index/nodes", dict(start_bucket=h1[0], end_bucket=h1[1], aggregate="ipaddress", limit=31, sort="flows desc,id", resolution=1000)
    yield "dyn_ports_aggr_port", "/api/dynamic/index/ports/", dict(bucket_size=600, aggregate="port", sort="packetDeltaCount desc,id", limit=10)
    yield "dyn_ports_aggr_ipaddress", "/api/dynamic/index/ports", dict(bucket_size=3600, aggregate="ipaddress", include_protos="udp,icmp")
    yield "dyn_nodes_aggr_filtered", "/api/dynamic/index/nodes", dict(b600, aggregate="ipaddress", include_ips="10.0.0.0/29", black_others=1)
    yield "dyn_nodes_aggr_pairs", "/api/dynamic/index/nodes", dict(bucket_size=600, aggregate="sourceIPv4Address,destinationIPv4Address", biflow=1, fields="protocolIdentifier", sort="octetDeltaCount desc", limit=12)
    yield "index_nodes_aggr", "/api/index/nodes", dict(aggregate="ipaddress", sort="octetDeltaCount desc", limit=7, start_bucket=BASE + 3600, bucket_size=60)
    yield "index_ports_aggr", "/api/index/ports", dict(aggregate="port", exclude_ports="80", sort="flows desc,id", limit=9)
    yield "index_ports_aggr_nodes", "/api/index/ports", dict(aggregate="ipaddress", limit=4)
    yield "index_nodes_aggr_count", "/api/index/nodes", dict(aggregate="port", count=1)


def sql_from_lines():
    flows = []
    for line in sys.stdin:
        f = line.split()
        if not f or f[0].startswith("#"):
            continue
        flows.append((BASE + int(f[0]), BASE + int(f[1]), addr(f[2]), addr(f[3]), int(f[4]),
                      int(f[5]), int(f[6]), int(f[7]), int(f[8])))
    write_sql(build_tables(flows), "/dev/stdout")


def main():
    if sys.argv[1:2] == ["--sql"]:
        sql_from_lines()
        return
    outdir = sys.argv[1]
    os.makedirs(os.path.join(outdir, "expected"), exist_ok=True)
    flows = make_flows()
    tables = build_tables(flows)
    write_sql(tables, os.path.join(outdir, "data.sql"))
    write_jsonl(flows, os.path.join(outdir, "flows.jsonl"))
    with open(os.path.join(outdir, "queries.tsv"), "w") as qf:
        for name, route, params in queries():
            q = Q({k: str(v) for k, v in params.items()})
            if route.startswith("/api/bucket"):
                exp = bucket_query(tables, q)
            else:
                idx = route.rstrip("/").split("/")[-1]
                exp = index_query(tables, q, idx, "/dynamic/" in route)
            uri = route + ("?" + urllib.parse.urlencode(params) if params else "")
            qf.write("%s\t%s\n" % (name, uri))
            with open(os.path.join(outdir, "expected", name + ".json"), "w") as ef:
                json.dump(exp, ef, indent=1, sort_keys=True)
    print("golden: %d flows, %d queries" % (len(flows), sum(1 for _ in queries())))


if __name__ == "__main__":
    main()
