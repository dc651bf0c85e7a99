# t/conformance/lib.sh - shared set-up of the conformance tests; sourced
# after t/lib.sh.  The checks themselves are Python (ssmp1.py, written from
# ssmp.7, not from the C code); the shell builds the test world and runs
# them:
#
#   cf_run SCRIPT ARGS...   run a Python check script; its "ok - [CLAUSE]
#                           text" lines become this test's numbered TAP
#                           results (TODO marks kept), "#" lines pass
#   cf_keys                 the fixed keys of ssmp.7 TEST VECTORS
CF_DIR=$top_srcdir/t/conformance
# Debian's interpreter and packages (python3-cryptography), never a
# virtualenv or a pyenv shim that may lack them.
CF_PY=${CF_PY:-/usr/bin/python3}
SSMPC=$top_builddir/t/ssmpc

cf_need() {
	[ "$(id -u)" = 0 ] || skip_all "needs root (Postfix, nsd)"
	[ -x "$CF_PY" ] || skip_all "$CF_PY missing"
	"$CF_PY" -c 'import cryptography.hazmat.primitives.asymmetric.ed25519' \
	    2>/dev/null || skip_all "python3-cryptography missing (t/install-deps)"
}

# The key seeds of ssmp.7 TEST VECTORS, and one more for other domains.
SEED_A=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
SEED_B=202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
SEED_N=404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f
SEL=s2026

# cf_run SCRIPT ARGS...: the script's results, numbered here.
cf_run() {
	local line rc
	PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=$CF_DIR "$CF_PY" \
	    -W ignore::DeprecationWarning "$CF_DIR/$@" \
	    >"$TMP/cf.out" 2>"$TMP/cf.err"
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*"# TODO "*)
			todo "${line##*# TODO }"; line=${line% # TODO *}
			ok "${line#ok - }" ;;
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*"# TODO "*)
			todo "${line##*# TODO }"; line=${line% # TODO *}
			not_ok "${line#not ok - }" ;;
		"not ok - "*) not_ok "${line#not ok - }" ;;
		*) echo "$line" ;;
		esac
	done <"$TMP/cf.out"
	if [ -s "$TMP/cf.err" ]; then
		not_ok "$1 ran without errors"
		sed 's/^/#   /' "$TMP/cf.err" | tail -20
	fi
	return $rc
}
