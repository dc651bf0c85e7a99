#!/bin/sh
# ssmpd on PostgreSQL (SharedDatabase) against ssmpd on LMDB, same run:
#   lmdb  one node, LMDB Database (the embedded default)
#   pg1   one node, SharedDatabase on a private PostgreSQL 15
#   pg2   two nodes (127.0.0.1 and 127.0.0.2), one PostgreSQL; the load
#         generator's connections alternate between them
# For each: envelope phases/s and messages/s (envelope + 4 KB message
# into smtp-sink), and the CPU each component used per request: ssmpd
# (all nodes), PostgreSQL (postmaster and backends), smtp-sink, the load
# generator, and the cores the whole machine was busy: their sum against
# the machine's cores says which resource bounds the rate.  Ratios: pg1/lmdb (goal >= 0.5), pg2/pg1 (goal 1.6).
# The three setups take turns, ROUNDS times (default 3); each figure is
# the median of its rounds.
# Usage (as root, from the build directory):
#	[ROUNDS=R] bench/pg-bench.sh [SRCDIR] [MESSAGES] [CONCURRENCY]
top_srcdir=$(cd "${1:-$(dirname "$0")/..}" && pwd)
top_builddir=$(pwd)
N=${2:-2000}
C=${3:-20}
export top_srcdir top_builddir
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/ssmpd-lib.sh"
LOAD=$top_builddir/bench/ssmpd-load
CTL=$top_builddir/tools/ssmpctl
[ -x "$LOAD" ] || bail "bench/ssmpd-load not built (make check)"
world_pg_available || bail "PostgreSQL 15 is not installed (apt-get install postgresql-15)"
ulimit -n 8192 || bail "cannot raise the open files limit"
HZ=$(getconf CLK_TCK)
NCPU=$(nproc)

echo "load before: $(uptime)"
sd_world >/dev/null
sd_sink
world_pg_start || bail "PostgreSQL did not start"
PGPID=$(cat "$WORLD/run/pg.pid")
SINKPID=$(cat "$WORLD/run/sink.pid")

# conf NAME IP ADMINPORT [SHARED]: $SD_DIR/NAME.conf
conf() {
	SD_CONF=$SD_DIR/$1.conf
	sd_conf Database "$SD_DIR/db-$1" Listen "inet:$SD_PORT@$2" \
	    AdminListen "inet:$3@127.0.0.1" MTA "inet:$SD_SINK@127.0.0.1" \
	    ReadTimeout 300 MaxConnections 5000 SharedDatabase "${4:--}"
}
conf lmdb 127.0.0.1 "$(world_port spare 5)"
conf pg1 127.0.0.1 "$(world_port spare 5)" "$WORLD_PG_URI"
conf pg2 127.0.0.2 "$(world_port spare 6)" "$WORLD_PG_URI"
$CTL -c "$SD_DIR/pg1.conf" db init >/dev/null || bail "db init failed"
for c in lmdb pg1; do
	$CTL -c "$SD_DIR/$c.conf" allow add bob@b.test alice@a.test known >/dev/null ||
	    bail "allow add failed"
done

# ticks PID...: CPU (user + system) of the processes, in clock ticks.
ticks() {
	local p
	for p in "$@"; do
		sed 's/.*) //' "/proc/$p/stat" 2>/dev/null
	done | awk '{ t += $12 + $13 } END { print t + 0 }'
}
# busy: the machine's CPU ticks not idle (all processes, any user), total.
busy() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }
# pg_pids: the postmaster and its children (backends, WAL writer ...).
pg_pids() { echo "$PGPID"; ps -o pid= --ppid "$PGPID"; }
# children: the CPU, in ticks, of the finished children that times(1)
# reported into $TMP/times; called in the subshell of one measurement
# (times itself must run there, not in a $(...) of its own), that is
# the load generator's.
children() {
	awk -v hz="$HZ" 'NR == 2 { split($1, u, "m"); split($2, s, "m");
	    printf "%.0f", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * hz }' "$TMP/times"
}

# run CONFIG KIND (run it in a subshell): one measurement; prints "RATE", the
# CPU ms per request of ssmpd, PostgreSQL, smtp-sink, the load generator,
# and how many cores the whole machine was busy meanwhile.
run() {
	local c kind pids pgp s0 p0 k0 m0 rate out n
	c=$1; kind=$2; pids=$NODES
	pgp=$(pg_pids)
	s0=$(ticks $pids); p0=$(ticks $pgp); k0=$(ticks "$SINKPID"); m0=$(busy)
	if [ "$kind" = env ]; then
		out=$(SSMPD_LOAD_ADDRS=$ADDRS "$LOAD" env ssmp.b.test "$SD_PORT" "$WORLD_CA" $((N * 2)) "$C")
		n=$((N * 2))
	else
		out=$(SSMPD_LOAD_ADDRS=$ADDRS "$LOAD" msg ssmp.b.test "$SD_PORT" "$WORLD_CA" "$N" "$C" 4096)
		n=$N
	fi
	echo "#   $c $kind: $out" >&2
	times >"$TMP/times"
	rate=$(echo "$out" | sed -n 's/.*: \([0-9]*\)\/s.*/\1/p')
	awk -v r="$rate" -v n="$n" -v hz="$HZ" -v s="$(($(ticks $pids) - s0))" \
	    -v p="$(($(ticks $pgp) - p0))" -v k="$(($(ticks "$SINKPID") - k0))" \
	    -v l="$(children)" -v m0="$m0" -v m1="$(busy)" -v ncpu="$NCPU" \
	    'BEGIN { f = 1000 / hz / n; split(m0, a, " "); split(m1, b, " ");
	    printf "%s %.3f %.3f %.3f %.3f %.2f\n", r, s * f, p * f, k * f, l * f,
	    ncpu * (b[1] - a[1]) / (b[2] - a[2]) }'
}

