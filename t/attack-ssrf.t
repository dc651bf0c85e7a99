#!/bin/sh
# attack-ssrf.t - a domain's h= host that resolves into our own network
# (issue 14 item 12).  Recipient domains publish h= names resolving to
# loopback (127.0.0.1, and 0.0.0.0, which Linux connects to loopback),
# link-local (169.254.169.254, cloud metadata), private (10/8) and ::1;
# ssmp-send refuses each before connecting (a listener on the loopback
# port sees no connection), with one text for every transport failure:
# the answer for a refused address is the same as for a server that is
# not TLS.  A sender domain does the same to ssmpd's https key source:
# no connection, and the envelope's answer tells nothing.  Redirects are
# never followed.  AllowPrivateHosts 127.0.0.0/8 (what the test world
# needs) lets the same loopback host be reached: the guard, not the
# world, stopped it.
. "$top_srcdir/t/lib.sh"
only_in_pass san
. "$top_srcdir/t/send-lib.sh"
ss_world
sed -i '/^AllowPrivateHosts/d' "$SS_CONF"
LP=$(world_port spare 6)	# counts connections
JP=$(world_port spare 7)	# answers bytes that are not TLS
RP=$(world_port spare 8)	# TLS, redirects to the counting port
CONNS=$TMP/conns
: >"$CONNS"

# A TCP listener on 127.0.0.1:PORT that records each connection in FILE.
world_spawn count /usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
while True:
    c, a = s.accept()
    open(sys.argv[2], "a").write("connection from %s\n" % a[0]); c.close()
' "$LP" "$CONNS"
world_spawn junk /usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
while True:
    c, a = s.accept(); c.sendall(b"\x00\xffnot TLS\r\n"); c.close()
' "$JP"
world_cert in.redir.c.test >/dev/null || bail "no certificate"
world_spawn redir /usr/bin/python3 -c '
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(sys.argv[2], sys.argv[3])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
while True:
    c, a = s.accept()
    try:
        t = ctx.wrap_socket(c, server_side=True); t.recv(65536)
        t.sendall(("HTTP/1.1 307 Temporary Redirect\r\nLocation: https://127.0.0.1:%s/\r\n"
                   "Content-Length: 0\r\nConnection: close\r\n\r\n" % sys.argv[4]).encode())
        t.close()
    except Exception:
        c.close()
' "$RP" "$WORLD/ca/in.redir.c.test.chain" "$WORLD/ca/in.redir.c.test.key" "$LP"
world_wait_port "$LP" 5 && world_wait_port "$JP" 5 && world_wait_port "$RP" 5 ||
    bail "helper servers did not start"

# pub NAME HOST PORT RR...: _ssmp.NAME.c.test pointing at HOST:PORT (and
# a key, as a real SSMP domain has), and HOST's own records.
KEYP=$(openssl pkey -in "$TMP/b.key" -pubout -outform DER 2>/dev/null | tail -c 32 | base64)
pub() {
	local n h p
	n=$1 h=$2 p=$3; shift 3
	world_dns_add c.test "_ssmp.$n.c.test. 300 IN TXT \"v=SSMP1; h=$h:$p; s=s1; m=enforce\""
	world_dns_add c.test "s1._ssmpkey.$n.c.test. 300 IN TXT \"v=SSMP1; k=ed25519; p=$KEYP\""
	for rr; do world_dns_add c.test "$h. 300 IN $rr"; done
}
pub lo in.lo.c.test "$LP" "A 127.0.0.1"
pub zero in.zero.c.test "$LP" "A 0.0.0.0"
pub meta in.meta.c.test 80 "A 169.254.169.254"
pub ten in.ten.c.test "$LP" "A 10.255.255.1"
pub six in.six.c.test "$LP" "AAAA ::1"
pub junk in.junk.c.test "$JP" "A 127.0.0.1"
pub redir in.redir.c.test "$RP" "A 127.0.0.1"
# a sender domain for ssmpd's https key source
world_dns_add a.test "_ssmp.lo.a.test. 300 IN TXT \"v=SSMP1; h=in.lo.c.test:$LP; s=s1\""
world_dns_reload || bail "nsd reload failed"
ss_mail "$TMP/m" ssrf.$$@a.test

