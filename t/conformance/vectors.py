"""vectors.py - the TEST VECTORS of ssmp.7, recomputed from the page's
text by ssmp1.py (not by the C code) and compared with t/vectors.txt,
which the page quotes line for line (t/man-lint.t).

    python3 vectors.py VECTORS_TXT
"""
import json
import re
import sys

import ssmp1 as s

tap = s.Tap()
text = open(sys.argv[1]).read()


def block(after, start=0):
    """The indented value lines under the label `after`, from start."""
    i = text.index(after, start)
    out = []
    for line in text[i:].split("\n")[1:]:
        if not line.startswith("    "):
            break
        out.append(line[4:])
    return out, i


def one(after, start=0):
    return block(after, start)[0][0]


def hexof(after, start=0):
    return "".join(block(after, start)[0])


A = s.Key(s.seed_of(0x00))
B = s.Key(s.seed_of(0x20))
T, RT, SEL = "20261123104800000000", "20261123104801000000", "s2026"
N0 = s.b64url(bytes(range(0x00, 0x10)))
N1 = s.b64url(bytes(range(0x10, 0x20)))
N2 = s.b64url(bytes(range(0x20, 0x30)))
N3 = s.b64url(bytes(range(0x30, 0x40)))
BODY = (b"From: alice@a.test\r\nTo: bob@b.test, carol@b.test\r\n"
        b"Subject: vector\r\nMessage-ID: <v1@a.test>\r\n\r\nHello Bob.\r\n")
BODY2 = (b"From: alice@a.test\r\nTo: bob@b.test\r\nSubject: two ids\r\n"
         b"Message-ID: <v1@a.test>\r\nMessage-ID: <v2@a.test>\r\n\r\n"
         b"Hello Bob.\r\n")

# Keys
tap.ok(one("sender public key") == s.b64(A.pk), "VEC-1", "sender key")
tap.ok(one("s2026._ssmpkey.a.test TXT") == A.record(), "DISC-6",
       "sender key record")
tap.ok(one("s2026._ssmpkey.b.test TXT") == B.record(), "DISC-6",
       "receiver key record")

# Envelope
e = s.envelope(A, "alice@a.test", ["bob@b.test", "carol@b.test"], SEL, T,
               N0)
i = text.index("\nEnvelope (")
tap.ok(one("nonce (base64url", i) == N0, "VEC-1", "envelope nonce")
tap.ok(hexof("same, hex", i) == s.envelope_input(e).hex(), "SIN-1",
       "envelope signing input, octet for octet")
tap.ok(one("sig:", i) == e["sig"], "VEC-1", "envelope signature")
tap.ok(one("JSON:", i) == s.compact(e), "JSON-2",
       "envelope JSON: compact, members in the order shown")

# Message
i = text.index("\nMessage\n")
h = s.sha256_hex(BODY)
tap.ok(one("body SHA-256", i) == h, "MSG-2", "body hash")
tap.ok(one("SSMP-Msgid", i) == s.msgid_of(BODY) == "<v1@a.test>", "MSG-3",
       "msgid of one Message-ID field")
tap.ok(hexof("same, hex", i) == s.message_input(N0, "<v1@a.test>", h).hex(),
       "SIN-1", "message signing input")
tap.ok(one("SSMP-Signature", i) == s.message_sig(A, N0, "<v1@a.test>",
                                                 BODY), "VEC-1",
       "message signature")

# Receipt
i = text.index("\nReceipt (")
r = s.sign_receipt(B, {"domain": "b.test", "s": SEL, "time": RT,
                       "from": "alice@a.test", "nonce": N0,
                       "msgid": "<v1@a.test>", "body": h,
                       "to": ["bob@b.test", "carol@b.test"]})
tap.ok(hexof("same, hex", i) == s.receipt_input(r).hex(), "SIN-1",
       "receipt signing input")
tap.ok(one("sig:", i) == r["sig"], "VEC-1", "receipt signature")
tap.ok(one("receipt JSON", i) == s.compact(r), "VEC-1", "receipt JSON")
ans = s.loads(one("message phase answer JSON", i))
tap.ok(s.body_problem(ans) is None and
       s.receipt_problem(ans, lambda d, sel: B.pk, e, "<v1@a.test>", h,
                         "b.test") is None, "RCPT-3",
       "message phase answer: valid, its receipt passes the sender's checks")

# Allow
i = text.index("\nAllow (")
a = s.allow(A, "share", "alice@a.test", "bob@b.test", SEL, T, N1)
tap.ok(hexof("same, hex", i) == s.allow_input(a).hex(), "SIN-1",
       "allow signing input")
tap.ok(one("sig:", i) == a["sig"], "VEC-1", "allow signature")
tap.ok(one("JSON:", i) == s.compact(a), "VEC-1", "allow JSON")

# Two Message-ID fields
i = text.index("\nMessage with two Message-ID")
h2 = s.sha256_hex(BODY2)
tap.ok(one("SSMP-Msgid", i) == s.msgid_of(BODY2) == "sha256:" + h2, "MSG-3",
       "two Message-ID fields: msgid sha256:<body hash>")
tap.ok(hexof("same, hex", i) == s.message_input(N0, "sha256:" + h2,
                                                 h2).hex(), "SIN-1",
       "sha256: message signing input")
