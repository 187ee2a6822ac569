#!/bin/sh
# The integration suite on the process engine.
ENGINE=process
. "${top_srcdir:-.}/tests/lib/engine_suite.sh"
