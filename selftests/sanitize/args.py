#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Random command lines for the sanitized vtapctl: every option of every
command with values that are long, empty, binary, out of range or almost
right, in random order and number. Each run must end with exit 0, 1 or 2,
a usage error (2) must be one line on stderr, and nothing may crash (the
sanitizers report into files that run.sh checks). Runs in a network and
mount namespace of its own with no interfaces but lo, so nothing can be
attached for real; the only pin root it can make is under TMP.
Usage: args.py VTAPCTL ROUNDS SEED TMP Prints one ok/fail line."""
import os
import random
import subprocess
import sys

vtapctl, rounds, seed, tmp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = random.Random(seed)
cmds = ["attach", "detach", "status", "stats", "cleanup", "help", "frob", ""]
opts = ["--port", "--geneve-port", "--vni", "--allow-src", "--strict", "--mode", "--backend", "--target",
        "--replace", "--max-sources", "--pin-root", "--json", "--watch", "--check",
        "-v", "-h", "--help", "--verbose", "-V", "--version", "--", "-", "--pin-root=",
        "--port=", "--frob"]


def value():
    k = rng.randrange(12)
    if k == 0:
        return ""
    if k == 1:
        return "9" * rng.choice([5, 20, 400, 5000])
    if k == 2:
        return "".join(chr(rng.randrange(1, 256)) for _ in range(rng.randrange(1, 60)))
    if k == 3:
        return rng.choice(["0", "1", "65535", "65536", "-1", "0x10", "16777215", "16777216",
                           "4294967296", "18446744073709551616", " 1", "1 "])
    if k == 4:
        return rng.choice(["1-2", "2-1", "1-", "-", "1-2-3", "0-16777215", "5--6"])
    if k == 5:
        return rng.choice(["10.0.0.0/8", "10.0.0.1/8", "::/0", "::ffff:1.2.3.4/128",
                           "fd00::/129", "1.2.3.4/", "/8", "1.2.3.4/-1", "a:b:c:d:e:f:g:h/64",
                           "1.2.3.4" * 20])
    if k == 6:
        return rng.choice([".", "..", "vtap%d", "a:1", "a/b", "x" * 15, "x" * 16, "lo", "eth0",
                           "%s%s%n", "\t", "vtap0-feed", "vtsp4789"])
    if k == 7:
        return rng.choice(["/", "/etc", "/sys/fs/bpf/../..", "rel", "//", "/a/./b",
                           "/" + "d/" * 200, "/tmp/x" + "y" * 300])
    if k == 8:
        return rng.choice(["auto", "native", "generic", "kmod", "veth", "AUTO", ""])
    # No '/': the only absolute paths are the ones above, which vtapctl
    # refuses, and the default pin root in tmp (run.sh removes it).
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-.:%") for _ in
                   range(rng.randrange(1, 30)))


bad = []
env = dict(os.environ, VTAP_PIN_ROOT=tmp + "/pins")
for i in range(rounds):
    argv = [vtapctl]
    if rng.random() < 0.95:
        argv.append(rng.choice(cmds))
    for _ in range(rng.randrange(0, 6)):
        r = rng.random()
        if r < 0.6:
            o = rng.choice(opts)
            argv.append(o)
            if rng.random() < 0.8:
                argv.append(value())
        else:
            argv.append(value())
    argv = [a.replace("\0", "") for a in argv]
    if rng.random() < 0.2:
        env["VTAP_PIN_ROOT"] = value().replace("\0", "")
    else:
        env["VTAP_PIN_ROOT"] = tmp + "/pins"
    try:
        p = subprocess.run(argv, env=env, capture_output=True, timeout=20)
    except subprocess.TimeoutExpired:
        bad.append((argv, "timed out"))
        continue
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode not in (0, 1, 2):
        bad.append((argv, "exit %d: %s" % (p.returncode, err[:200])))
    elif p.returncode == 2 and len(argv) > 1 and \
            (err.count("\n") != 1 or not err.startswith("vtapctl: ")):
        bad.append((argv, "usage error not one line: %r" % err[:200]))

if bad:
    for argv, why in bad[:5]:
        print("fail args: %r: %s" % ([a[:40] for a in argv[1:]], why))
    print("fail args: %d of %d random command lines (seed %d)" % (len(bad), rounds, seed))
    sys.exit(1)
print("ok args: %d random command lines (seed %d): exit 0/1/2, usage errors one line, "
      "no crash" % (rounds, seed))
