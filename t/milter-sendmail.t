#!/bin/sh
# milter-sendmail.t - ssmp-milter with a real Sendmail 8.17 (Debian's
# sendmail-bin) for a.test, sendmail.cf built with m4 from
# contrib/sendmail/ssmp-milter.mc.  One message to bob@b.test (SSMP: real
# ssmpd, TLS, DNS) and carol@c.test (legacy SMTP to c.test's Postfix):
# each Maildir gets it once, carol's copy with the milter's header in its
# exact form.  Local mail: sendmail(1) goes through the MSP (submit.cf),
# whose SMTP session passes the milter; `sendmail -Am` does not (it leaves
# by SMTP even for an enforce domain: the README says so).  With the
# milter stopped Sendmail tempfails (F=T) and sends nothing; local mail
# waits in the MSP's queue and goes by SSMP once the milter is back.
#
# Debian's sendmail-bin conflicts with postfix, so the test does not
# install it: it fetches the package with `apt-get download`, unpacks it
# (dpkg-deb -x) into a cache and installs the libraries it links to (they
# conflict with nothing); SENDMAIL=/path overrides all that.  Sendmail
# wants a resolvable fully qualified host name and logs only by syslog:
# it runs in private mount, UTS and PID namespaces (unshare) as host
# mx.a.test with its own /etc/hosts, and a private /dev whose /dev/log is
# t/syslog-recv.py writing to a file.  The PID namespace ends with the
# test: every Sendmail process dies with it.
. "$top_srcdir/t/lib.sh"
only_in_pass gcc
command -v swaks >/dev/null || skip_all "swaks not installed"
. "$top_srcdir/t/milter-lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root (Postfix, nsd, namespaces)"
CF=${SENDMAIL_CF:-/usr/share/sendmail/cf}
command -v m4 >/dev/null && [ -f "$CF/m4/cf.m4" ] ||
    skip_all "m4 or sendmail-cf not installed (t/install-deps)"
PY=$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3)
[ -n "$PY" ] || skip_all "python3 not installed (the syslog receiver)"
unshare --mount --uts --pid --fork --mount-proc true 2>/dev/null ||
    skip_all "no private mount/UTS/PID namespaces here (unshare failed)"
[ -d /etc/mail ] || skip_all "no /etc/mail to mount over (sendmail-cf makes it)"

S=$TMP/sendmail
mkdir -p "$S/mqueue" "$S/clientmqueue" "$S/mail" && chmod 711 "$S" && chmod 700 "$S/mqueue"
printf '127.0.0.1\tmx.a.test mx localhost\n::1\tlocalhost\n' >"$S/hosts"
# The host's passwd and group plus Sendmail's MSP user smmsp, as the
# sendmail-bin package would add it.
cp /etc/passwd "$S/passwd" && cp /etc/group "$S/group" || bail "cannot copy /etc/passwd"
SMMSP=$(awk -F: '$1 == "smmsp" { print $3 }' /etc/passwd)
if [ -z "$SMMSP" ]; then
	SMMSP=64990
	while awk -F: -v n=$SMMSP '$3 == n { f = 1 } END { exit !f }' /etc/passwd /etc/group; do
		SMMSP=$((SMMSP + 1))
	done
	echo "smmsp:x:$SMMSP:$SMMSP:Mail Submission Program:/nonexistent:/usr/sbin/nologin" >>"$S/passwd"
	echo "smmsp:x:$SMMSP:" >>"$S/group"
fi
chown "$SMMSP:$SMMSP" "$S/clientmqueue" && chmod 770 "$S/clientmqueue"
# etc.sh, sourced in a private mount and UTS namespace: host mx.a.test,
# resolvable by its own /etc/hosts (Sendmail sleeps a minute at start-up
# when it cannot qualify its host name), the passwd and group above, and
# $S/mail as /etc/mail: sendmail.cf and submit.cf where Sendmail looks
# for them, so that sendmail(1) picks one as it does for any user.
cat >"$S/etc.sh" <<EOS
echo mx.a.test >/proc/sys/kernel/hostname
for f in hosts passwd group; do mount --bind "$S/\$f" /etc/\$f; done
mount --bind "$S/mail" /etc/mail
EOS
# sm_uts COMMAND...: run COMMAND there.
sm_uts() {
	unshare --mount --uts sh -ec '. "$0"; exec "$@"' "$S/etc.sh" "$@"
}

