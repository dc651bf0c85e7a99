#!/bin/sh
# e2e-down.t - ssmpd of b.test is stopped, in the SSMP world:
#  - m=testing (opportunistic): alice's mail to bob falls back to SMTP;
#  - m=enforce: an SMTP submission is refused with 451 (the client keeps
#    it); a local submission stays in a.test's Postfix queue, and after
#    ssmpd is back and the queue is flushed it is delivered EXACTLY ONCE,
#    by SSMP, with no SMTP copy.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"
E2E_MODE_B=testing
e2e_test_world

queue_empty() { e2e_queue a | grep -q 'Mail queue is empty'; }

check "ssmpd b up: alice's first message goes by SSMP" e2e_send alice@a.test bob@b.test d-up@a.test
check "ssmpd b up: bob receives it" e2e_wait b bob d-up@a.test 1 20

e2e_ssmpd_stop b
check_fails "ssmpd b stopped: nothing listens on b's HTTPS port" world_wait_port "$(world_port b https)" 0

# --- m=testing: fall back to SMTP.
check "testing: alice submits to bob" e2e_send alice@a.test bob@b.test d-t@a.test
check "testing: bob receives it" e2e_wait b bob d-t@a.test 1 20
like "$(e2e_hdr b bob d-t@a.test Received | head -1)" '^Received: from mail\.a\.test .* by mail\.b\.test \(Postfix\) with ESMTP' \
    "testing: by SMTP from mail.a.test"
is "$(e2e_hdr b bob d-t@a.test 'Authentication-Results|SSMP-Trust')" "" "testing: no SSMP header"
like "$(e2e_log milter-a)" "$(e2e_qid a d-t@a.test): from=<alice@a\.test>, to=<bob@b\.test>, ssmp=fell back, envelope failed" \
    "testing: milter log: fell back"
sleep 1
is "$(e2e_count b bob d-t@a.test)" 1 "testing: exactly one copy"

# --- m=enforce: no fallback.
e2e_policy b s1 enforce && world_dns_reload || bail "cannot publish m=enforce"
sleep 1.1
check_fails "enforce: SMTP submission to bob is not accepted" e2e_send alice@a.test bob@b.test d-e1@a.test
check "enforce: 451 4.x.x (temporary, the client retries)" e2e_refused '451 4\.[0-9]+\.[0-9]+ SSMP '
like "$(e2e_log milter-a)" 'from=<alice@a\.test>, to=<bob@b\.test>, ssmp=tempfailed' "enforce: milter log: tempfailed"

check "enforce: local submission (sendmail) to bob" e2e_sendmail alice@a.test bob@b.test d-e2@a.test
check "enforce: it stays in a.test's queue" e2e_until 10 sh -c \
    "postqueue -c '$(world_postfix_conf a)' -p | grep -q 'bob@b.test'"
e2e_flush a
sleep 3
like "$(e2e_queue a)" 'bob@b\.test' "enforce: still queued after a flush while ssmpd is down"
is "$(e2e_count b bob d-e1@a.test)$(e2e_count b bob d-e2@a.test)" 00 "enforce: nothing delivered meanwhile"
is "$(grep -c 'to=<bob@b.test>.*status=' "$(world_postfix_log a)")" 1 \
    "enforce: Postfix a made no SMTP delivery to bob (only the testing one)"

e2e_ssmpd_start b || bail "ssmpd b did not restart"
e2e_flush a
check "ssmpd back: the queued message reaches bob" e2e_wait b bob d-e2@a.test 1 20
check "ssmpd back: a.test's queue empties" e2e_until 20 queue_empty
like "$(e2e_hdr b bob d-e2@a.test Authentication-Results)" 'ssmp=pass smtp\.mailfrom=alice@a\.test' \
    "ssmpd back: delivered by SSMP"
like "$(cat "$(world_postfix_log a)")" 'milter-discard: END-OF-MESSAGE .*to=<bob@b\.test>' \
    "ssmpd back: the SMTP copy was discarded"
e2e_flush a
sleep 3
is "$(e2e_count b bob d-e2@a.test)" 1 "ssmpd back: exactly one copy after another flush"
is "$(world_maildir_count b bob)" 3 "bob has three messages in all"
done_testing
