#!/bin/bash
# milter-bench.sh - ssmp-milter against no milter and OpenDKIM, one run,
# one private Postfix instance (a.test of the test world), smtp-source.
#	bench/milter-bench.sh [BUILDDIR]	(as root; about 4 minutes)
#
# Rows (20 smtp-source sessions from 127.0.0.1, a local submission for
# the milter: everything is decided at end of message):
#   none      Postfix a, no milter; mail goes to the discard transport
#   nonssmp   ssmp-milter, recipients at c.test (no _ssmp record)
#   ssmp      ssmp-milter, recipients at b.test: real ssmpd over TLS,
#             which hands the mail to smtp-sink; Postfix a discards the
#             SMTP copy (every recipient upgraded)
#   dkim      OpenDKIM signing with RSA-2048 (the peer), discard transport
#   dkimpass  OpenDKIM with mail it does not sign (sender at c.test): what
#             a mature libmilter filter costs when it leaves mail alone,
#             the peer of nonssmp
# Scaling: 1/10/100 recipients, 4 KB / 1 MB / 50 MB.  Peak RSS (VmHWM,
# reset before each row) of ssmp-milter and ssmpd.  Each row is checked:
# every message accepted, and for ssmp every recipient upgraded.
# Set BENCH_SCALE=0.5 for half the messages per row.
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$(cd "${1:-.}" && pwd)
export top_srcdir top_builddir
[ "$(id -u)" = 0 ] || { echo "milter-bench: needs root" >&2; exit 1; }
PATH=$PATH:/usr/sbin
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/milter-lib.sh"
[ -x "$SSMPD" ] && [ -x "$MILTER_BIN" ] || bail "build ssmpd and ssmp-milter first"
SCALE=${BENCH_SCALE:-1}

# --- the world: DNS, CA, Postfix a, ssmpd for b.test -> smtp-sink
world_init "$TMP/world" || bail "world_init failed"
MT_KEY=$TMP/a.key
pa=$(mt_key "$MT_KEY") && pb=$(mt_key "$TMP/b.key") || bail "cannot make keys"
bport=$(world_port b https)
sink=$(world_port spare 6)
dkport=$(world_port spare 7)
mport=$(world_port a milter)
rec() { echo "$1. 300 IN TXT \"$2\""; }
world_dns_add a.test "$(rec s1._ssmpkey.a.test "v=SSMP1; k=ed25519; p=$pa")"
world_dns_add b.test "$(rec _ssmp.b.test "v=SSMP1; h=ssmp.b.test:$bport; s=s1; m=enforce")"
world_dns_add b.test "$(rec s1._ssmpkey.b.test "v=SSMP1; k=ed25519; p=$pb")"
world_dns_start || bail "nsd did not start"
world_ca_init && world_cert ssmp.b.test >/dev/null || bail "no test CA"

world_spawn sink smtp-sink -u postfix "127.0.0.1:$sink" 256
world_wait_port "$sink" 10 || bail "smtp-sink did not start"
MT_SD_MTA="inet:$sink@127.0.0.1" MT_SD_UNKNOWN=tag \
    mt_sd_conf sd-b b.test "$TMP/b.key" "$bport" "$(world_port spare 4)" \
    MaxMessageSize 60m
world_spawn sd-b "$SSMPD" -f -c "$TMP/sd-b/ssmp.conf"
world_wait_port "$bport" 10 || bail "ssmpd did not start: $(mt_log sd-b)"

mkdir -p "$TMP/db"
MT_HTTP_TIMEOUT=60 mt_conf "$TMP/a.conf" "$mport" "$(world_port dns)" Database "$TMP/db" \
    TrustAnchorFile "$WORLD/dns/anchors.dnskey" CAFile "$WORLD_CA" \
    AutoAllow no
mt_start milter-a "$TMP/a.conf" "$mport" || bail "ssmp-milter did not start: $(mt_log milter-a)"

# OpenDKIM, RSA-2048, signing for a.test (127.0.0.1 is internal to it).
mkdir -p "$TMP/dkim"
opendkim-genkey -b 2048 -d a.test -s bench -D "$TMP/dkim" || bail "opendkim-genkey failed"
cat >"$TMP/dkim/opendkim.conf" <<EOC
Socket		inet:$dkport@127.0.0.1
Domain		a.test
Selector	bench
KeyFile		$TMP/dkim/bench.private
Mode		s
Syslog		no
Canonicalization relaxed/simple
RequireSafeKeys	false
EOC
world_spawn dkim opendkim -f -x "$TMP/dkim/opendkim.conf"
world_wait_port "$dkport" 10 || bail "opendkim did not start: $(mt_log dkim)"

pfa=$(world_port a smtp)
world_postfix_set a default_transport discard
world_postfix_set a transport_maps ""
world_postfix_set a message_size_limit 80000000
# Every upgraded message is discarded, and Postfix's in_flow_delay (1 s)
# then throttles smtpd for want of deliveries: ssmp-milter(8) tells
# postmasters to set it to 0 where most mail leaves by SSMP.  The same
# setting for every row; the last row shows the default.
world_postfix_set a in_flow_delay 0
world_postfix_start a "$pfa" || bail "postfix a did not start"
queue=$WORLD/postfix/a/queue

