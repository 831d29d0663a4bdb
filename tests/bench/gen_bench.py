#!/usr/bin/env python3
"""gen_bench.py: the benchmark's data set: N flows (default 1,000,000) over
one day of a network with a few busy servers, many clients and external
peers, sliced per SPEC 4 into the flow table of every bucket size.

Usage: gen_bench.py OUTDIR [FLOWS] [--peers N] [--peer-zipf S]
With --peers, the external peers are N addresses spread over the whole IPv4
space (the address-space map's benchmark) instead of two documentation /24s;
without it the data set is the same as ever. --peer-zipf S is the skew of
the traffic over them (1.2 by default; 1.0 with 200,000 peers gives the
about 55,000 distinct ones of the country map's benchmark).
Writes OUTDIR/flows_SIZE.tsv (bucket, src hex, dst hex, sport, dport, proto,
flows, packets, bytes) per size and OUTDIR/load.sql, which loads them with
LOAD DATA and derives the totals, node and port tables from the flow tables
with INSERT ... SELECT ... GROUP BY (what the importer would have written).
"""

import os
import random
import sys

SIZES = [60, 600, 3600, 86400]  # the default flow_bucket_sizes
UNIT = 10**9
DAY0 = 1700006400  # a multiple of 86400
CLASSES = ["tcp", "udp", "icmp", "other"]
COND = ["proto = 6", "proto = 17", "proto IN (1, 58)", "proto NOT IN (1, 6, 17, 58)"]


def v4(a, b, c, d):
    return "00000000000000000000ffff%02x%02x%02x%02x" % (a, b, c, d)


def zipf_table(n, s):
    w = [1.0 / (i + 1) ** s for i in range(n)]
    total = sum(w)
    acc, out = 0.0, []
    for x in w:
        acc += x / total
        out.append(acc)
    return out


