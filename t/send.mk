# ssmp-send tests: the delivery agent against the test world (real nsd,
# real ssmpd over TLS, real Postfix), and Exim driving it through the
# contrib/exim router and pipe transport.
TESTS += t/send-deliver.t t/exim-pipe.t
EXTRA_DIST += t/send-deliver.t t/exim-pipe.t t/send-lib.sh
