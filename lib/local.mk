# libssmp: the protocol core shared by every program.  No I/O policy here.
noinst_LIBRARIES += lib/libssmp.a
lib_libssmp_a_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS) $(SODIUM_CFLAGS) $(JANSSON_CFLAGS) \
	$(OPENSSL_CFLAGS)
lib_libssmp_a_SOURCES = \
	lib/ssmp_err.c lib/ssmp_err.h \
	lib/ssmp_buf.c lib/ssmp_buf.h \
	lib/ssmp_b64.c lib/ssmp_b64.h \
	lib/ssmp_addr.c lib/ssmp_addr.h \
	lib/ssmp_time.c lib/ssmp_time.h \
	lib/ssmp_txt.c lib/ssmp_txt.h \
	lib/ssmp_report.c lib/ssmp_report.h lib/ssmp_rtype.h \
	lib/ssmp_crypto.c lib/ssmp_crypto.h \
	lib/ssmp_json.c lib/ssmp_json.h \
	lib/ssmp_envelope.c lib/ssmp_envelope.h \
	lib/ssmp_message.c lib/ssmp_message.h \
	lib/ssmp_receipt.c lib/ssmp_receipt.h \
	lib/ssmp_status.c lib/ssmp_status.h \
	lib/ssmp_allow.c lib/ssmp_allow.h \
	lib/ssmp_confparse.c lib/ssmp_confparse.h \
	lib/ssmp_config.c lib/ssmp_config.h \
	lib/ssmp_log.c lib/ssmp_log.h \
	lib/ssmp_daemon.c lib/ssmp_daemon.h \
	lib/ssmp_sandbox.c lib/ssmp_sandbox.h \
	lib/ssmp_notify.c lib/ssmp_notify.h \
	lib/ssmp_preflight.c lib/ssmp_preflight.h \
	lib/ssmp_cli.c lib/ssmp_cli.h \
	lib/ssmp_config_dump.c lib/ssmp_config_dump.h \
	lib/ssmp_ipclass.c lib/ssmp_ipclass.h \
	lib/ssmp_limits.h

# What a program linking libssmp needs besides it.
SSMP_LIBS = lib/libssmp.a $(JANSSON_LIBS) $(SODIUM_LIBS) $(OPENSSL_LIBS)
