#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""What each part of bpf/vtap.bpf.c costs (`make bench-ablate`).

Builds variants of the decap program into $OUT/bench/ablate/ (bpf/ is never
touched), each with one thing removed or changed by a textual edit, and
times them all with `vtap-bench prog` (repeated BPF_PROG_TEST_RUN of a valid
decap, median of 7 runs), in interleaved rounds. Reference variants (marked
"ref") break a feature and only show what it costs; the others keep the
program's behaviour and are candidate optimisations. A variant whose edit no
longer applies to the current source is reported as such and skipped.
Environment: OUT, BENCH_CPU, ABLATE_ROUNDS (default 3), ABLATE_JSON.
"""
import json
import os
import statistics
import subprocess
import sys

OUT = os.environ.get("OUT", "build")
ROUNDS = int(os.environ.get("ABLATE_ROUNDS", "3"))
CPU = os.environ.get("BENCH_CPU", str((os.cpu_count() or 1) - 1))
JSON_PATH = os.environ.get("ABLATE_JSON", os.path.join(OUT, "bench-ablate.json"))
SRC = "bpf/vtap.bpf.c"
DIR = os.path.join(OUT, "bench", "ablate")
ARCH = subprocess.run(["uname", "-m"], stdout=subprocess.PIPE, text=True).stdout.strip()
CFLAGS = ["-target", "bpf", "-g", "-O2", "-Wall", "-Iinclude",
          "-I/usr/include/%s-linux-gnu" % ARCH]

KTIME = "st->last_seen_ns = bpf_ktime_get_ns();"
BUFF_LEN_MAIN = "\tpkt_len = bpf_xdp_get_buff_len(ctx);\n"
ADJUST_HEAD = "\tif (bpf_xdp_adjust_head(ctx, pkt.inner_off))\n\t\tgoto redirect_failed;\n"
COUNT_DELIVERED = "\tcount_delivered(g, &pkt, pkt.inner_end - pkt.inner_off, 0);\n"
INSPECT = ("\tinspect_inner((void *)(long)ctx->data, (void *)(long)ctx->data_end,\n"
           "\t\t      pkt.inner_end - pkt.inner_off, &pkt);\n")
PKT_MEMBER = "\t__u32 dir;"
INNER_OFF = "\tpkt->inner_off = "


def buff_len_once(s):
    """classify() has the frame's whole length already: keep it in pkt."""
    return (s.replace(PKT_MEMBER, PKT_MEMBER + "\n\t__u32 pkt_len;", 1)
             .replace(INNER_OFF, "\tpkt->pkt_len = pkt_len;\n" + INNER_OFF, 1)
             .replace(BUFF_LEN_MAIN, "\tpkt_len = pkt.pkt_len;\n", 1))


def coarse(s):
    return s.replace(KTIME, "st->last_seen_ns = bpf_ktime_get_coarse_ns();")


# name, kind, description, edit, the texts the edit needs
VARIANTS = [
    ("base", "", "bpf/vtap.bpf.c as it is", lambda s: s, []),
    ("ktime_coarse", "opt", "last_seen_ns from bpf_ktime_get_coarse_ns() (jiffy resolution)",
     coarse, [KTIME]),
    ("buff_len_once", "opt", "bpf_xdp_get_buff_len() once per packet, not twice",
     buff_len_once, [PKT_MEMBER, INNER_OFF, BUFF_LEN_MAIN]),
    ("both", "opt", "ktime_coarse + buff_len_once", lambda s: coarse(buff_len_once(s)),
     [KTIME, PKT_MEMBER, INNER_OFF, BUFF_LEN_MAIN]),
    ("no_ktime", "ref", "no timestamp at all", lambda s: s.replace(KTIME, "st->last_seen_ns = 0;"),
     [KTIME]),
    ("no_buff_len", "ref", "linear length (data_end - data) instead of bpf_xdp_get_buff_len()",
     lambda s: s.replace("bpf_xdp_get_buff_len(ctx)", "(__u32)(ctx->data_end - ctx->data)"),
     ["bpf_xdp_get_buff_len(ctx)"]),
    ("no_per_source", "ref", "no per-source counters (LRU lookup, timestamp)",
     lambda s: s.replace(COUNT_DELIVERED, ""), [COUNT_DELIVERED]),
    ("no_inspect_inner", "ref", "no inner direction/truncation check",
     lambda s: s.replace(INSPECT, ""), [INSPECT]),
    ("no_adjust_head", "ref", "no bpf_xdp_adjust_head() (frame not decapsulated)",
     lambda s: s.replace(ADJUST_HEAD, ""), [ADJUST_HEAD]),
]


def main():
    tool = os.path.join(OUT, "vtap-bench")
    if not os.access(tool, os.X_OK):
        print("ablate: no %s (make bench-tools)" % tool)
        return 1
    os.makedirs(DIR, exist_ok=True)
    with open(SRC) as f:
        src = f.read()
    built, skipped = [], {}
    for name, kind, desc, edit, needs in VARIANTS:
        missing = [n for n in needs if n not in src]
        if missing:
            skipped[name] = "edit no longer applies (source changed)"
            continue
        c = os.path.join(DIR, name + ".bpf.c")
        o = os.path.join(DIR, name + ".bpf.o")
        with open(c, "w") as f:
            f.write('#line 1 "%s"\n' % SRC + edit(src))
        p = subprocess.run(["clang"] + CFLAGS + ["-c", c, "-o", o], stderr=subprocess.PIPE,
                           text=True)
        if p.returncode:
            skipped[name] = "does not build: " + p.stderr.strip().splitlines()[-1]
            continue
        built.append((name, kind, desc, o))
    times = {name: [] for name, *_ in built}
    info = {}
    for _ in range(ROUNDS):
        for name, kind, desc, o in built:
            p = subprocess.run(["taskset", "-c", CPU, tool, "prog", "--obj", o, "--size", "64",
                                "--repeat", "1000000"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
            if p.returncode:
                skipped[name] = p.stderr.strip()
                continue
            d = json.loads(p.stdout)
            if d["redirected"] != d["expected_redirected"]:
                skipped[name] = "not every repeat took the redirect path"
                continue
            times[name].append(d["ns_decap"])
            info[name] = d
    rows = []
    base = statistics.median(times["base"]) if times.get("base") else None
    print("%-18s %-4s %8s %8s %7s  %s" % ("variant", "kind", "ns/pkt", "vs base", "insns",
                                         "what"))
    for name, kind, desc, o in built:
        if not times[name] or name in skipped:
            continue
        ns = statistics.median(times[name])
        rows.append({"variant": name, "kind": kind or "base", "description": desc, "ns": ns,
                     "delta_ns": ns - base if base else None, "runs_ns": times[name],
                     "verified_insns": info[name]["verified_insns"],
                     "ns_empty": info[name]["ns_empty"]})
        print("%-18s %-4s %8.0f %+8.0f %7d  %s" % (name, kind, ns, ns - base if base else 0,
                                                info[name]["verified_insns"], desc))
    for name, why in skipped.items():
        print("%-18s skipped: %s" % (name, why))
    if "base" in info:
        print("empty XDP program: %d ns per repeat (the test_run loop itself)"
              % info["base"]["ns_empty"])
    with open(JSON_PATH, "w") as f:
        json.dump({"rounds": ROUNDS, "variants": rows, "skipped": skipped}, f, indent=2)
    print("ablate: wrote " + JSON_PATH)
    return 0


if __name__ == "__main__":
    sys.exit(main())
