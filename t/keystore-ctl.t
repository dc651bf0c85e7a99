#!/bin/sh
# ssmpctl on real LMDB files: every command, every bad input of issue 3,
# a read-only and a full store, and two processes using the store at once.
. "$top_srcdir/t/lib.sh"

ctl=$top_builddir/tools/ssmpctl
keygen=$top_builddir/tools/ssmp-keygen
chmod 755 "$TMP"	# the non-root cases run as nobody
"$keygen" -d a.test -s s1 -D "$TMP" || bail "ssmp-keygen failed"
cat >"$TMP/ssmp.conf" <<EOC
Database $TMP/db
MapSize 16m
Domain a.test
Selector s1
KeyFile $TMP/s1.private
EOC
C="-c $TMP/ssmp.conf"

# run EXPECTED-EXIT DESCRIPTION ARGS...: output in $out, stderr in $err
run() {
	_want=$1 _d=$2; shift 2
	"$ctl" $C "$@" >"$TMP/out" 2>"$TMP/err"
	_rc=$?
	out=$(cat "$TMP/out") err=$(cat "$TMP/err")
	is "$_rc" "$_want" "$_d: exit $_want"
}
export_all() { "$ctl" $C allow export; }

# --- allow add / list / export / del -----------------------------------
run 0 "allow add (tier)" allow add Bob@B.test alice@a.test trusted
is "$out" "added bob@b.test alice@a.test trusted" "add canonicalises"
run 0 "allow add (default tier)" allow add bob@b.test '*@A.test'
is "$out" "added bob@b.test *@a.test known" "default tier known"
run 0 "allow add other rcpt" allow add carol@b.test dave@d.test blocked
run 0 "allow list" allow list
like "$out" '^bob@b\.test alice@a\.test trusted local [0-9]{4}-[0-9]{2}-[0-9]{2}T' "list shows origin and time"
is "$(printf '%s\n' "$out" | wc -l)" 3 "list has 3 entries"
run 0 "allow list RCPT" allow list carol@b.test
is "$out" "$(printf '%s\n' "$out" | grep '^carol@b.test dave@d.test blocked local')" "list filtered by rcpt"
run 0 "allow export" allow export
is "$out" "bob@b.test *@a.test known
bob@b.test alice@a.test trusted
carol@b.test dave@d.test blocked" "export lines"
run 0 "--json allow list" --json allow list bob@b.test
like "$out" '^\[\{"rcpt":"bob@b.test","pattern":"\*@a.test","tier":"known","origin":"local","added":"[^"]+"\},\{' "json list"
before=$(export_all)

run 65 "malformed recipient" allow add bob alice@a.test
like "$err" "^ssmpctl: recipient 'bob': .*missing '@'" "error names the recipient"
run 65 "malformed pattern" allow add bob@b.test 'al*ce@a.test'
like "$err" "^ssmpctl: pattern 'al\*ce@a.test'" "error names the pattern"
run 65 "malformed sender domain" allow add bob@b.test alice@a..test
like "$err" "pattern 'alice@a..test'" "error names the sender"
run 65 "unknown tier" allow add bob@b.test x@a.test friend
like "$err" "^ssmpctl: unknown tier 'friend'" "error names the tier"
is "$(export_all)" "$before" "store unchanged after bad input"
is "$(wc -l <"$TMP/err")" 1 "errors are one line"

run 0 "allow del" allow del carol@b.test dave@d.test
run 66 "allow del again" allow del carol@b.test dave@d.test
like "$err" "no allow entry carol@b.test dave@d.test" "del of a missing entry named"
run 64 "allow add without pattern" allow add bob@b.test

# --- allow import ---------------------------------------------------------
printf '# friends\ncarol@b.test x@y.test\n\ncarol@b.test *@z.test blocked\nerin@b.test Q@Y.test trusted # note\n' >"$TMP/good"
run 0 "allow import FILE" allow import "$TMP/good"
is "$out" "imported 3 entries" "import count"
run 0 "allow export RCPT" allow export erin@b.test
is "$out" "erin@b.test q@y.test trusted" "imported entry canonical"
before=$(export_all)
printf 'dave@b.test a@y.test\ndave@b.test b@y.test known\ndave@b.test c@y.test best\n' >"$TMP/bad"
run 65 "import with a bad tier on line 3" allow import "$TMP/bad"
like "$err" "^ssmpctl: $TMP/bad:3: unknown tier 'best'" "error names file and line"
printf 'dave@b.test a@y.test\ndave@b.test\n' >"$TMP/bad2"
run 65 "import with a short line 2" allow import "$TMP/bad2"
like "$err" "bad2:2: expected RCPT PATTERN" "short line named"
printf 'dave@b.test a@y.test known extra\n' >"$TMP/bad3"
run 65 "import with a fourth field" allow import "$TMP/bad3"
like "$err" "bad3:1: expected RCPT PATTERN" "long line named"
is "$(export_all)" "$before" "failed imports stored nothing"
"$ctl" $C allow export | sed 's/^carol/frank/' | "$ctl" $C allow import - >"$TMP/out" 2>&1
like "$(cat "$TMP/out")" "imported 5 entries" "export | import - round trip"
is "$("$ctl" $C allow export frank@b.test | wc -l)" 2 "frank got carol's entries"

