# Attacks on ssmpd from outside (issue 14): one file per class, each
# against a real ssmpd over TLS with nsd and Postfix, run in the
# sanitizer pass of run-tests (only_in_pass san), where ASan sees memory
# errors.
ATTACK_TESTS = \
	t/attack-bodies.t \
	t/attack-conns.t \
	t/attack-consent.t \
	t/attack-dns.t \
	t/attack-envelope.t \
	t/attack-keyhost.t \
	t/attack-fd.t \
	t/attack-keycache.t \
	t/attack-pending.t \
	t/attack-relay.t \
	t/attack-report.t \
	t/attack-ssrf.t \
	t/attack-trust.t
TESTS += $(ATTACK_TESTS)
EXTRA_DIST += $(ATTACK_TESTS)
