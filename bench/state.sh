#!/usr/bin/env bash
# The cost of --state (issue 15): pages/s of the same run without and with
# --state FILE, side by side, the two interleaved (A B A B ...) so that a
# change in the machine's load falls on both; with each run's CPU time
# (user + system, of the whole process), which moves less with the load
# than wall time does. The issue's target: with --state, at least 95% of
# the pages/s without it.
#
#   bench/state.sh            or   PSCRAPE=path bench/state.sh
#
# Workloads, on a private nginx on 127.0.0.1 serving static files:
#   T  the pages of python3-doc, twice (530 x 2 = 1,060 URLs), as
#      bench/run's workload T: pages that take parsing, few records per second
#   S  STATE_NS small pages (default 20,000; 60 bytes each): a record per
#      page and almost no parsing, where the cost of committing records
#      shows most
#
# Environment:
#   PSCRAPE=path        the binary (default: the one of this tree)
#   STATE_ROUNDS=n      A/B pairs per row (default 5); medians are reported
#   STATE_SPECS="async:100 thread:100"  the rows, as engine:jobs
#   STATE_PARTS="T S"   the workloads
#   STATE_NS=n          pages of workload S
#   STATE_CALLGRIND=n   also count instructions (valgrind's callgrind, the
#                       same on a loaded machine) of one run of each mode
#                       over the first n pages of S, serial engine: in all,
#                       and on the engine's thread (the main one; --state
#                       commits on a thread of its own)
#
# It measures; it never fails on a figure. Nothing but 127.0.0.1 is
# contacted; everything is in a temporary directory, removed at the end.
set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
PSCRAPE=${PSCRAPE:-$top/pscrape}
ROUNDS=${STATE_ROUNDS:-5}
SPECS=${STATE_SPECS:-async:100 thread:100}
PARTS=" ${STATE_PARTS:-T S} "
NS=${STATE_NS:-20000}
CG=${STATE_CALLGRIND:-0}
# As bench/run: the server is ours, so no politeness, and no config file.
FLAGS=(--no-config --per-host 0 --no-robots --retries 0 -q -o /dev/null)

# shellcheck source=bench/nginx.sh
. "$here/nginx.sh"

die() { echo "bench/state.sh: $*" >&2; exit 1; }
[ -x "$PSCRAPE" ] || die "no pscrape at $PSCRAPE (build it, or set PSCRAPE)"
[ -x /usr/sbin/nginx ] || die "nginx is required"
DOCS=$(readlink -f /usr/share/doc/python3-doc/html 2>/dev/null)
[ -d "$DOCS" ] || die "python3-doc is required (the pages of workload T)"

