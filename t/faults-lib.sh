# faults-lib.sh - the fault matrix (t/faults-*.t): helpers on top of
# t/e2e-lib.sh.  Sourced after t/lib.sh and t/e2e-lib.sh.
#
# Every row of the matrix goes the same way: alice@a.test submits a
# message locally (sendmail(1), so Postfix a keeps it whatever happens)
# to bob@b.test, whose domain publishes m=enforce unless the row says
# otherwise; the fault is injected; the test waits for ssmp-milter's
# verdict; the fault is removed; `postqueue -f` retries at once; then the
# row counts: the files in bob's Maildir with that Message-ID and the
# queues of all three Postfix instances.  "Exactly once" is asserted
# only when every queue is empty (nothing is in flight that could still
# add a copy), not after a sleep.
#
#   fl_world               e2e_test_world with short timeouts at a.test's
#                          milter (HTTPTimeout 3)
#   fl_kill9 NAME          SIGKILL a world_spawn daemon, wait until gone
#   fl_milter_restart L    SIGKILL + start (libmilter takes ~5 s on TERM)
#   fl_ssmpd_restart L     stop + start L's ssmpd (re-reads ssmp.conf)
#   fl_send MSGID [TO]     local submission alice@a.test -> TO (bob@b.test)
#   fl_mark / fl_wait_verdict REGEX   wait for a new milter-a log line
#   fl_held MSGID          wait until the message is in a.test's queue
#   fl_once D U MSGID WHAT flush, wait until the queues are empty, then
#                          assert one copy (prints the TAP line)
#   fl_srv NAME MODE ARGS  start t/faults-srv.py MODE as daemon NAME
#   fl_expired_cert DIR    DIR/expired.chain and .key: ssmp.b.test's
#                          certificate from the world's CA, expired in 2020

FL_SRV=$top_srcdir/t/faults-srv.py
# /usr/bin/python3 first: a pyenv shim in PATH costs seconds per start.
FL_PY=${PYTHON3:-$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)}

fl_world() {
	# ./run-tests runs the matrix in the gcc build only: it checks what
	# happens to mail, which the sanitizer build would not change.
	[ -z "$SSMP_SKIP_FAULTS" ] || skip_all "SSMP_SKIP_FAULTS is set"
	command -v "$FL_PY" >/dev/null || skip_all "python3 not installed"
	e2e_test_world
	e2e_conf a HTTPTimeout 3
	fl_milter_restart a || bail "ssmp-milter a did not restart"
}

fl_kill9() {
	local f pid i
	f=$WORLD/run/$1.pid
	[ -f "$f" ] || return 0
	pid=$(cat "$f"); rm -f "$f"
	kill -9 "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.05; i=$((i + 1))
	done
}

fl_milter_restart() { fl_kill9 "milter-$1"; e2e_milter_start "$1"; }
# An idle ssmpd given SIGTERM waits for the milter's kept-alive
# connections (ReadTimeout); nothing is in flight here, so SIGKILL.
fl_ssmpd_restart() { fl_kill9 "ssmpd-$1"; e2e_ssmpd_start "$1"; }

fl_send() { e2e_sendmail alice@a.test "${2:-bob@b.test}" "$1"; }

# fl_mark: remember how long milter-a's log is; fl_wait_verdict REGEX
# [SECS]: wait for a line matching REGEX written after the mark.
fl_mark() { FL_MARK=$(e2e_log milter-a | wc -l); }
_fl_new_log() { e2e_log milter-a | tail -n +$((FL_MARK + 1)) | grep -Eq -- "$1"; }
fl_wait_verdict() { e2e_until "${2:-20}" _fl_new_log "$1"; }

_fl_queue_has() { e2e_queue "$1" | grep -q -- "$2"; }
fl_queue_empty() { e2e_queue "$1" | grep -q 'Mail queue is empty'; }
_fl_all_empty() { fl_queue_empty a && fl_queue_empty b && fl_queue_empty c; }
fl_held() { e2e_until 10 _fl_queue_has a "${2:-bob@b.test}"; }

