#!/bin/sh
# A crawl shared by many processes on Redis (issue 16): --frontier. The test
# starts its own redis-server on a unix socket in its scratch directory
# (stopped on exit) and serves a generated site of 4 hosts
# (tests/lib/multisite.py). Four processes of different engines run the
# same command against one frontier:
#  - a list of 2,000 lines: exactly one record per line over them all,
#    each URL requested once;
#  - a crawl with one process killed (SIGKILL) while it holds URLs: the
#    union of the records is the breadth-first set (URL and depth), the
#    killed process's URLs are fetched by the others after --lease, their
#    records say "releases", and no other URL is requested twice;
#  - --max-pages is global; robots.txt is fetched once per host; --status
#    counts; options that differ are refused; SIGTERM gives a process's
#    URLs back; Redis going away ends every process with exit status 5;
#  - politeness over them all: --per-host N (the server's most in flight
#    at the host), --host-rate, Crawl-delay, a 429's Retry-After, a 429
#    doubling the host's interval over them all;
#  - a line's record owed by a process killed before it wrote it is
#    written by the process that takes its lease over.
. "${top_srcdir:-.}/tests/lib/setup.sh"
. "$top_srcdir/tests/lib/redis.sh"

# run4 NAME OUT OPTION...: the 4 engines against frontier NAME, side by
# side; OUT.1..OUT.4 get their records, OUT.rc their exit statuses.
run4() {
	_name=$1 _out=$2
	shift 2
	_i=0
	_pids=
	for e in async thread pool process; do
		_i=$((_i + 1))
		pscrape --no-config -e "$e" -j 4 -f jsonl --frontier \
		    "$(fr "$_name")" "$@" >"$_out.$_i" 2>"$_out.err$_i" &
		_pids="$_pids $!"
	done
	: >"$_out.rc"
	for p in $_pids; do
		wait "$p"
		echo $? >>"$_out.rc"
	done
}

# --- the options ----------------------------------------------------------
pscrape --no-config --frontier redis://127.0.0.1 "$T/list" >/dev/null \
    2>"$T/err"
is "$? $(cat "$T/err")" "2 pscrape: --frontier 'redis://127.0.0.1': not redis://HOST[:PORT]/NAME or unix:///PATH?name=NAME" \
    "a --frontier URL without a NAME: exit 2"
pscrape --no-config --frontier "unix://$T/none.sock?name=x" "$T/list" \
    >/dev/null 2>"$T/err"
is "$? $(sed 's/:[^:]*$//' "$T/err")" \
    "5 pscrape: --frontier unix://$T/none.sock?name=x: cannot connect" \
    "a Redis that cannot be reached: exit 5"
pscrape --no-config --status >/dev/null 2>"$T/err"
is "$? $(cat "$T/err")" "2 pscrape: --status needs --frontier URL" \
    "--status without --frontier: exit 2"
pscrape --no-config --state "$T/st" --frontier "$(fr x)" "$T/list" \
    >/dev/null 2>"$T/err"
is "$? $(cat "$T/err")" "2 pscrape: --frontier runs one engine once: no --state, no engine list, no --repeat" \
    "--frontier with --state: exit 2"

# --- a list of 2,000 lines -------------------------------------------------
# 1,800 URLs, 150 lines repeating one of them, 50 lines that are no URL.
"$PY" - "$T/list" >"$T/list2k" <<'EOF'
import random, sys
rng = random.Random(16)
sites = sorted({l.rsplit("/", 1)[0] for l in open(sys.argv[1])})
urls = [f"{rng.choice(sites)}/p{rng.randrange(60) // 10 * 10 + 1}.html?n={i}"
        for i in range(1800)]
lines = urls + [rng.choice(urls) for _ in range(150)] + \
    [f"not a url {i}" for i in range(50)]
rng.shuffle(lines)
print("\n".join(lines))
EOF
: >"$HTTPD_LOG"
run4 list "$T/l" --per-host 0 --no-robots "$T/list2k"
# Exit 1 from the processes that wrote a failure: a line that is no URL.
want_rc=
for i in 1 2 3 4; do
	if grep -q '"ok":false' "$T/l.$i"; then want_rc="${want_rc}1 "
	else want_rc="${want_rc}0 "; fi
done
is "$(cat "$T/l.rc" | tr '\n' ' ')" "$want_rc" \
    "list: exit 1 where a failure was written, else 0"
cat "$T/l.1" "$T/l.2" "$T/l.3" "$T/l.4" >"$T/l.all"
is "$(wc -l <"$T/l.all" | tr -d ' ')" 2000 "list: 2000 records in all"
is "$(field "$T/l.all" input | sort -u | wc -l | tr -d ' ')" 2000 \
    "list: each of the 2000 lines has its record"
is "$(field "$T/l.all" duplicate_of | grep -c .)" 150 \
    "list: 150 records are duplicates"
