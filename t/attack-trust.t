#!/bin/sh
# Forged trust header fields (issue 14 items 7 and 8, issue 15.1, 15.5):
# the mailbox believes SSMP-Trust and the Authentication-Results field of
# ssmpd's authserv-id, so only ssmpd may place them, on every path into
# the mailbox:
#  - SSMP mail (message phase and one-shot) carrying forged fields in the
#    forms mail programs read: any case, blanks before the colon, folded,
#    a comment and a version around the authserv-id, a fold at the top
#    (it would continue ssmpd's own SSMP-Trust); a foreign A-R stays;
#  - AuthservID moves the authserv-id;
#  - a plain SMTP sender at port 25 of b.test set up as README and
#    contrib/postfix say (ssmpd hands off to its own listener, header_checks
#    on all other mail): none of its forged fields reach the mailbox.
# Also: ssmpd's Received field is ssmp.7 HDR-1's, its id the nonce, which
# is the id of the request's log lines.
. "$top_srcdir/t/lib.sh"
. "$top_srcdir/t/ssmpd-lib.sh"
only_in_pass san

sd_world
sd_contrib_postfix || bail "contrib Postfix set-up failed"
sd_conf MTA "unix:$SD_HANDOFF_SOCK"
$SSMPC allow "$SD_DIR/db" bob@b.test alice@a.test known || bail "allow failed"
sd_start

# hdr FILE: the header section, folds joined, CR dropped
hdr() {
	tr -d '\r' <"$1" | sed '/^$/q' | awk '/^[ \t]/ { sub(/^[ \t]+/, " "); cur = cur $0; next }
	    { if (cur != "") print cur; cur = $0 } END { if (cur != "") print cur }'
}
trust_of() { hdr "$1" | grep -i '^ssmp-trust[[:space:]]*:'; }
ar_of() { hdr "$1" | grep -i '^authentication-results[[:space:]]*:'; }

FORGED='SSMP-Trust: trusted
SSMP-Trust : trusted
ssmp-trust:
 trusted
Authentication-Results: ssmp.b.test; ssmp=pass smtp.mailfrom=ceo@b.test
Authentication-Results: (comment; x) SSMP.B.TEST 1;
	ssmp=pass smtp.mailfrom=ceo@b.test
Authentication-Results: "ssmp.b.test"; ssmp=pass
Authentication-Results: mx.other.test; dkim=pass header.d=a.test'
# forged FILE MSGID [TOP]: a message with the forged fields (TOP: a first
# line that folds onto whatever is above it)
forged() {
	{ [ -z "${3:-}" ] || printf '%s\n' "$3"
	  printf '%s\n' "$FORGED" "From: alice@a.test" "To: bob@b.test" \
	      "Subject: forged trust" "Message-ID: $2" "" \
	      "SSMP-Trust: trusted (in the body: stays)"; } | sed 's/$/\r/' >"$1"
}
# clean FILE WHAT: the delivered copy has only ssmpd's trust fields
clean() {
	is "$(trust_of "$1")" "SSMP-Trust: known" "$2: one SSMP-Trust, ssmpd's (known)"
	is "$(ar_of "$1")" "Authentication-Results: ${AUTHSERV:-ssmp.b.test}; ssmp=pass smtp.mailfrom=alice@a.test header.s=$SEL
Authentication-Results: mx.other.test; dkim=pass header.d=a.test" \
	    "$2: ssmpd's Authentication-Results and the foreign one, nothing else"
	like "$(sed -n '/^\r\{0,1\}$/,$p' "$1")" 'SSMP-Trust: trusted \(in the body: stays\)' \
	    "$2: the body is untouched"
}

# ---- two-phase ----------------------------------------------------------
N=$($SSMPC nonce)
sd_env alice@a.test bob@b.test "$N" >"$TMP/e.json"
is "$(sd_post envelope "$TMP/e.json")" 200 "envelope accepted"
forged "$TMP/m1" '<forge1@a.test>' ' trusted'
is "$(sd_message "$N" '<forge1@a.test>' "$TMP/m1")" 200 "message with forged fields: 200"
world_wait_mail b bob 1 15 || bail "not delivered"
m=$(world_maildir_last b bob)
clean "$m" "message phase"
like "$(hdr "$m" | grep '^Received:.* with SSMP ')" \
    "^Received: from a\\.test \\(\\[127\\.0\\.0\\.1\\]\\) by ssmp\\.b\\.test with SSMP id $N; " \
    "Received: from <sender domain> ([IP]) by <host> with SSMP id <nonce>"
