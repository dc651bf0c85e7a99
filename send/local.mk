# ssmp-send: the SSMP delivery agent for pipe transports (Exim, Postfix
# pipe(8), scripts): reads one message and hands it to the client.
sbin_PROGRAMS += send/ssmp-send
send_ssmp_send_CPPFLAGS = $(CLIENT_CPPFLAGS)
send_ssmp_send_CFLAGS = $(CLIENT_CFLAGS)
send_ssmp_send_SOURCES = \
	send/ssmp-send.c \
	send/send_run.c send/send_run.h \
	send/send_read.c send/send_read.h
send_ssmp_send_LDADD = $(CLIENT_LIBS)
dist_man_MANS += man/ssmp-send.8
