#!/bin/sh
# send-deliver.t - ssmp-send, the delivery agent of pipe transports,
# against real ssmpd over TLS (b.test enforce, t.b.test testing), real
# nsd and b.test's real Postfix: delivery, receipts in the delivered-log,
# idempotency, and every exit status of ssmp-send.8 that can be provoked.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/send-lib.sh"
[ -z "${SSMP_SKIP_WORLD:-}" ] || skip_all "SSMP_SKIP_WORLD is set (world tests run in the other builds)"

# --- before any network: usage, configuration, message
"$SSMP_SEND" >/dev/null 2>&1
is $? 64 "no arguments: EX_USAGE"
"$SSMP_SEND" -f alice@a.test </dev/null >/dev/null 2>&1
is $? 64 "no recipient: EX_USAGE"
"$SSMP_SEND" -q b.test -f alice@a.test >/dev/null 2>&1
is $? 64 "-q with -f: EX_USAGE"
err=$("$SSMP_SEND" -c "$TMP/nonexistent.conf" -f alice@a.test bob@b.test </dev/null 2>&1)
is $? 78 "missing configuration: EX_CONFIG"
like "$err" "nonexistent.conf" "the error names the file"

ss_world SpoolThreshold 4k
printf 'this is not a header\n\nbody\n' >"$TMP/bad1"
ss_send "$TMP/bad1" -f alice@a.test bob@b.test
is "$SS_RC" 65 "a first line that is no header field: EX_DATAERR"
like "$SS_ERR" "line 1 is not a header field \(this is not a header\)" "the error names the line"
: >"$TMP/empty"
ss_send "$TMP/empty" -f alice@a.test bob@b.test
is "$SS_RC" 65 "an empty message: EX_DATAERR"
like "$SS_ERR" "empty" "the error says it is empty"

ss_mail "$TMP/m0" "nokey.$$@c.test"
ss_send "$TMP/m0" -f carol@c.test bob@b.test
is "$SS_RC" 77 "a sender without a signing key: EX_NOPERM"
like "$SS_ERR" "no signing key for c\.test" "the error names the sender's domain"

# --- delivered, receipt logged
ss_mail "$TMP/m1" "first.$$@a.test"
ss_send "$TMP/m1" -f alice@a.test -- bob@b.test
is "$SS_RC" 0 "bob@b.test: delivered, exit 0"
is "$SS_ERR" "" "nothing on stderr on success"
check "bob@b.test receives it" world_wait_mail b bob 1 15
like "$(cat "$(world_maildir_last b bob)")" "Authentication-Results: [^;]*; ssmp=pass smtp.mailfrom=alice@a.test" \
    "the copy came by SSMP (ssmp=pass)"
like "$(cat "$(world_maildir_last b bob)")" "Hello from ssmp-send" "with its body"
is "$(ss_delivered bob@b.test "first.$$@a.test")" 1 "the delivered-log holds bob's receipt"
like "$("$SSMPCTL" -c "$SS_CONF" allow list alice@a.test)" "bob@b.test.*known" \
    "auto-allow: bob@b.test is in alice's allow-list"

# --- the same message again: no second delivery
ss_send "$TMP/m1" -v -f alice@a.test bob@b.test
is "$SS_RC" 0 "second run of the same Message-ID: exit 0"
like "$SS_ERR" "bob@b.test: 2\.0\.0 delivered earlier: receipt on file" "-v: delivered earlier"
sleep 2
is "$(world_maildir_count b bob)" 1 "bob@b.test still has exactly one copy"

# --- a message over SpoolThreshold (4k), spilled to a file, CRLF input
awk 'BEGIN { printf "From: alice@a.test\r\nTo: bob@b.test\r\nSubject: big\r\nMessage-ID: <big.'$$'@a.test>\r\n\r\n";
	for (i = 0; i < 400; i++) printf "line %d of a message bigger than the spool threshold\r\n", i }' >"$TMP/big"
