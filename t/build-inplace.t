#!/bin/sh
# build-inplace.t - ./run-tests and ./run-demo work after the README's
# in-place build: t/build-src hands them a clean copy of a tree that was
# configured in place, and an out-of-tree build from that copy works (it
# fails with "source directory already configured" from the tree itself).
. "$top_srcdir/t/lib.sh"
only_in_pass gcc
git -C "$top_srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
    skip_all "not a git checkout"

tree=$TMP/tree
mkdir -p "$tree"
(cd "$top_srcdir" && git ls-files -co --exclude-standard -z |
    tar --null -T - -cf -) | tar -xf - -C "$tree"
(cd "$tree" && find . -type f | sed 's#^\./##' | sort) >"$TMP/src.list"
(cd "$tree" && autoreconf -fi >/dev/null 2>&1 && ./configure -q) ||
    bail "in-place configure of a copy of the tree failed"

mkdir "$TMP/b1"
check_fails "an out-of-tree build of an in-place configured tree is refused" \
    sh -c "cd '$TMP/b1' && '$tree/configure' -q && make lib/libssmp.a"

src=$("$tree/t/build-src" "$tree")
is "$src" "$tree/build-src" "build-src gives a copy for an in-place configured tree"
check "the copy has no in-place configuration" test ! -f "$src/config.status"
mkdir "$TMP/b2"
check "an out-of-tree build from the copy works" \
    sh -c "cd '$TMP/b2' && '$src/configure' -q && make -j2 lib/libssmp.a"
check "the in-place build was left as it was" test -f "$tree/config.status"

rm -f "$tree/config.status"
is "$("$tree/t/build-src" "$tree")" "$tree" "a tree not configured in place is built as it is"

(cd "$tree" && ./configure -q && make -j2 >/dev/null 2>&1) ||
    bail "in-place build of a copy of the tree failed"
(cd "$tree" && git init -q && git ls-files -o --exclude-standard | sort) >"$TMP/after.list"
is "$(comm -13 "$TMP/src.list" "$TMP/after.list" | tr '\n' ' ')" "" \
    "an in-place build leaves no file that .gitignore does not cover"
done_testing
