#!/usr/bin/env python3
"""attacks.py: a list of HTTP attacks on the site, each with the answer it
must get: injection payloads in every parameter of every API route, path
traversal, request smuggling, oversized requests and methods. Malformed
requests go over raw sockets (no HTTP library would send them). Under /api/
and for nginx's own refusals every answer must be JSON with an "error" and
the expected status; nothing may show SQL, HTML or a file from outside the
site. Loopback only, bounded: one connection at a time, short timeouts.

Usage: attacks.py HOST PORT   (prints each failure, then a summary; exit 1
on any failure)
"""

import http.client
import json
import re
import socket
import sys
import time

HOST, PORT = sys.argv[1], int(sys.argv[2])
if HOST not in ("127.0.0.1", "::1", "localhost"):
    sys.exit("attacks.py: loopback only")

FAILS = []
CHECKS = 0

ROUTES = ["/api/bucket/query", "/api/index/nodes", "/api/index/ports",
          "/api/dynamic/index/nodes", "/api/dynamic/index/ports", "/api/hilbert",
          "/api/meta", "/api/health"]
PARAMS = ["start_bucket", "end_bucket", "bucket_size", "resolution", "limit", "offset",
          "sort", "fields", "aggregate", "include_ips", "exclude_ips", "include_ports",
          "exclude_ports", "include_protos", "exclude_protos", "biflow", "count",
          "black_others", "prefix", "depth", "direction", "value", "_"]
# Values as they stand in the query string. None of them is a valid value of
# any parameter, so each known parameter answers 400 with its own message;
# `_` (jQuery's cache buster) ignores its value unless the escape is broken.
PAYLOADS = [
    "1%27%20OR%20%271%27%3D%271",          # 1' OR '1'='1
    "1'or'1'='1",                          # the same, unescaped
    "1%22%20OR%20%221%22%3D%221",          # double quotes
    "1--%20-",                             # comment to the end of the line
    "1%2F*x*%2F",                          # inline comment
    "1%23",                                # MySQL # comment
    "1%20UNION%20SELECT%20user%2Cpassword%20FROM%20mysql.user",
    "1%20AND%20SLEEP(3)",
    "sleep(3)",
    "BENCHMARK(50000000%2CMD5(1))",
    "1%3BDROP%20TABLE%20totals_600",
    "1%3BCREATE%20DATABASE%20pwned",
    "%00",                                 # NUL
    "1%00%27",
    "%C0%A7",                              # overlong UTF-8 quote
    "%C0%AE%C0%AE%2F%C0%AE%C0%AE%2F",      # overlong ../../
    "%E0%80%A7",                           # 3-byte overlong quote
    "%EF%BC%87%20OR%201%3D1",              # fullwidth apostrophe
    "%2527%20OR%201%3D1",                  # double %-encoding
    "%0d%0aX-Injected:%201",               # header injection
    "0x31",
    "-1%20OR%201%3D1",
    "%24%7Bjndi%3Aldap%3A%2F%2F127.0.0.1%2Fa%7D",
    "%ZZ",                                 # a broken escape
]
BROKEN_ESCAPE = {"%ZZ"}
# parameter names that are attacks themselves: unknown parameters
BAD_NAMES = ["limit%27", "li%00mit", "%27%20OR%201%3D1--", "limit%20", "LIMIT",
             "limit%5B%5D", "%C0%AElimit"]
SECRETS = [b"root:x:0:0", b"[mysqld]", b"db_password", b"mysql_native_password"]
# what a statement, a database error or a stack trace would show; looked for
# outside the quotes in which a message repeats the client's own text
SQL_MARKERS = ["select ", " from ", " where ", "group by", "sql syntax", "sqlstate",
               "mariadb", "mysql", "errno", "traceback", "segmentation"]


def fail(what, msg):
    FAILS.append(f"{what}: {msg}")


def check(what, cond, msg):
    global CHECKS
    CHECKS += 1
    if not cond:
        fail(what, msg)


def parse_json_error(body):
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    return doc.get("error") if isinstance(doc, dict) else None


