#!/bin/sh
# e2e-faults.t - DNS and key faults of the recipient domain b.test, seen
# from alice@a.test's Postfix + ssmp-milter in the SSMP world:
#  - DNSSEC-bogus policy record (zone tampered after signing): not
#    trusted, temporary (never "no SSMP"), nothing sent to the forged host;
#  - SERVFAIL for b.test (zone fails to load), b.test remembered as SSMP
#    with m=enforce: temporary; a local submission stays in a.test's
#    queue and is delivered once after repair;
#  - DNS timeout (server silent), likewise: temporary;
#  - b.test revokes its key (p= empty): no receipt could verify, so the
#    milter sends nothing by SSMP: m=testing goes by SMTP (one copy),
#    m=enforce defers, and after the key is back it is delivered once;
#  - a receipt that fails after ssmpd accepted: no SMTP fallback (no second
#    copy), the message waits; the retry gets the original receipt.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"
E2E_MODE_B=testing
e2e_test_world

# smtp_copy D U MSGID: a copy came by SMTP from mail.a.test (the first
# Received: of the file), with no SSMP header.
smtp_copy() {
	local f
	for f in $(e2e_file "$1" "$2" "$3"); do
		sed '/^$/q' "$f" | grep -m1 '^Received:' | grep -q '^Received: from mail\.a\.test ' &&
		    ! sed '/^$/q' "$f" | grep -Eqi '^(Authentication-Results|SSMP-Trust):' && return 0
	done
	return 1
}
ssmp_copy() {
	e2e_hdr "$1" "$2" "$3" Authentication-Results | grep -q 'ssmp=pass smtp.mailfrom=alice@a.test'
}
in_queue() { e2e_queue a | grep -q "$1"; }

# --- DNSSEC bogus: _ssmp.b.test points to a forged host, RRSIG unchanged.
evil=$(world_port spare 9)
e2e_zone_tamper b "s/^\(_ssmp\.b\.test\.[[:space:]].*TXT[[:space:]]\"v=SSMP1; h=ssmp\.b\.test:\)[0-9]*/\1$evil/"
check "bogus: nsd serves the forged policy record" \
    e2e_until 5 e2e_dns_says _ssmp.b.test TXT "h=ssmp.b.test:$evil"
e2e_ctl b keys test b.test >/dev/null 2>&1
is "$?" 76 "bogus: ssmpctl keys test b.test says DNSSEC failed (exit 76)"
sleep 1.1
check_fails "bogus: alice's message to bob is not accepted" e2e_send alice@a.test bob@b.test f-bogus@a.test
check "bogus: 451 4.4.3, temporary" e2e_refused '451 4\.4\.3 .*DNSSEC validation failed'
like "$(e2e_log milter-a)" 'to=<bob@b\.test>, ssmp=tempfailed \(4\.4\.3 DNS lookup of _ssmp\.b\.test failed: .*DNSSEC validation failed' \
    "bogus: milter log: tempfailed, bogus (not 'not SSMP')"
is "$(e2e_log milter-a | grep -c 'to=<bob@b.test>, ssmp=not SSMP')" 0 "bogus: never taken for 'no SSMP'"
sleep 1
is "$(e2e_count b bob f-bogus@a.test)" 0 "bogus: nothing delivered, by any path"
world_dns_reload || bail "DNS reload failed"
sleep 1.1
check "bogus repaired: the retry is accepted" e2e_send alice@a.test bob@b.test f-bogus@a.test
check "bogus repaired: bob receives it" e2e_wait b bob f-bogus@a.test 1 20
check "bogus repaired: by SSMP" ssmp_copy b bob f-bogus@a.test

# The failures below are those of a domain the sender remembers as SSMP
# with m=enforce (ssmp.7, Policy memory: remembered m=testing or never
# seen as SSMP go by SMTP, t/faults-dns.t): publish m=enforce, one
# message by SSMP so alice's milter remembers it.
e2e_policy b s1 enforce && world_dns_reload || bail "cannot publish m=enforce"
sleep 1.1
check "m=enforce, remembered: a message by SSMP" e2e_send alice@a.test bob@b.test f-rem@a.test
check "m=enforce, remembered: bob receives it" e2e_wait b bob f-rem@a.test 1 20

