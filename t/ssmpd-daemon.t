#!/bin/sh
# ssmpd as a daemon: UserID privilege drop, PidFile (written, stale one
# replaced, live one refused, removed at exit), Background (the start
# returns once serving), SIGTERM draining a request in flight, a key
# fetch failing temporarily (503 4.4.3), MaxConnections, PlainListen and
# LMTP.  The MTA is smtp-sink.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/ssmpd-lib.sh"

sd_world
sd_sink -w 3
RUN=$SD_DIR/run
mkdir -p "$RUN" && chown nobody "$RUN" "$SD_DIR/db"
PIDF=$RUN/ssmpd.pid
# sd_conf starts from the base each time: these come first in every call.
SINK_CONF="MTA inet:$SD_SINK@127.0.0.1"
sd_conf $SINK_CONF UserID nobody PidFile "$PIDF"
$SSMPC allow "$SD_DIR/db" bob@b.test alice@a.test known || bail "allow failed"
chown -R nobody "$SD_DIR/db"

# A PidFile naming a live process: refused, named.
echo $$ >"$PIDF"
out=$($SSMPD -f -c "$SD_CONF" 2>&1); rc=$?
is "$rc" 1 "PidFile of a live process: exit 1"
like "$out" "PidFile $PIDF: process $$ is running" "...error names the file and the pid"
# A stale one (no such process) is replaced.
echo 999999 >"$PIDF"
sd_start
pid=$(cat "$WORLD/run/ssmpd.pid")
is "$(cat "$PIDF")" "$pid" "stale PidFile replaced by our pid"
nob=$(id -u nobody)
is "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' /proc/$pid/status)" "$nob $nob $nob $nob" \
    "UserID nobody: real, effective, saved and fs uid are nobody's"
is "$(awk '/^Gid:/ { print $2, $3, $4, $5 }' /proc/$pid/status)" \
    "$(id -g nobody) $(id -g nobody) $(id -g nobody) $(id -g nobody)" "UserID nobody: all gids nobody's"
is "$(awk '/^Groups:/ { $1 = ""; print }' /proc/$pid/status | tr -s ' ' | sed 's/^ //;s/ $//')" \
    "$(id -G nobody)" "UserID nobody: supplementary groups are nobody's (initgroups)"

# SIGTERM with a request in flight: it completes with 2xx, then ssmpd exits.
N=$($SSMPC nonce)
sd_env alice@a.test bob@b.test "$N" >"$TMP/e.json"
is "$(sd_post envelope "$TMP/e.json")" 200 "envelope accepted"
sd_mail "$TMP/m" '<term@a.test>'
sd_message "$N" '<term@a.test>' "$TMP/m" >"$TMP/code" &
cpid=$!
sleep 0.8
kill -TERM "$pid"
sleep 0.3
check_fails "draining: no new connections" $SD_CURL --max-time 2 -f -o /dev/null "$SD_URL/key/b.test/$SEL"
check "draining: still running while the request is in flight" kill -0 "$pid"
wait $cpid
is "$(cat "$TMP/code") $(sd_code)" "200 2.0.0" "request in flight at SIGTERM: 200 2.0.0"
i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check_fails "ssmpd exited after the drain" kill -0 "$pid"
like "$(cat "$WORLD/log/ssmpd.log")" 'stopped' "...and logged stopped"
check_fails "PidFile removed at exit" test -e "$PIDF"
is "$(sd_sink_count)" 1 "exactly one message reached the MTA"
rm -f "$WORLD/run/ssmpd.pid"

