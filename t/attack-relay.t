#!/bin/sh
# Open relay through ssmpd (issue 14 item 1).  b.test's Postfix has b.test
# in mydestination, so it reads "carol%c.test@b.test" and
# "c.test!carol@b.test" as routes to carol@c.test (percent hack, bang
# path) and, for a client it trusts, relays them.  Required:
#  - ssmpd refuses such recipients at the envelope (5.1.3, a reason that
#    says why) even when it hands off to a listener that would relay
#    (the world's inject port: permit_mynetworks, as "MTA inet:25" was);
#  - quoted local parts, address literals and source routes are no SSMP
#    addresses (400 5.5.2 at step 1);
#  - contrib's hand-off listener (master.cf.inbound) cannot relay even if
#    such an address reached it;
#  - nothing reaches c.test; yet the same Postfix does relay the percent
#    form for a client it trusts (so the test can fail).
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/ssmpd-lib.sh"
only_in_pass san

sd_world
world_postfix_start c "$(world_port c smtp)" "$(world_port c inject)" || bail "postfix c"
sd_contrib_postfix || bail "contrib Postfix set-up failed"
# b.test as a local domain: mydestination, delivered by virtual(8) into
# the same Maildirs
dir=$(world_postfix_conf b)
for kv in "mydestination=b.test" "virtual_mailbox_domains=" \
    "local_transport=virtual" "local_recipient_maps=texthash:$dir/vmailbox"; do
	world_postfix_set b "${kv%%=*}" "${kv#*=}" || bail "postconf $kv"
done
world_postfix_reload b || bail "reload b"
sd_conf UnknownSender tag
$SSMPC allow "$SD_DIR/db" bob@b.test alice@a.test known || bail "allow failed"

ROUTES="carol%c.test@b.test c.test!carol@b.test carol%c.test%b.test@b.test"
# envelope_routes WHAT: one envelope to bob and the routing forms
envelope_routes() {
	N=$($SSMPC nonce)
	$SSMPC envelope $SEED_A $SEL alice@a.test "bob@b.test,$(echo $ROUTES | tr ' ' ,)" "$N" >"$TMP/e.json"
	is "$(sd_post envelope "$TMP/e.json")" 200 "$1: envelope answered 200"
	for r in $ROUTES; do
		like "$(cat "$TMP/resp")" "\"to\":\"$r\",\"status\":\"reject\",\"code\":\"5\\.1\\.3\",\"reason\":\"address routes elsewhere" \
		    "$1: <$r> refused 5.1.3, reason says it routes elsewhere"
	done
	like "$(cat "$TMP/resp")" '"to":"bob@b.test","status":"accept"' "$1: bob accepted"
	sd_mail "$TMP/m" "<relay-$N@a.test>"
	is "$(sd_message "$N" "<relay-$N@a.test>" "$TMP/m")" 200 "$1: the message goes to bob"
	like "$(cat "$TMP/resp")" '"rcpt":\[{"to":"bob@b.test","status":"accept"[^]]*}\]' \
	    "$1: ...and to bob alone"
}

# ---- ssmpd's own check, with a listener that would relay ---------------
sd_conf UnknownSender tag MTA "inet:$(world_port b inject)@127.0.0.1"
sd_start
envelope_routes "hand-off to a trusting listener"
# forms that are no SSMP address: refused at step 1, never near the MTA
sd_env alice@a.test bob@b.test >"$TMP/good.json"
for bad in '\"carol@c.test\"@b.test' 'carol@[127.0.0.1]' '@b.test:carol@c.test' \
    'carol@c.test@b.test'; do
	sed "s|\"bob@b.test\"|\"$bad\"|" "$TMP/good.json" >"$TMP/bad.json"
	code=$(sd_post envelope "$TMP/bad.json")
	is "$code $(sd_code)" "400 5.5.2" "to <$bad>: 400 5.5.2 (not an SSMP address)"
done
sd_stop

# ---- contrib's listener ------------------------------------------------
sd_conf UnknownSender tag MTA "unix:$SD_HANDOFF_SOCK"
sd_start
envelope_routes "hand-off to contrib's listener"
# the listener itself, reached directly (as if an address slipped through)
for r in $ROUTES carol@c.test; do
	swaks --socket "$SD_HANDOFF_SOCK" --from alice@a.test --to "$r" \
	    --quit-after RCPT >"$TMP/sw" 2>&1
	like "$(grep '^<\*\{0,2\} *5' "$TMP/sw" | tail -1)" '^<.* 5[0-9][0-9] ' \
	    "contrib's listener refuses RCPT <$r>"
done
check "contrib's listener takes bob@b.test" swaks --socket "$SD_HANDOFF_SOCK" \
    --from alice@a.test --to bob@b.test --quit-after RCPT

# ---- nothing reached c.test ---------------------------------------------
world_wait_mail b bob 2 15
sleep 2
postqueue -c "$(world_postfix_conf b)" -f >/dev/null 2>&1; sleep 2
is "$(world_maildir_count c carol)" 0 "nothing reached carol@c.test"
is "$(world_maildir_count b bob)" 2 "bob got both messages"
is "$(postqueue -c "$(world_postfix_conf b)" -p | tail -1)" "Mail queue is empty" "b.test's queue is empty"

# ---- the same Postfix relays the percent form for a trusted client -----
check "b.test's trusting listener takes <carol%c.test@b.test>" \
    swaks --server "127.0.0.1:$(world_port b inject)" --from alice@a.test \
    --to 'carol%c.test@b.test' --header "Subject: sanity"
check "...and relays it to carol@c.test (the attack this test guards against)" \
    world_wait_mail c carol 1 20
done_testing