tap.ok(one("SSMP-Signature", i) == s.message_sig(A, N0, "sha256:" + h2,
                                                 BODY2), "VEC-1",
       "sha256: message signature")

# Mixed case
i = text.index("\nMixed case (")
me = s.envelope(A, "Alice@A.test", ["Bob@B.test", "carol@b.TEST"], SEL, T,
                N2)
tap.ok(hexof("same, hex", i) == s.envelope_input(me).hex(), "ADDR-4",
       "mixed case: the envelope signs the addresses as sent")
tap.ok(one("sig:", i) == me["sig"] and one("JSON:", i) == s.compact(me),
       "VEC-1", "mixed case: signature and JSON")
mr = s.sign_receipt(B, {"domain": "b.test", "s": SEL, "time": RT,
                        "from": "Alice@A.test", "nonce": N2,
                        "msgid": "<v1@a.test>", "body": h,
                        "to": ["Bob@B.test", "carol@b.TEST"]})
j = text.index("receipt signing input", i)
tap.ok(hexof("same, hex", j) == s.receipt_input(mr).hex(), "RCPT-2",
       "mixed case: receipt domain canonical, from and to as sent")
tap.ok(one("receipt sig:", i) == mr["sig"] and
       one("receipt JSON:", i) == s.compact(mr), "VEC-1",
       "mixed case: receipt signature and JSON")

# JSON with escapes
i = text.index("\nJSON with escapes")
esc = one("JSON:", i)
tap.ok("\\u0040" in esc and "\\/" in esc, "JSON-5",
       "the escaped JSON does use escapes")
d = s.loads(esc)
tap.ok(d == e and s.verify(A.pk, s.b64_decode(d["sig"], 64),
                           s.envelope_input(d)), "JSON-5",
       "escaped JSON: same values after unescaping, same signature verifies")

# Duplicate
i = text.index("\nDuplicate (")
tap.ok(one("  nonce:", i) == N3, "VEC-1", "duplicate: nonce 30..3f")
tap.ok(hexof("same, hex", i) == s.message_input(N3, "<v1@a.test>", h).hex()
       and one("SSMP-Signature", i) == s.message_sig(A, N3, "<v1@a.test>",
                                                     BODY), "VEC-1",
       "duplicate: message signing input and signature")
dup = s.loads(one("answer JSON", i))
retry = dict(e, nonce=N3)
tap.ok(s.body_problem(dup) is None and dup["receipt"] == r and
       s.receipt_problem(dup, lambda d, sel: B.pk, retry, "<v1@a.test>", h,
                         "b.test") is None, "IDEM-2",
       "duplicate: the ORIGINAL receipt, accepted by the sender's checks")
tap.ok(all(x["reason"] == "already delivered" for x in dup["rcpt"]),
       "IDEM-1", "duplicate: rcpt entries say already delivered")

# Delivery report
i = text.index("\nDelivery report (")
PT = "20261123000500000000"
pol = one("_ssmp.b.test TXT", i)
rua = dict(t.strip().split("=", 1) for t in pol.split(";"))["rua"]
tap.ok(s.rua_ok(rua) and not s.rua_ok(rua + ",http://x.test/")
       and not s.rua_ok("mailto:a@b.test,mailto:c@b.test"), "DISC-21",
       "policy with rua=: one https: URI (two of a scheme, http: refused)")
rj = one("report JSON", i)
rh = s.sha256_hex(rj.encode())
tap.ok(one("report SHA-256", i) == rh, "RPT-5", "report hash over its octets")
tap.ok(hexof("same, hex", i) == s.report_input("a.test", SEL, PT, rh).hex(),
       "RPT-5", "report signing input, octet for octet")
rs = s.b64(A.sign(s.report_input("a.test", SEL, PT, rh)))
tap.ok(one("  sig:", i) == rs and
       one("SSMP-Report-Signature", i) == s.report_field("a.test", SEL, PT,
                                                         rs), "RPT-4",
       "report signature and its header field")
rep = s.loads(rj)
p0 = rep["policies"][0]
tap.ok(rep["reporting-domain"] == "a.test" and
       p0["policy"]["policy-string"] == [pol] and
       p0["policy"]["mx-host"] == ["ssmp.b.test"] and
       sum(f["failed-session-count"] for f in p0["failure-details"]) ==
       p0["summary"]["total-failure-session-count"] and
       rep["date-range"]["start-datetime"] == "2026-11-22T00:00:00Z",
       "RPT-2", "report: members of RPT-2, the counts add up")
tap.ok(all(s.re.search(r"[^*\s<]@", f.get("sample-reason", "")) is None
           for f in p0["failure-details"]), "RPT-3",
       "report: no local part in the sample reasons")

# The checks themselves must be able to fail.
bad = dict(r, msgid="<v2@a.test>")
tap.ok(s.receipt_problem({"receipt": bad}, lambda d, sel: B.pk, e,
                         "<v1@a.test>", h, "b.test") is not None, "RCPT-3",
       "self-check: a receipt with another msgid is refused")
up = s.sign_receipt(B, dict(r, domain="B.test"))
tap.ok(s.receipt_problem({"receipt": up}, lambda d, sel: B.pk, e,
                         "<v1@a.test>", h, "b.test") is not None, "RCPT-3",
       "self-check: a receipt whose domain is not lower case is refused")
sys.exit(1 if tap.failed else 0)
