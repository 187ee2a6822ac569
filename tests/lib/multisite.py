#!/usr/bin/env python3
"""A site of several hosts that link to each other, and its breadth-first
crawl, written apart from pscrape: what a crawl shared by many processes
(--frontier, tests/integration/frontier.sh) must fetch, and at which depth.

  multisite.py gen DIR        write sites h0..h3 (DIR/hN/) for
                              tests/lib/httpd --sites DIR, and DIR/graph;
                              print the seeds ("hN/PAGE"), one a line
  multisite.py crawl DIR DEPTH < SEEDS
                              "SEED-PATH DEPTH" of each page a crawl of
                              SEEDS reaches, sorted

Each host has 60 pages that link onward on the host (so paths are long)
and, 4 times in 10, to a page of any host; every tenth page is "slow"
(answered after page.delay ms), so that a process holds pages in flight
for a while. The graph is the same on every run (a fixed seed).
"""
import os
import random
import sys

HOSTS, PAGES = 4, 60


def name(i):
    return f"slow{i}.html" if i % 10 == 3 else f"p{i}.html"


def gen(root):
    rng = random.Random(1616)
    lines = []
    for h in range(HOSTS):
        os.makedirs(os.path.join(root, f"h{h}"), exist_ok=True)
        with open(os.path.join(root, f"h{h}", "page.delay"), "w") as f:
            f.write("150\n")
    for h in range(HOSTS):
        for i in range(PAGES):
            out = [(h, min(i + rng.randrange(1, 9), PAGES - 1))
                   for _ in range(rng.randrange(1, 4))]
            if rng.random() < 0.4:
                out.append((rng.randrange(HOSTS), rng.randrange(PAGES)))
            body = "".join(f'<a href="{{{{SITE_h{g}}}}}/{name(j)}">{g} {j}'
                           "</a>\n" for g, j in out)
            with open(os.path.join(root, f"h{h}", name(i)), "w") as f:
                f.write(f"<html><body><p>page {h} {i}</p>\n{body}"
                        "</body></html>\n")
            lines.append(f"h{h}/{name(i)} " +
                         " ".join(f"h{g}/{name(j)}" for g, j in out))
    with open(os.path.join(root, "graph"), "w") as f:
        f.write("\n".join(lines) + "\n")
    for h in range(HOSTS):
        print(f"h{h}/{name(0)}")


def crawl(root, depth):
    graph = {}
    for line in open(os.path.join(root, "graph")):
        a = line.split()
        graph[a[0]] = a[1:]
    seen, level = {}, []
    for s in (l.strip() for l in sys.stdin):
        if s and s not in seen:
            seen[s] = 0
            level.append(s)
    d = 0
    while level and d < depth:
        nxt = []
        for u in level:
            for v in graph[u]:
                if v not in seen:
                    seen[v] = d + 1
                    nxt.append(v)
        level, d = nxt, d + 1
    for u in sorted(seen):
        print(u, seen[u])


if __name__ == "__main__":
    if sys.argv[1:2] == ["gen"] and len(sys.argv) == 3:
        gen(sys.argv[2])
    elif sys.argv[1:2] == ["crawl"] and len(sys.argv) == 4:
        crawl(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)
