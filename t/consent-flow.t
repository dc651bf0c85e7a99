#!/bin/sh
# consent-flow.t - the consent handshake between a.test and b.test end to
# end (issue 7): share pending -> shared with both allow-lists checked,
# signup -> subscribed -> the list's mail reaches alice through a.test's
# ssmpd and Postfix, a withdrawal, and the consent API on the admin port.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/consent-lib.sh"
cs_world

# --- share: alice asks first, bob has not allowed her: pending
out=$(cs_ctl a allow request alice@a.test bob@b.test 2>&1)
is "$?" 0 "allow request alice -> bob: exit 0"
like "$out" '^requested alice@a.test bob@b.test: sent \(b.test answered 2\.0\.0 ' \
    "request: b.test answered, pair waits (sent)"
like "$(cs_ctl a allow list alice@a.test)" '^alice@a.test bob@b.test known handshake ' \
    "a.test: alice allows bob (known, origin handshake)"
like "$(cs_ctl b allow pending bob@b.test)" '^bob@b.test alice@a.test share pending ' \
    "b.test: a pending share for bob from alice"
is "$(cs_ctl b allow list bob@b.test)" "" "b.test: bob's allow-list untouched"
like "$(cat "$WORLD/log/sd-b.log")" 'allow share from=<alice@a.test> to=<bob@b.test>: accept 2\.0\.0 .* allow=pending' \
    "b.test ssmpd logged the pending share"

# --- bob accepts: b.test allows alice and sends its own share: shared
out=$(cs_ctl b allow accept bob@b.test alice@a.test 2>&1)
is "$?" 0 "allow accept bob <- alice: exit 0"
like "$out" '^accepted bob@b.test alice@a.test: shared \(a.test answered 2\.0\.0 ' \
    "accept: a.test answered shared"
like "$(cs_ctl b allow list bob@b.test)" '^bob@b.test alice@a.test known handshake ' \
    "b.test: bob allows alice"
like "$(cs_ctl a allow list alice@a.test)" '^alice@a.test bob@b.test known handshake ' \
    "a.test: alice still allows bob"
like "$(cs_ctl a allow pending --all alice@a.test)" '^alice@a.test bob@b.test share shared ' \
    "a.test: the pair is shared"
like "$(cs_ctl b allow pending --all bob@b.test)" '^bob@b.test alice@a.test share shared ' \
    "b.test: the pair is shared"
is "$(cs_ctl b allow pending bob@b.test)" "" "b.test: nothing pending for bob any more"
check_fails "accept again: no pending request" cs_ctl b allow accept bob@b.test alice@a.test

# --- signup: alice subscribes to bobsweekly@b.test
cs_env() { $SSMPC envelope $SEED_B $SEL bobsweekly@b.test alice@a.test "$1"; }
N1=$($SSMPC nonce); cs_env "$N1" >"$TMP/env1"
curl -sS --cacert "$WORLD_CA" --resolve "ssmp.a.test:$(world_port a https):127.0.0.1" \
    -o "$TMP/resp" -H 'Content-Type: application/json' --data-binary "@$TMP/env1" \
    "https://ssmp.a.test:$(world_port a https)/.well-known/ssmp/v1/envelope"
like "$(cat "$TMP/resp")" '"to":"alice@a.test","status":"reject","code":"5\.7\.1"' \
    "before signup: the list's envelope to alice is refused (5.7.1)"
out=$(cs_ctl a allow request alice@a.test bobsweekly@b.test --signup 2>&1)
is "$?" 0 "allow request --signup: exit 0"
like "$out" '^requested alice@a.test bobsweekly@b.test: subscribed \(b.test answered 2\.0\.0 ' \
    "signup: subscribed"
like "$(cs_ctl b allow pending --all bobsweekly@b.test)" '^bobsweekly@b.test alice@a.test signup subscribed ' \
    "b.test recorded the subscription"
like "$(cs_ctl a allow list alice@a.test)" 'alice@a.test bobsweekly@b.test known handshake' \
    "a.test: alice allows the list"
out=$(cs_ctl a allow request alice@a.test bob@b.test --signup 2>&1)
is "$?" 69 "signup to a non-list address: exit 69"
like "$out" 'b.test answered 5\.7\.1 not a list address' "refusal names the reason"

# the list mails alice: envelope and message into a.test's Postfix
N2=$($SSMPC nonce); cs_env "$N2" >"$TMP/env2"
curl -sS --cacert "$WORLD_CA" --resolve "ssmp.a.test:$(world_port a https):127.0.0.1" \
    -o "$TMP/resp" -H 'Content-Type: application/json' --data-binary "@$TMP/env2" \
    "https://ssmp.a.test:$(world_port a https)/.well-known/ssmp/v1/envelope"
