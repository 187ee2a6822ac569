#!/bin/sh
# Issue 16's measure of the shared frontier at size: 4 processes on one
# --frontier (a redis-server of its own on a unix socket) crawl a
# generated site of 100,000 pages on 4 hosts served by tests/lib/httpd;
# the union of their records must be the breadth-first set exactly (URL
# and depth, computed apart from pscrape), and the wall time is reported.
#
#   bench/frontier100k.sh     (after make; FR_PAGES, FR_PROCS, FR_JOBS,
#                              FR_ENGINE and FR_FLAGS change the run)
#
# Each host has FR_PAGES / 4 pages; page i links to pages 10i+1 .. 10i+10
# of its host (so every page is reached, at depth 5 at most) and to 2
# pages of any host (so most pages are found many times, and at their
# shortest depth only). Default flags: no robots.txt and no --per-host
# limit (the server is ours), so that the frontier is what is measured.
# It measures, and exits 1 only when the union is wrong. Not part of
# make check. Nothing but 127.0.0.1 is contacted.
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=${top_builddir:-$top_srcdir}
. "$top_srcdir/tests/lib/setup.sh"

PAGES=${FR_PAGES:-100000}
PROCS=${FR_PROCS:-4}
JOBS=${FR_JOBS:-32}
ENGINE=${FR_ENGINE:-async}
FLAGS=${FR_FLAGS:---per-host 0 --no-robots --retries 0}

SOCK=$T/redis.sock
redis-server --port 0 --unixsocket "$SOCK" --unixsocketperm 700 \
    --save '' --appendonly no --dir "$T" >"$T/redis.log" 2>&1 &
REDIS_PID=$!
trap 'kill "$REDIS_PID" 2>/dev/null; wait "$REDIS_PID" 2>/dev/null; cleanup' EXIT
i=0
until [ "$(redis-cli -s "$SOCK" ping 2>/dev/null)" = PONG ]; do
	i=$((i + 1))
	[ $i -gt 1000 ] && { echo "redis-server did not start" >&2; exit 1; }
	sleep 0.01
done

echo "generating $PAGES pages on 4 hosts"
mkdir "$T/sites"
python3 - "$T/sites" "$PAGES" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2]) // 4
rng = random.Random(16)
with open(f"{root}/graph", "w") as g:
    for h in range(4):
        os.makedirs(f"{root}/h{h}", exist_ok=True)
        for i in range(n):
            out = [(h, j) for j in range(10 * i + 1, min(10 * i + 11, n))]
            out += [(rng.randrange(4), rng.randrange(n)) for _ in range(2)]
            with open(f"{root}/h{h}/p{i}.html", "w") as f:
                f.write(f"<html><body><p>page {h} {i}</p>\n" + "".join(
                    f'<a href="{{{{SITE_h{k}}}}}/p{j}.html">{k} {j}</a>\n'
                    for k, j in out) + "</body></html>\n")
            g.write(f"h{h}/p{i}.html " +
                    " ".join(f"h{k}/p{j}.html" for k, j in out) + "\n")
PY
# The breadth-first set, as tests/integration/frontier.sh computes it.
for h in 0 1 2 3; do echo "h$h/p0.html"; done >"$T/seeds.rel"
python3 "$top_srcdir/tests/lib/multisite.py" crawl "$T/sites" 10 \
    <"$T/seeds.rel" >"$T/want.rel"
start_server_sites "$T/sites"
for s in $SITES; do
	eval "printf 's|^%s/|%s/|\n' \"$s\" \"\$SITE_$s\""
done >"$T/sites.sed"
sed -f "$T/sites.sed" "$T/want.rel" | LC_ALL=C sort >"$T/want"
sed -f "$T/sites.sed" "$T/seeds.rel" >"$T/seeds"
maxd=$(awk '$2 > m { m = $2 } END { print m }' "$T/want")
echo "$(wc -l <"$T/want" | tr -d ' ') pages, depths 0 to $maxd"

start=$(date +%s.%N)
pids=
i=0
while [ $i -lt "$PROCS" ]; do
	i=$((i + 1))
	# shellcheck disable=SC2086
	"$PSCRAPE_BIN" --no-config -e "$ENGINE" -j "$JOBS" -f jsonl \
	    --depth 10 --scope domain $FLAGS \
	    --frontier "unix://$SOCK?name=b" "$T/seeds" >"$T/out.$i" \
	    2>"$T/err.$i" &
	pids="$pids $!"
done
rcs=
for p in $pids; do
	wait "$p"
	rcs="$rcs $?"
done
end=$(date +%s.%N)
"$PSCRAPE_BIN" --no-config --frontier "unix://$SOCK?name=b" --status |
    sed -n '/^total/,$p'
cat "$T"/out.* | python3 -c 'import json, sys
for line in sys.stdin:
    r = json.loads(line)
    if r["duplicate_of"] is None:
        print(r["url"], r["depth"])' | LC_ALL=C sort -u >"$T/got"
records=$(cat "$T"/out.* | wc -l | tr -d ' ')
wall=$(echo "$end - $start" | bc)
echo "$PROCS processes ($ENGINE, -j $JOBS), exit statuses:$rcs"
echo "records $records, wall ${wall} s, $(echo "scale=0; $records / $wall" | bc) pages/s"
if cmp -s "$T/got" "$T/want"; then
	echo "union: exactly the breadth-first set ($(wc -l <"$T/want" | tr -d ' ') URLs with their depths)"
else
	echo "union: NOT the breadth-first set:"
	diff "$T/got" "$T/want" | head -10
	exit 1
fi
