#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Craft and send VXLAN or GENEVE as a tapped NIC would, with known counts.

vxlan_send.py --iface IF --dst-mac MAC --dst4 A --dst6 A6 [--port 4789]
              [--geneve-port 6081] [--ref inner.pcap] [--expect out.json] SPEC...

SPEC is SRC,VNI,FROM,TO,OTHER[,TAG[,FLAGS]]: from outer source SRC (IPv4 or IPv6) on
VNI, FROM inner frames sent by SRC (inner src == SRC), TO frames received by
it (inner dst == SRC) and OTHER frames that are neither (ARP and unrelated
IP). Frames of one SPEC carry TAG in their payload. FLAGS, joined by '+':
"reserved" sets a reserved bit (VXLAN: the VNI word's low byte; GENEVE: the
last header byte); "geneve" sends GENEVE (Ethernet payload) to --geneve-port
instead of VXLAN; "ip" makes the GENEVE payload the inner IP packet alone
(no ARP among OTHER); "google" adds Google Cloud's options (class 0x0132:
network ID with the direction bit, endpoint ID), AWS-style ones (class
0x0108) before them, and the direction bit decides (OTHER frames alternate
egress and ingress). --ref writes every frame vtap0 must show to a pcap (an
IP-only payload behind vtap's own Ethernet header), --expect the per-source
counters vtapctl stats --json must report, as JSON. Frames are interleaved
across SPECs and sent once each on IF.
"""
import argparse
import ipaddress
import json
import random
import struct
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
# What vtap writes in front of an IP-only GENEVE payload (include/vtap_abi.h).
SYNTH_DST = "02:76:74:61:70:00"
SYNTH_SRC = "02:76:74:61:70:01"


def geneve_header(vni, proto, options=b"", reserved=0):
    return struct.pack("!BBHI", len(options) // 4, 0, proto, vni << 8 | reserved) + options


def google_options(egress):
    aws = struct.pack("!HBB", 0x0108, 1, 1) + b"\x00\x00\x00\x07"
    netid = struct.pack("!HBBII", 0x0132, 1, 2, 0x00000042, 0x1000 | egress)
    endpoint = struct.pack("!HBBI", 0x0132, 2, 1, 0x00abcdef)
    return aws + netid + endpoint


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
    ap.add_argument("--geneve-port", type=int, default=6081)
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
        flags = set(f[6].split("+")) if len(f) > 6 else set()
        rsvd = 1 if "reserved" in flags else 0
        geneve = "geneve" in flags
        ip_only = geneve and "ip" in flags
        google = geneve and "google" in flags
        frames = inner_frames(src, counts, tag, a.inner_dst_mac or INNER_MAC_VM)
        if ip_only:	# no ARP: an IP-only payload is an IP packet
            frames = [(k, fr) if Ether(fr).type != 0x0806 else
                      (k, bytes(Ether(src=INNER_MAC_PEER, dst=INNER_MAC_VM) /
                                IP(src="198.51.100.5", dst="198.51.100.6") /
                                UDP(sport=7, dport=7) / f"{tag}-arp-{i}".encode()))
                      for i, (k, fr) in enumerate(frames)]
        v6 = ipaddress.ip_address(src).version == 6
        outer, shown, dirs = [], [], {"from": 0, "to": 0, "other": 0}
        for i, (kind, inner) in enumerate(frames):
            l3 = IPv6(src=src, dst=a.dst6) if v6 else IP(src=src, dst=a.dst4, flags="DF")
            hdr = Ether(dst=a.dst_mac, src="02:00:00:bb:00:01") / l3
            if not geneve:
                pkt = (hdr / UDP(sport=rng.randrange(49152, 65535), dport=a.port) /
                       VXLAN(flags=0x08, vni=vni, reserved2=rsvd) / inner)
                outer.append(bytes(pkt))
                shown.append(inner)
                dirs[kind] += 1
                continue
            e = Ether(inner)
            payload = bytes(e.payload) if ip_only else inner
            proto = e.type if ip_only else 0x6558
            opts = b""
            if google:
                egress = {"from": 1, "to": 0}.get(kind, i % 2)
                opts = google_options(egress)
                kind = "from" if egress else "to"
            gh = geneve_header(vni, proto, opts, rsvd)
            pkt = hdr / UDP(sport=rng.randrange(49152, 65535), dport=a.geneve_port) / (gh + payload)
            outer.append(bytes(pkt))
            shown.append(bytes(Ether(dst=SYNTH_DST, src=SYNTH_SRC, type=proto)) + payload
                         if ip_only else inner)
            dirs[kind] += 1
        queues.append(list(zip(shown, outer)))
        expect.append({
            "src": str(ipaddress.ip_address(src)), "vni": vni,
            "encap": "geneve" if geneve else "vxlan",
            "packets": len(frames) * a.repeat,
            "bytes": sum(len(x) for x in shown) * a.repeat,
            "from_source": dirs["from"] * a.repeat, "to_source": dirs["to"] * a.repeat,
            "other": dirs["other"] * a.repeat,
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