def check_answer(what, status, headers, body, want, json_body=True, seconds=None):
    """headers: dict of lower-case names (the last value of each)."""
    check(what, status == want, f"status {status}, want {want}: {body[:120]!r}")
    if json_body:
        ct = headers.get("content-type", "")
        check(what, ct.startswith("application/json"), f"Content-Type {ct!r}: {body[:120]!r}")
        if want >= 400:
            err = parse_json_error(body)
            check(what, isinstance(err, str), f"not a JSON error: {body[:120]!r}")
    low = body.lower()
    check(what, b"<html" not in low, f"HTML: {body[:120]!r}")
    err = parse_json_error(body) if json_body else None
    if err is not None:
        ours = re.sub(r'"[^"]*"', '""', err).lower()
        check(what, not any(m in ours for m in SQL_MARKERS), f"SQL in the answer: {err!r}")
    for s in SECRETS:
        check(what, s not in body, f"a file's content in the answer: {body[:200]!r}")
    if seconds is not None:
        check(what, seconds < 2.5, f"took {seconds:.1f} s (a query slept?)")


# ---- well-formed requests, one keep-alive connection ------------------------------

class Client:
    def __init__(self):
        self.conn = None

    def get(self, path):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, PORT, timeout=10)
            try:
                begin = time.monotonic()
                self.conn.request("GET", path)
                r = self.conn.getresponse()
                body = r.read()
                took = time.monotonic() - begin
                headers = {k.lower(): v for k, v in r.getheaders()}
                if r.will_close:
                    self.conn.close()
                    self.conn = None
                return r.status, headers, body, took
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def injection(client):
    for route in ROUTES:
        for param in PARAMS:
            for payload in PAYLOADS:
                what = f"{route}?{param}={payload}"
                status, headers, body, took = client.get(f"{what}")
                want = 200 if param == "_" and payload not in BROKEN_ESCAPE else 400
                check_answer(what, status, headers, body, want, seconds=took)
                if want == 400 and payload not in BROKEN_ESCAPE:
                    err = parse_json_error(body) or ""
                    # the parameter was taken as itself, not refused by name
                    check(what, not err.startswith("Unknown parameter"), f"message {err!r}")
        for name in BAD_NAMES:
            what = f"{route}?{name}=1"
            status, headers, body, took = client.get(what)
            check_answer(what, status, headers, body, 400, seconds=took)
            err = parse_json_error(body) or ""
            check(what, err.startswith("Unknown parameter") or "escape" in err,
                  f"message {err!r}")
        # the payloads in the path: no route
        for payload in PAYLOADS[:12]:
            what = f"{route}{payload}"
            if "%2F" in payload or "/" in payload:
                continue
            status, headers, body, took = client.get(what)
            check_answer(what, status, headers, body, 404, seconds=took)


# (path, status, JSON body?): traversal to the static files and the API;
# nginx normalises the path first (%-escapes decoded, `..` resolved) and
# refuses one that climbs above the root with 400; a path that stays inside
# lands on a page URL (the app's index.html) or an API route
TRAVERSAL = [
    ("/../etc/passwd", 400, True),
    ("/../../../../etc/passwd", 400, True),
    ("/%2e%2e/%2e%2e/etc/passwd", 400, True),
    ("/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", 400, True),
    ("/js/..%2f..%2f..%2fetc%2fpasswd", 400, True),
    ("/api/../../etc/passwd", 400, True),
    ("/api/%2e%2e/%2e%2e/%2e%2e/etc/passwd", 400, True),
    ("/api/bucket/query/../../../../../etc/passwd", 400, True),
    ("/api/meta/..%2f..%2f..%2f..%2fetc%2fpasswd", 400, True),
    ("/api/bucket/query/..%2f..%2fetc%2fpasswd", 404, True),    # = /api/etc/passwd
    ("/api/%2e%2e/etc/passwd", 200, False),                      # = /etc/passwd in the site: the app
    ("/api/.%2e/index.html", 200, False),                        # = /index.html
    ("/api/..;/etc/passwd", 404, True),                          # `..;` is a name here
    ("/api/%252e%252e/%252e%252e/etc/passwd", 404, True),        # double encoding: literal %2e
    ("/api/bucket%2fquery?limit=1", 200, True),                  # = /api/bucket/query
    ("/api%2fmeta", 200, True),                                  # = /api/meta
    ("/api/meta%00", 400, True),                                 # NUL in the path
    ("/api/meta%00.js", 400, True),
    ("/api/x.js", 404, True),                                    # a static-looking name under /api/
    ("/api/x.css", 404, True),
    ("/api/../api/x.png", 404, True),
    ("/api/meta.json", 404, True),
    ("/api/bucket/query%C0%AF..%C0%AF..%C0%AFetc%C0%AFpasswd", 404, True),  # overlong /
    ("/api\\..\\..\\etc\\passwd", 200, False),                   # backslashes are names: the app
    ("/.flowinspector-error/400", 404, True),                    # internal
    ("/api/.flowinspector-error/400", 404, True),
    ("//etc/passwd", 200, False),                                # /etc/passwd in the site: the app
    ("/.git/config", 200, False),
    ("/js/nothing-here.js", 404, True),                          # no page for a missing module
    ("/vendor/..%2f..%2f..%2f..%2fetc%2fpasswd", 400, True),
]


