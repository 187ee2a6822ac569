#!/bin/sh
# Redis restarted mid-crawl (issue 16): three processes (async, thread and
# process engines) crawl the generated site of 4 hosts on one --frontier
# whose Redis persists every write (appendonly, appendfsync always). Redis
# is stopped at level 3 or a little after, once by SIGKILL and once by
# SIGTERM: every process exits 5, saying so once, with a record for each
# URL it held. Redis is started again on the same files and the same
# command run again: it goes on from where the crawl was (it does not
# start over), every process exits 0, and the records of both attempts
# are the breadth-first set (URL and depth), each page requested once
# but those the dead processes held.
. "${top_srcdir:-.}/tests/lib/setup.sh"
. "$top_srcdir/tests/lib/redis.sh"

PERSIST="--appendonly yes --appendfsync always --dir $T/rdata"
mkdir "$T/rdata"
stop_redis
# shellcheck disable=SC2086
start_redis $PERSIST

DEPTH=12
"$PY" "$top_srcdir/tests/lib/multisite.py" crawl "$T/sites" $DEPTH \
    <"$T/seeds" | sed -f "$T/sites.sed" | LC_ALL=C sort >"$T/want"
N=$(wc -l <"$T/want" | tr -d ' ')
COPTS="--depth $DEPTH --scope domain --lease 2"

# run3 NAME OUT: the 3 processes against frontier NAME, started side by
# side (not waited for: $PIDS).
run3() {
	PIDS=
	_i=0
	for e in async thread process; do
		_i=$((_i + 1))
		# Not through the pscrape function: $! must be pscrape.
		# shellcheck disable=SC2086
		${PSCRAPE_WRAPPER:-} "$PSCRAPE_BIN" --no-config -e "$e" -j 4 \
		    -f jsonl --frontier "$(fr "$1")" $COPTS "$T/list" \
		    >"$2.$_i" 2>"$2.err$_i" &
		PIDS="$PIDS $!"
	done
}
# waitall OUT: wait for $PIDS; their exit statuses, one a line, in OUT.rc.
waitall() {
	: >"$1.rc"
	for p in $PIDS; do
		wait "$p"
		echo $? >>"$1.rc"
	done
}
# level NAME: the level crawl NAME is at.
level() {
	redis-cli -s "$SOCK" get "pscrape:{$1}:level"
}
# urls FILE...: the URLs of the records, once each.
urls() {
	cat "$@" | "$PY" -c 'import json, sys
for line in sys.stdin:
    print(json.loads(line)["url"])' | LC_ALL=C sort -u
}

