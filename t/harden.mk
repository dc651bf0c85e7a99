# Hardening checks: privilege drop and key file modes of the daemons,
# valgrind over the unit tests, systemd units (t/contrib.t).
TESTS += t/harden-privdrop.t t/valgrind.t
EXTRA_DIST += t/harden-privdrop.t t/valgrind.t
# A deliberate leak: t/valgrind.t proves valgrind's verdict can fail.
check_PROGRAMS += t/vg_canary
t_vg_canary_SOURCES = t/vg_canary.c
# valgrind.t skips in sanitizer builds: tell it the build's flags.
AM_TESTS_ENVIRONMENT += SSMP_SAN_CFLAGS='$(SAN_CFLAGS)'; export SSMP_SAN_CFLAGS;
# Privilege separation: the key process holds the domain keys, the
# network process never does (t/memscan reads /proc/PID/mem).
TESTS += t/harden-keyproc.t t/harden-state.t
EXTRA_DIST += t/harden-keyproc.t t/harden-state.t
check_PROGRAMS += t/memscan
t_memscan_SOURCES = t/memscan.c
