#!/bin/sh
# --state (issue 15): a run killed at random moments (SIGKILL) and run again
# with the same state, on every engine, until one attempt ends: the records
# of all attempts together hold exactly one final record per list line (a
# crawl: per page of the site), and the server's log shows no URL requested
# twice but those in flight or in the uncommitted batch at a kill; with
# --max-pages M, exactly M pages over all attempts. Then:
# a state of other options is refused (exit 2) unless --state-reset; SIGTERM
# and resume; a finished state starts a new run; one run per state.
#
# The issue asks for 20,000 URLs and 20 kills per engine; that takes
# minutes per engine on 2 loaded cores, so the defaults here are 1,500
# URLs (each a 2 ms /delay/ of tests/lib/httpd, so a kill lands mid-run)
# and 4 kills, and a 300-page crawl with 3 kills; STATE_N, STATE_KILLS,
# STATE_PAGES and STATE_ENGINES scale it up. At the issue's scale
# (STATE_N=20000 STATE_KILLS=20 STATE_PAGES=2000: 20 kills of each list
# and crawl, --max-pages ones included, on each engine) it took 11 minutes
# on 2 cores shared with other work.
. "${top_srcdir:-.}/tests/lib/setup.sh"

PY=$(command -v python3 || true)
if [ -z "$PY" ]; then
	echo "Bail out! python3 is needed to check the records"
	exit 1
fi
N=${STATE_N:-1500}
KILLS=${STATE_KILLS:-4}
PAGES=${STATE_PAGES:-300}
ENGINES=${STATE_ENGINES:-serial thread pool process async}
J=8
BATCH=512	# BATCH_RECORDS of src/sink.c

# A generated site, one copy (one port) per engine: page i links to pages
# 2i+1, 2i+2 and 7i mod PAGES, so that every page is reached from page 0
# and many are found twice.
"$PY" - "$T/sites" "$PAGES" $ENGINES robots <<'EOF'
import os, sys
top, n = sys.argv[1], int(sys.argv[2])
for e in sys.argv[3:]:
  d = os.path.join(top, "gen_" + e)
  os.makedirs(d)
  for i in range(n):
    links = [j for j in (2 * i + 1, 2 * i + 2, 7 * i % n) if j < n]
    with open("%s/p%d.html" % (d, i), "w") as f:
        f.write("<html><body><p>page %d</p>%s</body></html>\n" % (i,
            "".join('<a href="p%d.html">p%d</a>' % (j, j) for j in links)))
EOF
printf 'User-agent: *\nDisallow: /private/\n' >"$T/sites/gen_robots/robots.txt"
start_server_sites "$T/sites"

# check FILE KEY WANT [MAX]: the final records of FILE (JSONL, every
# attempt's), one per key (input for a list, url for a crawl), and with MAX,
# exactly MAX of them pages fetched (--max-pages); prints "ok" or what is
# wrong. A record replayed from the state ("replayed": true) by the attempt
# after a kill counts for a key that has no other: a kill between a commit
# and the write of its records left it out, or cut its line short (the log
# says how many lines were); a replay of a record that went out is a
# duplicate, and marked. (WANT goes through a file: 20,000 inputs are too
# long for an argument.)
check() {
	printf '%s\n' "$3" >"$T/want"
	"$PY" - "$1" "$2" "$T/want" ${4:-} <<'EOF'
import collections, json, sys
path, key = sys.argv[1], sys.argv[2]
want = set(open(sys.argv[3]).read().split())
seen = collections.Counter()
replayed = {}
torn = fetched = 0
for line in open(path):
    try:
        r = json.loads(line)
    except ValueError:
        torn += 1
        continue
    e = r["error"] or ""
    if e.startswith("interrupted by ") or \
            e.startswith("not started: interrupted by "):
        continue
    k = r[key].rsplit("/", 1)[-1] if key == "url" else r[key]
    if r["replayed"]:
        replayed[k] = r
        continue
    seen[k] += 1
    fetched += r["attempts"] > 0
# A replay has no attempts: a page of --max-pages has a status.
only = set(replayed) - set(seen)
fetched += sum(replayed[k]["status"] > 0 for k in only)
twice = [k for k, c in seen.items() if c > 1]
missing = want - set(seen) - only
extra = (set(seen) | only) - want
if torn or replayed:
    sys.stderr.write("# %d torn line(s), %d replays, %d of them alone\n" %
                     (torn, len(replayed), len(only)))
if len(sys.argv) > 4 and fetched != int(sys.argv[4]):
    print("%d pages fetched" % fetched)
else:
    print("ok" if not twice and not missing and not extra else
          "twice %s missing %s extra %s (of %d)" % (sorted(twice)[:5],
          sorted(missing)[:5], sorted(extra)[:5], sum(seen.values())))
EOF
}

