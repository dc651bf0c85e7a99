# milter-lib.sh - helpers of the ssmp-milter tests; sourced after lib.sh.

command -v nsd >/dev/null || PATH=$PATH:/usr/sbin
. "$top_srcdir/t/world/world.sh"
SSMPD=$top_builddir/bridge/ssmpd
SSMPCTL=$top_builddir/tools/ssmpctl

MILTER_BIN=${MILTER_BIN:-$top_builddir/milter/ssmp-milter}
MILTERTEST=${MILTERTEST:-$(command -v miltertest)}

# mt_key FILE: a fresh Ed25519 key (PEM PKCS#8, 0600); prints the p= value.
mt_key() {
	(umask 077; openssl genpkey -algorithm ed25519 -out "$1") 2>/dev/null || return 1
	openssl pkey -in "$1" -pubout -outform DER 2>/dev/null | tail -c 32 | base64
}

# mt_init WHY: skip unless root and miltertest exist (WHY: what needs
# root), then world_init and the milter's key: $MT_KEY, p= in $MT_PUB.
mt_init() {
	[ "$(id -u)" = 0 ] || skip_all "needs root ($1)"
	[ -x "$MILTERTEST" ] || skip_all "miltertest not installed"
	world_init "$TMP/world" || bail "world_init failed"
	MT_KEY=$TMP/a.key
	MT_PUB=$(mt_key "$MT_KEY") || bail "cannot make a key"
}

# mt_conf FILE SOCKPORT NSPORT [KEY VALUE]...: an ssmp.conf for a milter
# signing for a.test with $MT_KEY (selector s1), using the world's DNS.
mt_conf() {
	local f p ns
	f=$1; p=$2; ns=$3; shift 3
	mkdir -p "$TMP/spool" && chmod 700 "$TMP/spool"
	{
		echo "Socket inet:$p@127.0.0.1"
		echo "Syslog no"
		echo "Background no"
		echo "Domain a.test"
		echo "Selector s1"
		echo "KeyFile $MT_KEY"
		echo "Nameservers 127.0.0.1:$ns"
		echo "InternalHosts 10.0.0.0/8"
		echo "SpoolDirectory $TMP/spool"
		echo "HTTPTimeout ${MT_HTTP_TIMEOUT:-5}"
		echo "AllowPrivateHosts 127.0.0.0/8"	# the world is loopback
		case " $* " in *" UserID "*) ;; *) echo "UserID nobody" ;; esac
		while [ $# -ge 2 ]; do echo "$1 $2"; shift 2; done
	} >"$f"
	world_userid "$f"
}

# mt_start NAME CONF PORT: run the milter in the foreground of the world.
mt_start() {
	world_userid "$2" && world_spawn "$1" "$MILTER_BIN" -f -c "$2" &&
	    world_wait_port "$3" 10
}

# mt_case PORT CASE [STAMP]: one path of t/milter-paths.lua; STAMP makes
# the Message-ID (the same STAMP = a retry of the same message).
mt_case() {
	"$MILTERTEST" -D "sock=inet:$1@127.0.0.1" -D "case=$2" \
	    -D "stamp=${3:-$$.$(date +%s%N)}" -s "$top_srcdir/t/milter-paths.lua"
}

# mt_log NAME: the milter's log so far.
mt_log() { cat "$WORLD/log/$1.log" 2>/dev/null; }

