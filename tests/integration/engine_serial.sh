#!/bin/sh
# The integration suite on the serial engine.
ENGINE=serial
. "${top_srcdir:-.}/tests/lib/engine_suite.sh"
