#!/bin/sh
# e2e-own.t - mail for a domain this gateway serves itself is never
# upgraded to itself (issue 16.3): alice@a.test -> bob@a.test with a.test
# at m=enforce.  First as the README sets it up (the milter on the
# submission smtpd, ssmpd handing off to a listener of its own without
# milters): not upgraded, one copy by SMTP, a.test's ssmpd never asked.
# Then with the hand-off to port 25, where the milter runs too (the
# README's earlier set-up, MTA inet:25@127.0.0.1): upgraded, the message
# would come back through ssmpd to the same smtpd and milter and be "in
# progress" on every retry; instead the MTA delivers it at once: one
# copy, by SMTP, logged "not upgraded".  A message to bob@a.test and
# bob@b.test splits: b.test by SSMP.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"
E2E_MODE_A=enforce
E2E_MODE_B=enforce
e2e_test_world

check "hand-off without milters: alice@a.test -> bob@a.test accepted" \
    e2e_send alice@a.test bob@a.test own0@a.test
check "bob@a.test receives it" e2e_wait a bob own0@a.test 1 20
like "$(e2e_log milter-a)" 'to=<bob@a\.test>, ssmp=not upgraded \(4\.3\.5 a\.test is served by this gateway' \
    "hand-off without milters: not upgraded, a.test is ours"

e2e_conf a MTA "inet:$(world_port a smtp)@127.0.0.1"
e2e_ssmpd_stop a; e2e_ssmpd_start a || bail "ssmpd a did not restart"

smtp_copy() {	# D U MSGID: a copy without SSMP's header fields
	f=$(e2e_file "$1" "$2" "$3" | head -1)
	[ -n "$f" ] && ! sed '/^$/q' "$f" | grep -Eqi '^(Authentication-Results: ssmp|SSMP-Trust):'
}

check "submission: alice@a.test -> bob@a.test accepted" e2e_send alice@a.test bob@a.test own1@a.test
check "bob@a.test receives it" e2e_wait a bob own1@a.test 1 20
like "$(e2e_log milter-a)" 'to=<bob@a\.test>, ssmp=not upgraded \(4\.3\.5 a\.test is served by this gateway' \
    "the milter: not upgraded, a.test is ours"
check "local submission (sendmail): alice@a.test -> bob@a.test" e2e_sendmail alice@a.test bob@a.test own2@a.test
check "bob@a.test receives it" e2e_wait a bob own2@a.test 1 20
check "a mixed message: bob@a.test and bob@b.test" \
    e2e_send alice@a.test bob@a.test,bob@b.test own3@a.test
check "bob@b.test receives it" e2e_wait b bob own3@a.test 1 20
check "bob@a.test receives it" e2e_wait a bob own3@a.test 1 20

like "$(e2e_log milter-a)" 'to=<bob@b\.test>, ssmp=upgraded' "the milter upgraded bob@b.test"
sleep 2
is "$(e2e_count a bob own0@a.test)$(e2e_count a bob own1@a.test)$(e2e_count a bob own2@a.test)$(e2e_count a bob own3@a.test)" 1111 \
    "exactly one copy of each at bob@a.test"
check "by SMTP (no SSMP header fields)" smtp_copy a bob own0@a.test
check "by SMTP (no SSMP header fields), port-25 hand-off" smtp_copy a bob own1@a.test
is "$(e2e_log ssmpd-a | grep -c 'envelope from=<alice@a.test>')" 0 "a.test's own ssmpd never saw an envelope"
is "$(grep -c '451' "$(world_postfix_log a)")" 0 "Postfix a logged no 451"
e2e_flush a
check "a.test's queue is empty" e2e_until 10 sh -c \
    "postqueue -c '$(world_postfix_conf a)' -p | grep -q 'Mail queue is empty'"
done_testing
