# client: unit tests of the outbound client's pure logic (no network):
# the decision table, the consent slots, the outbound pipeline (with a
# fake network: t/test_pipeline.c defines libdeliver's network calls, so
# the linker takes those and not deliver.c's).
CLIENT_TESTS = t/test_decide t/test_cops t/test_pipeline
check_PROGRAMS += $(CLIENT_TESTS)
TESTS += $(CLIENT_TESTS)

t_test_decide_SOURCES = t/test_decide.c
t_test_decide_CPPFLAGS = $(CLIENT_CPPFLAGS)
t_test_decide_CFLAGS = $(CLIENT_CFLAGS)
t_test_decide_LDADD = $(CLIENT_LIBS)

t_test_cops_SOURCES = t/test_cops.c
t_test_cops_CPPFLAGS = $(CLIENT_CPPFLAGS)
t_test_cops_CFLAGS = $(CLIENT_CFLAGS)
t_test_cops_LDADD = $(CLIENT_LIBS)

t_test_pipeline_SOURCES = t/test_pipeline.c
t_test_pipeline_CPPFLAGS = $(CLIENT_CPPFLAGS)
t_test_pipeline_CFLAGS = $(CLIENT_CFLAGS)
t_test_pipeline_LDADD = $(CLIENT_LIBS)
