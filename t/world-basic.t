#!/bin/sh
# world-basic.t - the test world of t/world/world.sh comes up in under a
# minute, each part does its job (signed DNS answers that validate against
# the world's trust anchors and fail against a wrong one, certificates of
# the test CA, mail relayed between the three Postfix instances into
# Maildirs), and world_stop_all leaves no process and no registration;
# nor does a test that bails out, or is hung up, with its world up.
. "$top_srcdir/t/lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root to run private Postfix instances"
. "$top_srcdir/t/world/world.sh"

for tool in nsd nsd-control ldns-keygen ldns-signzone ldns-verify-zone drill \
    openssl curl swaks postfix postconf ss flock; do
	command -v "$tool" >/dev/null || PATH=$PATH:/usr/sbin:/sbin
	command -v "$tool" >/dev/null || bail "missing tool: $tool"
done

# --- start
[ -z "${SSMP_SKIP_WORLD:-}" ] || skip_all "SSMP_SKIP_WORLD is set (world tests run in the other builds)"
check "world_init makes the world directory" world_init "$TMP/world"
ports=$(sed -n 's/^WORLD_.*_[A-Z]*=\([0-9]*\)$/\1/p' "$WORLD/ports.env" | sort -u | wc -l)
is "$ports" 14 "port plan: 12 service ports, DNS and the resolver, all distinct"
check "world_up brings DNS, CA and three Postfix instances up" world_up
diag "world started in $WORLD_UP_SECONDS s (DNS, CA, 2 certificates, 3 Postfix)"
ok_fast=$(echo "$WORLD_UP_SECONDS" | awk '{ print ($1 < 60) ? "yes" : "no" }')
is "$ok_fast" yes "world starts in under a minute"

# --- DNS
for d in a.test b.test c.test; do
	is "$(_world_dns_serial $d)" 1 "nsd serves $d (serial 1)"
done
mx=$(world_dns_query a.test MX | awk '$1 == "a.test." && $4 == "MX" { print $5, $6 }')
is "$mx" "10 mail.a.test." "a.test MX is mail.a.test"
a=$(world_dns_query ssmp.b.test A | awk '$1 == "ssmp.b.test." && $4 == "A" { print $5 }')
is "$a" 127.0.0.1 "ssmp.b.test has address 127.0.0.1"
is "$(grep -c DNSKEY "$WORLD/dns/anchors.dnskey")" 4 "anchors.dnskey has the 3 zone keys and test's"
is "$(grep -c 'IN[[:space:]]DS[[:space:]]' "$WORLD/dns/anchors.ds")" 4 "anchors.ds has the 4 DS records"
is "$(grep -c DNSKEY "$WORLD/dns/anchor.test")" 1 "anchor.test: test's DNSKEY, one anchor for the world"
ds_all() {
	for d in a b c; do
		world_dns_query $d.test DS | grep -q "^$d\.test\.[[:space:]].*IN[[:space:]]DS[[:space:]]" || return 1
	done
}
check "test delegates a.test, b.test and c.test with their DS" ds_all

txt="v=SSMP1; h=ssmp.b.test:$(world_port b https); s=s1; m=enforce"
world_dns_add b.test "_ssmp.b.test. 300 IN TXT \"$txt\""
check "world_dns_reload re-signs and reloads" world_dns_reload
is "$(_world_dns_serial b.test)" 2 "b.test serial is now 2"
ans=$(world_dns_query _ssmp.b.test TXT -D)
got=$(echo "$ans" | awk -F'\t' '$1 == "_ssmp.b.test." && $4 == "TXT" { print $5 }')
is "$got" "\"$txt\"" "_ssmp.b.test TXT is served"
like "$ans" "_ssmp\.b\.test\.[[:space:]]+300[[:space:]]+IN[[:space:]]+RRSIG[[:space:]]+TXT 13 " \
    "_ssmp.b.test TXT comes with its RRSIG (ECDSAP256SHA256)"
check "drill -S validates _ssmp.b.test with the b.test trust anchor" \
    drill -S -k "$WORLD/dns/keys/b.test.key" -p "$WORLD_DNS_PORT" _ssmp.b.test @127.0.0.1 TXT
like "$(cat "$TMP/.out")" "Chase successful" "drill reports the chase successful"
check_fails "validation with a.test's key as anchor fails" \
    drill -S -k "$WORLD/dns/keys/a.test.key" -p "$WORLD_DNS_PORT" _ssmp.b.test @127.0.0.1 TXT
