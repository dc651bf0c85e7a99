#!/usr/bin/env python3
"""faults-srv.py - the misbehaving peers of the fault matrix (t/faults-*.t).

Each mode is one small server on 127.0.0.1 that stays in the foreground
until it is killed (world_spawn / world_kill run it):

  silent PORT              accepts TCP connections and never answers
  junk PORT                answers every connection with bytes that are
                           neither TLS nor HTTP, then closes
  tlsjunk PORT CERT KEY    TLS with a good certificate, then answers every
                           request "200 OK" with a body that is not SSMP
  dns MODE PORT            DNS on UDP and TCP: MODE servfail answers
                           SERVFAIL; MODE tc answers over UDP with the TC
                           bit and nothing else, and closes TCP connections
                           at once (a truncated answer that cannot be had)
  milterproxy PORT TARGET DIR
                           relays the milter protocol to 127.0.0.1:TARGET;
                           when DIR/mode says "hold", everything the
                           milter answers after the end of a message
                           (SMFIC_BODYEOB) is withheld: a line "eom" goes
                           to DIR/held, and when the milter's side closes
                           (it was killed) so does the MTA's, unanswered
                           - as if the milter had died before it replied
  smtpproxy PORT TARGET DIR
                           relays SMTP to 127.0.0.1:TARGET; DIR/mode says
                           what to do at the end of a message's data:
                           "pass" relays; "before" withholds the final dot
                           from TARGET; "after" relays it but withholds
                           TARGET's reply.  While withholding it appends a
                           line to DIR/held and waits until DIR/release
                           exists (then relays, and appends "released")
                           or the client is gone (then drops the
                           connection to TARGET).
Only the standard library; no timing guesses: the test polls DIR/held.
"""
import os
import select
import socket
import ssl
import sys
import threading
import time


def listener(port, kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    if kind == socket.SOCK_STREAM:
        s.listen(64)
    return s


def serve(port, handler):
    srv = listener(port)
    while True:
        c, _ = srv.accept()
        threading.Thread(target=handler, args=(c,), daemon=True).start()


def silent(port):
    held = []

    def keep(c):
        held.append(c)  # never read, never answer, never close
    serve(port, keep)


def junk(port):
    def answer(c):
        try:
            c.sendall(b"\x00\xffSSMP? no: garbage\r\n" + os.urandom(64))
        finally:
            c.close()
    serve(port, answer)


def tlsjunk(port, cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)

    def answer(c):
        try:
            t = ctx.wrap_socket(c, server_side=True)
            buf = b""
            while b"\r\n\r\n" not in buf:
                d = t.recv(65536)
                if not d:
                    return
                buf += d
            body = b"{\"v\":1,\"status\":\"accepted\",garbage \x01\x02"
            t.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\nConnection: close\r\n\r\n"
                      % len(body) + body)
            t.close()
        except (OSError, ssl.SSLError):
            c.close()
    serve(port, answer)


def dns_reply(q, mode):
    if len(q) < 12:
        return None
    flags = 0x8000 | (q[2] & 0x79) << 8 | 0x80  # QR, opcode, RD; RA
    if mode == "servfail":
        flags |= 2
    else:
        flags |= 0x0200  # TC
    # The question is echoed (QDCOUNT kept), no records.
    end = 12
    while end < len(q) and q[end] != 0:
        end += q[end] + 1
    end += 5
    return q[0:2] + flags.to_bytes(2, "big") + q[4:6] + b"\0" * 6 + q[12:end]


def dns(mode, port):
    udp = listener(port, socket.SOCK_DGRAM)

    def tcp_side():
        srv = listener(port)
        while True:
            c, _ = srv.accept()
            if mode == "tc":
                c.close()
                continue
            try:
                c.settimeout(2)
                n = int.from_bytes(c.recv(2), "big")
                r = dns_reply(c.recv(n), mode)
                if r:
                    c.sendall(len(r).to_bytes(2, "big") + r)
            except OSError:
                pass
            c.close()
    threading.Thread(target=tcp_side, daemon=True).start()
    while True:
        q, peer = udp.recvfrom(4096)
        r = dns_reply(q, mode)
        if r:
            udp.sendto(r, peer)


