# Sourced by the tests of --frontier (tests/integration/frontier*.sh),
# after setup.sh: their own redis-server on a unix socket in the scratch
# directory (stopped on exit), the generated site of 4 hosts
# (tests/lib/multisite.py) served by tests/lib/httpd, and helpers.

PY=${PYTHON3_ORACLE:-}
[ -n "$PY" ] && [ -x "$PY" ] || PY=$(command -v python3 || true)
for tool in "$PY" redis-server redis-cli; do
	if [ -z "$tool" ] || ! command -v "$tool" >/dev/null; then
		echo "Bail out! python3, redis-server and redis-cli are needed" \
		    "(scripts/setup.sh installs them)"
		exit 1
	fi
done

SOCK=$T/redis.sock
REDIS_PID=
# until_is WANT COMMAND...: wait until COMMAND prints WANT (giving up
# after a few minutes; what follows then fails).
until_is() {
	_want=$1
	shift
	_i=0
	until [ "$("$@" 2>/dev/null)" = "$_want" ] || [ $_i -gt 20000 ]; do
		_i=$((_i + 1))
		sleep 0.01
	done
}
# start_redis [OPTION...]: no persistence unless the options (which come
# last, and so win) ask for it.
start_redis() {
	redis-server --port 0 --unixsocket "$SOCK" --unixsocketperm 700 \
	    --save '' --appendonly no --dir "$T" "$@" >>"$T/redis.log" 2>&1 &
	REDIS_PID=$!
	until_is PONG redis-cli -s "$SOCK" ping
	if [ "$(redis-cli -s "$SOCK" ping 2>&1)" != PONG ]; then
		echo "Bail out! redis-server did not start"
		cat "$T/redis.log"
		exit 1
	fi
}
# stop_redis [SIGNAL]: KILL unless told; waits for it to be gone.
stop_redis() {
	if [ -n "$REDIS_PID" ]; then
		kill -"${1:-9}" "$REDIS_PID" 2>/dev/null
		wait "$REDIS_PID" 2>/dev/null
		REDIS_PID=
	fi
}
trap 'stop_redis; cleanup' EXIT
start_redis

"$PY" "$top_srcdir/tests/lib/multisite.py" gen "$T/sites" >"$T/seeds"
start_server_sites "$T/sites"
# hN/PAGE into the URL of site hN.
for s in $SITES; do
	eval "printf 's|^%s/|%s/|\n' \"$s\" \"\$SITE_$s\""
done >"$T/sites.sed"
sed -f "$T/sites.sed" "$T/seeds" >"$T/list"

fr() {	# fr NAME: the --frontier URL of crawl NAME
	echo "unix://$SOCK?name=$1"
}
# got FILE...: "URL DEPTH" of each record that is no duplicate, once.
got() {
	cat "$@" | "$PY" -c 'import json, sys
for line in sys.stdin:
    r = json.loads(line)
    if r["duplicate_of"] is None:
        print(r["url"], r["depth"])' | LC_ALL=C sort -u
}
# The pages the server got (robots.txt left out), "COUNT PORT TARGET"
# (requests() leaves out the port, and each host is a port).
page_requests() {
	LC_ALL=C sed -n 's/^[0-9.]* \([0-9]*\) GET /\1 /p' "$HTTPD_LOG" |
	    grep -v ' /robots.txt$' | LC_ALL=C sort | uniq -c
}
# tally FILE...: the counts of the records in FILE... as --status
# prints them (the duplicates apart; bytes and chars of those ok).
tally() {
	cat "$@" | "$PY" -c 'import json, sys
n = [0] * 6
for line in sys.stdin:
    r = json.loads(line)
    n[0] += 1
    if r["duplicate_of"] is not None:
        n[3] += 1
    elif r["ok"]:
        n[1] += 1
        n[4] += r["bytes"]
        n[5] += r["chars"]
    else:
        n[2] += 1
print("records %d: ok %d, failed %d, duplicates %d; %d bytes, %d chars" %
      tuple(n))'
}
# field FILE... KEY: the values of KEY in the records, one a line.
field() {
	_k=$(eval "echo \${$#}")
	_n=$(($# - 1))
	_f=
	while [ $_n -gt 0 ]; do
		_f="$_f $1"
		shift
		_n=$((_n - 1))
	done
	# shellcheck disable=SC2086
	cat $_f | "$PY" -c 'import json, sys
for line in sys.stdin:
    v = json.loads(line).get(sys.argv[1])
    print("" if v is None else v)' "$_k"
}
