#!/bin/sh
# Running from cron: -q, --fail-threshold, --lock, atomic -o and --summary,
# write errors, a reader that goes away, --log, config files, and the
# progress line (only on a terminal).
. "${top_srcdir:-.}/tests/lib/setup.sh"
start_server

printf '%s\n' "$BASE/status/200" "$BASE/redirect/1" >"$T/good"
printf '%s\n' "$BASE/status/200" "$BASE/status/404" "$BASE/status/200?b" \
    "$BASE/status/200?c" "$BASE/status/200" >"$T/mixed"

# --- -q: nothing at all when every URL is ok; failures on stderr, one each
pscrape -q "$T/good" >"$T/out" 2>"$T/err"; st=$?
is "$st:$(cat "$T/out")|$(cat "$T/err")" "0:|" "-q, all ok: no output at all"
pscrape -q "$T/mixed" >"$T/out" 2>"$T/err"; st=$?
is "$st:$(cat "$T/out")|$(cat "$T/err")" "1:|Failed $BASE/status/404: HTTP 404" \
    "-q with a failure: one line on stderr naming URL and reason"
pscrape -q -f jsonl -o "$T/rec.jsonl" "$T/mixed" >"$T/out" 2>/dev/null
is "$(wc -l <"$T/rec.jsonl" | tr -d ' '):$(cat "$T/out")" "5:" \
    "-q leaves records written with -o alone"

# --- --fail-threshold: percent of URLs (duplicates aside) that failed
pscrape -q --fail-threshold 30 "$T/mixed" 2>/dev/null; st=$?
is "$st" 0 "1 failure in 4 URLs (25%) is within --fail-threshold 30"
pscrape -q --fail-threshold 20 "$T/mixed" 2>/dev/null; st=$?
is "$st" 1 "... and over --fail-threshold 20"
# With -q, failures within the threshold stay off stderr (cron mails only
# when the run is judged failed); over it, stderr says which and why.
pscrape -q --fail-threshold 30 -o "$T/rec" --log "$T/flog" "$T/mixed" \
    >"$T/out" 2>"$T/err"; st=$?
is "$st:$(cat "$T/out")|$(cat "$T/err")|$(grep -c 'status/404' "$T/rec"):$(grep -c 'Failed' "$T/flog")" \
    "0:||1:1" "-q, failures within --fail-threshold: nothing on stderr, still in -o and --log"
pscrape -q --fail-threshold 20 "$T/mixed" >"$T/out" 2>"$T/err"; st=$?
is "$st:$(cat "$T/out")|$(cat "$T/err")" \
    "1:|Failed $BASE/status/404: HTTP 404
pscrape: 25.0% of the URLs failed, over --fail-threshold 20" \
    "-q, over --fail-threshold: the failures and the share on stderr"
pscrape --fail-threshold 101 "$T/good" >/dev/null 2>"$T/err"; st=$?
is "$st:$(head -1 "$T/err")" "2:pscrape: --fail-threshold: expected a percentage from 0 to 100, got '101'" \
    "--fail-threshold out of range"

# --- --lock: a second run exits 4 at once, naming the file
printf '%s\n' "$BASE/delay/3000" >"$T/slow"
"$PSCRAPE_BIN" -q --lock "$T/lock" "$T/slow" >/dev/null 2>&1 &
holder=$!
i=0
until grep -q 'delay/3000' "$HTTPD_LOG" 2>/dev/null || [ $i -gt 500 ]; do
	sleep 0.01; i=$((i + 1))
done
pscrape --lock "$T/lock" "$T/good" >"$T/out" 2>"$T/err"; st=$?
is "$st:$(cat "$T/out")|$(cat "$T/err")" "4:|pscrape: another run holds the lock '$T/lock'" \
    "--lock held: status 4, nothing fetched, the file named"
pscrape --lock "$T/lock" --lock-wait 0.2 "$T/good" >/dev/null 2>"$T/err"; st=$?
is "$st:$(cat "$T/err")" "4:pscrape: another run holds the lock '$T/lock' (waited --lock-wait)" \
    "--lock-wait gives up after its time"
