#!/bin/sh
# demo.sh TOPSRC BUILDDIR - the walk-through of ./run-demo: three mail
# domains on this machine (a.test and b.test speak SSMP beside Postfix,
# c.test only SMTP), and the steps of issue 6, each printed with the
# evidence it left (log lines, delivered message headers).  Every step is
# checked on that evidence, not on this script's prose: the exit status is
# the number of steps that did not happen (0 = all did).
top_srcdir=$(cd "${1:?usage: demo.sh TOPSRC BUILDDIR}" && pwd)
top_builddir=$(cd "${2:?usage: demo.sh TOPSRC BUILDDIR}" && pwd)
export top_srcdir top_builddir
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"

T0=$(date +%s)
FAILED=0
STEP_BAD=0

say() { printf '%s\n' "$*"; }
# show LABEL TEXT: evidence, indented.
show() {
	say "   $1"
	[ -z "$2" ] || printf '%s\n' "$2" | sed 's/^/      | /'
}
# expect DESCRIPTION COMMAND...: one piece of evidence the step needs.
expect() {
	local d
	d=$1; shift
	if "$@" >/dev/null 2>&1; then say "   ok    $d"
	else say "   MISSING  $d"; STEP_BAD=1; fi
}
step() { STEP_BAD=0; say ""; say "-- $*"; }
done_step() {
	if [ $STEP_BAD = 0 ]; then say "   => step done"
	else say "   => STEP FAILED"; FAILED=$((FAILED + 1)); fi
}
# has TEXT REGEX: TEXT (its lines joined by blanks) matches REGEX.
has() { printf '%s\n' "$1" | tr '\n' ' ' | grep -Eq -- "$2"; }
# milter_says L QID-OR-TEXT: the ssmp-milter log lines of a message.
milter_says() { e2e_log "milter-$1" | grep -F -- "$2"; }

why=$(e2e_missing)
[ -z "$why" ] || { say "demo: cannot run: $why"; exit 1; }

say "== SSMP gateway demo: three mail domains on 127.0.0.1"
say "   a.test, b.test: Postfix + ssmp-milter (outbound) + ssmpd (inbound HTTPS)"
say "   c.test:         Postfix only (legacy SMTP)"
say "   one nsd serves the three zones DNSSEC-signed; a test CA issues the HTTPS certificates"
E2E_MODE_A=testing E2E_MODE_B=enforce E2E_UNKNOWN_B=tag
world_ssmp_up || { say "demo: the world did not start (logs: $WORLD/log)"; exit 1; }
say "   world up in $E2E_UP_SECONDS s (DNS, CA and 3 Postfix instances: $WORLD_UP_SECONDS s;"
say "   then 2 ssmpd and 2 ssmp-milter); published by ssmp-keygen:"
show "" "$(cat "$WORLD/ssmp/a/keys/s1.txt" "$WORLD/ssmp/b/keys/s1.txt")"

# ---------------------------------------------------------------- (a)
step "(a) alice@a.test writes ONE message to bob@b.test and carol@c.test"
e2e_send alice@a.test bob@b.test,carol@c.test demo-a@a.test "Lunch?"
e2e_wait b bob demo-a@a.test 1 20; e2e_wait c carol demo-a@a.test 1 20
qid=$(e2e_qid a demo-a@a.test)
show "ssmp-milter of a.test (Postfix queue id $qid):" "$(milter_says a "$qid:")"
hb=$(e2e_hdr b bob demo-a@a.test 'Received|Authentication-Results|SSMP-Trust')
show "bob@b.test's copy:" "$hb"
hc=$(e2e_hdr c carol demo-a@a.test 'Received|Authentication-Results|SSMP-Trust')
show "carol@c.test's copy:" "$hc"
expect "bob got it by SSMP (ssmpd, ssmp=pass, SSMP-Trust)" \
    has "$hb" 'by ssmp.b.test with SSMP id.*ssmp=pass smtp.mailfrom=alice@a.test.*SSMP-Trust: '
expect "carol got it by SMTP from mail.a.test, no SSMP header" \
    sh -c "printf '%s' \"\$1\" | grep -q 'from mail.a.test.*by mail.c.test (Postfix) with ESMTP' &&
    ! printf '%s' \"\$1\" | grep -qi 'ssmp'" - "$hc"