ss_send "$TMP/big" -f alice@a.test bob@b.test
is "$SS_RC" 0 "a 20 KB message (spooled to disk): delivered"
check "bob@b.test receives the big one" world_wait_mail b bob 2 15
like "$(tail -c 200 "$(world_maildir_last b bob)")" "line 399 of a message" "all of it"

# --- refusals
world_mail_n=$(world_maildir_count b bob)
ss_mail "$TMP/m2" "dave.$$@a.test" dave@b.test
ss_send "$TMP/m2" -f alice@a.test dave@b.test
is "$SS_RC" 77 "dave@b.test does not allow alice: EX_NOPERM"
like "$SS_ERR" "^dave@b\.test: 5\.7\.1 rejected: " "stderr: the recipient and the remote's 5.7.1"

check "nobody@b.test allows alice (the MTA still refuses it)" \
    "$SSMPCTL" -c "$TMP/sd-b/ssmp.conf" allow add nobody@b.test alice@a.test known
ss_mail "$TMP/m3" "nobody.$$@a.test" nobody@b.test
ss_send "$TMP/m3" -f alice@a.test nobody@b.test
is "$SS_RC" 67 "nobody@b.test unknown to b.test's Postfix: EX_NOUSER"
like "$SS_ERR" "^nobody@b\.test: 5\.1\.1 rejected: .*550" "stderr: 5.1.1 with the MTA's reply"

ss_mail "$TMP/m4" "carol.$$@a.test" carol@c.test
ss_send "$TMP/m4" -f alice@a.test carol@c.test
is "$SS_RC" 68 "carol@c.test (no SSMP): EX_NOHOST"
like "$SS_ERR" "^carol@c\.test: 5\.1\.2 not SSMP: c\.test does not publish SSMP" "stderr says why"
ss_send "$TMP/m4" -F -f alice@a.test carol@c.test
is "$SS_RC" 79 "-F: carol@c.test (no SSMP): EX_FALLBACK"

ss_mail "$TMP/m5" "testing.$$@a.test" x@t.b.test
ss_send "$TMP/m5" -f alice@a.test x@t.b.test
is "$SS_RC" 77 "testing domain refuses x@t.b.test (5.7.1): EX_NOPERM"
ss_send "$TMP/m5" -F -f alice@a.test x@t.b.test
is "$SS_RC" 77 "-F: still EX_NOPERM, SMTP would refuse 5.7.1 too (ssmp.7)"
# --- the recipient domain's receipt key revoked: no receipt could verify,
# so nothing is sent there (as the milter does, t/milter-paths.t)
bport=$(world_port b https)
for d in rev:testing reve:enforce; do
	world_dns_add b.test "_ssmp.${d%%:*}.b.test. 300 IN TXT \"v=SSMP1; h=ssmp.b.test:$bport; s=s1; m=${d#*:}\""
	world_dns_add b.test "s1._ssmpkey.${d%%:*}.b.test. 300 IN TXT \"v=SSMP1; k=ed25519; p=\""
done
world_dns_reload || bail "nsd reload failed"
ss_mail "$TMP/m9" "revoked.$$@a.test" x@rev.b.test
ss_send "$TMP/m9" -F -f alice@a.test x@rev.b.test
is "$SS_RC" 79 "-F: testing domain with its receipt key revoked: EX_FALLBACK"
like "$SS_ERR" "^x@rev\.b\.test: 4\.7\.5 fall back to SMTP: key s1\._ssmpkey\.rev\.b\.test: revoked" \
    "stderr: 4.7.5, the receipt key is revoked"
ss_send "$TMP/m9" -f alice@a.test x@reve.b.test
is "$SS_RC" 75 "enforce domain with its receipt key revoked: EX_TEMPFAIL"
like "$SS_ERR" "^x@reve\.b\.test: 4\.7\.5 tempfailed: key s1\._ssmpkey\.reve\.b\.test: revoked" \
    "stderr: 4.7.5 tempfailed"