is "$(grep -c 'not a URL (expected' "$T/l.all")" 50 \
    "list: 50 records for the lines that are no URL"
page_requests >"$T/l.req"
is "$(wc -l <"$T/l.req" | tr -d ' ') $(awk '$1 > 1' "$T/l.req" | wc -l | tr -d ' ')" \
    "1800 0" "list: each of the 1800 URLs requested once"
pscrape --no-config --frontier "$(fr list)" --status >"$T/l.status"
is "$(sed -n 2,5p "$T/l.status")" \
    "level 0: found 1800, done 1800, queued 0
total: found 1800, done 1800, in flight 0, queued 0
pages 1800, processes 0, released 0
$(tally "$T/l.all")" "list: --status counts"
is "$(sed -n 5p "$T/l.status" | sed 's/;.*//')" \
    "records 2000: ok 1800, failed 50, duplicates 150" \
    "list: --status: the records of all the processes"
for i in 1 2 3 4; do
	echo "finished; $(tally "$T/l.$i")"
done | LC_ALL=C sort >"$T/l.tallies"
is "$(sed -n 's/^process [1-4] (\([^ ]*\) pid [0-9]*): /\1 /p' "$T/l.status" |
    LC_ALL=C sort)" "$(sed "s/^/$(uname -n) /" "$T/l.tallies")" \
    "list: --status: each process's host, end and counts"
pscrape --no-config -q -f jsonl --frontier "$(fr list)" --depth 1 \
    "$T/list2k" >/dev/null 2>"$T/err"
is "$? $(sed 's/ (its.*//' "$T/err")" \
    "2 pscrape: --frontier $(fr list) holds another crawl" \
    "list: a process with other options is refused"

# --- the commands a list takes ------------------------------------------------
# One process, 40 lines: admitted 16 at a time, one script call for a
# batch (3 calls name the lines: 16, 16, 8); scripts by EVALSHA;
# --per-host 0 takes no slot, so none is given back (ZREM).
grep '^http' "$T/list2k" | head -n 40 >"$T/list40"
redis-cli -s "$SOCK" monitor >"$T/monitor" 2>/dev/null &
mon=$!
until_is 1 sh -c "redis-cli -s '$SOCK' client list | grep -c cmd=monitor"
pscrape --no-config -f jsonl --per-host 0 --no-robots --frontier \
    "$(fr batch)" "$T/list40" >"$T/b.out" 2>"$T/err"
is "$?" 0 "batches: exit 0"
# Every command before this mark is in the monitor's file once it is.
redis-cli -s "$SOCK" echo batches-end >/dev/null
until_is 1 sh -c "grep -c batches-end '$T/monitor'"
kill $mon
wait $mon 2>/dev/null
# What the process sent, not what its scripts ran ("[0 lua]").
grep ' \[0 unix' "$T/monitor" >"$T/sent"
is "$(grep -c 'list40:' "$T/sent")" 3 "batches: 40 lines in 3 script calls"
# The done batch and the counts go in one pipelined round trip, by EVAL
# (a NOSCRIPT reply there could not be sent again): those two only.
is "$(grep -c '"EVALSHA"' "$T/sent") $(grep -i '\] "eval"' "$T/sent" |
    grep -v -e 'local P, pid, n = ARGV' -e "local f = {'records'" | wc -l |
    tr -d ' ')" "$(grep -c '"EVALSHA"' "$T/sent") 0" \
    "batches: scripts by EVALSHA, but the pipelined done batch and counts"
is "$(grep -ci '"zrem"' "$T/sent")" 0 "batches: no ZREM under --per-host 0"
is "$(field "$T/b.out" input | sort -u | wc -l | tr -d ' ')" 40 \
    "batches: a record for each of the 40 lines"
# Redis forgets its scripts (SCRIPT FLUSH, as a restart does) while the
# process runs: it sends them again (EVAL), and the run goes on.
pscrape --no-config -f jsonl --per-host 0 --no-robots --rate 20 \
    --frontier "$(fr flush)" "$T/list40" >"$T/f.out" 2>"$T/err" &
fpid=$!
until [ -s "$T/f.out" ] || ! kill -0 $fpid 2>/dev/null; do sleep 0.01; done
redis-cli -s "$SOCK" script flush >/dev/null
wait $fpid
is "$?" 0 "scripts flushed: exit 0"
is "$(field "$T/f.out" input | sort -u | wc -l | tr -d ' ')" 40 \
    "scripts flushed: a record for each of the 40 lines"

