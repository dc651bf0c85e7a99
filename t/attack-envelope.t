#!/bin/sh
# Attacks on the identity and lifecycle of an accepted envelope (issue 14
# items 2 and 14), against a real ssmpd over TLS with nsd and Postfix:
#
#  - two sender domains racing one nonce: a.test's message is uploading
#    when m.a.test (a signed stranger: anyone can publish a key) sends an
#    envelope with the same nonce.  The second envelope must be refused
#    (409 5.7.0), and a.test's upload must finish as a.test's message; the
#    code before the fix replaced the entry in use (ASan: use-after-free
#    in handoff_start);
#  - one envelope, one message: a repeat of the delivered message on its
#    nonce is answered from the delivered-log (original receipt, no second
#    copy); any other message on that nonce is refused with 404 4.5.0,
#    also after the recipient blocked the sender.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/ssmpd-lib.sh"
only_in_pass san

sd_world
sd_conf UnknownSender tag
$SSMPC allow "$SD_DIR/db" bob@b.test alice@a.test known || bail "allow failed"
sd_start
pid=$(cat "$WORLD/run/ssmpd.pid")

# ---- two sender domains, one nonce --------------------------------------
N=$($SSMPC nonce)
sd_env alice@a.test bob@b.test "$N" >"$TMP/e1.json"
is "$(sd_post envelope "$TMP/e1.json")" 200 "a.test's envelope accepted"
{ printf 'From: alice@a.test\r\nTo: bob@b.test\r\nSubject: race\r\nMessage-ID: <race@a.test>\r\n\r\n'
  i=0; while [ $i -lt 2000 ]; do printf 'line %d of the race body\r\n' $i; i=$((i + 1)); done; } >"$TMP/m1"
sd_slow_message "$N" '<race@a.test>' "$TMP/m1" 2 "$TMP/slow.ans" &
slow=$!
sleep 1	# the upload is under way, the envelope held by it
$SSMPC envelope $SEED_N $SEL mallory@m.a.test bob@b.test "$N" >"$TMP/e2.json"
code=$(sd_post envelope "$TMP/e2.json")
is "$code $(sd_code)" "409 5.7.0" "m.a.test's envelope with the same nonce: 409 5.7.0"
like "$(cat "$TMP/resp")" 'nonce already in use' "...the reason names the nonce in use"
wait $slow
like "$(head -1 "$TMP/slow.ans")" '^HTTP/1.1 200 ' "a.test's upload finishes: 200"
world_wait_mail b bob 1 10
m=$(world_maildir_last b bob)
like "$(grep -i '^Authentication-Results:' "$m")" 'smtp.mailfrom=alice@a.test' \
    "delivered as a.test's message"
is "$(grep -c 'mallory' "$m")" 0 "nothing of m.a.test's envelope in it"
check "ssmpd is still running" kill -0 "$pid"
# m.a.test's message on the nonce: verified with a.test's key, refused
sd_mail "$TMP/m2" '<mallory@m.a.test>'
code=$(sd_message "$N" '<mallory@m.a.test>' "$TMP/m2" "$SEED_N")
like "$code $(sd_code)" '^(403 5\.7\.7|404 4\.5\.0)$' "m.a.test's message on that nonce refused ($code)"

# ---- one envelope, one message ------------------------------------------
N=$($SSMPC nonce)
sd_env alice@a.test bob@b.test "$N" >"$TMP/e.json"
is "$(sd_post envelope "$TMP/e.json")" 200 "envelope accepted"
sd_mail "$TMP/m" '<one@a.test>'
is "$(sd_message "$N" '<one@a.test>' "$TMP/m")" 200 "its message: 200"
cp "$TMP/resp" "$TMP/first"
world_wait_mail b bob 2 10
is "$(sd_message "$N" '<one@a.test>' "$TMP/m")" 200 "the same message again: 200"
like "$(cat "$TMP/resp")" 'already delivered' "...already delivered"
is "$(sed -n 's/.*"receipt":\({.*}\).*/\1/p' "$TMP/resp")" \
    "$(sed -n 's/.*"receipt":\({.*}\).*/\1/p' "$TMP/first")" "...with the original receipt"
for i in 2 3 4 5; do
	sd_mail "$TMP/m$i" "<other$i@a.test>"
	code=$(sd_message "$N" "<other$i@a.test>" "$TMP/m$i")
	is "$code $(sd_code)" "404 4.5.0" "another message ($i) on the used nonce: 404 4.5.0"
done
$SSMPC allow "$SD_DIR/db" bob@b.test alice@a.test blocked || bail "block failed"
sd_mail "$TMP/m6" '<blocked@a.test>'
code=$(sd_message "$N" '<blocked@a.test>' "$TMP/m6")
is "$code $(sd_code)" "404 4.5.0" "after bob blocked alice: 404 4.5.0"
sleep 1
is "$(world_maildir_count b bob)" 2 "bob has exactly two messages"
check "ssmpd is still running" kill -0 "$pid"
done_testing
