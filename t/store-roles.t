#!/bin/sh
# store-roles.t - one host, two domains mailing each other over SSMP:
# a.test and b.test each have their own ssmpd and signing key, and
# everything shares one keystore (one LMDB Database), as on a host that
# serves both.  alice@a.test writes to bob@b.test and bob answers, each
# message sent twice (an MTA's retry): exactly one copy arrives each
# way, and the delivered-log keeps the sending and the receiving role of
# each message apart (one record of each).  Real nsd, TLS, Postfix and
# LMDB; ssmp-send as the sender.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/send-lib.sh"
only_in_pass gcc
[ "$(id -u)" = 0 ] || skip_all "needs root (Postfix, nsd)"
[ -x "$SSMPD" ] || skip_all "bridge/ssmpd not built"

world_init "$TMP/world" || bail "world_init failed"
pa=$(mt_key "$TMP/a.key") && pb=$(mt_key "$TMP/b.key") || bail "cannot make keys"
porta=$(world_port spare 3)
portb=$(world_port b https)
rec() { echo "$1. 300 IN TXT \"$2\""; }
world_dns_add a.test "$(rec _ssmp.a.test "v=SSMP1; h=ssmp.b.test:$porta; s=s1; m=enforce")"
world_dns_add a.test "$(rec s1._ssmpkey.a.test "v=SSMP1; k=ed25519; p=$pa")"
world_dns_add b.test "$(rec _ssmp.b.test "v=SSMP1; h=ssmp.b.test:$portb; s=s1; m=enforce")"
world_dns_add b.test "$(rec s1._ssmpkey.b.test "v=SSMP1; k=ed25519; p=$pb")"
world_dns_start || bail "nsd did not start"
world_ca_init && world_cert ssmp.b.test >/dev/null || bail "no test CA"
for d in a b; do
	world_postfix_start $d "$(world_port $d smtp)" "$(world_port $d inject)" ||
	    bail "postfix $d did not start"
done

# conf D PORT ADMINPORT: $TMP/D.conf, domain D.test on the shared keystore.
mkdir -p "$TMP/db" "$TMP/spool" && chmod 700 "$TMP/spool"
conf() {
	cat >"$TMP/$1.conf" <<-EOC
	Syslog no
	Background no
	Database $TMP/db
	Domain $1.test
	Selector s1
	KeyFile $TMP/$1.key
	Nameservers 127.0.0.1:$(world_port dns)
	AllowPrivateHosts 127.0.0.0/8
	TrustAnchorFile $WORLD/dns/anchors.dnskey
	CAFile $WORLD_CA
	SpoolDirectory $TMP/spool
	HTTPTimeout 5
	Listen inet:$2@127.0.0.1
	AdminListen inet:$3@127.0.0.1
	TLSCertificate $WORLD/ca/ssmp.b.test.chain
	TLSKey $WORLD/ca/ssmp.b.test.key
	MTA inet:$(world_port $1 inject)@127.0.0.1
	Hostname ssmp.b.test
	UnknownSender reject
	UserID nobody
	AllowPrivateHosts 127.0.0.0/8
	EOC
	world_userid "$TMP/$1.conf"
}
conf a "$porta" "$(world_port spare 4)"
conf b "$portb" "$(world_port spare 5)"
check "bob@b.test allows alice@a.test" \
    "$SSMPCTL" -c "$TMP/b.conf" allow add bob@b.test alice@a.test known
check "alice@a.test allows bob@b.test" \
    "$SSMPCTL" -c "$TMP/a.conf" allow add alice@a.test bob@b.test known
for d in a b; do
	world_userid "$TMP/$d.conf" &&
	    world_spawn ssmpd-$d "$SSMPD" -f -c "$TMP/$d.conf"
done
world_wait_port "$porta" 10 && world_wait_port "$portb" 10 ||
    bail "ssmpd did not start: $(cat "$WORLD"/log/ssmpd-*.log)"

# send D FROM TO MSGID: ssmp-send as D.test, twice (the second run is an
# MTA's retry of the same message); both exit 0.
send() {
	printf 'From: %s\nTo: %s\nSubject: roles\nMessage-ID: <%s>\n\nHello.\n' \
	    "$2" "$3" "$4" >"$TMP/$4.eml"
	SS_CONF=$TMP/$1.conf ss_send "$TMP/$4.eml" -f "$2" "$3"
	is "$SS_RC" 0 "$2 -> $3: delivered (exit 0) $SS_ERR"
	SS_CONF=$TMP/$1.conf ss_send "$TMP/$4.eml" -v -f "$2" "$3"
	is "$SS_RC" 0 "$2 -> $3 again: exit 0"
	like "$SS_ERR" "$3: 2\.0\.0 delivered earlier: receipt on file" \
	    "the retry finds its receipt on file"
}
# records ROLE MSGID: delivered-log records of MSGID in ROLE.
records() {
	"$SSMPCTL" -c "$TMP/a.conf" log show --role "$1" |
	    grep -c " <$2> delivered .* receipt$"
}

send a alice@a.test bob@b.test "ab.$$@a.test"
send b bob@b.test alice@a.test "ba.$$@b.test"
check "bob@b.test got alice's message" world_wait_mail b bob 1 15
check "alice@a.test got bob's answer" world_wait_mail a alice 1 15
sleep 1
is "$(world_maildir_count b bob)" 1 "bob has exactly one copy"
is "$(world_maildir_count a alice)" 1 "alice has exactly one copy"
for m in "ab.$$@a.test" "ba.$$@b.test"; do
	is "$(records sent "$m")" 1 "<$m>: one record of the sending role"
	is "$(records received "$m")" 1 "<$m>: one record of the receiving role"
done
like "$("$SSMPCTL" -c "$TMP/a.conf" stats)" "sent +2 entries" \
    "stats: two records of the sending role"
like "$("$SSMPCTL" -c "$TMP/a.conf" stats)" "received +2 entries" \
    "stats: two records of the receiving role"

done_testing