# --- a crawl, one process killed -------------------------------------------
# The list: the 4 seeds, and a page that answers after 4 s. Process 1
# starts alone and takes every line (it is the frontier's process 1); the
# others join, and process 1 is killed while it holds the slow page (the
# server logs a request when it answers): after --lease 2 another process
# fetches it again.
SLOW=$BASE/delay/4000
{ cat "$T/list"; echo "$SLOW"; } >"$T/clist"
DEPTH=12
"$PY" "$top_srcdir/tests/lib/multisite.py" crawl "$T/sites" $DEPTH \
    <"$T/seeds" | sed -f "$T/sites.sed" >"$T/want.tmp"
{ cat "$T/want.tmp"; echo "$SLOW 0"; } | LC_ALL=C sort >"$T/want"
is "$(awk '{ print $2 }' "$T/want" | sort -n | uniq -c | awk '{ printf "%s ", $1 }')" \
    "5 9 14 20 35 46 43 23 9 2 1 1 " \
    "crawl: the site has pages at depths 0 to 11 (multisite.py)"
: >"$HTTPD_LOG"
COPTS="--depth $DEPTH --scope domain --lease 2"
# Not through the pscrape function: $! must be the process to kill.
# shellcheck disable=SC2086
${PSCRAPE_WRAPPER:-} "$PSCRAPE_BIN" --no-config -e async -j 4 -f jsonl \
    --frontier "$(fr crawl)" $COPTS "$T/clist" >"$T/c.1" 2>"$T/c.err1" &
KILLED=$!
until_is 5 redis-cli -s "$SOCK" hlen 'pscrape:{crawl}:lines'
i=0
_pids=
for e in thread pool process; do
	i=$((i + 1))
	pscrape --no-config -e "$e" -j 4 -f jsonl --frontier "$(fr crawl)" \
	    $COPTS "$T/clist" >"$T/c.$((i + 1))" 2>"$T/c.err$((i + 1))" &
	_pids="$_pids $!"
done
is "$(redis-cli -s "$SOCK" sismember 'pscrape:{crawl}:held:1' "$SLOW")" 1 \
    "crawl: process 1 holds the slow page"
kill -9 $KILLED
{ wait $KILLED; } 2>/dev/null	# no "Killed" from the shell
is "$?" 137 "crawl: process 1 killed (SIGKILL)"
: >"$T/c.rc"
for p in $_pids; do
	wait "$p"
	echo $? >>"$T/c.rc"
done
is "$(cat "$T/c.rc" | tr '\n' ' ')" "0 0 0 " "crawl: the other 3 exit 0"
got "$T/c.1" "$T/c.2" "$T/c.3" "$T/c.4" >"$T/got"
if cmp -s "$T/got" "$T/want"; then ok 0 "crawl: the union of the records is the breadth-first set (URL, depth)"
else
	ok 1 "crawl: the union of the records is the breadth-first set (URL, depth)"
	diff "$T/got" "$T/want" | sed 's/^/# /' | head -10
fi
cat "$T/c.2" "$T/c.3" "$T/c.4" >"$T/c.others"
is "$(grep -c "\"url\":\"$SLOW\".*\"releases\":1" "$T/c.others")" 1 \
    "crawl: the slow page fetched again by another process, marked releases: 1"
released=$(pscrape --no-config --frontier "$(fr crawl)" --status |
    sed -n 's/.*released \([0-9]*\)$/\1/p')
is "$(grep -c '"releases":' "$T/c.others")" "$released" \
    "crawl: a record says releases for each URL released ($released)"
# The URLs requested twice: only those the killed process held.
page_requests | awk '$1 > 1 { print $2, $3 }' >"$T/twice"
grep '"releases":' "$T/c.others" | field /dev/stdin url |
    sed 's|^http://[^:]*:\([0-9]*\)|\1 |' | LC_ALL=C sort -u >"$T/released"
is "$(LC_ALL=C sort -u "$T/twice" | LC_ALL=C comm -23 - "$T/released" | wc -l | tr -d ' ')" 0 \
    "crawl: no URL requested twice but those released"
is "$(page_requests | wc -l | tr -d ' ')" "$(wc -l <"$T/want" | tr -d ' ')" \
    "crawl: every page of the set requested"
is "$(pscrape --no-config --frontier "$(fr crawl)" --status | sed -n '/^total/p')" \
    "total: found 208, done 208, in flight 0, queued 0" \
    "crawl: --status: every URL found is done"

# --- robots.txt once per host ------------------------------------------------
# The crawl again, no process killed: robots.txt is fetched by one process
# for all (the others wait for its copy), though every process fetches
# pages of every host.
"$PY" "$top_srcdir/tests/lib/multisite.py" crawl "$T/sites" $DEPTH \
    <"$T/seeds" | sed -f "$T/sites.sed" | LC_ALL=C sort >"$T/fwant"
: >"$HTTPD_LOG"
run4 full "$T/f" --depth $DEPTH --scope domain "$T/list"
is "$(cat "$T/f.rc" | tr '\n' ' ')" "0 0 0 0 " "robots: every process exits 0"
is "$(got "$T/f.1" "$T/f.2" "$T/f.3" "$T/f.4")" "$(cat "$T/fwant")" \
    "robots: the union of the records is the breadth-first set"
