#!/bin/sh
# harden-keyproc.t - privilege separation (ssmpd.8, ssmp-milter.8 SECURITY).
# ssmpd started as root with UserID nobody: the network process never
# holds the domain key (its seed is nowhere in /proc/PID/mem, before and
# after a delivery and a key reload) while the key process does and
# signs the receipt, which verifies; the key process runs as nobody with
# CAP_DAC_READ_SEARCH only, seccomp on, not dumpable (nobody cannot read
# its memory), its socketpair its only socket, and reads the root-only
# key file again on SIGHUP; a failed reload says "reload failed" and
# logs no "reloaded"; ssmpd stops (exit 1) when its key process dies.
# Root without UserID: ssmpd and ssmp-milter refuse, -n too.  The milter:
# not dumpable after the drop, its key process reloads a root-only key
# on SIGUSR1.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/ssmpd-lib.sh"
MEMSCAN=$top_builddir/t/memscan
MILTER_BIN=$top_builddir/milter/ssmp-milter
# A sanitizer build maps terabytes of shadow memory, which memscan would
# read for an hour; where the key lives does not depend on the build.
only_in_pass gcc

sd_world
[ -x "$MEMSCAN" ] || bail "t/memscan not built"
# Random seeds: the fixed test seeds (bytes 0x00-0x1f, 0x20-0x3f) are
# also runs of ASCII that character tables in any library hold.
rnd() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }
SEED_B=$(rnd) SEED_N=$(rnd)
$SSMPC keyfile $SEED_B >"$SD_DIR/b.key" && chmod 600 "$SD_DIR/b.key" || bail "keyfile failed"
sd_sink
sd_conf MTA "inet:$SD_SINK@127.0.0.1"
$SSMPC allow "$SD_DIR/db" bob@b.test alice@a.test known || bail "allow failed"
sd_start
NET=$(cat "$WORLD/run/ssmpd.pid")
KP=$(pgrep -P "$NET" | head -1)
[ -n "$KP" ] || bail "no key process under ssmpd ($NET)"

