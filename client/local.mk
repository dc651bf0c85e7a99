# client: the outbound SSMP client shared by ssmp-milter, ssmp-send,
# ssmpd (consent answers, key fetches) and ssmpctl: discovery, the
# outbound pipeline and its decision function, HTTPS delivery, receipts,
# the message parser, spool and signer, and the consent client.
noinst_LIBRARIES += client/libclient.a
# Programs using the client: $(CLIENT_CPPFLAGS), $(CLIENT_CFLAGS),
# $(CLIENT_LIBS) (which include the keystore's).
CLIENT_CPPFLAGS = $(KS_CPPFLAGS) -I$(top_srcdir)/client
CLIENT_CFLAGS = $(KS_CFLAGS) $(CURL_CFLAGS)
client_libclient_a_CPPFLAGS = $(CLIENT_CPPFLAGS)
client_libclient_a_CFLAGS = $(CLIENT_CFLAGS)
client_libclient_a_SOURCES = \
	client/deliver.c client/deliver.h \
	client/deliver_cache.c client/deliver_int.h \
	client/deliver_http.c client/deliver_http.h \
	client/netguard.c client/netguard.h \
	client/deliver_dnsq.c \
	client/send_core.c client/send_core.h client/client_open.c \
	client/batch.c \
	client/pipeline.c client/pipeline.h \
	client/tally.c client/tally.h \
	client/rsend.c client/rsend.h \
	client/decide.c client/decide.h \
	client/parse.c client/parse.h \
	client/spool.c client/spool.h \
	client/signer.c client/signer.h \
	client/consent_client.c client/consent_client.h \
	client/consent_ops.c client/consent_ops.h

# What a program linking the client needs.
CLIENT_LIBS = client/libclient.a $(KS_LIBS) $(CURL_LIBS) $(PTHREAD_LIBS)
