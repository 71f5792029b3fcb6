#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""vtap throughput benchmark (`make bench`; method in docs/performance.md).

Two network namespaces joined by a veth pair: the generator's end (gen0) and
the collector's NIC (nic0). build/vtap-bench pushes VXLAN packets into gen0
with BPF_PROG_TEST_RUN live frames, so they arrive at nic0 through its XDP
ring and NAPI, where the sink under test runs. Everything (generator, NIC
NAPI, target NAPI, stack) runs in softirq on one pinned CPU; packet capture
and this script run on another. The rate is read at the collector: the
sink's rx counter over a fixed window in the middle of each run.

Environment (defaults in brackets):
  OUT [build], BENCH_JSON [$OUT/bench.json], BENCH_PNG [$OUT/bench.png]
  BENCH_RUNS [5] runs per point, median; BENCH_SECONDS [1.0] measuring
  window per run; BENCH_WARMUP [0.3]; BENCH_SIZES ["64 512 1500"]
  BENCH_ONLY ["": all but the extra scenarios] scenario ids to run
  BENCH_LOADER [auto] vtapctl | bpftool (auto: vtapctl, else bpftool)
  BENCH_VTAP_OBJ [$OUT/vtap.bpf.o] the object bpftool loads (vtapctl embeds
      its own, so set BENCH_LOADER=bpftool with it)
  BENCH_CPU [last CPU] the pipeline's CPU; BENCH_NOTE text for JSON and chart
  BENCH_PERF=1 perf record each scenario's first window into
      $OUT/bench/perf-ID-SIZE.{data,txt} (slows that run down)
  BENCH_NIC_STACK [pass] pass | gro: how nic0 hands frames to its stack
  BENCH_TARGET_TC [tcx] tcx | clsact: the drop hook on the targets made here
      (tcx as vtapctl does on Linux 6.6+; clsact as it does before)
