#!/usr/bin/env python3
"""gen_campus.py: queue elements of a campus-like network for the scale and
request-path benchmarks: a few thousand clients whose activity is heavy-tailed,
a few dozen internal servers, external peers and ports with Zipf popularity
(a few pairs and ports carry most flows, a long tail the rest), busy weekday
hours and quiet nights and weekends. Flows come in order of flow end, as a
probe exports them, as VERMONT JSON elements.

Usage: gen_campus.py FLOWS [--start T] [--span SECONDS] [--hosts N]
                     [--peers N] [--seed S] [--key KEY] [--end]
Defaults: a week from Monday 2023-11-20 00:00 UTC, 3000 clients, 60
servers, 2000 external peers, 300 IPv6 hosts.
Writes to stdout the redis protocol for `redis-cli --pipe`: RPUSH KEY with
up to 1000 elements each, and with --end a final END element (the importer
writes everything it holds when it takes it). The same arguments give the
same elements.
"""

import argparse
import bisect
import json
import random
import sys

SERVICES = [  # (proto, port), most popular first
    (6, 443), (17, 443), (6, 80), (17, 53), (6, 993), (6, 22), (6, 445),
    (17, 123), (6, 3389), (6, 25), (6, 8080), (6, 5222), (17, 500), (6, 587),
    (6, 389), (17, 161), (6, 3306), (6, 8443), (17, 1194), (6, 9100),
]
PUSH_CHUNK = 1000  # elements per RPUSH


def zipf_cdf(n, s):
    acc, out = 0.0, []
    w = [1.0 / (i + 1) ** s for i in range(n)]
    total = sum(w)
    for x in w:
        acc += x / total
        out.append(acc)
    out[-1] = 1.0
    return out


def hour_weight(t):
    """Flows per second, relative, at epoch second t (UTC as local time)."""
    day = (t // 86400 + 3) % 7  # 1970-01-01 was a Thursday: 0 is Monday
    h = t % 86400 / 3600.0
    if 8 <= h < 18:
        w = 1.0
    elif 6 <= h < 8 or 18 <= h < 23:
        w = 0.45
    else:
        w = 0.12
    return w * (0.35 if day >= 5 else 1.0)


def v4(n):
    return "%d.%d.%d.%d" % (n >> 24 & 255, n >> 16 & 255, n >> 8 & 255, n & 255)


class Campus:
    def __init__(self, rng, hosts, peers):
        self.rng = rng
        self.clients = [v4(0x0A100000 + rng.randrange(1, 1 << 20)) for _ in range(hosts)]
        self.servers = [v4(0x0A000000 + i) for i in range(1, 61)]
        self.peers = []
        while len(self.peers) < peers:
            n = rng.randrange(1 << 24, 224 << 24)
            if n >> 24 not in (10, 127, 172, 192):
                self.peers.append(v4(n))
        self.v6 = ["2001:db8:%x::%x" % (i % 16, i) for i in range(1, 301)]
        self.zc = zipf_cdf(len(self.clients), 0.9)
        self.zs = zipf_cdf(len(self.servers), 1.2)
        self.zp = zipf_cdf(len(self.peers), 1.1)
        self.z6 = zipf_cdf(len(self.v6), 1.0)
        self.zsvc = zipf_cdf(len(SERVICES), 1.3)
        # the tail of ports: a fixed random order, Zipf over it
        self.tail_ports = list(range(1, 65536))
        rng.shuffle(self.tail_ports)
        self.ztail = zipf_cdf(len(self.tail_ports), 1.05)

    def pick(self, items, cdf):
        return items[bisect.bisect_left(cdf, self.rng.random())]

    def flow(self, end):
        rng = self.rng
        r = rng.random()
        v6 = False
        if r < 0.52:
            src, dst = self.pick(self.clients, self.zc), self.pick(self.peers, self.zp)
        elif r < 0.77:
            src, dst = self.pick(self.clients, self.zc), self.pick(self.servers, self.zs)
        elif r < 0.85:
            src, dst = self.pick(self.servers, self.zs), self.pick(self.peers, self.zp)
        elif r < 0.90:
            src, dst = self.pick(self.peers, self.zp), self.pick(self.servers, self.zs)
        elif r < 0.97:
            src, dst = self.pick(self.clients, self.zc), self.pick(self.clients, self.zc)
        else:
            src, dst, v6 = self.pick(self.v6, self.z6), self.pick(self.v6, self.z6), True
        k = rng.random()
        if k < 0.02:
            proto, sport, dport = 1, 0, 2048
        elif k < 0.88:
            proto, dport = self.pick(SERVICES, self.zsvc)
            sport = 32768 + rng.randrange(28232)
        else:  # peer-to-peer, games, scans: the heavy tail of ports
            proto = 6 if rng.random() < 0.7 else 17
            dport = self.pick(self.tail_ports, self.ztail)
            sport = 1024 + rng.randrange(64512)
        d = rng.random()
        dur = 0 if d < 0.35 else int(rng.expovariate(0.1)) if d < 0.90 \
            else rng.randrange(300) if d < 0.99 else rng.randrange(3600)
        packets = 1 + min(int(rng.paretovariate(1.1) * 2) - 2, 1000000)
        nbytes = packets * (40 + rng.randrange(1461))
        if rng.random() < 0.3:  # the answer, exported as a flow of its own
            src, dst, sport, dport = dst, src, dport, sport
        fam = "IPv6" if v6 else "IPv4"
        return {"source%sAddress" % fam: src, "destination%sAddress" % fam: dst,
                "sourceTransportPort": sport, "destinationTransportPort": dport,
                "protocolIdentifier": proto, "flowStartSeconds": end - dur,
                "flowEndSeconds": end, "packetDeltaCount": packets, "octetDeltaCount": nbytes}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("flows", type=int)
    ap.add_argument("--start", type=int, default=1700438400)  # a Monday, 00:00 UTC
    ap.add_argument("--span", type=int, default=7 * 86400)
    ap.add_argument("--hosts", type=int, default=3000)  # clients
    ap.add_argument("--peers", type=int, default=2000)  # external addresses
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--key", default="entry:queue")
    ap.add_argument("--end", action="store_true")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    campus = Campus(rng, a.hosts, a.peers)
    out = sys.stdout.buffer
    key = a.key.encode()
    chunk = []

    def push(items):
        out.write(b"*%d\r\n$5\r\nRPUSH\r\n$%d\r\n%s\r\n" % (len(items) + 2, len(key), key))
        for e in items:
            out.write(b"$%d\r\n%s\r\n" % (len(e), e))

    # the flows ending in each minute, in proportion to its weight (the
    # fractions carried, so exactly FLOWS in all)
    minutes = range(a.start, a.start + a.span, 60)
    weights = [hour_weight(t) * min(60, a.start + a.span - t) for t in minutes]
    per = a.flows / sum(weights)
    carry = 0.0
    for t, w in zip(minutes, weights):
        carry += w * per
        n = int(carry + 1e-9)
        carry -= n
        width = min(60, a.start + a.span - t)
        for end in sorted(t + rng.randrange(width) for _ in range(n)):
            chunk.append(json.dumps(campus.flow(end), separators=(",", ":")).encode())
            if len(chunk) == PUSH_CHUNK:
                push(chunk)
                chunk = []
    if carry > 0.5:  # rounding: the last flow
        chunk.append(json.dumps(campus.flow(a.start + a.span - 1), separators=(",", ":")).encode())
    if a.end:
        chunk.append(b"END")
    if chunk:
        push(chunk)


main()
