# world.sh - the test world: three mail domains on one machine, sourced by
# the integration tests, the demo and bench/.  POSIX sh (plus `local`, which
# dash and bash both have); see t/world/README for the layout and port plan.
#
#   a.test, b.test  SSMP domains (ssmp-milter and ssmpd plug in through
#                   world_postfix_set and world_spawn)
#   c.test          legacy SMTP only
#
# Each domain has its own real Postfix instance (postfix -c DIR), mail lands
# in Maildirs under the world directory, a real nsd serves the three zones
# DNSSEC-signed on a loopback port, and an openssl test CA issues the HTTPS
# certificates.  Everything lives under the directory given to world_init;
# everything started is stopped by world_stop_all, which world_init arranges
# to run on exit.  The one step outside that directory is Postfix's own rule
# for `postfix -c DIR` (see _world_pf_acd).

: "${WORLD_SRC:=${top_srcdir:-.}/t/world}"
: "${POSTFIX:=postfix}"
: "${NSD:=nsd}"
WORLD_DOMAINS="a.test b.test c.test"
WORLD_USERS="alice bob carol dave eve frank postmaster"
WORLD_MAIN_CF=/etc/postfix/main.cf

_world_die() { echo "world: $*" >&2; return 1; }

# _world_age FILE...: date the files 5 s back.  Postfix sleeps up to two
# seconds before it reads a configuration or texthash file modified within
# the last second (so that a change made during the read is not missed);
# every file we write would cost that wait.
_world_age() { touch -d "@$(($(date +%s) - 5))" "$@"; }
_world_now() { date +%s.%N; }
# _world_label DOMAIN|LABEL: "a.test" or "a" -> "a"
_world_label() { echo "${1%%.*}"; }
# world_domain LABEL|DOMAIN: "a" or "a.test" -> "a.test"
world_domain() { echo "$(_world_label "$1").test"; }

# _world_upper WORD: shell variable names of the port plan use upper case.
_world_upper() { echo "$1" | tr '[:lower:]' '[:upper:]'; }

# world_port LABEL KIND: port of the plan, e.g. `world_port b https`.
# LABEL is a, b, c (or the domain); KIND is smtp, inject, milter or https.
# `world_port dns` gives the DNS port, `world_port pg` PostgreSQL's,
# `world_port spare N` (N 0..9) a spare.
world_port() {
	local v
	case $1 in
	dns) echo "$WORLD_DNS_PORT"; return ;;
	pg) echo $((WORLD_PORT_BASE + 2)); return ;;
	resolver) echo "$WORLD_RESOLVER_PORT"; return ;;
	spare) echo $((WORLD_PORT_BASE + 40 + ${2:-0})); return ;;
	esac
	v="WORLD_$(_world_upper "$(_world_label "$1")")_$(_world_upper "$2")"
	eval "echo \"\${$v:?world: no port $v}\""
}

# _world_pick_ports: choose at random a block of 50 ports (B to B+49, see
# README) in which nothing listens, TCP or UDP, on any address.  Blocks
# stay below 32768, out of the kernel's ephemeral range, so that outgoing
# connections cannot take our ports between this check and the binds.
# Blocks of other worlds (their ports.env, read not touched) are skipped
# too: their daemons may not listen yet.
#
# The pick and the claim are one step under a lock (flock on a file in
# /run/lock, shared by every world on the machine): two worlds starting at
# once used to read the same list of taken blocks and pick the same one.
# A claim is a directory /run/lock/ssmp-world-ports/BASE naming the world;
# claims whose world directory is gone are pruned.
WORLD_PORT_CLAIMS=${WORLD_PORT_CLAIMS:-/run/lock/ssmp-world-ports}
_world_pick_ports() {
	mkdir -p "$WORLD_PORT_CLAIMS" || return 1
	WORLD_PORT_BASE=$(
		exec 9>>"$WORLD_PORT_CLAIMS.lock"
		flock 9 || exit 1
		_world_pick_locked
	)
	[ -n "$WORLD_PORT_BASE" ] ||
	    { _world_die "no free block of ports found in 10000-31999"; return 1; }
}

