#!/bin/sh
# Conformance, sender side: ssmp-send and ssmp-milter against a scripted
# receiver (t/conformance/scripted.py, written from ssmp.7) that logs what
# the sender sent and misbehaves on request (bad receipts, HTML 502,
# silence, refusals), each check named by its clause.  The world: nsd
# with a.test's key and the policy records of b.test (m=enforce),
# t.b.test (m=testing) and the discovery cases; the test CA.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/conformance/lib.sh"
. "$top_srcdir/t/world/world.sh"
only_in_pass gcc
cf_need

SEND=$top_builddir/send/ssmp-send
MILTER=$top_builddir/milter/ssmp-milter
SSMPCTL=$top_builddir/tools/ssmpctl
MILTERTEST=$(command -v miltertest)
[ -x "$SEND" ] && [ -x "$MILTER" ] || bail "ssmp-send or ssmp-milter not built"
world_init "$TMP/w" || bail "world_init failed"
P=$(world_port b https)
OLD=$(world_port spare 0)
H="ssmp.b.test:$P"
PA=$($SSMPC keyrec $SEED_A)
PB=$($SSMPC keyrec $SEED_B)
PN=$($SSMPC keyrec $SEED_N)
rec() { world_dns_add "$1" "$2. 300 IN TXT $3"; }
rec a.test s2026._ssmpkey.a.test "\"$PA\""
rec c.test s2026._ssmpkey.c.test "\"$PN\""
rec c.test _ssmp.c.test "\"v=SSMP1; h=$H; s=s2026; m=enforce\""
# Every *.b.test domain below signs receipts with b.test's key.
for d in b t nom split ext sp old wn nohost; do
	case $d in b) n=b.test ;; *) n=$d.b.test ;; esac
	rec b.test "s2026._ssmpkey.$n" "\"$PB\""
done
rec b.test _ssmp.b.test "\"v=SSMP1; h=$H; s=s2026; m=enforce\""
rec b.test _ssmp.t.b.test "\"v=SSMP1; h=$H; s=s2026; m=testing\""
rec b.test _ssmp.nom.b.test "\"v=SSMP1; h=$H; s=s2026\""
rec b.test _ssmp.split.b.test "\"v=SSMP1; h=$H; \" \"s=s2026; m=enforce\""
rec b.test _ssmp.ext.b.test "\"v=SSMP1; h=$H; s=s2026; m=enforce; x_new=1\""
rec b.test _ssmp.ext.b.test '"other-verification=abc"'
rec b.test _ssmp.sp.b.test "\" v = SSMP1 ; h=$H ; s=s2026 ; m=enforce\""
rec b.test _ssmp.zero.b.test '"v=SSMP1; h=ssmp.b.test:0443; s=s2026; m=enforce"'
rec b.test _ssmp.ip.b.test "\"v=SSMP1; h=127.0.0.1:$P; s=s2026; m=enforce\""
rec b.test _ssmp.bigport.b.test '"v=SSMP1; h=ssmp.b.test:65536; s=s2026"'
rec b.test _ssmp.v2.b.test "\"v=SSMP2; h=$H; s=s2026; m=enforce\""
rec b.test _ssmp.lowv.b.test "\"v=ssmp1; h=$H; s=s2026; m=enforce\""
rec b.test _ssmp.late.b.test "\"h=$H; v=SSMP1; s=s2026; m=enforce\""
rec b.test _ssmp.dupt.b.test "\"v=SSMP1; h=$H; h=$H; s=s2026\""
rec b.test _ssmp.nos.b.test "\"v=SSMP1; h=$H; m=enforce\""
rec b.test _ssmp.mbad.b.test "\"v=SSMP1; h=$H; s=s2026; m=strict\""
rec b.test _ssmp.two.b.test "\"v=SSMP1; h=$H; s=s2026; m=enforce\""
rec b.test _ssmp.two.b.test "\"v=SSMP1; h=$H; s=s2026; m=testing\""
world_dns_add b.test "_ssmp.nodata.b.test. 300 IN A 127.0.0.1"
rec b.test _ssmp.old.b.test "\"v=SSMP1; h=ssmp.b.test:$OLD; s=s2026; m=enforce\""
rec b.test _ssmp.wn.b.test "\"v=SSMP1; h=wrong.b.test:$P; s=s2026; m=enforce\""
world_dns_add b.test "wrong.b.test. 300 IN A 127.0.0.1"
world_dns_add b.test "_ssmp.cache.b.test. 1 IN TXT \"v=SSMP1; h=$H; s=s2026; m=enforce\""
rec b.test s2026._ssmpkey.cache.b.test "\"$PB\""
rec b.test s2026._ssmpkey.neg.b.test "\"$PB\""
rec b.test _ssmp.nohost.b.test "\"v=SSMP1; h=nohost.b.test:$P; s=s2026; m=enforce\""
world_dns_start || bail "nsd failed"
world_ca_init && world_cert ssmp.b.test >/dev/null || bail "CA failed"

