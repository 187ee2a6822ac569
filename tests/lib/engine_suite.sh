#!/bin/sh
# Integration: the real binary against tests/lib/httpd, on the engine named by
# $ENGINE (tests/engine_*.sh set it). Every record is asserted exactly
# (timings hidden by untime), so every engine must give the same records.
. "${top_srcdir:-.}/tests/lib/setup.sh"
: "${ENGINE:=serial}"
pscrape() {
	# shellcheck disable=SC2086
	${PSCRAPE_WRAPPER:-} "$PSCRAPE_BIN" -e "$ENGINE" "$@"
}
start_server
J=3
[ "$ENGINE" = serial ] && J=1	# serial runs one at a time whatever -j says
V=$(pscrape -V | sed -n '1s/^pscrape //p')

# Shorthand: the JSONL record(s) for URLs given as arguments.
rec() {
	printf '%s\n' "$@" >"$T/list"
	pscrape -f jsonl "$T/list" 2>/dev/null | untime
}
# One field of a one-record JSONL run, by name (string or number).
field() {
	sed -E "s/.*\"$1\":(\"([^\"\\\\]|\\\\.)*\"|[^,}]*).*/\\1/"
}

# --- the reference lines
printf '%s\n' "$BASE/status/200" "$BASE/redirect/3" "$BASE/status/404" \
    "$BASE/status/503" "$BASE/status/200" >"$T/list"
# -v: the full table, whose dups and chars columns are checked below.
pscrape -j 3 -v "$T/list" >"$T/out" 2>"$T/err"; st=$?
# Engines write records as pages finish: compare them in sorted order.
is "$(sort "$T/out")" "Failed $BASE/status/404: HTTP 404
Failed $BASE/status/503: HTTP 503
Fetched 10 characters from $BASE/status/200
Fetched 6 characters from $BASE/redirect/3
Skipped $BASE/status/200: duplicate of $T/list:1" "text records, one per URL line"
is "$st" 1 "a failure makes the status 1"
is "$(head -n 2 "$T/err" | awk '{ print $1, $2, $3, $4, $5, $6, $8 }')" \
    "engine jobs urls ok failed dups chars
$ENGINE $J 5 2 2 1 16" "the per-engine table on stderr"
# What the transfers cost (the tests' config: no robots.txt, no retries):
# 404, 503, 200, and the redirects followed in one transfer; the
# connections depend on the engine's threads and workers.
is "$(sed -n '3,$p' "$T/err" | sed 's/: [0-9]* connections,/: N connections,/')" \
    "$ENGINE: N connections, 0 TLS handshakes (0 resumed); responses: HTTP/1.0 0, HTTP/1.1 4, HTTP/2 0, HTTP/3 0" \
    "-v: what the run's transfers cost"

printf '%s\n' "$BASE/status/200" "$BASE/status/204" >"$T/list"
pscrape -q "$T/list" >"$T/out" 2>"$T/err"; st=$?
is "$st:$(cat "$T/out")|$(cat "$T/err")" "0:|" "all ok: status 0, -q prints nothing at all"

# --- every field of a success after redirects
is "$(rec "$BASE/redirect/2")" "{\"url\":\"$BASE/redirect/2\",\"input\":\"$T/list:1\",\"final_url\":\"$BASE/redirect/0\",\"status\":200,\"ok\":true,\"duplicate_of\":null,\"content_type\":\"text/html\",\"charset\":\"windows-1252\",\"bytes\":39,\"chars\":6,\"time_ms\":T,\"ttfb_ms\":T,\"engine\":\"$ENGINE\",\"attempts\":1,\"depth\":0,\"referrer\":null,\"error\":null,\"robots\":null}" \
    "jsonl success record, redirects followed"

# --- redirects refused or broken
is "$(rec "$BASE/loop" | field error)" '"Maximum (10) redirects followed"' \
    "a redirect loop stops at --max-redirs"
printf '%s\n' "$BASE/redirect/3" >"$T/list"
is "$(pscrape -f jsonl --max-redirs 2 "$T/list" 2>/dev/null | field error)" \
    '"Maximum (2) redirects followed"' "--max-redirs 2"
