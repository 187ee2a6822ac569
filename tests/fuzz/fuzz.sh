#!/bin/sh
# make fuzz: build the libFuzzer targets with clang straight from the
# sources (not the autotools objects) and run each for FUZZ_SECONDS on a
# scratch copy of its seed corpus. Exits non-zero, naming the reproducer,
# on any crash, failed check, leak, timeout or OOM.
#
# From the Makefile (environment):
#   FUZZ_SRCDIR    top of the source tree
#   FUZZ_BUILDDIR  where to build and run (default fuzz-build)
#   FUZZ_CC        clang with the libFuzzer runtime (default clang)
#   FUZZ_CPPFLAGS  -I for config.h and src/, and the libraries' cflags
#   FUZZ_LIBS      -lcurl -lgumbo ...
#   FUZZ_SECONDS   per target (default 60)
#   FUZZ_TARGETS   which to run (default: urllist charset extract robots)
#   FUZZ_ARGS      extra libFuzzer flags, e.g. -jobs=2 -workers=2
set -u

src=${FUZZ_SRCDIR:-.}
out=${FUZZ_BUILDDIR:-fuzz-build}
cc=${FUZZ_CC:-clang}
secs=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-urllist charset extract robots}
fuzzdir=$src/tests/fuzz

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "fuzz: $cc not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2
	exit 2
fi
mkdir -p "$out" || exit 2
probe=$out/probe.c
printf '%s\n' '#include <stdint.h>' '#include <stddef.h>' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
    >"$probe"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe" -o "$out/probe" \
    2>"$out/probe.log"; then
	cat "$out/probe.log" >&2
	echo "fuzz: $cc cannot link -fsanitize=fuzzer (Debian: apt-get install libclang-rt-14-dev)" >&2
	exit 2
fi
rm -f "$probe" "$out/probe" "$out/probe.log"

CFLAGS="-std=c11 -g -O1 -fno-omit-frame-pointer -DFUZZING \
-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
-Wall -Wextra -Wno-unused-parameter"

# The sources each target needs, and its -max_len.
sources() {
	case $1 in
	urllist) echo "urllist url strset frontier_mem sink format stats progress result" \
	    "buf xmalloc stop" ;;
	charset) echo "charset xmalloc stop" ;;
	extract) echo "extract textcount charset nest tokenize budget buf xmalloc stop" ;;
	robots) echo "robots buf xmalloc" ;;
	esac
}
maxlen() {
	case $1 in
	extract) echo 65536 ;;
	*) echo 16384 ;;
	esac
}

status=0
for t in $targets; do
	files=
	for f in $(sources "$t"); do
		files="$files $src/src/$f.c"
	done
	if [ -z "$files" ]; then
		echo "fuzz: no target '$t'" >&2
		exit 2
	fi
	echo "fuzz: building fuzz_$t"
	# shellcheck disable=SC2086
	if ! "$cc" $CFLAGS ${FUZZ_CPPFLAGS:-} -I"$fuzzdir" \
	    -o "$out/fuzz_$t" "$fuzzdir/fuzz_$t.c" $files \
	    ${FUZZ_LIBS:-} -lm; then
		echo "fuzz: cannot build fuzz_$t" >&2
		exit 2
	fi
done

# The test fixtures seed the charset and extract targets too, in their
# input form (the Content-Type on the first line, from MANIFEST), so the
# pages are not kept twice in the tree.
fixture_seeds() {
	while IFS='	' read -r name ct; do
		{ printf '%s\n' "$ct"; cat "$src/tests/data/fixtures/$name"; } \
		    >"$1/fixture_$name"
	done <"$src/tests/data/fixtures/MANIFEST"
	for f in "$src"/tests/data/corpus/0[12]-*.html; do
		{ echo "text/html; charset=utf-8"; cat "$f"; } \
		    >"$1/corpus_${f##*/}"
	done
}

for t in $targets; do
	corpus=$out/corpus_$t
	art=$out/artifacts/$t/
	log=$out/fuzz_$t.log
	rm -rf "$corpus"
	mkdir -p "$corpus" "$art"
	# A scratch copy: what a run adds never lands in the source tree.
	cp "$fuzzdir/corpus_$t"/* "$corpus"/ 2>/dev/null
	case $t in charset|extract) fixture_seeds "$corpus" ;; esac
	dict=
	[ -f "$fuzzdir/$t.dict" ] && dict=-dict=$fuzzdir/$t.dict
	before=$(ls "$art" | wc -l)
	echo "fuzz: running fuzz_$t for ${secs}s"
	# shellcheck disable=SC2086
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
	"$out/fuzz_$t" -max_total_time="$secs" -max_len="$(maxlen "$t")" \
	    -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$art" $dict \
	    ${FUZZ_ARGS:-} "$corpus" >"$log" 2>&1
	rc=$?
	grep -E '^#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::average_exec_per_sec' \
	    "$log" | sed "s/^/fuzz_$t: /"
	after=$(ls "$art" | wc -l)
	if [ "$rc" -ne 0 ] || [ "$after" -ne "$before" ]; then
		status=1
		echo "fuzz: fuzz_$t FAILED (exit $rc); the end of $log:" >&2
		tail -n 40 "$log" >&2
		for a in $(ls -t "$art" | head -n $((after - before))); do
			echo "fuzz: reproducer: $art$a" >&2
			echo "fuzz:   rerun: $out/fuzz_$t $art$a" >&2
		done
	else
		echo "fuzz: fuzz_$t ok"
	fi
done
exit $status
