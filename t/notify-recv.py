#!/usr/bin/env python3
"""notify-recv.py SOCKET OUT [PORT]: the service manager's end of the notify
protocol (sd_notify(3)) for t/notify.t.  Binds an AF_UNIX datagram socket
at SOCKET and appends each message to OUT as one line, its NAME=value
lines joined by '|'.  With PORT, a message with READY=1 gets
" listening=yes" or " listening=no": whether 127.0.0.1:PORT accepted a
TCP connection at the moment READY=1 arrived (READY must mean listening).
Runs until killed."""
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
port = int(sys.argv[3]) if len(sys.argv) > 3 else 0
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o777)  # the daemon may have dropped to another user
while True:
    msg = s.recv(4096).decode("utf-8", "replace")
    line = msg.strip("\n").replace("\n", "|")
    if port and "READY=1" in msg.split("\n"):
        c = socket.socket()
        try:
            c.connect(("127.0.0.1", port))
            line += " listening=yes"
        except OSError:
            line += " listening=no"
        c.close()
    with open(out, "a") as f:
        f.write(line + "\n")
