#!/bin/sh
# logs.t - logs a postmaster can follow, in the SSMP world: one line per
# recipient on each side with sender, recipient, size and outcome; the
# sender's line carries Postfix's queue id and the ssmp_id that the
# receiving ssmpd puts in Received: and on its own line, which names the
# receiving MTA's queue id; request ids unique across restarts; no
# NOQUEUE on lines about no message; LogLevel; a start-up error printed
# once; Postfix's milter-discard line for a message gone wholly by SSMP.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/e2e-lib.sh"
only_in_pass gcc
e2e_test_world

check "alice@a.test writes to bob@b.test" e2e_send alice@a.test bob@b.test lg1@a.test
check "bob receives it" e2e_wait b bob lg1@a.test 1 20
qa=$(e2e_qid a lg1@a.test)
mline=$(e2e_log milter-a | grep "^ssmp-milter\\[[0-9]*\\]: $qa: from=<alice@a\\.test>, to=<bob@b\\.test>, ")
like "$mline" "ssmp=upgraded \\(2\\.[0-9.]+ [^)]*\\), size=[0-9]+, ssmp_id=[A-Za-z0-9_-]+\$" \
    "milter: one line for the recipient: Postfix's queue id, sender, recipient, outcome, size, ssmp_id"
sid=${mline##*ssmp_id=}
size=$(echo "$mline" | sed -n 's/.*, size=\([0-9]*\), .*/\1/p')
like "$(e2e_hdr b bob lg1@a.test Received | grep 'with SSMP')" "with SSMP id $sid;" \
    "the ssmp_id is the Received id of bob's copy"
dline=$(e2e_log ssmpd-b | grep "^ssmpd\\[[0-9]*\\]: $sid: from=<alice@a\\.test>, to=<bob@b\\.test>, ")
like "$dline" "size=$size, mta_id=[0-9A-Za-z]+, status=accept \\(2\\.[0-9.]+ " \
    "ssmpd: one line for the recipient under that id: the same size, the MTA's queue id, the outcome"
qb=$(echo "$dline" | sed -n 's/.*mta_id=\([0-9A-Za-z]*\),.*/\1/p')
like "$(grep "$qb: " "$(world_postfix_log b)" | head -3)" "$qb: .*lg1@a\\.test" \
    "...which is Postfix b's queue id of that message"
like "$(grep "$qa: milter-discard" "$(world_postfix_log a)")" \
    "$qa: milter-discard: END-OF-MESSAGE .*milter triggers DISCARD action" \
    "Postfix a logs the all-SSMP message as milter-discard (what README explains)"
is "$(e2e_log milter-a | grep -c 'ssmp=upgraded')" 1 \
    "counting ssmp=upgraded counts the SSMP deliveries"

# Lines about no message (start, reload) carry no id at all.
is "$(e2e_log milter-a | grep -c NOQUEUE)" 0 "milter: no NOQUEUE on its start-up lines"
is "$(e2e_log ssmpd-b | grep -c NOQUEUE)" 0 "ssmpd: no NOQUEUE"
like "$(e2e_log ssmpd-b | grep ': ready$')" '^ssmpd\[[0-9]+\]: ready$' "ssmpd: 'ready', no id"

# Request ids go on across a restart.
before=$(e2e_log ssmpd-b | grep -o ': R[0-9A-F]*: ' | sort -u)
e2e_conf b LogLevel notice
e2e_ssmpd_stop b && e2e_ssmpd_start b || bail "ssmpd b did not restart"
check "after a restart: alice writes again" e2e_send alice@a.test bob@b.test lg2@a.test
check "bob receives it" e2e_wait b bob lg2@a.test 1 20
after=$(e2e_log ssmpd-b | grep -o ': R[0-9A-F]*: ' | sort -u)
is "$(printf '%s\n%s\n' "$before" "$after" | grep . | sort | uniq -d)" "" \
    "request ids are not reused after a restart"
# LogLevel notice: no info lines (ready, delivered) after the restart.
tail_b=$(e2e_log ssmpd-b | sed -n '/stopped$/,$p' | sed 1d)
is "$(echo "$tail_b" | grep -c -e ': ready$' -e 'status=accept')" 0 \
    "LogLevel notice: info lines (ready, deliveries) are not logged"
e2e_conf b LogLevel loud
like "$("$E2E_SSMPD" -n -c "$(e2e_conf_file b)" 2>&1)" \
    "LogLevel: 'loud' is not error, warning, notice, info or debug" "LogLevel: a bad name is refused"
e2e_conf b LogLevel -

# A start-up error: one line, not one from the log and one from main().
echo "Socket inet:1@192.0.2.1" >"$TMP/bad.conf"
out=$("$E2E_MILTER" -f -c "$TMP/bad.conf" 2>&1)
is "$(echo "$out" | wc -l | tr -d ' ')" 1 "ssmp-milter: a start-up error is printed once ($out)"
out=$("$E2E_SSMPD" -f -c "$TMP/bad.conf" 2>&1)
is "$(echo "$out" | wc -l | tr -d ' ')" 1 "ssmpd: a start-up error is printed once ($out)"
done_testing
