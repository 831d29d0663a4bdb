#!/usr/bin/env python3
"""hilbert_ref.py: the independent side of tests/api/test_hilbert.sh.

  hilbert_ref.py flows
      prints a seeded set of flows for `golden.py --sql`: addresses spread
      over the whole IPv4 space, a busy 10.20.0.0/16, every host of a /24,
      IPv6 across the /48s of 2001:db8::/32, flows of a host to itself.
  hilbert_ref.py expect DUMP URI
      prints the answer /api/hilbert must give for URI, computed here from
      DUMP (the node tables as `size bucket hex(addr) counters...` lines,
      read by SQL) with Python integers and the ipaddress module: the cell of
      an address is its bits past the prefix, taken as a number.
  hilbert_ref.py index HILBERT_JSON INDEX_JSON DIRECTION
      checks the packets and bytes of every cell of a map against the rows
      of /api/dynamic/index/nodes for the same range, summed per cell here.
"""

import ipaddress
import json
import os
import sys
import urllib.parse
from decimal import Decimal

from golden import Rng  # xorshift64*: the same numbers as the golden data set

SIZES = [60, 600, 3600]  # the test config's flow_bucket_sizes
MAX_ROWS = int(os.environ.get("MAX_ROWS", "300"))  # the test config's max_rows
UNIT = 10**9
CLASSES = ["tcp", "udp", "icmp", "other"]
CTRS = ["flows", "packetDeltaCount", "octetDeltaCount"]
VALUES = {"flows": 0, "packets": 1, "bytes": 2}
# the columns of the dump after size, bucket, addr: src then dst, per class
# flows, packets, bytes (the order of sql/buckets.sql)
DIRS = ["src", "dst"]


def flows():
    rng = Rng(0x48494C42)
    hosts = [str(ipaddress.IPv4Address(rng.next() >> 32)) for _ in range(110)]
    hosts += ["10.20.%d.%d" % (rng.below(256), 1 + rng.below(254)) for _ in range(40)]
    hosts += ["192.168.1.%d" % i for i in range(0, 256, 8)]
    hosts += ["0.0.0.1", "255.255.255.254"]  # the corners of the map
    hosts += [str(ipaddress.IPv6Address((0x20010DB8 << 96) | (rng.below(65536) << 80)
                                        | rng.below(1 << 16))) for _ in range(30)]
    hosts += ["2a00:1450::%x" % (1 + i) for i in range(8)]
    protos = [6, 6, 6, 17, 17, 1, 58, 47]
    for i in range(2600):
        src, dst = rng.pick(hosts), rng.pick(hosts)
        if i % 50 == 0:
            dst = src
        first = rng.below(6 * 3600)
        last = first + rng.below(900)
        packets = 1 + rng.below(1000)
        print(first, last, src, dst, 1024 + rng.below(60000), rng.pick([22, 53, 80, 443]),
              rng.pick(protos), packets, packets * (40 + rng.below(1460)))


def billionths(text):
    return int(Decimal(text) * UNIT)


def rnd(v):
    """flows are printed rounded half away from zero"""
    q, r = divmod(abs(v), UNIT)
    q += 1 if 2 * r >= UNIT else 0
    return q if v >= 0 else -q


def load_dump(path):
    rows = []
    with open(path) as f:
        for line in f:
            c = line.split()
            if not c:
                continue
            vals = [billionths(x) if i % 3 == 0 else int(x) * UNIT for i, x in enumerate(c[3:])]
            rows.append((int(c[0]), int(c[1]), int(c[2], 16), vals))
    return rows


def parse_prefix(text):
    """(network as a 128-bit int, length in 128 bits, family length, is v4)"""
    net = ipaddress.ip_network(text, strict=True)
    if net.version == 4:
        return int(net.network_address) | 0xFFFF << 32, 96 + net.prefixlen, net.prefixlen, True
    v4 = net.prefixlen >= 96 and int(net.network_address) >> 32 == 0xFFFF
    if v4:  # an IPv4-mapped prefix written in IPv6
        return int(net.network_address), net.prefixlen, net.prefixlen - 96, True
    return int(net.network_address), net.prefixlen, net.prefixlen, False


def choose_size(rows, q, start, end):
    if "bucket_size" in q:
        return int(q["bucket_size"])
    resolution = max(1, int(q.get("resolution", "1")))
    for s in SIZES[:-1]:
        b = [r[1] for r in rows if r[0] == s and start <= r[1] <= end]
        if b and (max(b) - min(b)) // s + 1 <= resolution:
            return s
    return SIZES[-1]


