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
KSOFTIRQD = None
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

    # ---- namespaces, NIC, bench programs ---------------------------------
    def setup(self):
        for ns in (NS_GEN, NS_COL):
            run(["ip", "netns", "add", ns])
        run(["ip", "-n", NS_GEN, "link", "add", "name", "gen0", "mtu", str(NIC_MTU), "type", "veth",
             "peer", "name", "nic0", "netns", NS_COL, "mtu", str(NIC_MTU)])
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
    def make_target(self, xdp_prog=None):
        """vtap0 + vtap0-feed as vtapctl makes them (user/backend.c, user/attach.c)."""
        run(["ip", "link", "add", "name", "vtap0", "mtu", "9000", "type", "veth", "peer", "name",
             "vtap0-feed", "mtu", "9000"], ns=NS_COL)
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
    def attach_vtap(self, mode, target_xdp=None, ports=()):
        if not target_xdp and LOADER in ("auto", "vtapctl") and os.access(VTAPCTL, os.X_OK):
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
        feed = self.make_target(target_xdp)
        set_devmap(d + "/maps/vtap_target", feed)
        xdp_attach("nic0", d + "/progs/vtap_xdp", "xdpdrv" if mode == "native" else "xdpgeneric")
        if not target_xdp:
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
        gen = subprocess.Popen(
            ["nsenter", "--net=/run/netns/" + NS_GEN, "taskset", "-c", str(GEN_CPU), BENCH_TOOL,
             "gen", "--ifindex", str(self.gen_ifindex), "--dst-mac", self.nic_mac,
             "--size", str(size), "--vni", str(VNI),
             "--seconds", str(int(WARMUP + SECONDS + 30))] + (["--geneve"] if sc.get("geneve") else []),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            start = gen.stdout.readline()
            if '"start"' not in start:
                raise RuntimeError("generator: " + gen.communicate()[1].strip())
            # The pipeline's CPU time: the generator's task, in whose
            # context the NAPI softirqs run, and ksoftirqd when they are
            # deferred (tick accounting, no IRQ time accounting here).
            pids = [gen.pid] + ([KSOFTIRQD] if KSOFTIRQD else [])
            time.sleep(WARMUP)
            rec = perf_start(sc["id"], size) if perf else None
            t0, cpu0, c0 = sample(NS_COL, pids)
            time.sleep(SECONDS)
            t1, cpu1, c1 = sample(NS_COL, pids)
            if rec:
                perf_stop(rec)
            alive = gen.poll() is None
        finally:
            if gen.poll() is None:
                gen.send_signal(signal.SIGTERM)
            out, err = gen.communicate(timeout=30)
        if gen.returncode != 0 or not alive:
            raise RuntimeError("generator stopped early: %s" % err.strip())
        e1 = ethtool_stats(NS_GEN, "gen0")
        cap = None
        if tcp:
            time.sleep(0.1)     # let the capture ring drain
            cap = self.tcpdump_stop(tcp)
        dt = t1 - t0
        sink = c1[sc["sink"]]["rx"] - c0[sc["sink"]]["rx"]
        nic = c1["nic0"]["rx"] - c0["nic0"]["rx"]
        sent = e1.get("tx_queue_0_xdp_xmit", 0) - e0.get("tx_queue_0_xdp_xmit", 0)
        xmit_err = (e1.get("tx_queue_0_xdp_xmit_errors", 0) -
                    e0.get("tx_queue_0_xdp_xmit_errors", 0))
        cpu_s = (cpu1 - cpu0) / 1e9
        res = {"wall_mpps": sink / dt / 1e6, "nic_mpps": nic / dt / 1e6, "window_s": dt,
               "cpu_share": cpu_s / dt, "sent_run": sent, "ring_drops_run": xmit_err}
        # Mpps per CPU-second of the pipeline: on a quiet machine the same
        # as the wall-clock rate; on a shared one it discounts the time other
        # tasks took from the generator's CPU.
        res["mpps"] = sink / cpu_s / 1e6 if cpu_s > 0.05 * dt else res["wall_mpps"]
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


def sc_vtap(mode, target_xdp=None, ports=()):
    def setup(env):
        if mode == "generic":
            # A veth takes XDP frames only with NAPI on: a native XDP
            # program or GRO. A real NIC needs neither.
            run(["ethtool", "-K", "nic0", "gro", "on"], ns=NS_COL)
        env.attach_vtap(mode, target_xdp and PIN + "/progs/" + target_xdp, ports)

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


def program_alone():
    res = {}
    for size in (64, 1500):
        p = run(["taskset", "-c", str(GEN_CPU), BENCH_TOOL, "prog", "--obj", VTAP_OBJ,
                 "--size", str(size), "--repeat", "1000000"], check=False)
        if p.returncode != 0:
            log("program alone (%d): %s" % (size, p.stderr.strip()))
            continue
        res[str(size)] = json.loads(p.stdout)
    return res


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


def targets(ratios, prog):
    r = ratios.get("64") or next(iter(ratios.values()))
    p = prog.get("64")
    checks = [("decap >= 3x kernel vxlan, no listener", r["vtap_vs_kernel_vxlan"], 3.0),
              ("decap >= 2x kernel vxlan, tcpdump on both", r["vtap_vs_kernel_vxlan_tcpdump"], 2.0),
              ("decap >= 90% of redirect-only", r["vtap_vs_redirect_only"], 0.9)]
    out = []
    for name, value, want in checks:
        out.append({"target": name, "value": value, "want": want,
                    "met": value is not None and value >= want})
    if p:
        v = p["ns_decap"] / max(p["ns_empty"], 1)
        out.append({"target": "program alone <= 2x empty program", "value": round(v, 2),
                    "want": 2.0, "met": v <= 2.0})
    return out


def chart(results, meta):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("no matplotlib (apt-get install python3-matplotlib): no chart")
        return None
    scs = [s for s in SCENARIOS if s["id"] in results]
    fig, ax = plt.subplots(figsize=(10, 0.26 * len(scs) * len(SIZES) + 2))
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
    title = "vtap vs kernel vxlan, veth NIC, kernel %s" % meta["kernel"]
    if meta.get("note"):
        title += "\n" + meta["note"]
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
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
    KSOFTIRQD = ksoftirqd(GEN_CPU)
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
        for sc in SCENARIOS:
            if (ONLY and sc["id"] not in ONLY) or (not ONLY and sc.get("extra")):
                continue
            setup, teardown = sc["fn"]
            try:
                setup(env)
                results[sc["id"]] = {}
                for size in SIZES:
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
    if env.loader_note:
        meta["vtap_loader_note"] = env.loader_note

    ratios = compute_ratios(results)
    head = dict(ratios.get("64") or next(iter(ratios.values())))
    head["by_size"] = ratios
    tgt = targets(ratios, prog)
    print_table(results, ratios, prog)
    print()
    for t in tgt:
        print("target: %-44s %-6s (want %s) %s" % (t["target"], t["value"], t["want"],
                                                   "met" if t["met"] else "NOT met"))
    png = chart(results, meta)
    doc = {"meta": meta, "scenarios": [
        {"id": s["id"], "label": s["label"], "results": results[s["id"]]}
        for s in SCENARIOS if s["id"] in results],
        "ratios": head, "program": prog, "targets": tgt, "vtap_counters": vtap_counters,
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
    print("Run of %s, kernel %s, %s, %d runs of %.1f s per point%s." % (
        meta["date"], meta["kernel"], meta.get("cpu_model", "?"), meta["runs"], meta["window_s"],
        "; " + meta["note"] if meta.get("note") else ""))
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
