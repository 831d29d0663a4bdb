#!/usr/bin/env python3
"""probecases.py: capture files with known packets, and the flows they must give.

known DIR   writes DIR/*.pcap(ng) and DIR/manifest.json. Every packet is written
            here field by field and tagged by hand with the flow it belongs to
            under the probe's rules (SPEC 3.4, README "The probe"); a flow's
            expectation is the sum over its packets: first/last second, packet
            count, and IP-level bytes (IPv4 total length, IPv6 40 + payload
            length, never the captured or the wire length). Packets tagged None
            must be skipped, with the reason counted. The manifest also lists
            each frame's wire length and IP length, so a test can predict what
            argus (which counts wire bytes) reports.
bench FILE  writes the benchmark's capture (1,000,000 packets by default).
corpus DIR  writes the fuzz seed corpus (tests/fuzz/pkt/) from the same frames.
compare     compares pushed elements (JSON lines) with a manifest's flows as
            multisets: compare MANIFEST FILE.pcap ELEMENTS.jsonl
"""
import argparse
import collections
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcapkit as pk  # noqa: E402

T0 = 1700000000  # 2023-11-14 22:13:20 UTC
US = 1000000


class Capture:
    """One file: its link type, its frames, and what each frame should give."""

    def __init__(self, name, link, fmt="pcap", config=None):
        self.name, self.link, self.fmt = name, link, fmt
        self.config = config or {}
        self.frames = []  # (ts_us, frame, caplen, wirelen)
        self.info = []  # per frame: {wire, ip_len, status, label}
        self.flows = {}  # label -> {key..., packets: [(ts_us, ip_len)]}
        self.skipped = collections.Counter()

    def add(self, t, frame, label=None, key=None, ip_len=None, status="ok",
            caplen=None, wirelen=None):
        """Adds frame at T0 + t seconds (t a float with at most 6 decimals)."""
        ts = T0 * US + round(t * US)
        wire = len(frame) if wirelen is None else wirelen
        self.frames.append((ts, frame, caplen, wirelen))
        self.info.append({"wire": wire, "ip_len": ip_len, "status": status,
                          "label": label})
        if status != "ok":
            self.skipped[status] += 1
            return
        f = self.flows.setdefault(label, {"key": key, "packets": []})
        if f["key"] != key:
            raise SystemExit("label %s used with two keys: %s, %s" % (label, f["key"], key))
        f["packets"].append((ts, ip_len))

    def subset(self, name, drop_labels):
        """A copy with the well-formed frames whose label is not in drop_labels."""
        c = Capture(name, self.link, self.fmt, self.config)
        for (ts, frame, caplen, wirelen), info in zip(self.frames, self.info):
            if info["status"] != "ok" or info["label"] in drop_labels:
                continue
            label = info["label"]
            c.add((ts - T0 * US) / US, frame, label, self.flows[label]["key"],
                  info["ip_len"], caplen=caplen, wirelen=wirelen)
        return c

    def write(self, d):
        """Writes the frames in time order (the scenario lists them by topic)."""
        path = os.path.join(d, self.name)
        w = (pk.PcapngWriter(path, self.link) if self.fmt == "pcapng" else
             pk.PcapWriter(path, self.link, nano=self.fmt == "nano"))
        order = sorted(range(len(self.frames)), key=lambda i: self.frames[i][0])
        for i in order:
            ts, frame, caplen, wirelen = self.frames[i]
            w.write(ts, frame, caplen, wirelen)
        w.close()
        self.info = [self.info[i] for i in order]

    def expected(self):
        out = []
        for label, f in sorted(self.flows.items()):
            src, dst, proto, sport, dport = f["key"]
            ts = [p[0] for p in f["packets"]]
            e = {"label": label, "src": src, "dst": dst, "proto": proto,
                 "sport": sport, "dport": dport, "first": min(ts) // US,
                 "last": max(ts) // US, "packets": len(ts),
                 "bytes": sum(p[1] for p in f["packets"])}
            out.append(e)
        return out


