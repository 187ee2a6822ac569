#!/bin/sh
# The layout rules of src/ (tests/lint/layout.py): no include cycle, no
# repeated block of 6 or more lines, an opening comment in every file, and
# README's Layout naming every file.
exec "${PYTHON3:-python3}" "${top_srcdir:-.}/tests/lint/layout.py" \
    "${top_srcdir:-.}/src" "${top_srcdir:-.}/README.md"
