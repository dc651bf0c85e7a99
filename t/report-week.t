#!/bin/sh
# report-week.t - delivery reports (ssmp.7 DELIVERY REPORTS) across
# simulated days: b.test publishes m=testing with rua=; a.test's milter
# and b.test's ssmpd run with their clocks moved to noon of day 1 to 7
# (libfaketime), and each day alice writes to bob while faults are
# induced: an expired certificate at b.test, SERVFAIL for b.test's zone,
# b.test's refusals (bob blocks alice).  After each day one report goes
# from a.test to b.test (ssmpctl report send, the last one by the
# milter's own ReportSend), signed by a.test; its counts must be exactly
# what a.test's milter logged that day.  A forged and an unsigned report
# are refused and not stored; ssmpctl report and rollout show the week.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/faults-lib.sh"
only_in_pass gcc
FT_LIB=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -1)
[ -n "$FT_LIB" ] || skip_all "libfaketime not installed (t/install-deps)"
command -v curl >/dev/null || skip_all "curl not installed"
fl_world
HTTPS_B=$(world_port b https)
RUA="https://ssmp.b.test:$HTTPS_B/.well-known/ssmp/v1/report"
world_dns_del b "^_ssmp\\.b\\.test\\." &&
    world_dns_add b "_ssmp.b.test. 60 IN TXT \"v=SSMP1; h=ssmp.b.test:$HTTPS_B; s=s1; m=testing; rua=$RUA\"" &&
    world_dns_reload || bail "cannot publish rua="

# The clock of day K: noon UTC, K days after the day the test began (as
# seconds to add; fixed once, so a real midnight meanwhile moves nothing).
NOON=$(date -u -d 'today 12:00' +%s)
offset() { echo $((NOON + $1 * 86400 - $(date +%s))); }
# faked K COMMAND...: exec COMMAND with the clock of day K (in a subshell).
faked() {
	local k
	k=$1; shift
	exec env LD_PRELOAD="$FT_LIB" FAKETIME="+$(offset "$k")" \
	    FAKETIME_DONT_FAKE_MONOTONIC=1 \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$@"
}
# start KIND L K: L's ssmpd or milter (SIGKILLed first) on day K.
start() {
	local port prog
	case $1 in
	ssmpd) port=$(world_port "$2" https); prog=$E2E_SSMPD ;;
	*) port=$(world_port "$2" milter); prog=$E2E_MILTER ;;
	esac
	fl_kill9 "$1-$2"
	world_spawn "$1-$2" faked "$3" "$prog" -f -c "$(e2e_conf_file "$2")" &&
	    world_wait_port "$port" 10
}
day() {
	start ssmpd b "$1" && start milter a "$1" || bail "day $1: daemons did not start"
	DAY_MARK=$(e2e_log milter-a | wc -l)
}
# What the milter logged to b.test since the day began, as the report
# counts it: "ok=N fail=N smtp=N TYPE=N..." (types in order).
logged() {
	e2e_log milter-a | tail -n +$((DAY_MARK + 1)) | grep 'to=<[^>]*@b\.test>' >"$TMP/day.log"
	printf 'ok=%s fail=%s smtp=%s' "$(grep -c 'ssmp=upgraded (' "$TMP/day.log")" \
	    "$(grep -c 'report=' "$TMP/day.log")" \
	    "$(grep 'report=' "$TMP/day.log" | grep -Ec 'ssmp=(fell back|not upgraded)')"
	grep -o 'report=[a-z-]*' "$TMP/day.log" | sort | uniq -c |
	    awk '{ sub(/report=/, "", $2); printf " %s=%d", $2, $1 }'
	echo
}
send() {
	fl_mark
	fl_send "$1" "$2" && fl_wait_verdict "to=<${2:-bob@b.test}>, ssmp=" 20
}
ok_mail() { check "day $1: $2 upgraded" send "w$1-$2@a.test" ||
    diag "$(e2e_log milter-a | tail -3)"; }