n=0
for i in 1 2 3 4; do
	[ "$(field "$T/f.$i" url | sed 's|/[^/]*$||' | sort -u | wc -l)" -eq 4 ] &&
	    n=$((n + 1))
done
echo "# processes that fetched pages of all 4 hosts: $n"
is "$(LC_ALL=C sed -n 's/^[0-9.]* \([0-9]*\) GET \/robots.txt$/\1/p' "$HTTPD_LOG" |
    sort | uniq -c | awk '{ printf "%s ", $1 }')" "1 1 1 1 " \
    "robots: robots.txt requested once per host over the 4 processes"

# --- --max-pages over all the processes ------------------------------------
: >"$HTTPD_LOG"
run4 max "$T/m" --depth $DEPTH --scope domain --max-pages 50 "$T/list"
is "$(cat "$T/m.rc" | tr '\n' ' ')" "0 0 0 0 " "--max-pages: every process exits 0"
is "$(got "$T/m.1" "$T/m.2" "$T/m.3" "$T/m.4" | wc -l | tr -d ' ')" 50 \
    "--max-pages 50: 50 pages over the 4 processes"
is "$(cat "$T/m.1" "$T/m.2" "$T/m.3" "$T/m.4" | wc -l | tr -d ' ')" 50 \
    "--max-pages 50: 50 records, none twice"
is "$(pscrape --no-config --frontier "$(fr max)" --status | sed -n 's/, processes.*//p')" \
    "pages 50" "--max-pages 50: --status counts 50 pages"

# --- a process stopped by SIGTERM gives its URLs back -----------------------
# It holds a page that answers after 5 s when it is stopped: no record for
# it, the page back in its queue; a process started again fetches it and
# the crawl goes on.
TSLOW=$BASE/delay/5000
{ cat "$T/list"; echo "$TSLOW"; } >"$T/tlist"
"$PY" "$top_srcdir/tests/lib/multisite.py" crawl "$T/sites" 2 \
    <"$T/seeds" | sed -f "$T/sites.sed" >"$T/want.tmp"
{ cat "$T/want.tmp"; echo "$TSLOW 0"; } | LC_ALL=C sort >"$T/twant"
# shellcheck disable=SC2086
${PSCRAPE_WRAPPER:-} "$PSCRAPE_BIN" --no-config -f jsonl \
    --frontier "$(fr term)" --depth 2 --scope domain "$T/tlist" \
    >"$T/t.1" 2>"$T/t.err1" &
T1=$!
until_is 4 redis-cli -s "$SOCK" get 'pscrape:{term}:done:0'
kill -TERM $T1
wait $T1
is "$?" 143 "SIGTERM: exit 143"
is "$(wc -l <"$T/t.1" | tr -d ' ') $(grep -c delay "$T/t.1")" "4 0" \
    "SIGTERM: the 4 seeds' records, none for the page it held"
is "$(pscrape --no-config --frontier "$(fr term)" --status | sed -n 2p)" \
    "level 0: found 5, done 4, queued 1" "SIGTERM: the page is back in its queue"
pscrape --no-config -f jsonl --frontier "$(fr term)" --depth 2 \
    --scope domain "$T/tlist" >"$T/t.2" 2>"$T/t.err2"
is "$?" 0 "SIGTERM: a process started again exits 0"
is "$(got "$T/t.1" "$T/t.2")" "$(cat "$T/twant")" \
    "SIGTERM: the two processes' records are the breadth-first set"
is "$(cat "$T/t.1" "$T/t.2" | wc -l | tr -d ' ')" "$(wc -l <"$T/twant" | tr -d ' ')" \
    "SIGTERM: one record for each URL"