# deliver MSGID: one envelope and message from alice; the answer in $TMP/resp.
deliver() {
	local n
	n=$($SSMPC nonce)
	sd_env alice@a.test bob@b.test "$n" >"$TMP/env.json"
	[ "$(sd_post envelope "$TMP/env.json")" = 200 ] || return 1
	printf 'From: alice@a.test\r\nTo: bob@b.test\r\nMessage-ID: %s\r\n\r\nHi.\r\n' "$1" >"$TMP/msg"
	[ "$(sd_message "$n" "$1" "$TMP/msg")" = 200 ]
}
# status PID FIELD: a line of /proc/PID/status, value only.
status() { awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"; }

check "a delivery through the key process: 200" deliver '<kp-1@a.test>'
check "the receipt, signed by the key process, verifies with b.test's key" \
    sh -c "$SSMPC receipt $SEED_B <'$TMP/resp'"
check_fails "network process: the key's seed is not in its memory" "$MEMSCAN" "$NET" "$SEED_B"
check "key process: the seed is in its memory (the scan works)" "$MEMSCAN" "$KP" "$SEED_B"

nob=$(id -u nobody)
is "$(status "$KP" Uid)" "$nob $nob $nob $nob" "key process runs as nobody"
is "$(status "$KP" CapEff) $(status "$KP" CapPrm) $(status "$KP" CapInh)" \
    "0000000000000004 0000000000000004 0000000000000000" \
    "key process keeps CAP_DAC_READ_SEARCH only (to read root-only keys on reload)"
is "$(status "$KP" Seccomp) $(status "$KP" NoNewPrivs)" "2 1" "key process: seccomp filter, no_new_privs"
is "$(status "$NET" CapEff)" 0000000000000000 "network process: no capability"
is "$(find /proc/$KP/fd -lname 'socket:*' | wc -l)" 1 "key process: one socket (its socketpair)"
is "$(stat -c %u "/proc/$KP/environ")" 0 "key process is not dumpable (its /proc entries are root's)"
check_fails "nobody (the network process's user) cannot read the key process's memory" \
    setpriv --reuid nobody --regid nogroup --clear-groups "$MEMSCAN" "$KP" "$SEED_B"
check_fails "nobody cannot read the key file (root:root 0600)" \
    setpriv --reuid nobody --regid nogroup --clear-groups cat "$SD_DIR/b.key"

# Reload: a new key in the same root-only file, read by the key process.
$SSMPC keyfile $SEED_N >"$SD_DIR/b.key.new" && chmod 600 "$SD_DIR/b.key.new" &&
    mv "$SD_DIR/b.key.new" "$SD_DIR/b.key"
kill -HUP "$NET"; sleep 1
like "$(tail -3 "$WORLD/log/ssmpd.log")" 'reloaded' "SIGHUP: the key process reloads the root-only key"
is "$($SD_CURL "$SD_URL/key/b.test/$SEL")" "$($SSMPC keyrec $SEED_N)" "the key endpoint serves the new public key"
check "after the reload: a delivery" deliver '<kp-2@a.test>'
check "...its receipt verifies with the new key" sh -c "$SSMPC receipt $SEED_N <'$TMP/resp'"
check_fails "network process: the new seed is not in its memory" "$MEMSCAN" "$NET" "$SEED_N"
check_fails "network process: nor the old one" "$MEMSCAN" "$NET" "$SEED_B"

echo garbage >"$SD_DIR/b.key"
n=$(grep -c 'reloaded' "$WORLD/log/ssmpd.log")
kill -HUP "$NET"; sleep 1
like "$(tail -2 "$WORLD/log/ssmpd.log")" "reload failed: .*$SD_DIR/b\\.key.*keeping the old keys" \
    "a broken key file: 'reload failed', naming the file"
is "$(grep -c 'reloaded' "$WORLD/log/ssmpd.log")" "$n" "...and no 'reloaded' line"
check "the old key still signs" deliver '<kp-3@a.test>'
check "...its receipt verifies" sh -c "$SSMPC receipt $SEED_N <'$TMP/resp'"

# The key process dies: ssmpd stops, exit 1 (systemd restarts it).
kill -9 "$KP"
i=0; while kill -0 "$NET" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check_fails "key process killed: ssmpd stops" kill -0 "$NET"
like "$(cat "$WORLD/log/ssmpd.log")" 'key process \(pid [0-9]+\) is gone; stopping' "...saying why"
rm -f "$WORLD/run/ssmpd.pid"

# Root without UserID: refused, by -n too.
$SSMPC keyfile $SEED_B >"$SD_DIR/b.key" && chmod 600 "$SD_DIR/b.key"
sd_conf UserID -
out=$("$SSMPD" -n -c "$SD_CONF" 2>&1); rc=$?
is "$rc" 1 "ssmpd -n as root without UserID: exit 1"
like "$out" 'running as root without UserID' "...saying why"
out=$(timeout 5 "$SSMPD" -f -c "$SD_CONF" 2>&1); rc=$?
is "$rc" 1 "ssmpd as root without UserID refuses to start"
sd_conf UserID no-such-user-ssmp
out=$("$SSMPD" -n -c "$SD_CONF" 2>&1)
like "$out" 'UserID no-such-user-ssmp: no such user' "ssmpd -n: a missing UserID fails the check"
sd_conf
check "ssmpd -n as root with UserID: the keys and TLS key load" "$SSMPD" -n -c "$SD_CONF"
echo garbage >"$SD_DIR/b.key.bad" && chmod 600 "$SD_DIR/b.key.bad"
sd_conf KeyFile "$SD_DIR/b.key.bad"
check_fails "ssmpd -n: a broken key fails the check (ExecReload runs it)" "$SSMPD" -n -c "$SD_CONF"
sd_conf

# As the systemd unit starts it: the service user (nobody here) with
# ambient CAP_NET_BIND_SERVICE and CAP_DAC_READ_SEARCH, no UserID.
sd_conf UserID -
world_userid "$SD_CONF"; chown -R nobody "$SD_DIR/db" "$WORLD/ca/ssmp.b.test.key"
world_spawn ssmpd setpriv --reuid nobody --regid nogroup --clear-groups \
    --inh-caps +net_bind_service,+dac_read_search \
    --ambient-caps +net_bind_service,+dac_read_search "$SSMPD" -f -c "$SD_CONF"
world_wait_port "$SD_PORT" 10 || bail "ssmpd (unit style) did not start: $(tail -5 "$WORLD/log/ssmpd.log")"
NET=$(cat "$WORLD/run/ssmpd.pid")
KP=$(pgrep -P "$NET" | head -1)
is "$(status "$NET" CapEff) $(status "$NET" CapPrm) $(status "$NET" CapAmb)" \
    "0000000000000000 0000000000000000 0000000000000000" \
    "unit style: the network process dropped the capabilities it was started with"
is "$(status "$KP" CapEff) $(status "$KP" CapAmb)" "0000000000000004 0000000000000000" \
    "unit style: the key process keeps CAP_DAC_READ_SEARCH alone"
check "unit style: a delivery" deliver '<kp-u1@a.test>'
check "...its receipt verifies" sh -c "$SSMPC receipt $SEED_B <'$TMP/resp'"
check_fails "unit style: the seed is not in the network process" "$MEMSCAN" "$NET" "$SEED_B"
$SSMPC keyfile $SEED_N >"$SD_DIR/b.key.new" && chmod 600 "$SD_DIR/b.key.new" &&
    mv "$SD_DIR/b.key.new" "$SD_DIR/b.key"
kill -HUP "$NET"; sleep 1
is "$($SD_CURL "$SD_URL/key/b.test/$SEL")" "$($SSMPC keyrec $SEED_N)" \
    "unit style: SIGHUP reloads the root-only key (the key process reads it)"
sd_stop

# ---------------------------------------------------------------- milter
M=$WORLD/milter
mkdir -p "$M/spool" && chmod 700 "$M/spool"
SEED_M=$(rnd)
$SSMPC keyfile $SEED_M >"$M/a.key" && chmod 600 "$M/a.key"
MPORT=$(world_port a milter)
cat >"$M/ssmp.conf" <<EOC
Socket inet:$MPORT@127.0.0.1
Syslog no
Background no
Domain a.test
Selector $SEL
KeyFile $M/a.key
Nameservers 127.0.0.1:$(world_port dns)
SpoolDirectory $M/spool
Database $M/db
UserID nobody
EOC
world_userid "$M/ssmp.conf"
world_spawn milter "$MILTER_BIN" -f -c "$M/ssmp.conf"
world_wait_port "$MPORT" 10 || bail "ssmp-milter did not start: $(cat "$WORLD/log/milter.log")"
MP=$(cat "$WORLD/run/milter.pid")
MKP=$(pgrep -P "$MP" | head -1)
is "$(stat -c %u "/proc/$MP/environ")" 0 "ssmp-milter is not dumpable after the drop"
is "$(status "$MP" CapEff)" 0000000000000000 "ssmp-milter: no capability"
is "$(find /proc/$MKP/fd -lname 'socket:*' | wc -l)" 1 "ssmp-milter's key process: one socket (its socketpair)"
$SSMPC keyfile $SEED_N >"$M/a.key.new" && chmod 600 "$M/a.key.new" && mv "$M/a.key.new" "$M/a.key"
kill -USR1 "$MP"; sleep 1
like "$(tail -3 "$WORLD/log/milter.log")" 'reloaded' "SIGUSR1: the root-only key reloads after the drop"
check "ssmp-milter holds the new key (signing is its job)" "$MEMSCAN" "$MP" "$SEED_N"
echo garbage >"$M/a.key"
n=$(grep -c 'reloaded' "$WORLD/log/milter.log")
kill -USR1 "$MP"; sleep 1
like "$(tail -2 "$WORLD/log/milter.log")" 'reload failed: ' "ssmp-milter: a failed reload says so"
is "$(grep -c 'reloaded' "$WORLD/log/milter.log")" "$n" "...and logs no 'reloaded'"
world_kill milter
sed -i '/^UserID/d' "$M/ssmp.conf"
out=$("$MILTER_BIN" -n -c "$M/ssmp.conf" 2>&1); rc=$?
is "$rc" 1 "ssmp-milter -n as root without UserID: exit 1"
like "$out" 'running as root without UserID' "...saying why"
done_testing
