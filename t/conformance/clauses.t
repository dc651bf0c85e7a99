#!/bin/sh
# Conformance: t/conformance/README's clause table against man/ssmp.7
# (every label defined once, every normative paragraph labelled, every
# label mapped to a test that names it or to a reason) and the checks.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/conformance/lib.sh"
[ -x "$CF_PY" ] || skip_all "$CF_PY missing"
command -v mandoc >/dev/null 2>&1 || skip_all "mandoc not found"
"$CF_PY" -c 'import cryptography.hazmat.primitives.asymmetric.ed25519' \
    2>/dev/null || skip_all "python3-cryptography missing (t/install-deps)"
bs=$(printf '\b')
mandoc -Tutf8 "$top_srcdir/man/ssmp.7" | sed "s/.$bs//g" >"$TMP/ssmp.txt"
cf_run clauses.py "$top_srcdir/man/ssmp.7" "$TMP/ssmp.txt" \
    "$top_srcdir/t/conformance/README" "$top_srcdir/t"
done_testing
