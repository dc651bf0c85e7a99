#!/bin/sh
# attack-consent.t - issue 14 item 10, consent lockout: a stranger that
# published a key (c.test) sends bob@b.test 100 signed shares.  Before,
# they filled bob's pending requests and every genuine request got 429
# for 30 days.  Now each requesting domain holds at most
# AllowPendingDomain (10) of a recipient's pending requests, a new
# request takes the place of the oldest rather than being refused, and
# at the recipient's bound (AllowPendingMax, 12 here) the domain holding
# the most gives way.  Real ssmpd over TLS, nsd, Postfix, LMDB.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/consent-lib.sh"
only_in_pass san
cs_world AllowPendingMax 12

# pending DOMAIN: bob's pending requests from DOMAIN.
pending() { cs_ctl b allow pending bob@b.test | grep -c "@$1 share pending"; }

ok200=0
for i in $(seq 1 100); do
	cs_req $SEED_C share "u$i@c.test" bob@b.test >"$TMP/f"
	[ "$(cs_post b "$TMP/f")" = 200 ] && ok200=$((ok200 + 1))
done
is "$ok200" 100 "100 shares from c.test: every one answered 200 (none refused)"
is "$(pending c.test)" 10 "c.test holds 10 of bob's pending requests (AllowPendingDomain)"
like "$(cs_ctl b allow pending bob@b.test | grep -o 'u[0-9]*@c.test' | sort -t u -k2 -n | tr '\n' ' ')" \
    "^u91@c.test u92@c.test .* u100@c.test $" "the newest ten are kept, the oldest gave way"
like "$(cat "$WORLD/log/sd-b.log")" "the pending request of u1@c.test for bob@b.test makes room" \
    "the eviction is logged"

# genuine requests from a.test during the flood
for u in alice alice2 alice3; do
	cs_req $SEED_A share "$u@a.test" bob@b.test >"$TMP/g"
	is "$(cs_post b "$TMP/g")" 200 "$u@a.test: 200 during the flood"
	is "$(cs_allow)" pending "$u@a.test: answered pending"
done
is "$(pending a.test)" 3 "bob sees all three requests from a.test"
is "$(pending c.test)" 9 "at bob's bound (12) the domain with the most (c.test) gave way"
is "$(cs_ctl b allow pending bob@b.test | wc -l | tr -d ' ')" 12 \
    "bob's pending requests stay within AllowPendingMax"

# the flood goes on: it only ever displaces its own requests
cs_req $SEED_C share "u101@c.test" bob@b.test >"$TMP/f"
is "$(cs_post b "$TMP/f")" 200 "c.test's 101st: 200"
is "$(pending a.test)" 3 "a.test's requests are untouched"
is "$(pending c.test)" 9 "c.test still holds 9"

done_testing
