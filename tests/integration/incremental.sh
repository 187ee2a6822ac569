#!/bin/sh
# Incremental re-runs with --state (issue 15, item 4), on every engine: a
# later run sends the validators of each URL's last success (the test
# server's log counts the 304s it gave), a 304 is a success with
# not_modified and the stored chars, `changed` says whether the body's hash
# differs from the last success's (null when there was none), and --since
# skips the URLs fetched ok less than that long ago, each with a record.
# INCR_ENGINES says which engines run.
. "${top_srcdir:-.}/tests/lib/setup.sh"

PY=$(command -v python3 || true)
if [ -z "$PY" ]; then
	echo "Bail out! python3 is needed to read the records"
	exit 1
fi
ENGINES=${INCR_ENGINES:-serial thread pool process async}

# Per engine, a copy of three sites (a port each, so that the log tells
# the engines apart): v sends both validators, lm only Last-Modified (its
# files dated 2020), nv none.
for e in $ENGINES; do
	mkdir -p "$T/sites/v_$e" "$T/sites/lm_$e" "$T/sites/nv_$e"
	printf '<html><body><p>alpha</p></body></html>\n' >"$T/sites/v_$e/a.html"
	printf '<html><body><p>bravo two</p></body></html>\n' \
	    >"$T/sites/v_$e/b.html"
	printf '<html><body><p>charlie 333</p></body></html>\n' \
	    >"$T/sites/v_$e/c.html"
	printf '<html><body><p>lima</p></body></html>\n' >"$T/sites/lm_$e/l.html"
	printf '2\n' >"$T/sites/lm_$e/validators"
	touch -d '2020-01-02 03:04:05 UTC' "$T/sites/lm_$e/l.html"
	printf '<html><body><p>none at all</p></body></html>\n' \
	    >"$T/sites/nv_$e/n.html"
	printf '0\n' >"$T/sites/nv_$e/validators"
done
# A crawl: an index page and the two pages it links to.
mkdir -p "$T/sites/crawl"
printf '<html><body><a href=x.html>x</a> <a href=y.html>y</a></body></html>\n' \
    >"$T/sites/crawl/index.html"
printf '<html><body><p>x page</p></body></html>\n' >"$T/sites/crawl/x.html"
printf '<html><body><p>y page</p></body></html>\n' >"$T/sites/crawl/y.html"
start_server_sites "$T/sites"

# The records of FILE (JSONL) in input order, on one line, each "STATUS
# ok|failed NOT_MODIFIED CHANGED SKIPPED CHARS BYTES", joined by "; ".
# The list: a, b, c (validators), l (Last-Modified only), n (none), and
# a missing page.
summ() {
	"$PY" - "$1" <<'EOF'
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1])]
rs.sort(key=lambda r: int(r["input"].split(":")[1]))
j = lambda v: json.dumps(v)
print("; ".join("%d %s %s %s %s %d %d" % (r["status"],
    "ok" if r["ok"] else "failed", j(r["not_modified"]), j(r["changed"]),
    j(r["skipped"]), r["chars"], r["bytes"]) for r in rs))
EOF
}
# The 304s the server gave on PORT, and the requests of pages it got there.
n304() {
	LC_ALL=C grep -c "^[0-9.]* $1 304 " "$HTTPD_LOG"
}
ngets() {
	requests "$1" | grep -c '^GET /[a-z]\.html'
}

