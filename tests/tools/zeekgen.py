#!/usr/bin/env python3
"""zeekgen.py: random Zeek conn.log records in TSV, for the --zeek tests.

Usage: zeekgen.py SEED COUNT START [header]: COUNT records from START
(UNIX seconds, about 20 a second), the ASCII writer's header first with
"header". TCP, UDP and ICMP (echo, unreachable, time exceeded), a tenth IPv6,
a tenth without duration, a fifth without resp packets, up to 400 s long.
"""
import random, sys
seed, count, start = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
header = len(sys.argv) > 4
rnd = random.Random(seed)
fields = ("ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration "
          "orig_bytes resp_bytes conn_state local_orig local_resp missed_bytes history "
          "orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes tunnel_parents").split()
out = []
if header:
    out += ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)",
            "#unset_field\t-", "#path\tconn", "#open\t2024-03-01-%02d-00-00" % (seed % 24),
            "#fields\t" + "\t".join(fields),
            "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount"
            "\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]"]
for i in range(count):
    ts = start + i * 0.05 + rnd.randrange(1000000) / 1e6
    v6 = rnd.random() < 0.1
    a = ("2001:db8::%x" % rnd.randrange(1, 400)) if v6 else "10.%d.%d.%d" % (
        rnd.randrange(4), rnd.randrange(256), rnd.randrange(1, 255))
    b = ("2001:db8:1::%x" % rnd.randrange(1, 50)) if v6 else "192.168.%d.%d" % (
        rnd.randrange(4), rnd.randrange(1, 255))
    proto = rnd.choice(["tcp", "tcp", "tcp", "udp", "udp", "icmp"])
    if proto == "icmp":
        op, rp = rnd.choice([(8, 0), (3, 3), (11, 0)])  # type, code
    else:
        op, rp = rnd.randrange(1024, 65536), rnd.choice([53, 80, 443, 22, 8080])
    dur = "-" if rnd.random() < 0.1 else "%.6f" % (rnd.randrange(0, 400000000) / 1e6)
    opk = rnd.randrange(1, 2000)
    rpk = 0 if rnd.random() < 0.2 else rnd.randrange(1, 2000)
    row = ["%.6f" % ts, "C%08x%d" % (rnd.getrandbits(32), i), a, str(op), b, str(rp), proto,
           "-", dur, "-", "-", "SF", "T", "F", "0", "ShADadFf", str(opk),
           str(opk * rnd.randrange(40, 1500)), str(rpk), str(rpk * rnd.randrange(40, 1500)),
           "(empty)"]
    out.append("\t".join(row))
print("\n".join(out))