LOG=$WORLD/scripted.log
world_spawn scripted env PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$CF_DIR" \
    "$CF_PY" -W ignore::DeprecationWarning "$CF_DIR/scripted.py" "$LOG" \
    "$WORLD/ca/ssmp.b.test.chain" "$WORLD/ca/ssmp.b.test.key" "$P" "$OLD"
world_wait_port "$P" 10 || { cat "$WORLD/log/scripted.log"; bail "scripted receiver did not start"; }

# cf_client_conf FILE DB [KEY VALUE]...: a.test's ssmp.conf for a sender.
cf_client_conf() {
	local f db
	f=$1; db=$2; shift 2
	mkdir -p "$db" "$TMP/spool" && chmod 700 "$TMP/spool"
	{
		echo "Syslog no"
		echo "Background no"
		echo "Domain a.test"
		echo "Selector s2026"
		echo "KeyFile $TMP/a.key"
		echo "Database $db"
		echo "Nameservers 127.0.0.1:$(world_port dns)"
		echo "TrustAnchorFile $WORLD/dns/anchors.dnskey"
		echo "CAFile $WORLD_CA"
		echo "AllowPrivateHosts 127.0.0.0/8"	# the world is loopback
		echo "HTTPTimeout 4"
		echo "SpoolDirectory $TMP/spool"
		while [ $# -ge 2 ]; do echo "$1 $2"; shift 2; done
	} >"$f"
}
$SSMPC keyfile $SEED_A >"$TMP/a.key" && chmod 600 "$TMP/a.key"
cf_client_conf "$TMP/send.conf" "$TMP/db-send" AutoAllow yes

export CF_SEND=$SEND CF_CONF=$TMP/send.conf CF_SSMPCTL=$SSMPCTL CF_LOG=$LOG
cf_run sender.py cache-before
cf_run sender.py send
# DISC-16, CACHE-1, CACHE-2: the records change; the caches must not.
world_dns_del b.test '_ssmp\.cache\.b\.test'
rec b.test _ssmp.cache.b.test "\"v=SSMP1; h=$H; h=$H; s=s2026\""
rec b.test _ssmp.neg.b.test "\"v=SSMP1; h=$H; s=s2026; m=enforce\""
world_dns_reload || bail "nsd reload failed"
cf_run sender.py cache-after

if [ -x "$MILTERTEST" ]; then
	MP=$(world_port a milter)
	cf_client_conf "$TMP/milter.conf" "$TMP/db-milter" \
	    Socket "inet:$MP@127.0.0.1" InternalHosts 10.0.0.0/8 UserID nobody
	sed -i "s|^SpoolDirectory .*|SpoolDirectory $TMP/spool-milter|" "$TMP/milter.conf"
	world_userid "$TMP/milter.conf" || bail "world_userid failed"
	world_spawn milter "$MILTER" -f -c "$TMP/milter.conf"
	world_wait_port "$MP" 10 || { cat "$WORLD/log/milter.log"; bail "ssmp-milter did not start"; }
	export CF_MILTERTEST=$MILTERTEST CF_MILTER=$MP CF_MILTER_CONF=$TMP/milter.conf
	cf_run sender.py milter
else
	diag "miltertest not installed: the ssmp-milter half is skipped"
fi

# DNS-1: c.test signed with a key that is not the trust anchor.
K=$TMP/rogue; mkdir -p "$K"
k=$(cd "$K" && ldns-keygen -a ECDSAP256SHA256 -k c.test) &&
    ldns-signzone -f "$WORLD/dns/zones/c.test.zone.signed" "$WORLD/dns/zones/c.test.zone" "$K/$k" &&
    nsd-control -c "$WORLD/dns/nsd.conf" reload c.test >/dev/null || bail "cannot re-sign c.test"
sleep 1.1
cf_run sender.py bogus
done_testing
