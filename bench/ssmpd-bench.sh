#!/bin/sh
# ssmpd benchmarks, each against a peer measured in the same run:
#  (a) envelope verifications/s: ssmpd's check pipeline in process vs raw
#      libsodium verify (both cores); and whole envelope phases over
#      keep-alive TLS through a running ssmpd (allow-list, key cache,
#      replay cache write, RCPT probe at the MTA)
#  (b) messages/s delivered by ssmpd into smtp-sink (envelope + message
#      phase, 4 KB) vs Postfix smtpd accepting the same size via
#      smtp-source, same concurrency
#  (c) ssmpd's RSS with 1,000 idle TLS connections
#  (d) memory per pending envelope: 20,000 accepted envelopes that never
#      send their message (the old code: 94 MB, 4.7 KB each)
#  (e) peak RSS with ten 45 MB uploads held one octet short of their end
#      (the old code: +564 MB)
# BENCH_ONLY=de runs only the sections named.
# Usage (as root, from the build directory):
#	bench/ssmpd-bench.sh [SRCDIR] [MESSAGES] [CONCURRENCY]
top_srcdir=$(cd "${1:-$(dirname "$0")/..}" && pwd)
top_builddir=$(pwd)
N=${2:-2000}
C=${3:-20}
export top_srcdir top_builddir
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/ssmpd-lib.sh"
LOAD=$top_builddir/bench/ssmpd-load
[ -x "$LOAD" ] || bail "bench/ssmpd-load not built (make check)"
ulimit -n 8192 || bail "cannot raise the open files limit"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

only() { [ -z "${BENCH_ONLY:-}" ] || case $BENCH_ONLY in *$1*) ;; *) return 1 ;; esac; }
if only a; then
echo "== (a) envelope verification"
"$LOAD" verify 5 2 | tee "$TMP/verify"
raw=$(awk '/^raw/ { print $NF }' "$TMP/verify" | tr -d '/s')

else raw=1; fi

sd_world >/dev/null
sd_sink
sd_conf MTA "inet:$SD_SINK@127.0.0.1" ReadTimeout 300 MaxConnections 5000
$SSMPC allow "$SD_DIR/db" bob@b.test alice@a.test known || bail "allow"
sd_start
PID=$(cat "$WORLD/run/ssmpd.pid")
# warm the key cache
"$LOAD" env ssmp.b.test "$SD_PORT" "$WORLD_CA" 10 1 >/dev/null || bail "warm-up failed"
if only a; then
"$LOAD" env ssmp.b.test "$SD_PORT" "$WORLD_CA" $((N * 2)) "$C" | tee "$TMP/env"
env=$(sed -n 's/.*: \([0-9]*\)\/s.*/\1/p' "$TMP/env")
echo "envelope phases/s through ssmpd vs raw verify (2 cores): $(ratio "$env" "$raw")"
fi

if only b; then
echo "== (b) messages/s, 4 KB, $C parallel clients"
before=$(sd_sink_count)
"$LOAD" msg ssmp.b.test "$SD_PORT" "$WORLD_CA" "$N" "$C" 4096 | tee "$TMP/msg"
msg=$(sed -n 's/.*: \([0-9]*\)\/s.*/\1/p' "$TMP/msg")
echo "messages at smtp-sink: $(($(sd_sink_count) - before)) of $N"
t0=$(date +%s.%N)
smtp-source -s "$C" -m "$N" -l 4096 -f alice@a.test -t bob@b.test \
    "127.0.0.1:$(world_port b inject)" || bail "smtp-source failed"
t1=$(date +%s.%N)
pf=$(awk -v a="$t0" -v b="$t1" -v n="$N" 'BEGIN { printf "%.0f", n / (b - a) }')
echo "Postfix smtpd (smtp-source, $C sessions, 4 KB): $N in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s: $pf/s"
echo "ssmpd/Postfix: $(ratio "$msg" "$pf")"
fi

if only c; then
echo "== (c) RSS with 1000 idle TLS connections (freshly started ssmpd)"
sd_stop; sd_start
PID=$(cat "$WORLD/run/ssmpd.pid")
"$LOAD" env ssmp.b.test "$SD_PORT" "$WORLD_CA" 10 1 >/dev/null || bail "warm-up failed"
rss0=$(awk '/^VmRSS/ { print $2 }' /proc/$PID/status)
"$LOAD" idle ssmp.b.test "$SD_PORT" "$WORLD_CA" 1000 20 >"$TMP/idle" &
lp=$!
i=0; while ! grep -q ready "$TMP/idle" && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
sleep 1
conns=$(curl -s "http://127.0.0.1:$SD_ADMIN/metrics" | awk '$1 == "ssmpd_connections" { print $2 }')
rss1=$(awk '/^VmRSS/ { print $2 }' /proc/$PID/status)
echo "$(cat "$TMP/idle"); ssmpd reports $conns connections"
echo "ssmpd RSS: $rss0 KiB idle, $rss1 KiB with them: $(awk -v a="$rss1" 'BEGIN { printf "%.1f", a / 1024 }') MiB (goal < 64 MiB), $(( (rss1 - rss0) / 1000 )) KiB per connection"
kill $lp 2>/dev/null; wait $lp 2>/dev/null
sd_stop
fi

