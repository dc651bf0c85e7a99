#!/bin/sh
# ssmpd: every check of the envelope and message phases and every kind of
# bad input gets the status of ssmp.7 and a reason naming the culprit;
# nothing partial reaches the MTA; the server keeps serving.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/ssmpd-lib.sh"

sd_world
sd_conf
$SSMPC allow "$SD_DIR/db" bob@b.test alice@a.test known &&
$SSMPC allow "$SD_DIR/db" carol@b.test '*@a.test' blocked || bail "allow failed"
sd_start

# env_case DESC EXPECT_HTTP EXPECT_CODE REASON_RE: post $TMP/e.json
env_case() {
	code=$(sd_post envelope "$TMP/e.json")
	is "$code $(sd_code)" "$2 $3" "$1: HTTP $2, $3"
	[ -z "$4" ] || like "$(cat "$TMP/resp")" "$4" "$1: reason names it"
}

echo '{"v":1,"time":' >"$TMP/e.json"
env_case "malformed JSON" 400 5.5.2 '"reason":".+"'
sd_env alice@a.test bob@b.test | sed 's/"v":1/"v":2/' >"$TMP/e.json"
env_case "unknown version" 400 5.5.4 'version'
sd_env alice@a.test bob@b.test | sed 's/"sig":"[^"]*"/"sig":"!!notbase64=="/' >"$TMP/e.json"
env_case "bad base64 signature" 400 5.5.2 'sig'
sd_env alice@a.test bob@b.test | sed 's/"from":"alice@a.test"/"from":"alice@@a.test"/' >"$TMP/e.json"
env_case "bad from address" 400 5.5.2 'from'
sd_env alice@a.test bob@b.test "" -400 >"$TMP/e.json"
env_case "time 400 s behind" 403 4.7.0 'behind|window|past'
sd_env alice@a.test bob@b.test "" +400 >"$TMP/e.json"
env_case "time 400 s ahead" 403 4.7.0 'ahead|window|future'
sd_env alice@a.test x@c.test >"$TMP/e.json"
env_case "domain not served" 403 5.1.2 'c.test'
$SSMPC envelope $SEED_B $SEL alice@a.test bob@b.test >"$TMP/e.json"
env_case "wrong signature (other key)" 403 5.7.5 'verif'
$SSMPC envelope $SEED_A old alice@a.test bob@b.test >"$TMP/e.json"
env_case "revoked selector (p= empty)" 403 5.7.5 'revoked'
$SSMPC envelope $SEED_A nosuch alice@a.test bob@b.test >"$TMP/e.json"
env_case "unknown selector" 403 5.7.5 ''
sd_env alice@a.test bob@b.test >"$TMP/e.json"
env_case "valid envelope" 200 2.0.0 ''
env_case "replayed nonce" 409 5.7.0 ''
head -c 70000 /dev/zero | tr '\0' ' ' >"$TMP/e.json"
env_case "oversize envelope (ssmp.7 JSON-1)" 413 5.5.2 ''

# Per-recipient policy: known, blocked, unknown sender (reject mode).
sd_env alice@a.test bob@b.test,carol@b.test,dave@b.test >"$TMP/e.json"
code=$(sd_post envelope "$TMP/e.json")
r=$(cat "$TMP/resp")
like "$r" '"to":"bob@b.test","status":"accept","code":"2.1.5"' "policy: known sender accepted"
like "$r" '"to":"carol@b.test","status":"reject","code":"5.7.1"' "policy: blocked sender 5.7.1"
like "$r" '"to":"dave@b.test","status":"reject","code":"5.7.1","reason":"[^"]*allow' \
    "policy: unknown sender rejected (UnknownSender reject)"

# Message phase errors.
sd_mail "$TMP/m" '<m1@a.test>'
N=$($SSMPC nonce)
code=$(sd_message "$N" '<m1@a.test>' "$TMP/m")
is "$code $(sd_code)" "404 4.5.0" "message: unknown nonce 404 4.5.0"
sd_env alice@a.test bob@b.test "$N" >"$TMP/e.json"; sd_post envelope "$TMP/e.json" >/dev/null
sig=$($SSMPC msgsig $SEED_A "$N" '<m1@a.test>' <"$TMP/m")
printf 'tampered\r\n' >>"$TMP/m"
code=$($SD_CURL -o "$TMP/resp" -w '%{http_code}' -H "SSMP-Msgid: <m1@a.test>" \
    -H 'Content-Type: message/rfc822' -H "SSMP-Signature: $sig" --data-binary "@$TMP/m" "$SD_URL/message/$N")
is "$code $(sd_code)" "403 5.7.7" "message: body not matching its signature 403 5.7.7"
code=$($SD_CURL -o "$TMP/resp" -w '%{http_code}' -H "SSMP-Signature: $sig" \
    -H 'Content-Type: message/rfc822' --data-binary "@$TMP/m" "$SD_URL/message/$N")
is "$code $(sd_code)" "400 5.5.2" "message: missing SSMP-Msgid 400"
like "$(cat "$TMP/resp")" 'SSMP-Msgid' "message: reason names SSMP-Msgid"
is "$(world_maildir_count b bob)" 0 "nothing delivered by the failed requests"

