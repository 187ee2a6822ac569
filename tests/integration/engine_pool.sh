#!/bin/sh
# The integration suite on the pool engine.
ENGINE=pool
. "${top_srcdir:-.}/tests/lib/engine_suite.sh"