expect "each has exactly one copy" \
    test "$(e2e_count b bob demo-a@a.test)$(e2e_count c carol demo-a@a.test)" = 11
expect "Postfix a relayed only carol by SMTP" \
    sh -c "! grep '$qid: to=<bob@b.test>' '$(world_postfix_log a)'"
done_step

# ---------------------------------------------------------------- (b)
step "(b) a stranger, eve@c.test (no SSMP), mails bob@b.test by plain SMTP"
e2e_send eve@c.test bob@b.test demo-b@c.test "Hello from the old world"
e2e_wait b bob demo-b@c.test 1 20
hb=$(e2e_hdr b bob demo-b@c.test 'Received|Authentication-Results|SSMP-Trust')
show "bob@b.test's copy:" "$hb"
show "Postfix b:" "$(grep "$(e2e_qid b demo-b@c.test)" "$(world_postfix_log b)" | grep -E 'from=|status=')"
expect "delivered once, by SMTP from mail.c.test, no SSMP header" \
    sh -c "[ $(e2e_count b bob demo-b@c.test) = 1 ] &&
    printf '%s' \"\$1\" | grep -q 'from mail.c.test' && ! printf '%s' \"\$1\" | grep -qi ssmp" - "$hb"
done_step

# ---------------------------------------------------------------- (c)
step "(c) dave@a.test, an SSMP sender bob never allowed, writes to bob"
say "   b.test's policy: UnknownSender tag"
e2e_send dave@a.test bob@b.test demo-c1@a.test "Do you remember me?"
e2e_wait b bob demo-c1@a.test 1 20
hb=$(e2e_hdr b bob demo-c1@a.test 'Authentication-Results|SSMP-Trust')
show "bob@b.test's copy (to be filed in 'Other'):" "$hb"
expect "accepted by SSMP and tagged SSMP-Trust: unknown" \
    has "$hb" 'ssmp=pass smtp.mailfrom=dave@a.test.*SSMP-Trust: unknown'
say "   b.test's policy now: UnknownSender reject (ssmpd of b.test restarted)"
e2e_conf b UnknownSender reject && e2e_ssmpd_stop b && e2e_ssmpd_start b
e2e_send dave@a.test bob@b.test demo-c2@a.test "Please?"
sw=$(e2e_swaks_last | grep -E '^<\*\*')
show "what dave's SMTP client was told by Postfix a:" "$sw"
show "ssmp-milter of a.test:" "$(milter_says a "to=<bob@b.test>" | tail -1)"
show "ssmpd of b.test:" "$(e2e_log ssmpd-b | grep 'dave@a.test' | tail -1)"
sleep 1
expect "refused with 5.7.1 (b.test is m=enforce: no SMTP fallback)" \
    has "$sw" '^<\*\* 5[0-9]{2} 5\.7\.1' 
expect "nothing delivered to bob" test "$(e2e_count b bob demo-c2@a.test)" = 0
done_step

# ---------------------------------------------------------------- (d)
step "(d) bob allows alice"
if e2e_ctl b allow 2>&1 | grep -q 'allow request'; then
	HOW=handshake
	e2e_ctl b allow request bob@b.test alice@a.test >"$TMP/req.out" 2>&1
	show "consent handshake: ssmpctl allow request bob@b.test alice@a.test (exit $?)" "$(cat "$TMP/req.out")"
	show "a.test's consent records (ssmpctl allow pending --all):" "$(e2e_ctl a allow pending --all 2>&1)"
	expect "the handshake ended shared" grep -q 'shared' "$TMP/req.out"
else
	HOW=local
	say "   handshake: not yet available, local allow used"
	show "ssmpctl allow add bob@b.test alice@a.test known:" \
	    "$(e2e_ctl b allow add bob@b.test alice@a.test known 2>&1)"
fi
show "bob's allow-list (ssmpctl allow list bob@b.test):" "$(e2e_ctl b allow list bob@b.test)"
e2e_send alice@a.test bob@b.test demo-d@a.test "Now you know me"
e2e_wait b bob demo-d@a.test 1 20
hb=$(e2e_hdr b bob demo-d@a.test 'Authentication-Results|SSMP-Trust')
show "bob@b.test's copy (policy is still UnknownSender reject):" "$hb"
expect "alice is in bob's allow-list, origin $HOW" \
    sh -c "'$E2E_CTL' -c '$(e2e_conf_file b)' allow list bob@b.test | grep -q '^bob@b.test alice@a.test known $HOW '"
