#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# httpraw.py PORT [SECONDS]: send stdin as it is to 127.0.0.1:PORT over
# TCP, then print whatever comes back until the server closes (at most
# SECONDS, default 15).  The tests use it for requests no HTTP client
# library would send (other methods, oversized, malformed).
import socket
import sys
import time

port = int(sys.argv[1])
limit = float(sys.argv[2]) if len(sys.argv) > 2 else 15.0
data = sys.stdin.buffer.read()
s = socket.create_connection(("127.0.0.1", port), timeout=limit)
try:
    s.sendall(data)
except OSError as e:  # the server may answer and close before all is sent
    print("# send: %s" % e, file=sys.stderr)
out = b""
end = time.monotonic() + limit
while time.monotonic() < end:
    try:
        b = s.recv(65536)
    except OSError as e:
        print("# recv: %s" % e, file=sys.stderr)
        break
    if not b:
        break
    out += b
sys.stdout.buffer.write(out)
