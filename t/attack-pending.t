#!/bin/sh
# Accepted envelopes that never send their message (issue 14 item 5):
# the table of pending envelopes is bounded in total (MaxPendingEnvelopes)
# and per sender domain (MaxPendingPerDomain), holds only the accepted
# recipients, and a flood never costs a genuine sender its envelope.
# Senders are signed strangers: m.a.test, and x1.w.a.test ... under a
# wildcard key record (anyone can publish a key for any number of
# domains).  Real ssmpd over TLS, nsd, Postfix.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/ssmpd-lib.sh"
only_in_pass san

sd_world
world_dns_add a.test "*.w.a.test. 300 IN TXT \"$($SSMPC keyrec $SEED_N)\"" &&
    world_dns_reload || bail "wildcard key record"
sd_conf UnknownSender tag MaxPendingEnvelopes 100 MaxPendingPerDomain 20
$SSMPC allow "$SD_DIR/db" bob@b.test alice@a.test known || bail "allow failed"
sd_start

metric() { curl -s "http://127.0.0.1:$SD_ADMIN/metrics" | sed -n "s/^ssmpd_$1 //p"; }
# stranger FROM [NONCE]: an accepted envelope from a stranger (SEED_N)
stranger() {
	$SSMPC envelope $SEED_N $SEL "$1" bob@b.test ${2:-} >"$TMP/s.json" &&
	[ "$(sd_post envelope "$TMP/s.json")" = 200 ]
}

# ---- per sender domain --------------------------------------------------
NA=$($SSMPC nonce)
sd_env alice@a.test bob@b.test "$NA" >"$TMP/e.json"
is "$(sd_post envelope "$TMP/e.json")" 200 "a.test's envelope accepted"
NM=$($SSMPC nonce)
ok=0; stranger mallory@m.a.test "$NM" && ok=1
i=1; while [ $i -lt 30 ]; do stranger mallory@m.a.test && ok=$((ok + 1)); i=$((i + 1)); done
is "$ok" 30 "30 envelopes from m.a.test accepted (MaxPendingPerDomain 20)"
is "$(metric pending_envelopes)" 21 "pending: 20 of m.a.test and a.test's one"
sd_mail "$TMP/mm" '<m1@m.a.test>'
code=$(sd_message "$NM" '<m1@m.a.test>' "$TMP/mm" "$SEED_N")
is "$code $(sd_code)" "404 4.5.0" "m.a.test's oldest envelope was evicted: 404 4.5.0"
sd_mail "$TMP/ma" '<a1@a.test>'
is "$(sd_message "$NA" '<a1@a.test>' "$TMP/ma")" 200 "a.test's envelope is untouched: its message 200"

# ---- in total -----------------------------------------------------------
NA=$($SSMPC nonce)
sd_env alice@a.test bob@b.test "$NA" >"$TMP/e.json"
is "$(sd_post envelope "$TMP/e.json")" 200 "a.test's envelope before the flood"
ok=0; max=0; i=1
while [ $i -le 120 ]; do
	stranger "x@x$i.w.a.test" && ok=$((ok + 1))
	if [ $((i % 20)) = 0 ]; then n=$(metric pending_envelopes); [ "$n" -le "$max" ] || max=$n; fi
	i=$((i + 1))
done
is "$ok" 120 "120 envelopes from 120 stranger domains accepted"
is "$max" 100 "the table never held more than MaxPendingEnvelopes (100)"
like "$(metric pending_evicted_total)" '^[1-9]' "the oldest were evicted ($(metric pending_evicted_total))"
like "$(cat "$WORLD/log/ssmpd.log")" 'pending envelopes at their limit: 1 oldest evicted' "eviction logged"
sd_mail "$TMP/mb" '<a2@a.test>'
code=$(sd_message "$NA" '<a2@a.test>' "$TMP/mb")
is "$code $(sd_code)" "404 4.5.0" "a.test's envelope from before the flood was evicted (404: it asks again)"
NA=$($SSMPC nonce)
sd_env alice@a.test bob@b.test "$NA" >"$TMP/e.json"
is "$(sd_post envelope "$TMP/e.json")" 200 "a genuine envelope during the flood: 200"
is "$(sd_message "$NA" '<a2@a.test>' "$TMP/mb")" 200 "...and its message: 200"
world_wait_mail b bob 2 10
is "$(world_maildir_count b bob)" 2 "bob got a.test's two messages"

# ---- only accepted recipients are kept --------------------------------
sd_stop; sd_start
sd_env alice@a.test bob@b.test >"$TMP/e.json"
sd_post envelope "$TMP/e.json" >/dev/null
one=$(metric pending_bytes)
# (Postfix ends a session after 20 refused recipients: stay below)
to=bob@b.test; i=1; while [ $i -le 15 ]; do to="$to,nosuch$i@b.test"; i=$((i + 1)); done
sd_env alice@a.test "$to" >"$TMP/e.json"
is "$(sd_post envelope "$TMP/e.json")" 200 "1 of 16 recipients accepted"
is "$(grep -o '"status":"reject","code":"5.1.1"' "$TMP/resp" | wc -l)" 15 "...15 refused by the MTA (5.1.1)"
two=$(metric pending_bytes)
diag "pending bytes: $one for one envelope, $two with the second (15 refused recipients)"
ok_if() { if test $1; then ok "$2"; else not_ok "$2"; fi; }
ok_if "$((two - one)) -le $((one + 64))" "the second envelope takes no more than the first ($((two - one)) vs $one octets)"
ok_if "$one -le 1024" "one envelope with one recipient: $one octets (<= 1 KiB)"
# Postfix ends the session after 20 refused recipients (421): the
# recipients it answered keep their answers, the rest are temporary
to=nosuch0@b.test; i=1; while [ $i -lt 25 ]; do to="$to,nosuch$i@b.test"; i=$((i + 1)); done
sd_env alice@a.test "$to" >"$TMP/e.json"
sd_post envelope "$TMP/e.json" >/dev/null
is "$(grep -o '"status":"reject","code":"5.1.1"' "$TMP/resp" | wc -l) $(grep -o '"to":"nosuch[0-9]*@b.test","status":"tempfail","code":"4[.0-9]*","reason":"local MTA: 421' "$TMP/resp" | wc -l)" \
    "20 5" "25 unknown recipients: 20 refused 5.1.1 before the MTA's 421, 5 temporary"
done_testing