def pick(rng, table):
    x = rng.random()
    lo, hi = 0, len(table) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if table[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def main():
    args = sys.argv[1:]
    peers, peer_zipf = 0, 1.2
    if "--peers" in args:
        i = args.index("--peers")
        peers = int(args[i + 1])
        del args[i:i + 2]
    if "--peer-zipf" in args:
        i = args.index("--peer-zipf")
        peer_zipf = float(args[i + 1])
        del args[i:i + 2]
    outdir = args[0]
    nflows = int(args[1]) if len(args) > 1 else 1000000
    os.makedirs(outdir, exist_ok=True)
    rng = random.Random(20240310)
    servers = [v4(10, 0, 0, i) for i in range(1, 41)]
    clients = [v4(10, 1, i // 250, i % 250 + 1) for i in range(2000)]
    external = [v4(198, 51, 100, i) for i in range(1, 51)] + [v4(203, 0, 113, i) for i in range(1, 51)]
    if peers:
        # a generator of its own, so the flows draw the same numbers as ever
        prng = random.Random(7)
        external = [v4(*prng.randrange(1 << 32).to_bytes(4, "big")) for _ in range(peers)]
    v6 = ["20010db8000000000000000000%06x" % i for i in range(1, 61)]
    zs, ze, z6 = zipf_table(len(servers), 1.1), zipf_table(len(external), peer_zipf), zipf_table(len(v6), 1.0)
    services = [(6, 443), (6, 80), (17, 53), (6, 22), (17, 123), (6, 25), (6, 993), (6, 8080)]
    zsvc = zipf_table(len(services), 1.0)
    tables = {s: {} for s in SIZES}
    for _ in range(nflows):
        r = rng.random()
        if r < 0.70:
            src, dst = clients[rng.randrange(len(clients))], servers[pick(rng, zs)]
        elif r < 0.80:
            src, dst = servers[pick(rng, zs)], external[pick(rng, ze)]
        elif r < 0.95:
            src, dst = clients[rng.randrange(len(clients))], external[pick(rng, ze)]
        else:
            src, dst = v6[pick(rng, z6)], v6[pick(rng, z6)]
        k = rng.random()
        if k < 0.03:
            proto, sport, dport = 1, 0, 2048
        elif k < 0.04:
            proto, sport, dport = rng.choice((47, 50)), 0, 0
        else:
            proto, dport = services[pick(rng, zsvc)]
            sport = 1024 + rng.randrange(64000)
        first = DAY0 + rng.randrange(86400)
        dur = int(rng.expovariate(1 / 20.0)) if rng.random() < 0.97 else rng.randrange(3600)
        last = min(first + dur, DAY0 + 86400 - 1)
        packets = 1 + int(rng.expovariate(1 / 30.0))
        nbytes = packets * (60 + rng.randrange(1400))
        if rng.random() < 0.4:  # answers travel the other way
            src, dst, sport, dport = dst, src, dport, sport
        span = last - first + 1
        for s in SIZES:
            t = tables[s]
            b = first // s * s
            done = [0, 0, 0]
            while b <= last:
                end = b + s - 1
                if end >= last:
                    cum = (UNIT, packets, nbytes)
                else:
                    cov = end - first + 1
                    cum = (UNIT * cov // span, packets * cov // span, nbytes * cov // span)
                key = (b, src, dst, sport, dport, proto)
                cur = t.get(key)
                if cur is None:
                    t[key] = [cum[0] - done[0], cum[1] - done[1], cum[2] - done[2]]
                else:
                    for i in range(3):
                        cur[i] += cum[i] - done[i]
                done = cum
                b += s
    for s in SIZES:
        with open(os.path.join(outdir, "flows_%d.tsv" % s), "w") as f:
            for (b, src, dst, sp, dp, pr), (w, p, by) in tables[s].items():
                f.write("%d\t%s\t%s\t%d\t%d\t%d\t%d.%09d\t%d\t%d\n" % (
                    b, src, dst, sp, dp, pr, w // UNIT, w % UNIT, p, by))
        print("size %d: %d flow rows" % (s, len(tables[s])))
    write_load_sql(outdir)


def sums(prefix):
    return ", ".join("SUM(IF(%s, %s, 0))" % (COND[c], col)
                     for c in range(4) for col in ("flows", "packets", "bytes"))


def cols(prefix):
    return ", ".join("%s%s_%s" % (prefix, c, k) for c in CLASSES for k in ("flows", "packets", "bytes"))


def upd(columns):
    return ", ".join("%s = VALUES(%s)" % (c, c) for c in columns.split(", "))


def write_load_sql(outdir):
    """One statement a line, each idempotent (REPLACE, or ON DUPLICATE KEY
    UPDATE c = VALUES(c)), so that a failed one can simply be run again."""
    with open(os.path.join(outdir, "load.sql"), "w") as f:
        for s in SIZES:
            f.write("LOAD DATA LOCAL INFILE '%s' REPLACE INTO TABLE flows_%d (bucket, @s, @d, sport, "
                    "dport, proto, flows, packets, bytes) SET src = UNHEX(@s), dst = UNHEX(@d);\n"
                    % (os.path.join(os.path.abspath(outdir), "flows_%d.tsv" % s), s))
            f.write("INSERT INTO totals_%d (bucket, %s) SELECT bucket, %s FROM flows_%d GROUP BY bucket "
                    "ON DUPLICATE KEY UPDATE %s;\n" % (s, cols(""), sums(""), s, upd(cols(""))))
            for table, idcol, a, b in (("nodes", "addr", "src", "dst"), ("ports", "port", "sport", "dport")):
                for d, key in (("src_", a), ("dst_", b)):
                    f.write("INSERT INTO %s_%d (bucket, %s, %s) SELECT bucket, %s, %s FROM flows_%d "
                            "GROUP BY bucket, %s ON DUPLICATE KEY UPDATE %s;\n"
                            % (table, s, idcol, cols(d), key, sums(""), s, key, upd(cols(d))))


main()