check "ldns-verify-zone accepts b.test against the DS anchors" \
    ldns-verify-zone -k "$WORLD/dns/anchors.ds" "$WORLD/dns/zones/b.test.zone.signed"
world_dns_del b.test '^_ssmp\.b\.test\.'
world_dns_reload
got=$(world_dns_query _ssmp.b.test TXT | awk '$1 == "_ssmp.b.test." && $4 == "TXT"' | wc -l)
is "$got" 0 "world_dns_del removes the record"

# --- CA and TLS
crt="$WORLD/ca/ssmp.b.test.crt"
check "the CA verifies ssmp.b.test's certificate for its name" \
    openssl verify -CAfile "$WORLD_CA" -purpose sslserver -verify_hostname ssmp.b.test "$crt"
check "the certificate is valid for 127.0.0.1" \
    openssl verify -CAfile "$WORLD_CA" -verify_ip 127.0.0.1 "$crt"
check_fails "the certificate is not valid for ssmp.a.test" \
    openssl verify -CAfile "$WORLD_CA" -verify_hostname ssmp.a.test "$crt"
p=$(world_port spare 0)
world_spawn tls-b openssl s_server -accept "127.0.0.1:$p" -cert "$crt" \
    -key "$WORLD/ca/ssmp.b.test.key" -www -quiet
check "world_spawn: a TLS server with the certificate listens" world_wait_port "$p" 10
check "curl verifies the server by name with the world CA" \
    curl -sf --cacert "$WORLD_CA" --resolve "ssmp.b.test:$p:127.0.0.1" -o /dev/null "https://ssmp.b.test:$p/"
world_kill tls-b
is "$(ss -Hltn "( sport = :$p )" | wc -l)" 0 "world_kill stops it"

# --- Postfix
for l in a b c; do
	for k in smtp inject; do
		p=$(world_port $l $k)
		is "$(ss -Hltn "( sport = :$p )" | wc -l)" 1 "$l.test Postfix listens on its $k port $p"
	done
done
tok1="token-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
tok2="token-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
check "alice@a.test sends to carol@c.test" world_send alice@a.test carol@c.test "a to c" "$tok1"
check "dave@c.test sends to bob@b.test" world_send dave@c.test bob@b.test "c to b" "$tok2"
check "carol@c.test gets the mail" world_wait_mail c.test carol 1 20
check "bob@b.test gets the mail" world_wait_mail b.test bob 1 20
m=$(world_maildir_last c carol)
is "$(world_maildir_count c carol)" 1 "exactly one message for carol"
is "$(grep -c "^$tok1\$" "$m")" 1 "carol's message has the body sent"
is "$(grep '^Subject:' "$m")" "Subject: a to c" "carol's message has the subject sent"
like "$(grep -A1 '^Received: from mail.a.test' "$m")" "by mail\.c\.test" \
    "it was relayed by a.test's Postfix to c.test's"
is "$(sed -n 's/^Delivered-To: //p' "$m")" carol@c.test "delivered to carol@c.test"
m=$(world_maildir_last b bob)
is "$(world_maildir_count b bob)" 1 "exactly one message for bob"
is "$(grep -c "^$tok2\$" "$m")" 1 "bob's message has the body sent"
like "$(grep -A1 '^Received: from mail.c.test' "$m")" "by mail\.b\.test" \
    "it was relayed by c.test's Postfix to b.test's"
is "$(world_maildir_count a alice)$(world_maildir_count c dave)" 00 "no bounces"

WORLD_SEND_PORT=$(world_port b inject)
check "the inject port of b.test accepts mail for alice@b.test" \
    world_send dave@c.test alice@b.test "injected" "$tok1"
unset WORLD_SEND_PORT
check "alice@b.test gets it" world_wait_mail b alice 1 20
WORLD_SEND_PORT=$(world_port c smtp)
check_fails "c.test rejects an unknown user" world_send alice@a.test nobody@c.test "x"
unset WORLD_SEND_PORT
like "$(tail -5 "$WORLD/log/swaks.log")" "550 5\.1\.1 .*nobody@c\.test" \
    "with 550 5.1.1 naming the address"

check "world_postfix_stop b" world_postfix_stop b
is "$(ss -Hltn "( sport = :$(world_port b smtp) )" | wc -l)" 0 "b.test no longer listens"
check "c.test queues mail for b.test while b is down" \
    world_send carol@c.test eve@b.test "while down" "$tok2"
check "world_postfix_start restarts b" world_postfix_start b "$(world_port b smtp)"
check "the deferred mail arrives after the restart" world_wait_mail b eve 1 30
is "$(world_maildir_count b bob)" 1 "bob's Maildir survived the restart"

