#!/bin/sh
# faults-mta.t - fault matrix, b.test's side behind ssmpd: the local MTA
# (b.test's real Postfix) down, answering 4xx and 5xx (at RCPT, through
# check_recipient_access, and at the end of data, through
# smtpd_end_of_data_restrictions), slow past a.test's HTTPTimeout, and
# ssmpd killed with SIGKILL while the MTA holds the message, before and
# after its 250.  ssmpd reaches Postfix through t/faults-srv.py
# smtpproxy, which can withhold the final dot or the 250 until the test
# says so (no sleeps: the test waits for the proxy's "held" file).
# b.test publishes m=enforce; the slow MTA is tried with m=testing too.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/faults-lib.sh"
E2E_MODE_B=enforce
fl_world
PX=$TMP/px; mkdir -p "$PX"
PXPORT=$(world_port spare 2)
echo pass >"$PX/mode"

proxy_up() {
	fl_srv proxy-b smtpproxy "$PXPORT" "$(world_port b inject)" "$PX" &&
	    world_wait_port "$PXPORT" 5
}
# proxy_bounce: a new proxy, so that ssmpd's pooled SMTP sessions (with
# smtpd processes that still have the old configuration) are gone.
proxy_bounce() { world_kill proxy-b; proxy_up; }
proxy_up || bail "SMTP proxy did not start"
e2e_conf b MTA "inet:$PXPORT@127.0.0.1"
fl_ssmpd_restart b || bail "ssmpd b did not restart"

# b.test's Postfix: recipient and end-of-data access tables (empty now).
RCPT=$TMP/rcpt.access; EOD=$TMP/eod.access
: >"$RCPT"; : >"$EOD"
world_postfix_set b smtpd_recipient_restrictions "check_recipient_access texthash:$RCPT" &&
world_postfix_set b smtpd_end_of_data_restrictions "check_recipient_access texthash:$EOD" &&
    world_postfix_reload b || bail "cannot configure b.test's Postfix"
# pf_reload: reload b.test's Postfix and end its idle smtpd processes:
# one of the old generation can still take one more connection, and
# would serve it with the old tables.
pf_reload() {
	local pid
	world_postfix_reload b || return 1
	pid=$(postfix -c "$(world_postfix_conf b)" status 2>&1 |
	    sed -n 's/.*PID: *\([0-9]*\).*/\1/p')
	[ -z "$pid" ] || pkill -TERM -P "$pid" -x smtpd
	return 0
}
# access FILE LINE: set b.test's table (LINE empty: clear it).
access() {
	printf '%s\n' "$2" >"$1" && _world_age "$RCPT" "$EOD" &&
	    pf_reload && proxy_bounce
}

# --- MTA down.
world_kill proxy-b
row m-down@a.test "MTA down" '4\.[0-9]\.[0-9]'
proxy_up || bail "proxy did not restart"
fl_once b bob m-down@a.test "MTA down, repaired"

# --- 4xx and 5xx, at RCPT and after DATA, one recipient each, all at
# once: bob 450 at RCPT, eve 451 after DATA (temporary: delivered once
# after the repair); dave 550 at RCPT, frank 554 after DATA (permanent:
# nothing delivered, alice gets one bounce each).
printf '%s\n' "bob@b.test 450 4.2.1 faults: mailbox busy" \
    "dave@b.test 550 5.1.1 faults: no such user" >"$RCPT" &&
    access "$EOD" "eve@b.test 451 4.3.0 faults: try later
frank@b.test 554 5.7.1 faults: refused" || bail "access"
# Until every smtpd of b.test runs with the tables (processes from
# before the reload may still take a connection), probe both ports.
probe() {
	swaks --server "127.0.0.1:$1" --from alice@a.test --to frank@b.test \
	    --header 'Message-Id: <probe@a.test>' 2>&1 | grep -q '^<\*\* 554 5\.7\.1'
}
check "b.test's smtpd refuses frank after DATA (port smtp)" e2e_until 20 probe "$(world_port b smtp)"
check "b.test's smtpd refuses frank after DATA (port inject)" e2e_until 20 probe "$(world_port b inject)"
# mta_row USER MSGID WHAT VERDICT-REGEX
# On a loaded machine the milter's envelope request can time out first
# (HTTPTimeout 3 s; a tempfail, Postfix keeps the message): then one
# retry must reach the MTA's verdict.
mta_row() {
	fl_mark
	check "$3: alice submits" fl_send "$2" "$1@b.test"
	fl_wait_verdict "to=<$1@b\\.test>, ssmp=$4" 15 || e2e_flush a
	check "$3: milter's verdict" fl_wait_verdict "to=<$1@b\\.test>, ssmp=$4"
}
mta_row bob m-4rcpt@a.test "MTA 450 at RCPT" 'tempfailed.*4\.2\.1'
mta_row eve m-4eod@a.test "MTA 451 after DATA" 'tempfailed.*4\.3\.0'
mta_row dave m-5rcpt@a.test "MTA 550 at RCPT" 'rejected.*5\.1\.1'
mta_row frank m-5eod@a.test "MTA 554 after DATA" '.*5\.7\.1'
is "$(fl_count b bob m-4rcpt@a.test)$(fl_count b eve m-4eod@a.test)" 00 "MTA 4xx: not delivered meanwhile"
check "MTA 4xx: both messages in a.test's queue" sh -c \
    "postqueue -c '$(world_postfix_conf a)' -p | grep -q bob@b.test && postqueue -c '$(world_postfix_conf a)' -p | grep -q eve@b.test"
