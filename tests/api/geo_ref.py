#!/usr/bin/env python3
"""geo_ref.py: the independent reference of /api/geo's tests.

  geo_ref.py csv DIR [--variant N]
      writes DIR/country.csv and DIR/asn.csv, the project's own small
      country and AS tables (first,last,...), from which deploy/mkmmdb.py
      makes the test databases. Variant 1 moves some countries, to see a
      swapped database used.
  geo_ref.py label [--variant N] < ADDRESSES
      for each address (a line: an integer IPv4 or text), "ADDR COUNTRY ASN"
      (country: the code, local or unknown; ASN or -).
  geo_ref.py expect NODES.TSV URI [--variant N]
      the answer /api/geo gives for URI, computed from the node rows
      (size bucket hexaddr counters..., as test_geo.sh dumps them), the
      same tables and a special-range list of its own (RFC 6890 and the
      IANA registries), without libmaxminddb or the responder's code.

Numbers follow the API: flows are summed exactly (billionths) and rounded
half away from zero once printed.
"""
import ipaddress
import json
import os
import sys
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

UNIT = 10 ** 9
CLASSES = ["tcp", "udp", "icmp", "other"]
CLASS_OF = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmp", "tcp": "tcp", "udp": "udp",
            "icmp": "icmp", "other": "other"}

# not globally reachable: answered "local" before any lookup
LOCAL = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15",
    "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
    "::/128", "::1/128", "::/96", "64:ff9b:1::/48", "100::/64", "2001:db8::/32",
    "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8")]
# inside a local block but globally reachable: looked up
GLOBAL = [ipaddress.ip_network(n) for n in ("192.0.0.9/32", "192.0.0.10/32")]