# ---- packet helpers: build the IP packet, return (bytes, key, ip_len) ---------

def v4(src, dst, proto, l4, sport=0, dport=0, **kw):
    if proto in (6, 17) and not kw.get("mf") and not kw.get("frag_off"):
        l4 = pk.fix_l4(src, dst, proto, l4)
    p = pk.ipv4(src, dst, proto, l4, **kw)
    return p, (src, dst, proto, sport, dport), len(p)


def tcp4(src, dst, sport, dport, flags, payload=b"", **kw):
    return v4(src, dst, 6, pk.tcp(sport, dport, flags, payload), sport, dport, **kw)


def udp4(src, dst, sport, dport, payload=b"", **kw):
    return v4(src, dst, 17, pk.udp(sport, dport, payload), sport, dport, **kw)


def icmp4(src, dst, typ, code, payload=b"", rest=b"\0\0\0\0"):
    return v4(src, dst, 1, pk.icmp(typ, code, rest, payload), 0, typ << 8 | code)


def v6(src, dst, proto, l4, sport=0, dport=0, exts=()):
    """exts: list of (nh_value_of_this_header, builder(nh_next)) applied in order."""
    if proto in (6, 17, 58):
        l4 = pk.fix_l4(src, dst, proto, l4)
    body, nh = l4, proto
    for typ, build in reversed(exts):
        body = build(nh) + body
        nh = typ
    p = pk.ipv6(src, dst, nh, body)
    return p, (src, dst, proto, sport, dport), len(p)


def tcp6(src, dst, sport, dport, flags, payload=b"", exts=()):
    return v6(src, dst, 6, pk.tcp(sport, dport, flags, payload), sport, dport, exts)


def udp6(src, dst, sport, dport, payload=b"", exts=()):
    return v6(src, dst, 17, pk.udp(sport, dport, payload), sport, dport, exts)


def E(ip, et=None, **kw):
    """Ethernet frame of an IP packet; ethertype from the IP version."""
    if et is None:
        et = pk.ETH_IPV4 if ip[0] >> 4 == 4 else pk.ETH_IPV6
    return pk.eth(et, ip, **kw)


def add_ip(c, t, pkt, label, link=E, **kw):
    ip, key, ip_len = pkt
    c.add(t, link(ip, **kw), label, key, ip_len)


# ---- the captures ---------------------------------------------------------------

