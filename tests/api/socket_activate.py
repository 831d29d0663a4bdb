#!/usr/bin/env python3
"""socket_activate.py PATH PROGRAM [ARGS...]: starts PROGRAM the way systemd
socket activation does: a listening unix socket on PATH passed as fd 3, with
LISTEN_FDS=1 and LISTEN_PID set to the program's pid (this process, which
execs it). The same protocol as systemd-socket-activate, without systemd."""

import os
import socket
import sys

path, argv = sys.argv[1], sys.argv[2:]
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(128)
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)
    s.close()
os.set_inheritable(3, True)
os.environ["LISTEN_FDS"] = "1"
os.environ["LISTEN_PID"] = str(os.getpid())
os.execvp(argv[0], argv)
