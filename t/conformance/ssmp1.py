"""ssmp1.py - an SSMP/1 peer written from man/ssmp.7 alone.

The conformance suite (t/conformance/) checks ssmpd, ssmp-send and
ssmp-milter against this module.  It was written from the manual page,
not from the C code, and shares nothing with it but the page, so that a
mistake in the implementation cannot hide behind the same mistake here.
Standard library plus Debian's python3-cryptography (Ed25519).

Every function names the clause of ssmp.7 it implements.
"""
import base64
import binascii
import datetime
import hashlib
import json
import os
import re
import socket
import ssl
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.exceptions import InvalidSignature

PREFIX = "/.well-known/ssmp/v1/"

# ---------------------------------------------------------------- encodings
# CONVENTIONS: base64 (RFC 4648 s.4, padded), base64url (s.5, unpadded);
# B64-1: decoders reject anything but the one canonical spelling.

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
B64URL = B64[:62] + "-_"


def b64(data):
    return base64.b64encode(data).decode("ascii")


def b64url(data):
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def b64_decode(text, length, url=False):
    """B64-1: None unless text is the canonical encoding of `length` octets."""
    alpha = B64URL if url else B64
    body = text if url else text.rstrip("=")
    if any(c not in alpha for c in body):
        return None
    if url:
        if "=" in text:
            return None
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    else:
        if len(text) % 4 or len(text) - len(body) > 2:
            return None
        try:
            raw = base64.b64decode(text, validate=True)
        except binascii.Error:
            return None
    if len(raw) != length:
        return None
    again = b64url(raw) if url else b64(raw)
    return raw if again == text else None


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- keys
# SIG-1, SIG-2: pure Ed25519; small-order keys refused.

SMALL_ORDER = {bytes.fromhex(h) for h in (
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
)}
L_ORDER = 2 ** 252 + 27742317777372353535851937790883648493


class Key:
    def __init__(self, seed):
        self.sk = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
        self.pk = self.sk.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @classmethod
    def from_hex(cls, seed_hex):
        return cls(bytes.fromhex(seed_hex))

    def sign(self, data):
        return self.sk.sign(data)

    def record(self):
        """DISC-6: the key record text."""
        return "v=SSMP1; k=ed25519; p=" + b64(self.pk)


def verify(pk, sig, data):
    """SIG-1, SIG-2: False for a bad signature, S >= L or a small-order key."""
    if len(pk) != 32 or len(sig) != 64 or pk in SMALL_ORDER:
        return False
    if int.from_bytes(sig[32:], "little") >= L_ORDER:
        return False
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(pk).verify(sig, data)
        return True
    except (InvalidSignature, ValueError):
        return False


def seed_of(first):
    return bytes(range(first, first + 32))


# ---------------------------------------------------------------- time
# TIME: 20 digits, UTC, microseconds.

def stamp(offset=0.0):
    t = datetime.datetime.now(datetime.timezone.utc) + \
        datetime.timedelta(seconds=offset)
    return t.strftime("%Y%m%d%H%M%S") + "%06d" % t.microsecond