# depths FILE PAGES: "ok" when every final record of FILE (a crawl of the
# generated site from p0.html) has the page's shortest depth.
depths() {
	"$PY" - "$@" <<'EOF'
import collections, json, sys
path, n = sys.argv[1], int(sys.argv[2])
depth, todo = {0: 0}, collections.deque([0])
while todo:
    i = todo.popleft()
    for j in (2 * i + 1, 2 * i + 2, 7 * i % n):
        if j < n and j not in depth:
            depth[j] = depth[i] + 1
            todo.append(j)
bad = []
for line in open(path):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if (r["error"] or "").startswith(("interrupted by ", "not started: ")):
        continue
    i = int(r["url"].rsplit("/p", 1)[1].split(".")[0])
    if r["depth"] != depth[i]:
        bad.append("p%d.html at %d, not %d" % (i, r["depth"], depth[i]))
print("ok" if not bad else " ".join(bad[:5]))
EOF
}

# bfs_first M PAGES: the first M pages of the generated site in
# breadth-first order from p0.html (a page's links in their order): the
# pages a crawl with --max-pages M fetches.
bfs_first() {
	"$PY" - "$@" <<'EOF'
import sys
m, n = int(sys.argv[1]), int(sys.argv[2])
order, seen, i = [0], {0}, 0
while i < len(order):
    p = order[i]
    i += 1
    for j in (2 * p + 1, 2 * p + 2, 7 * p % n):
        if j < n and j not in seen:
            seen.add(j)
            order.append(j)
print(" ".join("p%d.html" % k for k in order[:m]))
EOF
}

# refetched TAG [PORT]: how many URLs with TAG in their target the server
# got more than once (on PORT, or any).
refetched() {
	requests ${2:-} | grep -F -- "$1" | sort | uniq -d | wc -l | tr -d ' '
}

# sql DB QUERY: the rows, fields joined by '|' (no sqlite3(1) needed).
sql() {
	"$PY" -c 'import sqlite3, sys
for row in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]):
    print("|".join(str(v) for v in row))' "$@"
}

# A random pause of 30 to 150 ms (seeded by $1).
pause() {
	awk -v s="$1" 'BEGIN { srand(s); printf "%.3f\n", 0.03 + rand() * 0.12 }'
}

# finished STATE: 1 when its run finished, 0 if not, nothing if no run began.
finished() {
	[ -s "$1" ] && sql "$1" "SELECT value FROM meta WHERE key =\
 'run_finished'" 2>/dev/null
}

# killed_runs TAG STATE OUT ARGS...: KILLS attempts SIGKILLed at random
# moments, then one to the end; every attempt's records appended to OUT,
# each attempt's from a new line.
# Sets rc to the last attempt's status and landed to the kills that hit a
# running attempt (one that ended first finished the run: no more kills).
killed_runs() {
	tag=$1 st=$2 out=$3
	shift 3
	: >"$out"
	k=0 landed=0 rc=
	while [ "$k" -lt "$KILLS" ]; do
		k=$((k + 1))
		# Not the function: $! must be the program, not a subshell.
		# shellcheck disable=SC2086
		# A file of its own: a kill may come before the redirection.
		${PSCRAPE_WRAPPER:-} "$PSCRAPE_BIN" -f jsonl --state "$st" \
		    "$@" >"$T/att-$tag-$k" 2>>"$T/err" &
		pid=$!
		sleep "$(pause "$$$k$tag")"
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		rc=$?
		cat "$T/att-$tag-$k" >>"$out" 2>/dev/null
		# A line cut short by the kill ends there.
		[ -z "$(tail -c 1 "$T/att-$tag-$k" 2>/dev/null)" ] ||
		    echo >>"$out"
		[ "$rc" -eq 137 ] || break
		# Killed after it recorded the run finished: it is done.
		[ "$(finished "$st")" != 1 ] || { rc=0; break; }
		landed=$((landed + 1))
	done
	if [ "$rc" -eq 137 ]; then
		pscrape -f jsonl --state "$st" "$@" >"$T/att" 2>>"$T/err"
		rc=$?
		cat "$T/att" >>"$out"
	fi
	echo "# $tag: $landed of $KILLS kills landed"
}