# --- keys ---------------------------------------------------------------------
run 0 "keys list" keys list
pk=$(sed -n 's/.*p=\([^"]*\)".*/\1/p' "$TMP/s1.txt")
is "$out" "a.test s1 active $pk $TMP/s1.private" "keys list line"
run 0 "--json keys list" --json keys list
like "$out" '"active":true' "json keys list"
chmod 644 "$TMP/s1.private"
run 78 "world-readable key file" keys list
like "$err" "^ssmpctl: KeyFile $TMP/s1.private: mode 0644, must not be readable" "error names file and mode"
chmod 620 "$TMP/s1.private"
run 78 "group-writable key file" keys list
chmod 600 "$TMP/s1.private"
chown nobody "$TMP/s1.private"
run 78 "key file of another user" keys list
like "$err" "owned by uid 65534" "error names the owner"
chown root "$TMP/s1.private"
setpriv --reuid=nobody --regid=nogroup --clear-groups "$ctl" $C keys list >"$TMP/out" 2>"$TMP/err"
is $? 78 "unreadable key file (as nobody): EX_CONFIG"
like "$(cat "$TMP/err")" "KeyFile $TMP/s1.private: Permission denied" "error names the file"
sed "s|^KeyFile .*|KeyFile $TMP/none.private|" "$TMP/ssmp.conf" >"$TMP/nokey.conf"
"$ctl" -c "$TMP/nokey.conf" keys list 2>"$TMP/err"
is $? 78 "missing key file: EX_CONFIG"
like "$(cat "$TMP/err")" "none.private: No such file" "error names the missing file"
printf 'a.test s1 %s/s1.private\n' "$TMP" >"$TMP/keytable"
printf -- '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----\n' >"$TMP/junk.private"
chmod 600 "$TMP/junk.private"
printf 'a.test s0 %s/junk.private\n' "$TMP" >>"$TMP/keytable"
printf 'Database %s/db\nKeyTable %s/keytable\n' "$TMP" "$TMP" >"$TMP/kt.conf"
"$ctl" -c "$TMP/kt.conf" keys list 2>"$TMP/err"
is $? 78 "corrupt key file: EX_CONFIG"
like "$(cat "$TMP/err")" "junk.private: no PEM private key" "error names the corrupt file"
run 78 "keys test of a domain without key" keys test z.test
like "$err" "z.test: not in the key table" "error names the domain"

# --- cache, log, stats (entries written as the daemons would) ---------------
"$top_builddir/t/ks_seed" "$TMP/db" || bail "ks_seed failed"
run 0 "cache list" cache list
like "$out" '^c\.test - policy v=SSMP1; h=ssmp\.c\.test; s=k1; m=enforce expires .* \(dns\)$' "policy entry shown"
like "$out" '^d\.test k1 key BwcH' "key entry shown"
run 0 "--json cache list" --json cache list
like "$out" '"source":"https"' "json cache list"
run 0 "cache flush DOMAIN" cache flush C.test
is "$out" "flushed 2 entries" "flush counts the domain's entries"
run 65 "cache flush bad domain" cache flush 'c..test'
like "$err" "domain 'c..test'" "error names the domain"
run 0 "cache flush" cache flush
is "$out" "flushed 1 entries" "flush all"
run 0 "log show" log show
is "$(printf '%s\n' "$out" | grep -c 'alice@a.test')" 2 "two deliveries"
like "$out" 'carol@b\.test <new@a\.test> delivered queued as NEW2 receipt' "delivery with receipt"
run 0 "log show --rcpt" log show --rcpt Bob@b.test
like "$out" '^2023-11-14T.* alice@a\.test bob@b\.test <old@a\.test> delivered queued as OLD1$' "filtered by rcpt"
run 0 "log show --since" log show --since 2024-01-01
is "$(printf '%s\n' "$out" | grep -c '<new@a.test>')" 1 "only the new one"
is "$(printf '%s\n' "$out" | grep -c '<old@a.test>')" 0 "old one filtered out"
run 0 "log show --since age" --json log show --since 1h
like "$out" '"receipt":\{"domain":"b.test","s":"s1"\}' "json log carries the receipt"
run 64 "log show bad --since" log show --since yesterday
like "$err" "--since 'yesterday'" "error names the value"
run 64 "log show --since overflowing age" log show --since 999999999999999999d
like "$err" "--since '999999999999999999d': older than the epoch" "error names the value"
run 0 "log delivered" log delivered Alice@a.test '<x@a.test>' dan@B.test
is "$out" "delivered: alice@a.test <x@a.test> dan@b.test" "log delivered canonicalises"
run 0 "log show after log delivered" log show --rcpt dan@b.test
like "$out" ' alice@a\.test dan@b\.test <x@a\.test> delivered set by ssmpctl$' "entry set by ssmpctl"
run 0 "log forget" log forget alice@a.test '<x@a.test>' dan@b.test
is "$out" "forgotten: alice@a.test <x@a.test> dan@b.test" "log forget says so"
run 0 "log show after forget" log show --rcpt dan@b.test
is "$out" "" "entry gone"
run 66 "log forget again" log forget alice@a.test '<x@a.test>' dan@b.test
like "$err" "no delivered-log entry for alice@a.test <x@a.test> dan@b.test" "error names the entry"
run 65 "log forget bad recipient" log forget alice@a.test '<x@a.test>' 'dan@'
like "$err" "recipient 'dan@'" "error names the recipient"
run 64 "log forget too few arguments" log forget alice@a.test '<x@a.test>'
run 0 "stats" stats
like "$out" "allow +7 entries" "stats counts allow entries"
like "$out" "received +2 entries" "stats counts the delivered-log entries of the receiving role"
run 0 "--json stats" --json stats
like "$out" '"allow":7' "json stats"

