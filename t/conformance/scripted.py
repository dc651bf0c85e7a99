"""scripted.py - a scripted SSMP/1 receiver for the sender-side
conformance checks (sender.py), written from ssmp.7 with ssmp1.py.

    scripted.py LOG CERTCHAIN KEY PORT OLDPORT

Serves HTTPS on 127.0.0.1:PORT (TLS 1.2 and later) and on OLDPORT (TLS
1.1 at most, for HTTP-1).  It is an honest receiver for any domain under
b.test, except that the local part of a recipient picks a misbehaviour
(the mode), listed in MODES below.  It accepts envelopes signed with the
a.test key of ssmp.7 TEST VECTORS, signs receipts with the b.test key,
keeps idempotency records, and appends one JSON line per request to LOG
(what the sender sent, for sender.py to check).
"""
import base64
import http.server
import json
import socketserver
import ssl
import sys
import threading
import time

import ssmp1 as s

A = s.Key(s.seed_of(0x00))      # the sender (a.test), s2026
B = s.Key(s.seed_of(0x20))      # this receiver, for every *.b.test
C = s.Key(s.seed_of(0x40))      # c.test (a receipt "for another domain")

MODES = {
    "ok": "honest",
    "r-msgid": "receipt validly signed, for another msgid",
    "r-domain": "receipt for c.test, signed with c.test's key",
    "r-flip": "receipt with one signature byte flipped",
    "r-upper": "receipt whose domain is in upper case (validly signed)",
    "r-body": "receipt for this nonce with another body hash",
    "r-none": "200 accept without a receipt",
    "r-missing": "the receipt leaves this recipient out",
    "once-flip": "a flipped receipt the first time, honest after",
    "html502": "reads the whole message, answers an HTML 502",
    "silent": "reads the whole message, never answers",
    "env503": "envelope: 503 4.3.0",
    "env-rej": "envelope: this recipient 5.7.1",
    "env-511": "envelope: this recipient 5.1.1",
    "env-norcpt": "envelope: 200 accept, this recipient not in rcpt",
    "msg404": "message: 404 4.5.0 once per message, then honest",
    "delivering": "message: 503 4.3.0 with delivering:true",
    "del5": "message: 422 5.6.0 with delivering:true (to be ignored)",
    "http503ok": "message: HTTP 503, body accept 2.0.0 with a receipt",
    "mismatch": "message: status accept with code 4.3.0",
    "v10": "message: an answer whose v is 1.0",
    "msg-577": "message: 403 5.7.7",
    "msg-tmp": "message: 503 4.3.0",
    "norcpt": "message: 200 accept without rcpt, the receipt lists all",
}

LOCK = threading.Lock()
ENVELOPES = {}     # nonce -> envelope dict with "accepted"
NONCES = set()     # (domain, nonce), REPLAY-1
DELIVERED = {}     # (from canon, msgid, to canon) -> receipt
COUNT = {}         # (mode, msgid) -> message phases seen
LOG = None


def mode_of(addr):
    local = addr.split("@")[0].lower()
    for m in sorted(MODES, key=len, reverse=True):
        if local == m or local.startswith(m + "."):
            return m
    return "ok"


