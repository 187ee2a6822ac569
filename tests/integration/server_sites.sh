#!/bin/sh
# The test server itself, with curl(1) on 127.0.0.1: --sites (files,
# {{SITE_name}}, robots.status and robots.delay, no escaping the site),
# the per-port /stats, the request log, /flaky and /drop.
. "${top_srcdir:-.}/tests/lib/setup.sh"
. "$top_srcdir/tests/lib/sites.sh"
if ! command -v curl >/dev/null 2>&1; then
	echo "1..0 # SKIP no curl(1)"
	exit 0
fi
make_sites "$T/sites"
start_server_sites "$T/sites"

# STATUS CONTENT-TYPE and body of a GET (curl: one connection, no retry).
get() {
	curl -s --path-as-is -w '\n%{http_code} %{content_type}' "$@"
}
code() {
	curl -s --path-as-is -o /dev/null -w '%{http_code}' "$@"
}

# --- the port file and setup.sh's variables
is "$(sed -n '4,$p' "$T/port" | cut -d' ' -f1,2 | tr '\n' ' ')" \
    "SITE a SITE b SITE big SITE r404 SITE r429 SITE r500 SITE slow " \
    "the port file: a SITE line per site, by name, after the three ports"
is "$SITES|$SITE_a|$SITE_slow" \
    "a b big r404 r429 r500 slow|http://127.0.0.1:$SITEPORT_a|http://127.0.0.1:$SITEPORT_slow" \
    "start_server_sites: SITES, SITE_name and SITEPORT_name"
distinct=$(for s in $SITES; do eval "echo \$SITEPORT_$s"; done; echo "$PORT")
is "$(echo "$distinct" | sort -u | wc -l | tr -d ' ')" 8 \
    "every site has a port of its own"

# --- files, index.html, types, {{SITE_name}}
is "$(get "$SITE_a/docs/x.html")" \
    '<html><head><title>X</title></head><body><p>Document x.</p><a href="sub/y.html">y</a> <a href="../a1.html">one</a></body></html>

200 text/html' "a site file as it is, text/html"
is "$(get "$SITE_a/docs/" | tail -1):$(get "$SITE_a/docs/" | head -1 | cut -c1-38)" \
    "200 text/html:<html><head><title>Docs</title></head>" \
    "a path ending in / serves index.html"