# _world_pick_locked: under the claims lock, print a free base and claim it.
_world_pick_locked() {
	local try r base used c
	for c in "$WORLD_PORT_CLAIMS"/*; do
		[ -f "$c" ] || continue
		[ -d "$(cat "$c" 2>/dev/null)" ] || rm -f "$c"
	done
	used=$(ss -Hltun 2>/dev/null | awk '{ n = split($5, a, ":"); print a[n] }'
	    ls "$WORLD_PORT_CLAIMS" 2>/dev/null)
	try=0
	while [ $try -lt 50 ]; do
		try=$((try + 1))
		r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		base=$((10000 + (r % 440) * 50))
		echo "$used" | awk -v b=$base '$1 >= b && $1 < b + 50 { f = 1 } END { exit f }' || continue
		echo "$WORLD" >"$WORLD_PORT_CLAIMS/$base" || return 1
		echo "$base"
		return 0
	done
	return 1
}


# world_init DIR: make the world's directories and its port plan, and
# arrange for world_stop_all to run on exit.  DIR must not exist yet or be
# empty.  Postfix daemons and virtual(8) (running as nobody) must reach
# files under DIR, so DIR and, if it lies in ${TMPDIR:-/tmp}, its parent
# (the test's own mktemp directory) are made searchable by all (o+x);
# nothing else is changed, and any other closed ancestor is an error.
world_init() {
	local d l L b k
	# make distcheck repeats the suite a third time; run-tests sets this
	# there, since the world tests already ran in the gcc and ASan builds.
	if [ -n "${SSMP_SKIP_WORLD:-}" ]; then
		echo "1..0 # SKIP SSMP_SKIP_WORLD is set (world tests run in the other builds)"
		exit 0
	fi
	[ -n "$1" ] || { _world_die "usage: world_init DIR"; return 1; }
	[ "$(id -u)" = 0 ] || { _world_die "world_init: must run as root"; return 1; }
	mkdir -p "$1" || return 1
	WORLD=$(cd "$1" && pwd)
	[ -z "$(ls -A "$WORLD")" ] || { _world_die "world_init: $WORLD is not empty"; return 1; }
	chmod 755 "$WORLD" || return 1
	d=$(dirname "$WORLD")
	case $d in "${TMPDIR:-/tmp}"/?*) chmod o+x "$d" || return 1 ;; esac
	while [ "$d" != / ]; do
		[ -n "$(find "$d" -maxdepth 0 -perm -001)" ] ||
		    { _world_die "world_init: $d is not searchable by others"; return 1; }
		d=$(dirname "$d")
	done
	mkdir -p "$WORLD/dns/zones" "$WORLD/dns/keys" "$WORLD/ca" \
	    "$WORLD/postfix" "$WORLD/mail" "$WORLD/log" "$WORLD/run" || return 1
	: >"$WORLD/run/postfix"
	_world_pick_ports || return 1
	WORLD_DNS_PORT=$WORLD_PORT_BASE
	WORLD_RESOLVER_PORT=$((WORLD_PORT_BASE + 1))
	: >"$WORLD/domains"
	: >"$WORLD/ports.env"
	for d in $WORLD_DOMAINS; do
		l=$(_world_label "$d"); L=$(_world_upper "$l")
		case $l in a) b=10 ;; b) b=20 ;; c) b=30 ;; esac
		eval "WORLD_${L}_SMTP=$((WORLD_PORT_BASE + b))"
		eval "WORLD_${L}_INJECT=$((WORLD_PORT_BASE + b + 1))"
		eval "WORLD_${L}_MILTER=$((WORLD_PORT_BASE + b + 2))"
		eval "WORLD_${L}_HTTPS=$((WORLD_PORT_BASE + b + 3))"
		echo "$d $((WORLD_PORT_BASE + b))" >>"$WORLD/domains"
		for k in SMTP INJECT MILTER HTTPS; do
			eval "echo WORLD_${L}_$k=\$WORLD_${L}_$k" >>"$WORLD/ports.env"
		done
	done
	echo "WORLD_DNS_PORT=$WORLD_DNS_PORT" >>"$WORLD/ports.env"
	echo "WORLD_RESOLVER_PORT=$WORLD_RESOLVER_PORT" >>"$WORLD/ports.env"
	echo "WORLD_PORT_BASE=$WORLD_PORT_BASE" >>"$WORLD/ports.env"
	echo "WORLD=$WORLD" >>"$WORLD/ports.env"
	# The cleanup names this world's directory: a test that starts a
	# second world, or points WORLD elsewhere, still stops this one.
	if command -v at_exit >/dev/null 2>&1; then
		at_exit "world_stop_all '$WORLD'"
	else
		trap "trap '' INT TERM HUP PIPE; world_stop_all '$WORLD'" EXIT
		trap 'exit 130' INT TERM
		trap 'exit 129' HUP
		trap 'exit 141' PIPE
	fi
}

# ---------------------------------------------------------------- DNS

# world_dns_add DOMAIN RR: add a record to DOMAIN's zone, served after the
# next world_dns_reload (or world_dns_start).  RR is one zone-file line, e.g.
#   world_dns_add b.test '_ssmp.b.test. 300 IN TXT "v=SSMP1; h=ssmp.b.test"'
world_dns_add() {
	local d
	d=$(world_domain "$1")
	_world_zones | grep -qx "$d" ||
	    { _world_die "world_dns_add: no zone $d in the world"; return 1; }
	printf '%s\n' "$2" >>"$WORLD/dns/zones/$d.extra"
}

# world_dns_del DOMAIN PATTERN: drop the added records matching PATTERN
# (grep -E), e.g. to revoke a key; served after world_dns_reload.
world_dns_del() {
	local f
	f="$WORLD/dns/zones/$(world_domain "$1").extra"
	[ -f "$f" ] || return 0
	grep -Ev -- "$2" "$f" >"$f.new"; mv "$f.new" "$f"
}

# _world_zones: the zones nsd serves: the world's domains when
# world_dns_start ran (a domain added later by world_postfix_start gets
# mail routes, not a zone), the extra zones of world_dns_zone, and last
# their parent "test", signed after its children so it carries their DS.
_world_zones() {
	if [ -f "$WORLD/dns/zonenames" ]; then cat "$WORLD/dns/zonenames"
	else
		cut -d' ' -f1 "$WORLD/domains"
		[ ! -f "$WORLD/dns/extrazones" ] || awk '$2 != "dead" { print $1 }' "$WORLD/dns/extrazones"
		echo test
	fi
}

# world_dns_zone NAME KIND: one more zone below test, before world_dns_start
# (or world_up), for DNSSEC set-ups the three domains do not cover.  KIND:
#   unsigned   served unsigned; test has no DS for it (insecure delegation)
#   insecure   served signed, but test has no DS for it (insecure too)
#   bogus      served signed; test's DS is of another key (validation fails)
#   dead       only delegated, to a server that never answers: each dead
#              zone its own address 127.77.X.Y, where nothing listens (a
#              resolver iterating from nsd times out: world_resolver_start)
# The zone gets SOA/NS/A records as a world domain does (zone.in).
world_dns_zone() {
	case $2 in unsigned|insecure|bogus|dead) ;; *)
		_world_die "world_dns_zone: kind '$2' is not unsigned, insecure, bogus or dead"; return 1 ;;
	esac
	[ ! -f "$WORLD/dns/zonenames" ] ||
	    { _world_die "world_dns_zone: call it before world_dns_start"; return 1; }
	echo "$1 $2" >>"$WORLD/dns/extrazones"
}

_world_zone_kind() {
	[ -f "$WORLD/dns/extrazones" ] && awk -v z="$1" '$1 == z { print $2 }' "$WORLD/dns/extrazones"
}

# _world_parent_zone: the delegations of test: NS and glue for each zone
# below it, DS for those whose chain is meant to validate.
_world_parent_zone() {
	local d k n
	for d in $(_world_zones) $(awk '$2 == "dead" { print $1 }' "$WORLD/dns/extrazones" 2>/dev/null); do
		case $d in test|*.*.test) continue ;; *.test) ;; *) continue ;; esac
		if [ "$(_world_zone_kind "$d")" = dead ]; then
			n=$(awk -v z="$d" '$2 == "dead" { i++ } $1 == z { print i; exit }' "$WORLD/dns/extrazones")
			printf '%s. IN NS ns.%s.\nns.%s. IN A 127.77.%d.%d\n' "$d" "$d" "$d" \
			    $((n / 250)) $((n % 250 + 1))
			continue
		fi
		printf '%s. IN NS ns.%s.\nns.%s. IN A 127.0.0.1\n' "$d" "$d" "$d"
		case $(_world_zone_kind "$d") in
		unsigned|insecure) ;;
		bogus)	# the DS of a key the zone is not signed with
			[ -f "$WORLD/dns/keys/$d.rogue" ] ||
			    (cd "$WORLD/dns/keys" && ldns-keygen -a ECDSAP256SHA256 -k "$d") \
			    >"$WORLD/dns/keys/$d.rogue" || return 1
			grep -v '^;' "$WORLD/dns/keys/$(cat "$WORLD/dns/keys/$d.rogue").ds" ;;
		*)	grep -v '^;' "$(cat "$WORLD/dns/keys/$d.base").ds" ;;
		esac
	done
}

# _world_zone_sign DOMAIN SERIAL: render the template, sign it with the
# zone's key (one ECDSAP256SHA256 key with the SEP flag, made on first use).
_world_zone_sign() {
	local d z k
	d=$1; z="$WORLD/dns/zones/$d.zone"
	if [ ! -f "$WORLD/dns/keys/$d.base" ]; then
		k=$(cd "$WORLD/dns/keys" && ldns-keygen -a ECDSAP256SHA256 -k "$d") ||
		    { _world_die "ldns-keygen failed for $d"; return 1; }
		echo "$WORLD/dns/keys/$k" >"$WORLD/dns/keys/$d.base"
	fi
	k=$(cat "$WORLD/dns/keys/$d.base")
	{
		sed -e "s/@DOMAIN@/$d/g" -e "s/@SERIAL@/$2/g" "$WORLD_SRC/zone.in"
		[ ! -f "$WORLD/dns/zones/$d.extra" ] || cat "$WORLD/dns/zones/$d.extra"
		[ "$d" != test ] || _world_parent_zone
	} >"$z" || return 1
	if [ "$(_world_zone_kind "$d")" = unsigned ]; then
		cp "$z" "$z.signed"; return
	fi
	# Inception an hour back: a validator whose clock lags still accepts.
	ldns-signzone -i "$(date -u -d '1 hour ago' +%Y%m%d%H%M%S)" \
	    -f "$z.signed" "$z" "$k" >"$WORLD/log/ldns-signzone.log" 2>&1 ||
	    { _world_die "ldns-signzone failed for $d: $(cat "$WORLD/log/ldns-signzone.log")"; return 1; }
}

# _world_anchors: write the trust anchors.
#   dns/anchor.test      test's DNSKEY: one anchor for the world, as the
#                        root's is for the internet (WORLD_DNS_ANCHOR)
#   dns/anchors.dnskey   every world domain's DNSKEY and test's (unbound
#                        trust-anchor-file and ldns_read_anchor_file-style,
#                        one RR a line); the extra zones are not anchors
#   dns/anchors.ds       the same as DS records
#   dns/keys/DOMAIN.key  one DNSKEY per file, for `drill -k`
_world_anchors() {
	local d k
	: >"$WORLD/dns/anchors.dnskey"; : >"$WORLD/dns/anchors.ds"
	for d in $(_world_zones); do
		[ -f "$WORLD/dns/keys/$d.base" ] || continue
		k=$(cat "$WORLD/dns/keys/$d.base")
		grep -v '^;' "$k.key" >"$WORLD/dns/keys/$d.key"
		[ -z "$(_world_zone_kind "$d")" ] || continue
		cat "$WORLD/dns/keys/$d.key" >>"$WORLD/dns/anchors.dnskey"
		grep -v '^;' "$k.ds" >>"$WORLD/dns/anchors.ds"
	done
	cp "$WORLD/dns/keys/test.key" "$WORLD/dns/anchor.test"
	WORLD_DNS_ANCHORS=$WORLD/dns/anchors.dnskey
	WORLD_DNS_ANCHOR=$WORLD/dns/anchor.test
}

# world_dns_query NAME [TYPE [drill options]]: ask the world's server.
world_dns_query() {
	local n t
	n=$1; t=${2:-A}; shift; [ $# -eq 0 ] || shift
	drill -p "$WORLD_DNS_PORT" "$@" "$n" @127.0.0.1 "$t"
}

# _world_dns_serial DOMAIN: SOA serial currently served, empty if none.
_world_dns_serial() {
	world_dns_query "$1" SOA 2>/dev/null |
	    awk '$4 == "SOA" && $1 == "'"$1"'." { print $7; exit }'
}

# _world_dns_wait SERIAL [TIMEOUT]: wait until every zone serves SERIAL.
_world_dns_wait() {
	local end d
	end=$(($(date +%s) + ${2:-10}))
	for d in $(_world_zones); do
		while [ "$(_world_dns_serial "$d")" != "$1" ]; do
			[ "$(date +%s)" -lt "$end" ] ||
			    { _world_die "nsd does not serve $d serial $1 (see $WORLD/log/nsd.log)"; return 1; }
			sleep 0.05
		done
	done
}

# world_dns_start: sign the zones and start nsd on 127.0.0.1:WORLD_DNS_PORT.
world_dns_start() {
	local d
	WORLD_DNS_SERIAL=1
	_world_zones >"$WORLD/dns/zonenames.new" && mv "$WORLD/dns/zonenames.new" "$WORLD/dns/zonenames"
	for d in $(_world_zones); do
		_world_zone_sign "$d" $WORLD_DNS_SERIAL || return 1
	done
	_world_anchors
	printf 'nameserver 127.0.0.1\n' >"$WORLD/dns/resolv.conf"
	{
		cat <<-EOF
		server:
		    ip-address: 127.0.0.1
		    port: $WORLD_DNS_PORT
		    do-ip6: no
		    server-count: 1
		    username: ""
		    chroot: ""
		    zonesdir: "$WORLD/dns/zones"
		    database: ""
		    zonelistfile: "$WORLD/dns/zone.list"
		    xfrdfile: "$WORLD/dns/xfrd.state"
		    xfrdir: "$WORLD/dns"
		    pidfile: "$WORLD/dns/nsd.pid"
		    logfile: "$WORLD/log/nsd.log"
		    verbosity: 1
		remote-control:
		    control-enable: yes
		    control-interface: "$WORLD/dns/nsd.ctl"
		EOF
		for d in $(_world_zones); do
			printf 'zone:\n    name: %s\n    zonefile: "%s.zone.signed"\n' "$d" "$d"
		done
	} >"$WORLD/dns/nsd.conf"
	_world_detach nsd "$NSD" -d -c "$WORLD/dns/nsd.conf"
	_world_dns_wait $WORLD_DNS_SERIAL 15
}

# world_dns_reload: re-sign every zone with a new serial (records added by
# world_dns_add included), reload nsd and wait until it serves them.
world_dns_reload() {
	local d
	WORLD_DNS_SERIAL=$((WORLD_DNS_SERIAL + 1))
	for d in $(_world_zones); do
		_world_zone_sign "$d" $WORLD_DNS_SERIAL || return 1
	done
	nsd-control -c "$WORLD/dns/nsd.conf" reload >>"$WORLD/log/nsd.log" 2>&1 ||
	    { _world_die "nsd-control reload failed"; return 1; }
	_world_dns_wait $WORLD_DNS_SERIAL 10
}

world_dns_stop() { _world_kill_pidfile "$WORLD/run/nsd.pid"; }

# world_resolver_start: a recursive resolver (Debian's unbound daemon) on
# 127.0.0.1:WORLD_RESOLVER_PORT that iterates from the world's nsd (stub
# zone test) and follows its delegations, as a site's resolver follows
# the internet's: what ssmp.conf's Nameservers names in DNSMode forward
# when a test needs real recursion (a dead delegation times out there,
# where nsd itself would just answer with the referral).  It does not
# validate: ssmp's own resolver does.  After world_dns_start.
world_resolver_start() {
	local i
	command -v unbound >/dev/null || PATH=$PATH:/usr/sbin
	mkdir -p "$WORLD/dns/resolver"
	cat >"$WORLD/dns/resolver/unbound.conf" <<-EOF
	server:
	    interface: 127.0.0.1@$WORLD_RESOLVER_PORT
	    do-ip6: no
	    username: ""
	    chroot: ""
	    directory: "$WORLD/dns/resolver"
	    pidfile: "$WORLD/dns/resolver/unbound.pid"
	    logfile: "$WORLD/log/resolver.log"
	    use-syslog: no
	    num-threads: 1
	    access-control: 127.0.0.0/8 allow
	    do-not-query-localhost: no
	    module-config: "iterator"
	    local-zone: "test." nodefault
	stub-zone:
	    name: "test."
	    stub-addr: 127.0.0.1@$WORLD_DNS_PORT
	remote-control:
	    control-enable: no
	EOF
	_world_detach resolver unbound -d -c "$WORLD/dns/resolver/unbound.conf"
	i=0
	until drill -p "$WORLD_RESOLVER_PORT" test @127.0.0.1 SOA 2>/dev/null | grep -q 'rcode: NOERROR'; do
		i=$((i + 1))
		[ $i -lt 100 ] || { _world_die "the resolver did not start (see $WORLD/log/resolver.log)"; return 1; }
		sleep 0.05
	done
}

# ---------------------------------------------------------------- PostgreSQL

: "${PG_BINDIR:=/usr/lib/postgresql/15/bin}"

# world_pg_available: PostgreSQL 15's server programs and user exist.
world_pg_available() {
	[ -x "$PG_BINDIR/postgres" ] && [ -x "$PG_BINDIR/initdb" ] &&
	    id postgres >/dev/null 2>&1
}

# _world_pg PROGRAM ARGS...: run one of PostgreSQL's programs as postgres.
_world_pg() {
	local p
	p=$1; shift
	setpriv --reuid=postgres --regid=postgres --init-groups "$PG_BINDIR/$p" "$@"
}

# world_pg_start: a private PostgreSQL cluster in $WORLD/pg on
# 127.0.0.1:`world_port pg` (socket in $WORLD/pg/run), as user postgres.
# The first call creates it (initdb, a role and a database both named
# ssmp, trust on loopback); later calls start it again with its data.
# WORLD_PG_URI is the SharedDatabase URI of that database.  Stopped by
# world_pg_stop or world_stop_all.
world_pg_start() {
	local d port new
	d=$WORLD/pg; port=$(world_port pg); new=""
	WORLD_PG_URI="pgsql://ssmp@127.0.0.1:$port/ssmp"
	if [ ! -f "$d/data/PG_VERSION" ]; then
		world_pg_available || { _world_die "PostgreSQL 15 is not installed (apt-get install postgresql-15)"; return 1; }
		mkdir -p "$d/data" "$d/run" && chown -R postgres "$d" || return 1
		_world_pg initdb -D "$d/data" -A trust -U postgres -E UTF8 \
		    --locale=C --no-sync >>"$WORLD/log/pg.log" 2>&1 ||
		    { _world_die "initdb failed (see $WORLD/log/pg.log)"; return 1; }
		cat >>"$d/data/postgresql.conf" <<-EOF
		listen_addresses = '127.0.0.1'
		port = $port
		unix_socket_directories = '$d/run'
		max_connections = 200
		shared_buffers = 32MB
		logging_collector = off
		EOF
		new=1
	fi
	_world_detach pg setpriv --reuid=postgres --regid=postgres \
	    --init-groups "$PG_BINDIR/postgres" -D "$d/data"
	_world_pg_wait 30 || { _world_die "PostgreSQL did not start (see $WORLD/log/pg.log)"; return 1; }
	[ -z "$new" ] || { world_pg_psql postgres "CREATE ROLE ssmp LOGIN" &&
	    world_pg_psql postgres "CREATE DATABASE ssmp OWNER ssmp"; } >/dev/null
}

# _world_pg_wait TIMEOUT: until the server accepts connections.
_world_pg_wait() {
	local end
	end=$(($(date +%s) + $1))
	until "$PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$(world_port pg)" -U postgres; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# world_pg_psql USER SQL: run SQL in database ssmp (USER postgres: in
# database postgres) and print the rows, fields separated by |.
world_pg_psql() {
	local db
	db=ssmp; [ "$1" != postgres ] || db=postgres
	"$PG_BINDIR/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 \
	    -p "$(world_port pg)" -U "$1" -d "$db" -c "$2"
}

# world_pg_stop: a fast shutdown (INT: sessions are ended, nothing is
# lost), KILL after 10 s.  The data stay for world_pg_start.
world_pg_stop() { _world_kill_pidfile "$WORLD/run/pg.pid" INT 200; }

# ---------------------------------------------------------------- CA

# world_ca_init: a test CA (EC P-256) in $WORLD/ca; WORLD_CA is its
# certificate, for curl --cacert / CURLOPT_CAINFO.
world_ca_init() {
	local c
	c="$WORLD/ca"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$c/ca.key" -out "$c/ca.crt" -days 30 -subj "/CN=SSMP test world CA" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" >"$WORLD/log/ca.log" 2>&1 ||
	    { _world_die "CA creation failed: $(cat "$WORLD/log/ca.log")"; return 1; }
	WORLD_CA=$c/ca.crt
}

# world_cert HOSTNAME: issue a server certificate for HOSTNAME and
# 127.0.0.1: $WORLD/ca/HOSTNAME.crt (leaf), .key, .chain (leaf + CA).
# Prints the certificate's path.
world_cert() {
	local c h
	c="$WORLD/ca"; h=$1
	[ -f "$c/ca.key" ] || { _world_die "world_cert: run world_ca_init first"; return 1; }
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$c/$h.key" -out "$c/$h.csr" -subj "/CN=$h" >>"$WORLD/log/ca.log" 2>&1 &&
	printf '%s\n' "subjectAltName=DNS:$h,IP:127.0.0.1" \
	    "basicConstraints=critical,CA:FALSE" \
	    "keyUsage=critical,digitalSignature" \
	    "extendedKeyUsage=serverAuth" >"$c/$h.ext" &&
	openssl x509 -req -in "$c/$h.csr" -CA "$c/ca.crt" -CAkey "$c/ca.key" \
	    -CAcreateserial -days 30 -extfile "$c/$h.ext" -out "$c/$h.crt" \
	    >>"$WORLD/log/ca.log" 2>&1 ||
	    { _world_die "world_cert $h failed (see $WORLD/log/ca.log)"; return 1; }
	cat "$c/$h.crt" "$c/ca.crt" >"$c/$h.chain"
	echo "$c/$h.crt"
}

# ---------------------------------------------------------------- Postfix

# _world_pf_register DIR / _world_pf_unregister DIR: Postfix runs
# `postfix -c DIR` only if the default main.cf lists DIR in
# alternate_config_directories (else it exits 1 without a word, logging to
# a syslog we do not have).  This is the one change the world makes outside
# its directory: it creates a minimal /etc/postfix/main.cf if there is none
# (it never starts the system instance), adds DIR while the instance runs
# and removes it when it stops.  Idempotent; entries of worlds that died
# without cleaning up (their directories are gone) are pruned.  flock on
# /etc/postfix serialises worlds running in parallel.
_world_pf_acd() {
	local op dir cur new e
	op=$1; dir=$2
	(
		flock 9 || exit 1
		if [ ! -f "$WORLD_MAIN_CF" ]; then
			printf '%s\n' "# Created by ssmp-gateway t/world/world.sh so that test" \
			    "# instances can run with postfix -c DIR; the system" \
			    "# instance is not configured and is never started." \
			    "compatibility_level = 3.6" >"$WORLD_MAIN_CF" || exit 1
			_world_age "$WORLD_MAIN_CF"
		fi
		cur=$(postconf -c /etc/postfix -h alternate_config_directories 2>/dev/null)
		new=""
		for e in $(echo "$cur" | tr ',' ' '); do
			[ "$e" = "$dir" ] && continue
			case $e in */postfix/*/conf) [ -d "$e" ] || continue ;; esac
			new="$new $e"
		done
		[ "$op" = add ] && new="$new $dir"
		new=${new# }
		[ "$new" = "$cur" ] && exit 0
		postconf -c /etc/postfix -e "alternate_config_directories = $new" &&
		    _world_age "$WORLD_MAIN_CF"
	) 9</etc/postfix
}

# Instance layout: $WORLD/postfix/NAME/{conf,queue,data,maillog}.  The
# queue stays out of the config directory, whose tree `postfix check` wants
# owned by root.
_world_pf_root() { echo "$WORLD/postfix/$(_world_label "$1")"; }
_world_pf_dir() { echo "$WORLD/postfix/$(_world_label "$1")/conf"; }

# world_postfix_log NAME: the instance's log file.
world_postfix_log() { echo "$(_world_pf_root "$1")/maillog"; }

# world_postfix_conf NAME: the instance's config directory, for postconf -c,
# postqueue -c, sendmail -C.
world_postfix_conf() { _world_pf_dir "$1"; }

# _world_pf_transport NAME: route every other world domain to its instance;
# fails if the routes did not change.
_world_pf_transport() {
	local d dir
	d=$(world_domain "$1"); dir=$(_world_pf_dir "$1")
	awk -v self="$d" '$1 != self { print $1 "\tsmtp:[127.0.0.1]:" $2 }' \
	    "$WORLD/domains" >"$dir/transport.new"
	if cmp -s "$dir/transport.new" "$dir/transport" 2>/dev/null; then
		rm -f "$dir/transport.new"; return 1
	fi
	mv "$dir/transport.new" "$dir/transport" && _world_age "$dir/transport"
}

# _world_pf_wait_log NAME PATTERN COUNT TIMEOUT: wait until the log has
# COUNT lines matching PATTERN.
_world_pf_wait_log() {
	local f end
	f=$(world_postfix_log "$1"); end=$(($(date +%s) + $4))
	while [ "$(grep -Ec -- "$2" "$f" 2>/dev/null)" -lt "$3" ]; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# _world_pf_main NAME: write main.cf from the template unless it exists
# (settings made by world_postfix_set before the start are kept).
_world_pf_main() {
	local dir root
	dir=$(_world_pf_dir "$1"); root=$(_world_pf_root "$1")
	[ ! -f "$dir/main.cf" ] || return 0
	mkdir -p "$dir" && sed -e "s|@DIR@|$dir|g" -e "s|@ROOT@|$root|g" \
	    -e "s|@WORLD@|$WORLD|g" -e "s|@DOMAIN@|$(world_domain "$1")|g" \
	    -e "s|@UID@|$(id -u nobody)|g" -e "s|@GID@|$(id -g nobody)|g" \
	    "$WORLD_SRC/main.cf.in" >"$dir/main.cf" && _world_age "$dir/main.cf"
}

# _world_pf_config NAME SMTPPORT INJECTPORT: everything but the start.
_world_pf_config() {
	local l d dir root u
	l=$(_world_label "$1"); d=$(world_domain "$1")
	dir=$(_world_pf_dir "$1"); root=$(_world_pf_root "$1")
	awk -v d="$d" -v p="$2" '$1 == d { $2 = p } { print }' \
	    "$WORLD/domains" >"$WORLD/domains.new"
	grep -q "^$d " "$WORLD/domains.new" || echo "$d $2" >>"$WORLD/domains.new"
	mv "$WORLD/domains.new" "$WORLD/domains"
	_world_pf_main "$l" || return 1
	sed -e "s|@SMTP@|$2|g" -e "s|@INJECT@|$3|g" \
	    "$WORLD_SRC/master.cf.in" >"$dir/master.cf" || return 1
	: >"$dir/vmailbox"
	for u in $WORLD_USERS; do
		echo "$u@$d	$d/$u/" >>"$dir/vmailbox"
		mkdir -p "$WORLD/mail/$d/$u/new" "$WORLD/mail/$d/$u/cur" "$WORLD/mail/$d/$u/tmp"
	done
	_world_age "$dir/master.cf" "$dir/vmailbox"
	chown -R nobody:"$(id -gn nobody)" "$WORLD/mail/$d" || return 1
	_world_pf_transport "$l"
	_world_pf_acd add "$dir" || { _world_die "cannot register $dir in $WORLD_MAIN_CF"; return 1; }
	echo "$l" >>"$WORLD/run/postfix"
}

# _world_pf_queue NAME: make the queue and data directories with the owners
# and modes that the installed Postfix's postfix-files lists for them (what
# `postfix check` would do, in a handful of processes).
_world_pf_queue() {
	local root
	root=$(_world_pf_root "$1")
	awk -F: -v q="$root/queue" -v d="$root/data" '
	/^\$(queue|data)_directory(\/[a-z]+)?:d:/ {
		p = $1; sub(/^\$queue_directory/, q, p); sub(/^\$data_directory/, d, p)
		own = $3; sub(/^\$mail_owner$/, "postfix", own)
		if ($4 != "-") { g = $4; sub(/^\$setgid_group$/, "postdrop", g); own = own ":" g }
		all = all " " p; chown[own] = chown[own] " " p; chmod[$5] = chmod[$5] " " p
	}
	END {
		if (all == "") exit 1
		print "mkdir -p" all
		for (o in chown) print "chown " o chown[o]
		for (m in chmod) print "chmod " m chmod[m]
	}' /etc/postfix/postfix-files >"$root/queue.sh" &&
	    sh -e "$root/queue.sh" ||
	    { _world_die "cannot make the queue of $1 from /etc/postfix/postfix-files"; return 1; }
}

# _world_pf_launch NAME SMTPPORT: start the configured instance and wait
# until it listens.
_world_pf_launch() {
	local l dir
	l=$(_world_label "$1"); dir=$(_world_pf_dir "$1")
	# The queue is made by _world_pf_queue; quick-start (the flag `postfix
	# quick-stop` leaves) spares `start` its integrity checks: some 200
	# processes, seconds on a loaded machine.
	_world_pf_queue "$l" &&
	touch "$(_world_pf_root "$l")/queue/quick-start" &&
	"$POSTFIX" -c "$dir" start >"$WORLD/log/postfix-$l.start" 2>&1 ||
	    { _world_die "postfix -c $dir start failed: $(cat "$WORLD/log/postfix-$l.start" \
	      "$(world_postfix_log "$l")" 2>/dev/null | tail -5)"; return 1; }
	world_wait_port "$2" 10 ||
	    { _world_die "postfix $l: nothing listens on $2 (see $(world_postfix_log "$l"))"; return 1; }
}

# _world_pf_reroute NAME: reload the other running instances whose routes
# changed because NAME is new or moved.
_world_pf_reroute() {
	local n
	for n in $(sort -u "$WORLD/run/postfix"); do
		[ "$n" = "$(_world_label "$1")" ] && continue
		! _world_pf_transport "$n" || world_postfix_reload "$n" || return 1
	done
}

# world_postfix_start NAME SMTPPORT [INJECTPORT]: configure and start the
# Postfix instance of domain NAME (a, b, c or a.test ...).  Mail for NAME's
# users (WORLD_USERS) goes to $WORLD/mail/DOMAIN/USER/ (Maildir); mail for
# other world domains relays to their SMTP port.  INJECTPORT (default: the
# plan's, else SMTPPORT+1) is a second smtpd without milters, for ssmpd.
# A domain not in the plan joins the world (the running instances are
# reloaded to route it).
world_postfix_start() {
	local l inject
	l=$(_world_label "$1")
	[ -n "$2" ] || { _world_die "usage: world_postfix_start NAME SMTPPORT [INJECTPORT]"; return 1; }
	inject=${3:-$(world_port "$l" inject 2>/dev/null || echo $(($2 + 1)))}
	_world_pf_config "$l" "$2" "$inject" && _world_pf_launch "$l" "$2" &&
	    _world_pf_reroute "$l"
}

# world_postfix_set NAME KEY VALUE: set a main.cf parameter of NAME's
# instance (postconf -e), e.g. the milter hook:
#   world_postfix_set a smtpd_milters inet:127.0.0.1:$(world_port a milter)
# A running instance needs world_postfix_reload afterwards.
world_postfix_set() {
	_world_pf_main "$1" && postconf -c "$(_world_pf_dir "$1")" -e "$2 = $3" &&
	    _world_age "$(_world_pf_dir "$1")/main.cf"
}

# world_postfix_reload NAME: reload and wait until master has re-read the
# configuration (new smtpd processes use it; idle old ones exit).
world_postfix_reload() {
	local n f
	f=$(world_postfix_log "$1")
	n=$(grep -c 'reload -- version' "$f" 2>/dev/null)
	"$POSTFIX" -c "$(_world_pf_dir "$1")" reload >/dev/null 2>&1 &&
	    _world_pf_wait_log "$1" 'reload -- version' $((n + 1)) 10 ||
	    { _world_die "postfix reload of $1 failed"; return 1; }
}

# world_postfix_stop NAME: stop the instance and wait until all its
# processes are gone.  `postfix abort` sends master the same SIGTERM as
# `postfix stop` (master then ends its children) without stop's polling in
# whole seconds; we poll ourselves, and KILL what is left after 5 s.
world_postfix_stop() {
	local dir l pid i
	l=$(_world_label "$1"); dir=$(_world_pf_dir "$1")
	[ -d "$dir" ] || return 0
	"$POSTFIX" -c "$dir" abort >/dev/null 2>&1
	i=0
	while [ -n "$(_world_pf_pids "$dir")" ] && [ $i -lt 100 ]; do
		sleep 0.05; i=$((i + 1))
	done
	for pid in $(_world_pf_pids "$dir"); do kill -9 "$pid" 2>/dev/null; done
	_world_pf_acd del "$dir"
	grep -vx "$l" "$WORLD/run/postfix" >"$WORLD/run/postfix.new"
	mv "$WORLD/run/postfix.new" "$WORLD/run/postfix"
}

# _world_pf_pids DIR: processes of the instance (its daemons all carry
# MAIL_CONFIG=DIR in their environment).  One grep for all of /proc: a
# loop over processes in shell takes seconds.
_world_pf_pids() {
	grep -lzx "MAIL_CONFIG=$1" /proc/[0-9]*/environ 2>/dev/null |
	    sed 's|^/proc/\([0-9]*\)/environ$|\1|'
}

