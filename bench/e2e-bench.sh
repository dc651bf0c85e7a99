#!/bin/bash
# e2e-bench.sh - signed delivery against plain SMTP, end to end: a sending
# Postfix A (a.test) and a receiving Postfix B (b.test) of the test world
# on this machine; a message counts when it lands in B's Maildir.
#	bench/e2e-bench.sh [--quick] [BUILDDIR]	(as root; 6 minutes on a quiet 2-core machine)
#
# --quick: a smoke run (the five head set-ups, one round, 20 messages
# each, about a minute); the figures mean little, the checks do.
#
# Set-ups (smtp-source into A's submission smtpd, 20 sessions):
#   plain     A relays to B's MX by SMTP, no milter anywhere
#   dkim-rsa  OpenDKIM signs at A (RSA-2048), OpenDKIM verifies at B
#   dkim-ed   the same with Ed25519 (RFC 8463)
#   tls-dkim  dkim-rsa over STARTTLS (A: smtp_tls_security_level=encrypt)
#   ssmp      ssmp-milter at A -> HTTPS -> ssmpd at B -> B's hand-off
#             listener as contrib/postfix sets it up; A discards its copy
#   legacy    A relays to C (c.test, no SSMP) with no milter (legacy-none)
#             and through ssmp-milter (legacy-milter); one message per
#             session, and many (smtp-source -d: -many)
# Every delivered message is checked: dkim=pass (OpenDKIM at B), ssmp=pass
# (ssmpd), "using TLS" in B's Received (tls-dkim).  CPU: user+system of
# each process group from /proc, children included (a Postfix master's
# cutime holds its exited children): Postfix A/B/C, OpenDKIM, ssmp-milter
# and its key process, ssmpd and its key process, nsd; the load generator
# apart.  The SSMP daemons run with production DNS settings (MinCacheTTL,
# MaxCacheTTL and DNSTimeout at their defaults: answers kept for their
# TTL, 300 s in the world's zones), not the test suite's (1 s, 2 s).
# Peak RSS (VmHWM, reset before each row) of ssmpd, ssmp-milter
# and OpenDKIM.  Rows are interleaved over ROUNDS rounds (3); each set-up
# gets a warm-up after a reconfiguration.  BENCH_SCALE=0.1 runs small
# (messages per row scaled, 1 at least); BENCH_ROUNDS=1 one round;
# BENCH_ONLY="head legacy size rcpt" picks the parts ("milter": the ssmp
# and legacy-milter rows alone, for BENCH_PROBE below).
QUICK=
[ "${1:-}" != --quick ] || { QUICK=1; shift; }
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$(cd "${1:-.}" && pwd)
export top_srcdir top_builddir
[ "$(id -u)" = 0 ] || { echo "e2e-bench: needs root" >&2; exit 1; }
PATH=$PATH:/usr/sbin:/sbin
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/ssmpd-lib.sh"
m=$(e2e_missing); [ -z "$m" ] || bail "$m"
command -v opendkim >/dev/null && command -v smtp-source >/dev/null ||
    bail "needs opendkim and smtp-source (postfix)"
SCALE=${BENCH_SCALE:-${QUICK:+0.0134}}; SCALE=${SCALE:-1}
ROUNDS=${BENCH_ROUNDS:-${QUICK:+1}}; ROUNDS=${ROUNDS:-3}
ONLY=${BENCH_ONLY:-${QUICK:+head}}; ONLY=${ONLY:-head legacy size rcpt}
HZ=$(getconf CLK_TCK)

# ------------------------------------------------------------ the world
world_init "$TMP/world" || bail "world_init failed"
at_exit e2e_stop_daemons
for l in a b; do
	e2e_keygen "$l" s1 enforce && e2e_publish "$l" s1 && e2e_keytable "$l" s1 ||
	    bail "ssmp-keygen failed: $(cat "$WORLD/log/keygen.log")"
