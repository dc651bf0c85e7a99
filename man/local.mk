# man: the protocol specification and the programs' manual pages.
# Every page here is checked by t/man-lint.t with `mandoc -Tlint -W warning`.
dist_man_MANS += man/ssmp.7

TESTS += t/man-lint.t
EXTRA_DIST += t/man-lint.t
AM_TESTS_ENVIRONMENT += MANDOC='$(MANDOC)'; export MANDOC;