# mt_sd_conf NAME DOMAIN KEY PORT ADMINPORT [KEY VALUE]...: $TMP/NAME/ssmp.conf,
# an ssmpd serving DOMAIN over TLS as ssmp.b.test, handing mail to
# $MT_SD_MTA (default: b.test's Postfix), UnknownSender $MT_SD_UNKNOWN
# (default reject), plus the KEY VALUE lines.
mt_sd_conf() {
	local n
	n=$1
	mkdir -p "$TMP/$n/db"
	cat >"$TMP/$n/ssmp.conf" <<-EOC
	Syslog no
	Background no
	Database $TMP/$n/db
	Domain $2
	Selector s1
	KeyFile $3
	Nameservers 127.0.0.1:$(world_port dns)
	TrustAnchorFile $WORLD/dns/anchors.dnskey
	Listen inet:$4@127.0.0.1
	AdminListen inet:$5@127.0.0.1
	TLSCertificate $WORLD/ca/ssmp.b.test.chain
	TLSKey $WORLD/ca/ssmp.b.test.key
	MTA ${MT_SD_MTA:-inet:$(world_port b inject)@127.0.0.1}
	Hostname ssmp.b.test
	UnknownSender ${MT_SD_UNKNOWN:-reject}
	UserID nobody
	AllowPrivateHosts 127.0.0.0/8
	EOC
	shift 5
	while [ $# -ge 2 ]; do echo "$1 $2" >>"$TMP/$n/ssmp.conf"; shift 2; done
	world_userid "$TMP/$n/ssmp.conf"	# ssmpctl, as root, acts as UserID
}

# mt_world: the world of the SSMP tests.  Keys for a.test (the milter's,
# $MT_KEY), b.test and t.b.test; b.test (m=enforce) and t.b.test
# (m=testing) each served by a real ssmpd over TLS in front of b.test's
# Postfix; bob@b.test allows alice@a.test.  Needs SSMPD and SSMPCTL.
mt_world() {
	local pa pb pt bport tport
	world_init "$TMP/world" || bail "world_init failed"
	MT_KEY=$TMP/a.key
	pa=$(mt_key "$MT_KEY") && pb=$(mt_key "$TMP/b.key") && pt=$(mt_key "$TMP/t.key") ||
	    bail "cannot make keys"
	bport=$(world_port b https)
	tport=$(world_port spare 3)
	rec() { echo "$1. 300 IN TXT \"$2\""; }
	world_dns_add a.test "$(rec s1._ssmpkey.a.test "v=SSMP1; k=ed25519; p=$pa")"
	world_dns_add b.test "$(rec _ssmp.b.test "v=SSMP1; h=ssmp.b.test:$bport; s=s1; m=enforce")"
	world_dns_add b.test "$(rec s1._ssmpkey.b.test "v=SSMP1; k=ed25519; p=$pb")"
	world_dns_add b.test "$(rec _ssmp.t.b.test "v=SSMP1; h=ssmp.b.test:$tport; s=s1; m=testing")"
	world_dns_add b.test "$(rec s1._ssmpkey.t.b.test "v=SSMP1; k=ed25519; p=$pt")"
	world_dns_start || bail "nsd did not start"
	world_ca_init && world_cert ssmp.b.test >/dev/null || bail "no test CA"
	world_postfix_start b "$(world_port b smtp)" "$(world_port b inject)" ||
	    bail "postfix b did not start"

	mt_sd_conf sd-b b.test "$TMP/b.key" "$bport" "$(world_port spare 4)"
	mt_sd_conf sd-t t.b.test "$TMP/t.key" "$tport" "$(world_port spare 5)"
	check "bob@b.test allows alice@a.test" \
	    "$SSMPCTL" -c "$TMP/sd-b/ssmp.conf" allow add bob@b.test alice@a.test known
	for n in sd-b sd-t; do
		world_userid "$TMP/$n/ssmp.conf" || bail "world_userid failed"
		world_spawn "$n" "$SSMPD" -f -c "$TMP/$n/ssmp.conf"
	done
	world_wait_port "$bport" 10 && world_wait_port "$tport" 10 ||
	    bail "ssmpd did not start: $(cat "$WORLD"/log/sd-*.log)"
}

# mt_ssmp_world [KEY VALUE]...: skip unless root and ssmpd is built; then
# mt_world and ssmp-milter for a.test on $port (config $TMP/a.conf with
# a Database, the world's trust anchors and CA, plus KEY VALUE lines).
mt_ssmp_world() {
	[ "$(id -u)" = 0 ] || skip_all "needs root (Postfix, nsd)"
	[ -x "$SSMPD" ] || skip_all "bridge/ssmpd not built"
	mt_world
	port=$(world_port a milter)
	mkdir -p "$TMP/db"
	mt_conf "$TMP/a.conf" "$port" "$(world_port dns)" \
	    Database "$TMP/db" TrustAnchorFile "$WORLD/dns/anchors.dnskey" \
	    CAFile "$WORLD_CA" "$@"
	mt_start milter-a "$TMP/a.conf" "$port" ||
	    bail "ssmp-milter did not start: $(mt_log milter-a)"
}

# mt_check_copies HOST MTA: after one message to bob@b.test (SSMP) and
# carol@c.test (SMTP) through MTA (named HOST, its macro j) with AddHeader:
# carol's copy has the milter's header exactly, one blank after the colon
# and HOST; bob's SSMP copy has neither that header nor the MTA's own
# Received: line (MTAs do not show it to milters: ssmp-milter(8) CAVEATS).
mt_check_copies() {
	local bob carol
	bob=$(world_maildir_last b bob); carol=$(world_maildir_last c carol)
	is "$(grep '^SSMP-Milter' "$carol")" "SSMP-Milter: $1; upgraded=1; smtp=1" \
	    "carol's copy: the milter's header, one blank after the colon, $2's host name"
	is "$(grep -c '^SSMP-Milter' "$bob")" 0 "bob's SSMP copy has no SSMP-Milter header"
	is "$(grep -cF "by $1 " "$bob")" 0 "bob's SSMP copy has no Received: line from $2"
	is "$(grep -cF "by $1 " "$carol")" 1 "carol's SMTP copy has it"
}
