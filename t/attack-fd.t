#!/bin/sh
# Descriptor exhaustion (issue 14, "Beyond the list"): ssmpd runs with an
# open files limit of 128 and MaxConnections 1000, and 400 clients
# connect and stall.  The old code spun at 100% CPU logging "Too many
# open files" thousands of times a second and /healthz stopped
# answering.  Required: accepting pauses instead of spinning, one log
# line per interval, /healthz still answers (a descriptor kept in
# reserve), and once the clients are gone everyone is served again.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/ssmpd-lib.sh"
only_in_pass san

SLOWC=$top_builddir/t/slowc
sd_world
sd_conf MaxConnections 1000 ReadTimeout 20
$SSMPC allow "$SD_DIR/db" bob@b.test alice@a.test known || bail "allow failed"
(ulimit -n 128 && sd_start) || bail "ssmpd did not start with 128 descriptors"
pid=$(cat "$WORLD/run/ssmpd.pid")
is "$(sed -n 's/^Max open files *\([0-9]*\).*/\1/p' "/proc/$pid/limits")" 128 \
    "ssmpd runs with 128 descriptors"
like "$(cat "$WORLD/log/ssmpd.log")" 'open files limit 128 is below the 2128 that MaxConnections 1000 may need' \
    "the shortfall is said at the start"

cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }	# clock ticks
tick=$(getconf CLK_TCK)
"$SLOWC" "$SD_PORT" 400 0 25 "$WORLD_CA" ssmp.b.test >"$TMP/slow" 2>&1 &
slow=$!
at_exit "kill $slow 2>/dev/null"
i=0; while ! grep -q '^open' "$TMP/slow" && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
diag "slowc: $(head -1 "$TMP/slow")"
sleep 1
c0=$(cpu); sleep 3; c1=$(cpu)
used=$(((c1 - c0) * 100 / tick))
diag "ssmpd used $used% of a CPU in 3 s with its descriptors gone"
ok_if() { if test $1; then ok "$2"; else not_ok "$2"; fi; }
ok_if "$used -lt 30" "out of descriptors: no spinning ($used% of a CPU)"
n=$(grep -c 'accept: Too many open files' "$WORLD/log/ssmpd.log")
ok_if "$n -ge 1 -a $n -le 2" "logged once per interval ($n lines)"
like "$(grep 'accept: Too many open files' "$WORLD/log/ssmpd.log" | head -1)" \
    'not accepting for 250 ms at a time .* raise the open files limit or lower MaxConnections' \
    "...saying what to do"
is "$(curl -s --max-time 15 "http://127.0.0.1:$SD_ADMIN/healthz")" ok "/healthz still answers"
is "$(curl -s --max-time 15 "http://127.0.0.1:$SD_ADMIN/healthz")" ok "...and again"
kill "$slow" 2>/dev/null; wait "$slow" 2>/dev/null
sleep 2
check "the clients gone, a normal client is served" \
    $SD_CURL -f -o /dev/null --max-time 10 "$SD_URL/key/b.test/$SEL"
sd_env alice@a.test bob@b.test >"$TMP/e.json"
is "$(sd_post envelope "$TMP/e.json")" 200 "...and an envelope accepted"
check "ssmpd is still running" kill -0 "$pid"
done_testing
