#!/bin/sh
# faults-local.t - fault matrix, local troubles of the two gateways:
# ssmp-milter killed with SIGKILL in the middle of a message (while
# b.test's MTA holds its 250, so ssmpd delivers to a client that is
# gone; Postfix's milter default_action=tempfail keeps the message);
# the LMDB map full at a.test's milter (at ssmpd: t/ssmpd-once.t); the disk
# full under the milter's SpoolDirectory (a 1 MB tmpfs, a 1.5 MB
# message).  b.test publishes m=enforce.  After each repair and a
# `postqueue -f`: exactly one copy, all queues empty.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"
. "$top_srcdir/t/faults-lib.sh"
E2E_MODE_B=enforce
fl_world
SSMPC=$top_builddir/t/ssmpc

# --- ssmp-milter killed while ssmpd b waits for its MTA's 250.
PX=$TMP/px; mkdir -p "$PX"; echo after >"$PX/mode"
PXPORT=$(world_port spare 2)
fl_srv proxy-b smtpproxy "$PXPORT" "$(world_port b inject)" "$PX" &&
    world_wait_port "$PXPORT" 5 || bail "SMTP proxy did not start"
e2e_conf b MTA "inet:$PXPORT@127.0.0.1"
fl_ssmpd_restart b || bail "ssmpd b did not restart"
check "milter killed: alice submits" fl_send l-kill@a.test
check "milter killed: b's MTA has the message, its 250 held" e2e_until 20 test -s "$PX/held"
fl_kill9 milter-a
touch "$PX/release"
e2e_until 10 grep -q released "$PX/held"
check "milter killed: the message is still in a.test's queue" fl_held
check "milter killed: ssmpd b delivered the first attempt" e2e_wait b bob l-kill@a.test 1 10
echo pass >"$PX/mode"
e2e_milter_start a || bail "ssmp-milter a did not restart"
fl_mark
fl_once b bob l-kill@a.test "milter killed, restarted"
like "$(e2e_log milter-a | tail -n +$((FL_MARK + 1)))" 'to=<bob@b\.test>, ssmp=upgraded \(duplicate, original receipt\)' \
    "milter killed, restarted: the retry got ssmpd's original receipt"
world_kill proxy-b
e2e_conf b MTA "inet:$(world_port b inject)@127.0.0.1"
fl_ssmpd_restart b || bail "ssmpd b did not restart"

# --- LMDB map full.
# full L: L's Database at MapSize 1m, filled by another process
# (t/ssmpc fill), the daemon restarted on it.
full() {
	e2e_conf "$1" MapSize 1m
	SSMPC_MAPSIZE=1048576 "$SSMPC" fill "$(dirname "$(e2e_conf_file "$1")")/db" >/dev/null
}
if [ ! -x "$SSMPC" ]; then
	ok "# SKIP LMDB map full: $SSMPC not built (make check builds it)"
else
	full a && fl_milter_restart a || bail "ssmp-milter a did not restart on a full map"
	fl_mark
	check "map full at milter a: alice submits" fl_send l-full-a@a.test
	check "map full at milter a: a verdict" fl_wait_verdict 'to=<bob@b\.test>, ssmp='
	diag "map full at milter a: $(e2e_log milter-a | tail -n +$((FL_MARK + 1)) | grep -o 'ssmp=.*' | head -1)"
	e2e_conf a MapSize 64m && fl_milter_restart a || bail "ssmp-milter a did not restart"
	fl_once b bob l-full-a@a.test "map full at milter a, MapSize raised"
fi

# --- disk full for the body spill file.
SMALL=$TMP/spool-small
mkdir -p "$SMALL"
if ! mount -t tmpfs -o size=1m,mode=0700 tmpfs "$SMALL" 2>/dev/null; then
	ok "# SKIP disk full: cannot mount a tmpfs here"
else
	at_exit "umount '$SMALL'"
	SPOOL=$(sed -n 's/^SpoolDirectory //p' "$(e2e_conf_file a)")
	e2e_conf a SpoolDirectory "$SMALL" && e2e_conf a SpoolThreshold 64k &&
	    fl_milter_restart a || bail "ssmp-milter a did not restart"
	big() {
		printf 'From: alice@a.test\nTo: bob@b.test\nSubject: big\nMessage-ID: <%s>\n\n' "$1"
		head -c 1500000 /dev/zero | tr '\0' x | fold -w 76
	}
	big l-disk@a.test >"$TMP/big.eml"
	fl_mark
	check "disk full: alice submits a 1.5 MB message" sh -c \
	    "sendmail -C '$(world_postfix_conf a)' -f alice@a.test bob@b.test <'$TMP/big.eml'"
	check "disk full: milter tempfails" fl_wait_verdict 'l-disk|to=<bob@b\.test>, ssmp=tempfailed|spool|No space'
	diag "disk full: $(e2e_log milter-a | tail -n +$((FL_MARK + 1)) | head -2)"
	fl_none b bob l-disk@a.test "disk full"
	e2e_conf a SpoolDirectory "$SPOOL" && fl_milter_restart a || bail "ssmp-milter a did not restart"
	fl_once b bob l-disk@a.test "disk full, repaired"
fi
done_testing
