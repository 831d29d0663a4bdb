#!/usr/bin/env python3
"""fcgi_hold.py SOCKET SILENT DRIP SECONDS: an attacker on the responder's
unix socket for SECONDS seconds. It keeps SILENT connections open that send
nothing, and DRIP connections that send a FastCGI request one byte a second
(a slow client); whenever the responder closes one, it connects again. Run
in the background; SIGTERM ends it early. On exit it prints one line:
"connected=N silent_closed=N drip_closed=N drip_max_life=S drip_completed=N
refused=N open=N"
where drip_max_life is the longest a dripping connection stayed open (s,
those still open at the end included) and
drip_completed counts drips that got to send their whole request (0 when
the responder cuts slow clients off); refused counts connects refused with a
full backlog, open the connections open at the end."""
import selectors
import signal
import socket
import struct
import sys
import time


def record(rtype, body):
    return struct.pack(">BBHHBB", 1, rtype, 1, len(body), 0, 0) + body


def request():
    def pair(k, v):
        return bytes([len(k), len(v)]) + k + v
    params = pair(b"REQUEST_METHOD", b"GET") + pair(b"DOCUMENT_URI", b"/api/meta")
    return (record(1, struct.pack(">HB5x", 1, 0)) + record(4, params) +
            record(4, b"") + record(5, b""))


class Holder:
    def __init__(self, path, silent, drip):
        self.path = path
        self.sel = selectors.DefaultSelector()
        self.want = {"silent": silent, "drip": drip}
        self.open = {"silent": 0, "drip": 0}
        self.conns = {}  # socket -> [kind, connected_at, bytes_sent]
        self.stats = dict(connected=0, silent_closed=0, drip_closed=0,
                          drip_max_life=0.0, drip_completed=0, refused=0)
        self.msg = request()

    def connect(self, kind):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(self.path)
        except OSError:  # EAGAIN: the backlog is full; try again later
            s.close()
            self.stats["refused"] += 1
            return False
        self.conns[s] = [kind, time.monotonic(), 0]
        self.open[kind] += 1
        self.sel.register(s, selectors.EVENT_READ)
        self.stats["connected"] += 1
        return True

    def closed(self, s):
        kind, at, _ = self.conns.pop(s)
        self.open[kind] -= 1
        self.sel.unregister(s)
        s.close()
        self.stats[kind + "_closed"] += 1
        if kind == "drip":
            self.stats["drip_max_life"] = max(self.stats["drip_max_life"],
                                              time.monotonic() - at)

    def event(self, s):
        try:
            data = s.recv(4096)
        except OSError:
            data = b""
        if not data:
            self.closed(s)

    def drip(self):
        for s, st in list(self.conns.items()):
            if st[0] != "drip" or st[2] >= len(self.msg):
                continue
            try:
                s.send(self.msg[st[2]:st[2] + 1])
                st[2] += 1
                if st[2] == len(self.msg):
                    self.stats["drip_completed"] += 1
            except OSError:
                self.closed(s)

    def run(self, seconds):
        end = time.monotonic() + seconds
        next_drip = time.monotonic()
        while time.monotonic() < end:
            for kind in ("silent", "drip"):
                while self.open[kind] < self.want[kind] and self.connect(kind):
                    pass
            for key, _ in self.sel.select(timeout=0.1):
                if key.fileobj in self.conns:
                    self.event(key.fileobj)
            if time.monotonic() >= next_drip:
                self.drip()
                next_drip += 1.0


def main():
    path, silent, drip, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    h = Holder(path, silent, drip)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        h.run(seconds)
    except KeyboardInterrupt:
        pass
    st = h.stats
    now = time.monotonic()
    for kind, at, _ in h.conns.values():
        if kind == "drip":  # still open: as long as it lived so far
            st["drip_max_life"] = max(st["drip_max_life"], now - at)
    print("connected=%d silent_closed=%d drip_closed=%d drip_max_life=%.1f drip_completed=%d "
          "refused=%d open=%d" % (
              st["connected"], st["silent_closed"], st["drip_closed"], st["drip_max_life"],
              st["drip_completed"], st["refused"], len(h.conns)), flush=True)


if __name__ == "__main__":
    main()
