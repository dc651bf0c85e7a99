# Conformance suite (t/conformance/README): ssmp.7 clause by clause, with
# a Python peer written from the page; slow ones in the gcc pass only.
CONFORMANCE_TESTS = t/conformance/clauses.t t/conformance/vectors.t t/conformance/receiver.t \
	t/conformance/sender.t
TESTS += $(CONFORMANCE_TESTS)
EXTRA_DIST += $(CONFORMANCE_TESTS) t/conformance/README \
	t/conformance/lib.sh t/conformance/ssmp1.py t/conformance/vectors.py \
	t/conformance/receiver.py t/conformance/sender.py \
	t/conformance/scripted.py t/conformance/milter.lua \
	t/conformance/clauses.py
