"""sender.py - ssmp.7's requirements on a sender, checked on ssmp-send and
ssmp-milter against the scripted receiver (scripted.py).

    sender.py send|milter

The world (sender.t): DNS with a.test's key, b.test (m=enforce) and
t.b.test (m=testing) pointing at the scripted receiver, the policy
records of the discovery checks; ssmp-send's config in CF_CONF, the
milter listening on CF_MILTER.  The receiver logs every request to
CF_LOG; the checks read what the sender sent there.
"""
import base64
import json
import os
import re
import subprocess
import sys
import time

import ssmp1 as s

tap = s.Tap()
SEND, CONF, CTL = os.environ["CF_SEND"], os.environ["CF_CONF"], \
    os.environ["CF_SSMPCTL"]
LOG = os.environ["CF_LOG"]
A = s.Key(s.seed_of(0x00))


def requests():
    if not os.path.exists(LOG):
        return []
    with open(LOG) as f:
        return [json.loads(x) for x in f]


class Run:
    """One run of a sender; .reqs are the requests the receiver saw."""

    def __init__(self, cmd, stdin=b"", timeout=60):
        n = len(requests())
        t0 = time.time()
        p = subprocess.run(cmd, input=stdin, capture_output=True,
                           timeout=timeout)
        self.secs = time.time() - t0
        self.rc, self.out, self.err = p.returncode, p.stdout.decode(
            "latin-1"), p.stderr.decode("latin-1")
        time.sleep(0.05)
        self.reqs = requests()[n:]
        for r in self.reqs:
            r["h"] = {k.lower(): v for k, v in r["headers"]}
            r["raw"] = base64.b64decode(r["body"])

    def envelopes(self):
        return [json.loads(r["raw"]) for r in self.reqs
                if r["path"].endswith("/envelope")]

    def messages(self):
        return [r for r in self.reqs if "/message/" in r["path"]]

    def __str__(self):
        return "exit %d after %.1f s, %d requests: %s\n%s%s" % (
            self.rc, self.secs, len(self.reqs), " ".join(
                r["path"].rsplit("/", 2)[-1][:12] for r in self.reqs),
            self.out, self.err)


def message(msgid_lines, subject="conformance", body="Hello.\n"):
    h = "From: alice@a.test\nTo: bob@b.test\nSubject: %s\n" % subject
    for m in msgid_lines:
        h += m + "\n"
    return (h + "\n" + body).encode()


def uniq(tag):
    return "<%s.%d.%s@a.test>" % (tag, os.getpid(), s.nonce()[:8])


def send(rcpts, msg=None, flags=(), frm="alice@a.test"):
    if msg is None:
        msg = message(["Message-ID: " + uniq("send")])
    return Run([SEND, "-c", CONF] + list(flags) + ["-f", frm, "--"] +
               list(rcpts), msg)


def query(domain):
    r = Run([SEND, "-c", CONF, "-q", domain])
    return r.rc, r.out.strip()


def logged(rcpt):
    """The delivered-log lines for rcpt (ssmpctl log show)."""
    p = subprocess.run([CTL, "-c", CONF, "log", "show", "--rcpt", rcpt],
                       capture_output=True)
    return [x for x in p.stdout.decode().splitlines() if "delivered" in x]


# ---------------------------------------------------------------- checks of
# every request a sender makes

SEEN_NONCES = []
PROBS = {}      # clause -> problems seen in the requests of all runs
RUNS = []


