-- milter.lua - one SMTP transaction through ssmp-milter for the sender
-- side of the conformance suite (t/conformance/sender.py):
--   miltertest -D sock=inet:PORT@127.0.0.1 -D rcpts=a@x,b@y
--     -D rcptreply=continue -D eom=tempfail -D gone=a@x -D kept=b@y
--     -D mids=<1@a.test>|<2@a.test> -D subject=... -s milter.lua
-- rcpts: recipients (comma-separated); rcptreply: the reply expected
-- at each RCPT; eom: the reply expected at end of message ("tempfail"
-- also accepts a 4xx reply code, "reject" a 5xx one; "continue" also
-- accepts the milter letting go of the message at DATA); gone/kept:
-- recipients that must / must not be removed; mids: the values of the
-- Message-ID fields to send ("|" between several, "-" for none).
-- Any difference raises an error (miltertest exits non-zero).

local R = {
	continue = { SMFIR_CONTINUE }, accept = { SMFIR_ACCEPT },
	discard = { SMFIR_DISCARD },
	tempfail = { SMFIR_TEMPFAIL, SMFIR_REPLYCODE },
	reject = { SMFIR_REJECT, SMFIR_REPLYCODE },
	reply = { SMFIR_REPLYCODE },
}

local function list(s)
	local out = {}
	if s == nil or s == "" or s == "-" then return out end
	for x in string.gmatch(s, "[^,|]+") do table.insert(out, x) end
	return out
end

local function expect(got, want, what)
	for _, r in ipairs(R[want]) do
		if got == r then return end
	end
	error(string.format("%s: reply %s, expected %s", what, tostring(got),
	    want))
end

local function step(rc, what)
	if rc ~= nil then error(what .. " failed: " .. rc) end
end

local conn = mt.connect(sock, 40, 0.25)
if conn == nil then error("cannot connect to " .. sock) end
step(mt.conninfo(conn, "client.example", ip or "10.1.2.3"), "conninfo")
expect(mt.getreply(conn), "continue", "connect")
step(mt.mailfrom(conn, "<alice@a.test>"), "mailfrom")
expect(mt.getreply(conn), "continue", "MAIL FROM")
mt.macro(conn, SMFIC_RCPT, "i", "4CONF01")
for _, r in ipairs(list(rcpts)) do
	step(mt.rcptto(conn, "<" .. r .. ">"), "rcptto " .. r)
	expect(mt.getreply(conn), rcptreply or "continue", "RCPT " .. r)
end
if eom == nil or eom == "" then
	mt.disconnect(conn)
	return
end
step(mt.data(conn), "data")
if mt.getreply(conn) == SMFIR_ACCEPT then
	-- No SSMP recipient left: the message is not the milter's any more,
	-- every recipient stays for SMTP.  Right only if nothing was to go.
	if eom ~= "continue" or (gone ~= nil and gone ~= "") then
		error("DATA: accepted, expected the message at end of data")
	end
	mt.disconnect(conn)
	return
end
step(mt.header(conn, "From", "Alice <alice@a.test>"), "header From")
step(mt.header(conn, "To", "bob@b.test"), "header To")
step(mt.header(conn, "Subject", subject or "conformance"), "header Subject")
for _, m in ipairs(list(mids)) do
	step(mt.header(conn, "Message-ID", m), "header Message-ID")
end
step(mt.eoh(conn), "eoh")
step(mt.bodystring(conn, "Hello.\r\n.a line with a dot\r\n"), "body")
step(mt.eom(conn), "eom")
expect(mt.getreply(conn), eom, "EOM")
for _, a in ipairs(list(gone)) do
	if not mt.eom_check(conn, MT_RCPTDELETE, "<" .. a .. ">") then
		error(a .. " was not removed from the envelope")
	end
end
for _, a in ipairs(list(kept)) do
	if mt.eom_check(conn, MT_RCPTDELETE, "<" .. a .. ">") then
		error(a .. " was removed from the envelope")
	end
end
mt.disconnect(conn)
