# bench: benchmarks that print ratios against peers measured in the same
# run.  Built by `make check` (not run by it): see bench/run-*.sh.
check_PROGRAMS += bench/ks-allow-bench
bench_ks_allow_bench_SOURCES = bench/ks-allow-bench.c
bench_ks_allow_bench_CPPFLAGS = $(KS_CPPFLAGS)
bench_ks_allow_bench_CFLAGS = $(KS_CFLAGS)
bench_ks_allow_bench_LDADD = $(KS_LIBS)
EXTRA_DIST += bench/run-ks.sh bench/RESULTS.md
