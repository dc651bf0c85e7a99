#!/bin/sh
# harden-privdrop.t - both daemons started as root with UserID nobody:
# real, effective, saved and fs uid and gid are nobody's, root's
# supplementary groups are gone and no capability is left (from
# /proc/PID/status); the listening socket on a port below 1024 was bound
# before the drop (nobody could not bind it) and still serves after it;
# a UserID naming no user stops the start with an error naming it; a
# domain KeyFile or TLSKey readable by group or others is refused with
# an error naming the file.  t/ssmpd-daemon.t and t/milter-daemon.t
# cover UserID on high ports, PidFile and Background.
. "$top_srcdir/t/lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root (UserID, ports below 1024)"
. "$top_srcdir/t/world/world.sh"
SSMPD=$top_builddir/bridge/ssmpd
SSMPC=$top_builddir/t/ssmpc
MILTER_BIN=$top_builddir/milter/ssmp-milter
MILTERTEST=${MILTERTEST:-$(command -v miltertest)}
SEED=202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f

world_init "$TMP/w" || bail "world_init failed"
[ -x "$SSMPD" ] && [ -x "$MILTER_BIN" ] && [ -x "$SSMPC" ] ||
    bail "bridge/ssmpd, milter/ssmp-milter or t/ssmpc not built"
command -v setpriv >/dev/null || bail "setpriv (util-linux) missing"
world_ca_init && world_cert ssmp.b.test >/dev/null || bail "no test CA"
NOB_U=$(id -u nobody) NOB_G=$(id -g nobody)
UNPRIV_START=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || echo 1024)

# low_port: a free TCP port in 600-1023 (below 1024: only root binds it).
low_port() {
	local i p
	i=0
	while [ $i -lt 50 ]; do
		p=$((600 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 424))
		[ -n "$(ss -Hltn "( sport = :$p )")" ] || { echo "$p"; return 0; }
		i=$((i + 1))
	done
	return 1
}

# ids PID: "uids/gids/groups/CapPrm CapEff CapBnd?" from /proc/PID/status
# (the bounding set is left to the unit file: CapabilityBoundingSet).
ids() {
	awk '/^Uid:/ { u = $2 " " $3 " " $4 " " $5 }
	    /^Gid:/ { g = $2 " " $3 " " $4 " " $5 }
	    /^Groups:/ { $1 = ""; s = $0; sub(/^ +/, "", s); sub(/ +$/, "", s) }
	    /^CapPrm:/ { p = $2 } /^CapEff:/ { e = $2 }
	    END { print u "/" g "/" s "/" p " " e }' "/proc/$1/status"
}
WANT_IDS="$NOB_U $NOB_U $NOB_U $NOB_U/$NOB_G $NOB_G $NOB_G $NOB_G/$(id -G nobody)/0000000000000000 0000000000000000"

# sock_pid PORT: pid of the process listening on TCP PORT.
sock_pid() {
	ss -Hltnp "( sport = :$1 )" | sed -n 's/.*pid=\([0-9]*\),.*/\1/p' | head -1
}

# bound_early NAME PORT PID: the socket on PORT belongs to PID, which runs
# as nobody; nobody cannot bind below ip_unprivileged_port_start.
bound_early() {
	if [ "$2" -ge "$UNPRIV_START" ]; then
		ok "$1: port $2 bound before the drop # SKIP ip_unprivileged_port_start is $UNPRIV_START"
		return
	fi
	is "$(sock_pid "$2")" "$3" "$1: privileged port $2 (bound as root, before the drop) is the daemon's"
}

# Every daemon starts as root with root's group and two supplementary
# groups (adm, 4; mail, 8): initgroups must replace them.  setpriv execs
# the daemon, so world_spawn's pid is the daemon's.
AS_ROOT="setpriv --groups 0,4,8"

