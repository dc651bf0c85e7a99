# ssmpd-lib.sh - shared set-up of the ssmpd integration tests; sourced
# after t/lib.sh.  Builds on the test world (t/world/world.sh): a real
# nsd serving a.test's signed _ssmpkey record, the world's test CA, and
# b.test's real Postfix instance as the MTA behind ssmpd.
#
#   sd_world            world up (DNS, CA, Postfix b), keys published;
#                       SD_DNS_ZONES="NAME:KIND ..." adds world_dns_zone
#                       zones, SD_RESOLVER=1 starts world_resolver_start
#   sd_conf [KEY VAL]   write $SD_CONF (extra lines appended; VAL "-"
#                       drops KEY)
#   sd_sink [ARGS]      smtp-sink on $SD_SINK (ARGS e.g. -w 3, -L) dumping
#                       each message under $WORLD/sink; sd_sink_count
#   sd_keytable LINES   write $SD_DIR/keytable (KeyTable instead of
#                       Domain/Selector/KeyFile)
#   sd_start / sd_stop  run ssmpd -f on the config (as root, UserID
#                       nobody: world_userid); waits for the port
#   sd_env ARGS...      envelope JSON signed with a.test's key
#   sd_post PATH FILE [curl args]   POST to ssmpd; body to $TMP/resp,
#                       prints the HTTP status
. "$top_srcdir/t/world/world.sh"

SSMPC=$top_builddir/t/ssmpc
SSMPD=$top_builddir/bridge/ssmpd
# Fixed seeds of ssmp.7 TEST VECTORS.
SEED_A=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
SEED_B=202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f
SEL=s2026
# A second key for b.test (rotation) and for other domains.
SEED_N=404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f

sd_world() {
	[ "$(id -u)" = 0 ] || skip_all "needs root (Postfix, nsd)"
	[ -x "$SSMPD" ] || bail "bridge/ssmpd not built"
	world_init "$TMP/w" || bail "world_init failed"
	world_dns_add a.test "$SEL._ssmpkey.a.test. 300 IN TXT \"$($SSMPC keyrec $SEED_A)\""
	world_dns_add a.test "old._ssmpkey.a.test. 300 IN TXT \"v=SSMP1; k=ed25519; p=\""
	# a second sender domain (SEED_N), for tests of two senders at once
	world_dns_add a.test "$SEL._ssmpkey.m.a.test. 300 IN TXT \"$($SSMPC keyrec $SEED_N)\""
	world_dns_add b.test "_ssmp.b.test. 300 IN TXT \"v=SSMP1; h=ssmp.b.test:$(world_port b https); s=$SEL\""
	for z in ${SD_DNS_ZONES:-}; do
		world_dns_zone "${z%%:*}" "${z#*:}" || bail "world_dns_zone $z"
	done
	world_dns_start || bail "nsd failed"
	[ -z "${SD_RESOLVER:-}" ] || world_resolver_start || bail "resolver failed"
	world_ca_init && world_cert ssmp.b.test >/dev/null || bail "CA failed"
	world_postfix_start b "$(world_port b smtp)" "$(world_port b inject)" ||
	    bail "postfix b failed"
	SD_PORT=$(world_port b https)
	SD_ADMIN=$(world_port spare 0)
	SD_DIR=$WORLD/ssmpd-b
	mkdir -p "$SD_DIR/db"
	$SSMPC keyfile $SEED_B >"$SD_DIR/b.key" && chmod 600 "$SD_DIR/b.key"
	$SSMPC keyfile $SEED_N >"$SD_DIR/n.key" && chmod 600 "$SD_DIR/n.key"
	SD_SINK=$(world_port spare 1)
	SD_CONF=$SD_DIR/ssmp.conf
	SD_URL=https://ssmp.b.test:$SD_PORT/.well-known/ssmp/v1
	SD_CURL="curl -sS --cacert $WORLD_CA --resolve ssmp.b.test:$SD_PORT:127.0.0.1"
}

# sd_contrib_postfix: b.test's Postfix as contrib/postfix and the README
# set it up for ssmpd: the hand-off listener of master.cf.inbound, a
# UNIX-domain socket $SD_HANDOFF_SOCK in the instance's public/ directory
# (ssmp-domains: b.test), main.cf.inbound's header_checks on all other
# mail (authserv-id ssmp.b.test).  Only the paths change (and chroot: the
# world runs without).  README's `adduser ssmp postdrop` becomes an ACL
# letting ssmpd's UserID here, nobody, search public/ (the test must not
# change the machine's groups); every other user is kept out as on a
# real host.
sd_contrib_postfix() {
	local dir c i
	dir=$(world_postfix_conf b); c=$top_srcdir/contrib/postfix
	SD_HANDOFF_SOCK=$WORLD/postfix/b/queue/public/ssmp-handoff
	echo "b.test OK" >"$dir/ssmp-domains"
	sed 's/ssmp\\.example\\.com/ssmp\\.b\\.test/' "$c/header_checks.ssmp" >"$dir/header_checks.ssmp"
	grep -v '^#' "$c/master.cf.inbound" | sed -e "s|/etc/postfix/|$dir/|g" \
	    -e "s/^ssmp-handoff *unix *n *- *y /ssmp-handoff unix n - n /" >>"$dir/master.cf"
	grep -v '^#' "$c/main.cf.inbound" | grep . | sed "s|/etc/postfix/|$dir/|g" |
	while IFS='=' read -r k v; do
		world_postfix_set b "$(echo $k)" "$(echo $v)" || return 1
	done
	setfacl -m u:nobody:x "${SD_HANDOFF_SOCK%/*}" || return 1
	world_postfix_reload b || return 1
	i=0
	while [ ! -S "$SD_HANDOFF_SOCK" ]; do
		[ $i -lt 100 ] || return 1
		sleep 0.1; i=$((i + 1))
	done
}

