-- milter-paths.lua - drive ssmp-milter through one callback path.
--
-- Run by t/milter-paths.t:
--   miltertest -D sock=inet:PORT@127.0.0.1 -D case=NAME -s milter-paths.lua
-- Each case is one SMTP transaction with the replies expected at every
-- step and the envelope changes expected at end of message.  Any
-- difference raises an error (miltertest exits non-zero).

local R = {
	continue = SMFIR_CONTINUE, accept = SMFIR_ACCEPT,
	discard = SMFIR_DISCARD, reply = SMFIR_REPLYCODE,
	tempfail = SMFIR_TEMPFAIL, reject = SMFIR_REJECT,
}

-- ip: client address; auth: {auth_authen}; rcpts: {address, reply}; data: reply to DATA, if checked (no eom: the
-- transaction ends there); eom: reply at end of message; gone/kept:
-- recipients that must / must not be deleted.  The SMTP reply text of a
-- refusal is checked by the caller in the milter's log.
local cases = {
	-- not ours: MAIL has no reply, the first RCPT is accepted
	notout = { ip = "192.0.2.7",
		rcpts = { { "<carol@c.test>", "accept" } } },
	notours = { ip = "10.1.2.3", from = "<x@elsewhere.test>",
		rcpts = { { "<bob@b.test>", "accept" } } },
	-- no SSMP recipient left at DATA: accepted there, no envelope change
	nossmp = { ip = "10.1.2.3", rcpts = { { "<carol@c.test>", "continue" } },
		data = "accept" },
	auth_nossmp = { ip = "192.0.2.7", auth = "alice",
		rcpts = { { "<carol@c.test>", "continue" } }, data = "accept" },
	-- DNS down: remembered m=enforce -> 451 at RCPT; never seen as
	-- SSMP -> SMTP (ssmp.7, Policy memory)
	servfail = { ip = "10.1.2.3",
		rcpts = { { "<bob@downe.c.test>", "reply" } } },
	servfail_never = { ip = "10.1.2.3",
		rcpts = { { "<carol@c.test>", "continue" } }, data = "accept" },
	-- decided at RCPT: nothing left for SSMP at DATA
	down_testing = { ip = "10.1.2.3",
		rcpts = { { "<bob@down.c.test>", "continue" } },
		data = "accept" },
	down_enforce = { ip = "10.1.2.3",
		rcpts = { { "<bob@downe.c.test>", "reply" } } },
	revoked_testing = { ip = "10.1.2.3",
		rcpts = { { "<bob@rev.c.test>", "continue" } }, data = "accept" },
	revoked_enforce = { ip = "10.1.2.3",
		rcpts = { { "<bob@reve.c.test>", "reply" } } },
	local_revoked_testing = { ip = "127.0.0.1", host = "localhost",
		rcpts = { { "<bob@rev.c.test>", "continue" } },
		data = "accept" },
	local_revoked_enforce = { ip = "127.0.0.1", host = "localhost",
		rcpts = { { "<bob@reve.c.test>", "continue" } },
		data = "continue", eom = "reply" },
	accept = { ip = "10.1.2.3",
		rcpts = { { "<bob@b.test>", "continue" } },
		eom = "discard", gone = { "<bob@b.test>" } },
	two = { ip = "10.1.2.3",
		rcpts = { { "<bob@b.test>", "continue" },
			  { "<eve@b.test>", "continue" },
			  { "<BOB@b.test>", "continue" } },
		eom = "discard",
		gone = { "<bob@b.test>", "<eve@b.test>", "<BOB@b.test>" } },
	mixed = { ip = "10.1.2.3",
		rcpts = { { "<bob@b.test>", "continue" },
			  { "<carol@c.test>", "continue" } },
		eom = "continue", gone = { "<bob@b.test>" },
		kept = { "<carol@c.test>" } },
	reject_enforce = { ip = "10.1.2.3",
		rcpts = { { "<nobody@b.test>", "reply" } } },
	-- 5.7.1 from a testing domain: SMTP would refuse it too (ssmp.7)
	reject_testing = { ip = "10.1.2.3",
		rcpts = { { "<nobody@t.b.test>", "reply" },
			  { "<carol@c.test>", "continue" } },
		data = "accept" },
	local_testing_batch = { ip = "127.0.0.1", host = "localhost",
		rcpts = { { "<nobody@t.b.test>", "continue" },
			  { "<carol@c.test>", "continue" },
			  { "<nobody2@t.b.test>", "continue" } },
		data = "continue", eom = "reply" },
	local_nossmp = { ip = "127.0.0.1", host = "localhost",
		rcpts = { { "<dave@c.test>", "continue" } }, data = "accept" },
	local_servfail = { ip = "127.0.0.1", host = "localhost",
		rcpts = { { "<bob@downe.c.test>", "continue" } },
		data = "continue", eom = "reply" },
	local_mixed = { ip = "127.0.0.1", host = "localhost",
		rcpts = { { "<bob@b.test>", "continue" },
			  { "<carol@c.test>", "continue" } },
		eom = "continue", gone = { "<bob@b.test>" },
		kept = { "<carol@c.test>" } },
}

