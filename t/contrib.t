#!/bin/sh
# contrib.t - the examples in contrib/ must be accepted by the real tools
# that will read them: systemd-analyze, systemd-sysusers/-tmpfiles, the
# ssmp.conf parser (ssmpd -n, ssmp-milter -n), postconf and postmap,
# sendmail's m4 files, sievec/sieve-test and exim.  A tool that is not
# installed skips its checks; the main checks are shown able to fail.
. "$top_srcdir/t/lib.sh"

C=$top_srcdir/contrib
SSMPD=$top_builddir/bridge/ssmpd
MILTER=$top_builddir/milter/ssmp-milter
KEYGEN=$top_builddir/tools/ssmp-keygen

skip() { ok "$1 # SKIP $2"; }
have() { command -v "$1" >/dev/null 2>&1; }

# silent DESCRIPTION COMMAND...: ok if the command succeeds and prints
# nothing (these tools warn on stdout/stderr but still exit 0).
silent() {
	_d=$1; shift
	if _out=$("$@" 2>&1) && [ -z "$_out" ]; then ok "$_d"; else
		not_ok "$_d"; printf '%s\n' "$_out" | sed 's/^/#   /' | head -20
	fi
}
# noisy DESCRIPTION COMMAND...: ok if the command fails or says something.
noisy() {
	_d=$1; shift
	if _out=$("$@" 2>&1) && [ -z "$_out" ]; then not_ok "$_d"; else
		ok "$_d"; fi
}

# --- the tarball ships every file -------------------------------------
missing=
for f in $(cd "$top_srcdir" && find contrib -type f ! -name local.mk); do
	grep -q "^[[:space:]]*$f[[:space:]\\]*\$" "$C/local.mk" ||
	    missing="$missing $f"
done
is "$missing" "" "every contrib file is in EXTRA_DIST (contrib/local.mk)"

# --- systemd ----------------------------------------------------------
like "$(grep -E '^(CapabilityBoundingSet|AmbientCapabilities)=' \
    "$C/systemd/ssmpd.service" | tr '\n' ' ')" \
    '^CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_DAC_READ_SEARCH AmbientCapabilities=CAP_NET_BIND_SERVICE CAP_DAC_READ_SEARCH $' \
    "ssmpd.service: port 443 and reading root-only keys are its only capabilities"
like "$(grep -E '^(CapabilityBoundingSet|AmbientCapabilities)=' \
    "$C/systemd/ssmp-milter.service" | tr '\n' ' ')" \
    '^CapabilityBoundingSet=CAP_DAC_READ_SEARCH AmbientCapabilities=CAP_DAC_READ_SEARCH $' \
    "ssmp-milter.service: reading root-only keys is its only capability"
# libmilter stops the filter on SIGHUP: a reload must send SIGUSR1.
is "$(grep '^ExecReload' "$C/systemd/ssmp-milter.service" | tr '\n' ' ')" \
    'ExecReload=/usr/sbin/ssmp-milter -n -c /etc/ssmp.conf ExecReload=/bin/kill -USR1 $MAINPID ' \
    "ssmp-milter.service: reload checks, then SIGUSR1 (SIGHUP stops a libmilter filter)"
is "$(grep -h '^ExecStart=' "$C/systemd/ssmpd.service" \
    "$C/systemd/ssmp-milter.service")" \
"ExecStart=/usr/sbin/ssmpd -f -c /etc/ssmp.conf
ExecStart=/usr/sbin/ssmp-milter -f -c /etc/ssmp.conf" \
    "units run the daemons in the foreground on /etc/ssmp.conf"
# READY=1 once listening (t/notify.t): ordering on the units means it.
is "$(grep -h '^Type=' "$C/systemd/ssmpd.service" "$C/systemd/ssmp-milter.service")" \
"Type=notify
Type=notify" "units: Type=notify (the daemons say READY=1 once listening)"
like "$(grep '^Before=' "$C/systemd/ssmp-milter.service")" 'postfix\.service' \
    "ssmp-milter.service: Before=postfix.service"
# hardening UNIT: its sandboxing directives (the "# Hardening." block),
# capabilities aside (ssmpd's only one binds port 443), sorted.
hardening() {
	sed -n '/^# Hardening/,/^\[Install\]/p' "$C/systemd/$1.service" |
	    grep -E '^[A-Z][A-Za-z]*=' |
	    grep -Ev '^(CapabilityBoundingSet|AmbientCapabilities)=' | sort
}
h_milter=$(hardening ssmp-milter)
is "$h_milter" "$(hardening ssmpd)" \
    "ssmp-milter.service has ssmpd.service's sandboxing, capabilities aside"
