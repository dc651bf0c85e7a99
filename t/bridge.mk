# bridge (ssmpd) tests: a client toolkit, integration tests, fuzz target.
check_PROGRAMS += t/ssmpc
t_ssmpc_CPPFLAGS = $(KS_CPPFLAGS)
t_ssmpc_CFLAGS = $(KS_CFLAGS)
t_ssmpc_SOURCES = t/ssmpc.c
t_ssmpc_LDADD = $(KS_LIBS)

TESTS += t/ssmpd-e2e.t t/ssmpd-checks.t t/ssmpd-keys.t t/ssmpd-daemon.t t/ssmpd-once.t t/ssmpd-keysrc.t
EXTRA_DIST += t/ssmpd-e2e.t t/ssmpd-checks.t t/ssmpd-keys.t t/ssmpd-daemon.t t/ssmpd-once.t t/ssmpd-keysrc.t t/corpus/http t/ssmpd-lib.sh

check_PROGRAMS += t/fuzz/fuzz_http
t_fuzz_fuzz_http_CPPFLAGS = $(BRIDGE_CPPFLAGS)
t_fuzz_fuzz_http_CFLAGS = $(BRIDGE_CFLAGS)
t_fuzz_fuzz_http_SOURCES = t/fuzz/fuzz_http.c
t_fuzz_fuzz_http_LDADD = $(FUZZ_DRIVER_LIB) $(BRIDGE_LIBS)
t_fuzz_fuzz_http_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)

# The trust header filter of the hand-off (bridge/hdrfilter.c).
check_PROGRAMS += t/test_hdrfilter t/fuzz/fuzz_hdrfilter t/test_pending \
	t/test_connlimit
TESTS += t/test_hdrfilter t/test_pending t/test_connlimit
t_test_connlimit_CPPFLAGS = $(BRIDGE_CPPFLAGS)
t_test_connlimit_CFLAGS = $(BRIDGE_CFLAGS)
t_test_connlimit_SOURCES = t/test_connlimit.c
t_test_connlimit_LDADD = $(BRIDGE_LIBS)

# The hand-off's DATA stream: dot-stuffing, bare LF (bridge/smtpc.c).
check_PROGRAMS += t/test_smtpc
TESTS += t/test_smtpc
t_test_smtpc_CPPFLAGS = $(BRIDGE_CPPFLAGS)
t_test_smtpc_CFLAGS = $(BRIDGE_CFLAGS)
t_test_smtpc_SOURCES = t/test_smtpc.c
t_test_smtpc_LDADD = $(BRIDGE_LIBS)
t_test_pending_CPPFLAGS = $(BRIDGE_CPPFLAGS)
t_test_pending_CFLAGS = $(BRIDGE_CFLAGS)
t_test_pending_SOURCES = t/test_pending.c
t_test_pending_LDADD = $(BRIDGE_LIBS)
t_test_hdrfilter_CPPFLAGS = $(BRIDGE_CPPFLAGS)
t_test_hdrfilter_CFLAGS = $(BRIDGE_CFLAGS)
t_test_hdrfilter_SOURCES = t/test_hdrfilter.c
t_test_hdrfilter_LDADD = $(BRIDGE_LIBS)
t_fuzz_fuzz_hdrfilter_CPPFLAGS = $(BRIDGE_CPPFLAGS)
t_fuzz_fuzz_hdrfilter_CFLAGS = $(BRIDGE_CFLAGS)
t_fuzz_fuzz_hdrfilter_SOURCES = t/fuzz/fuzz_hdrfilter.c
t_fuzz_fuzz_hdrfilter_LDADD = $(FUZZ_DRIVER_LIB) $(BRIDGE_LIBS)
t_fuzz_fuzz_hdrfilter_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
EXTRA_DIST += t/corpus/hdrfilter

# Several ssmpd nodes, one store: two on PostgreSQL, the same story on
# one LMDB node (t/nodes-lib.sh).
TESTS += t/nodes-pg.t t/nodes-lmdb.t
EXTRA_DIST += t/nodes-pg.t t/nodes-lmdb.t t/nodes-lib.sh
