#!/bin/sh
# faults-dns.t - fault matrix, DNS as a.test's milter sees it: a server
# that never answers (timeout), one that answers SERVFAIL, one whose UDP
# answers are truncated (TC) while TCP is refused, b.test's policy record
# altered after signing (bogus), and an oversized TXT
# RRset at _ssmp.b.test (more than fits in UDP: TCP needed).  b.test
# publishes m=enforce.  Failures are temporary (never "no SSMP"): the
# local submission stays queued, and after the repair and `postqueue -f`
# bob has exactly one copy and all queues are empty.  (SERVFAIL from a
# zone nsd cannot load, and a tampered record: t/e2e-faults.t.)
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

e2e_dns_blackhole || bail "cannot start the DNS black hole"
sleep 1.1
row d-timeout@a.test "DNS timeout"
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
