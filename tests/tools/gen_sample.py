#!/usr/bin/env python3
"""gen_sample.py: writes the sample capture that deploy/quickstart.sh imports.

Synthetic traffic of a small site over two hours (2024-05-01 08:00-10:00 UTC),
written packet by packet with tests/tools/pcapkit.py (nothing is sent on any
network): office clients (10.10.1.0/24 and 2001:db8:10::/64) browsing external
web servers in the documentation ranges (192.0.2/24, 198.51.100/24,
203.0.113/24, 2001:db8:ff::/64) with DNS first, servers (10.10.2.0/24) with
NTP, SSH, SMTP and syslog, a backup transfer to the lab (10.20.0.0/24), ICMP
monitoring and unreachables, an IPsec (ESP) tunnel, ICMPv6, and a SYN port
scan from 203.0.113.66 across the servers. Deterministic for a given --seed.

    python3 tests/tools/gen_sample.py deploy/sample/sample.pcap --seed 1

It prints the totals it wrote (frames, IP packets and IP-level bytes), which
deploy/sample/README.md records and the quickstart test checks against.
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcapkit as pk  # noqa: E402

START = 1714550400  # 2024-05-01 08:00:00 UTC
US = 1000000
A, S, F, R, P = pk.TCP_ACK, pk.TCP_SYN, pk.TCP_FIN, pk.TCP_RST, pk.TCP_PSH


class Sample:
    def __init__(self, seed, span):
        self.rnd = random.Random(seed)
        self.span = span
        self.frames = []  # (ts_us, frame)
        self.ip_packets = 0
        self.ip_bytes = 0

    def ip(self, t, src, dst, proto, l4):
        """Adds one IP packet at START + t seconds, in an Ethernet frame."""
        if ":" in src:
            if proto in (6, 17, 58):
                l4 = pk.fix_l4(src, dst, proto, l4)
            p = pk.ipv6(src, dst, proto, l4)
            frame = pk.eth(pk.ETH_IPV6, p)
        else:
            if proto in (6, 17):
                l4 = pk.fix_l4(src, dst, proto, l4)
            p = pk.ipv4(src, dst, proto, l4, ident=self.rnd.randrange(65536))
            frame = pk.eth(pk.ETH_IPV4, p)
        self.frames.append((START * US + int(t * US), frame))
        self.ip_packets += 1
        self.ip_bytes += len(p)

    def tcp(self, t, src, dst, sp, dp, flags, n=0):
        self.ip(t, src, dst, 6, pk.tcp(sp, dp, flags, b"\x17" * n))

    def session(self, t, c, s, cp, sp, req, resp, rtt=0.03, rate=2e6):
        """A TCP connection: handshake, request, response, FIN from the client."""
        self.tcp(t, c, s, cp, sp, S)
        self.tcp(t + rtt, s, c, sp, cp, S | A)
        t += rtt * 1.01
        self.tcp(t, c, s, cp, sp, A)
        while req > 0:
            n = min(req, 1400)
            self.tcp(t, c, s, cp, sp, P | A, n)
            req -= n
            t += n * 8 / rate
        t += rtt
        k = 0
        while resp > 0:
            n = min(resp, 1400)
            self.tcp(t, s, c, sp, cp, A if resp > n else P | A, n)
            resp -= n
            t += n * 8 / rate
            k += 1
            if k % 2 == 0:
                self.tcp(t + rtt / 2, c, s, cp, sp, A)
        t += rtt
        self.tcp(t, c, s, cp, sp, F | A)
        self.tcp(t + rtt, s, c, sp, cp, F | A)
        self.tcp(t + rtt * 1.01, c, s, cp, sp, A)

    def udp_pair(self, t, c, s, cp, sp, q, r, rtt=0.002):
        self.ip(t, c, s, 17, pk.udp(cp, sp, b"q" * q))
        if r:
            self.ip(t + rtt, s, c, 17, pk.udp(sp, cp, b"r" * r))

    def ping(self, t, a, b, n=56, reply=True):
        v6 = ":" in a
        proto = 58 if v6 else 1
        mk = pk.icmpv6 if v6 else pk.icmp
        self.ip(t, a, b, proto, mk(128 if v6 else 8, 0, b"\0\1\0\1", b"p" * n))
        if reply:
            self.ip(t + 0.001, b, a, proto, mk(129 if v6 else 0, 0, b"\0\1\0\1", b"p" * n))


def build(args):
    s = Sample(args.seed, args.span)
    rnd = s.rnd
    clients = ["10.10.1.%d" % i for i in range(10, 70)]
    clients6 = ["2001:db8:10::%x" % i for i in range(0x10, 0x18)]
    web = (["192.0.2.%d" % i for i in (10, 20, 30, 80)] +
           ["198.51.100.%d" % i for i in (5, 7, 42, 99, 200)] +
           ["203.0.113.%d" % i for i in (3, 17, 23, 80, 123, 250)])
    web6 = ["2001:db8:ff::%d" % i for i in range(1, 6)]
    dns, ntp, mail, ssh = "10.10.2.53", "10.10.2.123", "10.10.2.25", "10.10.2.22"
    intranet, backup_src, backup_dst = "10.10.2.10", "10.10.2.20", "10.20.0.5"
    servers = [intranet, backup_src, mail, ssh, dns, ntp]
    syslog, monitor, gw, peer = "10.20.0.9", "10.20.0.2", "10.10.2.1", "198.51.100.1"

    def port():
        return rnd.randrange(32768, 61000)

    def size(median, cap):
        return min(cap, int(rnd.lognormvariate(0, 1.2) * median))

    span = args.span
    # browsing, busier in the first hour; DNS before most visits
    for _ in range(args.sessions):
        t = rnd.triangular(0, span, span * 0.3)
        v6 = rnd.random() < 0.15
        c = rnd.choice(clients6 if v6 else clients)
        w = rnd.choice(web6 if v6 else web)
        if not v6 and rnd.random() < 0.7:
            s.udp_pair(t - 0.05, c, dns, port(), 53, 30, rnd.randrange(60, 200))
        if rnd.random() < 0.1:
            s.session(t, c, intranet, port(), 80, 300, size(3000, 60000))
        else:
            s.session(t, c, w, port(), rnd.choice((443, 443, 443, 80)),
                      rnd.randrange(200, 900), size(1200, 40000),
                      rtt=rnd.uniform(0.01, 0.12))
    # NTP every 1024 s from every client, in phase per client
    for c in clients:
        t = rnd.uniform(0, 1024)
        while t < span:
            s.udp_pair(t, c, ntp, 123, 123, 48, 48)
            t += 1024
    # two long SSH sessions: small packets for 40 minutes each
    for admin, t0 in (("10.10.1.10", 600.0), ("2001:db8:10::10", 3900.0)):
        srv = ssh if ":" not in admin else "2001:db8:20::22"
        cp = port()
        s.tcp(t0, admin, srv, cp, 22, S)
        s.tcp(t0 + 0.001, srv, admin, 22, cp, S | A)
        t = t0 + 0.002
        while t < t0 + 2400:
            s.tcp(t, admin, srv, cp, 22, P | A, 36)
            s.tcp(t + 0.003, srv, admin, 22, cp, P | A, rnd.choice((36, 52, 100, 600)))
            t += rnd.expovariate(1 / 4.0)
        s.tcp(t, admin, srv, cp, 22, F | A)
        s.tcp(t + 0.001, srv, admin, 22, cp, F | A)
        s.tcp(t + 0.002, admin, srv, cp, 22, A)
    # outgoing mail
    for _ in range(40):
        s.session(rnd.uniform(0, span), mail, rnd.choice(web), port(), 25,
                  size(4000, 100000), 400)
    # the backup at 09:00: 1 MB to the lab
    s.session(3600.0, backup_src, backup_dst, port(), 873, 1000000, 2000, rtt=0.001,
              rate=50e6)
    # syslog from every server every 30 s, one-way
    for i, srv in enumerate(servers):
        t = 5.0 * i
        while t < span:
            s.ip(t, srv, syslog, 17, pk.udp(514, 514, b"<13>" + b"l" * rnd.randrange(40, 200)))
            t += 30
    # ICMP monitoring of the servers every 60 s; one server down for 10 minutes
    for i, srv in enumerate(servers):
        t = 1.0 + i
        while t < span:
            down = srv == mail and 5000 <= t < 5600
            s.ping(t, monitor, srv, reply=not down)
            t += 60
    # ICMP port unreachable for stray UDP to a closed port
    for _ in range(30):
        c, t = rnd.choice(clients), rnd.uniform(0, span)
        cp = port()
        s.ip(t, c, intranet, 17, pk.udp(cp, 161, b"s" * 40))
        inner = pk.ipv4(c, intranet, 17, pk.udp(cp, 161, b"s" * 40))[:28]
        s.ip(t + 0.001, intranet, c, 1, pk.icmp(3, 3, b"\0\0\0\0", inner))
    # ICMPv6 between the v6 clients and a v6 server
    for _ in range(100):
        s.ping(rnd.uniform(0, span), rnd.choice(clients6), "2001:db8:20::22")
    # an IPsec tunnel: ESP both ways every 10 s
    t = 0.5
    while t < span:
        for a, b in ((gw, peer), (peer, gw)):
            s.ip(t, a, b, 50, b"\0\0\x10\x01" + b"\0\0\0\1" + b"e" * rnd.randrange(60, 400))
        t += 10
    # the port scan: 08:40-08:50, SYN to 1-1024 on each server; few are open
    scanner, open_ports = "203.0.113.66", {intranet: (80,), mail: (25,), ssh: (22,),
                                            dns: (53,), ntp: (), backup_src: (873,)}
    t = 2400.0
    for srv in servers:
        for p in range(1, 1025):
            sp = 40000 + p
            s.tcp(t, scanner, srv, sp, p, S)
            if p in open_ports[srv]:
                s.tcp(t + 0.0005, srv, scanner, p, sp, S | A)
                s.tcp(t + 0.001, scanner, srv, sp, p, R)
            else:
                s.tcp(t + 0.0005, srv, scanner, p, sp, R | A)
            t += 0.09
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", help="the pcap file to write")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--span", type=int, default=7200, help="seconds of traffic")
    ap.add_argument("--sessions", type=int, default=500, help="web visits")
    args = ap.parse_args()
    s = build(args)
    s.frames.sort(key=lambda f: f[0])
    w = pk.PcapWriter(args.out, pk.LINK_ETHERNET, snaplen=65535)
    for ts, frame in s.frames:
        w.write(ts, frame)
    w.close()
    first, last = s.frames[0][0] // US, s.frames[-1][0] // US
    print(json.dumps({"frames": len(s.frames), "packets": s.ip_packets,
                      "ip_bytes": s.ip_bytes, "first": first, "last": last}))


if __name__ == "__main__":
    main()