# start CONFIG...: the nodes; NODES their pids, ADDRS their addresses.
start() {
	local c i
	NODES=""; ADDRS=""; i=0
	for c in "$@"; do
		i=$((i + 1))
		world_userid "$SD_DIR/$c.conf" || bail "world_userid failed"
		world_spawn "node$i" "$SSMPD" -f -c "$SD_DIR/$c.conf"
		NODES="$NODES $(cat "$WORLD/run/node$i.pid")"
		ADDRS="$ADDRS${ADDRS:+,}$(sed -n 's/^Listen inet:[0-9]*@//p' "$SD_DIR/$c.conf")"
	done
	sleep 1
	# warm each node's key cache (one connection each: one DNS lookup),
	# then its database sessions
	SSMPD_LOAD_ADDRS=$ADDRS "$LOAD" env ssmp.b.test "$SD_PORT" "$WORLD_CA" 10 $# >/dev/null &&
	SSMPD_LOAD_ADDRS=$ADDRS "$LOAD" env ssmp.b.test "$SD_PORT" "$WORLD_CA" 200 "$C" >/dev/null ||
	    bail "warm-up failed: $(tail -5 "$WORLD/log/node1.log")"
}
stop() { world_kill node1; world_kill node2; }

r=0
while [ $r -lt "${ROUNDS:-3}" ]; do
	r=$((r + 1))
	for setup in "lmdb" "pg1" "pg1 pg2"; do
		name=$(echo "$setup" | awk '{ print NF == 2 ? "pg2" : $1 }')
		start $setup
		# a subshell each: times(1) there counts only its children
		( run "$name" env ) >>"$TMP/ENV_$name"
		( run "$name" msg ) >>"$TMP/MSG_$name"
		stop
	done
done
# the median of each column over the rounds
for f in "$TMP"/ENV_* "$TMP"/MSG_*; do
	v=$(awk '{ for (i = 1; i <= NF; i++) c[i, NR] = $i } END {
	    for (i = 1; i <= NF; i++) { n = 0
	        for (r = 1; r <= NR; r++) a[++n] = c[i, r]
	        for (x = 1; x <= n; x++) for (y = x + 1; y <= n; y++)
	            if (a[y] < a[x]) { t = a[x]; a[x] = a[y]; a[y] = t }
	        printf "%s%s", a[int((n + 1) / 2)], i < NF ? " " : "\n" } }' "$f")
	eval "$(basename "$f")='$v'"
done

rate() { echo "$1" | awk '{ print $1 }'; }
ratio() { awk -v a="$(rate "$1")" -v b="$(rate "$2")" 'BEGIN { printf "%.2f", a / b }'; }
echo "== envelope phases/s and messages/s (4 KB), $C connections; CPU ms per request"
printf '%-5s %-9s %8s %8s %8s %8s %8s %8s %8s\n' setup kind rate/s ssmpd postgres sink load total machine
for name in lmdb pg1 pg2; do
	for kind in ENV MSG; do
		eval "v=\$${kind}_$name"
		echo "$v" | awk -v s="$name" -v k="$kind" '{ printf "%-5s %-9s %8s %8.3f %8.3f %8.3f %8.3f %8.3f %8.2f\n",
		    s, k == "ENV" ? "envelope" : "message", $1, $2, $3, $4, $5, $2 + $3 + $4 + $5, $6 }'
	done
done
echo "pg1/lmdb: envelopes $(ratio "$ENV_pg1" "$ENV_lmdb"), messages $(ratio "$MSG_pg1" "$MSG_lmdb") (goal >= 0.5)"
echo "pg2/pg1:  envelopes $(ratio "$ENV_pg2" "$ENV_pg1"), messages $(ratio "$MSG_pg2" "$MSG_pg1") (goal >= 1.6)"
echo "machine: cores busy during the run (all processes of the machine, of $NCPU;"
echo "  the columns before: ms of CPU per request, summed over each component's processes)"
for name in pg1 pg2; do
	eval "v=\$MSG_$name"
	echo "$v" | awk -v s="$name" '{ printf "%s: PostgreSQL %.3f ms per message: one core of it serves %.0f messages/s, %.2f x this rate\n",
	    s, $3, 1000 / $3, 1000 / $3 / $1 }'
done
echo "load after: $(uptime)"
