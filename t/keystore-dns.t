#!/bin/sh
# `ssmpctl keys test` against a real nsd on a loopback port serving the
# records ssmp-keygen printed: ok, revoked, mismatch, missing, refused,
# timeout, invalid; then the same zone DNSSEC-signed with a trust anchor.
. "$top_srcdir/t/lib.sh"

NSD=${NSD:-$(command -v nsd || echo /usr/sbin/nsd)}
[ -x "$NSD" ] || skip_all "nsd not installed"
command -v drill >/dev/null || skip_all "drill (ldnsutils) not installed"
ctl=$top_builddir/tools/ssmpctl
keygen=$top_builddir/tools/ssmp-keygen
port=$((20000 + $$ % 20000))
dead=$((port + 1))
Z=$TMP/nsd
mkdir -p "$Z" "$TMP/keys" "$TMP/other"

for s in s1 old s9 s5; do "$keygen" -d a.test -s $s -D "$TMP/keys" || bail keygen; done
"$keygen" -d a.test -s s9 -D "$TMP/other" || bail keygen	# a different s9 key
mkdir "$TMP/keys/c" && "$keygen" -d c.test -s s1 -D "$TMP/keys/c" || bail keygen
mkdir "$TMP/keys/d" && "$keygen" -d d.test -s s1 -D "$TMP/keys/d" || bail keygen

zone_head() {
	printf '$ORIGIN %s.\n$TTL 300\n@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 120\n' "$1" "$1" "$1"
	printf '@ IN NS ns.%s.\nns IN A 127.0.0.1\n' "$1"
}
{
	zone_head a.test
	cat "$TMP/keys/s1.txt"
	"$keygen" -r -d a.test -s old
	grep _ssmpkey "$TMP/other/s9.txt"
	echo '_ssmp.a.test. 300 IN TXT "google-site-verification=abc"'
} >"$Z/a.test.zone"
{
	zone_head d.test
	cat "$TMP/keys/d/s1.txt"
	echo '_ssmp.d.test. 300 IN TXT "v=SSMP1; h=other.d.test; s=s1; m=testing"'
} >"$Z/d.test.zone"

start_nsd() {	# ZONEFILE-SUFFIX
	cat >"$Z/nsd.conf" <<EOC
server:
	port: $port
	ip-address: 127.0.0.1
	zonesdir: "$Z"
	pidfile: "$Z/nsd.pid"
	logfile: "$Z/nsd.log"
	xfrdfile: "$Z/xfrd.state"
	zonelistfile: "$Z/zone.list"
	xfrdir: "$Z"
	username: ""
	database: ""
	chroot: ""
	server-count: 1
	verbosity: 1
remote-control:
	control-enable: no
zone:
	name: a.test
	zonefile: a.test.zone$1
zone:
	name: d.test
	zonefile: d.test.zone
EOC
	"$NSD" -c "$Z/nsd.conf" -d >"$Z/nsd.out" 2>&1 &
	nsd_pid=$!
	at_exit "kill $nsd_pid"
	i=0
	until drill -p $port @127.0.0.1 _ssmp.a.test TXT 2>/dev/null | grep -q 'v=SSMP1'; do
		i=$((i + 1))
		[ $i -lt 50 ] || { cat "$Z/nsd.out" "$Z/nsd.log" >&2; bail "nsd did not start"; }
		sleep 0.1
	done
}
stop_nsd() { kill $nsd_pid; wait $nsd_pid 2>/dev/null; }

cat >"$TMP/keytable" <<EOT
a.test s1 keys/s1.private
a.test old keys/old.private
a.test s9 keys/s9.private
a.test s5 keys/s5.private
c.test s1 keys/c/s1.private
d.test s1 keys/d/s1.private
EOT
conf() {	# extra lines on stdin
	{ printf 'Database %s/db\nKeyTable %s/keytable\nNameservers 127.0.0.1:%s\nDNSTimeout 2\n' \
	    "$TMP" "$TMP" "$port"; cat; } >"$TMP/ssmp.conf"
}
conf </dev/null
kt() {	# EXPECTED-EXIT DESCRIPTION ARGS...
	_want=$1 _d=$2; shift 2
	"$ctl" -c "$TMP/ssmp.conf" "$@" >"$TMP/out" 2>"$TMP/err"
	_rc=$?
	out=$(cat "$TMP/out") err=$(cat "$TMP/err")
	is "$_rc" "$_want" "$_d: exit $_want"
}

