#!/usr/bin/env python3
"""geo_flows.py: the flows the world map's browser test (geo.mjs) adds to the
sample capture: hosts in the countries and ASes of tests/api/geo_ref.py's
tables (DE, US, FR, JP, BR, NL, AU, IE over IPv6), one in the block
tests/browser/run.sh gives Singapore (a country without a shape on the
110m map), and unknown addresses, each talking with the sample's office
clients during its two hours (2024-05-01 08:00-10:00 UTC), as queue
elements (VERMONT JSON, one a line). Deterministic: the counts grow with
the host's place in the list, so the countries differ by orders of
magnitude on the map's log scale.

    python3 tests/browser/geo_flows.py >FILE
"""
import json

START = 1714550400  # the sample's first second (tests/tools/gen_sample.py)
# address, flows: DE largest, then down the list
HOSTS = [
    ("5.1.2.3", 60), ("5.1.2.4", 30), ("9.9.9.10", 20),  # DE, AS3320
    ("20.0.0.5", 25), ("70.1.1.1", 12),  # US: AS3320, AS7018
    ("50.0.0.1", 8),  # FR, AS7018
    ("130.1.1.1", 6), ("140.2.2.2", 3),  # JP, AS2497
    ("170.0.0.9", 4),  # BR, AS2497
    ("180.1.2.3", 2),  # NL, AS2497
    ("210.0.0.1", 1),  # AU, no AS
    ("96.1.2.3", 5),  # SG (run.sh's extra block), no AS
    ("100.0.0.1", 3), ("201.0.0.1", 2),  # unknown
]
HOSTS6 = [("2a00:1450::1", 10), ("2a00:1450::2", 4)]  # IE, AS15169
CLIENTS = ["10.10.1.%d" % i for i in range(10, 20)]
CLIENTS6 = ["2001:db8:10::%x" % i for i in range(0x10, 0x14)]


def main():
    out = []
    k = 0
    for hosts, clients, v6 in ((HOSTS, CLIENTS, False), (HOSTS6, CLIENTS6, True)):
        for h, (addr, n) in enumerate(hosts):
            for i in range(n):
                k += 1
                t0 = START + 300 + (k * 397) % 6600
                c = clients[(h + i) % len(clients)]
                src, dst = (c, addr) if i % 3 else (addr, c)
                e = {"sourceIPv6Address" if v6 else "sourceIPv4Address": src,
                     "destinationIPv6Address" if v6 else "destinationIPv4Address": dst,
                     "sourceTransportPort": 40000 + i, "destinationTransportPort": 443,
                     "protocolIdentifier": 17 if i % 5 == 4 else 6,
                     "flowStartSeconds": t0, "flowEndSeconds": t0 + 1 + i % 30,
                     "packetDeltaCount": 10 + (i * 7) % 40,
                     "octetDeltaCount": 1500 * (10 + (i * 7) % 40) + h}
                out.append((t0, json.dumps(e, separators=(",", ":"))))
    for _, line in sorted(out):
        print(line)


if __name__ == "__main__":
    main()
