#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Build the frames the hardening tests replay with vtap_blast.

mkstream.py KIND --dst-mac MAC --out STREAM.pcap [--ref INNER.pcap]
            [--expect EXPECT.json] [--per-source N] [--sources N]

KIND:
  mixed  valid VXLAN from --sources outer sources (IPv4, plus one IPv6),
         --per-source inner frames each, interleaved with every malformed
         kind (i_flag_clear, vxlan_short, inner_short, udp_length,
         ipv4_invalid: --per-source/4 of each) and non-VXLAN traffic (UDP
         to another port, an ICMP echo reply nobody asked for).
  valid  valid VXLAN only (--sources sources, --per-source frames each).
  spoof  one valid VXLAN frame from 10.200.0.1 (vtap_blast --rand-src
         rewrites its source for every copy).

--ref writes the inner frames vtap0 must show (for one pass of the file),
--expect the counts of one pass as JSON: {"frames", "valid", "valid_bytes",
"drops": {reason: n}, "not_ours", "sources": [{src, vni, packets, bytes}]}.
"""
import argparse
import json
import struct
import sys

from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.layers.vxlan import VXLAN
from scapy.utils import wrpcap

COL4, COL6 = "10.99.0.2", "fd00:99::2"
GEN4 = "10.99.0.1"
SRC_MAC = "02:00:00:bb:00:01"


def inner(i, src, tag):
    """A unique inner frame: sent by the tapped NIC (src) to a peer."""
    pl = f"{tag}-{i}-".encode() + bytes((i * 7 + j) & 0xff for j in range(i * 37 % 700))
    if ":" in src:
        l3 = IPv6(src=src, dst="fd00:77::2")
    else:
        l3 = IP(src=src, dst="198.51.100.2", id=i & 0xffff)
    return bytes(Ether(src="02:00:00:aa:00:01", dst="02:00:00:aa:00:02") / l3 /
                 UDP(sport=40000 + i % 20000, dport=9) / pl)


def outer(a, src, vni, payload, sport, **vx):
    if ":" in src:
        l3 = IPv6(src=src, dst=COL6)
    else:
        l3 = IP(src=src, dst=COL4, flags="DF")
    return Ether(dst=a.dst_mac, src=SRC_MAC) / l3 / UDP(sport=sport, dport=4789) / \
        VXLAN(flags=vx.get("flags", 0x08), vni=vni) / payload


def malformed(a, kind, i):
    src, sport = "10.99.0.66", 50000 + i
    inner_ok = inner(i, src, "bad")
    if kind == "i_flag_clear":
        return bytes(outer(a, src, 7, inner_ok, sport, flags=0x00))
    if kind == "vxlan_short":
        # UDP length covers 4 bytes of VXLAN only
        p = IP(src=src, dst=COL4) / UDP(sport=sport, dport=4789, len=12) / b"\x08\x00\x00\x00"
        return bytes(Ether(dst=a.dst_mac, src=SRC_MAC) / p)
    if kind == "inner_short":
        return bytes(outer(a, src, 7, b"\x02" * 10, sport))
    if kind == "udp_length":
        # UDP length beyond the IP payload
        f = outer(a, src, 7, inner_ok, sport)
        f[UDP].len = len(f[UDP]) + 100
        return bytes(f)
    if kind == "ipv4_invalid":
        raw = bytearray(bytes(outer(a, src, 7, inner_ok, sport)))
        raw[14] = 0x44		# version 4, IHL 4 (< 5)
        return bytes(raw)
    raise ValueError(kind)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["mixed", "valid", "spoof"])
    ap.add_argument("--dst-mac", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--ref")
    ap.add_argument("--expect")
    ap.add_argument("--sources", type=int, default=4)
    ap.add_argument("--per-source", type=int, default=40)
    a = ap.parse_args()

    frames, ref = [], []
    exp = {"drops": {}, "not_ours": 0, "sources": []}
    if a.kind == "spoof":
        frames.append(bytes(outer(a, "10.200.0.1", 99, inner(1, "10.200.0.1", "spoof"), 4789)))
    else:
        srcs = [f"10.99.0.{10 + k}" for k in range(a.sources)]
        if a.kind == "mixed":
            srcs.append("fd00:99::10")
        queues = []
        for k, src in enumerate(srcs):
            vni = 100 + k
            q = []
            nbytes = 0
            for i in range(a.per_source):
                inn = inner(i, src, f"s{k}")
                q.append((bytes(outer(a, src, vni, inn, 49152 + (i * 31 + k) % 16000)), inn))
                nbytes += len(inn)
            exp["sources"].append({"src": src, "vni": vni, "packets": a.per_source,
                                   "bytes": nbytes})
            queues.append(q)
        if a.kind == "mixed":
            kinds = ["i_flag_clear", "vxlan_short", "inner_short", "udp_length", "ipv4_invalid"]
            n = max(1, a.per_source // 4)
            for kind in kinds:
                queues.append([(malformed(a, kind, i), None) for i in range(n)])
                exp["drops"][kind] = n
            # not ours: UDP to another port, an unsolicited echo reply
            q = []
            for i in range(n):
                q.append((bytes(Ether(dst=a.dst_mac, src=SRC_MAC) / IP(src=GEN4, dst=COL4) /
                                UDP(sport=5000 + i, dport=4790 + 1000) / b"not vxlan"), None))
                q.append((bytes(Ether(dst=a.dst_mac, src=SRC_MAC) / IP(src=GEN4, dst=COL4) /
                                ICMP(type=0, id=77, seq=i) / b"pong"), None))
            queues.append(q)
            exp["not_ours"] = len(q)
        while any(queues):
            for q in queues:
                if q:
                    f, inn = q.pop(0)
                    frames.append(f)
                    if inn is not None:
                        ref.append(inn)
    exp["frames"] = len(frames)
    exp["valid"] = len(ref)
    exp["valid_bytes"] = sum(len(x) for x in ref)
    wrpcap(a.out, [Ether(f) for f in frames])
    if a.ref:
        wrpcap(a.ref, [Ether(f) for f in ref])
    if a.expect:
        with open(a.expect, "w") as fh:
            json.dump(exp, fh)
    print(f"# mkstream: {len(frames)} frames, {len(ref)} valid, "
          f"{sum(exp['drops'].values())} malformed, {exp['not_ours']} not ours")
    return 0


if __name__ == "__main__":
    sys.exit(main())
