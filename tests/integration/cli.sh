#!/bin/sh
# The command line and the URL-list reader, through --dry-run (no network):
# option values, input files, line rules, duplicates, exit statuses.
. "${top_srcdir:-.}/tests/lib/setup.sh"

# --- bad option values are refused with what was expected, status 2
pscrape -j 0 >/dev/null 2>"$T/err"; st=$?
is "$st" 2 "-j 0 exits 2"
is "$(head -1 "$T/err")" \
    "pscrape: --jobs: expected an integer from 1 to 100000, got '0'" \
    "-j 0 says what was expected"
pscrape --max-size 12Q >/dev/null 2>"$T/err"; st=$?
is "$st:$(head -1 "$T/err")" "2:pscrape: --max-size: expected a positive number of bytes, optionally with K, M or G, got '12Q'" \
    "--max-size with a bad suffix"
pscrape -t -3 >/dev/null 2>"$T/err"; st=$?
is "$st:$(head -1 "$T/err")" "2:pscrape: --timeout: expected a number of seconds greater than 0, got '-3'" \
    "negative --timeout"
pscrape -f xml >/dev/null 2>"$T/err"; st=$?
is "$st:$(head -1 "$T/err")" "2:pscrape: --format: expected text, jsonl or csv, got 'xml'" \
    "unknown --format"
pscrape -e warp >/dev/null 2>"$T/err"; st=$?
is "$st:$(head -1 "$T/err")" "2:pscrape: --engine: expected all or a comma list of serial, thread, pool, process, async, got 'warp'" \
    "unknown --engine names the engines"
pscrape -e pool,, >/dev/null 2>"$T/err"; st=$?
is "$st" 2 "an empty name in an engine list is refused"
pscrape -H 'NoColon' >/dev/null 2>"$T/err"; st=$?
is "$st:$(head -1 "$T/err")" "2:pscrape: --header: expected 'Name: value' on one line, got 'NoColon'" \
    "malformed --header"
pscrape --bogus >/dev/null 2>"$T/err"; st=$?
is "$st:$(head -1 "$T/err")" "2:pscrape: unknown option '--bogus'" "unknown long option"
pscrape --timeout >/dev/null 2>"$T/err"; st=$?
is "$st:$(head -1 "$T/err")" "2:pscrape: option '--timeout' needs an argument" \
    "missing argument"
pscrape --text --dry-run >/dev/null 2>"$T/err"; st=$?
is "$st:$(head -1 "$T/err")" "2:pscrape: --text: needs -f jsonl or -f csv (a text record has no room for the page's text)" \
    "--text with the text format is refused"

# --- input files
pscrape --dry-run "$T/missing.txt" >/dev/null 2>"$T/err"; st=$?
is "$st:$(cat "$T/err")" "2:pscrape: cannot read '$T/missing.txt': No such file or directory" \
    "a missing list exits 2 before anything runs"
pscrape --dry-run "$T" >/dev/null 2>"$T/err"; st=$?
is "$st:$(cat "$T/err")" "2:pscrape: cannot read '$T': Is a directory" \
    "a directory is refused"

# --- options after the files and URLs, as curl and wget2 take them
pscrape http://127.0.0.1:1/a --dry-run -f csv >"$T/out" 2>"$T/err"; st=$?
is "$st:$(cat "$T/out"):$(cat "$T/err")" "0:http://127.0.0.1:1/a:" \
    "options after a URL apply (--dry-run after the URL)"
pscrape --dry-run -- --dry-run >/dev/null 2>"$T/err"; st=$?
is "$st:$(cat "$T/err")" "2:pscrape: cannot read '--dry-run': No such file or directory" \
    "after --, an argument that looks like an option is a file"

# --- line rules: BOM, CRLF, whitespace, comments, blank lines
printf '\357\273\277http://127.0.0.1:1/a\r\n\r\n  # comment\n\t http://127.0.0.1:1/b  \r\n#http://127.0.0.1:1/c\n' >"$T/l1"
pscrape --dry-run "$T/l1" >"$T/out" 2>"$T/err"; st=$?
is "$(cat "$T/out")" "http://127.0.0.1:1/a
http://127.0.0.1:1/b" "BOM, CR, whitespace and comments are ignored"
is "$st:$(cat "$T/err")" "0:" "a clean list exits 0 in a dry run"

# --- normalisation and duplicates (same URL after curl_url), stdin
printf 'HTTP://127.0.0.1:1\nhttp://127.0.0.1:1/\nhttp://127.0.0.1:1/x\n' |
    pscrape --dry-run >"$T/out" 2>"$T/err"; st=$?
is "$(cat "$T/out")" "http://127.0.0.1:1/
http://127.0.0.1:1/x" "stdin is read; URLs are normalised"
is "$st:$(cat "$T/err")" "0:pscrape: stdin:2: duplicate of stdin:1" \
    "a duplicate is reported with both lines, and is no failure"