def proxy_mode(d):
    """What DIR/mode says (pass when there is none)."""
    try:
        with open(os.path.join(d, "mode")) as f:
            return f.read().strip()
    except OSError:
        return "pass"


def shut(*socks):
    for x in socks:
        try:
            x.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def smtpproxy(port, target, d):
    def mode():
        return proxy_mode(d)

    def hold(client, what):
        """Wait for DIR/release (True) or the client's end (False)."""
        with open(os.path.join(d, "held"), "a") as f:
            f.write(what + "\n")
        while not os.path.exists(os.path.join(d, "release")):
            r, _, _ = select.select([client], [], [], 0.05)
            if r and not client.recv(65536, socket.MSG_PEEK):
                return False
        with open(os.path.join(d, "held"), "a") as f:
            f.write("released\n")
        return True

    def handle(c):
        s = socket.create_connection(("127.0.0.1", target))
        st = {"data": False, "eod": False, "mode": mode()}

        def down():
            shut(c, s)

        def from_server():
            try:
                while True:
                    x = s.recv(65536)
                    if not x:
                        break
                    if st["eod"]:
                        if st["mode"] == "after" and not hold(c, "after"):
                            break
                        st["data"] = st["eod"] = False
                        st["mode"] = mode()
                    elif x.startswith(b"354") or b"\n354" in x:
                        st["data"] = True
                    c.sendall(x)
            except OSError:
                pass
            down()

        threading.Thread(target=from_server, daemon=True).start()
        tail = b""
        try:
            while True:
                x = c.recv(65536)
                if not x:
                    break
                if st["data"] and not st["eod"]:
                    seen = tail + x
                    tail = seen[-4:]
                    if b"\r\n.\r\n" in seen:
                        st["eod"] = True
                        tail = b""
                        if st["mode"] == "before" and not hold(c, "before"):
                            break
                s.sendall(x)
        except OSError:
            pass
        down()

    serve(port, handle)


def milterproxy(port, target, d):
    def handle(c):
        s = socket.create_connection(("127.0.0.1", target))
        st = {"hold": False}

        def down():
            shut(c, s)

        def from_milter():
            try:
                while True:
                    x = s.recv(65536)
                    if not x:
                        break
                    if not st["hold"]:
                        c.sendall(x)
            except OSError:
                pass
            down()

        def recv_exact(n):
            b = b""
            while len(b) < n:
                x = c.recv(n - len(b))
                if not x:
                    raise OSError("closed")
                b += x
            return b

        threading.Thread(target=from_milter, daemon=True).start()
        try:
            while True:
                head = recv_exact(4)
                body = recv_exact(int.from_bytes(head, "big"))
                if body[:1] == b"E" and proxy_mode(d) == "hold":
                    st["hold"] = True
                    with open(os.path.join(d, "held"), "a") as f:
                        f.write("eom\n")
                s.sendall(head + body)
        except OSError:
            pass
        down()

    serve(port, handle)


def main(a):
    if a[0] == "silent":
        silent(int(a[1]))
    elif a[0] == "junk":
        junk(int(a[1]))
    elif a[0] == "tlsjunk":
        tlsjunk(int(a[1]), a[2], a[3])
    elif a[0] == "dns":
        dns(a[1], int(a[2]))
    elif a[0] == "smtpproxy":
        smtpproxy(int(a[1]), int(a[2]), a[3])
    elif a[0] == "milterproxy":
        milterproxy(int(a[1]), int(a[2]), a[3])
    else:
        sys.exit("usage: faults-srv.py silent|junk|tlsjunk|dns|smtpproxy|"
                 "milterproxy ...")


if __name__ == "__main__":
    main(sys.argv[1:])