start_nsd ""
kt 0 "published key matches" keys test a.test
is "$out" "keys test a.test s1: ok (h=ssmp.a.test m=testing, key matches $TMP/keys/s1.private)" "ok line"
kt 0 "explicit selector" keys test A.test S1
kt 0 "--json" --json keys test a.test
like "$out" '"result":"ok"' "json result ok"
kt 69 "revoked selector" keys test a.test old
like "$err" "old._ssmpkey.a.test is revoked" "revocation named"
kt 65 "selector/key mismatch" keys test a.test s9
like "$err" "keys test a.test s9: published p= does not match the private key in .*s9.private" "mismatch names the key file"
kt 68 "key record missing" keys test a.test s5
like "$err" "s5._ssmpkey.a.test" "missing record named"
kt 75 "zone not served (REFUSED, SERVFAIL from the resolver)" keys test c.test
like "$err" "_ssmp.c.test: SERVFAIL" "failure named"
kt 65 "two v=SSMP1 policy records" keys test d.test
like "$err" "_ssmp.d.test: 2 v=SSMP1 records" "invalid set named"
kt 65 "--json failure" --json keys test a.test s9
like "$out" '"result":"fail","reason":"published p= does not match' "json failure result"

sed -i "s/^Nameservers .*/Nameservers 127.0.0.1:$dead/; s/^DNSTimeout .*/DNSTimeout 1/" "$TMP/ssmp.conf"
kt 75 "no DNS server (timeout)" keys test a.test
like "$err" "_ssmp.a.test" "timeout names the record"
stop_nsd

# --- addresses: kept for their TTL (clamped), per host, no longer ---------
# A sender asks for h='s address before every request; dnsq keeps the
# answers.  One resolver (t/ssmpc addr) asks for two hosts twice, then,
# after moved.a.test has moved and MaxCacheTTL has passed, once more.
cp "$Z/a.test.zone" "$Z/a.test.zone.addr"
printf 'moved IN A 127.0.0.5\nother IN A 127.0.0.7\n' >>"$Z/a.test.zone.addr"
start_nsd .addr
conf <<EOC
MinCacheTTL 0
MaxCacheTTL 2
EOC
rm -f "$TMP/go"; mkfifo "$TMP/go" || bail mkfifo
"$top_builddir/t/ssmpc" addr "$TMP/ssmp.conf" moved.a.test other.a.test \
    MOVED.a.test other.a.test - moved.a.test <"$TMP/go" >"$TMP/addr.out" 2>&1 &
apid=$!
exec 3>"$TMP/go"
i=0
while [ "$(wc -l <"$TMP/addr.out")" -lt 4 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
stop_nsd
sed -i 's/127\.0\.0\.5$/127.0.0.6/' "$Z/a.test.zone.addr"
start_nsd .addr
sleep 2.1	# MaxCacheTTL
echo go >&3
exec 3>&-
wait $apid
is "$(sed -n 1,4p "$TMP/addr.out" | tr '\n' ' ')" \
    "moved.a.test 127.0.0.5 other.a.test 127.0.0.7 MOVED.a.test 127.0.0.5 other.a.test 127.0.0.7 " \
    "addresses: each host its own, asked again (any case)"
is "$(sed -n 5p "$TMP/addr.out")" "moved.a.test 127.0.0.6" \
    "addresses: a moved host's new address once MaxCacheTTL has passed"
stop_nsd

# --- DNSSEC ---------------------------------------------------------------
command -v ldns-signzone >/dev/null || { done_testing; exit; }
(cd "$Z" && ldns-keygen -a ED25519 -k a.test >"$Z/ksk" && ldns-keygen -a ED25519 -k a.test >"$Z/bad") || bail ldns-keygen
ksk=$(cat "$Z/ksk") bad=$(cat "$Z/bad")
(cd "$Z" && ldns-signzone -n a.test.zone "$ksk" >/dev/null 2>&1 || ldns-signzone a.test.zone "$ksk") || bail ldns-signzone
start_nsd .signed
conf <<EOC
TrustAnchorFile $Z/$ksk.ds
EOC
kt 0 "DNSSEC: signed zone validates" keys test a.test
kt 68 "DNSSEC: NXDOMAIN proven" keys test a.test s5
kt 65 "DNSSEC: validated mismatch still a mismatch" keys test a.test s9
conf <<EOC
TrustAnchorFile $Z/$ksk.key
EOC
kt 0 "DNSSEC: DNSKEY anchor" keys test a.test
conf <<EOC
TrustAnchorFile $Z/$bad.ds
EOC
kt 76 "DNSSEC: wrong anchor is bogus" keys test a.test
like "$err" "DNSSEC validation failed" "bogus named"
kt 76 "DNSSEC: unprovable NXDOMAIN is bogus" keys test a.test s5
stop_nsd
start_nsd ""
kt 76 "DNSSEC: unsigned answer under an anchor is bogus" keys test a.test
kt 65 "DNSSEC: names outside the anchor are not validated" keys test d.test
printf 'a.test. IN A 127.0.0.1\n' >"$TMP/notanchor"
conf <<EOC
TrustAnchorFile $TMP/notanchor
EOC
kt 78 "TrustAnchorFile with a non-anchor record" keys test a.test
like "$err" "notanchor:.*not a DS or DNSKEY" "bad anchor file named"
done_testing
