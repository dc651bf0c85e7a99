#!/bin/sh
# Conformance, receiver side: ssmpd over real TLS against the Python peer
# of t/conformance/ssmp1.py, one check per requirement of ssmp.7, each
# named by its clause ([ENV-4] ...).  The world: nsd serving the sender
# keys (good, revoked, invalid, small-order ...), the test CA, b.test's
# Postfix as the MTA.  t/conformance/README maps clauses to checks.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/conformance/lib.sh"
. "$top_srcdir/t/world/world.sh"
only_in_pass gcc
cf_need

SSMPD=$top_builddir/bridge/ssmpd
[ -x "$SSMPD" ] || bail "bridge/ssmpd not built"
world_init "$TMP/w" || bail "world_init failed"
PA=$($SSMPC keyrec $SEED_A | sed 's/.*p=//')
PN=$($SSMPC keyrec $SEED_N | sed 's/.*p=//')
rec() { world_dns_add "$1" "$2. 300 IN TXT $3"; }
rec a.test s2026._ssmpkey.a.test "\"v=SSMP1; k=ed25519; p=$PA\""
rec a.test old._ssmpkey.a.test '"v=SSMP1; k=ed25519; p="'
# the identity point: a key of small order (SIG-2)
rec a.test small._ssmpkey.a.test '"v=SSMP1; k=ed25519; p=AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="'
rec a.test rsa._ssmpkey.a.test "\"v=SSMP1; k=rsa; p=$PA\""
rec a.test two._ssmpkey.a.test "\"v=SSMP1; k=ed25519; p=$PA\""
rec a.test two._ssmpkey.a.test "\"v=SSMP1; p=$PA\""
rec a.test split._ssmpkey.a.test "\"v=SSMP1; k=ed25519; \" \"p=$PA\""
rec a.test ext._ssmpkey.a.test "\"v=SSMP1; k=ed25519; x_later=yes; p=$PA\""
rec a.test ext._ssmpkey.a.test '"some-site-verification=0123"'
rec a.test late._ssmpkey.a.test "\"k=ed25519; v=SSMP1; p=$PA\""
rec a.test upper._ssmpkey.a.test "\"V=SSMP1; k=ed25519; p=$PA\""
rec a.test dup._ssmpkey.a.test "\"v=SSMP1; k=ed25519; p=$PA; p=$PA\""
rec a.test s2026._ssmpkey.sub.a.test "\"v=SSMP1; k=ed25519; p=$PA\""
rec c.test s2026._ssmpkey.c.test "\"v=SSMP1; k=ed25519; p=$PN\""
world_dns_start || bail "nsd failed"
world_ca_init && world_cert ssmp.b.test >/dev/null || bail "CA failed"
world_postfix_start b "$(world_port b smtp)" "$(world_port b inject)" ||
    bail "postfix b failed"

PORT=$(world_port b https)
D=$WORLD/ssmpd-b
mkdir -p "$D/db"
$SSMPC keyfile $SEED_B >"$D/b.key" && chmod 600 "$D/b.key"
cf_conf() {
	cat >"$D/ssmp.conf" <<EOC
Syslog no
Background no
UserID nobody
Database $D/db
Domain b.test
Selector $SEL
KeyFile $D/b.key
Nameservers 127.0.0.1:$(world_port dns)
TrustAnchorFile $WORLD/dns/anchors.dnskey
Listen inet:$PORT@127.0.0.1
AdminListen inet:$(world_port spare 0)@127.0.0.1
TLSCertificate $WORLD/ca/ssmp.b.test.chain
TLSKey $WORLD/ca/ssmp.b.test.key
MTA inet:$(world_port b inject)@127.0.0.1
Hostname ssmp.b.test
UnknownSender reject
ListAddresses news@b.test
ReadTimeout 5
EOC
	while [ $# -ge 2 ]; do
		grep -v "^$1 " "$D/ssmp.conf" >"$D/ssmp.conf.new"
		mv "$D/ssmp.conf.new" "$D/ssmp.conf"
		[ "$2" = - ] || echo "$1 $2" >>"$D/ssmp.conf"; shift 2
	done
}
cf_start() {
	world_userid "$D/ssmp.conf" || bail "world_userid failed"
	world_spawn ssmpd "$SSMPD" -f -c "$D/ssmp.conf"
	world_wait_port "$PORT" 10 || { cat "$WORLD/log/ssmpd.log"; bail "ssmpd did not start"; }
}
cf_restart() { world_kill ssmpd; cf_conf "$@"; cf_start; }

# Allow-lists (TRUST TIERS): bob knows alice, carol trusts *@a.test,
# dave blocks alice, eve has no entry, frank knows alice; nobody (who
# does not exist) has an entry for alice, so the MTA is asked (TIER-3).
$SSMPC allow "$D/db" bob@b.test alice@a.test known &&
$SSMPC allow "$D/db" carol@b.test '*@a.test' trusted &&
$SSMPC allow "$D/db" dave@b.test alice@a.test blocked &&
$SSMPC allow "$D/db" frank@b.test alice@a.test known &&
$SSMPC allow "$D/db" bob@b.test alice@c.test known &&
$SSMPC allow "$D/db" nobody@b.test alice@a.test known || bail "allow failed"
cf_conf
cf_start

export CF_HOST=ssmp.b.test CF_PORT=$PORT CF_CA=$WORLD_CA
export CF_MAIL=$WORLD/mail/b.test CF_STATE=$TMP/state
cf_run receiver.py main
cf_restart
cf_run receiver.py restarted
cf_restart UnknownSender tag
cf_run receiver.py tag
# IDEM-4: an MTA that takes 3 s to answer the data.
world_spawn sinkw smtp-sink -u postfix -w 3 "127.0.0.1:$(world_port spare 4)" 64 &&
world_wait_port "$(world_port spare 4)" 10 || bail "smtp-sink did not start"
cf_restart MTA "inet:$(world_port spare 4)@127.0.0.1"
cf_run receiver.py slowmta
# MTAs that refuse the data: 4xx, then 5xx (MSG-12)
world_spawn sink4 smtp-sink -u postfix -r data "127.0.0.1:$(world_port spare 2)" 64 &&
world_spawn sink5 smtp-sink -u postfix -f data "127.0.0.1:$(world_port spare 3)" 64 &&
world_wait_port "$(world_port spare 2)" 10 && world_wait_port "$(world_port spare 3)" 10 ||
    bail "smtp-sink did not start"
cf_restart MTA "inet:$(world_port spare 2)@127.0.0.1"
cf_run receiver.py mta4xx
cf_restart MTA "inet:$(world_port spare 3)@127.0.0.1" RateLimitClient 12 \
    RateLimitDomain 3
cf_run receiver.py mta5xx
done_testing