: >"$EOD"; access "$RCPT" "" || bail "access"
fl_once b bob m-4rcpt@a.test "MTA 450 at RCPT, repaired"
is "$(fl_count b eve m-4eod@a.test)" 1 "MTA 451 after DATA, repaired: exactly one copy"
is "$(fl_count b dave m-5rcpt@a.test)/$(fl_count a alice m-5rcpt@a.test)" 0/1 \
    "MTA 550 at RCPT: dave none, alice one bounce"
is "$(fl_count b frank m-5eod@a.test)/$(fl_count a alice m-5eod@a.test)" 0/1 \
    "MTA 554 after DATA: frank none, alice one bounce"

# --- the MTA holds its 250 longer than a.test's HTTPTimeout (3 s).
# release: let the proxy go on; rearm: back to relaying everything.
release() { touch "$PX/release"; e2e_until 10 grep -q released "$PX/held"; }
rearm() { echo pass >"$PX/mode"; rm -f "$PX/release" "$PX/held"; }
held() { [ -s "$PX/held" ]; }
echo after >"$PX/mode"; rm -f "$PX/held" "$PX/release"; proxy_bounce
fl_mark
check "MTA slow: alice submits" fl_send m-slow@a.test
check "MTA slow: the proxy holds the MTA's 250" e2e_until 10 held
check "MTA slow: milter tempfails (HTTPTimeout)" fl_wait_verdict 'to=<bob@b\.test>, ssmp=tempfailed'
check "MTA slow: the message is still in a.test's queue" fl_held
release
rearm
fl_once b bob m-slow@a.test "MTA slow, m=enforce, after the retry"

fl_policy testing
echo after >"$PX/mode"; proxy_bounce
fl_mark
check "MTA slow, m=testing: alice submits" fl_send m-slowt@a.test
check "MTA slow, m=testing: the proxy holds the MTA's 250" e2e_until 10 held
check "MTA slow, m=testing: milter gives up (HTTPTimeout), no SMTP fallback" \
    fl_wait_verdict 'to=<bob@b\.test>, ssmp=tempfailed'
release
e2e_flush a
e2e_until 30 _fl_settled b bob m-slowt@a.test
sleep 1
e2e_until 10 _fl_all_empty
rearm
is "$(fl_count b bob m-slowt@a.test)/$(_fl_all_empty && echo empty)" 1/empty \
    "MTA slow, m=testing: exactly one copy, all queues empty"
diag "MTA slow, m=testing: bob has $(fl_count b bob m-slowt@a.test) copies"
fl_policy enforce

# --- ssmpd killed with SIGKILL while the MTA has the message.
# killed MODE MSGID WHAT COPIES RESOLVE: ssmpd b dies while the proxy
# holds the message (before: the final dot never reached Postfix; after:
# Postfix said 250); COPIES is what bob has then.  ssmpd wrote its
# "delivering" record before the dot, so neither it nor anyone but the
# MTA's log can tell the two apart: the retry is refused as "outcome
# unknown" (never a second copy), and the postmaster resolves it as
# ssmpd.8 says, with ssmpctl log RESOLVE (forget: not arrived, deliver on
# the next retry; delivered: arrived, answer "already delivered").
_unknown() { e2e_log ssmpd-b | grep -q "msgid=<$1> to=<bob@b.test>: the outcome"; }
killed() {
	echo "$1" >"$PX/mode"; rm -f "$PX/held" "$PX/release"; proxy_bounce
	fl_mark
	check "$3: alice submits" fl_send "$2"
	check "$3: the proxy holds the message" e2e_until 20 held
	fl_kill9 ssmpd-b
	check "$3: milter tempfails" fl_wait_verdict 'to=<bob@b\.test>, ssmp=tempfailed'
	is "$(fl_count b bob "$2")" "$4" "$3: bob has $4 copies now"
	check "$3: the message is still in a.test's queue" fl_held
	rearm; proxy_bounce
	e2e_ssmpd_start b || bail "ssmpd b did not restart"
	fl_mark
	e2e_flush a
	check "$3, ssmpd back: the retry tempfails" \
	    fl_wait_verdict 'to=<bob@b\.test>, ssmp=tempfailed' 20
	check "$3, ssmpd back: ssmpd says the outcome is unknown" \
	    e2e_until 10 _unknown "$2"
	is "$(fl_count b bob "$2")" "$4" "$3, ssmpd back: still $4 copies"
	check "$3, ssmpd back: still in a.test's queue" fl_held
	check "$3: ssmpctl log $5 resolves it" \
	    e2e_ctl b log "$5" alice@a.test "<$2>" bob@b.test
	fl_mark
	e2e_flush a
	e2e_until 30 _fl_done b bob "$2"
	e2e_until 20 _fl_all_empty
	is "$(fl_count b bob "$2")/$(_fl_all_empty && echo empty)" 1/empty \
	    "$3, resolved: exactly one copy, all queues empty"
	diag "$3: milter: $(e2e_log milter-a | tail -n +$((FL_MARK + 1)) | grep -o 'ssmp=.*' | tail -1)"
}
killed before m-kill1@a.test "SIGKILL before the 250" 0 forget
killed after m-kill2@a.test "SIGKILL after the 250" 1 delivered
done_testing