tmp=$(mktemp -d)
ngxpid=
cleanup() {
	[ -n "$ngxpid" ] && kill "$ngxpid" 2>/dev/null && wait "$ngxpid"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Workload S: tiny pages in a directory of their own.
mkdir -p "$tmp/small"
i=0
while [ $i -lt "$NS" ]; do
	echo "<html><body><p>small page $i</p></body></html>" \
	    >"$tmp/small/$i.html"
	i=$((i + 1))
done

nginx_start "$tmp/ngx" "$DOCS" "location /small/ { alias $tmp/small/; }"
ngxpid=$NGINX_PID
for _ in $(seq 50); do
	curl -sf -o /dev/null "$BASE/small/0.html" && break
	sleep 0.1
done
curl -sf -o /dev/null "$BASE/small/0.html" || die "nginx did not start"

(cd "$DOCS" && find . -name '*.html' -type f | sed 's|^\./||' |
    LC_ALL=C sort) >"$tmp/T-files"
{
	sed "s|^|$BASE/|" "$tmp/T-files"
	sed "s|^|$BASE/|; s|\$|?copy=2|" "$tmp/T-files"
} >"$tmp/T.txt"
seq 0 $((NS - 1)) | sed "s|^\(.*\)|$BASE/small/\1.html|" >"$tmp/S.txt"

# run LIST ENGINE JOBS [--state FILE]: "wall cpu" of one run, the state
# file new each time (a first run, the state's common case).
run() {
	local list=$1 e=$2 j=$3
	shift 3
	rm -f "$tmp/st.db" "$tmp/st.db-wal" "$tmp/st.db-shm" "$tmp/st.db-lock"
	/usr/bin/time -f '%e %U %S' -o "$tmp/time" "$PSCRAPE" "${FLAGS[@]}" \
	    -e "$e" -j "$j" "$@" "$list" 2>"$tmp/err" ||
		echo "bench/state.sh: exit $? ($(head -1 "$tmp/err"))" >&2
	# The last line: a failed run's first says so.
	tail -n 1 "$tmp/time" | awk '{ printf "%s %.2f\n", $1, $2 + $3 }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf '%-4s %-12s %6s | %9s %7s | %9s %7s | %7s %7s\n' workload row \
    URLs "pages/s" cpu_s "+state" cpu_s ratio cpu
for w in T S; do
	[[ "$PARTS" == *" $w "* ]] || continue
	list=$tmp/$w.txt
	n=$(wc -l <"$list")
	for spec in $SPECS; do
		e=${spec%%:*} j=${spec#*:}
		: >"$tmp/a"
		: >"$tmp/b"
		for _ in $(seq "$ROUNDS"); do
			run "$list" "$e" "$j" >>"$tmp/a"
			run "$list" "$e" "$j" --state "$tmp/st.db" >>"$tmp/b"
		done
		for m in a b; do
			eval "wall_$m=\$(cut -d' ' -f1 <\"\$tmp/$m\" | median)"
			eval "cpu_$m=\$(cut -d' ' -f2 <\"\$tmp/$m\" | median)"
			echo "# $w $spec $m: $(tr '\n' ' ' <"$tmp/$m")" >&2
		done
		# shellcheck disable=SC2154
		awk -v w="$w" -v s="$spec -j" -v n="$n" -v wa="$wall_a" \
		    -v wb="$wall_b" -v ca="$cpu_a" -v cb="$cpu_b" 'BEGIN {
			printf "%-8s %-12s %6d | %9.0f %7.2f | %9.0f %7.2f |" \
			    " %6.1f%% %6.1f%%\n", w, s, n, n / wa, ca, n / wb,
			    cb, wa / wb * 100, cb / ca * 100 }'
	done
done
echo "(medians of $ROUNDS interleaved runs each; ratio: pages/s with" \
    "--state over without, the target >= 95%; cpu: CPU seconds with over" \
    "without; load $(cut -d' ' -f1-3 /proc/loadavg))"

if [ "$CG" -gt 0 ]; then
	command -v valgrind >/dev/null || die "valgrind is required"
	head -n "$CG" "$tmp/S.txt" >"$tmp/cg.txt"
	for m in a b; do
		st=()
		[ $m = b ] && st=(--state "$tmp/st.db")
		rm -f "$tmp/st.db"*
		rm -f "$tmp/cg.out"*
		valgrind --tool=callgrind --separate-threads=yes \
		    --callgrind-out-file="$tmp/cg.out" \
		    "$PSCRAPE" "${FLAGS[@]}" -e serial "${st[@]}" "$tmp/cg.txt" \
		    >/dev/null 2>"$tmp/cg.$m"
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$tmp/cg.$m" \
		    >"$tmp/n.$m"
		sed -n 's/^totals: *//p' "$tmp/cg.out-01" >"$tmp/t.$m"
	done
	awk -v n="$CG" -v a="$(cat "$tmp/n.a")" -v b="$(cat "$tmp/n.b")" \
	    -v ta="$(cat "$tmp/t.a")" -v tb="$(cat "$tmp/t.b")" \
	    'BEGIN { printf "instructions, %d pages of S, serial: %.0f," \
	    " with --state %.0f (%+.1f%%, %.0f per page); on the engine" \
	    " thread %.0f, with --state %.0f (%+.1f%%, %.0f per page)\n",
	    n, a, b, (b - a) * 100 / a, (b - a) / n, ta, tb,
	    (tb - ta) * 100 / ta, (tb - ta) / n }'
fi
