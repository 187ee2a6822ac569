#!/bin/sh
# The option table, --help, the man page and the README agree: every option
# with the same short letter, argument and default everywhere (the curl
# test1139 model), the same engines, and a lint-clean man page.
. "${top_srcdir:-.}/tests/lib/setup.sh"

MAN=$top_srcdir/man/pscrape.1
version=$(pscrape -V | sed -n '1s/^pscrape //p')

# --help with each option's continuation lines joined to it.
pscrape --help | awk '
/^                             / { sub(/^ +/, ""); line = line " " $0; next }
{ if (NR > 1) print line; line = $0 }
END { print line }' >"$T/helpj"

# "short|long|ARG|default" per option, from --help ...
awk '
/^  (-[A-Za-z], |    )--[a-z]/ {
	short = ""; if (match($0, /^  -[A-Za-z],/)) short = substr($0, 4, 1)
	match($0, /--[a-z0-9.-]+/); long = substr($0, RSTART + 2, RLENGTH - 2)
	rest = substr($0, RSTART + RLENGTH)
	arg = ""; if (match(rest, /^ [A-Z]+/)) arg = substr(rest, 2, RLENGTH - 1)
	def = ""; if (match($0, /\(default: [^)]*\)$/))
		def = substr($0, RSTART + 10, RLENGTH - 11)
	print short "|" long "|" arg "|" def
}' "$T/helpj" | sort >"$T/help"

# ... and from the rendered OPTIONS section of the man page.
mandoc -Tascii "$MAN" | col -bx | awk '
function flush() {
	if (long == "") return
	def = ""; if (match(body, /Default: [^.]+\./))
		def = substr(body, RSTART + 9, RLENGTH - 10)
	print short "|" long "|" arg "|" def
}
/^OPTIONS/ { inopts = 1; next }
/^[A-Z]/ { if (inopts) flush(); inopts = 0; long = "" }
inopts && /^     -/ {
	flush()
	short = ""; if (match($0, /^     -[A-Za-z],/)) short = substr($0, 7, 1)
	match($0, /--[a-z0-9.-]+/); long = substr($0, RSTART + 2, RLENGTH - 2)
	rest = substr($0, RSTART + RLENGTH)
	arg = ""; if (match(rest, /^ [A-Z]+/)) arg = substr(rest, 2, RLENGTH - 1)
	body = ""; next
}
inopts { body = body " " $0; gsub(/  +/, " ", body) }
' | sed "s|pscrape/VERSION|pscrape/$version|" | sort >"$T/man"

is "$(wc -l <"$T/help" | tr -d ' ')" 52 "--help lists 52 options"
is "$(diff "$T/help" "$T/man")" "" \
    "--help and the man page list the same options, letters, arguments, defaults"

# The engines --help names are the ones the man page describes.
help_engines=$(sed -n 's/.*or all: \([^(]*\) (default.*/\1/p' "$T/helpj" |
    tr -d ' ' | tr ',' '\n' | sort)
man_engines=$(sed -n '/^\.Ss Engines/,/^\.Sh/s/^\.It Cm //p' "$MAN" | sort)
is "$man_engines" "$help_engines" "the man page describes each engine --help names"

# Every option the README mentions exists ("--" after a letter or digit,
# as in a punycode name "xn--mller-kva", is no option; --http1.1 has a
# dot: one that ends a sentence is no part of a name).
for o in $(grep -o -E -- '(^|[^A-Za-z0-9])--[a-z][a-z0-9.-]*' \
    "$top_srcdir/README.md" | sed 's/^[^-]*//; s/\.*$//' | sort -u); do
	case $o in
	--error-exitcode) continue ;;	# valgrind's
	--pipe|--sshloginfile|--basefile) continue ;;	# GNU parallel's
	--nonall|--line-buffer) continue ;;	# GNU parallel's
	--array) continue ;;	# Slurm's sbatch
	esac
	pscrape --help | grep -q -- "$o[ ,]" || pscrape --help | grep -q -- "$o\$"
	ok $? "README's $o is a real option"
done

# The exit statuses --help lists are the ones EXIT STATUS documents.
is "$(sed -n 's/^  \([0-9][0-9]*\)  .*/\1/p' "$T/helpj" | sort -n | tr '\n' ' ')" \
    "$(sed -n '/^\.Sh EXIT STATUS/,/^\.Sh/s/^\.It \([0-9][0-9]*\)$/\1/p' "$MAN" |
    sort -n | tr '\n' ' ')" "--help and EXIT STATUS list the same statuses"

if command -v mandoc >/dev/null 2>&1; then
	is "$(mandoc -Tlint -Wwarning "$MAN" 2>&1)" "" "mandoc -Tlint is clean"
	# An escape written "\e xNN" renders as "\ xNN": a stray space.
	is "$(mandoc -Tutf8 "$MAN" | col -bx | grep -n '\\ [a-z]')" "" \
	    "the rendered page shows no backslash before a space"
else
	echo "ok $((tap_n += 1)) # SKIP mandoc not installed"
fi

done_testing
