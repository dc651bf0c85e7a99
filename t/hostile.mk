# hostile input (issue 8): fuzz targets over the bridge's remaining
# parsers of outside input (t/corpus/<name>/, replayed by t/fuzz.t) and
# the hostile-client tests against a real ssmpd over TLS.

# The local MTA's SMTP/LMTP replies (bridge/smtpc.c).
check_PROGRAMS += t/fuzz/fuzz_smtpc
t_fuzz_fuzz_smtpc_SOURCES = t/fuzz/fuzz_smtpc.c
t_fuzz_fuzz_smtpc_CPPFLAGS = $(BRIDGE_CPPFLAGS)
t_fuzz_fuzz_smtpc_CFLAGS = $(BRIDGE_CFLAGS)
t_fuzz_fuzz_smtpc_LDADD = $(FUZZ_LIBS) $(PTHREAD_LIBS)
t_fuzz_fuzz_smtpc_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)

# The message ssmp-send reads from its pipe (send/send_read.c).
check_PROGRAMS += t/fuzz/fuzz_sendread
t_fuzz_fuzz_sendread_SOURCES = t/fuzz/fuzz_sendread.c
t_fuzz_fuzz_sendread_CPPFLAGS = $(CLIENT_CPPFLAGS) -I$(top_srcdir)/send
t_fuzz_fuzz_sendread_CFLAGS = $(CLIENT_CFLAGS)
t_fuzz_fuzz_sendread_LDADD = $(FUZZ_DRIVER_LIB) $(CLIENT_LIBS)
t_fuzz_fuzz_sendread_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)

# The HTTPS key endpoint's answer as ssmpd's key fetcher reads it
# (bridge/keyhttp.c).
check_PROGRAMS += t/fuzz/fuzz_keyhttp
t_fuzz_fuzz_keyhttp_SOURCES = t/fuzz/fuzz_keyhttp.c
t_fuzz_fuzz_keyhttp_CPPFLAGS = $(BRIDGE_CPPFLAGS)
t_fuzz_fuzz_keyhttp_CFLAGS = $(BRIDGE_CFLAGS)
t_fuzz_fuzz_keyhttp_LDADD = $(FUZZ_DRIVER_LIB) $(CLIENT_LIBS) $(LIBEVENT_LIBS)
t_fuzz_fuzz_keyhttp_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)


# Hostile clients against a real ssmpd over TLS; slowc opens thousands of
# slow TLS connections from one process.
check_PROGRAMS += t/slowc
t_slowc_SOURCES = t/slowc.c
t_slowc_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
t_slowc_LDADD = $(OPENSSL_LIBS)
TESTS += t/hostile-ssmpd.t
EXTRA_DIST += t/hostile-ssmpd.t

# A DNS answer as the keystore's resolver classifies it (keystore/dnsq.c).
check_PROGRAMS += t/fuzz/fuzz_dnsq
t_fuzz_fuzz_dnsq_SOURCES = t/fuzz/fuzz_dnsq.c
t_fuzz_fuzz_dnsq_CPPFLAGS = $(KS_CPPFLAGS)
t_fuzz_fuzz_dnsq_CFLAGS = $(KS_CFLAGS)
t_fuzz_fuzz_dnsq_LDADD = $(FUZZ_DRIVER_LIB) $(KS_LIBS)
t_fuzz_fuzz_dnsq_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)

# The answer to an allow request (ssmp_allow_answer_decode, read by
# client/consent_client.c).
check_PROGRAMS += t/fuzz/fuzz_allowanswer
t_fuzz_fuzz_allowanswer_SOURCES = t/fuzz/fuzz_allowanswer.c
t_fuzz_fuzz_allowanswer_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS) $(SODIUM_CFLAGS) $(JANSSON_CFLAGS)
t_fuzz_fuzz_allowanswer_LDADD = $(FUZZ_LIBS)
t_fuzz_fuzz_allowanswer_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
