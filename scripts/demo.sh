#!/bin/sh
# The main job, offline: start the test server on 127.0.0.1:8765, run
# pscrape over the bundled sample corpus (urls/sample.txt) with every
# engine there is, then stop the server.
set -eu
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
./tests/lib/httpd --port 8765 --port-file "$tmp/port" --root tests/data \
    >"$tmp/httpd.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
i=0
while [ ! -s "$tmp/port" ]; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 $pid 2>/dev/null; then
		echo "demo: the test server did not start (is 127.0.0.1:8765 busy?)" >&2
		cat "$tmp/httpd.log" >&2
		exit 1
	fi
	sleep 0.01
done

# Every engine in turn over the same list, then the comparison table.
./pscrape -e serial,all urls/sample.txt
