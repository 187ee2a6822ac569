#!/bin/sh
# Crawling and politeness (issue 7), on every engine, against the sites of
# tests/lib/sites.sh (each a port of tests/lib/httpd, so a host of its own):
# --per-host, robots.txt, --rate and --host-rate, --retries, --depth with
# --scope and --max-pages, --shard. The server's per-port /stats and its
# log ("SECONDS.MMM PORT METHOD TARGET") say what pscrape really sent.
. "${top_srcdir:-.}/tests/lib/setup.sh"
. "$top_srcdir/tests/lib/sites.sh"

PY=${PYTHON3_ORACLE:-}
[ -n "$PY" ] && [ -x "$PY" ] || PY=$(command -v python3 || true)
# scripts/setup.sh installs both; without them this test cannot check.
if [ -z "$PY" ]; then
	echo "Bail out! python3 is needed to check the records"
	exit 1
fi
command -v curl >/dev/null 2>&1 || {
	echo "Bail out! curl(1) is needed to read the server's /stats"
	exit 1
}
# This test is about the defaults setup.sh's config file turns off.
rm -f "$XDG_CONFIG_HOME/pscrape/config"
ENGINES=${CRAWL_ENGINES:-serial thread pool process async}
# A port of 127.0.0.1 nothing listens on: bound, then closed.
DEADPORT=$("$PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
make_sites "$T/sites"
start_server_sites "$T/sites"
export SITES PORT

# recs FILE FIELD...: a line per JSONL record, its FIELDs joined by '|',
# sorted; URLs at a site shortened to NAME/PATH (the main port's to
# base/PATH), null as -, false/true as such.
recs() {
	"$PY" - "$@" <<'EOF'
import json, os, sys
short = {"http://127.0.0.1:" + os.environ["PORT"]: "base"}
for s in os.environ.get("SITES", "").split():
    short["http://127.0.0.1:" + os.environ["SITEPORT_" + s]] = s
def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "true" if v else "false"
    v = str(v)
    for k, n in short.items():
        if v == k or v.startswith(k + "/"):
            return n + v[len(k):]
    return v
out = []
with open(sys.argv[1]) as f:
    for line in f:
        r = json.loads(line)
        out.append("|".join(fmt(r.get(k, "MISSING")) for k in sys.argv[2:]))
print("\n".join(sorted(out)))
EOF
}
# srvstat SITE FIELD: the number /stats gives for FIELD (inflight, max, total)
# on SITE's port.
srvstat() {
	eval "curl -s \"\$SITE_$1/stats\"" | sed -n "s/^$2 //p"
}
reset_stats() {
	curl -s "$BASE/stats/reset?all=1" >/dev/null
}
# arrivals SITE PATTERN: arrival times (s.ms) of SITE's requests whose target
# matches the extended regex PATTERN, in order.
arrivals() {
	eval "p=\$SITEPORT_$1"
	awk -v p="$p" -v re="$2" '$2 == p && $4 ~ re { print $1 }' "$HTTPD_LOG"
}
# span SITE PATTERN: ms from the first to the last of those arrivals.
span() {
	arrivals "$1" "$2" | awk 'NR == 1 { f = $1 } { l = $1 }
	    END { printf "%d\n", (l - f) * 1000 + 0.5 }'
}
# mingap SITE PATTERN [K]: the shortest ms between an arrival and the
# K-th after it (K = 1: two successive arrivals).
mingap() {
	arrivals "$1" "$2" | awk -v k="${3:-1}" '{ t[NR] = $1 }
	    END { for (i = 1; i + k <= NR; i++) { g = (t[i + k] - t[i]) * 1000 + 0.5
	    if (m == "" || g < m) m = g }; printf "%d\n", m }'
}
# Under PSCRAPE_WRAPPER (valgrind) a request leaves the engine late and
# unevenly, so arrival times say nothing of the engine's spacing, and a
# cap may not be reached in time: timings are skipped, caps only bound.
wrapped=${PSCRAPE_WRAPPER:+yes}
# atleast VALUE MIN WHAT: lower bounds only, never an upper one on speed.
atleast() {
	if [ -n "$wrapped" ]; then
		tap_n=$((tap_n + 1))
		echo "ok $tap_n - $3 # SKIP timing under a wrapper"
		return
	fi
	[ "$1" -ge "$2" ]
	ok $? "$3 ($1 >= $2)"
}
# reaches VALUE CAP WHAT: the most in flight is the cap; under a wrapper,
# at most the cap.
reaches() {
	if [ -n "$wrapped" ]; then
		[ "$1" -ge 1 ] && [ "$1" -le "$2" ]
		ok $? "$3 ($1 <= $2 under a wrapper)"
		return
	fi
	is "$1" "$2" "$3"
}
# hits SITE PATH: how often SITE was asked for PATH (target, exactly).
hits() {
	eval "p=\$SITEPORT_$1"
	requests "$p" | grep -c -x -F "GET $2"
}
# mark: a line count of the log, so that a check sees only what came after.
mark() {
	wc -l <"$HTTPD_LOG" | tr -d ' '
}
since() {	# since MARK SITE: SITE's requests after MARK, "METHOD TARGET"
	eval "p=\$SITEPORT_$2"
	tail -n +"$(($1 + 1))" "$HTTPD_LOG" |
	    LC_ALL=C sed -n "s/^[0-9.]* $p //p"
}
list() {	# list FILE URL...
	f=$1
	shift
	printf '%s\n' "$@" >"$f"
}
sequrls() {	# sequrls BASE-URL PATH N: PATH?i=1 .. PATH?i=N
	i=1
	while [ "$i" -le "$3" ]; do
		echo "$1$2?i=$i"
		i=$((i + 1))
	done
}

pscrape() {
	# shellcheck disable=SC2086
	${PSCRAPE_WRAPPER:-} "$PSCRAPE_BIN" -e "$e" "$@"
}

for e in $ENGINES; do
	# serial fetches one page at a time whatever -j says.
	seq=0
	[ "$e" = serial ] && seq=1

	# ==============================================================
	# --per-host
	# ==============================================================
	n=20
	[ $seq = 1 ] && n=6
	sequrls "$SITE_a" "/delay/300" $n | sed "s/i=/ph1$e=/" >"$T/ph1"
	reset_stats
	pscrape -j 20 --per-host 3 -f jsonl "$T/ph1" >"$T/out" 2>"$T/err"
	st=$?
	want=3
	[ $seq = 1 ] && want=1
	is "$st:$(grep -c '"ok":true' "$T/out")" "0:$n" \
	    "$e: --per-host 3: every page fetched"
	reaches "$(srvstat a max)" $want "$e: -j 20 --per-host 3: at most 3 in flight to the host"
	is "$(srvstat a total)" $((n + 1)) "$e: ... $n pages and one /robots.txt"

	# Two hosts at once: each has its cap, and they go side by side.
	{
		sequrls "$SITE_a" "/delay/300" 10 | sed "s/i=/ph2$e=/"
		sequrls "$SITE_b" "/delay/300" 10 | sed "s/i=/ph2$e=/"
	} >"$T/ph2"
	[ $seq = 1 ] && sed -i '4,10d; 14,20d' "$T/ph2"
	reset_stats
	pscrape -j 20 --per-host 3 -f jsonl "$T/ph2" >"$T/out" 2>"$T/err"
	reaches "$(srvstat a max)" $want "$e: two hosts, --per-host 3: each at most 3"
	reaches "$(srvstat b max)" $want "$e: ... the other too"
	if [ $seq = 0 ]; then
		reaches "$(curl -s "$BASE/stats?all=1" | sed -n 's/^max //p')" 6 \
		    "$e: ... and the two hosts were fetched side by side"
	fi

	if [ $seq = 0 ]; then
		# 2 s a page: all 10 must be in flight at once, and the
		# process engine's 10 workers start one after the other
		# (under ASan on a loaded machine, 300 ms let only 9 in).
		sequrls "$SITE_a" "/delay/2000" 10 | sed "s/i=/ph3$e=/" >"$T/ph3"
		reset_stats
		pscrape -j 10 --per-host 0 -q "$T/ph3" 2>"$T/err"
		reaches "$(srvstat a max)" 10 "$e: --per-host 0: no cap, -j 10 in flight"
		sed "s/ph3/ph4/" "$T/ph3" >"$T/ph4"
		reset_stats
		pscrape -j 10 -q "$T/ph4" 2>"$T/err"
		reaches "$(srvstat a max)" 4 "$e: --per-host defaults to 4"
	fi

	# Waiting for a host slot is not part of --timeout: one at a time,
	# the fourth page waits 1.2 s for its slot, past -t 1, and is fine.
	sequrls "$SITE_a" "/delay/400" 4 | sed "s/i=/ph5$e=/" >"$T/ph5"
	pscrape -j 4 --per-host 1 -t 1 -f jsonl "$T/ph5" >"$T/out" 2>"$T/err"
	is "$?:$(grep -c '"ok":true' "$T/out")" "0:4" \
	    "$e: --per-host 1 -t 1: time waiting for the host is not the transfer's"

	# ==============================================================
	# robots.txt
	# ==============================================================
	m=$(mark)
	list "$T/rb" "$SITE_b/" "$SITE_b/p1.html" "$SITE_b/private/secret.html" \
	    "$SITE_b/privateer.html"
	pscrape -j 4 -f jsonl "$T/rb" >"$T/out" 2>"$T/err"
	st=$?
	is "$st" 1 "$e: a URL blocked by robots.txt is a failure: status 1"
	is "$(recs "$T/out" url ok status chars error)" \
	    "b/p1.html|true|200|14|-
b/private/secret.html|false|0|0|blocked by robots.txt
b/privateer.html|true|200|29|-
b/|true|200|51|-" \
	    "$e: robots.txt: pscrape's group (Disallow: /private/) is taken, not *'s"
	is "$(recs "$T/out" url robots | grep -v '|-$')" \
	    "b/private/secret.html|blocked" "$e: ... robots: blocked for it alone"
	is "$(since "$m" b | grep -c -F /private/)" 0 \
	    "$e: ... the disallowed path is never requested"
	is "$(since "$m" b | grep -c -x 'GET /robots.txt')" 1 \
	    "$e: ... /robots.txt is requested once"
	is "$(since "$m" b | head -n 1)" "GET /robots.txt" \
	    "$e: ... before any page of the host"

	# A robots.txt past 500 KiB, its byte 512,000 inside "Allow:
	# /private-but-this-one-is-public": the line the limit cuts is
	# dropped, not read as "Allow: /private-b", so "Disallow: /private"
	# blocks both pages; past the limit nothing is read ("Disallow: /late").
	m=$(mark)
	list "$T/big" "$SITE_big/public.html" "$SITE_big/private-early.html" \
	    "$SITE_big/private-bXYZ.html" \
	    "$SITE_big/private-but-this-one-is-public.html" \
	    "$SITE_big/late.html"
	pscrape -j 4 -f jsonl "$T/big" >"$T/out" 2>"$T/err"
	is "$?:$(recs "$T/out" url ok status chars error)" \
	    "1:big/late.html|true|200|36|-
big/private-bXYZ.html|false|0|0|blocked by robots.txt
big/private-but-this-one-is-public.html|false|0|0|blocked by robots.txt
big/private-early.html|true|200|31|-
big/public.html|true|200|19|-" \
	    "$e: robots.txt past 500 KiB: the line the limit cuts is dropped"
	is "$(since "$m" big | grep -c -F /private-b)" 0 \
	    "$e: ... /private-bXYZ.html and the cut Allow's page never requested"
	is "$(since "$m" big | grep -c -x 'GET /robots.txt')" 1 \
	    "$e: ... /robots.txt requested once"

	m=$(mark)
	pscrape -j 4 -f jsonl --no-robots "$T/rb" >"$T/out" 2>"$T/err"
	is "$?:$(recs "$T/out" url ok chars | grep secret)" \
	    "0:b/private/secret.html|true|27" "$e: --no-robots fetches it"
	is "$(since "$m" b | grep -c robots.txt)" 0 \
	    "$e: ... and never asks for /robots.txt"

	m=$(mark)
	list "$T/r5" "$SITE_r500/" "$SITE_r500/page.html" "$SITE_r404/" \
	    "$SITE_r404/page.html"
	pscrape -j 4 -f jsonl "$T/r5" >"$T/out" 2>"$T/err"
	is "$(recs "$T/out" url ok status chars error)" \
	    "r404/page.html|true|200|23|-
r404/|true|200|24|-
r500/page.html|false|0|0|robots.txt answered HTTP 500 (every page of the host disallowed)
r500/|false|0|0|robots.txt answered HTTP 500 (every page of the host disallowed)" \
	    "$e: robots.txt 5xx blocks the whole host, 4xx allows it all"
	is "$(recs "$T/out" url robots attempts)" "r404/page.html|-|1
r404/|-|1
r500/page.html|unreachable|0
r500/|unreachable|0" \
	    "$e: ... robots: unreachable for the 5xx host, null where allowed"
	is "$(since "$m" r500 | tr '\n' ' ')" "GET /robots.txt " \
	    "$e: ... nothing but /robots.txt asked of the 5xx host"
	is "$(since "$m" r404 | grep -c -x 'GET /robots.txt')" 1 \
	    "$e: ... /robots.txt once of the 4xx host"

	# A host nothing listens on: robots.txt cannot be fetched, so its
	# URLs fail unrequested, their records saying so, the network cause
	# first and robots "unreachable" (not "blocked": a dead host is no
	# robots.txt block); the robots.txt request was retried.
	list "$T/dead" "http://127.0.0.1:$DEADPORT/" \
	    "http://127.0.0.1:$DEADPORT/x.html"
	pscrape -j 2 --retries 1 -f jsonl "$T/dead" >"$T/out" 2>"$T/err"
	is "$?:$(recs "$T/out" url ok status attempts robots error |
	    sed 's/after [0-9]* ms/after T ms/')" \
	    "1:http://127.0.0.1:$DEADPORT/x.html|false|0|0|unreachable|Failed to connect to 127.0.0.1 port $DEADPORT after T ms: Couldn't connect to server (robots.txt could not be fetched, 2 attempts)
