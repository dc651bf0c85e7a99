#!/bin/sh
# attack-dns.t - DNS starvation (issue 14 item 4): envelopes from sender
# domains whose DNS never answers (zones delegated to addresses where
# nothing listens, asked through a real recursive resolver in front of
# nsd, as a site's resolver) must not delay a genuine sender.  Lookups in
# flight are capped per sender domain (8) and in total, a failure is
# remembered for the domain, allow-list reads never wait behind DNS, and
# a genuine envelope (its key cached) is answered as fast under the attack
# as without it (figures for bench/RESULTS.md in the diagnostics).  Real
# ssmpd over TLS, nsd + a recursive unbound as its forwarder, Postfix.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/ssmpd-lib.sh"
only_in_pass san
command -v unbound >/dev/null || PATH=$PATH:/usr/sbin
command -v unbound >/dev/null || skip_all "unbound (the daemon) not installed"

N=60	# attacking sender domains, d1.test ... dN.test, each dead
zones=dead.test:dead; i=1
while [ $i -le $N ]; do zones="$zones d$i.test:dead"; i=$((i + 1)); done
SD_DNS_ZONES=$zones SD_RESOLVER=1 sd_world
sd_conf Nameservers "127.0.0.1:$(world_port resolver)" DNSTimeout 5 UnknownSender tag
$SSMPC allow "$SD_DIR/db" bob@b.test alice@a.test known || bail "allow failed"
sd_start

# post JSON OUT: an envelope; OUT gets "status seconds code".
post() {
	_r=$($SD_CURL -o "$2.resp" -w '%{http_code} %{time_total}' -H 'Content-Type: application/json' \
	    --data-binary "@$1" "$SD_URL/envelope")
	echo "$_r $(sed -n 's/^{"v":1,"status":"[a-z]*","code":"\([0-9.]*\)".*/\1/p' "$2.resp")" >"$2"
}
# genuine TIMES: one envelope of alice@a.test, its result appended to TIMES
genuine() {
	sd_env alice@a.test bob@b.test >"$TMP/g.json" && post "$TMP/g.json" "$TMP/g.out"
	cat "$TMP/g.out" >>"$1"
}
# stats TIMES: "p50 max" in ms of the 200 answers; stats_all: all were 200
stats() { awk '$1 == 200 { print int($2 * 1000) }' "$1" | sort -n |
    awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)], v[NR]; else print "- -" }'; }
all_200() { [ -s "$1" ] && awk '$1 != 200 { bad = 1 } END { exit bad }' "$1"; }

# ---- no attack -------------------------------------------------------------
genuine "$TMP/warm"	# its key, once verified, is cached
is "$(cut -d' ' -f1 "$TMP/warm")" 200 "a genuine envelope: 200"
like "$("$top_builddir/tools/ssmpctl" -c "$SD_CONF" cache list)" '^a\.test s2026 ' \
    "its key entered the key cache after the signature verified"
i=0; while [ $i -lt 10 ]; do genuine "$TMP/base"; sleep 0.1; i=$((i + 1)); done
check "no attack: 10 genuine envelopes, all 200" all_200 "$TMP/base"

# ---- one dead domain: at most 8 lookups in flight, then remembered ------
i=1
while [ $i -le 20 ]; do
	$SSMPC envelope $SEED_N q$i x@dead.test bob@b.test >"$TMP/dd$i.json" || bail "ssmpc"
	i=$((i + 1))
done
t0=$(date +%s)
i=1; while [ $i -le 20 ]; do post "$TMP/dd$i.json" "$TMP/dd$i.out" & i=$((i + 1)); done
wait
fast=$(cat "$TMP"/dd*.resp | grep -c 'too many DNS lookups in flight for dead\.test')
is "$fast" 12 "dead.test: 8 lookups in flight, the other 12 refused at once"
is "$(cat "$TMP"/dd*.out | awk '$1 == 503 && $3 == "4.4.3"' | wc -l | tr -d ' ')" 20 \
    "dead.test: all 20 answered 503 4.4.3 (temporary)"
ok_if() { if test $1; then ok "$2"; else not_ok "$2"; fi; }
ok_if "$(($(date +%s) - t0)) -le 8" "dead.test: all answered within DNSTimeout ($(($(date +%s) - t0)) s)"
$SSMPC envelope $SEED_N q99 x@dead.test bob@b.test >"$TMP/dd99.json" && post "$TMP/dd99.json" "$TMP/dd99.out"
like "$(cat "$TMP/dd99.out.resp")" 'remembered for [0-9]+s' "dead.test's failure is remembered: answered at once"

# ---- the attack: 4 envelopes a second from d1 ... dN -------------------
i=1
while [ $i -le $N ]; do
	$SSMPC envelope $SEED_N $SEL x@d$i.test bob@b.test >"$TMP/a$i.json" || bail "ssmpc"
	i=$((i + 1))
done
i=1
( while [ $i -le $N ]; do post "$TMP/a$i.json" "$TMP/a$i.out" & sleep 0.25; i=$((i + 1)); done; wait ) &
attack=$!
sleep 6		# the old four DNS workers would be swamped by now
i=0; while [ $i -lt 10 ]; do genuine "$TMP/att"; sleep 0.3; i=$((i + 1)); done
# a sender whose key is not cached yet: its DNS lookup beside the attack
$SSMPC envelope $SEED_N $SEL carol@m.a.test bob@b.test >"$TMP/m.json" && post "$TMP/m.json" "$TMP/m.out"
wait $attack

check "under attack: 10 genuine envelopes, all 200" all_200 "$TMP/att"
set -- $(stats "$TMP/base"); b50=$1 bmax=$2
set -- $(stats "$TMP/att"); a50=$1 amax=$2
diag "latency: genuine envelope, key cached: no attack p50 ${b50} ms max ${bmax} ms; under attack p50 ${a50} ms max ${amax} ms"
diag "latency: uncached sender under attack: $(awk '{ print $1, int($2 * 1000) " ms" }' "$TMP/m.out")"
ok_if "${amax:-99999} -lt 1000" "under attack every genuine envelope is answered within 1 s (max ${amax} ms)"
ok_if "${a50:-99999} -le $((${b50:-0} * 3 + 50))" "under attack the median is that of no attack (${a50} vs ${b50} ms)"
# Through a forwarder its lookup may wait: the forwarder's silence for the
# attacker's names counts against it in the resolver (ssmp.conf.5
# DNSMode); never longer than DNSTimeout.
ok_if "$(awk '{ print int($2) }' "$TMP/m.out") -le 6" "an uncached sender under attack: answered within DNSTimeout"
is "$(cat "$TMP"/a*.out | awk '$1 == 503 && $3 == "4.4.3"' | wc -l | tr -d ' ')" "$N" \
    "the $N attacking envelopes: 503 4.4.3 (temporary), none taken for 'no key'"
ok_if "$(cat "$TMP"/a*.out | awk '$2 > m { m = $2 } END { print int(m) }') -le 6" \
    "each attacking envelope was answered within DNSTimeout"
check "ssmpd still serves /healthz" sh -c "curl -sf http://127.0.0.1:$SD_ADMIN/healthz >/dev/null"
done_testing
