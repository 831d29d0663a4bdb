#!/usr/bin/env python3
"""vermont_pg.py: VERMONT IpfixDbWriter tables for PostgreSQL, laid out as
VERMONT's PostgreSQL writer lays them out, holding the rows of a MySQL dump
of the same writer (the shipped fixtures) or generated rows, for the tests
of the PostgreSQL source.

  vermont_pg.py sql --dump FILE --db NAME [--layout 2024|2013]
                [--addr bigint|integer] [--rows FROM:TO] [--batch N]
      SQL (for psql) that creates what the writer creates for database NAME
      of a mysqldump FILE and inserts its rows FROM..TO (in dump order, all
      by default) as the writer does: multi-row INSERTs of --batch rows
      (VERMONT's bufferrecords, 30 in the fixtures) into the day's child.
      Parent and children are created IF NOT EXISTS, so slices of the rows
      can be loaded one after another (rows appended between runs).
  vermont_pg.py gen --rows N [--seed S] [--days D] [--day-offset K]
      N rows over D days from 2024-03-10 + K days (VERMONT's millisecond IPFIX names) as tab-separated
      lines: the same lines feed PostgreSQL's COPY and MariaDB's LOAD DATA.

Layouts, from VERMONT's source (read, not copied):
  2024  (master since 2014-08): parent f, columns named as configured and
        folded to lower case by PostgreSQL (names are not quoted), addresses
        inet, ports integer, protocol smallint, counters and millisecond
        times bigint, second times integer; children `f_%y%m%d_%H%M%S`
        created as "() INHERITS (f)".
  2013  (2012-12 to 2014-08): types chosen by field length: 1 byte
        smallint, 2 integer, 4 and 8 bigint, so addresses are bigint
        (--addr integer writes them as signed 32-bit integers instead, as a
        hand-made variant); each child has CHECK (firstswitched >= start
        AND firstswitched < end) in milliseconds and an index
        CHILD_firstswitched, so only legacy names (firstSwitched) work.
"""
import argparse
import random
import re
import sys

# IPFIX and legacy column names -> (2024 type, 2013 type)
TYPES = {
    'sourceipv4address': ('inet', 'bigint'),
    'destinationipv4address': ('inet', 'bigint'),
    'srcip': ('inet', 'bigint'),
    'dstip': ('inet', 'bigint'),
    'sourcetransportport': ('integer', 'integer'),
    'destinationtransportport': ('integer', 'integer'),
    'srcport': ('integer', 'integer'),
    'dstport': ('integer', 'integer'),
    'protocolidentifier': ('smallint', 'smallint'),
    'proto': ('smallint', 'smallint'),
    'octetdeltacount': ('bigint', 'bigint'),
    'packetdeltacount': ('bigint', 'bigint'),
    'bytes': ('bigint', 'bigint'),
    'pkts': ('bigint', 'bigint'),
    'flowstartmilliseconds': ('bigint', 'bigint'),
    'flowendmilliseconds': ('bigint', 'bigint'),
    'firstswitched': ('bigint', 'bigint'),
    'lastswitched': ('bigint', 'bigint'),
    'flowstartseconds': ('integer', 'bigint'),
    'flowendseconds': ('integer', 'bigint'),
    # 1 byte in 2013's information model, but VERMONT now writes the 16-bit
    # field (header length bits too), which smallint cannot hold
    'tcpcontrolbits': ('integer', 'integer'),
}
ADDRS = {'sourceipv4address', 'destinationipv4address', 'srcip', 'dstip'}


def parse_dump(path, db):
    """The tables of database db in a mysqldump: {name: (columns, rows)}."""
    tables, order, cur_db, cur = {}, [], None, None
    with open(path) as f:
        for line in f:
            m = re.match(r'USE `([^`]+)`', line)
            if m:
                cur_db = m.group(1)
                continue
            if cur_db != db:
                continue
            m = re.match(r'CREATE TABLE `([^`]+)`', line)
            if m:
                cur = m.group(1)
                tables[cur] = ([], [])
                continue
            m = re.match(r'  `([^`]+)` ', line)
            if m and cur is not None and not line.lstrip().startswith('PRIMARY'):
                tables[cur][0].append(m.group(1))
                continue
            m = re.match(r'INSERT INTO `([^`]+)` VALUES \((.*)\);$', line)
            if m:
                vals = [None if v == 'NULL' else int(v) for v in m.group(2).split(',')]
                tables[m.group(1)][1].append(vals)
                order.append((m.group(1), len(tables[m.group(1)][1]) - 1))
    return tables, order