# --- configuration errors -----------------------------------------------------
printf 'Database %s/db\nMapSize huge\n' "$TMP" >"$TMP/bad.conf"
"$ctl" -c "$TMP/bad.conf" stats 2>"$TMP/err"
is $? 78 "bad config: EX_CONFIG"
like "$(cat "$TMP/err")" "bad.conf:2: MapSize" "error names file, line and key"
"$ctl" -c "$TMP/none.conf" stats 2>"$TMP/err"
is $? 78 "missing config: EX_CONFIG"

# --- a read-only store (as nobody: root ignores permissions) ----------------
before=$(export_all)
chmod -R a+rX "$TMP/db"
chmod 555 "$TMP/db"
setpriv --reuid=nobody --regid=nogroup --clear-groups "$ctl" $C allow add bob@b.test evil@x.test trusted >"$TMP/out" 2>"$TMP/err"
is $? 77 "read-only store: EX_NOPERM"
like "$(cat "$TMP/err")" "^ssmpctl: Database $TMP/db: not writable" "error names the database"
chmod 755 "$TMP/db"
chmod 444 "$TMP/db/data.mdb"
setpriv --reuid=nobody --regid=nogroup --clear-groups "$ctl" $C allow import "$TMP/good" >"$TMP/out" 2>"$TMP/err"
is $? 77 "read-only data file: EX_NOPERM"
chmod 600 "$TMP/db/data.mdb"
is "$(export_all)" "$before" "read-only store unchanged"

# --- a full map: temporary, nothing stored --------------------------------------
printf 'Database %s/small\nMapSize 64k\n' "$TMP" >"$TMP/small.conf"
i=0; while [ $i -lt 3000 ]; do echo "bob@b.test s$i@a.test known"; i=$((i + 1)); done >"$TMP/big"
"$ctl" -c "$TMP/small.conf" allow add bob@b.test first@a.test >/dev/null
"$ctl" -c "$TMP/small.conf" allow import "$TMP/big" >"$TMP/out" 2>"$TMP/err"
is $? 75 "map full: EX_TEMPFAIL"
like "$(cat "$TMP/err")" "map full \(MapSize 64k\); raise MapSize" "error says map full"
is "$("$ctl" -c "$TMP/small.conf" allow export)" "bob@b.test first@a.test known" "full store unchanged"

# --- two processes at once --------------------------------------------------------
(i=0; while [ $i -lt 60 ]; do "$ctl" $C allow add w@b.test "s$i@c.test" >/dev/null || echo "writer $i failed"; i=$((i + 1)); done) >"$TMP/w.log" 2>&1 &
wpid=$!
(i=0; while [ $i -lt 60 ]; do "$ctl" $C allow list w@b.test >/dev/null || echo "reader $i failed"; i=$((i + 1)); done) >"$TMP/r.log" 2>&1
wait $wpid
is "$(cat "$TMP/w.log")" "" "writer never failed"
is "$(cat "$TMP/r.log")" "" "reader never failed"
is "$("$ctl" $C allow list w@b.test | wc -l)" 60 "all writes present"
run 0 "stats after concurrency" stats
done_testing