seq_inputs() {	# seq_inputs LIST N: "LIST:1 ... LIST:N"
	i=0
	while [ "$i" -lt "$2" ]; do
		i=$((i + 1))
		printf '%s:%s ' "$1" "$i"
	done
}

for e in $ENGINES; do
	# A list: every line a URL of its own, tagged with the engine.
	i=0
	while [ "$i" -lt "$N" ]; do
		i=$((i + 1))
		echo "$BASE/delay/3?e=$e-list&i=$i"
	done >"$T/list-$e"
	killed_runs "$e-list" "$T/list-$e.db" "$T/recs" -e "$e" -j $J \
	    "$T/list-$e"
	is "$rc" 0 "$e: the attempt after the kills ends with status 0"
	ok "$([ "$landed" -gt 0 ]; echo $?)" "$e: a kill landed mid-run"
	is "$(check "$T/recs" input "$(seq_inputs "$T/list-$e" "$N")")" ok \
	    "$e: killed: one final record per line of $N"
	r=$(refetched "e=$e-list&")
	ok "$([ "$r" -le $((KILLS * (J + BATCH))) ]; echo $?)" \
	    "$e: URLs fetched twice ($r) at most $KILLS x (-j $J + $BATCH)"
	# pages has no key of its own (schema version 3): pscrape keeps one
	# row per key of a run, over the attempts.
	is "$(sql "$T/list-$e.db" "SELECT count(*), count(DISTINCT key) FROM\
 pages")" "$N|$N" "$e: killed: one row per line in pages"

	# A crawl of the generated site.
	want=$(i=0; while [ "$i" -lt "$PAGES" ]; do
		printf 'p%s.html ' "$i"; i=$((i + 1)); done)
	eval "site=\$SITE_gen_$e port=\$SITEPORT_gen_$e"
	killed_runs "$e-crawl" "$T/crawl-$e.db" "$T/recs" -e "$e" -j $J \
	    --depth 1000 --host-rate 1000 "$site/p0.html"
	is "$rc" 0 "$e: the crawl's attempt after the kills ends with 0"
	ok "$([ "$landed" -gt 0 ]; echo $?)" "$e: crawl: a kill landed mid-run"
	is "$(check "$T/recs" url "$want")" ok \
	    "$e: killed: one final record per page of $PAGES"
	is "$(depths "$T/recs" "$PAGES")" ok \
	    "$e: killed: every page at its shortest depth (breadth-first)"
	is "$(sql "$T/crawl-$e.db" "SELECT count(*) - count(DISTINCT key)\
 FROM pages")" 0 "$e: crawl: one row per page in pages"
	r=$(refetched .html "$port")
	ok "$([ "$r" -le $((KILLS * (J + BATCH))) ]; echo $?)" \
	    "$e: crawl: pages fetched twice ($r) at most $KILLS x (-j $J + $BATCH)"

	# --max-pages over the attempts of a run: a list with bad lines
	# first (a record each, not pages) fetches exactly its first M
	# pages, the rest saying --max-pages; a crawl exactly the first M
	# pages in breadth-first order.
	M=$((N / 4))
	{ echo "not a URL"; echo "ftp://x/"; i=0
	while [ "$i" -lt $((M * 2)) ]; do
		i=$((i + 1))
		echo "$BASE/delay/10?e=$e-max&i=$i"
	done; } >"$T/mlist-$e"
	killed_runs "$e-max" "$T/max-$e.db" "$T/mrecs" -e "$e" -j 4 \
	    --max-pages $M "$T/mlist-$e"
	is "$(check "$T/mrecs" input "$(seq_inputs "$T/mlist-$e" \
	    $((M * 2 + 2)))" $M)" ok \
	    "$e: --max-pages $M, killed: one final record per line, $M pages"
	MP=$((PAGES / 2))
	killed_runs "$e-maxc" "$T/maxc-$e.db" "$T/mrecs" -e "$e" -j $J \
	    --depth 1000 --host-rate 200 --max-pages $MP "$site/p0.html"
	is "$(check "$T/mrecs" url "$(bfs_first $MP "$PAGES")" $MP)" ok \
	    "$e: crawl, --max-pages $MP, killed: the first $MP pages, once each"
