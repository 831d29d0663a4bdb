#!/usr/bin/env python3
"""faultproxy.py: a TCP proxy between a producer and redis that breaks chosen pushes.

It relays RESP commands one at a time (client -> redis, then redis's reply ->
client) and counts the pushes: RPUSH, EVAL or EVALSHA commands that name
the queue key. For the Nth push (counted over all connections) it can:

  lose     forward it, read redis's reply (so redis has executed it), then
           close both connections without relaying the reply
  drop     close both connections without forwarding it
  restart  like lose, but run the hook (which restarts redis) before closing
  swap     run the hook first, open a new upstream connection to the new
           redis and forward the push there, keeping the client's connection:
           the client now talks to a redis that has lost its script cache

Usage: faultproxy.py --upstream PORT --port-file F --log F --queue KEY
                     [--fault N:ACTION ...] [--hook CMD]
It listens on a free loopback port (written to --port-file) until killed.
The log has one line per fault done and per command name seen after a fault.
"""
import argparse
import os
import socket
import subprocess
import sys
import threading


class Conn:
    """A socket with a read buffer, reading whole RESP values."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self):
        data = self.sock.recv(1 << 16)
        if not data:
            raise EOFError
        self.buf += data

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()

    def _bytes(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def value(self):
        """Reads one RESP value; returns (raw bytes, parsed)."""
        raw = []
        parsed = self._value(raw)
        return b"".join(raw), parsed

    def _value(self, raw):
        line = self._line()
        raw.append(line + b"\r\n")
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b"-", b":"):
            return line
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self._bytes(n)
            raw.append(data + b"\r\n")
            return data
        if kind == b"*":
            n = int(rest)
            return [self._value(raw) for _ in range(max(n, 0))]
        raise ValueError("not RESP: %r" % line[:40])

    def send(self, data):
        self.sock.sendall(data)

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class Proxy:
    def __init__(self, args):
        self.args = args
        self.faults = {}
        for f in args.fault:
            n, action = f.split(":")
            assert action in ("lose", "drop", "restart", "swap"), action
            self.faults[int(n)] = action
        self.pushes = 0
        self.faulted = False
        self.lock = threading.Lock()
        self.log = open(args.log, "a", buffering=1)

    def note(self, text):
        with self.lock:
            self.log.write(text + "\n")

    def upstream(self):
        return Conn(socket.create_connection(("127.0.0.1", self.args.upstream)))

    def hook(self):
        rc = subprocess.call(self.args.hook, shell=True)
        self.note("hook exit %d" % rc)

    def is_push(self, cmd):
        name = cmd[0].upper() if cmd else b""
        return name in (b"RPUSH", b"EVAL", b"EVALSHA") and \
            self.args.queue.encode() in cmd[1:5]

    def serve(self, client):
        up = None
        try:
            up = self.upstream()
            while True:
                raw, cmd = client.value()
                action = None
                if isinstance(cmd, list) and self.is_push(cmd):
                    with self.lock:
                        self.pushes += 1
                        n = self.pushes
                    action = self.faults.get(n)
                    self.note("push %d %s%s" % (n, cmd[0].decode().upper(),
                                                " " + action if action else ""))
                elif self.faulted and isinstance(cmd, list):
                    self.note("command %s" % cmd[0].decode().upper())
                if action:
                    self.faulted = True
                if action == "drop":
                    return
                if action == "swap":
                    self.hook()
                    up.close()
                    up = self.upstream()
                up.send(raw)
                reply, _ = up.value()
                if action in ("lose", "restart"):
                    if action == "restart":
                        self.hook()
                    return
                client.send(reply)
        except (EOFError, OSError, ValueError):
            pass
        finally:
            client.close()
            if up is not None:
                up.close()

    def run(self):
        ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", 0))
        ls.listen(16)
        with open(self.args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % ls.getsockname()[1])
        os.rename(self.args.port_file + ".tmp", self.args.port_file)
        while True:
            s, _ = ls.accept()
            threading.Thread(target=self.serve, args=(Conn(s),), daemon=True).start()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--upstream", type=int, required=True, help="redis port")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--queue", required=True)
    ap.add_argument("--fault", action="append", default=[], help="N:ACTION")
    ap.add_argument("--hook", default="true", help="shell command (restart, swap)")
    Proxy(ap.parse_args()).run()


if __name__ == "__main__":
    sys.exit(main())