local c = cases[case]
if c == nil then error("unknown case " .. tostring(case)) end

local function expect(got, want, what)
	if got ~= R[want] then
		error(string.format("%s: reply %s, expected %s (%s)", what,
		    tostring(got), tostring(R[want]), want))
	end
end

local function step(rc, what)
	if rc ~= nil then error(what .. " failed: " .. rc) end
end

local conn = mt.connect(sock, 40, 0.25)
if conn == nil then error("cannot connect to " .. sock) end

step(mt.conninfo(conn, c.host or "client.example", c.ip), "conninfo")
-- The milter asks for no reply after connect and no HELO at all (fewer
-- round trips per SMTP session); miltertest then reports 'c' itself.
expect(mt.getreply(conn), "continue", "connect")
if c.auth ~= nil then
	mt.macro(conn, SMFIC_MAIL, "{auth_authen}", c.auth)
end
step(mt.mailfrom(conn, c.from or "<alice@a.test>"), "mailfrom")
-- No reply is asked for after MAIL either: miltertest reports 'c'.
expect(mt.getreply(conn), "continue", "MAIL FROM")

mt.macro(conn, SMFIC_RCPT, "i", "4ABC123")
for _, r in ipairs(c.rcpts) do
	step(mt.rcptto(conn, r[1]), "rcptto " .. r[1])
	expect(mt.getreply(conn), r[2], "RCPT " .. r[1])
	if r[2] == "accept" then
		mt.disconnect(conn)
		return
	end
end
if c.data ~= nil then
	step(mt.data(conn), "data")
	expect(mt.getreply(conn), c.data, "DATA")
end
if c.eom == nil then
	mt.disconnect(conn)
	return
end

step(mt.header(conn, "From", "Alice <alice@a.test>"), "header From")
step(mt.header(conn, "To", "bob@b.test"), "header To")
step(mt.header(conn, "Subject", "path " .. case), "header Subject")
step(mt.header(conn, "Message-ID", "<" .. case .. "." .. (stamp or "0") ..
    "@a.test>"), "header Message-ID")
step(mt.eoh(conn), "eoh")
step(mt.bodystring(conn, "Hello from the " .. case .. " case.\r\n"), "body")
step(mt.eom(conn), "eom")
expect(mt.getreply(conn), c.eom, "EOM")
for _, a in ipairs(c.gone or {}) do
	if not mt.eom_check(conn, MT_RCPTDELETE, a) then
		error(a .. " was not removed from the envelope")
	end
end
for _, a in ipairs(c.kept or {}) do
	if mt.eom_check(conn, MT_RCPTDELETE, a) then
		error(a .. " was removed from the envelope")
	end
end
mt.disconnect(conn)
