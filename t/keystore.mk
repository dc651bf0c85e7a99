# keystore tests: C unit tests on real LMDB files, shell tests of the
# command-line tools (some against a real nsd on a loopback port).
KS_TEST_CPPFLAGS = $(KS_CPPFLAGS)
KS_TEST_LDADD = $(KS_LIBS)

check_PROGRAMS += t/test_ks_store
t_test_ks_store_SOURCES = t/test_ks_store.c
t_test_ks_store_CPPFLAGS = $(KS_TEST_CPPFLAGS)
t_test_ks_store_CFLAGS = $(KS_CFLAGS)
t_test_ks_store_LDADD = $(KS_TEST_LDADD)
TESTS += t/test_ks_store

# Run by t/store-pg.t against a private PostgreSQL (skips alone).
check_PROGRAMS += t/test_ks_pg
t_test_ks_pg_SOURCES = t/test_ks_pg.c
t_test_ks_pg_CPPFLAGS = $(KS_TEST_CPPFLAGS)
t_test_ks_pg_CFLAGS = $(KS_CFLAGS)
t_test_ks_pg_LDADD = $(KS_TEST_LDADD)
TESTS += t/store-pg.t
EXTRA_DIST += t/store-pg.t

check_PROGRAMS += t/ks_seed
t_ks_seed_SOURCES = t/ks_seed.c
t_ks_seed_CPPFLAGS = $(KS_TEST_CPPFLAGS)
t_ks_seed_CFLAGS = $(KS_CFLAGS)
t_ks_seed_LDADD = $(KS_TEST_LDADD)

TESTS += t/keystore-keygen.t t/keystore-ctl.t t/keystore-dns.t t/keystore-dnssec.t
EXTRA_DIST += t/keystore-keygen.t t/keystore-ctl.t t/keystore-dns.t t/keystore-dnssec.t

check_PROGRAMS += t/test_ks_keyfile
t_test_ks_keyfile_SOURCES = t/test_ks_keyfile.c
t_test_ks_keyfile_CPPFLAGS = $(KS_TEST_CPPFLAGS)
t_test_ks_keyfile_CFLAGS = $(KS_CFLAGS)
t_test_ks_keyfile_LDADD = $(KS_TEST_LDADD)
TESTS += t/test_ks_keyfile

# Fuzz target (replayed by t/fuzz.t over t/corpus/keyfile/).
check_PROGRAMS += t/fuzz/fuzz_keyfile
t_fuzz_fuzz_keyfile_SOURCES = t/fuzz/fuzz_keyfile.c
t_fuzz_fuzz_keyfile_CPPFLAGS = $(KS_TEST_CPPFLAGS)
t_fuzz_fuzz_keyfile_CFLAGS = $(KS_CFLAGS)
t_fuzz_fuzz_keyfile_LDADD = $(FUZZ_DRIVER_LIB) $(KS_LIBS)
t_fuzz_fuzz_keyfile_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)

# One host, two domains mailing each other: the delivered-log's roles.
TESTS += t/store-roles.t
EXTRA_DIST += t/store-roles.t
