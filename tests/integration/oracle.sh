#!/bin/sh
# The text count agrees with the reference program's
# len(BeautifulSoup(page, 'html.parser').text), run by Debian's python3-bs4,
# on every fixture (served with the Content-Type of
# tests/data/fixtures/MANIFEST) and every corpus page, exactly (doc/NOTES.md,
# "The text count").
. "${top_srcdir:-.}/tests/lib/setup.sh"

PY=${PYTHON3_ORACLE:-/usr/bin/python3}
if ! "$PY" -c 'import bs4' 2>/dev/null; then
	echo "1..0 # SKIP python3-bs4 not installed"
	exit 0
fi
start_server

# "url<TAB>file<TAB>content-type" per page.
{
	while IFS='	' read -r name ct; do
		enc=$(printf '%s' "$ct" | sed 's/ /%20/g; s/;/%3B/g; s/=/%3D/g')
		printf '%s\t%s\t%s\n' "$BASE/f/fixtures/$name?ct=$enc" \
		    "$top_srcdir/tests/data/fixtures/$name" "$ct"
	done <"$top_srcdir/tests/data/fixtures/MANIFEST"
	for f in "$top_srcdir"/tests/data/corpus/*.html; do
		printf '%s\t%s\t%s\n' "$BASE/f/corpus/${f##*/}" "$f" "text/html"
	done
} >"$T/pages"

cut -f1 "$T/pages" >"$T/list"
pscrape -e serial -f jsonl "$T/list" 2>/dev/null |
    sed -E 's/.*"chars":([0-9]+).*/\1/' >"$T/ours"
cut -f2,3 "$T/pages" | PYTHONDONTWRITEBYTECODE=1 "$PY" -c '
import sys
sys.path.insert(0, sys.argv[1])
from bs4 import BeautifulSoup
import oracle
for line in sys.stdin:
    path, ct = line.rstrip("\n").split("\t")
    with open(path, "rb") as f:
        data = f.read()
    print(len(BeautifulSoup(oracle.decode(data, ct), "html.parser").text))
' "$top_srcdir/tests/lib" >"$T/theirs"

is "$(wc -l <"$T/ours" | tr -d ' ')" "$(wc -l <"$T/pages" | tr -d ' ')" \
    "one count per page"
paste "$T/pages" "$T/ours" "$T/theirs" | while IFS='	' read -r url file ct ours theirs; do
	is "$ours" "$theirs" "${file##*/}: pscrape and bs4 count the same"
	echo "$tap_n $tap_failed" >"$T/count"
done
read -r tap_n tap_failed <"$T/count"
done_testing
