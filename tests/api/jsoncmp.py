#!/usr/bin/env python3
"""jsoncmp.py GOT WANT: compares two JSON documents as values (object key
order aside, array order counts). Prints the first difference with its path
and exits 1, or exits 0 when they are equal."""

import json
import sys


def diff(a, b, path):
    if type(a) is not type(b):
        return "%s: got %s, want %s" % (path or "/", short(a), short(b))
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a:
                return "%s/%s: missing (want %s)" % (path, k, short(b[k]))
            if k not in b:
                return "%s/%s: unexpected %s" % (path, k, short(a[k]))
            d = diff(a[k], b[k], "%s/%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = diff(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        if len(a) != len(b):
            return "%s: %d items, want %d" % (path or "/", len(a), len(b))
        return None
    if a != b:
        return "%s: got %s, want %s" % (path or "/", short(a), short(b))
    return None


def short(v):
    s = json.dumps(v, sort_keys=True)
    return s if len(s) < 300 else s[:300] + "..."


def main():
    docs = []
    for path in sys.argv[1:3]:
        with open(path) as f:
            text = f.read()
        try:
            docs.append(json.loads(text))
        except ValueError as e:
            print("%s is not JSON (%s): %s" % (path, e, text[:200]))
            sys.exit(1)
    d = diff(docs[0], docs[1], "")
    if d:
        print(d)
        sys.exit(1)


main()