# ---------------------------------------------------------------- ssmpd
D=$WORLD/sd
mkdir -p "$D/db" && chown nobody "$D/db"
$SSMPC keyfile $SEED >"$D/b.key" && chmod 600 "$D/b.key" || bail "ssmpc keyfile failed"
cp "$WORLD/ca/ssmp.b.test.key" "$D/tls.key" && chmod 600 "$D/tls.key"
SD_PORT=$(low_port) || bail "no free port below 1024"
# sd_conf FILE [KEY VALUE]...: ssmpd's config (no DNS asked here).
sd_conf() {
	local f
	f=$1; shift
	{
		printf '%s\n' "Syslog no" "Background no" "Database $D/db" \
		    "Domain b.test" "Selector s1" "KeyFile $D/b.key" \
		    "Nameservers 127.0.0.1:$(world_port dns)" \
		    "Listen inet:$SD_PORT@127.0.0.1" \
		    "TLSCertificate $WORLD/ca/ssmp.b.test.chain" \
		    "TLSKey $D/tls.key" "MTA inet:$(world_port b inject)@127.0.0.1" \
		    "Hostname ssmp.b.test" "UserID nobody"
		while [ $# -ge 2 ]; do echo "$1 $2"; shift 2; done
	} >"$f"
}
sd_conf "$D/ssmp.conf"
world_spawn ssmpd $AS_ROOT "$SSMPD" -f -c "$D/ssmp.conf"
world_wait_port "$SD_PORT" 10 || bail "ssmpd did not start: $(cat "$WORLD/log/ssmpd.log")"
pid=$(cat "$WORLD/run/ssmpd.pid")
is "$(ids "$pid")" "$WANT_IDS" \
    "ssmpd UserID nobody: uids and gids nobody's, root's groups 0 4 8 gone, no capability"
bound_early ssmpd "$SD_PORT" "$pid"
got=$(curl -sS --max-time 5 --cacert "$WORLD_CA" --resolve "ssmp.b.test:$SD_PORT:127.0.0.1" \
    "https://ssmp.b.test:$SD_PORT/.well-known/ssmp/v1/key/b.test/s1" 2>&1)
is "$got" "$($SSMPC keyrec $SEED)" "ssmpd serves its key over TLS after the drop"
like "$(stat -c %U "$D/db/data.mdb" 2>&1)" '^nobody$' "ssmpd opened its database as nobody"
world_kill ssmpd

# start_fails PROGRAM DESC CONF PATTERN: PROGRAM -f -c CONF exits non-zero
# at once and says PATTERN.
start_fails() {
	local out rc
	out=$(timeout 3 "$1" -f -c "$3" 2>&1); rc=$?
	case $rc in 0|124) not_ok "$2 (exit $rc)"; printf "%s\n" "$out" | tail -5 | sed "s/^/#   /" ;;
	*) like "$out" "$4" "$2" ;; esac
}
sd_fails() { start_fails "$SSMPD" "$@"; }
sd_conf "$D/nouser.conf" UserID no-such-user-ssmp
sed -i '/^UserID nobody$/d' "$D/nouser.conf"
sd_fails "ssmpd: UserID naming no user stops the start, named" "$D/nouser.conf" \
    'UserID no-such-user-ssmp: no such user'
is "$(ss -Hltn "( sport = :$SD_PORT )" | wc -l)" 0 "...and nothing listens on its port"

chmod 640 "$D/b.key"
sd_fails "ssmpd: group-readable KeyFile refused, named" "$D/ssmp.conf" "$D/b\.key"
chmod 604 "$D/b.key"
sd_fails "ssmpd: world-readable KeyFile refused, named" "$D/ssmp.conf" "$D/b\.key"
chmod 600 "$D/b.key"
# TLSKey: checked on the open file, then loaded from it (bridge/tls.c).
chmod 640 "$D/tls.key"
sd_fails "ssmpd: group-readable TLSKey refused, named" "$D/ssmp.conf" "$D/tls\.key"
chmod 644 "$D/tls.key"
sd_fails "ssmpd: world-readable TLSKey refused, named" "$D/ssmp.conf" "$D/tls\.key"
chmod 600 "$D/tls.key"

# ---------------------------------------------------------------- milter
M=$WORLD/milter
mkdir -p "$M/db" "$M/spool" && chown nobody "$M/db" "$M/spool" && chmod 700 "$M/spool"
$SSMPC keyfile $SEED >"$M/a.key" && chmod 600 "$M/a.key" || bail "ssmpc keyfile failed"
MT_PORT=$(low_port) || bail "no free port below 1024"
mt_conf() {
	local f
	f=$1; shift
	{
		printf '%s\n' "Socket inet:$MT_PORT@127.0.0.1" "Syslog no" \
		    "Background no" "Domain a.test" "Selector s1" "KeyFile $M/a.key" \
		    "Nameservers 127.0.0.1:$(world_port dns)" "InternalHosts 10.0.0.0/8" \
		    "SpoolDirectory $M/spool" "Database $M/db" "UserID nobody"
		while [ $# -ge 2 ]; do echo "$1 $2"; shift 2; done
	} >"$f"
}
mt_conf "$M/ssmp.conf"
world_spawn milter $AS_ROOT "$MILTER_BIN" -f -c "$M/ssmp.conf"
world_wait_port "$MT_PORT" 10 || bail "ssmp-milter did not start: $(cat "$WORLD/log/milter.log")"
pid=$(cat "$WORLD/run/milter.pid")
is "$(ids "$pid")" "$WANT_IDS" \
    "ssmp-milter UserID nobody: uids and gids nobody's, root's groups 0 4 8 gone, no capability"
bound_early ssmp-milter "$MT_PORT" "$pid"
if [ -x "$MILTERTEST" ]; then
	check "ssmp-milter answers a milter session after the drop" \
	    "$MILTERTEST" -D "sock=inet:$MT_PORT@127.0.0.1" -D case=notout -D stamp=1 \
	    -s "$top_srcdir/t/milter-paths.lua"
else
	ok "ssmp-milter answers after the drop # SKIP miltertest not installed"
fi
world_kill milter

mt_fails() { start_fails "$MILTER_BIN" "$@"; }
mt_conf "$M/nouser.conf" UserID no-such-user-ssmp
sed -i '/^UserID nobody$/d' "$M/nouser.conf"
mt_fails "ssmp-milter: UserID naming no user stops the start, named" "$M/nouser.conf" \
    'UserID no-such-user-ssmp: no such user'
is "$(ss -Hltn "( sport = :$MT_PORT )" | wc -l)" 0 "...and nothing listens on its port"
chmod 640 "$M/a.key"
mt_fails "ssmp-milter: group-readable KeyFile refused, named" "$M/ssmp.conf" "$M/a\.key"
chmod 604 "$M/a.key"
mt_fails "ssmp-milter: world-readable KeyFile refused, named" "$M/ssmp.conf" "$M/a\.key"
chmod 600 "$M/a.key"
done_testing