def classes(q):
    allowed = set(range(256))
    if "include_protos" in q:
        allowed = set()
        for p in q["include_protos"].split(","):
            allowed |= proto_set(p)
    for p in q.get("exclude_protos", "").split(",") if "exclude_protos" in q else []:
        allowed -= proto_set(p)
    return [c for c, members in enumerate(class_members()) if members <= allowed]


def class_members():
    tcp, udp, icmp = {6}, {17}, {1, 58}
    return [tcp, udp, icmp, set(range(256)) - tcp - udp - icmp]


def proto_set(p):
    names = dict(zip(CLASSES, class_members()))
    return names[p] if p in names else {int(p)}


def expect(dump, uri):
    rows = load_dump(dump)
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(uri).query, keep_blank_values=True))
    text = q.get("prefix", "0.0.0.0/0")
    net, plen128, plen, v4 = parse_prefix(text)
    maxlen = 32 if v4 else 128
    depth = int(q["depth"]) if "depth" in q else plen + (min(16, maxlen - plen) & ~1)
    bits = depth - plen
    start = max(0, int(q.get("start_bucket", "0")))
    end = int(q.get("end_bucket", str(2**32 - 1)))
    size = choose_size(rows, q, start, end)
    dirs = {"both": [0, 1], "src": [0], "dst": [1]}[q.get("direction", "both")]
    cls = classes(q)
    ctrs = [VALUES[q["value"]]] if "value" in q else [0, 1, 2]
    cells = {}
    for s, bucket, addr, vals in rows:
        if s != size or not start <= bucket <= end or addr >> (128 - plen128) != net >> (128 - plen128):
            continue
        cell = (addr >> (128 - plen128 - bits)) & ((1 << bits) - 1)
        acc = cells.setdefault(cell, [0, 0, 0])
        for d in dirs:
            for c in cls:
                for k in range(3):
                    acc[k] += vals[d * 12 + c * 3 + k]
    out_cells, mx, total = [], [0, 0, 0], [0, 0, 0]
    for cell in sorted(cells):
        v = cells[cell]
        if not any(v[k] for k in ctrs):
            continue
        for k in range(3):
            total[k] += v[k]
            mx[k] = max(mx[k], v[k])
        out_cells.append([cell] + [rnd(v[k]) for k in ctrs])
    if v4:
        shown = "%s/%d" % (ipaddress.IPv4Address(net & 0xFFFFFFFF), plen)
    else:
        shown = "%s/%d" % (ipaddress.IPv6Address(net), plen)
    ans = {
        "prefix": shown,
        "depth": depth,
        "order": bits // 2,
        "bucket_size": size,
        "direction": q.get("direction", "both"),
        "columns": ["index"] + [CTRS[k] for k in ctrs],
        "cells": out_cells[:MAX_ROWS],
        "max": {CTRS[k]: rnd(mx[k]) for k in ctrs},
        "total": {CTRS[k]: rnd(total[k]) for k in ctrs},
        "nonzero": len(out_cells),
    }
    if len(out_cells) > MAX_ROWS:
        ans["truncated"] = True
    json.dump(ans, sys.stdout)


def index_check(map_path, index_path, direction):
    """per cell packets and bytes of the map == node index rows summed per cell"""
    m = json.load(open(map_path))
    idx = json.load(open(index_path))
    if idx.get("truncated"):
        sys.exit("the index answer was cut at max_rows")
    net, plen128, _, _ = parse_prefix(m["prefix"])
    bits = 2 * m["order"]
    want = {}
    for row in idx["results"]:
        i = row["id"]
        a = (0xFFFF << 32 | i) if isinstance(i, int) else int(ipaddress.IPv6Address(i))
        if a >> (128 - plen128) != net >> (128 - plen128):
            continue
        src = row if direction == "both" else row[direction]
        cell = (a >> (128 - plen128 - bits)) & ((1 << bits) - 1)
        acc = want.setdefault(cell, [0, 0])
        acc[0] += src["packetDeltaCount"]
        acc[1] += src["octetDeltaCount"]
    cols = m["columns"]
    got = {c[0]: [c[cols.index("packetDeltaCount")], c[cols.index("octetDeltaCount")]]
           for c in m["cells"]}
    want = {k: v for k, v in want.items() if v != [0, 0]}
    if got != want:
        diff = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))
        sys.exit("cells differ from the node index at %s: map %s, index %s" % (
            diff[:5], [got.get(k) for k in diff[:5]], [want.get(k) for k in diff[:5]]))
    print("%d cells agree with %d index rows" % (len(got), len(idx["results"])))


def main():
    if sys.argv[1] == "flows":
        flows()
    elif sys.argv[1] == "expect":
        expect(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "index":
        index_check(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