# ---------------------------------------------------------------- daemons

# world_wait_port PORT [TIMEOUT]: wait until something listens on TCP PORT.
world_wait_port() {
	local end
	end=$(($(date +%s) + ${2:-10}))
	while [ -z "$(ss -Hltn "( sport = :$1 )" 2>/dev/null)" ]; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# world_userid CONF: the daemons of the world start as root with "UserID
# nobody" in their CONF (ssmpd and ssmp-milter never serve as root);
# what a daemon opens after the drop becomes the UserID's: the Database
# and SpoolDirectory (created if missing, with their contents) and the
# TLSKey (read again on SIGHUP).  Key files stay root's: the key process
# reads them.  Without a UserID line: nothing to do.
world_userid() {
	local k v u
	u=$(sed -n 's/^UserID[[:space:]]*//p' "$1")
	[ -n "$u" ] || return 0
	while read -r k v; do
		case $k in
		Database|SpoolDirectory) mkdir -p "$v" && chown -R "$u" "$v" || return 1 ;;
		TLSKey) chown "$u" "$v" || return 1 ;;
		esac
	done <"$1"
}

# world_spawn NAME COMMAND [ARGS...]: run a daemon of the world (in the
# foreground mode of its program: it must not fork away) in the background,
# logging to $WORLD/log/NAME.log, pid in $WORLD/run/NAME.pid;
# world_stop_all or world_kill NAME stops it.  Wait for it to listen with
# world_wait_port.
#   world_spawn ssmpd-b ssmpd -f -c "$WORLD/b/ssmp.conf"
world_spawn() {
	local n
	n=$1; shift
	[ ! -f "$WORLD/run/$n.pid" ] || { _world_die "world_spawn: $n already runs"; return 1; }
	_world_detach "$n" "$@"
}

