#!/bin/sh
# Allow-list lookups with 1 M entries vs raw LMDB, same run, same keys.
#	bench/run-ks.sh [BUILDDIR] [ENTRIES] [LOOKUPS]
builddir=${1:-.}
dir=$(mktemp -d "${TMPDIR:-/tmp}/ks-bench.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
"$builddir/bench/ks-allow-bench" "$dir/db" "${2:-1000000}" "${3:-2000000}"