# HTTP framing.
printf 'POST /.well-known/ssmp/v1/envelope HTTP/1.1\r\nHost: ssmp.b.test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' >"$TMP/raw"
like "$(sd_raw "$TMP/raw" | head -1)" '^HTTP/1.1 400' "both Content-Length and Transfer-Encoding: 400"
like "$(sd_raw "$TMP/raw" | tail -1)" 'both Content-Length and Transfer-Encoding' "...reason says so"
printf 'POST /.well-known/ssmp/v1/envelope HTTP/1.1\r\nHost: ssmp.b.test\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' >"$TMP/raw"
like "$(sd_raw "$TMP/raw" | head -1)" '^HTTP/1.1 411' "chunked body refused: 411"
printf 'GET /nope HTTP/1.1\r\nHost: ssmp.b.test\r\nConnection: close\r\n\r\n' >"$TMP/raw"
r=$(sd_raw "$TMP/raw")
like "$r" '^HTTP/1.1 404' "unknown path: 404"
like "$r" '"code":"5.5.1"' "unknown path: 5.5.1"
printf 'GET /.well-known/ssmp/v1/envelope HTTP/1.1\r\nHost: ssmp.b.test\r\nConnection: close\r\n\r\n' >"$TMP/raw"
like "$(sd_raw "$TMP/raw" | head -1)" '^HTTP/1.1 405' "wrong method: 405"
{ printf 'GET /x HTTP/1.1\r\nHost: ssmp.b.test\r\n'; head -c 20000 /dev/zero | tr '\0' 'a'; printf '\r\n\r\n'; } >"$TMP/raw"
like "$(sd_raw "$TMP/raw" | head -1)" '^HTTP/1.1 400' "header section over 16 KiB: 400 (ssmp.7 HTTP-6)"
# The deadline runs from accept; on a loaded machine the TLS handshake can
# eat it and the connection is then (rightly) dropped as idle with no
# answer.  An empty answer earns another try (up to four: a CI machine
# running the sanitizer build beside this one saw two slow handshakes in
# a row); a wrong answer does not.
for try in 1 2 3 4; do
	t0=$(date +%s.%N)
	r=$( (printf 'POST /.well-known/ssmp/v1/envelope HTTP/1.1\r\nHost: ssmp.b.test\r\n'; sleep 6) |
	    timeout 15 openssl s_client -quiet -connect "127.0.0.1:$SD_PORT" -CAfile "$WORLD_CA" 2>"$TMP/slow.err")
	[ -n "$r" ] && break
	# what the next one to meet this needs to see (seen once in CI,
	# four empty tries in a row, never reproduced under load)
	diag "slow client: no answer on try $try after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s (handshake slower than ReadTimeout?); load $(cut -d' ' -f1-3 /proc/loadavg)"
	diag "s_client: $(tail -2 "$TMP/slow.err" | tr '\n' ' ')"
	diag "ssmpd: $(tail -3 "$WORLD/log/ssmpd.log" | tr '\n' ' ')"
done
like "$r" '^HTTP/1.1 408' "slow client (head never finished): 408"
like "$r" '"code":"4.4.2"' "slow client: temporary 4.4.2"
printf 'POST /.well-known/ssmp/v1/envelope HTTP/1.1\r\nHost: ssmp.b.test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"v":1' >"$TMP/raw"
timeout 10 openssl s_client -connect "127.0.0.1:$SD_PORT" -CAfile "$WORLD_CA" <"$TMP/raw" >/dev/null 2>&1
sleep 0.5
like "$(cat "$WORLD/log/ssmpd.log")" 'body truncated at 6 of 100 octets' "truncated body: logged, dropped"
printf 'garbage that is not TLS\r\n\r\n' | timeout 5 nc -q1 127.0.0.1 "$SD_PORT" >/dev/null 2>&1
check "still serving after TLS garbage" $SD_CURL -f -o /dev/null "$SD_URL/key/b.test/$SEL"

# Key endpoint, admin endpoints.
$SD_CURL -D "$TMP/hdr" -o "$TMP/key" "$SD_URL/key/b.test/$SEL"
is "$(cat "$TMP/key")" "$($SSMPC keyrec $SEED_B)" "key endpoint serves b.test's key record"
like "$(cat "$TMP/hdr")" 'Cache-Control: max-age=[0-9]+' "key endpoint: Cache-Control max-age"
is "$($SD_CURL -o /dev/null -w '%{http_code}' "$SD_URL/key/b.test/nosuch")" 404 "unknown selector: 404"
is "$(curl -s "http://127.0.0.1:$SD_ADMIN/healthz")" ok "healthz: ok"
like "$(curl -s "http://127.0.0.1:$SD_ADMIN/metrics")" 'ssmpd_envelopes_accepted_total [1-9]' "metrics: counts accepted envelopes"