done
# DKIM keys: RSA-2048 and Ed25519 for a.test (the verifier reads them
# from a file: OpenDKIM 2.11 cannot be pointed at nsd's port).
mkdir -p "$TMP/dkim"
opendkim-genkey -b 2048 -d a.test -s rsa -D "$TMP/dkim" || bail "opendkim-genkey failed"
openssl genpkey -algorithm ed25519 -out "$TMP/dkim/ed.private" 2>/dev/null || bail "no Ed25519 key"
edpub=$(openssl pkey -in "$TMP/dkim/ed.private" -pubout -outform DER | tail -c 32 | base64)
{
	printf 'rsa._domainkey.a.test %s\n' "$(sed -n 's/.*"\(.*\)".*/\1/p' "$TMP/dkim/rsa.txt" | tr -d '\n')"
	printf 'ed._domainkey.a.test v=DKIM1; k=ed25519; p=%s\n' "$edpub"
} >"$TMP/dkim/keys"
chown -R opendkim "$TMP/dkim" 2>/dev/null
world_up || bail "world_up failed"
world_cert mail.b.test >/dev/null || bail "no certificate for mail.b.test"

pa=$(world_port a smtp); pb=$(world_port b smtp)
maildir_b=$WORLD/mail/b.test/bob
maildir_c=$WORLD/mail/c.test/carol
# smtp-source -r N writes to 1bob@b.test ... Nbob@b.test: one Maildir.
for l in b c; do
	u=$([ $l = b ] && echo bob || echo carol)
	echo "/^[0-9]*$u@$l\\.test\$/ $l.test/$u/" >"$(world_postfix_conf $l)/vregexp"
	world_postfix_set $l virtual_mailbox_maps \
	    "texthash:$(world_postfix_conf $l)/vmailbox, regexp:$(world_postfix_conf $l)/vregexp"
done
for l in a b c; do
	world_postfix_set $l message_size_limit 80000000
	world_postfix_set $l virtual_mailbox_limit 100000000
	world_postfix_set $l in_flow_delay 0	# README: where most mail leaves by SSMP
	world_postfix_set $l queue_run_delay 300s
done
sd_contrib_postfix || bail "contrib's hand-off listener did not start"
world_postfix_set b message_size_limit 80000000	# main.cf.inbound set 10 MB
world_postfix_set b smtpd_tls_cert_file "$WORLD/ca/mail.b.test.chain"
world_postfix_set b smtpd_tls_key_file "$WORLD/ca/mail.b.test.key"
world_postfix_set b smtpd_tls_security_level may
world_postfix_set b smtpd_tls_received_header yes
world_postfix_set a smtp_tls_CAfile "$WORLD_CA"
world_postfix_set a smtp_tls_security_level none
for l in a b c; do world_postfix_reload $l || bail "reload $l"; done

for l in a b; do
	_e2e_write_conf $l tag || bail "ssmp.conf"
	# production DNS settings (the test suite's keep answers 1 s)
	for k in MinCacheTTL MaxCacheTTL DNSTimeout; do e2e_conf $l $k -; done
	e2e_conf $l ReadTimeout 60; e2e_conf $l HTTPTimeout 60
	e2e_conf $l MaxMessageSize 60m
done
e2e_conf b MTA "unix:$SD_HANDOFF_SOCK"
e2e_ssmpd_start b && e2e_milter_start a || bail "SSMP daemons did not start"

dkim_start() {	# NAME PORT MODE [SELECTOR ALGORITHM]
	cat >"$TMP/dkim/$1.conf" <<-EOC
	Socket			inet:$2@127.0.0.1
	Mode			$3
	Syslog			no
	Canonicalization	relaxed/simple
	RequireSafeKeys		false
	AuthservID		mail.b.test
	TestPublicKeys		$TMP/dkim/keys
	EOC
	[ -z "$4" ] || printf 'Domain a.test\nSelector %s\nKeyFile %s\nSignatureAlgorithm %s\n' \
	    "$4" "$TMP/dkim/$4.private" "$5" >>"$TMP/dkim/$1.conf"
	world_spawn "$1" opendkim -f -x "$TMP/dkim/$1.conf" &&
	    world_wait_port "$2" 10 || bail "opendkim $1 did not start: $(cat "$WORLD/log/$1.log")"
}
dkim_start dkim-rsa "$(world_port spare 2)" s rsa rsa-sha256
dkim_start dkim-ed "$(world_port spare 3)" s ed ed25519-sha256
dkim_start dkim-v "$(world_port spare 4)" v
M_SSMP="inet:127.0.0.1:$(world_port a milter)"
M_RSA="inet:127.0.0.1:$(world_port spare 2)"
M_ED="inet:127.0.0.1:$(world_port spare 3)"
M_V="inet:127.0.0.1:$(world_port spare 4)"

