#!/bin/sh
# tests/integration/hostile.sh on the serial engine (see tests/lib/one_engine.sh).
exec "${SHELL:-/bin/sh}" "${top_srcdir:-.}/tests/lib/one_engine.sh" hostile serial