# first,last,country: the IPv4 space in /4s, two gaps, and some IPv6
COUNTRY = [
    ("1.0.0.0", "15.255.255.255", "DE"), ("16.0.0.0", "47.255.255.255", "US"),
    ("48.0.0.0", "63.255.255.255", "FR"), ("64.0.0.0", "95.255.255.255", "US"),
    # 96.0.0.0 - 127.255.255.255: no country
    ("128.0.0.0", "159.255.255.255", "JP"), ("160.0.0.0", "175.255.255.255", "BR"),
    ("176.0.0.0", "199.255.255.255", "NL"),
    # 200.0.0.0 - 207.255.255.255: no country
    ("208.0.0.0", "223.255.255.255", "AU"),
    ("2a00::", "2a00:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "IE"),
]
# variant 1: DE becomes AT, a gap becomes CH
COUNTRY1 = [(a, b, "AT" if c == "DE" else c) for a, b, c in COUNTRY] + [
    ("96.0.0.0", "127.255.255.255", "CH")]
ASN = [
    ("1.0.0.0", "31.255.255.255", 3320, "Deutsche Telekom AG"),
    ("32.0.0.0", "95.255.255.255", 7018, "AT&T Services, Inc."),
    ("128.0.0.0", "191.255.255.255", 2497, "Internet Initiative Japan Inc."),
    ("2a00:1450::", "2a00:1450:ffff:ffff:ffff:ffff:ffff:ffff", 15169, "Google LLC"),
]


def tables(variant):
    return (COUNTRY1 if variant == 1 else COUNTRY), ASN


def cmd_csv(out, variant):
    country, asn = tables(variant)
    with open(os.path.join(out, "country.csv"), "w") as f:
        for a, b, c in country:
            f.write("%s,%s,%s\n" % (a, b, c))
    with open(os.path.join(out, "asn.csv"), "w") as f:
        for a, b, n, org in asn:
            f.write('%s,%s,%d,"%s"\n' % (a, b, n, org))


def find(rows, ip):
    for r in rows:
        lo, hi = ipaddress.ip_address(r[0]), ipaddress.ip_address(r[1])
        if lo.version == ip.version and lo <= ip <= hi:
            return r
    return None


def label(ip, variant):
    """(kind, country or None, asn or None, as name)"""
    if any(ip in n for n in LOCAL if n.version == ip.version) and \
            not any(ip in n for n in GLOBAL if n.version == ip.version):
        return "local", None, None, None
    country, asn = tables(variant)
    c, a = find(country, ip), find(asn, ip)
    return ("known" if c or a else "unknown", c[2] if c else None,
            a[2] if a else None, a[3] if a else None)


def load_nodes(path, size, lo, hi):
    """{ip: {(dir, class, ctr): billionths}} summed over the range"""
    nodes = {}
    for line in open(path):
        c = line.split("\t")
        if int(c[0]) != size or not lo <= int(c[1]) <= hi:
            continue
        raw = bytes.fromhex(c[2])
        ip = ipaddress.IPv6Address(raw)
        ip = ip.ipv4_mapped or ip
        cell = nodes.setdefault(ip, {})
        i = 3
        for d in ("src", "dst"):
            for cl in CLASSES:
                for k in ("flows", "packets", "bytes"):
                    v = int(Decimal(c[i]) * UNIT) if k == "flows" else int(c[i]) * UNIT
                    cell[(d, cl, k)] = cell.get((d, cl, k), 0) + v
                    i += 1
    return nodes


def rnd(v):
    q, r = divmod(abs(v), UNIT)
    q += 1 if 2 * r >= UNIT else 0
    return q if v >= 0 else -q


def classes_of(p):
    keep = set(CLASSES)
    if "include_protos" in p:
        keep = {CLASS_OF[x.strip().lower()] for x in p["include_protos"].split(",")}
    if "exclude_protos" in p:
        keep -= {CLASS_OF[x.strip().lower()] for x in p["exclude_protos"].split(",")}
    return keep


def cmd_expect(path, uri, variant):
    p = dict(parse_qsl(urlsplit(uri).query))
    size = int(p["bucket_size"])
    lo, hi = int(p.get("start_bucket", 0)), int(p.get("end_bucket", 2 ** 62))
    dirs = ["src", "dst"] if p.get("direction", "both") == "both" else [p["direction"]]
    keep = classes_of(p)
    by = p.get("by", "host" if ("country" in p or "asn" in p) else "country")
    sort = {"flows": "flows", "packets": "packetDeltaCount"}.get(p.get("value"),
                                                                  "octetDeltaCount")
    names = {"flows": "flows", "packets": "packetDeltaCount", "bytes": "octetDeltaCount"}
    rows, total = [], {"hosts": 0, "flows": 0, "packetDeltaCount": 0, "octetDeltaCount": 0}
    groups = {}
    for ip, cell in load_nodes(path, size, lo, hi).items():
        v = {names[k]: sum(cell[(d, cl, k)] for d in dirs for cl in keep)
             for k in ("flows", "packets", "bytes")}
        if not any(v.values()):
            continue
        kind, cc, asn, org = label(ip, variant)
        ckey = "local" if kind == "local" else (cc or "unknown")
        akey = "local" if kind == "local" else ("AS%d" % asn if asn else "unknown")
        if "country" in p and ckey != (p["country"].upper() if len(p["country"]) == 2
                                       else p["country"].lower()):
            continue
        if "asn" in p and akey != ("AS" + p["asn"] if p["asn"].isdigit() else p["asn"]):
            continue
        total["hosts"] += 1
        for k in v:
            total[k] += v[k]
        if by == "host":
            row = {"id": int(ip) if ip.version == 4 else str(ip), "country": ckey}
            if asn and kind != "local":
                row.update(asn=asn, as_name=org)
            row.update(v)
            rows.append((ip, row))
            continue
        key = ckey if by == "country" else akey
        g = groups.setdefault(key, {"group": key, "hosts": 0, "flows": 0,
                                    "packetDeltaCount": 0, "octetDeltaCount": 0})
        if key not in ("local", "unknown"):
            if by == "country":
                g["country"] = cc
            else:
                g["asn"], g["as_name"] = asn, org
        g["hosts"] += 1
        for k in v:
            g[k] += v[k]
    if by == "host":
        # ties: by address, IPv4 as its mapped IPv6 form
        rows.sort(key=lambda r: (-r[1][sort], (ipaddress.IPv6Address("::ffff:%s" % r[0])
                                               if r[0].version == 4 else r[0]).packed))
        out = [r for _, r in rows]
    else:
        # ties: known groups (by code, or AS number), then local, then unknown
        def tie(g):
            k = g["group"]
            if k in ("local", "unknown"):
                return (1 if k == "local" else 2, 0)
            return (0, g["asn"] if by == "asn" else (ord(k[0]) << 8 | ord(k[1])))
        out = sorted(groups.values(), key=lambda g: (-g[sort], tie(g)))
    n = len(out)
    off = int(p.get("offset", 0))
    out = out[off:]
    if int(p.get("limit", 0)) > 0:
        out = out[:int(p["limit"])]
    for r in out + [total]:
        for k in ("flows", "packetDeltaCount", "octetDeltaCount"):
            r[k] = rnd(r[k])
    print(json.dumps({"by": by, "results": out, "groups": n, "total": total}))


def main():
    variant = 0
    args = sys.argv[1:]
    if "--variant" in args:
        i = args.index("--variant")
        variant = int(args[i + 1])
        del args[i:i + 2]
    if args[0] == "label":
        for line in sys.stdin:
            t = line.strip()
            ip = ipaddress.ip_address(int(t) if t.isdigit() else t)
            kind, cc, asn, _ = label(ip, variant)
            print(t, "local" if kind == "local" else (cc or "unknown"),
                  asn if asn and kind != "local" else "-")
    elif args[0] == "csv":
        cmd_csv(args[1], variant)
    elif args[0] == "expect":
        cmd_expect(args[1], args[2], variant)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