def traversal(client):
    for path, want, is_json in TRAVERSAL:
        status, headers, body, _ = raw_answer(
            f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode("latin1"))
        check_answer(path, status, headers, body, want, json_body=is_json)
        if not is_json and want == 200:
            check(path, headers.get("content-type", "").startswith("text/html") and
                  b"flowinspector" in body, f"not the app's page: {body[:120]!r}")


# ---- raw requests -------------------------------------------------------------------

def raw(data, timeout=3.0, read_for=None):
    """Sends data on a fresh connection; returns what came back until the
    peer closed (or the timeout passed) and the seconds it took."""
    s = socket.create_connection((HOST, PORT), timeout=timeout)
    begin = time.monotonic()
    out = b""
    try:
        s.sendall(data)
        while True:
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not b:
                break
            out += b
            if read_for is not None and time.monotonic() - begin > read_for:
                break
    finally:
        s.close()
    return out, time.monotonic() - begin


def split_answers(out):
    """Splits a byte stream into (status, headers, body) answers (by
    Content-Length; the API and nginx's errors always send one)."""
    answers = []
    while out:
        head, sep, rest = out.partition(b"\r\n\r\n")
        if not sep or not head.startswith(b"HTTP/"):
            answers.append((None, {}, out))
            break
        lines = head.split(b"\r\n")
        try:
            status = int(lines[0].split()[1])
        except (IndexError, ValueError):
            status = None
        headers = {}
        for line in lines[1:]:
            k, _, v = line.decode("latin1").partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", len(rest)))
        answers.append((status, headers, rest[:n]))
        out = rest[n:]
    return answers


def raw_answer(data, **kw):
    out, took = raw(data, **kw)
    answers = split_answers(out)
    if not answers:
        return None, {}, b"", took
    status, headers, body = answers[0]
    return status, headers, body, took


