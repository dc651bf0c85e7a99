# bench: benchmarks that print ratios against peers measured in the same
# run.  Built by `make check` (not run by it): see bench/run-*.sh.
check_PROGRAMS += bench/ks-allow-bench
bench_ks_allow_bench_SOURCES = bench/ks-allow-bench.c
bench_ks_allow_bench_CPPFLAGS = $(KS_CPPFLAGS)
bench_ks_allow_bench_CFLAGS = $(KS_CFLAGS)
bench_ks_allow_bench_LDADD = $(KS_LIBS)
EXTRA_DIST += bench/run-ks.sh bench/RESULTS.md
# Signed delivery end to end against SMTP, DKIM, STARTTLS+DKIM (bench/e2e-bench.sh
# [--quick] BUILDDIR; t/e2e-bench.t runs --quick).
EXTRA_DIST += bench/e2e-bench.sh
# ssmp-milter vs no milter and OpenDKIM through one Postfix (bench/milter-bench.sh BUILDDIR).
EXTRA_DIST += bench/milter-bench.sh
check_PROGRAMS += bench/ssmpd-load
bench_ssmpd_load_SOURCES = bench/ssmpd-load.c
bench_ssmpd_load_CPPFLAGS = $(KS_CPPFLAGS)
bench_ssmpd_load_CFLAGS = $(KS_CFLAGS) $(CURL_CFLAGS)
bench_ssmpd_load_LDADD = $(KS_LIBS) $(CURL_LIBS)
EXTRA_DIST += bench/ssmpd-bench.sh
# ssmpd on LMDB vs on PostgreSQL, one node and two (bench/pg-bench.sh).
EXTRA_DIST += bench/pg-bench.sh
# The fuzzing campaign (bench/fuzz-campaign.sh BUILDDIR [SECONDS | -runs N]).
EXTRA_DIST += bench/fuzz-campaign.sh
# Genuine-envelope latency under the DNS starvation attack (bench/dns-attack.sh BUILDDIR).
EXTRA_DIST += bench/dns-attack.sh
# The hot loops of a large message, before and after issue 21
# (bench/hot-bench [MB [ROUNDS]]): SHA-256, ssmpd's dot-stuffing.
check_PROGRAMS += bench/hot-bench
bench_hot_bench_SOURCES = bench/hot-bench.c
bench_hot_bench_CPPFLAGS = $(BRIDGE_CPPFLAGS)
bench_hot_bench_CFLAGS = $(BRIDGE_CFLAGS)
bench_hot_bench_LDADD = $(BRIDGE_LIBS)
