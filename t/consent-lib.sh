# consent-lib.sh - the world of the consent tests; sourced after t/lib.sh.
# Two real ssmpd (a.test, b.test) over HTTPS with the world's test CA, in
# front of their real Postfix instances, real nsd serving both domains'
# _ssmp and key records (and a key for c.test, which has no ssmpd: the
# flood comes from there), real LMDB stores.  ssmpctl of each domain
# sends that domain's signed requests.
#
#   cs_world [KEY VALUE]...   world up, both ssmpd running; KEY VALUE
#                             lines go into b.test's ssmp.conf
#   cs_ctl a|b ARGS...        ssmpctl with that domain's config
#   cs_post a|b FILE          POST FILE to the allow endpoint; body in
#                             $TMP/resp, prints the HTTP status
#   cs_api a|b OP JSON [TOKEN]  the consent API; prints the HTTP status
#   cs_req SEED TYPE FROM TO [NONCE]  a signed allow request (JSON)
. "$top_srcdir/t/world/world.sh"

SSMPC=$top_builddir/t/ssmpc
CONSENTC=$top_builddir/t/consentc
SSMPD=$top_builddir/bridge/ssmpd
SSMPCTL=$top_builddir/tools/ssmpctl
SEED_A=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
SEED_B=202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
SEED_C=404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f
SEL=s2026
CS_SECRET=consent-test-secret-0123456789

_cs_conf() {	# L DOMAIN SEED [KEY VALUE]...
	local l d s dir
	l=$1; d=$2; s=$3; shift 3
	dir=$WORLD/sd-$l
	mkdir -p "$dir/db"
	$SSMPC keyfile "$s" >"$dir/key" && chmod 600 "$dir/key"
	(umask 077; echo "$CS_SECRET" >"$dir/secret")
	{
		echo "Syslog no"
		echo "Background no"
		echo "Database $dir/db"
		echo "Domain $d"
		echo "Selector $SEL"
		echo "KeyFile $dir/key"
		echo "Nameservers 127.0.0.1:$(world_port dns)"
		echo "TrustAnchorFile $WORLD/dns/anchors.dnskey"
		echo "CAFile $WORLD_CA"
		echo "AllowPrivateHosts 127.0.0.0/8"	# the world is loopback
		echo "HTTPTimeout 10"
		echo "Listen inet:$(world_port "$l" https)@127.0.0.1"
		echo "AdminListen inet:$(_cs_admin "$l")@127.0.0.1"
		echo "AdminSecretFile $dir/secret"
		echo "TLSCertificate $WORLD/ca/ssmp.$d.chain"
		echo "TLSKey $WORLD/ca/ssmp.$d.key"
		echo "MTA inet:$(world_port "$l" inject)@127.0.0.1"
		echo "Hostname ssmp.$d"
		echo "UnknownSender reject"
		echo "ReadTimeout 5"
		echo "UserID nobody"
		while [ $# -ge 2 ]; do echo "$1 $2"; shift 2; done
	} >"$dir/ssmp.conf"
	world_userid "$dir/ssmp.conf"	# ssmpctl, as root, acts as UserID
}

_cs_admin() { case $1 in a) world_port spare 0 ;; *) world_port spare 1 ;; esac; }

_cs_rec() { echo "$1. 300 IN TXT \"$2\""; }

cs_world() {
	[ "$(id -u)" = 0 ] || skip_all "needs root (Postfix, nsd)"
	[ -x "$SSMPD" ] && [ -x "$CONSENTC" ] || bail "ssmpd or t/consentc not built"
	command -v nsd >/dev/null || PATH=$PATH:/usr/sbin
	world_init "$TMP/w" || bail "world_init failed"
	for l in a b; do
		world_dns_add $l.test "$(_cs_rec _ssmp.$l.test "v=SSMP1; h=ssmp.$l.test:$(world_port $l https); s=$SEL; m=enforce")"
	done
	world_dns_add a.test "$(_cs_rec $SEL._ssmpkey.a.test "$($SSMPC keyrec $SEED_A)")"
	world_dns_add b.test "$(_cs_rec $SEL._ssmpkey.b.test "$($SSMPC keyrec $SEED_B)")"
	world_dns_add c.test "$(_cs_rec $SEL._ssmpkey.c.test "$($SSMPC keyrec $SEED_C)")"
	world_up || bail "world_up failed"
	_cs_conf a a.test $SEED_A
	_cs_conf b b.test $SEED_B ListAddresses bobsweekly@b.test "$@"
	for l in a b; do
		world_userid "$WORLD/sd-$l/ssmp.conf" || bail "world_userid failed"
		world_spawn sd-$l "$SSMPD" -f -c "$WORLD/sd-$l/ssmp.conf"
	done
	for l in a b; do
		world_wait_port "$(world_port $l https)" 10 ||
		    bail "ssmpd $l did not start: $(cat "$WORLD/log/sd-$l.log")"
	done
}

cs_ctl() { local l=$1; shift; "$SSMPCTL" -c "$WORLD/sd-$l/ssmp.conf" "$@"; }

cs_post() {
	curl -sS --cacert "$WORLD_CA" -o "$TMP/resp" -w '%{http_code}' \
	    --resolve "ssmp.$1.test:$(world_port "$1" https):127.0.0.1" \
	    -H 'Content-Type: application/json' --data-binary "@$2" \
	    "https://ssmp.$1.test:$(world_port "$1" https)/.well-known/ssmp/v1/allow"
}

cs_api() {
	curl -sS -o "$TMP/resp" -w '%{http_code}' -H "Authorization: Bearer ${4-$CS_SECRET}" \
	    -H 'Content-Type: application/json' --data-binary "$3" \
	    "http://127.0.0.1:$(_cs_admin "$1")/consent/$2"
}

cs_req() { "$CONSENTC" "$1" $SEL "$2" "$3" "$4" ${5:+"$5"}; }

# cs_code / cs_allow: the code and the "allow" member of the last answer.
cs_code() { sed -n 's/.*"code":"\([0-9.]*\)".*/\1/p' "$TMP/resp"; }
cs_allow() { sed -n 's/.*"allow":"\([a-z]*\)".*/\1/p' "$TMP/resp"; }
