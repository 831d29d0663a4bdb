#!/usr/bin/env python3
"""mkmmdb.py: writes MaxMind DB (.mmdb) files from address-range CSV files.

Written from the public format spec (v2.0), independently of libmaxminddb,
which only reads. Two uses: deploy/geo-update turns the ASN table of
@ip-location-db/asn (CSV only; no mmdb variant is published) into an mmdb
the responder reads like the country database, and the unit tests make
their own small country and ASN databases with it.

Input rows are `first,last,...` (addresses in text or as integers, as in
ip-location-db's files); `country` rows carry a country code, `asn` rows an
AS number and an organisation. Records are those of the open databases:
{country_code} (or GeoLite2's {country: {iso_code}} with --geolite2) and
{autonomous_system_number, autonomous_system_organization} (GeoLite2-ASN's
names). The tree is an IPv6 one with IPv4 under ::/96, as MaxMind's are;
--ipv4-aliases also points ::ffff:0:0/96 and 2002::/16 at the IPv4 tree, as
MaxMind does and ip-location-db does not; --ip-version 4 writes an IPv4 tree.

Usage: mkmmdb.py {country|asn} OUT.mmdb CSV... [--record-size 24|28|32]
       [--ip-version 4|6] [--ipv4-aliases] [--geolite2] [--database-type T]
       [--description TEXT] [--build-epoch N]
OUT is written under a temporary name and renamed into place.
"""
import argparse
import array
import csv
import ipaddress
import os
import struct
import sys
import time

METADATA_MARKER = b"\xab\xcd\xefMaxMind.com"
EMPTY = -1  # a record with no data; data records are -(2 + data id)

# data field types of the spec
T_POINTER, T_STRING, T_DOUBLE, T_BYTES, T_UINT16, T_UINT32, T_MAP = 1, 2, 3, 4, 5, 6, 7
T_INT32, T_UINT64, T_UINT128, T_ARRAY, T_BOOL = 8, 9, 10, 11, 14


def _control(type_, size):
    """The control byte(s) of a field of this type and payload size."""
    if size < 29:
        first, extra = size, b""
    elif size < 285:
        first, extra = 29, bytes([size - 29])
    elif size < 65821:
        first, extra = 30, (size - 285).to_bytes(2, "big")
    else:
        first, extra = 31, (size - 65821).to_bytes(3, "big")
    if type_ <= 7:
        return bytes([(type_ << 5) | first]) + extra
    return bytes([first, type_ - 7]) + extra