C = b"Connection: close\r\n"
H = b"Host: x\r\n"
# (what, request, status): request smuggling, oversized parts, methods and
# versions. Every answer is JSON: nginx's own through the site's error_page.
RAW = [
    # smuggling
    ("CL and TE", b"POST /api/meta HTTP/1.1\r\n" + H + b"Content-Length: 4\r\n"
     b"Transfer-Encoding: chunked\r\n" + C + b"\r\n0\r\n\r\n", 400),
    ("TE and CL", b"POST /api/meta HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n"
     b"Content-Length: 4\r\n" + C + b"\r\n0\r\n\r\n", 400),
    ("two Content-Lengths", b"POST /api/meta HTTP/1.1\r\n" + H + b"Content-Length: 4\r\n"
     b"Content-Length: 5\r\n" + C + b"\r\nabcde", 400),
    ("two equal Content-Lengths", b"POST /api/meta HTTP/1.1\r\n" + H +
     b"Content-Length: 4\r\nContent-Length: 4\r\n" + C + b"\r\nabcd", 400),
    ("a list as Content-Length", b"POST /api/meta HTTP/1.1\r\n" + H +
     b"Content-Length: 4, 4\r\n" + C + b"\r\nabcd", 400),
    ("Content-Length +4", b"POST /api/meta HTTP/1.1\r\n" + H + b"Content-Length: +4\r\n" + C +
     b"\r\nabcd", 400),
    ("Content-Length -1", b"POST /api/meta HTTP/1.1\r\n" + H + b"Content-Length: -1\r\n" + C +
     b"\r\n", 400),
    ("Content-Length past 2^64", b"POST /api/meta HTTP/1.1\r\n" + H +
     b"Content-Length: 99999999999999999999\r\n" + C + b"\r\n", 400),
    ("TE xchunked", b"GET /api/meta HTTP/1.1\r\n" + H + b"Transfer-Encoding: xchunked\r\n" + C +
     b"\r\n", 501),
    ("TE gzip, chunked", b"POST /api/meta HTTP/1.1\r\n" + H +
     b"Transfer-Encoding: gzip, chunked\r\n" + C + b"\r\n0\r\n\r\n", 501),
    ("TE chunked twice", b"POST /api/meta HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n"
     b"Transfer-Encoding: chunked\r\n" + C + b"\r\n0\r\n\r\n", 400),
    ("TE with a space before the colon", b"POST /api/meta HTTP/1.1\r\n" + H +
     b"Transfer-Encoding : chunked\r\n" + C + b"\r\n0\r\n\r\n", 400),
    ("TE in HTTP/1.0", b"POST /api/meta HTTP/1.0\r\n" + H + b"Transfer-Encoding: chunked\r\n" +
     C + b"\r\n0\r\n\r\n", 400),
    ("TE folded onto another header (obs-fold)", b"POST /api/meta HTTP/1.1\r\n" + H +
     b"X-A: a\r\n Transfer-Encoding: chunked\r\n" + C + b"\r\n0\r\n\r\n", 400),
    ("a bad chunk size", b"POST /api/meta HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n" +
     C + b"\r\nzz\r\nabc\r\n0\r\n\r\n", 400),
    ("a chunk size past 2^64", b"POST /api/meta HTTP/1.1\r\n" + H +
     b"Transfer-Encoding: chunked\r\n" + C + b"\r\nfffffffffffffffff1\r\na\r\n0\r\n\r\n", 400),
    ("a bare LF in a header", b"GET /api/meta HTTP/1.1\r\n" + H + b"X-A: a\nb: c\r\n" + C +
     b"\r\n", 200),
    ("a NUL in a header", b"GET /api/meta HTTP/1.1\r\n" + H + b"X-A: a\x00b\r\n" + C + b"\r\n",
     400),
    ("no Host in HTTP/1.1", b"GET /api/meta HTTP/1.1\r\n" + C + b"\r\n", 400),
    ("two Hosts", b"GET /api/meta HTTP/1.1\r\n" + H + b"Host: y\r\n" + C + b"\r\n", 400),
    ("a Host with a path", b"GET /api/meta HTTP/1.1\r\nHost: ../..\r\n" + C + b"\r\n", 400),
    ("an absolute URI (its host wins, same site)", b"GET http://evil.invalid/api/meta HTTP/1.1\r\n" +
     H + C + b"\r\n", 200),
    ("a chunked body on a GET (ignored)", b"GET /api/meta HTTP/1.1\r\n" + H +
     b"Transfer-Encoding: chunked\r\n" + C + b"\r\n0\r\n\r\n", 200),
    # oversized
    ("a request line over 16k", b"GET /api/meta?x=" + b"a" * 17000 + b" HTTP/1.1\r\n" + H + C +
     b"\r\n", 414),
    ("a header line over 16k", b"GET /api/meta HTTP/1.1\r\n" + H + b"X-A: " + b"a" * 17000 +
     b"\r\n" + C + b"\r\n", 400),
    ("a Cookie over 16k", b"GET /api/meta HTTP/1.1\r\n" + H + b"Cookie: a=" + b"a" * 17000 +
     b"\r\n" + C + b"\r\n", 400),
    ("headers over 4 x 16k", b"GET /api/meta HTTP/1.1\r\n" + H +
     b"".join(b"X-%d: %s\r\n" % (i, b"b" * 15000) for i in range(6)) + C + b"\r\n", 400),
    ("a header line over 16k on a page", b"GET /dashboard HTTP/1.1\r\n" + H + b"X-A: " +
     b"a" * 17000 + b"\r\n" + C + b"\r\n", 400),
    ("a body over 1k", b"POST /api/meta HTTP/1.1\r\n" + H + b"Content-Length: 5000\r\n" + C +
     b"\r\n" + b"a" * 5000, 413),
    ("a chunked body over 1k", b"POST /api/meta HTTP/1.1\r\n" + H +
     b"Transfer-Encoding: chunked\r\n" + C + b"\r\n1000\r\n" + b"a" * 4096 + b"\r\n0\r\n\r\n",
     413),
    ("Expect: 100-continue with a body over 1k", b"POST /api/meta HTTP/1.1\r\n" + H +
     b"Expect: 100-continue\r\nContent-Length: 3000\r\n" + C + b"\r\n", 413),
    # methods and versions
    ("TRACE", b"TRACE /api/meta HTTP/1.1\r\n" + H + C + b"\r\n", 405),
    ("TRACE on a page", b"TRACE / HTTP/1.1\r\n" + H + C + b"\r\n", 405),
    ("CONNECT", b"CONNECT /api/meta HTTP/1.1\r\n" + H + C + b"\r\n", 405),
    ("CONNECT host:port", b"CONNECT 127.0.0.1:22 HTTP/1.1\r\n" + H + C + b"\r\n", 400),
    ("OPTIONS", b"OPTIONS /api/meta HTTP/1.1\r\n" + H + C + b"\r\n", 405),
    ("OPTIONS *", b"OPTIONS * HTTP/1.1\r\n" + H + C + b"\r\n", 400),
    ("PUT", b"PUT /api/meta HTTP/1.1\r\n" + H + b"Content-Length: 2\r\n" + C + b"\r\n{}", 405),
    ("DELETE", b"DELETE /api/bucket/query HTTP/1.1\r\n" + H + C + b"\r\n", 405),
    ("PATCH", b"PATCH /api/meta HTTP/1.1\r\n" + H + C + b"\r\n", 405),
    ("PROPFIND", b"PROPFIND /api/meta HTTP/1.1\r\n" + H + C + b"\r\n", 405),
    ("POST to a page", b"POST /index.html HTTP/1.1\r\n" + H + b"Content-Length: 0\r\n" + C +
     b"\r\n", 405),
    ("a method with a symbol", b"G@T /api/meta HTTP/1.1\r\n" + H + C + b"\r\n", 400),
    ("a lower-case method", b"get /api/meta HTTP/1.1\r\n" + H + C + b"\r\n", 400),
    ("HTTP/2.0 in the request line", b"GET /api/meta HTTP/2.0\r\n" + H + C + b"\r\n", 505),
    ("HTTP/3.0 in the request line", b"GET /api/meta HTTP/3.0\r\n" + H + C + b"\r\n", 505),
    ("HTTP/1.9 (a 1.x nginx serves as 1.1)", b"GET /api/meta HTTP/1.9\r\n" + H + C + b"\r\n", 200),
    ("HTTP/x.y", b"GET /api/meta HTTP/x.y\r\n" + H + C + b"\r\n", 400),
    ("the HTTP/2 preface on HTTP/1", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400),
    ("a TLS hello on plain HTTP", b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 40 +
     b"\r\n\r\n", 400),
    ("a NUL in the path", b"GET /api/me\x00ta HTTP/1.1\r\n" + H + C + b"\r\n", 400),
    ("a space in the path", b"GET /api/meta x HTTP/1.1\r\n" + H + C + b"\r\n", 400),
    ("a tab in the request line", b"GET\t/api/meta HTTP/1.1\r\n" + H + C + b"\r\n", 400),
]


