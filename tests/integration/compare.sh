#!/bin/sh
# A fair engine comparison: one -j for every engine, the limits that
# applied said above the table, a note when politeness bounded the runs,
# each engine's own peak RSS, and --repeat's medians.
. "${top_srcdir:-.}/tests/lib/setup.sh"
start_server

i=0
while [ $i -lt 12 ]; do echo "$BASE/status/200?c=$i"; i=$((i + 1)); done >"$T/list"
rows() { awk '$1 ~ /^(serial|thread|pool|process|async)$/ { print $1, $2, $3 }' "$1"; }

# --- one -j for all: the largest default among them, or the -j given
pscrape -e pool,process -o /dev/null --summary "$T/s.json" "$T/list" 2>"$T/err"
is "$(head -1 "$T/err")|$(rows "$T/err")" \
    "every engine: -j 32 (the largest default), --per-host 0 (no limit)|pool 32 12
process 32 12" "-e pool,process: both at pool's default -j 32, said above the table"
is "$(grep -o '"engine":"[a-z]*","jobs":[0-9]*' "$T/s.json" | tr '\n' ' ')" \
    '"engine":"pool","jobs":32 "engine":"process","jobs":32 ' "... and in --summary"
pscrape -e serial,thread -j 5 --per-host 0 -o /dev/null "$T/list" 2>"$T/err"
is "$(head -1 "$T/err")|$(rows "$T/err")|$(grep -c '^note' "$T/err")" \
    "every engine: -j 5, --per-host 0 (no limit); serial: -j 1, one at a time|serial 1 12
thread 5 12|0" "-j given: every engine but serial runs it; serial is sequential"
pscrape -e async -o /dev/null "$T/list" 2>"$T/err"
is "$(grep -c 'every engine' "$T/err"):$(rows "$T/err")" "0:async 100 12" \
    "one engine: its own default, no heading"

# --- --per-host bounded the run: 12 URLs on one host, 4 at a time
pscrape -e pool,async -j 8 --per-host 4 -o /dev/null "$T/list" 2>"$T/err"
is "$(sed -n '/^note/,$p' "$T/err")" \
"note: pool had at most 4 of -j 8 in flight: --per-host, --rate or --host-rate
bounded the run, not the engine, so the engines tie (--per-host 0 lifts it)" \
    "a note when --per-host bounded the runs"

# --- peak RSS: each engine's own, the process engine's workers included
pscrape -e serial,process -j 4 -o /dev/null --summary "$T/s.json" "$T/list" 2>/dev/null
rss=$(grep -o '"peak_rss_kb":[0-9]*' "$T/s.json" | cut -d: -f2 | tr '\n' ' ')
set -- $rss
echo "# serial $1 kB, process -j 4 $2 kB"
# A worker is pscrape re-executed with libcurl loaded: 2 MB at the least.
[ "$2" -gt $(($1 + 4 * 2048)) ]
ok $? "process row: pscrape's peak plus its 4 workers' ($2 kB > $1 + 4 x 2048)"
pscrape -e process,serial -j 4 -o /dev/null --summary "$T/s.json" "$T/list" 2>/dev/null
rss=$(grep -o '"peak_rss_kb":[0-9]*' "$T/s.json" | cut -d: -f2 | tr '\n' ' ')
set -- $rss
[ "$2" -lt $(($1 - 4 * 2048)) ]
ok $? "serial after process: its own peak, not the workers' ($2 kB < $1 - 4 x 2048)"

# --- --repeat: rounds of every engine in turn, one row of medians each
pscrape -e serial,async -j 4 --per-host 0 --repeat 3 -o "$T/recs" \
    --summary "$T/s.json" "$T/list" 2>"$T/err"
is "$(rows "$T/err")" "serial 1 12
async 4 12" "--repeat 3: one row per engine"
is "$(grep -o '"engine":"[a-z]*","jobs":[0-9]*,"round":[0-9]' "$T/s.json" |
    sed 's/"jobs":[0-9]*,//' | tr '\n' ' ')" \
'"engine":"serial","round":1 "engine":"async","round":1 "engine":"serial","round":2 "engine":"async","round":2 "engine":"serial","round":3 "engine":"async","round":3 ' \
    "... and six runs in --summary, the engines alternating round by round"
is "$(grep -o '"engine":"[a-z]*","runs":[0-9]*' "$T/s.json" | tr '\n' ' ')" \
    '"engine":"serial","runs":3 "engine":"async","runs":3 ' \
    "... and each engine's runs taken together"
is "$(wc -l <"$T/recs" | tr -d ' ')" 72 "... every run's records (6 x 12)"
is "$(sed -n 2p "$T/err" | tr -s ' ' | cut -d' ' -f1-9)" \
    "engine jobs urls ok failed wall_s pages/s spread p50_ms" \
    "the table has a spread column"
is "$(awk 'length > 100' "$T/err")" "" "the default table fits 100 columns"
# Which engine is slower here varies; the slower median is the baseline.
is "$(awk '$1 ~ /^(serial|async)$/ { print $7, $NF }' "$T/err" | sort -n |
    head -1 | cut -d' ' -f2)" "1.00x" "the slowest median pages/s is the baseline"
pscrape -e serial,async -j 4 --per-host 0 --repeat 2 -v -o /dev/null \
    "$T/list" 2>"$T/err"
is "$(sed -n 2p "$T/err" | tr -s ' ')" \
    "engine jobs urls ok failed dups MB chars wall_s pages/s MB/s chars/s p50_ms p90_ms p99_ms max_ms user_s sys_s rss_MB spread speedup" \
    "-v: every column"
pscrape -e async -o /dev/null "$T/list" 2>"$T/err"
is "$(head -1 "$T/err" | tr -s ' ')" \
    "engine jobs urls ok failed wall_s pages/s p50_ms p99_ms cpu_s rss_MB" \
    "one engine, one run: no spread, no speedup"
pscrape --repeat 0 "$T/list" 2>"$T/err"
is "$?:$(head -1 "$T/err")" \
    "2:pscrape: --repeat: expected an integer from 1 to 100, got '0'" \
    "--repeat 0 is refused"

done_testing
