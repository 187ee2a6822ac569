#!/bin/sh
# Full disks and killed runs (issue 18): a --save-text directory that
# cannot be written any more stops the run with status 3 and one message,
# as -o does.
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
		rm -rf "$MNT/st"
		if [ $how = mount ]; then
			pscrape -e $e -j 4 -f jsonl -o "$T/out" --save-text "$MNT/st" \
			    "$T/pages" 2>"$T/err"; st=$?
		else
			# Records through a pipe: the limit is for files only.
			{ (trap '' XFSZ; ulimit -f 8 && exec "$PSCRAPE_BIN" -e $e -j 4 \
			    -f jsonl --save-text "$MNT/st" "$T/pages" 2>"$T/err");
			    echo $? >"$T/st"; } | cat >"$T/out"
			st=$(cat "$T/st")
		fi
		is "$st:$(grep -c 'cannot write' "$T/err"):$(grep -c "cannot write in --save-text directory '$MNT/st': " "$T/err")" \
		    "3:1:1" "$e: --save-text in a full directory: status 3 and one message"
		is "$(check "$T/out")" "records True saved True" \
		    "$e: a valid record for each URL, the saved pages' files there"
	done
fi

done_testing
