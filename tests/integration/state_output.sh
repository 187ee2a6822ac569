#!/bin/sh
# --state with -o FILE (issue 15): the attempt that goes on with a run cut
# short starts FILE with what the attempt before wrote there, so that
# FILE ends up with the whole run, as a cron job's one command line
# expects: after a SIGKILL, the lines of the temporary file the killed
# attempt left (a line cut short by the kill is not kept: its record is
# replayed); after a SIGTERM, those of FILE.partial, which goes once FILE
# is whole. A CSV file keeps one header. A new run (the last one
# finished) starts FILE afresh.
. "${top_srcdir:-.}/tests/lib/setup.sh"

PY=$(command -v python3 || true)
if [ -z "$PY" ]; then
	echo "Bail out! python3 is needed to check the records"
	exit 1
fi
start_server

# check FILE LIST N [csv]: "ok", or what is wrong: FILE's records (JSONL,
# or CSV with one header) hold, for each of the N lines of LIST, one
# record that is not a replay, or only replays; nothing else.
check() {
	"$PY" - "$@" <<'EOF'
import collections, csv, json, sys
f, lst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
if len(sys.argv) > 4:
    rows = list(csv.reader(open(f, newline="")))
    head = rows[0]
    recs = [dict(zip(head, r)) for r in rows[1:]]
    for r in recs:
        r["replayed"] = r["replayed"] == "true"
    bad = ["a header again"] if any(r == head for r in rows[1:]) else []
else:
    recs = [json.loads(l) for l in open(f)]
    bad = []
lines = {"%s:%d" % (lst, i) for i in range(1, n + 1)}
plain = collections.Counter(r["input"] for r in recs if not r["replayed"])
twice = [k for k, c in plain.items() if c > 1]
if twice:
    bad.append("twice %s" % sorted(twice)[:3])
got = {r["input"] for r in recs}
if got != lines:
    bad.append("missing %s extra %s" % (sorted(lines - got)[:3],
        sorted(got - lines)[:3]))
print("; ".join(bad) or "ok")
EOF
}
# pages N MS: N URLs of pages answered after MS ms, one a line.
pages() {
	_i=0
	while [ $_i -lt "$1" ]; do
		_i=$((_i + 1))
		echo "$BASE/delay/$2?i=$_i"
	done
}
# tmps NAME: the temporary files of -o $T/NAME left in $T.
tmps() {
	ls -A "$T" | grep -c "^\.$1\.pscrape-......\$"
}

N=60
pages $N 20 >"$T/list"
OPTS="--no-config -f jsonl --per-host 0 -j 4"

# --- SIGKILL: right after the first batch is written ---------------------
PSCRAPE_TEST_KILL=write:1 pscrape $OPTS --state "$T/st1" -o "$T/out1.jsonl" \
    "$T/list" 2>/dev/null
rc=$?
tmp=$(ls -A "$T" | grep '^\.out1\.jsonl\.pscrape-')
k=$(wc -l <"$T/$tmp" | tr -d ' ')
is "$rc:$(tmps out1.jsonl):$([ "$k" -gt 0 ] && echo some)" "137:1:some" \
    "SIGKILL: the killed attempt leaves its temporary file, with records"
cp "$T/$tmp" "$T/kept1"
pscrape $OPTS --state "$T/st1" -o "$T/out1.jsonl" "$T/list" 2>"$T/err"
is "$? $(head -n 1 "$T/err")" "0 pscrape: --state $T/st1: the run goes on: '$T/out1.jsonl' starts with the $k lines the attempt before wrote (from '$T/$tmp')" \
    "SIGKILL: the same command: exit 0, and it says where the file goes on from"
is "$(check "$T/out1.jsonl" "$T/list" $N)" ok \
    "SIGKILL: the file has the whole run: one record for each line (or its replay)"
is "$(head -n "$k" "$T/out1.jsonl" | cmp -s - "$T/kept1" && echo same):$(tmps out1.jsonl)" \
    "same:0" "SIGKILL: it starts with the killed attempt's lines; no temporary file left"

# --- a line cut short by the kill is not kept --------------------------------
PSCRAPE_TEST_KILL=write:1 pscrape --no-config -f csv --per-host 0 -j 4 \
    --state "$T/st3" -o "$T/out3.csv" "$T/list" 2>/dev/null
tmp=$(ls -A "$T" | grep '^\.out3\.csv\.pscrape-')
k=$(wc -l <"$T/$tmp" | tr -d ' ')
printf 'http://cut.example/,list:999,' >>"$T/$tmp"
pscrape --no-config -f csv --per-host 0 -j 4 --state "$T/st3" -o "$T/out3.csv" \
    "$T/list" 2>"$T/err"
is "$? $(grep -c "starts with the $k lines the attempt before wrote (from '$T/$tmp')\$" "$T/err")" "0 1" \
    "CSV: the same command keeps the $k whole lines (the header and the records)"
is "$(check "$T/out3.csv" "$T/list" $N csv):$(grep -c '^url,' "$T/out3.csv"):$(grep -c cut.example "$T/out3.csv")" \
    "ok:1:0" "CSV: one header, a record for each line, the line cut short gone"

# --- SIGTERM: FILE.partial -----------------------------------------------------
M=20
pages $M 300 >"$T/slow"
# shellcheck disable=SC2086
${PSCRAPE_WRAPPER:-} "$PSCRAPE_BIN" --no-config -f jsonl --per-host 0 -j 2 --state "$T/st2" \
    -o "$T/out2.jsonl" "$T/slow" 2>"$T/err1" &
pid=$!
until [ "$(cat "$T"/.out2.jsonl.pscrape-* 2>/dev/null | wc -l)" -ge 2 ] ||
    ! kill -0 $pid 2>/dev/null; do
	sleep 0.02
done
kill -TERM $pid
wait $pid
rc=$?
# Its records: those finished, and those of the URLs the stop cut.
d=$(grep -c '"error":"\(not started: \)\{0,1\}interrupted by SIGTERM"' \
    "$T/out2.jsonl.partial")
k=$(($(wc -l <"$T/out2.jsonl.partial") - d))
is "$rc:$([ -e "$T/out2.jsonl" ] || echo none):$([ "$k" -ge 2 ] && echo some):$([ "$d" -ge 1 ] && echo some)" \
    "143:none:some:some" "SIGTERM: exit 143, no out2.jsonl, its records (finished, and cut) in out2.jsonl.partial"
pscrape --no-config -f jsonl --per-host 0 -j 2 --state "$T/st2" -o "$T/out2.jsonl" "$T/slow" 2>"$T/err"
is "$? $(head -n 1 "$T/err")" "0 pscrape: --state $T/st2: the run goes on: '$T/out2.jsonl' starts with the $k lines the attempt before wrote (from '$T/out2.jsonl.partial') but its $d records of URLs the stop cut, which are fetched again" \
    "SIGTERM: the same command: exit 0, going on from out2.jsonl.partial, less the records the stop cut"
is "$(check "$T/out2.jsonl" "$T/slow" $M):$([ -e "$T/out2.jsonl.partial" ] && echo left)" \
    "ok:" "SIGTERM: out2.jsonl has the whole run; out2.jsonl.partial is gone"

# --- a new run starts afresh -----------------------------------------------------
pscrape $OPTS --state "$T/st1" -o "$T/out1.jsonl" "$T/list" 2>"$T/err"
is "$? $(grep -c 'goes on' "$T/err") $(wc -l <"$T/out1.jsonl" | tr -d ' ')" \
    "0 0 $N" "a new run on the state (the last finished): the file has its $N records only"

done_testing
