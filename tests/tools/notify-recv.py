#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# The service manager's side of sd_notify(3) for tests: bind an AF_UNIX
# datagram socket at ADDR (a path, or @name for the abstract namespace),
# write "# listening" to OUT, then append every datagram received followed
# by a "--" line, for at most SECONDS.
import socket
import sys
import time

addr, out, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
s.settimeout(0.2)
end = time.monotonic() + seconds
with open(out, "a", encoding="utf-8") as f:
    f.write("# listening\n")
    f.flush()
    while time.monotonic() < end:
        try:
            data = s.recv(4096)
        except socket.timeout:
            continue
        f.write(data.decode("utf-8", "replace"))
        f.write("--\n")
        f.flush()
