#!/usr/bin/env python3
"""http_mix.py: a load client for cluster_bench.sh that comes from many
loopback addresses. nginx's upstream of several responders
(deploy/nginx/responders.conf) picks one by the client's address, so wrk,
which has one source address, would reach only one of them.

Usage: http_mix.py URL URI_FILE SECONDS CLIENTS ADDRS [--nocache] [--base B]

CLIENTS processes run at once, each with ADDRS keep-alive connections from
its own addresses (127.0.0.B+..., B = 11 by default), sending one request
after another, the connections and the URIs of URI_FILE (one a line) in
turn. With --nocache each request carries X-Flowinspector-NoCache: 1 (nginx
obeys it from the addresses of its NOCACHE_ALLOW). Prints one line:
  req/s p50_ms p95_ms requests errors
errors being answers other than 200 and failed connections; then one line
per URI: "uri p50_ms requests".
"""
import http.client
import multiprocessing
import queue
import sys
import time
import urllib.parse


def client(url, uris, seconds, first, addrs, nocache, out):
    u = urllib.parse.urlsplit(url)
    headers = {"X-Flowinspector-NoCache": "1"} if nocache else {}
    conns = [None] * len(addrs)
    lat = []  # (uri index, seconds)
    errors = 0
    i = 0
    start = time.monotonic()
    end = start + seconds
    while True:
        now = time.monotonic()
        if now >= end:
            break
        k = i % len(addrs)
        j = (i + first) % len(uris)
        i += 1
        try:
            if conns[k] is None:
                conns[k] = http.client.HTTPConnection(u.hostname, u.port, timeout=60,
                                                      source_address=(addrs[k], 0))
            conns[k].request("GET", uris[j], headers=headers)
            r = conns[k].getresponse()
            r.read()
            if r.status != 200:
                errors += 1
            else:
                lat.append((j, time.monotonic() - now))
        except (OSError, http.client.HTTPException):
            errors += 1
            if conns[k] is not None:
                conns[k].close()
            conns[k] = None
    out.put((lat, errors))


def pct(values, p):
    if not values:
        return -1.0
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000


def main():
    args = sys.argv[1:]
    nocache = "--nocache" in args
    if nocache:
        args.remove("--nocache")
    base = 11
    if "--base" in args:
        k = args.index("--base")
        base = int(args[k + 1])
        del args[k:k + 2]
    url, uri_file, seconds, clients, naddrs = args
    uris = [line.strip() for line in open(uri_file) if line.strip()]
    clients, naddrs, seconds = int(clients), int(naddrs), float(seconds)
    if base + clients * naddrs > 255:
        sys.exit("http_mix: too many addresses")
    out = multiprocessing.Queue()
    procs = []
    for c in range(clients):
        addrs = ["127.0.0.%d" % (base + c * naddrs + a) for a in range(naddrs)]
        p = multiprocessing.Process(target=client,
                                    args=(url, uris, seconds, c, addrs, nocache, out))
        p.start()
        procs.append(p)
    lat, errors = [], 0
    for _ in procs:
        try:
            part, e = out.get(timeout=seconds + 120)
        except queue.Empty:
            sys.exit("http_mix: a client did not report")
        lat += part
        errors += e
    for p in procs:
        p.join()
    all_s = [s for _, s in lat]
    print("%.1f %.2f %.2f %d %d" % (len(all_s) / seconds, pct(all_s, 0.5), pct(all_s, 0.95),
                                    len(all_s) + errors, errors))
    for j, uri in enumerate(uris):
        mine = [s for k, s in lat if k == j]
        print("%s %.2f %d" % (uri, pct(mine, 0.5), len(mine)))


if __name__ == "__main__":
    main()