http://127.0.0.1:$DEADPORT/|false|0|0|unreachable|Failed to connect to 127.0.0.1 port $DEADPORT after T ms: Couldn't connect to server (robots.txt could not be fetched, 2 attempts)" \
	    "$e: a host that is down: the connection failure, robots unreachable"
	pscrape -j 2 --retries 0 -f csv "$T/dead" >"$T/out" 2>"$T/err"
	is "$(sed 's/after [0-9]* ms/after T ms/' "$T/out" | tr -d '\r' | LC_ALL=C sort)" \
	    "http://127.0.0.1:$DEADPORT/,$T/dead:1,,0,false,,,,0,0,0.000,0.000,$e,0,0,,Failed to connect to 127.0.0.1 port $DEADPORT after T ms: Couldn't connect to server (robots.txt could not be fetched),unreachable
http://127.0.0.1:$DEADPORT/x.html,$T/dead:2,,0,false,,,,0,0,0.000,0.000,$e,0,0,,Failed to connect to 127.0.0.1 port $DEADPORT after T ms: Couldn't connect to server (robots.txt could not be fetched),unreachable
url,input,final_url,status,ok,duplicate_of,content_type,charset,bytes,chars,time_ms,ttfb_ms,engine,attempts,depth,referrer,error,robots" \
	    "$e: ... csv: robots the last column"

	# A 429 for robots.txt is retried like any 429, not taken for "no
	# file" (which allows all); once retries run out, robots.txt is
	# unreachable.
	curl -s "$BASE/flaky-reset/robots.r429" >/dev/null
	m=$(mark)
	list "$T/r429" "$SITE_r429/page.html" "$SITE_r429/no/x.html"
	pscrape -j 2 -f jsonl "$T/r429" >"$T/out" 2>"$T/err"
	is "$?:$(recs "$T/out" url ok status attempts robots error)" \
	    "1:r429/no/x.html|false|0|0|blocked|blocked by robots.txt