is "$(grep -c 'envelope .*to=<x@reve\?\.b\.test>' "$WORLD/log/sd-b.log")" 0 \
    "no envelope reached the receiver"

# --- one message, two SSMP recipients and one for SMTP (-F): both
# receipts in the delivered-log (one transaction), and AutoAllow for
# every recipient the message goes to, fallback included
check "eve@b.test allows alice" \
    "$SSMPCTL" -c "$TMP/sd-b/ssmp.conf" allow add eve@b.test alice@a.test known
ss_mail "$TMP/m10" "two.$$@a.test" "bob@b.test, eve@b.test, dave@c.test"
ss_send "$TMP/m10" -F -f alice@a.test bob@b.test eve@b.test dave@c.test
is "$SS_RC" 79 "bob and eve delivered, dave@c.test to SMTP: EX_FALLBACK"
is "$(ss_delivered bob@b.test "two.$$@a.test")$(ss_delivered eve@b.test "two.$$@a.test")" 11 \
    "the delivered-log holds both receipts"
is "$("$SSMPCTL" -c "$SS_CONF" allow list alice@a.test | grep -Ec ' (eve@b\.test|dave@c\.test) known auto')" 2 \
    "auto-allow: eve@b.test and dave@c.test (the SMTP fallback) are in alice's allow-list"

world_kill sd-t
ss_send "$TMP/m5" -f alice@a.test x@t.b.test
is "$SS_RC" 75 "testing domain's ssmpd down: EX_TEMPFAIL"
ss_send "$TMP/m5" -F -f alice@a.test x@t.b.test
is "$SS_RC" 79 "-F: testing domain's ssmpd down: EX_FALLBACK"
like "$SS_ERR" "^x@t\.b\.test: 4\.[0-9]\.[0-9] fall back to SMTP: " "stderr: fall back, with a 4.x.x code"

ss_send "$TMP/m5" -f alice@a.test '"quoted local"@b.test'
is "$SS_RC" 67 "an address SSMP/1 cannot carry: EX_NOUSER"
like "$SS_ERR" '^"quoted local"@b\.test: 5\.1\.3 ' "stderr: 5.1.3 for it"

# --- mixed outcomes: the worst one is the exit status, every line printed
ss_mail "$TMP/m6" "mixed.$$@a.test" "bob@b.test, carol@c.test"
ss_send "$TMP/m6" -f alice@a.test bob@b.test carol@c.test bob@b.test
is "$SS_RC" 68 "bob delivered, carol not SSMP: exit 68"
like "$SS_ERR" "^bob@b\.test: 2\.[0-9]\.[0-9] delivered" "stderr: bob delivered"
is "$(echo "$SS_ERR" | grep -c '^bob@b\.test: .* delivered')" 2 "a repeated recipient: reported twice, sent once"
check "bob@b.test receives the mixed message" world_wait_mail b bob 4 15
sleep 1
is "$(world_maildir_count b bob)" 4 "bob has four messages: one copy of the mixed one"

# --- query mode
is "$("$SSMP_SEND" -c "$SS_CONF" -q b.test)" enforce "-q b.test: enforce"
is "$("$SSMP_SEND" -c "$SS_CONF" -q t.b.test)" testing "-q t.b.test: testing"
"$SSMP_SEND" -c "$SS_CONF" -q c.test >/dev/null
is $? 1 "-q c.test: exit 1 (no SSMP)"
"$SSMP_SEND" -c "$SS_CONF" -q 'bad..domain' >/dev/null 2>&1
is $? 64 "-q with a bad domain: EX_USAGE"

# --- two addresses for h=, one of them down (two MX hosts, one failed):
# every message reaches the live one, whichever order DNS gives
world_dns_add b.test "ssmp.b.test. 300 IN A 127.0.0.2"
world_dns_reload || bail "nsd reload failed"
fo=0
for i in 1 2 3 4 5 6; do
	ss_mail "$TMP/fo$i" "failover$i.$$@a.test"
	ss_send "$TMP/fo$i" -f alice@a.test bob@b.test
	[ "$SS_RC" != 0 ] || fo=$((fo + 1))
	[ "$SS_RC" = 0 ] || diag "failover $i: $SS_RC $SS_ERR"