# --- SERVFAIL for b.test, c.test still answers.
e2e_zone_break b
check "servfail: nsd answers SERVFAIL for b.test" \
    e2e_until 5 e2e_dns_says _ssmp.b.test TXT 'rcode: SERVFAIL'
check "servfail: c.test still answers" e2e_dns_says c.test SOA 'rcode: NOERROR'
sleep 1.1
check_fails "servfail: SMTP submission to bob and carol is not accepted" \
    e2e_send alice@a.test bob@b.test,carol@c.test f-sf1@a.test
check "servfail: 451 4.4.3 (temporary)" e2e_refused '451 4\.4\.3 .*_ssmp\.b\.test'
like "$(e2e_log milter-a)" 'to=<bob@b\.test>, ssmp=tempfailed \(4\.4\.3 DNS lookup of _ssmp\.b\.test failed' \
    "servfail: milter log: tempfailed"
check "servfail: local submission (sendmail) to bob" e2e_sendmail alice@a.test bob@b.test f-sf2@a.test
check "servfail: it stays in a.test's queue" e2e_until 10 in_queue bob@b.test
like "$(cat "$(world_postfix_log a)")" 'milter-reject: END-OF-MESSAGE .*4\.4\.3 .*_ssmp\.b\.test' \
    "servfail: Postfix a logs the milter's 4.4.3"
sleep 2
is "$(e2e_count b bob f-sf1@a.test)$(e2e_count b bob f-sf2@a.test)$(e2e_count c carol f-sf1@a.test)" 000 \
    "servfail: nothing delivered meanwhile"
world_dns_reload || bail "DNS reload failed"
# the resolver remembers a SERVFAIL for 5 s (unbound's NORR_TTL)
sleep 5.1
e2e_flush a
check "servfail repaired: the queued message reaches bob" e2e_wait b bob f-sf2@a.test 1 20
check "servfail repaired: by SSMP" ssmp_copy b bob f-sf2@a.test
check "servfail repaired: a.test's queue is empty" e2e_until 10 sh -c \
    "postqueue -c '$(world_postfix_conf a)' -p | grep -q 'Mail queue is empty'"
e2e_flush a; sleep 2
is "$(e2e_count b bob f-sf2@a.test)" 1 "servfail repaired: exactly one copy"

# --- DNS timeout: the server is up but silent.
e2e_dns_blackhole || bail "cannot start the DNS black hole"
sleep 1.1
t0=$(date +%s)
check_fails "timeout: alice's message to bob is not accepted" e2e_send alice@a.test bob@b.test f-to@a.test
diag "timeout: answered in $(($(date +%s) - t0)) s (DNSTimeout 2)"
check "timeout: 451 4.4.3 (temporary)" e2e_refused '451 4\.4\.3 .*_ssmp\.b\.test'
is "$(e2e_log milter-a | grep -c 'to=<bob@b.test>, ssmp=not SSMP')" 0 "timeout: never taken for 'no SSMP'"
e2e_dns_back || bail "nsd did not come back"
sleep 5.1	# the resolver's SERVFAIL memory (5 s)
check "timeout over: the retry is accepted" e2e_send alice@a.test bob@b.test f-to@a.test
check "timeout over: bob receives it by SSMP" e2e_wait b bob f-to@a.test 1 20

e2e_policy b s1 testing && world_dns_reload || bail "cannot publish m=testing"
sleep 1.1

# --- b.test revokes its key (testing): no receipt could verify, so the
# milter sends nothing by SSMP and bob gets exactly one copy, by SMTP.
e2e_revoke b s1 && world_dns_reload || bail "cannot revoke b.test's s1"
e2e_ctl b keys test b.test >/dev/null 2>&1
is "$?" 69 "revoked: ssmpctl keys test b.test says revoked (exit 69)"
sleep 1.1
envs=$(e2e_log ssmpd-b | grep -c 'envelope from=<alice@a\.test>')
check "revoked, m=testing: alice's message is accepted" e2e_send alice@a.test bob@b.test f-rt@a.test
like "$(e2e_log milter-a)" 'to=<bob@b\.test>, ssmp=not SSMP now, receipt key unusable \(4\.7\.5 key s1\._ssmpkey\.b\.test: revoked\)' \
    "revoked, m=testing: milter log: not SSMP now (receipt key revoked), before any request"
