#!/bin/sh
# Every manual page in man/ must pass `mandoc -Tlint -W warning` silently:
# a warning there is usually a page that renders wrongly somewhere.
. "$top_srcdir/t/lib.sh"

mandoc=${MANDOC:-mandoc}
command -v "$mandoc" >/dev/null 2>&1 || skip_all "mandoc not found"

pages=$(ls "$top_srcdir"/man/*.[0-9] 2>/dev/null)
[ -n "$pages" ] || skip_all "no manual pages in $top_srcdir/man"

for page in $pages; do
	name=${page##*/}
	out=$("$mandoc" -Tlint -W warning "$page" 2>&1)
	if [ -z "$out" ]; then
		ok "$name: mandoc -Tlint -W warning is silent"
	else
		not_ok "$name: mandoc -Tlint -W warning reports problems"
		printf '%s\n' "$out" | sed 's/^/#   /' | head -40
	fi
done

# ssmp.7 quotes t/vectors.txt verbatim in TEST VECTORS; t/test_vectors
# keeps that file honest, this keeps the manual in step with it.
vectors="$top_srcdir/t/vectors.txt"
if [ -f "$top_srcdir/man/ssmp.7" ] && [ -f "$vectors" ]; then
	bs=$(printf '\b')	# -Tascii overstrikes bold text: drop "x<BS>"
	"$mandoc" -Tascii "$top_srcdir/man/ssmp.7" 2>/dev/null |
	    sed "s/.$bs//g; s/^[[:blank:]]*//; s/[[:blank:]]*\$//" >"$TMP/ssmp.txt"
	sed 's/^[[:blank:]]*//; s/[[:blank:]]*$//; /^$/d' "$vectors" >"$TMP/vectors"
	grep -Fxv -f "$TMP/ssmp.txt" "$TMP/vectors" >"$TMP/missing"
	if [ -s "$TMP/ssmp.txt" ] && [ ! -s "$TMP/missing" ]; then
		ok "ssmp.7 TEST VECTORS quote every line of t/vectors.txt"
	else
		not_ok "ssmp.7 TEST VECTORS differ from t/vectors.txt"
		sed 's/^/#   missing: /' "$TMP/missing" | head -20
	fi
fi

# The lint must be able to fail: a page with a known fault is caught.
printf '.Dd January 1, 2026\n.Dt BAD 7\n.Os\n.Sh NAME\n.Nm bad\n.Nd x\n.Sh DESCRIPTION\n.Bl -tag\n.It x\n.El\n' >"$TMP/bad.7"
out=$("$mandoc" -Tlint -W warning "$TMP/bad.7" 2>&1)
like "$out" "WARNING|ERROR" "a faulty page is reported (self-check)"

done_testing
