#!/bin/sh
# ssmpd end to end: a.test's signed envelope and message over real TLS
# into b.test's real Postfix, with a.test's key from a real DNSSEC-signed
# zone; the receipt verifies with b.test's key; a retry is answered with
# the original receipt and delivers nothing more.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/ssmpd-lib.sh"

sd_world
sd_conf
$SSMPC allow "$SD_DIR/db" bob@b.test alice@a.test known || bail "allow failed"
sd_start

NONCE=$($SSMPC nonce)
sd_env alice@a.test bob@b.test "$NONCE" >"$TMP/env.json"
code=$(sd_post envelope "$TMP/env.json")
is "$code" 200 "envelope: HTTP 200"
like "$(cat "$TMP/resp")" '"rcpt":\[\{"to":"bob@b.test","status":"accept","code":"2.1.5"' \
    "envelope: bob accepted (2.1.5)"

printf 'From: alice@a.test\r\nTo: bob@b.test\r\nSubject: e2e\r\nMessage-ID: <e2e-1@a.test>\r\n\r\nHello Bob.\r\n.leading dot\r\n' >"$TMP/msg"
SIG=$($SSMPC msgsig $SEED_A "$NONCE" '<e2e-1@a.test>' <"$TMP/msg")
code=$($SD_CURL -o "$TMP/resp" -w '%{http_code}' -H 'Content-Type: message/rfc822' \
    -H 'SSMP-Msgid: <e2e-1@a.test>' -H "SSMP-Signature: $SIG" \
    --data-binary "@$TMP/msg" "$SD_URL/message/$NONCE")
is "$code" 200 "message: HTTP 200 after the MTA's 250"
like "$(cat "$TMP/resp")" '"reason":"queued as [0-9A-Za-z]+"' "message: reason names the queue id"
cp "$TMP/resp" "$TMP/first"
check "receipt verifies with b.test's key" sh -c "$SSMPC receipt $SEED_B <'$TMP/first'"
world_wait_mail b bob 1 10
is "$(world_maildir_count b bob)" 1 "exactly one message in bob's Maildir"
m=$(world_maildir_last b bob)
like "$(grep -i '^Authentication-Results:' "$m")" 'ssmp.b.test; ssmp=pass smtp.mailfrom=alice@a.test header.s=s2026' \
    "Authentication-Results added"
like "$(grep -i '^SSMP-Trust:' "$m")" '^SSMP-Trust: known' "SSMP-Trust: known"
like "$(grep -c '^\.leading dot' "$m")" '^1$' "dot-stuffing undone by the MTA: line intact"

# Retry with the same msgid: original receipt, no second delivery.
code=$($SD_CURL -o "$TMP/resp" -w '%{http_code}' -H 'Content-Type: message/rfc822' \
    -H 'SSMP-Msgid: <e2e-1@a.test>' -H "SSMP-Signature: $SIG" \
    --data-binary "@$TMP/msg" "$SD_URL/message/$NONCE")
is "$code" 200 "retry: HTTP 200"
like "$(cat "$TMP/resp")" 'already delivered' "retry: says already delivered"
r1=$(sed 's/.*"receipt":\({[^}]*}\).*/\1/' "$TMP/first")
r2=$(sed 's/.*"receipt":\({[^}]*}\).*/\1/' "$TMP/resp")
is "$r2" "$r1" "retry: the original receipt, byte for byte"
sleep 1
is "$(world_maildir_count b bob)" 1 "retry: still exactly one message"
done_testing