like "$(cat "$WORLD/log/ssmpd.log")" "$N: message from=<alice@a.test> msgid=<forge1@a.test>" \
    "the request's log line has the nonce as its id"
like "$(cat "$WORLD/log/ssmpd.log")" "$N: from=<alice@a.test>: removed 6 SSMP-Trust or Authentication-Results" \
    "the removal is logged (6 fields)"

# ---- one-shot -----------------------------------------------------------
N=$($SSMPC nonce)
sd_env alice@a.test bob@b.test "$N" | $SSMPC b64url >"$TMP/h64"
forged "$TMP/m2" '<forge2@a.test>'
sig=$($SSMPC msgsig $SEED_A "$N" '<forge2@a.test>' <"$TMP/m2")
code=$($SD_CURL -o "$TMP/resp" -w '%{http_code}' -H 'Content-Type: message/rfc822' \
    -H "SSMP-Envelope: $(cat "$TMP/h64")" -H 'SSMP-Msgid: <forge2@a.test>' \
    -H "SSMP-Signature: $sig" --data-binary "@$TMP/m2" "$SD_URL/deliver")
is "$code" 200 "one-shot with forged fields: 200"
world_wait_mail b bob 2 15 || bail "one-shot not delivered"
clean "$(world_maildir_last b bob)" "one-shot"

# ---- AuthservID ---------------------------------------------------------
sd_stop
sd_conf MTA "unix:$SD_HANDOFF_SOCK" AuthservID auth.b.test
sd_start
N=$($SSMPC nonce)
sd_env alice@a.test bob@b.test "$N" >"$TMP/e.json"
sd_post envelope "$TMP/e.json" >/dev/null
printf 'Authentication-Results: auth.b.test; ssmp=pass smtp.mailfrom=ceo@b.test\r\nAuthentication-Results: ssmp.b.test; x=y\r\nFrom: alice@a.test\r\nSubject: a\r\nMessage-ID: <forge3@a.test>\r\n\r\nhi\r\n' >"$TMP/m3"
is "$(sd_message "$N" '<forge3@a.test>' "$TMP/m3")" 200 "AuthservID auth.b.test: 200"
world_wait_mail b bob 3 15 || bail "not delivered"
is "$(ar_of "$(world_maildir_last b bob)")" "Authentication-Results: auth.b.test; ssmp=pass smtp.mailfrom=alice@a.test header.s=$SEL
Authentication-Results: ssmp.b.test; x=y" "AuthservID: that id is ssmpd's own; the hostname's is now foreign"

# ---- a plain SMTP sender forging the fields at port 25 ------------------
{ printf '%s\n' "$FORGED" "From: carol@c.test" "To: bob@b.test" "Subject: legacy forgery" \
      "Message-ID: <legacy@c.test>" "" "hello"; } | sed 's/$/\r/' >"$TMP/legacy"
check "plain SMTP sender at b.test's port 25 accepted" \
    swaks --server "127.0.0.1:$(world_port b smtp)" --from carol@c.test --to bob@b.test \
    --helo mail.c.test --data "@$TMP/legacy"
world_wait_mail b bob 4 15 || bail "legacy mail not delivered"
m=$(world_maildir_last b bob)
is "$(trust_of "$m")" "" "port 25: no SSMP-Trust field reaches the mailbox"
is "$(ar_of "$m")" "Authentication-Results: mx.other.test; dkim=pass header.d=a.test" \
    "port 25: no Authentication-Results of ssmp.b.test, the foreign one stays"

# ---- another local user at the hand-off listener ------------------------
# ssmpd's UserID reaches the socket (README: it joins postdrop; here an
# ACL for nobody); no other local user can, so none can place the fields
# that the listener alone lets through.
as_user() {	# as_user USER: swaks the forged message into the socket
	setpriv --reuid="$1" --regid="$(id -g "$1")" --init-groups swaks --socket "$SD_HANDOFF_SOCK" \
	    --from carol@c.test --to bob@b.test --data "@$TMP/legacy"
}
check_fails "user daemon cannot speak to the hand-off listener" as_user daemon
like "$(cat "$TMP/.out")" "Permission denied" "the file system refuses user daemon"
check "ssmpd's UserID (nobody) can" as_user nobody
world_wait_mail b bob 5 15
is "$(world_maildir_count b bob)" 5 "one more message (ssmpd's user's), none from daemon"
done_testing
