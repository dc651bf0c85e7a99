# Operations: how the daemons meet a service manager and a postmaster
# (systemd's notify protocol, configuration checks, status).
TESTS += t/notify.t
EXTRA_DIST += t/notify.t t/notify-recv.py
TESTS += t/config-check.t
EXTRA_DIST += t/config-check.t
TESTS += t/config-dump.t
EXTRA_DIST += t/config-dump.t
TESTS += t/ctl-status.t
EXTRA_DIST += t/ctl-status.t
TESTS += t/logs.t
EXTRA_DIST += t/logs.t
