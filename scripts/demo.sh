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

# Every engine in turn over the same list: the comparison table first (on
# stderr), then a few of the records, which went to a file.
echo "demo: every engine over urls/sample.txt, the 32 pages of tests/data/corpus"
echo "demo: served by tests/lib/httpd on 127.0.0.1:8765"
echo
# One local server stands in for the many hosts of a real list, so the
# per-host limit (4 by default) is lifted: with it, every engine would tie.
./pscrape -e serial,all --per-host 0 -o "$tmp/records.txt" urls/sample.txt
echo
echo "demo: 5 of the $(wc -l <"$tmp/records.txt" | tr -d ' ') records (one per URL and engine; pscrape -o FILE):"
head -5 "$tmp/records.txt"
