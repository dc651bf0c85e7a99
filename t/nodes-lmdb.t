#!/bin/sh
# The story of t/nodes-pg.t on one ssmpd with its LMDB Database (no
# SharedDatabase): what two nodes share there, one node keeps across
# its own crash (no regression of the embedded default).
#   - an envelope accepted and replayed: refused;
#   - the node crashes after handing a message to its MTA, before it
#     answers; restarted on the same Database, the retry is not
#     delivered (the dead process's claim: outcome unknown at once), the
#     postmaster resolves it, and bob has one copy;
#   - a share request taken is accepted by bob, and the node then takes
#     the requester's mail.
# Real nsd, TLS, Postfix and LMDB.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/nodes-lib.sh"

nd_world lmdb
echo after >"$ND_PX/mode"	# see t/nodes-pg.t
nd_start 1

is "$(nd_env 1 alice@a.test) $(sd_code)" "200 2.0.0" "envelope accepted"
cp "$TMP/env.json" "$TMP/e1.json"
is "$(nd_post 1 "$TMP/e1.json" envelope) $(sd_code)" "409 5.7.0" \
    "the same envelope again: refused as a replay"

nd_t_crash 1
like "$(nd_ctl 1 log show --role received)" 'bob@b.test <crash@a.test> delivering' \
    "...its claim: delivering"
nd_start 2		# the same node again, on the same Database
nd_t_unknown 2 "$(hostname)"
nd_t_resolved 2
nd_t_consent 2 2
done_testing