printf 'http://127.0.0.1:1/x\n' >"$T/l2"
printf 'http://127.0.0.1:1/y\n' | pscrape --dry-run "$T/l2" - "$T/l2" \
    >"$T/out" 2>"$T/err"
is "$(cat "$T/out")" "http://127.0.0.1:1/x
http://127.0.0.1:1/y" "files and - are read in order"
is "$(cat "$T/err")" "pscrape: $T/l2:1: duplicate of $T/l2:1" \
    "duplicates are found across files"

# --- internationalised host names: under a UTF-8 locale the punycode name
# that is fetched (so a name and its punycode are duplicates); under C a
# bad line saying why. No name is resolved.
printf 'http://m\303\274ller.example/\nhttp://xn--mller-kva.example/\nhttp://M\303\234LLER.example/a\n' >"$T/idn"
LC_ALL=C.UTF-8 pscrape --dry-run "$T/idn" >"$T/out" 2>"$T/err"; st=$?
is "$st:$(cat "$T/out")|$(cat "$T/err")" "0:http://xn--mller-kva.example/
http://xn--mller-kva.example/a|pscrape: $T/idn:2: duplicate of $T/idn:1" \
    "IDN under C.UTF-8: the punycode URL, as fetched; the same host in punycode is a duplicate"
LC_ALL=C pscrape --dry-run "$T/idn" >"$T/out" 2>"$T/err"; st=$?
ue=$(printf '\303\274') Ue=$(printf '\303\234')
is "$st:$(cat "$T/out")|$(cat "$T/err")" "1:http://xn--mller-kva.example/|pscrape: $T/idn:1: internationalised host name 'm${ue}ller.example' cannot be converted: the locale's character set is ANSI_X3.4-1968, not UTF-8 (set LC_ALL=C.UTF-8, or write the host as punycode, xn--...)
pscrape: $T/idn:3: internationalised host name 'm${Ue}ller.example' cannot be converted: the locale's character set is ANSI_X3.4-1968, not UTF-8 (set LC_ALL=C.UTF-8, or write the host as punycode, xn--...)" \
    "IDN under C: a bad line naming the host and what to do"

