#!/usr/bin/env python3
"""The layout rules of src/ (issue 12), as TAP:

1. no #include cycle among src/'s own headers and sources;
2. no block of MIN_LINES or more lines repeated in src/ (after folding
   white space and leaving out blank lines, comments, lone punctuation
   and #include lines), within a file or across files;
3. every file opens with a comment block saying what it owns;
4. README.md's Layout section names every file of src/, and only those.

Usage: layout.py SRCDIR README
"""
import os
import re
import sys

MIN_LINES = 6

srcdir, readme = sys.argv[1], sys.argv[2]
files = sorted(f for f in os.listdir(srcdir) if f.endswith((".c", ".h")))
text = {f: open(os.path.join(srcdir, f), encoding="utf-8").read()
        for f in files}
results = []


def check(ok, desc, diag=()):
    results.append((ok, desc, list(diag)))


# 1. include cycles, between modules: x.c and x.h are module x, which
# depends on module y when either file includes y.h. A cycle of files is
# then a cycle of modules too, and so is x.c including y.h while y.c
# includes x.h (two modules that need each other).
def module(f):
    return f.rsplit(".", 1)[0]


edges = {}
for f, t in text.items():
    deps = edges.setdefault(module(f), [])
    for h in re.findall(r'^#\s*include\s+"([^"]+)"', t, re.M):
        if h in text and module(h) != module(f) and module(h) not in deps:
            deps.append(module(h))
cycles = []
state = {}


def visit(f, path):
    state[f] = 1
    for g in edges[f]:
        if state.get(g) == 1:
            cycles.append(path[path.index(g):] + [g])
        elif g not in state:
            visit(g, path + [g])
    state[f] = 2


for f in sorted(edges):
    if f not in state:
        visit(f, [f])
check(not cycles, "no #include cycle in src/",
      (" -> ".join(c) for c in cycles))


# 2. repeated blocks.
def code_lines(t):
    """(line number, folded line) of the lines that count."""
    out = []
    incomment = False
    for n, line in enumerate(t.split("\n"), 1):
        s = line.strip()
        if incomment:
            if "*/" in s:
                incomment = False
                s = s.split("*/", 1)[1].strip()
            else:
                continue
        # drop comments that open on this line
        while "/*" in s:
            a, b = s.split("/*", 1)
            if "*/" in b:
                s = (a + " " + b.split("*/", 1)[1]).strip()
            else:
                s = a.strip()
                incomment = True
        if "//" in s and '"' not in s:
            s = s.split("//", 1)[0].strip()
        if not s or re.fullmatch(r"[{}()\[\];,]+", s):
            continue
        if s.startswith("#include"):
            continue
        out.append((n, " ".join(s.split())))
    return out


windows = {}
for f in files:
    cl = code_lines(text[f])
    for i in range(len(cl) - MIN_LINES + 1):
        key = "\n".join(l for _, l in cl[i:i + MIN_LINES])
        windows.setdefault(key, []).append((f, cl[i][0], cl[i + MIN_LINES - 1][0]))
dups = []
for key, places in windows.items():
    if len(places) < 2:
        continue
    # windows that overlap in one file are one run of repeated lines
    for a in range(len(places)):
        for b in range(a + 1, len(places)):
            fa, sa, ea = places[a]
            fb, sb, eb = places[b]
            if fa == fb and sb <= ea:
                continue
            dups.append("%s:%d-%d ~ %s:%d-%d" % (fa, sa, ea, fb, sb, eb))
check(not dups, "no block of %d or more lines repeated in src/" % MIN_LINES,
      sorted(dups)[:40])

# 3. an opening comment: the first thing in the file is a comment block of
# at least two lines, or a one-line comment of some length.
bare = []
for f in files:
    m = re.match(r"\s*/\*(.*?)\*/", text[f], re.S)
    if not m or len(m.group(1).strip()) < 40:
        bare.append(f)
check(not bare, "every file of src/ opens with a comment saying what it owns",
      bare)

# 4. README's Layout section.
r = open(readme, encoding="utf-8").read()
m = re.search(r"^## Layout\n(.*?)(?=^## )", r, re.S | re.M)
if not m:
    check(False, "README.md has a Layout section")
else:
    named = set(re.findall(r"`src/([A-Za-z0-9_]+\.[ch])`", m.group(1)))
    # "src/x.c, x.h" style pairs: a stem named once covers both files.
    stems = set(re.findall(r"`src/([A-Za-z0-9_]+)\.\{?c", m.group(1)))
    for s in re.findall(r"`src/([A-Za-z0-9_]+)\.\{c,h\}`", m.group(1)):
        named |= {s + ".c", s + ".h"}
    missing = [f for f in files if f not in named]
    stale = sorted(f for f in named if f not in text)
    check(not missing and not stale,
          "README's Layout names every file of src/ and no other",
          ["not in README: " + f for f in missing] +
          ["in README, not in src/: " + f for f in stale])

print("1..%d" % len(results))
for i, (ok, desc, diag) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, desc))
    for d in diag:
        print("#   " + d)
