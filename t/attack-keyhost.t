#!/bin/sh
# attack-keyhost.t - one gateway serves two domains' keys under the same
# selector name (issue 14 item 13, ssmp.7 KEY-1).  keys.c.test hosts
# evil.test (listed first in its key table) and a.test, both selector s1;
# a.test's policy names keys.c.test, a host under neither domain, so no
# Host header can choose.  The key endpoint answers key/<domain>/<sel>
# for exactly that domain (Host and SNI change nothing; the old
# key/<sel>, unknown domains, upper case: 404).  b.test's ssmpd, with
# KeySource https, asks for a.test's key: a message "from alice@a.test"
# signed with evil.test's key is refused (it passed when the endpoint
# answered with its first match), alice's own is accepted.
. "$top_srcdir/t/lib.sh"
only_in_pass san
. "$top_srcdir/t/ssmpd-lib.sh"

sd_world
G_PORT=$(world_port a https)
world_cert keys.c.test >/dev/null || bail "cert keys.c.test"
world_dns_add a.test "_ssmp.a.test. 300 IN TXT \"v=SSMP1; h=keys.c.test:$G_PORT; s=s1\""
world_dns_add c.test "keys.c.test. 300 IN A 127.0.0.1"
world_dns_reload || bail "dns reload"

SEED_E=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')	# evil.test's
G=$WORLD/gateway
mkdir -p "$G/db"
$SSMPC keyfile $SEED_E >"$G/evil.key" && $SSMPC keyfile $SEED_A >"$G/a.key" &&
    chmod 600 "$G/evil.key" "$G/a.key" || bail "keyfile failed"
printf 'evil.test s1 evil.key\na.test s1 a.key\n' >"$G/keytable"
cat >"$G/ssmp.conf" <<EOC
Syslog no
Background no
Database $G/db
KeyTable $G/keytable
Listen inet:$G_PORT@127.0.0.1
AdminListen inet:$(world_port spare 4)@127.0.0.1
TLSCertificate $WORLD/ca/keys.c.test.chain
TLSKey $WORLD/ca/keys.c.test.key
MTA inet:$(world_port spare 5)@127.0.0.1
Nameservers 127.0.0.1:$(world_port dns)
Hostname keys.c.test
UserID nobody
EOC
world_userid "$G/ssmp.conf" || bail "world_userid failed"
world_spawn gateway "$SSMPD" -f -c "$G/ssmp.conf"
world_wait_port "$G_PORT" 10 || bail "the gateway did not start: $(cat "$WORLD/log/gateway.log")"

GURL=https://keys.c.test:$G_PORT/.well-known/ssmp/v1
GCURL="curl -sS --cacert $WORLD_CA --resolve keys.c.test:$G_PORT:127.0.0.1"
# gkey PATH [CURL ARGS]: "STATUS BODY" of GET PATH at the gateway.
gkey() {
	local p
	p=$1; shift
	$GCURL -o "$TMP/k" -w '%{http_code}' "$@" "$GURL/$p" >"$TMP/code"
	echo "$(cat "$TMP/code") $(cat "$TMP/k")"
}
is "$(gkey key/a.test/s1)" "200 $($SSMPC keyrec $SEED_A)" "key/a.test/s1: a.test's key"
is "$(gkey key/evil.test/s1)" "200 $($SSMPC keyrec $SEED_E)" "key/evil.test/s1: evil.test's key"
is "$(gkey key/a.test/s1 -H 'Host: evil.test')" "200 $($SSMPC keyrec $SEED_A)" \
    "a Host header naming the other domain changes nothing"
like "$(gkey key/s1)" '^404 .*"code":"5\.5\.1"' "the old key/<selector>: 404 5.5.1 (no first match)"
like "$(gkey key/c.test/s1)" '^404 .*"code":"5\.7\.5"' "a domain not served: 404 5.7.5"
like "$(gkey key/a.test/nosuch)" '^404 .*"code":"5\.7\.5"' "a selector a.test does not have: 404 5.7.5"
like "$(gkey key/A.test/s1)" '^404 .*"code":"5\.5\.1"' "upper case: not canonical, 404 5.5.1"
like "$(gkey key/a.test/s1/x)" '^404 .*"code":"5\.5\.1"' "a third path segment: 404 5.5.1"

# b.test's ssmpd fetches senders' keys over HTTPS.
sd_conf KeySource https CAFile "$WORLD_CA"
$SSMPC allow "$SD_DIR/db" bob@b.test alice@a.test known || bail "allow failed"
sd_start
# as SEED: an envelope "from alice@a.test", selector s1, signed with SEED.
as() {
	$SSMPC envelope "$1" s1 alice@a.test bob@b.test >"$TMP/e.json"
	echo "$(sd_post envelope "$TMP/e.json") $(sd_code)"
}
like "$(as $SEED_E)" '^403 5\.7\.5' "forged: alice@a.test signed with evil.test's key is refused"
like "$(cat "$WORLD/log/gateway.log" 2>/dev/null; cat "$TMP/resp")" 'signature' \
    "...as a bad signature"
is "$(as $SEED_A)" "200 2.0.0" "alice's own key: accepted"
done_testing
