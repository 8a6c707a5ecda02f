#!/usr/bin/env python3
"""Hold idle mutual-TLS connections to a server and measure its memory.

usage: idle_conns.py --port P --cert C --key K --count N --pid PID [--host H] -- CMD...

Opens N TLS connections (client certificate C/K, server certificate not
checked: this measures memory, not trust) to H:P (default 127.0.0.1) and
completes each handshake, then reads VmRSS and VmHWM of PID, runs CMD once
while the connections stay open, reads VmRSS again, counts how many of the
N connections the server still holds open, and closes them. Prints one JSON
line: {"requested":N,"opened":n,"rss_kb_before":a,"rss_kb_idle":b,
"rss_kb_after_cmd":c,"hwm_kb":d,"still_open":s,"cmd_rc":rc}.
"""
import argparse
import json
import select
import socket
import ssl
import subprocess
import sys


def status_kb(pid, field):
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not 1 <= a.count <= 1000 or not cmd:
        ap.error("--count must be 1..1000 and a command must follow --")

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.load_cert_chain(a.cert, a.key)
    before = status_kb(a.pid, "VmRSS")
    conns = []
    for _ in range(a.count):
        s = socket.create_connection((a.host, a.port), timeout=10)
        try:
            conns.append(ctx.wrap_socket(s))
        except (ssl.SSLError, OSError):
            s.close()
            break
    # TLS 1.3: the server's side of the handshake ends after the client's
    # Finished; a zero-timeout read lets any close from the server show up.
    idle = status_kb(a.pid, "VmRSS")
    rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                        check=False).returncode
    after = status_kb(a.pid, "VmRSS")
    hwm = status_kb(a.pid, "VmHWM")
    still = 0
    for c in conns:
        r, _, _ = select.select([c], [], [], 0)
        if not r:
            still += 1
            continue
        try:
            c.setblocking(False)
            data = c.recv(1)
            if data:
                still += 1
        except ssl.SSLWantReadError:
            still += 1  # only a session ticket arrived: still open
        except (ssl.SSLError, OSError):
            pass
    for c in conns:
        try:
            c.close()
        except OSError:
            pass
    print(json.dumps({"requested": a.count, "opened": len(conns), "rss_kb_before": before,
                      "rss_kb_idle": idle, "rss_kb_after_cmd": after, "hwm_kb": hwm,
                      "still_open": still, "cmd_rc": rc}, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