# Background: the start returns once serving; the PidFile names the daemon.
sd_conf $SINK_CONF UserID nobody PidFile "$PIDF" Background yes
at_exit "kill \$(cat $PIDF 2>/dev/null) 2>/dev/null"
check "Background yes: ssmpd returns 0" $SSMPD -c "$SD_CONF"
check "Background: serving when the start returned" $SD_CURL -f -o /dev/null "$SD_URL/key/b.test/$SEL"
bpid=$(cat "$PIDF")
check "Background: PidFile names a live ssmpd" grep -q ssmpd /proc/$bpid/cmdline
is "$(awk '/^PPid:/ { print $2 }' /proc/$bpid/status)" 1 "Background: detached (parent is init)"
kill -TERM "$bpid"
i=0; while kill -0 "$bpid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check_fails "Background: gone after SIGTERM" test -e "$PIDF"
# the DNS server's port is taken
sd_conf $SINK_CONF Background yes Listen "inet:$(world_port dns)@127.0.0.1"
out=$($SSMPD -c "$SD_CONF" 2>&1); rc=$?
is "$rc" 1 "Background: a bind error makes the start fail"
like "$out" "Listen inet:$(world_port dns)@127.0.0.1: Address already in use" "...and the error is printed"

# Key fetch fails temporarily: name server that never answers.
DEAD=$(world_port spare 2)
sd_conf $SINK_CONF Nameservers "127.0.0.1:$DEAD" DNSTimeout 1 Database "$SD_DIR/db2"
sd_start
sd_env alice@a.test bob@b.test >"$TMP/e.json"
code=$(sd_post envelope "$TMP/e.json")
is "$code $(sd_code)" "503 4.4.3" "key lookup timing out: 503 4.4.3"
like "$(cat "$TMP/resp")" '"status":"tempfail"' "...status tempfail"
sd_stop

# MaxConnections 2: a third connection waits until one closes.
PLAIN=$(world_port spare 3)
sd_conf $SINK_CONF MaxConnections 2 PlainListen "inet:$PLAIN@127.0.0.1" ReadTimeout 10
sd_start
( sleep 6 | openssl s_client -quiet -connect 127.0.0.1:$SD_PORT -CAfile "$WORLD_CA" >/dev/null 2>&1 ) &
h1=$!
( sleep 6 | openssl s_client -quiet -connect 127.0.0.1:$SD_PORT -CAfile "$WORLD_CA" >/dev/null 2>&1 ) &
h2=$!
# both accepted at TCP level (the loop accepts at once), then a margin
i=0; while [ "$(ss -Htn state established "( sport = :$SD_PORT )" | wc -l)" -lt 2 ] && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1)); done
sleep 1
check_fails "MaxConnections 2: a third connection is not served" \
    $SD_CURL --max-time 1.5 -f -o /dev/null "$SD_URL/key/b.test/$SEL"
wait $h1 $h2
check "MaxConnections 2: served again once they closed" $SD_CURL --max-time 5 -f -o /dev/null "$SD_URL/key/b.test/$SEL"

# PlainListen: plain HTTP on loopback (TLS terminated in front).
is "$(curl -sS "http://127.0.0.1:$PLAIN/.well-known/ssmp/v1/key/b.test/$SEL")" "$($SSMPC keyrec $SEED_B)" \
    "PlainListen: key endpoint over plain HTTP"
sd_env alice@a.test bob@b.test >"$TMP/e.json"
code=$(curl -sS -o "$TMP/resp" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "@$TMP/e.json" "http://127.0.0.1:$PLAIN/.well-known/ssmp/v1/envelope")
is "$code $(sd_code)" "200 2.0.0" "PlainListen: envelope phase"
sd_stop

# LMTP hand-off.
world_kill sink
sd_sink -L
sd_conf $SINK_CONF MTAProtocol lmtp
sd_start
N=$($SSMPC nonce)
sd_env alice@a.test bob@b.test "$N" >"$TMP/e.json"
sd_post envelope "$TMP/e.json" >/dev/null
sd_mail "$TMP/m" '<lmtp@a.test>'
is "$(sd_message "$N" '<lmtp@a.test>' "$TMP/m") $(sd_code)" "200 2.0.0" "LMTP: delivered, 200 2.0.0"
check "LMTP: receipt verifies" sh -c "$SSMPC receipt $SEED_B <'$TMP/resp'"
is "$(sd_sink_count)" 1 "LMTP: one message at the LMTP server"
done_testing
