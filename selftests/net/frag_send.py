#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Send VXLAN the way Azure's fabric and AWS mirroring deliver it at the edges.

frag_send.py --iface IF --dst-mac MAC --src A --dst A [--vni N] [--tag T]
             [--zero-csum] [--reserved] [--tos N] [--inner-tos N] --ref REF.pcap CASE...

CASE is one of:
  inorder:LEN      an inner frame of LEN bytes, outer packet fragmented at
                   outer MTU 1400, fragments sent in order
  reversed:LEN     the same, fragments sent last first
  lost:LEN         the same, the last fragment never sent
  whole:LEN        not fragmented (the underlay must carry it: jumbo)
  truncated:LEN    an inner frame whose IP header says LEN bytes but that the
                   mirror cut to 200 bytes (AWS truncates to the target MTU)
Outer IPv4 for an IPv4 --src, IPv6 (fragment extension header) for IPv6.
REF receives every inner frame that must reach vtap0 (not the lost ones).
Inner payloads carry T<case><n> as a tag; --zero-csum sends the outer UDP
checksum as zero, --reserved sets a reserved bit of the VXLAN header,
--tos and --inner-tos the outer and inner IP TOS / traffic class (ECN).
"""
import argparse
import ipaddress
import zlib
import logging

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)  # no-route chatter
from scapy.config import conf  # noqa: E402
from scapy.layers.inet import IP, UDP, fragment
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment
from scapy.packet import Raw
from scapy.layers.l2 import Ether
from scapy.layers.vxlan import VXLAN
from scapy.sendrecv import sendp
from scapy.utils import wrpcap

OUTER_MTU = 1400


def inner(src, n, tag, tos=0):
    v6 = ipaddress.ip_address(src).version == 6
    l3 = IPv6(src=src, dst="fd00:77::2", tc=tos) if v6 else \
        IP(src=src, dst="198.51.100.2", tos=tos)
    hdr = 14 + (40 if v6 else 20) + 8
    pl = (tag.encode() + b"-") * (n // (len(tag) + 1) + 1)
    return Ether(src="02:00:00:aa:00:01", dst="02:00:00:aa:00:02") / \
        l3 / UDP(sport=40000, dport=9) / pl[:n - hdr]


def fragment_v6(pkt, ident):
    """Fragments of an IPv6 packet for OUTER_MTU (scapy's fragment6 refuses
    sizes under 1514)."""
    payload = bytes(pkt[IPv6].payload)
    step = (OUTER_MTU - 40 - 8) // 8 * 8
    out = []
    for off in range(0, len(payload), step):
        chunk = payload[off:off + step]
        more = off + step < len(payload)
        out.append(IPv6(src=pkt[IPv6].src, dst=pkt[IPv6].dst) /
                   IPv6ExtHdrFragment(nh=17, offset=off // 8, m=int(more), id=ident) /
                   Raw(chunk))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iface", required=True)
    ap.add_argument("--dst-mac", required=True)
    ap.add_argument("--src", required=True)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--vni", type=int, default=42)
    ap.add_argument("--ref", required=True)
    ap.add_argument("--tag", default="")
    ap.add_argument("--zero-csum", action="store_true")
    ap.add_argument("--reserved", action="store_true")
    ap.add_argument("--tos", type=int, default=0)
    ap.add_argument("--inner-tos", type=int, default=0)
    ap.add_argument("cases", nargs="+")
    a = ap.parse_args()
    conf.verb = 0
    v6 = ipaddress.ip_address(a.src).version == 6
    # Fragment ids differ between sends with other tags: what a send leaves
    # in the collector's reassembly queue (a dropped first fragment's rest)
    # must not complete the next send's datagram.
    id_base = zlib.crc32(a.tag.encode()) % 60000
    ref, out = [], []
    for i, case in enumerate(a.cases):
        kind, n = case.split(":")
        f = inner(a.src, int(n), f"{a.tag}{kind}{i}", a.inner_tos)
        if kind == "truncated":
            f = Ether(bytes(f)[:200])
        if v6:
            outer = IPv6(src=a.src, dst=a.dst, tc=a.tos)
        else:
            outer = IP(src=a.src, dst=a.dst, id=id_base + i, tos=a.tos)
        pkt = outer / UDP(sport=49152 + i, dport=4789) / \
            VXLAN(flags=0x08, vni=a.vni, reserved2=int(a.reserved)) / f
        pkt = type(outer)(bytes(pkt))  # finished lengths and checksums
        if a.zero_csum:
            pkt[UDP].chksum = 0
            pkt = type(outer)(bytes(pkt))
        if kind in ("whole", "truncated"):
            pieces = [pkt]
        elif v6:
            pieces = fragment_v6(pkt, id_base + i)
        else:
            pieces = fragment(pkt, fragsize=OUTER_MTU - 20 - 4)
        if kind == "reversed":
            pieces = list(reversed(pieces))
        if kind == "lost":
            pieces = pieces[:-1]
        else:
            ref.append(f)
        out += [Ether(dst=a.dst_mac) / p for p in pieces]
    wrpcap(a.ref, ref)
    sendp(out, iface=a.iface)


if __name__ == "__main__":
    main()
