#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The collector's own TCP traffic during a test.

tcpxfer.py server ADDR PORT            accept one connection, read to EOF,
                                       print "<bytes> <sha256>"
tcpxfer.py client ADDR PORT FILE [RATE] send FILE (RATE bytes/s, 0: as fast
                                       as possible), print "<bytes> <sha256>"
tcpxfer.py stream ADDR PORT SECONDS    send for SECONDS (0: until SIGINT), print
                                       "<bytes> <sha256> <longest stall ms>"
"""
import hashlib
import signal
import socket
import sys
import time


stop = False


def interrupted(sig, frame):
    # stream mode checks the flag between sends: raising here could land
    # after a chunk was sent but before it was counted
    global stop
    stop = True
    if mode_raises:
        raise KeyboardInterrupt


mode_raises = True


def main():
    # a background job of a non-interactive shell starts with SIGINT ignored
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    h = hashlib.sha256()
    n = 0
    if mode == "server":
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.listen(1)
        s.settimeout(120)
        print("# listening", flush=True)
        c, _ = s.accept()
        c.settimeout(120)
        while True:
            b = c.recv(65536)
            if not b:
                break
            h.update(b)
            n += len(b)
        print(f"{n} {h.hexdigest()}", flush=True)
        return 0
    c = socket.create_connection((addr, port), timeout=30)
    if mode == "client":
        rate = float(sys.argv[5]) if len(sys.argv) > 5 else 0
        t0 = time.monotonic()
        with open(sys.argv[4], "rb") as f:
            while True:
                b = f.read(16384)
                if not b:
                    break
                c.sendall(b)
                h.update(b)
                n += len(b)
                if rate:
                    d = t0 + n / rate - time.monotonic()
                    if d > 0:
                        time.sleep(d)
        c.shutdown(socket.SHUT_WR)
        c.recv(1)
        print(f"{n} {h.hexdigest()}", flush=True)
        return 0
    # stream: a steady trickle; the longest gap between two successful
    # sends shows an interruption
    # (until SIGINT when SECONDS is 0)
    global mode_raises
    mode_raises = False
    secs = float(sys.argv[4])
    end = time.monotonic() + (secs if secs > 0 else 1e9)
    last, stall, i = time.monotonic(), 0.0, 0
    while not stop and time.monotonic() < end:
        b = bytes([i & 0xff]) * 4096
        c.sendall(b)
        h.update(b)
        n += len(b)
        i += 1
        t = time.monotonic()
        stall = max(stall, t - last)
        last = t
        time.sleep(0.005)
    c.shutdown(socket.SHUT_WR)
    c.recv(1)
    print(f"{n} {h.hexdigest()} {stall * 1000:.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
