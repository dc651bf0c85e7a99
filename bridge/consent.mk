# consent: ssmpd's consent endpoint and admin API (in libssmpd), and the
# sending side shared with ssmpctl (libconsent: allow_client, allow_ops).
noinst_LIBRARIES += bridge/libconsent.a
bridge_libconsent_a_CPPFLAGS = $(KS_CPPFLAGS) -I$(top_srcdir)/bridge
bridge_libconsent_a_CFLAGS = $(KS_CFLAGS) $(CURL_CFLAGS)
bridge_libconsent_a_SOURCES = \
	bridge/allow_client.c bridge/allow_client.h \
	bridge/allow_ops.c bridge/allow_ops.h
# What a program using libconsent needs before $(KS_LIBS).
CONSENT_LIBS = bridge/libconsent.a $(DELIVER_LIBS)

bridge_libssmpd_a_SOURCES += bridge/allow.c bridge/allow.h \
	bridge/admin_allow.c