# --- one row
# milters NAME: point Postfix a's smtpd_milters at none, ssmp or dkim.
milters() {
	case $1 in
	none) v= ;;
	dkim|dkimpass) v="inet:127.0.0.1:$dkport" ;;
	*) v="inet:127.0.0.1:$mport" ;;
	esac
	[ "$v" = "$cur_milter" ] && return 0
	world_postfix_set a smtpd_milters "$v" && world_postfix_reload a || bail "reload failed"
	cur_milter=$v
}
# drain: wait (30 s at most) until Postfix a's queue is empty.
drain() {
	local i=0
	while [ -n "$(find "$queue/incoming" "$queue/active" "$queue/maildrop" -type f 2>/dev/null | head -1)" ] &&
	    [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
}
pidof_w() { cat "$WORLD/run/$1.pid"; }
hwm_reset() { echo 5 >"/proc/$(pidof_w "$1")/clear_refs"; }
hwm() { awk '/^VmHWM:/ { printf "%d", $2 / 1024 }' "/proc/$(pidof_w "$1")/status"; }
lines() { wc -l <"$1" 2>/dev/null || echo 0; }

# row KIND RCPTS SIZE MSGS SESSIONS: prints one table row.
row() {
	local kind=$1 nr=$2 size=$3 n sess=$5 to t0 t1 rate logn mlogn ok got
	n=$(awk -v n="$4" -v s="$SCALE" 'BEGIN { n = int(n * s); print n < 1 ? 1 : n }')
	case $kind in ssmp) to=bob@b.test ;; *) to=carol@c.test ;; esac
	from=alice@a.test
	[ "$kind" = dkimpass ] && from=dave@c.test	# not OpenDKIM's domain
	milters "$kind"
	drain
	hwm_reset milter-a; hwm_reset sd-b
	logn=$(lines "$(world_postfix_log a)"); mlogn=$(lines "$WORLD/log/milter-a.log")
	t0=$(date +%s.%N)
	timeout 120 smtp-source -s "$sess" -m "$n" -r "$nr" -l "$size" \
	    -f "$from" -t "$to" -M client.a.test "127.0.0.1:$pfa" \
	    >"$TMP/src.out" 2>&1
	t1=$(date +%s.%N)
	rate=$(awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%.1f", n / (b - a) }')
	if [ "$kind" = ssmp ]; then
		got=$(tail -n +"$((mlogn + 1))" "$WORLD/log/milter-a.log" | grep -c 'ssmp=upgraded')
		ok=$((n * nr))
	else
		drain
		got=$(tail -n +"$((logn + 1))" "$(world_postfix_log a)" | grep -c 'status=sent')
		ok=$((n * nr))
	fi
	[ "$got" = "$ok" ] && chk=ok || chk="ONLY $got/$ok$(grep -m1 -i 'error\|fatal\|warn' "$TMP/src.out" | cut -c1-60)"
	printf "| %-8s | %4s | %6s | %5s | %9s | %10s | %6s | %s\n" "${ROWNAME:-$kind}" "$nr" "$(hsize "$size")" \
	    "$n" "$rate" "$(case $kind in none|dkim*) echo - ;; *) hwm milter-a ;; esac)" \
	    "$([ "$kind" = ssmp ] && hwm sd-b || echo -)" "$chk |"
	eval "rate_${kind}_${nr}_${size}=$rate"
}
hsize() { awk -v s="$1" 'BEGIN { if (s >= 1000000) printf "%d MB", s / 1000000; else printf "%d KB", s / 1000 }'; }

echo "ssmp-milter benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, scale $SCALE"
echo
echo "| milter   | rcpt |   size |  msgs |   msgs/s | milter MiB | ssmpd MiB | check |"
echo "|----------|-----:|-------:|------:|---------:|-----------:|----------:|-------|"
# warm-up: caches, TLS connections, Postfix processes
row ssmp 1 4000 200 20 >/dev/null
row nonssmp 1 4000 200 20 >/dev/null
# peers, 4 KB, 1 recipient
row none 1 4000 3000 20
row nonssmp 1 4000 3000 20
row dkim 1 4000 1500 20
row dkimpass 1 4000 3000 20
row ssmp 1 4000 1500 20
# scaling: recipients
row none 10 4000 1000 20
row nonssmp 10 4000 1000 20
row ssmp 10 4000 500 20
row none 100 4000 200 20
row nonssmp 100 4000 200 20
row ssmp 100 4000 100 20
# scaling: size
row none 1 1000000 200 10
row dkim 1 1000000 200 10
row ssmp 1 1000000 200 10
row none 1 50000000 4 2
row ssmp 1 50000000 4 2
# Postfix's default in_flow_delay, for the record
world_postfix_set a in_flow_delay 1s && world_postfix_reload a || bail "reload failed"
rate_ssmp_1_4000_flow=$rate_ssmp_1_4000
ROWNAME="ssmp, in_flow_delay 1s" row ssmp 1 4000 1500 20
flow1=$rate_ssmp_1_4000
rate_ssmp_1_4000=$rate_ssmp_1_4000_flow
echo
awk -v e="$rate_dkimpass_1_4000" -v a="$rate_nonssmp_1_4000" -v b="$rate_none_1_4000" -v c="$rate_ssmp_1_4000" -v d="$rate_dkim_1_4000" 'BEGIN {
	printf "nonssmp / none = %.2f (goal >= 0.9)\n", a / b
	printf "dkimpass / none = %.2f (OpenDKIM leaving mail alone)\n", e / b
	printf "ssmp / dkim    = %.2f (goal >= 3)\n", c / d
	printf "ssmp / none    = %.2f\n", c / b
}'
echo "ssmp with Postfix's default in_flow_delay (1 s): $flow1 msgs/s"

