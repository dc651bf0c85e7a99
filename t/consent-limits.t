#!/bin/sh
# consent-limits.t - what keeps consent requests from becoming a spam
# channel (issue 7): replay refused, pending requests per recipient
# bounded (the oldest of the domain with the most makes room: issue 14,
# t/attack-consent.t), requests per remote domain capped (429 4.7.0,
# Retry-After), nothing recorded for unknown users; and revocation: a revoked key stops being
# accepted when its cache entry expires, at once after `cache flush` and
# ssmpd's SIGHUP (its resolver's memory).
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/consent-lib.sh"
cs_world AllowPendingMax 3 AllowRateDomain 6 MinCacheTTL 1 MaxCacheTTL 10

# --- replay: the same signed request twice
cs_req $SEED_A share alice@a.test bob@b.test >"$TMP/r1"
is "$(cs_post b "$TMP/r1")" 200 "first request: 200"
is "$(cs_allow)" pending "first request: pending"
is "$(cs_post b "$TMP/r1")" 409 "replayed request: 409"
is "$(cs_code)" 5.7.0 "replayed request: 5.7.0"
# a forged one (signed with c.test's key, claiming a.test) changes nothing
cs_req $SEED_C share mallory@a.test bob@b.test >"$TMP/forged"
is "$(cs_post b "$TMP/forged")" 403 "bad signature: 403"
is "$(cs_code)" 5.7.5 "bad signature: 5.7.5"
# an unknown recipient: the same answer, nothing recorded
cs_req $SEED_A share alice@a.test nosuchuser@b.test >"$TMP/r2"
is "$(cs_post b "$TMP/r2")" 200 "unknown user: 200"
is "$(cs_allow)" pending "unknown user: answered pending"
is "$(cs_ctl b allow pending --all nosuchuser@b.test)" "" "unknown user: nothing recorded"
sed 's/"type":"share"/"type":"bogus"/' "$TMP/r1" >"$TMP/bad"
is "$(cs_post b "$TMP/bad")" 400 "unknown type: 400"
is "$(cs_code)" 5.5.2 "unknown type: 5.5.2"

# --- flood from c.test: frank keeps 3 pending (AllowPendingMax), the
# newest, then 429 from the per-domain hourly budget (6)
codes=""
for i in 1 2 3 4 5 6 7 8; do
	cs_req $SEED_C share "u$i@c.test" frank@b.test >"$TMP/f$i"
	codes="$codes $(cs_post b "$TMP/f$i")"
	cp "$TMP/resp" "$TMP/fresp$i"
done
is "$codes" " 200 200 200 200 200 200 429 429" "[CONS-8] flood: 6 accepted (AllowRateDomain), then 429"
like "$(cat "$TMP/fresp7")" '"code":"4\.7\.0","reason":"too many consent requests from this domain' \
    "7th: refused by AllowRateDomain (4.7.0)"
is "$(cs_ctl b allow pending frank@b.test | wc -l | tr -d ' ')" 3 "frank has exactly 3 pending requests"
is "$(cs_ctl b allow pending frank@b.test | grep -o 'u[0-9]@c.test' | sort | tr '\n' ' ')" \
    "u4@c.test u5@c.test u6@c.test " "...the newest three: the oldest made room"
hdr=$(curl -sS -D - -o /dev/null --cacert "$WORLD_CA" \
    --resolve "ssmp.b.test:$(world_port b https):127.0.0.1" -H 'Content-Type: application/json' \
    --data-binary "@$(cs_req $SEED_C share u9@c.test frank@b.test >"$TMP/f9"; echo "$TMP/f9")" \
    "https://ssmp.b.test:$(world_port b https)/.well-known/ssmp/v1/allow")
like "$hdr" 'Retry-After: [0-9]+' "429 carries Retry-After"
# another domain is not affected by c.test's flood
cs_req $SEED_A share alice@a.test carol@b.test >"$TMP/r3"
is "$(cs_post b "$TMP/r3")" 200 "a.test still served during c.test's flood"

# --- revocation: a.test publishes p= empty
# a_key RECORD: publish RECORD as a.test's key record.
a_key() {
	world_dns_del a.test "^$SEL._ssmpkey.a.test"
	world_dns_add a.test "$(_cs_rec $SEL._ssmpkey.a.test "$1")"
	world_dns_reload || bail "DNS reload failed"
}
# The key was cached by an earlier request, maybe close to MaxCacheTTL
# ago: flush it, so the fetch below starts the 10 s from t0.
cs_ctl b cache flush a.test >/dev/null || bail "cache flush failed"
t0=$(date +%s)
cs_req $SEED_A share alice@a.test dave@b.test >"$TMP/k1"
is "$(cs_post b "$TMP/k1")" 200 "before revocation: 200 (key cached)"
a_key "v=SSMP1; k=ed25519; p="
cs_req $SEED_A share alice@a.test eve@b.test >"$TMP/k2"
code=$(cs_post b "$TMP/k2")
if [ $(($(date +%s) - t0)) -lt 9 ]; then
	is "$code" 200 "revoked in DNS, still cached: accepted until the cache expires"
else
	ok "# SKIP DNS reload too slow to see the cached key"
fi
while [ $(($(date +%s) - t0)) -le 11 ]; do sleep 1; done
cs_req $SEED_A share alice@a.test eve@b.test >"$TMP/k3"
is "$(cs_post b "$TMP/k3")" 403 "after the cache expiry (MaxCacheTTL 10): 403"
is "$(cs_code)" 5.7.5 "revoked key: 5.7.5"
like "$(cat "$TMP/resp")" 'revoked' "the answer says revoked"
t1=$(date +%s)	# the revocation is cached from here for 10 s

# cache flush: the new key (rotation back) is seen at once
a_key "$($SSMPC keyrec $SEED_A)"
cs_req $SEED_A share alice@a.test eve@b.test >"$TMP/k4"
code=$(cs_post b "$TMP/k4")
if [ $(($(date +%s) - t1)) -lt 9 ]; then
	is "$code" 403 "republished key: still refused (revocation cached)"
else
	ok "# SKIP DNS reload too slow to see the cached revocation"
fi
is "$(cs_ctl b cache list | grep -c '^a.test s2026 key revoked')" 0 \
    "the revocation is not written to b.test's key cache (only verified keys are)"
# hup_b: ssmpd b starts its resolver afresh (the revocation is in its memory)
hup_b() {
	n=$(grep -c 'reloaded' "$WORLD/log/sd-b.log")
	kill -HUP "$(cat "$WORLD/run/sd-b.pid")" || return 1
	i=0
	while [ "$(grep -c reloaded "$WORLD/log/sd-b.log")" -le "$n" ]; do
		i=$((i + 1)); [ $i -lt 50 ] || return 1; sleep 0.1
	done
}
check "ssmpctl cache flush a.test" cs_ctl b cache flush a.test
check "SIGHUP: ssmpd b's resolver starts afresh" hup_b
cs_req $SEED_A share alice@a.test eve@b.test >"$TMP/k5"
is "$(cs_post b "$TMP/k5")" 200 "after cache flush: the published key is used at once"
# and the other way: revoke again, flush, refused at once
a_key "v=SSMP1; k=ed25519; p="
check "ssmpctl cache flush a.test (after revoking)" cs_ctl b cache flush a.test
check "SIGHUP (after revoking)" hup_b
cs_req $SEED_A share alice@a.test eve@b.test >"$TMP/k6"
is "$(cs_post b "$TMP/k6")" 403 "revoked + cache flush: refused at once"
is "$(cs_code)" 5.7.5 "revoked + cache flush: 5.7.5"
done_testing
