#!/bin/sh
# faults-pool.t - fault matrix (issue 16 item 4): ssmpd's pooled SMTP
# sessions to the local MTA turn bad while they wait.  b.test's Postfix
# runs a milter (OpenDKIM, verifying) on the smtpd ssmpd hands off to;
# the milter is restarted between two messages.  Each smtpd process that
# lost its milter answers every later transaction "451 4.7.1 Service
# unavailable" although RSET still says 250: ssmpd must retire such a
# session and retry on a fresh one - one copy, no 4xx to the sender.
# Also: sessions are retired after MTAReuseCount transactions.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/ssmpd-lib.sh"
[ -z "${SSMP_SKIP_FAULTS:-}" ] || skip_all "SSMP_SKIP_FAULTS is set"
command -v opendkim >/dev/null || skip_all "opendkim not installed"

sd_world
DK=$(world_port spare 3)
printf '%s\n' "Socket inet:$DK@127.0.0.1" "Mode v" "Syslog no" \
    "PidFile $WORLD/run/dkim-own.pid" >"$TMP/dkim.conf"
dkim_start() {
	world_spawn dkim opendkim -f -x "$TMP/dkim.conf" &&
	    world_wait_port "$DK" 10
}
dkim_start || bail "opendkim did not start"
world_postfix_set b smtpd_milters "inet:127.0.0.1:$DK" &&
world_postfix_set b milter_default_action tempfail &&
    world_postfix_reload b || bail "cannot give b.test's smtpd the milter"
# the smtpd with the milter: b.test's port 25
sd_conf MTA "inet:$(world_port b smtp)@127.0.0.1" RecipientCacheTime 0 \
    MTAReuseCount 3
$SSMPC allow "$SD_DIR/db" bob@b.test alice@a.test known || bail "allow failed"
sd_start

# deliver MSGID: envelope and message phase; prints both HTTP statuses
deliver() {
	N=$($SSMPC nonce)
	sd_env alice@a.test bob@b.test "$N" >"$TMP/e.json"
	e=$(sd_post envelope "$TMP/e.json"); cp "$TMP/resp" "$TMP/env.resp"
	sd_mail "$TMP/m" "$1"
	echo "$e $(sd_message "$N" "$1" "$TMP/m") $(sd_code)"
}

is "$(deliver '<p1@a.test>')" "200 200 2.0.0" "first message: delivered (sessions now pooled)"
world_wait_mail b bob 1 10 || bail "first message not delivered"
world_kill dkim
dkim_start || bail "opendkim did not restart"
is "$(deliver '<p2@a.test>')" "200 200 2.0.0" "after the milter's restart: no 4xx, delivered"
like "$(cat "$TMP/env.resp")" '"to":"bob@b.test","status":"accept"' \
    "...the envelope's recipient check was not tempfailed either"
world_wait_mail b bob 2 10
sleep 1
is "$(world_maildir_count b bob)" 2 "...one copy"
like "$(cat "$WORLD/log/ssmpd.log")" 'pooled MTA session failed \(451 4\.7\.1 .*\): retired; trying a fresh one' \
    "the bad session was retired and logged"
is "$(grep -c '"status":"tempfail"\|Service unavailable' "$TMP/resp")" 0 \
    "the sender never saw the 451"

# MTAReuseCount 3: a session serves at most three transactions
n0=$(grep -c 'connect from localhost' "$(world_postfix_log b)")
i=0; while [ $i -lt 4 ]; do deliver "<reuse$i@a.test>" >/dev/null; i=$((i + 1)); done
n1=$(grep -c 'connect from localhost' "$(world_postfix_log b)")
diag "smtpd connections for 8 transactions (4 probes, 4 messages): $((n1 - n0))"
ok_if() { if test $1; then ok "$2"; else not_ok "$2"; fi; }
ok_if "$((n1 - n0)) -ge 2" "MTAReuseCount 3: eight transactions used $((n1 - n0)) sessions (>= 2)"
world_wait_mail b bob 6 10
is "$(world_maildir_count b bob)" 6 "six messages, one copy each"
done_testing
