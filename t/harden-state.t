#!/bin/sh
# harden-state.t - the traps of a fresh installation (issue 16 items 5
# and 6), as root would fall into them.  ssmp-keygen: a missing -D names
# the directory and how to make it; keys are root:root 0600 unless -u
# gives them to a user.  ssmpctl run as root with UserID nobody: reads
# the root-only key, then acts as nobody, so the keystore files it
# creates are nobody's and ssmpd (UserID nobody) then opens them.
# ssmp-milter -n as root passes on a fresh host, making nothing, and the
# start makes the missing SpoolDirectory (0700, nobody's); one that
# cannot be made is named; a UserID naming no user fails -n.
# ssmp-milter -f logs to standard error although Syslog is yes.
# (A failed reload: t/harden-keyproc.t.)
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/ssmpd-lib.sh"
KEYGEN=$top_builddir/tools/ssmp-keygen
SSMPCTL=$top_builddir/tools/ssmpctl
MILTER=$top_builddir/milter/ssmp-milter

sd_world
D=$WORLD/fresh
mkdir -p "$D" && chmod 755 "$D"

# --- ssmp-keygen
out=$("$KEYGEN" -d b.test -s k1 -D "$D/keys" 2>&1); rc=$?
is "$rc" 73 "ssmp-keygen into a missing directory: EX_CANTCREAT"
like "$out" "^ssmp-keygen: -D $D/keys: no such directory \\(make it first: install -d -m 700 $D/keys\\)\$" \
    "...names the directory and how to make it (no temporary file name)"
mkdir -m 700 "$D/keys"
check "ssmp-keygen: a key" "$KEYGEN" -d b.test -s k1 -D "$D/keys"
is "$(stat -c '%a %U' "$D/keys/k1.private")" "600 root" "by default root:root 0600 (the key process reads it)"
check "ssmp-keygen -u nobody" "$KEYGEN" -d b.test -s k2 -D "$D/keys" -u nobody
is "$(stat -c '%a %U' "$D/keys/k2.private") $(stat -c %U "$D/keys/k2.txt")" "600 nobody nobody" \
    "-u nobody: both files nobody's, the key still 0600"
out=$("$KEYGEN" -d b.test -s k3 -D "$D/keys" -u no-such-user-ssmp 2>&1); rc=$?
is "$rc:$out" "67:ssmp-keygen: -u no-such-user-ssmp: no such user" "-u naming no user: refused, named"
check_fails "...and nothing written" test -e "$D/keys/k3.private"

# --- ssmpctl as root acts as UserID
mkdir -m 750 "$D/db" && chown nobody "$D/db"
sd_conf Database "$D/db" KeyFile "$D/keys/k1.private" Selector k1
check "ssmpctl (root) allow add on a fresh keystore" \
    "$SSMPCTL" -c "$SD_CONF" allow add bob@b.test alice@a.test known
is "$(stat -c %U "$D/db/data.mdb") $(stat -c %U "$D/db/lock.mdb")" "nobody nobody" \
    "the keystore files ssmpctl made are UserID's, not root's"
like "$("$SSMPCTL" -c "$SD_CONF" keys list 2>&1)" "b\\.test.*k1" \
    "ssmpctl keys list reads the root-only key (before it becomes nobody)"
world_spawn ssmpd "$SSMPD" -f -c "$SD_CONF"
world_wait_port "$SD_PORT" 10 || bail "ssmpd did not start: $(tail -3 "$WORLD/log/ssmpd.log")"
sd_env alice@a.test bob@b.test >"$TMP/e.json"
is "$(sd_post envelope "$TMP/e.json")" 200 "ssmpd (UserID nobody) opens the keystore ssmpctl made: 200"
like "$(cat "$TMP/resp")" '"code":"2\.1\.5"' "...and finds the allow-list entry"
sd_stop

# --- ssmp-milter -n as root
M=$D/milter
mkdir -p "$M" && chmod 755 "$M"
mkdir -m 750 "$M/db" && chown nobody "$M/db"
cat >"$M/ssmp.conf" <<EOC
Socket inet:$(world_port a milter)@127.0.0.1
Syslog yes
Background no
Domain b.test
Selector k1
KeyFile $D/keys/k1.private
Nameservers 127.0.0.1:$(world_port dns)
Database $M/db
SpoolDirectory $M/db/spool
UserID nobody
EOC
like "$("$MILTER" -n -c "$M/ssmp.conf" 2>&1)" "^$M/ssmp\.conf: OK\$" "ssmp-milter -n (root) on a fresh host: OK"
check_fails "...making nothing: -n only checks" test -e "$M/db/spool"
is "$(find "$M/db" -user root | wc -l)" 0 "...and left nothing of root's in the Database"
: >"$M/file"
sed "s|^SpoolDirectory .*|SpoolDirectory $M/file/spool|" "$M/ssmp.conf" >"$M/bad.conf"
like "$("$MILTER" -n -c "$M/bad.conf" 2>&1)" "SpoolDirectory $M/file/spool: " \
    "a SpoolDirectory that cannot be made: the error names it"
sed "s|^UserID .*|UserID no-such-user-ssmp|" "$M/ssmp.conf" >"$M/nouser.conf"
out=$("$MILTER" -n -c "$M/nouser.conf" 2>&1); rc=$?
is "$rc" 1 "ssmp-milter -n: a UserID naming no user fails the check"
like "$out" "UserID no-such-user-ssmp: no such user" "...naming it"

# -f: the log goes to stderr although Syslog is yes.
world_spawn milter "$MILTER" -f -c "$M/ssmp.conf"
world_wait_port "$(world_port a milter)" 10 || bail "ssmp-milter did not start"
i=0; while ! grep -q starting "$WORLD/log/milter.log" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
like "$(cat "$WORLD/log/milter.log")" "starting, socket inet:" \
    "ssmp-milter -f with Syslog yes: its log on standard error"
is "$(stat -c '%a %U' "$M/db/spool")" "700 nobody" \
    "the start made the missing SpoolDirectory, 0700, UserID's"
world_kill milter
done_testing