like "$(echo "$h_milter" | tr '\n' ' ')" \
    'NoNewPrivileges=yes .*ProtectSystem=strict .*SystemCallFilter=@system-service ' \
    "...NoNewPrivileges, ProtectSystem=strict and a system call filter among it"
if have systemd-analyze; then
	for u in ssmpd ssmp-milter; do
		sed -e "s#/usr/sbin/ssmpd#$SSMPD#g" \
		    -e "s#/usr/sbin/ssmp-milter#$MILTER#g" \
		    "$C/systemd/$u.service" >"$TMP/$u.service"
		silent "systemd-analyze verify $u.service" \
		    systemd-analyze verify --man=no "$TMP/$u.service"
	done
	sed 's/^ProtectSystem=strict/ProtectSystem=strickt/' \
	    "$TMP/ssmpd.service" >"$TMP/bad.service"
	noisy "systemd-analyze verify reports a bad value" \
	    systemd-analyze verify --man=no "$TMP/bad.service"
	# Exposure as systemd rates it (0 best, 10 worst): at most 2.0.
	# --offline needs systemd 250 (Debian 12 has 252).
	if systemd-analyze security --offline=yes --no-pager \
	    "$TMP/ssmpd.service" >/dev/null 2>&1; then
		for u in ssmpd ssmp-milter; do
			check "systemd-analyze security: $u.service exposure at most 2.0" \
			    systemd-analyze security --offline=yes --threshold=20 \
			    --no-pager "$TMP/$u.service"
		done
		sed '/^# Hardening/,/^\[Install\]/{/^\[Install\]/!d}' \
		    "$TMP/ssmpd.service" >"$TMP/weak.service"
		check_fails "...and a unit without the sandboxing is over it" \
		    systemd-analyze security --offline=yes --threshold=20 \
		    --no-pager "$TMP/weak.service"
	else
		skip "systemd-analyze security" "no --offline (systemd < 250)"
	fi
else
	skip "systemd-analyze verify" "systemd-analyze not installed"
fi
if have systemd-sysusers && have systemd-tmpfiles && [ "$(id -u)" = 0 ]; then
	R=$TMP/root
	mkdir -p "$R/etc"
	check "systemd-sysusers creates the ssmp user" \
	    systemd-sysusers --root="$R" "$C/systemd/ssmp.sysusers"
	uid=$(awk -F: '$1 == "ssmp" { print $3 }' "$R/etc/passwd")
	check "systemd-tmpfiles creates the directories" \
	    systemd-tmpfiles --root="$R" --create "$C/systemd/ssmp.tmpfiles"
	is "$(stat -c '%a %u' "$R/var/lib/ssmp" "$R/var/lib/ssmp/spool" \
	    "$R/etc/ssmp/keys" "$R/run/ssmp" | tr '\n' ' ')" \
	    "750 $uid 700 $uid 700 0 750 $uid " \
	    "state, spool and runtime directories belong to ssmp, the key directory to root"
else
	skip "systemd-sysusers/-tmpfiles" "not installed or not root"
fi

# --- ssmp.conf.example: the real parser -------------------------------
EX=$C/ssmp.conf.example
# -n reads what a start reads (the keys, the TLS files, the keystore for
# ssmp-milter): ex.conf is the example with real files in their place,
# read as the units run the daemons: as a user (nobody for ssmp) with
# CAP_DAC_READ_SEARCH for the root-only key (as root: UserID needed).
"$KEYGEN" -d example.com -s s2026 -D "$TMP" -h ssmp.example.com \
    >/dev/null 2>&1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$TMP/tls.key" -out "$TMP/tls.crt" -days 2 \
    -subj /CN=ssmp.example.com >/dev/null 2>&1 && chmod 600 "$TMP/tls.key"
mkdir -m 700 "$TMP/spool" "$TMP/db" "$TMP/run"
sed -e "s#^KeyFile.*#KeyFile $TMP/s2026.private#" \
    -e "s#^TLSCertificate.*#TLSCertificate $TMP/tls.crt#" \
    -e "s#^TLSKey.*#TLSKey $TMP/tls.key#" \
    -e "s#^Database.*#Database $TMP/db#" \
    -e "s#^\\(\\#*UserID[[:space:]]*\\)ssmp#\\1nobody#" \
    -e "s#^Socket[[:space:]].*#Socket local:$TMP/run/milter.sock#" \
    -e "s#^SpoolDirectory.*#SpoolDirectory $TMP/spool#" "$EX" >"$TMP/ex.conf"
