#!/bin/sh
# The text count on the html5lib tree-construction documents
# (tests/data/html5lib/documents.jsonl: every distinct document of
# html5lib-tests' tree-construction/*.dat, with the reference program's
# count made by tests/lib/html5lib_docs.py from Debian's python3-bs4):
# all of them through one pscrape run, served as UTF-8. The number of
# documents whose count equals bs4's is asserted exactly, so that a change
# of fidelity, better or worse, does not go unnoticed: when it changes,
# update EQUAL (and pscrape(1), "The text count"). The documents that
# differ are listed as diagnostics.
. "${top_srcdir:-.}/tests/lib/setup.sh"

EQUAL=1581
TOTAL=1581

mkdir "$T/d"
python3 - "$top_srcdir/tests/data/html5lib/documents.jsonl" "$T/d" \
    >"$T/want" <<'PY'
import json, sys
for i, line in enumerate(open(sys.argv[1], encoding='utf-8')):
    d = json.loads(line)
    with open('%s/%04d.html' % (sys.argv[2], i), 'wb') as f:
        f.write(d['data'].encode('utf-8', 'surrogatepass'))
    print('%04d %d %s' % (i, d['bs4'], d['src']))
PY
start_server --root "$T"
sed "s|^\([0-9]*\) .*|$BASE/f/d/\1.html?ct=text/html%3Bcharset%3Dutf-8|" \
    "$T/want" >"$T/list"
pscrape -f jsonl "$T/list" 2>/dev/null |
    sed -E 's|.*/d/([0-9]+)\.html.*"chars":([0-9]+).*|\1 \2|' |
    sort >"$T/got"
is "$(wc -l <"$T/got" | tr -d ' ')" "$TOTAL" "one count per document"
join "$T/want" "$T/got" | awk '$2 != $4 { print "# " $3 ": bs4 " $2 \
    ", pscrape " $4 }' >"$T/diff"
cat "$T/diff"
is "$((TOTAL - $(wc -l <"$T/diff")))" "$EQUAL" \
    "$EQUAL of $TOTAL documents count exactly what bs4 counts"
done_testing