# ------------------------------------------------------------ set-ups
declare -A cur
pfset() {	# L KEY VALUE: set, remember that L needs a reload
	[ "${cur[$1.$2]-unset}" = "$3" ] && return 0
	world_postfix_set "$1" "$2" "$3" || bail "postconf $1 $2"
	cur[$1.$2]=$3; reload="$reload $1"
}
setup() {	# KIND
	local ma=() mb="" tls=none l
	case $1 in
	plain|legacy-none) ma="" ;;
	dkim-rsa) ma=$M_RSA; mb=$M_V ;;
	dkim-ed) ma=$M_ED; mb=$M_V ;;
	tls-dkim) ma=$M_RSA; mb=$M_V; tls=encrypt ;;
	ssmp|legacy-milter) ma=$M_SSMP ;;
	esac
	reload=""
	pfset a smtpd_milters "$ma"
	pfset a smtp_tls_security_level "$tls"
	pfset b smtpd_milters "$mb"
	for l in $(echo $reload | tr ' ' '\n' | sort -u); do
		world_postfix_reload "$l" || bail "reload $l"
	done
	[ -z "$reload" ] && [ "$1" = "$last_kind" ] && return 0
	last_kind=$1
	# warm-up: new smtpd processes, milter connections, caches
	send "$1" 1 4000 40 20 "" >/dev/null
}