for target in file:///etc/passwd ftp://127.0.0.1/x gopher://127.0.0.1/ \
    dict://127.0.0.1/x; do
	r=$(rec "$BASE/redirect-to?url=$target")
	is "$(echo "$r" | field ok):$(echo "$r" | field error)" \
	    "false:\"redirect to a scheme other than http or https refused: $target\"" \
	    "redirect to $target refused"
done
r=$(rec "$BASE/redirect-nolocation")
is "$(echo "$r" | field status):$(echo "$r" | field error)" \
    '301:"HTTP 301 redirect without a Location"' "a redirect without Location fails"

# --- statuses
for s in 400 401 403 404 410 418 429 500 502 503 599; do
	r=$(rec "$BASE/status/$s")
	is "$(echo "$r" | field status):$(echo "$r" | field ok):$(echo "$r" | field chars):$(echo "$r" | field error)" \
	    "$s:false:0:\"HTTP $s\"" "HTTP $s is a failure, not parsed"
done
r=$(rec "$BASE/status/299")
is "$(echo "$r" | field status):$(echo "$r" | field ok):$(echo "$r" | field chars)" \
    "299:true:10" "an odd 2xx status is a success"

# --- network errors name the cause
r=$(rec "http://127.0.0.1:9/")
is "$(echo "$r" | field status):$(echo "$r" | field error | sed 's/after [0-9]* ms/after N ms/')" \
    '0:"Failed to connect to 127.0.0.1 port 9 after N ms: Couldn'"'"'t connect to server"' \
    "a closed port"
printf '%s\n' "$BASE/delay/5000" >"$T/list"
pscrape -f jsonl -t 1.5 "$T/list" 2>/dev/null >"$T/out"
is "$(field error <"$T/out" | sed -E 's/after [0-9]+ milliseconds/after N milliseconds/')" \
    '"Operation timed out after N milliseconds with 0 bytes received"' \
    "--timeout gives up a slow page"

# --- --max-size holds on decoded bytes, whatever the framing
printf '%s\n' "$BASE/big/5000" "$BASE/big/5000?chunked=1" "$BASE/big/1000" >"$T/list"
pscrape -f jsonl --max-size 1000 "$T/list" 2>/dev/null | sort >"$T/out"
is "$(field url <"$T/out"):$(field error <"$T/out")" "\"$BASE/big/1000\"
\"$BASE/big/5000\"
\"$BASE/big/5000?chunked=1\":null
\"body exceeds --max-size (1000 bytes)\"
\"body exceeds --max-size (1000 bytes)\"" "--max-size with Content-Length, chunked, and exactly at the cap"
r=$(rec "$BASE/gzipbomb/1073741824")
is "$(echo "$r" | field error)" '"body exceeds --max-size (10485760 bytes)"' \
    "a gzip bomb (1 GiB decoded) stops at the default cap"
r=$(rec "$BASE/big/1000?gzip=1")
is "$(echo "$r" | field bytes):$(echo "$r" | field chars)" "1000:993" \
    "a gzip body is counted decoded"

# --- non-HTML bodies: success, 0 characters, not parsed
r=$(rec "$BASE/bytes/4096")
is "$(echo "$r" | field ok):$(echo "$r" | field content_type):$(echo "$r" | field charset):$(echo "$r" | field bytes):$(echo "$r" | field chars)" \
    'true:"image/png":null:4096:0' "binary content is not parsed"
r=$(rec "$BASE/f/corpus/README?ct=text/plain")
is "$(echo "$r" | field ok):$(echo "$r" | field chars)" "true:0" "text/plain is not parsed"
r=$(rec "$BASE/status/200?ct=")
is "$(echo "$r" | field content_type):$(echo "$r" | field chars)" "null:10" \
    "a body without Content-Type is parsed as HTML"

# --- request headers: -A and -H reach the server
is "$(rec "$BASE/echo?h=User-Agent" | field chars)" "$((${#V} + 8))" \
    "default User-Agent pscrape/VERSION"
