#!/bin/sh
# --state loses no record at a kill (issue 15). The sink commits a batch's
# rows, then writes its records; the state learns that they are out with
# the next commit (meta 'written'). PSCRAPE_TEST_KILL, a hook of
# src/sink.c for tests, sends SIGKILL at a chosen commit, right after it
# and before the write ("commit:N"), or right after the write and before
# the next commit ("write:N"): the two moments a kill can hit, without
# depending on timing. Then the same command again. Its first records are
# the rows above the mark, replayed ("replayed": true) and equal to their
# rows; over both attempts every line has exactly one record that is not
# a replay, or (a kill after the commit) its replay only.
. "${top_srcdir:-.}/tests/lib/setup.sh"

PY=$(command -v python3 || true)
if [ -z "$PY" ]; then
	echo "Bail out! python3 is needed to check the records"
	exit 1
fi
ENGINES=${STATE_ENGINES:-serial thread pool process async}
N=700	# more than BATCH_RECORDS (512) of src/sink.c: two batches at least
start_server

# sql DB QUERY: the rows, fields joined by '|' (no sqlite3(1) needed).
sql() {
	"$PY" -c 'import sqlite3, sys
for row in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]):
    print("|".join(str(v) for v in row))' "$@"
}

# above DB: the inputs of the rows of the run above meta 'written', in
# the order they were committed: what the next attempt replays.
above() {
	sql "$1" "SELECT input FROM pages WHERE run = (SELECT value FROM meta\
 WHERE key = 'run') AND rowid > (SELECT value FROM meta WHERE key =\
 'written') ORDER BY rowid"
}

# check KIND FIRST SECOND DB LIST N: "ok", or what is wrong, for the
# records (JSONL) of a killed attempt and the next. KIND: commit (the
# replays are the lines the killed attempt did not write) or write (they
# repeat records it wrote, equal in every field the state keeps). Both:
# the replays come first, in the order of $T/above, each equal to its row;
# every line of LIST (N lines) has one record that is not a replay, or
# only its replay.
check() {
	"$PY" - "$@" "$T/above" <<'EOF'
import collections, json, sqlite3, sys
kind, first, second, db, lst, n, above = sys.argv[1:]
n = int(n)
recs1 = [json.loads(l) for l in open(first)]
recs2 = [json.loads(l) for l in open(second)]
want = open(above).read().split()
lines = ["%s:%d" % (lst, i) for i in range(1, n + 1)]
bad = []
rep = [r for r in recs2 if r["replayed"]]
if [r["input"] for r in recs2[:len(rep)]] != want or \
        [r["input"] for r in rep] != want:
    bad.append("replays %s, not first %s" % ([r["input"] for r in rep][:3],
        want[:3]))
if not want:
    bad.append("nothing to replay")
if any(r["replayed"] for r in recs1):
    bad.append("a replay in the first attempt")
plain = collections.Counter(r["input"] for r in recs1 + recs2
                            if not r["replayed"])
twice = [k for k, c in plain.items() if c > 1]
if twice:
    bad.append("twice %s" % twice[:3])
if kind == "commit":
    if set(want) & set(plain):
        bad.append("replayed and written %s" % sorted(set(want) &
            set(plain))[:3])
else:
    if not set(want) <= set(r["input"] for r in recs1):
        bad.append("replays of lines the first attempt did not write")
missing = set(lines) - set(plain) - set(r["input"] for r in rep)
if missing or set(plain) - set(lines):
    bad.append("missing %s extra %s" % (sorted(missing)[:3],
        sorted(set(plain) - set(lines))[:3]))
# A replay is its row; after a write, it is the record that went out,
# in what the row keeps.
cols = ("url", "input", "depth", "referrer", "status", "ok", "error",
        "duplicate_of", "chars", "bytes")
con = sqlite3.connect(db)
run = con.execute("SELECT value FROM meta WHERE key = 'run'").fetchone()[0]
out1 = {r["input"]: r for r in recs1}
for r in rep:
    row = con.execute("SELECT %s FROM pages WHERE run = ? AND input = ?" %
                      ", ".join(cols), (run, r["input"])).fetchone()
    got = tuple(r[c] for c in cols)
    if got != tuple(bool(v) if c == "ok" else v for c, v in
                    zip(cols, row)):
        bad.append("replay %s is not its row %s" % (got, row))
        break
    if kind == "write" and got != tuple(out1[r["input"]][c] for c in cols):
        bad.append("replay %s is not the record %s" % (got,
            out1[r["input"]]))
        break
    if r["attempts"] != 0 or r["final_url"] is not None or \
            r["engine"] is not None:
        bad.append("replay %s has fields the state does not keep" % r)
        break
print("ok" if not bad else "; ".join(bad))
EOF
}

for e in $ENGINES; do
	# A bad line, a duplicate and N - 2 pages: every kind of record.
	{ echo "not a URL"; echo "$BASE/delay/0?e=$e&i=3"; i=2
	while [ "$i" -lt "$N" ]; do
		i=$((i + 1))
		echo "$BASE/delay/0?e=$e&i=$i"
	done; } >"$T/list-$e"
	for at in commit:1 commit:2 write:1 write:2; do
		db=$T/$e-${at%:*}${at#*:}.db
		PSCRAPE_TEST_KILL=$at pscrape -f jsonl -e "$e" -j 8 \
		    --state "$db" "$T/list-$e" >"$T/first" 2>/dev/null
		is "$?" 137 "$e: PSCRAPE_TEST_KILL=$at: killed (SIGKILL)"
		above "$db" >"$T/above"
		pscrape -f jsonl -e "$e" -j 8 --state "$db" "$T/list-$e" \
		    >"$T/second" 2>/dev/null
		is "$?" 0 "$e: $at: the next attempt ends with 0"
		echo "# $e $at: $(wc -l <"$T/first") written, $(wc -l \
		    <"$T/above") to replay, $(wc -l <"$T/second") then"
		is "$(check "${at%:*}" "$T/first" "$T/second" "$db" \
		    "$T/list-$e" $N)" ok \
		    "$e: killed after the $at: one record a line, replays marked"
		is "$(above "$db" | wc -l | tr -d ' ')" 0 \
		    "$e: $at: a finished run has nothing left to replay"
	done
done

# The other formats mark a replay too: csv's replayed column, text's
# "(replayed)" at the end of the line.
e=$(set -- $ENGINES; echo "$1")
PSCRAPE_TEST_KILL=commit:1 pscrape -f csv -e "$e" --state "$T/csv.db" \
    "$T/list-$e" >/dev/null 2>&1
above "$T/csv.db" >"$T/above"
pscrape -f csv -e "$e" --state "$T/csv.db" "$T/list-$e" >"$T/csv" 2>/dev/null
is "$("$PY" - "$T/csv" "$T/above" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
want = open(sys.argv[2]).read().split()
print(list(rows[0])[-1], [r["input"] for r in rows if r["replayed"] ==
      "true"] == want, len(want) > 0,
      set(r["replayed"] for r in rows[len(want):]))
EOF
)" "replayed True True {'false'}" \
    "csv: the replayed column, true for the replays only"
PSCRAPE_TEST_KILL=commit:1 pscrape -f text -e "$e" --state "$T/text.db" \
    "$T/list-$e" >/dev/null 2>&1
pscrape -f text -e "$e" --state "$T/text.db" "$T/list-$e" 2>/dev/null \
    >"$T/text"
is "$(grep -F 'duplicate of' "$T/text")" "Skipped $BASE/delay/0?e=$e&i=3:\
 duplicate of $T/list-$e:2 (replayed)" "text: a replay says so at its end"

done_testing
