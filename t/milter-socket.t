#!/bin/sh
# milter-socket.t - who may talk to ssmp-milter (ssmp-milter.8 SOCKET).
# Anyone who can connect gets mail signed as any of our domains, so the
# socket is local:, mode 0660, owner UserID, group SocketGroup (the
# MTA's): the user nobody cannot connect, postfix can; a world-readable
# directory does not help nobody; Postfix's smtpd reaches the socket
# under its queue directory by a relative unix: path (the one that works
# chrooted too) and a message goes out by SSMP.  What limits sendmail -f:
# local_login_sender_maps refuses "sendmail -f ceo@a.test" by nobody and
# queues nothing, and lets nobody send as nobody@a.test.  The README's
# postconf line appends the milter to an existing one.
. "$top_srcdir/t/lib.sh"
command -v swaks >/dev/null || skip_all "swaks not installed"
. "$top_srcdir/t/milter-lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root (Postfix, UserID, setpriv)"
command -v setpriv >/dev/null || skip_all "setpriv (util-linux) missing"
[ -x "$MILTERTEST" ] || skip_all "miltertest not installed"
getent group postfix >/dev/null || skip_all "no postfix group"
mt_world
world_postfix_start a "$(world_port a smtp)" || bail "postfix a did not start"
world_postfix_start c "$(world_port c smtp)" || bail "postfix c did not start"
PFA=$(_world_pf_dir a)
Q=$(postconf -c "$PFA" -h queue_directory)

# connects AS SOCKET: can user AS connect to the unix socket?
connects() {
	setpriv --reuid "$1" --regid "$(id -g "$1")" --init-groups \
	    /usr/bin/python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$2" \
	    >"$TMP/conn.out" 2>&1
}

# --- the socket Postfix uses: under its queue directory, made by the milter
SOCK=$Q/ssmp/milter.sock
mt_conf "$TMP/a.conf" 0 "$(world_port dns)" UserID daemon SocketGroup postfix \
    Database "$TMP/db" TrustAnchorFile "$WORLD/dns/anchors.dnskey" CAFile "$WORLD_CA"
sed -i "s|^Socket .*|Socket local:$SOCK|" "$TMP/a.conf"
world_userid "$TMP/a.conf"
world_spawn milter-a "$MILTER_BIN" -f -c "$TMP/a.conf"
i=0; while [ ! -S "$SOCK" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -S "$SOCK" ] || bail "ssmp-milter did not make $SOCK: $(mt_log milter-a)"
is "$(stat -c '%a %U %G' "$SOCK")" "660 daemon postfix" \
    "socket mode 0660, owner UserID (daemon), group SocketGroup (postfix)"
is "$(stat -c '%a %U %G' "$Q/ssmp")" "750 daemon postfix" \
    "its missing directory made 0750, daemon:postfix"
check_fails "user nobody cannot connect to the milter" connects nobody "$SOCK"
like "$(cat "$TMP/conn.out")" "Permission denied" "...permission denied"
check "user postfix (the MTA) connects" connects postfix "$SOCK"
check "a milter session as postfix" setpriv --reuid postfix --regid postfix --init-groups \
    "$MILTERTEST" -D "sock=unix:$SOCK" -D case=notout -D stamp=1 -s "$top_srcdir/t/milter-paths.lua"

# Postfix: the path relative to queue_directory works chrooted or not.
world_postfix_set a smtpd_milters "{ unix:ssmp/milter.sock, default_action=tempfail }"
world_postfix_set a non_smtpd_milters "{ unix:ssmp/milter.sock, default_action=tempfail }"
world_postfix_reload a || bail "postfix a reload failed"
check "swaks submits to bob@b.test through Postfix and the local socket" \
    world_send alice@a.test bob@b.test "by socket" "Through unix:ssmp/milter.sock." \
    --header "Message-Id: <sock.$$@a.test>"
check "bob@b.test receives it" world_wait_mail b bob 1 20
like "$(cat "$(world_maildir_last b bob)")" "ssmp=pass smtp.mailfrom=alice@a.test" \
    "...by SSMP, signed by the milter behind the socket"
world_kill milter-a

# --- the mode alone keeps nobody out (a directory anyone may search)
mkdir -p "$TMP/pub" && chmod 755 "$TMP/pub" && chmod o+x "$TMP"
sed -i "s|^Socket .*|Socket local:$TMP/pub/milter.sock|" "$TMP/a.conf"
world_spawn milter-p "$MILTER_BIN" -f -c "$TMP/a.conf"
i=0; while [ ! -S "$TMP/pub/milter.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check_fails "in a directory anyone may search, nobody still cannot connect" \
    connects nobody "$TMP/pub/milter.sock"
check "...postfix can" connects postfix "$TMP/pub/milter.sock"
world_kill milter-p
echo "SocketMode 0666" >>"$TMP/a.conf"
like "$("$MILTER_BIN" -n -c "$TMP/a.conf" 2>&1)" "SocketMode.*0666: open to every local user" \
    "SocketMode open to others is refused"

# --- the README's way to add the milter keeps the milters already there
cp -r "$PFA" "$TMP/pf-copy"
postconf -c "$TMP/pf-copy" -e "smtpd_milters = inet:localhost:8891" \
    "non_smtpd_milters = inet:localhost:8891" \
    "ssmp_milter = { unix:ssmp/milter.sock, default_action=tempfail }"
# as in the README, with -c for the copy
postconf -c "$TMP/pf-copy" -e "smtpd_milters = $(postconf -c "$TMP/pf-copy" -hx smtpd_milters) \$ssmp_milter" \
    "non_smtpd_milters = $(postconf -c "$TMP/pf-copy" -hx non_smtpd_milters) \$ssmp_milter"
is "$(postconf -c "$TMP/pf-copy" -h smtpd_milters) | $(postconf -c "$TMP/pf-copy" -h non_smtpd_milters)" \
    'inet:localhost:8891 $ssmp_milter | inet:localhost:8891 $ssmp_milter' \
    "README's postconf appends ssmp-milter last, OpenDKIM's milter kept"

# --- sendmail -f: local_login_sender_maps (Postfix >= 3.6)
world_postfix_set a non_smtpd_milters ""
world_postfix_set a local_login_sender_maps "inline:{ { root = * }, { nobody = nobody@a.test } }"
world_postfix_reload a || bail "postfix a reload failed"
# as_nobody_send FROM: sendmail -f FROM as the user nobody, into a's instance.
as_nobody_send() {
	printf 'From: %s\nTo: carol@c.test\nSubject: -f\n\nhi\n' "$1" |
	    setpriv --reuid nobody --regid nogroup --clear-groups \
	    env MAIL_CONFIG="$PFA" /usr/sbin/sendmail -f "$1" carol@c.test >"$TMP/sm.out" 2>&1
}
check_fails "nobody: sendmail -f ceo@a.test is refused" as_nobody_send ceo@a.test
like "$(cat "$TMP/sm.out")" "not authorized to use sender" "...saying why: $(head -1 "$TMP/sm.out")"
check "nobody: sendmail -f nobody@a.test (its own address) is queued" as_nobody_send nobody@a.test
check "carol@c.test receives nobody's message" world_wait_mail c carol 1 20
is "$(grep -c 'from=<ceo@a.test>' "$(world_postfix_log a)")" 0 "nothing from ceo@a.test was queued"
done_testing
