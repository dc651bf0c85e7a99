#!/bin/sh
# The keystore on PostgreSQL 15, a private cluster of the test world:
# the schema made and checked by `ssmpctl db`, the store tests of
# t/test_ks_store on the shared backend, two hosts on one database
# racing (t/test_ks_pg), the replay sweep on its index, and a server
# that is down: temporary errors (EX_TEMPFAIL), never a partial write.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/world/world.sh"

only_in_pass gcc
[ "$(id -u)" = 0 ] || skip_all "needs root (runs a PostgreSQL cluster as user postgres)"
world_pg_available || skip_all "PostgreSQL 15 is not installed (apt-get install postgresql-15)"
world_init "$TMP/w" || bail "world_init failed"
world_pg_start || bail "PostgreSQL did not start: $(tail -5 "$WORLD/log/pg.log")"
CTL=$top_builddir/tools/ssmpctl
URI_BASE=${WORLD_PG_URI%/ssmp}

# conf DB: an ssmp.conf whose SharedDatabase is database DB.
conf() {
	printf 'Database %s\nSharedDatabase %s/%s\n' "$TMP/db-$1" "$URI_BASE" "$1" >"$TMP/$1.conf"
	echo "$TMP/$1.conf"
}
C=$(conf ssmp)

out=$($CTL -c "$C" db status 2>&1); rc=$?
is "$rc $out" "69 schema version 0 (this program: 2): run ssmpctl db init" \
    "db status before init: none, exit 69"
out=$($CTL -c "$C" allow add bob@b.test alice@a.test 2>&1); rc=$?
is "$rc" 73 "a store command before init fails (EX_CANTCREAT)"
like "$out" 'schema version 0, this program needs 2: run `ssmpctl db init`' "...saying what to run"
is "$($CTL -c "$C" db init 2>&1)" "schema version 0 -> 2" "db init"
is "$($CTL -c "$C" db init 2>&1)" "schema version 2: nothing to do" "db init again: nothing to do"
is "$($CTL -c "$C" db migrate 2>&1)" "schema version 2: nothing to do" "db migrate: nothing to do"
is "$($CTL -c "$C" --json db status 2>&1)" '{"version":2,"before":2,"needed":2}' "db status --json"
is "$(world_pg_psql ssmp 'SELECT version FROM ssmp_schema')" 2 "...the version table says 2"

check "allow add writes to the database" $CTL -c "$C" allow add bob@b.test alice@a.test trusted
is "$(world_pg_psql ssmp 'SELECT rcpt, pattern, tier FROM ssmp_allow')" "bob@b.test|alice@a.test|1" \
    "...one row, canonical"
like "$($CTL -c "$C" allow list bob@b.test)" 'alice@a.test.*trusted' "allow list reads it back"
like "$($CTL -c "$C" stats)" 'allow +1 entries' "stats counts the shared table"

world_pg_psql ssmp 'UPDATE ssmp_schema SET version = 99'
out=$($CTL -c "$C" allow list 2>&1); rc=$?
like "$rc $out" '^66 .*schema version 99, this program needs 2' "a newer schema is refused by the programs"
out=$($CTL -c "$C" db migrate 2>&1); rc=$?
like "$rc $out" '^65 .*schema version 99 is newer than this program' "...and by db migrate"
# A database of the previous version (no report tables) is migrated.
world_pg_psql ssmp 'DROP TABLE ssmp_tally, ssmp_inbox; UPDATE ssmp_schema SET version = 1'
out=$($CTL -c "$C" allow list 2>&1); rc=$?
like "$rc $out" 'schema version 1, this program needs 2: run `ssmpctl db migrate`' "version 1: the programs ask for a migration"
is "$($CTL -c "$C" db migrate 2>&1)" "schema version 1 -> 2" "db migrate: 1 -> 2"
is "$(world_pg_psql ssmp "SELECT count(*) FROM ssmp_tally, ssmp_inbox")" 0 "...the report tables are there"

printf 'SharedDatabase mysql://x\n' >"$TMP/bad.conf"
out=$($CTL -c "$TMP/bad.conf" db status 2>&1); rc=$?
like "$rc $out" "^78 .*not a PostgreSQL URI" "SharedDatabase must be a pgsql:// URI"

# The expiry sweep of the replay cache uses its index.
world_pg_psql ssmp "INSERT INTO ssmp_replay SELECT 'a.test', 'n' || i, i FROM generate_series(1, 20000) i; ANALYZE ssmp_replay"
like "$(world_pg_psql ssmp "EXPLAIN SELECT ctid FROM ssmp_replay WHERE expires <= 100 LIMIT 10000")" \
    'Index.*ssmp_replay_expires' "replay sweep: an index scan on expires"

# The store tests on the shared backend, and two hosts on one database.
for t in store pg; do
	world_pg_psql postgres "CREATE DATABASE t$t OWNER ssmp" >/dev/null
	$CTL -c "$(conf t$t)" db init >/dev/null || bail "db init t$t failed"
done
SSMP_TEST_SHARED=$URI_BASE/tstore "$top_builddir/t/test_ks_store" >"$TMP/store.tap" 2>&1
rc=$?
grep '^not ok' "$TMP/store.tap" | sed 's/^/# /'
is "$rc $(grep -c '^not ok' "$TMP/store.tap")" "0 0" \
    "test_ks_store on PostgreSQL: $(grep -c '^ok' "$TMP/store.tap") passed"
SSMP_TEST_SHARED=$URI_BASE/tpg SSMP_TEST_SHARED_DOWN="pgsql://ssmp@127.0.0.1:$(world_port spare 0)/ssmp" \
    "$top_builddir/t/test_ks_pg" >"$TMP/pg.tap" 2>&1
rc=$?
grep -e '^not ok' -e '^#' "$TMP/pg.tap" | sed 's/^/# /'
is "$rc $(grep -c '^not ok' "$TMP/pg.tap")" "0 0" \
    "test_ks_pg, two hosts on one database: $(grep -c '^ok' "$TMP/pg.tap") passed"

# Server down: temporary errors; back up: the data are there.
world_pg_stop
out=$($CTL -c "$C" allow add bob@b.test carol@c.test 2>&1); rc=$?
like "$rc $out" "^75 .*shared database: connect" "server down: allow add is EX_TEMPFAIL"
out=$($CTL -c "$C" db status 2>&1); rc=$?
is "$rc" 75 "server down: db status is EX_TEMPFAIL"
world_pg_start || bail "PostgreSQL did not restart"
is "$(world_pg_psql ssmp 'SELECT count(*) FROM ssmp_allow')" 1 "back up: nothing half-written"
check "...and writable again" $CTL -c "$C" allow add bob@b.test carol@c.test
done_testing
