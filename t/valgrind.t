#!/bin/sh
# valgrind.t - every C unit test program (t/test_*) runs clean under
# valgrind: no invalid access, no use of uninitialised memory, no
# definite leak (possible and reachable leaks are libraries' caches).
# Skipped when valgrind is missing and in sanitizer builds (ASan and
# valgrind cannot share a process; those builds are checked by ASan).
. "$top_srcdir/t/lib.sh"

command -v valgrind >/dev/null 2>&1 || skip_all "valgrind not installed"
# ./run-tests runs it in the gcc build, not again in distcheck's.
[ -z "${SSMP_SKIP_VALGRIND:-}" ] || skip_all "SSMP_SKIP_VALGRIND is set"
# harden.mk passes the build's SAN_CFLAGS; a binary built with ASan
# gives itself away by its runtime's symbols when run by hand.
case ${SSMP_SAN_CFLAGS:-} in
*sanitize*) skip_all "sanitizer build (SAN_CFLAGS: $SSMP_SAN_CFLAGS)" ;;
esac

progs=""
for p in "$top_builddir"/t/test_*; do
	case ${p##*/} in *.*) continue ;; esac	# test_x.o, test_x.log ...
	[ -f "$p" ] && [ -x "$p" ] || continue
	progs="$progs $p"
done
[ -n "$progs" ] || bail "no unit test programs in $top_builddir/t (make check builds them)"
for p in $progs; do
	! grep -q -e __asan_init -e __ubsan_handle "$p" ||
	    skip_all "sanitizer build ($(basename "$p") has the ASan/UBSan runtime)"
done

# vg PROG: run PROG under valgrind; its status to $TMP/PROG.rc, valgrind's
# report and the program's TAP to $TMP/PROG.vg.  Exit code 99 is valgrind's
# (an error); any other non-zero one is the unit test's own failure.
vg() {
	local n
	n=$(basename "$1")
	valgrind -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	    --num-callers=20 "$1" >"$TMP/$n.vg" 2>&1
	echo $? >"$TMP/$n.rc"
}

# The verdict can fail: a program with one definite leak is caught.
[ -x "$top_builddir/t/vg_canary" ] || bail "t/vg_canary not built (make check builds it)"
vg "$top_builddir/t/vg_canary"
is "$(cat "$TMP/vg_canary.rc")" 99 "valgrind's verdict fails on a definite leak (t/vg_canary)"
like "$(cat "$TMP/vg_canary.vg")" "definitely lost" "...and reports it as definitely lost"

# Two at a time (the machine has two cores): about 30 s instead of 60.
set -- $progs
while [ $# -gt 0 ]; do
	vg "$1" &
	a=$!
	if [ $# -gt 1 ]; then vg "$2"; shift; fi
	wait $a
	shift
done

for p in $progs; do
	n=$(basename "$p")
	rc=$(cat "$TMP/$n.rc" 2>/dev/null)
	case $rc in
	0) ok "$n: clean under valgrind" ;;
	99) not_ok "$n: valgrind found errors"
	    grep '^==[0-9]*==' "$TMP/$n.vg" | head -40 | sed 's/^/#   /' ;;
	*) not_ok "$n: exited ${rc:-?} under valgrind"
	    tail -20 "$TMP/$n.vg" | sed 's/^/#   /' ;;
	esac
done
done_testing
