#!/bin/sh
# dns-attack.sh BUILDDIR: latency of a genuine envelope (its key cached)
# at ssmpd without and under the DNS starvation attack of t/attack-dns.t
# (60 sender domains whose DNS never answers, 4 envelopes a second,
# through a recursive resolver as ssmpd's forwarder), measured in the same
# run by the test itself; prints its figures.  As root.
set -eu
b=${1:?usage: dns-attack.sh BUILDDIR}
make -C "$b" check TESTS=t/attack-dns.t SSMP_PASS= >/dev/null 2>&1 || true
grep -E '^(# latency|not ok)' "$b/t/attack-dns.log"
