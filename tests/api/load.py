#!/usr/bin/env python3
"""load.py URL SECONDS THREADS: requests URL from THREADS threads for SECONDS
seconds, bypassing nginx's cache so every request reaches a worker. Prints one
line per request: "start_time_in_s status" (status 0 for a connection error)."""

import http.client
import sys
import threading
import time
import urllib.parse


def worker(url, until, out, lock):
    u = urllib.parse.urlsplit(url)
    path = u.path + ("?" + u.query if u.query else "")
    while time.time() < until:
        t = time.time()
        try:
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            c.request("GET", path, headers={"X-Flowinspector-NoCache": "1"})
            r = c.getresponse()
            r.read()
            status = r.status
            c.close()
        except OSError:
            status = 0
        with lock:
            out.append((t, status))


def main():
    url, seconds, threads = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    until = time.time() + seconds
    out, lock = [], threading.Lock()
    ts = [threading.Thread(target=worker, args=(url, until, out, lock)) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for t, s in sorted(out):
        print("%.3f %d" % (t, s))


main()