def check_requests(run, what):
    """Notes, per clause, what is wrong with the requests of run; the
    verdicts come at the end (report_requests)."""
    probs = []
    for r in run.reqs:
        if r["sni"] != "ssmp.b.test":
            probs.append("HTTP-2 SNI %r" % r["sni"])
        if r["tls"] not in ("TLSv1.2", "TLSv1.3"):
            probs.append("HTTP-1 %s" % r["tls"])
        if "content-length" not in r["h"] or "transfer-encoding" in r["h"]:
            probs.append("HTTP-4 no Content-Length")
        ct = r["h"].get("content-type", "").split(";")[0].strip().lower()
        want = "application/json" if r["path"].endswith("/envelope") \
            else "message/rfc822"
        if ct != want:
            probs.append("HTTP-13 Content-Type %r" % ct)
    for e in run.envelopes():
        text = [r["raw"] for r in run.reqs if r["path"].endswith(
            "/envelope")][run.envelopes().index(e)]
        if list(e) != ["v", "time", "from", "to", "nonce", "s", "sig"] or \
                text.decode() != s.compact(e):
            probs.append("JSON-2 not compact/ordered: %r" % text[:80])
        if not s.verify(A.pk, s.b64_decode(e["sig"], 64) or b"",
                        s.envelope_input(e)):
            probs.append("SIN-1 envelope signature")
        t = s.parse_stamp(e["time"])
        if t is None or abs(t - time.time()) > 30:
            probs.append("TIME-4 time %s" % e["time"])
        if s.b64_decode(e["nonce"], 16, url=True) is None:
            probs.append("ENV-3 nonce %s" % e["nonce"])
        SEEN_NONCES.append(e["nonce"])
    for r in run.messages():
        body, mid = r["raw"], r["h"].get("ssmp-msgid", "")
        nonce = r["path"].rsplit("/", 1)[1]
        sig = s.b64_decode(r["h"].get("ssmp-signature", ""), 64) or b""
        if not s.verify(A.pk, sig, s.message_input(nonce, mid,
                                                    s.sha256_hex(body))):
            probs.append("SIN-1 message signature")
        if re.search(rb"(?<!\r)\n", body) or not body.endswith(b"\r\n"):
            probs.append("MSG-2 line ends")
        if mid != s.msgid_of(body):
            probs.append("MSG-3 msgid %s, the page says %s" % (
                mid, s.msgid_of(body)))
    RUNS.append(what)
    for p in probs:
        PROBS.setdefault(p.split()[0], []).append("%s: %s" % (what, p))
    return run


def report_requests(who):
    n = len(RUNS)
    for clause, what in (
            ("HTTP-1", "TLS 1.2 or later"),
            ("HTTP-2", "SNI names the h= host"),
            ("HTTP-4", "every POST has Content-Length, no Transfer-Encoding"),
            ("HTTP-13", "Content-Type of each endpoint"),
            ("JSON-2", "envelope JSON compact, members in order"),
            ("SIN-1", "envelope and message signatures verify over the "
             "signing inputs"),
            ("TIME-4", "envelopes stamped when sent"),
            ("ENV-3", "nonces: 16 octets, base64url"),
            ("MSG-2", "message bodies in CRLF"),
            ("MSG-3", "SSMP-Msgid as the page derives it from the body")):
        bad = PROBS.pop(clause, [])
        tap.ok(n > 0 and not bad, clause, "%s, %d runs checked: %s" % (
            who, n, what), diag="\n".join(bad[:5]))
    del RUNS[:]


# ---------------------------------------------------------------- ssmp-send

def discovery():
    for dom, want, clause, what in (
            ("b.test", (0, "enforce"), "DISC-4", "m=enforce"),
            ("t.b.test", (0, "testing"), "DISC-5", "m=testing"),
            ("nom.b.test", (0, "testing"), "DISC-5", "no m=: testing"),
            ("split.b.test", (0, "enforce"), "DISC-12", "record in two "
             "strings"),
            ("ext.b.test", (0, "enforce"), "DISC-13", "an unknown tag, a "
             "record that is not SSMP beside it"),
            ("sp.b.test", (0, "enforce"), "DISC-11", "blanks around v and "
             "="),
            ("zero.b.test", (1, "none"), "DISC-2", "h=host:0443 (leading "
             "zero): invalid, no SSMP"),
            ("ip.b.test", (1, "none"), "DISC-2", "h= an IP address: invalid"),
            ("bigport.b.test", (1, "none"), "DISC-2", "h=host:65536: invalid"),
            ("v2.b.test", (1, "none"), "DISC-1", "v=SSMP2: not an SSMP record"),
            ("lowv.b.test", (1, "none"), "DISC-9", "v=ssmp1 (case): not SSMP"),
            ("late.b.test", (1, "none"), "DISC-10", "v= not the first tag"),
            ("dupt.b.test", (1, "none"), "DISC-10", "h= twice: invalid"),
            ("nos.b.test", (1, "none"), "DISC-3", "no s=: invalid"),
            ("mbad.b.test", (1, "none"), "DISC-5", "m=strict: invalid"),
            ("two.b.test", (1, "none"), "DISC-13", "two SSMP records: invalid "
             "set"),
            ("nx.b.test", (1, "none"), "DISC-14", "NXDOMAIN: no SSMP"),
            ("nodata.b.test", (1, "none"), "DISC-14", "no TXT record: no SSMP")):
        got = query(dom)
        tap.ok(got == want, clause, "ssmp-send -q %s: %s" % (dom, what),
               diag="got %r, want %r" % (got, want))