def ethernet_capture():
    c = Capture("eth.pcap", pk.LINK_ETHERNET)
    C, S = "10.1.0.1", "192.0.2.10"
    A = pk.TCP_ACK
    # a TCP session; the client's last ACK comes within the FIN grace
    add_ip(c, 0.000, tcp4(C, S, 40000, 80, pk.TCP_SYN), "tcp-c2s")
    add_ip(c, 0.010, tcp4(S, C, 80, 40000, pk.TCP_SYN | A), "tcp-s2c")
    add_ip(c, 0.020, tcp4(C, S, 40000, 80, A), "tcp-c2s")
    add_ip(c, 0.030, tcp4(C, S, 40000, 80, pk.TCP_PSH | A, b"G" * 100), "tcp-c2s")
    add_ip(c, 0.040, tcp4(S, C, 80, 40000, pk.TCP_PSH | A, b"H" * 1400), "tcp-s2c")
    add_ip(c, 0.050, tcp4(C, S, 40000, 80, A), "tcp-c2s")
    add_ip(c, 1.000, tcp4(C, S, 40000, 80, pk.TCP_FIN | A), "tcp-c2s")
    add_ip(c, 1.010, tcp4(S, C, 80, 40000, pk.TCP_FIN | A), "tcp-s2c")
    add_ip(c, 1.020, tcp4(C, S, 40000, 80, A), "tcp-c2s")
    # the same ports again within the grace: a SYN starts new flows
    add_ip(c, 2.000, tcp4(C, S, 40000, 80, pk.TCP_SYN), "tcp2-c2s")
    add_ip(c, 2.010, tcp4(S, C, 80, 40000, pk.TCP_SYN | A), "tcp2-s2c")
    add_ip(c, 2.020, tcp4(C, S, 40000, 80, pk.TCP_RST), "tcp2-c2s")
    # a closed port
    add_ip(c, 3.000, tcp4(C, S, 40001, 81, pk.TCP_SYN), "rst-c2s")
    add_ip(c, 3.001, tcp4(S, C, 81, 40001, pk.TCP_RST | A), "rst-s2c")
    # after the grace, the next packet of a finished flow is a new flow
    add_ip(c, 20.0, tcp4(C, S, 41000, 80, pk.TCP_FIN | A), "fin1")
    add_ip(c, 30.0, tcp4(C, S, 41000, 80, A), "fin2")
    # DNS in VLAN 100, NTP in QinQ (802.1ad outer, 802.1Q inner)
    add_ip(c, 4.000, udp4("10.1.0.2", "10.1.0.53", 5353, 53, b"q" * 30), "dns-q",
           vlans=[(pk.ETH_VLAN, 100)])
    add_ip(c, 4.001, udp4("10.1.0.53", "10.1.0.2", 53, 5353, b"r" * 100), "dns-r",
           vlans=[(pk.ETH_VLAN, 100)])
    for t in (5.0, 5.5):
        add_ip(c, t, udp4("10.1.0.3", "10.1.0.123", 123, 123, b"n" * 48), "ntp",
               vlans=[(pk.ETH_QINQ, 10), (pk.ETH_VLAN, 20)])
    # ICMP: type*256+code in the destination port
    for t in (6.0, 7.0):
        add_ip(c, t, icmp4(C, "192.0.2.20", 8, 0, b"p" * 56), "ping-req")
        add_ip(c, t + 0.001, icmp4("192.0.2.20", C, 0, 0, b"p" * 56), "ping-rep")
    inner = pk.ipv4(C, S, 17, pk.udp(40002, 33434))[:28]
    add_ip(c, 6.5, icmp4(S, C, 3, 3, inner), "unreach")
    # IPv4 options before TCP
    add_ip(c, 7.5, tcp4("10.1.0.4", "192.0.2.30", 1234, 443, A, b"o" * 10,
                        options=b"\x01" * 7 + b"\0"), "opts")
    # a fragmented UDP datagram: the later fragment gets the first one's ports
    dg = pk.fix_l4("10.1.0.5", "192.0.2.40", 17, pk.udp(7000, 7001, b"f" * 2000))
    key = ("10.1.0.5", "192.0.2.40", 17, 7000, 7001)
    p1 = pk.ipv4("10.1.0.5", "192.0.2.40", 17, dg[:1480], ident=4242, mf=True)
    p2 = pk.ipv4("10.1.0.5", "192.0.2.40", 17, dg[1480:], ident=4242, frag_off=1480)
    c.add(8.0, pk.eth(pk.ETH_IPV4, p1), "frag", key, len(p1))
    c.add(8.0001, pk.eth(pk.ETH_IPV4, p2), "frag", key, len(p2))
    # out of order: a later fragment before its first one has no ports to get
    dg = pk.fix_l4("10.1.0.6", "192.0.2.40", 17, pk.udp(7000, 7001, b"g" * 1600))
    p1 = pk.ipv4("10.1.0.6", "192.0.2.40", 17, dg[:1480], ident=77, mf=True)
    p2 = pk.ipv4("10.1.0.6", "192.0.2.40", 17, dg[1480:], ident=77, frag_off=1480)
    c.add(9.0, pk.eth(pk.ETH_IPV4, p2), "frag-orphan", ("10.1.0.6", "192.0.2.40", 17, 0, 0),
          len(p2))
    c.add(9.001, pk.eth(pk.ETH_IPV4, p1), "frag2", ("10.1.0.6", "192.0.2.40", 17, 7000, 7001),
          len(p1))
    # IPv6 with hop-by-hop, routing and destination options; then AH
    X, Y = "2001:db8:1::1", "2001:db8:2::1"
    exts = [(0, lambda nh: pk.ext_opts(nh, 0)),
            (43, lambda nh: pk.ext_routing(nh, ["2001:db8:9::1"])),
            (60, lambda nh: pk.ext_opts(nh, 1))]
    add_ip(c, 10.0, tcp6(X, Y, 50000, 80, pk.TCP_SYN, exts=exts), "v6ext")
    add_ip(c, 10.1, tcp6(X, Y, 50000, 80, A, b"x" * 20, exts=[(51, pk.ext_ah)]), "v6ext")
    # a fragmented IPv6 UDP datagram (hop-by-hop, then the fragment header)
    dg = pk.fix_l4("2001:db8:1::2", "2001:db8:2::2", 17, pk.udp(6000, 6001, b"6" * 1600))
    key = ("2001:db8:1::2", "2001:db8:2::2", 17, 6000, 6001)
    for t, lo, hi, more in ((11.0, 0, 1232, True), (11.0002, 1232, len(dg), False)):
        body = pk.ext_opts(44, 0) + pk.ext_frag(17, lo, more, 0xABCDEF) + dg[lo:hi]
        ip = pk.ipv6("2001:db8:1::2", "2001:db8:2::2", 0, body)
        c.add(t, pk.eth(pk.ETH_IPV6, ip), "v6frag", key, len(ip))
    # ICMPv6 echo request: 128*256
    add_ip(c, 12.0, v6(X, Y, 58, pk.icmpv6(128, 0, b"\0\1\0\1", b"e" * 32), 0, 128 << 8),
           "v6ping")
    # protocols without ports
    add_ip(c, 13.0, v4("10.1.0.7", "192.0.2.50", 47, b"\0\0\x08\0" + b"G" * 20), "gre")
    add_ip(c, 13.1, v6(X, Y, 50, b"\0\0\1\0\0\0\0\1" + b"E" * 40), "esp6")
    add_ip(c, 13.2, v6(X, Y, 59, b""), "nonext")
    add_ip(c, 13.3, v4("10.1.0.7", "192.0.2.51", 132,
                       b"\x0f\x1c\x0f\x1c" + b"\0" * 8 + b"S" * 20, 3868, 3868), "sctp")
    # MPLS (two labels), PPPoE, 802.3 LLC/SNAP
    ip, key, n = udp4("10.1.0.12", "192.0.2.80", 4000, 4001, b"m" * 10)
    c.add(14.0, pk.eth(pk.ETH_MPLS, pk.mpls([100, 200], ip)), "mpls", key, n)
    ip, key, n = tcp4("10.1.0.13", "192.0.2.81", 4002, 4003, pk.TCP_SYN)
    c.add(14.1, pk.eth(pk.ETH_PPPOE, pk.pppoe(0x0021, ip)), "pppoe", key, n)
    ip, key, n = udp4("10.1.0.14", "192.0.2.82", 4004, 4005, b"s" * 10)
    snap = b"\xaa\xaa\x03\0\0\0\x08\0" + ip
    c.add(14.2, pk.MAC_B + pk.MAC_A + len(snap).to_bytes(2, "big") + snap, "llc", key, n)
    # a short snap length: counted with the IP length, not the captured one
    ip, key, n = tcp4("10.1.0.8", "192.0.2.60", 2000, 2001, A, b"d" * 1000)
    c.add(15.0, pk.eth(pk.ETH_IPV4, ip), "snap", key, n, caplen=14 + 40)
    # a frame with Ethernet padding: 40 bytes of IP in 60 on the wire
    add_ip(c, 15.1, tcp4("10.1.0.8", "192.0.2.60", 2002, 2003, A), "padded")

    # skipped: not IP
    c.add(16.0, pk.arp(), status="not IP")
    c.add(16.1, pk.eth(0x88CC, b"\x02\x07\x04" + b"L" * 40), status="not IP")
    # skipped: truncated
    ip = tcp4(C, S, 40010, 80, A, b"t" * 100)[0]
    c.add(17.0, pk.eth(pk.ETH_IPV4, ip), status="truncated", caplen=14 + 10)
    c.add(17.1, pk.eth(pk.ETH_IPV4, ip), status="truncated", caplen=14 + 20 + 2)
    ip = udp6(X, Y, 1, 2, b"u" * 100)[0]
    c.add(17.2, pk.eth(pk.ETH_IPV6, ip), status="truncated", caplen=14 + 30)
    c.add(17.3, pk.MAC_B + pk.MAC_A + b"\x81\x00\x00", status="truncated")
    # skipped: malformed
    ip = tcp4(C, S, 40011, 80, A)[0]
    c.add(18.0, pk.eth(pk.ETH_IPV4, bytes([0x44]) + ip[1:]), status="malformed")
    c.add(18.1, pk.eth(pk.ETH_IPV4, ip[:2] + (1500).to_bytes(2, "big") + ip[4:]),
          status="malformed")
    c.add(18.2, pk.eth(pk.ETH_IPV6, ip), status="malformed")
    c.add(18.3, pk.eth(pk.ETH_IPV4, pk.ipv4(C, S, 6, b"\0" * 10)), status="malformed")
    bad_ext = pk.ipv6(X, Y, 0, bytes([6, 10]) + b"\0" * 22)  # says 88 bytes, has 24
    c.add(18.4, pk.eth(pk.ETH_IPV6, bad_ext), status="malformed")
    # skipped: unsupported (MPLS carrying a pseudowire control word)
    c.add(18.5, pk.eth(pk.ETH_MPLS, pk.mpls([300], b"\0\0\0\0" + pk.MAC_A * 3)),
          status="unsupported")

    # inactive timeout (300 s): 299.5 s later is the same flow, 300 s a new one
    for t, label in ((100.0, "inact-a"), (200.0, "inact-a"), (499.5, "inact-a"),
                     (799.5, "inact-b")):
        add_ip(c, t, udp4("10.1.0.9", "192.0.2.70", 9000, 9001, b"i"), label)
    # active timeout (600 s): one packet every 50 s for 1250 s
    for k in range(26):
        t = 1000.0 + 50 * k
        label = "act-a" if t < 1600 else "act-b" if t < 2200 else "act-c"
        add_ip(c, t, udp4("10.1.0.10", "192.0.2.71", 9100, 9101, b"a" * 8), label)
    return c


