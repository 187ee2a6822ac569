#!/bin/sh
# Runs tests/integration/SUITE.sh on one engine: the wrappers
# tests/integration/SUITE_ENGINE.sh call it, so that `make -j` runs the
# engines of the two longest suites (crawl, hostile) side by side, which
# is what keeps `make check-all` within its time on 2 cores. An outer
# CRAWL_ENGINES or HOSTILE_ENGINES still says which engines may run; the
# others are skipped.
suite=$1 engine=$2
var=$(echo "$suite" | tr '[:lower:]' '[:upper:]')_ENGINES
eval "want=\${$var:-serial thread pool process async}"
case " $want " in
*" $engine "*) ;;
*)	echo "1..0 # SKIP $suite.sh on $engine: not in $var ($want)"
	exit 0 ;;
esac
eval "$var=\$engine; export $var"
exec "${SHELL:-/bin/sh}" "${top_srcdir:-.}/tests/integration/$suite.sh"