def allow_list(rcpt):
    p = subprocess.run([CTL, "-c", CONF, "allow", "list", rcpt],
                       capture_output=True)
    return p.stdout.decode()


def delivery():
    r = check_requests(send(["ok@b.test"]), "ssmp-send ok@b.test")
    tap.ok(r.rc == 0 and len(r.envelopes()) == 1 and len(r.messages()) == 1,
           "SMTP-1", "ssmp-send: delivered (exit 0), one envelope, one "
           "message", diag=r)
    tap.ok(len(logged("ok@b.test")) >= 1, "RCPT-7", "the receipt is stored "
           "(delivered-log)")
    lst = allow_list("alice@a.test")
    tap.ok(re.search(r"ok@b\.test\s+known", lst), "TIER-4", "AutoAllow: "
           "ok@b.test is in alice's allow-list as known", diag=lst)

    # TIME-3: the window is 60 to 900 s (one config loader for all).
    with open(CONF) as f:
        base = f.read()
    for w, want in (("30", 78), ("901", 78), ("60", 0), ("900", 0)):
        path = CONF + ".w"
        with open(path, "w") as f:
            f.write(base + "Window %s\n" % w)
        q = Run([SEND, "-c", path, "-q", "b.test"])
        tap.ok(q.rc == want, "TIME-3", "Window %s: %s" % (
            w, "refused (78)" if want else "accepted"), diag=q)

    # MSG-2: LF line ends and a leading dot arrive as CRLF, unstuffed.
    msg = message(["Message-ID: " + uniq("dots")],
                  body="Hello.\n.one dot\n..two dots\n")
    r = check_requests(send(["ok@b.test"], msg), "ssmp-send, dotted lines")
    got = r.messages()[0]["raw"] if r.messages() else b""
    tap.ok(got.endswith(b"\r\n\r\nHello.\r\n.one dot\r\n..two dots\r\n"),
           "MSG-2", "CRLF line ends, no dot-stuffing, no final dot line",
           diag=got[-60:])

    # MSG-3: the msgid of each header section.
    m1, m2, m3, m4 = uniq("one"), uniq("lower"), uniq("fold"), uniq("sp")
    for name, lines, want in (
            ("one field", ["Message-ID: " + m1], m1),
            ("name in lower case", ["message-id: " + m2], m2),
            ("folded", ["Message-ID:\n " + m3], m3),
            ("blanks around", ["Message-ID:   %s  " % m4], m4),
            ("two fields", ["Message-ID: " + uniq("two"), "Message-ID: " +
                            uniq("two")], None),
            ("none", [], None),
            ("a comment", ["Message-ID: (c) " + uniq("c")], None),
            ("a blank inside", ["Message-ID: <a b@a.test>"], None),
            ("no brackets", ["Message-ID: plain@a.test"], None),
            ("a second <", ["Message-ID: <a<b@a.test>"], None)):
        msg = message(lines, subject="msgid " + name)
        r = send(["ok@b.test"], msg)
        m = r.messages()
        got = m[0]["h"].get("ssmp-msgid") if m else None
        body = m[0]["raw"] if m else b""
        exp = want or "sha256:" + s.sha256_hex(body)
        tap.ok(got == exp and r.rc == 0, "MSG-3", "msgid, %s: %s" % (
            name, "as in the field" if want else "sha256:"), diag="%s\n%s" %
            (got, r))

    # ENV-13, MSG-4, ENV-3: 404 4.5.0 -> a new envelope, same msgid.
    r = check_requests(send(["msg404@b.test"]), "ssmp-send msg404")
    e, m = r.envelopes(), r.messages()
    tap.ok(r.rc == 0 and len(e) == 2 and len(m) == 2, "ENV-13",
           "message phase 404 4.5.0: a new envelope phase, then delivered",
           diag=r)
    tap.ok(len(e) == 2 and e[0]["nonce"] != e[1]["nonce"], "ENV-3",
           "...with a new nonce", diag=e)
    tap.ok(len(m) == 2 and m[0]["h"]["ssmp-msgid"] == m[1]["h"]
           ["ssmp-msgid"], "MSG-4", "...and the same msgid")

    # Envelope refusals and the two modes (DISC-4, DISC-5, SMTP-1, SMTP-4).
    msg = message(["Message-ID: " + uniq("retry")])
    r1 = send(["env503@b.test"], msg, ["-F"])
    tap.ok(r1.rc == 75, "DISC-4", "m=enforce, envelope 503 4.3.0: exit 75 "
           "even with -F (no fallback)", diag=r1)
    r2 = send(["env503@b.test"], msg, ["-F"])
    n1 = [x["nonce"] for x in r1.envelopes()]
    n2 = [x["nonce"] for x in r2.envelopes()]
    tap.ok(n1 and n2 and n1 != n2, "ENV-3", "the retry sends a fresh "
           "nonce", diag=(n1, n2))
    for rcpt, flags, want, clause, what in (
            ("env503@t.b.test", ["-F"], 79, "DISC-5", "m=testing, envelope "
             "503: falls back (79)"),
            ("msg-tmp@t.b.test", ["-F"], 79, "DISC-5", "m=testing, message "
             "503 without delivering: falls back (79)"),
            ("env-511@t.b.test", ["-F"], 67, "SMTP-4", "m=testing, 5.1.1: "
             "no fallback (67)"),
            ("env-rej@t.b.test", ["-F"], 77, "SMTP-4", "m=testing, 5.7.1: "
             "no fallback (77)"),
            ("msg-577@t.b.test", ["-F"], 79, "SMTP-4", "m=testing, message "
             "5.7.7: may fall back (79)"),
            ("env-511@b.test", [], 67, "SMTP-1", "m=enforce, 5.1.1: "
             "permanent (67)"),
            ("env-norcpt@b.test", [], 75, "ENV-11", "2xx envelope answer "
             "without this recipient: temporary"),
            ("norcpt@b.test", [], 0, "MSG-13", "2xx message answer without "
             "rcpt, the receipt lists it: delivered"),
            ("http503ok@b.test", [], 0, "STAT-3", "HTTP 503 whose body says "
             "accept with a valid receipt: delivered"),
            ("del5@t.b.test", ["-F"], 79, "STAT-2", "delivering:true on a "
             "class 5 status is ignored (falls back, 79)"),
            ("delivering@t.b.test", ["-F"], 75, "SMTP-2", "class 4 with "
             "delivering:true: no fallback (75)"),
            ("html502@t.b.test", ["-F"], 75, "SMTP-2", "HTML 502 after the "
             "whole body: may have it, no fallback (75)"),
            ("mismatch@t.b.test", ["-F"], 75, "STAT-4", "status and class "
             "disagree after the whole body: no fallback (75)"),
            ("v10@t.b.test", ["-F"], 75, "STAT-4", "answer with v 1.0: not "
             "an answer, no fallback (75)")):
        r = send([rcpt], flags=flags)
        tap.ok(r.rc == want, clause, "ssmp-send %s: %s" % (rcpt, what),
               diag=r)
    r = send(["silent@t.b.test"], flags=["-F"])
    tap.ok(r.rc == 75 and r.secs < 20, "HTTP-10", "no answer: a timeout, "
           "exit 75 (no fallback: the whole body went out)", diag=r)

    # HTTP-1, -2, -3, DISC-17: TLS and address failures are temporary.
    for rcpt, clause, what in (
            ("ok@old.b.test", "HTTP-1", "receiver offers TLS 1.1 at most"),
            ("ok@wn.b.test", "HTTP-2", "certificate not for the h= host"),
            ("ok@nohost.b.test", "DISC-17", "h= host without an address")):
        r = send([rcpt], flags=["-F"])
        tap.ok(r.rc == 75 and not r.messages(), clause, "ssmp-send %s: %s: "
               "temporary (75), nothing sent" % (rcpt, what), diag=r)
        if clause != "DISC-17":
            tap.ok(r.rc == 75, "HTTP-3", "...a TLS failure is temporary, "
                   "even with -F on an m=enforce domain", diag=r)

    # ADDR-1, ENV-1: never by SSMP.
    r = send(["j\u00f6rg@b.test".encode().decode("latin-1")])
    tap.ok(r.rc != 0 and not r.reqs, "ADDR-1", "a non-ASCII recipient: not "
           "sent by SSMP", diag=r)
    r = send(["ok@b.test"], frm="")
    tap.ok(r.rc != 0 and not r.reqs, "ENV-1", "null reverse-path: not sent "
           "by SSMP", diag=r)


