# consent handshake tests (issue 7): two ssmpd in the test world.
check_PROGRAMS += t/consentc
t_consentc_SOURCES = t/consentc.c
t_consentc_LDADD = $(SSMP_LIBS)

TESTS += t/consent-flow.t t/consent-limits.t
EXTRA_DIST += t/consent-flow.t t/consent-limits.t t/consent-lib.sh
