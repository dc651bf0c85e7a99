#!/bin/sh
# milter-postfix.t - one message through a real Postfix (a.test) with
# ssmp-milter as smtpd_milters, to bob@b.test (SSMP: real ssmpd, TLS, DNS)
# and carol@c.test (legacy SMTP): bob gets it once by SSMP, carol once by
# SMTP, and the milter logs both decisions with Postfix's queue id.
# carol's copy carries the milter's header (AddHeader) in its exact form.
. "$top_srcdir/t/lib.sh"
command -v swaks >/dev/null || skip_all "swaks not installed"
. "$top_srcdir/t/milter-lib.sh"
mt_ssmp_world AddHeader yes

world_postfix_set a smtpd_milters "inet:127.0.0.1:$port"
world_postfix_start a "$(world_port a smtp)" || bail "postfix a did not start"
world_postfix_start c "$(world_port c smtp)" || bail "postfix c did not start"

check "swaks submits one message to bob@b.test and carol@c.test" \
    world_send alice@a.test bob@b.test,carol@c.test "two ways" "One message, two paths." \
    --header "Message-Id: <two-ways.$$@a.test>"
check "bob@b.test receives it" world_wait_mail b bob 1 20
check "carol@c.test receives it" world_wait_mail c carol 1 20
sleep 3
is "$(world_maildir_count b bob)" 1 "bob@b.test has exactly one copy"
is "$(world_maildir_count c carol)" 1 "carol@c.test has exactly one copy"
like "$(cat "$(world_maildir_last b bob)")" "Authentication-Results: [^;]*; ssmp=pass smtp.mailfrom=alice@a.test" \
    "bob's copy came by SSMP (ssmp=pass)"
unlike=$(grep -c "ssmp=pass" "$(world_maildir_last c carol)")
is "$unlike" 0 "carol's copy came by SMTP (no ssmp=pass)"
mt_check_copies mail.a.test "Postfix a"
qid=$(sed -n 's/.*postfix\/cleanup.*: \([0-9A-F]*\): message-id=<two-ways.*/\1/p' "$(world_postfix_log a)" | head -1)
like "$(mt_log milter-a)" "$qid: from=<alice@a.test>, to=<bob@b.test>, ssmp=upgraded" \
    "milter log: bob upgraded, with Postfix's queue id"
like "$(mt_log milter-a)" "$qid: from=<alice@a.test>, to=<carol@c.test>, ssmp=not SSMP" \
    "milter log: carol not SSMP"
like "$(grep "$qid" "$(world_postfix_log a)")" "to=<carol@c.test>.*status=sent" \
    "Postfix a relayed only carol by SMTP"
is "$(grep "$qid" "$(world_postfix_log a)" | grep -c 'to=<bob@b.test>')" 0 \
    "Postfix a has no SMTP delivery for bob"

done_testing
