#!/bin/sh
# The invariant every engine keeps, on one mixed list run by all of them:
# every input line that holds a URL yields exactly one record, and status
# and character count per line equal the serial engine's.
. "${top_srcdir:-.}/tests/lib/setup.sh"
start_server

{
	echo "# a mixed list"
	for f in "$top_srcdir"/tests/data/corpus/*.html; do
		echo "$BASE/f/corpus/${f##*/}"
	done
	echo "$BASE/f/corpus/$(ls "$top_srcdir"/tests/data/corpus | sed -n 1p)?gzip=1"
	echo ""
	echo "$BASE/status/404"
	echo "$BASE/status/500"
	echo "$BASE/status/503"
	echo "http://127.0.0.1:9/closed"
	echo "$BASE/delay/300"
	echo "$BASE/delay/200"
	echo "$BASE/redirect/2"
	echo "$BASE/loop"
	echo "$BASE/redirect-to?url=ftp://127.0.0.1/x"
	echo "$BASE/big/20000?chunked=1"
	echo "$BASE/bytes/3000"
	echo "ftp://127.0.0.1/bad-scheme"
	echo "not a url"
	echo "$BASE/status/404"
	echo "  $BASE/delay/300  "
} >"$T/list"
lines=$(grep -cv '^\(#.*\)\{0,1\}$' "$T/list")

# -v: the full table, whose dups column is checked below.
pscrape -e serial,all -j 8 -v -f jsonl -o "$T/out" "$T/list" 2>"$T/err"
is "$?" 1 "the mixed list has failures: status 1"

# "engine input status chars" per record.
sed -E 's/.*"input":"([^"]*)".*"status":([0-9]+).*"chars":([0-9]+).*"engine":"([a-z]+)".*/\4 \1 \2 \3/' \
    "$T/out" | sort >"$T/recs"
for e in serial thread pool process async; do
	is "$(grep -c "^$e " "$T/recs")" "$lines" "$e: one record per URL line ($lines)"
	is "$(grep "^$e " "$T/recs" | cut -d' ' -f2 | sort -u | wc -l | tr -d ' ')" \
	    "$lines" "$e: no line twice, none lost"
	[ $e = serial ] && continue
	is "$(grep "^$e " "$T/recs" | cut -d' ' -f2-)" \
	    "$(grep "^serial " "$T/recs" | cut -d' ' -f2-)" \
	    "$e: status and chars per line equal serial's"
done
is "$(awk '$1 ~ /^(serial|thread|pool|process|async)$/ { print $1, $3, $4, $5, $6 }' \
    "$T/err")" "serial $lines 38 8 2
thread $lines 38 8 2
pool $lines 38 8 2
process $lines 38 8 2
async $lines 38 8 2" "the table: one row per engine, same counts"

done_testing