# --- politeness over all the processes ----------------------------------------
# hits SITE PATTERN: the number of arrivals at SITE whose target matches
# (the server's log: "SECONDS.MMM PORT METHOD TARGET"); span: the ms from
# the first of them to the last; gap: from the first to the next arrival.
hits() {
	eval "_p=\$SITEPORT_$1"
	awk -v p="$_p" -v re="$2" '$2 == p && $4 ~ re { n++ }
	    END { print n + 0 }' "$HTTPD_LOG"
}
span() {
	eval "_p=\$SITEPORT_$1"
	awk -v p="$_p" -v re="$2" '$2 == p && $4 ~ re { f = f == "" ? $1 : f; l = $1 }
	    END { printf "%d\n", (l - f) * 1000 + 0.5 }' "$HTTPD_LOG"
}
gap() {
	eval "_p=\$SITEPORT_$1"
	awk -v p="$_p" -v re="$2" '$2 != p { next }
	    t != "" { printf "%d\n", ($1 - t) * 1000 + 0.5; exit }
	    $4 ~ re { t = $1 }' "$HTTPD_LOG"
}
# slower MS MIN WHAT: a lower bound on a time (load only delays); none
# under a wrapper (valgrind), whose requests leave late and unevenly.
slower() {
	if [ -n "${PSCRAPE_WRAPPER:-}" ]; then
		ok 0 "$3 # SKIP timing under a wrapper"
	else
		[ "${1:-0}" -ge "$2" ]
		ok $? "$3 ($1 >= $2)"
	fi
}
stat() {	# stat SITE KEY: the server's count KEY of SITE's port
	eval "curl -s \"\$SITE_$1/stats\"" | sed -n "s/^$2 //p"
}
# hub SITE NAME TARGET N: a page NAME.html of SITE linking to TARGET1 ..
# TARGETN, and the list $T/NAME of that page: a crawl of --depth 1 then
# has its N pages claimed in batches by all the processes (a list's lines
# go to the first process that reads them: its window holds them all).
hub() {
	_i=0
	while [ $_i -lt "$4" ]; do
		_i=$((_i + 1))
		echo "<a href=\"$3$_i\">$_i</a>"
	done >"$T/sites/$1/$2.html"
	eval "echo \"\$SITE_$1/$2.html\"" >"$T/$2"
}
for n in 1 2; do
	hub h0 "ph$n" "/delay/150?ph$n=" 24
	curl -s "$SITE_h0/stats/reset" >/dev/null
	run4 "ph$n" "$T/ph" --no-robots --depth 1 --per-host "$n" "$T/ph$n"
	is "$(sort -u "$T/ph.rc") $(cat "$T/ph".[1-4] | wc -l | tr -d ' ')" \
	    "0 25" "--per-host $n: every process exits 0, a record per page"
	# Each process alone may have 4 (-j 4) in flight: 16 without the
	# shared slots.
	is "$(stat h0 max) $(stat h0 total)" "$n 25" \
	    "--per-host $n: at most $n in flight at the host over the 4 processes"
done

hub h1 hr "/status/200?hr=" 20
run4 hr "$T/hr" --no-robots --depth 1 --host-rate 5/s "$T/hr"
is "$(sort -u "$T/hr.rc") $(hits h1 'hr=')" "0 20" \
    "--host-rate 5/s: every process exits 0, 20 requests"
# 3,800 ms when the first arrival is on time (a late one shortens the
# span); the processes each on their own sent their 20 in 1.4 s.
slower "$(span h1 'hr=')" 2800 \
    "--host-rate 5/s over 4 processes: 20 requests spread over 3.8 s"

printf 'User-agent: *\nCrawl-delay: 0.5\n' >"$T/sites/h3/robots.txt"
hub h3 cd "/status/200?cd=" 8
run4 cd "$T/cd" --depth 1 "$T/cd"
rm -f "$T/sites/h3/robots.txt"
is "$(sort -u "$T/cd.rc") $(hits h3 'cd=')" "0 8" \
    "Crawl-delay 0.5: every process exits 0, 8 requests"
slower "$(span h3 'cd=')" 2800 \
    "Crawl-delay 0.5 over 4 processes: 8 requests spread over 3.5 s"

# A 429 with Retry-After: 2 holds every process's next request to the
# host back (--per-host 1: none is in flight when it comes).
hub h2 ra "/delay/200?ra=" 11
echo '<a href="/flaky/ra/1/429?retry-after=2">429</a>' >>"$T/sites/h2/ra.html"
run4 ra "$T/ra" --no-robots --depth 1 --per-host 1 --retries 1 "$T/ra"
is "$(sort -u "$T/ra.rc") $(cat "$T/ra".[1-4] | grep -c '"status":200')" \
    "0 13" "a 429 with Retry-After 2: every process exits 0, 13 pages"
slower "$(gap h2 '/flaky/ra/')" 1600 \
    "a 429 with Retry-After 2: no process starts at the host for 2 s"

# A 429 doubles the host's interval over all the processes, not only in
# the process that got it: another process's 429 made it 1 s (set here in
# Redis), so this process's 429 makes it 2 s (its own count alone: 1 s),
# and its retry waits for that.
echo "$SITE_h2/flaky/dbl/1/429" >"$T/dbl"
redis-cli -s "$SOCK" hset "pscrape:{dbl}:host:$SITE_h2" interval 1000 \
    >/dev/null
pscrape --no-config -f jsonl --no-robots --retries 1 --frontier "$(fr dbl)" \
    "$T/dbl" >"$T/dbl.out" 2>/dev/null
is "$?:$(field "$T/dbl.out" attempts):$(redis-cli -s "$SOCK" hget "pscrape:{dbl}:host:$SITE_h2" interval)" \
    "0:2:2000" "a 429 doubles the host's interval over all the processes (1 s to 2 s)"
