# lib-wire: unit tests, test vectors and fuzz targets of the libssmp wire
# format (envelope, message signature, receipt, status answers, allow).
LIBWIRE_TESTS = t/test_envelope t/test_message t/test_receipt t/test_status \
	t/test_allow t/test_vectors t/test_report
check_PROGRAMS += $(LIBWIRE_TESTS) t/vectors
TESTS += $(LIBWIRE_TESTS)
noinst_HEADERS += t/vectors.h t/fuzz/roundtrip.h
EXTRA_DIST += t/vectors.txt
LIBWIRE_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS) $(JANSSON_CFLAGS)

t_test_envelope_SOURCES = t/test_envelope.c
t_test_envelope_CFLAGS = $(LIBWIRE_CFLAGS)
t_test_envelope_LDADD = $(SSMP_LIBS)
t_test_message_SOURCES = t/test_message.c
t_test_message_CFLAGS = $(LIBWIRE_CFLAGS)
t_test_message_LDADD = $(SSMP_LIBS)
t_test_receipt_SOURCES = t/test_receipt.c
t_test_receipt_CFLAGS = $(LIBWIRE_CFLAGS)
t_test_receipt_LDADD = $(SSMP_LIBS)
t_test_status_SOURCES = t/test_status.c
t_test_status_CFLAGS = $(LIBWIRE_CFLAGS)
t_test_status_LDADD = $(SSMP_LIBS)
t_test_allow_SOURCES = t/test_allow.c
t_test_allow_CFLAGS = $(LIBWIRE_CFLAGS)
t_test_allow_LDADD = $(SSMP_LIBS)
t_test_report_SOURCES = t/test_report.c
t_test_report_CFLAGS = $(LIBWIRE_CFLAGS)
t_test_report_LDADD = $(SSMP_LIBS)
t_test_vectors_SOURCES = t/test_vectors.c
t_test_vectors_CFLAGS = $(LIBWIRE_CFLAGS)
t_test_vectors_LDADD = $(SSMP_LIBS)
t_vectors_SOURCES = t/vectors.c
t_vectors_CFLAGS = $(LIBWIRE_CFLAGS)
t_vectors_LDADD = $(SSMP_LIBS)

# Fuzz targets: replayed over t/corpus/<name>/ by t/fuzz.t.
LIBWIRE_FUZZ_CFLAGS = $(LIBWIRE_CFLAGS) $(FUZZ_CFLAGS)
check_PROGRAMS += t/fuzz/fuzz_envelope t/fuzz/fuzz_response \
	t/fuzz/fuzz_receipt t/fuzz/fuzz_allow t/fuzz/fuzz_report
t_fuzz_fuzz_envelope_SOURCES = t/fuzz/fuzz_envelope.c
t_fuzz_fuzz_envelope_CFLAGS = $(LIBWIRE_FUZZ_CFLAGS)
t_fuzz_fuzz_envelope_LDADD = $(FUZZ_LIBS)
t_fuzz_fuzz_envelope_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
t_fuzz_fuzz_response_SOURCES = t/fuzz/fuzz_response.c
t_fuzz_fuzz_response_CFLAGS = $(LIBWIRE_FUZZ_CFLAGS)
t_fuzz_fuzz_response_LDADD = $(FUZZ_LIBS)
t_fuzz_fuzz_response_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
t_fuzz_fuzz_receipt_SOURCES = t/fuzz/fuzz_receipt.c
t_fuzz_fuzz_receipt_CFLAGS = $(LIBWIRE_FUZZ_CFLAGS)
t_fuzz_fuzz_receipt_LDADD = $(FUZZ_LIBS)
t_fuzz_fuzz_receipt_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
t_fuzz_fuzz_allow_SOURCES = t/fuzz/fuzz_allow.c
t_fuzz_fuzz_allow_CFLAGS = $(LIBWIRE_FUZZ_CFLAGS)
t_fuzz_fuzz_allow_LDADD = $(FUZZ_LIBS)
t_fuzz_fuzz_allow_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
t_fuzz_fuzz_report_SOURCES = t/fuzz/fuzz_report.c
t_fuzz_fuzz_report_CFLAGS = $(LIBWIRE_FUZZ_CFLAGS)
t_fuzz_fuzz_report_LDADD = $(FUZZ_LIBS)
t_fuzz_fuzz_report_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LINK)