def small_captures():
    """Each other link type (and file format) with a few packets of its own."""
    caps = []

    def three(c, wrap4, wrap6, base):
        a, b = "10.2.%d.1" % base, "10.2.%d.2" % base
        x, y = "2001:db8:%x::1" % base, "2001:db8:%x::2" % base
        ip, key, n = tcp4(a, b, 1000 + base, 80, pk.TCP_SYN)
        c.add(base + 0.1, wrap4(ip), "tcp", key, n)
        ip, key, n = udp4(b, a, 53, 1000 + base, b"z" * 33)
        c.add(base + 0.2, wrap4(ip), "udp", key, n)
        ip, key, n = udp6(x, y, 2000 + base, 443, b"w" * 17)
        c.add(base + 0.3, wrap6(ip), "udp6", key, n)
        ip, key, n = icmp4(a, b, 8, 0, b"i" * 8)
        c.add(base + 0.4, wrap4(ip), "icmp", key, n)

    c = Capture("sll.pcap", pk.LINK_SLL)
    three(c, lambda ip: pk.sll(pk.ETH_IPV4, ip), lambda ip: pk.sll(pk.ETH_IPV6, ip), 1)
    ip, key, n = udp4("10.2.1.7", "10.2.1.8", 7, 7, b"v")
    c.add(1.5, pk.sll(pk.ETH_VLAN, b"\0\x05\x08\0" + ip), "vlan", key, n)
    c.add(1.6, pk.sll(pk.ETH_ARP, b"\0" * 28), status="not IP")
    c.add(1.7, pk.sll(pk.ETH_IPV4, b"")[:10], status="truncated")
    caps.append(c)
    c = Capture("sll2.pcap", pk.LINK_SLL2)
    three(c, lambda ip: pk.sll2(pk.ETH_IPV4, ip), lambda ip: pk.sll2(pk.ETH_IPV6, ip), 2)
    caps.append(c)
    c = Capture("raw.pcap", pk.LINK_RAW)
    three(c, lambda ip: ip, lambda ip: ip, 3)
    c.add(3.5, b"\x50" + b"\0" * 30, status="malformed")
    caps.append(c)
    c = Capture("ipv4.pcap", pk.LINK_IPV4)
    ip, key, n = udp4("10.2.4.1", "10.2.4.2", 4, 4, b"4" * 4)
    c.add(4.1, ip, "udp", key, n)
    caps.append(c)
    c = Capture("ipv6.pcap", pk.LINK_IPV6)
    ip, key, n = udp6("2001:db8:4::1", "2001:db8:4::2", 6, 6, b"6" * 6)
    c.add(4.2, ip, "udp6", key, n)
    caps.append(c)
    c = Capture("null.pcap", pk.LINK_NULL)
    three(c, lambda ip: pk.null_af(2, ip), lambda ip: pk.null_af(30, ip), 5)
    caps.append(c)
    c = Capture("loop.pcap", pk.LINK_LOOP)
    three(c, lambda ip: pk.null_af(2, ip, little=False),
          lambda ip: pk.null_af(24, ip, little=False), 6)
    caps.append(c)
    c = Capture("eth.pcapng", pk.LINK_ETHERNET, fmt="pcapng")
    three(c, lambda ip: E(ip), lambda ip: E(ip), 7)
    caps.append(c)
    c = Capture("nano.pcap", pk.LINK_ETHERNET, fmt="nano")
    three(c, lambda ip: E(ip), lambda ip: E(ip), 8)
    caps.append(c)

    # a table of two flows: the least recently active one is exported early
    c = Capture("evict.pcap", pk.LINK_ETHERNET, config={"probe_max_flows": 2})
    A = lambda label, t: add_ip(c, t, udp4("10.3.0.1", "10.3.0.9", 1, 2), label)  # noqa
    B = lambda label, t: add_ip(c, t, udp4("10.3.0.2", "10.3.0.9", 1, 2), label)  # noqa
    Cf = lambda label, t: add_ip(c, t, udp4("10.3.0.3", "10.3.0.9", 1, 2), label)  # noqa
    A("A", 20.0)
    A("A", 20.5)
    B("B", 21.0)
    A("A", 21.5)
    Cf("C", 22.0)  # full: B (least recently active) goes
    B("B2", 23.0)  # full: A goes
    caps.append(c)

    # the FIN/RST grace set to 0: a flow ends with its FIN
    c = Capture("fin0.pcap", pk.LINK_ETHERNET, config={"probe_tcp_end_timeout": 0})
    add_ip(c, 30.0, tcp4("10.3.1.1", "10.3.1.2", 5, 80, pk.TCP_SYN), "f0")
    add_ip(c, 30.1, tcp4("10.3.1.1", "10.3.1.2", 5, 80, pk.TCP_FIN | pk.TCP_ACK), "f0")
    add_ip(c, 30.2, tcp4("10.3.1.1", "10.3.1.2", 5, 80, pk.TCP_ACK), "f1")
    caps.append(c)
    return caps