# One-shot: a rejected envelope is answered instead of 100 Continue.
$SSMPC envelope $SEED_B $SEL alice@a.test bob@b.test | $SSMPC b64url >"$TMP/hdr64"
head -c 200000 /dev/zero >"$TMP/big"
$SD_CURL -v -o "$TMP/resp" -H 'Content-Type: message/rfc822' -H 'Expect: 100-continue' -H "SSMP-Envelope: $(cat "$TMP/hdr64")" \
    -H 'SSMP-Msgid: <os0@a.test>' -H "SSMP-Signature: $sig" --data-binary "@$TMP/big" \
    "$SD_URL/deliver" 2>"$TMP/v"
is "$(grep -c '< HTTP/1.1 100' "$TMP/v")" 0 "one-shot, bad envelope: no 100 Continue"
like "$(grep '< HTTP/1.1' "$TMP/v")" '403' "one-shot, bad envelope: 403 before the body"
is "$(sd_code)" 5.7.5 "one-shot, bad envelope: 5.7.5"
N=$($SSMPC nonce)
sd_env alice@a.test bob@b.test "$N" | $SSMPC b64url >"$TMP/hdr64"
sd_mail "$TMP/m" '<os1@a.test>'
sig=$($SSMPC msgsig $SEED_A "$N" '<os1@a.test>' <"$TMP/m")
$SD_CURL -v -o "$TMP/resp" -H 'Content-Type: message/rfc822' -H 'Expect: 100-continue' -H "SSMP-Envelope: $(cat "$TMP/hdr64")" \
    -H 'SSMP-Msgid: <os1@a.test>' -H "SSMP-Signature: $sig" --data-binary "@$TMP/m" \
    "$SD_URL/deliver" 2>"$TMP/v"
like "$(grep '< HTTP/1.1' "$TMP/v" | tr '\n' ' ')" '100 Continue.*200' "one-shot: 100 Continue, then 200"
check "one-shot: receipt verifies" sh -c "$SSMPC receipt $SEED_B <'$TMP/resp'"
world_wait_mail b bob 1 10
is "$(world_maildir_count b bob)" 1 "one-shot: delivered once"

# MTA down: 503 temporary; MTA back: the same request delivers, once.
N=$($SSMPC nonce)
sd_env alice@a.test bob@b.test "$N" >"$TMP/e.json"; sd_post envelope "$TMP/e.json" >/dev/null
sd_mail "$TMP/m" '<down@a.test>'
world_postfix_stop b
code=$(sd_message "$N" '<down@a.test>' "$TMP/m")
is "$code $(sd_code)" "503 4.3.0" "MTA down: 503 4.3.0"
world_postfix_start b "$(world_port b smtp)" "$(world_port b inject)" || bail "postfix restart"
code=$(sd_message "$N" '<down@a.test>' "$TMP/m")
is "$code $(sd_code)" "200 2.0.0" "MTA back: the retry is accepted"
world_wait_mail b bob 2 10
sleep 1
is "$(world_maildir_count b bob)" 2 "MTA back: exactly one more delivery"

# UnknownSender tag; unknown recipient from the MTA.
sd_stop
sd_conf UnknownSender tag
sd_start
sd_env alice@a.test dave@b.test,nosuch@b.test >"$TMP/e.json"
code=$(sd_post envelope "$TMP/e.json")
r=$(cat "$TMP/resp")
like "$r" '"to":"dave@b.test","status":"accept"' "tag: unknown sender accepted"
like "$r" '"to":"nosuch@b.test","status":"reject","code":"5.1.1"' "unknown recipient: 5.1.1 from the MTA"
N=$(sed 's/.*"nonce":"\([^"]*\)".*/\1/' "$TMP/e.json")
sd_mail "$TMP/m" '<tag@a.test>'
code=$(sd_message "$N" '<tag@a.test>' "$TMP/m")
is "$code" 200 "tag: message accepted"
world_wait_mail b dave 1 10
like "$(grep -i '^SSMP-Trust:' "$(world_maildir_last b dave)")" 'unknown' "tag: SSMP-Trust: unknown"

# SIGHUP reloads and keeps serving; per-client rate limit.
kill -HUP "$(cat "$WORLD/run/ssmpd.pid")"; sleep 0.5
like "$(cat "$WORLD/log/ssmpd.log")" 'reloaded' "SIGHUP: reloaded"
check "SIGHUP: still serving" $SD_CURL -f -o /dev/null "$SD_URL/key/b.test/$SEL"
sd_stop
sd_conf RateLimitClient 2
sd_start
sd_env alice@a.test bob@b.test >"$TMP/e.json"; sd_post envelope "$TMP/e.json" >/dev/null
sd_env alice@a.test bob@b.test >"$TMP/e.json"; sd_post envelope "$TMP/e.json" >/dev/null
sd_env alice@a.test bob@b.test >"$TMP/e.json"
code=$(sd_post envelope "$TMP/e.json" -D "$TMP/hdr")
is "$code $(sd_code)" "429 4.7.0" "third request in a minute (RateLimitClient 2): 429 4.7.0"
like "$(cat "$TMP/hdr")" 'Retry-After: [0-9]+' "rate limit: Retry-After"
done_testing
