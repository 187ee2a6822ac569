#!/usr/bin/env bash
# The cost of the Redis frontier (issue 16): pages/s of the same run on the
# memory frontier and on --frontier (one process, its own redis-server on
# a unix socket), side by side, interleaved (A B A B ...) so that a change
# in the machine's load falls on both; with each run's CPU time (user +
# system, of the pscrape process; Redis's own is reported apart). The
# issue's target: on the Redis frontier, at least 90% of the pages/s of
# the memory frontier on workload T. Also the Redis commands per page
# (INFO commandstats over one run), which do not depend on the load.
#
#   bench/frontier.sh         or   PSCRAPE=path bench/frontier.sh
#
# Workload T: the pages of python3-doc, twice (530 x 2 = 1,060 URLs), as
# bench/run's workload T, served by a private nginx on 127.0.0.1.
#
# Environment:
#   PSCRAPE=path          the binary (default: the one of this tree)
#   FRONTIER_ROUNDS=n     A/B pairs per row (default 5); medians reported
#   FRONTIER_SPECS="async:100 thread:100"  the rows, as engine:jobs
#
# It measures; it never fails on a figure. Nothing but 127.0.0.1 and unix
# sockets is contacted; everything is in a temporary directory, removed at
# the end.
set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
PSCRAPE=${PSCRAPE:-$top/pscrape}
ROUNDS=${FRONTIER_ROUNDS:-5}
SPECS=${FRONTIER_SPECS:-async:100 thread:100}
# As bench/run: the server is ours, so no politeness, and no config file.
FLAGS=(--no-config --per-host 0 --no-robots --retries 0 -q -o /dev/null)

# shellcheck source=bench/nginx.sh
. "$here/nginx.sh"

die() { echo "bench/frontier.sh: $*" >&2; exit 1; }
[ -x "$PSCRAPE" ] || die "no pscrape at $PSCRAPE (build it, or set PSCRAPE)"
[ -x /usr/sbin/nginx ] || die "nginx is required"
command -v redis-server >/dev/null && command -v redis-cli >/dev/null ||
	die "redis-server and redis-cli are required"
DOCS=$(readlink -f /usr/share/doc/python3-doc/html 2>/dev/null)
[ -d "$DOCS" ] || die "python3-doc is required (the pages of workload T)"

tmp=$(mktemp -d)
ngxpid=
redispid=
cleanup() {
	[ -n "$ngxpid" ] && kill "$ngxpid" 2>/dev/null && wait "$ngxpid"
	[ -n "$redispid" ] && kill "$redispid" 2>/dev/null &&
	    wait "$redispid"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SOCK=$tmp/redis.sock
redis-server --port 0 --unixsocket "$SOCK" --unixsocketperm 700 \
    --save '' --appendonly no --dir "$tmp" >"$tmp/redis.log" 2>&1 &
redispid=$!
rcli() { redis-cli -s "$SOCK" "$@"; }
for _ in $(seq 100); do
	[ "$(rcli ping 2>/dev/null)" = PONG ] && break
	sleep 0.05
done
[ "$(rcli ping 2>/dev/null)" = PONG ] || die "redis-server did not start"

nginx_start "$tmp/ngx" "$DOCS"
ngxpid=$NGINX_PID
(cd "$DOCS" && find . -name '*.html' -type f | sed 's|^\./||' |
    LC_ALL=C sort) >"$tmp/T-files"
first=$BASE/$(head -n 1 "$tmp/T-files")
for _ in $(seq 50); do
	curl -sf -o /dev/null "$first" && break
	sleep 0.1
done
curl -sf -o /dev/null "$first" || die "nginx did not start"
{
	sed "s|^|$BASE/|" "$tmp/T-files"
	sed "s|^|$BASE/|; s|\$|?copy=2|" "$tmp/T-files"
} >"$tmp/T.txt"

# Redis's commands so far (INFO commandstats), and its CPU seconds.
rcalls() {
	rcli info commandstats | tr -d '\r' |
	    sed -n 's/^cmdstat_\([a-z|]*\):calls=\([0-9]*\),.*/\1 \2/p'
}
rcpu() {
	rcli info cpu | tr -d '\r' | awk -F: '/^used_cpu_(sys|user):/ {
	    s += $2 } END { printf "%.2f\n", s }'
}

