#!/bin/sh
# The man page's EXAMPLES run against the test server (the jq mantest
# model): each "$ pscrape ..." line, and the crontab line, with urls.txt
# and the paths in them pointed at the scratch directory.
. "${top_srcdir:-.}/tests/setup.sh"
start_server
MAN=$top_srcdir/man/pscrape.1
printf '%s\n' "$BASE/status/200" "$BASE/redirect/1" >"$T/urls.txt"

# The .Dl examples, one command each.
sed -n '/^\.Sh EXAMPLES/,/^\.Sh/s/^\.Dl \$ pscrape //p' "$MAN" >"$T/examples"
is "$(wc -l <"$T/examples" | tr -d ' ')" 5 "EXAMPLES shows five commands"
while read -r args; do
	args=$(echo "$args" | sed "s|urls.txt|$T/urls.txt|g; s|\\\\-|-|g;
	    s| -o \([a-z][a-z.]*\)| -o $T/\1|; s|--summary \([a-z][a-z.]*\)|--summary $T/\1|")
	# shellcheck disable=SC2086
	(cd "$T" && pscrape $args >"$T/out" 2>"$T/err")
	is "$?" 0 "pscrape $args"
done <"$T/examples"
is "$(wc -l <"$T/results.jsonl" | tr -d ' '):$(grep -c '"engine":"pool"' "$T/cmp.json")" \
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

done_testing
