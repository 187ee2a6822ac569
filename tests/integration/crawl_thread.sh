#!/bin/sh
# tests/integration/crawl.sh on the thread engine (see tests/lib/one_engine.sh).
exec "${SHELL:-/bin/sh}" "${top_srcdir:-.}/tests/lib/one_engine.sh" crawl thread
