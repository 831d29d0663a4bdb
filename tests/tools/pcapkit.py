#!/usr/bin/env python3
"""pcapkit.py: builds packets byte by byte and writes pcap / pcapng files.

The probe's tests, the sample capture and the benchmark capture are made with
this (no scapy): every header field is written here, so a test knows the exact
IP-level length (what IPFIX's octetDeltaCount counts) and the exact link-layer
overhead of each frame. Import it; it has no command line of its own.
"""
import ipaddress
import struct

# pcap LINKTYPE_ values (the numbers in files, not the DLT_ ones)
LINK_NULL = 0
LINK_ETHERNET = 1
LINK_RAW = 101
LINK_LOOP = 108
LINK_SLL = 113
LINK_IPV4 = 228
LINK_IPV6 = 229
LINK_SLL2 = 276

ETH_IPV4 = 0x0800
ETH_IPV6 = 0x86DD
ETH_ARP = 0x0806
ETH_VLAN = 0x8100
ETH_QINQ = 0x88A8
ETH_MPLS = 0x8847
ETH_PPPOE = 0x8864

TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def addr_bytes(a):
    return ipaddress.ip_address(a).packed


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


# ---- transport ----------------------------------------------------------------

def tcp(sport, dport, flags, payload=b"", seq=1, ack=0, window=65535):
    """A TCP header (20 bytes, no options) and payload; checksum left 0 (fix_l4)."""
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, window, 0,
                       0) + payload


def udp(sport, dport, payload=b""):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def icmp(typ, code, rest=b"\0\0\0\0", payload=b""):
    body = struct.pack("!BBH", typ, code, 0) + rest + payload
    c = checksum(body)
    return body[:2] + struct.pack("!H", c) + body[4:]


def icmpv6(typ, code, rest=b"\0\0\0\0", payload=b""):
    """ICMPv6; the checksum needs the pseudo header, fix_l4 fills it in."""
    return struct.pack("!BBH", typ, code, 0) + rest + payload


def _pseudo_sum(src, dst, proto, length):
    s, d = addr_bytes(src), addr_bytes(dst)
    if len(s) == 4:
        return s + d + struct.pack("!BBH", 0, proto, length)
    return s + d + struct.pack("!IxxxB", length, proto)


def fix_l4(src, dst, proto, seg):
    """Fills in the TCP/UDP/ICMPv6 checksum of a whole (unfragmented) segment."""
    off = {6: 16, 17: 6, 58: 2}.get(proto)
    if off is None or len(seg) < off + 2:
        return seg
    seg = seg[:off] + b"\0\0" + seg[off + 2:]
    c = checksum(_pseudo_sum(src, dst, proto, len(seg)) + seg)
    if proto == 17 and c == 0:
        c = 0xFFFF
    return seg[:off] + struct.pack("!H", c) + seg[off + 2:]


# ---- IP -----------------------------------------------------------------------

