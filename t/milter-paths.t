#!/bin/sh
# milter-paths.t - ssmp-milter through its callback paths with miltertest,
# against a real nsd (DNSSEC-signed world zones), a real ssmpd over TLS
# with the world's test CA, and real LMDB files.
#   not outbound / not our domain -> accepted at the first RCPT (MAIL
#   asks no reply), no DNS lookup
#   no SSMP record -> stays on SMTP; DNS timeout -> 451 at RCPT for a
#   domain remembered as m=enforce, SMTP for one never seen as SSMP
#   local submission: no SSMP recipient -> accepted at DATA; DNS failure
#   -> nothing refused before EOM, 451 there
#   remote down: testing -> SMTP (decided at RCPT), enforce -> 451
#   receipt key of the recipient domain revoked or not published: no
#   request at all; testing -> SMTP, enforce -> 451 (at EOM for local
#   submissions)
#   SSMP accept -> delrcpt + discard; mixed -> delrcpt only the SSMP one
#   SSMP reject: enforce -> 550; testing -> 550 after 5.7.1, 5.1.1, 5.3.4
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/milter-lib.sh"
mt_init "nsd, world harness"
pa=$MT_PUB
dead=$(world_port spare 1)	# nothing ever listens here
world_dns_add a.test "s1._ssmpkey.a.test. 300 IN TXT \"v=SSMP1; k=ed25519; p=$pa\""
world_dns_add c.test "_ssmp.down.c.test. 300 IN TXT \"v=SSMP1; h=ssmp.c.test:$dead; s=s1; m=testing\""
world_dns_add c.test "_ssmp.downe.c.test. 300 IN TXT \"v=SSMP1; h=ssmp.c.test:$dead; s=s1; m=enforce\""
for d in down downe; do
	world_dns_add c.test "s1._ssmpkey.$d.c.test. 300 IN TXT \"v=SSMP1; k=ed25519; p=$pa\""
done
# Receipt key revoked: rev.c.test (testing), reve.c.test (enforce).
world_dns_add c.test "_ssmp.rev.c.test. 300 IN TXT \"v=SSMP1; h=ssmp.c.test:$dead; s=s1; m=testing\""
world_dns_add c.test "s1._ssmpkey.rev.c.test. 300 IN TXT \"v=SSMP1; k=ed25519; p=\""
world_dns_add c.test "_ssmp.reve.c.test. 300 IN TXT \"v=SSMP1; h=ssmp.c.test:$dead; s=s1; m=enforce\""
world_dns_add c.test "s1._ssmpkey.reve.c.test. 300 IN TXT \"v=SSMP1; k=ed25519; p=\""
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
check "not outbound: accepted at the first RCPT" mt_case "$port" notout
check "sender domain not in the key table: accepted at the first RCPT" mt_case "$port" notours
is "$(mt_log milter-a | grep -c 'ssmp=')" 0 "no recipient decision logged for mail that is not ours"

# --- no SSMP
check "internal host, c.test has no _ssmp record: SMTP, no delrcpt" mt_case "$port" nossmp
like "$(mt_log milter-a)" "4ABC123: from=<alice@a.test>, to=<carol@c.test>, ssmp=not SSMP" \
    "logged: carol@c.test not SSMP, with the queue id"
check "authenticated client from outside: handled, SMTP" mt_case "$port" auth_nossmp
# Decided at DATA: logged and auto-allowed there, the body never sent.
check "local submission, no SSMP recipient: accepted at DATA (no body sent)" \
    mt_case "$port" local_nossmp
like "$(mt_log milter-a)" "4ABC123: from=<alice@a\.test>, to=<dave@c\.test>, ssmp=not SSMP" \
    "logged at DATA: dave@c.test not SSMP, with the queue id"
like "$("$SSMPCTL" -c "$TMP/a.conf" allow list alice@a.test)" "alice@a\.test dave@c\.test known auto " \
    "AutoAllow at DATA: dave@c.test is in alice's allow-list"

# --- remote down
check "remote down, testing domain: falls back to SMTP" mt_case "$port" down_testing
like "$(mt_log milter-a)" "to=<bob@down.c.test>, ssmp=fell back, envelope failed \(4\.4\.1 ssmp\.c\.test:$dead: " \
    "logged: fell back with the transport error"
check "remote down, enforce domain: 451 at RCPT" mt_case "$port" down_enforce
like "$(mt_log milter-a)" "to=<bob@downe.c.test>, ssmp=tempfailed \(4\.4\.1 " \
    "logged: tempfailed, enforce"

# --- the recipient domain's receipt key is revoked: decided before any
# request (the host is down: a request would show as 4.4.1)
check "receipt key revoked, testing domain: SMTP" mt_case "$port" revoked_testing
like "$(mt_log milter-a)" "to=<bob@rev\.c\.test>, ssmp=not SSMP now, receipt key unusable \(4\.7\.5 key s1\._ssmpkey\.rev\.c\.test: revoked\)" \
    "logged: not SSMP now, receipt key revoked"
check "receipt key revoked, enforce domain: 451 at RCPT" mt_case "$port" revoked_enforce
like "$(mt_log milter-a)" "to=<bob@reve\.c\.test>, ssmp=tempfailed, receipt key unusable \(4\.7\.5 key s1\._ssmpkey\.reve\.c\.test: revoked\)" \
    "logged: tempfailed, receipt key revoked"