kill -KILL $holder
wait $holder 2>/dev/null
pscrape -q --lock "$T/lock" "$T/good"; st=$?
is "$st" 0 "the lock died with the process that held it"

# --- -o and --summary: renamed into place, old file kept on failure
echo old >"$T/res"
echo old >"$T/sum"
"$PSCRAPE_BIN" -q -o "$T/res" --summary "$T/sum" "$T/slow" 2>/dev/null &
pid=$!
sleep 0.5
is "$(cat "$T/res"):$(cat "$T/sum")" "old:old" "mid-run, the old files are still in place"
kill -KILL $pid
wait $pid 2>/dev/null
is "$(cat "$T/res"):$(cat "$T/sum")" "old:old" "a killed run leaves them untouched"
rm -f "$T"/.res.pscrape-* "$T"/.sum.pscrape-*
pscrape -q -o "$T/res" --summary "$T/sum" "$T/good"; st=$?
is "$st:$(wc -l <"$T/res" | tr -d ' '):$(grep -c '"urls":2' "$T/sum")" "0:2:1" \
    "a finished run replaces them"
is "$(ls -a "$T" | grep -c pscrape-)" 0 "no temporary file is left behind"

# --- write errors: exit 3 with a message; a reader going away: quiet
pscrape -o /dev/full "$T/good" 2>"$T/err"; st=$?
is "$st:$(grep -c 'cannot write' "$T/err")" "3:1" "-o /dev/full: status 3 and a message"
pscrape "$T/good" >/dev/full 2>"$T/err"; st=$?
is "$st:$(grep -c 'cannot write' "$T/err")" "3:1" "stdout on /dev/full: status 3"
i=0
while [ $i -lt 200 ]; do echo "$BASE/delay/100?n=$i"; i=$((i + 1)); done >"$T/many"
( pscrape -e async -j 2 "$T/many"; echo "status $?" >"$T/st" ) 2>"$T/err" | head -1 >/dev/null
is "$(cat "$T/st"):$(cat "$T/err")" "status 141:" \
    "a reader that goes away ends the run quietly, status 141"
# 200 pages, 2 at a time, would take 10 s; the run ends after a handful.
n=$(grep -c 'n=' "$HTTPD_LOG")
[ "$n" -le 10 ]
ok $? "... at once: $n of 200 pages requested"

# --- --log: ISO 8601 lines for start, each failure, summary and end
pscrape -q --log "$T/log" "$T/mixed" 2>/dev/null
is "$(sed -E 's/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2} /TS /; s/[0-9.]+ s$/S s/' "$T/log")" \
"TS start pscrape $(pscrape -V | sed -n '1s/^pscrape //p'): engine async, 1 list
TS Failed $BASE/status/404: HTTP 404
TS summary async -j 100: 5 URLs, 3 ok, 1 failed, 1 duplicates, S s
TS end status 1" "--log: one timestamped line per event"

# --- config files: default, -K, overridden by the command line
mkdir -p "$XDG_CONFIG_HOME/pscrape"
printf '# nightly\n\nengine serial\njobs = 7\n  quiet\n' >"$XDG_CONFIG_HOME/pscrape/config"
pscrape --summary "$T/s.json" "$T/mixed" >"$T/out" 2>&1
is "$(grep -o '"engine":"[a-z]*","jobs":[0-9]*' "$T/s.json"):$(cat "$T/out")" \
    "\"engine\":\"serial\",\"jobs\":1:Failed $BASE/status/404: HTTP 404" \
    "the default config is read (engine serial, quiet)"
pscrape -e pool --summary "$T/s.json" "$T/mixed" >/dev/null 2>&1
is "$(grep -o '"engine":"[a-z]*","jobs":[0-9]*' "$T/s.json")" '"engine":"pool","jobs":7' \
    "the command line overrides the config"
