#!/bin/sh
# bench/e2e-bench.sh --quick runs end to end (issue 21): the five set-ups
# (plain, DKIM RSA, DKIM Ed25519, STARTTLS+DKIM, SSMP) each deliver every
# message into B's Maildir with the evidence the set-up needs (dkim=pass,
# "using TLS", ssmp=pass), and the report gives its ratios.  A smoke test
# of the benchmark with a few messages per row: no figure is judged.
. "$top_srcdir/t/lib.sh"
only_in_pass gcc
[ "$(id -u)" = 0 ] || skip_all "needs root"
PATH=$PATH:/usr/sbin:/sbin
for p in opendkim opendkim-genkey smtp-source bash; do
	command -v $p >/dev/null || skip_all "$p not installed"
done

BENCH_SCALE=0.004 bash "$top_srcdir/bench/e2e-bench.sh" --quick \
    "$top_builddir" >"$TMP/out" 2>&1
is "$?" 0 "bench/e2e-bench.sh --quick ran to its end"
sed 's/^/#   /' "$TMP/out"
for k in plain dkim-rsa dkim-ed tls-dkim ssmp; do
	like "$(grep "^| $k |" "$TMP/out")" "\| all pass \|$" \
	    "$k: every message in B's Maildir, each with its evidence"
done
like "$(cat "$TMP/out")" "ssmp / plain, msgs/s, 4 KB: +[0-9.]+ " \
    "the report gives the ratios of issue 21"
done_testing