metric() { curl -s "http://127.0.0.1:$SD_ADMIN/metrics" | awk -v m="ssmpd_$1" '$1 == m { print $2 }'; }
kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

if only d; then
echo "== (d) memory per pending envelope: 20000 envelopes without a message"
sd_stop
sd_conf MTA "inet:$SD_SINK@127.0.0.1" ReadTimeout 300 MaxConnections 5000 \
    MaxPendingEnvelopes 30000 MaxPendingPerDomain 30000
sd_start
PID=$(cat "$WORLD/run/ssmpd.pid")
"$LOAD" env ssmp.b.test "$SD_PORT" "$WORLD_CA" 10 1 >/dev/null || bail "warm-up failed"
rss0=$(kib "$PID" VmRSS); p0=$(metric pending_bytes); n0=$(metric pending_envelopes)
"$LOAD" env ssmp.b.test "$SD_PORT" "$WORLD_CA" 20000 "$C" | tee "$TMP/pend"
rss1=$(kib "$PID" VmRSS); p1=$(metric pending_bytes); n1=$(metric pending_envelopes)
n=$((n1 - n0))
echo "pending envelopes: $n; ssmpd_pending_bytes $(((p1 - p0) / n)) octets each;" \
    "RSS $rss0 -> $rss1 KiB: $(((rss1 - rss0) * 1024 / n)) octets each" \
    "(83cbee1: 94 MB for 20,000, 4.7 KB each)"
fi

if only e; then
echo "== (e) ten 45 MB uploads held one octet short of their end"
sd_stop
sd_conf MTA "inet:$SD_SINK@127.0.0.1" ReadTimeout 300
sd_start
PID=$(cat "$WORLD/run/ssmpd.pid")
{ printf 'From: alice@a.test\r\nTo: bob@b.test\r\nSubject: big\r\n\r\n'
  yes 'a line of text of a normal length for a message body, more or less' |
  sed 's/$/\r/' | head -c 47185860; } >"$TMP/big"
SIZE=$(wc -c <"$TMP/big")
spooled() {
	for f in /proc/$PID/fd/*; do
		case $(readlink "$f") in "$SD_DIR/db/spool/"*) stat -L -c %s "$f" ;; esac
	done | awk '{ n += $1 } END { print n + 0 }'
}
i=0; while [ $i -lt 10 ]; do
	N=$($SSMPC nonce)
	sd_env alice@a.test bob@b.test "$N" >"$TMP/e.json"
	[ "$(sd_post envelope "$TMP/e.json")" = 200 ] || bail "envelope refused"
	sd_msg_head "$N" "<big$i@a.test>" "$TMP/big" >"$TMP/head$i"
	i=$((i + 1))
done
hwm0=$(kib "$PID" VmHWM); t0=$(date +%s.%N)
groups=""
i=0; while [ $i -lt 10 ]; do
	setsid sh -c '{ cat "$1"; head -c $(($2 - 1)) "$3"; sleep 600; } 2>/dev/null |
	    openssl s_client -quiet -connect "127.0.0.1:$4" -servername ssmp.b.test \
	    -CAfile "$5" >/dev/null 2>&1' - "$TMP/head$i" "$SIZE" "$TMP/big" "$SD_PORT" "$WORLD_CA" &
	groups="$groups $!"
	i=$((i + 1))
done
i=0; while [ "$(spooled)" -lt $((10 * (SIZE - 1))) ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
t1=$(date +%s.%N); hwm1=$(kib "$PID" VmHWM)
echo "spooled $(($(spooled) / 1048576)) MiB in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s;" \
    "ssmpd peak RSS $hwm0 -> $hwm1 KiB (+$(((hwm1 - hwm0) / 1024)) MiB; 83cbee1: +564 MB);" \
    "$(metric inflight_memory_bytes) octets of bodies in memory"
for g in $groups; do kill -- "-$g" 2>/dev/null; done
sd_stop
fi