# _world_detach NAME COMMAND...: start COMMAND in the background from a
# subshell, so that it is no job of the caller (a bare `wait` in a test
# must not wait for the world's daemons); its pid goes to run/NAME.pid.
_world_detach() {
	local n
	n=$1; shift
	( "$@" >>"$WORLD/log/$n.log" 2>&1 </dev/null & echo $! >"$WORLD/run/$n.pid" )
}

# _world_kill_pidfile FILE [SIGNAL [TICKS]]: send SIGNAL (TERM) to the
# process, KILL it after TICKS (100) times 50 ms.
_world_kill_pidfile() {
	local pid i
	[ -f "$1" ] || return 0
	pid=$(cat "$1"); rm -f "$1"
	kill -"${2:-TERM}" "$pid" 2>/dev/null || return 0
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt "${3:-100}" ]; do
		sleep 0.05; i=$((i + 1))
	done
	kill -9 "$pid" 2>/dev/null
	return 0
}

# world_kill NAME: stop the daemon started by world_spawn NAME (TERM, then
# KILL after 5 s).
world_kill() { _world_kill_pidfile "$WORLD/run/$1.pid"; }

# world_pids: every process still alive that belongs to the world (its
# command line or MAIL_CONFIG names a path under $WORLD); empty when all is
# stopped.  The pattern starts with [/] so that grep does not find itself.
world_pids() {
	{
		grep -lz "[/]${WORLD#/}/" /proc/[0-9]*/cmdline
		grep -lz "^MAIL_CONFIG=[/]${WORLD#/}/" /proc/[0-9]*/environ
	} 2>/dev/null | sed 's|^/proc/\([0-9]*\)/.*|\1|' | sort -un
}

