#!/bin/sh
# The man page's EXAMPLES run against the test server (the jq mantest
# model): each "$ pscrape ..." line, and the crontab line, with urls.txt
# and the paths in them pointed at the scratch directory.
. "${top_srcdir:-.}/tests/lib/setup.sh"
start_server
MAN=$top_srcdir/man/pscrape.1
printf '%s\n' "$BASE/status/200" "$BASE/redirect/1" >"$T/urls.txt"

# The .Dl examples, one command each.
sed -n '/^\.Sh EXAMPLES/,/^\.Sh/s/^\.Dl \$ pscrape //p' "$MAN" >"$T/examples"
is "$(wc -l <"$T/examples" | tr -d ' ')" 6 "EXAMPLES shows six commands"
while read -r args; do
	args=$(echo "$args" | sed "s|urls.txt|$T/urls.txt|g; s|\\\\-|-|g;
	    s| -o \([a-z][a-z.]*\)| -o $T/\1|; s|--summary \([a-z][a-z.]*\)|--summary $T/\1|")
	# shellcheck disable=SC2086
	(cd "$T" && pscrape $args >"$T/out" 2>"$T/err")
	is "$?" 0 "pscrape $args"
done <"$T/examples"
is "$(wc -l <"$T/results.jsonl" | tr -d ' '):$(grep -c '"engine":"pool","jobs"' "$T/cmp.json")" \
    "2:1" "the examples wrote their files"

# The crontab line: quiet, locked, replaced whole, logged.
sed -n '/^15 3 \* \* \* /,/^\.Ed/p' "$MAN" | sed '$d' |
    sed 's/^15 3 \* \* \* //; s/\\e$//; s/\\-/-/g' | tr '\n' ' ' |
    sed "s|/tmp/pscrape.lock|$T/lock|; s|/var/lib/scrape/pages.jsonl|$T/pages.jsonl|;
    s|/var/log/pscrape.log|$T/cron.log|; s|/etc/scrape/urls.txt|$T/urls.txt|" >"$T/cron"
cmd=$(cat "$T/cron")
# shellcheck disable=SC2086
(cd "$T" && eval $cmd >"$T/out" 2>"$T/err"); st=$?
is "$st:$(cat "$T/out" "$T/err")" "0:" "the crontab line: status 0, silent"
is "$(wc -l <"$T/pages.jsonl" | tr -d ' '):$(grep -c 'end status 0' "$T/cron.log")" "2:1" \
    "the crontab line wrote its records and its log"

# The GNU parallel recipe that runs here: 4 shards of urls.txt whose union
# is one record per line, none twice.
if command -v parallel >/dev/null 2>&1; then
	i=0
	while [ $i -lt 40 ]; do
		echo "http://127.0.0.1:$PORT/status/200?i=$i"
		echo "http://localhost:$PORT/status/200?i=$i"
		i=$((i + 1))
	done >"$T/urls.txt"
	echo "not a url" >>"$T/urls.txt"
	sed -n '/^\$ parallel -j4 pscrape -q/,/^\.Ed/p' "$MAN" | sed '$d' |
	    sed 's/^\$ //; s/\\e$//; s/\\-/-/g' | tr '\n' ' ' |
	    sed "s|urls.txt|$T/urls.txt|; s|part{}|$T/part{}|" >"$T/recipe"
	cmd=$(cat "$T/recipe")
	is "$(echo "$cmd" | grep -c -- '--shard {}/4')" 1 "the parallel recipe shards"
	# shellcheck disable=SC2086
	# parallel runs the pscrape it finds on PATH: this one.
	(cd "$T" && PATH=$top_builddir:$PATH && eval "$cmd" >"$T/out" \
	    2>"$T/err"); st=$?
	is "$st" 1 "the parallel recipe runs (status 1: the bad line)"
	cat "$T"/part[1-4].jsonl | sed 's/.*"input":"[^"]*:\([0-9]*\)".*/\1/' |
	    sort -n >"$T/lines"
	is "$(wc -l <"$T/lines" | tr -d ' '):$(uniq -d "$T/lines" | wc -l | tr -d ' ')" \
	    "81:0" "the union of the shards is every line of the list, once"
	n=0
	for k in 1 2 3 4; do
		[ -s "$T/part$k.jsonl" ] && n=$((n + 1))
	done
	is "$n" 2 "two hosts (127.0.0.1 and localhost): two shards hold them"

	# The recipe that spreads by URL: 4 runs to one stream, each line once,
	# every run given a part of the list.
	sed -n '/^\$ parallel -j4 pscrape -f jsonl --shard {}\/4 --shard-by/,/^\.Ed/p' \
	    "$MAN" | sed '$d' | sed 's/^\$ //; s/\\e$//; s/\\-/-/g' | tr '\n' ' ' |
	    sed "s|urls.txt|$T/urls.txt|; s|all.jsonl|$T/all.jsonl|" >"$T/recipe2"
	cmd=$(cat "$T/recipe2")
	is "$(echo "$cmd" | grep -c -- '--shard-by url')" 1 \
	    "the second parallel recipe spreads by URL"
	# shellcheck disable=SC2086
	(cd "$T" && PATH=$top_builddir:$PATH && eval "$cmd" 2>"$T/err2"); st=$?
	is "$st" 1 "the recipe by URL runs (status 1: the bad line)"
	sed 's/.*"input":"[^"]*:\([0-9]*\)".*/\1/' "$T/all.jsonl" | sort -n >"$T/lines2"
	is "$(wc -l <"$T/lines2" | tr -d ' '):$(uniq -d "$T/lines2" | wc -l | tr -d ' '):$(grep -c '"input":"stdin' "$T/all.jsonl")" \
	    "81:0:0" "spread by URL: every line of the list once, each named by its file line"
	n=0
	for k in 1 2 3 4; do
		[ "$(./pscrape --dry-run --shard $k/4 --shard-by url "$T/urls.txt" \
		    2>/dev/null | wc -l)" -gt 10 ] && n=$((n + 1))
	done
	is "$n" 4 "spread by URL: each of the 4 runs takes more than 10 of the 80 URLs"
	# The shard key is the host name without the port (pscrape(1)).
	for p in 1 2 3 4 5 6 7 8; do echo "http://127.0.0.1:$p/"; done >"$T/ports.txt"
	is "$(for k in 1 2 3 4; do ./pscrape --dry-run --shard $k/4 "$T/ports.txt" \
	    2>/dev/null | wc -l | tr -d ' '; done | sort -n | tr '\n' ' ')" "0 0 0 8 " \
	    "one host on 8 ports is one shard"
else
	echo "Bail out! GNU parallel is needed (scripts/setup.sh installs it)"
	exit 1
fi

done_testing
