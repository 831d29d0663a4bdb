#!/usr/bin/env python3
"""funclen.py MAX [--file-max N] FILE...: lists the C functions longer than
MAX lines (and, with --file-max, the files longer than N lines).

A function is counted from its return type (on the line above its name, as
.clang-format puts it) to its closing brace in column 0.
Prints "file:line: name: N lines" for each one over MAX; exit status 1 if any.
"""
import re
import sys


def functions(path):
    """Yields (name, first line, number of lines) of the definitions in path."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^([A-Za-z_][A-Za-z_0-9]*)\(", lines[i])
        if m is None:
            i += 1
            continue
        j = i
        while j < len(lines) and not lines[j].startswith("{") and not lines[j].rstrip().endswith(";"):
            j += 1
        if j >= len(lines) or not lines[j].startswith("{"):
            i += 1  # a prototype
            continue
        k = j
        while k < len(lines) and lines[k] != "}":
            k += 1
        yield m.group(1), i, k - i + 2
        i = k + 1


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    limit = int(sys.argv[1])
    args = sys.argv[2:]
    file_max = None
    if len(args) >= 2 and args[0] == "--file-max":
        file_max = int(args[1])
        args = args[2:]
    over = 0
    for path in args:
        if file_max is not None:
            with open(path, encoding="utf-8", errors="replace") as f:
                n = f.read().count("\n")
            if n > file_max:
                print(f"{path}: {n} lines")
                over += 1
        for name, line, n in functions(path):
            if n > limit:
                print(f"{path}:{line}: {name}: {n} lines")
                over += 1
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