r429/page.html|true|200|1|-|-" \
	    "$e: robots.txt 429 once, then 200: its rules are obeyed"
	is "$(since "$m" r429 | tr '\n' ' ')" \
	    "GET /robots.txt GET /robots.txt GET /page.html " \
	    "$e: ... /robots.txt asked twice, then the page"
	echo 9 >"$T/sites/r429/robots.flaky"
	curl -s "$BASE/flaky-reset/robots.r429" >/dev/null
	m=$(mark)
	pscrape -j 2 --retries 1 -f jsonl "$T/r429" >"$T/out" 2>"$T/err"
	is "$?:$(recs "$T/out" url ok status attempts robots error)" \
	    "1:r429/no/x.html|false|0|0|unreachable|robots.txt answered HTTP 429 (every page of the host disallowed, 2 attempts)
r429/page.html|false|0|0|unreachable|robots.txt answered HTTP 429 (every page of the host disallowed, 2 attempts)" \
	    "$e: robots.txt 429 past --retries 1: unreachable, all disallowed"
	is "$(since "$m" r429 | tr '\n' ' ')" "GET /robots.txt GET /robots.txt " \
	    "$e: ... /robots.txt asked twice, no page"
	echo 1 >"$T/sites/r429/robots.flaky"

	# /robots.txt answers after 300 ms: the pages of the host wait for
	# it, and it is still asked for once.
	m=$(mark)
	list "$T/sl" "$SITE_slow/" "$SITE_slow/s1.html" "$SITE_slow/nope/n.html"
	pscrape -j 3 -f jsonl "$T/sl" >"$T/out" 2>"$T/err"
	is "$(recs "$T/out" url ok chars error)" \
	    "slow/nope/n.html|false|0|blocked by robots.txt