check "revoked, m=testing: bob receives it by SMTP" e2e_until 20 smtp_copy b bob f-rt@a.test
sleep 2
is "$(e2e_count b bob f-rt@a.test)" 1 "revoked, m=testing: bob gets one copy, not an SSMP copy too"
is "$(e2e_log ssmpd-b | grep -c 'envelope from=<alice@a\.test>')" "$envs" \
    "revoked, m=testing: ssmpd b saw no request"

# --- b.test revokes its key (enforce): deferred, then exactly once.
e2e_policy b s1 enforce && world_dns_reload || bail "cannot publish m=enforce"
sleep 1.1
check "revoked, m=enforce: local submission to bob" e2e_sendmail alice@a.test bob@b.test f-re@a.test
check "revoked, m=enforce: it stays in a.test's queue" e2e_until 10 in_queue bob@b.test
check "revoked, m=enforce: milter log: tempfailed (receipt key revoked)" e2e_until 5 sh -c \
    "grep -q 'to=<bob@b.test>, ssmp=tempfailed, receipt key unusable (4.7.5 key s1._ssmpkey.b.test: revoked)' '$WORLD/log/milter-a.log'"
is "$(e2e_log ssmpd-b | grep -c 'envelope from=<alice@a\.test>')" "$envs" \
    "revoked, m=enforce: ssmpd b saw no request"
world_dns_del b '^s1\._ssmpkey\.b\.test\.' && e2e_publish b s1 key && world_dns_reload ||
    bail "cannot republish b.test's key"
sleep 1.1
e2e_flush a
check "key back: the queue empties" e2e_until 20 sh -c \
    "postqueue -c '$(world_postfix_conf a)' -p | grep -q 'Mail queue is empty'"
like "$(e2e_log milter-a)" "$(e2e_qid a f-re@a.test): from=<alice@a\.test>, to=<bob@b\.test>, ssmp=upgraded \(2\." \
    "key back: upgraded (a first delivery, not a duplicate)"
sleep 1
is "$(e2e_count b bob f-re@a.test)" 1 "key back: bob has exactly one copy"

# --- a receipt that fails after ssmpd accepted (m=testing): b.test's
# ssmpd signs receipts with s2, which is not published.  The message was
# probably delivered: no SMTP fallback, a.test keeps it and retries, and
# once s2 is published the retry gets the original receipt.
e2e_policy b s1 testing && world_dns_reload || bail "cannot publish m=testing"
e2e_keygen b s2 testing && e2e_keytable b s2 s1 || bail "cannot make b.test's s2"
kill -HUP "$(cat "$WORLD/run/ssmpd-b.pid")"
e2e_until 5 grep -q 'reload: domain b.test selector s2 (signing)' "$WORLD/log/ssmpd-b.log" ||
    bail "ssmpd b did not reload"
sleep 1.1
check "unverified: local submission to bob" e2e_sendmail alice@a.test bob@b.test f-ru@a.test
check "unverified: it stays in a.test's queue" e2e_until 10 in_queue bob@b.test
check "unverified: milter log: tempfailed, receipt unverified" e2e_until 5 sh -c \
    "grep -q 'to=<bob@b.test>, ssmp=tempfailed, receipt unverified (4.7.5 receipt: key s2._ssmpkey.b.test: not published)' '$WORLD/log/milter-a.log'"
like "$(e2e_log milter-a)" 'to=<bob@b\.test>: b\.test may have delivered the message, without a valid receipt .*no SMTP fallback' \
    "unverified: logged loudly"
check "unverified: bob has the SSMP copy" e2e_wait b bob f-ru@a.test 1 20
sleep 1
is "$(e2e_count b bob f-ru@a.test)" 1 "unverified: and no SMTP copy"
e2e_publish b s2 key && world_dns_reload || bail "cannot publish b.test's s2"
sleep 1.1
e2e_flush a
check "s2 published: the queue empties" e2e_until 20 sh -c \
    "postqueue -c '$(world_postfix_conf a)' -p | grep -q 'Mail queue is empty'"
like "$(e2e_log milter-a)" "$(e2e_qid a f-ru@a.test): from=<alice@a\.test>, to=<bob@b\.test>, ssmp=upgraded \(duplicate, original receipt\)" \
    "s2 published: the retry is answered with the original receipt"
sleep 1
is "$(e2e_count b bob f-ru@a.test)" 1 "s2 published: bob has exactly one copy"
done_testing
