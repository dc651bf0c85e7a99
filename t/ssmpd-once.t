#!/bin/sh
# ssmpd hands each message to the MTA at most once per recipient, even
# when the delivered-log cannot be written after the MTA's 250 (the LMDB
# map is filled by another process while the MTA delays its answer to
# the end of data):
# the first answer is 2xx, a retry is a temporary error that says the
# outcome is unknown, and nothing is delivered twice.  Also: a second
# request for a message being delivered now waits (4.x); a "delivering"
# record that cannot be written means the final "." is never sent, so
# the MTA discards the message.  MTA: smtp-sink, end of data answered
# after 3 s.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/ssmpd-lib.sh"

sd_world
sd_sink -W .:3
MAP=1048576
export SSMPC_MAPSIZE=$MAP
sd_conf MTA "inet:$SD_SINK@127.0.0.1" MapSize $MAP
$SSMPC allow "$SD_DIR/db" bob@b.test alice@a.test known || bail "allow failed"
sd_start

# envelope NONCE: accepted envelope for bob.
envelope() {
	sd_env alice@a.test bob@b.test "$1" >"$TMP/e.json"
	[ "$(sd_post envelope "$TMP/e.json")" = 200 ] || bail "envelope $1 refused: $(cat "$TMP/resp")"
}
# message NONCE MSGID OUT: message phase, answer in OUT, HTTP code in OUT.code
message() {
	sd_mail "$TMP/m.$1" "$2"
	sig=$($SSMPC msgsig $SEED_A "$1" "$2" <"$TMP/m.$1")
	$SD_CURL -o "$3" -w '%{http_code}' -H "SSMP-Msgid: $2" -H "SSMP-Signature: $sig" \
	    -H 'Content-Type: message/rfc822' --data-binary "@$TMP/m.$1" \
	    "$SD_URL/message/$1" >"$3.code"
}
code_of() { sed -n 's/^{"v":1,"status":"[a-z]*","code":"\([0-9.]*\)".*/\1/p' "$1"; }

N1=$($SSMPC nonce); N2=$($SSMPC nonce); N3=$($SSMPC nonce); N4=$($SSMPC nonce)
envelope "$N1"; envelope "$N2"; envelope "$N3"; envelope "$N4"

# Two requests for one message at once: the second waits, delivers nothing.
message "$N2" '<busy@a.test>' "$TMP/r2" &
p2=$!
sleep 1
message "$N3" '<busy@a.test>' "$TMP/r3"
is "$(cat "$TMP/r3.code") $(code_of "$TMP/r3")" "503 4.3.0" "same msgid while it is being delivered: 503 4.3.0"
like "$(cat "$TMP/r3")" 'in progress' "...reason: in progress"
like "$(cat "$TMP/r3")" '"delivering":true' '...marked "delivering":true (no other route)'
wait $p2
is "$(cat "$TMP/r2.code") $(code_of "$TMP/r2")" "200 2.0.0" "the first request: 200 2.0.0"
message "$N3" '<busy@a.test>' "$TMP/r3"
is "$(cat "$TMP/r3.code")" 200 "the second, retried after the first finished: 200"
like "$(cat "$TMP/r3")" 'already delivered' "...already delivered"
is "$(sd_sink_count)" 1 "one copy at the MTA"

# The delivered-log fills up while the MTA holds the message.
message "$N1" '<full@a.test>' "$TMP/r1" &
p1=$!
sleep 1
n=$(SSMPC_HOLD=30 $SSMPC fill "$SD_DIR/db")
like "$n" '^[0-9]+$' "map filled by another process ($n entries)"
wait $p1
is "$(cat "$TMP/r1.code") $(code_of "$TMP/r1")" "200 2.0.0" "MTA accepted, delivered-log write failed: still 200 2.0.0"
check "...with a receipt that verifies" sh -c "$SSMPC receipt $SEED_B <'$TMP/r1'"
like "$(cat "$WORLD/log/ssmpd.log")" "delivered-log for <bob@b.test> after the MTA's 250: .*never delivered twice" \
    "...logged loudly"
is "$(sd_sink_count)" 2 "two messages at the MTA so far"

message "$N1" '<full@a.test>' "$TMP/r1"
is "$(cat "$TMP/r1.code") $(code_of "$TMP/r1")" "503 4.3.0" "retry: temporary 503 4.3.0, not delivered"
like "$(cat "$TMP/r1")" 'outcome of an earlier delivery unknown' "retry: reason says the outcome is unknown"
like "$(cat "$TMP/r1")" '"delivering":true' 'retry: marked "delivering":true'
like "$(cat "$WORLD/log/ssmpd.log")" 'msgid=<full@a.test> to=<bob@b.test>: the outcome of delivery attempt .* is unknown; NOT delivering again' \
    "retry: logged loudly"

# A new message while the map is full: "delivering" cannot be written.
message "$N4" '<new@a.test>' "$TMP/r4"
is "$(cat "$TMP/r4.code") $(code_of "$TMP/r4")" "500 4.3.0" "[ENV-8] delivered-log full before the MTA: 500 4.3.0"
like "$(cat "$TMP/r4")" 'delivered-log unavailable' "...reason names the delivered-log"
sleep 1
is "$(sd_sink_count)" 2 "nothing more reached the MTA"

# The map full of other stores' data does not stop replay writes: the
# replay cache has its own map (issue 14), so a new envelope is still
# checked against replays and accepted, and its replay is still refused.
N5=$($SSMPC nonce)
sd_env alice@a.test bob@b.test "$N5" >"$TMP/e5.json"
is "$(sd_post envelope "$TMP/e5.json")" 200 "map full: a new envelope is still accepted"
is "$(sd_post envelope "$TMP/e5.json")" 409 "map full: its replay is still refused (409)"
check "still serving" $SD_CURL -f -o /dev/null "$SD_URL/key/b.test/$SEL"
done_testing