slow/s1.html|true|12|-
slow/|true|27|-" "$e: a slow robots.txt is waited for"
	is "$(since "$m" slow | grep -c -x 'GET /robots.txt'):$(since "$m" slow | grep -c nope)" \
	    "1:0" "$e: ... asked for once, its Disallow honoured"
	# Crawl-delay: 1 spaces the pages of the host by a second.
	g=$(mingap slow '^/(s1\.html|)$')
	atleast "${g:-0}" 900 "$e: Crawl-delay 1: a second between pages"

	# ==============================================================
	# --rate and --host-rate (lower bounds on the spacing only)
	# ==============================================================
	sequrls "$SITE_a" "/status/200" 6 | sed "s/i=/rt1$e=/" >"$T/rt1"
	pscrape -j 6 --no-robots --rate 10/s -q "$T/rt1" 2>"$T/err"
	# 500 ms, less a late first arrival's delay; twice the rate: 250.
	atleast "$(span a "rt1$e=")" 350 "$e: --rate 10/s: 6 requests spread over 0.5 s (arrivals may jitter)"
	# A burst would put three requests within one interval (100 ms).
	# Load delays an arrival, never brings one forward: one late
	# arrival shortens the gap after it, but not the span of three.
	atleast "$(mingap a "rt1$e=" 2)" 100 "$e: ... evenly, no three within 100 ms"
	sequrls "$SITE_a" "/status/200" 3 | sed "s/i=/rt2$e=/" >"$T/rt2"
	pscrape -j 3 --no-robots --rate 120/m -q "$T/rt2" 2>"$T/err"
	# 1 s when the first arrival is on time; a late first arrival
	# shortens the span (884 ms under TSan in check-all). Twice the
	# rate would give 500 ms: 700 still tells.
	atleast "$(span a "rt2$e=")" 700 "$e: --rate 120/m: 3 requests spread over 1 s (arrivals may jitter)"
	{
		sequrls "$SITE_a" "/status/200" 4 | sed "s/i=/rt3$e=/"
		sequrls "$SITE_b" "/status/200" 4 | sed "s/i=/rt3$e=/"
	} >"$T/rt3"
	pscrape -j 8 --no-robots --host-rate 5/s -q "$T/rt3" 2>"$T/err"
	# 600 ms when the first arrival is on time; a late first arrival
	# shortens the span (539 ms seen at load 20). Twice the rate would
	# give 300 ms: 450 still tells.
	atleast "$(span a "rt3$e=")" 450 "$e: --host-rate 5/s: 4 requests to a host spread over 0.6 s (arrivals may jitter)"
	atleast "$(span b "rt3$e=")" 450 "$e: ... on each host"
	for bad in 0 -1 10/h x/s 10/; do
		pscrape --rate "$bad" "$T/rt1" >/dev/null 2>"$T/err"
		is "$?:$(head -n 1 "$T/err" | cut -d: -f1,2)" "2:pscrape: --rate" \
		    "$e: --rate $bad refused: status 2, naming the option"
	done

	# ==============================================================
	# --retries
	# ==============================================================
	list "$T/re" "$SITE_a/flaky/$e-1/2/503" "$SITE_a/status/404?re=$e" \
	    "$SITE_a/flaky/$e-2/1/500"
	pscrape --no-robots -f jsonl --retries 2 "$T/re" >"$T/out" 2>"$T/err"
	is "$(recs "$T/out" url ok status attempts error)" \
	    "a/flaky/$e-1/2/503|true|200|3|-
