#!/usr/bin/env python3
"""zeekref.py: the tests' independent reading of Zeek conn.log files.

Usage: zeekref.py [--max-duration SECONDS] FILES...

Reads Zeek conn logs (ASCII TSV as LogAscii writes it, or JSON lines as
LogAscii::use_json=T writes them; a name ending in .gz is gunzipped) and
writes the flows they hold on standard output as queue elements (SPEC 3.1),
one JSON object a line, ready for `flowref.py check`. It is the reference
for `flowinspector-importer --zeek`: its own code, stdlib only, times in
exact decimal arithmetic (never float). Standard error gets one line per
bad record ("zeekref: FILE:LINE: reason"), one summary line per file, and
last a JSON line with the totals (files, records, elements, bad, refused,
packets, bytes). Exit status 0, or 1 when a file was refused or unreadable.

The mapping (the project's definition):
- A record gives the flow orig -> resp always, and resp -> orig only when
  resp_pkts > 0.
- start = floor(ts), end = floor(ts + duration) in UTC seconds; an unset or
  absent duration is 0.
- orig -> resp: id.orig_h -> id.resp_h, ports id.orig_p -> id.resp_p,
  packets orig_pkts, bytes orig_ip_bytes; resp -> orig: the other way round
  with resp_pkts and resp_ip_bytes. An unset or absent counter is 0.
- Protocol: ip_proto when present and set; else proto tcp 6, udp 17, icmp
  1 (IPv4) or 58 (IPv6), anything else (unknown_transport) 0.
- ICMP (protocol 1 or 58): sport 0 and dport = type * 256 + code, as the
  probe keys ICMP. id.orig_p is the originator's type. When id.resp_p is
  the type Zeek pairs with it (its ICMP4/ICMP6_counterpart tables: echo
  8/0, timestamp 13/14, information 15/16, router 10/9, mask 17/18; ICMPv6
  echo 128/129, router 133/134, neighbor 135/136, MLD 130/131, node
  information 139/140, home agent 144/145), the connection is a request
  and its replies: orig -> resp is (id.orig_p, code 0), resp -> orig is
  (id.resp_p, code 0). Otherwise the message is one-way, id.resp_p is its
  code, and both directions get (id.orig_p, id.resp_p).
- IPv4 addresses become sourceIPv4Address / destinationIPv4Address
  (integers), IPv6 ones sourceIPv6Address / destinationIPv6Address (text).
- TSV: columns come from `#fields`; `#separator` (escaped, "\\x09"),
  `#unset_field` and a later `#fields` apply to the lines after them; other
  `#` lines are ignored. A file whose `#fields` lacks one of REQUIRED_TSV
  (or names a column twice, or that has a record before any `#fields`) is
  refused whole: none of its flows is written.
- JSON: one object a line; ts an epoch number or an ISO 8601 string
  ("2024-03-01T10:15:30.123456Z", JSON::TS_ISO8601); a key that is absent
  or null (LogAscii::json_include_unset_fields=T) is unset.
- A bad record is skipped, counted and reported: a ts or duration that is
  not a number (or not an ISO time), a negative duration, a time outside
  0..4294967295, an address that is not IPv4 or IPv6 (or orig and resp of
  different families), a port outside 0..65535, an ICMP type or code above
  255, an ip_proto outside 0..255, a counter that is not an integer in
  0..2^63-1, a TSV line whose field count differs from `#fields`, an unset
  ts, address, port or proto, invalid JSON, a JSON line that is not an
  object or lacks one of REQUIRED_JSON, a value of the wrong JSON type, and
  with --max-duration a flow lasting longer (end - start + 1 seconds).
  Empty lines are skipped. A file is TSV when its first non-empty line
  starts with '#', JSON lines when it starts with '{'; any other file (a
  README) is refused.

Notes on the data:
- An IPv4-mapped address (::ffff:a.b.c.d) stays IPv6 text here. flowref.py
  (addr_hex) stores it exactly as the IPv4 address a.b.c.d, so in the
  database it is the same host as the plain IPv4 form. Zeek itself never
  writes it: it prints IPv4 hosts dotted.
- Zeek's ICMP "ports": id.orig_p is the ICMP type; id.resp_p is the code
  only for one-way messages (unreachable, time exceeded, redirect, ...).
  For request/reply types Zeek logs the counterpart type (8 -> 0, ICMPv6
  128 -> 129, 135 -> 136), which the ICMP rule above reads back.
"""
import argparse
import calendar
import datetime
import decimal
import gzip
import ipaddress
import json
import re
import sys
from decimal import Decimal

