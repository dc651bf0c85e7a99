#!/bin/sh
# milter-ssmp.t - ssmp-milter upgrading recipients to SSMP, driven by
# miltertest, against two real ssmpd (b.test enforce, t.b.test testing)
# over TLS with the world's test CA, real nsd, b.test's real Postfix
# behind ssmpd, and real LMDB stores.
. "$top_srcdir/t/lib.sh"
[ -x "${MILTERTEST:=$(command -v miltertest)}" ] || skip_all "miltertest not installed"
. "$top_srcdir/t/milter-lib.sh"
mt_ssmp_world AutoAllow yes

# --- accepted: delrcpt + discard, delivered once by SSMP
check "SSMP accept: bob@b.test removed, message discarded" mt_case "$port" accept first
like "$(mt_log milter-a)" "to=<bob@b.test>, ssmp=upgraded \(2\.[0-9]\.[0-9] " "logged: upgraded"
like "$(mt_log milter-a)" "all recipients upgraded to SSMP, SMTP copy discarded" "logged: discarded"
check "bob@b.test got the message through ssmpd" world_wait_mail b bob 1 15
like "$(cat "$(world_maildir_last b bob)")" "Authentication-Results: .*ssmp=pass" \
    "the delivered copy carries ssmp=pass"
is "$("$SSMPCTL" -c "$TMP/a.conf" log show --rcpt bob@b.test | grep -c '<accept.first@a.test> delivered .* receipt$')" 1 \
    "the delivered-log holds the receipt of bob@b.test"

# --- a retry of the same message id: skipped, not delivered twice
check "retry of the same Message-ID: removed again, discarded" mt_case "$port" accept first
like "$(mt_log milter-a)" "to=<bob@b.test>, ssmp=upgraded earlier, receipt on file" \
    "logged: upgraded earlier"
sleep 2
is "$(world_maildir_count b bob)" 1 "bob@b.test still has exactly one copy"

# --- two SSMP recipients and a repeated one: all leave the envelope, both
# receipts in the delivered-log (one transaction)
check "eve@b.test allows alice" \
    "$SSMPCTL" -c "$TMP/sd-b/ssmp.conf" allow add eve@b.test alice@a.test known
check "bob, eve and BOB (bob again): all removed, message discarded" mt_case "$port" two
is "$("$SSMPCTL" -c "$TMP/a.conf" log show | grep -Ec '<two\.[0-9.]+@a\.test> delivered .* receipt$')" 2 \
    "the delivered-log holds the receipts of bob and eve"
check "bob@b.test got it once" world_wait_mail b bob 2 15
check "eve@b.test got it" world_wait_mail b eve 1 15

# --- mixed: only the SSMP recipient leaves the envelope
check "mixed: bob removed, carol kept" mt_case "$port" mixed
check "bob@b.test got the mixed message" world_wait_mail b bob 3 15
like "$(mt_log milter-a)" "to=<carol@c.test>, ssmp=not SSMP" "logged: carol not SSMP"

# --- local submission: decided at end of message
check "local submission (127.0.0.1): bob removed at EOM, carol kept" mt_case "$port" local_mixed
check "bob@b.test got the local submission" world_wait_mail b bob 4 15

# --- refusals
check "enforce domain refuses nobody@b.test: 5xx at RCPT" mt_case "$port" reject_enforce
like "$(mt_log milter-a)" "to=<nobody@b.test>, ssmp=rejected \(5\.7\.1 " "logged: rejected with 5.7.1"
check "testing domain refuses nobody@t.b.test with 5.7.1: 5xx at RCPT, no SMTP fallback (ssmp.7)" \
    mt_case "$port" reject_testing
like "$(mt_log milter-a)" "to=<nobody@t.b.test>, ssmp=rejected \(5\.7\.1 " \
    "logged: rejected with the remote's code"

# --- local submissions: every testing recipient in one envelope at EOM
check "local submission, testing domain refuses both with 5.7.1: the message is refused at EOM" \
    mt_case "$port" local_testing_batch
is "$(sed -n 's/^[^:]*: \([A-Za-z0-9_-]*\): envelope .*to=<nobody2\?@t\.b\.test>.*/\1/p' "$WORLD/log/sd-t.log" | tail -2 | sort -u | wc -l)" 1 \
    "both recipients of t.b.test went in one envelope request"
like "$(mt_log milter-a)" "to=<nobody2@t.b.test>, ssmp=rejected \(5\.7\.1 " \
    "logged: the second testing recipient rejected too"

# --- auto-allow
like "$("$SSMPCTL" -c "$TMP/a.conf" allow list alice@a.test)" "carol@c.test.*known" \
    "auto-allow: carol@c.test is in alice's allow-list as known"

done_testing
