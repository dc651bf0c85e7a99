# send-lib.sh - helpers of the ssmp-send tests (t/send-*.t, t/exim-*.t);
# sourced after lib.sh.  The world is milter-lib.sh's mt_world: b.test
# (m=enforce) and t.b.test (m=testing) behind real ssmpd over TLS, c.test
# legacy; bob@b.test allows alice@a.test.  ssmp-send signs for a.test.
. "$top_srcdir/t/milter-lib.sh"
SSMP_SEND=${SSMP_SEND:-$top_builddir/send/ssmp-send}

# ss_world [KEY VALUE]...: the world and $SS_CONF, an ssmp.conf for
# ssmp-send (a.test's key, a keystore, the world's DNS, anchors and CA).
ss_world() {
	[ "$(id -u)" = 0 ] || skip_all "needs root (Postfix, nsd)"
	[ -x "$SSMPD" ] || skip_all "bridge/ssmpd not built"
	[ -x "$SSMP_SEND" ] || bail "send/ssmp-send not built"
	mt_world
	mkdir -p "$TMP/db"
	SS_CONF=$TMP/a.conf
	mt_conf "$SS_CONF" "$(world_port a milter)" "$(world_port dns)" \
	    Database "$TMP/db" TrustAnchorFile "$WORLD/dns/anchors.dnskey" \
	    CAFile "$WORLD_CA" "$@"
}

# ss_mail FILE MSGID [TO [BODY]]: a small message with LF line ends, as
# pipe transports hand it over.
ss_mail() {
	printf 'From: alice@a.test\nTo: %s\nSubject: ssmp-send test\nMessage-ID: <%s>\n\n%s\n' \
	    "${3:-bob@b.test}" "$2" "${4:-Hello from ssmp-send.}" >"$1"
}

# ss_send FILE ARGS...: ssmp-send -c $SS_CONF ARGS < FILE; sets SS_RC
# (exit status), SS_OUT (stdout) and SS_ERR (stderr).
ss_send() {
	local f
	f=$1; shift
	"$SSMP_SEND" -c "$SS_CONF" "$@" <"$f" >"$TMP/ss.out" 2>"$TMP/ss.err"
	SS_RC=$?
	SS_OUT=$(cat "$TMP/ss.out")
	SS_ERR=$(cat "$TMP/ss.err")
}

# ss_delivered RCPT MSGID: lines of the delivered-log with a receipt.
ss_delivered() {
	"$SSMPCTL" -c "$SS_CONF" log show --rcpt "$1" | grep -c "<$2> delivered .* receipt$"
}
