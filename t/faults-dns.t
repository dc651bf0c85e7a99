#!/bin/sh
# faults-dns.t - fault matrix, DNS as a.test's milter sees it: a server
# that never answers (timeout), one that answers SERVFAIL, one whose UDP
# answers are truncated (TC) while TCP is refused, b.test's policy record
# altered after signing (bogus), and an oversized TXT RRset at
# _ssmp.b.test (more than fits in UDP: TCP needed).  b.test publishes
# m=enforce.  A failure is never "no SSMP"; the policy memory (ssmp.7,
# Policy memory) decides:
#   remembered m=enforce  -> tempfail: the local submission stays queued,
#                            and after the repair and `postqueue -f` bob
#                            has exactly one copy, all queues empty
#   never seen as SSMP    -> by SMTP at once, logged (c.test)
#   remembered m=testing  -> by SMTP at once, logged
#   memory expired (ma=)  -> by SMTP at once, logged
#   bogus                 -> tempfail, even for a domain never seen
# (SERVFAIL from a zone nsd cannot load, and a tampered record:
# t/e2e-faults.t.)
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/faults-lib.sh"
E2E_MODE_B=enforce
fl_world

row() {
	fl_mark
	check "$2: alice submits" fl_send "$1"
	check "$2: milter tempfails, 4.4.3 (temporary)" \
	    fl_wait_verdict "to=<bob@b\\.test>, ssmp=tempfailed \\(4\\.4\\.3 DNS lookup of _ssmp\\.b\\.test failed"
	fl_none b bob "$1" "$2"
	is "$(e2e_log milter-a | tail -n +$((FL_MARK + 1)) | grep -c 'ssmp=not SSMP')" 0 "$2: never 'not SSMP'"
}
# fake MODE: nsd replaced by t/faults-srv.py dns MODE.
fake() {
	world_dns_stop
	fl_srv fakedns dns "$1" "$(world_port dns)" && world_wait_port "$(world_port dns)" 5
	sleep 1.1	# the milter's cache (MaxCacheTTL 1)
}
back() { world_kill fakedns; world_kill blackhole; world_dns_start; sleep 1.1; }
# smtp_row MSGID TO WHY WHAT: during a DNS failure the recipient is not
# upgraded (WHY: the memory's reason) and goes by SMTP at once.
smtp_row() {
	fl_mark
	check "$4: alice submits" fl_send "$1" "$2"
	check "$4: not upgraded, by SMTP: $3" \
	    fl_wait_verdict "to=<${2%@*}@${2#*@}>, ssmp=not upgraded \\(4\\.4\\.3 DNS lookup of _ssmp\\.${2#*@} failed: .*$3"
	check "$4: delivered by SMTP at once" e2e_wait "${2#*@}" "${2%@*}" "$1" 1 20
	is "$(fl_count "${2#*@}" "${2%@*}" "$1")" 1 "$4: exactly one copy"
}
# ssmp_once MSGID WHAT: one message to bob by SSMP (the memory renewed)
ssmp_once() {
	fl_mark
	check "$2: alice submits" fl_send "$1"
	check "$2: upgraded" fl_wait_verdict 'to=<bob@b\.test>, ssmp=upgraded'
	fl_once b bob "$1" "$2"
}
# policy MODE [MA]: b.test publishes m=MODE (ma=MA), served at once
policy() {
	world_dns_del b "^_ssmp\\.b\\.test\\." &&
	    world_dns_add b "_ssmp.b.test. 60 IN TXT \"v=SSMP1; h=ssmp.b.test:$(world_port b https); s=s1; m=$1${2:+; ma=$2}\"" &&
	    world_dns_reload && sleep 1.1
}
wait_servfail_memory() { sleep 4.1; }	# unbound keeps a SERVFAIL 5 s

ssmp_once d-seen@a.test "[DISC-19] before the faults: b.test seen as SSMP (m=enforce)"

e2e_dns_blackhole || bail "cannot start the DNS black hole"
sleep 1.1
row d-timeout@a.test "[DISC-20] DNS timeout, remembered m=enforce"
smtp_row d-never@a.test carol@c.test "not remembered as SSMP \\(never seen" "[DISC-20] DNS timeout, c.test never seen as SSMP"
back || bail "nsd did not come back"
fl_once b bob d-timeout@a.test "DNS timeout, repaired"

fake servfail || bail "fake DNS server"
row d-servfail@a.test "[DISC-15] DNS SERVFAIL"
world_kill fakedns
fake tc || bail "fake DNS server"
row d-tc@a.test "DNS truncated, TCP refused"
back || bail "nsd did not come back"
fl_once b bob d-servfail@a.test "DNS SERVFAIL, repaired"
is "$(fl_count b bob d-tc@a.test)" 1 "DNS truncated, repaired: exactly one copy"

# --- bogus for a domain never seen as SSMP: c.test publishes a policy,
# altered after signing.  Asked by a fresh ssmp-milter -t (own resolver
# cache and Database): the milter in Postfix asked c.test above, and its
# resolver may answer from the signed NSEC records it keeps (RFC 8198).
world_dns_add c "_ssmp.c.test. 60 IN TXT \"v=SSMP1; h=ssmp.c.test; s=s1; m=testing\"" &&
    world_dns_reload || bail "cannot publish c.test's policy"
sed -i 's/h=ssmp\.c\.test/h=evil.c.test/' "$WORLD/dns/zones/c.test.zone.signed" &&
    nsd-control -c "$WORLD/dns/nsd.conf" reload c.test >/dev/null || bail "cannot alter c.test"
check "bogus, never seen: nsd serves the altered record" e2e_until 5 sh -c \
    "drill -p $(world_port dns) _ssmp.c.test @127.0.0.1 TXT | grep -q evil"
grep -v '^Database' "$(e2e_conf_file a)" >"$TMP/fresh.conf" &&
    echo "Database $TMP/fresh-db" >>"$TMP/fresh.conf" &&
    mkdir -p "$TMP/fresh-db" && chown nobody "$TMP/fresh-db" || bail "fresh Database"
printf 'From: alice@a.test\nTo: carol@c.test\nSubject: t\n\nHi\n' >"$TMP/c.eml"
"$E2E_MILTER" -c "$TMP/fresh.conf" -t "$TMP/c.eml" >"$TMP/t.out" 2>&1
is "$?" 75 "[DISC-15] DNSSEC bogus, c.test never seen as SSMP: temporary (exit 75), never by SMTP"
like "$(cat "$TMP/t.out")" "^to=<carol@c\\.test>: DNS temporary failure \\(.*DNSSEC validation failed.*would be tempfailed" \
    "DNSSEC bogus, never seen: the milter would tempfail"
world_dns_del c "^_ssmp\\.c\\.test" || bail "cannot drop c.test's policy"

# --- bogus: b.test's policy record altered after signing, its RRSIG no
# longer matches.  (A zone whose DNSKEY fails: t/keystore-dnssec.t; the
# resolver then avoids the zone for 60 s, unbound's fixed time.)
sed -i 's/m=enforce/m=testing/' "$WORLD/dns/zones/b.test.zone.signed" &&
    nsd-control -c "$WORLD/dns/nsd.conf" reload b.test >/dev/null || bail "cannot alter b.test"
check "bogus: nsd serves the altered record" e2e_until 5 sh -c \
    "drill -p $(world_port dns) _ssmp.b.test @127.0.0.1 TXT | grep -q m=testing"
sleep 1.1
row d-bogus@a.test "[DNS-1] DNSSEC bogus (bad signature)"
world_dns_reload || bail "DNS reload failed"
sleep 1.1
fl_once b bob d-bogus@a.test "DNSSEC bogus, repaired"

# --- remembered m=testing: a DNS failure sends by SMTP.
policy testing || bail "cannot publish m=testing"
ssmp_once d-seentest@a.test "b.test seen as SSMP with m=testing"
e2e_dns_blackhole || bail "cannot start the DNS black hole"
sleep 1.1
smtp_row d-remtest@a.test bob@b.test "remembered as SSMP, m=testing, by SMTP" "[DISC-20] DNS timeout, remembered m=testing"
back || bail "nsd did not come back"

# --- the memory runs out: ma=3, then 4 s without seeing the policy.
wait_servfail_memory
policy enforce 3 || bail "cannot publish ma=3"
ssmp_once d-seenma@a.test "b.test seen as SSMP, m=enforce, ma=3"
sleep 4
e2e_dns_blackhole || bail "cannot start the DNS black hole"
sleep 1.1
smtp_row d-expired@a.test bob@b.test "not remembered as SSMP" "[DISC-18] [DISC-19] DNS timeout, memory expired (ma=3)"
back || bail "nsd did not come back"
wait_servfail_memory
policy enforce || bail "cannot publish m=enforce"

# --- oversized: a 5000-byte TXT record beside the policy record.
pad=$(head -c 250 /dev/zero | tr '\0' x)
big=""; i=0
while [ $i -lt 20 ]; do big="$big \"$pad\""; i=$((i + 1)); done
world_dns_add b "_ssmp.b.test. 60 IN TXT$big" && world_dns_reload || bail "cannot add the big TXT"
check "oversized: a UDP answer is truncated" sh -c \
    "drill -p $(world_port dns) -u _ssmp.b.test @127.0.0.1 TXT 2>&1 | grep -Eq 'flags:.* tc'"
sleep 1.1
fl_mark
check "oversized TXT: alice submits" fl_send d-big@a.test
check "oversized TXT: upgraded (the answer came by TCP)" fl_wait_verdict 'to=<bob@b\.test>, ssmp=upgraded'
fl_once b bob d-big@a.test "oversized TXT"
done_testing
