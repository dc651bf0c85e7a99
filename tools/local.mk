# tools: the postmaster's commands, ssmp-keygen (keys and the DNS records
# to publish) and ssmpctl (allow-lists, consent, key checks, caches, the
# delivery log).
sbin_PROGRAMS += tools/ssmp-keygen tools/ssmpctl
tools_ssmp_keygen_SOURCES = tools/ssmp-keygen.c
tools_ssmp_keygen_CPPFLAGS = $(KS_CPPFLAGS)
tools_ssmp_keygen_CFLAGS = $(KS_CFLAGS)
tools_ssmp_keygen_LDADD = $(KS_LIBS)
tools_ssmpctl_SOURCES = tools/ssmpctl.c tools/ctl_consent.c \
	tools/ctl_consent.h tools/ctl_db.c tools/ctl_db.h \
	tools/ctl_info.c tools/ctl_info.h tools/ctl_user.c tools/ctl_user.h \
	tools/ctl_status.c tools/ctl_check.c \
	tools/ctl_report.c tools/ctl_report.h
tools_ssmpctl_CPPFLAGS = $(CLIENT_CPPFLAGS)
tools_ssmpctl_CFLAGS = $(CLIENT_CFLAGS)
tools_ssmpctl_LDADD = $(CLIENT_LIBS)

dist_man_MANS += man/ssmp-keygen.8 man/ssmpctl.8