def parse_stamp(s):
    if not re.fullmatch(r"[0-9]{20}", s or ""):
        return None
    try:
        t = datetime.datetime.strptime(s[:14], "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return t.replace(tzinfo=datetime.timezone.utc).timestamp() + \
        int(s[14:]) / 1e6


def nonce():
    """ENV-3: 16 octets from a secure source, base64url."""
    return b64url(os.urandom(16))


# ---------------------------------------------------------------- signing
# SIN-1: lines name:value LF; values exactly as sent.

def lines(kind, pairs):
    out = "SSMP1-" + kind + "\n"
    for k, v in pairs:
        out += "%s:%s\n" % (k, v)
    # ASCII when valid; a test of non-ASCII input signs its UTF-8.
    return out.encode("utf-8")


def envelope_input(e):
    pairs = [("time", e["time"]), ("from", e["from"])]
    pairs += [("to", t) for t in e["to"]]
    pairs += [("nonce", e["nonce"]), ("s", e["s"])]
    return lines("ENVELOPE", pairs)


def message_input(nonce_, msgid, body_hash):
    return lines("MESSAGE", [("nonce", nonce_), ("msgid", msgid),
                             ("body", body_hash)])


def receipt_input(r):
    pairs = [("domain", r["domain"]), ("s", r["s"]), ("time", r["time"]),
             ("from", r["from"]), ("nonce", r["nonce"]),
             ("msgid", r["msgid"]), ("body", r["body"])]
    pairs += [("to", t) for t in r["to"]]
    return lines("RECEIPT", pairs)


def allow_input(a):
    return lines("ALLOW", [("type", a["type"]), ("time", a["time"]),
                           ("from", a["from"]), ("to", a["to"]),
                           ("nonce", a["nonce"]), ("s", a["s"])])


def report_input(d, sel, t, body_hash):
    """RPT-5: the delivery report's signing input."""
    return lines("REPORT", [("domain", d), ("s", sel), ("time", t),
                            ("body", body_hash)])


def report_field(d, sel, t, sig):
    """RPT-4: the SSMP-Report-Signature field's value."""
    return "v=SSMP1; d=%s; s=%s; t=%s; b=%s" % (d, sel, t, sig)


def rua_ok(value):
    """DISC-21: one https: and/or one mailto: URI, 1..256 octets."""
    if not 1 <= len(value) <= 256:
        return False
    seen = set()
    for uri in value.split(","):
        m = re.fullmatch(r"https://([^/:]+)(:[1-9][0-9]{0,4})?/"
                         r"[A-Za-z0-9._~/-]*", uri)
        if m and "https" not in seen and \
                re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", m.group(1), re.I) \
                and not m.group(1).split(".")[-1].isdigit():
            seen.add("https")
        elif uri.startswith("mailto:") and "mailto" not in seen and \
                addr_ok(uri[7:]):
            seen.add("mailto")
        else:
            return False
    return True


def compact(obj):
    """JSON-2: compact, members in the order given, ASCII."""
    return json.dumps(obj, separators=(",", ":"))


def envelope(key, frm, to, sel="s2026", when=None, nonce_=None, **extra):
    e = {"v": 1, "time": when or stamp(), "from": frm, "to": list(to),
         "nonce": nonce_ or nonce(), "s": sel}
    e["sig"] = b64(key.sign(envelope_input(e)))
    e.update(extra)
    return e


def allow(key, typ, frm, to, sel="s2026", when=None, nonce_=None):
    a = {"v": 1, "type": typ, "time": when or stamp(), "from": frm, "to": to,
         "nonce": nonce_ or nonce(), "s": sel}
    a["sig"] = b64(key.sign(allow_input(a)))
    return a


def message_sig(key, nonce_, msgid, body):
    return b64(key.sign(message_input(nonce_, msgid, sha256_hex(body))))


def sign_receipt(key, r):
    r = dict(r)
    r.pop("sig", None)
    r["sig"] = b64(key.sign(receipt_input(r)))
    return r


# ---------------------------------------------------------------- addresses
# ADDRESSES grammar.

ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
ADDR_RE = re.compile(r"(%s+(?:\.%s+)*)@(%s(?:\.%s)+)" % (ATEXT, ATEXT,
                                                          LABEL, LABEL))


def addr_ok(a):
    m = ADDR_RE.fullmatch(a or "")
    if not m or len(a) > 254 or len(m.group(1)) > 64 or \
            len(m.group(2)) > 253:
        return False
    return not m.group(2).rsplit(".", 1)[1].isdigit()


def domain_of(a):
    return a.rsplit("@", 1)[1]


# ---------------------------------------------------------------- msgid
# MSG-3.

HEADER_MSGID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]{1,248}>")


def msgid_of(message):
    """The msgid a sender must send for these RFC 5322 octets."""
    head = message.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    fields = re.split(r"\r\n(?![ \t])", head)
    bodies = [f.split(":", 1)[1] for f in fields
              if ":" in f and f.split(":", 1)[0].lower() == "message-id"]
    if len(bodies) == 1:
        v = bodies[0].replace("\r", "").replace("\n", "").strip(" \t")
        if HEADER_MSGID.fullmatch(v):
            return v
    return "sha256:" + sha256_hex(message)


# ---------------------------------------------------------------- answers
# STATUS CODES: STAT-1 and STAT-3.

CLASS_OF = {"accept": "2", "tempfail": "4", "reject": "5"}


def status_problem(obj):
    """None if obj is a valid status object (top level or rcpt entry)."""
    if not isinstance(obj, dict):
        return "not a JSON object"
    st, code, reason = obj.get("status"), obj.get("code"), obj.get("reason")
    if st not in CLASS_OF:
        return "status %r" % (st,)
    if not isinstance(code, str) or not re.fullmatch(
            r"[245]\.[0-9]{1,3}\.[0-9]{1,3}", code):
        return "code %r" % (code,)
    if code[0] != CLASS_OF[st]:
        return "status %s disagrees with code %s" % (st, code)
    if not isinstance(reason, str) or len(reason) > 200:
        return "reason %r" % (reason,)
    if "delivering" in obj and obj["delivering"] is not True:
        return "delivering must be true"
    return None