def bad_receipts_send():
    """Issue 15: bad receipts end in a temporary failure, the recipient
    kept, no fallback, nothing in the delivered-log."""
    for mode, what in (("r-msgid", "valid signature, another msgid"),
                       ("r-domain", "another domain, with its own key"),
                       ("r-flip", "one signature byte flipped"),
                       ("r-upper", "domain not in lower case"),
                       ("r-body", "this nonce, another body hash"),
                       ("r-none", "no receipt at all"),
                       ("r-missing", "this recipient left out")):
        for dom, flags in (("b.test", []), ("t.b.test", ["-F"])):
            rcpt = "%s@%s" % (mode, dom)
            rcpts = [rcpt, "ok@" + dom] if mode == "r-missing" else [rcpt]
            r = send(rcpts, flags=flags)
            tap.ok(r.rc == 75 and len(r.messages()) == 1,
                   "RCPT-4" if mode == "r-missing" else "RCPT-5",
                   "ssmp-send %s %s: %s: exit 75, no fallback" % (
                       " ".join(flags), rcpt, what), diag=r)
            tap.ok(not logged(rcpt), "RCPT-6", "...%s not in the "
                   "delivered-log" % rcpt, diag=logged(rcpt))
            tap.ok(re.search(r"receipt", r.out + r.err, re.I), "RCPT-5",
                   "...and the failure is reported", diag=r)
    tap.ok(logged("ok@t.b.test"), "RCPT-5", "r-missing: the recipient the "
           "receipt lists is delivered")
    msg = message(["Message-ID: " + uniq("onceflip")])
    r1 = send(["once-flip@b.test"], msg)
    r2 = send(["once-flip@b.test"], msg)
    tap.ok(r1.rc == 75 and r2.rc == 0 and len(logged("once-flip@b.test"))
           == 1, "RCPT-5", "a retry after a bad receipt gets the original "
           "receipt: delivered once", diag="%s\n%s" % (r1, r2))


