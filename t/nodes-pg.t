#!/bin/sh
# Two ssmpd nodes for b.test, one PostgreSQL 15 (SharedDatabase): the
# guarantees of one host hold across both.  Node 1 and node 2 serve
# ssmp.b.test (two A records) from hosts mx1 and mx2 (UTS namespaces);
# the test is the sender and tries the other address when one fails.
#   - an envelope accepted on node 1 and replayed on node 2 is refused;
#   - node 1 crashes after handing a message to its MTA, before it
#     answers: the retry on node 2 is not delivered (mx1's claim holds
#     while its lease runs, then its outcome is unknown), the postmaster
#     resolves it, and bob has one copy;
#   - a share request made on node 2 is accepted by bob through node 1,
#     and node 2 then takes alice's colleague's mail;
#   - PostgreSQL stopped in the middle of a load: every answer is 4.x.x,
#     nothing is lost, each message is delivered once after it returns.
# Real nsd, TLS, Postfix and PostgreSQL.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/nodes-lib.sh"

nd_world pg
# node 1's MTA is the proxy, which withholds the MTA's answer to the end
# of a message (read as each MTA session starts: set before node 1 is)
echo after >"$ND_PX/mode"
nd_start 1
nd_start 2

# --- replay across nodes
is "$(nd_env 1 alice@a.test) $(sd_code)" "200 2.0.0" "envelope accepted on node 1"
cp "$TMP/env.json" "$TMP/e1.json"
is "$(nd_post 2 "$TMP/e1.json" envelope) $(sd_code)" "409 5.7.0" \
    "the same envelope replayed on node 2: refused as a replay"
is "$(world_pg_psql ssmp "SELECT count(*) FROM ssmp_replay WHERE nonce = '$(nd_nonce)'")" 1 \
    "...its nonce is one record of the shared replay cache"
is "$(nd_msg 2 '<elsewhere@a.test>')" 404 \
    "the message phase goes to the node that accepted the envelope (404 elsewhere)"

# --- crash after the hand-off
nd_t_crash 1
is "$(world_pg_psql ssmp "SELECT outcome, owner_host FROM ssmp_delivered WHERE msgid = '<crash@a.test>'")" \
    "4|mx1" "...its claim: delivering, owned by mx1"
is "$(nd_env 2 alice@a.test)" 200 "retry on node 2: envelope accepted"
is "$(nd_msg 2 '<crash@a.test>') $(sd_code)" "503 4.3.0" \
    "...message: 503 4.3.0 while mx1's lease runs"
like "$(cat "$TMP/resp")" 'in progress.*"delivering":true' \
    "...in progress, \"delivering\":true (no other route)"
world_pg_psql ssmp "UPDATE ssmp_delivered SET time = time - 601 WHERE msgid = '<crash@a.test>'"
nd_t_unknown 2 mx1
nd_t_resolved 2
nd_start 1

# --- consent
nd_t_consent 2 1

# --- PostgreSQL stopped in the middle of a load
N=12
base=$(world_maildir_count b.test bob)
load() {
	local i n tries a
	for i in $(seq 1 $N); do
		n=$((i % 2 + 1)); tries=0
		while :; do
			a=$(nd_send $n "<load$i@a.test>")
			echo "$i $n $a" >>"$TMP/load.log"
			[ "$a" != "200 2.0.0" ] || break
			tries=$((tries + 1)); [ $tries -lt 60 ] || break
			sleep 0.3
		done
	done
}
: >"$TMP/load.log"
load &
lp=$!
check "load: three messages delivered" until_ok 30 sh -c "[ \$(find '$WORLD/mail/b.test/bob/new' -type f | wc -l) -ge $((base + 3)) ]"
world_pg_stop
sleep 3
world_pg_start || bail "PostgreSQL did not restart"
wait $lp
answers=$(wc -l <"$TMP/load.log")
like "$(awk '$4 !~ /^2\.0\.0$/' "$TMP/load.log" | wc -l)" '^[1-9]' \
    "with PostgreSQL down, requests failed ($answers answers in all)"
is "$(awk '$4 !~ /^(2\.0\.0|4\.[0-9]+\.[0-9]+)$/' "$TMP/load.log")" "" \
    "...every one of them temporarily (4.x.x)"
is "$(awk '$3 == 200 && $4 == "2.0.0"' "$TMP/load.log" | wc -l | tr -d ' ')" $N \
    "after it returned, every message was accepted"
d=""
for i in $(seq 1 $N); do d="$d$(nd_copies "<load$i@a.test>")"; done
is "$d" "$(printf '1%.0s' $(seq 1 $N))" "...and delivered exactly once (nothing lost)"
done_testing
