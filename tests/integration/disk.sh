#!/bin/sh
# Full disks and killed runs (issue 18): a --save-text directory that
# cannot be written any more stops the run with status 3 and one message,
# as -o does; temporary files that killed runs left are removed by the
# next run on the same target.
. "${top_srcdir:-.}/tests/lib/setup.sh"

PY=${PYTHON3_ORACLE:-}
[ -n "$PY" ] && [ -x "$PY" ] || PY=$(command -v python3 || true)
if [ -z "$PY" ]; then
	echo "1..0 # SKIP python3 is needed to check the records"
	exit 0
fi
ENGINES=${DISK_ENGINES:-serial thread pool process async}
start_server

# A directory that fills up: a 64 KiB tmpfs when we may mount one (root),
# else a file size limit (ulimit -f, SIGXFSZ ignored: write gives EFBIG).
# DISK_FULL=ulimit forces the second.
MNT=$T/full
mkdir "$MNT"
how=
if [ "${DISK_FULL:-mount}" = mount ] &&
    mount -t tmpfs -o size=64k tmpfs "$MNT" 2>/dev/null; then
	how=mount
	trap 'umount "$MNT" 2>/dev/null; cleanup' EXIT
elif (trap '' XFSZ; ulimit -f 8 && : >"$MNT/probe") 2>/dev/null; then
	how=ulimit
fi

i=0
while [ $i -lt 200 ]; do echo "$BASE/big/3000?i=$i"; i=$((i + 1)); done >"$T/pages"
# Records: every one valid JSON, one per URL read before the stop (the
# rest are not read, as after SIGINT); the ok ones' files are there.
check() {
	"$PY" - "$1" "$MNT/st" <<'PYEOF'
import json, os, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
urls = set(r["url"] for r in recs)
files = sorted(r["text_file"] for r in recs if r["ok"])
there = sorted(os.path.join(sys.argv[2], f) for f in os.listdir(sys.argv[2])
               if f.endswith(".txt"))
print("records" if recs else "none", len(urls) == len(recs),
      "saved" if files else "none saved", set(files) <= set(there))
PYEOF
}
if [ -z "$how" ]; then
	echo "# neither a tmpfs nor ulimit -f: the full directory is not tested"
else
	echo "# the full directory: $how"
	for e in $ENGINES; do
		rm -rf "$MNT/st" "$T/out" "$T/out.partial"
		# The run stops: -o keeps its records in FILE.partial.
		res=$T/out.partial
		if [ $how = mount ]; then
			pscrape -e $e -j 4 -f jsonl -o "$T/out" --save-text "$MNT/st" \
			    "$T/pages" 2>"$T/err"; st=$?
		else
			res=$T/out
			# Records through a pipe: the limit is for files only.
			{ (trap '' XFSZ; ulimit -f 8 && exec "$PSCRAPE_BIN" -e $e -j 4 \
			    -f jsonl --save-text "$MNT/st" "$T/pages" 2>"$T/err");
			    echo $? >"$T/st"; } | cat >"$T/out"
			st=$(cat "$T/st")
		fi
		is "$st:$(grep -c 'cannot write' "$T/err"):$(grep -c "cannot write in --save-text directory '$MNT/st': " "$T/err")" \
		    "3:1:1" "$e: --save-text in a full directory: status 3 and one message"
		is "$(check "$res")" "records True saved True" \
		    "$e: a valid record for each URL, the saved pages' files there"
		[ $how = mount ] || continue
		rm -rf "$MNT/st"
		pscrape -q -e $e -j 4 -f jsonl -o "$T/out" --save-text "$MNT/st" \
		    "$T/pages" 2>"$T/err"; st=$?
		is "$st:$(wc -l <"$T/err" | tr -d ' '):$(sed -n 2p "$T/err")" \
		    "3:2:pscrape: stopped by an output error: '$T/out' left as it was; this run's part is in '$T/out.partial'" \
		    "$e: with -q the one message and where -o's part went, not a line per URL cut short"
	done
fi

# Temporary files of killed runs: the next run on the same target removes
# them, those of live runs (their flock(2) held) it leaves.
i=0
while [ $i -lt 40 ]; do echo "$BASE/delay/200?i=$i"; i=$((i + 1)); done >"$T/slow"
for i in 1 2 3; do echo "$BASE/big/100?i=$i"; done >"$T/few"
tmps() {
	ls -a "$T" | grep -c '^\.res\.pscrape-......$'
}
for e in $ENGINES; do
	rm -f "$T/res" "$T"/.res.pscrape-*
	# The binary itself, not the function: its pid is the one killed.
	"$PSCRAPE_BIN" -e $e -j 1 -f jsonl -o "$T/res" "$T/slow" 2>/dev/null &
	pid=$!
	n=0
	while [ $n -lt 600 ] && [ -z "$(find "$T" -maxdepth 1 -name '.res.pscrape-*' -size +0)" ]; do
		sleep 0.1
		n=$((n + 1))
	done
	# A second run while the first lives: its file stays.
	pscrape -e $e -f jsonl -o "$T/res" "$T/few" 2>/dev/null; st1=$?
	live=$(tmps)
	kill -KILL $pid
	wait $pid 2>/dev/null
	left=$(tmps)
	pscrape -e $e -f jsonl -o "$T/res" "$T/few" 2>/dev/null; st=$?
	is "$st1:$live:$left:$st:$(tmps):$(grep -c '"ok":true' "$T/res")" "0:1:1:0:0:3" \
	    "$e: a killed run's -o temporary file is removed by the next run, a live run's kept"
done
if command -v flock >/dev/null; then
	ST=$T/st
	rm -rf "$ST"
	mkdir "$ST"
	: >"$ST/.0123456789abcdef.txt.AbC123"		# a killed run's
	: >"$ST/.0123456789abcdef.txt.x"		# not our pattern
	: >"$ST/.other.txt.AbC123"			# nor this
	flock "$ST/.fedcba9876543210.txt.XyZ789" sleep 60 &	# a live run's
	hold=$!
	n=0
	while [ $n -lt 100 ] && [ ! -e "$ST/.fedcba9876543210.txt.XyZ789" ]; do
		sleep 0.1
		n=$((n + 1))
	done
	pscrape -f jsonl --save-text "$ST" "$T/few" >"$T/out" 2>/dev/null; st=$?
	is "$st:$(cd "$ST" && ls -a | grep '^\.[^.]' | tr '\n' ' ')" \
	    "0:.0123456789abcdef.txt.x .fedcba9876543210.txt.XyZ789 .other.txt.AbC123 " \
	    "--save-text removes a killed run's temporary file, not a live run's nor others"
	kill $hold
	wait $hold 2>/dev/null
else
	echo "# no flock(1): --save-text's sweep is not tested"
fi

done_testing
