#!/bin/sh
# The process engine's own promises, beyond the records every engine gives
# (tests/integration/engine_process.sh): the same records as serial on a mixed list;
# a worker killed mid-run costs nothing; a page whose worker dies twice
# fails with the reason; no zombies, no workers left behind, no
# descriptors leaked into workers; exit statuses.
. "${top_srcdir:-.}/tests/lib/setup.sh"
start_server

# Records without what may differ between engines: timings, engine name,
# and the milliseconds in curl's connect errors. Sorted: engines write
# records as pages finish.
norm() {
	untime | sed -E 's/"engine":"[a-z]+"/"engine":E/;
	    s/after [0-9]+ ms/after N ms/' | sort
}
# In the background, for its pid: the shell function would be a subshell.
pscrape_bg() {
	# shellcheck disable=SC2086
	${PSCRAPE_WRAPPER:-} "$PSCRAPE_BIN" "$@" &
}
# The workers of a running pscrape (its children).
workers() {
	ps -o pid= --ppid "$1" | tr -d ' '
}
# Wait until file $1 holds at least $2 lines matching $3 (5 s at most).
wait_lines() {
	i=0
	while [ "$(cat "$1" 2>/dev/null | grep -c "$3")" -lt "$2" ] &&
	    [ $i -lt 500 ]; do
		sleep 0.01
		i=$((i + 1))
	done
}

# --- (1) the same records as the serial engine on a mixed list
{
	for f in "$top_srcdir"/tests/data/corpus/*.html; do
		echo "$BASE/f/corpus/${f##*/}"
	done
	cat <<EOF
$BASE/f/corpus/11-rustc-what-is-rustc.html?gzip=1
$BASE/f/corpus/17-rustdoc-what-is-rustdoc.html?chunked=1
$BASE/f/corpus/README?ct=text/plain
$BASE/status/404
$BASE/status/503
$BASE/status/204
$BASE/redirect/3
$BASE/loop
$BASE/redirect-to?url=ftp://127.0.0.1/x
$BASE/redirect-nolocation
http://127.0.0.1:9/
$BASE/f/corpus/01-std-env-args.html
ftp://127.0.0.1/x
not a url

$BASE/delay/200
$BASE/gzipbomb/1073741824
$BASE/bytes/1000
$BASE/big/5000?chunked=1
http://user:secret@127.0.0.1:$PORT/status/200
$BASE/echo?h=User-Agent
EOF
} >"$T/mixed"
pscrape -e serial -f jsonl "$T/mixed" >"$T/serial" 2>/dev/null; sst=$?
pscrape -e process -j 4 -f jsonl "$T/mixed" >"$T/process" 2>"$T/err"; pst=$?
is "$(norm <"$T/process")" "$(norm <"$T/serial")" \
    "process -j 4 gives the serial engine's records"
is "$(wc -l <"$T/process" | tr -d ' '):$pst:$sst" "52:1:1" \
    "one record per line, and the same exit status (1: some failed)"
is "$(grep -c 'process engine' "$T/err")" 0 "no worker trouble reported"
is "$(grep -c '"engine":"process"' "$T/process")" 52 "records name the engine"

# --- (2) a worker killed mid-run: every URL once, all fetched
i=1
while [ $i -le 40 ]; do
	echo "$BASE/delay/300?kill=$i"
	i=$((i + 1))
done >"$T/kill.list"
# Standard output, not -o: -o appears only when the run is over.
pscrape_bg -e process -j 4 -f jsonl "$T/kill.list" >"$T/kill.out" \
    2>"$T/kill.err"
pid=$!
wait_lines "$T/kill.out" 1 .
victim=$(workers $pid | head -n 1)
kill -KILL "$victim"
sleep 0.3
# The dead worker is reaped at once and replaced: 4 live children.
is "$(ps -o stat= --ppid $pid | grep -c '^Z'):$(workers $pid | wc -l | tr -d ' ')" \
    "0:4" "the killed worker is reaped (no zombie) and replaced"
