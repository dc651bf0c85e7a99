#!/bin/sh
# fuzz-campaign.sh - run every libFuzzer target of a build, one at a time.
#
# usage: bench/fuzz-campaign.sh BUILDDIR [SECONDS-PER-TARGET | -runs N] [TARGET...]
#
# With -runs N, FUZZ_MAX_TIME=SECONDS in the environment also caps each
# target's time (a slow target then stops before N executions).
# BUILDDIR was configured with --enable-fuzzing (clang, libFuzzer; add
# --enable-sanitizers for ASan/UBSan).  Each target starts from its seed
# corpus t/corpus/<name>/ plus a working corpus kept under
# $FUZZ_WORKDIR (default BUILDDIR/fuzz-campaign), so a second campaign goes
# on where the first stopped.  One line per target:
#
#   fuzz_txt  execs=12000000  exec/s=41000  cov=812  ft=2301  new=37  crashes=0
#
# A crash, leak, timeout or out-of-memory input is copied into
# t/corpus/<name>/ as a regression seed (t/fuzz.t replays it in every
# build from then on) and the script exits 1 at the end.  Default: 60 s
# per target.  Targets run one at a time so the figures per target are
# comparable; run it under nice(1) on a shared machine.
set -u

usage() {
	echo "usage: $0 BUILDDIR [SECONDS-PER-TARGET | -runs N] [TARGET...]" >&2
	exit 2
}

[ $# -ge 1 ] || usage
build=$(cd "$1" && pwd) || usage
shift
limit="-max_total_time=60"
if [ $# -ge 1 ]; then
	case $1 in
	-runs)	[ $# -ge 2 ] || usage
		limit="-runs=$2${FUZZ_MAX_TIME:+ -max_total_time=$FUZZ_MAX_TIME}"
		shift 2 ;;
	*[!0-9]*) ;;
	*)	limit="-max_total_time=$1"; shift ;;
	esac
fi
srcdir=$(sed -n 's/^abs_top_srcdir = //p' "$build/Makefile")
[ -n "$srcdir" ] || { echo "$0: $build has no Makefile" >&2; exit 2; }
if ! grep -q '^FUZZ_MODE = libfuzzer' "$build/Makefile"; then
	echo "$0: $build was not configured with --enable-fuzzing" >&2
	exit 2
fi
work=${FUZZ_WORKDIR:-$build/fuzz-campaign}
targets=${*:-$(cd "$build/t/fuzz" && ls fuzz_* 2>/dev/null | grep -v '\.')}
[ -n "$targets" ] || { echo "$0: no fuzz targets in $build/t/fuzz" >&2; exit 2; }

# stat::field value from libFuzzer's -print_final_stats output.
stat() {
	sed -n "s/^stat::$1: *//p" "$2" | tail -1
}

# "cov: N ft: M" of the last status line.
cov() {
	grep -E '^#[0-9]+' "$1" | tail -1 | sed -n "s/.* $2: \([0-9]*\).*/\1/p"
}

status=0
for t in $targets; do
	name=${t#fuzz_}
	seeds=$srcdir/t/corpus/$name
	corpus=$work/corpus/$name
	arts=$work/artifacts/$name
	log=$work/$t.log
	mkdir -p "$corpus" "$arts"
	[ -d "$seeds" ] || { echo "$t: no seed corpus $seeds" >&2; status=1; continue; }
	before=$(ls "$corpus" | wc -l)
	"$build/t/fuzz/$t" $limit -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$arts/" \
	    "$corpus" "$seeds" >"$log" 2>&1
	rc=$?
	execs=$(stat number_of_executed_units "$log")
	rate=$(stat average_exec_per_sec "$log")
	new=$(( $(ls "$corpus" | wc -l) - before ))
	crashes=0
	for a in "$arts"/crash-* "$arts"/leak-* "$arts"/timeout-* \
	    "$arts"/oom-* "$arts"/slow-unit-*; do
		[ -f "$a" ] || continue
		case ${a##*/} in slow-unit-*) continue ;; esac
		crashes=$((crashes + 1))
		cp "$a" "$seeds/${a##*/}"
		echo "$t: kept $(basename "$a") as t/corpus/$name/${a##*/}" >&2
	done
	if [ $rc -ne 0 ] && [ $crashes -eq 0 ]; then
		crashes=1	# died without an artifact: say so
		echo "$t: exited $rc without an artifact; see $log" >&2
	fi
	[ $crashes -eq 0 ] || status=1
	printf '%-16s execs=%-10s exec/s=%-7s cov=%-5s ft=%-6s new=%-5s crashes=%s\n' \
	    "$t" "${execs:-?}" "${rate:-?}" "$(cov "$log" cov)" \
	    "$(cov "$log" ft)" "$new" "$crashes"
done
exit $status
