#!/bin/sh
# ssmp-keygen: file modes, zone lines, refusal to overwrite, usage errors.
. "$top_srcdir/t/lib.sh"

keygen=$top_builddir/tools/ssmp-keygen
mkdir "$TMP/k"

check "keygen writes a key" "$keygen" -d A.Test -s S2026 -D "$TMP/k"
is "$(stat -c %a "$TMP/k/s2026.private")" 600 "private key mode 0600"
is "$(head -1 "$TMP/k/s2026.private")" "-----BEGIN PRIVATE KEY-----" "PEM PKCS#8"
check "openssl pkey reads it as Ed25519" sh -c \
    "openssl pkey -in '$TMP/k/s2026.private' -noout -text | grep -q ED25519"
txt=$(cat "$TMP/k/s2026.txt")
like "$txt" '^_ssmp\.a\.test\.	3600	IN	TXT	"v=SSMP1; h=ssmp\.a\.test; s=s2026; m=testing"$' "policy line (lower case, defaults)"
like "$txt" '^s2026\._ssmpkey\.a\.test\.	3600	IN	TXT	"v=SSMP1; k=ed25519; p=[A-Za-z0-9+/]{43}="$' "key line"
pk_file=$(openssl pkey -in "$TMP/k/s2026.private" -pubout -outform DER | tail -c 32 | base64)
pk_txt=$(printf '%s\n' "$txt" | sed -n 's/.*p=\([^"]*\)".*/\1/p')
is "$pk_txt" "$pk_file" "published p= is the private key's public key"

old=$(cat "$TMP/k/s2026.private")
"$keygen" -d a.test -s s2026 -D "$TMP/k" 2>"$TMP/err"
is $? 73 "existing key: EX_CANTCREAT"
like "$(cat "$TMP/err")" "s2026.private: exists \(use -f" "error names the file"
is "$(cat "$TMP/k/s2026.private")" "$old" "existing key untouched"
check "-f overwrites" "$keygen" -f -d a.test -s s2026 -D "$TMP/k" -h mx.a.test:8443 -m enforce -t 300
[ "$(cat "$TMP/k/s2026.private")" != "$old" ] && ok "key replaced" || not_ok "key replaced"
is "$(stat -c %a "$TMP/k/s2026.private")" 600 "mode still 0600 after -f"
like "$(cat "$TMP/k/s2026.txt")" '^_ssmp\.a\.test\.	300	IN	TXT	"v=SSMP1; h=mx\.a\.test:8443; s=s2026; m=enforce"$' "-h -m -t used"
is "$(ls "$TMP/k" | wc -l)" 2 "no temporary files left"

out=$("$keygen" -r -d a.test -s old)
is "$out" "old._ssmpkey.a.test.	3600	IN	TXT	\"v=SSMP1; k=ed25519; p=\"" "-r prints the revocation record"

usage_err() {	# DESCRIPTION PATTERN ARGS...
	_d=$1 _p=$2; shift 2
	"$keygen" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	is "$rc" 64 "$_d: EX_USAGE"
	is "$(wc -l <"$TMP/err")" 1 "$_d: one line"
	like "$(cat "$TMP/err")" "$_p" "$_d: names the fault"
}
usage_err "bad selector" "selector.*'_'" -d a.test -s s_1 -D "$TMP/k"
usage_err "bad domain" "domain|label" -d "a..test" -s s1 -D "$TMP/k"
usage_err "missing -s" "-s SELECTOR" -d a.test
usage_err "bad mode" "-m" -d a.test -s s1 -m strict
usage_err "bad ttl" "-t" -d a.test -s s1 -t -5
usage_err "-R http: (DISC-21)" "rua=: 'http://r.a.test/' is neither" -d a.test -s s1 -D "$TMP/k" -R http://r.a.test/
is "$(ls "$TMP/k" | wc -l)" 2 "a refused -R writes nothing"

# -R: rua= in the policy record; a long record goes out as two strings
"$keygen" -d a.test -s r1 -D "$TMP/k" -R "https://ssmp.a.test/.well-known/ssmp/v1/report,mailto:tlsrpt@a.test"
like "$(cat "$TMP/k/r1.txt")" '^_ssmp\.a\.test\.	3600	IN	TXT	"v=SSMP1; h=ssmp\.a\.test; s=r1; m=testing; rua=https://ssmp\.a\.test/\.well-known/ssmp/v1/report,mailto:tlsrpt@a\.test"$' "[DISC-21] -R prints rua="
l60=$(printf "h%.0s" $(seq 1 60)); long=$l60.$l60.$l60.$l60.a.test
"$keygen" -d a.test -s r2 -D "$TMP/k" -h "$long" -R "mailto:tlsrpt@a.test"
like "$(head -1 "$TMP/k/r2.txt")" 'TXT	"v=SSMP1; h=h{60}[^"]{184}" "[^"]*rua=mailto:tlsrpt@a\.test"$' "[DISC-22] over 255 octets: two strings of one record"
"$keygen" -d a.test -s s1 -D "$TMP/nonexistent" 2>"$TMP/err"
is $? 73 "missing directory: EX_CANTCREAT"
like "$(cat "$TMP/err")" "nonexistent" "error names the directory"
done_testing
