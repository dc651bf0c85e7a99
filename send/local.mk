# ssmp-send: the SSMP delivery agent for pipe transports (Exim, Postfix
# pipe(8), scripts).  It shares the delivery client (libdeliver) and the
# milter's spool, parsers and signer modules rather than copying them.
sbin_PROGRAMS += bridge/ssmp-send
bridge_ssmp_send_CPPFLAGS = $(KS_CPPFLAGS) -I$(top_srcdir)/bridge \
	-I$(top_srcdir)/milter
bridge_ssmp_send_CFLAGS = $(KS_CFLAGS) $(CURL_CFLAGS) $(SODIUM_CFLAGS) \
	$(LMDB_CFLAGS) $(LDNS_CFLAGS) $(OPENSSL_CFLAGS)
bridge_ssmp_send_SOURCES = \
	bridge/ssmp-send.c \
	bridge/send_core.c bridge/send_core.h \
	bridge/send_deliver.c bridge/send_deliver.h \
	bridge/send_read.c bridge/send_read.h \
	milter/spool.c milter/spool.h \
	milter/parse.c milter/parse.h \
	milter/signer.c milter/signer.h
bridge_ssmp_send_LDADD = $(DELIVER_LIBS) $(KS_LIBS) $(CURL_LIBS) \
	$(PTHREAD_LIBS)
dist_man_MANS += man/ssmp-send.8
