#!/bin/sh
# Two submission hosts of a.test, one PostgreSQL 15 (SharedDatabase):
# their milters share the delivered-log of what they sent and AutoAllow.
# a.test's Postfix submits through host 1's ssmp-milter; host 1 sends a
# message to bob@b.test by SSMP, records it, and is killed before it
# answers Postfix (a proxy withholds its answer to the end of the
# message), so Postfix tells the client 4xx.  The client's retry goes
# through host 2: its milter finds host 1's record, removes bob without
# a second request, and bob has one copy.  Real nsd, TLS, Postfix,
# ssmpd and PostgreSQL.
. "$top_srcdir/t/lib.sh"
command -v swaks >/dev/null || skip_all "swaks not installed"
. "$top_srcdir/t/milter-lib.sh"
only_in_pass gcc
[ "$(id -u)" = 0 ] || skip_all "needs root (Postfix, nsd, PostgreSQL)"
[ -x "$SSMPD" ] || skip_all "bridge/ssmpd not built"
world_pg_available || skip_all "PostgreSQL 15 is not installed (apt-get install postgresql-15)"

mt_world
world_pg_start || bail "PostgreSQL did not start"
# host N: milter N with its own Database, the shared one beside it
for n in 1 2; do
	mkdir -p "$TMP/db$n"
	mt_conf "$TMP/h$n.conf" "$(world_port spare $n)" "$(world_port dns)" \
	    Database "$TMP/db$n" SharedDatabase "$WORLD_PG_URI" \
	    TrustAnchorFile "$WORLD/dns/anchors.dnskey" CAFile "$WORLD_CA"
done
"$SSMPCTL" -c "$TMP/h1.conf" db init >/dev/null || bail "ssmpctl db init failed"
for n in 1 2; do
	mt_start host$n "$TMP/h$n.conf" "$(world_port spare $n)" ||
	    bail "milter $n did not start: $(mt_log host$n)"
done
PX=$WORLD/mproxy; PXPORT=$(world_port spare 6)
mkdir -p "$PX" && echo pass >"$PX/mode"
world_spawn mproxy python3 "$top_srcdir/t/faults-srv.py" milterproxy "$PXPORT" \
    "$(world_port spare 1)" "$PX"
world_wait_port "$PXPORT" 10 || bail "milter proxy did not start"
world_postfix_set a smtpd_milters "inet:127.0.0.1:$PXPORT"
world_postfix_start a "$(world_port a smtp)" || bail "postfix a did not start"

# AutoAllow through host 1 is host 2's too.
check "host 1: alice writes to bob" world_send alice@a.test bob@b.test "first" "Hello." \
    --header "Message-Id: <first.$$@a.test>"
check "...bob has it" world_wait_mail b bob 1 20
like "$("$SSMPCTL" -c "$TMP/h2.conf" allow list alice@a.test)" 'alice@a.test bob@b.test known auto' \
    "host 2 sees the AutoAllow entry host 1 made"

# Host 1 sends, records, dies before it answers Postfix.
echo hold >"$PX/mode"
world_send alice@a.test bob@b.test "retried" "Once only." \
    --header "Message-Id: <retry.$$@a.test>" &
sw=$!
check "host 1 got to the end of the message" until_ok 20 test -s "$PX/held"
check "...delivered it by SSMP" world_wait_mail b bob 2 20
sent() {
	[ "$(world_pg_psql ssmp "SELECT outcome FROM ssmp_delivered WHERE role = 1 AND msgid = '<retry.$$@a.test>'")" = 1 ]
}
check "...and recorded it in the shared delivered-log" until_ok 20 sent
kill -9 "$(cat "$WORLD/run/host1.pid")"; rm -f "$WORLD/run/host1.pid"
wait $sw; rc=$?
like "$rc" '^[1-9][0-9]*$' "host 1 killed before it answered: the submission failed"

like "$(tail -5 "$WORLD/log/swaks.log")" '<\*\* 4[0-9][0-9] ' "...with a 4xx from Postfix"

# The client retries; the other host takes it.
world_postfix_set a smtpd_milters "inet:127.0.0.1:$(world_port spare 2)"
world_postfix_reload a || bail "postfix a reload failed"
check "the retry through host 2 is accepted" world_send alice@a.test bob@b.test "retried" "Once only." \
    --header "Message-Id: <retry.$$@a.test>"
like "$(mt_log host2)" "from=<alice@a.test>, to=<bob@b.test>, ssmp=upgraded earlier, receipt on file" \
    "host 2: bob was upgraded earlier (host 1's record), not sent again"
sleep 2
is "$(grep -c "msgid=<retry.$$@a.test>: accept" "$WORLD/log/sd-b.log")" 1 \
    "b.test's ssmpd got the message once"
is "$(world_maildir_count b bob)" 2 "bob has one copy of it (two messages in all)"
done_testing