slower "$(gap h2 '/flaky/dbl/')" 1600 \
    "... and the retry waits for the doubled interval"

# A killed process's slot is free when its lease runs out: the process
# that takes its URL over gets the host's one slot (else it would wait on
# for ever: the guard of timeout(1) makes that a failure, not a hang).
echo "$SITE_h0/delay/3000?dead" >"$T/dead"
SLOTS="pscrape:{dead}:slots:$SITE_h0"
# shellcheck disable=SC2086
${PSCRAPE_WRAPPER:-} "$PSCRAPE_BIN" --no-config -f jsonl --no-robots \
    --per-host 1 --lease 2 --frontier "$(fr dead)" "$T/dead" \
    >"$T/dead.1" 2>"$T/dead.err1" &
D1=$!
until_is 1 redis-cli -s "$SOCK" zcard "$SLOTS"
kill -9 $D1
{ wait $D1; } 2>/dev/null
is "$?:$(redis-cli -s "$SOCK" zrange "$SLOTS" 0 -1)" "137:1:1" \
    "a process killed in a transfer: its slot (process 1, slot 1) stays in Redis"
timeout 120 "$PSCRAPE_BIN" --no-config -f jsonl --no-robots --per-host 1 \
    --lease 2 --frontier "$(fr dead)" "$T/dead" >"$T/dead.2" 2>"$T/dead.err2"
is "$?:$(field "$T/dead.2" releases):$(redis-cli -s "$SOCK" zcard "$SLOTS")" \
    "0:1:0" "... after its lease the next process takes it, fetches the URL (releases 1) and gives it back"

# --- --load: the lists loaded once, processes with no list ---------------------
head -n 300 "$T/list2k" >"$T/list300"
LD=$(fr load)
pscrape --no-config --frontier "$LD" >/dev/null 2>"$T/err"
is "$? $(cat "$T/err")" "2 pscrape: --frontier $LD: no list given, and none loaded (pscrape --frontier $LD --load FILE...)" \
    "load: a process with no list and nothing loaded: exit 2"
pscrape --no-config --frontier "$LD" --load "$T/list300" 2>"$T/err"
is "$? $(cat "$T/err")" \
    "0 pscrape: --frontier $LD: 300 lines read, 300 loaded (0 loaded before)" \
    "load: 300 lines loaded"
pscrape --no-config --frontier "$LD" --load "$T/list300" 2>"$T/err"
is "$? $(cat "$T/err")" \
    "0 pscrape: --frontier $LD: 300 lines read, 0 loaded (300 loaded before)" \
    "load: loaded again, nothing added"
is "$(redis-cli -s "$SOCK" llen "pscrape:{load}:input")" 300 \
    "load: 300 lines queued"
: >"$HTTPD_LOG"
_pids=
for e in async thread process; do
	pscrape --no-config -e "$e" -j 4 -f jsonl --per-host 0 --no-robots \
	    --frontier "$LD" >"$T/ld.$e" 2>"$T/ld.err.$e" &
	_pids="$_pids $!"
done
_rc=
for p in $_pids; do
	wait "$p"
	_rc="$_rc$? "
done
# Exit 1 from a process that wrote a failure (a line that is no URL).
is "$(echo "$_rc" | tr 1 0)" "0 0 0 " "load: 3 processes with no list end"
cat "$T/ld.async" "$T/ld.thread" "$T/ld.process" >"$T/ld.all"
is "$(wc -l <"$T/ld.all" | tr -d ' ')" 300 "load: 300 records over the 3"
seq 300 | sed "s|^|$T/list300:|" >"$T/ld.want"
is "$(field "$T/ld.all" input | LC_ALL=C sort)" \
    "$(LC_ALL=C sort "$T/ld.want")" \
    "load: one record for each line, named FILE:LINE"
is "$(field "$T/ld.all" duplicate_of | grep -c .)" \
    "$(grep '^http' "$T/list300" | sort | uniq -d -c |
    awk '{ n += $1 - 1 } END { print n + 0 }')" \
    "load: the repeated lines are duplicates"
is "$(grep -c 'not a URL (expected' "$T/ld.all")" \
    "$(grep -vc '^http' "$T/list300")" \
    "load: a record for each line that is no URL"
page_requests >"$T/ld.req"
is "$(awk '$1 > 1' "$T/ld.req" | wc -l | tr -d ' ')" 0 \
    "load: each URL requested once"
pscrape --no-config --frontier "$LD" --load "$T/list300" 2>/dev/null
pscrape --no-config -f jsonl --per-host 0 --no-robots --frontier "$LD" \
    >"$T/ld.again" 2>"$T/err"
is "$? $(wc -l <"$T/ld.again" | tr -d ' ')" "0 0" \
    "load: loaded again after the crawl, no record added"