for e in $ENGINES; do
	eval "v=\$SITE_v_$e vp=\$SITEPORT_v_$e lm=\$SITE_lm_$e"
	eval "lp=\$SITEPORT_lm_$e nv=\$SITE_nv_$e np=\$SITEPORT_nv_$e"
	printf '%s\n' "$v/a.html" "$v/b.html" "$v/c.html" "$lm/l.html" \
	    "$nv/n.html" "$v/missing.html" >"$T/list_$e"
	run() {	# run N [OPTION...]: run N of the list, its records in out_N
		n=$1
		shift
		pscrape -e "$e" -f jsonl --state "$T/st_$e.db" "$@" \
		    "$T/list_$e" >"$T/out_$n" 2>"$T/err_$n"
		echo "$?"
	}
	# step N DESC WANT [OPTION...]: run N exits 1 (the missing page),
	# its records as WANT (see summ)
	step() {
		sn=$1 desc=$2 want=$3
		shift 3
		rc=$(run "$sn" "$@")
		is "$rc: $(summ "$T/out_$sn")" "1: $want" "$e: run $sn: $desc"
	}

	step 1 "nothing known, nothing sent; changed null" \
"200 ok false null null 6 39; 200 ok false null null 10 43; "\
"200 ok false null null 12 45; 200 ok false null null 5 38; "\
"200 ok false null null 12 45; 404 failed false null null 0 42"
	is "$(n304 "$vp"):$(n304 "$lp")" "0:0" "$e: run 1: no 304"

	# If-None-Match (v) and If-Modified-Since (lm) give 304s.
	step 2 "304s: not_modified, stored chars; no validators: 200" \
"304 ok true false null 6 0; 304 ok true false null 10 0; "\
"304 ok true false null 12 0; 304 ok true false null 5 0; "\
"200 ok false false null 12 45; 404 failed false null null 0 42" \
	    --summary "$T/sum_$e.json"
	is "$(n304 "$vp"):$(n304 "$lp"):$(n304 "$np")" "3:1:0" \
	    "$e: run 2: 3 304s to If-None-Match, 1 to If-Modified-Since"
	counts='s/.*"ok":\([0-9]*\),"failed":\([0-9]*\),.*"not_modified":'
	counts=$counts'\([0-9]*\),"skipped":\([0-9]*\),.*/\1 \2 \3 \4/p'
	is "$(sed -n "$counts" "$T/sum_$e.json")" "5 1 4 0" \
	    "$e: run 2: --summary counts 5 ok (4 not modified), 1 failed"

	# b.html and n.html change: fetched in full, changed true.
	printf '<html><body><p>bravo is new now</p></body></html>\n' \
	    >"$T/sites/v_$e/b.html"
	printf '<html><body><p>none at all, changed</p></body></html>\n' \
	    >"$T/sites/nv_$e/n.html"
	step 3 "the changed pages are fetched, changed true" \
"304 ok true false null 6 0; 200 ok false true null 17 50; "\
"304 ok true false null 12 0; 304 ok true false null 5 0; "\
"200 ok false true null 21 54; 404 failed false null null 0 42"
	is "$(n304 "$vp"):$(n304 "$lp")" "5:2" "$e: run 3: 2 + 1 more 304s"

	# --since 1h: every success skipped, with its stored chars, and not
	# requested; the failure is fetched again.
	before=$(($(ngets "$vp") + $(ngets "$lp") + $(ngets "$np")))
	step 4 "--since 1h skips the successes (one record each)" \
"0 ok false false \"since\" 6 0; 0 ok false false \"since\" 17 0; "\
"0 ok false false \"since\" 12 0; 0 ok false false \"since\" 5 0; "\
"0 ok false false \"since\" 21 0; 404 failed false null null 0 42" \
	    --since 1h
	after=$(($(ngets "$vp") + $(ngets "$lp") + $(ngets "$np")))
	is "$((after - before))" 0 "$e: run 4: none of them requested"

	# Run 5: a skip keeps the time of the fetch it stands for, and its
	# validators: --since 1h still skips, a plain run gets 304s again.
	is "$(run 5 --since 1h; grep -c '"skipped":"since"' "$T/out_5")" "1
5" "$e: run 5: a skip's record does not reset --since's clock"
	is "$(run 6; grep -c '"not_modified":true' "$T/out_6")" "1
4" "$e: run 6: after skips, the validators are still sent"
done

