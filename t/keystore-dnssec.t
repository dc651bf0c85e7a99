#!/bin/sh
# keystore-dnssec.t - DNSSEC as the real root anchor makes it, in the
# test world: one trust anchor (the parent zone test, as "." is for the
# internet) over the world's signed zones, an unsigned zone, a signed
# zone whose delegation has no DS (insecure) and one whose DS is of
# another key (bogus); the world's nsd as forwarder.  Through
# `ssmp-milter -t` (the real discovery and key cache):
#   unsigned, no _ssmp      -> not SSMP, stays on SMTP (not "bogus")
#   signed                  -> SSMP; tampered data -> temporary failure
#   insecure delegation     -> SSMP (proven unsigned, as the internet)
#   bogus delegation        -> temporary failure, exit 75
# and a key-cache entry fetched before the anchor was configured is not
# served once it is.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/milter-lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root (nsd, world harness)"
world_init "$TMP/world" || bail "world_init failed"
MT_KEY=$TMP/a.key
MT_PUB=$(mt_key "$MT_KEY") || bail "cannot make a key"

world_dns_zone u.test unsigned
world_dns_zone i.test insecure
world_dns_zone x.test bogus
for d in b i x; do
	world_dns_add $d.test "_ssmp.$d.test. 300 IN TXT \"v=SSMP1; h=ssmp.$d.test; s=s1; m=enforce\""
done
world_dns_start || bail "nsd did not start"

conf() {	# FILE DATABASE [KEY VALUE]...
	_f=$1 _db=$2; shift 2
	mt_conf "$_f" "$(world_port a milter)" "$(world_port dns)" \
	    Database "$_db" MinCacheTTL 600 MaxCacheTTL 600 "$@"
}
conf "$TMP/v.conf" "$TMP/db" TrustAnchorFile "$WORLD_DNS_ANCHOR"
check "the configuration with one anchor is accepted" "$MILTER_BIN" -n -c "$TMP/v.conf"

run_t() {	# CONF RECIPIENTS
	printf 'From: alice@a.test\nTo: %s\nSubject: t\n\nHi\n' "$2" >"$TMP/t.eml"
	"$MILTER_BIN" -c "$1" -t "$TMP/t.eml" >"$TMP/t.out" 2>&1
	rc=$?
	out=$(cat "$TMP/t.out")
}

run_t "$TMP/v.conf" "bob@b.test, carol@c.test, uma@u.test, ian@i.test"
is "$rc" 0 "no temporary failure among signed, unsigned and insecure domains"
like "$out" "^to=<bob@b\.test>: SSMP \(h=ssmp\.b\.test, m=enforce\)" "signed zone: SSMP"
like "$out" "^to=<carol@c\.test>: not SSMP.*stays on SMTP$" "signed zone without _ssmp: not SSMP (denial proven)"
like "$out" "^to=<uma@u\.test>: not SSMP.*stays on SMTP$" "unsigned zone: not SSMP, stays on SMTP"
like "$out" "^to=<ian@i\.test>: SSMP \(h=ssmp\.i\.test, m=enforce\)" \
    "signed zone without DS (insecure delegation): its record is used"

run_t "$TMP/v.conf" "xavier@x.test"
is "$rc" 75 "bogus delegation: exit 75"
like "$out" "^to=<xavier@x\.test>: DNS temporary failure \(.*DNSSEC validation failed" \
    "bogus delegation: a temporary failure, named"

# Tamper with b.test's signed record: the RRSIG no longer matches.
sed -i 's/h=ssmp\.b\.test/h=evil.b.test/' "$WORLD/dns/zones/b.test.zone.signed"
nsd-control -c "$WORLD/dns/nsd.conf" reload b.test >/dev/null 2>&1 || bail "nsd reload"
i=0
until world_dns_query _ssmp.b.test TXT 2>/dev/null | grep -q evil; do
	i=$((i + 1)); [ $i -lt 50 ] || bail "nsd does not serve the tampered record"; sleep 0.1
done

# Without an anchor the tampered record passes and is cached (in db2).
conf "$TMP/n.conf" "$TMP/db2"
run_t "$TMP/n.conf" "bob@b.test"
like "$out" "^to=<bob@b\.test>: SSMP \(h=evil\.b\.test" "no anchor: the tampered record is taken (and cached)"
conf "$TMP/n2.conf" "$TMP/db2" TrustAnchorFile "$WORLD_DNS_ANCHOR"
run_t "$TMP/n2.conf" "bob@b.test"
is "$rc" 75 "anchor configured: the entry cached without validation is not served"
like "$out" "^to=<bob@b\.test>: DNS temporary failure \(.*DNSSEC validation failed" \
    "[DISC-19] anchor configured: the tampered record is bogus, nothing unvalidated remembered"

run_t "$TMP/v.conf" "bob@b.test"
like "$out" "^to=<bob@b\.test>: SSMP \(h=ssmp\.b\.test" "validated entry cached before the tampering still served"
conf "$TMP/v3.conf" "$TMP/db3" TrustAnchorFile "$WORLD_DNS_ANCHOR"
run_t "$TMP/v3.conf" "bob@b.test"
is "$rc" 75 "signed zone, tampered record, nothing cached: temporary failure"
done_testing