printf '%s\n' "$BASE/echo?h=User-Agent" "$BASE/echo?h=X-Token" >"$T/list"
pscrape -A "agent/1.0" -H "X-Token: abc def" --save-text "$T/text" "$T/list" \
    >"$T/out" 2>/dev/null
is "$(sort "$T/out")" "Fetched 7 characters from $BASE/echo?h=X-Token
Fetched 9 characters from $BASE/echo?h=User-Agent" "-A and -H are sent"

# --- --save-text: files named by a hash, an index, the text as counted
is "$(cut -f2 "$T/text/index.tsv" | sort)" "$BASE/echo?h=User-Agent
$BASE/echo?h=X-Token" "index.tsv maps files to URLs"
f=$(grep 'X-Token$' "$T/text/index.tsv" | cut -f1)
is "$(echo "$f" | grep -c '^[0-9a-f]\{16\}\.txt$'):$(cat "$T/text/$f")" "1:abc def" \
    "text saved under a hashed name"
is "$(ls "$T/text" | wc -l | tr -d ' ')" 3 "nothing else in the directory"

# --- --text: in each record, the text --save-text saves, "chars" long
PY=$(command -v python3 || true)
# Each JSONL record on stdin as "url-tail ok: text == file, len == chars".
text_check() {
	"$PY" -c 'import json, sys
for line in sys.stdin:
    r = json.loads(line)
    t, f = r["text"], r["text_file"]
    with open(f, encoding="utf-8") as fp:
        saved = fp.read()
    print(r["url"].rsplit("/", 1)[1], r["ok"], t == saved,
        len(t) == r["chars"], r["chars"] > 0, f.startswith(sys.argv[1] + "/"))
' "$1"
}
for f in article multibyte entities whitespace shiftjis_meta utf16le_bom \
    pre_textarea win1252_meta refs_overflow; do
	echo "$BASE/f/fixtures/$f.html"
done >"$T/list"
if [ -n "$PY" ]; then
	pscrape -f jsonl --text --save-text "$T/tx" "$T/list" 2>/dev/null \
	    >"$T/out"
	is "$(text_check "$T/tx" <"$T/out" | sort)" "article.html True True True True True
entities.html True True True True True
multibyte.html True True True True True
pre_textarea.html True True True True True
refs_overflow.html True True True True True
shiftjis_meta.html True True True True True
utf16le_bom.html True True True True True
whitespace.html True True True True True
win1252_meta.html True True True True True" \
	    "--text: the text field is the file text_file names, chars characters"
	# Over 1 MiB of text: more than one message of the process engine.
	printf '%s\n' "$BASE/big/1500000" >"$T/list"
	pscrape -f jsonl --text --save-text "$T/tx" "$T/list" 2>/dev/null \
	    >"$T/out"
	is "$(text_check "$T/tx" <"$T/out"):$(field chars <"$T/out")" \
	    "1500000 True True True True True:1499993" \
	    "--text: a page of 1.5 MB of text, whole"
else
	ok 0 "# SKIP python3 is needed to read --text records"
	ok 0 "# SKIP python3 is needed to read --text records"
fi
printf '%s\n' "$BASE/status/200" "$BASE/status/404" "$BASE/bytes/10" >"$T/list"
pscrape -f jsonl --text "$T/list" 2>/dev/null | sort >"$T/out"
is "$(sed -E 's/.*"error":(.*)/\1/' "$T/out")" 'null,"robots":null,"text":null}
null,"robots":null,"text":"status 200"}
"HTTP 404","robots":null,"text":null}' \
    "--text: the text last; null for a failure and for a page not parsed"
printf '%s\n' "$BASE/status/200" >"$T/list"
pscrape -f csv --text --save-text "$T/tx" "$T/list" 2>/dev/null >"$T/out"
is "$(tr -d '\r' <"$T/out" | sed -E 's/.*,error,/,error,/; s/.*,200,true,.*,,/,/')" \
    ",error,robots,text_file,text
