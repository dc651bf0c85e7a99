# e2e-lib.sh - the SSMP world: t/world/world.sh with the real programs
# wired in, shared by the demo (t/demo.sh) and the end-to-end tests
# (t/e2e-*.t).  Sourced after t/lib.sh (the demo brings its own helpers).
#
#   world_ssmp_up          world + keys (ssmp-keygen) for a.test and b.test
#                          published in the signed zones, ssmp.conf per
#                          domain, ssmpd and ssmp-milter of a and b, the
#                          milters hooked into Postfix a and b
#   e2e_conf L KEY VAL     change a key of L's ssmp.conf (VAL "-" drops it)
#   e2e_ssmpd_start/stop L, e2e_milter_start/stop L
#   e2e_policy L SEL MODE  republish _ssmp.L.test with s=SEL m=MODE
#   e2e_send FROM TO MSGID [SUBJECT [swaks args]]
#   e2e_sendmail FROM TO MSGID   local submission (sendmail -C, pickup)
#   e2e_count D U MSGID, e2e_wait D U MSGID N SECS, e2e_file D U MSGID
#   e2e_queue L            message ids in L's Postfix queue
#
# Settings, read by world_ssmp_up (defaults in brackets):
#   E2E_MODE_A, E2E_MODE_B   published m= [testing]
#   E2E_UNKNOWN_B            b.test's UnknownSender [tag]
# Caches are kept to 1 s (MaxCacheTTL) so that a test may change DNS and
# see the effect at once.

command -v nsd >/dev/null || PATH=$PATH:/usr/sbin:/sbin
. "$top_srcdir/t/world/world.sh"

E2E_KEYGEN=$top_builddir/tools/ssmp-keygen
E2E_CTL=$top_builddir/tools/ssmpctl
E2E_SSMPD=$top_builddir/bridge/ssmpd
E2E_MILTER=$top_builddir/milter/ssmp-milter

# e2e_missing: name what this machine lacks for the SSMP world, if anything.
e2e_missing() {
	local p
	[ "$(id -u)" = 0 ] || { echo "needs root (Postfix, nsd)"; return; }
	for p in "$E2E_KEYGEN" "$E2E_CTL" "$E2E_SSMPD" "$E2E_MILTER"; do
		[ -x "$p" ] || { echo "$p not built"; return; }
	done
	for p in swaks nsd ldns-signzone drill postfix; do
		command -v "$p" >/dev/null || { echo "$p not installed"; return; }
	done
}

_e2e_dir() { echo "$WORLD/ssmp/$(_world_label "$1")"; }
e2e_conf_file() { echo "$(_e2e_dir "$1")/ssmp.conf"; }

# e2e_keygen L SEL: a key for L.test with ssmp-keygen; its two records
# (policy and key) are left in $(_e2e_dir L)/keys/SEL.txt.
e2e_keygen() {
	local d l
	l=$(_world_label "$1"); d=$(_e2e_dir "$l")/keys
	mkdir -p "$d" &&
	    "$E2E_KEYGEN" -d "$l.test" -s "$2" -D "$d" -t 60 \
	    -h "ssmp.$l.test:$(world_port "$l" https)" -m "${3:-testing}" \
	    >>"$WORLD/log/keygen.log" 2>&1
}

# e2e_publish L SEL [key]: add SEL's records printed by ssmp-keygen to the
# zone (only the key record with "key"); served after world_dns_reload.
e2e_publish() {
	local line
	while IFS= read -r line; do
		case $line in
		_ssmp.*) [ "$3" = key ] && continue ;;
		esac
		world_dns_add "$1" "$line" || return 1
	done <"$(_e2e_dir "$1")/keys/$2.txt"
}

# e2e_policy L SEL MODE: replace L's policy record (needs world_dns_reload).
e2e_policy() {
	local l
	l=$(_world_label "$1")
	world_dns_del "$l" "^_ssmp\\.$l\\.test\\." &&
	    world_dns_add "$l" "_ssmp.$l.test. 60 IN TXT \"v=SSMP1; h=ssmp.$l.test:$(world_port "$l" https); s=$2; m=$3\""
}

