#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# `make bench-vm`, guest side: run by the initramfs' /init (busybox sh) in a
# qemu TCG guest of a Debian cloud kernel, with vtap.ko. Measures, like
# selftests/bench/bench.py on the host but in one namespace and at 64 bytes,
# the rate at which frames from `vtap-bench gen` reach each sink, and prints
#   VTAPRESULT bench ID PACKETS CPU_NS WALL_CS [CAPTURED DROPPED]
# lines for selftests/bench/vm.sh. Only ratios mean anything under TCG.
# Kernel command line: vtap.benchruns=N, vtap.benchsecs=S.

ip() { /usr/sbin/ip "$@"; }
R() { echo "VTAPRESULT $*"; }

RUNS=3
SECS=3
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	vtap.benchruns=*) RUNS=${arg#*=} ;;
	vtap.benchsecs=*) SECS=${arg#*=} ;;
	esac
done

for m in /lib/vtap/mods/*.ko; do
	insmod "$m" || R info "insmod ${m##*/} failed"
done
insmod /lib/vtap/vtap.ko || { R info "insmod vtap.ko failed"; exit 1; }
ip link set lo up
echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6
echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6
ip link add name gen0 mtu 3000 type veth peer name nic0 mtu 3000
ip link set dev gen0 up
ip link set dev nic0 up
ip addr add 198.18.0.2/24 dev nic0
mkdir -p /sys/fs/bpf/b
bpftool prog loadall /lib/vtap/bench.bpf.o /sys/fs/bpf/b/p pinmaps /sys/fs/bpf/b/m ||
	{ R info "cannot load bench.bpf.o"; exit 1; }
GEN_IF=$(cat /sys/class/net/gen0/ifindex)
NIC_MAC=$(cat /sys/class/net/nic0/address)
KSOFT=$(for p in /proc/[0-9]*; do
	[ "$(cat "$p/comm" 2>/dev/null)" = ksoftirqd/1 ] && echo "${p#/proc/}"; done)
R info "kernel $(uname -r), $RUNS runs of $SECS s"

cpu_ns() {
	t=0
	for p in "$@"; do
		read -r n _ < "/proc/$p/schedstat" 2>/dev/null && t=$((t + n))
	done
	echo $t
}
cs() { read -r u _ < /proc/uptime; echo "${u%.*}${u#*.}"; }	# centiseconds

# measure ID SINK [CAPTURE_DEV]
measure() {
	id=$1 sink=$2 cap=${3:-}
	run=0
	while [ $run -lt "$RUNS" ]; do
		run=$((run + 1))
		if [ -n "$cap" ]; then
			rm -f /tmp/td.err
			taskset -c 0 tcpdump -Z root -i "$cap" -n -w /dev/null 2> /tmp/td.err &
			TD=$!
			i=0
			while ! grep -q listening /tmp/td.err 2>/dev/null && [ $i -lt 100 ]; do
				sleep 0.1
				i=$((i + 1))
			done
		fi
		taskset -c 1 vtap-bench gen --ifindex "$GEN_IF" --dst-mac "$NIC_MAC" --size 64 \
			--seconds $((SECS * 3 + 30)) > /tmp/gen.out 2> /tmp/gen.err &
		GEN=$!
		sleep 1
		p0=$(cat "/sys/class/net/$sink/statistics/rx_packets")
		c0=$(cpu_ns $GEN $KSOFT)
		t0=$(cs)
		sleep "$SECS"
		p1=$(cat "/sys/class/net/$sink/statistics/rx_packets")
		c1=$(cpu_ns $GEN $KSOFT)
		t1=$(cs)
		kill -TERM $GEN 2>/dev/null
		wait $GEN
		extra=
		if [ -n "$cap" ]; then
			sleep 0.2
			kill -INT $TD 2>/dev/null
			wait $TD
			got=$(sed -n 's/^\([0-9]*\) packets* received by filter.*/\1/p' /tmp/td.err)
			drop=$(sed -n 's/^\([0-9]*\) packets* dropped by kernel.*/\1/p' /tmp/td.err)
			extra="${got:-0} ${drop:-0}"
		fi
		grep -q '"end"' /tmp/gen.out || R info "$id: generator: $(cat /tmp/gen.err)"
		R bench "$id" $((p1 - p0)) $((c1 - c0)) $((t1 - t0)) $extra
	done
}

# why a vtap scenario measured what it did: vtapctl's global counters and
# the target's own
why() {
	g=$(vtapctl stats nic0 --json 2>&1 | tr -d '\n ' |
		sed -n 's/.*"global":{\("seen":[0-9]*,"redirected":[0-9]*,"lost_after_redirect":[0-9]*\).*"passed":\([0-9]*\).*"dropped_total":\([0-9]*\).*/\1,"passed":\2,"dropped_total":\3/p')
	d=$(vtapctl stats nic0 --json 2>&1 | tr -d '\n ' |
		sed -n 's/.*"dropped":{\([^}]*\)}.*/\1/p' | tr ',' '\n' | grep -v ':0$' | tr '\n' ' ')
	R info "$1: vtapctl ${g:-no stats}, dropped: ${d:-none}; $2 $(ethtool -S "$2" 2>/dev/null | awk '$2 != 0' | tr -s ' \n' ' ')"
}

xdp_on() { ip link set dev nic0 xdpdrv pinned "/sys/fs/bpf/b/p/$1"; }
xdp_off() { ip link set dev nic0 xdpdrv off; }

# Ceiling.
xdp_on bench_drop
measure xdp_drop nic0
xdp_off

# vtap into vtap.ko's vtap0, then into a veth backend (target vb0).
if vtapctl attach nic0 --mode native --backend kmod --target vtap0 > /tmp/a.out 2>&1; then
	ip link set dev vtap0 up
	measure vtap_kmod vtap0
	measure vtap_kmod_tcpdump vtap0 vtap0
	why vtap_kmod vtap0
	vtapctl detach nic0 > /dev/null 2>&1
else
	R info "vtapctl attach --backend kmod: $(cat /tmp/a.out)"
fi
if vtapctl attach nic0 --mode native --backend veth --target vb0 > /tmp/a.out 2>&1; then
	measure vtap_veth vb0
	measure vtap_veth_tcpdump vb0 vb0
	why vtap_veth vb0
	vtapctl detach nic0 > /dev/null 2>&1
else
	R info "vtapctl attach --backend veth: $(cat /tmp/a.out)"
fi

# The kernel's vxlan device; nic0 hands frames to the stack with XDP_PASS.
ip link add name vx0 type vxlan id 42 dstport 4789
ip link set dev vx0 up
xdp_on bench_pass
measure kernel_vxlan vx0
measure kernel_vxlan_tcpdump vx0 vx0
xdp_off
ip link del dev vx0
R done