# ---------------------------------------------------------------- milter

MT = os.environ.get("CF_MILTERTEST")
MPORT = os.environ.get("CF_MILTER")
MCONF = os.environ.get("CF_MILTER_CONF")
LUA = os.path.join(os.path.dirname(__file__), "milter.lua")


def milt(rcpts, eom, rcptreply="continue", gone=(), kept=(), mids=None,
         subject="conformance"):
    if mids is None:
        mids = [uniq("milter")]
    args = [MT, "-s", LUA, "-D", "sock=inet:%s@127.0.0.1" % MPORT,
            "-D", "rcpts=" + ",".join(rcpts), "-D", "eom=" + eom,
            "-D", "rcptreply=" + rcptreply, "-D", "gone=" + ",".join(gone),
            "-D", "kept=" + ",".join(kept),
            "-D", "mids=" + ("|".join(mids) or "-"), "-D",
            "subject=" + subject]
    return Run(args)


def mlogged(rcpt):
    p = subprocess.run([CTL, "-c", MCONF, "log", "show", "--rcpt", rcpt],
                       capture_output=True)
    return [x for x in p.stdout.decode().splitlines() if "delivered" in x]


def milter():
    r = check_requests(milt(["ok@b.test"], "discard", gone=["ok@b.test"]),
                       "ssmp-milter ok@b.test")
    tap.ok(r.rc == 0, "RCPT-6", "ssmp-milter: delivered, removed from the "
           "SMTP envelope", diag=r)
    # MSG-3 in the milter, the same derivation as ssmp-send's.
    mid = uniq("mone")
    for name, mids, want in (("one field", [mid], mid),
                             ("two fields", [mid, uniq("mtwo")], None),
                             ("a comment", ["(c) " + mid], None),
                             ("none", [], None)):
        r = milt(["ok@b.test"], "discard", gone=["ok@b.test"], mids=mids,
                 subject="milter msgid " + name)
        m = r.messages()
        got = m[0]["h"].get("ssmp-msgid") if m else None
        exp = want or ("sha256:" + s.sha256_hex(m[0]["raw"]) if m else "?")
        tap.ok(r.rc == 0 and got == exp, "MSG-3", "ssmp-milter msgid, %s" %
               name, diag="%s\n%s" % (got, r))
    # m=testing envelope tempfail: the recipient falls back to SMTP.
    r = milt(["env503@t.b.test"], "continue", kept=["env503@t.b.test"])
    tap.ok(r.rc == 0, "DISC-5", "ssmp-milter, m=testing, envelope 503: "
           "kept for SMTP", diag=r)
    r = milt(["env503@b.test"], "", rcptreply="tempfail")
    tap.ok(r.rc == 0, "DISC-4", "ssmp-milter, m=enforce, envelope 503: 4xx "
           "at RCPT", diag=r)
    r = milt(["html502@t.b.test"], "tempfail", kept=["html502@t.b.test"])
    tap.ok(r.rc == 0, "SMTP-2", "ssmp-milter, m=testing, HTML 502 after the "
           "body: tempfail, no fallback", diag=r)


