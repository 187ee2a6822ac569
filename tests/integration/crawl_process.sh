#!/bin/sh
# tests/integration/crawl.sh on the process engine (see tests/lib/one_engine.sh).
exec "${SHELL:-/bin/sh}" "${top_srcdir:-.}/tests/lib/one_engine.sh" crawl process
