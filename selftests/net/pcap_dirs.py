#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""pcap_dirs.py PCAP ADDR: the per-source counters vtap must report for the
frames of PCAP when ADDR is the tapped NIC (the outer source), as JSON:
{"packets", "bytes", "from_source", "to_source", "other"}."""
import json
import sys

from scapy.layers.inet import IP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.utils import PcapReader

addr = sys.argv[2]
c = dict(packets=0, bytes=0, from_source=0, to_source=0, other=0)
with PcapReader(sys.argv[1]) as r:
    for p in r:
        raw = bytes(p)
        e = Ether(raw)
        c["packets"] += 1
        c["bytes"] += len(raw)
        l3 = e.getlayer(IP) or e.getlayer(IPv6)
        if l3 is not None and l3.src == addr:
            c["from_source"] += 1
        elif l3 is not None and l3.dst == addr:
            c["to_source"] += 1
        else:
            c["other"] += 1
print(json.dumps(c))
