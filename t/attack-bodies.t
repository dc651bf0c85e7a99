#!/bin/sh
# Large bodies (issue 14 item 6; issue 21: one copy, streaming
# dot-stuffing): ten 45 MB uploads held one octet short of their end
# must not grow ssmpd's memory (the old code: +564 MB): bodies above
# SpoolThreshold go to nameless spool files; when the uploads are cut off
# nothing is delivered and nothing is left in the spool; MaxBytesInFlight
# refuses what does not fit (429 4.7.0, before the body); a full spool is
# a temporary error that delivers nothing; and a body full of lines
# beginning with '.' arrives intact (dot-stuffing by runs).
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/ssmpd-lib.sh"
only_in_pass san

SIZE=$((45 * 1024 * 1024))
ASAN=
if grep -q '^SAN_CFLAGS = .*fsanitize=address' "$top_builddir/Makefile"; then
	# freed blocks wait in ASan's quarantine (256 MB by default) and
	# would count as ssmpd's memory: keep it small for this test
	ASAN=1
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8"
fi
sd_world
sd_sink
sd_conf MTA "inet:$SD_SINK@127.0.0.1" ReadTimeout 60
$SSMPC allow "$SD_DIR/db" bob@b.test alice@a.test known || bail "allow failed"
sd_start

