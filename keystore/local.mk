# keystore: domain keys, key table, the stores (one module each), their
# LMDB backend and the PostgreSQL one (SharedDatabase), DNS lookups.
noinst_LIBRARIES += keystore/libkeystore.a
# Programs using the keystore: $(KS_CPPFLAGS), $(KS_CFLAGS), $(KS_LIBS).
KS_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/keystore
KS_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS) $(SODIUM_CFLAGS) $(JANSSON_CFLAGS) \
	$(LMDB_CFLAGS) $(PQ_CFLAGS) $(LDNS_CFLAGS) $(UNBOUND_CFLAGS) $(OPENSSL_CFLAGS)
keystore_libkeystore_a_CPPFLAGS = $(KS_CPPFLAGS)
keystore_libkeystore_a_CFLAGS = $(KS_CFLAGS)
keystore_libkeystore_a_SOURCES = \
	keystore/store.c keystore/store.h keystore/backend.h \
	keystore/canon.c \
	keystore/allowlist.c keystore/allowlist.h \
	keystore/keycache.c keystore/keycache.h \
	keystore/replay.c keystore/replay.h \
	keystore/delivered.c keystore/delivered.h \
	keystore/consent.c keystore/consent.h \
	keystore/report.c keystore/report.h \
	keystore/lmdb.c keystore/lmdb_int.h keystore/lmdb_backend.c \
	keystore/lmdb_allow.c keystore/lmdb_keycache.c \
	keystore/lmdb_replay.c keystore/lmdb_delivered.c \
	keystore/lmdb_consent.c keystore/lmdb_report.c \
	keystore/pg.c keystore/pg_int.h keystore/pg_backend.c keystore/pg_schema.c \
	keystore/pg_allow.c keystore/pg_replay.c keystore/pg_delivered.c \
	keystore/pg_consent.c keystore/pg_report.c \
	keystore/dnsq.c keystore/dnsq.h \
	keystore/keyfile.c keystore/keyfile.h \
	keystore/keytable.c keystore/keytable.h \
	keystore/keyproc.c keystore/keyproc.h \
	keystore/keycheck.c keystore/keycheck.h

# What a program linking the keystore needs (ssmpd, ssmp-milter, tests).
KS_LIBS = keystore/libkeystore.a $(SSMP_LIBS) $(LMDB_LIBS) $(PQ_LIBS) $(UNBOUND_LIBS) $(LDNS_LIBS) \
	$(OPENSSL_LIBS) $(PTHREAD_LIBS)

dist_man_MANS += man/ssmp.conf.5
