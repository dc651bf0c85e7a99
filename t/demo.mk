# The demo (./run-demo runs t/demo.sh) and the end-to-end tests on the SSMP
# world (t/e2e-lib.sh on top of t/world/world.sh).
TESTS += t/e2e-demo.t t/e2e-faults.t t/e2e-down.t t/e2e-own.t
EXTRA_DIST += t/e2e-demo.t t/e2e-faults.t t/e2e-down.t t/e2e-own.t t/demo.sh t/e2e-lib.sh
# bench/e2e-bench.sh --quick end to end (the benchmark itself is no test).
TESTS += t/e2e-bench.t
EXTRA_DIST += t/e2e-bench.t
# Delivery reports across simulated days (issue 20): the SSMP world with
# the clocks of a.test's milter and b.test's ssmpd moved by libfaketime.
TESTS += t/report-week.t
EXTRA_DIST += t/report-week.t