REQUIRED_TSV = ("ts", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto",
                "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes")
REQUIRED_JSON = ("ts", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto")
TIME_MAX = 4294967295
COUNT_MAX = (1 << 63) - 1
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?\Z")
INTEGER = re.compile(r"[0-9]+\Z")
ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
                 r"(\.[0-9]+)?Z\Z")
PROTOS = {"tcp": 6, "udp": 17}


class Bad(Exception):
    """A record that is skipped."""


class Refused(Exception):
    """A file that is not read at all."""


def unescape(s):
    """Zeek's \\xHH escapes (as in `#separator \\x09`)."""
    return re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), s)


# ---- values -------------------------------------------------------------------

def tsv_decimal(raw, what):
    if raw is None:
        raise Bad("unset " + what)
    if not NUMBER.match(raw):
        raise Bad("%s %r is not a number" % (what, raw))
    return Decimal(raw)


def json_decimal(v, what):
    if isinstance(v, bool) or not isinstance(v, (int, Decimal)):
        raise Bad("%s %r is not a number" % (what, v))
    return Decimal(v)


def iso_time(s):
    m = ISO.match(s)
    if not m:
        raise Bad("ts %r is neither a number nor an ISO 8601 UTC time" % s)
    y, mo, d, h, mi, sec = (int(x) for x in m.groups()[:6])
    try:
        datetime.datetime(y, mo, d, h, mi, sec)
    except ValueError:
        raise Bad("ts %r is not a valid time" % s)
    return Decimal(calendar.timegm((y, mo, d, h, mi, sec))) + Decimal("0" + (m.group(7) or ""))


def times(ts, dur, max_duration):
    """[floor(ts), floor(ts + dur)], exactly."""
    if not ts.is_finite() or not dur.is_finite():
        raise Bad("time not finite")
    if dur < 0:
        raise Bad("negative duration %s" % dur)
    if ts < 0 or ts >= TIME_MAX + 1 or dur >= TIME_MAX + 1:
        raise Bad("time out of range")
    with decimal.localcontext() as ctx:
        ctx.prec = 200
        ctx.traps[decimal.Inexact] = True
        try:
            end = ts + dur
        except decimal.Inexact:
            raise Bad("ts + duration not exact in 200 digits")
    first = int(ts.to_integral_value(rounding=decimal.ROUND_FLOOR))
    last = int(end.to_integral_value(rounding=decimal.ROUND_FLOOR))
    if last > TIME_MAX:
        raise Bad("end out of range")
    if max_duration and last - first + 1 > max_duration:
        raise Bad("longer than %d s" % max_duration)
    return first, last


def address(v, what):
    if not isinstance(v, str) or "%" in v:
        raise Bad("bad address %s %r" % (what, v))
    try:
        return ipaddress.ip_address(v)
    except ValueError:
        raise Bad("bad address %s %r" % (what, v))


def port_tsv(raw, what):
    if raw is None:
        raise Bad("unset " + what)
    if not INTEGER.match(raw) or int(raw) > 65535:
        raise Bad("bad port %s %r" % (what, raw))
    return int(raw)


def port_json(v, what):
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 65535:
        raise Bad("bad port %s %r" % (what, v))
    return v


def count_tsv(raw, what):
    if raw is None:
        return 0
    if not INTEGER.match(raw) or int(raw) > COUNT_MAX:
        raise Bad("bad counter %s %r" % (what, raw))
    return int(raw)


def count_json(v, what):
    if v is None:
        return 0
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= COUNT_MAX:
        raise Bad("bad counter %s %r" % (what, v))
    return v


# ---- records --------------------------------------------------------------------

def addr_keys(a, prefix):
    if a.version == 4:
        return {prefix + "IPv4Address": int(a)}
    m = a.ipv4_mapped
    return {prefix + "IPv6Address": "::ffff:%s" % m if m is not None else str(a)}


