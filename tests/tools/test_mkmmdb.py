#!/usr/bin/env python3
"""test_mkmmdb.py: deploy/mkmmdb.py's files read by Debian's mmdblookup, a
reader we did not write: each record size, both tree kinds, MaxMind's
aliases, a data section past 16 MiB (28-bit records with the middle
nibble in use), and the metadata. Run as the ctest tools_mkmmdb.
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
MKMMDB = os.path.join(HERE, "..", "..", "deploy", "mkmmdb.py")
failures = 0


def check(what, got, want):
    global failures
    if got != want:
        failures += 1
        print(f"FAIL {what}: {got!r} != {want!r}", file=sys.stderr)


def lookup(db, ip, *path):
    """The value at path for ip as mmdblookup prints it, or None."""
    out = subprocess.run(["mmdblookup", "--file", db, "--ip", ip, *path],
                         capture_output=True, text=True)
    if out.returncode != 0 or "Could not find" in out.stdout + out.stderr:
        return None
    return " ".join(out.stdout.split()).rsplit(" <", 1)[0].strip('"')


def make(tmp, name, mode, rows, *opts):
    csv = os.path.join(tmp, name + ".csv")
    with open(csv, "w") as f:
        f.write(rows)
    db = os.path.join(tmp, name + ".mmdb")
    subprocess.run([sys.executable, MKMMDB, mode, db, csv, "--build-epoch", "1700000000",
                    *opts], check=True, stderr=subprocess.DEVNULL)
    return db


ROWS = ("1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n"
        "16778240,16779263,38803,Gtelecom Pty Ltd\n"  # 1.0.4.0-1.0.7.255 as integers
        "8.8.8.0,8.8.8.255,15169,Google LLC\n"
        "2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC\n")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        for size in ("24", "28", "32"):
            db = make(tmp, "asn" + size, "asn", ROWS, "--record-size", size)
            check(size + " 1.0.0.7", lookup(db, "1.0.0.7", "autonomous_system_number"), "13335")
            check(size + " org", lookup(db, "1.0.0.7", "autonomous_system_organization"),
                  "Cloudflare, Inc.")
            check(size + " 1.0.5.1", lookup(db, "1.0.5.1", "autonomous_system_number"), "38803")
            check(size + " 1.0.8.0", lookup(db, "1.0.8.0"), None)
            check(size + " v6", lookup(db, "2001:4860:4860::8888", "autonomous_system_number"),
                  "15169")
            check(size + " ::8.8.8.8", lookup(db, "::8.8.8.8", "autonomous_system_number"),
                  "15169")
            check(size + " no alias", lookup(db, "::ffff:8.8.8.8"), None)
            check(size + " record_size", metadata(db, "Record size"), size + " bits")
        db = make(tmp, "alias", "country", "8.8.8.0,8.8.8.255,US\n", "--ipv4-aliases",
                  "--geolite2")
        check("alias mapped", lookup(db, "::ffff:8.8.8.8", "country", "iso_code"), "US")
        check("alias 6to4", lookup(db, "2002:808:808::1", "country", "iso_code"), "US")
        db = make(tmp, "v4", "country", "8.8.8.0,8.8.8.255,US\n2a01::,2a01::ff,DE\n",
                  "--ip-version", "4", "--database-type", "test-v4")
        check("v4 tree", lookup(db, "8.8.8.8", "country_code"), "US")
        check("v4 metadata", metadata(db, "IP version"), "IPv4")
        check("v4 type", metadata(db, "Type"), "test-v4")
        check("v4 epoch", metadata(db, "Build epoch").split()[0], "1700000000")
        # 3,000 records of 6 kB: the data section passes 2^24 bytes; 11/8's
        # record comes last, so the node above 10/8 and 11/8 holds a small
        # node number left and a data offset past 2^24 right
        big = "".join(f"10.{i // 256}.{i % 256}.0,10.{i // 256}.{i % 256}.255,{i + 1},"
                      + "x" * 6000 + "\n" for i in range(3000))
        big += "11.0.0.0,11.255.255.255,99999,last\n"
        db = make(tmp, "big", "asn", big)
        check("big record size", metadata(db, "Record size"), "28 bits")
        check("big last", lookup(db, "10.11.183.9", "autonomous_system_number"), "3000")
        check("big first", lookup(db, "10.0.0.9", "autonomous_system_number"), "1")
        check("big 11/8", lookup(db, "11.1.1.1", "autonomous_system_number"), "99999")
    print(f"tools_mkmmdb: {failures} failed", file=sys.stderr)
    return 1 if failures else 0


def metadata(db, key):
    out = subprocess.run(["mmdblookup", "--file", db, "--ip", "1.2.3.4", "--verbose"],
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.strip().startswith(key + ":"):
            return line.split(":", 1)[1].strip()
    return None


if __name__ == "__main__":
    sys.exit(main())
