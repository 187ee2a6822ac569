#!/usr/bin/env bash
# An incremental re-run (issue 15, item 4): workload T of bench/run (the
# pages of python3-doc, each twice: 1,060 URLs) fetched twice with the same
# --state from a private nginx on 127.0.0.1 (static files, ETag and
# Last-Modified on, as nginx sends them by default). The first run fetches
# and parses every page; the second sends each page's validators and gets
# 304s, so it neither downloads nor parses. Prints the wall and CPU times
# of each run and their ratio; the issue's target is a second run under 10%
# of the first's wall time.
#
#   bench/incremental.sh
#
# Environment:
#   PSCRAPE=path        the binary (default: the one of this tree)
#   BENCH_REPEAT=n      pairs of runs, each on a fresh state; medians kept
#                       (default 5)
#   BENCH_ENGINE=e      the engine (default async), BENCH_JOBS=n its -j
#                       (default: the engine's)
#
# Timings are reported, not asserted. Nothing but 127.0.0.1 is contacted.

set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
PSCRAPE=${PSCRAPE:-$top/pscrape}
REPEAT=${BENCH_REPEAT:-5}
ENGINE=${BENCH_ENGINE:-async}
JOBS=${BENCH_JOBS:-}
PY=/usr/bin/python3
# As bench/run: the server is our own, politeness is off.
FLAGS=(--no-config --per-host 0 --no-robots --retries 0 -q -e "$ENGINE")
[ -n "$JOBS" ] && FLAGS+=(-j "$JOBS")

log() { printf '[incremental] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ -x "$PSCRAPE" ] || die "no pscrape at $PSCRAPE (build it, or set PSCRAPE)"
[ -x /usr/sbin/nginx ] || die "nginx is required (apt-get install nginx)"
[ -x /usr/bin/time ] || die "GNU time is required (apt-get install time)"
DOCS=$(readlink -f /usr/share/doc/python3-doc/html 2>/dev/null) ||
	die "python3-doc is required (the pages of workload T)"
[ -d "$DOCS" ] || die "python3-doc is required (the pages of workload T)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pscrape-incr.XXXXXX") ||
	die "cannot create a temporary directory"
nginx_pid=
cleanup() {
	if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then
		kill -TERM "$nginx_pid" 2>/dev/null
		wait "$nginx_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port=$("$PY" -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') ||
	die "cannot find a free port"
BASE=http://127.0.0.1:$port
ngx=$tmp/nginx
mkdir -p "$ngx/tmp"
userline=
[ "$(id -u)" -eq 0 ] && userline="user $(id -un) $(id -gn);"
cat >"$ngx/nginx.conf" <<EOF
$userline
worker_processes 1;
pid $ngx/nginx.pid;
error_log $ngx/error.log warn;
daemon off;
events { worker_connections 4096; }
http {
	access_log $ngx/access.log;
	client_body_temp_path $ngx/tmp/body;
	proxy_temp_path $ngx/tmp/proxy;
	fastcgi_temp_path $ngx/tmp/fastcgi;
	uwsgi_temp_path $ngx/tmp/uwsgi;
	scgi_temp_path $ngx/tmp/scgi;
	keepalive_requests 10000000;
	keepalive_timeout 300s;
	gzip off;
	sendfile on;
	etag on;
	open_file_cache max=4096 inactive=300s;
	types { text/html html htm; }
	default_type application/octet-stream;
	server {
		listen 127.0.0.1:$port backlog=4096;
		root $DOCS;
	}
}
EOF
setsid /usr/sbin/nginx -p "$ngx/" -c "$ngx/nginx.conf" -e "$ngx/error.log" \
    </dev/null >"$ngx/stdout" 2>&1 &
nginx_pid=$!
for _ in $(seq 50); do
	curl -sf -o /dev/null "$BASE/index.html" 2>/dev/null && break
	sleep 0.1
done
curl -sf -o /dev/null "$BASE/index.html" || {
	cat "$ngx/stdout" "$ngx/error.log" >&2 2>/dev/null
	die "nginx did not start"
}

# Workload T, as bench/run makes it.
(cd "$DOCS" && find . -name '*.html' -type f | sed 's|^\./||' | LC_ALL=C sort) \
    >"$tmp/T-files.txt"
{
	sed "s|^|$BASE/|" "$tmp/T-files.txt"
	sed "s|^|$BASE/|; s|\$|?copy=2|" "$tmp/T-files.txt"
} >"$tmp/T.txt"
NT=$(wc -l <"$tmp/T.txt")
log "workload T: $NT URLs from $BASE, engine $ENGINE, $REPEAT pairs of runs"

# run N STATE: one run; appends "wall user sys not_modified ok" to runs.N
run() {
	/usr/bin/time -f '%e %U %S' -o "$tmp/time" "$PSCRAPE" "${FLAGS[@]}" \
	    --state "$2" --summary "$tmp/sum.json" "$tmp/T.txt" \
	    >/dev/null 2>"$tmp/err"
	rc=$?
	[ "$rc" -le 1 ] || { cat "$tmp/err" >&2; die "pscrape exited $rc"; }
	printf '%s %s\n' "$(tail -n 1 "$tmp/time")" "$("$PY" -c '
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
print(r["not_modified"], r["ok"], r["wall_s"])' "$tmp/sum.json")" >>"$tmp/runs.$1"
}
for i in $(seq "$REPEAT"); do
	rm -f "$tmp/st.db" "$tmp/st.db-wal" "$tmp/st.db-shm" "$tmp/st.db-lock"
	run 1 "$tmp/st.db"
	run 2 "$tmp/st.db"
	log "pair $i: first $(tail -n 1 "$tmp/runs.1" | cut -d' ' -f1) s," \
	    "second $(tail -n 1 "$tmp/runs.2" | cut -d' ' -f1) s"
done
n304=$(grep -c '" 304 ' "$ngx/access.log")

"$PY" - "$tmp/runs.1" "$tmp/runs.2" "$NT" "$n304" "$REPEAT" <<'EOF'
import statistics, sys
def load(p):
    return [list(map(float, l.split())) for l in open(p)]
a, b = load(sys.argv[1]), load(sys.argv[2])
nt, n304, rep = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
med = lambda rows, i: statistics.median(r[i] for r in rows)
wa, wb = med(a, 0), med(b, 0)
ca, cb = med(a, 1) + med(a, 2), med(b, 1) + med(b, 2)
print("workload T, %d URLs, --state, medians of %d pairs" % (nt, rep))
print("%-12s %8s %8s %8s %8s %14s" % ("run", "wall_s", "user_s", "sys_s",
    "cpu_s", "not_modified"))
for name, rows in (("first", a), ("second", b)):
    print("%-12s %8.3f %8.3f %8.3f %8.3f %14d" % (name, med(rows, 0),
        med(rows, 1), med(rows, 2), med(rows, 1) + med(rows, 2),
        med(rows, 3)))
print("second/first: wall %.1f%%, cpu %.1f%% (target: wall under 10%%)" %
    (100 * wb / wa, 100 * cb / ca))
print("nginx answered %d 304s in all (%d a second run)" % (n304, n304 // rep))
EOF
