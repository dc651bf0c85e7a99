# nodes-lib.sh - several ssmpd nodes for b.test, one store; sourced by
# t/nodes-pg.t (two nodes on one PostgreSQL, SharedDatabase) and
# t/nodes-lmdb.t (one node on LMDB, restarted where the other test
# switches nodes), after t/lib.sh.  Both serve the one h= name
# ssmp.b.test on one port: node 1 on 127.0.0.1, node 2 on 127.0.0.2
# (the name has both A records); the test is the sender and tries them.
#
#   nd_world pg|lmdb   DNS, CA, b.test's Postfix, the smtp proxy in front
#                      of it for node 1 (t/faults-srv.py), PostgreSQL
#                      and `ssmpctl db init` for pg; bob allows alice
#   nd_start N         start node N (1 or 2); with pg each in a UTS
#                      namespace of its own, host name mxN (as on two
#                      machines: claims are told apart by host name)
#   nd_kill N          kill -9 node N (a crash)
#   nd_env N FROM      an envelope FROM -> bob@b.test to node N, new
#                      nonce in $TMP/nonce (nd_nonce); prints the status
#   nd_msg N MSGID [OUT]  the message phase of that nonce to node N;
#                      prints the HTTP status, answer in OUT ($TMP/resp)
#   nd_send N MSGID    envelope and message to node N; prints
#                      "HTTP CODE" of the last answer
#   nd_ctl N ARGS      ssmpctl with node N's configuration
. "$top_srcdir/t/ssmpd-lib.sh"

CONSENTC=$top_builddir/t/consentc
SSMPCTL=$top_builddir/tools/ssmpctl
FL_SRV=$top_srcdir/t/faults-srv.py
ND_SECRET=nodes-test-secret-0123456789

nd_world() {
	ND_MODE=$1
	only_in_pass gcc
	[ "$(id -u)" = 0 ] || skip_all "needs root (Postfix, nsd, PostgreSQL)"
	if [ "$ND_MODE" = pg ]; then
		command -v unshare >/dev/null || skip_all "unshare(1) missing (util-linux)"
		world_pg_available ||
		    skip_all "PostgreSQL 15 is not installed (apt-get install postgresql-15)"
	fi
	sd_world
	world_dns_add b.test "ssmp.b.test. 300 IN A 127.0.0.2"
	world_dns_reload || bail "nsd reload failed"
	ND_PX=$WORLD/proxy; ND_PXPORT=$(world_port spare 3)
	mkdir -p "$ND_PX" && echo pass >"$ND_PX/mode"
	world_spawn proxy python3 "$FL_SRV" smtpproxy "$ND_PXPORT" \
	    "$(world_port b inject)" "$ND_PX"
	world_wait_port "$ND_PXPORT" 10 || bail "smtp proxy did not start"
	(umask 077; echo "$ND_SECRET" >"$SD_DIR/secret")
	ND_SHARED=-
	if [ "$ND_MODE" = pg ]; then
		world_pg_start || bail "PostgreSQL did not start"
		ND_SHARED=$WORLD_PG_URI
	fi
	_nd_conf 1 127.0.0.1 "$(world_port spare 0)" "inet:$ND_PXPORT@127.0.0.1"
	_nd_conf 2 127.0.0.2 "$(world_port spare 2)" "inet:$(world_port b inject)@127.0.0.1"
	if [ "$ND_MODE" = pg ]; then
		nd_ctl 1 db init >/dev/null || bail "ssmpctl db init failed"
	else	# one node: node 2 is node 1 again, on the same LMDB
		sed -e "s/@127.0.0.2\$/@127.0.0.1/" -e "s/^AdminListen .*/$(grep '^AdminListen' "$SD_DIR/n1.conf")/" \
		    -e "s|^Database .*|Database $SD_DIR/db1|" "$SD_DIR/n2.conf" >"$SD_DIR/n2.new" &&
		    mv "$SD_DIR/n2.new" "$SD_DIR/n2.conf"
		ND_IP2=$ND_IP1; ND_ADMIN2=$ND_ADMIN1
	fi
	# ssmpctl as root becomes UserID: the store must be UserID's first
	world_userid "$SD_DIR/n1.conf" || bail "world_userid failed"
	nd_ctl 1 allow add bob@b.test alice@a.test known >/dev/null || bail "allow add failed"
}