# A process with no list stopped by SIGTERM: the loaded lines it took and
# had not looked at go back, with its unfinished URLs; another process
# does the rest, and the two write one record for each line.
LD2=$(fr load2)
pscrape --no-config --frontier "$LD2" --load "$T/list300" 2>/dev/null
pscrape --no-config -f jsonl --per-host 0 --no-robots --rate 50 \
    --frontier "$LD2" >"$T/ld2.a" 2>/dev/null &
_pid=$!
until [ "$(wc -l <"$T/ld2.a")" -ge 20 ] || ! kill -0 $_pid 2>/dev/null; do
	sleep 0.01
done
kill -TERM $_pid
wait $_pid
is "$?" 143 "load: a process stopped by SIGTERM: exit 143"
pscrape --no-config -f jsonl --per-host 0 --no-robots --frontier "$LD2" \
    >"$T/ld2.b" 2>/dev/null
is "$(field "$T/ld2.a" "$T/ld2.b" input | LC_ALL=C sort)" \
    "$(LC_ALL=C sort "$T/ld.want")" \
    "load: after a stop, one record for each line over the two"
# A process with no list SIGKILLed: the loaded lines it took and had not
# claimed (in reading:PID) go back when its lease runs out, with its held
# URLs. A line in 10 is no URL, so a batch of 16 jobs spans two takes and
# the killed process holds lines it has not looked at. Over the killed
# process and 2 others: a record for every line; a line with two records
# has one marked releases (its URL fetched again after the lease).
LD3=$(fr load3)
i=0
while [ $i -lt 200 ]; do
	if [ $((i % 10)) -eq 5 ]; then echo "not a url $i"
	else echo "$BASE/delay/$((100 + i))"; fi
	i=$((i + 1))
done >"$T/list.k"
pscrape --no-config --frontier "$LD3" --load "$T/list.k" 2>/dev/null
${PSCRAPE_WRAPPER:-} "$PSCRAPE_BIN" --no-config -f jsonl -j 2 --per-host 0 \
    --no-robots --lease 2 --frontier "$LD3" >"$T/ld3.a" 2>/dev/null &
_pid=$!
until [ "$(wc -l <"$T/ld3.a")" -ge 20 ] || ! kill -0 $_pid 2>/dev/null; do
	sleep 0.01
done
kill -9 $_pid
{ wait $_pid; } 2>/dev/null
is "$?" 137 "load: a process with no list SIGKILLed: exit 137"
for k in b c; do
	pscrape --no-config -f jsonl -j 2 --per-host 0 --no-robots --lease 2 \
	    --frontier "$LD3" >"$T/ld3.$k" 2>/dev/null &
	eval "_p$k=\$!"
done
wait $_pb
wait $_pc
cat "$T/ld3.a" "$T/ld3.b" "$T/ld3.c" >"$T/ld3.all"
seq 200 | sed "s|^|$T/list.k:|" | LC_ALL=C sort >"$T/ld3.want"
is "$(field "$T/ld3.all" input | LC_ALL=C sort -u)" "$(cat "$T/ld3.want")" \
    "load: after a SIGKILL, a record for every loaded line over the three"
field "$T/ld3.all" input | LC_ALL=C sort | uniq -d >"$T/ld3.twice"
grep '"releases":' "$T/ld3.all" | field /dev/stdin input | LC_ALL=C sort -u \
    >"$T/ld3.rel"
is "$(LC_ALL=C comm -23 "$T/ld3.twice" "$T/ld3.rel")" "" \
    "load: a line with two records has one marked releases"
is "$(redis-cli -s "$SOCK" llen 'pscrape:{load3}:input'):$(redis-cli -s "$SOCK" keys 'pscrape:{load3}:reading:*')" \
    "0:" "load: no loaded line left queued or held"
pscrape --no-config --frontier "$LD" --shard 1/2 >/dev/null 2>"$T/err"
is "$? $(cat "$T/err")" "2 pscrape: --frontier with no list takes the loaded lines: no --shard" \
    "load: no --shard with the loaded lines: exit 2"
pscrape --no-config --load "$T/list300" 2>"$T/err"
is "$? $(cat "$T/err")" "2 pscrape: --load needs --frontier URL" \
    "load: --load without --frontier: exit 2"

# --- a line's record owed by a process that dies --------------------------------
# A line whose record its process writes itself, with no URL to hold (a
# duplicate, a line over --max-pages, one that is no URL), is owed in
# Redis from its claim to its write; PSCRAPE_TEST_KILL=owed:3 kills the
# process at its third such claim: the bad line 3 is claimed (and
# written) as the list is read, then lines 1 to 4 are admitted in one
# step: 1 new, 2 its duplicate, 4 over --max-pages 1, and the process is
# killed before it writes 2 and 4 (and fetches 1). A second process runs
# the same command: once the lease runs out it fetches 1 and writes the
# records of 2 and 4, marked releases; 3, written but perhaps not yet
# told, may be written again, marked.
printf '%s\n' "$BASE/delay/1?o=1" "$BASE/delay/1?o=1" "not a url o" \
    "$BASE/delay/1?o=4" >"$T/list.o"