def body_problem(obj):
    """None if obj is a valid answer body (STAT-1, STAT-4)."""
    if not isinstance(obj, dict):
        return "not a JSON object"
    if type(obj.get("v")) is not int or obj.get("v") != 1:
        return "v %r" % (obj.get("v"),)
    p = status_problem(obj)
    if p:
        return p
    for r in obj.get("rcpt", []):
        p = status_problem(r)
        if p:
            return "rcpt: " + p
        if not isinstance(r.get("to"), str):
            return "rcpt without to"
    return None


def dup_hook(pairs):
    """JSON-3: a member twice at any level is an error."""
    names = [k for k, _ in pairs]
    if len(names) != len(set(names)):
        raise ValueError("duplicate member")
    return dict(pairs)


def loads(text):
    return json.loads(text, object_pairs_hook=dup_hook)


# ---------------------------------------------------------------- receipts
# RCPT-3 (checks 1 to 6); check 7 is per recipient: in_receipt().

def receipt_problem(answer, key_for, env, msgid, body_hash, domain):
    """None if the answer's receipt proves delivery of this message.

    key_for(domain, selector) gives the 32-octet key, or None.
    env is the envelope as sent (from, nonce)."""
    r = answer.get("receipt") if isinstance(answer, dict) else None
    if not isinstance(r, dict):
        return "no receipt"
    names = ("domain", "s", "time", "from", "nonce", "msgid", "body", "sig")
    if any(not isinstance(r.get(n), str) for n in names) or \
            not isinstance(r.get("to"), list) or not r["to"] or \
            any(not isinstance(t, str) for t in r["to"]):
        return "receipt members"
    if r["domain"] != domain.lower():
        return "receipt domain %s" % r["domain"]
    pk = key_for(r["domain"], r["s"].lower())
    sig = b64_decode(r["sig"], 64)
    if pk is None or sig is None or not verify(pk, sig, receipt_input(r)):
        return "receipt signature"
    if r["from"].lower() != env["from"].lower() or r["msgid"] != msgid:
        return "receipt from/msgid"
    if r["nonce"] == env["nonce"] and r["body"] != body_hash:
        return "receipt body hash"
    return None


def in_receipt(answer, to):
    return to.lower() in [t.lower() for t in answer["receipt"]["to"]]


# ---------------------------------------------------------------- HTTP client

class Answer:
    def __init__(self):
        self.status = 0
        self.headers = {}
        self.body = b""
        self.json = None
        self.interim = []      # 1xx status codes seen
        self.closed = False    # the server closed after the answer
        self.raw = b""

    def header(self, name):
        return self.headers.get(name.lower())

    @property
    def code(self):
        return self.json.get("code") if isinstance(self.json, dict) else None

    @property
    def reason(self):
        return self.json.get("reason", "") if isinstance(self.json, dict) \
            else ""

    def rcpt(self, to):
        for r in (self.json or {}).get("rcpt", []):
            if r.get("to") == to:
                return r
        return None

    def __str__(self):
        return "HTTP %d %s" % (self.status, self.body[:300].decode(
            "latin-1", "replace"))


