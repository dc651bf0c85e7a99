#!/bin/sh
# ctl-status.t - ssmpctl status and ssmpctl check in the SSMP world
# (t/e2e-lib.sh: a.test and b.test each with ssmpd and ssmp-milter).
# status: the daemons up (admin /healthz, the milter's socket answering
# OPTNEG), what ssmpd loaded, its counters, the store; a daemon down is
# named and exits 69.  check: one verdict line per step of a sender's
# path; a domain without SSMP, a receiver down, a key that differs, a
# clock off by more than Window each fail at their step.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"
only_in_pass gcc
e2e_test_world

st() { e2e_ctl "$1" status; }
# line L WORD...: the status line of L whose first field is WORD
line() { l=$1; shift; st "$l" | awk -v w="$*" 'index($0, w) == 1'; }

# --- status -----------------------------------------------------------------
out=$(st a); rc=$?
is "$rc" 0 "status: exit 0 with both daemons up"
like "$out" "^ssmpd +up +AdminListen inet:$(world_port spare 0)@127\\.0\\.0\\.1, healthz ok, up [0-9]+ min" \
    "status: ssmpd up, asked on its admin listener"
like "$out" "^ssmp-milter +up +Socket inet:$(world_port a milter)@127\\.0\\.0\\.1, milter protocol 6" \
    "status: ssmp-milter up, its socket answering a milter negotiation"
like "$out" '^keys +a\.test s1 \(signing\) \(loaded by ssmpd\)' \
    "status: the keys ssmpd loaded, the signing one marked"
like "$out" '^certificate +expires 20[0-9-]+ [0-9:]+ UTC \((29|30) days\)' \
    "status: the certificate ssmpd serves, when it expires"
like "$out" '^store +.*/db: map [0-9]+ of [0-9]+ pages' "status: the store's map use"
like "$out" 'allow [0-9]+, keycache [0-9]+, replay [0-9]+' "status: entries per store"

check "alice@a.test writes to bob@b.test" e2e_send alice@a.test bob@b.test st1@a.test
check "bob receives it" e2e_wait b bob st1@a.test 1 20
out=$(st b)
like "$out" '^envelopes +accepted 1, rejected 0, tempfailed 0' \
    "status of b: counters since start, envelopes"
like "$out" '^messages +delivered 1, ' "...messages"
like "$out" '^requests +envelope +2xx 1; p50 <= [0-9.]+s, p99 <= [0-9.]+s' \
    "...requests per endpoint and status class, with latency"

e2e_milter_stop a
out=$(st a); rc=$?
is "$rc" 69 "status: a daemon down: exit 69"
like "$out" "^ssmp-milter +DOWN +Socket inet:$(world_port a milter)@127\\.0\\.0\\.1: Connection refused" \
    "status: the milter down, named with why"
e2e_milter_start a || bail "milter a did not restart"

# --- metrics: ssmpd's labels and histograms, the milter's outcomes ----------
m=$(curl -s "http://127.0.0.1:$(world_port spare 1)/metrics")
like "$m" '^ssmpd_http_requests_total\{endpoint="envelope",code="2xx"\} 1$' \
    "ssmpd /metrics: responses by endpoint and status class"
like "$m" '^ssmpd_http_request_duration_seconds_bucket\{endpoint="message",le="\+Inf"\} 1$' \
    "ssmpd /metrics: a latency histogram per endpoint"
like "$m" '^ssmpd_key_info\{domain="b\.test",selector="s1",signing="yes"\} 1$' \
    "ssmpd /metrics: the keys loaded"
MADMIN=$(world_port spare 2)
e2e_conf a MilterAdminListen "inet:$MADMIN@127.0.0.1"
e2e_milter_stop a && e2e_milter_start a || bail "milter a did not restart"
check "alice writes to bob@b.test and carol@c.test" \
    e2e_send alice@a.test bob@b.test,carol@c.test st2@a.test
check "carol receives it" e2e_wait c carol st2@a.test 1 20
world_dns_stop
# (whether it waits or goes by SMTP is the pipeline's decision, not ours)
e2e_send alice@a.test carol@c.test st3@a.test >/dev/null 2>&1
world_dns_start || bail "nsd did not restart"
m=$(curl -s "http://127.0.0.1:$MADMIN/metrics")
like "$m" '^ssmp_milter_recipients_total\{outcome="upgraded",code="2\.[0-9.]+"\} 1$' \
    "milter /metrics (MilterAdminListen): upgraded, with its status code"
like "$m" '^ssmp_milter_recipients_total\{outcome="not SSMP",code="[0-9.]*"\} 1$' \
    "milter /metrics: not SSMP"
like "$m" '^ssmp_milter_recipients_total\{outcome="DNS temporary",code="[0-9.]*"\} 1$' \
    "milter /metrics: DNS temporary (c.test looked up with DNS down)"
is "$(curl -s "http://127.0.0.1:$MADMIN/healthz")" ok "milter /healthz"
# a client trickling its request an octet a second holds the one serving
# thread for 5 s in all, not 5 s per octet
python3 -c '
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t0 = time.time()
try:
    for c in b"GET /metrics HTTP/1.1\r\nHost: x\r\n":
        s.send(bytes([c])); time.sleep(1)
        if time.time() - t0 > 30: break