# _world_wait_launches: Postfix instances that world_up is starting in
# background subshells (a signal can end the test while they run) must be
# up before they can be stopped; wait for those subshells (15 s at most).
_world_wait_launches() {
	local pid i
	[ -f "$WORLD/run/launching" ] || return 0
	for pid in $(cat "$WORLD/run/launching"); do
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 300 ]; do
			sleep 0.05; i=$((i + 1))
		done
	done
	rm -f "$WORLD/run/launching"
}

# _world_sweep: end what is left of the world after the orderly stop: a
# daemon that went to the background by itself (Background yes, a
# forking server), children of a daemon that had to be KILLed, anything
# whose command line or MAIL_CONFIG names the world (world_pids).  TERM,
# then KILL after 2 s.  Never this shell or its parent.
_world_sweep() {
	local pids p i
	pids=$(world_pids | grep -vx -e "$$" -e "${PPID:-0}")
	[ -n "$pids" ] || return 0
	for p in $pids; do kill "$p" 2>/dev/null; done
	i=0
	while [ $i -lt 40 ]; do
		for p in $pids; do kill -0 "$p" 2>/dev/null && break; p=""; done
		[ -n "$p" ] || return 0
		sleep 0.05; i=$((i + 1))
	done
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	return 0
}

# world_stop_all [DIR]: stop every daemon, Postfix instance and nsd of the
# world (DIR, default $WORLD), then anything else still running from it
# (_world_sweep).  Safe to call more than once, and on a half-started
# world.
world_stop_all() {
	local d f n
	d=${1:-$WORLD}
	local WORLD
	WORLD=$d
	[ -n "$WORLD" ] && [ -d "$WORLD/run" ] || return 0
	_world_wait_launches
	for f in "$WORLD"/run/*.pid; do
		[ -f "$f" ] || continue
		case $f in */nsd.pid|*/pg.pid) ;; *) _world_kill_pidfile "$f" ;; esac
	done
	for n in $(sort -u "$WORLD/run/postfix"); do world_postfix_stop "$n"; done
	world_pg_stop
	world_dns_stop
	_world_sweep
	f=$(sed -n 's/^WORLD_PORT_BASE=//p' "$WORLD/ports.env" 2>/dev/null)
	[ -z "$f" ] || rm -f "$WORLD_PORT_CLAIMS/$f"
	return 0
}

