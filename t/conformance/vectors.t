#!/bin/sh
# Conformance: ssmp.7 TEST VECTORS recomputed by the Python peer
# (t/conformance/ssmp1.py, written from the page) and compared with
# t/vectors.txt, which the page quotes (VEC-1).  No world needed.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/conformance/lib.sh"
[ -x "$CF_PY" ] || skip_all "$CF_PY missing"
"$CF_PY" -c 'import cryptography.hazmat.primitives.asymmetric.ed25519' \
    2>/dev/null || skip_all "python3-cryptography missing (t/install-deps)"
cf_run vectors.py "$top_srcdir/t/vectors.txt"
done_testing