def raw_requests():
    for what, data, want in RAW:
        status, headers, body, _ = raw_answer(data)
        check_answer(what, status, headers, body, want)
    # HTTP/0.9 has no status line and no headers: nginx answers with the
    # bare body, the API's JSON
    out, _ = raw(b"GET /api/meta\r\n")
    check("HTTP/0.9", parse_json_error(out) is None and out.startswith(b"{"),
          f"not the bare JSON answer: {out[:120]!r}")
    # a second request hidden in the first one's body: nginx answers the
    # first and refuses the connection's rest (no answer for the smuggled one)
    out, _ = raw(b"POST /api/meta HTTP/1.1\r\n" + H + b"Content-Length: 4\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/health HTTP/1.1\r\n" + H +
                 b"\r\n")
    answers = split_answers(out)
    check("CL+TE smuggling", [a[0] for a in answers] == [400], f"answers {out[:300]!r}")
    # pipelined requests are answered in order, each on its own
    out, _ = raw(b"GET /api/health HTTP/1.1\r\n" + H + b"\r\n" +
                 b"GET /api/nothing HTTP/1.1\r\n" + H + C + b"\r\n")
    check("pipelined", [a[0] for a in split_answers(out)] == [200, 404], f"answers {out[:300]!r}")
    # a body that never arrives: after client_body_timeout (10 s) nginx
    # closes the connection without an answer (its 408 is never sent)
    out, took = raw(b"GET /api/meta HTTP/1.1\r\n" + H + b"Content-Length: 10\r\n" + C + b"\r\n",
                    timeout=15)
    check("a body that never arrives", out == b"" and 9 <= took < 14,
          f"after {took:.1f} s: {out[:120]!r}")
    # nor a request line: client_header_timeout (10 s), no answer either
    out, took = raw(b"GET /api/meta HTTP/1.1\r\nHost:", timeout=15)
    check("a header that never ends", out == b"" and 9 <= took < 14,
          f"after {took:.1f} s: {out[:120]!r}")


def main():
    begin = time.monotonic()
    client = Client()
    injection(client)
    traversal(client)
    raw_requests()
    for f in FAILS[:200]:
        print("FAIL:", f)
    if len(FAILS) > 200:
        print(f"... and {len(FAILS) - 200} more")
    print(f"attacks.py: {CHECKS} checks, {len(FAILS)} failed, "
          f"{time.monotonic() - begin:.1f} s")
    sys.exit(1 if FAILS else 0)


main()