,$T/tx/$(grep 'status/200$' "$T/tx/index.tsv" | cut -f1),status 200" \
    "--text -f csv: text_file and text are the last columns"

# --- --save-text: the index is the run's own; records name their file
printf '%s\n' "$BASE/status/200?run=1" "$BASE/status/200?run=2" >"$T/list"
pscrape -q --save-text "$T/runs" "$T/list" >/dev/null 2>&1
printf '%s\n' "$BASE/status/200?run=3" "$BASE/status/404?run=4" >"$T/list"
pscrape -f jsonl --save-text "$T/runs" "$T/list" 2>/dev/null >"$T/out"
is "$(cut -f2 "$T/runs/index.tsv")" "$BASE/status/200?run=3" \
    "a second run into the same DIR: the index lists its pages only"
f=$(grep 'run=3"' "$T/out" | field text_file | tr -d '"')
is "$f:$(cat "$f"):$(grep 'run=4"' "$T/out" | field text_file)" \
    "$T/runs/$(cut -f1 "$T/runs/index.tsv"):status 200:null" \
    "text_file names the saved file; null when nothing was saved"
if [ "$ENGINE" = serial ]; then
	# Every engine in turn saves the same pages: each listed once.
	"$PSCRAPE_BIN" -e all -q --save-text "$T/runs" "$T/list" >/dev/null 2>&1
	is "$(cut -f2 "$T/runs/index.tsv")" "$BASE/status/200?run=3" \
	    "-e all: each page once in the index"
fi

# --- CSV
printf '%s\n' "$BASE/status/200" "$BASE/status/404" >"$T/list"
pscrape -f csv -o "$T/out.csv" "$T/list" 2>/dev/null
is "$(sed -E "s/,[0-9.]+,[0-9.]+,$ENGINE,/,T,T,$ENGINE,/" "$T/out.csv" | tr -d '\r' |
    { IFS= read -r h; echo "$h"; sort; })" \
"url,input,final_url,status,ok,duplicate_of,content_type,charset,bytes,chars,time_ms,ttfb_ms,engine,attempts,depth,referrer,error,robots
$BASE/status/200,$T/list:1,$BASE/status/200,200,true,,text/html,windows-1252,43,10,T,T,$ENGINE,1,0,,,
$BASE/status/404,$T/list:2,$BASE/status/404,404,false,,text/html,,43,0,T,T,$ENGINE,1,0,,HTTP 404," \
    "csv records written with -o"

# --- records are streamed: the first is out while the second is in flight
printf '%s\n' "$BASE/status/200" "$BASE/delay/60000" >"$T/list"
# Not through the pscrape function: $! must be pscrape itself, for kill.
# Standard output, as -o writes a temporary file renamed at the end.
${PSCRAPE_WRAPPER:-} "$PSCRAPE_BIN" -e "$ENGINE" "$T/list" >"$T/stream" \
    2>/dev/null &
pid=$!
i=0
while [ ! -s "$T/stream" ] && [ $i -lt 1500 ]; do sleep 0.01; i=$((i + 1)); done
kill -0 $pid 2>/dev/null; running=$?
is "$running:$(cat "$T/stream")" "0:Fetched 10 characters from $BASE/status/200" \
    "a record is flushed as soon as its page is done"

# --- SIGTERM: the transfer in flight is stopped, its record written, 143
kill -TERM $pid
wait $pid; st=$?
is "$st:$(sed -n 2p "$T/stream")" "143:Failed $BASE/delay/60000: interrupted by SIGTERM" \
    "SIGTERM ends the run with a record for the page in flight, status 143"

# --- the server saw exactly the requests made (no retries, no extras)
printf '%s\n' "$BASE/status/200?probe=1" "$BASE/status/500?probe=2" \
    "$BASE/status/200?probe=1" "$BASE/redirect/1?probe=3" >"$T/list"
pscrape -q "$T/list" >/dev/null 2>&1
is "$(requests | grep 'probe=' | sort)" "GET /redirect/1?probe=3
GET /status/200?probe=1
GET /status/500?probe=2" "each URL is requested once: no retry, duplicates skipped"

done_testing