except OSError:
    pass
print(int(time.time() - t0))' "$MADMIN" >"$TMP/trickle" 2>&1 &
trickle=$!
sleep 1
t0=$(date +%s)
curl -s --max-time 20 "http://127.0.0.1:$MADMIN/healthz" >/dev/null
waited=$(( $(date +%s) - t0 ))
diag "healthz behind a trickling client: $waited s"
if [ "$waited" -le 7 ]; then ok "milter admin: a trickling client is cut at 5 s ($waited s)"
else not_ok "milter admin: a trickling client is cut at 5 s ($waited s)"; fi
wait $trickle
like "$(st a)" '^outbound +upgraded 1, fell back 0, rejected 0, not SSMP 1, tempfailed 0, DNS temporary 1; messages discarded 0$' \
    "status: the milter's outcomes since its start"

# --- check ------------------------------------------------------------------
out=$(e2e_ctl a check b.test); rc=$?
is "$rc" 0 "check b.test from a.test: exit 0"
is "$(echo "$out" | awk '{ print $1, $2 }' | tr '\n' ' ')" \
    "policy ok key ok host ok tls ok endpoint ok clock ok envelope ok b.test: ok " \
    "check: one verdict per step, all ok"
like "$out" '^policy +ok +_ssmp\.b\.test: h=ssmp\.b\.test:[0-9]+ s=s1 m=testing \(DNSSEC secure\)' \
    "check: the policy with its DNSSEC state"
like "$out" '^key +ok +s1\._ssmpkey\.b\.test: ed25519 \(DNSSEC secure\)' "check: the key record"
like "$out" '^host +ok +ssmp\.b\.test: 127\.0\.0\.1 port [0-9]+' "check: the h= host's address"
like "$out" '^tls +ok +verified .*CN ?= ?ssmp\.b\.test, expires in (29|30) days' \
    "check: TLS verified as a sender verifies it, the certificate's expiry"
like "$out" '^endpoint +ok +https://ssmp\.b\.test:[0-9]+/\.well-known/ssmp/v1/key/b\.test/s1: the key DNS publishes' \
    "check: the key endpoint serves the DNS key"
like "$out" '^clock +ok +theirs [+-][01] s from ours' "check: the clock skew"
like "$out" '^envelope +ok +from postmaster@a\.test to postmaster@b\.test \(a\.test s1\): accepted' \
    "check: a dry envelope signed with our key, accepted"

out=$(e2e_ctl a check a.test)
like "$out" '^key +ok +s1\._ssmpkey\.a\.test: ed25519, the same as our key' \
    "check of our own domain: the published key is ours"

out=$(e2e_ctl a check c.test); rc=$?
is "$rc" 69 "check c.test (no SSMP): exit 69"
like "$out" '^policy +FAIL +_ssmp\.c\.test: none, c\.test does not speak SSMP' \
    "check c.test: no policy, said at the first step"
is "$(echo "$out" | wc -l | tr -d ' ')" 2 "...and no further step"

if command -v faketime >/dev/null; then
	out=$(faketime -f +600s "$E2E_CTL" -c "$(e2e_conf_file a)" check b.test)
	like "$out" '^clock +FAIL +theirs -(599|600|601) s from ours \(Window 300 s' \
	    "check with our clock 600 s ahead: the clock step fails"
	like "$out" '^envelope +FAIL .*4\.7\.0' "...and the envelope is refused for the time (4.7.0)"
else
	ok "clock skew # SKIP faketime not installed"
	ok "clock skew # SKIP faketime not installed"
fi

e2e_ssmpd_stop b
out=$(e2e_ctl a check b.test); rc=$?
is "$rc" 69 "check b.test with its ssmpd down: exit 69"
like "$out" '^tls +FAIL +ssmp\.b\.test:[0-9]+ \(127\.0\.0\.1\): .*(refused|connect)' \
    "...the tls step names the refused connection"
e2e_ssmpd_start b || bail "ssmpd b did not restart"

# b.test's key record replaced by another key: the key step says so
"$E2E_KEYGEN" -d b.test -s s1 -D "$TMP/other" -t 60 >/dev/null 2>&1 ||
    mkdir -p "$TMP/other" && "$E2E_KEYGEN" -d b.test -s s1 -D "$TMP/other" -t 60 >/dev/null 2>&1
world_dns_del b '^s1\._ssmpkey\.b\.test\.' &&
    world_dns_add b "$(grep '_ssmpkey' "$TMP/other/s1.txt")" && world_dns_reload ||
    bail "cannot republish b's key"
out=$(e2e_ctl b check b.test)
like "$out" '^key +FAIL +s1\._ssmpkey\.b\.test: differs from our key' \
    "check of our own domain with another key published: the key step fails"
out=$(e2e_ctl a check b.test)
like "$out" '^endpoint +FAIL .*a key other than DNS publishes' \
    "...and seen from a.test, the key endpoint no longer matches DNS"
done_testing
