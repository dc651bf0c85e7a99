# bridge: ssmpd, the inbound SSMP bridge (HTTPS -> local MTA).
sbin_PROGRAMS += bridge/ssmpd
BRIDGE_CPPFLAGS = $(CLIENT_CPPFLAGS) -I$(top_srcdir)/bridge
BRIDGE_CFLAGS = $(CLIENT_CFLAGS) $(LIBEVENT_CFLAGS)
# The server without main(): shared by ssmpd, the fuzz target and tests.
noinst_LIBRARIES += bridge/libssmpd.a
bridge_libssmpd_a_CPPFLAGS = $(BRIDGE_CPPFLAGS)
bridge_libssmpd_a_CFLAGS = $(BRIDGE_CFLAGS)
bridge_libssmpd_a_SOURCES = \
	bridge/ssmpd.h \
	bridge/http_parse.c bridge/http_parse.h \
	bridge/http.c bridge/http.h \
	bridge/routes.c bridge/routes.h \
	bridge/endpoints.c \
	bridge/admin.c \
	bridge/envelope_check.c bridge/envelope_check.h \
	bridge/rcptcache.c bridge/rcptcache.h \
	bridge/keyfetch.c bridge/keyfetch.h \
	bridge/keyhttp.c bridge/keyhttp.h \
	bridge/keys.c bridge/keys.h \
	bridge/consent_recv.c bridge/consent_recv.h \
	bridge/admin_consent.c \
	bridge/report_recv.c bridge/report_recv.h \
	bridge/pending.c bridge/pending.h \
	bridge/body.c bridge/body.h \
	bridge/handoff.c bridge/handoff.h \
	bridge/hdrfilter.c bridge/hdrfilter.h \
	bridge/dlog.c bridge/dlog.h \
	bridge/smtpc.c bridge/smtpc.h \
	bridge/ratelimit.c bridge/ratelimit.h bridge/connlimit.c bridge/connlimit.h \
	bridge/tls.c bridge/tls.h \
	bridge/certcheck.c bridge/certcheck.h \
	bridge/metrics.c bridge/metrics.h \
	bridge/workq.c bridge/workq.h
BRIDGE_LIBS = bridge/libssmpd.a $(CLIENT_LIBS) $(LIBEVENT_LIBS) \
	$(OPENSSL_LIBS) $(PTHREAD_LIBS)
bridge_ssmpd_CPPFLAGS = $(BRIDGE_CPPFLAGS)
bridge_ssmpd_CFLAGS = $(BRIDGE_CFLAGS)
bridge_ssmpd_SOURCES = bridge/ssmpd.c
bridge_ssmpd_LDADD = $(BRIDGE_LIBS)
dist_man_MANS += man/ssmpd.8