# _nd_conf N IP ADMINPORT MTA
_nd_conf() {
	SD_CONF=$SD_DIR/n$1.conf
	sd_conf Database "$SD_DIR/db$1" SharedDatabase "$ND_SHARED" \
	    Listen "inet:$SD_PORT@$2" AdminListen "inet:$3@127.0.0.1" \
	    AdminSecretFile "$SD_DIR/secret" MTA "$4" \
	    CAFile "$WORLD_CA" AllowPrivateHosts 127.0.0.0/8
	eval "ND_ADMIN$1=$3; ND_IP$1=$2"
}

nd_start() {
	local c
	c=$SD_DIR/n$1.conf
	world_userid "$c" || bail "world_userid failed"
	if [ "$ND_MODE" = pg ]; then
		world_spawn "node$1" unshare -u sh -c "hostname mx$1 && exec '$SSMPD' -f -c '$c'"
	else
		world_spawn "node$1" "$SSMPD" -f -c "$c"
	fi
	_nd_wait "$1" || { cat "$WORLD/log/node$1.log"; bail "node $1 did not start"; }
}

# _nd_wait N: until node N answers on its admin port.
_nd_wait() {
	local i
	i=0
	until curl -sf -o /dev/null "http://127.0.0.1:$(eval echo \$ND_ADMIN$1)/healthz"; do
		i=$((i + 1)); [ $i -lt 200 ] || return 1; sleep 0.05
	done
}

nd_kill() {
	kill -9 "$(cat "$WORLD/run/node$1.pid")" 2>/dev/null
	rm -f "$WORLD/run/node$1.pid"
	sleep 0.2
}

nd_ctl() { local n=$1; shift; "$SSMPCTL" -c "$SD_DIR/n$n.conf" "$@"; }

_nd_curl() {
	local n
	n=$1; shift
	curl -sS --max-time 30 --cacert "$WORLD_CA" \
	    --resolve "ssmp.b.test:$SD_PORT:$(eval echo \$ND_IP$n)" "$@"
}

# (called in $(...): the nonce goes through a file, not a variable)
nd_env() {
	$SSMPC nonce >"$TMP/nonce"
	sd_env "$2" bob@b.test "$(nd_nonce)" >"$TMP/env.json"
	nd_post "$1" "$TMP/env.json" envelope
}
nd_nonce() { cat "$TMP/nonce"; }

nd_msg() {
	local out sig n
	out=${3:-$TMP/resp}; n=$(nd_nonce)
	sd_mail "$TMP/m.$n" "$2"
	sig=$($SSMPC msgsig $SEED_A "$n" "$2" <"$TMP/m.$n")
	_nd_curl "$1" -o "$out" -w '%{http_code}' -H 'Content-Type: message/rfc822' \
	    -H "SSMP-Msgid: $2" -H "SSMP-Signature: $sig" \
	    --data-binary "@$TMP/m.$n" "$SD_URL/message/$n"
}

nd_send() {
	local h
	h=$(nd_env "$1" alice@a.test)
	[ "$h" = 200 ] && [ "$(sd_code)" = 2.0.0 ] && h=$(nd_msg "$1" "$2")
	echo "$h $(sd_code)"
}

# nd_api N OP JSON: the consent API of node N; prints the HTTP status.
nd_api() {
	curl -sS -o "$TMP/resp" -w '%{http_code}' -H "Authorization: Bearer $ND_SECRET" \
	    -H 'Content-Type: application/json' --data-binary "$3" \
	    "http://127.0.0.1:$(eval echo \$ND_ADMIN$1)/consent/$2"
}

# nd_share N FROM: a share request FROM -> bob@b.test posted to node N.
nd_share() {
	"$CONSENTC" $SEED_A $SEL share "$2" bob@b.test >"$TMP/share.json" || return 1
	nd_post "$1" "$TMP/share.json" allow
}