# e2e_revoke L SEL: replace SEL's key record by its revocation (p= empty),
# as printed by ssmp-keygen -r (needs world_dns_reload).
e2e_revoke() {
	local l
	l=$(_world_label "$1")
	world_dns_del "$l" "^$2\\._ssmpkey\\.$l\\.test\\." &&
	    world_dns_add "$l" "$("$E2E_KEYGEN" -r -d "$l.test" -s "$2" -t 60)"
}

# e2e_keytable L SEL...: L's KeyTable, the first selector signing.
e2e_keytable() {
	local d s
	d=$(_e2e_dir "$1")
	for s in $(shift; echo "$@"); do
		echo "$(_world_label "$1").test $s keys/$s.private"
	done >"$d/keytable.new" && mv "$d/keytable.new" "$d/keytable"
}

# _e2e_write_conf L UNKNOWN: the one ssmp.conf that L's ssmpd, ssmp-milter
# and ssmpctl share (one Database, one KeyTable).
_e2e_write_conf() {
	local l d
	l=$(_world_label "$1"); d=$(_e2e_dir "$l")
	mkdir -p "$d/db" "$d/spool" && chmod 700 "$d/spool" || return 1
	cat >"$d/ssmp.conf" <<-EOC
	Syslog no
	Background no
	Database $d/db
	KeyTable $d/keytable
	Nameservers 127.0.0.1:$(world_port dns)
	TrustAnchorFile $WORLD/dns/anchors.dnskey
	DNSTimeout 2
	MinCacheTTL 0
	MaxCacheTTL 1
	Listen inet:$(world_port "$l" https)@127.0.0.1
	AdminListen inet:$(world_port spare "$([ "$l" = a ] && echo 0 || echo 1)")@127.0.0.1
	TLSCertificate $WORLD/ca/ssmp.$l.test.chain
	TLSKey $WORLD/ca/ssmp.$l.test.key
	MTA inet:$(world_port "$l" inject)@127.0.0.1
	Hostname ssmp.$l.test
	UnknownSender $2
	ReadTimeout 5
	Socket inet:$(world_port "$l" milter)@127.0.0.1
	InternalHosts 127.0.0.0/8
	CAFile $WORLD_CA
	AllowPrivateHosts 127.0.0.0/8
	SpoolDirectory $d/spool
	HTTPTimeout 5
	UserID nobody
	EOC
	world_userid "$d/ssmp.conf"	# ssmpctl, as root, acts as UserID
}

# e2e_conf L KEY VALUE: set KEY in L's ssmp.conf ("-" removes it); the
# daemons read it when restarted.
e2e_conf() {
	local f
	f=$(e2e_conf_file "$1")
	grep -v "^$2 " "$f" >"$f.new" && mv "$f.new" "$f"
	[ "$3" = - ] || echo "$2 $3" >>"$f"
}

# e2e_ctl L ARGS...: ssmpctl on L's keystore.
e2e_ctl() { local l; l=$1; shift; "$E2E_CTL" -c "$(e2e_conf_file "$l")" "$@"; }

# _e2e_daemon KIND PROGRAM L: start L's ssmpd or milter, wait for its port.
_e2e_daemon() {
	local l port
	l=$(_world_label "$3")
	case $1 in ssmpd) port=$(world_port "$l" https) ;; *) port=$(world_port "$l" milter) ;; esac
	world_userid "$(e2e_conf_file "$l")" &&
	    world_spawn "$1-$l" "$2" -f -c "$(e2e_conf_file "$l")" && world_wait_port "$port" 10 ||
	    { echo "$1-$l did not start: $(tail -5 "$WORLD/log/$1-$l.log")" >&2; return 1; }
}
e2e_ssmpd_start() { _e2e_daemon ssmpd "$E2E_SSMPD" "$1"; }
e2e_ssmpd_stop() { world_kill "ssmpd-$(_world_label "$1")"; }
e2e_milter_start() { _e2e_daemon milter "$E2E_MILTER" "$1"; }
e2e_milter_stop() { world_kill "milter-$(_world_label "$1")"; }

# e2e_stop_daemons: stop the SSMP daemons all at once: each takes seconds
# to exit on SIGTERM (ssmp-milter about 5: libmilter's listener notices
# the stop flag only between polls), and world_stop_all stops one at a time.
e2e_stop_daemons() {
	local n
	for n in milter-a milter-b ssmpd-a ssmpd-b blackhole; do
		world_kill "$n" &
	done
	wait
}

