# The test world: a script library sourced by integration tests, the demo
# and bench/ (three Postfix instances, nsd with signed zones, a test CA).
EXTRA_DIST += t/world/world.sh t/world/zone.in t/world/main.cf.in \
	t/world/master.cf.in t/world/README t/world-basic.t
TESTS += t/world-basic.t