`bench.py --markdown FILE.json` prints a run's results as Markdown tables.
"""
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

OUT = os.environ.get("OUT", "build")
JSON_PATH = os.environ.get("BENCH_JSON", os.path.join(OUT, "bench.json"))
PNG_PATH = os.environ.get("BENCH_PNG", os.path.join(OUT, "bench.png"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "1.0"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "0.3"))
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "64 512 1500").split()]
ONLY = os.environ.get("BENCH_ONLY", "").split()
LOADER = os.environ.get("BENCH_LOADER", "auto")
NOTE = os.environ.get("BENCH_NOTE", "")
PERF = os.environ.get("BENCH_PERF", "") not in ("", "0")
NCPU = os.cpu_count() or 1
GEN_CPU = int(os.environ.get("BENCH_CPU", str(NCPU - 1)))
OTHER_CPUS = ",".join(str(c) for c in range(NCPU) if c != GEN_CPU) or str(GEN_CPU)

TAG = str(os.getpid())
NS_GEN = "vtb-gen-" + TAG
NS_COL = "vtb-col-" + TAG
PIN = "/sys/fs/bpf/vtap-bench-" + TAG
VTAPCTL = os.path.join(OUT, "vtapctl")
VTAP_OBJ = os.environ.get("BENCH_VTAP_OBJ", os.path.join(OUT, "vtap.bpf.o"))
MONITOR_OBJ = os.path.join(OUT, "vtap_monitor.bpf.o")
BENCH_OBJ = os.path.join(OUT, "bench", "bench.bpf.o")
BENCH_TOOL = os.path.join(OUT, "vtap-bench")
VNI = 42
# The tc hook that keeps vtap0's frames from the stack on the targets this
# script makes (redirect-only; vtap with BENCH_LOADER=bpftool): tcx, as
# vtapctl uses on Linux 6.6+, so the floor and vtap pay the same hook;
# BENCH_TARGET_TC=clsact for the older kernels' hook.
TARGET_TC = os.environ.get("BENCH_TARGET_TC", "tcx")
KSOFTIRQD = {}          # CPU: its ksoftirqd's pid
SCALE_SOURCES = [1, 256, 16384, 65536]
SCALE_MAX_SOURCES = 16384
NIC_MTU = 3000          # fits 1500-byte inner frames whole; XDP on a veth without frags up to ~3.5K


def log(msg):
    print("bench: " + msg, flush=True)


def run(cmd, ns=None, check=True, capture=True):
    if ns:
        cmd = ["nsenter", "--net=/run/netns/" + ns] + cmd
    p = subprocess.run(cmd, stdout=subprocess.PIPE if capture else None,
                       stderr=subprocess.PIPE if capture else None, text=True)
    if check and p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), p.returncode,
                                                (p.stderr or "").strip()))
    return p


def links(ns):
    """{ifname: {"ifindex", "address", "rx", "tx"}} of a namespace, one `ip` call."""
    p = run(["ip", "-n", ns, "-s", "-j", "link", "show"])
    res = {}
    for link in json.loads(p.stdout):
        st = link.get("stats64", {})
        res[link["ifname"]] = {"ifindex": link["ifindex"], "address": link.get("address"),
                               "rx": st.get("rx", {}).get("packets", 0),
                               "tx": st.get("tx", {}).get("packets", 0)}
    return res


def cpu_ns(pids):
    """CPU time (ns) the scheduler charged to these tasks so far."""
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/schedstat" % pid) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def sample(ns, pids):
    """Counters of a namespace, with the time and the CPU time of pids taken
    around the same instant (midpoints)."""
    c0, t0 = cpu_ns(pids), time.monotonic()
    c = links(ns)
    t1, c1 = time.monotonic(), cpu_ns(pids)
    return (t0 + t1) / 2, (c0 + c1) / 2, c


def ksoftirqd(cpu):
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open("/proc/%s/comm" % pid) as f:
                    if f.read().strip() == "ksoftirqd/%d" % cpu:
                        return int(pid)
            except OSError:
                pass
    return None


def ethtool_stats(ns, dev):
    p = run(["ethtool", "-S", dev], ns=ns, check=False)
    res = {}
    for line in p.stdout.splitlines():
        m = re.match(r"\s*(\S+):\s*(\d+)$", line)
        if m:
            res[m.group(1)] = int(m.group(2))
    return res


def xdp_attach(dev, prog_pin, mode="xdpdrv"):
    run(["ip", "link", "set", "dev", dev, mode, "pinned", prog_pin], ns=NS_COL)


def xdp_detach(dev):
    for mode in ("xdpdrv", "xdpgeneric"):
        run(["ip", "link", "set", "dev", dev, mode, "off"], ns=NS_COL, check=False)


def set_devmap(map_pin, ifindex):
    value = ["%02x" % b for b in ifindex.to_bytes(4, "little")]
    run(["bpftool", "map", "update", "pinned", map_pin, "key", "hex", "00", "00", "00", "00",
         "value", "hex"] + value, ns=NS_COL)


class Env:
    def __init__(self):
        self.tcpdumps = []
        self.vtap_attached = None
        self.loader = None
        self.loader_note = ""
        self.gen_method = None

    # ---- namespaces, NIC, bench programs ---------------------------------
    def setup(self):
        for ns in (NS_GEN, NS_COL):
            run(["ip", "netns", "add", ns])
        # One receive queue per CPU, as RSS gives a real NIC: a veth puts
        # what is sent on CPU n into queue n, whose NAPI then runs on CPU n.
        q = ["numtxqueues", str(NCPU), "numrxqueues", str(NCPU)]
        run(["ip", "-n", NS_GEN, "link", "add", "name", "gen0", "mtu", str(NIC_MTU)] + q +
            ["type", "veth", "peer", "name", "nic0", "netns", NS_COL, "mtu", str(NIC_MTU)] + q)
        for ns in (NS_GEN, NS_COL):     # no IPv6 chatter among the measured frames
            for conf in ("all", "default"):
                run(["sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % conf], ns=ns)
        for ns, dev, addr in ((NS_GEN, "gen0", "198.18.0.1/24"), (NS_COL, "nic0", "198.18.0.2/24")):
            run(["ip", "-n", ns, "addr", "add", addr, "dev", dev])
            run(["ip", "-n", ns, "link", "set", "dev", dev, "up"])
            run(["ip", "-n", ns, "link", "set", "dev", "lo", "up"])
        os.makedirs(PIN + "/maps", exist_ok=True)
        # No "type xdp": sections type the programs (xdp.frags, tc), and
        # forcing xdp fails for objects that also hold a tc program.
        run(["bpftool", "prog", "loadall", BENCH_OBJ, PIN + "/progs", "pinmaps", PIN + "/maps"])
        run(["bpftool", "prog", "loadall", MONITOR_OBJ, PIN + "/monitor"])
        g, c = links(NS_GEN), links(NS_COL)
        self.gen_ifindex = g["gen0"]["ifindex"]
        self.nic_mac = c["nic0"]["address"]

    def cleanup(self):
        for t in self.tcpdumps:
            if t.poll() is None:
                t.kill()
        self.detach_vtap()
        for ns in (NS_GEN, NS_COL):
            run(["ip", "netns", "del", ns], check=False)
        if os.path.isdir(PIN):
            shutil.rmtree(PIN, ignore_errors=True)

    # ---- the monitor target: the same as vtapctl's veth backend -----------
    def make_target(self, xdp_prog=None, queues=1):
        """vtap0 + vtap0-feed as vtapctl makes them (user/backend.c, user/attach.c);
        queues > 1: that many receive queues (vtapctl makes one)."""
        q = ["numtxqueues", str(queues), "numrxqueues", str(queues)]
        run(["ip", "link", "add", "name", "vtap0", "mtu", "9000"] + q + ["type", "veth", "peer",
             "name", "vtap0-feed", "mtu", "9000"] + q, ns=NS_COL)
        run(["ethtool", "-K", "vtap0", "gro", "off"], ns=NS_COL, check=False)
        for dev in ("vtap0-feed", "vtap0"):
            run(["sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % dev.replace(".", "/")],
                ns=NS_COL, check=False)
            run(["ip", "link", "set", "dev", dev, "arp", "off", "multicast", "off", "up"],
                ns=NS_COL)
        xdp_attach("vtap0", xdp_prog or PIN + "/monitor/vtap_monitor_xdp")
        if TARGET_TC == "tcx":
            shutil.rmtree(PIN + "/tcx-link", ignore_errors=True)
            run([BENCH_TOOL, "tcx", "--dev", "vtap0", "--prog", PIN + "/monitor/vtap_monitor_tc",
                 "--pin", PIN + "/tcx-link"], ns=NS_COL)
        else:
            run(["tc", "qdisc", "add", "dev", "vtap0", "clsact"], ns=NS_COL)
            run(["tc", "filter", "add", "dev", "vtap0", "ingress", "bpf", "direct-action",
                 "pinned", PIN + "/monitor/vtap_monitor_tc"], ns=NS_COL)
        return links(NS_COL)["vtap0-feed"]["ifindex"]

    def del_target(self):
        run(["ip", "link", "del", "dev", "vtap0"], ns=NS_COL, check=False)
        if os.path.exists(PIN + "/tcx-link"):
            os.unlink(PIN + "/tcx-link")

    # ---- vtap: through vtapctl, or with bpftool while vtapctl can't -------
    def attach_vtap(self, mode, target_xdp=None, ports=(), queues=1):
        if (not target_xdp and queues == 1 and LOADER in ("auto", "vtapctl") and
                os.access(VTAPCTL, os.X_OK)):
            p = run([VTAPCTL, "attach", "nic0", "--mode", mode, "--backend", "veth",
                     "--pin-root", PIN + "/vtap"] + list(ports), ns=NS_COL, check=False)
            if p.returncode == 0:
                self.loader = "vtapctl"
                self.vtap_attached = "vtapctl"
                return
            msg = (p.stderr or p.stdout).strip()
            if LOADER == "vtapctl":
                raise RuntimeError("vtapctl attach: " + msg)
            self.loader_note = "vtapctl attach failed (%s); used bpftool" % msg
            log(self.loader_note)
            self.del_target()
        elif LOADER == "vtapctl":
            raise RuntimeError("no %s" % VTAPCTL)
        # bpftool: load, pin the maps, point vtap_target at our own target.
        d = PIN + "/bpftool-vtap"
        os.makedirs(d, exist_ok=True)
        run(["bpftool", "prog", "loadall", VTAP_OBJ, d + "/progs", "pinmaps", d + "/maps"])
        feed = self.make_target(target_xdp, queues)
        set_devmap(d + "/maps/vtap_target", feed)
        xdp_attach("nic0", d + "/progs/vtap_xdp", "xdpdrv" if mode == "native" else "xdpgeneric")
        if not target_xdp and queues == 1:
            self.loader = "bpftool"
        self.vtap_attached = "bpftool"

    def detach_vtap(self):
        if self.vtap_attached == "vtapctl":
            run([VTAPCTL, "detach", "nic0", "--pin-root", PIN + "/vtap"], ns=NS_COL, check=False)
        elif self.vtap_attached == "bpftool":
            xdp_detach("nic0")
            self.del_target()
            shutil.rmtree(PIN + "/bpftool-vtap", ignore_errors=True)
        self.vtap_attached = None

    def vtap_stats(self):
        if self.vtap_attached == "vtapctl":
            p = run([VTAPCTL, "stats", "nic0", "--json", "--pin-root", PIN + "/vtap"],
                    ns=NS_COL, check=False)
            try:
                return json.loads(p.stdout)["global"]
            except (ValueError, KeyError):
                return None
        return None

    # ---- packet capture -----------------------------------------------------
    def tcpdump_start(self, dev):
        cmd = ["nsenter", "--net=/run/netns/" + NS_COL, "taskset", "-c", OTHER_CPUS,
               "tcpdump", "-i", dev, "-n", "-w", "/dev/null"]
        t = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.tcpdumps.append(t)
        line = t.stderr.readline()          # "listening on vtap0, ..."
        if "listening" not in line:
            raise RuntimeError("tcpdump -i %s: %s" % (dev, line.strip()))
        return t

    def tcpdump_stop(self, t):
        t.send_signal(signal.SIGINT)
        err = t.communicate(timeout=10)[1]
        self.tcpdumps.remove(t)
        stats = {}
        for key, pat in (("captured", r"(\d+) packets? captured"),
                         ("received", r"(\d+) packets? received by filter"),
                         ("dropped", r"(\d+) packets? dropped by kernel")):
            m = re.search(pat, err)
            stats[key] = int(m.group(1)) if m else None
        return stats

    # ---- one measurement ------------------------------------------------------
    def measure(self, sc, size, perf=False):
        tcp = self.tcpdump_start(sc["capture"]) if sc.get("capture") else None
        e0 = ethtool_stats(NS_GEN, "gen0")
        # One generator per CPU of the scenario (the flows of each with its
        # own outer source port, as RSS spreads them).
        cpus = sc.get("cpus") or [GEN_CPU]
        gens = [subprocess.Popen(
            ["nsenter", "--net=/run/netns/" + NS_GEN, "taskset", "-c", str(cpu), BENCH_TOOL,
             "gen", "--ifindex", str(self.gen_ifindex), "--dst-mac", self.nic_mac,
             "--size", str(size), "--vni", str(VNI), "--sources", str(sc.get("sources", 1)),
             "--sport", str(49152 + i),
             "--seconds", str(int(WARMUP + SECONDS + 30))] + (["--geneve"] if sc.get("geneve") else []),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for i, cpu in enumerate(cpus)]
        try:
            for gen in gens:
                start = gen.stdout.readline()
                if '"start"' not in start:
                    raise RuntimeError("generator: " + gen.communicate()[1].strip())
                self.gen_method = json.loads(start).get("method", "live_frames")
            # The pipeline's CPU time: the generators' tasks, in whose
            # context the NAPI softirqs run, and ksoftirqd when they are
            # deferred (tick accounting, no IRQ time accounting here).
            pids = [g.pid for g in gens] + [p for p in (KSOFTIRQD.get(c) for c in cpus) if p]
            time.sleep(WARMUP)
            rec = perf_start(sc["id"], size) if perf else None
            t0, cpu0, c0 = sample(NS_COL, pids)
            time.sleep(SECONDS)
            t1, cpu1, c1 = sample(NS_COL, pids)
            if rec:
                perf_stop(rec)
            alive = all(g.poll() is None for g in gens)
        finally:
            errs = []
            for gen in gens:
                if gen.poll() is None:
                    gen.send_signal(signal.SIGTERM)
            for gen in gens:
                errs.append(gen.communicate(timeout=30)[1])
        if any(g.returncode != 0 for g in gens) or not alive:
            raise RuntimeError("generator stopped early: %s" % " ".join(e.strip() for e in errs))
        e1 = ethtool_stats(NS_GEN, "gen0")
        cap = None
        if tcp:
            time.sleep(0.1)     # let the capture ring drain
            cap = self.tcpdump_stop(tcp)
        dt = t1 - t0
        sink = c1[sc["sink"]]["rx"] - c0[sc["sink"]]["rx"]
        nic = c1["nic0"]["rx"] - c0["nic0"]["rx"]

        def xmit(e, suffix):
            return sum(v for k, v in e.items() if re.match(r"tx_queue_\d+_xdp_xmit%s$" % suffix, k))
        sent = xmit(e1, "") - xmit(e0, "")
        xmit_err = xmit(e1, "_errors") - xmit(e0, "_errors")
        cpu_s = (cpu1 - cpu0) / 1e9
        res = {"wall_mpps": sink / dt / 1e6, "nic_mpps": nic / dt / 1e6, "window_s": dt,
               "cpu_share": cpu_s / dt / len(cpus), "sent_run": sent, "ring_drops_run": xmit_err}
        # Mpps per CPU-second of the pipeline: on a quiet machine the same
        # as the wall-clock rate (per CPU); on a shared one it discounts
        # the time other tasks took from the generators' CPUs.
        res["mpps"] = (sink / cpu_s / 1e6 if cpu_s > 0.05 * dt * len(cpus)
                       else res["wall_mpps"] / len(cpus))
        if cap and cap["received"]:
            res["capture_drop_pct"] = 100.0 * (cap["dropped"] or 0) / cap["received"]
            res["capture"] = cap
        return res


def perf_start(sid, size):
    base = os.path.join(OUT, "bench", "perf-%s-%d" % (sid, size))
    p = subprocess.Popen(["perf", "record", "-q", "-C", str(GEN_CPU), "-g", "-F", "4000",
                          "-o", base + ".data"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    return p, base


def perf_stop(rec):
    p, base = rec
    p.send_signal(signal.SIGINT)
    p.wait(timeout=30)
    with open(base + ".txt", "w") as f:
        # Only the pipeline: the generator's task and ksoftirqd, not the
        # other tasks that shared its CPU.
        subprocess.run(["perf", "report", "-i", base + ".data", "--stdio", "--no-children",
                        "--comms", "vtap-bench,ksoftirqd/%d" % GEN_CPU,
                        "--percentage", "relative", "--sort", "sym", "-g", "none",
                        "--percent-limit", "0.5"],
                       stdout=f, stderr=subprocess.DEVNULL)


# ---- scenarios ---------------------------------------------------------------
# How frames reach nic0's stack without vtap. A veth takes redirected frames
# only with NAPI on, which an XDP program or GRO turns on; a real NIC needs
# neither. BENCH_NIC_STACK=pass (default): an XDP_PASS program; =gro: GRO.
NIC_STACK = os.environ.get("BENCH_NIC_STACK", "pass")


def nic_to_stack():
    if NIC_STACK == "gro":
        run(["ethtool", "-K", "nic0", "gro", "on"], ns=NS_COL)
    else:
        xdp_attach("nic0", PIN + "/progs/bench_pass")


def nic_to_stack_off():
    if NIC_STACK == "gro":
        run(["ethtool", "-K", "nic0", "gro", "off"], ns=NS_COL, check=False)
    else:
        xdp_detach("nic0")


def sc_stack():
    def setup(env):
        nic_to_stack()

    def teardown(env):
        nic_to_stack_off()
    return setup, teardown


def sc_xdp(prog):
    def setup(env):
        xdp_attach("nic0", PIN + "/progs/" + prog)

    def teardown(env):
        xdp_detach("nic0")
    return setup, teardown


def sc_redirect():
    def setup(env):
        feed = env.make_target()
        set_devmap(PIN + "/maps/bench_target", feed)
        xdp_attach("nic0", PIN + "/progs/bench_redirect")

    def teardown(env):
        xdp_detach("nic0")
        env.del_target()
    return setup, teardown


def sc_vtap(mode, target_xdp=None, ports=(), queues=1):
    def setup(env):
        if mode == "generic":
            # A veth takes XDP frames only with NAPI on: a native XDP
            # program or GRO. A real NIC needs neither.
            run(["ethtool", "-K", "nic0", "gro", "on"], ns=NS_COL)
        env.attach_vtap(mode, target_xdp and PIN + "/progs/" + target_xdp, ports, queues)

    def teardown(env):
        env.detach_vtap()
        if mode == "generic":
            run(["ethtool", "-K", "nic0", "gro", "off"], ns=NS_COL, check=False)
    return setup, teardown


def sc_vxlan(external):
    def setup(env):
        args = ["ip", "link", "add", "name", "vx0", "type", "vxlan"]
        args += ["dstport", "4789", "external"] if external else ["id", str(VNI), "dstport", "4789"]
        run(args, ns=NS_COL)
        run(["ip", "link", "set", "dev", "vx0", "up"], ns=NS_COL)
        nic_to_stack()

    def teardown(env):
        nic_to_stack_off()
        run(["ip", "link", "del", "dev", "vx0"], ns=NS_COL, check=False)
    return setup, teardown


SCENARIOS = [
    dict(id="xdp_drop", label="XDP_DROP on the NIC (ceiling)", sink="nic0", fn=sc_xdp("bench_drop")),
    dict(id="redirect_only", label="redirect-only into vtap0 (floor)", sink="vtap0",
         fn=sc_redirect()),
    dict(id="vtap", label="vtap native -> vtap0", sink="vtap0", fn=sc_vtap("native")),
    dict(id="vtap_tcpdump", label="vtap native -> vtap0 + tcpdump", sink="vtap0",
         capture="vtap0", fn=sc_vtap("native")),
    # Google Cloud's GENEVE (IP-only, Google's options) on a NIC that takes
    # VXLAN too: the header written, the options walked for the direction.
    dict(id="vtap_geneve", label="vtap native GENEVE -> vtap0", sink="vtap0", geneve=True,
         fn=sc_vtap("native", ports=("--port", "4789", "--geneve-port", "6081"))),
    dict(id="vtap_generic", label="vtap generic -> vtap0", sink="vtap0", fn=sc_vtap("generic")),
    dict(id="vtap_generic_tcpdump", label="vtap generic -> vtap0 + tcpdump", sink="vtap0",
         capture="vtap0", fn=sc_vtap("generic")),
    dict(id="kernel_vxlan", label="kernel vxlan id %d" % VNI, sink="vx0", fn=sc_vxlan(False)),
    dict(id="kernel_vxlan_tcpdump", label="kernel vxlan id %d + tcpdump" % VNI, sink="vx0",
         capture="vx0", fn=sc_vxlan(False)),
    dict(id="kernel_vxlan_external", label="kernel vxlan external", sink="vx0",
         fn=sc_vxlan(True)),
    dict(id="kernel_vxlan_external_tcpdump", label="kernel vxlan external + tcpdump", sink="vx0",
         capture="vx0", fn=sc_vxlan(True)),
    dict(id="nic_tcpdump", label="tcpdump on the NIC (VXLAN)", sink="nic0", capture="nic0",
         fn=sc_stack()),
    # Not run unless named in BENCH_ONLY: vtap into a vtap0 whose XDP drops
    # every frame, so no skb is built: what a backend that skips the skb
    # when nobody listens (vtap.ko could) would cost. Attached with bpftool.
    dict(id="vtap_no_skb", label="vtap native -> target drops in XDP", sink="vtap0",
         fn=sc_vtap("native", "bench_drop"), extra=True),
] + [
    # How the cost grows (64-byte frames): with the number of outer sources,
    # each frame from the next one in turn (the per-source counters' worst
    # case: no two frames in a row from one source), in a table of 16384
    # (65536: eviction under way) ...
    dict(id="vtap_sources_%d" % n, label="vtap native, %d sources in turn" % n, sink="vtap0",
         sources=n, scaling="sources", sizes=[64],
         fn=sc_vtap("native", ports=("--max-sources", str(SCALE_MAX_SOURCES))))
    for n in SCALE_SOURCES
] + [
    # ... and with CPUs: a generator on each, into its own queue of nic0,
    # and vtap0 with a queue per CPU as well (vtapctl's veth backend makes
    # one: attached with bpftool here). The same target for 1 and 2.
    dict(id="vtap_cpus_%d" % len(c), label="vtap native, %d CPU(s)" % len(c), sink="vtap0",
         cpus=c, scaling="cpus", sizes=[64], fn=sc_vtap("native", queues=NCPU))
    for c in ([GEN_CPU], list(range(NCPU)))[:2 if NCPU > 1 else 1]
] + [
    # Only when named: every CPU into vtapctl's own veth backend (vtap0
    # with one queue), to see what that single queue does to the scaling.
    dict(id="vtap_cpus_%d_vtapctl" % NCPU, label="vtap native, %d CPUs, vtapctl's vtap0" % NCPU,
         sink="vtap0", cpus=list(range(NCPU)), sizes=[64], extra=True, fn=sc_vtap("native"))
]


def median(values):
    return statistics.median(values) if values else None


def summarise(runs):
    mpps = [r["mpps"] for r in runs]
    s = {"runs_mpps": [round(v, 4) for v in mpps], "mpps": median(mpps),
         "wall_mpps": median([r["wall_mpps"] for r in runs]),
         "cpu_share": median([r["cpu_share"] for r in runs]),
         "nic_mpps": median([r["nic_mpps"] for r in runs]),
         "ring_drops": sum(r["ring_drops_run"] for r in runs),
         "sent": sum(r["sent_run"] for r in runs)}
    s["ns_per_packet"] = 1000.0 / s["mpps"] if s["mpps"] else None
    drops = [r["capture_drop_pct"] for r in runs if "capture_drop_pct" in r]
    if drops:
        s["capture_drop_pct"] = median(drops)
        s["captured_mpps"] = median([r["mpps"] * (1 - r["capture_drop_pct"] / 100)
                                     for r in runs if "capture_drop_pct" in r])
    return s


def prog_run(size, sources=1):
    p = run(["taskset", "-c", str(GEN_CPU), BENCH_TOOL, "prog", "--obj", VTAP_OBJ,
             "--size", str(size), "--repeat", "1000000", "--sources", str(sources)], check=False)
    if p.returncode != 0:
        log("program alone (%d bytes, %d sources): %s" % (size, sources, p.stderr.strip()))
        return None
    return json.loads(p.stdout)


def program_alone():
    res = {}
    for size in (64, 1500):
        r = prog_run(size)
        if r:
            res[str(size)] = r
    return res


def program_sources():
    """The program alone at 64 bytes, each repeat from the next of n sources
    (vtap's own table of 16384: the object's default)."""
    res = {}
    for n in SCALE_SOURCES:
        r = prog_run(64, n)
        if r:
            res[str(n)] = r["ns_decap"]
    return res


def scaling(results, prog_sources):
    """scaling.sources: ns per delivered frame against the number of
    sources; scaling.cpus: Mpps with 1 and 2 CPUs (per CPU-second times
    the CPUs: the total when each CPU is the pipeline's alone)."""
    def point(sid):
        return results.get(sid, {}).get("64") or next(iter(results.get(sid, {}).values()), None)
    src, cpus, per_cpu, wall = {}, {}, {}, {}
    for n in SCALE_SOURCES:
        r = point("vtap_sources_%d" % n)
        if r and r["ns_per_packet"]:
            src[str(n)] = round(r["ns_per_packet"], 1)
    for sc in SCENARIOS:
        if sc.get("scaling") == "cpus" and point(sc["id"]):
            r, k = point(sc["id"]), str(len(sc["cpus"]))
            per_cpu[k] = round(r["mpps"], 4)
            cpus[k] = round(r["mpps"] * len(sc["cpus"]), 4)
            wall[k] = round(r["wall_mpps"], 4)
    return {"sources": src, "sources_program_ns": prog_sources, "cpus": cpus,
            "cpus_per_cpu_mpps": per_cpu, "cpus_wall_mpps": wall,
            "sources_ratio": ratio(src.get("65536"), src.get("1")),
            "sources_program_ratio": ratio(prog_sources.get("65536"), prog_sources.get("1")),
            "cpus_ratio": ratio(cpus.get("2"), cpus.get("1"))}


def ratio(a, b):
    return round(a / b, 3) if a and b else None


def compute_ratios(results):
    by_size = {}
    for size in SIZES:
        r = {sid: results.get(sid, {}).get(str(size), {}) for sid in [s["id"] for s in SCENARIOS]}

        def m(sid, key="mpps"):
            return r[sid].get(key)
        by_size[str(size)] = {
            "vtap_vs_kernel_vxlan": ratio(m("vtap"), m("kernel_vxlan")),
            "vtap_vs_kernel_vxlan_tcpdump": ratio(m("vtap_tcpdump", "captured_mpps"),
                                                  m("kernel_vxlan_tcpdump", "captured_mpps")),
            "vtap_vs_kernel_vxlan_tcpdump_delivered": ratio(m("vtap_tcpdump"),
                                                            m("kernel_vxlan_tcpdump")),
            "vtap_vs_kernel_vxlan_external": ratio(m("vtap"), m("kernel_vxlan_external")),
            "vtap_vs_redirect_only": ratio(m("vtap"), m("redirect_only")),
            "vtap_geneve_vs_vtap": ratio(m("vtap_geneve"), m("vtap")),
            "vtap_vs_xdp_drop": ratio(m("vtap"), m("xdp_drop")),
            "vtap_generic_vs_kernel_vxlan": ratio(m("vtap_generic"), m("kernel_vxlan")),
            "vtap_vs_nic_tcpdump": ratio(m("vtap_tcpdump", "captured_mpps"),
                                         m("nic_tcpdump", "captured_mpps")),
        }
    return by_size


def fmt(v, spec):
    return format(v, spec) if isinstance(v, (int, float)) else "-"


def print_table(results, ratios, prog):
    drop = {size: results.get("xdp_drop", {}).get(str(size), {}).get("ns_per_packet")
            for size in SIZES}
    print()
    print("%-34s %5s %6s %6s %5s %6s %7s %7s %7s %8s" % (
        "scenario", "inner", "Mpps", "wall", "cpu%", "ns/pkt", "+ns/drp", "cap.drp",
        "cap.Mpps", "ringdrop"))
    for sc in SCENARIOS:
        for size in SIZES:
            s = results.get(sc["id"], {}).get(str(size))
            if not s:
                continue
            extra = (s["ns_per_packet"] - drop[size]) if s["ns_per_packet"] and drop[size] else None
            cap = fmt(s.get("capture_drop_pct"), ".1f") + "%" if "capture_drop_pct" in s else "-"
            print("%-34s %5d %6s %6s %5s %6s %7s %7s %7s %8d" % (
                sc["label"][:34], size, fmt(s["mpps"], ".3f"), fmt(s["wall_mpps"], ".3f"),
                fmt(100 * s["cpu_share"], ".0f"), fmt(s["ns_per_packet"], ".0f"),
                fmt(extra, "+.0f"), cap, fmt(s.get("captured_mpps"), ".3f"), s["ring_drops"]))
    print("Mpps: frames delivered to the sink per second of the pipeline's CPU time (one CPU);"
          " wall: per second of wall time; cpu%: the pipeline's share of its CPU in the window")
    print()
    print("ratios (inner frame size: " + ", ".join(str(s) for s in SIZES) + ")")
    for key in next(iter(ratios.values())).keys():
        print("  %-40s %s" % (key, "  ".join(fmt(ratios[str(s)][key], "6.2f") for s in SIZES)))
    if prog:
        print()
        for size, p in prog.items():
            print("program alone (%s-byte inner): decap %d ns, empty XDP program %d ns (x%.1f); "
                  "verified insns %d, jited %d bytes; %d/%d repeats redirected" % (
                      size, p["ns_decap"], p["ns_empty"], p["ns_decap"] / max(p["ns_empty"], 1),
                      p["verified_insns"], p["jited_bytes"], p["redirected"],
                      p["expected_redirected"]))


def targets(ratios, prog, scale):
    r = ratios.get("64") or next(iter(ratios.values()))
    p = prog.get("64")
    checks = [("decap >= 3x kernel vxlan, no listener", r["vtap_vs_kernel_vxlan"], 3.0),
              ("decap >= 2x kernel vxlan, tcpdump on both", r["vtap_vs_kernel_vxlan_tcpdump"], 2.0),
              ("decap >= 90% of redirect-only", r["vtap_vs_redirect_only"], 0.9),
              ("2 CPUs >= 1.7x one CPU", scale.get("cpus_ratio"), 1.7)]
    out = []
    for name, value, want in checks:
        out.append({"target": name, "value": value, "want": want,
                    "met": value is not None and value >= want})
    at_most = [("65536 sources (table 16384) <= 1.5x one source", scale.get("sources_ratio"), 1.5)]
    if p:
        at_most.append(("program alone <= 3x empty program",
                        round(p["ns_decap"] / max(p["ns_empty"], 1), 2), 3.0))
    for name, value, want in at_most:
        out.append({"target": name, "value": value, "want": want,
                    "met": value is not None and value <= want})
    return out


def chart(results, meta, scale):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("no matplotlib (apt-get install python3-matplotlib): no chart")
        return None
    scs = [s for s in SCENARIOS if s["id"] in results and not s.get("scaling")]
    top = 0.26 * len(scs) * len(SIZES) + 2
    fig = plt.figure(figsize=(10, top + 3.2))
    grid = fig.add_gridspec(2, 2, height_ratios=[top, 3.2])
    ax = fig.add_subplot(grid[0, :])
    height = 0.8 / len(SIZES)
    colors = ["#4c72b0", "#dd8452", "#55a868", "#c44e52"]
    for i, size in enumerate(SIZES):
        ys = [len(scs) - 1 - k + (len(SIZES) / 2 - i - 0.5) * height for k in range(len(scs))]
        vals = [results[s["id"]].get(str(size), {}).get("mpps") or 0 for s in scs]
        bars = ax.barh(ys, vals, height=height, color=colors[i % len(colors)],
                       label="%d-byte inner frame" % size)
        for b, v in zip(bars, vals):
            if v:
                ax.text(b.get_width(), b.get_y() + b.get_height() / 2, " %.2f" % v,
                        va="center", fontsize=7)
    ax.set_yticks(range(len(scs)))
    ax.set_yticklabels([s["label"] for s in reversed(scs)], fontsize=8)
    ax.set_xlabel("Mpps delivered to the sink, one CPU (median of %d runs)" % RUNS)
    title = "vtap vs kernel vxlan, veth NIC, kernel %s, generator: %s" % (
        meta["kernel"], meta.get("generator") or "?")
    if meta.get("note"):
        title += "\n" + meta["note"]
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    # How the cost grows: with sources (each frame from the next), with CPUs.
    ax = fig.add_subplot(grid[1, 0])
    for key, label, mark in (("sources", "end to end (pipeline CPU time)", "o-"),
                             ("sources_program_ns", "program alone", "s--")):
        pts = sorted((int(n), v) for n, v in scale.get(key, {}).items())
        if pts:
            ax.plot([n for n, _ in pts], [v for _, v in pts], mark, label=label)
            for n, v in pts:
                ax.annotate("%.0f" % v, (n, v), fontsize=7, textcoords="offset points",
                            xytext=(0, 4), ha="center")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("outer sources, a new one every frame (table 16384)", fontsize=8)
    ax.set_ylabel("ns per frame, 64 B", fontsize=8)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    ax = fig.add_subplot(grid[1, 1])
    ks = sorted(scale.get("cpus", {}), key=int)
    if ks:
        xs = range(len(ks))
        tot = ax.bar([x - 0.2 for x in xs], [scale["cpus"][k] for k in ks], 0.4,
                     label="total (per CPU-second x CPUs)")
        per = ax.bar([x + 0.2 for x in xs], [scale["cpus_per_cpu_mpps"][k] for k in ks], 0.4,
                     label="per CPU")
        for b in list(tot) + list(per):
            ax.text(b.get_x() + b.get_width() / 2, b.get_height(), "%.2f" % b.get_height(),
                    ha="center", va="bottom", fontsize=7)
        ax.set_xticks(list(xs))
        ax.set_xticklabels(["%s CPU%s" % (k, "" if k == "1" else "s") for k in ks], fontsize=8)
    ax.set_ylabel("Mpps, vtap native, 64 B", fontsize=8)
    ax.legend(fontsize=7)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    os.makedirs(os.path.dirname(PNG_PATH) or ".", exist_ok=True)
    fig.savefig(PNG_PATH, dpi=110)
    return PNG_PATH


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[:3]


def main():
    if os.geteuid() != 0:
        log("needs root (network namespaces, XDP)")
        return 4
    for tool in ("ip", "tc", "bpftool", "ethtool", "tcpdump", "nsenter", "taskset"):
        if not shutil.which(tool):
            log("missing tool: %s (make deps)" % tool)
            return 1
    for f in (BENCH_TOOL, BENCH_OBJ, VTAP_OBJ, MONITOR_OBJ):
        if not os.path.exists(f):
            log("missing %s (make bench builds it)" % f)
            return 1
    os.sched_setaffinity(0, {int(c) for c in OTHER_CPUS.split(",")})
    global KSOFTIRQD
    KSOFTIRQD = {c: ksoftirqd(c) for c in range(NCPU)}
    meta = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "kernel": os.uname().release, "cpus": NCPU, "generator_cpu": GEN_CPU,
            "runs": RUNS, "window_s": SECONDS, "warmup_s": WARMUP, "sizes": SIZES,
            "note": NOTE, "loadavg_start": loadavg()}
    try:
        with open("/proc/cpuinfo") as f:
            meta["cpu_model"] = re.search(r"model name\s*:\s*(.*)", f.read()).group(1)
    except (OSError, AttributeError):
        pass
    log("generator on CPU %d; capture and sampling on CPU %s; %d runs of %.1f s per point"
        % (GEN_CPU, OTHER_CPUS, RUNS, SECONDS))
    env = Env()

    def on_signal(sig, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)
    results, vtap_counters, errors, t_start = {}, {}, {}, time.monotonic()
    try:
        env.setup()
        log("program alone (BPF_PROG_TEST_RUN, repeat 1000000)")
        prog = program_alone()
        log("program alone against the number of sources")
        prog_sources = program_sources()
        for sc in SCENARIOS:
            if (ONLY and sc["id"] not in ONLY) or (not ONLY and sc.get("extra")):
                continue
            setup, teardown = sc["fn"]
            try:
                setup(env)
                results[sc["id"]] = {}
                for size in [z for z in SIZES if z in sc.get("sizes", SIZES)] or SIZES[:1]:
                    runs = [env.measure(sc, size, perf=PERF and i == 0) for i in range(RUNS)]
                    s = summarise(runs)
                    results[sc["id"]][str(size)] = s
                    log("%-30s %5d B %6.3f Mpps (runs: %s; wall %.3f, cpu %.0f%%)%s" % (
                        sc["id"], size, s["mpps"], " ".join("%.3f" % v for v in s["runs_mpps"]),
                        s["wall_mpps"], 100 * s["cpu_share"],
                        "  capture drops %.1f%%" % s["capture_drop_pct"]
                        if "capture_drop_pct" in s else ""))
                st = env.vtap_stats()
                if st:
                    vtap_counters[sc["id"]] = st
                    if st.get("dropped_total") or st.get("redirected", 0) < 0.99 * st.get("seen", 0):
                        log("warning: vtap redirected %d of %d seen: %s" % (
                            st["redirected"], st["seen"], json.dumps(st)))
            except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
                log("%s: failed: %s" % (sc["id"], e))
                errors[sc["id"]] = str(e)
            finally:
                teardown(env)
    except KeyboardInterrupt:
        log("interrupted")
        return 1
    finally:
        env.cleanup()
    meta["loadavg_end"] = loadavg()
    meta["elapsed_s"] = round(time.monotonic() - t_start, 1)
    meta["vtap_loader"] = env.loader
    # live_frames, or af_packet where the kernel refuses live frames (EPERM):
    # then every frame is also an skb the veth converts, a fixed cost in
    # every scenario that compresses the ratios.
    meta["generator"] = env.gen_method
    if env.loader_note:
        meta["vtap_loader_note"] = env.loader_note

    ratios = compute_ratios(results)
    head = dict(ratios.get("64") or next(iter(ratios.values())))
    head["by_size"] = ratios
    scale = scaling(results, prog_sources)
    tgt = targets(ratios, prog, scale)
    print_table(results, ratios, prog)
    print()
    print("scaling (64 bytes): ns per frame by sources %s (x%s); program alone %s (x%s)" % (
        json.dumps(scale["sources"]), scale["sources_ratio"],
        json.dumps(scale["sources_program_ns"]), scale["sources_program_ratio"]))
    print("scaling (64 bytes): Mpps by CPUs %s (x%s), per CPU %s, wall %s" % (
        json.dumps(scale["cpus"]), scale["cpus_ratio"], json.dumps(scale["cpus_per_cpu_mpps"]),
        json.dumps(scale["cpus_wall_mpps"])))
    print()
    for t in tgt:
        print("target: %-44s %-6s (want %s) %s" % (t["target"], t["value"], t["want"],
                                                   "met" if t["met"] else "NOT met"))
    png = chart(results, meta, scale)
    doc = {"meta": meta, "scenarios": [
        {"id": s["id"], "label": s["label"], "results": results[s["id"]]}
        for s in SCENARIOS if s["id"] in results],
        "ratios": head, "program": prog, "scaling": scale, "targets": tgt,
        "vtap_counters": vtap_counters,
        "errors": errors}
    os.makedirs(os.path.dirname(JSON_PATH) or ".", exist_ok=True)
    with open(JSON_PATH, "w") as f:
        json.dump(doc, f, indent=2)
    log("wrote %s%s; %.0f s" % (JSON_PATH, " and " + png if png else "", meta["elapsed_s"]))
    if errors:
        log("failed scenarios: " + ", ".join(errors))
        return 1
    return 0