a/flaky/$e-2/1/500|false|500|1|HTTP 500
a/status/404?re=$e|false|404|1|HTTP 404" \
	    "$e: --retries 2: 503 twice then ok in 3 attempts; 404 and 500 are not retried"
	is "$(hits a "/flaky/$e-1/2/503"):$(hits a "/status/404?re=$e"):$(hits a "/flaky/$e-2/1/500")" \
	    "3:1:1" "$e: ... the server saw exactly those attempts"

	list "$T/re" "$SITE_a/flaky/$e-3/2/503"
	pscrape --no-robots -f jsonl --retries 1 "$T/re" >"$T/out" 2>"$T/err"
	is "$?:$(recs "$T/out" ok status attempts error)" \
	    "1:false|503|2|HTTP 503" "$e: --retries 1: fails after 2 attempts, naming HTTP 503"

	list "$T/re" "$SITE_a/flaky/$e-4/2/503" "$SITE_a/flaky/$e-5/3/503"
	pscrape --no-robots -f jsonl "$T/re" >"$T/out" 2>"$T/err"
	is "$(recs "$T/out" url ok attempts)" "a/flaky/$e-4/2/503|true|3
a/flaky/$e-5/3/503|false|3" "$e: --retries defaults to 2"

	list "$T/re" "$SITE_a/flaky/$e-6/1/429" "$SITE_a/flaky/$e-7/1/502" \
	    "$SITE_a/flaky/$e-8/1/504"
	pscrape --no-robots -f jsonl --retries 1 "$T/re" >"$T/out" 2>"$T/err"
	is "$(recs "$T/out" url ok status attempts)" \
	    "a/flaky/$e-6/1/429|true|200|2
