#!/bin/sh
# milter-paths.t - ssmp-milter through its callback paths with miltertest,
# against a real nsd (DNSSEC-signed world zones), a real ssmpd over TLS
# with the world's test CA, and real LMDB files.
#   not outbound / not our domain -> accepted at MAIL, no DNS lookup
#   no SSMP record -> stays on SMTP; DNS SERVFAIL/timeout -> 451 at RCPT
#   remote down: testing -> SMTP, enforce -> 451
#   SSMP accept -> delrcpt + discard; mixed -> delrcpt only the SSMP one
#   SSMP reject: enforce -> 550, testing -> SMTP
. "$top_srcdir/t/lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root (nsd, world harness)"
[ -x "${MILTERTEST:=$(command -v miltertest)}" ] || skip_all "miltertest not installed"
. "$top_srcdir/t/milter-lib.sh"

world_init "$TMP/world" || bail "world_init failed"
MT_KEY=$TMP/a.key
pa=$(mt_key "$MT_KEY") || bail "cannot make a key"
dead=$(world_port spare 1)	# nothing ever listens here
world_dns_add a.test "s1._ssmpkey.a.test. 300 IN TXT \"v=SSMP1; k=ed25519; p=$pa\""
world_dns_add c.test "_ssmp.down.c.test. 300 IN TXT \"v=SSMP1; h=ssmp.c.test:$dead; s=s1; m=testing\""
world_dns_add c.test "_ssmp.downe.c.test. 300 IN TXT \"v=SSMP1; h=ssmp.c.test:$dead; s=s1; m=enforce\""
world_dns_start || bail "nsd did not start"
world_ca_init || bail "no test CA"

port=$(world_port a milter)
mt_conf "$TMP/a.conf" "$port" "$(world_port dns)" \
    Database "$TMP/db" TrustAnchorFile "$WORLD/dns/anchors.dnskey" \
    CAFile "$WORLD_CA"
mkdir -p "$TMP/db"
check "ssmp-milter -n accepts the configuration" "$MILTER_BIN" -n -c "$TMP/a.conf"
mt_start milter-a "$TMP/a.conf" "$port" || bail "ssmp-milter did not start: $(mt_log milter-a)"

# --- hands off
check "not outbound: accepted at MAIL FROM" mt_case "$port" notout
check "sender domain not in the key table: accepted at MAIL FROM" mt_case "$port" notours
is "$(mt_log milter-a | grep -c 'ssmp=')" 0 "no recipient decision logged for mail that is not ours"

# --- no SSMP
check "internal host, c.test has no _ssmp record: SMTP, no delrcpt" mt_case "$port" nossmp
like "$(mt_log milter-a)" "4ABC123: from=<alice@a.test>, to=<carol@c.test>, ssmp=not SSMP" \
    "logged: carol@c.test not SSMP, with the queue id"
check "authenticated client from outside: handled, SMTP" mt_case "$port" auth_nossmp

# --- remote down
check "remote down, testing domain: falls back to SMTP" mt_case "$port" down_testing
like "$(mt_log milter-a)" "to=<bob@down.c.test>, ssmp=fell back, envelope failed \(4\.4\.1 ssmp\.c\.test:$dead: " \
    "logged: fell back with the transport error"
check "remote down, enforce domain: 451 at RCPT" mt_case "$port" down_enforce
like "$(mt_log milter-a)" "to=<bob@downe.c.test>, ssmp=tempfailed \(4\.4\.1 " \
    "logged: tempfailed, enforce"

# --- DNS failure: a milter whose nameserver never answers
port2=$(world_port spare 2)
mt_conf "$TMP/dead.conf" "$port2" "$dead" DNSTimeout 1
mt_start milter-dead "$TMP/dead.conf" "$port2" || bail "second milter did not start"
check "DNS timeout: 451 at RCPT, never 'no SSMP'" mt_case "$port2" servfail
like "$(mt_log milter-dead)" "to=<carol@c.test>, ssmp=tempfailed \(4\.4\.3 DNS lookup of _ssmp\.c\.test failed" \
    "logged: DNS lookup failed temporarily"
is "$(mt_log milter-dead | grep -c 'not SSMP')" 0 "a DNS failure is never 'not SSMP'"

done_testing
