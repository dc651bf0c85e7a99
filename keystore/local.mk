# keystore: domain keys, key table, LMDB stores, DNS lookups, and the
# postmaster tools ssmp-keygen and ssmpctl.
noinst_LIBRARIES += keystore/libkeystore.a
# Programs using the keystore: $(KS_CPPFLAGS), $(KS_CFLAGS), $(KS_LIBS).
KS_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/keystore
KS_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS) $(SODIUM_CFLAGS) $(JANSSON_CFLAGS) \
	$(LMDB_CFLAGS) $(LDNS_CFLAGS) $(OPENSSL_CFLAGS)
keystore_libkeystore_a_CPPFLAGS = $(KS_CPPFLAGS)
keystore_libkeystore_a_CFLAGS = $(KS_CFLAGS)
keystore_libkeystore_a_SOURCES = \
	keystore/store.c keystore/store.h \
	keystore/dnsq.c keystore/dnsq.h \
	keystore/keyfile.c keystore/keyfile.h \
	keystore/keytable.c keystore/keytable.h

# What a program linking the keystore needs (ssmpd, ssmp-milter, tests).
KS_LIBS = keystore/libkeystore.a $(SSMP_LIBS) $(LMDB_LIBS) $(LDNS_LIBS) \
	$(OPENSSL_LIBS) $(PTHREAD_LIBS)

sbin_PROGRAMS += keystore/ssmp-keygen keystore/ssmpctl
keystore_ssmp_keygen_SOURCES = keystore/ssmp-keygen.c
keystore_ssmp_keygen_CPPFLAGS = $(KS_CPPFLAGS)
keystore_ssmp_keygen_CFLAGS = $(KS_CFLAGS)
keystore_ssmp_keygen_LDADD = $(KS_LIBS)
keystore_ssmpctl_SOURCES = keystore/ssmpctl.c keystore/ctl_allow.c \
	keystore/ctl_allow.h
keystore_ssmpctl_CPPFLAGS = $(KS_CPPFLAGS) -I$(top_srcdir)/bridge
keystore_ssmpctl_CFLAGS = $(KS_CFLAGS)
keystore_ssmpctl_LDADD = $(CONSENT_LIBS) $(KS_LIBS)

dist_man_MANS += man/ssmp-keygen.8 man/ssmpctl.8 man/ssmp.conf.5