# The other formats carry the same fields (the last engine's state).
pscrape -e "$e" -j 1 -f csv --state "$T/st_$e.db" "$T/list_$e" 2>/dev/null |
    tr -d '\r' | cut -d, -f1,4,5,10,19- >"$T/csv"
# (The order of the hosts is the scheduler's: compared sorted.)
sort "$T/csv" >"$T/csv.got"
sort >"$T/csv.want" <<EOF
url,status,ok,chars,not_modified,changed,skipped,replayed
$v/a.html,304,true,6,true,false,,false
$v/b.html,304,true,17,true,false,,false
$v/c.html,304,true,12,true,false,,false
$lm/l.html,304,true,5,true,false,,false
$nv/n.html,200,true,21,false,false,,false
$v/missing.html,404,false,0,false,,,false
EOF
is "$(cat "$T/csv.got")" "$(cat "$T/csv.want")" \
    "csv: not_modified, changed, skipped, replayed"
pscrape -e "$e" -j 1 --state "$T/st_$e.db" "$T/list_$e" 2>/dev/null >"$T/text"
is "$(sed -n 1p "$T/text")" "Fetched 6 characters from $v/a.html (not modified)" \
    "text: a 304 says not modified"
printf '<html><body><p>alpha changed</p></body></html>\n' \
    >"$T/sites/v_$e/a.html"
pscrape -e "$e" -j 1 --state "$T/st_$e.db" --since 1h "$T/list_$e" 2>/dev/null \
    >"$T/text"
is "$(sed -n 1p "$T/text")" "Skipped $v/a.html: fetched less than --since ago (6 characters)" \
    "text: a --since skip says so"
pscrape -e "$e" -j 1 --state "$T/st_$e.db" "$T/list_$e" 2>/dev/null >"$T/text"
is "$(sed -n 1p "$T/text")" "Fetched 14 characters from $v/a.html (changed)" \
    "text: a changed page says so"

# --depth: a page whose links are followed is fetched and parsed (the
# state keeps no links); the pages of the last depth are conditional.
crawl() {
	pscrape -e "$e" -f jsonl --depth 1 --state "$T/crawl.db" "$@" \
	    "$SITE_crawl/index.html" 2>/dev/null | "$PY" -c '
import json, sys
for r in sorted((json.loads(l) for l in sys.stdin), key=lambda r: r["url"]):
    print(r["url"].rsplit("/", 1)[1], r["depth"], r["status"],
        json.dumps(r["not_modified"]), json.dumps(r["changed"]),
        json.dumps(r["skipped"]))'
}
crawl >/dev/null
is "$(crawl)" "index.html 0 200 false false null
x.html 1 304 true false null
y.html 1 304 true false null" \
    "--depth 1, run 2: the page whose links are followed fetched, its links 304"
is "$(crawl --since 1h)" "index.html 0 200 false false null
x.html 1 0 false false \"since\"
y.html 1 0 false false \"since\"" \
    "--depth 1 --since 1h: the links skipped, the page they come from not"

# --since: its argument, and --state with it.
for bad in 0 5x 1.5h -3m h 30mm 99999d; do
	pscrape --since "$bad" --state "$T/x.db" "$v/a.html" >/dev/null 2>"$T/err"
	is "$?:$(cat "$T/err")" "2:pscrape: --since: expected a duration such as\
 90s, 30m, 12h or 2d, got '$bad'
Try 'pscrape --help' for more information." "--since $bad: refused"
done
pscrape --since 30m "$v/a.html" >/dev/null 2>"$T/err"
is "$?:$(cat "$T/err")" "2:pscrape: --since needs --state: the state file\
 says when each URL was fetched" "--since without --state: refused"

# Without --state nothing changes: no fields, no validators.
pscrape -f jsonl "$v/a.html" >"$T/out" 2>/dev/null
is "$(grep -c 'not_modified\|changed\|skipped' "$T/out")" 0 \
    "without --state: no not_modified, changed or skipped field"

done_testing