# run LIST ENGINE JOBS [--frontier URL]: "wall cpu" of one run; Redis is
# emptied before each, so that every run is a first run.
run() {
	local list=$1 e=$2 j=$3
	shift 3
	rcli flushall >/dev/null
	/usr/bin/time -f '%e %U %S' -o "$tmp/time" "$PSCRAPE" "${FLAGS[@]}" \
	    -e "$e" -j "$j" "$@" "$list" 2>"$tmp/err" ||
		echo "bench/frontier.sh: exit $? ($(head -1 "$tmp/err"))" >&2
	tail -n 1 "$tmp/time" | awk '{ printf "%s %.2f\n", $1, $2 + $3 }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

list=$tmp/T.txt
n=$(wc -l <"$list")
FR="unix://$SOCK?name=bench"
printf '%-12s %6s | %9s %7s | %9s %7s %7s | %7s %7s\n' row URLs \
    "pages/s" cpu_s "+redis" cpu_s redis_s ratio cpu
for spec in $SPECS; do
	e=${spec%%:*} j=${spec#*:}
	: >"$tmp/a"
	: >"$tmp/b"
	: >"$tmp/r"
	for _ in $(seq "$ROUNDS"); do
		run "$list" "$e" "$j" >>"$tmp/a"
		c0=$(rcpu)
		run "$list" "$e" "$j" --frontier "$FR" >>"$tmp/b"
		awk -v a="$c0" -v b="$(rcpu)" 'BEGIN { printf "%.2f\n",
		    b - a }' >>"$tmp/r"
	done
	for m in a b r; do
		eval "wall_$m=\$(cut -d' ' -f1 <\"\$tmp/$m\" | median)"
		eval "cpu_$m=\$(cut -d' ' -f2 <\"\$tmp/$m\" | median)"
		echo "# T $spec $m: $(tr '\n' ' ' <"$tmp/$m")" >&2
	done
	# shellcheck disable=SC2154
	awk -v s="$spec -j" -v n="$n" -v wa="$wall_a" -v wb="$wall_b" \
	    -v ca="$cpu_a" -v cb="$cpu_b" -v rc="$wall_r" 'BEGIN {
		printf "%-12s %6d | %9.0f %7.2f | %9.0f %7.2f %7.2f |" \
		    " %6.1f%% %6.1f%%\n", s, n, n / wa, ca, n / wb, cb, rc,
		    wa / wb * 100, cb / ca * 100 }'
done
echo "(medians of $ROUNDS interleaved runs each; ratio: pages/s on the" \
    "Redis frontier over the memory one, the target >= 90%; cpu: pscrape's" \
    "CPU seconds on Redis over memory; redis_s: redis-server's CPU" \
    "seconds per run; load $(cut -d' ' -f1-3 /proc/loadavg))"

# The commands one run sends, which do not depend on the load: those the
# process sends (round trips, or pipelined), by MONITOR, and all of them,
# those its scripts run included (INFO commandstats).
e=${SPECS%% *}
e=${e%%:*}
rcli flushall >/dev/null
rcli config resetstat >/dev/null
rcli monitor >"$tmp/monitor" 2>/dev/null &
monpid=$!
sleep 0.5
"$PSCRAPE" "${FLAGS[@]}" -e "$e" -j 100 --frontier "$FR" "$list" \
    2>"$tmp/err" || echo "bench/frontier.sh: exit $? ($(head -1 \
    "$tmp/err"))" >&2
sleep 0.5
kill "$monpid" 2>/dev/null
wait "$monpid" 2>/dev/null
rcalls | grep -v -e '^config' -e '^flushall' -e '^monitor' >"$tmp/calls"
grep -v ' lua\] ' "$tmp/monitor" | grep ' \[0 unix' |
    awk '{ print toupper($4) }' | tr -d '"' | sort | uniq -c |
    awk -v n="$n" '{ t += $1; s = s sprintf(" %s %d", $2, $1) } END {
    printf "sent by pscrape, one run of %d URLs: %d (%.2f per page):%s\n",
    n, t, t / n, s }'
awk -v n="$n" '{ t += $2; s = s sprintf(" %s %d", $1, $2) } END {
    printf "run by Redis, scripts included: %d (%.2f per page):%s\n",
    t, t / n, s }' "$tmp/calls"
