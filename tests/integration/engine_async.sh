#!/bin/sh
# The integration suite on the async engine.
ENGINE=async
. "${top_srcdir:-.}/tests/lib/engine_suite.sh"