def markdown(path):
    """The results of a run as Markdown tables, for docs/performance.md and README."""
    with open(path) as f:
        d = json.load(f)
    meta, sizes = d["meta"], [str(s) for s in d["meta"]["sizes"]]
    print("Run of %s, kernel %s, %s, %d runs of %.1f s per point, generator %s, load average "
          "%s at the start%s." % (
              meta["date"], meta["kernel"], meta.get("cpu_model", "?"), meta["runs"],
              meta["window_s"], meta.get("generator") or "live_frames",
              meta.get("loadavg_start", ["?"])[0], "; " + meta["note"] if meta.get("note") else ""))
    print()
    print("| scenario | " + " | ".join("%s B: Mpps (ns/pkt) | cap. drops" % s for s in sizes)
          + " |")
    print("|---|" + "---:|---:|" * len(sizes))
    for sc in d["scenarios"]:
        cells = []
        for size in sizes:
            r = sc["results"].get(size)
            if not r:
                cells += ["-", "-"]
                continue
            cells.append("%.2f (%.0f)" % (r["mpps"], r["ns_per_packet"]))
            cells.append("%.1f%%" % r["capture_drop_pct"] if "capture_drop_pct" in r else "")
        print("| %s | %s |" % (sc["label"], " | ".join(cells)))
    print()
    rs = d["ratios"]["by_size"]
    print("| ratio | " + " | ".join("%s B" % s for s in sizes) + " |")
    print("|---|" + "---:|" * len(sizes))
    for key in rs[sizes[0]]:
        print("| %s | %s |" % (key, " | ".join(fmt(rs[s][key], ".2f") for s in sizes)))
    sc = d.get("scaling")
    if sc:
        print()
        print("| outer sources, a new one every frame (table 16384) | " +
              " | ".join(sorted(sc["sources"], key=int)) + " | 65536 / 1 |")
        print("|---|" + "---:|" * (len(sc["sources"]) + 1))
        print("| end to end, ns per frame | %s | %s |" % (
            " | ".join("%.0f" % sc["sources"][k] for k in sorted(sc["sources"], key=int)),
            fmt(sc.get("sources_ratio"), ".2f")))
        ps = sc.get("sources_program_ns", {})
        print("| program alone, ns per frame | %s | %s |" % (
            " | ".join("%d" % ps[k] for k in sorted(ps, key=int)),
            fmt(sc.get("sources_program_ratio"), ".2f")))
        print()
        print("| CPUs | Mpps total | Mpps per CPU | Mpps, wall clock |")
        print("|---|---:|---:|---:|")
        for k in sorted(sc["cpus"], key=int):
            print("| %s | %.3f | %.3f | %.3f |" % (k, sc["cpus"][k], sc["cpus_per_cpu_mpps"][k],
                                                 sc["cpus_wall_mpps"][k]))
        print()
        print("2 CPUs / 1 CPU: %s" % fmt(sc.get("cpus_ratio"), ".2f"))
    if d.get("targets"):
        print()
        print("| target | value | met |")
        print("|---|---:|---|")
        for t in d["targets"]:
            print("| %s | %s | %s |" % (t["target"], t["value"], "yes" if t["met"] else "no"))
    if d.get("program"):
        print()
        for size, p in d["program"].items():
            print("Program alone, %s-byte inner frame: %d ns per packet against %d ns for an "
                  "empty XDP program; %d verified instructions, %d bytes JITed." % (
                      size, p["ns_decap"], p["ns_empty"], p["verified_insns"],
                      p["jited_bytes"]))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--markdown":
        sys.exit(markdown(sys.argv[2]))
    sys.exit(main())