def bad_receipts_milter():
    for mode, what in (("r-msgid", "valid signature, another msgid"),
                       ("r-domain", "another domain, with its own key"),
                       ("r-flip", "one signature byte flipped"),
                       ("r-missing", "this recipient left out")):
        for dom in ("b.test", "t.b.test"):
            rcpt = "%s@%s" % (mode, dom)
            rcpts = [rcpt, "ok@" + dom] if mode == "r-missing" else [rcpt]
            r = milt(rcpts, "tempfail", kept=[rcpt])
            tap.ok(r.rc == 0 and len(r.messages()) >= 1,
                   "RCPT-4" if mode == "r-missing" else "RCPT-5",
                   "ssmp-milter %s: %s: tempfail at end of message, the "
                   "recipient kept (no SMTP fallback)" % (rcpt, what),
                   diag=r)
            tap.ok(not mlogged(rcpt), "RCPT-6", "...%s not in the "
                   "milter's delivered-log" % rcpt, diag=mlogged(rcpt))


def cache_before():
    """Before the DNS changes: cache.b.test has a policy with TTL 1,
    neg.b.test none."""
    r = send(["ok@cache.b.test"])
    tap.ok(r.rc == 0, "DISC-4", "cache.b.test delivered by SSMP", diag=r)
    r = send(["ok@neg.b.test"])
    tap.ok(r.rc == 68 and not r.reqs, "DISC-14", "neg.b.test has no policy: "
           "not SSMP (68)", diag=r)


def cache_after():
    """After the DNS changes: cache.b.test's record is invalid, neg.b.test
    has a policy; both answers are still cached."""
    r = send(["ok@cache.b.test"])
    tap.ok(r.rc == 0 and r.messages(), "DISC-16", "a cached policy stands "
           "while the record has become invalid", diag=r)
    tap.ok(r.rc == 0, "CACHE-1", "a policy with TTL 1 is cached for at least "
           "60 s", diag=r)
    r = send(["ok@neg.b.test"])
    tap.ok(r.rc == 68 and not r.reqs, "CACHE-2", "a negative answer is "
           "cached (SOA minimum 60 s): still not SSMP", diag=r)


phase = sys.argv[1]
if phase == "send":
    discovery()
    delivery()
    bad_receipts_send()
    report_requests("ssmp-send")
    tap.ok(len(SEEN_NONCES) == len(set(SEEN_NONCES)) and SEEN_NONCES,
           "REPLAY-1", "no nonce used twice in %d envelopes" %
           len(SEEN_NONCES))
elif phase == "milter":
    milter()
    bad_receipts_milter()
    report_requests("ssmp-milter")
elif phase == "cache-before":
    cache_before()
elif phase == "cache-after":
    cache_after()
elif phase == "bogus":
    r = send(["ok@c.test"], flags=["-F"])
    tap.ok(r.rc == 75 and not r.reqs, "DNS-1", "a DNSSEC-bogus policy "
           "answer is a temporary failure, never 'no SSMP' (75 with -F)",
           diag=r)
sys.exit(1 if tap.failed else 0)