def status(st, code, reason, **more):
    d = {"v": 1, "status": st, "code": code, "reason": reason}
    d.update(more)
    return d


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, http_status, obj, ctype="application/json", raw=None):
        body = raw if raw is not None else (s.compact(obj) + "\n").encode()
        self.send_response(http_status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def record(self, body):
        entry = {"t": time.time(), "method": self.command, "path": self.path,
                 "sni": getattr(self.connection, "sni", None),
                 "tls": self.connection.version(),
                 "headers": [[k, v] for k, v in self.headers.items()],
                 "body": base64.b64encode(body).decode()}
        with LOCK:
            with open(LOG, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def body(self):
        if "Content-Length" not in self.headers:
            return None
        return self.rfile.read(int(self.headers["Content-Length"]))

    def do_POST(self):
        body = self.body()
        self.record(body or b"")
        if body is None:
            return self.send(411, status("reject", "5.5.2",
                                         "length required"))
        if self.path == s.PREFIX + "envelope":
            return self.envelope(body)
        if self.path.startswith(s.PREFIX + "message/"):
            return self.message(self.path.rsplit("/", 1)[1], body)
        return self.send(404, status("reject", "5.5.1", "unknown endpoint"))

    def envelope(self, body):
        try:
            e = s.loads(body.decode())
            sig = s.b64_decode(e["sig"], 64)
            frm, to = e["from"], e["to"]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            return self.send(400, status("reject", "5.5.2", "malformed"))
        t = s.parse_stamp(e.get("time"))
        if t is None or abs(t - time.time()) > 300:
            return self.send(403, status("tempfail", "4.7.0", "time"))
        dom = {s.domain_of(x).lower() for x in to}
        if len(dom) != 1 or not (dom == {"b.test"} or
                                 next(iter(dom)).endswith(".b.test")):
            return self.send(403, status("reject", "5.1.2", "not here"))
        if s.domain_of(frm).lower() != "a.test" or e["s"] != "s2026" or \
                sig is None or not s.verify(A.pk, sig, s.envelope_input(e)):
            return self.send(403, status("reject", "5.7.5", "signature"))
        key = ("a.test", e["nonce"])
        with LOCK:
            if key in NONCES:
                return self.send(409, status("reject", "5.7.0", "replay"))
            NONCES.add(key)
        if mode_of(to[0]) == "env503":
            return self.send(503, status("tempfail", "4.3.0", "scripted "
                                         "envelope tempfail"))
        rcpt, acc = [], []
        for x in to:
            m = mode_of(x)
            if m == "env-rej":
                rcpt.append(dict(status("reject", "5.7.1", "not allowed"),
                                 to=x))
            elif m == "env-511":
                rcpt.append(dict(status("reject", "5.1.1", "no such user"),
                                 to=x))
            elif m == "env-norcpt":
                acc.append(x)
            else:
                rcpt.append(dict(status("accept", "2.1.5", "ok"), to=x))
                acc.append(x)
        top = status("accept", "2.0.0", "%d accepted" % len(acc)) if acc \
            else dict(status("reject", rcpt[0]["code"], "none accepted"))
        top["rcpt"] = rcpt
        if acc:
            with LOCK:
                ENVELOPES[e["nonce"]] = dict(e, accepted=acc,
                                             domain=dom.pop())
        return self.send(200, top)

    def receipt(self, e, msgid, bhash, to, domain=None, key=B):
        return s.sign_receipt(key, {
            "domain": domain or e["domain"], "s": "s2026", "time": s.stamp(),
            "from": e["from"], "nonce": e["nonce"], "msgid": msgid,
            "body": bhash, "to": to})

    def message(self, nonce, body):
        e = ENVELOPES.get(nonce)
        msgid = self.headers.get("SSMP-Msgid", "")
        sig = s.b64_decode(self.headers.get("SSMP-Signature", ""), 64)
        if e is None:
            return self.send(404, status("tempfail", "4.5.0", "no envelope"))
        bhash = s.sha256_hex(body)
        if sig is None or not s.verify(A.pk, sig,
                                       s.message_input(nonce, msgid, bhash)):
            return self.send(403, status("reject", "5.7.7", "body"))
        m = mode_of(e["accepted"][0])
        with LOCK:
            n = COUNT[(m, msgid)] = COUNT.get((m, msgid), 0) + 1
        if m == "msg404" and n == 1:
            return self.send(404, status("tempfail", "4.5.0", "expired"))
        if m == "silent":
            time.sleep(3600)
        if m == "html502":
            return self.send(502, None, "text/html",
                             b"<html><body>Bad Gateway</body></html>\n")
        if m == "delivering":
            return self.send(503, status("tempfail", "4.3.0", "in progress",
                                         delivering=True))
        if m == "del5":
            return self.send(422, status("reject", "5.6.0", "refused",
                                         delivering=True))
        if m == "msg-577":
            return self.send(403, status("reject", "5.7.7", "scripted"))
        if m == "msg-tmp":
            return self.send(503, status("tempfail", "4.3.0", "scripted"))
        if m == "mismatch":
            return self.send(200, status("accept", "4.3.0", "confused"))
        # Deliver (idempotency by canonical from, msgid, to: IDEM-1..3).
        fresh, dups, orig = [], [], None
        with LOCK:
            for x in e["accepted"]:
                k = (e["from"].lower(), msgid, x.lower())
                if k in DELIVERED:
                    dups.append(x)
                    orig = DELIVERED[k]
                else:
                    fresh.append(x)
            if fresh:
                r = self.receipt(e, msgid, bhash, list(e["accepted"]))
                for x in fresh:
                    DELIVERED[(e["from"].lower(), msgid, x.lower())] = r
            else:
                r = orig
        rcpt = [dict(status("accept", "2.1.5", "already delivered" if x in
                            dups else "queued"), to=x)
                for x in e["accepted"]]
        ans = status("accept", "2.0.0", "queued as SCRIPTED", rcpt=rcpt,
                     receipt=r)
        if m == "r-msgid":
            ans["receipt"] = self.receipt(e, "<other@a.test>", bhash,
                                          r["to"])
        elif m == "r-domain":
            ans["receipt"] = self.receipt(e, msgid, bhash, ["x@c.test"],
                                          domain="c.test", key=C)
        elif m in ("r-flip", "once-flip") and (m == "r-flip" or n == 1):
            raw = bytearray(s.b64_decode(r["sig"], 64))
            raw[10] ^= 0x01
            ans["receipt"] = dict(r, sig=s.b64(bytes(raw)))
        elif m == "r-upper":
            ans["receipt"] = self.receipt(e, msgid, bhash, r["to"],
                                          domain=e["domain"].upper())
        elif m == "r-body":
            ans["receipt"] = self.receipt(e, msgid, s.sha256_hex(b"other"),
                                          r["to"])
        elif m == "r-none":
            del ans["receipt"]
        elif m == "r-missing":
            ans["receipt"] = self.receipt(e, msgid, bhash, r["to"][1:] or
                                          ["x@" + e["domain"]])
        elif m == "norcpt":
            del ans["rcpt"]
        if m == "http503ok":
            return self.send(503, ans)
        if m == "v10":
            return self.send(200, None, raw=s.compact(ans).replace(
                '{"v":1,', '{"v":1.0,', 1).encode())
        return self.send(200, ans)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(port, ctx):
    srv = Server(("127.0.0.1", port), Handler)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()


def context(chain, key, old):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(chain, key)
    if old:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    else:
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2

    def sni(sock, name, c):
        sock.sni = name
    ctx.sni_callback = sni
    return ctx


if __name__ == "__main__":
    LOG, chain, key, port, oldport = sys.argv[1:6]
    serve(int(port), context(chain, key, False))
    try:
        serve(int(oldport), context(chain, key, True))
    except ssl.SSLError:
        pass      # this OpenSSL has no TLS 1.1 at all: nothing to serve
    print("ready", flush=True)
    threading.Event().wait()