def encode(value, uint_type=None):
    """One value as a data field: str, bool, int (uint32 unless uint_type
    says otherwise, or a ('u16'|'u32'|'u64', n) pair), dict, list."""
    if isinstance(value, tuple):
        kind, n = value
        return encode(n, {"u16": T_UINT16, "u32": T_UINT32, "u64": T_UINT64}[kind])
    if isinstance(value, bool):
        return _control(T_BOOL, int(value))
    if isinstance(value, int):
        t = uint_type or T_UINT32
        limit = {T_UINT16: 16, T_UINT32: 32, T_UINT64: 64}[t]
        if value < 0 or value >= 1 << limit:
            raise ValueError(f"{value} does not fit type {t}")
        payload = value.to_bytes((value.bit_length() + 7) // 8, "big")
        return _control(t, len(payload)) + payload
    if isinstance(value, str):
        payload = value.encode("utf-8")
        return _control(T_STRING, len(payload)) + payload
    if isinstance(value, dict):
        out = [_control(T_MAP, len(value))]
        for k, v in value.items():
            out.append(encode(str(k)))
            out.append(encode(v))
        return b"".join(out)
    if isinstance(value, list):
        return _control(T_ARRAY, len(value)) + b"".join(encode(v) for v in value)
    raise TypeError(f"cannot encode {type(value).__name__}")


class Tree:
    """A binary trie of nodes, each two records: a node index, EMPTY, or
    data (-(2 + id)). Nodes sit in two flat arrays to keep millions cheap."""

    def __init__(self):
        self.left = array.array("q", [EMPTY])
        self.right = array.array("q", [EMPTY])

    def new_node(self, rec):
        self.left.append(rec)
        self.right.append(rec)
        return len(self.left) - 1

    def insert(self, root, value, nbits, length, rec):
        """Sets the prefix of `length` leading bits of the nbits-wide value
        below node root to rec; a shorter prefix it lands in is split."""
        if length < 1:
            raise ValueError("a prefix of length 0 has no record of its own")
        node = root
        for i in range(length):
            side = self.right if (value >> (nbits - 1 - i)) & 1 else self.left
            if i == length - 1:
                side[node] = rec  # a subtree below is replaced
                return
            cur = side[node]
            if cur < 0:
                cur = self.new_node(cur)
                side[node] = cur
            node = cur

    def reachable(self):
        """Old index -> new index of the nodes reachable from the root, in
        breadth-first order (aliases make the tree a DAG: visited once)."""
        order = array.array("q", [-1]) * len(self.left)
        queue = [0]
        order[0] = 0
        n = 1
        head = 0
        while head < len(queue):
            node = queue[head]
            head += 1
            for rec in (self.left[node], self.right[node]):
                if rec >= 0 and order[rec] < 0:
                    order[rec] = n
                    n += 1
                    queue.append(rec)
        return order, queue


def range_to_prefixes(first, last, nbits):
    """The CIDR blocks covering first..last exactly: (start, length) pairs."""
    out = []
    while first <= last:
        size = (first & -first).bit_length() - 1 if first else nbits
        while first + (1 << size) - 1 > last:
            size -= 1
        out.append((first, nbits - size))
        first += 1 << size
    return out


def parse_addr(text):
    text = text.strip()
    if text.isdigit():
        n = int(text)
        return (4, n) if n < 1 << 32 else (6, n)
    a = ipaddress.ip_address(text)
    return a.version, int(a)


def read_rows(paths, mode, geolite2):
    """Yields (version, first, last, record) from the CSV files."""
    for path in paths:
        with open(path, newline="", encoding="utf-8") as f:
            for lineno, row in enumerate(csv.reader(f), 1):
                if not row or row[0].startswith("#"):
                    continue
                try:
                    v1, first = parse_addr(row[0])
                    v2, last = parse_addr(row[1])
                    if v1 != v2 or last < first:
                        raise ValueError("bad range")
                    if mode == "country":
                        cc = row[2].strip().upper()
                        rec = {"country": {"iso_code": cc}} if geolite2 else {"country_code": cc}
                    else:
                        org = row[3].strip() if len(row) > 3 else ""
                        rec = {"autonomous_system_number": int(row[2])}
                        if org:
                            rec["autonomous_system_organization"] = org
                except (ValueError, IndexError) as e:
                    raise SystemExit(f"{path}:{lineno}: {e}: {row!r}")
                yield v1, first, last, rec


class Builder:
    """The tree, the data records (each written once) and the IPv4 subtree."""

    def __init__(self, ip_version):
        self.ip_version = ip_version
        self.tree = Tree()
        self.data = {}  # encoded record -> id
        self.v4root = 0 if ip_version == 4 else self.tree.new_node(EMPTY)

    def record(self, rec):
        enc = encode(rec)
        return -(2 + self.data.setdefault(enc, len(self.data)))

    def add_range(self, version, first, last, rec):
        r = self.record(rec)
        if version == 4:
            for start, length in range_to_prefixes(first, last, 32):
                self.tree.insert(self.v4root, start, 32, length, r)
            return
        if self.ip_version == 4:
            return  # an IPv4 tree has no place for it
        for start, length in range_to_prefixes(first, last, 128):
            if start >> 32 == 0 or start >> 32 == 0xFFFF:
                continue  # ::/96 is the IPv4 tree; ::ffff:0:0/96 its alias
            self.tree.insert(0, start, 128, length, r)

    def finish(self, aliases):
        """Hangs the IPv4 tree under ::/96 (and its aliases)."""
        if self.ip_version == 4:
            return
        t = self.tree
        t.insert(0, 0, 128, 96, self.v4root)
        if aliases:
            t.insert(0, 0xFFFF << 32, 128, 96, self.v4root)
            t.insert(0, 0x2002 << 112, 128, 16, self.v4root)


def pick_record_size(nodes, data_size, wanted):
    for size in (24, 28, 32):
        if wanted and size != wanted:
            continue
        if nodes + 16 + data_size < 1 << size:
            return size
    raise SystemExit(f"{nodes} nodes and {data_size} data bytes do not fit record size {wanted}")


def write_tree(out, b, record_size):
    """The search tree in the spec's node layout."""
    t = b.tree
    order, nodes = t.reachable()
    n = len(nodes)
    offsets = []
    data = bytearray()
    for enc in b.data:  # ids are in insertion order, as dicts keep it
        offsets.append(len(data))
        data += enc

    def value(rec):
        if rec >= 0:
            return order[rec]
        if rec == EMPTY:
            return n
        return n + 16 + offsets[-rec - 2]

    size = pick_record_size(n, len(data), record_size)
    buf = bytearray()
    for old in nodes:
        lv, rv = value(t.left[old]), value(t.right[old])
        if size == 24:
            buf += ((lv << 24) | rv).to_bytes(6, "big")
        elif size == 28:
            mid = ((lv >> 24) << 4) | (rv >> 24)
            buf += (lv & 0xFFFFFF).to_bytes(3, "big") + bytes([mid])
            buf += (rv & 0xFFFFFF).to_bytes(3, "big")
        else:
            buf += ((lv << 32) | rv).to_bytes(8, "big")
    out.write(buf)
    out.write(b"\0" * 16)
    out.write(data)
    return n, size


def metadata(args, nodes, size):
    return {
        "binary_format_major_version": ("u16", 2),
        "binary_format_minor_version": ("u16", 0),
        "build_epoch": ("u64", args.build_epoch),
        "database_type": args.database_type,
        "description": {"en": args.description},
        "ip_version": ("u16", args.ip_version),
        "languages": [],
        "node_count": ("u32", nodes),
        "record_size": ("u16", size),
    }


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", choices=("country", "asn"))
    p.add_argument("out")
    p.add_argument("csv", nargs="+")
    p.add_argument("--record-size", type=int, choices=(24, 28, 32))
    p.add_argument("--ip-version", type=int, choices=(4, 6), default=6)
    p.add_argument("--ipv4-aliases", action="store_true")
    p.add_argument("--geolite2", action="store_true")
    p.add_argument("--database-type")
    p.add_argument("--description", default="")
    p.add_argument("--build-epoch", type=int, default=int(time.time()))
    args = p.parse_args(argv)
    if args.database_type is None:
        args.database_type = "flowinspector-" + args.mode
    b = Builder(args.ip_version)
    for version, first, last, rec in read_rows(args.csv, args.mode, args.geolite2):
        b.add_range(version, first, last, rec)
    b.finish(args.ipv4_aliases)
    tmp = f"{args.out}.tmp{os.getpid()}"
    try:
        with open(tmp, "wb") as out:
            nodes, size = write_tree(out, b, args.record_size)
            out.write(METADATA_MARKER)
            out.write(encode(metadata(args, nodes, size)))
        os.replace(tmp, args.out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    print(f"mkmmdb: {args.out}: {nodes} nodes, {size}-bit records, "
          f"{len(b.data)} data records", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