OW=$(fr owed)
PSCRAPE_TEST_KILL=owed:3 ${PSCRAPE_WRAPPER:-} "$PSCRAPE_BIN" --no-config \
    -f jsonl --per-host 0 --no-robots --lease 1 --max-pages 1 \
    --frontier "$OW" "$T/list.o" >"$T/ow.a" 2>/dev/null
is "$?:$(redis-cli -s "$SOCK" hkeys 'pscrape:{owed}:owed:1' | LC_ALL=C sort | tr '\n' ' ')" \
    "137:$T/list.o:2 $T/list.o:3 $T/list.o:4 " \
    "owed: a process killed before it writes the records of lines 2 and 4: their records owed in Redis"
pscrape --no-config -f jsonl --per-host 0 --no-robots --lease 1 \
    --max-pages 1 --frontier "$OW" "$T/list.o" >"$T/ow.b" 2>/dev/null
is "$?" 1 "owed: the same command again: exit 1 (the line over --max-pages)"
# records FILE...: input, ok, duplicate_of, error, releases of each record.
records() {
	cat "$@" | "$PY" -c 'import json, sys
for line in sys.stdin:
    r = json.loads(line)
    print(r["input"].rsplit(":", 1)[1], r["ok"], r.get("duplicate_of"),
          r.get("error"), r.get("releases"))' | LC_ALL=C sort
}
is "$(records "$T/ow.b" | grep -v '^3 ')" \
    "1 True None None 1
2 True $T/list.o:1 None 1
4 False None not fetched: --max-pages reached over the --frontier 1" \
    "owed: the second process fetches line 1 and writes the owed records of lines 2 and 4, marked releases"
is "$(records "$T/ow.a" "$T/ow.b" | cut -d' ' -f1 | LC_ALL=C sort -u | tr '\n' ' ')" \
    "1 2 3 4 " "owed: a record for every line over the two"
is "$(records "$T/ow.a"):$(records "$T/ow.b" | grep '^3 ' | grep -cv ' 1$')" \
    "3 False None $T/list.o:3: not a URL (expected http:// or https://) None:0" \
    "owed: the line that is no URL written by the first; if again by the second, marked releases"
is "$(redis-cli -s "$SOCK" keys 'pscrape:{owed}:owed:*')" "" \
    "owed: nothing left owed"

# --- --status: a process killed on this host is gone, not running ------------
# Its lease (30 s) still says it runs; its pid says otherwise. Before it,
# the same process is running.
: >"$HTTPD_LOG"
echo "$BASE/delay/30000?dead=1" >"$T/dlist"
${PSCRAPE_WRAPPER:-} "$PSCRAPE_BIN" --no-config -f jsonl --no-robots \
    --lease 30 --frontier "$(fr died)" "$T/dlist" >/dev/null 2>&1 &
DIED=$!
until_is 1 grep -c 'dead=1' "$HTTPD_LOG"
state() {
	pscrape --no-config --frontier "$(fr died)" --status |
	    sed -n 's/^process 1 ([^ ]* pid \([0-9]*\)): \([^;]*\);.*/\1 \2/p' |
	    sed 's/in [0-9]* s)/in N s)/'
}
is "$(state)" "$DIED running" "--status: a process in a transfer is running"
kill -9 $DIED
{ wait $DIED; } 2>/dev/null
is "$(state)" "$DIED gone (not running on this host, lost when its lease runs out in N s)" \
    "--status: that process SIGKILLed: gone, until its lease runs out"

# --- Redis goes away ----------------------------------------------------------
: >"$HTTPD_LOG"
echo "$BASE/delay/60000" >"$T/glist"
cat "$T/list" >>"$T/glist"
pscrape --no-config -f jsonl --frontier "$(fr gone)" $COPTS "$T/glist" \
    >"$T/g.1" 2>"$T/g.err1" &
G1=$!
# The 4 seeds done, the slow page in flight: level 0 cannot end.
until_is 4 redis-cli -s "$SOCK" get 'pscrape:{gone}:done:0'
stop_redis
wait $G1
is "$?" 5 "Redis gone: exit 5"
is "$(sed -n 's/\(name=gone\): .*; stopping$/\1; stopping/p' "$T/g.err1")" \
    "pscrape: --frontier $(fr gone); stopping" "Redis gone: said once"
is "$(grep -c "\"url\":\"$BASE/delay/60000\".*\"error\":\"interrupted by the loss of the --frontier\"" "$T/g.1")" 1 \
    "Redis gone: the page in flight has its record"

done_testing