# nd_copies MSGID: copies of the message in bob's Maildir.
nd_copies() {
	grep -l "^Message-ID: $1" "$WORLD/mail/b.test/bob/new/"* "$WORLD/mail/b.test/bob/cur/"* 2>/dev/null | wc -l | tr -d ' '
}

# nd_post N FILE PATH: POST the JSON in FILE to node N; prints the status.
nd_post() {
	_nd_curl "$1" -o "$TMP/resp" -w '%{http_code}' -H 'Content-Type: application/json' \
	    --data-binary "@$2" "$SD_URL/$3"
}
nd_held() { [ -s "$ND_PX/held" ]; }

# --- the story both tests tell (TAP results) -------------------------

# nd_t_crash N: node N takes a message, hands it to its MTA (through the
# proxy, which withholds the MTA's 250) and is killed before it answers.
nd_t_crash() {
	local bg
	is "$(nd_env "$1" alice@a.test) $(sd_code)" "200 2.0.0" "crash: envelope on node $1"
	( nd_msg "$1" '<crash@a.test>' "$TMP/r1" >"$TMP/r1.code" ) &
	bg=$!
	check "node $1 handed the message over (the proxy holds the MTA's 250)" until_ok 20 nd_held
	nd_kill "$1"
	check "...node $1 killed; the MTA delivers the message" world_wait_mail b.test bob 1 20
	wait $bg
	is "$(cat "$TMP/r1.code")" 000 "...the sender got no answer"
	echo pass >"$ND_PX/mode"; rm -f "$ND_PX/held"
}

# nd_t_resolved N: the postmaster resolves the claim on node N; the
# retry there is answered "already delivered"; bob has one copy.
nd_t_resolved() {
	is "$(nd_copies '<crash@a.test>')" 1 "one copy in bob's mailbox"
	check "the postmaster marks it delivered (node $1's ssmpctl)" \
	    nd_ctl "$1" log delivered alice@a.test '<crash@a.test>' bob@b.test
	nd_env "$1" alice@a.test >/dev/null
	is "$(nd_msg "$1" '<crash@a.test>') $(sd_code)" "200 2.0.0" "the next retry: 200"
	like "$(cat "$TMP/resp")" 'already delivered' "...already delivered"
	is "$(nd_copies '<crash@a.test>')" 1 "still one copy"
}

# nd_t_consent TAKE BOB: frank's share request reaches node TAKE, bob
# accepts it through node BOB, node TAKE then takes frank's mail.
nd_t_consent() {
	is "$(nd_env "$1" frank@a.test) $(sd_code)" "200 5.7.1" "frank -> bob on node $1: not allowed"
	is "$(nd_share "$1" frank@a.test)" 200 "frank's share request arrives at node $1"
	is "$(nd_api "$2" pending '{"local":"bob@b.test"}')" 200 "bob asks node $2 what is pending"
	like "$(cat "$TMP/resp")" 'frank@a.test' "...node $2 lists the request node $1 took"
	nd_api "$2" accept '{"local":"bob@b.test","remote":"frank@a.test"}' >/dev/null
	like "$(nd_ctl "$1" allow list bob@b.test)" 'frank@a.test +known +handshake' \
	    "bob accepted through node $2: frank is on his allow-list"
	is "$(nd_env "$1" frank@a.test) $(sd_code)" "200 2.0.0" "...and node $1 takes frank's mail"
}

# nd_t_unknown N HOST: node N says the claim's outcome is unknown, and
# logs it naming HOST.
nd_t_unknown() {
	nd_env "$1" alice@a.test >/dev/null
	is "$(nd_msg "$1" '<crash@a.test>') $(sd_code)" "503 4.3.0" "retry on node $1: 503 4.3.0"
	like "$(cat "$TMP/resp")" 'outcome of an earlier delivery unknown.*"delivering":true' \
	    "...outcome unknown, \"delivering\":true (no other route)"
	like "$(cat "$WORLD/log/node$1.log")" \
	    "msgid=<crash@a.test> to=<bob@b.test>: the outcome of delivery attempt [A-Za-z0-9_-]* \\(host $2, pid [0-9]*\\) is unknown; NOT delivering again" \
	    "...logged loudly on node $1, naming $2"
}