def known(args):
    os.makedirs(args.dir, exist_ok=True)
    manifest = []
    eth = ethernet_capture()
    # for argus: what argus 3.0.8.2 takes for IP (it does not know 802.1ad
    # QinQ tags and drops ESP over IPv6); its SLL decoding aborts, so no SLL
    caps = [eth.subset("argus.pcap", ("ntp", "esp6"))]
    for c in [eth] + small_captures() + caps:
        c.write(args.dir)
        manifest.append({"file": c.name, "config": c.config, "flows": c.expected(),
                         "skipped": dict(c.skipped), "frames": c.info})
    with open(os.path.join(args.dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


# ---- comparison -----------------------------------------------------------------

def element_key(e):
    """The comparable tuple of one pushed element (VERMONT JSON)."""
    if "sourceIPv4Address" in e:
        import ipaddress
        src = str(ipaddress.IPv4Address(e["sourceIPv4Address"]))
        dst = str(ipaddress.IPv4Address(e["destinationIPv4Address"]))
    else:
        src, dst = e["sourceIPv6Address"], e["destinationIPv6Address"]
    return (src, dst, e["protocolIdentifier"], e["sourceTransportPort"],
            e["destinationTransportPort"], e["flowStartSeconds"], e["flowEndSeconds"],
            e["packetDeltaCount"], e["octetDeltaCount"])


def canon(a):
    import ipaddress
    return str(ipaddress.ip_address(a))


def compare(args):
    with open(args.manifest) as f:
        entry = [m for m in json.load(f) if m["file"] == args.capture][0]
    want = collections.Counter()
    labels = {}
    for e in entry["flows"]:
        k = (canon(e["src"]), canon(e["dst"]), e["proto"], e["sport"], e["dport"],
             e["first"], e["last"], e["packets"], e["bytes"])
        want[k] += 1
        labels[k] = e["label"]
    got = collections.Counter()
    with open(args.elements) as f:
        for line in f:
            line = line.strip()
            if line and line != "END":
                got[element_key(json.loads(line))] += 1
    missing, extra = want - got, got - want
    for k in sorted(missing):
        print("missing %s: %s" % (labels[k], k))
    for k in sorted(extra):
        print("unexpected: %s" % (k,))
    print("%s: %d flows expected, %d pushed, %d missing, %d unexpected" % (
        args.capture, sum(want.values()), sum(got.values()), sum(missing.values()),
        sum(extra.values())))
    return 1 if missing or extra else 0


# fuzz inputs: a byte for the link (enum fi_link), then frames as records
FUZZ_LINKS = {pk.LINK_ETHERNET: 1, pk.LINK_SLL: 2, pk.LINK_SLL2: 3, pk.LINK_RAW: 4,
              pk.LINK_IPV4: 5, pk.LINK_IPV6: 6, pk.LINK_NULL: 7, pk.LINK_LOOP: 8}


def fuzz_record(frame, caplen, wirelen, step):
    data = frame if caplen is None else frame[:caplen]
    wire = len(frame) if wirelen is None else wirelen
    return (len(data).to_bytes(2, "big") + bytes([step, min(255, wire - len(data))]) +
            data)


def corpus(args):
    """The seed corpus of tests/fuzz/pkt/: every known frame alone, and each
    capture whole (time steps of 10 s per frame, so timeouts happen)."""
    os.makedirs(args.dir, exist_ok=True)
    caps = [ethernet_capture()] + small_captures()
    for c in caps:
        link = bytes([FUZZ_LINKS[c.link]])
        whole = link
        base = os.path.splitext(c.name)[0] + ("-ng" if c.fmt == "pcapng" else "")
        for n, (ts, frame, caplen, wirelen) in enumerate(c.frames):
            rec = fuzz_record(frame, caplen, wirelen, 0)
            with open(os.path.join(args.dir, "%s-%03d" % (base, n)), "wb") as f:
                f.write(link + rec)
            whole += fuzz_record(frame, caplen, wirelen, 1)
        with open(os.path.join(args.dir, "%s-all" % base), "wb") as f:
            f.write(whole)


def bench(args):
    """A capture for the benchmark: args.packets packets of args.flows flows
    (TCP and UDP, IPv4 with a tenth IPv6) over args.span seconds, headers only
    (caplen 96, the wire length kept), written from templates for speed."""
    import random
    import struct
    rnd = random.Random(args.seed)
    t0 = T0 * US
    flows = []
    for i in range(args.flows):
        v6 = i % 10 == 9
        proto = 6 if rnd.random() < 0.8 else 17
        start = rnd.randrange(args.span * US)
        flows.append((v6, proto, rnd.randrange(1 << 32), rnd.randrange(1 << 32),
                      rnd.randrange(1024, 65536), rnd.choice((80, 443, 53, 22, 8080)),
                      start))
    # packets per flow: heavy-tailed around the mean, total exactly args.packets
    weights = [rnd.paretovariate(1.2) for _ in flows]
    scale = args.packets / sum(weights)
    counts = [max(1, int(w * scale)) for w in weights]
    diff = args.packets - sum(counts)
    i = 0
    while diff != 0:
        j = i % len(counts)
        if diff > 0:
            counts[j] += 1
            diff -= 1
        elif counts[j] > 1:
            counts[j] -= 1
            diff += 1
        i += 1
    events = []
    for f, n in zip(range(len(flows)), counts):
        start, gap = flows[f][6], rnd.uniform(0.001, 2.0)
        for k in range(n):
            events.append((t0 + start + int(k * gap * US), f))
    events.sort()
    eth4 = bytearray(pk.eth(pk.ETH_IPV4, pk.ipv4("0.0.0.0", "0.0.0.0", 6, pk.tcp(0, 0, 0x10)),
                            pad=False))
    eth6 = bytearray(pk.eth(pk.ETH_IPV6, pk.ipv6("::", "::", 6, pk.tcp(0, 0, 0x10)),
                            pad=False))
    sizes = (40, 40, 52, 576, 1400, 1500, 1500)
    with open(args.out, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 96, pk.LINK_ETHERNET))
        for ts, f in events:
            v6, proto, a, b, sp, dp, _ = flows[f]
            size = rnd.choice(sizes)
            if v6:
                size = max(size, 60)  # IPv6 and TCP headers
                fr = eth6
                struct.pack_into("!HB", fr, 18, size - 40, proto)
                struct.pack_into("!QQ", fr, 22, 0x20010DB800000000, a)
                struct.pack_into("!QQ", fr, 38, 0x20010DB800000000, b)
                struct.pack_into("!HH", fr, 54, sp, dp)
                wire = 14 + size
            else:
                fr = eth4
                struct.pack_into("!H", fr, 16, size)
                struct.pack_into("!B", fr, 23, proto)
                struct.pack_into("!II", fr, 26, a, b)
                struct.pack_into("!HH", fr, 34, sp, dp)
                wire = 14 + max(size, 46)
            data = bytes(fr[:96])
            out.write(struct.pack("<IIII", ts // US, ts % US, len(data), wire))
            out.write(data)
    print(json.dumps({"packets": len(events), "flows": len(flows)}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("known")
    k.add_argument("dir")
    b = sub.add_parser("bench")
    b.add_argument("out")
    b.add_argument("--packets", type=int, default=1000000)
    b.add_argument("--flows", type=int, default=100000)
    b.add_argument("--span", type=int, default=3600, help="seconds")
    b.add_argument("--seed", type=int, default=1)
    k = sub.add_parser("corpus")
    k.add_argument("dir")
    c = sub.add_parser("compare")
    c.add_argument("manifest")
    c.add_argument("capture")
    c.add_argument("elements")
    args = ap.parse_args()
    if args.cmd == "known":
        known(args)
        return 0
    if args.cmd == "bench":
        bench(args)
        return 0
    if args.cmd == "corpus":
        corpus(args)
        return 0
    return compare(args)


if __name__ == "__main__":
    sys.exit(main())
