# client: unit tests of the outbound client's pure logic (no network):
# the decision table.
CLIENT_TESTS = t/test_decide
check_PROGRAMS += $(CLIENT_TESTS)
TESTS += $(CLIENT_TESTS)

t_test_decide_SOURCES = t/test_decide.c
t_test_decide_CPPFLAGS = $(CLIENT_CPPFLAGS)
t_test_decide_CFLAGS = $(CLIENT_CFLAGS)
t_test_decide_LDADD = $(CLIENT_LIBS)