pscrape --no-config --summary "$T/s.json" "$T/mixed" >/dev/null 2>&1
is "$(grep -o '"engine":"[a-z]*","jobs":[0-9]*' "$T/s.json")" '"engine":"async","jobs":100' \
    "--no-config skips it"
printf 'timeout 5\nbogus 1\n' >"$T/conf"
pscrape -K "$T/conf" "$T/good" >/dev/null 2>"$T/err"; st=$?
is "$st:$(head -1 "$T/err")" "2:pscrape: $T/conf:2: unknown option 'bogus'" \
    "a bad config line names FILE:LINE"
printf 'jobs\n' >"$T/conf"
pscrape -K "$T/conf" "$T/good" >/dev/null 2>"$T/err"; st=$?
is "$st:$(head -1 "$T/err")" "2:pscrape: $T/conf:1: option 'jobs' needs a value" \
    "a config option without its value"
pscrape -K "$T/none" "$T/good" >/dev/null 2>"$T/err"; st=$?
is "$st:$(head -1 "$T/err")" "2:pscrape: cannot read config '$T/none': No such file or directory" \
    "a missing -K file is an error"
rm -r "$XDG_CONFIG_HOME/pscrape"

# --- the progress line: on a terminal only, erased at the end
i=0
while [ $i -lt 6 ]; do echo "$BASE/delay/400?p=$i"; i=$((i + 1)); done >"$T/prog"
if command -v script >/dev/null 2>&1; then
	script -qec "$PSCRAPE_BIN -e serial -o /dev/null $T/prog" /dev/null \
	    >"$T/tty" 2>&1
	tr '\r' '\n' <"$T/tty" | grep -a 'done' | tail -1 |
	    sed -E 's/[0-9.]+ pages\/s, ETA [0-9?]+( s)?/R/' >"$T/line"
	is "$(grep -c 'serial: [1-5]/6 done, [1-5] ok, 0 failed, R' "$T/line")" 1 \
	    "a progress line on a terminal"
	is "$(grep -ac "$(printf '\033\\[K')engine" "$T/tty")" 1 \
	    "it is erased before the table"
else
	echo "ok $((tap_n += 1)) # SKIP script(1) missing"
	echo "ok $((tap_n += 1)) # SKIP script(1) missing"
fi
# Records going to a file must not erase the line for each record: it is
# redrawn in place at most 4 times a second. A pty counts every lone '\r'
# (each draw or erase starts with one) over a run of 200 records; the bound is the
# behaviour under test, with wall time measured around the whole run.
PY=$(command -v python3 || true)
i=0
while [ $i -lt 200 ]; do echo "$BASE/delay/10?r=$i"; i=$((i + 1)); done >"$T/rate"
if [ -n "$PY" ]; then
	"$PY" - "$PSCRAPE_BIN" "$T/rate" "$T/rate.out" >"$T/pty" <<'PYEOF'
import os, pty, sys, time
t0 = time.monotonic()
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], '-e', 'serial', '-o', sys.argv[3],
        sys.argv[2]])
got = b''
while True:
    try:
        data = os.read(fd, 65536)
    except OSError:
        break
    if not data:
        break
    got += data
os.waitpid(pid, 0)
wall = time.monotonic() - t0
# The pty turns each newline into \r\n: those are not draws.
print(got.count(b'\r') - got.count(b'\r\n'), int(4 * wall) + 4, got.count(b'done,'))
PYEOF
	read -r draws bound lines <"$T/pty"
	[ "$(wc -l <"$T/rate.out")" -eq 200 ] && [ "$lines" -ge 1 ] &&
	    [ "$draws" -le "$bound" ]
	ok $? "records to a file: $draws draws or erases for 200 records, at most $bound (4 a second)"
else
	echo "ok $((tap_n += 1)) # SKIP python3 missing"
fi
pscrape -e serial -o /dev/null "$T/prog" 2>"$T/err"
is "$(grep -c done "$T/err")" 0 "no progress line when stderr is not a terminal"

done_testing