def day_start_ms(name):
    m = re.match(r'f_(\d\d)(\d\d)(\d\d)_', name)
    import calendar
    return calendar.timegm((2000 + int(m.group(1)), int(m.group(2)), int(m.group(3)),
                            0, 0, 0)) * 1000


def addr_value(v, layout, addr):
    if v is None:
        return 'NULL'
    if layout == '2024':
        return "'%d.%d.%d.%d'" % (v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255)
    if addr == 'integer' and v >= 2 ** 31:
        return str(v - 2 ** 32)
    return str(v)


def cmd_sql(a):
    tables, order = parse_dump(a.dump, a.db)
    flows = {n: t for n, t in tables.items() if n.startswith('f_')}
    if not flows:
        sys.exit('no f_ tables of %s in %s' % (a.db, a.dump))
    cols = next(iter(flows.values()))[0]
    low = [c.lower() for c in cols]
    k = 0 if a.layout == '2024' else 1
    if a.layout == '2013' and 'firstswitched' not in low:
        sys.exit('the 2013 layout needs legacy names (its CHECK is on firstswitched)')
    types = []
    for c in low:
        t = TYPES[c][k]
        if c in ADDRS and a.layout == '2013' and a.addr == 'integer':
            t = 'integer'
        types.append(t)
    out = ['SET client_min_messages = warning;',
           'CREATE TABLE IF NOT EXISTS exporter (id serial PRIMARY KEY, sourceID integer, '
           'srcIP inet);',
           'CREATE TABLE IF NOT EXISTS f (%s);' % ', '.join(
               '%s %s' % (c, t) for c, t in zip(cols, types))]
    lo, hi = 0, len(order)
    if a.rows:
        lo, hi = (int(x) for x in a.rows.split(':'))
    made, batch, batch_table = set(), [], None

    def flush():
        if batch:
            out.append('INSERT INTO %s (%s) VALUES %s;' % (
                batch_table, ','.join(cols), ','.join(batch)))
            batch.clear()

    for name, i in order[lo:hi]:
        if name not in flows:
            continue
        if name != batch_table or len(batch) >= a.batch:
            flush()
            batch_table = name
        if name not in made:
            made.add(name)
            if a.layout == '2024':
                out.append('CREATE TABLE IF NOT EXISTS %s () INHERITS (f);' % name)
            else:
                s = day_start_ms(name)
                out.append("CREATE TABLE IF NOT EXISTS %s (CHECK (firstswitched>='%d' AND "
                           "firstswitched<'%d')) INHERITS (f);" % (name, s, s + 86400000))
                out.append('CREATE INDEX IF NOT EXISTS %s_firstswitched ON %s(firstswitched);'
                           % (name, name))
        row = flows[name][1][i]
        vals = [addr_value(v, a.layout, a.addr) if c in ADDRS else
                ('NULL' if v is None else str(v)) for c, v in zip(low, row)]
        batch.append('(%s)' % ','.join(vals))
    flush()
    print('\n'.join(out))


def cmd_gen(a):
    rnd = random.Random(a.seed)
    day = 1710028800000 + a.day_offset * 86400000  # 2024-03-10 + K days
    for _ in range(a.rows):
        start = day + rnd.randrange(a.days * 86400000)
        end = start + rnd.choice((0, 0, 5, 900, 30000, 250000))
        src = 0x0a000000 + rnd.randrange(4096)
        dst = rnd.choice((0xac100001, 0xc0a80101, 0x08080808, 0x0a000000 + rnd.randrange(4096)))
        proto = rnd.choice((6, 6, 6, 17, 17, 1))
        sport, dport = (rnd.randrange(1024, 65536), rnd.choice((80, 443, 53, 22, 25)))
        if proto == 1:
            sport, dport = 0, rnd.choice((0, 2048, 771))
        pkts = rnd.randrange(1, 40)
        print('%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d' % (
            src, dst, sport, dport, proto, pkts * rnd.randrange(40, 1500), pkts, start, end))


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    s = sub.add_parser('sql')
    s.add_argument('--dump', required=True)
    s.add_argument('--db', required=True)
    s.add_argument('--layout', choices=('2024', '2013'), default='2024')
    s.add_argument('--addr', choices=('bigint', 'integer'), default='bigint')
    s.add_argument('--rows')
    s.add_argument('--batch', type=int, default=30)
    g = sub.add_parser('gen')
    g.add_argument('--rows', type=int, required=True)
    g.add_argument('--seed', type=int, default=1)
    g.add_argument('--days', type=int, default=1)
    g.add_argument('--day-offset', type=int, default=0)
    a = p.parse_args()
    cmd_sql(a) if a.cmd == 'sql' else cmd_gen(a)


if __name__ == '__main__':
    main()