AS_UNIT=
if [ "$(id -u)" = 0 ] && have setpriv; then
	chown nobody "$TMP/spool" "$TMP/db" "$TMP/run" "$TMP/tls.key" &&
	    chmod o+x "$TMP"
	caps=+dac_read_search,+net_bind_service
	AS_UNIT="setpriv --reuid nobody --regid nogroup --clear-groups --inh-caps $caps --ambient-caps $caps"
fi
check "ssmpd -n accepts ssmp.conf.example" $AS_UNIT "$SSMPD" -n -c "$TMP/ex.conf"
# Each "#Key value" line is a documented alternative: uncomment it (and
# drop the active line of that key) and it must parse too.
n=0 bad=
grep -n '^#[A-Z][A-Za-z]*[[:space:]]' "$TMP/ex.conf" >"$TMP/alts"
while IFS=: read -r line text; do
	key=${text#\#}; key=${key%%[[:space:]]*}
	n=$((n + 1))
	awk -v l="$line" -v k="$key" '
	    NR == l { sub(/^#/, ""); print; next }
	    $1 == k { next }
	    { print }' "$TMP/ex.conf" >"$TMP/alt.conf"
	$AS_UNIT "$SSMPD" -n -c "$TMP/alt.conf" >"$TMP/alt.out" 2>&1 ||
	    bad="$bad $key($(cat "$TMP/alt.out"))"
done <"$TMP/alts"
is "$bad" "" "ssmpd -n accepts each of the $n commented alternatives"
sed 's/^MaxMessageSize/MaxMesageSize/' "$TMP/ex.conf" >"$TMP/typo.conf"
like "$($AS_UNIT "$SSMPD" -n -c "$TMP/typo.conf" 2>&1)" \
    "typo.conf:[0-9]+: .*MaxMesageSize" \
    "a misspelt key is refused, naming the file, line and key"
# ssmpd.service's LimitNOFILE= covers the example's MaxConnections for
# ssmpd -n (its ExecStartPre); below it, -n warns.
nofile=$(sed -n 's/^LimitNOFILE=//p' "$C/systemd/ssmpd.service")
if have prlimit; then
	if prlimit --nofile="$nofile" true 2>/dev/null; then
		check "ssmpd -n under the unit's LimitNOFILE=$nofile" \
		    prlimit --nofile="$nofile" $AS_UNIT "$SSMPD" -n -c "$TMP/ex.conf"
	else
		skip "ssmpd -n under the unit's LimitNOFILE=$nofile" \
		    "this machine's hard limit is below it"
	fi
	like "$(prlimit --nofile=1024 $AS_UNIT "$SSMPD" -n -c "$TMP/ex.conf" 2>&1)" \
	    'warning: MaxConnections needs 20128 open files, the limit is 1024' \
	    "...and a warning under 1024, naming MaxConnections and the limit"
fi
# ssmp-milter -n goes further: it opens the keystore too.
# (warnings aside: example.com publishes no SSMP key)
is "$($AS_UNIT "$MILTER" -n -c "$TMP/ex.conf" 2>&1 | grep -v ': warning: ')" \
    "$TMP/ex.conf: OK" \
    "ssmp-milter -n accepts ssmp.conf.example with a real key"

# --- Prometheus ---------------------------------------------------------
# The scrape targets are the defaults: ssmpd's AdminListen and the
# example's MilterAdminListen.
P=$C/prometheus/ssmp.yml
admin=$("$SSMPD" -p -c "$TMP/ex.conf" | sed -n 's/^AdminListen\tinet:\([0-9]*\)@\([0-9.]*\)\t.*/\2:\1/p')
madmin=$(sed -n 's/^#MilterAdminListen[[:space:]]*inet:\([0-9]*\)@\([0-9.]*\)$/\2:\1/p' "$EX")
is "$(grep -o "targets: \['[0-9.:]*'\]" "$P" | tr '\n' ' ')" \
    "targets: ['$admin'] targets: ['$madmin'] " \
    "prometheus/ssmp.yml scrapes ssmpd's AdminListen and the milter's MilterAdminListen"
if have promtool; then
	silent "promtool check config prometheus/ssmp.yml" promtool check config "$P"
else
	skip "promtool check config prometheus/ssmp.yml" "promtool (prometheus) not installed"
fi

# --- Postfix ------------------------------------------------------------
# pf_dir NAME MAIN... -- MASTER...: a config directory with the Debian
# defaults plus the snippets appended.
pf_dir() {
	d=$TMP/pf-$1; shift
	mkdir -p "$d"
	if [ -f /usr/share/postfix/main.cf.debian ]; then
		cp /usr/share/postfix/main.cf.debian "$d/main.cf"
	else
		echo "compatibility_level = 3.6" >"$d/main.cf"
	fi
	for m in /usr/share/postfix/master.cf.dist /etc/postfix/master.cf; do
		[ -f "$m" ] && { cp "$m" "$d/master.cf"; break; }
	done
	f=main.cf
	for s; do
		if [ "$s" = -- ]; then f=master.cf; continue; fi
		cat "$C/postfix/$s" >>"$d/$f"
	done
	echo "$d"
}
# pf_clean DESCRIPTION DIR: postconf -n, -M and -P without a warning.
pf_clean() {
	_out=$( { postconf -c "$2" -n; postconf -c "$2" -M; \
	    postconf -c "$2" -P; } 2>&1 >/dev/null)
	if [ -z "$_out" ]; then ok "$1"; else
		not_ok "$1"; printf '%s\n' "$_out" | sed 's/^/#   /' | head -20
	fi
}
if have postconf && have postmap; then
	d=$(pf_dir milter main.cf.milter -- master.cf.submission)
	pf_clean "postconf: main.cf.milter + master.cf.submission" "$d"
	is "$(postconf -c "$d" -hx smtpd_milters)" \
	    "{ unix:ssmp/milter.sock, default_action=tempfail }" \
	    "smtpd_milters tempfails when ssmp-milter is down"
	is "$(postconf -c "$d" -h milter_default_action)" tempfail \
	    "milter_default_action = tempfail"
	d=$(pf_dir inbound main.cf.inbound -- master.cf.inbound)
	pf_clean "postconf: main.cf.inbound + master.cf.inbound" "$d"
	is "$(postconf -c "$d" -P ssmp-handoff/unix/receive_override_options)" \
	    "ssmp-handoff/unix/receive_override_options = no_milters,no_header_body_checks" \
	    "ssmpd's listener: no milters, no header_checks"
	like "$(postconf -c "$d" -P ssmp-handoff/unix/smtpd_relay_restrictions)" \
	    '= reject_unauth_destination,check_recipient_access,texthash:/etc/postfix/ssmp-domains,reject$' \
	    "ssmpd's listener takes only its domains' recipients, never a route"
	like "$(postconf -c "$d" -M ssmp-handoff/unix)" '^ssmp-handoff +unix +n ' \
	    "ssmpd's listener is a socket in public/ (postdrop's members only)"
	d=$(pf_dir pipe main.cf.pipe -- master.cf.pipe)
	pf_clean "postconf: main.cf.pipe + master.cf.pipe" "$d"
	like "$(postconf -c "$d" -M ssmp/unix)" \
	    'pipe flags=q user=ssmp argv=/usr/sbin/ssmp-send -c /etc/ssmp.conf -f \$\{sender\} -- \$\{recipient\}$' \
	    "the ssmp pipe transport runs ssmp-send"
	echo "smtpd_miltres = x" >>"$d/main.cf"
	like "$(postconf -c "$d" -n 2>&1 >/dev/null)" \
	    "warning: .*unused parameter: smtpd_miltres" \
	    "postconf warns about a misspelt parameter"
	# header_checks.ssmp: forged SSMP headers go, others stay.
	hc=regexp:$C/postfix/header_checks.ssmp
	is "$(postmap -q 'SSMP-Trust: trusted' "$hc")" IGNORE \
	    "header_checks.ssmp drops SSMP-Trust:"
	is "$(postmap -q 'Authentication-Results: ssmp.example.com; ssmp=pass' \
	    "$hc")" IGNORE "header_checks.ssmp drops our own Authentication-Results"
	is "$(postmap -q 'Authentication-Results: mx.other.test; ssmp=pass' \
	    "$hc")" "" "header_checks.ssmp keeps other hosts' Authentication-Results"
	for f in 'ssmp-trust : trusted' 'SSMP-TRUST:known' \
	    'authentication-results : (x;y) SSMP.Example.COM; ssmp=pass'; do
		is "$(postmap -q "$f" "$hc")" IGNORE "header_checks.ssmp drops '$f'"
	done
	is "$(postmap -q b.example "texthash:$C/postfix/transport.ssmp")" \
	    "ssmp:" "transport.ssmp routes b.example to ssmp:"
else
	skip "Postfix snippets" "postconf/postmap not installed"
fi

# --- Sendmail -------------------------------------------------------------
CF=${SENDMAIL_CF:-/usr/share/sendmail/cf}
if have m4 && [ -f "$CF/m4/cf.m4" ]; then
	{ printf 'divert(-1)\ninclude(`%s/m4/cf.m4'"'"')\n' "$CF"
	  echo "OSTYPE(\`linux')dnl"
	  cat "$C/sendmail/ssmp-milter.mc"
	  echo "MAILER(\`local')dnl"; echo "MAILER(\`smtp')dnl"
	} >"$TMP/test.mc"
	silent "m4 builds a sendmail.cf with ssmp-milter.mc" \
	    sh -c "m4 '$TMP/test.mc' >'$TMP/test.cf'"
	# No macro lines: the milter asks for its own (smfi_setsymlist);
	# t/milter-sendmail.t shows Sendmail sends them.
	is "$(grep -E '^(Xssmp|O InputMailFilters)' "$TMP/test.cf")" \
"O InputMailFilters=ssmp
Xssmp, S=local:/run/ssmp/milter.sock, F=T, T=C:10s;S:30s;R:1m;E:5m" \
	    "sendmail.cf: the filter, tempfail when it is unavailable"
else
	skip "sendmail ssmp-milter.mc" "m4 or sendmail-cf not installed"
fi

# --- Sieve --------------------------------------------------------------
if have sievec; then
	S=$TMP/sieve
	mkdir -m 755 "$S"
	chmod 711 "$TMP"
	cp "$C/sieve/other-folder.sieve" "$S/s.sieve"
	# A private Dovecot configuration: the result must not depend on
	# /etc/dovecot.  sieve-test drops privileges to mail_uid.
	dv=
	if have doveconf; then
		printf '%s\n' "base_dir = $S/run" "mail_location = maildir:$S/mail" \
		    "default_login_user = nobody" "default_internal_user = nobody" \
		    "mail_uid = $(id -un | sed 's/^root$/nobody/')" \
		    "mail_gid = $(id -gn | sed 's/^root$/nogroup/')" >"$S/dovecot.conf"
		dv="doveconf -c $S/dovecot.conf -e"
	fi
	silent "sievec compiles other-folder.sieve" \
	    $dv "$(command -v sievec)" "$S/s.sieve" "$S/s.svbin"
	if have sieve-test; then
		rm -f "$S/s.svbin"
		m() {
			printf 'Authentication-Results: %s; ssmp=pass smtp.mailfrom=a@a.test\r\nSSMP-Trust: %s\r\nFrom: a@a.test\r\nSubject: t\r\n\r\nhi\r\n' \
			    "$1" "$2" >"$S/m.eml"
			chmod 644 "$S/m.eml" "$S/s.sieve"
			$dv "$(command -v sieve-test)" "$S/s.sieve" "$S/m.eml" \
			    2>/dev/null | sed -n 's/^ \* store message in folder: //p'
		}
		is "$(m ssmp.example.com unknown)" Other \
		    "sieve: SSMP mail from an unknown sender goes to Other"
		is "$(m ssmp.example.com known)" INBOX \
		    "sieve: SSMP mail from an allow-listed sender stays in INBOX"
		is "$(m mx.evil.test unknown)" INBOX \
		    "sieve: another host's ssmp=pass is not believed"
	fi
else
	skip "sieve script" "sievec (dovecot-sieve) not installed"
fi

# --- Exim -----------------------------------------------------------------
exim=
for e in exim4 exim; do have $e && { exim=$(command -v $e); break; }; done
if [ -n "$exim" ]; then
	E=$C/exim/conf.d
	printf '%s\n' "domainlist local_domains = @ : localhost" \
	    ".include $E/main/000_ssmp_macros" "begin routers" \
	    ".include $E/router/150_ssmp" "dnslookup:" "  driver = dnslookup" \
	    "  transport = remote_smtp" "begin transports" \
	    ".include $E/transport/30_ssmp" "remote_smtp:" \
	    "  driver = smtp" >"$TMP/exim.conf"
	check "exim -bV accepts the router and transport" \
	    "$exim" -C "$TMP/exim.conf" -bV
else
	skip "Exim snippets" "exim not installed (it conflicts with Postfix)"
fi

done_testing