done

# Another list or other crawl options: refused, naming the file and what
# differs; --state-reset starts it afresh.
printf '%s/delay/1?x=1\n%s/delay/1?x=2\n' "$BASE" "$BASE" >"$T/small"
pscrape -q --state "$T/s.db" "$T/small" >/dev/null 2>"$T/err"
is "$?" 0 "a small run with --state"
pscrape -q --state "$T/s.db" --depth 1 "$T/small" >/dev/null 2>"$T/err"
is "$?" 2 "another --depth: exit 2"
is "$(cat "$T/err")" "pscrape: state file '$T/s.db' was made by another run:\
 --depth differ (there '0', here '1'); give --state-reset to start it afresh" \
    "the message names the state file and what differs"
pscrape -q --state "$T/s.db" --depth 1 --state-reset "$T/small" \
    >"$T/out" 2>"$T/err"
is "$?:$(wc -l <"$T/out")" "0:0" "--state-reset: accepted (-q: no records)"
is "$(sql "$T/s.db" "SELECT value FROM meta WHERE key IN ('depth',\
 'run') ORDER BY key")" "1
1" "--state-reset: the state is new, run 1, --depth 1"

# A finished state starts a new run, which fetches everything again.
pscrape -f jsonl --state "$T/s.db" --depth 1 "$T/small" >"$T/out" 2>/dev/null
is "$(wc -l <"$T/out" | tr -d ' '):$(sql "$T/s.db" "SELECT value FROM\
 meta WHERE key = 'run'")" "2:2" "a finished state: run 2 fetches both again"

# A state of schema version 1 (issue 15's first; pages had a third B-tree,
# index pages_url) or 2 (pages had its PRIMARY KEY(run, key)) is made
# version 3 as it is opened, its rows and their rowids kept, and goes on;
# a version this pscrape does not know is refused, saying what to do.
# old_state STATE VERSION: STATE (made by this pscrape) as VERSION had it.
old_state() {
	"$PY" -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
cols = ("run, key, url, input, depth, referrer, status, ok, error,"
        " duplicate_of, chars, bytes, content_hash, etag, last_modified,"
        " fetched_at")
db.executescript("""DROP VIEW frontier; DROP INDEX pages_run;
ALTER TABLE pages RENAME TO p3;
CREATE TABLE pages(run INTEGER NOT NULL, key TEXT NOT NULL,
 url TEXT, input TEXT, depth INTEGER, referrer TEXT, status INTEGER,
 ok INTEGER, error TEXT, duplicate_of TEXT, chars INTEGER,
 bytes INTEGER, content_hash TEXT, etag TEXT, last_modified TEXT,
 fetched_at TEXT, PRIMARY KEY(run, key));
INSERT INTO pages(rowid, %s) SELECT rowid, %s FROM p3; DROP TABLE p3;
CREATE VIEW frontier AS SELECT * FROM found f WHERE NOT EXISTS
 (SELECT 1 FROM pages p WHERE p.run = f.run AND p.key = f.url);""" % (cols, cols))
if sys.argv[2] == "1":
    db.execute("CREATE INDEX pages_url ON pages(url)")
db.execute("UPDATE meta SET value = ? WHERE key = ?", (sys.argv[2], "schema_version"))
db.commit()' "$1" "$2"
}
# The state's version, indexes on pages, and its rows with their rowids.
layout() {
	sql "$1" "SELECT value FROM meta WHERE key = 'schema_version'"
	sql "$1" "SELECT name FROM sqlite_master WHERE tbl_name = 'pages'\
 AND type = 'index' ORDER BY name"
	sql "$1" "SELECT rowid, run, key, ok FROM pages ORDER BY rowid"
}
run=3
for v in 1 2; do
	rows=$(sql "$T/s.db" "SELECT rowid, run, key, ok FROM pages ORDER BY rowid")
	old_state "$T/s.db" $v
	if [ $v = 1 ]; then
		is "$(sql "$T/s.db" "SELECT name FROM sqlite_master WHERE\
 tbl_name = 'pages' AND type = 'index' ORDER BY name")" "pages_url
