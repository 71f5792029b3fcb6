#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""capcheck.py REF GOT --times N [--missing-ok D]

GOT must hold every frame of REF exactly N times (REF replayed N times),
byte for byte, and nothing else. Up to D frames may be missing (what the
capturing tcpdump reported dropped); extra or duplicated frames never pass.
Reads GOT with a plain pcap reader (fast for 100k frames)."""
import argparse
import collections
import struct
import sys


def frames(path):
    with open(path, "rb") as f:
        gh = f.read(24)
        magic = struct.unpack("<I", gh[:4])[0]
        e = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
        while True:
            h = f.read(16)
            if len(h) < 16:
                return
            _, _, incl, orig = struct.unpack(e + "IIII", h)
            data = f.read(incl)
            if incl != orig:
                data += b"<truncated %d>" % orig
            yield data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ref")
    ap.add_argument("got")
    ap.add_argument("--times", type=int, default=1)
    ap.add_argument("--missing-ok", type=int, default=0)
    a = ap.parse_args()
    ref = collections.Counter(frames(a.ref))
    for k in ref:
        ref[k] *= a.times
    got = collections.Counter(frames(a.got))
    missing, extra = ref - got, got - ref
    nm, ne = sum(missing.values()), sum(extra.values())
    print(f"# capcheck: expected {sum(ref.values())} frames, got {sum(got.values())}, "
          f"missing {nm} (tolerated {a.missing_ok}), extra {ne}")
    for raw, n in list(extra.items())[:3]:
        print(f"#   extra x{n}: {raw[:48].hex()}")
    for raw, n in list(missing.items())[:3]:
        print(f"#   missing x{n}: {raw[:48].hex()}")
    return 0 if ne == 0 and nm <= a.missing_ok else 1


if __name__ == "__main__":
    sys.exit(main())
