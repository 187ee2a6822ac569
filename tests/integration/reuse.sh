#!/bin/sh
# Connection reuse by the thread and pool engines (issue 17). libcurl 7.88
# may not share connections between threads (doc/NOTES.md), so a
# connection stays in the easy handle that opened it, and an engine reuses
# it only by putting the next job to that origin on that handle
# (engine.h: struct origins). Here HOSTS hosts (the ports of
# tests/lib/httpd --sites) with PAGES pages each, in a shuffled list,
# fetched with -j JOBS and --per-host 1 (so that, as with robots.txt and
# politeness on, more workers than transfers are free to choose): the
# server must have accepted at most BOUND connections a host, well
# below one a page (before the fix: 35 to 49 of the 80), and exactly as
# many as pscrape's --summary says it opened. Plain HTTP: reusing a
# connection is the same mechanism as over HTTPS.
. "${top_srcdir:-.}/tests/lib/setup.sh"

command -v curl >/dev/null 2>&1 || {
	echo "Bail out! curl(1) is needed to read the server's /stats"
	exit 1
}
HOSTS=8
PAGES=10
JOBS=8
PERHOST=1
BOUND=4		# connections a host, at most
ENGINES=${REUSE_ENGINES:-thread pool}

h=0
while [ $h -lt $HOSTS ]; do
	mkdir -p "$T/sites/h$h"
	p=0
	while [ $p -lt $PAGES ]; do
		printf '<html><body><p>host %d page %d</p></body></html>\n' \
		    $h $p >"$T/sites/h$h/p$p.html"
		p=$((p + 1))
	done
	h=$((h + 1))
done
start_server_sites "$T/sites"
: >"$T/list"
p=0
while [ $p -lt $PAGES ]; do
	for s in $SITES; do
		eval "echo \"\$SITE_$s/p$p.html\"" >>"$T/list"
	done
	p=$((p + 1))
done
# Shuffled (the same way each run): in round robin the workers take the
# hosts in turns, so that each sees only a few of them.
awk 'BEGIN { srand(17) } { printf "%.9f\t%s\n", rand(), $0 }' "$T/list" |
    sort | cut -f 2 >"$T/list.shuf"
mv "$T/list.shuf" "$T/list"
N=$((HOSTS * PAGES))
is "$(wc -l <"$T/list" | tr -d ' ')" $N "the list: $N pages over $HOSTS hosts"

# summary_conns FILE: the "connections" pscrape's --summary recorded.
summary_conns() {
	sed -n 's/.*"connections":\([0-9]*\).*/\1/p' "$1"
}

for e in $ENGINES; do
	curl -s "$BASE/stats/reset?all=1" >/dev/null
	"$PSCRAPE_BIN" -e "$e" -j $JOBS --per-host $PERHOST --summary "$T/sum-$e.json" \
	    "$T/list" >"$T/out-$e" 2>"$T/err-$e"
	is "$?" 0 "$e -j $JOBS: exit 0"
	is "$(grep -c '^Fetched [0-9]* characters from ' "$T/out-$e")" $N \
	    "$e: $N pages fetched"
	conns=$(curl -s "$BASE/stats?all=1" | sed -n 's/^conns //p')
	ours=$(summary_conns "$T/sum-$e.json")
	echo "# $e: the server accepted $conns connections for $N pages," \
	    "pscrape counted $ours"
	ok "$([ "${conns:-999}" -le $((HOSTS * BOUND)) ] && echo 0 || echo 1)" \
	    "$e: at most $BOUND x $HOSTS hosts = $((HOSTS * BOUND)) connections for $N pages (got $conns)"
	is "$ours" "$conns" "$e: --summary's connections are the server's"
done

# The process engine's parent chooses which worker takes a job: the one
# that went to its origin, else one to a host no worker went to. With
# --per-host 1 a host's next page is let out only by its worker's result,
# so that worker is idle to take it: exactly one connection a host
# (before: 20 to 40 for the 80 pages).
if [ -z "${REUSE_ENGINES:-}" ]; then
	curl -s "$BASE/stats/reset?all=1" >/dev/null
	"$PSCRAPE_BIN" -e process -j $JOBS --per-host $PERHOST \
	    --summary "$T/sum-process.json" "$T/list" >"$T/out-process" \
	    2>"$T/err-process"
	is "$?" 0 "process -j $JOBS: exit 0"
	is "$(grep -c '^Fetched [0-9]* characters from ' "$T/out-process")" $N \
	    "process: $N pages fetched"
	is "$(curl -s "$BASE/stats?all=1" | sed -n 's/^conns //p')" $HOSTS \
	    "process: one connection a host, $HOSTS for $N pages"
	is "$(summary_conns "$T/sum-process.json")" $HOSTS \
	    "process: --summary counted $HOSTS connections"
fi

done_testing