sqlite_autoindex_pages_1" "schema version 1: made as it was"
	fi
	pscrape -f jsonl --state "$T/s.db" --depth 1 "$T/small" >"$T/out" \
	    2>/dev/null
	is "$?:$(wc -l <"$T/out" | tr -d ' ')" "0:2" \
	    "schema version $v: opened, run $run fetches both"
	is "$(layout "$T/s.db")" "3
pages_run
$rows
$(sql "$T/s.db" "SELECT rowid, run, key, ok FROM pages WHERE run = $run\
 ORDER BY rowid")" "schema version $v: made version 3, the rows kept"
	run=$((run + 1))
done
"$PY" -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE meta SET value = 9 WHERE key = ?", ("schema_version",))
db.commit()' "$T/s.db"
pscrape -q --state "$T/s.db" --depth 1 "$T/small" 2>"$T/err"
is "$?:$(cat "$T/err")" "2:pscrape: state file '$T/s.db' has schema version\
 9; this pscrape reads version 3: run the pscrape that made it, or give\
 another FILE" "schema version 9: refused, naming the file and what to do"

# SIGTERM, then the same command resumes: interrupted records are not
# final, and the union holds one final record per line.
i=0
while [ "$i" -lt 600 ]; do
	i=$((i + 1))
	echo "$BASE/delay/5?term=$i"
done >"$T/tlist"
# shellcheck disable=SC2086
${PSCRAPE_WRAPPER:-} "$PSCRAPE_BIN" -f jsonl -j 4 --state "$T/t.db" \
    "$T/tlist" >"$T/trecs" 2>/dev/null &
pid=$!
# Once records are out, their rows are committed: the run is under way.
i=0
while [ ! -s "$T/trecs" ] && [ $i -lt 6000 ]; do sleep 0.01; i=$((i + 1)); done
kill -TERM "$pid"
wait "$pid"
is "$?" 143 "SIGTERM: status 143"
is "$(sql "$T/t.db" "SELECT value FROM meta WHERE key =\
 'run_finished'")" 0 "SIGTERM: the run is not finished"
pscrape -f jsonl -j 4 --state "$T/t.db" "$T/tlist" >>"$T/trecs" 2>/dev/null
is "$?" 0 "the resumed run ends with 0"
is "$(check "$T/trecs" input "$(seq_inputs "$T/tlist" 600)")" ok \
    "SIGTERM and resume: one final record per line of 600"
r=$(refetched "term=")
ok "$([ "$r" -le 4 ]; echo $?)" \
    "SIGTERM and resume: only URLs in flight fetched twice ($r, -j 4)"

# A commit in the middle of a level's start (PSCRAPE_TEST_KILL=level:N,
# a hook of src/scheduler.c: commit after the level's first page's links,
# then SIGKILL) keeps every page's links, admitted or still held: the
# resumed crawl has every page at its depth. Forgetting all held links at
# a level's start lost the links of the other pages (seen under load:
# 5 of 300 pages missing, 5 one level deeper).
# shellcheck disable=SC2086
eval "lsite=\$SITE_gen_$(set -- $ENGINES; echo "$1")"
want=$(i=0; while [ "$i" -lt "$PAGES" ]; do
	printf 'p%s.html ' "$i"; i=$((i + 1)); done)
