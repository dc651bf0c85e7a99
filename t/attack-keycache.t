#!/bin/sh
# attack-keycache.t - nothing an unauthenticated client sends grows
# durable state (issue 14 item 3, the DNS half): 10,000 envelopes from
# made-up sender domains and selectors (a domain that does not exist, a
# selector a real domain never published) leave the LMDB key cache and
# the map's used pages as they were; their answers live in bounded memory
# (the resolver's cache), and genuine envelopes still succeed.  (Names no
# server answers for: t/attack-dns.t.)  Real ssmpd over TLS, nsd, Postfix,
# LMDB.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/ssmpd-lib.sh"
only_in_pass san
command -v mdb_stat >/dev/null || skip_all "mdb_stat (lmdb-utils) not installed"
LOAD=$top_builddir/bench/ssmpd-load
[ -x "$LOAD" ] || skip_all "bench/ssmpd-load not built"

sd_world
sd_conf UnknownSender tag
$SSMPC allow "$SD_DIR/db" bob@b.test alice@a.test known || bail "allow failed"
sd_start

entries() { mdb_stat -s keycache "$SD_DIR/db" | awk '/Entries:/ { print $2 }'; }
pages() { mdb_stat -e "$SD_DIR/db" | awk '/Number of pages used:/ { print $NF }'; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$(cat "$WORLD/run/ssmpd.pid")/status"; }
genuine() {
	sd_env alice@a.test bob@b.test >"$TMP/e.json" && [ "$(sd_post envelope "$TMP/e.json")" = 200 ]
}

check "a genuine envelope: 200" genuine
is "$(entries)" 1 "its key is the one entry of the key cache"
e0=$(entries) p0=$(pages) r0=$(rss)

"$LOAD" strangers ssmp.b.test "$SD_PORT" "$WORLD_CA" 10000 8 >"$TMP/load.out" 2>&1
is "$?" 0 "10,000 envelopes from made-up senders: none accepted, none lost"
diag "$(tr '\n' ';' <"$TMP/load.out")"
like "$(cat "$TMP/load.out")" 'status 403: 10000' "all 10,000: 403 (no key)"

is "$(entries)" "$e0" "the key cache holds no more entries than before"
p1=$(pages)
diag "LMDB pages used: $p0 before, $p1 after; ssmpd RSS: $r0 kB before, $(rss) kB after"
ok_if() { if test $1; then ok "$2"; else not_ok "$2"; fi; }
ok_if "$p1 -le $((p0 + 4))" "the map's used pages did not grow ($p0 -> $p1)"
check "a genuine envelope after the flood: 200" genuine
sd_env alice@a.test bob@b.test >"$TMP/e.json"
sd_mail "$TMP/m" '<k1@a.test>'
NA=$(sed -n 's/.*"nonce":"\([^"]*\)".*/\1/p' "$TMP/e.json")
is "$(sd_post envelope "$TMP/e.json")" 200 "...and another"
is "$(sd_message "$NA" '<k1@a.test>' "$TMP/m")" 200 "its message is delivered: 200"
done_testing