# ------------------------------------------------------------ measuring
# groups: "name pid..." for every process group; descendants of a daemon
# (key processes) form NAME-key.
groups() {
	local l n p
	for l in a b c; do
		echo "pf-$l $(_world_pf_pids "$(world_postfix_conf $l)" | tr '\n' ' ')"
	done
	for n in dkim-rsa dkim-ed dkim-v milter-a ssmpd-b; do
		p=$(cat "$WORLD/run/$n.pid" 2>/dev/null) || continue
		echo "$n $p"
		# (pgrep: an awk over /proc/*/stat stops at the first process
		# that ends meanwhile, and the key process then went uncounted)
		echo "$n-key $(pgrep -P "$p" | tr '\n' ' ')"
	done
	echo "nsd $(cat "$WORLD/dns/nsd.pid" 2>/dev/null) $(pgrep -P "$(cat "$WORLD/dns/nsd.pid" 2>/dev/null)" | tr '\n' ' ')"
}
# cpu_snap FILE: ticks per group (user+system, own and reaped children).
cpu_snap() {
	groups | while read -r g pids; do
		t=0
		for p in $pids; do
			t=$((t + $(awk '{ sub(/.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
		done
		echo "$g $t"
	done >"$1"
}
hwm_reset() { local p; for p in $(groups | awk '$1 ~ /^(milter-a|ssmpd-b|dkim-)/ { $1 = ""; print }'); do echo 5 >"/proc/$p/clear_refs" 2>/dev/null; done; }
hwm() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$(cat "$WORLD/run/$1.pid")/status" 2>/dev/null; }
count() { ls -f "$1/new" | grep -vc '^\.'; }
queue_empty() {
	[ -z "$(find "$WORLD/postfix/$1/queue/incoming" "$WORLD/postfix/$1/queue/active" \
	    "$WORLD/postfix/$1/queue/maildrop" "$WORLD/postfix/$1/queue/deferred" -type f 2>/dev/null | head -1)" ]
}
settle() {
	local i=0 l
	for l in a b c; do
		while ! queue_empty $l && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	done
}
# check_mail DIR KIND: messages without the evidence KIND needs, printed.
check_mail() {
	case $2 in dkim-*|tls-dkim|ssmp) ;; *) echo 0; return ;; esac
	find "$1/new" -type f -print0 | xargs -0r awk -v k="$2" '
	function judge() {
		if (k ~ /^dkim/) return dk
		if (k == "tls-dkim") return dk && tl
		return sp
	}
	FNR == 1 && NR > 1 { bad += !judge() }
	FNR == 1 { dk = sp = tl = 0 }
	/^\r?$/ { nextfile }
	/dkim=pass/ { dk = 1 }
	/ssmp=pass/ { sp = 1 }
	/using TLS/ { tl = 1 }
	END { if (NR > 0) bad += !judge(); print bad + 0 }' | awk '{ s += $1 } END { print s + 0 }'
}

# send KIND NR SIZE N SESS OPTS: smtp-source, wait for N*NR deliveries;
# prints "rate seconds delivered expected bad src_cpu_ms".
send() {
	local kind=$1 nr=$2 size=$3 n=$4 sess=$5 opts=$6 to dir t0 t1 got end src
	case $kind in legacy-*) to=carol@c.test; dir=$maildir_c ;; *) to=bob@b.test; dir=$maildir_b ;; esac
	find "$dir/new" -type f -delete
	end=$(($(date +%s) + 60 + n * nr * size / 2000000))
	t0=$(date +%s.%N)
	( TIMEFORMAT='%U %S'; { time timeout $((end - $(date +%s))) smtp-source $opts -s "$sess" \
	    -m "$n" -r "$nr" -l "$size" -f alice@a.test -t "$to" -M client.a.test \
	    "127.0.0.1:$pa" >"$TMP/src.out" 2>&1; } 2>"$TMP/src.time" )
	while got=$(count "$dir"); [ "$got" -lt $((n * nr)) ] && [ "$(date +%s)" -lt "$end" ]; do
		sleep 0.05
	done
	t1=$(date +%s.%N)
	src=$(awk '{ printf "%.0f", ($1 + $2) * 1000 }' "$TMP/src.time")
	echo "$(awk -v a="$t0" -v b="$t1" -v n="$got" 'BEGIN { printf "%.1f %.2f", n / (b - a), b - a }') $got $((n * nr)) $(check_mail "$dir" "$kind") $src"
}

hsize() { awk -v s="$1" 'BEGIN { if (s >= 1000000) printf "%dMB", s / 1000000; else printf "%dKB", s / 1000 }'; }
COMPS="pf-a pf-b pf-c dkim-rsa dkim-ed dkim-v milter-a milter-a-key ssmpd-b ssmpd-b-key nsd"
# row ROUND KIND NR SIZE N SESS [OPTS]: one measured row, to $TMP/rows:
# kind nr size sessmode round rate secs delivered expected bad src_ms
# total_ms comp=ms... sd=MiB mt=MiB dk=MiB/MiB/MiB (peak RSS)
row() {
	local round=$1 kind=$2 nr=$3 size=$4 n sess=$6 opts=${7:-} r mode
	n=$(awk -v n="$5" -v s="$SCALE" 'BEGIN { n = int(n * s); print n < 2 ? 2 : n }')
	setup "$kind"
	settle
	hwm_reset
	cpu_snap "$TMP/cpu0"
	probe_start "$kind"
	r=$(send "$kind" "$nr" "$size" "$n" "$sess" "$opts")
	settle
	cpu_snap "$TMP/cpu1"
	mode=$([ -n "$opts" ] && echo many || echo one)
	probe_stop "$kind $nr $size $mode r$round" "$r"
	awk -v hz="$HZ" -v pre="$kind $nr $size $mode $round $r" -v comps="$COMPS" \
	    -v hw="sd=$(hwm ssmpd-b) mt=$(hwm milter-a) dk=$(hwm dkim-rsa)/$(hwm dkim-ed)/$(hwm dkim-v)" '
	NR == FNR { c0[$1] = $2; next }
	{ d[$1] = ($2 - c0[$1]) * 1000 / hz; tot += d[$1] }
	END {
		s = pre " " tot
		n = split(comps, c, " ")
		for (i = 1; i <= n; i++) s = s " " c[i] "=" d[c[i]] + 0
		print s " " hw
	}' "$TMP/cpu0" "$TMP/cpu1" >>"$TMP/rows"
	tail -1 "$TMP/rows" | awk '{
		printf "  %-13s %3d rcpt %5s %-4s r%d %7.1f msg/s %6.2f ms CPU/msg  %s\n", $1, $2,
		    ($3 >= 1000000 ? $3 / 1000000 "MB" : $3 / 1000 "KB"), $4, $5, $6, ($8 ? $12 / $8 : 0),
		    ($8 < $9 ? "ONLY " $8 "/" $9 : $10 ? $10 " WITHOUT PASS" : "ok")
	}'
	set -- $r
	[ "$3" -ge "$4" ] || keep_evidence "$kind-$nr-$size-$mode-r$round"
}