def _both_ways(pairs):
    out = {}
    for a, b in pairs:
        out[a], out[b] = b, a
    return out


# Zeek's request/reply type pairs (ICMP4_counterpart, ICMP6_counterpart)
ICMP_PAIRS = {
    1: _both_ways([(8, 0), (13, 14), (15, 16), (10, 9), (17, 18)]),
    58: _both_ways([(128, 129), (133, 134), (135, 136), (130, 131), (139, 140), (144, 145)]),
}


def flows(r, max_duration):
    """r: the record's values already typed (see tsv_record / json_record).
    Returns its elements."""
    first, last = times(r["ts"], r["duration"], max_duration)
    src, dst = r["orig_h"], r["resp_h"]
    if src.version != dst.version:
        raise Bad("orig and resp of different address families")
    if r["ip_proto"] is not None:
        proto = r["ip_proto"]
    elif r["proto"] == "icmp":
        proto = 1 if src.version == 4 else 58
    else:
        proto = PROTOS.get(r["proto"], 0)
    sport, dport = r["orig_p"], r["resp_p"]
    if proto in (1, 58):
        if sport > 255 or dport > 255:
            raise Bad("ICMP type %d or code %d above 255" % (sport, dport))
        pairs = ICMP_PAIRS[proto]
        if pairs.get(sport) == dport:  # request and reply, code 0 each
            sport, dport, back = 0, sport * 256, (0, dport * 256)
        else:  # one-way: resp_p is the code
            sport, dport = 0, sport * 256 + dport
            back = (0, dport)
    else:
        back = (dport, sport)
    ways = [(src, dst, (sport, dport), r["orig_pkts"], r["orig_ip_bytes"])]
    if r["resp_pkts"] > 0:
        ways.append((dst, src, back, r["resp_pkts"], r["resp_ip_bytes"]))
    out = []
    for a, b, (sp, dp), pk, by in ways:
        e = {"flowStartSeconds": first, "flowEndSeconds": last}
        e.update(addr_keys(a, "source"))
        e.update(addr_keys(b, "destination"))
        e.update(sourceTransportPort=sp, destinationTransportPort=dp, protocolIdentifier=proto,
                 packetDeltaCount=pk, octetDeltaCount=by)
        out.append(e)
    return out


def tsv_record(v):
    """v: column -> raw text, None when unset."""
    if v.get("proto") is None:
        raise Bad("unset proto")
    ipp = v.get("ip_proto")
    if ipp is not None and (not INTEGER.match(ipp) or int(ipp) > 255):
        raise Bad("bad ip_proto %r" % ipp)
    dur = v.get("duration")
    return {"ts": tsv_decimal(v["ts"], "ts"),
            "duration": Decimal(0) if dur is None else tsv_decimal(dur, "duration"),
            "orig_h": address(v["id.orig_h"], "id.orig_h"),
            "resp_h": address(v["id.resp_h"], "id.resp_h"),
            "orig_p": port_tsv(v["id.orig_p"], "id.orig_p"),
            "resp_p": port_tsv(v["id.resp_p"], "id.resp_p"),
            "proto": v["proto"], "ip_proto": None if ipp is None else int(ipp),
            **{k: count_tsv(v[k], k) for k in REQUIRED_TSV[6:]}}


def json_record(o):
    if not isinstance(o, dict):
        raise Bad("not a JSON object")
    for k in REQUIRED_JSON:
        if o.get(k) is None:
            raise Bad("no " + k)
    ts = o["ts"]
    ts = iso_time(ts) if isinstance(ts, str) else json_decimal(ts, "ts")
    dur = o.get("duration")
    if not isinstance(o["proto"], str):
        raise Bad("proto %r is not a string" % o["proto"])
    ipp = o.get("ip_proto")
    if ipp is not None and (isinstance(ipp, bool) or not isinstance(ipp, int)
                            or not 0 <= ipp <= 255):
        raise Bad("bad ip_proto %r" % ipp)
    return {"ts": ts, "duration": Decimal(0) if dur is None else json_decimal(dur, "duration"),
            "orig_h": address(o["id.orig_h"], "id.orig_h"),
            "resp_h": address(o["id.resp_h"], "id.resp_h"),
            "orig_p": port_json(o["id.orig_p"], "id.orig_p"),
            "resp_p": port_json(o["id.resp_p"], "id.resp_p"),
            "proto": o["proto"], "ip_proto": ipp,
            **{k: count_json(o.get(k), k) for k in REQUIRED_TSV[6:]}}