a/flaky/$e-7/1/502|true|200|2
a/flaky/$e-8/1/504|true|200|2" \
	    "$e: 429, 502 and 504 are retried"
	# Alone, so that the connection is new: on a reused one, libcurl
	# itself sends the request again when the server closes it unanswered.
	list "$T/re" "$SITE_a/drop/$e-9/1"
	pscrape --no-robots -f jsonl --retries 1 "$T/re" >"$T/out" 2>"$T/err"
	is "$(recs "$T/out" url ok status attempts)" "a/drop/$e-9/1|true|200|2" \
	    "$e: a connection closed unanswered is retried"

	# Under valgrind a worker may need more than half a second to
	# reach the server: then the attempt would time out unseen.
	rto=0.5
	[ -n "$wrapped" ] && rto=1.5
	list "$T/re" "$SITE_a/delay/3000?re=$e"
	pscrape --no-robots -f jsonl -t $rto \
	    --retries 1 "$T/re" >"$T/out" 2>"$T/err"
	is "$(recs "$T/out" ok attempts):$(hits a "/delay/3000?re=$e")" \
	    "false|2:2" "$e: a timeout is retried"
	# The server still holds those two until their 3 s are up; later
	# tests count what is in flight, so let them end first.
	i=0
	while [ "$(srvstat a inflight)" != 0 ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done

	list "$T/re" "$SITE_a/flaky/$e-10/1/503?retry-after=1"
	pscrape --no-robots -f jsonl "$T/re" >"$T/out" 2>"$T/err"
	is "$(recs "$T/out" ok attempts)" "true|2" "$e: Retry-After: 1, then ok"
	atleast "$(span a "^/flaky/$e-10/")" 900 "$e: ... retried about 1 s later"

	# ==============================================================
	# --depth, --scope, --max-pages
	# ==============================================================
	F="url depth referrer status chars"
	list "$T/cr" "$SITE_a/"
	pscrape -f jsonl "$T/cr" >"$T/out" 2>"$T/err"
	is "$(recs "$T/out" $F)" "a/|0|-|200|69" \
	    "$e: --depth defaults to 0: the list only, depth 0, referrer null"

	m=$(mark)
	pscrape -j 4 -f jsonl --depth 1 --scope host "$T/cr" >"$T/out" 2>"$T/err"
	is "$?:$(recs "$T/out" $F)" "0:a/a1.html|1|a/|200|43
a/a2.html|1|a/|200|32
a/docs/sub/y.html|1|a/|200|27
a/docs/x.html|1|a/|200|18
a/|0|-|200|69" "$e: --depth 1 --scope host: the links of /, fragments cut, other schemes and hosts left"
	is "$(since "$m" a | sort | uniq -d | wc -l | tr -d ' '):$(since "$m" a | wc -l | tr -d ' ')" \
	    "0:6" "$e: ... each URL requested once (and /robots.txt)"
	is "$(since "$m" b | wc -l | tr -d ' ')" 0 "$e: ... nothing of the other host"

	m=$(mark)
	pscrape -j 4 -f jsonl --depth 2 --scope host "$T/cr" >"$T/out" 2>"$T/err"
	st=$?
	is "$(recs "$T/out" $F)" "a/a1.html|1|a/|200|43
a/a2.html|1|a/|200|32
a/deep/d1.html|2|a/a1.html|200|14
a/docs/sub/w.html|2|a/docs/sub/y.html|200|17
a/docs/sub/y.html|1|a/|200|27
a/docs/x.html|1|a/|200|18
a/docs/z.html|2|a/a2.html|200|34
a/missing.html|2|a/a1.html|404|0
a/|0|-|200|69" "$e: --depth 2: <base href> followed, cycles cut, /deep/d2.html too deep"
	is "$st" 1 "$e: ... the 404 found on the way makes the status 1"
	is "$(since "$m" a | sort | uniq -d | wc -l | tr -d ' '):$(since "$m" a | wc -l | tr -d ' ')" \
	    "0:10" "$e: ... each URL requested once (and /robots.txt)"
	is "$(since "$m" a | grep -c -x 'GET /docs/z.html'):$(since "$m" a | grep -c -e '^GET /z.html' -e d2.html)" \
	    "1:0" "$e: ... z.html taken from the base, d2 not fetched"

	list "$T/cr" "$SITE_a/docs/"
	pscrape -j 4 -f jsonl --depth 5 --scope prefix "$T/cr" >"$T/out" \
	    2>"$T/err"
	is "$(recs "$T/out" $F)" "a/docs/sub/w.html|2|a/docs/sub/y.html|200|17
a/docs/sub/y.html|1|a/docs/|200|27
a/docs/x.html|1|a/docs/|200|18
a/docs/|0|-|200|27" "$e: --scope prefix: only under /docs/"

	# Hosts of one domain (all are 127.0.0.1): ports do not matter.
	list "$T/cr" "$SITE_b/"
	pscrape -j 4 -f jsonl --depth 1 --scope domain "$T/cr" >"$T/out" \
	    2>"$T/err"
	is "$(recs "$T/out" url depth referrer ok error)" \
	    "a/|1|b/|true|-
b/p1.html|1|b/|true|-
b/private/secret.html|1|b/|false|blocked by robots.txt
b/privateer.html|1|b/|true|-
b/|0|-|true|-" "$e: --scope domain: another port of the host is in; robots still apply to found links"

	m=$(mark)
	list "$T/cr" "$SITE_a/"
	pscrape -j 4 -f jsonl --depth 2 --scope host --max-pages 3 "$T/cr" \
	    >"$T/out" 2>"$T/err"
	is "$(wc -l <"$T/out" | tr -d ' '):$(since "$m" a | grep -v -c robots.txt)" \
	    "3:3" "$e: --max-pages 3: three pages requested, three records"
	is "$(recs "$T/out" depth | tr '\n' ' ')" "0 1 1 " \
	    "$e: ... the list's page, then two of its links"

	# ==============================================================
	# --shard
	# ==============================================================
	{
		for s in a b r404; do
			eval "u=\$SITE_$s"
			sequrls "$u" "/status/200" 5 | sed "s/i=/sh$e=/"
		done
	} >"$T/sh"
	sort "$T/sh" >"$T/sh.sorted"
	for by in host url; do
		: >"$T/sh.all"
		k=1
		while [ $k -le 3 ]; do
			pscrape -j 4 --no-robots -f jsonl --shard $k/3 \
			    --shard-by $by "$T/sh" >"$T/sh.$k" 2>/dev/null
			"$PY" -c 'import json, sys
for l in open(sys.argv[1]):
    print(json.loads(l)["url"])' "$T/sh.$k" >"$T/sh.$k.urls"
			cat "$T/sh.$k.urls" >>"$T/sh.all"
			k=$((k + 1))
		done
		is "$(sort "$T/sh.all" | uniq -d)" "" \
		    "$e: --shard K/3 --shard-by $by: no URL in two shards"
		is "$(sort "$T/sh.all")" "$(cat "$T/sh.sorted")" \
		    "$e: ... and together they are the input exactly"
	done
	# By host: every host lies wholly in one shard.
	for k in 1 2 3; do
		pscrape -j 4 --no-robots -f jsonl --shard $k/3 --shard-by host \
		    "$T/sh" 2>/dev/null | grep -o '"url":"http://[^/]*' |
		    sort -u >"$T/hosts.$k"
	done
	is "$(cat "$T/hosts.1" "$T/hosts.2" "$T/hosts.3" | sort | uniq -d)" "" \
	    "$e: --shard-by host: no host in two shards"
	for bad in 0/3 4/3 1/0 x; do
		pscrape --shard "$bad" "$T/sh" >/dev/null 2>"$T/err"
		is "$?:$(head -n 1 "$T/err" | cut -d: -f1,2)" "2:pscrape: --shard" \
		    "$e: --shard $bad refused: status 2, naming the option"
	done
done

done_testing
