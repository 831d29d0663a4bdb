#!/usr/bin/env python3
# Lists C functions longer than N lines (definition line to closing brace at column 0).
import sys, re, glob, os
N = int(sys.argv[1]) if len(sys.argv) > 1 else 80
files = sys.argv[2:] or [f for d in ('lib','fcgi','importer') for f in glob.glob(d+'/**/*.c', recursive=True)]
out = []
for f in files:
    lines = open(f).read().split('\n')
    i = 0
    while i < len(lines):
        l = lines[i]
        if l == '{' and i > 0:
            # find name: previous lines until one with '('
            j = i - 1
            while j > 0 and '(' not in lines[j]: j -= 1
            m = re.match(r'\s*(\w+)\s*\(', lines[j])
            name = m.group(1) if m else lines[j]
            start = j - 1 if j > 0 and not lines[j-1].startswith((' ', '\t', '/', '*', '#')) and lines[j-1].strip() else j
            k = i + 1
            while k < len(lines) and lines[k] != '}': k += 1
            n = k - start + 1
            if n > N: out.append((n, f, name))
            i = k
        i += 1
for n, f, name in sorted(out, reverse=True): print(n, f, name)
