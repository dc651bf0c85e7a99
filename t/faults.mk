# The fault matrix (issue 8; README "Fault matrix"): each file starts the
# SSMP world once (t/e2e-lib.sh) and injects its faults with real parts
# plus the small servers of t/faults-srv.py.
TESTS += t/faults-remote.t t/faults-dns.t t/faults-mta.t t/faults-local.t \
	t/faults-pool.t
EXTRA_DIST += t/faults-remote.t t/faults-dns.t t/faults-mta.t t/faults-local.t \
	t/faults-pool.t \
	t/faults-lib.sh t/faults-srv.py
