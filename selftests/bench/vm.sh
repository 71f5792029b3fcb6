#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench-vm`: vtap.ko against the veth backend against the kernel's
# vxlan device, in a qemu TCG guest of each Debian cloud kernel that
# selftests/vm/kernels.sh lists. Ratios only: under TCG absolute rates are
# meaningless. Builds on the vm suite: its kernels, vtap.ko builds and
# initramfs, with selftests/bench/vm-guest.sh as the guest's program and
# vtap-bench added (a second cpio archive appended to the initramfs).
# Environment: OUT, BENCH_VM_JSON ($OUT/bench-vm.json), BENCH_VM_RUNS (3),
# BENCH_VM_SECONDS (3), VTAP_VM_KERNELS, VTAP_VM_TIMEOUT (600).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-build}
export OUT
JSON=${BENCH_VM_JSON:-$OUT/bench-vm.json}
RUNS=${BENCH_VM_RUNS:-3}
SECS=${BENCH_VM_SECONDS:-3}
TIMEOUT=${VTAP_VM_TIMEOUT:-600}
DIR=$OUT/bench/vm

command -v qemu-system-x86_64 > /dev/null || { echo "bench-vm: no qemu-system-x86_64 (make deps)"; exit 4; }
kvers=${VTAP_VM_KERNELS:-$(selftests/vm/kernels.sh list)}
[ -n "$kvers" ] || { echo "bench-vm: no Debian cloud kernel headers (make deps)"; exit 4; }
make --no-print-directory -s OUT="$OUT" vm-prep bench-tools || exit 1
make --no-print-directory -s OUT="$OUT" "$OUT/vtapctl" ||
	echo "bench-vm: vtapctl does not build; the vtap scenarios will be missing"
mkdir -p "$DIR"
abs() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }

# The overlay: our guest program in guest.sh's place, vtap-bench and its
# libraries, the benchmark's BPF programs.
overlay=$DIR/overlay.cpio.gz
tmp=$(mktemp -d "$DIR/.overlay.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/lib/vtap" "$tmp/usr/bin"
cp selftests/bench/vm-guest.sh "$tmp/lib/vtap/guest.sh"
cp "$OUT/bench/bench.bpf.o" "$tmp/lib/vtap/bench.bpf.o"
cp -L "$OUT/vtap-bench" "$tmp/usr/bin/vtap-bench"
for lib in $(ldd "$OUT/vtap-bench" | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }'); do
	mkdir -p "$tmp$(dirname "$lib")"
	cp -L "$lib" "$tmp$lib"
done
(cd "$tmp" && find . | cpio -o -H newc --quiet) | gzip -1 > "$overlay"

results=()
for kver in $kvers; do
	selftests/vm/kernels.sh fetch "$kver" || { echo "bench-vm: cannot fetch $kver"; continue; }
	cache=${VTAP_VM_CACHE:-/var/cache/vtap-vm}/$kver
	base=$DIR/initrd-base-$kver.cpio.gz
	selftests/vm/mkinitramfs.sh "$(abs "$base")" "$OUT/vm/kmod/$kver/vtap.ko" "$cache/mods" ||
		{ echo "bench-vm: initramfs for $kver"; continue; }
	cat "$base" "$overlay" > "$DIR/initrd-$kver.cpio.gz"
	log=$DIR/console-$kver.log
	echo "bench-vm: booting $kver (TCG, $RUNS runs of $SECS s per scenario)"
	timeout -k 5 "$TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1024 \
		-nographic -no-reboot -nic none -serial mon:stdio -display none \
		-kernel "$cache/vmlinuz" -initrd "$DIR/initrd-$kver.cpio.gz" \
		-append "console=ttyS0 loglevel=3 panic=-1 vtap.benchruns=$RUNS vtap.benchsecs=$SECS" \
		< /dev/null > "$log" 2>&1
	tr -d '\r' < "$log" | sed -n 's/^.*VTAPRESULT //p' > "$log.results"
	grep '^info ' "$log.results" | sed "s/^info /bench-vm: $kver: /"
	grep -q '^done' "$log.results" || echo "bench-vm: $kver: guest did not finish (see $log)"
	results+=("$kver=$log.results")
done

/usr/bin/python3 - "$JSON" "${results[@]}" <<'EOF'
import json, statistics, sys
out, per_kernel = sys.argv[1], {}
for arg in sys.argv[2:]:
    kver, path = arg.split("=", 1)
    runs = {}
    for line in open(path):
        f = line.split()
        if len(f) >= 5 and f[0] == "bench":
            pkts, cpu_ns = int(f[2]), int(f[3])
            r = {"kpps": pkts / (cpu_ns / 1e9) / 1e3 if cpu_ns > 0 else 0}
            if len(f) >= 7 and int(f[5]):
                r["captured_frac"] = 1 - int(f[6]) / int(f[5])
            runs.setdefault(f[1], []).append(r)
    med = {}
    for sid, rs in runs.items():
        k = statistics.median(r["kpps"] for r in rs)
        caps = [r["captured_frac"] for r in rs if "captured_frac" in r]
        med[sid] = {"kpps": round(k, 1), "runs_kpps": [round(r["kpps"], 1) for r in rs]}
        if caps:
            med[sid]["captured_kpps"] = round(k * statistics.median(caps), 1)
    def ratio(a, b, key="kpps"):
        x, y = med.get(a, {}).get(key), med.get(b, {}).get(key)
        return round(x / y, 2) if x and y else None
    ratios = {
        "kmod_vs_kernel_vxlan": ratio("vtap_kmod", "kernel_vxlan"),
        "kmod_vs_kernel_vxlan_tcpdump": ratio("vtap_kmod_tcpdump", "kernel_vxlan_tcpdump",
                                              "captured_kpps"),
        "veth_vs_kernel_vxlan": ratio("vtap_veth", "kernel_vxlan"),
        "veth_vs_kernel_vxlan_tcpdump": ratio("vtap_veth_tcpdump", "kernel_vxlan_tcpdump",
                                              "captured_kpps"),
        "kmod_vs_veth": ratio("vtap_kmod", "vtap_veth"),
        "kmod_vs_veth_tcpdump": ratio("vtap_kmod_tcpdump", "vtap_veth_tcpdump",
                                      "captured_kpps"),
        "kmod_vs_xdp_drop": ratio("vtap_kmod", "xdp_drop"),
    }
    per_kernel[kver] = {"scenarios": med, "ratios": ratios}
    print("bench-vm: %s (kpps per CPU-second under TCG; ratios are what counts)" % kver)
    for sid, m in med.items():
        print("  %-22s %8.1f kpps%s" % (sid, m["kpps"], "  captured %.1f" % m["captured_kpps"]
                                       if "captured_kpps" in m else ""))
    for k, v in ratios.items():
        print("  %-30s %s" % (k, v))
with open(out, "w") as f:
    json.dump({"tcg": True, "kernels": per_kernel}, f, indent=2)
print("bench-vm: wrote " + out)
sys.exit(0 if per_kernel and all(k["scenarios"] for k in per_kernel.values()) else 1)
EOF