# BENCH_PROBE=perf|strace: the milter's own counts per delivered message
# in rows that use it (ssmp, legacy-milter), counts that do not depend on
# the machine's load.  perf: syscalls, context switches, threads created,
# CPU (task-clock); strace: syscalls by name (strace -c -f; it slows the
# milter, so the row's rate and CPU mean nothing then).  BENCH_PROBE_ON
# names the daemon (milter-a; ssmpd-b works too).  stack: strace -f -k,
# every syscall with its stack; record: perf record (where the CPU goes);
# both kept as BENCH_PROBE_OUT.ROW (the others too when it is set).
probe_start() {	# KIND
	local p
	probe_pid=
	case $1 in ssmp|legacy-milter) ;; *) return 0 ;; esac
	p=$(cat "$WORLD/run/${BENCH_PROBE_ON:-milter-a}.pid") || return 0
	case ${BENCH_PROBE:-} in
	perf)	perf stat -x, -o "$TMP/probe" -e task-clock,context-switches,raw_syscalls:sys_enter,task:task_newtask \
		    -p "$p" >/dev/null 2>&1 & ;;
	strace)	strace -c -f -q -o "$TMP/probe" -p "$p" >/dev/null 2>&1 & ;;
	stack)	strace -f -k -q -o "$TMP/probe" -p "$p" >/dev/null 2>&1 & ;;
	record)	perf record -q -o "$TMP/probe" -p "$p" >/dev/null 2>&1 & ;;
	*)	return 0 ;;
	esac
	probe_pid=$!
	sleep 0.5	# attached before the first message
}
probe_stop() {	# ROWNAME SENDRESULT
	local n
	[ -n "$probe_pid" ] || return 0
	kill -INT "$probe_pid"; wait "$probe_pid"
	set -- "$1" $2
	n=${4:-0}
	[ -z "${BENCH_PROBE_OUT:-}" ] || cp "$TMP/probe" "$BENCH_PROBE_OUT.$(echo "$1" | tr ' ' -)"
	case $BENCH_PROBE in stack|record) return 0 ;; esac
	[ "$n" -gt 0 ] || return 0
	if [ "$BENCH_PROBE" = perf ]; then
		awk -F, -v n="$n" -v row="$1" -v on="${BENCH_PROBE_ON:-milter-a}" '
		$3 == "task-clock" { cpu = $1 }
		$3 == "context-switches" { cs = $1 }
		$3 == "raw_syscalls:sys_enter" { sc = $1 }
		$3 == "task:task_newtask" { nt = $1 }
		END { printf "    probe %s %s: per message %.0f syscalls, %.1f context switches, %.2f threads created, %.3f ms CPU (n=%d)\n",
		    on, row, sc / n, cs / n, nt / n, cpu / n, n }' "$TMP/probe"
	else
		awk -v n="$n" -v row="$1" -v on="${BENCH_PROBE_ON:-milter-a}" '
		$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" { c = $4; name = $NF; tot += c; if (c / n >= 0.5) s = s sprintf(" %s %.1f", name, c / n) }
		END { printf "    probe %s %s: per message %.0f syscalls:%s (n=%d)\n", on, row, tot / n, s, n }' "$TMP/probe"
	fi
}

