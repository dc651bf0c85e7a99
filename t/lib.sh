# lib.sh - TAP helpers for the shell tests; sourced, not run.
# Every test gets a private temporary directory, removed on exit.

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ssmp-test.XXXXXX")
_tap_n=0
_tap_failed=0
_tap_todo=""
_cleanups=""

# at_exit COMMAND: run COMMAND (a shell string) at exit, the latest first.
at_exit() { _cleanups="$* ; $_cleanups"; }
# The cleanups run on every way out: exit, bail, skip_all and the signals
# a test run meets (^C, make's or a CI's TERM, HUP of a closed terminal,
# PIPE of a reader gone after "Bail out!").  dash runs no EXIT trap when
# a signal it does not trap kills it, so all four are trapped.  While the
# cleanups run (stopping a world takes seconds) further signals are
# ignored: a second ^C must not leave the world's daemons running.
_run_cleanups() {
	trap '' INT TERM HUP PIPE
	eval "$_cleanups" >/dev/null 2>&1
	[ -n "$SSMP_KEEP_TMP" ] || rm -rf "$TMP"
}
trap _run_cleanups EXIT
trap 'exit 130' INT TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

ok()     { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*${_tap_todo:+ # TODO $_tap_todo}"; _tap_todo=""; }
not_ok() {
	_tap_n=$((_tap_n + 1))
	[ -n "$_tap_todo" ] || _tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $*${_tap_todo:+ # TODO $_tap_todo}"; _tap_todo=""
}
# todo REASON: the next result is a TAP TODO (a missing feature): its
# failure does not fail the test, its success shows as an unexpected pass.
todo()   { _tap_todo=$*; }
diag()   { echo "# $*"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
bail()   { echo "Bail out! $*"; exit 1; }

# only_in_pass PASS: a slow test that needs to run once per ./run-tests,
# in the build flavour named (gcc: the -Werror build; san: the ASan/UBSan
# build, where memory errors show).  run-tests exports SSMP_PASS; a plain
# `make check` (SSMP_PASS unset) runs every test.
only_in_pass() {
	[ -z "${SSMP_PASS:-}" ] || [ "$SSMP_PASS" = "$1" ] ||
	    skip_all "runs in the $1 pass of run-tests only (this is $SSMP_PASS)"
}

# check DESCRIPTION COMMAND...: ok if the command succeeds.
check() {
	_d=$1; shift
	if "$@" >"$TMP/.out" 2>&1; then ok "$_d"; else
		not_ok "$_d"; sed 's/^/#   /' "$TMP/.out" | tail -20; fi
}
# check_fails DESCRIPTION COMMAND...: ok if the command fails.
check_fails() {
	_d=$1; shift
	if "$@" >"$TMP/.out" 2>&1; then
		not_ok "$_d (unexpectedly succeeded)"; sed 's/^/#   /' "$TMP/.out" | tail -20
	else ok "$_d"; fi
}
# is GOT WANT DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then ok "$3"; else
		not_ok "$3"; echo "#   got:  '$1'"; echo "#   want: '$2'"; fi
}
# like TEXT PATTERN DESCRIPTION (grep -E)
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then ok "$3"; else
		not_ok "$3"; echo "#   got:  '$1'"; echo "#   want match: '$2'"; fi
}
# until_ok SECONDS COMMAND...: run COMMAND until it succeeds, every 0.1 s;
# fails after SECONDS.
until_ok() {
	_u_end=$(($(date +%s) + $1)); shift
	until "$@"; do
		[ "$(date +%s)" -lt "$_u_end" ] || return 1
		sleep 0.1
	done
}
done_testing() { echo "1..$_tap_n"; [ "$_tap_failed" -eq 0 ]; }