# e2e_log NAME: a daemon's log (ssmpd-a, milter-b ...).
e2e_log() { cat "$WORLD/log/$1.log" 2>/dev/null; }

# world_ssmp_up [DIR]: the whole SSMP world (DIR default $TMP/world);
# E2E_UP_SECONDS tells how long it took, WORLD_UP_SECONDS the part of
# world_up (DNS, CA, three Postfix instances).
world_ssmp_up() {
	local t0 l m milter
	t0=$(_world_now)
	world_init "${1:-$TMP/world}" || return 1
	# Runs before world_stop_all (at_exit runs the latest first).
	command -v at_exit >/dev/null 2>&1 && at_exit e2e_stop_daemons
	for l in a b; do
		eval "m=\${E2E_MODE_$(_world_upper $l):-testing}"
		e2e_keygen "$l" s1 "$m" && e2e_publish "$l" s1 && e2e_keytable "$l" s1 ||
		    { echo "ssmp-keygen failed: $(cat "$WORLD/log/keygen.log")" >&2; return 1; }
		milter="{ inet:127.0.0.1:$(world_port "$l" milter), default_action=tempfail }"
		world_postfix_set "$l" smtpd_milters "$milter" &&
		    world_postfix_set "$l" non_smtpd_milters "$milter" || return 1
	done
	world_up || return 1
	_e2e_write_conf a tag && _e2e_write_conf b "${E2E_UNKNOWN_B:-tag}" || return 1
	for l in a b; do
		e2e_ssmpd_start "$l" && e2e_milter_start "$l" || return 1
	done
	E2E_UP_SECONDS=$(echo "$t0 $(_world_now)" | awk '{ printf "%.2f", $2 - $1 }')
}

# --------------------------------------------------------------- mail