world_postfix_set a smtpd_banner '$myhostname ESMTP hooked'
check "world_postfix_reload after world_postfix_set" world_postfix_reload a
banner=$(swaks --server "127.0.0.1:$(world_port a smtp)" --quit-after banner 2>&1 | grep '^<- *220')
like "$banner" "220 mail\.a\.test ESMTP hooked" "world_postfix_set changes the running instance"
is "$(postconf -c "$(world_postfix_conf a)" -h smtpd_milters)" "" "no milter configured by default"

# --- stop
pids_up=$(world_pids | wc -l)
check "world_stop_all" world_stop_all
is "$(world_pids)" "" "no process of the world remains (there were $pids_up)"
left=0
for l in a b c; do
	for k in smtp inject; do
		[ -z "$(ss -Hltn "( sport = :$(world_port $l $k) )")" ] || left=$((left + 1))
	done
done
is "$(ss -Hlun "( sport = :$WORLD_DNS_PORT )" | wc -l)$left" 00 "no port of the world is still open"
acd=$(postconf -c /etc/postfix -h alternate_config_directories)
case $acd in *"$WORLD/"*) reg=yes ;; *) reg=no ;; esac
is "$reg" no "the instances are no longer listed in /etc/postfix/main.cf"
check "world_stop_all again is harmless" world_stop_all

# --- a test that bails out, or is killed, leaves nothing running
# A child test starts a small world (a world_spawn daemon, a process
# that went to the background by itself as a Background yes daemon does,
# and in the bail case nsd and a Postfix instance), then bails out, or
# waits to be hung up (run by dash, which runs no EXIT trap for a signal
# it does not trap).  Its world must be gone once it exited.
cat >"$TMP/child.t" <<'EOC'
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/world/world.sh"
world_init "$1" || bail "world_init failed"
# nsd and Postfix in the bail case only: they cost seconds to start.
if [ "$2" = bail ]; then
	world_dns_start || bail "nsd did not start"
	world_postfix_start c "$(world_port c smtp)" || bail "postfix did not start"
fi
world_spawn sleeper sleep 300
: >"$WORLD/log/stray"
setsid -f tail -f "$WORLD/log/stray" >/dev/null 2>&1 </dev/null
ok "the world of $1 runs"
case $2 in
bail) bail "deliberately, with the world up" ;;
hup) touch "$WORLD/ready"; while :; do sleep 0.1; done ;;
esac
EOC
# child_world DIR: processes left of the child's world (world_pids, and
# those of its pid files), its ports still open and its registration in
# /etc/postfix/main.cf ("processes/ports/registered").
child_world() {
	local WORLD n p k v a
	WORLD=$1
	n=$(world_pids | wc -l)
	for k in "$WORLD"/run/*.pid; do
		[ -f "$k" ] && kill -0 "$(cat "$k")" 2>/dev/null && n=$((n + 1))
	done
	p=0
	for k in WORLD_DNS_PORT WORLD_C_SMTP WORLD_C_INJECT; do
		v=$(sed -n "s/^$k=//p" "$WORLD/ports.env")
		[ -z "$(ss -Hltun "( sport = :$v )")" ] || p=$((p + 1))
	done
	case $(postconf -c /etc/postfix -h alternate_config_directories) in
	*"$WORLD/"*) a=1 ;; *) a=0 ;; esac
	echo "$n/$p/$a"
}
export top_srcdir top_builddir
# Should the children fail at it, their worlds are still stopped here.
at_exit "world_stop_all '$TMP/bail'; world_stop_all '$TMP/hup'"
out=$(bash "$TMP/child.t" "$TMP/bail" bail 2>&1)
like "$out" "^ok 1 - the world of .* runs" "child test: its world came up"
like "$out" "Bail out! deliberately" "child test: bailed out"
is "$(child_world "$TMP/bail")" 0/0/0 \
    "after a bail out: no process, no port, no registration of its world left"

# A shell may not trap a signal ignored when it started (POSIX): under
# nohup the child would never see the HUP, so its default comes back.
env --default-signal=HUP dash "$TMP/child.t" "$TMP/hup" hup >"$TMP/hup.out" 2>&1 &
cpid=$!
i=0; while [ ! -f "$TMP/hup/ready" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
check "child test under dash: its world came up" test -f "$TMP/hup/ready"
kill -HUP $cpid
wait $cpid
is "$?" 129 "child test: ended by SIGHUP (exit 129)"
is "$(child_world "$TMP/hup")" 0/0/0 \
    "after SIGHUP: no process, no port, no registration of its world left"
done_testing
