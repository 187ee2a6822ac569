#!/bin/sh
# A/B by instruction count: two pscrape binaries over the same list of the
# sample corpus (32 pages x REPEAT, distinct URLs), each engine under
# valgrind's callgrind, which counts instructions rather than seconds: the
# figure is the same whatever else the machine does, so a refactoring can
# be checked for speed on a loaded machine, where wall-clock A/B runs move
# by several percent. It measures; it never fails on a figure.
#
#   sh bench/ab-instructions.sh OLD_PSCRAPE NEW_PSCRAPE [ENGINES]
#
# The server is tests/lib/httpd of this tree (build it: make tests/lib/httpd),
# on 127.0.0.1.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
old=$1 new=$2 engines=${3:-serial async} repeat=${REPEAT:-5}
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM

"$top/tests/lib/httpd" --port 0 --port-file "$tmp/port" \
    --root "$top/tests/data" >"$tmp/httpd.out" 2>&1 &
pid=$!
while [ ! -s "$tmp/port" ]; do sleep 0.1; done
port=$(head -1 "$tmp/port")
i=0
while [ $i -lt "$repeat" ]; do
	i=$((i + 1))
	for f in "$top"/tests/data/corpus/*.html; do
		echo "http://127.0.0.1:$port/f/corpus/${f##*/}?r=$i"
	done
done >"$tmp/list"

printf '%-8s %16s %16s %8s\n' engine old new change
for e in $engines; do
	for v in old new; do
		eval bin=\$$v
		valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$v" \
		    "$bin" -e "$e" --per-host 0 --no-robots -q -o /dev/null \
		    "$tmp/list" >"$tmp/log.$v" 2>&1
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$tmp/log.$v" \
		    >"$tmp/n.$v"
	done
	awk -v e="$e" -v a="$(cat "$tmp/n.old")" -v b="$(cat "$tmp/n.new")" \
	    'BEGIN { printf "%-8s %16.0f %16.0f %+7.2f%%\n", e, a, b, (b - a) * 100 / a }'
done
echo "($(wc -l <"$tmp/list") URLs; instructions of the whole process with its threads; not the process engine's workers)"
