#!/bin/sh
# package-deb.t - the Debian package, as a postmaster gets it: built by
# dpkg-buildpackage from a clean copy of the tree, lintian clean,
# installed with apt, its daemons run as the installed units say (their
# ExecStart, User= and AmbientCapabilities=) for the demo's first step in
# the SSMP world, then purged.  The machine is left as it was found:
# what the package made (the ssmp user and group, /var/lib/ssmp,
# /etc/ssmp, the milter's directory under /var/spool/postfix) goes again.
. "$top_srcdir/t/lib.sh"
only_in_pass gcc
# debian/rules runs "make check" unless nocheck: no package in a package.
[ -z "${SSMP_IN_DEB_BUILD:-}" ] && [ -z "${DEB_BUILD_ARCH:-}" ] ||
    skip_all "inside a package build"
[ "$(id -u)" = 0 ] || skip_all "needs root (apt installs the package)"
# The package is the machine's: two runs of this test at once (two
# checkouts' make check) would install and purge it under each other.
exec 9>/run/lock/ssmp-package-deb.lock
flock -w 900 9 || skip_all "another run of this test holds the package for 15 min"
for p in dpkg-buildpackage dh dh_autoreconf lintian; do
	command -v "$p" >/dev/null ||
	    skip_all "$p not installed (apt-get install dpkg-dev debhelper dh-autoreconf lintian)"
done
dpkg-query -W -f='${Status}' ssmp-gateway 2>/dev/null | grep -q 'ok installed' &&
    skip_all "ssmp-gateway is installed on this machine; the test would replace it"
for f in /etc/ssmp.conf /etc/ssmp /var/lib/ssmp /run/ssmp /var/spool/postfix/ssmp; do
	[ ! -e "$f" ] || skip_all "$f exists; the test would change it"
done
. "$top_srcdir/t/e2e-lib.sh"
# What the demo step needs (Postfix, nsd ...), checked before anything
# is installed.
no_world=$(e2e_missing)

# state: what this test may change on the machine, for the last check.
state() {
	getent passwd ssmp; getent group ssmp; getent group postfix
	ls -ld /etc/ssmp.conf /etc/ssmp /var/lib/ssmp /run/ssmp \
	    /var/spool/postfix/ssmp /usr/sbin/ssmpd 2>&1
}
before=$(state)
had_user=$(getent passwd ssmp)
had_group=$(getent group ssmp)
# The package's postrm purge removes its directories; the user and group
# stay (Debian policy 9.2.2), so the test removes those it caused.
restore() {
	dpkg-query -W ssmp-gateway >/dev/null 2>&1 &&
	    apt-get purge -y -q -o DPkg::Lock::Timeout=300 ssmp-gateway >/dev/null 2>&1
	[ -n "$had_user" ] || userdel ssmp 2>/dev/null
	[ -n "$had_group" ] || groupdel ssmp 2>/dev/null
	rm -rf /etc/ssmp /var/lib/ssmp /run/ssmp /var/spool/postfix/ssmp
}
at_exit restore

# --- build ------------------------------------------------------------
missing=
for f in $(cd "$top_srcdir" && find debian -type f ! -name local.mk \
    ! -path 'debian/ssmp-gateway/*' ! -path 'debian/.debhelper/*' \
    ! -name '*.substvars' ! -name '*debhelper*' ! -name files); do
	grep -q "^[[:space:]]*$f[[:space:]\\]*\$" "$top_srcdir/debian/local.mk" ||
	    missing="$missing $f"
done
is "$missing" "" "every debian/ file is in EXTRA_DIST (debian/local.mk)"
# The tracked and new files as they are in the working tree (what git
# does not ignore), or outside git what "make distdir" ships.
B=$TMP/deb
mkdir -p "$B/src"
if git -C "$top_srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top_srcdir" && git ls-files -co --exclude-standard -z |
	    tar --null -T - -cf -) | tar -xf - -C "$B/src"
else
	make -C "$top_builddir" distdir distdir="$B/src" >/dev/null
fi
t0=$(date +%s)
# nocheck: the suite this test is part of runs anyway.
if (cd "$B/src" && DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=2" \
    dpkg-buildpackage -us -uc -b) >"$B/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b builds the package"
else
	not_ok "dpkg-buildpackage -us -uc -b builds the package"
	tail -20 "$B/build.log" | sed 's/^/#   /'
	done_testing; exit
fi
diag "built in $(($(date +%s) - t0)) s"
DEB=$(ls "$B"/ssmp-gateway_*_*.deb)

# Every tag, down to pedantic and informational ones, fails: each
# accepted one has its reason in debian/ssmp-gateway.lintian-overrides.
is "$(lintian -I --pedantic --tag-display-limit 0 "$B"/ssmp-gateway_*.changes 2>&1 |
    grep -v '^running with root privileges')" \
    "" "lintian -I --pedantic: silent"