SM_CACHE=${SM_CACHE:-/var/cache/ssmp-gateway-test/sendmail}
# sm_version BINARY: its version if it is Sendmail 8 (Postfix's
# /usr/sbin/sendmail is not).
sm_version() {
	sm_uts "$1" -C /dev/null -d0.1 -bt </dev/null 2>/dev/null |
	    sed -n 's/^Version \(8\.[0-9.]*\)$/\1/p'
}
# sendmail_binary: a Sendmail that runs here, or nothing.
sendmail_binary() {
	local s libs
	for s in "$SENDMAIL" /usr/libexec/sendmail/sendmail /usr/lib/sm.bin/sendmail \
	    "$SM_CACHE/usr/libexec/sendmail/sendmail"; do
		[ -n "$s" ] && [ -x "$s" ] && [ -n "$(sm_version "$s")" ] &&
		    { echo "$s"; return 0; }
	done
	mkdir -p "$SM_CACHE" && (
		cd "$SM_CACHE" && rm -f ./*.deb &&
		apt-get download sendmail-bin >download.log 2>&1 &&
		dpkg-deb -x sendmail-bin_*.deb . ) || return 1
	libs=$(apt-cache depends sendmail-bin 2>/dev/null |
	    sed -n 's/^  Depends: \(lib[^ ]*\)$/\1/p')
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	    $libs >"$SM_CACHE/apt.log" 2>&1 || return 1
	s=$SM_CACHE/usr/libexec/sendmail/sendmail
	[ -n "$(sm_version "$s")" ] && echo "$s"
}
SENDMAIL=$(sendmail_binary) ||
    skip_all "no Sendmail binary (apt-get download sendmail-bin failed)"
[ -n "$SENDMAIL" ] || skip_all "no usable Sendmail binary"
diag "sendmail: $SENDMAIL ($(sm_version "$SENDMAIL"))"

mt_ssmp_world AddHeader yes
world_postfix_start c "$(world_port c smtp)" || bail "postfix c did not start"

# --- Sendmail's private files
SM_PORT=$(world_port spare 6)
printf 'hosts\tfiles\naliases\tfiles\n' >"$S/service.switch"
printf 'postmaster: root\n' >"$S/aliases"
# b.test by the esmtp mailer, c.test by relay: each has its own port.
printf 'b.test\tesmtp:[127.0.0.1]\nc.test\trelay:[127.0.0.1]\n' >"$S/mailertable"

# sm_paths: .mc lines of both configurations: the test's files, no DNS,
# no load-average throttling, the world's SMTP ports.
sm_paths() {
	printf 'divert(-1)\ninclude(`%s/m4/cf.m4'"'"')\n' "$CF"
	cat <<-EOM
	OSTYPE(\`linux')dnl
	define(\`confSERVICE_SWITCH_FILE', \`$S/service.switch')dnl
	define(\`confHOSTS_FILE', \`$S/hosts')dnl
	define(\`confHELP_FILE', \`$S/helpfile')dnl
	define(\`confDONT_PROBE_INTERFACES', \`True')dnl
	define(\`confBIND_OPTS', \`-DNSRCH -DEFNAMES')dnl
	define(\`confTO_IDENT', \`0')dnl
	define(\`confQUEUE_LA', \`1000')dnl
	define(\`confREFUSE_LA', \`1000')dnl
	define(\`confDELAY_LA', \`0')dnl
	define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
	EOM
}
# The MTA: contrib's lines exactly as shipped but for the milter's port.
{
	sm_paths
	cat <<-EOM
	define(\`QUEUE_DIR', \`$S/mqueue')dnl
	define(\`confPID_FILE', \`$S/sendmail.pid')dnl
	define(\`STATUS_FILE', \`$S/statistics')dnl
	define(\`ALIAS_FILE', \`$S/aliases')dnl
	define(\`ESMTP_MAILER_ARGS', \`TCP \$h $(world_port b smtp)')dnl
	define(\`RELAY_MAILER_ARGS', \`TCP \$h $(world_port c smtp)')dnl
	FEATURE(\`nocanonify')dnl
	FEATURE(\`no_default_msa')dnl
	FEATURE(\`accept_unresolvable_domains')dnl
	FEATURE(\`mailertable', \`hash -o $S/mailertable')dnl
	DAEMON_OPTIONS(\`Port=$SM_PORT, Addr=127.0.0.1, Name=MTA')dnl
	EOM
	sed "s|local:/run/ssmp/milter\.sock|inet:$port@127.0.0.1|" \
	    "$top_srcdir/contrib/sendmail/ssmp-milter.mc"
	echo "MAILER(\`local')dnl"; echo "MAILER(\`smtp')dnl"
} >"$S/sendmail.mc"
# The MSP (submit.cf), as Debian's submit.mc: local submissions go by
# SMTP to the MTA on 127.0.0.1, as user smmsp, queued in clientmqueue.
{
	sm_paths
	cat <<-EOM
	define(\`MSP_QUEUE_DIR', \`$S/clientmqueue')dnl
	define(\`confPID_FILE', \`$S/sm-client.pid')dnl
	define(\`STATUS_FILE', \`$S/sm-client.st')dnl
	define(\`RELAY_MAILER_ARGS', \`TCP \$h $SM_PORT')dnl
	FEATURE(\`msp', \`[127.0.0.1]')dnl
	EOM
} >"$S/submit.mc"
check "m4 builds sendmail.cf from contrib's ssmp-milter.mc, and submit.cf" \
    sh -c "m4 '$S/sendmail.mc' >'$S/mail/sendmail.cf' && m4 '$S/submit.mc' >'$S/mail/submit.cf'"
like "$(grep '^Xssmp' "$S/mail/sendmail.cf")" "^Xssmp, S=inet:$port@127.0.0.1, F=T," \
    "sendmail.cf: the milter, tempfail if it is unavailable"
"$(dirname "$SENDMAIL")/makemap" -C "$S/mail/sendmail.cf" hash "$S/mailertable" \
    <"$S/mailertable" >"$S/makemap.log" 2>&1 || bail "makemap failed: $(cat "$S/makemap.log")"

# ns.sh: pid 1 of the namespaces.  etc.sh, a private /dev
# with the nodes Sendmail opens and a /dev/log, then Sendmail (-bD: in the
# foreground) as its child.  unshare --kill-child kills this shell when
# unshare dies, and the kernel then every process in the namespace (the
# shell, not Sendmail, must be the one killed: a set-group-id program
# loses the parent-death signal).
cat >"$S/ns.sh" <<EOS
#!/bin/sh
set -e
. "$S/etc.sh"
mkdir -p "$S/hostdev"
mount --bind /dev "$S/hostdev"
mount -t tmpfs -o mode=755,size=64k smdev /dev
for n in null zero full random urandom; do
	: >/dev/\$n
	mount --bind "$S/hostdev/\$n" /dev/\$n
done
umount "$S/hostdev"
"$PY" "$top_srcdir/t/syslog-recv.py" /dev/log "$S/maillog" &
i=0
while [ ! -S /dev/log ] && [ \$i -lt 100 ]; do sleep 0.05; i=\$((i + 1)); done
"\$@" &
wait
EOS
: >"$S/maillog"
# unshare blocks TERM: stop it with KILL, before the world's cleanup
# would wait 5 s for it.
sm_stop() {
	[ -f "$WORLD/run/sendmail.pid" ] || return 0
	kill -9 "$(cat "$WORLD/run/sendmail.pid")" 2>/dev/null
	rm -f "$WORLD/run/sendmail.pid"
}
at_exit sm_stop
world_spawn sendmail unshare --mount --uts --pid --fork --mount-proc --kill-child \
    sh "$S/ns.sh" "$SENDMAIL" -bD -q1m ||
    bail "cannot start Sendmail"
world_wait_port "$SM_PORT" 15 ||
    bail "Sendmail does not listen: $(cat "$S/maillog" "$WORLD/log/sendmail.log" | tail -5)"
smlog() { cat "$S/maillog"; }
# sm_qid ID: Sendmail's queue id of the message <ID.$$@a.test>.
sm_qid() { smlog | sed -n "s/.* \([0-9A-Za-z]*\): from=.*msgid=<$1\.$$@a.test>.*/\1/p" | head -1; }
# sm_submit ID FLAG TO...: a local submission as root's scripts make
# them, `sendmail -odi FLAG -f alice@a.test TO...`.
sm_submit() {
	local id flag
	id=$1; flag=$2; shift 2
	printf 'From: alice@a.test\nTo: %s\nSubject: %s\nMessage-Id: <%s.%s@a.test>\n\nLocal mail, %s.\n' \
	    "$*" "$id" "$id" "$$" "$flag" |
	    sm_uts "$SENDMAIL" -odi "$flag" -f alice@a.test "$@"
}
# last_has DOMAIN USER PATTERN: the newest message of USER@DOMAIN matches.
last_has() { grep -Eq -- "$3" "$(world_maildir_last "$1" "$2")"; }
AR="Authentication-Results: [^;]*; ssmp=pass smtp.mailfrom=alice@a.test"

# --- one message, two paths
WORLD_SEND_PORT=$SM_PORT
check "swaks submits to Sendmail for bob@b.test and carol@c.test" \
    world_send alice@a.test bob@b.test,carol@c.test "two ways" "One message, two paths, by Sendmail." \
    --header "Message-Id: <sm-two.$$@a.test>"
check "bob@b.test receives it" world_wait_mail b bob 1 20
check "carol@c.test receives it" world_wait_mail c carol 1 20
sleep 2
is "$(world_maildir_count b bob)" 1 "bob@b.test has exactly one copy"
is "$(world_maildir_count c carol)" 1 "carol@c.test has exactly one copy"
check "bob's copy came by SSMP (ssmp=pass)" last_has b bob "$AR"
check_fails "carol's copy came by SMTP (no ssmp=pass)" last_has c carol "ssmp=pass"
mt_check_copies mx.a.test "Sendmail"
qid=$(sm_qid sm-two)
like "$qid" '^[0-9A-Za-z]{14}$' "Sendmail logged its queue id"
like "$(mt_log milter-a)" "$qid: from=<alice@a.test>, to=<bob@b.test>, ssmp=upgraded" \
    "milter log: bob upgraded, with Sendmail's queue id"
like "$(smlog | grep "$qid")" "to=<carol@c.test>.*stat=Sent" "Sendmail relayed carol by SMTP"
is "$(smlog | grep "$qid" | grep -c 'to=<bob@b.test>')" 0 "Sendmail has no SMTP delivery for bob"

# --- local mail: through the MSP it passes the milter, with -Am it does not
check "sendmail(1) (the MSP: submit.cf) takes a message for bob and carol" \
    sm_submit sm-msp -odi bob@b.test carol@c.test
check "bob@b.test receives it" world_wait_mail b bob 2 20
check "carol@c.test receives it" world_wait_mail c carol 2 20
check "bob's copy came by SSMP: the MSP's SMTP session passed the milter" last_has b bob "$AR"
qid=$(sm_qid sm-msp)
like "$qid" '^[0-9A-Za-z]{14}$' "the MTA logged its queue id"
like "$(mt_log milter-a)" "$qid: from=<alice@a.test>, to=<bob@b.test>, ssmp=upgraded" \
    "milter log: bob upgraded, with the MTA's queue id"
check "sendmail -Am (straight to the MTA) takes a message for dave@b.test" \
    sm_submit sm-am -Am dave@b.test
check "dave@b.test receives it" world_wait_mail b dave 1 20
check_fails "by SMTP although b.test enforces SSMP: -Am skips the milters" \
    last_has b dave "ssmp=pass"
is "$(mt_log milter-a | grep -c 'dave@b.test')" 0 "the milter never saw it"

# --- the milter stopped: F=T makes Sendmail tempfail, and nothing leaves
world_kill milter-a
swaks_lines=$(wc -l <"$WORLD/log/swaks.log")
check_fails "with the milter stopped, Sendmail does not take a message" \
    world_send alice@a.test bob@b.test,carol@c.test "milter down" "Must wait." \
    --header "Message-Id: <sm-down.$$@a.test>"
like "$(tail -n +$((swaks_lines + 1)) "$WORLD/log/swaks.log")" '<\*\* +451 4\.3\.2 ' \
    "it answers 451 4.3.2 (temporary)"
like "$(smlog)" "Milter: initialization failed, temp failing commands" \
    "Sendmail's log: the milter is unavailable, commands tempfail"
check "the MSP takes a local message for bob and carol" \
    sm_submit sm-wait -odi bob@b.test carol@c.test
like "$(ls "$S/clientmqueue")" "^qf" "it waits in the MSP's queue"
sleep 2
is "$(world_maildir_count b bob)" 2 "bob@b.test has no new copy"
is "$(world_maildir_count c carol)" 2 "carol@c.test has no new copy"
is "$(ls "$S/mqueue")" "" "Sendmail's queue is empty: nothing left by SMTP"
is "$(smlog | grep -c 'sm-down\|sm-wait')" 0 "Sendmail's log has neither message"

# --- the milter back: the MSP's queue run delivers the waiting message
mt_start milter-a "$TMP/a.conf" "$port" || bail "ssmp-milter did not restart"
check "the MSP's queue run hands it over" sm_uts "$SENDMAIL" -Ac -q
check "bob@b.test receives it" world_wait_mail b bob 3 20
check "carol@c.test receives it" world_wait_mail c carol 3 20
check "bob's copy came by SSMP" last_has b bob "$AR"
is "$(ls "$S/clientmqueue")" "" "the MSP's queue is empty"

done_testing
