#!/bin/sh
# ssmpd and the key table: several domains and selectors (KeyTable), the
# key endpoint serving every selector, and rotation by SIGHUP without
# dropping work in flight (the request that started under the old table
# is answered with a receipt of the old selector).  The MTA is smtp-sink,
# with each DATA answer delayed 2 s so a request can be caught in flight.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/ssmpd-lib.sh"

sd_world
sd_sink -w 2
sd_keytable "b.test $SEL b.key" "b2.test k2 n.key"
sd_conf Domain - Selector - KeyFile - KeyTable "$SD_DIR/keytable" \
    MTA "inet:$SD_SINK@127.0.0.1"
$SSMPC allow "$SD_DIR/db" bob@b.test alice@a.test known || bail "allow failed"
sd_start

# The key endpoint names the domain: every key of the table is served.
is "$($SD_CURL "$SD_URL/key/b.test/$SEL")" "$($SSMPC keyrec $SEED_B)" "key endpoint: b.test's $SEL"
is "$($SD_CURL "$SD_URL/key/b2.test/k2")" "$($SSMPC keyrec $SEED_N)" "key endpoint: b2.test's k2"
is "$($SD_CURL -o /dev/null -w '%{http_code}' "$SD_URL/key/b.test/nosuch")" 404 "key endpoint: unknown selector 404"

# The served domains are the key table's.
sd_env alice@a.test bob@b2.test >"$TMP/e.json"
code=$(sd_post envelope "$TMP/e.json")
like "$code $(cat "$TMP/resp")" '^200 .*"to":"bob@b2.test","status":"reject","code":"5.7.1"' \
    "b2.test (second KeyTable domain) is served: policy, not 5.1.2"
sd_env alice@a.test bob@c.test >"$TMP/e.json"
code=$(sd_post envelope "$TMP/e.json")
is "$code $(sd_code)" "403 5.1.2" "c.test (not in the KeyTable): 403 5.1.2"

# deliver N MSGID: envelope + message for bob@b.test; answer in $TMP/resp.
deliver() {
	sd_env alice@a.test bob@b.test "$1" >"$TMP/e.json"
	[ "$(sd_post envelope "$TMP/e.json")" = 200 ] || { echo envelope failed; cat "$TMP/resp"; return 1; }
	sd_mail "$TMP/m.$1" "$2"
	sd_message "$1" "$2" "$TMP/m.$1"
}
N1=$($SSMPC nonce)
is "$(deliver "$N1" '<k1@a.test>')" 200 "delivery under the first table: 200"
like "$($SSMPC receipt $SEED_B <"$TMP/resp")" "^ok b.test $SEL bob@b.test" \
    "receipt signed by $SEL (first line of b.test)"

# Rotation while a delivery is in flight: the request holds the old table.
N2=$($SSMPC nonce)
sd_env alice@a.test bob@b.test "$N2" >"$TMP/e.json"
is "$(sd_post envelope "$TMP/e.json")" 200 "in-flight: envelope accepted"
sd_mail "$TMP/m2" '<k2@a.test>'
sig=$($SSMPC msgsig $SEED_A "$N2" '<k2@a.test>' <"$TMP/m2")
$SD_CURL -o "$TMP/resp2" -w '%{http_code}' -H "SSMP-Msgid: <k2@a.test>" \
    -H "SSMP-Signature: $sig" -H 'Content-Type: message/rfc822' \
    --data-binary "@$TMP/m2" "$SD_URL/message/$N2" >"$TMP/code2" &
cpid=$!
sleep 0.7
sd_keytable "b.test new n.key" "b.test $SEL b.key" "b2.test k2 n.key"
kill -HUP "$(cat "$WORLD/run/ssmpd.pid")"
wait $cpid
is "$(cat "$TMP/code2")" 200 "in-flight request across SIGHUP: 200"
like "$($SSMPC receipt $SEED_B <"$TMP/resp2")" "^ok b.test $SEL bob@b.test" \
    "in-flight request: receipt by the table it started with ($SEL)"
like "$(cat "$WORLD/log/ssmpd.log")" 'reload: domain b.test selector new \(signing\)' \
    "reload logged the new signing selector"

N3=$($SSMPC nonce)
is "$(deliver "$N3" '<k3@a.test>')" 200 "delivery after rotation: 200"
like "$($SSMPC receipt $SEED_N <"$TMP/resp")" "^ok b.test new bob@b.test" \
    "after rotation: receipt signed by the new selector"
is "$($SD_CURL "$SD_URL/key/b.test/new")" "$($SSMPC keyrec $SEED_N)" "key endpoint: new selector served"
is "$($SD_CURL "$SD_URL/key/b.test/$SEL")" "$($SSMPC keyrec $SEED_B)" "key endpoint: old selector still served"

# A broken table on reload changes nothing.
sd_keytable "b.test new n.key" "b.test bad_sel b.key"
kill -HUP "$(cat "$WORLD/run/ssmpd.pid")"; sleep 0.5
like "$(cat "$WORLD/log/ssmpd.log")" 'keytable:2.*keeping the old keys' "bad KeyTable: reload refused, error names FILE:LINE"
is "$($SD_CURL "$SD_URL/key/b.test/$SEL")" "$($SSMPC keyrec $SEED_B)" "bad KeyTable: old table still served"
N4=$($SSMPC nonce)
is "$(deliver "$N4" '<k4@a.test>')" 200 "bad KeyTable: still delivering"
like "$($SSMPC receipt $SEED_N <"$TMP/resp")" "^ok b.test new bob@b.test" "bad KeyTable: still signing with new"
is "$(sd_sink_count)" 4 "four messages reached the MTA"
done_testing