# fl_count D U MSGID: delivered copies (Maildir files with that id).
fl_count() { e2e_count "$1" "$2" "$3"; }

# fl_once D U MSGID WHAT: after recovery: flush Postfix a, wait until a
# copy arrived and every queue is empty, then exactly one copy.
_fl_done() { [ "$(fl_count "$1" "$2" "$3")" -ge 1 ] && _fl_all_empty; }
# Postfix would retry a tempfailed message after minutes; a flush every
# 5 s stands in for that (a retry can meet the first attempt still in
# progress at the receiver: 4.3.0, try later).
_fl_settled() { _fl_done "$@" || { e2e_flush a; sleep 4; _fl_done "$@"; }; }
fl_once() {
	e2e_flush a
	e2e_until 30 _fl_settled "$1" "$2" "$3" ||
	    diag "$4: not settled: $(fl_count "$1" "$2" "$3") copies; queue a: $(e2e_queue a | grep -c '^[0-9A-F]') entries"
	is "$(fl_count "$1" "$2" "$3")/$(_fl_all_empty && echo empty || echo not-empty)" \
	    "1/empty" "$4: exactly one copy, all queues empty"
}

# fl_none D U MSGID WHAT: nothing delivered (yet) and the message is
# still in a.test's queue: not lost, not delivered.
fl_none() {
	is "$(fl_count "$1" "$2" "$3")" 0 "$4: not delivered meanwhile"
	check "$4: still in a.test's queue" fl_held "$3"
}

fl_srv() {
	local n
	n=$1; shift
	world_spawn "$n" "$FL_PY" "$FL_SRV" "$@"
}

# fl_policy MODE: republish b.test's policy with m=MODE and wait out the
# milter's cache (MaxCacheTTL 1).
fl_policy() {
	e2e_policy b s1 "$1" && world_dns_reload || bail "cannot publish m=$1"
	sleep 1.1
}

# row MSGID WHAT REGEX: submit, wait for the milter's temporary verdict
# (REGEX on its log line), check the message waits in a.test's queue.
# A loaded machine may first time the request out for another reason
# (HTTPTimeout 3 s): one retry must then give the verdict.
row() {
	fl_mark
	check "$2: alice submits $1" fl_send "$1"
	fl_wait_verdict "to=<bob@b\\.test>, ssmp=tempfailed.*$3" 15 ||
	    e2e_flush a
	check "$2: milter tempfails (temporary, kept by Postfix)" \
	    fl_wait_verdict "to=<bob@b\\.test>, ssmp=tempfailed.*$3"
	fl_none b bob "$1" "$2"
}

# fl_expired_cert DIR: an expired certificate for ssmp.b.test (openssl ca
# can date one in the past); its log in DIR/log.
fl_expired_cert() {
	local c ca
	c=$1; ca=$WORLD/ca
	printf 'subjectAltName=DNS:ssmp.b.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$c/b.ext"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$c/expired.key" -out "$c/expired.csr" -subj /CN=ssmp.b.test 2>>"$c/log" &&
	    : >"$c/index.txt" && echo 1000 >"$c/serial" &&
	    printf '%s\n' '[ca]' 'default_ca = d' '[d]' "database = $c/index.txt" \
	    "new_certs_dir = $c" "serial = $c/serial" 'policy = p' 'default_md = sha256' \
	    'unique_subject = no' '[p]' 'commonName = supplied' >"$c/ca.cnf" &&
	    openssl ca -batch -config "$c/ca.cnf" -cert "$ca/ca.crt" -keyfile "$ca/ca.key" \
	    -startdate 20200101000000Z -enddate 20200201000000Z -extfile "$c/b.ext" \
	    -in "$c/expired.csr" -out "$c/expired.crt" 2>>"$c/log" >&2 &&
	    cat "$c/expired.crt" "$ca/ca.crt" >"$c/expired.chain"
}