expect "alice's mail passes by SSMP, SSMP-Trust: known" \
    has "$hb" 'ssmp=pass smtp.mailfrom=alice@a.test.*SSMP-Trust: known'
done_step

# ---------------------------------------------------------------- (e)
step "(e) key rotation at a.test: s1 -> s2, then s1 revoked"
e2e_keygen a s2 testing && e2e_publish a s2 key && e2e_policy a s2 testing &&
    world_dns_reload || STEP_BAD=1
show "published (ssmp-keygen -d a.test -s s2):" "$(world_dns_query s2._ssmpkey.a.test TXT | grep -v '^;' | grep TXT)"
e2e_keytable a s2 s1
show "a.test KeyTable (signing selector first, old one kept):" "$(cat "$WORLD/ssmp/a/keytable")"
kill -HUP "$(cat "$WORLD/run/ssmpd-a.pid")"
e2e_until 5 sh -c "grep -q 'reload: domain a.test selector s2 (signing)' '$WORLD/log/ssmpd-a.log'"
show "ssmpd of a.test after SIGHUP:" "$(grep 'reload' "$WORLD/log/ssmpd-a.log")"
kill -USR1 "$(cat "$WORLD/run/milter-a.pid")"
e2e_until 5 sh -c "grep -q 'reload: domain a.test selector s2 (signing)' '$WORLD/log/milter-a.log'" || STEP_BAD=1
show "ssmp-milter of a.test after SIGUSR1 (libmilter keeps SIGHUP for itself):" "$(grep 'reload' "$WORLD/log/milter-a.log")"
e2e_send alice@a.test bob@b.test demo-e1@a.test "Signed with s2"
e2e_wait b bob demo-e1@a.test 1 20
show "bob's copy:" "$(e2e_hdr b bob demo-e1@a.test 'Authentication-Results')"
expect "delivered by SSMP with the new selector (header.s=s2)" \
    has "$(e2e_hdr b bob demo-e1@a.test 'Authentication-Results')" 'ssmp=pass .*header.s=s2 *$'
e2e_revoke a s1 && world_dns_reload || STEP_BAD=1
show "revocation published (ssmp-keygen -r -d a.test -s s1):" \
    "$(world_dns_query s1._ssmpkey.a.test TXT | grep -v '^;' | grep TXT)"
e2e_ctl a keys test a.test s1 >"$TMP/kt" 2>&1; rc=$?
show "ssmpctl keys test a.test s1 -> exit $rc (69 = revoked):" "$(cat "$TMP/kt")"
expect "s1 is revoked in DNS" test $rc = 69
e2e_send alice@a.test bob@b.test,carol@c.test demo-e2@a.test "After the revocation"
e2e_wait b bob demo-e2@a.test 1 20; e2e_wait c carol demo-e2@a.test 1 20
show "bob's copy:" "$(e2e_hdr b bob demo-e2@a.test 'Authentication-Results')"
expect "still delivered by SSMP with s2" \
    has "$(e2e_hdr b bob demo-e2@a.test 'Authentication-Results')" 'ssmp=pass .*header.s=s2 *$'
sleep 1
lost=""
for m in demo-a@a.test demo-b@c.test demo-c1@a.test demo-d@a.test demo-e1@a.test demo-e2@a.test; do
	[ "$(e2e_count b bob "$m")" = 1 ] || lost="$lost $m"
done
show "bob's Maildir: $(world_maildir_count b bob) messages; carol's: $(world_maildir_count c carol)"
expect "nothing lost, nothing doubled: every accepted message exactly once${lost:+ (not:$lost)}" \
    test -z "$lost"
done_step

say ""
say "== demo finished in $(($(date +%s) - T0)) s: $((5 - FAILED)) of 5 steps done"
[ $FAILED = 0 ] || say "   (the world's logs were in $WORLD/log; rerun with SSMP_KEEP_TMP=1 to keep them)"
exit $FAILED