def no_constant(name):
    raise ValueError("%s is not JSON" % name)


# ---- files ------------------------------------------------------------------------

def read_lines(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    lines = data.decode("utf-8", errors="surrogateescape").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def convert_lines(lines, max_duration=0):
    """Returns (records, elements, bad) for the lines of one file, bad a list
    of (line number, reason); raises Refused for a TSV file that is refused."""
    first = next((ln for ln in lines if ln.strip() != ""), "")
    records, elements, bad = 0, [], []
    if first and not first.startswith(("#", "{")):
        raise Refused("not a Zeek log: its first line starts with neither '#' nor '{'")
    if first.startswith("#"):
        sep, unset, fields = "\t", "-", None
        for no, line in enumerate(lines, 1):
            if line == "":
                continue
            if line.startswith("#"):
                if line.startswith("#separator "):
                    sep = unescape(line[len("#separator "):])
                    if sep == "":
                        raise Refused("line %d: empty #separator" % no)
                    continue
                name, _, value = line[1:].partition(sep)
                if name == "fields":
                    fields = value.split(sep)
                    missing = [f for f in REQUIRED_TSV if f not in fields]
                    if missing:
                        raise Refused("line %d: #fields lacks %s" % (no, " ".join(missing)))
                    if len(set(fields)) != len(fields):
                        raise Refused("line %d: #fields names a column twice" % no)
                elif name == "unset_field":
                    unset = value
                continue
            if fields is None:
                raise Refused("line %d: a record before any #fields" % no)
            records += 1
            vals = line.split(sep)
            try:
                if len(vals) != len(fields):
                    raise Bad("%d fields, #fields has %d" % (len(vals), len(fields)))
                r = tsv_record({f: (None if x == unset else x) for f, x in zip(fields, vals)})
                elements.extend(flows(r, max_duration))
            except Bad as e:
                bad.append((no, str(e)))
    else:
        for no, line in enumerate(lines, 1):
            if line.strip() == "":
                continue
            records += 1
            try:
                try:
                    o = json.loads(line, parse_float=Decimal, parse_constant=no_constant)
                except ValueError as e:
                    raise Bad("invalid JSON (%s)" % e)
                elements.extend(flows(json_record(o), max_duration))
            except Bad as e:
                bad.append((no, str(e)))
    return records, elements, bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-duration", type=int, default=0,
                    help="a flow lasting longer (end - start + 1 s) is bad; 0: no limit")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    tot = dict(files=0, records=0, elements=0, bad=0, refused=0, packets=0, bytes=0)
    out, err = sys.stdout, sys.stderr
    for path in a.files:
        tot["files"] += 1
        try:
            records, elements, bad = convert_lines(read_lines(path), a.max_duration)
        except (Refused, OSError, EOFError, gzip.BadGzipFile) as e:
            tot["refused"] += 1
            print("zeekref: %s: refused: %s" % (path, e), file=err)
            continue
        for no, why in bad:
            print("zeekref: %s:%d: %s" % (path, no, why), file=err)
        for e in elements:
            out.write(json.dumps(e, separators=(",", ":")) + "\n")
        pk = sum(e["packetDeltaCount"] for e in elements)
        by = sum(e["octetDeltaCount"] for e in elements)
        print("zeekref: %s: %d records, %d elements, %d bad, %d packets, %d bytes"
              % (path, records, len(elements), len(bad), pk, by), file=err)
        for k, v in (("records", records), ("elements", len(elements)), ("bad", len(bad)),
                     ("packets", pk), ("bytes", by)):
            tot[k] += v
    print(json.dumps(tot), file=err)
    return 1 if tot["refused"] else 0


if __name__ == "__main__":
    sys.exit(main())