# keep_evidence NAME: a short row's daemon logs, maillogs, queues and
# smtp-source output, copied out of the world (removed at exit).
keep_evidence() {
	local d l
	d=$(mktemp -d "${BENCH_KEEP:-/tmp}/e2e-bench-$1.XXXXXX") || return
	cp -r "$WORLD/log" "$d/" 2>/dev/null
	cp "$TMP/src.out" "$d/smtp-source.out" 2>/dev/null
	for l in a b c; do
		cp "$(world_postfix_log $l)" "$d/maillog-$l" 2>/dev/null
		postqueue -c "$(world_postfix_conf $l)" -p >"$d/queue-$l" 2>&1
	done
	echo "  (short row: logs and queues kept in $d)"
}

# report ROWS: per set-up and size, msgs/s min/median/max over the rounds,
# CPU ms per delivered message (all rounds: sum of CPU / sum delivered)
# for the pair and per component, peak RSS; then the ratios of issue 21.
report() {
	awk -v comps="$COMPS" '
	function med(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function mx(a, b) { return a + 0 > b + 0 ? a : b }
	{
		k = $1 " " $2 " " $3 " " $4
		if (!(k in n)) order[++nk] = k
		n[k]++; rate[k, n[k]] = $6; del[k] += $8; bad[k] += $10; short[k] += $9 - $8
		cpu[k] += $12
		for (i = 13; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "sd" || kv[1] == "mt") { rss[k, kv[1]] = mx(rss[k, kv[1]], kv[2]); continue }
			if (kv[1] == "dk") { rss[k, "dk"] = kv[2]; continue }
			c[k, kv[1]] += kv[2]
		}
	}
	END {
		nc = split(comps, cn, " ")
		printf "| set-up | rcpt | size | msgs/session | msgs/s min / median / max | CPU ms per message, pair | per component (ms/msg) | peak RSS MiB | check |\n"
		printf "|---|---:|---:|---|---|---:|---|---|---|\n"
		for (o = 1; o <= nk; o++) {
			k = order[o]; split(k, f, " ")
			for (i = 1; i <= n[k]; i++) r[i] = rate[k, i]
			m = med(r, n[k]); lo = hi = r[1]
			for (i = 1; i <= n[k]; i++) { lo = r[i] < lo ? r[i] : lo; hi = r[i] > hi ? r[i] : hi }
			medr[k] = m; per[k] = del[k] ? cpu[k] / del[k] : 0
			pc = ""
			for (i = 1; i <= nc; i++)
				if (c[k, cn[i]] / del[k] >= 0.005) pc = pc sprintf("%s%s %.2f", pc == "" ? "" : ", ", cn[i], c[k, cn[i]] / del[k])
			rs = ""
			if (f[1] ~ /ssmp|legacy-milter/) rs = "milter " rss[k, "mt"]
			if (f[1] == "ssmp") rs = rs ", ssmpd " rss[k, "sd"]
			if (f[1] ~ /dkim/) rs = "opendkim " rss[k, "dk"]
			rf = hi < 10 ? "%.1f / %.1f / %.1f" : "%.0f / %.0f / %.0f"
			printf "| %s | %d | %s | %s | " rf " | %.2f | %s | %s | %s |\n", f[1], f[2],
			    (f[3] >= 1000000 ? f[3] / 1000000 " MB" : f[3] / 1000 " KB"), (f[4] == "many" ? "many (-d)" : "one"),
			    lo, m, hi, per[k], pc, rs,
			    (short[k] ? "MISSING " short[k] : bad[k] ? bad[k] " WITHOUT PASS" : "all pass")
		}
		print ""
		print "(more than one recipient: the rate counts delivered copies, CPU is per copy)"
		b = "1 4000 one"
		if (("ssmp " b) in medr && ("plain " b) in medr) {
			printf "ssmp / plain, msgs/s, 4 KB:        %.2f (goal >= 1.0)\n", medr["ssmp " b] / medr["plain " b]
			printf "CPU per message, ssmp / plain:     %.2f\n", per["ssmp " b] / per["plain " b]
		}
		if (("ssmp " b) in medr && ("tls-dkim " b) in medr)
			printf "ssmp / tls-dkim, msgs/s, 4 KB:     %.2f (goal >= 2.2)\n", medr["ssmp " b] / medr["tls-dkim " b]
		if (("ssmp " b) in medr && ("dkim-rsa " b) in medr)
			printf "ssmp / dkim-rsa, msgs/s, 4 KB:     %.2f\n", medr["ssmp " b] / medr["dkim-rsa " b]
		if (("ssmp " b) in medr && ("dkim-ed " b) in medr)
			printf "ssmp / dkim-ed, msgs/s, 4 KB:      %.2f\n", medr["ssmp " b] / medr["dkim-ed " b]
		for (s = 1; s <= 2; s++) {
			sz = s == 1 ? "1000000" : "50000000"
			if (("ssmp 1 " sz " one") in per && ("plain 1 " sz " one") in per)
				printf "CPU per MB at %s MB: ssmp %.1f ms, plain %.1f ms, dkim-rsa %.1f ms; ssmp / plain %.2f (goal <= 1.0)\n",
				    sz / 1000000, per["ssmp 1 " sz " one"] / (sz / 1e6), per["plain 1 " sz " one"] / (sz / 1e6),
				    per["dkim-rsa 1 " sz " one"] / (sz / 1e6), per["ssmp 1 " sz " one"] / per["plain 1 " sz " one"]
		}
		if (("legacy-milter 1 4000 one") in medr && ("legacy-none 1 4000 one") in medr) {
			printf "legacy, milter / none, one message per session:  %.2f (goal >= 0.85)\n",
			    medr["legacy-milter 1 4000 one"] / medr["legacy-none 1 4000 one"]
			printf "legacy, milter / none, many messages per session: %.2f (goal >= 0.95)\n",
			    medr["legacy-milter 1 4000 many"] / medr["legacy-none 1 4000 many"]
		}
		for (o = 1; o <= nk; o++) if (order[o] ~ /^ssmp 1 50000000/)
			printf "ssmpd peak RSS with 50 MB messages (2 in flight): %s MiB\n", rss[order[o], "sd"]
	}' "$1"
}