# The certificate b.test's ssmpd serves (see t/faults-remote.t).
C=$TMP/certs; mkdir -p "$C"; CA=$WORLD/ca
cp "$CA/ssmp.b.test.chain" "$C/good.chain" && cp "$CA/ssmp.b.test.key" "$C/good.key"
fl_expired_cert "$C" || bail "expired certificate: $(cat "$C/log")"
cert() { cp "$C/$1.chain" "$CA/ssmp.b.test.chain" && cp "$C/$1.key" "$CA/ssmp.b.test.key" &&
    world_userid "$(e2e_conf_file b)" && start ssmpd b "$2"; }
# b.test's reports, as ssmpctl shows them: "DAY ok=N fail=N smtp=N TYPE=N..."
received() {
	e2e_ctl b --json report show --since 30d | "$FL_PY" -c '
import json, sys
for e in json.load(sys.stdin):
    r = e["report"]; ok = f = s = 0; n = {}
    for p in r["policies"]:
        sm = p["summary"]; ok += sm["total-successful-session-count"]
        f += sm["total-failure-session-count"]; s += sm.get("fallback-smtp-count", 0)
        for d in p.get("failure-details", []):
            n[d["result-type"]] = n.get(d["result-type"], 0) + d["failed-session-count"]
    print(r["date-range"]["start-datetime"][:10], "ok=%d fail=%d smtp=%d" % (ok, f, s),
          " ".join("%s=%d" % kv for kv in sorted(n.items())))' | sed 's/ *$//'
}
date_of() { date -u -d "@$((NOON + $1 * 86400))" +%Y-%m-%d; }
# sent K: a.test sends what is due on day K (the reports of earlier days).
sent() { ( faked "$1" "$E2E_CTL" -c "$(e2e_conf_file a)" report send 2>&1 ); }

# --- day 1: three delivered, two to an expired certificate (by SMTP).
day 1
ok_mail 1 1; ok_mail 1 2; ok_mail 1 3
cert expired 1 || bail "ssmpd b with the expired certificate"
check "day 1: expired certificate, falls back" send w1-x1@a.test
check "day 1: again" send w1-x2@a.test
like "$(logged)" 'certificate-expired=2' "day 1: the milter logged report=certificate-expired twice"
cert good 1 || bail "ssmpd b with its certificate"
LOG1=$(logged)

# --- day 2: two delivered, SERVFAIL for b.test (policy remembered:
# by SMTP), bob blocks alice (5.7.1: refused).
day 2
like "$(sent 2)" 'reports: 1 sent, 0 refused, 0 to try again' "[RPT-6] day 2: day 1's report sent"
ok_mail 2 1; ok_mail 2 2
e2e_ctl b allow add bob@b.test alice@a.test blocked >/dev/null
check "day 2: bob refuses alice" send w2-no@a.test
e2e_ctl b allow del bob@b.test alice@a.test >/dev/null
e2e_zone_break b
check "day 2: nsd answers SERVFAIL for b.test" \
    e2e_until 5 e2e_dns_says _ssmp.b.test TXT 'rcode: SERVFAIL'
sleep 1.1
check "day 2: SERVFAIL, not upgraded" send w2-dns@a.test
LOG2=$(logged)
world_dns_reload && e2e_until 5 e2e_dns_says _ssmp.b.test TXT 'rcode: NOERROR' ||
    bail "b.test's zone not repaired"
like "$LOG2" 'dns-temporary=1 refused=1' "day 2: the milter logged a DNS failure and a refusal"

# --- day 3: one delivered, one refused; its report goes out on day 4
# from the milter's housekeeping thread (ReportSend, ReportInterval 10).
day 3
like "$(sent 3)" 'reports: 1 sent' "[RPT-6] day 3: day 2's report sent"
like "$(sent 3)" 'reports: 0 sent' "[RPT-6] day 3: nothing sent twice"
ok_mail 3 1
e2e_ctl b allow add bob@b.test alice@a.test blocked >/dev/null
check "day 3: bob refuses alice" send w3-no@a.test
e2e_ctl b allow del bob@b.test alice@a.test >/dev/null
LOG3=$(logged)

# --- days 4 to 7: quiet days, each day's report sent the next day; day
# 7's goes out on day 8 from the milter's housekeeping thread
# (ReportSend, ReportInterval 10).
for k in 4 5 6 7; do
	day $k
	like "$(sent $k)" 'reports: 1 sent' "[RPT-6] day $k: day $((k - 1))'s report sent"
	ok_mail $k 1
	[ $k != 7 ] || ok_mail $k 2
	eval "LOG$k=\$(logged)"