for L in 2 3; do
	rm -f "$T/lvl.db"*
	PSCRAPE_TEST_KILL=level:$L pscrape -f jsonl -j 4 --state "$T/lvl.db" \
	    --depth 1000 --host-rate 1000 "$lsite/p0.html" >"$T/lrecs" 2>/dev/null
	lrc=$?
	pscrape -f jsonl -j 4 --state "$T/lvl.db" --depth 1000 --host-rate 1000 \
	    "$lsite/p0.html" >>"$T/lrecs" 2>/dev/null
	is "$lrc:$?:$(check "$T/lrecs" url "$want"):$(depths "$T/lrecs" "$PAGES")" \
	    "137:0:ok:ok" "killed at the start of level $L, resumed: every page once, at its depth"
done

# robots.txt per host, with its status (the generated sites have none).
# shellcheck disable=SC2086
eval "rsite=\$SITE_gen_$(set -- $ENGINES; echo "$1")"
pscrape --no-config -q --state "$T/r.db" "$rsite/p0.html" >/dev/null 2>&1
is "$(sql "$T/r.db" "SELECT origin, status, fetched_at IS NOT NULL FROM\
 robots")" "$rsite|404|1" "robots.txt is kept per host, with its time"

# A resumed run does not ask a host again for the robots.txt it kept,
# here after a SIGKILL once records were out (their batch committed, the
# robots.txt's row with it); nor does a new run within 24 hours (RFC 9309
# 2.4); one older than that is fetched again. (--no-config: the tests'
# config has --no-robots.)
eval "rsite=\$SITE_gen_robots rport=\$SITEPORT_gen_robots"
robots_gets() {
	# shellcheck disable=SC2154	# set by the eval above
	requests "$rport" | grep -c '^GET /robots.txt'
}
# shellcheck disable=SC2086
${PSCRAPE_WRAPPER:-} "$PSCRAPE_BIN" --no-config -f jsonl -j 2 \
    --host-rate 100 --depth 1000 --state "$T/rb.db" "$rsite/p0.html" \
    >"$T/rrecs" 2>/dev/null &
pid=$!
i=0
while [ ! -s "$T/rrecs" ] && [ $i -lt 6000 ]; do sleep 0.01; i=$((i + 1)); done
kill -KILL "$pid"
wait "$pid" 2>/dev/null
[ -z "$(tail -c 1 "$T/rrecs")" ] || echo >>"$T/rrecs"
pscrape --no-config -f jsonl -j 2 --host-rate 1000 --depth 1000 \
    --state "$T/rb.db" "$rsite/p0.html" >>"$T/rrecs" 2>/dev/null
is "$?:$(check "$T/rrecs" url "$want")" 0:ok \
    "robots.txt kept: the resumed crawl has every page once"
is "$(robots_gets)" 1 "a resumed run uses the robots.txt it kept"
pscrape --no-config -q -j 2 --host-rate 1000 --depth 1000 \
    --state "$T/rb.db" "$rsite/p0.html" 2>/dev/null
is "$?:$(robots_gets)" 0:1 "so does the next run within 24 hours"
"$PY" -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE robots SET fetched_at = ?", ("2000-01-01T00:00:00Z",))
db.commit()' "$T/rb.db"
pscrape --no-config -q -j 2 --host-rate 1000 --depth 1000 \
    --state "$T/rb.db" "$rsite/p0.html" 2>/dev/null
is "$?:$(robots_gets)" 0:2 "one kept for more than 24 hours is fetched again"

# One run per state file.
# shellcheck disable=SC2086
${PSCRAPE_WRAPPER:-} "$PSCRAPE_BIN" -q -j 1 --state "$T/l.db" "$T/tlist" \
    >/dev/null 2>&1 &
pid=$!
i=0
while [ ! -s "$T/l.db" ] && [ $i -lt 6000 ]; do sleep 0.01; i=$((i + 1)); done
pscrape -q --state "$T/l.db" "$T/tlist" >/dev/null 2>"$T/err"
is "$?:$(cat "$T/err")" "4:pscrape: state file '$T/l.db' is in use by\
 another run (pid $pid)" "a state in use: exit 4, saying so and by whom"
kill -KILL "$pid"
wait "$pid" 2>/dev/null

done_testing
