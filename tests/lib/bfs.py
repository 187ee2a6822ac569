#!/usr/bin/env python3
"""The breadth-first crawl of a site of files, written apart from pscrape:
what a deterministic crawl (issue 15) must fetch, and at which depth.

  bfs.py gen DIR        write site g (DIR/g/: the pages, robots.txt,
                        page.delay) for tests/lib/httpd --sites DIR; print
                        the seed paths, one a line
  bfs.py crawl DIR BASE DEPTH MAX_PAGES MAX_LINKS < SEEDS
                        the records a crawl of SEEDS (URLs at BASE, one a
                        line) must give: "URL DEPTH", sorted; MAX_PAGES 0
                        is no limit

The site: pages p0..p119 and d/q0..d/q29 link mostly onward (p5 to p6,
p7...), so that paths are long; slow0..slow9 (answered after page.delay
ms) hold shortcuts far ahead, so a short path is often found after a long
one. Links are written in several ways (relative, ../, absolute, with a
fragment, twice); some lead to missing pages (404) or to /private/, which
robots.txt disallows; many.html has 40 links. The graph is the same on
every run (a fixed seed).
"""
import html.parser
import os
import random
import sys
import urllib.parse

PAGES = [f"p{i}.html" for i in range(120)] + \
    [f"d/q{i}.html" for i in range(30)] + [f"slow{i}.html" for i in range(10)]


def href(rng, src, dst):
    """One way of writing a link from page src to page dst."""
    up = "../" if src.startswith("d/") else ""
    way = rng.randrange(5)
    if way == 0:
        return "/" + dst
    if way == 1:
        return "{{SITE_g}}/" + dst
    if way == 2:
        return up + dst + "#part"
    if dst.startswith("d/") and src.startswith("d/"):
        return dst[2:]
    return up + dst


def gen(root):
    rng = random.Random(1515)
    site = os.path.join(root, "g")
    os.makedirs(os.path.join(site, "d"), exist_ok=True)
    links = {}
    for i, p in enumerate(PAGES):
        out = []
        if p.startswith("slow"):
            out = [rng.choice(PAGES) for _ in range(6)]
        else:
            for _ in range(rng.randrange(1, 4)):
                out.append(PAGES[min(i + rng.randrange(1, 8),
                                     len(PAGES) - 11)])
            if rng.random() < 0.3:
                out.append(f"slow{rng.randrange(10)}.html")
            if rng.random() < 0.1:
                out.append(rng.choice(["private/x.html", "missing.html"]))
        if out:
            out.append(out[0])  # a page names a link twice
        links[p] = out
    links["p3.html"].append("many.html")
    links["many.html"] = [PAGES[(7 * k) % len(PAGES)] for k in range(40)]
    links["index.html"] = ["p0.html", "slow0.html", "d/q0.html"]
    for p, out in links.items():
        body = " ".join(f'<a href="{href(rng, p, d)}">{d}</a>' for d in out)
        with open(os.path.join(site, p), "w") as f:
            f.write(f"<html><head><title>{p}</title></head><body><p>{p}"
                    f"</p>{body}</body></html>\n")
    with open(os.path.join(site, "robots.txt"), "w") as f:
        f.write("User-agent: *\nDisallow: /private/\n")
    with open(os.path.join(site, "page.delay"), "w") as f:
        f.write("60\n")
    seeds = ["", "p0.html"] + [f"p{i}.html" for i in range(40, 120, 5)] + \
        ["d/q5.html", "p0.html", "slow3.html"]
    print("\n".join(seeds))


class Hrefs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag in ("a", "area"):
            for k, v in attrs:
                if k == "href" and v is not None:
                    self.hrefs.append(v)
                    break


def page_links(site, base, url, max_links):
    path = urllib.parse.urlsplit(url).path
    if path.startswith("/private/"):
        return []  # blocked by robots.txt: never fetched
    rel = path.lstrip("/")
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    try:
        with open(os.path.join(site, rel)) as f:
            text = f.read().replace("{{SITE_g}}", base)
    except FileNotFoundError:
        return []
    p = Hrefs()
    p.feed(text)
    out = []
    for h in p.hrefs[:max_links]:
        u = urllib.parse.urldefrag(urllib.parse.urljoin(url, h))[0]
        if u.startswith(base + "/") and u not in out:
            out.append(u)
    return out


def crawl(root, base, depth, max_pages, max_links):
    site = os.path.join(root, "g")
    seen, records, level, pages = set(), [], [], 0
    for line in sys.stdin:
        u = line.strip()
        if u in seen:
            continue
        seen.add(u)
        records.append((u, 0))
        if max_pages == 0 or pages < max_pages:
            pages += 1
            level.append(u)
    for d in range(1, depth + 1):
        nxt = []
        for u in level:
            for link in page_links(site, base, u, max_links):
                if max_pages and pages >= max_pages:
                    break
                if link in seen:
                    continue
                seen.add(link)
                pages += 1
                nxt.append(link)
                records.append((link, d))
        level = nxt
    for u, d in sorted(records):
        print(u, d)


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    else:
        crawl(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]),
              int(sys.argv[6]))
