#!/usr/bin/env python3
# syslog-recv.py SOCKET FILE - a minimal syslog receiver for daemons that
# log only by syslog(3) (Sendmail): binds the datagram socket SOCKET
# (/dev/log in a private mount namespace) and appends each message to
# FILE, one line each.  Runs until killed.
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(out, "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536).rstrip(b"\0\n") + b"\n")