# refused DOMAIN CLASS: ssmp-send to bob@DOMAIN is tempfailed with the one
# text, the log (on stderr with -v) names CLASS, and nothing connected to
# the listener.
refused() {
	ss_send "$TMP/m" -v -f alice@a.test "bob@$1.c.test"
	is "$SS_RC" 75 "h= $1: ssmp-send tempfails (75)"
	like "$SS_ERR" "^bob@$1\\.c\\.test: 4\\.4\\.1 tempfailed: [^ ]+: cannot connect over HTTPS\$" \
	    "h= $1: the one generic text"
	like "$SS_ERR" "cannot connect over HTTPS: address [^ ]+ refused: $2" "h= $1: the log says $2"
	is "$(wc -l <"$CONNS" | tr -d ' ')" 0 "h= $1: no connection was made"
}
refused lo loopback
refused zero unspecified
refused meta link-local
refused ten private
refused six loopback

# The answer to a refused address and to a server that is not TLS: the
# same text (else the errors make a port scanner).
sed 's/^\(AllowPrivateHosts.*\)$//' "$SS_CONF" >"$TMP/allow.conf"
echo "AllowPrivateHosts 127.0.0.1/32" >>"$TMP/allow.conf"
"$SSMP_SEND" -c "$TMP/allow.conf" -f alice@a.test bob@junk.c.test <"$TMP/m" 2>"$TMP/junk.err"
ss_send "$TMP/m" -f alice@a.test bob@lo.c.test
is "$(grep '^bob@' "$TMP/junk.err" | sed 's/junk/X/g;s/:[0-9]*:/:/')" \
    "$(echo "$SS_ERR" | grep '^bob@' | sed 's/lo/X/g;s/:[0-9]*:/:/')" \
    "a refused address and a TLS failure: one text"

# A redirect to the listener: never followed (allowed or not).
"$SSMP_SEND" -c "$TMP/allow.conf" -f alice@a.test bob@redir.c.test <"$TMP/m" >"$TMP/redir.out" 2>&1
check_fails "redirect: not a delivery" grep -q '^bob@redir.c.test: 2' "$TMP/redir.out"
is "$(wc -l <"$CONNS" | tr -d ' ')" 0 "redirect: the Location was not followed"

# The same host, allowed: now the listener sees ssmp-send (so the guard
# stopped it above, nothing else).
"$SSMP_SEND" -c "$TMP/allow.conf" -f alice@a.test bob@lo.c.test <"$TMP/m" >/dev/null 2>&1
like "$(cat "$CONNS")" "connection from 127\\.0\\.0\\.1" \
    "AllowPrivateHosts 127.0.0.1/32: the loopback host is reached"
: >"$CONNS"

# --- ssmpd: KeySource https fetches the sender's key from h=.
SD=$TMP/sd-b/ssmp.conf
world_kill sd-b
sed -i '/^AllowPrivateHosts/d; /^KeySource/d' "$SD"
printf 'KeySource https\nCAFile %s\n' "$WORLD_CA" >>"$SD"
world_userid "$SD" && world_spawn sd-b "$SSMPD" -f -c "$SD" &&
    world_wait_port "$(world_port b https)" 10 || bail "ssmpd did not restart"
"$SSMPCTL" -c "$SD" allow add bob@b.test x@lo.a.test known >/dev/null 2>&1
N=$($top_builddir/t/ssmpc nonce)
$top_builddir/t/ssmpc envelope 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f \
    s1 x@lo.a.test bob@b.test "$N" >"$TMP/env.json"
code=$(curl -sS -o "$TMP/resp" -w '%{http_code}' --cacert "$WORLD_CA" \
    --resolve "ssmp.b.test:$(world_port b https):127.0.0.1" -H 'Content-Type: application/json' \
    --data-binary "@$TMP/env.json" "https://ssmp.b.test:$(world_port b https)/.well-known/ssmp/v1/envelope")
like "$code" '^(4|5)[0-9][0-9]$' "ssmpd: the envelope is not accepted (HTTP $code)"
like "$(cat "$TMP/resp")" "key over HTTPS: cannot connect over HTTPS" "ssmpd: the sender learns one generic text"
unlike_loop=$(grep -c -e 'loopback' -e '127\.0\.0\.1' "$TMP/resp")
is "$unlike_loop" 0 "ssmpd: ...that names neither the address nor its class"
like "$(cat "$WORLD/log/sd-b.log")" "cannot connect over HTTPS: address 127\\.0\\.0\\.1 refused: loopback" \
    "ssmpd: its log says why"
is "$(wc -l <"$CONNS" | tr -d ' ')" 0 "ssmpd: no connection to the loopback host"
done_testing
