# Tests.  Unit tests are C programs printing TAP; integration tests are
# shell scripts (*.t).  Each area keeps its own fragment.
noinst_HEADERS += t/tap.h
EXTRA_DIST += t/lib.sh t/corpus

# Fuzz targets: libFuzzer with --enable-fuzzing, else a corpus replayer.
if FUZZING
FUZZ_DRIVER_LIB =
FUZZ_LINK = $(FUZZ_LDFLAGS)
else
FUZZ_DRIVER_LIB = t/fuzz/libfuzzdriver.a
FUZZ_LINK =
endif
check_LIBRARIES = t/fuzz/libfuzzdriver.a
t_fuzz_libfuzzdriver_a_SOURCES = t/fuzz/driver.c
EXTRA_DIST += t/fuzz/driver.c
FUZZ_LIBS = $(FUZZ_DRIVER_LIB) $(SSMP_LIBS)

TESTS += t/fuzz.t
EXTRA_DIST += t/fuzz.t

# The dependencies run one way: includes and calls (HACKING).
TESTS += t/layering.t
EXTRA_DIST += t/layering.t t/layering.py

include t/lib-core.mk
include t/lib-wire.mk
include t/keystore.mk
include t/client.mk
include t/milter.mk
include t/bridge.mk
include t/world.mk
include t/send.mk
include t/consent.mk
include t/demo.mk
include t/ops.mk
include t/hostile.mk
include t/attack.mk
include t/harden.mk
include t/faults.mk

# ./run-tests and ./run-demo after an in-place build (t/build-src).
TESTS += t/build-inplace.t
EXTRA_DIST += t/build-inplace.t
include t/conformance.mk