# ---------------------------------------------------------------- mail

# world_maildir_count DOMAIN USER: messages delivered to USER@DOMAIN.
world_maildir_count() {
	local m
	m="$WORLD/mail/$(world_domain "$1")/$2"
	find "$m/new" "$m/cur" -type f 2>/dev/null | wc -l | tr -d ' '
}

# world_maildir_last DOMAIN USER: path of the newest message, if any.
world_maildir_last() {
	local m
	m="$WORLD/mail/$(world_domain "$1")/$2"
	ls -t "$m"/new/* "$m"/cur/* 2>/dev/null | head -1
}

# world_wait_mail DOMAIN USER N TIMEOUT: wait until USER@DOMAIN has at
# least N messages; fails after TIMEOUT seconds.
world_wait_mail() {
	local end
	end=$(($(date +%s) + $4))
	while [ "$(world_maildir_count "$1" "$2")" -lt "$3" ]; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# world_send FROM TO SUBJECT [BODY [SWAKS-ARGS...]]: send a message by
# plain SMTP to the instance of FROM's domain (its submission entry) or to
# WORLD_SEND_PORT if set.  TO may list several recipients, comma-separated.
# The SMTP dialogue goes to $WORLD/log/swaks.log; returns swaks's status.
world_send() {
	local from to subj body port
	from=$1; to=$2; subj=$3; body=${4:-Test message from the world.}
	shift 3; [ $# -eq 0 ] || shift
	port=${WORLD_SEND_PORT:-$(awk -v d="${from##*@}" '$1 == d { print $2 }' "$WORLD/domains")}
	[ -n "$port" ] || { _world_die "world_send: no instance for ${from##*@}"; return 1; }
	swaks --server "127.0.0.1:$port" --from "$from" --to "$to" \
	    --helo client.world.test --header "Subject: $subj" --body "$body" \
	    "$@" >>"$WORLD/log/swaks.log" 2>&1
}

# world_up: the whole world as the demo and most tests want it: DNS, the CA
# with certificates for ssmp.a.test and ssmp.b.test, and the three Postfix
# instances on their planned ports.  Prints nothing; WORLD_UP_SECONDS tells
# how long it took.
world_up() {
	local t0 l pids rc
	t0=$(_world_now)
	world_dns_start && world_ca_init &&
	world_cert ssmp.a.test >/dev/null && world_cert ssmp.b.test >/dev/null || return 1
	# Postfix's start-up checks take seconds: start the instances at once.
	pids=""
	for l in a b c; do
		_world_pf_config "$l" "$(world_port "$l" smtp)" "$(world_port "$l" inject)" || return 1
	done
	for l in a b c; do
		_world_pf_launch "$l" "$(world_port "$l" smtp)" &
		pids="$pids $!"
		echo $! >>"$WORLD/run/launching"
	done
	rc=0
	for l in $pids; do wait "$l" || rc=1; done
	rm -f "$WORLD/run/launching"
	[ $rc = 0 ] || return 1
	WORLD_UP_SECONDS=$(echo "$t0 $(_world_now)" | awk '{ printf "%.2f", $2 - $1 }')
}
