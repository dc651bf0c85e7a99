# milter: ssmp-milter, the outbound side (libmilter).
sbin_PROGRAMS += milter/ssmp-milter
MILTER_CFLAGS_ALL = $(AM_CFLAGS) $(MILTER_CFLAGS) $(CURL_CFLAGS) \
	$(SODIUM_CFLAGS) $(LMDB_CFLAGS) $(LDNS_CFLAGS) $(OPENSSL_CFLAGS)
MILTER_CPPFLAGS_ALL = $(AM_CPPFLAGS) -I$(top_srcdir)/keystore \
	-I$(top_srcdir)/bridge -I$(top_srcdir)/milter
milter_ssmp_milter_CPPFLAGS = $(MILTER_CPPFLAGS_ALL)
milter_ssmp_milter_CFLAGS = $(MILTER_CFLAGS_ALL)
milter_ssmp_milter_SOURCES = \
	milter/ssmp-milter.c milter/milter.h \
	milter/callbacks.c \
	milter/msgctx.c milter/msgctx.h \
	milter/outbound.c milter/outbound.h \
	milter/parse.c milter/parse.h \
	milter/spool.c milter/spool.h \
	milter/decide.c milter/decide.h \
	milter/signer.c milter/signer.h \
	milter/upgrade.c milter/upgrade.h \
	bridge/send_core.c bridge/send_core.h \
	milter/testmode.c milter/testmode.h
milter_ssmp_milter_LDADD = $(DELIVER_LIBS) $(KS_LIBS) $(MILTER_LIBS) \
	$(CURL_LIBS) $(PTHREAD_LIBS)

dist_man_MANS += man/ssmp-milter.8
