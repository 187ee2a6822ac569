#!/bin/sh
# Deterministic crawls (issue 15): with --depth, a page's depth is its
# shortest distance from the list, and the records of a crawl are the same
# on every engine and every run, equal to the breadth-first search of
# tests/lib/bfs.py over the same site: 5 runs of each engine, then
# --max-pages (which must cut the same pages every time). The site
# (bfs.py gen) has shortcuts on slow pages, so that a longer path to a
# page is often found first, and more than 16 seeds, so that a seed comes
# after links that name it.
. "${top_srcdir:-.}/tests/lib/setup.sh"

PY=${PYTHON3_ORACLE:-}
[ -n "$PY" ] && [ -x "$PY" ] || PY=$(command -v python3 || true)
if [ -z "$PY" ]; then
	echo "Bail out! python3 is needed for the breadth-first search"
	exit 1
fi
ENGINES=${CRAWL_ENGINES:-serial thread pool process async}
RUNS=${BFS_RUNS:-5}

"$PY" "$top_srcdir/tests/lib/bfs.py" gen "$T/sites" >"$T/seeds"
start_server_sites "$T/sites"
G=$SITE_g
sed "s|^|$G/|" "$T/seeds" >"$T/list"

# got FILE: "URL DEPTH" of each record that is not a duplicate, sorted.
got() {
	"$PY" -c 'import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["duplicate_of"] is None:
        print(r["url"], r["depth"])' "$1" | LC_ALL=C sort
}
# want DEPTH MAX_PAGES MAX_LINKS: the breadth-first search's records.
want() {
	"$PY" "$top_srcdir/tests/lib/bfs.py" crawl "$T/sites" "$G" "$@" \
	    <"$T/list" | LC_ALL=C sort
}
# same WANTFILE DESCRIPTION OPTION...: every engine, RUNS times.
same() {
	_w=$1 _d=$2
	shift 2
	for e in $ENGINES; do
		_bad=0
		for i in $(seq "$RUNS"); do
			pscrape --no-config -q -e "$e" -j 4 --per-host 4 -f jsonl \
			    -o "$T/out" "$@" "$T/list" 2>"$T/err"
			got "$T/out" >"$T/got"
			if ! cmp -s "$T/got" "$_w"; then
				_bad=$((_bad + 1))
				diff "$T/got" "$_w" | sed 's/^/# /' | head -6
			fi
		done
		is "$_bad" 0 "$e: $RUNS runs $_d: the breadth-first records"
	done
}

want 4 0 10000 >"$T/want"
# The search itself reaches every depth, but not every page.
is "$(awk '{ print $2 }' "$T/want" | sort | uniq -c | awk '{ printf "%s ", $1 }')" \
    "20 44 47 33 8 " "the site has pages at depths 0 to 4 (bfs.py)"
same "$T/want" "--depth 4" --depth 4
# No seed is a duplicate of a link: only of another seed.
for e in serial async; do
	pscrape --no-config -q -e "$e" -j 4 -f jsonl -o "$T/out" --depth 4 \
	    "$T/list" 2>/dev/null
	is "$("$PY" -c 'import json, sys
print(sorted({r["duplicate_of"] for r in map(json.loads, open(sys.argv[1]))
    if r["duplicate_of"] is not None}))' "$T/out")" "['$T/list:2']" \
	    "$e: the seeds repeated are duplicates of their first line"
done

want 4 60 10000 >"$T/want60"
is "$(wc -l <"$T/want60")" 60 "--max-pages 60: 60 records (bfs.py)"
RUNS=2 same "$T/want60" "--max-pages 60" --depth 4 --max-pages 60
want 4 13 10000 >"$T/want13"
RUNS=2 same "$T/want13" "--max-pages 13 (seeds cut)" --depth 4 --max-pages 13

# A stop at any moment of a crawl, a level barrier included: status 143,
# no list line with two records and no URL twice, and a page of depth 1
# or more only once every list line has its record (no file: the signal
# came before main, as it may under a loaded machine).
for e in $ENGINES; do
	for ms in 50 150 250; do
		rm -f "$T/stop.partial"
		# Not through the pscrape function: $! must be pscrape itself.
		${PSCRAPE_WRAPPER:-} "$PSCRAPE_BIN" --no-config -e "$e" -j 4 \
		    --per-host 4 -f jsonl -o "$T/stop" --depth 4 "$T/list" \
		    2>/dev/null &
		pid=$!
		sleep "0.$(printf %03d $ms)"
		kill -TERM $pid
		wait $pid; st=$?
		[ $st = 143 ] || echo "# $e: the crawl ended (status $st) before $ms ms"
		"$PY" -c 'import json, os, sys
if not os.path.exists(sys.argv[1]):
    sys.exit(0)
recs = [json.loads(line) for line in open(sys.argv[1])]
seeds = [r["input"] for r in recs if r["depth"] == 0]
urls = [r["url"] for r in recs if r["duplicate_of"] is None]
deeper = any(r["depth"] > 0 for r in recs)
sys.exit(len(seeds) != len(set(seeds)) or len(urls) != len(set(urls)) or
         (deeper and len(seeds) != 21))' "$T/stop.partial"
		ok $? "$e: SIGTERM after $ms ms: one record at most per line and URL, links only after every list line"
	done
done

# --max-links: many.html has 40 links; only its first 10 are followed,
# and its record says how many it had.
want 4 0 10 >"$T/want10"
RUNS=1 same "$T/want10" "--max-links 10" --depth 4 --max-links 10
for e in process async; do
	pscrape --no-config -q -e "$e" -j 4 -f jsonl -o "$T/out" --depth 4 \
	    --max-links 10 "$T/list" 2>/dev/null
	is "$("$PY" -c 'import json, sys
for r in map(json.loads, open(sys.argv[1])):
    if r["links_cut"] is not None or r["url"].endswith("/many.html"):
        print(r["url"].split("/")[-1], r["links_cut"])' "$T/out")" \
	    "many.html 40" "$e: --max-links 10: links_cut 40 on many.html only"
done
pscrape --no-config -q -e serial -f jsonl -o "$T/out" --depth 1 "$G/many.html"
is "$("$PY" -c 'import json, sys
print(json.loads(open(sys.argv[1]).readline())["links_cut"])' "$T/out")" \
    None "the default --max-links 10000: nothing cut"
pscrape --no-config -e serial --depth 1 --max-links 39 "$G/many.html" \
    2>/dev/null | grep many >"$T/out"
is "$(cat "$T/out")" "Fetched 388 characters from $G/many.html (40 links:\
 only the first --max-links followed)" "the text format says it too"
pscrape --no-config -e serial --depth 1 --max-links 40 "$G/many.html" \
    2>/dev/null | grep many >"$T/out"
is "$(cat "$T/out")" "Fetched 388 characters from $G/many.html" \
    "--max-links 40: nothing cut"
pscrape --no-config -f csv -e serial --depth 1 --max-links 3 "$G/many.html" \
    2>/dev/null | sed -n '1p;2s/.*,//p' | tr -d '\r' >"$T/out"
is "$(sed -n '1s/.*,//p;2p' "$T/out")" "links_cut
40" "csv: links_cut, the last column"

done_testing