contents=$(dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's,^\./,/,')
missing=
for f in /usr/sbin/ssmpd /usr/sbin/ssmp-milter /usr/sbin/ssmp-send \
    /usr/sbin/ssmp-keygen /usr/sbin/ssmpctl \
    /lib/systemd/system/ssmpd.service /lib/systemd/system/ssmp-milter.service \
    /usr/lib/sysusers.d/ssmp.conf /usr/lib/tmpfiles.d/ssmp.conf \
    /etc/ssmp.conf /usr/share/man/man5/ssmp.conf.5.gz \
    /usr/share/man/man7/ssmp.7.gz /usr/share/man/man8/ssmpd.8.gz \
    /usr/share/man/man8/ssmp-milter.8.gz /usr/share/man/man8/ssmp-send.8.gz \
    /usr/share/man/man8/ssmp-keygen.8.gz /usr/share/man/man8/ssmpctl.8.gz \
    /usr/share/doc/ssmp-gateway/examples/postfix/main.cf.milter; do
	echo "$contents" | grep -qx "$f" || missing="$missing $f"
done
is "$missing" "" "the package holds the programs, units, sysusers, tmpfiles, ssmp.conf, 7 man pages, examples"
is "$(dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - ./conffiles)" \
    "/etc/ssmp.conf" "/etc/ssmp.conf is a conffile"

# --- install ----------------------------------------------------------
check "apt-get install ./ssmp-gateway_*.deb" \
    apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 "$DEB"
is "$(getent passwd ssmp | cut -d: -f6,7)" "/var/lib/ssmp:/usr/sbin/nologin" \
    "the ssmp system user exists (home /var/lib/ssmp, no login)"
is "$(stat -c '%a %U:%G %n' /var/lib/ssmp /var/lib/ssmp/spool /etc/ssmp/keys)" \
"750 ssmp:ssmp /var/lib/ssmp
700 ssmp:ssmp /var/lib/ssmp/spool
700 root:root /etc/ssmp/keys" \
    "state directory, spool and key directory made with their modes"
if getent group postfix >/dev/null && [ -d /var/spool/postfix ]; then
	is "$(stat -c '%a %U:%G' /var/spool/postfix/ssmp)" "2750 ssmp:postfix" \
	    "the milter socket's directory in Postfix's queue directory: setgid postfix"
fi
is "$(grep -E '^(Domain|Selector|KeyFile|Hostname|TLSCertificate|TLSKey)[[:space:]]' /etc/ssmp.conf)" "" \
    "/etc/ssmp.conf: the settings only the site knows are commented out"
like "$(setpriv --reuid=ssmp --regid=ssmp --clear-groups /usr/sbin/ssmpd -n -c /etc/ssmp.conf 2>&1)" \
    'no keys configured' "ssmpd -n on the unedited /etc/ssmp.conf names what is missing"
if command -v systemd-analyze >/dev/null; then
	check "systemd-analyze verify: the installed units" systemd-analyze verify \
	    --man=no /lib/systemd/system/ssmpd.service /lib/systemd/system/ssmp-milter.service
fi

# unit_wrapper UNIT: a script, run as "SCRIPT -f -c CONF", that starts
# the unit as systemd would: its ExecStartPre= then its ExecStart= (on a
# copy of CONF with UserID the unit's User=, the advice of README and
# ssmp.conf.example), as that user with the unit's AmbientCapabilities=;
# the directories and TLS key go to that user.
unit_wrapper() {
	local u user caps pre start
	u=/lib/systemd/system/$1.service
	user=$(sed -n 's/^User=//p' "$u")
	caps=$(sed -n 's/^AmbientCapabilities=//p' "$u" | tr 'A-Z ' 'a-z\n' |
	    sed -n 's/^cap_\(.*\)/+\1/p' | paste -sd, -)
	pre=$(sed -n 's,^ExecStartPre=\(.*\) /etc/ssmp.conf$,\1,p' "$u")
	start=$(sed -n 's,^ExecStart=\(.*\) /etc/ssmp.conf$,\1,p' "$u")
	cat >"$TMP/$1" <<-EOW
	#!/bin/sh
	# as $u starts it
	conf=\$3
	{ sed '/^UserID/d' "\$conf"; echo "UserID $user"; } >"\$conf.unit"
	for k in Database SpoolDirectory TLSKey; do
		v=\$(sed -n "s/^\$k[[:space:]]*//p" "\$conf.unit")
		[ -z "\$v" ] || chown -R $user "\$v"
	done
	as() {
		setpriv --reuid=$user --regid=$user --init-groups \\
		    --inh-caps=$caps --ambient-caps=$caps "\$@"
	}
	as $pre "\$conf.unit" || exit 1
	exec setpriv --reuid=$user --regid=$user --init-groups \\
	    --inh-caps=$caps --ambient-caps=$caps $start "\$conf.unit"
	EOW
	chmod 755 "$TMP/$1"
	echo "$TMP/$1"
}