is "$(workers $pid | grep -cx "$victim")" 0 "the replacement is a new process"
wait $pid; st=$?
is "$st" 0 "the run completes with status 0"
is "$(wc -l <"$T/kill.out" | tr -d ' '):$(grep -o '"input":"[^"]*"' \
    "$T/kill.out" | sort -u | wc -l | tr -d ' ')" "40:40" \
    "exactly one record per URL"
is "$(grep -c '"ok":true' "$T/kill.out")" 40 "all fetched, the killed one again"
is "$(grep -c 'died (signal 9)' "$T/kill.err")" 1 "the death is reported"
is "$(pgrep -f "$T/kill.list" | wc -l | tr -d ' ')" 0 "no worker is left behind"

# --- (3) a page whose worker dies twice fails and names the reason; with
# -j 1 the page is always held by worker 1. The server logs each request
# as it arrives: kill the worker once it has asked for the page, twice.
printf '%s\n' "$BASE/delay/5000?twice=1" "$BASE/status/200?after=1" \
    >"$T/twice.list"
pscrape_bg -e process -j 1 -f jsonl "$T/twice.list" >"$T/twice.out" \
    2>"$T/twice.err"
pid=$!
for n in 1 2; do
	wait_lines "$HTTPD_LOG" $n 'twice=1'
	kill -KILL "$(workers $pid)"
done
wait $pid; st=$?
is "$(head -n 1 "$T/twice.out" | untime)" "{\"url\":\"$BASE/delay/5000?twice=1\",\"input\":\"$T/twice.list:1\",\"final_url\":null,\"status\":0,\"ok\":false,\"duplicate_of\":null,\"content_type\":null,\"charset\":null,\"bytes\":0,\"chars\":0,\"time_ms\":T,\"ttfb_ms\":T,\"engine\":\"process\",\"attempts\":2,\"depth\":0,\"referrer\":null,\"error\":\"worker 1 died (signal 9)\",\"robots\":null}" \
    "the second death fails the page: worker 1 died (signal 9)"
is "$(sed -n 2p "$T/twice.out" | sed -E 's/.*"input":"([^"]*)".*"ok":([a-z]+).*/\1 \2/')" \
    "$T/twice.list:2 true" "the run goes on after it"
is "$(grep -c 'twice=1' "$HTTPD_LOG")" 2 "the page was tried twice, not more"
is "$st" 1 "a page lost to dying workers makes the status 1"
is "$(sed -n 1,2p "$T/twice.err")" \
"pscrape: process engine: worker 1 died (signal 9) while fetching $BASE/delay/5000?twice=1; trying it again
pscrape: process engine: worker 1 died (signal 9) while fetching $BASE/delay/5000?twice=1" \
    "each death is reported on stderr"

# --- (4) nothing of the parent leaks into a worker: it holds its socket
# (fd 3) and /dev/null on 0 and 1, not the output, the list or the other
# workers' sockets; curl's own descriptors come after.
printf '%s\n' "$BASE/delay/2000?fds=1" "$BASE/delay/2000?fds=2" >"$T/fds.list"
pscrape_bg -e process -j 2 -o "$T/fds.out" "$T/fds.list" 2>"$T/fds.err"
pid=$!
wait_lines "$HTTPD_LOG" 2 'fds='
w=$(workers $pid | head -n 1)
fds=$(ls -l /proc/"$w"/fd | sed -n 's/.* \([0-9]*\) -> \(.*\)/\1 \2/p' |
    sed -E 's/socket:\[[0-9]+\]/socket/' | sort -n)
is "$(echo "$fds" | sed -n 1,4p)" "0 /dev/null
1 /dev/null
2 $(readlink /proc/$pid/fd/2)
3 socket" "a worker's descriptors: /dev/null, stderr, its socket"
is "$(echo "$fds" | grep -c -e "fds.out" -e "$T/fds.list" -e /dev/null)" 2 \
    "neither the output nor the list is open in a worker"
wait $pid; st=$?
is "$st:$(ps -o pid= --ppid $pid | wc -l | tr -d ' ')" "0:0" \
    "status 0, and no child is left when the run is over"
is "$(pgrep -f "$T/fds.list" | wc -l | tr -d ' ')" 0 "no worker outlives the run"

# --- (5) exit statuses: all ok is 0, a failure 1, as for every engine
printf '%s\n' "$BASE/status/200?st=1" >"$T/ok.list"
pscrape -e process -j 2 -q "$T/ok.list" >/dev/null 2>&1
is "$?" 0 "all ok: status 0"
printf '%s\n' "$BASE/status/500?st=2" >"$T/bad.list"
pscrape -e process -j 2 -q "$T/bad.list" >/dev/null 2>&1
is "$?" 1 "a failed page: status 1"
pscrape -e process -j 20 -q "$T/ok.list" >/dev/null 2>"$T/err"
is "$?:$(cat "$T/err")" "0:" "more workers than URLs: the idle ones exit quietly"

# --- (6) workers die with their parent: SIGKILLed, it can tell them
# nothing, and a worker would otherwise finish its transfer first (here
# a server that never answers, until -t 20).
printf '%s\n' "$RAW/raw/silent?orphan=1" "$RAW/raw/silent?orphan=2" \
    >"$T/orphan.list"
pscrape_bg -e process -j 2 -t 20 -f jsonl "$T/orphan.list" >/dev/null \
    2>&1
pid=$!
wait_lines "$HTTPD_LOG" 2 'orphan='
n=$(workers $pid | wc -l | tr -d ' ')
exes=$(for w in $(workers $pid); do readlink "/proc/$w/exe"; done | sort -u)
kill -KILL $pid
wait $pid
# Up to 5 s (more under a sanitizer or valgrind), every 0.1 s.
slow=1
if [ -n "${PSCRAPE_WRAPPER:-}" ] ||
    ldd "$PSCRAPE_BIN" 2>/dev/null | grep -q 'lib[at]san'; then
	slow=4
fi
i=0
while [ "$(pgrep -f "$T/orphan.list" | wc -l | tr -d ' ')" != 0 ] &&
    [ $i -lt $((50 * slow)) ]; do
	sleep 0.1
	i=$((i + 1))
done
is "$n:$(pgrep -f "$T/orphan.list" | wc -l | tr -d ' ')" "2:0" \
    "the parent SIGKILLed mid-transfer: its 2 workers are gone within $((5 * slow)) s"

# --- (7) the program workers run (src/worker.h): pscrape-worker, the one
# beside pscrape here, which links neither SQLite nor hiredis; under
# valgrind /proc/PID/exe is valgrind's.
worker_bin=$(dirname "$PSCRAPE_BIN")/pscrape-worker
if [ -z "${PSCRAPE_WRAPPER:-}" ]; then
	is "$exes" "$(readlink -f "$worker_bin")" \
	    "the workers of (6) run pscrape-worker, from beside pscrape"
fi
is "$(ldd "$worker_bin" | grep -c 'libsqlite3\|libhiredis\|libuchardet')" 0 \
    "pscrape-worker is linked to none of SQLite, hiredis, libuchardet"
"$worker_bin" -e process "$T/ok.list" >"$T/out" 2>"$T/err"
is "$?:$(cat "$T/out")|$(cat "$T/err")" "2:|pscrape-worker: this program is a \
worker of pscrape's process engine; run pscrape --engine process" \
    "pscrape-worker run by hand: status 2, and what to run instead"
# One of another build (here a number no build has) becomes the program
# of the parent it names, with the same arguments.
printf '#!/bin/sh\nprintf "[%%s]" "$@"\n' >"$T/args"
chmod +x "$T/args"
PSCRAPE_WORKER_FD=3:-1 PSCRAPE_WORKER_PROGRAM=0:$T/args \
    "$worker_bin" -e process "$T/ok.list" >"$T/out" 2>&1
is "$?:$(cat "$T/out")" "0:[-e][process][$T/ok.list]" \
    "a worker of another build executes its parent's program instead"
# Without a pscrape-worker beside it, pscrape serves as its own worker
# (or runs an installed one): the same records.
mkdir "$T/alone"
cp "$PSCRAPE_BIN" "$T/alone/pscrape"
printf '%s\n' "$BASE/f/corpus/01-std-env-args.html" "$BASE/status/404" \
    "$BASE/bytes/1000" >"$T/three.list"
pscrape -e serial -f jsonl "$T/three.list" 2>/dev/null | norm >"$T/want"
# shellcheck disable=SC2086
${PSCRAPE_WRAPPER:-} "$T/alone/pscrape" -e process -j 2 -f jsonl \
    "$T/three.list" 2>/dev/null | norm >"$T/got"
is "$(diff "$T/want" "$T/got")" "" \
    "pscrape with no pscrape-worker beside it: the records of serial"

done_testing
