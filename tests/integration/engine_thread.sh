#!/bin/sh
# The integration suite on the thread engine.
ENGINE=thread
. "${top_srcdir:-.}/tests/lib/engine_suite.sh"