def ipv4(src, dst, proto, payload, ident=1, df=False, mf=False, frag_off=0, ttl=64,
         options=b"", tot_len=None, ihl=None, version=4):
    """An IPv4 header (with options, padded to 4 bytes) and payload. tot_len and
    ihl override the computed fields (for malformed packets)."""
    options += b"\0" * (-len(options) % 4)
    hl = 20 + len(options)
    if ihl is None:
        ihl = hl // 4
    if tot_len is None:
        tot_len = hl + len(payload)
    ff = (0x4000 if df else 0) | (0x2000 if mf else 0) | (frag_off // 8)
    h = struct.pack("!BBHHHBBH4s4s", version << 4 | ihl, 0, tot_len, ident, ff, ttl,
                    proto, 0, addr_bytes(src), addr_bytes(dst)) + options
    h = h[:10] + struct.pack("!H", checksum(h)) + h[12:]
    return h + payload


def ipv6(src, dst, nh, payload, plen=None, hlim=64, version=6):
    if plen is None:
        plen = len(payload)
    return struct.pack("!IHBB16s16s", version << 28, plen, nh, hlim, addr_bytes(src),
                       addr_bytes(dst)) + payload


def ext_opts(nh, length8=0):
    """Hop-by-hop or destination options header: (length8+1)*8 bytes of PadN."""
    n = (length8 + 1) * 8
    pad = n - 2
    return struct.pack("!BB", nh, length8) + bytes([1, pad - 2]) + b"\0" * (pad - 2)


def ext_routing(nh, addrs=()):
    """Routing header type 0-style with addresses (segments left 0)."""
    body = b"".join(addr_bytes(a) for a in addrs)
    return struct.pack("!BBBBI", nh, len(body) // 8, 0, 0, 0) + body


def ext_frag(nh, offset, more, ident):
    return struct.pack("!BBHI", nh, 0, (offset // 8) << 3 | (1 if more else 0), ident)


def ext_ah(nh, icv_words=3):
    """Authentication header: 12 fixed bytes + ICV; length in 4-byte units - 2."""
    n = 12 + 4 * icv_words
    return struct.pack("!BBHII", nh, n // 4 - 2, 0, 0x1234, 1) + b"\xaa" * (4 * icv_words)


# ---- links --------------------------------------------------------------------

MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")


def eth(ethertype, payload, vlans=(), src=MAC_A, dst=MAC_B, pad=True):
    """Ethernet II with 802.1Q tags (vlans: list of (tpid, vid)); padded to 60 bytes
    as a NIC sends it."""
    tags = b"".join(struct.pack("!HH", tpid, vid) for tpid, vid in vlans)
    f = dst + src + tags + struct.pack("!H", ethertype) + payload
    if pad and len(f) < 60:
        f += b"\0" * (60 - len(f))
    return f


def mpls(labels, payload):
    out = b""
    for i, lab in enumerate(labels):
        bos = 1 if i == len(labels) - 1 else 0
        out += struct.pack("!I", lab << 12 | bos << 8 | 64)
    return out + payload


def pppoe(ppp_proto, payload, session=0x1234):
    return struct.pack("!BBHHH", 0x11, 0, session, len(payload) + 2, ppp_proto) + payload


def sll(proto, payload, pkttype=0, hatype=1, addr=MAC_A):
    return struct.pack("!HHH8sH", pkttype, hatype, len(addr), addr.ljust(8, b"\0"),
                       proto) + payload


def sll2(proto, payload, ifindex=2, pkttype=0, hatype=1, addr=MAC_A):
    return struct.pack("!HHIHBB8s", proto, 0, ifindex, hatype, pkttype, len(addr),
                       addr.ljust(8, b"\0")) + payload


def null_af(af, payload, little=True):
    return struct.pack("<I" if little else "!I", af) + payload


def arp():
    return eth(ETH_ARP, struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, MAC_A,
                                    bytes(4), bytes(6), bytes(4)))


# ---- files --------------------------------------------------------------------

class PcapWriter:
    """Classic pcap, little-endian, microsecond or nanosecond timestamps."""

    def __init__(self, path, linktype, nano=False, snaplen=262144):
        self.f = open(path, "wb")
        self.nano = nano
        magic = 0xA1B23C4D if nano else 0xA1B2C3D4
        self.f.write(struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype))

    def write(self, ts_us, frame, caplen=None, wirelen=None):
        """Writes frame seen at ts_us (int microseconds); caplen cuts the stored
        bytes, wirelen overrides the length on the wire."""
        data = frame if caplen is None else frame[:caplen]
        sub = ts_us % 1000000 * (1000 if self.nano else 1)
        self.f.write(struct.pack("<IIII", ts_us // 1000000, sub, len(data),
                                 len(frame) if wirelen is None else wirelen))
        self.f.write(data)

    def close(self):
        self.f.close()


class PcapngWriter:
    """pcapng with one interface (microsecond resolution) and enhanced packet blocks."""

    def __init__(self, path, linktype, snaplen=262144):
        self.f = open(path, "wb")
        shb_body = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)
        self._block(0x0A0D0D0A, shb_body)
        # if_tsresol = 6 (microseconds), then opt_endofopt
        opts = struct.pack("<HHB3x", 9, 1, 6) + struct.pack("<HH", 0, 0)
        self._block(1, struct.pack("<HHI", linktype, 0, snaplen) + opts)

    def _block(self, typ, body):
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        self.f.write(struct.pack("<II", typ, n) + body + struct.pack("<I", n))

    def write(self, ts_us, frame, caplen=None, wirelen=None):
        data = frame if caplen is None else frame[:caplen]
        body = struct.pack("<IIIII", 0, ts_us >> 32, ts_us & 0xFFFFFFFF, len(data),
                           len(frame) if wirelen is None else wirelen) + data
        self._block(6, body)

    def close(self):
        self.f.close()
