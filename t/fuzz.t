#!/bin/sh
# Smoke run of every fuzz target.  Built with --enable-fuzzing (clang,
# libFuzzer) each target runs 50k inputs or 10 s from its seed corpus;
# otherwise each target replays its corpus and saved crashers once.
# Either way a crash, leak or sanitizer report fails the test.
. "$top_srcdir/t/lib.sh"

targets=$(cd "$top_builddir/t/fuzz" && ls fuzz_* 2>/dev/null | grep -v '\.' )
[ -n "$targets" ] || bail "no fuzz targets built"
for t in $targets; do
	corpus="$top_srcdir/t/corpus/${t#fuzz_}"
	[ -d "$corpus" ] || { not_ok "$t: no seed corpus at t/corpus/${t#fuzz_}"; continue; }
	log="$TMP/$t.log"
	if [ "$SSMP_FUZZ_MODE" = libfuzzer ]; then
		mkdir -p "$TMP/$t.new"
		"$top_builddir/t/fuzz/$t" -runs=50000 -max_total_time=10 \
		    -timeout=10 -rss_limit_mb=1024 "$TMP/$t.new" "$corpus" >"$log" 2>&1
	else
		"$top_builddir/t/fuzz/$t" "$corpus" >"$log" 2>&1
	fi
	rc=$?
	if [ $rc -eq 0 ]; then
		ok "$t ($SSMP_FUZZ_MODE): $(grep -c '' "$log") lines of output, no crash"
	else
		not_ok "$t ($SSMP_FUZZ_MODE) exited $rc"
		sed 's/^/# /' "$log" | tail -30
	fi
done
done_testing