done
e2e_conf a ReportSend yes && e2e_conf a ReportInterval 10
start ssmpd b 8 && start milter a 8 || bail "day 8: daemons did not start"
check "[RPT-6] day 8: the milter sends day 7's report" \
    e2e_until 30 sh -c "grep -q 'report $(date_of 7)_b.test from a.test to b.test: sent' '$WORLD/log/milter-a.log'"
like "$(sent 8)" 'reports: 0 sent' "[RPT-6] day 8: after the milter, nothing left to send"

# --- b.test has one signed report per day, counting what a.test logged.
R=$(received)
diag "received: $(echo "$R" | tr '\n' '|')"
is "$(echo "$R" | wc -l)" 7 "[RPT-7] b.test stored seven reports, one a day"
for k in 1 2 3 4 5 6 7; do
	is "$(echo "$R" | sed -n ${k}p)" "$(date_of $k) $(eval echo "\$LOG$k")" \
	    "[RPT-2] day $k: the report counts what a.test logged"
done
like "$(e2e_log ssmpd-b)" "report $(date_of 1)_b.test from a.test: accept 2.0.0" \
    "[RPT-8] ssmpd verified and stored a.test's report"
is "$(e2e_ctl b --json report show --since 30d | grep -c '[A-Za-z0-9._+-]@b\.test')" 0 \
    "[RPT-3] no local part of b.test in what was stored"

# --- forgeries: a stored report with one member changed, and unsigned.
e2e_ctl b --json report show --since 30d | "$FL_PY" -c '
import json, sys
r = json.load(sys.stdin)[0]["report"]; r["organization-name"] = "forger.example"
print(json.dumps(r, separators=(",", ":")))' >"$TMP/forged.json"
B88=$(printf 'A%.0s' $(seq 1 86))==
post() {
	curl -s -o "$TMP/answer" -w '%{http_code}' --cacert "$WORLD_CA" \
	    --resolve "ssmp.b.test:$HTTPS_B:127.0.0.1" -H 'Content-Type: application/tlsrpt+json' \
	    "$@" --data-binary @"$TMP/forged.json" "$RUA"
}
is "$(post -H "SSMP-Report-Signature: v=SSMP1; d=a.test; s=s1; t=20261207000000000000; b=$B88")" 403 \
    "[RPT-8] a forged report: 403"
like "$(cat "$TMP/answer")" '"code":"5\.7\.5"' "[RPT-7] ...5.7.5, its signature does not verify"
is "$(post)" 403 "[RPT-8] an unsigned report: 403"
like "$(cat "$TMP/answer")" 'unsigned report' "[RPT-7] ...saying so"
is "$(received | wc -l)" 7 "[RPT-8] neither was stored"

# --- what the postmaster of b.test sees.
like "$(e2e_ctl b report list --since 30d)" "$(date_of 7) +a\\.test" "report list: a line per report"
like "$(e2e_ctl b report summary --since 30d)" '7 reports from 1 sending domain' "report summary: one screen"
like "$(e2e_ctl b report summary --since 30d)" 'TLS certificate expired \(from a\.test\)' \
    "report summary: the failures by type and sender"
ROLL=$(e2e_ctl b rollout --since 30d --min 5); RC=$?
diag "$ROLL"
is "$RC" 1 "rollout: not yet safe for m=enforce (exit 1)"
like "$ROLL" 'a\.test: 16 recipients, 11 delivered by SSMP' "rollout: the evidence per sending domain"
like "$ROLL" '3 would be deferred under m=enforce' "rollout: the certificate and DNS failures count, the refusals do not"
like "$ROLL" 'ssmpd here received 11 from it' "rollout: ssmpd's own delivered-log agrees"
like "$(e2e_ctl b --json rollout --since 30d --min 5)" \
    '^\[\{"domain":"b\.test","safe":false,.*"reporter":"a\.test","recipients":16,"ssmp":11,"failed":5,"smtp":3,"deferred":3,"received":11' \
    "rollout --json: the same evidence for scripts"
done_testing
