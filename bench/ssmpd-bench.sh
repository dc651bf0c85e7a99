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

echo "== (a) envelope verification"
"$LOAD" verify 5 2 | tee "$TMP/verify"
raw=$(awk '/^raw/ { print $NF }' "$TMP/verify" | tr -d '/s')

sd_world >/dev/null
sd_sink
sd_conf MTA "inet:$SD_SINK@127.0.0.1" ReadTimeout 300 MaxConnections 5000
$SSMPC allow "$SD_DIR/db" bob@b.test alice@a.test known || bail "allow"
sd_start
PID=$(cat "$WORLD/run/ssmpd.pid")
# warm the key cache
"$LOAD" env ssmp.b.test "$SD_PORT" "$WORLD_CA" 10 1 >/dev/null || bail "warm-up failed"
"$LOAD" env ssmp.b.test "$SD_PORT" "$WORLD_CA" $((N * 2)) "$C" | tee "$TMP/env"
env=$(sed -n 's/.*: \([0-9]*\)\/s.*/\1/p' "$TMP/env")
echo "envelope phases/s through ssmpd vs raw verify (2 cores): $(ratio "$env" "$raw")"

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