for sig in KILL TERM; do
	name=r$sig
	: >"$HTTPD_LOG"
	run3 "$name" "$T/$name"
	_i=0
	until [ "$(level "$name")" -ge 3 ] 2>/dev/null || [ $_i -gt 20000 ]; do
		_i=$((_i + 1))
		sleep 0.01
	done
	pscrape --no-config --frontier "$(fr "$name")" --status >"$T/$name.st"
	is "$(grep -c '^process [1-3] ([^ ]* pid [0-9]*): running; records' "$T/$name.st")" 3 \
	    "SIG$sig to Redis: before, --status: 3 processes running"
	stop_redis "$sig"
	waitall "$T/$name"
	is "$(tr '\n' ' ' <"$T/$name.rc")" "5 5 5 " \
	    "SIG$sig to Redis at level 3 or after: every process exits 5"
	n=0
	for i in 1 2 3; do
		[ "$(grep -c "^pscrape: --frontier $(fr "$name"): .*; stopping\$" \
		    "$T/$name.err$i")" = 1 ] && n=$((n + 1))
	done
	is "$n" 3 "SIG$sig to Redis: each process says once that the --frontier went away"
	n=0
	for i in 1 2 3; do
		k=$(grep -c 'interrupted by the loss of the --frontier"' "$T/$name.$i")
		grep -q "^pscrape: --frontier $(fr "$name"): $k URLs held here were not finished (their records say so); the same command, run again once Redis is back, goes on with the crawl\$" \
		    "$T/$name.err$i" && n=$((n + 1))
	done
	is "$n" 3 "SIG$sig to Redis: each process says at its end how many URLs it cut, and how to go on"
	sed 's/^/# /' "$T/$name.err1"
	# shellcheck disable=SC2086
	start_redis $PERSIST
	# The crawl may have gone on a level between the poll above and the
	# stop; what matters is that Redis kept it (a crawl started over
	# would be at level 0, or have none).
	lv=$(level "$name")
	[ "${lv:-0}" -ge 3 ] && [ "$lv" -le $DEPTH ]
	ok $? "SIG$sig to Redis: started again, the crawl is where it was (level $lv, 3 or more)"
	redis-cli -s "$SOCK" --scan --pattern "pscrape:{$name}:held:*" |
	    while read -r k; do redis-cli -s "$SOCK" smembers "$k"; done |
	    LC_ALL=C sort -u >"$T/$name.held"
	urls "$T/$name".[1-3] >"$T/$name.urls1"
	is "$(LC_ALL=C comm -23 "$T/$name.held" "$T/$name.urls1" | wc -l | tr -d ' ')" 0 \
	    "SIG$sig to Redis: each URL a process held has a record ($(wc -l <"$T/$name.held" | tr -d ' ') held)"
	run3 "$name" "$T/$name.b"
	waitall "$T/$name.b"
	is "$(tr '\n' ' ' <"$T/$name.b.rc")" "0 0 0 " \
	    "SIG$sig to Redis: the same command again: every process exits 0"
	got "$T/$name".[1-3] "$T/$name".b.[1-3] >"$T/$name.got"
	if cmp -s "$T/$name.got" "$T/want"; then
		ok 0 "SIG$sig to Redis: the union of the records of both attempts is the breadth-first set"
	else
		ok 1 "SIG$sig to Redis: the union of the records of both attempts is the breadth-first set"
		diff "$T/$name.got" "$T/want" | sed 's/^/# /' | head -10
	fi
	# Requested twice: only what the dead processes held (in Redis, as
	# released), not what they had finished.
	page_requests | awk '$1 > 1 { print $2, $3 }' | LC_ALL=C sort >"$T/twice"
	sed 's|^http://[^:]*:\([0-9]*\)|\1 |' "$T/$name.held" |
	    LC_ALL=C sort >"$T/held2"
	is "$(LC_ALL=C comm -23 "$T/twice" "$T/held2" | wc -l | tr -d ' ')" 0 \
	    "SIG$sig to Redis: no page requested twice but those held ($(wc -l <"$T/twice" | tr -d ' ') twice)"
	is "$(page_requests | wc -l | tr -d ' ')" "$(wc -l <"$T/want" | tr -d ' ')" \
	    "SIG$sig to Redis: every page of the set requested"
	pscrape --no-config --frontier "$(fr "$name")" --status >"$T/$name.st"
	is "$(sed -n '/^total/p' "$T/$name.st")" \
	    "total: found $N, done $N, in flight 0, queued 0" \
	    "SIG$sig to Redis: --status: every URL found is done"
	for i in 1 2 3; do
		echo "finished; $(tally "$T/$name.b.$i")"
	done | LC_ALL=C sort >"$T/tallies"
	is "$(sed -n 's/^process [1-3] ([^)]*): //p' "$T/$name.st" | sed 's/;.*//' | sort -u)
$(sed -n 's/^process [4-6] ([^)]*): //p' "$T/$name.st" | LC_ALL=C sort)" \
	    "lost
$(cat "$T/tallies")" \
	    "SIG$sig to Redis: --status: the processes of the first attempt lost, those of the second finished, with their counts"
done

# The process engine: a transfer in a worker, cut by the loss of Redis
# (the parent stops its workers with SIGTERM), has the record of the
# other engines.
echo "$BASE/delay/60000" >"$T/plist"
# shellcheck disable=SC2086
${PSCRAPE_WRAPPER:-} "$PSCRAPE_BIN" --no-config -e process -f jsonl \
    --no-robots --frontier "$(fr proc)" "$T/plist" >"$T/p.out" \
    2>"$T/p.err" &
P1=$!
# The worker's transfer under way: the server has the request (a job a
# worker holds but has not started is "not started: ...").
until_is 1 sh -c "grep -c ' GET /delay/60000\$' '$HTTPD_LOG'"
stop_redis
wait $P1
is "$?:$(field "$T/p.out" error)" \
    "5:interrupted by the loss of the --frontier" \
    "process engine: the page in a worker when Redis goes away: exit 5, its record says so"

done_testing
