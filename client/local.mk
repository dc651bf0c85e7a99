# libdeliver: the SSMP/1 delivery client (discovery, envelope and message
# phases, receipt checks) shared by ssmp-milter and ssmp-send.
noinst_LIBRARIES += bridge/libdeliver.a
bridge_libdeliver_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(SODIUM_CFLAGS) \
	$(LMDB_CFLAGS) $(LDNS_CFLAGS) $(OPENSSL_CFLAGS) -I$(top_srcdir)/keystore -I$(top_srcdir)/bridge
bridge_libdeliver_a_SOURCES = \
	bridge/deliver.c bridge/deliver.h \
	bridge/deliver_cache.c bridge/deliver_int.h \
	bridge/deliver_http.c bridge/deliver_http.h \
	bridge/deliver_dnsq.c

# What a program linking libdeliver needs besides it (and KS_LIBS).
DELIVER_LIBS = bridge/libdeliver.a $(CURL_LIBS) $(PTHREAD_LIBS)