is "$(get "$SITE_a/" | grep -o 'href="http[^"]*"')" "href=\"$SITE_b/\"" \
    "{{SITE_b}} becomes site b's URL in an .html file"
is "$(curl -s "$SITE_a/" | wc -c | tr -d ' ')" \
    "$((420 + ${#SITEPORT_b}))" "... and the length follows"
is "$(get "$SITE_a/notes.txt")" "notes {{SITE_b}}

200 text/plain" "... but not in a .txt file, which is text/plain"
is "$(get "$SITE_a/missing.html")" "<html><body><p>not found</p></body></html>
404 text/html" "a missing file: 404"
is "$(code "$SITE_a/docs"):$(code "$SITE_a/deep/")" "404:404" \
    "a directory without its slash, or without an index.html: 404"
for p in /../port /docs/../a1.html /%2e%2e/port /docs/%2E%2E/a1.html \
    /%2e%2e%2fport /./a1.html //a1.html /docs//x.html; do
	is "$(code "$SITE_a$p")" 400 "no way out of the site: $p is refused"
done
is "$(code "$SITE_a/%252e%252e/port")" 404 \
    "a doubly encoded .. is a name like any other (none such): 404"
ln -s "$T/port" "$T/sites/a/link.html"
is "$(code "$SITE_a/link.html")" 404 "a symbolic link is not followed"
is "$(code -I "$SITE_a/a1.html"):$(curl -s -I "$SITE_a/a1.html" | tr -d '\r' | grep -i '^content-length')" \
    "200:Content-Length: 199" "HEAD of a site file"

# --- routes first, on every port
is "$(get "$SITE_b/status/418")" "<html><body><p>status 418</p></body></html>
418 text/html" "routes work on a site port"
is "$(get "$SITE_a/f/fixtures/crlf.html" | tail -1)" "200 text/html" \
    "... /f/ included"
is "$(code "$BASE/"):$(code "$BASE/a1.html")" "404:404" \
    "the main port serves no site"

# --- robots.txt, robots.status, robots.delay
is "$(get "$SITE_b/robots.txt")" "# Only the pscrape group applies to pscrape.
User-agent: otherbot
Disallow: /

User-agent: pscrape
Disallow: /private/

User-agent: *
Disallow: /

200 text/plain" "robots.txt as it is, text/plain"
curl -s -o "$T/big.txt" "$SITE_big/robots.txt"
is "$(wc -c <"$T/big.txt" | tr -d ' ')|$(head -c 512000 "$T/big.txt" | tail -n 1)|$(tail -c +512001 "$T/big.txt" | head -c 1)" \
    "614438|Allow: /private-b|u" \
    "site big: a robots.txt past 600 KiB, its byte 512,000 (0-based) inside an Allow line"
is "$(get "$SITE_a/robots.txt" | tail -1)" "404 text/html" \
    "no robots.txt: 404"
is "$(get "$SITE_r500/robots.txt")" "<html><body><p>status 500</p></body></html>
500 text/html" "robots.status 500"
is "$(get "$SITE_r404/robots.txt")" "<html><body><p>status 404</p></body></html>
404 text/html" "robots.status 404 wins over the robots.txt beside it"
is "$(code "$SITE_r404/robots.status"):$(code "$SITE_slow/robots.delay")" \
    "404:404" "robots.status and robots.delay are not served"
ms=$(curl -s -o /dev/null -w '%{time_total}' "$SITE_slow/robots.txt" |
    awk '{ printf "%d", $1 * 1000 }')
ok "$([ "$ms" -ge 290 ] && echo 0 || echo 1)" "robots.delay 300: /robots.txt answers after 300 ms (took $ms)"
curl -s "$BASE/flaky-reset/robots.r429" >/dev/null
is "$(code "$SITE_r429/robots.txt") $(get "$SITE_r429/robots.txt")" \
    "429 User-agent: *
Disallow: /no/

200 text/plain" "robots.flaky 1: robots.status once, then robots.txt"
curl -s "$BASE/flaky-reset/robots.r429" >/dev/null
is "$(code "$SITE_r429/robots.txt"):$(code "$SITE_r429/robots.flaky")" \
    "429:404" "... again after /flaky-reset/robots.r429; robots.flaky not served"
echo 200 >"$T/sites/r500/robots.status"
is "$(code "$SITE_r500/robots.txt")" 200 "robots.status is read at each request"
echo 500 >"$T/sites/r500/robots.status"

# --- per-port /stats
curl -s "$SITE_a/stats/reset" >/dev/null
curl -s "$SITE_b/stats/reset" >/dev/null
u=$SITE_a/delay/300
curl -s -Z --parallel-immediate -o /dev/null -o /dev/null -o /dev/null \
    -o /dev/null -o /dev/null "$u" "$u" "$u" "$u" "$u" 2>/dev/null
is "$(curl -s "$SITE_a/stats")" "inflight 0
max 5
total 5
conns 5" "5 concurrent /delay/300 on a site: max 5, total 5, 5 connections"
is "$(curl -s "$SITE_b/stats")" "inflight 0
max 0
total 0
conns 0" "... and nothing on another site's port"
curl -s "$SITE_b/a1.html" "$SITE_b/" "$SITE_b/flaky-reset/x" >/dev/null
is "$(curl -s "$SITE_b/stats")" "inflight 0
max 1
total 2
conns 1" "files and 404s count, /stats and /flaky-reset do not; one connection"
curl -s "$SITE_b/flaky-reset/x" >/dev/null
curl -s "$SITE_b/a1.html" >/dev/null
curl -s "$SITE_b/a1.html" "$SITE_b/a1.html" >/dev/null
is "$(curl -s "$SITE_b/stats" | sed -n 4p)" "conns 3" \
    "conns: a connection counts at its first counted request, not before"
is "$(curl -s "$SITE_a/stats?all=1" | sed -n 2p)" "max 5" \
    "/stats?all=1: every port together"
curl -s "$SITE_a/stats/reset" >/dev/null
is "$(curl -s "$SITE_a/stats")" "inflight 0
max 0
total 0
conns 0" "/stats/reset"
curl -s "$SITE_slow/stats/reset" >/dev/null
curl -s -o /dev/null "$SITE_slow/delay/600" &
bg=$!
sleep 0.3
is "$(curl -s "$SITE_slow/stats")" "inflight 1
max 1
total 1
conns 1" "a request in flight shows as such"
wait $bg

# --- the log: SECONDS.MMM PORT METHOD TARGET, in arrival order
curl -s -o /dev/null "$SITE_r404/page.html?x=1&y=%20" \
    -o /dev/null "$SITE_r404/nothing" -o /dev/null "$SITE_r404/stats"
curl -s -I -o /dev/null "$SITE_r404/"
is "$(grep " $SITEPORT_r404 " "$HTTPD_LOG" | tail -4 |
    sed -E 's/^[0-9]{10}\.[0-9]{3} /T /')" "T $SITEPORT_r404 GET /page.html?x=1&y=%20
