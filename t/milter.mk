# ssmp-milter tests: miltertest scripts against the real milter, real nsd,
# real ssmpd and TLS; the Postfix integration test; the parser fuzz target.
TESTS += t/milter-paths.t t/milter-ssmp.t t/milter-postfix.t t/milter-daemon.t t/milter-sendmail.t \
	t/milter-socket.t t/milter-pg.t
EXTRA_DIST += t/milter-paths.t t/milter-ssmp.t t/milter-postfix.t t/milter-daemon.t t/milter-sendmail.t t/syslog-recv.py t/milter-paths.lua t/milter-lib.sh \
	t/milter-socket.t t/milter-pg.t

# Fuzz target over the milter's parsers (t/corpus/milter).
check_PROGRAMS += t/fuzz/fuzz_milter
t_fuzz_fuzz_milter_SOURCES = t/fuzz/fuzz_milter.c
t_fuzz_fuzz_milter_CPPFLAGS = $(CLIENT_CPPFLAGS)
t_fuzz_fuzz_milter_CFLAGS = $(CLIENT_CFLAGS)
t_fuzz_fuzz_milter_LDADD = $(FUZZ_DRIVER_LIB) $(CLIENT_LIBS)
t_fuzz_fuzz_milter_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
