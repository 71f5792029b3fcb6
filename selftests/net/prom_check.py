#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Compare `vtapctl metrics` (Prometheus text) with what the test sent and
with `vtapctl stats --json` read at the same moment.

prom_check.py METRICS.txt STATS.json EXPECT.json IFACE

EXPECT.json: vxlan_send.py --expect's per-source counters. Every counter of
the stats JSON (every outcome, drop reason, informational counter, loss
reason, source field, kernel reassembly counter) must be in the metrics
with the same value, and each expected source with its exact counts.
Prints one "# why" line per difference, exits 1 if there is one.
"""
import json
import re
import sys

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(path):
    samples = {}
    for line in open(path):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        m = LINE.match(line)
        if not m:
            sys.exit(f"# unparsable line: {line!r}")
        labels = tuple(sorted(LABEL.findall(m.group(2) or "")))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples


def main():
    samples = parse(sys.argv[1])
    st = json.load(open(sys.argv[2]))
    exp = json.load(open(sys.argv[3]))
    iface = sys.argv[4]
    bad = 0

    def want(name, value, **labels):
        nonlocal bad
        key = (name, tuple(sorted(labels.items())))
        got = samples.get(key)
        if got is None:
            print(f"# missing {name}{labels}")
            bad = 1
        elif got != value:
            print(f"# {name}{labels}: {got:g}, expected {value}")
            bad = 1

    g = st["global"]
    i = {"interface": iface}
    want("vtap_seen_packets_total", g["seen"], **i)
    want("vtap_redirected_packets_total", g["redirected"], **i)
    for reason, v in g["dropped"].items():
        want("vtap_dropped_packets_total", v, reason=reason, **i)
    for reason, v in g["passed_by_kind"].items():
        want("vtap_passed_packets_total", v, reason=reason, **i)
    for name, v in g["info"].items():
        want("vtap_events_total", v, event=name, **i)
    for reason, v in (g["lost_by_reason"] or {}).items():
        want("vtap_lost_after_redirect_packets_total", v, reason=reason, **i)
    want("vtap_sources", len(st["sources"]), **i)
    want("vtap_sources_evicted_total", st["sources_evicted"], **i)
    want("vtap_attached", 1, **i)
    for k, name in (("ok", "vtap_kernel_reassembled_total"),
                    ("failed", "vtap_kernel_reassembly_failed_total"),
                    ("timeout", "vtap_kernel_reassembly_timeout_total")):
        for fam in ("ipv4", "ipv6"):
            want(name, st["kernel_reassembly"][f"{fam}_{k}"], family=fam)
    # the stats JSON's sources and the test's expectation, field by field
    for s in st["sources"]:
        lab = dict(i, src=s["src"], encap=s["encap"], vni=str(s["vni"]))
        for f in ("packets", "bytes", "truncated", "slow_path"):
            name = {"packets": "vtap_source_packets_total",
                    "bytes": "vtap_source_bytes_total",
                    "truncated": "vtap_source_truncated_packets_total",
                    "slow_path": "vtap_source_slow_path_packets_total"}[f]
            want(name, s[f], **lab)
        for d in ("from_source", "to_source", "other"):
            want("vtap_source_direction_packets_total", s[d], direction=d, **lab)
    for e in exp:
        lab = dict(i, src=e["src"], encap=e.get("encap", "vxlan"), vni=str(e["vni"]))
        want("vtap_source_packets_total", e["packets"], **lab)
        want("vtap_source_bytes_total", e["bytes"], **lab)
        for d in ("from_source", "to_source", "other"):
            want("vtap_source_direction_packets_total", e[d], direction=d, **lab)
    if not any(k[0] == "vtap_build_info" for k in samples):
        print("# no vtap_build_info")
        bad = 1
    sys.exit(bad)


main()