T $SITEPORT_r404 GET /nothing
T $SITEPORT_r404 GET /stats
T $SITEPORT_r404 HEAD /" "log lines: time to the ms, port, method, target"
is "$(requests "$SITEPORT_r404" | tail -2)" "GET /stats
HEAD /" "requests PORT: that port's requests only"
curl -s -o /dev/null "$RAW/raw/empty?q=1"
is "$(requests "$RAWPORT" | tail -1)" "GET /raw/empty?q=1" \
    "the raw port's requests are logged with its port"
is "$(grep -c " $SITEPORT_a GET /delay/300" "$HTTPD_LOG")" 5 \
    "each of the concurrent requests is logged"

# --- /flaky: N failures, then 200 "ok KEY"
seq_of() {	# seq_of N URL: the N statuses and Retry-After values
	i=0
	while [ $i -lt "$1" ]; do
		curl -s -D - -o /dev/null "$2" | tr -d '\r' |
		    sed -n 's/^HTTP\/1.1 \([0-9]*\).*/\1/p; s/^Retry-After: /ra=/p' |
		    tr '\n' ' '
		i=$((i + 1))
	done
}
is "$(seq_of 4 "$SITE_a/flaky/k1/2/503?retry-after=1")" \
    "503 ra=1 503 ra=1 200 200 " "/flaky/k1/2/503?retry-after=1: 503, 503, then 200"
is "$(curl -s "$SITE_a/flaky/k1/2/503")" "<html><body><p>ok k1</p></body></html>" \
    "the 200 says ok KEY"
is "$(curl -s "$SITE_b/flaky/k2/1/429")" "<html><body><p>status 429</p></body></html>" \
    "a failure reads like /status/N"
is "$(seq_of 2 "$SITE_a/flaky/k2/1/429")" "200 200 " \
    "a key counts across ports"
is "$(seq_of 3 "$BASE/flaky/k3/0/500")" "200 200 200 " "N 0: never fails"
curl -s "$BASE/flaky-reset/k1" >/dev/null
is "$(seq_of 3 "$BASE/flaky/k1/2/502")" "502 502 200 " "/flaky-reset/KEY"
curl -s "$BASE/flaky-reset/" >/dev/null
is "$(seq_of 1 "$BASE/flaky/k2/1/504")" "504 " "/flaky-reset/: every key"
is "$(code "$BASE/flaky/k4/x/503"):$(code "$BASE/flaky/k4/1/99"):$(code "$BASE/flaky/k%20/1/503")" \
    "404:404:404" "a bad count, status or key: 404"

# --- /drop: N connections closed without an answer, then 200
drops() {	# drops N URL: curl's exit status and status, N times
	i=0
	while [ $i -lt "$1" ]; do
		c=$(curl -s -o /dev/null -w '%{http_code}' "$2")
		printf '%s:%s ' $? "$c"
		i=$((i + 1))
	done
}
is "$(drops 4 "$SITE_b/drop/d1/2")" "52:000 52:000 0:200 0:200 " \
    "/drop/d1/2: two empty replies (curl 52), then 200"
is "$(curl -s "$SITE_b/drop/d1/2")" "<html><body><p>ok d1</p></body></html>" \
    "... saying ok KEY"
curl -s "$SITE_b/stats/reset" >/dev/null
drops 1 "$SITE_b/drop/d2/1" >/dev/null
is "$(curl -s "$SITE_b/stats")" "inflight 0
max 1
total 1
conns 1" "a dropped request counts and is no longer in flight"
is "$(kill -0 "$SERVER_PID" && echo alive)" alive "the server is still up"

done_testing