# --- the unit's milter on the installed ssmp.conf, beside Postfix -----
# A key and the three key lines uncommented: the milter makes its socket
# in the directory postinst made, reachable by the postfix group only.
if getent group postfix >/dev/null && [ -d /var/spool/postfix ]; then
	/usr/sbin/ssmp-keygen -d example.com -s s1 -D /etc/ssmp/keys >/dev/null 2>&1
	sed -e 's/^#Domain[[:space:]].*/Domain example.com/' \
	    -e 's/^#Selector[[:space:]].*/Selector s1/' \
	    -e 's,^#KeyFile[[:space:]].*,KeyFile /etc/ssmp/keys/s1.private,' \
	    /etc/ssmp.conf >"$TMP/ssmp.conf"
	M=$(unit_wrapper ssmp-milter)
	"$M" -f -c "$TMP/ssmp.conf" >"$TMP/milter.log" 2>&1 &
	mpid=$!
	S=/var/spool/postfix/ssmp/milter.sock
	for i in $(seq 50); do [ -S "$S" ] && break; sleep 0.1; done
	is "$(stat -c '%a %U:%G' "$S" 2>&1)" "660 ssmp:postfix" \
	    "the unit's milter on the installed ssmp.conf: socket 0660 ssmp:postfix"
	# connect USER [GROUP]: "connected" or the error
	connect() {
		setpriv --reuid="$1" --regid="${2:-$1}" --init-groups /usr/bin/python3 -c "
import socket
try:
    socket.socket(socket.AF_UNIX).connect('$S'); print('connected')
except OSError as e:
    print(e.strerror)" 2>&1
	}
	is "$(connect postfix)" connected "...Postfix (user postfix) can connect to it"
	is "$(connect nobody nogroup)" "Permission denied" "...another user (nobody) cannot"
	kill "$mpid" 2>/dev/null; wait "$mpid"
	grep -v 'starting\|stopping\|domain example.com' "$TMP/milter.log" |
	    sed 's/^/# milter: /' | head -5
fi

# --- the demo's first step with the installed programs ----------------
if [ -n "$no_world" ]; then
	ok "the demo's first step # SKIP $no_world"
else
	E2E_SSMPD=$(unit_wrapper ssmpd)
	E2E_MILTER=$(unit_wrapper ssmp-milter)
	E2E_KEYGEN=/usr/sbin/ssmp-keygen
	E2E_CTL=/usr/sbin/ssmpctl
	world_ssmp_up || bail "the SSMP world did not start (see $WORLD/log)"
	is "$(ps -o user= -p "$(cat "$WORLD/run/ssmpd-b.pid")")" ssmp \
	    "the installed ssmpd runs as the unit's user"
	check "(a) alice submits one message to bob@b.test and carol@c.test" \
	    e2e_send alice@a.test bob@b.test,carol@c.test t-a@a.test
	check "(a) bob receives it" e2e_wait b bob t-a@a.test 1 20
	check "(a) carol receives it" e2e_wait c carol t-a@a.test 1 20
	like "$(e2e_hdr b bob t-a@a.test 'Authentication-Results|Received' | tr '\n' '|')" \
	    'Received: from [^|]* by ssmp\.b\.test [^|]*with SSMP id [^|]*\|Authentication-Results: ssmp\.b\.test; ssmp=pass ' \
	    "(a) bob's copy came by SSMP through the installed ssmpd (ssmp=pass)"
	is "$(e2e_hdr c carol t-a@a.test Authentication-Results)" "" \
	    "(a) carol's copy came by SMTP"
	e2e_stop_daemons
fi

# --- purge ------------------------------------------------------------
check "apt-get purge ssmp-gateway" \
    apt-get purge -y -q -o DPkg::Lock::Timeout=300 ssmp-gateway
is "$(ls -d /usr/sbin/ssmpd /etc/ssmp.conf /var/lib/ssmp \
    /var/spool/postfix/ssmp 2>/dev/null)" "" \
    "purge removes the programs, the conffile, the state and socket directories"
restore
is "$(state)" "$before" "the machine is as the test found it"
done_testing