# e2e_send FROM TO MSGID [SUBJECT [swaks args...]]: submit by SMTP to the
# instance of FROM's domain with Message-ID <MSGID>; returns swaks's status
# (non-zero when a recipient or the message was refused).
e2e_send() {
	local from to id subj
	from=$1; to=$2; id=$3; subj=${4:-$3}
	shift 3; [ $# -eq 0 ] || shift
	echo "#### e2e $id" >>"$WORLD/log/swaks.log"
	world_send "$from" "$to" "$subj" "Message $id." \
	    --header "Message-Id: <$id>" "$@"
}

# e2e_swaks_last: the swaks dialogue of the last e2e_send.
e2e_swaks_last() { awk '/^#### e2e / { s = "" } { s = s $0 "\n" } END { printf "%s", s }' "$WORLD/log/swaks.log"; }

# e2e_sendmail FROM TO MSGID: local submission through sendmail(1) into
# the maildrop; pickup hands it to cleanup and non_smtpd_milters.
e2e_sendmail() {
	printf 'From: %s\nTo: %s\nSubject: %s\nMessage-ID: <%s>\n\nMessage %s.\n' \
	    "$1" "$2" "$3" "$3" "$3" |
	    sendmail -C "$(world_postfix_conf "${1##*@}")" -f "$1" "$2"
}

_e2e_maildir() { echo "$WORLD/mail/$(world_domain "$1")/$2"; }

# e2e_file D U MSGID: the file(s) in U@D's Maildir with that Message-ID.
e2e_file() {
	local m
	m=$(_e2e_maildir "$1" "$2")
	grep -liF "Message-ID: <$3>" -r "$m/new" "$m/cur" 2>/dev/null
}
e2e_count() { e2e_file "$@" | wc -l | tr -d ' '; }

# e2e_wait D U MSGID N SECS: wait until U@D has N copies of MSGID.
e2e_wait() {
	local end
	end=$(($(date +%s) + $5))
	while [ "$(e2e_count "$1" "$2" "$3")" -lt "$4" ]; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# e2e_head D U MSGID: the header section of the (first) delivered copy.
e2e_head() {
	local f
	f=$(e2e_file "$1" "$2" "$3" | head -1)
	[ -n "$f" ] && sed '/^$/q' "$f"
}

# e2e_queue L: Postfix queue of L (postqueue -p), e.g. to find a deferred
# message by its recipient.
e2e_queue() { postqueue -c "$(world_postfix_conf "$1")" -p 2>&1; }
e2e_flush() { postqueue -c "$(world_postfix_conf "$1")" -f; }

# e2e_hdr D U MSGID REGEX: the header fields of the delivered copy whose
# names match REGEX (case-insensitive), each unfolded onto one line.
e2e_hdr() {
	e2e_head "$1" "$2" "$3" | awk -v re="^($4):" '
	/^[ \t]/ { if (keep) { sub(/^[ \t]+/, " "); cur = cur $0 }; next }
	{ if (keep) print cur; cur = $0; keep = tolower($0) ~ tolower(re) }
	END { if (keep) print cur }'
}

# e2e_qid L MSGID: the queue id Postfix L gave the message (cleanup log).
e2e_qid() {
	sed -n "s/.*postfix\/cleanup.*: \([0-9A-F]*\): message-id=<$2>.*/\1/p" \
	    "$(world_postfix_log "$1")" | tail -1
}

# e2e_dns_blackhole: replace nsd by a UDP and TCP port that never answers
# (queries time out); e2e_dns_back brings nsd back.
e2e_dns_blackhole() {
	world_dns_stop
	world_spawn blackhole python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", '"$(world_port dns)"'))
t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("127.0.0.1", '"$(world_port dns)"')); t.listen(64); time.sleep(600)' &&
	    world_wait_port "$(world_port dns)" 5
}
e2e_dns_back() { world_kill blackhole; world_dns_start; }

# e2e_zone_break D: make nsd fail to load zone D (it then answers SERVFAIL
# for it); world_dns_reload repairs it.
e2e_zone_break() {
	echo 'broken. IN TXT (' >>"$WORLD/dns/zones/$(world_domain "$1").zone.signed" &&
	    nsd-control -c "$WORLD/dns/nsd.conf" reload "$(world_domain "$1")" >/dev/null
}

# e2e_zone_tamper D SED: edit D's signed zone in place, keeping the RRSIGs
# (which then no longer match: DNSSEC bogus), and have nsd serve it.
e2e_zone_tamper() {
	sed -i "$2" "$WORLD/dns/zones/$(world_domain "$1").zone.signed" &&
	    nsd-control -c "$WORLD/dns/nsd.conf" reload "$(world_domain "$1")" >/dev/null
}

# e2e_until SECS COMMAND...: retry COMMAND every 0.1 s until it succeeds.
e2e_until() {
	local end
	end=$(($(date +%s) + $1)); shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# e2e_dns_says NAME TYPE REGEX: the world's server answers NAME TYPE with
# output matching REGEX (grep -E), e.g. 'rcode: SERVFAIL'.
e2e_dns_says() { world_dns_query "$1" "$2" 2>&1 | grep -Eq -- "$3"; }

# --------------------------------------------------------------- TAP

# e2e_test_world: the prologue of a t/e2e-*.t test: skip when the machine
# cannot run the world, else start it and tell how long that took.
e2e_test_world() {
	local why
	why=$(e2e_missing)
	[ -z "$why" ] || skip_all "$why"
	world_ssmp_up || bail "the SSMP world did not start (see $WORLD/log)"
	diag "SSMP world up in $E2E_UP_SECONDS s (DNS, CA, 3 Postfix: $WORLD_UP_SECONDS s; then 2 ssmpd, 2 ssmp-milter)"
}

# e2e_todo DESCRIPTION REASON COMMAND...: a check of a feature the
# programs lack yet, reported with the TAP TODO directive (a failure does
# not fail the test; a pass is reported as an unexpected pass).
e2e_todo() {
	local d r
	d=$1; r=$2; shift 2
	_tap_n=$((_tap_n + 1))
	if "$@" >"$TMP/.out" 2>&1; then echo "ok $_tap_n - $d # TODO $r"
	else echo "not ok $_tap_n - $d # TODO $r"; fi
}

# e2e_refused REGEX: the last e2e_send met a refusal (swaks marks them
# <**) matching REGEX, e.g. '451 4\.4\.3'.
e2e_refused() { e2e_swaks_last | grep -Eq -- "^<\*\* $1"; }
