#!/usr/bin/env python3
"""fcgi_abandon.py SOCKET N URI [QUERY]: sends N complete FastCGI GET
requests to the responder's unix socket, as nginx would, and closes each
connection at once without reading an answer: clients that gave up while
their requests waited in the socket's queue."""
import socket
import struct
import sys


def record(rtype, body):
    return struct.pack(">BBHHBB", 1, rtype, 1, len(body), 0, 0) + body


def pair(name, value):
    out = b""
    for part in (name, value):
        n = len(part)
        out += bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    return out + name + value


def main():
    path, count, uri = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    query = sys.argv[4] if len(sys.argv) > 4 else ""
    params = b"".join(pair(k.encode(), v.encode()) for k, v in (
        ("REQUEST_METHOD", "GET"), ("DOCUMENT_URI", uri), ("SCRIPT_NAME", uri),
        ("REQUEST_URI", uri + ("?" + query if query else "")),
        ("QUERY_STRING", query), ("SERVER_PROTOCOL", "HTTP/1.1")))
    msg = (record(1, struct.pack(">HB5x", 1, 0)) + record(4, params) +
           record(4, b"") + record(5, b""))
    for _ in range(count):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        s.sendall(msg)
        s.close()


if __name__ == "__main__":
    main()