echo "e2e benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, scale $SCALE," \
    "$ROUNDS rounds, load $(cut -d' ' -f1-3 /proc/loadavg), $(git -C "$top_srcdir" rev-parse --short HEAD 2>/dev/null)"
: >"$TMP/rows"
# rounds KINDS SPEC...: ROUNDS rounds, each of every kind with every SPEC
# ("NR SIZE N SESS [OPTS]": recipients, octets, messages, sessions).
rounds() {
	local kinds=$1 r k s; shift
	for r in $(seq "$ROUNDS"); do
		for k in $kinds; do
			for s in "$@"; do row "$r" "$k" $s; done
		done
	done
}
for part in $ONLY; do
	case $part in
	head) rounds "plain dkim-rsa dkim-ed tls-dkim ssmp" "1 4000 1500 20" ;;
	legacy) rounds "legacy-none legacy-milter" "1 4000 1500 20" "1 4000 3000 20 -d" ;;
	size) rounds "plain dkim-rsa ssmp" "1 1000000 100 10" "1 50000000 3 2" ;;
	rcpt) rounds "plain dkim-rsa ssmp" "10 4000 300 20" "100 4000 40 20" ;;
	milter) rounds "ssmp" "1 4000 1500 20"
		rounds "legacy-milter" "1 4000 1500 20" "1 4000 3000 20 -d" ;;
	esac
done
echo
report "$TMP/rows"
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg) ($(date -u +%H:%MZ))"
[ -z "${BENCH_ROWS:-}" ] || cp "$TMP/rows" "$BENCH_ROWS"