sd_conf() {
	cat >"$SD_CONF" <<EOC
Syslog no
Background no
Database $SD_DIR/db
Domain b.test
Selector $SEL
KeyFile $SD_DIR/b.key
Nameservers 127.0.0.1:$(world_port dns)
TrustAnchorFile $WORLD/dns/anchors.dnskey
Listen inet:$SD_PORT@127.0.0.1
AdminListen inet:$SD_ADMIN@127.0.0.1
TLSCertificate $WORLD/ca/ssmp.b.test.chain
TLSKey $WORLD/ca/ssmp.b.test.key
MTA inet:$(world_port b inject)@127.0.0.1
Hostname ssmp.b.test
UnknownSender reject
ReadTimeout 3
UserID nobody
AllowPrivateHosts 127.0.0.0/8
EOC
	while [ $# -ge 2 ]; do
		grep -v "^$1 " "$SD_CONF" >"$SD_CONF.new"; mv "$SD_CONF.new" "$SD_CONF"
		[ "$2" = - ] || echo "$1 $2" >>"$SD_CONF"; shift 2
	done
}

sd_start() {
	world_userid "$SD_CONF" || bail "world_userid failed"
	world_spawn ssmpd "$SSMPD" -f -c "$SD_CONF"
	world_wait_port "$SD_PORT" 10 || { cat "$WORLD/log/ssmpd.log"; bail "ssmpd did not start"; }
}

sd_stop() { world_kill ssmpd; }

sd_keytable() {
	printf '%s\n' "$@" >"$SD_DIR/keytable.new" && mv "$SD_DIR/keytable.new" "$SD_DIR/keytable"
}

sd_sink() {
	rm -rf "$WORLD/sink"; mkdir -p "$WORLD/sink" && chown postfix "$WORLD/sink"
	world_spawn sink smtp-sink -u postfix -d "$WORLD/sink/%M." "$@" "127.0.0.1:$SD_SINK" 64
	world_wait_port "$SD_SINK" 10 || bail "smtp-sink did not start"
}
sd_sink_count() { find "$WORLD/sink" -type f | wc -l | tr -d ' '; }

sd_env() { $SSMPC envelope $SEED_A $SEL "$@"; }

sd_post() {
	local path file
	path=$1; file=$2; shift 2
	$SD_CURL -o "$TMP/resp" -w '%{http_code}' -H 'Content-Type: application/json' \
	    --data-binary "@$file" "$@" "$SD_URL/$path"
}

# sd_json KEY: a top-level string member of $TMP/resp (crude but enough).
sd_json() { sed -n "s/^{\"v\":1,.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$TMP/resp" | head -1; }
# sd_code: the top-level enhanced status code of the last answer.
sd_code() { sed -n 's/^{"v":1,"status":"[a-z]*","code":"\([0-9.]*\)".*/\1/p' "$TMP/resp"; }

# sd_raw FILE: send FILE's bytes as they are over TLS; the answer on stdout.
sd_raw() {
	timeout 15 openssl s_client -quiet -connect "127.0.0.1:$SD_PORT" \
	    -servername ssmp.b.test -CAfile "$WORLD_CA" <"$1" 2>/dev/null
}

# sd_message NONCE MSGID FILE [SEED [CURL-ARGS]]: message phase; prints the
# HTTP status.
sd_message() {
	local n m f sig
	n=$1; m=$2; f=$3
	sig=$($SSMPC msgsig "${4:-$SEED_A}" "$n" "$m" <"$f")
	shift 3; [ $# -eq 0 ] || shift
	$SD_CURL -o "$TMP/resp" -w '%{http_code}' -H 'Content-Type: message/rfc822' \
	    -H "SSMP-Msgid: $m" -H "SSMP-Signature: $sig" \
	    --data-binary "@$f" "$@" "$SD_URL/message/$n"
}

# sd_msg_head NONCE MSGID FILE [SEED]: the head of a message-phase request
# for FILE's octets (Connection: close), for raw clients.
sd_msg_head() {
	printf 'POST /.well-known/ssmp/v1/message/%s HTTP/1.1\r\nHost: ssmp.b.test\r\nContent-Type: message/rfc822\r\nContent-Length: %s\r\nSSMP-Msgid: %s\r\nSSMP-Signature: %s\r\nConnection: close\r\n\r\n' \
	    "$1" "$(wc -c <"$3" | tr -d ' ')" "$2" "$($SSMPC msgsig "${4:-$SEED_A}" "$1" "$2" <"$3")"
}

# sd_slow_message NONCE MSGID FILE HOLD OUT [SEED]: message phase over raw
# TLS that stops 8 octets short of the body's end for HOLD seconds (the
# request is then in the middle of its upload), then sends the rest; the
# answer goes to OUT.  Run it in the background.
sd_slow_message() {
	{ sd_msg_head "$1" "$2" "$3" "${6:-$SEED_A}"
	  head -c $(($(wc -c <"$3") - 8)) "$3"; sleep "$4"; tail -c 8 "$3"; } |
	    timeout 60 openssl s_client -quiet -connect "127.0.0.1:$SD_PORT" \
	    -servername ssmp.b.test -CAfile "$WORLD_CA" >"$5" 2>/dev/null
}

# sd_mail FILE MSGID: a small RFC 5322 message.
sd_mail() {
	printf 'From: alice@a.test\r\nTo: bob@b.test\r\nSubject: test\r\nMessage-ID: %s\r\n\r\nHello.\r\n' "$2" >"$1"
}
