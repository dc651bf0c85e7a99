#!/bin/sh
# milter-daemon.t - ssmp-milter as a daemon: Socket inet: and local:,
# UserID (checked in /proc/PID/status), PidFile written and removed,
# Background (the starter returns once the milter listens, and reports
# start-up errors).  Each running milter is driven by miltertest through
# the hands-off paths, which need no DNS.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/milter-lib.sh"
mt_init UserID
ns=$(world_port dns)		# nothing is asked: no DNS server needed
run=$TMP/run
# the milters become nobody (UserID): they remove their PidFile there
mkdir -p "$run" && chmod 755 "$run" "$TMP" && chown nobody "$run"
nobody_uid=$(id -u nobody)
nobody_gid=$(id -g nobody)

# drive SOCK: the two hands-off paths through SOCK.
drive() {
	"$MILTERTEST" -D "sock=$1" -D case=notout -D stamp=1 \
	    -s "$top_srcdir/t/milter-paths.lua" &&
	"$MILTERTEST" -D "sock=$1" -D case=notours -D stamp=1 \
	    -s "$top_srcdir/t/milter-paths.lua"
}
# wait_gone FILE: until FILE no longer exists (5 s).
wait_gone() {
	i=0
	while [ -e "$1" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ ! -e "$1" ]
}
# wait_empty FILE: until FILE is gone or empty (5 s).
wait_empty() {
	i=0
	while [ -s "$1" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	[ ! -s "$1" ]
}
# wait_sock FILE: until FILE is a socket (10 s).
wait_sock() {
	i=0
	while [ ! -S "$1" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	[ -S "$1" ]
}
# status_ids PID: "uid-list gid-list groups" of PID from /proc.
status_ids() {
	awk '/^Uid:/ { u = $2 " " $3 " " $4 " " $5 }
	    /^Gid:/ { g = $2 " " $3 " " $4 " " $5 }
	    /^Groups:/ { $1 = ""; s = $0 }
	    END { print u "/" g "/" s }' "/proc/$1/status"
}

# --- Socket inet:, foreground, PidFile
port=$(world_port a milter)
mt_conf "$TMP/inet.conf" "$port" "$ns" PidFile "$run/inet.pid" Database "$TMP/db1"
mt_start inet "$TMP/inet.conf" "$port" || bail "milter did not start: $(mt_log inet)"
pid=$(cat "$WORLD/run/inet.pid")
like "$(ss -Hltn "( sport = :$port )")" "127\.0\.0\.1:$port " \
    "Socket inet:$port@127.0.0.1 listens on 127.0.0.1 only"
check "miltertest through the inet: socket" drive "inet:$port@127.0.0.1"
is "$(cat "$run/inet.pid" 2>/dev/null)" "$pid" "PidFile holds the milter's pid"
mt_conf "$TMP/inet2.conf" "$(world_port spare 1)" "$ns" PidFile "$run/inet.pid" \
    Database "$TMP/db2"
check_fails "a second milter with the same PidFile refuses to start" \
    "$MILTER_BIN" -f -c "$TMP/inet2.conf"
like "$(cat "$TMP/.out")" "PidFile $run/inet\.pid: process $pid is" \
    "the error names the PidFile and the live process"
world_kill inet
check "PidFile removed at exit" wait_gone "$run/inet.pid"

# --- Socket local:, UserID
sock=$run/milter.sock
mkdir -p "$TMP/db" && chown nobody "$TMP/db" "$TMP/spool"
mt_conf "$TMP/local.conf" 0 "$ns" PidFile "$run/local.pid" UserID nobody \
    Database "$TMP/db"
sed -i "s|^Socket .*|Socket local:$sock|" "$TMP/local.conf"
world_spawn local "$MILTER_BIN" -f -c "$TMP/local.conf"
check "Socket local:$sock created" wait_sock "$sock"
pid=$(cat "$WORLD/run/local.pid")
check "miltertest through the local: socket" drive "local:$sock"
is "$(status_ids "$pid")" \
    "$nobody_uid $nobody_uid $nobody_uid $nobody_uid/$nobody_gid $nobody_gid $nobody_gid $nobody_gid/ $nobody_gid" \
    "UserID nobody: real, effective, saved and fs uid and gid are nobody's, no other group"
is "$(stat -c %U "$run/local.pid")" nobody "PidFile given to UserID"
is "$(stat -c '%a %U %G' "$sock")" "660 nobody $(id -gn nobody)" \
    "local: socket mode 0660, owned by UserID and its group"
is "$(stat -c %U "$TMP/db/data.mdb" 2>/dev/null || ls -l "$TMP/db")" nobody \
    "the keystore is opened after the drop (its files belong to UserID)"
world_kill local
# nobody cannot unlink in a directory of root's: the file is emptied.
check "PidFile emptied at exit after dropping root" wait_empty "$run/local.pid"

mt_conf "$TMP/nouser.conf" "$port" "$ns" UserID no-such-user-ssmp \
    Database "$TMP/db4"
check_fails "UserID naming no user: refuses to start" "$MILTER_BIN" -f -c "$TMP/nouser.conf"
like "$(cat "$TMP/.out")" "UserID no-such-user-ssmp: no such user" "the error names UserID"

# --- Background
mt_conf "$TMP/bg.conf" "$port" "$ns" PidFile "$run/bg.pid" Background yes \
    Database "$TMP/db5"
sed -i '/^Background no/d' "$TMP/bg.conf"
check "Background yes: the starter exits 0" "$MILTER_BIN" -c "$TMP/bg.conf"
check "Background: listening when the starter has returned" world_wait_port "$port" 1
pid=$(cat "$run/bg.pid" 2>/dev/null)
at_exit "kill $pid"
check "Background: the pid in PidFile runs" kill -0 "$pid"
is "$(awk '{ print $6 }' "/proc/$pid/stat")" "$pid" "Background: the milter leads its own session"
check "miltertest through the background milter" drive "inet:$port@127.0.0.1"
sed "s|$run/bg.pid|$run/bg2.pid|" "$TMP/bg.conf" >"$TMP/bg2.conf"
check_fails "Background, port in use: the starter exits non-zero" \
    "$MILTER_BIN" -c "$TMP/bg2.conf"
like "$(cat "$TMP/.out")" "Socket: cannot listen" "and prints the reason"
kill "$pid"
check "Background: PidFile removed at exit" wait_gone "$run/bg.pid"

done_testing