done
is "$fo" 6 "[DISC-17] h= with a dead address besides the live one: 6 of 6 delivered"
like "$("$SSMPCTL" -c "$SS_CONF" check b.test 2>&1 | grep '^host')" \
    'ssmp\.b\.test: 127\.0\.0\.[12],127\.0\.0\.[12] port' \
    "ssmpctl check: the host's two addresses"
world_dns_del b.test "127\.0\.0\.2"
world_dns_reload || bail "nsd reload failed"

# --- the receiver down: temporary
world_kill sd-b
ss_mail "$TMP/m7" "down.$$@a.test"
ss_send "$TMP/m7" -f alice@a.test bob@b.test
is "$SS_RC" 75 "b.test's ssmpd down: EX_TEMPFAIL"
like "$SS_ERR" "^bob@b\.test: 4\.[0-9]\.[0-9] tempfailed: " "stderr: bob tempfailed with a 4.x.x code"
is "$(ss_delivered bob@b.test "down.$$@a.test")" 0 "nothing in the delivered-log"

# --- DNS down (ssmp.7, Policy memory): a domain never seen as SSMP goes
# by SMTP (-F: EX_FALLBACK; without -F nothing can: EX_TEMPFAIL), one
# remembered as m=enforce keeps its policy even with -F
world_dns_stop
ss_mail "$TMP/m8" "nodns.$$@a.test" carol@new.c.test
ss_send "$TMP/m8" -F -f alice@a.test carol@new.c.test
is "$SS_RC" 79 "[DISC-20] DNS down, new.c.test never seen as SSMP, -F: EX_FALLBACK"
like "$SS_ERR" "^carol@new\.c\.test: 4\.4\.3 fall back to SMTP: DNS lookup of _ssmp\.new\.c\.test failed: not remembered as SSMP" \
    "stderr: the DNS failure, never seen as SSMP"
ss_send "$TMP/m8" -f alice@a.test carol@new.c.test
is "$SS_RC" 75 "[DISC-15] [SMTP-3] DNS down, without -F: EX_TEMPFAIL"
"$top_builddir/t/ks_seed" "$TMP/db" remember mem.b.test \
    "v=SSMP1; h=ssmp.b.test:$bport; s=s1; m=enforce" || bail "ks_seed"
ss_send "$TMP/m8" -F -f alice@a.test x@mem.b.test
is "$SS_RC" 75 "[DISC-20] DNS down, mem.b.test remembered as m=enforce: EX_TEMPFAIL even with -F"
like "$SS_ERR" "^x@mem\.b\.test: 4\.4\.3 tempfailed: DNS lookup of _ssmp\.mem\.b\.test failed: remembered as SSMP, m=enforce" \
    "stderr: the remembered policy stands"
is "$("$SSMP_SEND" -c "$SS_CONF" -q b.test 2>/dev/null)" enforce \
    "-q with DNS down: b.test's policy from the keystore's cache"
"$SSMP_SEND" -c "$SS_CONF" -q mem.b.test >/dev/null 2>&1
is $? 75 "[DISC-20] -q with DNS down, mem.b.test remembered as m=enforce: 75"
out=$("$SSMP_SEND" -c "$SS_CONF" -q new.c.test 2>"$TMP/q.err")
is "$?/$out" "1/none" "[DISC-20] -q with DNS down, new.c.test never seen as SSMP: none (route by SMTP)"
like "$(cat "$TMP/q.err")" "not remembered as SSMP" "...saying why on stderr"
sed "s|^Database .*|Database $TMP/unreadable|" "$SS_CONF" >"$TMP/noks.conf"
"$SSMP_SEND" -c "$TMP/noks.conf" -q new.c.test >/dev/null 2>&1
is $? 75 "-q with DNS down and no keystore to read: no memory, 75"

done_testing
