#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Craft and send VXLAN as a tapped NIC would, with known counts.

vxlan_send.py --iface IF --dst-mac MAC --dst4 A --dst6 A6 [--port 4789]
              [--ref inner.pcap] [--expect out.json] SPEC...

SPEC is SRC,VNI,FROM,TO,OTHER[,TAG[,reserved]]: from outer source SRC (IPv4 or IPv6) on
VNI, FROM inner frames sent by SRC (inner src == SRC), TO frames received by
it (inner dst == SRC) and OTHER frames that are neither (ARP and unrelated
IP). Frames of one SPEC carry TAG in their payload; "reserved" sets a
reserved bit (the VNI word's low byte) in their VXLAN header. --ref writes every inner
frame to a pcap (what vtap0 must show), --expect the per-source counters
vtapctl stats --json must report, as JSON. Frames are interleaved across
SPECs and sent once each on IF.
"""
import argparse
import ipaddress
import json
import random
import sys
import time

from scapy.config import conf
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import ARP, Ether
from scapy.layers.vxlan import VXLAN
from scapy.utils import wrpcap

INNER_MAC_VM = "02:00:00:aa:00:01"
INNER_MAC_PEER = "02:00:00:aa:00:02"


def inner_frames(src, kind_counts, tag, vm_mac=INNER_MAC_VM):
    v6 = ipaddress.ip_address(src).version == 6
    peer = "fd00:77::2" if v6 else "198.51.100.2"
    third = ("fd00:77::3", "fd00:77::4") if v6 else ("198.51.100.3", "198.51.100.4")
    L3 = IPv6 if v6 else IP
    out = []
    nfrom, nto, nother = kind_counts
    for i in range(nfrom):
        pl = f"{tag}-from-{i}-".encode() + b"f" * (i * 13 % 200)
        out.append(("from", Ether(src=vm_mac, dst=INNER_MAC_PEER) /
                    L3(src=src, dst=peer) / UDP(sport=40000 + i, dport=9) / pl))
    for i in range(nto):
        pl = f"{tag}-to-{i}-".encode() + b"t" * (i * 29 % 300)
        out.append(("to", Ether(src=INNER_MAC_PEER, dst=vm_mac) /
                    L3(src=peer, dst=src) / UDP(sport=9, dport=40000 + i) / pl))
    for i in range(nother):
        if i % 2 == 0 and not v6:
            f = (Ether(src=INNER_MAC_VM, dst="ff:ff:ff:ff:ff:ff") /
                 ARP(op=1, hwsrc=INNER_MAC_VM, psrc=src, pdst=peer))
        else:
            pl = f"{tag}-other-{i}-".encode() + b"o" * (i * 7 % 100)
            f = (Ether(src=INNER_MAC_PEER, dst=INNER_MAC_VM) /
                 L3(src=third[0], dst=third[1]) / UDP(sport=7, dport=7) / pl)
        out.append(("other", f))
    return [(k, bytes(f)) for k, f in out]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iface", required=True)
    ap.add_argument("--dst-mac", required=True)
    ap.add_argument("--dst4", default="10.99.0.2")
    ap.add_argument("--dst6", default="fd00:99::2")
    ap.add_argument("--port", type=int, default=4789)
    ap.add_argument("--inner-dst-mac",
                    help="inner frames received by the source go to this MAC")
    ap.add_argument("--ref")
    ap.add_argument("--expect")
    ap.add_argument("--no-send", action="store_true")
    ap.add_argument("--repeat", type=int, default=1,
                    help="send the frames this many times (counts multiply)")
    ap.add_argument("--duration", type=float, default=0,
                    help="flood: repeat the frames for this many seconds")
    ap.add_argument("spec", nargs="+")
    a = ap.parse_args()

    rng = random.Random(4789)
    queues, expect = [], []
    for n, spec in enumerate(a.spec):
        f = spec.split(",")
        src, vni = f[0], int(f[1])
        counts = tuple(int(x) for x in f[2:5])
        tag = f[5] if len(f) > 5 else f"s{n}"
        rsvd = 1 if len(f) > 6 and f[6] == "reserved" else 0
        frames = inner_frames(src, counts, tag, a.inner_dst_mac or INNER_MAC_VM)
        v6 = ipaddress.ip_address(src).version == 6
        outer = []
        for _, inner in frames:
            l3 = IPv6(src=src, dst=a.dst6) if v6 else IP(src=src, dst=a.dst4, flags="DF")
            outer.append(bytes(Ether(dst=a.dst_mac, src="02:00:00:bb:00:01") / l3 /
                               UDP(sport=rng.randrange(49152, 65535), dport=a.port) /
                               VXLAN(flags=0x08, vni=vni, reserved2=rsvd) / inner))
        queues.append(list(zip([x for _, x in frames], outer)))
        expect.append({
            "src": str(ipaddress.ip_address(src)), "vni": vni,
            "packets": len(frames) * a.repeat,
            "bytes": sum(len(x) for _, x in frames) * a.repeat,
            "from_source": counts[0] * a.repeat, "to_source": counts[1] * a.repeat,
            "other": counts[2] * a.repeat,
        })

    # Interleave the sources, as a collector sees them.
    order = []
    while any(queues):
        for q in queues:
            if q:
                order.append(q.pop(0))
    if a.ref:
        wrpcap(a.ref, [Ether(i) for i, _ in order])
    if a.expect:
        with open(a.expect, "w") as fh:
            json.dump(expect, fh)
    if not a.no_send:
        s = conf.L2socket(iface=a.iface)
        if a.duration:
            print("# vxlan_send: sending", file=sys.stderr, flush=True)
        sent = 0
        end = time.monotonic() + a.duration
        while sent < a.repeat or time.monotonic() < end:
            for _, o in order:
                s.send(o)
            sent += 1
        s.close()
        a.repeat = sent
    print(f"# vxlan_send: {len(order) * a.repeat} frames from {len(a.spec)} sources on {a.iface}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