# --- bad lines: each names FILE:LINE and the reason; the rest still runs
long=$(head -c 9000 /dev/zero | tr '\0' a)
{
	echo "ftp://127.0.0.1/file"
	echo "not a url"
	echo "http://[::1"
	echo "http://127.0.0.1:1/$long"
	echo "mailto:someone@example.org"
	printf 'http://127.0.0.1:1/\000nul\n'
	echo "https://127.0.0.1:1/ok"
	echo "http://user:hunter2@127.0.0.1:1/private"
	echo "http://:hunter2@127.0.0.1:1/private2"
} >"$T/bad"
pscrape --dry-run "$T/bad" >"$T/out" 2>"$T/err"; st=$?
is "$st" 1 "bad lines make the status 1"
is "$(cat "$T/out")" "https://127.0.0.1:1/ok
http://user:***@127.0.0.1:1/private
http://:***@127.0.0.1:1/private2" "good lines survive bad ones; passwords masked"
is "$(cat "$T/err")" "pscrape: $T/bad:1: unsupported scheme 'ftp' (only http and https)
pscrape: $T/bad:2: not a URL (expected http:// or https://)
pscrape: $T/bad:3: not a valid URL: Bad IPv6 address
pscrape: $T/bad:4: line longer than 8192 bytes (8 KiB)
pscrape: $T/bad:5: unsupported scheme 'mailto' (only http and https)
pscrape: $T/bad:6: line holds a NUL byte" "each bad line names FILE:LINE and the reason"
grep -c hunter2 "$T/out" "$T/err" | tr '\n' ' ' >"$T/n"
is "$(cat "$T/n")" "$T/out:0 $T/err:0 " "a password is never printed back"

# --- the same bad lines as records
pscrape -e serial -f jsonl "$T/bad" 2>/dev/null | untime | sed -n '1p;4p' >"$T/out"
is "$(cat "$T/out")" "{\"url\":\"ftp://127.0.0.1/file\",\"input\":\"$T/bad:1\",\"final_url\":null,\"status\":0,\"ok\":false,\"duplicate_of\":null,\"content_type\":null,\"charset\":null,\"bytes\":0,\"chars\":0,\"time_ms\":T,\"ttfb_ms\":T,\"engine\":\"serial\",\"attempts\":0,\"depth\":0,\"referrer\":null,\"error\":\"$T/bad:1: unsupported scheme 'ftp' (only http and https)\",\"robots\":null}
{\"url\":\"http://127.0.0.1:1/aaaaaaaaaaaaaaaaaaaaa...\",\"input\":\"$T/bad:4\",\"final_url\":null,\"status\":0,\"ok\":false,\"duplicate_of\":null,\"content_type\":null,\"charset\":null,\"bytes\":0,\"chars\":0,\"time_ms\":T,\"ttfb_ms\":T,\"engine\":\"serial\",\"attempts\":0,\"depth\":0,\"referrer\":null,\"error\":\"$T/bad:4: line longer than 8192 bytes (8 KiB)\",\"robots\":null}" \
    "bad lines become error records naming FILE:LINE"

# --- empty input and a list of only comments: nothing to do, status 0
: >"$T/empty"
printf '# nothing\n\n' >"$T/comments"
pscrape -q "$T/empty" "$T/comments" >"$T/out" 2>"$T/err"; st=$?
is "$st:$(cat "$T/out")" "0:" "empty lists: no records, status 0"
is "$(cat "$T/err")" "pscrape: warning: $T/empty holds no URL (it is empty or only comments)
pscrape: warning: $T/comments holds no URL (it is empty or only comments)" \
    "an empty list is a warning naming it, so a broken generator shows"
pscrape -e serial,pool --dry-run "$T/empty" >/dev/null 2>"$T/err"
: | pscrape -e serial,pool -q "$T/empty" - 2>"$T/err2"; st=$?
is "$st:$(cat "$T/err")|$(cat "$T/err2")" "0:pscrape: warning: $T/empty holds no URL (it is empty or only comments)|pscrape: warning: $T/empty holds no URL (it is empty or only comments)
pscrape: warning: stdin holds no URL (it is empty or only comments)" \
    "the warning is given once for several engines, and under -q"

# --- a page or a sitemap given for a list: one hint, not an error a line
printf '<!DOCTYPE html>\n<html><body>\n<a href="http://127.0.0.1:1/p">p</a>\nhttp://127.0.0.1:1/ok\n</body></html>\n' >"$T/page.html"
printf '\n<?xml version="1.0"?>\n<urlset><url><loc>http://127.0.0.1:1/s</loc></url></urlset>\n' >"$T/sitemap.xml"
pscrape --dry-run "$T/page.html" "$T/sitemap.xml" "$T/bad" >"$T/out" 2>"$T/err"; st=$?
is "$st:$(cat "$T/out")" "1:http://127.0.0.1:1/ok
https://127.0.0.1:1/ok
http://user:***@127.0.0.1:1/private
http://:***@127.0.0.1:1/private2" "the URL lines of an HTML list still count"
is "$(grep -v "$T/bad:" "$T/err")" "pscrape: warning: $T/page.html looks like HTML or XML, not a list of URLs one a line: its bad lines fail without a message each
pscrape: warning: $T/sitemap.xml looks like HTML or XML, not a list of URLs one a line: its bad lines fail without a message each" \
    "HTML or XML given for a list: one hint each, no error per line"
is "$(grep -c "$T/bad:" "$T/err")" 6 "the next list's bad lines are reported again"
pscrape -q -e serial -f jsonl -o "$T/rec" "$T/sitemap.xml" 2>"$T/err"; st=$?
is "$st:$(wc -l <"$T/rec" | tr -d ' '):$(cat "$T/err")" "1:2:pscrape: warning: $T/sitemap.xml looks like HTML or XML, not a list of URLs one a line: its bad lines fail without a message each" \
    "still one record a line, and -q prints the hint, not each line"
sed -n 1p "$T/rec" | untime >"$T/out"
is "$(cat "$T/out")" "{\"url\":\"<?xml version=\\\"1.0\\\"?>\",\"input\":\"$T/sitemap.xml:2\",\"final_url\":null,\"status\":0,\"ok\":false,\"duplicate_of\":null,\"content_type\":null,\"charset\":null,\"bytes\":0,\"chars\":0,\"time_ms\":T,\"ttfb_ms\":T,\"engine\":\"serial\",\"attempts\":0,\"depth\":0,\"referrer\":null,\"error\":\"$T/sitemap.xml:2: not a URL (expected http:// or https://)\",\"robots\":null}" \
    "the record of an HTML line says what is wrong with it"

# --- URLs as arguments: fetched like a list of one line, "argv:N"
pscrape --dry-run http://127.0.0.1:1/a "$T/l2" HTTPS://127.0.0.1:1/b \
    ftp://127.0.0.1/f http://127.0.0.1:1/a >"$T/out" 2>"$T/err"; st=$?
is "$st:$(cat "$T/out")" "1:http://127.0.0.1:1/a
http://127.0.0.1:1/x
https://127.0.0.1:1/b" "URL arguments are read among the lists, in order"
is "$(cat "$T/err")" "pscrape: argv:4: unsupported scheme 'ftp' (only http and https)
pscrape: argv:5: duplicate of argv:1" "a URL argument is named argv:N"
pscrape -e serial -f jsonl 'ftp://127.0.0.1/f' 2>/dev/null | untime >"$T/out"
is "$(cat "$T/out")" "{\"url\":\"ftp://127.0.0.1/f\",\"input\":\"argv:1\",\"final_url\":null,\"status\":0,\"ok\":false,\"duplicate_of\":null,\"content_type\":null,\"charset\":null,\"bytes\":0,\"chars\":0,\"time_ms\":T,\"ttfb_ms\":T,\"engine\":\"serial\",\"attempts\":0,\"depth\":0,\"referrer\":null,\"error\":\"argv:1: unsupported scheme 'ftp' (only http and https)\",\"robots\":null}" \
    "a bad URL argument is a record with input argv:N"
pscrape --dry-run "$T/nothere.txt" >/dev/null 2>"$T/err"; st=$?
is "$st:$(cat "$T/err")" "2:pscrape: cannot read '$T/nothere.txt': No such file or directory" \
    "an argument that is no URL is still a list that must exist"
# A file whose name looks like a URL: the URL wins; -i or ./ reads the file.
mkdir -p "$T/http:/127.0.0.1:1"
printf 'http://127.0.0.1:1/fromfile\n' >"$T/http://127.0.0.1:1/list"
(cd "$T" && pscrape --dry-run http://127.0.0.1:1/list &&
    pscrape --dry-run -i http://127.0.0.1:1/list -i - ./http://127.0.0.1:1/list \
    </dev/null) >"$T/out" 2>"$T/err"
is "$(cat "$T/out")|$(cat "$T/err")" "http://127.0.0.1:1/list
http://127.0.0.1:1/fromfile|pscrape: warning: stdin holds no URL (it is empty or only comments)
pscrape: ./http://127.0.0.1:1/list:1: duplicate of http://127.0.0.1:1/list:1" \
    "an argument with :// is a URL; -i FILE is always a list"
pscrape --dry-run -i "$T/missing.txt" >/dev/null 2>"$T/err"; st=$?
is "$st:$(cat "$T/err")" "2:pscrape: cannot read '$T/missing.txt': No such file or directory" \
    "-i with a missing list"
printf 'http://127.0.0.1:1/y\n' | pscrape --dry-run -i "$T/l2" -i - \
    http://127.0.0.1:1/z >"$T/out" 2>"$T/err"
is "$(cat "$T/out")" "http://127.0.0.1:1/x
http://127.0.0.1:1/y
http://127.0.0.1:1/z" "-i lists first, in order, then the arguments"

# --- -o - is standard output
(cd "$T" && pscrape --dry-run -o - "$T/l2") >"$T/out" 2>"$T/err"; st=$?
is "$st:$(cat "$T/out"):$(ls "$T" | grep -c '^-$')" "0:http://127.0.0.1:1/x:0" \
    "-o - writes to stdout, not to a file named -"

# --- config files: dashes and quoted values as curl -K takes them
printf -- '--jobs 5\noutput = "%s"\n' "$T/out file" >"$T/k"
pscrape -K "$T/k" --dry-run "$T/l2" >/dev/null 2>"$T/err"; st=$?
is "$st:$(cat "$T/err"):$(cat "$T/out file" 2>&1)" "0::http://127.0.0.1:1/x" \
    "a config file takes --name and strips a value's quotes"
printf 'user-agent = "a \\"b\\" \\\\ c"\nuser-agent "open\n' >"$T/k"
pscrape -K "$T/k" --dry-run "$T/l2" >/dev/null 2>"$T/err"; st=$?
is "$st:$(head -1 "$T/err")" "2:pscrape: $T/k:2: a quoted value lacks its closing quote" \
    "a quoted value without its end is refused with FILE:LINE"
printf 'output "%s" x\n' "$T/o" >"$T/k"
pscrape -K "$T/k" --dry-run "$T/l2" >/dev/null 2>"$T/err"; st=$?
is "$st:$(head -1 "$T/err")" "2:pscrape: $T/k:1: text after a quoted value" \
    "text after a quoted value is refused"
pscrape -f csv "$T/empty" 2>/dev/null | tr -d '\r' >"$T/out"
is "$(cat "$T/out")" "url,input,final_url,status,ok,duplicate_of,content_type,charset,bytes,chars,time_ms,ttfb_ms,engine,attempts,depth,referrer,error,robots" \
    "an empty list in CSV is still a CSV file: the header"

# --- --help and --version
pscrape --help >"$T/out"; st=$?
is "$st:$(head -1 "$T/out")" "0:Usage: pscrape [OPTIONS] [FILE|URL...]" "--help"
pscrape -V >"$T/out"; st=$?
is "$st:$(cut -d' ' -f1 "$T/out" | tr '\n' ' ')" "0:pscrape libcurl libevent gumbo " \
    "--version names pscrape and its three libraries"

done_testing
