#!/bin/sh
# One client holding every connection (issue 14, "Beyond the list":
# connections per unauthenticated client).  MaxConnections bounds ssmpd
# as a whole; without a bound per client one address could take all of
# it and lock every other sender out.  MaxConnectionsPerClient (here 20)
# closes a client's further connections at once, before TLS; another
# client is still served, the refusals are counted and logged once per
# interval, and the client's count goes down as its connections close.
# ConnectionLimitExceptions (default loopback) is set to another address
# so that the test's 127.0.0.1 is counted.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/ssmpd-lib.sh"
only_in_pass san

SLOWC=$top_builddir/t/slowc
sd_world
sd_conf MaxConnectionsPerClient 20 ConnectionLimitExceptions 127.0.0.2/32 \
    ReadTimeout 20
$SSMPC allow "$SD_DIR/db" bob@b.test alice@a.test known || bail "allow failed"
sd_start
pid=$(cat "$WORLD/run/ssmpd.pid")
key="$SD_URL/key/b.test/$SEL"

"$SLOWC" "$SD_PORT" 60 0 8 "$WORLD_CA" ssmp.b.test >"$TMP/slow" 2>&1 &
slow=$!
at_exit "kill $slow 2>/dev/null"
i=0; while ! grep -q '^open' "$TMP/slow" && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
diag "slowc: $(head -1 "$TMP/slow")"
sleep 1
if $SD_CURL -f -o /dev/null --max-time 5 "$key" 2>/dev/null; then
	not_ok "127.0.0.1 holding 20 connections: its 21st is closed"
else
	ok "127.0.0.1 holding 20 connections: its 21st is closed"
fi
check "another client (127.0.0.3) is served meanwhile" \
    $SD_CURL -f -o /dev/null --max-time 5 --interface 127.0.0.3 "$key"
check "...and one in ConnectionLimitExceptions (127.0.0.2)" \
    $SD_CURL -f -o /dev/null --max-time 5 --interface 127.0.0.2 "$key"
m=$(curl -s --max-time 5 "http://127.0.0.1:$SD_ADMIN/metrics")
n=$(echo "$m" | sed -n 's/^ssmpd_client_connections_refused_total \([0-9]*\)$/\1/p')
diag "refused: $n"
if [ "${n:-0}" -ge 41 ]; then ok "metrics: the 40 and the curl counted ($n)"
else not_ok "metrics: the 40 and the curl counted (${n:-none})"; fi
is "$(grep -c 'MaxConnectionsPerClient' "$WORLD/log/ssmpd.log")" 1 \
    "logged once per interval"
like "$(grep 'MaxConnectionsPerClient' "$WORLD/log/ssmpd.log")" \
    'client 127\.0\.0\.1: 20 connections open, MaxConnectionsPerClient: closing its new ones' \
    "...naming the client and the key"
kill -USR1 "$slow" 2>/dev/null; wait "$slow" 2>/dev/null
diag "slowc: $(tail -1 "$TMP/slow")"
c=$(sed -n 's/^closed-by-server \([0-9]*\)$/\1/p' "$TMP/slow")
is "$c" 40 "the server closed exactly the 40 over the limit"
sleep 1
check "its connections closed, 127.0.0.1 is served again" \
    $SD_CURL -f -o /dev/null --max-time 10 "$key"
sd_env alice@a.test bob@b.test >"$TMP/e.json"
is "$(sd_post envelope "$TMP/e.json")" 200 "...and an envelope accepted"
check "ssmpd is still running" kill -0 "$pid"
done_testing
