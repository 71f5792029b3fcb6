#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""What each part of bpf/vtap.bpf.c costs (`make bench-ablate`).

Builds variants of the decap program into $OUT/bench/ablate/ (bpf/ is never
touched), each with one thing removed or changed by a textual edit, and
times them all with `vtap-bench prog` (repeated BPF_PROG_TEST_RUN of a valid
decap, median of 7 runs), in interleaved rounds. Reference variants (marked
"ref") break a feature and only show what it costs, or put back an earlier
version of a part (lru_per_frame: before the per-CPU source cache); the
others keep the program's behaviour and are candidate optimisations. A variant whose edit no
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

COUNT_DELIVERED = "\tcount_delivered(g, &pkt, pkt.inner_end - pkt.inner_off, 0);\n"
INSPECT = ("\tinspect_inner((void *)(long)ctx->data, (void *)(long)ctx->data_end,\n"
           "\t\t      pkt.inner_end - pkt.inner_off, &pkt);\n")
CACHE_HIT = "\t\tstats_add_frame(&c->st, pkt, bytes, slow, c->now_ns);\n\t\treturn;\n"
FN_START = "static __always_inline void count_delivered("

# count_delivered as it was before the per-CPU source cache (an LRU lookup
# and the coarse clock for every frame), from git: "" outside a checkout.
BEFORE_CACHE = "6d4e0d8"


def fn_at(commit):
    p = subprocess.run(["git", "show", "%s:%s" % (commit, SRC)], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    if p.returncode or FN_START not in p.stdout:
        return ""
    i = p.stdout.index(FN_START)
    return p.stdout[i:p.stdout.index("\n}\n", i) + 3]


LRU_PER_FRAME = fn_at(BEFORE_CACHE)


def replace_fn(s, text):
    """count_delivered() replaced whole by text."""
    i = s.index(FN_START)
    j = s.index("\n}\n", i) + 3
    return s[:i] + text + s[j:]


# name, kind, description, edit, the texts the edit needs
VARIANTS = [
    ("base", "", "bpf/vtap.bpf.c as it is", lambda s: s, []),
    ("lru_per_frame", "ref", "before the source cache: LRU lookup + coarse clock every frame",
     lambda s: replace_fn(s, LRU_PER_FRAME), [FN_START] + ([] if LRU_PER_FRAME else ["git"])),
    ("clock_per_frame", "ref", "the cache, but the coarse clock read every frame, not once a tick",
     lambda s: s.replace(CACHE_HIT, CACHE_HIT.replace("c->now_ns", "bpf_ktime_get_coarse_ns()")),
     [CACHE_HIT]),
    ("no_buff_len", "ref", "linear length (data_end - data) instead of bpf_xdp_get_buff_len()",
     lambda s: s.replace("bpf_xdp_get_buff_len(ctx)", "(__u32)(ctx->data_end - ctx->data)"),
     ["bpf_xdp_get_buff_len(ctx)"]),
    ("no_per_source", "ref", "no per-source counters at all",
     lambda s: s.replace(COUNT_DELIVERED, ""), [COUNT_DELIVERED]),
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
    print("%-18s %-4s %8s %8s %6s %7s  %s" % ("variant", "kind", "ns/pkt", "vs base", "x base",
                                              "insns", "what"))
    for name, kind, desc, o in built:
        if not times[name] or name in skipped:
            continue
        ns = statistics.median(times[name])
        rows.append({"variant": name, "kind": kind or "base", "description": desc, "ns": ns,
                     "delta_ns": ns - base if base else None,
                     "ratio_to_base": round(ns / base, 3) if base else None, "runs_ns": times[name],
                     "verified_insns": info[name]["verified_insns"],
                     "ns_empty": info[name]["ns_empty"]})
        print("%-18s %-4s %8.0f %+8.0f %6.2f %7d  %s" % (
            name, kind, ns, ns - base if base else 0, ns / base if base else 0,
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
