# Shared set-up for the shell tests (the jq tests/setup model): a scratch
# directory removed on exit, the test server started and always stopped,
# and TAP helpers. Source it; then call start_server when a test needs it.
#
# PSCRAPE_WRAPPER runs the binary under a tool, e.g. "valgrind -q".

set -u
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
# Absolute, so that tests may cd.
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
PSCRAPE_BIN=$top_builddir/pscrape
HTTPD_BIN=$top_builddir/tests/lib/httpd

T=$(mktemp -d "${TMPDIR:-/tmp}/pscrape-test.XXXXXX")
# No user's config file may change what the tests see.
XDG_CONFIG_HOME=$T/xdg
export XDG_CONFIG_HOME
# The suites test engines, faults and formats, one test server standing in
# for many hosts: politeness (one host, 4 at a time, robots.txt, retries)
# would hide what they test, so their config file turns it off. The tests
# of politeness and crawling (crawl.sh) say what they want on the command
# line, which overrides this, or use --no-config.
mkdir -p "$XDG_CONFIG_HOME/pscrape"
printf 'per-host 0\nno-robots\nretries 0\n' >"$XDG_CONFIG_HOME/pscrape/config"
SERVER_PID=
tap_n=0
tap_failed=0

cleanup() {
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

pscrape() {
	# shellcheck disable=SC2086
	${PSCRAPE_WRAPPER:-} "$PSCRAPE_BIN" "$@"
}

# Start tests/lib/httpd on free ports of 127.0.0.1; sets BASE (evhttp), RAW (the
# raw listener: answers that break HTTP), HANG (a port where connecting
# hangs), their PORT, RAWPORT, HANGPORT, and HTTPD_LOG. Arguments go to
# tests/lib/httpd as they are (start_server_sites passes --sites).
start_server() {
	HTTPD_LOG=$T/httpd.log
	"$HTTPD_BIN" --port 0 --port-file "$T/port" --root "$top_srcdir/tests/data" \
	    --log "$HTTPD_LOG" "$@" >"$T/httpd.out" 2>&1 &
	SERVER_PID=$!
	i=0
	while [ ! -s "$T/port" ]; do
		i=$((i + 1))
		if [ $i -gt 500 ] || ! kill -0 "$SERVER_PID" 2>/dev/null; then
			echo "Bail out! test server did not start"
			cat "$T/httpd.out"
			exit 1
		fi
		sleep 0.01
	done
	PORT=$(sed -n 1p "$T/port")
	RAWPORT=$(sed -n 2p "$T/port")
	HANGPORT=$(sed -n 3p "$T/port")
	BASE=http://127.0.0.1:$PORT
	RAW=http://127.0.0.1:$RAWPORT
	HANG=http://127.0.0.1:$HANGPORT
	# Sites: "SITE name port" lines (names are [a-z0-9_]+).
	SITES=
	while read -r kw name port; do
		[ "$kw" = SITE ] || continue
		eval "SITE_$name=http://127.0.0.1:$port SITEPORT_$name=$port"
		export "SITE_$name" "SITEPORT_$name"
		SITES="$SITES${SITES:+ }$name"
	done <"$T/port"
}

# start_server with every subdirectory of DIR a site on a port of its own
# (tests/lib/httpd --sites): for each site NAME, SITE_NAME is its base URL
# (http://127.0.0.1:PORT, no slash) and SITEPORT_NAME its port; SITES
# lists the names in port-file order (sorted).
start_server_sites() {	# start_server_sites DIR
	start_server --sites "$1"
}

# The requests tests/lib/httpd logged, in arrival order, as "METHOD TARGET"
# ("RAW BYTES" for what was not HTTP): every port's, or PORT's only. The
# log's lines are "SECONDS.MMM PORT METHOD TARGET".
requests() {	# requests [PORT]
	LC_ALL=C sed -n "s/^[0-9.]* ${1:-[0-9]*} //p" "$HTTPD_LOG"
}

ok() {	# ok CONDITION-STATUS DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

is() {	# is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '%s\n' "$1" | sed 's/^/#   got:  /'
		printf '%s\n' "$2" | sed 's/^/#   want: /'
	fi
}

# Hide the two timing fields of JSONL records, which no test can predict.
untime() {
	sed -E 's/"time_ms":[0-9.]+,"ttfb_ms":[0-9.]+/"time_ms":T,"ttfb_ms":T/'
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
