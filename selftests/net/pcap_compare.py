#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Compare two captures as multisets of raw frames.

pcap_compare.py REF GOT [--times N] [--missing-ok N] [--extra-ok N]

Every frame of REF must be in GOT exactly as many times as in REF (N times
as many with --times N: REF replayed N times), byte for byte, and GOT must
hold nothing else. --missing-ok N tolerates up to N frames
of REF missing from GOT (frames the capturing tcpdump reported as dropped);
--extra-ok N tolerates N frames of GOT
that are not in REF (frames REF's tcpdump dropped); a frame of REF seen more
often in GOT than in REF (a duplicate) is never tolerated. Prints one summary line and
up to a few differing frames; exits 0 when the captures match, 1 otherwise.
"""
import argparse
import collections
import sys

import struct


def frames(path):
    """Raw frames of a pcap file (what tcpdump -w writes): a plain reader,
    fast for 100k frames. A frame cut by the snap length is marked so it
    can't compare equal to the whole one."""
    out = []
    with open(path, "rb") as f:
        magic = struct.unpack("<I", f.read(24)[:4])[0]
        e = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
        while True:
            h = f.read(16)
            if len(h) < 16:
                return out
            _, _, incl, orig = struct.unpack(e + "IIII", h)
            data = f.read(incl)
            if incl != orig:
                data += b"<truncated %d>" % orig
            out.append(data)


def describe(raw):
    from scapy.layers.l2 import Ether
    try:
        return Ether(raw).summary()
    except Exception:  # noqa: BLE001 - anything printable will do
        return raw[:32].hex()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ref")
    ap.add_argument("got")
    ap.add_argument("--times", type=int, default=1,
                    help="REF was sent this many times")
    ap.add_argument("--missing-ok", type=int, default=0)
    ap.add_argument("--extra-ok", type=int, default=0,
                    help="frames REF's own tcpdump dropped (GOT may hold them)")
    ap.add_argument("--min", type=int, default=1,
                    help="REF must hold at least this many frames")
    a = ap.parse_args()

    ref = collections.Counter(frames(a.ref))
    for raw in ref:
        ref[raw] *= a.times
    got = collections.Counter(frames(a.got))
    missing = ref - got
    extra = got - ref
    nref, ngot = sum(ref.values()), sum(got.values())
    nmiss, nextra = sum(missing.values()), sum(extra.values())
    print(f"# pcap_compare: ref {nref} frames, got {ngot}, "
          f"missing {nmiss}, extra {nextra}")
    for raw, n in list(missing.items())[:5]:
        print(f"#   missing x{n}: {describe(raw)}")
    for raw, n in list(extra.items())[:5]:
        print(f"#   extra x{n} ({'duplicate' if raw in ref else 'unknown'}): "
              f"{describe(raw)}")
    if nref < a.min:
        print(f"# reference holds {nref} frames, fewer than {a.min}")
        return 1
    dup = sum(n for raw, n in extra.items() if raw in ref)
    return 0 if nextra <= a.extra_ok and dup == 0 and nmiss <= a.missing_ok else 1


if __name__ == "__main__":
    sys.exit(main())
