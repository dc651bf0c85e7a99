#!/bin/sh
# faults-remote.t - fault matrix, the remote side as a.test sees it: in
# place of b.test's ssmpd a server that never answers (slow, past
# HTTPTimeout), one that answers garbage (not TLS; TLS with a "200" that
# is no SSMP answer), b.test's real ssmpd with a wrong-name, an expired
# and a self-signed certificate, and b.test's ssmpd with its clock 10
# minutes ahead (beyond Window) and 2 minutes ahead (within).  b.test
# publishes m=enforce.  Each fault: alice's local submission is
# tempfailed and stays in a.test's queue; after the repair and a
# `postqueue -f`, bob has exactly one copy and all queues are empty.
# (ssmpd down: t/e2e-down.t.)
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/faults-lib.sh"
E2E_MODE_B=enforce
fl_world
HTTPS_B=$(world_port b https)


# --- ssmpd replaced by servers that misbehave.
fl_kill9 ssmpd-b
fl_srv fake-b silent "$HTTPS_B" && world_wait_port "$HTTPS_B" 5 || bail "silent server"
# One text for every transport failure (netguard.h); the log has why.
row r-slow@a.test "slow (never answers)" 'cannot connect over HTTPS'
like "$(e2e_log milter-a)" 'cannot connect over HTTPS: .*([Tt]imed out|[Tt]imeout)' \
    "slow: the log says it timed out"
world_kill fake-b

fl_srv fake-b junk "$HTTPS_B" && world_wait_port "$HTTPS_B" 5 || bail "junk server"
row r-junk@a.test "garbage (not TLS)" '4\.[0-9]\.[0-9]'
world_kill fake-b

fl_srv fake-b tlsjunk "$HTTPS_B" "$WORLD/ca/ssmp.b.test.chain" "$WORLD/ca/ssmp.b.test.key" &&
    world_wait_port "$HTTPS_B" 5 || bail "TLS junk server"
row r-tlsjunk@a.test "garbage (TLS, 200 with no SSMP answer)" '4\.[0-9]\.[0-9]'
world_kill fake-b

e2e_ssmpd_start b || bail "ssmpd b did not restart"
fl_once b bob r-slow@a.test "slow, repaired"
is "$(fl_count b bob r-junk@a.test)$(fl_count b bob r-tlsjunk@a.test)" 11 \
    "garbage, repaired: one copy each of the two messages"

# --- b.test's real ssmpd with a bad certificate.
C=$TMP/certs; mkdir -p "$C"
CA=$WORLD/ca
cp "$CA/ssmp.b.test.chain" "$C/good.chain" && cp "$CA/ssmp.b.test.key" "$C/good.key"
# newkey NAME: key and CSR for NAME's certificate
newkey() {
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$C/$1.key" -out "$C/$1.csr" -subj "/CN=$2" 2>>"$C/log"
}
printf 'subjectAltName=DNS:wrong.example\nextendedKeyUsage=serverAuth\n' >"$C/wrong.ext"
newkey wrong wrong.example &&
openssl x509 -req -in "$C/wrong.csr" -CA "$CA/ca.crt" -CAkey "$CA/ca.key" \
    -CAcreateserial -days 30 -extfile "$C/wrong.ext" -out "$C/wrong.crt" 2>>"$C/log" &&
    cat "$C/wrong.crt" "$CA/ca.crt" >"$C/wrong.chain" || bail "wrong-name certificate: $(cat "$C/log")"
fl_expired_cert "$C" || bail "expired certificate: $(cat "$C/log")"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -keyout "$C/self.key" -out "$C/self.chain" -subj /CN=ssmp.b.test \
    -addext subjectAltName=DNS:ssmp.b.test,IP:127.0.0.1 2>>"$C/log" ||
    bail "self-signed certificate: $(cat "$C/log")"

# serve NAME: b.test's ssmpd restarted with certificate NAME (a restart,
# not SIGHUP, so that no kept-alive connection with the old one remains).
serve() {
	cp "$C/$1.chain" "$CA/ssmp.b.test.chain" && cp "$C/$1.key" "$CA/ssmp.b.test.key" &&
	    fl_ssmpd_restart b
}
for kind in wrong expired self; do
	serve "$kind" || bail "ssmpd b did not start with the $kind certificate"
	row "r-cert-$kind@a.test" "certificate $kind" '4\.[0-9]\.[0-9]'
done
serve good || bail "ssmpd b did not restart with its certificate"
fl_once b bob r-cert-wrong@a.test "certificates, repaired"
is "$(fl_count b bob r-cert-expired@a.test)$(fl_count b bob r-cert-self@a.test)" 11 \
    "certificates, repaired: one copy each of the other two"

# --- clock skew: b.test's ssmpd runs 10 minutes ahead (Window 300 s).
FT_LIB=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -1)
# skewed OFFSET: restart b's ssmpd with its clock OFFSET seconds ahead.
skewed() {
	fl_kill9 ssmpd-b
	world_userid "$(e2e_conf_file b)" &&
	    world_spawn ssmpd-b env LD_PRELOAD="$FT_LIB" FAKETIME="$1" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	    "$E2E_SSMPD" -f -c "$(e2e_conf_file b)" && world_wait_port "$HTTPS_B" 10
}
if [ -z "$FT_LIB" ]; then
	ok "# SKIP clock skew: libfaketime not installed (apt-get install faketime)"
else
	skewed +600 || bail "ssmpd b did not start with a skewed clock"
	row r-skew@a.test "clock skew 600 s" '4\.7\.0'
	skewed +120 || bail "ssmpd b did not restart with a skewed clock"
	fl_mark
	check "clock skew 120 s (within Window): alice submits" fl_send r-skew2@a.test
	check "clock skew 120 s: upgraded" fl_wait_verdict 'to=<bob@b\.test>, ssmp=upgraded'
	# back to the true clock with a clean stop: a queue run may be
	# delivering r-skew right now, and kill -9 in the middle of it
	# leaves an "outcome unknown" record that no retry may override
	world_kill ssmpd-b
	e2e_ssmpd_start b || bail "ssmpd b did not restart"
	fl_once b bob r-skew@a.test "clock skew 600 s, repaired"
	is "$(fl_count b bob r-skew2@a.test)" 1 "clock skew 120 s: exactly one copy"
fi
done_testing
