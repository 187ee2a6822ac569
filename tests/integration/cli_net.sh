#!/bin/sh
# Command-line conventions that need the test server: URLs as arguments,
# -o -, -x/--proxy, --http1.1/--http2, -b/--cookie, -c/--cookie-jar, and
# quoted values of a config file as they reach the server.
. "${top_srcdir:-.}/tests/lib/setup.sh"
start_server
# The proxy under test is -x, not one of the environment.
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY \
    no_proxy NO_PROXY

# The text of the one page a run saves with --save-text, by its URL.
saved() {	# saved DIR URL
	f=$(awk -F '\t' -v u="$2" '$2 == u { print $1 }' "$1/index.tsv")
	cat "$1/$f"
}

# --- URLs given as arguments are fetched; their input is argv:N
pscrape -e serial -f jsonl "$BASE/echo-method" "$BASE/status/404" \
    2>/dev/null | untime >"$T/out"
is "$(cat "$T/out")" "{\"url\":\"$BASE/echo-method\",\"input\":\"argv:1\",\"final_url\":\"$BASE/echo-method\",\"status\":200,\"ok\":true,\"duplicate_of\":null,\"content_type\":\"text/html\",\"charset\":\"windows-1252\",\"bytes\":29,\"chars\":3,\"time_ms\":T,\"ttfb_ms\":T,\"engine\":\"serial\",\"attempts\":1,\"depth\":0,\"referrer\":null,\"error\":null,\"robots\":null}
{\"url\":\"$BASE/status/404\",\"input\":\"argv:2\",\"final_url\":\"$BASE/status/404\",\"status\":404,\"ok\":false,\"duplicate_of\":null,\"content_type\":\"text/html\",\"charset\":null,\"bytes\":43,\"chars\":0,\"time_ms\":T,\"ttfb_ms\":T,\"engine\":\"serial\",\"attempts\":1,\"depth\":0,\"referrer\":null,\"error\":\"HTTP 404\",\"robots\":null}" \
    "URL arguments are fetched, one record each with input argv:N"

# --- -o -: the records on stdout
(cd "$T" && pscrape -f csv -o - "$BASE/echo-method") >"$T/out" 2>/dev/null; st=$?
is "$st:$(cut -d, -f1,2,4 "$T/out" | tr -d '\r' | tr '\n' ' ')" \
    "0:url,input,status $BASE/echo-method,argv:1,200 " "-o - writes the records to stdout"
is "$(ls "$T" | grep -c '^-$')" 0 "-o - makes no file named -"

# --- -x: the request goes to the proxy, in absolute form. The URL's own
# port is closed: only through the proxy can it answer.
pscrape -e serial -f jsonl -x "$BASE" http://127.0.0.1:1/echo-method \
    2>/dev/null | untime >"$T/out"
is "$(cat "$T/out")" "{\"url\":\"http://127.0.0.1:1/echo-method\",\"input\":\"argv:1\",\"final_url\":\"http://127.0.0.1:1/echo-method\",\"status\":200,\"ok\":true,\"duplicate_of\":null,\"content_type\":\"text/html\",\"charset\":\"windows-1252\",\"bytes\":29,\"chars\":3,\"time_ms\":T,\"ttfb_ms\":T,\"engine\":\"serial\",\"attempts\":1,\"depth\":0,\"referrer\":null,\"error\":null,\"robots\":null}" \
    "-x sends the request through the proxy"
is "$(requests "$PORT" | grep -c '^GET http://127.0.0.1:1/echo-method$')" 1 \
    "the proxy got the absolute-form target"

# --- --http2 as curl's: over http:// an Upgrade: h2c; --http1.1 none
if pscrape --http2 --dry-run /dev/null >/dev/null 2>&1; then
	pscrape -q --http2 --save-text "$T/h2" "$BASE/echo?h=Upgrade"
	pscrape -q --http2 --http1.1 --save-text "$T/h1" "$BASE/echo?h=Upgrade"
	is "$(saved "$T/h2" "$BASE/echo?h=Upgrade")|$(saved "$T/h1" "$BASE/echo?h=Upgrade")" \
	    "h2c|" "--http2 asks for HTTP/2 by Upgrade; a later --http1.1 does not"
else
	echo "ok $((tap_n += 1)) # SKIP libcurl without HTTP/2"
fi

# --- -b: a cookie string, or a Netscape cookie file
pscrape -q -b 'a=1; b=2' --save-text "$T/b1" "$BASE/echo?h=Cookie"
is "$(saved "$T/b1" "$BASE/echo?h=Cookie")" "a=1; b=2" "-b NAME=VALUE is sent"
printf '127.0.0.1\tFALSE\t/\tFALSE\t0\tfromfile\tyes\n' >"$T/cookies.txt"
for e in serial process; do
	pscrape -q -e $e -b "$T/cookies.txt" --save-text "$T/b2$e" "$BASE/echo?h=Cookie"
	is "$(saved "$T/b2$e" "$BASE/echo?h=Cookie")" "fromfile=yes" \
	    "-b FILE sends its cookies ($e engine)"
done
pscrape -b "$T/nocookies.txt" "$BASE/echo?h=Cookie" >/dev/null 2>"$T/err"; st=$?
is "$st:$(cat "$T/err")" "2:pscrape: cannot read cookie file '$T/nocookies.txt': No such file or directory" \
    "-b with a missing file is refused before the run"

# --- -c: the jar is written once, at the end, with every handle's cookies
say() {	# a URL of the raw port that sets the cookie $1
	echo "$RAW/raw/say?head=HTTP/1.1%20200%20OK%0D%0ASet-Cookie:%20$1;%20Path=/%0D%0AContent-Length:%202%0D%0A%0D%0A&body=ok&then=close"
}
for e in async thread pool; do
	pscrape -q -e $e -j 4 -c "$T/jar.$e" "$(say k1=a)" "$(say k2=b)" \
	    "$(say k3=c)" "$(say k4=d)"
	is "$(sed -n 1p "$T/jar.$e"):$(grep -v '^#' "$T/jar.$e" | grep . | sort | tr '\t' ' ' | tr '\n' '|')" \
	    "# Netscape HTTP Cookie File:127.0.0.1 FALSE / FALSE 0 k1 a|127.0.0.1 FALSE / FALSE 0 k2 b|127.0.0.1 FALSE / FALSE 0 k3 c|127.0.0.1 FALSE / FALSE 0 k4 d|" \
	    "-c writes the cookies of all 4 handles in one Netscape file ($e)"
done
# A cookie one transfer receives is sent by the next; -b and -c together.
pscrape -q -e serial -b "$T/cookies.txt" -c "$T/jar" --save-text "$T/c1" \
    "$(say s=v1)" "$BASE/echo?h=Cookie"
is "$(saved "$T/c1" "$BASE/echo?h=Cookie")" "fromfile=yes; s=v1" \
    "a cookie received is sent by later transfers"
is "$(grep -v '^#' "$T/jar" | grep . | sort | tr '\t' ' ' | tr '\n' '|')" \
    "127.0.0.1 FALSE / FALSE 0 fromfile yes|127.0.0.1 FALSE / FALSE 0 s v1|" \
    "the jar holds -b's cookies and the received ones"
pscrape -q -c "$T/nodir/jar" "$BASE/echo-method" 2>"$T/err"; st=$?
is "$st:$(sed 's/\.[A-Za-z0-9]*'"'"':/.XXXXXX'"'"':/' "$T/err" | head -1)" "3:$(pscrape -q -o "$T/nodir/jar" "$BASE/echo-method" 2>&1 | sed 's/\.[A-Za-z0-9]*'"'"':/.XXXXXX'"'"':/' | head -1)" \
    "a jar that cannot be written is exit 3, like -o"

# --- a config file's quoted value reaches the server as written
printf -- '--user-agent = "my \\"agent\\" 1.0"\n' >"$T/k"
pscrape -q -K "$T/k" --save-text "$T/ua" "$BASE/echo?h=User-Agent"
is "$(saved "$T/ua" "$BASE/echo?h=User-Agent")" 'my "agent" 1.0' \
    "a quoted config value loses its quotes and keeps its blanks"

done_testing