class Client:
    """HTTPS to a receiver, one connection per request unless keep=True."""

    def __init__(self, host, port, cafile, addr="127.0.0.1", timeout=15):
        self.host, self.port, self.addr = host, port, addr
        self.timeout = timeout
        self.ctx = ssl.create_default_context(cafile=cafile)
        self.ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        self.sock = None
        self.buf = b""

    def connect(self):
        raw = socket.create_connection((self.addr, self.port), self.timeout)
        self.sock = self.ctx.wrap_socket(raw, server_hostname=self.host)
        self.buf = b""
        return self.sock

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None

    def _fill(self):
        try:
            d = self.sock.recv(65536)
        except (socket.timeout, ssl.SSLError, OSError):
            d = b""
        self.buf += d
        return len(d) > 0

    def _read_head(self):
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                return None
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        return head.decode("latin-1")

    def read_answer(self, a=None):
        a = a or Answer()
        while True:
            head = self._read_head()
            if head is None:
                a.closed = True
                return a
            first, *hl = head.split("\r\n")
            m = re.match(r"HTTP/1\.1 (\d{3})", first)
            if not m:
                a.status = -1
                return a
            code = int(m.group(1))
            if 100 <= code < 200:
                a.interim.append(code)
                if code == 100 and getattr(self, "_after_100", None):
                    self._after_100()
                    self._after_100 = None
                continue
            a.status = code
            for line in hl:
                k, _, v = line.partition(":")
                a.headers[k.strip().lower()] = v.strip()
            n = int(a.headers.get("content-length", "0"))
            while len(self.buf) < n:
                if not self._fill():
                    break
            a.body, self.buf = self.buf[:n], self.buf[n:]
            try:
                a.json = loads(a.body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                a.json = None
            if "close" in a.headers.get("connection", "").lower():
                a.closed = self._closed_soon()
            return a

    def _closed_soon(self):
        self.sock.settimeout(3)
        try:
            d = self.sock.recv(1)
        except (socket.timeout, ssl.SSLError, OSError):
            return True
        return d == b""

    def raw(self, data, keep=False, read=True):
        """Send bytes as they are; the answer (the connection is new)."""
        if self.sock is None:
            self.connect()
        self.sock.sendall(data)
        a = self.read_answer() if read else None
        if not keep:
            self.close()
        return a

    def request(self, method, path, body=b"", headers=(), ctype=None,
                length=True, keep=False, expect=False, body_after_100=True):
        h = "%s %s HTTP/1.1\r\nHost: %s:%d\r\n" % (method, path, self.host,
                                                  self.port)
        if ctype is not None:
            h += "Content-Type: %s\r\n" % ctype
        if length and (body or method == "POST"):
            h += "Content-Length: %d\r\n" % len(body)
        if expect:
            h += "Expect: 100-continue\r\n"
        for k, v in headers:
            h += "%s: %s\r\n" % (k, v)
        h += "\r\n"
        if self.sock is None:
            self.connect()
        if expect:
            self.sock.sendall(h.encode("latin-1"))
            if body_after_100:
                self._after_100 = lambda: self.sock.sendall(body)
            a = self.read_answer()
        else:
            self.sock.sendall(h.encode("latin-1") + body)
            a = self.read_answer()
        if not keep:
            self.close()
        return a

    def post_json(self, endpoint, obj, **kw):
        body = obj if isinstance(obj, bytes) else compact(obj).encode()
        return self.request("POST", PREFIX + endpoint, body,
                            ctype="application/json", **kw)

    def post_message(self, nonce_, msgid, body, sig, **kw):
        hs = [("SSMP-Msgid", msgid), ("SSMP-Signature", sig)]
        hs += kw.pop("headers", [])
        return self.request("POST", PREFIX + "message/" + nonce_, body,
                            headers=hs, ctype="message/rfc822", **kw)


def wait(cond, secs=10, step=0.1):
    end = time.time() + secs
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(step)
    return cond()


# ---------------------------------------------------------------- TAP
# Results go to stdout as "ok - [CLAUSE] text" without numbers; the shell
# test (t/conformance/lib.sh, cf_run) numbers them between its own steps.

class Tap:
    def __init__(self):
        self.failed = 0

    def ok(self, cond, clause, text, diag=None, todo=None):
        word = "ok" if cond else "not ok"
        line = "%s - [%s] %s" % (word, clause, text)
        # A pending clause is a TODO while it fails; once its code has
        # landed it passes as a plain check (no XPASS to break make check).
        if todo and not cond:
            line += " # TODO " + todo
        print(line, flush=True)
        if not cond:
            if not todo:
                self.failed += 1
            for d in str(diag or "").splitlines()[:12]:
                print("#   " + d, flush=True)
        return cond

    def answer(self, a, status, code, clause, text, todo=None, body=True):
        """An answer with this HTTP status and code, and (HTTP-8, STAT-1)
        a valid JSON status body."""
        good = a is not None and a.status == status and a.code == code
        problem = None
        if good and body:
            problem = body_problem(a.json)
            ctype = (a.header("content-type") or "").split(";")[0].strip()
            if ctype.lower() != "application/json":
                problem = "Content-Type %r" % ctype
        return self.ok(good and problem is None, clause,
                       "%s: %d %s" % (text, status, code),
                       diag="%s%s" % (a, "\n" + problem if problem else ""),
                       todo=todo)

    def diag(self, text):
        for d in str(text).splitlines():
            print("# " + d, flush=True)
