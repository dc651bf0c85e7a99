#!/bin/sh
# exim-pipe.t - Exim 4 (Debian's exim4-daemon-heavy) as a private instance
# on a loopback port, with contrib/exim's pipe transport and a router that
# asks `ssmp-send -q` (the world's DNS is on a port Exim's resolver cannot
# reach).  One message to bob@b.test (SSMP: ssmp-send -> real ssmpd) and
# carol@c.test (SMTP to c.test's Postfix): both Maildirs get it once; then
# an enforce domain whose ssmpd is down: the address is deferred, queued,
# with ssmp-send's reason in Exim's log; then a testing domain whose ssmpd
# is down falls back to SMTP on the retry.
#
# Debian's exim4 packages conflict with postfix, so when no exim binary is
# installed the test fetches exim4-daemon-heavy with `apt-get download`,
# unpacks only the binary (dpkg-deb -x) and installs the libraries it
# needs (they conflict with nothing); EXIM=/path overrides all that.
. "$top_srcdir/t/lib.sh"
command -v swaks >/dev/null || skip_all "swaks not installed"
. "$top_srcdir/t/send-lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root (Postfix, nsd, Exim)"

EXIM_CACHE=${EXIM_CACHE:-/var/cache/ssmp-gateway-test/exim}
# exim_binary: an exim that runs here, or nothing.
exim_binary() {
	local e
	for e in "$EXIM" "$(command -v exim4)" "$(command -v exim)" \
	    "$EXIM_CACHE/usr/sbin/exim4"; do
		[ -n "$e" ] && [ -x "$e" ] && ! ldd "$e" 2>/dev/null | grep -q 'not found' &&
		    { echo "$e"; return 0; }
	done
	mkdir -p "$EXIM_CACHE" && (
		cd "$EXIM_CACHE" && rm -f ./*.deb &&
		apt-get download exim4-daemon-heavy >download.log 2>&1 &&
		dpkg-deb -x exim4-daemon-heavy_*.deb . ) || return 1
	libs=$(apt-cache depends exim4-daemon-heavy 2>/dev/null |
	    sed -n 's/^  Depends: \(lib[^ ]*\)$/\1/p')
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	    $libs >"$EXIM_CACHE/apt.log" 2>&1 || return 1
	e=$EXIM_CACHE/usr/sbin/exim4
	[ -x "$e" ] && ! ldd "$e" | grep -q 'not found' && echo "$e"
}
EXIM=$(exim_binary) || skip_all "no exim binary (apt-get download exim4-daemon-heavy failed)"
[ -n "$EXIM" ] || skip_all "no usable exim binary"
# Debian's binary looks its compiled-in user up before it reads any
# configuration; exim4-base's postinst would create it the same way.
getent passwd Debian-exim >/dev/null ||
    adduser --system --group --quiet --allow-bad-names --no-create-home --home /var/spool/exim4 Debian-exim ||
    skip_all "cannot create the Debian-exim user"
diag "exim: $EXIM ($("$EXIM" -C /dev/null -bV 2>&1 | sed -n 's/^Exim version \([^ ]*\).*/\1/p'))"

ss_world
world_postfix_start c "$(world_port c smtp)" || bail "postfix c did not start"

# --- ssmp-send's own files, for the pipe transport's user (nobody)
E=$TMP/exim
mkdir -p "$E/spool" "$E/log" "$E/db" "$E/sspool"
cp "$MT_KEY" "$E/a.key"
sed -e "s|^KeyFile .*|KeyFile $E/a.key|" -e "s|^Database .*|Database $E/db|" \
    -e "s|^SpoolDirectory .*|SpoolDirectory $E/sspool|" "$SS_CONF" >"$E/ssmp.conf"
chown -R nobody:nogroup "$E"
chmod 700 "$E/sspool" "$E/db"; chmod 600 "$E/a.key"
C=$top_srcdir/contrib/exim/conf.d
[ -f "$C/transport/30_ssmp" ] || bail "contrib/exim/conf.d/transport/30_ssmp missing"
EXIM_PORT=$(world_port spare 6)

# The transport exactly as contrib ships it (ssmp-send -F, temp_errors
# 75:78:79), but for paths and user.
sed -e "s|/usr/sbin/ssmp-send|$SSMP_SEND|" -e "s|/etc/ssmp\(/ssmp\)*\.conf|$E/ssmp.conf|" \
    -e 's|^\( *user = \).*|\1nobody|' -e 's|^\( *group = \).*|\1nogroup|' \
    "$C/transport/30_ssmp" >"$E/transport"
grep -q -- "-F" "$E/transport" && grep -q "temp_errors = 75:78:79" "$E/transport" ||
    diag "contrib's transport lacks -F or temp_errors 75:78:79"
cat >"$E/exim.conf" <<EOC
SSMP_SEND = $SSMP_SEND
SSMP_CONF = $E/ssmp.conf
exim_path = $EXIM
primary_hostname = mx.a.test
qualify_domain = a.test
domainlist local_domains = mx.a.test
exim_user = nobody
exim_group = nogroup
never_users = root
spool_directory = $E/spool
log_file_path = $E/log/%slog
pid_file_path = $E/exim.pid
daemon_smtp_ports = $EXIM_PORT
local_interfaces = <; 127.0.0.1
tls_advertise_hosts =
host_lookup =
rfc1413_hosts =
acl_smtp_rcpt = acl_rcpt
keep_environment =
delay_warning =
begin acl
acl_rcpt:
  accept hosts = 127.0.0.1
begin routers
ssmp:
  driver = accept
  domains = ! +local_domains
  condition = \${if eq{\$sender_address_domain}{a.test}}
  address_data = \${run{SSMP_SEND -c SSMP_CONF -q \$domain}\\
	{\${if or{{match{\$value}{^enforce}}{first_delivery}}{\$value}fail}}\\
	{\${if eq{\$runrc}{75}{\${lookup{\$domain}lsearch{/nonexistent/ssmp-send-q-temporary-failure}}}fail}}}
  transport = ssmp_pipe
  no_verify
legacy:
  driver = manualroute
  route_list = * 127.0.0.1
  self = send
  transport = remote_smtp
begin transports
$(cat "$E/transport")
remote_smtp:
  driver = smtp
  port = \${if eq{\$domain}{c.test}{$(world_port c smtp)}{$(world_port b smtp)}}
  hosts_avoid_tls = *
  allow_localhost
begin retry
* * F,1h,1m
EOC
chmod 644 "$E/exim.conf"

check "exim accepts the configuration (-bV)" "$EXIM" -C "$E/exim.conf" -bV
world_spawn exim "$EXIM" -C "$E/exim.conf" -bdf -oX "$EXIM_PORT" ||
    bail "exim did not start"
world_wait_port "$EXIM_PORT" 10 || bail "exim does not listen: $(cat "$WORLD/log/exim.log" "$E"/log/* 2>/dev/null | tail -5)"
# Deliveries started by the daemon log to its stderr (Exim gives up
# privilege for -C and cannot write the main log): read both.
elog() { cat "$E/log/mainlog" "$WORLD/log/exim.log" 2>/dev/null; }
# wait_log PATTERN N: until the main log has N lines matching PATTERN.
wait_log() {
	local i
	i=0
	while [ "$(elog | grep -Ec -- "$1")" -lt "$2" ] && [ $i -lt 300 ]; do
		sleep 0.1; i=$((i + 1))
	done
	[ "$(elog | grep -Ec -- "$1")" -ge "$2" ]
}

# --- one message, two paths
WORLD_SEND_PORT=$EXIM_PORT
check "swaks submits to Exim for bob@b.test and carol@c.test" \
    world_send alice@a.test bob@b.test,carol@c.test "two ways" "One message, two paths, by Exim." \
    --header "Message-Id: <exim-two.$$@a.test>"
check "bob@b.test receives it" world_wait_mail b bob 1 20
check "carol@c.test receives it" world_wait_mail c carol 1 20
wait_log "Completed" 1
is "$(world_maildir_count b bob)" 1 "bob@b.test has exactly one copy"
is "$(world_maildir_count c carol)" 1 "carol@c.test has exactly one copy"
like "$(cat "$(world_maildir_last b bob)")" "ssmp=pass smtp.mailfrom=alice@a.test" "bob's copy came by SSMP"
like "$(cat "$(world_maildir_last b bob)")" "One message, two paths, by Exim" "with its body"
like "$(elog)" "=> bob <bob@b.test> R=ssmp T=ssmp_pipe" "Exim log: bob by router ssmp, transport ssmp_pipe"
like "$(elog)" "=> carol@c.test R=legacy T=remote_smtp" "Exim log: carol by SMTP"
is "$("$SSMPCTL" -c "$E/ssmp.conf" log show --rcpt bob@b.test | grep -c "<exim-two.$$@a.test> delivered .* receipt$")" 1 \
    "ssmp-send's delivered-log holds bob's receipt"

# --- enforce domain, its ssmpd down: deferred and queued with the reason
world_kill sd-b
check "swaks submits to Exim for frank@b.test" \
    world_send alice@a.test frank@b.test "deferred" "Wait for ssmpd." \
    --header "Message-Id: <exim-defer.$$@a.test>"
check "Exim logs a deferral for frank@b.test" wait_log "== frank@b.test R=ssmp T=ssmp_pipe defer" 1
like "$(elog | grep '== frank@b.test')" "transport returned 75 " "the deferral: ssmp-send's exit 75"
like "$(elog)" "<frank@b.test>: ssmp_pipe transport output: frank@b\.test: 4\.[0-9]\.[0-9] tempfailed: .*ssmp\.b\.test" \
    "the log has ssmp-send's reason"
like "$("$EXIM" -C "$E/exim.conf" -bp)" "frank@b.test" "exim -bp: the message waits in the queue"
is "$(world_maildir_count b frank)" 0 "frank@b.test has nothing yet"

# ssmpd back, the retry delivers it
world_userid "$TMP/sd-b/ssmp.conf" && world_spawn sd-b "$SSMPD" -f -c "$TMP/sd-b/ssmp.conf" &&
    world_wait_port "$(world_port b https)" 10 || bail "ssmpd b did not restart"
check "frank@b.test allows alice@a.test" \
    "$SSMPCTL" -c "$TMP/sd-b/ssmp.conf" allow add frank@b.test alice@a.test known
"$EXIM" -C "$E/exim.conf" -qff >/dev/null 2>&1
check "after a forced queue run frank@b.test receives it by SSMP" world_wait_mail b frank 1 20
like "$(elog)" "=> frank <frank@b.test> R=ssmp T=ssmp_pipe" "Exim log: frank delivered by ssmp_pipe"

# --- testing domain, its ssmpd down: -F exits 79, the retry goes by SMTP
world_kill sd-t
check "swaks submits to Exim for x@t.b.test" \
    world_send alice@a.test x@t.b.test "fallback" "Testing domain." \
    --header "Message-Id: <exim-fallback.$$@a.test>"
check "Exim defers x@t.b.test with ssmp-send's EX_FALLBACK" \
    wait_log "== x@t.b.test R=ssmp T=ssmp_pipe defer .*transport returned 79 " 1
"$EXIM" -C "$E/exim.conf" -qff >/dev/null 2>&1
check "the retry routes x@t.b.test by SMTP (router legacy)" wait_log "x@t.b.test R=legacy T=remote_smtp" 1

done_testing