check "receipt key revoked, local submission, testing: accepted at DATA" \
    mt_case "$port" local_revoked_testing
check "receipt key revoked, local submission, enforce: 451 at EOM" \
    mt_case "$port" local_revoked_enforce
is "$(mt_log milter-a | grep -c 'to=<bob@reve\?\.c\.test>.*4\.4\.1')" 0 \
    "no request was made to either domain"

# --- DNS failure: a milter whose nameserver never answers, remembering
# downe.c.test as SSMP with m=enforce (carol's c.test: never SSMP)
port2=$(world_port spare 2)
"$top_builddir/t/ks_seed" "$TMP/db2" remember downe.c.test \
    "v=SSMP1; h=ssmp.c.test:$dead; s=s1; m=enforce" || bail "ks_seed"
mt_conf "$TMP/dead.conf" "$port2" "$dead" DNSTimeout 1 Database "$TMP/db2"
mt_start milter-dead "$TMP/dead.conf" "$port2" || bail "second milter did not start"
check "DNS timeout, remembered m=enforce: 451 at RCPT, never 'no SSMP'" mt_case "$port2" servfail
like "$(mt_log milter-dead)" "to=<bob@downe.c.test>, ssmp=tempfailed \(4\.4\.3 DNS lookup of _ssmp\.downe\.c\.test failed: remembered as SSMP, m=enforce" \
    "logged: DNS lookup failed temporarily, the remembered enforce policy stands"
check "DNS timeout, local submission: no refusal before EOM, then 451" \
    mt_case "$port2" local_servfail
like "$(mt_log milter-dead | grep -c 'to=<bob@downe.c.test>, ssmp=tempfailed (4\.4\.3 DNS lookup')" "^2$" \
    "logged: tempfailed at EOM after DATA and EOM lookups both failed"
check "DNS timeout, c.test never seen as SSMP: by SMTP" mt_case "$port2" servfail_never
like "$(mt_log milter-dead)" "to=<carol@c.test>, ssmp=not upgraded \(4\.4\.3 DNS lookup of _ssmp\.c\.test failed: not remembered as SSMP" \
    "logged: not upgraded, never seen as SSMP"
is "$(mt_log milter-dead | grep -c 'not SSMP')" 0 "a DNS failure is never 'not SSMP'"

# --- test mode (-t FILE): the real parsers, key table, body hash and
# discovery on a message file; nothing is sent
printf 'From: Alice <alice@a.test>\nTo: carol@c.test, "Bob, down" <bob@down.c.test>\nCc:\n bob@downe.c.test\nSubject: t\n\nHello.\n' >"$TMP/t.eml"
"$MILTER_BIN" -c "$TMP/a.conf" -t "$TMP/t.eml" >"$TMP/t.out" 2>&1
is "$?" 0 "-t: exit 0"
out=$(cat "$TMP/t.out")
like "$out" "^from=<alice@a\.test>: signing domain, selector s1$" "-t: the sender signs with s1"
sed 's/$/\r/' "$TMP/t.eml" >"$TMP/t.crlf"
like "$out" "^message: $(wc -c <"$TMP/t.crlf") bytes \(in memory\), sha256 $(sha256sum <"$TMP/t.crlf" | cut -c1-64)$" \
    "-t: the body hash of the CRLF message, as at end of message"
like "$out" "^to=<carol@c\.test>: not SSMP.*stays on SMTP$" "-t: carol not SSMP"
like "$out" "^to=<bob@down\.c\.test>: SSMP \(h=ssmp\.c\.test:$dead, m=testing\)" \
    "-t: the quoted comma does not split the address; testing domain found"
like "$out" "^to=<bob@downe\.c\.test>: SSMP \(h=ssmp\.c\.test:$dead, m=enforce\)" \
    "-t: folded Cc: read; enforce domain found"
"$MILTER_BIN" -c "$TMP/dead.conf" -t "$TMP/t.eml" >"$TMP/t.out" 2>&1
is "$?" 75 "-t, DNS down: exit 75 (downe.c.test remembered as m=enforce)"
like "$(cat "$TMP/t.out")" "^to=<carol@c\.test>: DNS temporary failure .*: stays on SMTP" \
    "-t: DNS failure for a domain never seen as SSMP: stays on SMTP"
like "$(cat "$TMP/t.out")" "^to=<bob@downe\.c\.test>: DNS temporary failure .*would be tempfailed" \
    "-t: DNS failure for a remembered m=enforce domain: tempfailed"
printf 'From: x@elsewhere.test\nTo: carol@c.test\n\nHi\n' >"$TMP/o.eml"
like "$("$MILTER_BIN" -c "$TMP/a.conf" -t "$TMP/o.eml")" "from=<x@elsewhere\.test>: domain not in the key table" \
    "-t: a foreign sender passes untouched"
printf 'To: carol@c.test\n\nHi\n' >"$TMP/n.eml"
check_fails "-t: a message without From: fails" "$MILTER_BIN" -c "$TMP/a.conf" -t "$TMP/n.eml"
like "$(cat "$TMP/.out")" "n\.eml: no From: header" "-t: the error names the file and the missing header"
check_fails "-t: a missing file fails" "$MILTER_BIN" -c "$TMP/a.conf" -t "$TMP/none.eml"
like "$(cat "$TMP/.out")" "none\.eml: No such file" "-t: the error names the file"

done_testing