pid() { cat "$WORLD/run/ssmpd.pid"; }
kb() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$(pid)/status"; }
metric() { curl -s "http://127.0.0.1:$SD_ADMIN/metrics" | sed -n "s/^ssmpd_$1 //p"; }
spoolfds() { ls -l "/proc/$(pid)/fd" 2>/dev/null | grep -c "$SD_DIR/db/spool/"; }
# spooled: octets in ssmpd's open spool files
spooled() {
	for f in /proc/$(pid)/fd/*; do
		case $(readlink "$f") in "$SD_DIR/db/spool/"*) stat -L -c %s "$f" ;; esac
	done | awk '{ n += $1 } END { print n + 0 }'
}
ok_if() { if test $1; then ok "$2"; else not_ok "$2"; fi; }
# wait_for EXPR SECONDS
wait_for() {
	i=0; while ! eval "$1" && [ $i -lt $(($2 * 10)) ]; do sleep 0.1; i=$((i + 1)); done
	eval "$1"
}
envelope() {
	sd_env alice@a.test bob@b.test "$1" >"$TMP/e.json"
	[ "$(sd_post envelope "$TMP/e.json")" = 200 ] || bail "envelope refused: $(cat "$TMP/resp")"
}
# held NONCE MSGID OUT: upload all but the last octet, then hold (in a
# process group of its own: $! names it for cut)
held() {
	sd_msg_head "$1" "$2" "$TMP/big" >"$TMP/head.$1"
	setsid sh -c '{ cat "$1"; head -c $(($2 - 1)) "$3"; sleep 300; } 2>/dev/null |
	    openssl s_client -quiet -connect "127.0.0.1:$4" -servername ssmp.b.test \
	    -CAfile "$5" >"$6" 2>/dev/null' - "$TMP/head.$1" "$SIZE" "$TMP/big" \
	    "$SD_PORT" "$WORLD_CA" "$3" &
	at_exit "kill -- -$! 2>/dev/null"
}
cut() { for p; do kill -- "-$p" 2>/dev/null; done; }

# a 45 MB message, every other line beginning with '.'
{ printf 'From: alice@a.test\r\nTo: bob@b.test\r\nSubject: big\r\n\r\n'
  yes '.a line that begins with a dot
..and two dots
plain text in between, long enough to be a normal line of mail' | sed 's/$/\r/' |
  head -c $((SIZE - 60)); printf '\r\nend\r\n'; } >"$TMP/big"
SIZE=$(wc -c <"$TMP/big")

# ---- ten uploads held one octet short ------------------------------------
i=1; while [ $i -le 10 ]; do eval "N$i=\$($SSMPC nonce)"; eval envelope \$N$i; i=$((i + 1)); done
hwm0=$(kb VmHWM); rss0=$(kb VmRSS)
pids=""
i=1; while [ $i -le 10 ]; do eval held \$N$i "'<big$i@a.test>'" "$TMP/ans$i"; pids="$pids $!"; i=$((i + 1)); done
# the bytes: all ten have reserved their Content-Length and spool into files
wait_for '[ "$(metric inflight_bytes)" = $((10 * SIZE)) ]' 30
is "$(metric inflight_bytes)" $((10 * SIZE)) "ten uploads in flight ($((10 * SIZE / 1048576)) MB)"
is "$(spoolfds)" 10 "each in its own spool file"
wait_for '[ "$(spooled)" = $((10 * (SIZE - 1))) ]' 120
is "$(spooled)" $((10 * (SIZE - 1))) "all but the last octet of each is in the spool"
hwm1=$(kb VmHWM); rss1=$(kb VmRSS)
grew=$(((hwm1 - hwm0) / 1024))
diag "ssmpd VmRSS ${rss0} -> ${rss1} kB, VmHWM ${hwm0} -> ${hwm1} kB (+${grew} MiB) with ten 45 MB uploads"
# ssmpd.8 RESOURCE BUDGET: at most 1 MiB per connection receiving a body
# (256 KiB input buffer, TLS records, libevent's chains); ASan adds its
# own bookkeeping to every block
per=1; [ -z "$ASAN" ] || per=4
ok_if "$grew -le $((10 * per))" "ten 45 MB uploads: peak memory +${grew} MiB (<= ${per} MiB per connection; was +564 MB)"
[ -n "$ASAN" ] || ok_if "$((hwm1 / 1024)) -lt $((64 + 10 * per))" \
    "peak RSS $((hwm1 / 1024)) MiB: under 64 MiB + ${per} MiB per connection"
is "$(metric inflight_memory_bytes)" 0 "none of them is held in memory"
cut $pids
wait_for '[ "$(spoolfds)" = 0 ]' 20
is "$(spoolfds)" 0 "uploads cut off: every spool file closed"
is "$(ls -A "$SD_DIR/db/spool" | wc -l)" 0 "...and the spool directory is empty"
wait_for '[ "$(metric inflight_bytes)" = 0 ]' 10
is "$(metric inflight_bytes)" 0 "...and nothing counts as in flight"
is "$(sd_sink_count)" 0 "nothing of the cut-off uploads was delivered"
like "$(cat "$WORLD/log/ssmpd.log")" "body truncated at $((SIZE - 1)) of $SIZE octets" "cut-off upload logged"

# ---- a whole one goes through, intact ------------------------------------
N=$($SSMPC nonce); envelope "$N"
is "$(sd_message "$N" '<whole@a.test>' "$TMP/big")" 200 "a whole 45 MB message: 200"
wait_for '[ "$(sd_sink_count)" = 1 ]' 20
f=$(find "$WORLD/sink" -type f | head -1)
# the sink keeps the message as the MTA got it, ssmpd's fields on top
# (and a blank line of its own at the end)
tr -d '\r' <"$f" | sed -e '1,/^Subject: big$/d' -e '${/^$/d;}' >"$TMP/got"
tr -d '\r' <"$TMP/big" | sed '1,/^Subject: big$/d' >"$TMP/want"
check "the 45 MB body arrived intact (dot-stuffing undone by the MTA)" cmp "$TMP/got" "$TMP/want"
is "$(spoolfds)" 0 "spool file closed after the hand-off"

# ---- MaxBytesInFlight ------------------------------------------------------
sd_stop
sd_conf MTA "inet:$SD_SINK@127.0.0.1" ReadTimeout 60 MaxBytesInFlight 100m
sd_start
N1=$($SSMPC nonce); N2=$($SSMPC nonce); N3=$($SSMPC nonce)
envelope "$N1"; envelope "$N2"; envelope "$N3"
held "$N1" '<f1@a.test>' "$TMP/f1"; p1=$!
held "$N2" '<f2@a.test>' "$TMP/f2"; p2=$!
wait_for '[ "$(metric inflight_bytes)" = $((2 * SIZE)) ]' 30
code=$(sd_message "$N3" '<f3@a.test>' "$TMP/big" "$SEED_A" -D "$TMP/hdr")
is "$code $(sd_code)" "429 4.7.0" "a third 45 MB upload past MaxBytesInFlight 100m: 429 4.7.0"
like "$(cat "$TMP/hdr")" 'Retry-After: [0-9]+' "...with Retry-After"
like "$(cat "$WORLD/log/ssmpd.log")" 'would pass the budget of bytes in flight' "...logged"
cut $p1 $p2
wait_for '[ "$(metric inflight_bytes)" = 0 ]' 20
is "$(sd_message "$N3" '<f3@a.test>' "$TMP/big")" 200 "once the others are gone the same envelope delivers"

# ---- a full spool -----------------------------------------------------------
SMALL=$SD_DIR/small
mkdir -p "$SMALL"
if mount -t tmpfs -o size=1m,mode=0700 tmpfs "$SMALL" 2>/dev/null; then
	at_exit "umount '$SMALL' 2>/dev/null"
	sd_stop
	sd_conf MTA "inet:$SD_SINK@127.0.0.1" SpoolDirectory "$SMALL" SpoolThreshold 64k
	sd_start
	before=$(sd_sink_count)
	head -c 2000000 "$TMP/big" >"$TMP/two"; printf '\r\n' >>"$TMP/two"
	N=$($SSMPC nonce); envelope "$N"
	code=$(sd_message "$N" '<full@a.test>' "$TMP/two")
	is "$code $(sd_code)" "500 4.3.0" "spool full (1 MB tmpfs, 2 MB body): 500 4.3.0"
	like "$(cat "$WORLD/log/ssmpd.log")" 'spool write: No space left on device' "...logged with its cause"
	sleep 1
	is "$(sd_sink_count)" "$before" "...and nothing delivered"
	is "$(ls -A "$SMALL" | wc -l)" 0 "...and nothing left in the spool"
	sd_stop
	umount "$SMALL"
else
	ok "# SKIP full spool: cannot mount a tmpfs here"
fi
done_testing
