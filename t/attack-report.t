#!/bin/sh
# attack-report.t - the report endpoint (ssmp.7 RPT-7..9, ssmpd.8
# RESOURCE BUDGET, Reports) against what a client can send: no signature,
# a forged one, another domain's key, a report about a domain not served,
# a local part in a sample reason, a body over 64 KiB, and one reporting
# domain sending 40 valid reports at once.  Nothing but verified reports
# is stored, no more than the budget allows, and mail still flows.  Real
# ssmpd over TLS, nsd, Postfix, LMDB.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/ssmpd-lib.sh"
only_in_pass san

sd_world
sd_conf UnknownSender tag
$SSMPC allow "$SD_DIR/db" bob@b.test alice@a.test known || bail "allow failed"
sd_start
CTL=$top_builddir/tools/ssmpctl
DAY=$(date -u -d yesterday +%Y-%m-%d)
# rpt SEED REPORTER ABOUT ID [SAMPLE]: a signed report in $TMP/r.json,
# its signature field in $SIG.
rpt() { SIG=$($SSMPC report "$1" $SEL "$2" "$3" "$DAY" "$4" "$TMP/r.json" ${5:+"$5"}); }
post() {
	$SD_CURL -o "$TMP/resp" -w '%{http_code}' \
	    -H 'Content-Type: application/tlsrpt+json' "$@" \
	    --data-binary "@$TMP/r.json" "$SD_URL/report"
}
stored() { "$CTL" -c "$SD_CONF" --json report list --since 30d | grep -o '"id":' | wc -l | tr -d ' '; }

rpt $SEED_A a.test b.test r1
is "$(post -H "SSMP-Report-Signature: $SIG")" 200 "[RPT-7] a report signed by a.test: 200"
like "$(cat "$TMP/resp")" '"code":"2\.0\.0"' "[RPT-7] ...2.0.0 stored"
is "$(post -H "SSMP-Report-Signature: $SIG")" 200 "[RPT-7] the same report again: 200"
like "$(cat "$TMP/resp")" 'stored before' "[RPT-7] ...nothing changed"
is "$(stored)" 1 "[RPT-9] one report stored"

is "$(post)" 403 "[RPT-8] unsigned: 403"
like "$(cat "$TMP/resp")" '"code":"5\.7\.5".*unsigned' "[RPT-8] ...5.7.5, says why"
BAD=$(echo "$SIG" | sed 's/b=A/b=B/; t; s/b=./b=A/')
rpt $SEED_A a.test b.test r2
is "$(post -H "SSMP-Report-Signature: $BAD")" 403 "[RPT-8] a signature that does not verify: 403"
rpt $SEED_N m.a.test b.test r3
sed 's/"reporting-domain":"m\.a\.test"/"reporting-domain":"a.test"/' "$TMP/r.json" >"$TMP/x" && mv "$TMP/x" "$TMP/r.json"
is "$(post -H "SSMP-Report-Signature: $SIG")" 403 "[RPT-8] signed by m.a.test for a.test: 403"
like "$(cat "$TMP/resp")" 'reporting-domain is not the signature' "[RPT-8] ...d= is not the reporting-domain"
rpt $SEED_A a.test c.test r4
is "$(post -H "SSMP-Report-Signature: $SIG")" 403 "[RPT-7] about c.test (not served here): 403"
like "$(cat "$TMP/resp")" '"code":"5\.1\.2"' "[RPT-7] ...5.1.2"
rpt $SEED_A a.test b.test r5 'bob@b.test: no answer'
is "$(post -H "SSMP-Report-Signature: $SIG")" 400 "[RPT-3] a local part in a sample reason: 400"
like "$(cat "$TMP/resp")" '"code":"5\.5\.2".*local part' "[RPT-3] ...5.5.2, named"
head -c 70000 /dev/zero | tr '\0' ' ' >"$TMP/r.json"
is "$(post -H "SSMP-Report-Signature: $SIG")" 413 "[RPT-7] a body over 65536 octets: 413 before it is read"
is "$(stored)" 1 "[RPT-8] none of them was stored"

# One reporting domain, 40 valid reports at once: 24 an hour.
n200=0 n429=0
for i in $(seq 1 40); do
	rpt $SEED_A a.test b.test "flood-$i"
	case $(post -H "SSMP-Report-Signature: $SIG") in
	200) n200=$((n200 + 1)) ;;
	429) n429=$((n429 + 1)) ;;
	esac
done
diag "40 reports: $n200 x 200, $n429 x 429"
# r1 and its repeat verified, and took two of the hour's 24.
is "$n200/$n429" 22/18 "[RPT-9] 24 reports an hour per reporting domain (2 earlier, 22 now), then 429"
is "$(stored)" 23 "[RPT-9] 23 stored (r1 and 22), no more"
like "$(grep 'too many reports' "$WORLD/log/ssmpd.log" | head -1)" '429|4\.7\.0' "[RPT-9] the refusal is logged"
sd_env alice@a.test bob@b.test >"$TMP/e.json"
is "$(sd_post envelope "$TMP/e.json")" 200 "a genuine envelope after the flood: 200"
done_testing
