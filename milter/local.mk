# milter: ssmp-milter, the outbound side (libmilter).
sbin_PROGRAMS += milter/ssmp-milter
MILTER_CFLAGS_ALL = $(CLIENT_CFLAGS) $(MILTER_CFLAGS)
MILTER_CPPFLAGS_ALL = $(CLIENT_CPPFLAGS) -I$(top_srcdir)/milter
milter_ssmp_milter_CPPFLAGS = $(MILTER_CPPFLAGS_ALL)
milter_ssmp_milter_CFLAGS = $(MILTER_CFLAGS_ALL)
milter_ssmp_milter_SOURCES = \
	milter/ssmp-milter.c milter/milter.c milter/milter.h \
	milter/callbacks.c \
	milter/msgctx.c milter/msgctx.h \
	milter/outbound.c milter/outbound.h \
	milter/upgrade.c milter/upgrade.h \
	milter/testmode.c milter/testmode.h \
	milter/msocket.c milter/msocket.h \
	milter/mcheck.c milter/mcheck.h \
	milter/mmetrics.c milter/mmetrics.h
milter_ssmp_milter_LDADD = $(CLIENT_LIBS) $(MILTER_LIBS)

dist_man_MANS += man/ssmp-milter.8
