#!/bin/sh
# notify.t - systemd's notify protocol (Type=notify in the units), spoken
# to a small datagram listener (t/notify-recv.py) in place of systemd:
# READY=1 only once the sockets listen; RELOADING=1 then READY=1 with
# STATUS= around a reload (ssmpd: SIGHUP, ssmp-milter: SIGUSR1), saying
# when it failed; STOPPING=1 on SIGTERM.  No $NOTIFY_SOCKET: nothing sent.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/milter-lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root (UserID, as the other daemon tests)"
command -v python3 >/dev/null || skip_all "python3 not installed"
world_init "$TMP/world" || bail "world_init failed"
world_ca_init && world_cert ssmp.b.test >/dev/null || bail "CA failed"
MT_KEY=$TMP/a.key
mt_key "$MT_KEY" >/dev/null || bail "cannot make a key"

# listen NAME PORT: a notify listener for daemon NAME, checking PORT.
listen() {
	rm -f "$TMP/$1.notify"
	world_spawn "notify-$1" python3 "$top_srcdir/t/notify-recv.py" \
	    "$TMP/$1.sock" "$TMP/$1.notify" "$2"
	for _i in $(seq 50); do [ -S "$TMP/$1.sock" ] && return; sleep 0.1; done
	bail "notify listener $1 did not start"
}
# messages NAME N: wait (10 s) for N messages, print them.
messages() {
	for _i in $(seq 100); do
		[ "$(cat "$TMP/$1.notify" 2>/dev/null | wc -l)" -ge "$2" ] && break
		sleep 0.1
	done
	cat "$TMP/$1.notify" 2>/dev/null
}
pid() { cat "$WORLD/run/$1.pid"; }
# the monotonic clock varies: keep its name
mono() { sed 's/MONOTONIC_USEC=[0-9][0-9]*/MONOTONIC_USEC=N/'; }

# --- ssmpd ------------------------------------------------------------
PORT=$(world_port b https)
cp "$WORLD/ca/ssmp.b.test.chain" "$TMP/cert.pem"
mkdir -p "$TMP/db"
cat >"$TMP/ssmpd.conf" <<EOC
Syslog no
Background no
Database $TMP/db
Domain b.test
Selector s1
KeyFile $MT_KEY
Listen inet:$PORT@127.0.0.1
TLSCertificate $TMP/cert.pem
TLSKey $WORLD/ca/ssmp.b.test.key
MTA inet:$(world_port b inject)@127.0.0.1
Hostname ssmp.b.test
UserID nobody
EOC
world_userid "$TMP/ssmpd.conf" || bail "world_userid failed"
listen ssmpd "$PORT"
world_spawn ssmpd env NOTIFY_SOCKET="$TMP/ssmpd.sock" \
    "$top_builddir/bridge/ssmpd" -f -c "$TMP/ssmpd.conf"
is "$(messages ssmpd 1)" "READY=1 listening=yes" \
    "ssmpd: READY=1 once, when its port already accepts connections"
kill -HUP "$(pid ssmpd)"
is "$(messages ssmpd 3 | sed 1d | mono)" \
"RELOADING=1|MONOTONIC_USEC=N
READY=1|STATUS=reloaded listening=yes" \
    "ssmpd: SIGHUP -> RELOADING=1 (with MONOTONIC_USEC), then READY=1, STATUS=reloaded"
echo broken >"$TMP/cert.pem"
kill -HUP "$(pid ssmpd)"
like "$(messages ssmpd 5 | sed -n 5p)" \
    '^READY=1\|STATUS=reload failed, old ones kept: .*cert\.pem' \
    "ssmpd: a failed reload says so in STATUS=, naming the file"
kill -TERM "$(pid ssmpd)"
is "$(messages ssmpd 6 | sed -n 6p)" "STOPPING=1" "ssmpd: SIGTERM -> STOPPING=1"
world_kill ssmpd

# --- ssmp-milter ------------------------------------------------------
MPORT=$(world_port a milter)
mt_conf "$TMP/milter.conf" "$MPORT" "$(world_port dns)" Database "$TMP/db"
listen milter "$MPORT"
world_spawn milter env NOTIFY_SOCKET="$TMP/milter.sock" \
    "$MILTER_BIN" -f -c "$TMP/milter.conf"
is "$(messages milter 1)" "READY=1 listening=yes" \
    "ssmp-milter: READY=1 once its socket accepts connections"
kill -USR1 "$(pid milter)"
is "$(messages milter 3 | sed 1d | mono)" \
"RELOADING=1|MONOTONIC_USEC=N
READY=1|STATUS=reloaded listening=yes" \
    "ssmp-milter: SIGUSR1 -> RELOADING=1, then READY=1, STATUS=reloaded"
cp "$MT_KEY" "$TMP/a.key.good"
echo broken >"$MT_KEY"
kill -USR1 "$(pid milter)"
like "$(messages milter 5 | sed -n 5p)" \
    '^READY=1\|STATUS=reload failed, old keys kept: .*a\.key' \
    "ssmp-milter: a failed reload says so in STATUS=, naming the key file"
cp "$TMP/a.key.good" "$MT_KEY"
kill -TERM "$(pid milter)"
is "$(messages milter 6 | sed -n 6p)" "STOPPING=1" "ssmp-milter: SIGTERM -> STOPPING=1"
world_kill milter

# --- no NOTIFY_SOCKET -------------------------------------------------
# The listener stays; a daemon started without the variable sends nothing.
rm -f "$TMP/ssmpd.notify"
cp "$WORLD/ca/ssmp.b.test.chain" "$TMP/cert.pem"
world_spawn ssmpd "$top_builddir/bridge/ssmpd" -f -c "$TMP/ssmpd.conf"
world_wait_port "$PORT" 10 || bail "ssmpd did not start"
kill -HUP "$(pid ssmpd)"
sleep 0.5
is "$(cat "$TMP/ssmpd.notify" 2>/dev/null)" "" "without NOTIFY_SOCKET nothing is sent"
world_kill ssmpd
done_testing
