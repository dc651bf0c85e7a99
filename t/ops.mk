# Operations: how the daemons meet a service manager and a postmaster
# (systemd's notify protocol, configuration checks, status).
TESTS += t/notify.t
EXTRA_DIST += t/notify.t t/notify-recv.py
