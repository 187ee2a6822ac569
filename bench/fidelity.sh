#!/bin/sh
# How close pscrape's count is to the reference program's on real pages of
# several HTML generators: the HTML of Debian documentation packages, served
# as they are (Content-Type text/html, no charset) by tests/lib/httpd on
# 127.0.0.1, counted by pscrape and by bs4 (tests/lib/oracle.py's decoding,
# Debian's python3-bs4). One line per generator: pages, how many counts are
# equal, how many within 1%, and the worst ratio pscrape/bs4. A package that
# is not installed is skipped. It measures; it never fails on a figure.
#
#   sh bench/fidelity.sh [PSCRAPE]        (default: ./pscrape of this tree)
#
# The packages (none is in scripts/setup.sh; install what you want to
# measure): git-doc (AsciiDoc), debian-reference-en (DocBook XSL),
# libglib2.0-doc (gtk-doc), lmdb-doc and libjsoncpp-doc (Doxygen),
# python-requests-doc and python-attr-doc (Sphinx). KEEP=DIR keeps the
# pages and the per-page counts in DIR.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$top/pscrape}
py=${PYTHON3_ORACLE:-/usr/bin/python3}
tmp=${KEEP:-$(mktemp -d)}
mkdir -p "$tmp/root"
pid=
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT INT TERM

# generator package directory: the package's .html files (symbolic links
# resolved, as the server follows none) go to root/generator/package/.
gather() {
	dpkg -s "$2" >/dev/null 2>&1 || { echo "skip $2: not installed" >&2; return 0; }
	mkdir -p "$tmp/root/$1/$2"
	dpkg -L "$2" | grep '\.html$' | while read -r f; do
		[ -f "$f" ] || continue
		n=$(printf '%s' "${f#/usr/share/}" | tr '/' '_')
		cp -L "$f" "$tmp/root/$1/$2/$n"
	done
}
gather asciidoc git-doc
gather docbook debian-reference-en
gather gtk-doc libglib2.0-doc
gather doxygen lmdb-doc
gather doxygen libjsoncpp-doc
gather sphinx python-requests-doc
gather sphinx python-attr-doc

"$top/tests/lib/httpd" --port 0 --port-file "$tmp/port" --root "$tmp/root" \
    >"$tmp/httpd.out" 2>&1 &
pid=$!
while [ ! -s "$tmp/port" ]; do sleep 0.1; done
port=$(head -1 "$tmp/port")
(cd "$tmp/root" && find . -name '*.html' | sed 's|^\./||' | sort) >"$tmp/pages"
sed "s|^|http://127.0.0.1:$port/f/|" "$tmp/pages" >"$tmp/list"
XDG_CONFIG_HOME=$tmp/xdg "$bin" --no-config --per-host 0 --no-robots \
    -f jsonl -o "$tmp/ours.jsonl" "$tmp/list" 2>/dev/null || true

PYTHONDONTWRITEBYTECODE=1 "$py" - "$top/tests/lib" "$tmp" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
from bs4 import BeautifulSoup
import oracle
tmp = sys.argv[2]
ours = {}
for line in open(tmp + '/ours.jsonl'):
    r = json.loads(line)
    ours[r['url'].split('/f/', 1)[1]] = r.get('chars')
stats = {}
with open(tmp + '/counts', 'w') as out:
    for page in open(tmp + '/pages').read().split():
        with open(tmp + '/root/' + page, 'rb') as f:
            data = f.read()
        ref = len(BeautifulSoup(oracle.decode(data, 'text/html'),
                                'html.parser').text)
        got = ours.get(page)
        print(page, got, ref, file=out)
        s = stats.setdefault(page.split('/')[0], [0, 0, 0, 1.0, ''])
        s[0] += 1
        if got is None:
            s[4] = page + ' (no count)'
            continue
        ratio = got / ref if ref else (1.0 if got == 0 else float('inf'))
        s[1] += got == ref
        s[2] += abs(ratio - 1) <= 0.01
        if abs(ratio - 1) > abs(s[3] - 1):
            s[3], s[4] = ratio, page
print('%-10s %6s %6s %9s %8s  %s' % ('generator', 'pages', 'exact',
                                     'within1%', 'worst', 'worst page'))
for g in sorted(stats):
    n, e, w, worst, page = stats[g]
    print('%-10s %6d %6d %9d %8.4f  %s' % (g, n, e, w, worst, page))
PY
