#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Another user of the VXLAN port (as Docker's overlay or Calico would be):
a dual-stack UDP socket on --port that logs every datagram it receives.

udp_sink.py --port N --log FILE

One line per datagram: source address, length, and the payload's printable
characters (tests grep for the tags frag_send.py puts in inner frames).
"Listening" goes to stderr once the socket is bound.
"""
import argparse
import socket
import string
import sys

PRINTABLE = set(string.ascii_letters + string.digits + "-")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.bind(("::", a.port))
    print("listening", file=sys.stderr, flush=True)
    with open(a.log, "a", buffering=1) as log:
        while True:
            data, addr = s.recvfrom(65535)
            text = "".join(chr(b) if chr(b) in PRINTABLE else "." for b in data)
            log.write(f"{addr[0]} {len(data)} {text}\n")


if __name__ == "__main__":
    main()
