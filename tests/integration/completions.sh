#!/bin/sh
# The shell completions the build makes from the option table (pscrape
# --completions bash|zsh): bash offers every option --help lists, and the
# values an option takes; the zsh one parses and names every option.
. "${top_srcdir:-.}/tests/lib/setup.sh"
BASHCOMP=$top_builddir/completions/pscrape.bash
ZSHCOMP=$top_builddir/completions/_pscrape

# The long options of --help, sorted, one a line.
pscrape --help | sed -n 's/^  \(-., \)\{0,1\} *\(--[a-z0-9.-]*\).*/\2/p' |
    sort >"$T/help"
is "$(wc -l <"$T/help" | tr -d ' ')" "$(pscrape --help | grep -cE '^  (-[A-Za-z], |    )--')" \
    "(every option line of --help is read)"

# COMPREPLY, sorted, for the words given, the last being completed.
complete_bash() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
	    _pscrape; printf "%s\n" "${COMPREPLY[@]}" | sort' sh "$BASHCOMP" "$@"
}
is "$(complete_bash pscrape --)" "$(cat "$T/help")" \
    "bash: 'pscrape --' offers every option --help lists"
is "$(complete_bash pscrape -)" "$( (cat "$T/help"
    pscrape --help | sed -n 's/^  \(-.\), .*/\1/p') | sort)" \
    "bash: 'pscrape -' adds the short options"
is "$(complete_bash pscrape -e '')" "all
async
pool
process
serial
thread" "bash: -e offers the engines and all"
is "$(complete_bash pscrape --engine serial,p)" "serial,pool
serial,process" "bash: --engine completes the last name of a comma list"
is "$(complete_bash pscrape -f '')" "csv
jsonl
text" "bash: -f offers the formats"
is "$(complete_bash pscrape --scope = d)" "domain" "bash: --scope=d completes"
is "$(complete_bash pscrape --shard-by '')" "host
url" "bash: --shard-by offers its keys"
is "$(complete_bash pscrape --timeout '')" "" "bash: nothing for a number"
mkdir "$T/dir" && : >"$T/dir/list.txt" && : >"$T/dir/sub-file"
mkdir "$T/dir/sub"
is "$(cd "$T/dir" && complete_bash pscrape -o li)" "list.txt" \
    "bash: -o completes file names"
is "$(cd "$T/dir" && complete_bash pscrape --save-text s)" "sub" \
    "bash: --save-text completes directories only"
is "$(cd "$T/dir" && complete_bash pscrape -j 3 l)" "list.txt" \
    "bash: a list file after the options"

# zsh: every option named; the file parses.
for o in $(cat "$T/help"); do
	grep -q -- "[{,'*]$o[]=[}]" "$ZSHCOMP" || echo "$o"
done >"$T/missing"
is "$(cat "$T/missing")" "" "zsh: the completion names every option --help lists"
if command -v zsh >/dev/null 2>&1; then
	zsh -n "$ZSHCOMP"; ok $? "zsh -n: the zsh completion parses"
else
	ok 0 "# SKIP zsh is not installed: zsh -n not run"
fi
pscrape --completions fish >/dev/null 2>"$T/err"; st=$?
is "$st:$(head -1 "$T/err")" "2:pscrape: --completions: expected bash or zsh" \
    "an unknown shell is refused"

done_testing
