#!/bin/sh
# ssmpd's KeySource https and both: the sender's key fetched from the key
# endpoint of its h= host (a second, real ssmpd serving a.test, found via
# a.test's _ssmp policy in the real DNS), cached by max-age, a fetch
# failing temporarily (503 4.4.3), and with both: DNS and HTTPS agreeing
# (accepted) or not (403 5.7.5).
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/ssmpd-lib.sh"

sd_world
A_PORT=$(world_port a https)
world_cert ssmp.a.test >/dev/null || bail "cert a"
world_dns_add a.test "_ssmp.a.test. 300 IN TXT \"v=SSMP1; h=ssmp.a.test:$A_PORT; s=$SEL\""
world_dns_reload || bail "dns reload"

# a.test's key server: serves s2026 (also in DNS) and honly (HTTPS only).
A_DIR=$WORLD/ssmpd-a
mkdir -p "$A_DIR/db"
$SSMPC keyfile $SEED_A >"$A_DIR/a.key" && chmod 600 "$A_DIR/a.key"
cp "$SD_DIR/n.key" "$A_DIR/n.key"
printf 'a.test %s a.key\na.test honly n.key\n' "$SEL" >"$A_DIR/keytable"
cat >"$A_DIR/ssmp.conf" <<EOC
Syslog no
Background no
Database $A_DIR/db
KeyTable $A_DIR/keytable
Listen inet:$A_PORT@127.0.0.1
AdminListen inet:$(world_port spare 4)@127.0.0.1
TLSCertificate $WORLD/ca/ssmp.a.test.chain
TLSKey $WORLD/ca/ssmp.a.test.key
MTA inet:$(world_port spare 5)@127.0.0.1
Nameservers 127.0.0.1:$(world_port dns)
Hostname ssmp.a.test
UserID nobody
EOC
a_start() {
	world_userid "$A_DIR/ssmp.conf" || bail "world_userid failed"
	world_spawn ssmpd-a "$SSMPD" -f -c "$A_DIR/ssmp.conf"
	world_wait_port "$A_PORT" 10 || bail "ssmpd-a did not start"
}
a_start

# keysrc_phase SOURCE DB: b.test's ssmpd with KeySource SOURCE, fresh cache.
keysrc_phase() {
	sd_stop
	sd_conf KeySource "$1" CAFile "$WORLD_CA" Database "$SD_DIR/$2"
	$SSMPC allow "$SD_DIR/$2" bob@b.test alice@a.test known || bail "allow"
	sd_start
}
env_as() {	# SEED SELECTOR
	$SSMPC envelope "$1" "$2" alice@a.test bob@b.test >"$TMP/e.json"
	code=$(sd_post envelope "$TMP/e.json")
	echo "$code $(sd_code)"
}
metric() { curl -s "http://127.0.0.1:$SD_ADMIN/metrics" | awk -v m="ssmpd_$1" '$1 == m { print $2 }'; }

keysrc_phase https db-https
is "$(env_as $SEED_N honly)" "200 2.0.0" "[KSRC-1] https: key only on the HTTPS endpoint: accepted"
is "$(metric key_fetches_total)" 1 "https: one fetch"
like "$(env_as $SEED_B honly)" '^403 5.7.5' "https: wrong key for that selector: 403 5.7.5"
is "$(metric key_cache_hits_total)" 1 "https: the second envelope used the cache"
like "$(env_as $SEED_A nosuch)" '^403 5.7.5' "https: selector unknown at the endpoint (404): 403 5.7.5"
world_kill ssmpd-a
is "$(env_as $SEED_N honly)" "200 2.0.0" "[KEY-5] https: key server down, key cached by max-age: accepted"
is "$(env_as $SEED_A $SEL)" "503 4.4.3" "https: key server down, key not cached: 503 4.4.3"
like "$(cat "$TMP/resp")" 'HTTPS' "...reason names HTTPS"
a_start
is "$(env_as $SEED_A $SEL)" "200 2.0.0" "https: key server back: accepted"

keysrc_phase both db-both
is "$(env_as $SEED_A $SEL)" "200 2.0.0" "both: DNS and HTTPS agree: accepted"
is "$(env_as $SEED_N honly)" "503 4.4.3" "[KSRC-2] both: key over HTTPS but none in DNS: 503 4.4.3"
like "$(cat "$TMP/resp")" 'disagree' "...reason says the sources disagree"
is "$(env_as $SEED_N honly)" "503 4.4.3" "both: a disagreement is not cached (fetched again)"
is "$(metric key_fetches_total)" 3 "both: three fetches, no cache hit for the disagreement"
world_kill ssmpd-a
sd_stop; sd_conf KeySource both CAFile "$WORLD_CA" Database "$SD_DIR/db-both2"; sd_start
is "$(env_as $SEED_A $SEL)" "503 4.4.3" "[KSRC-2] both: HTTPS down, DNS fine: 503 4.4.3 (both must answer)"

keysrc_phase dns db-dns
is "$(env_as $SEED_A $SEL)" "200 2.0.0" "dns: still works"
is "$(env_as $SEED_N honly)" "403 5.7.5" "dns: HTTPS-only selector unknown"
done_testing