like "$(cat "$TMP/resp")" '"to":"alice@a.test","status":"accept"' "after signup: envelope accepted"
printf 'From: bobsweekly@b.test\r\nTo: alice@a.test\r\nSubject: Weekly 1\r\nMessage-ID: <w1@b.test>\r\n\r\nThis week.\r\n' >"$TMP/msg"
SIG=$($SSMPC msgsig $SEED_B "$N2" '<w1@b.test>' <"$TMP/msg")
code=$(curl -sS --cacert "$WORLD_CA" --resolve "ssmp.a.test:$(world_port a https):127.0.0.1" \
    -o "$TMP/resp" -w '%{http_code}' -H 'Content-Type: message/rfc822' \
    -H 'SSMP-Msgid: <w1@b.test>' -H "SSMP-Signature: $SIG" --data-binary "@$TMP/msg" \
    "https://ssmp.a.test:$(world_port a https)/.well-known/ssmp/v1/message/$N2")
is "$code" 200 "list message: HTTP 200 after a.test's MTA took it"
check "alice@a.test got the list message" world_wait_mail a alice 1 15
m=$(world_maildir_last a alice)
like "$(grep -i '^Subject:' "$m")" 'Weekly 1' "it is the list's message"
like "$(grep -i '^SSMP-Trust:' "$m")" '^SSMP-Trust: known' "delivered with SSMP-Trust: known"

# --- withdrawal: alice removes bob; b.test marks the pair withdrawn
out=$(cs_ctl a allow del alice@a.test bob@b.test 2>&1)
is "$?" 0 "allow del alice bob: exit 0"
like "$out" '^deleted alice@a.test bob@b.test \(withdrawal sent: 2\.0\.0 ' "[CONS-13] withdrawal sent"
is "$(cs_ctl a allow list alice@a.test | grep -c ' bob@b.test ')" 0 "a.test: bob gone from alice's list"
is "$(cs_ctl a allow pending --all alice@a.test | grep -c ' bob@b.test ')" 0 "a.test: consent record gone"
like "$(cs_ctl b allow pending --all bob@b.test)" '^bob@b.test alice@a.test share withdrawn ' \
    "b.test: the pair is withdrawn"
like "$(cs_ctl b allow list bob@b.test)" '^bob@b.test alice@a.test known ' \
    "b.test: bob's own entry is not changed by a remote request"
like "$(cat "$WORLD/log/sd-b.log")" 'allow withdraw from=<alice@a.test> to=<bob@b.test>: accept 2\.0\.0 .* allow=withdrawn' \
    "b.test logged the withdrawal"
# a plain local entry: deleted without a withdrawal
cs_ctl a allow add alice@a.test '*@c.test' >/dev/null
is "$(cs_ctl a allow del alice@a.test '*@c.test')" "deleted alice@a.test *@c.test" \
    "allow del of a local pattern: nothing sent"
cs_ctl a allow del alice@a.test carol@c.test >/dev/null 2>&1
is "$?" 66 "allow del of no entry: exit 66"

# --- the consent API (admin listener, bearer token)
is "$(cs_api b pending '{}' wrong-token-wrong-token)" 401 "API: wrong token -> 401"
is "$(cs_api b pending '{}' '')" 401 "API: no token -> 401"
is "$(cs_api b request '{"local":"carol@b.test","remote":"dave@a.test"}')" 200 \
    "API: carol@b.test requests dave@a.test"
like "$(cat "$TMP/resp")" '"state":"sent".*"remote_code":"2\.0\.0"' "API: request sent, pending at a.test"
is "$(cs_api a pending '{"local":"dave@a.test"}')" 200 "API: dave's pending list"
like "$(cat "$TMP/resp")" '"local":"dave@a.test","remote":"carol@b.test","type":"share","state":"pending"' \
    "API: dave sees carol's request"
is "$(cs_api a accept '{"local":"dave@a.test","remote":"carol@b.test","tier":"trusted"}')" 200 \
    "API: dave accepts (trusted)"
like "$(cat "$TMP/resp")" '"state":"shared"' "API: shared"
like "$(cs_ctl a allow list dave@a.test)" '^dave@a.test carol@b.test trusted handshake' \
    "a.test: dave allows carol (trusted)"
like "$(cs_ctl b allow pending --all carol@b.test)" '^carol@b.test dave@a.test share shared' \
    "b.test: carol's pair is shared"
is "$(cs_api a deny '{"local":"dave@a.test","remote":"carol@b.test"}')" 404 \
    "API: deny with nothing pending -> 404"
is "$(cs_api a request '{"local":"dave@a.test"}')" 400 "API: missing remote -> 400"
like "$(cat "$TMP/resp")" "remote" "API: the error names the member"
is "$(cs_api a del '{"local":"dave@a.test","remote":"carol@b.test"}')" 200 "API: del"
like "$(cat "$TMP/resp")" '"sent":true,"remote_code":"2\.0\.0"' "API: del sent a withdrawal"

# --- deny: a pending share is dropped, nothing sent back
cs_req $SEED_A share eve@a.test frank@b.test >"$TMP/r"
is "$(cs_post b "$TMP/r")" 200 "share eve -> frank: 200"
is "$(cs_allow)" pending "pending"
is "$(cs_ctl b allow deny frank@b.test eve@a.test)" "denied frank@b.test eve@a.test" "allow deny"
is "$(cs_ctl b allow pending frank@b.test)" "" "frank: nothing pending"
done_testing
