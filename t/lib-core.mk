# lib-core: unit tests and fuzz targets of the libssmp core modules
# (addresses, time, TXT records, config, logging, base64/crypto/buffers).
LIBCORE_TESTS = t/test_addr t/test_time t/test_txt t/test_conf t/test_log \
	t/test_crypto t/test_ipclass
check_PROGRAMS += $(LIBCORE_TESTS)
TESTS += $(LIBCORE_TESTS)
LIBCORE_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS) $(JANSSON_CFLAGS)

t_test_addr_SOURCES = t/test_addr.c
t_test_addr_CFLAGS = $(LIBCORE_CFLAGS)
t_test_addr_LDADD = $(SSMP_LIBS)
t_test_time_SOURCES = t/test_time.c
t_test_time_CFLAGS = $(LIBCORE_CFLAGS)
t_test_time_LDADD = $(SSMP_LIBS)
t_test_txt_SOURCES = t/test_txt.c
t_test_txt_CFLAGS = $(LIBCORE_CFLAGS)
t_test_txt_LDADD = $(SSMP_LIBS)
t_test_conf_SOURCES = t/test_conf.c
t_test_conf_CFLAGS = $(LIBCORE_CFLAGS)
t_test_conf_LDADD = $(SSMP_LIBS)
t_test_ipclass_SOURCES = t/test_ipclass.c
t_test_ipclass_CFLAGS = $(LIBCORE_CFLAGS)
t_test_ipclass_LDADD = $(SSMP_LIBS)
t_test_log_SOURCES = t/test_log.c
t_test_log_CFLAGS = $(LIBCORE_CFLAGS)
t_test_log_LDADD = $(SSMP_LIBS)
t_test_crypto_SOURCES = t/test_crypto.c
t_test_crypto_CFLAGS = $(LIBCORE_CFLAGS)
t_test_crypto_LDADD = $(SSMP_LIBS)

# Fuzz targets: replayed over t/corpus/<name>/ by t/fuzz.t.
LIBCORE_FUZZ_CFLAGS = $(LIBCORE_CFLAGS) $(FUZZ_CFLAGS)
check_PROGRAMS += t/fuzz/fuzz_addr t/fuzz/fuzz_time t/fuzz/fuzz_txt \
	t/fuzz/fuzz_conf
t_fuzz_fuzz_addr_SOURCES = t/fuzz/fuzz_addr.c
t_fuzz_fuzz_addr_CFLAGS = $(LIBCORE_FUZZ_CFLAGS)
t_fuzz_fuzz_addr_LDADD = $(FUZZ_LIBS)
t_fuzz_fuzz_addr_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
t_fuzz_fuzz_time_SOURCES = t/fuzz/fuzz_time.c
t_fuzz_fuzz_time_CFLAGS = $(LIBCORE_FUZZ_CFLAGS)
t_fuzz_fuzz_time_LDADD = $(FUZZ_LIBS)
t_fuzz_fuzz_time_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
t_fuzz_fuzz_txt_SOURCES = t/fuzz/fuzz_txt.c
t_fuzz_fuzz_txt_CFLAGS = $(LIBCORE_FUZZ_CFLAGS)
t_fuzz_fuzz_txt_LDADD = $(FUZZ_LIBS)
t_fuzz_fuzz_txt_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
t_fuzz_fuzz_conf_SOURCES = t/fuzz/fuzz_conf.c
t_fuzz_fuzz_conf_CFLAGS = $(LIBCORE_FUZZ_CFLAGS)
t_fuzz_fuzz_conf_LDADD = $(FUZZ_LIBS)
t_fuzz_fuzz_conf_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
