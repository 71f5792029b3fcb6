#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vtap0 is monitor-only (issue 11 item 5), veth backend: what the host
# sends on vtap0 with a packet socket reaches neither the taps on vtap0
# nor the IP stack through vtap0-feed, with or without the qdisc layer;
# and when IPv6 comes back (an MTU below 1280 and back, then
# net.ipv6.conf.all.disable_ipv6=0), nothing of vtap0's or the feed's own
# shows on vtap0. Tapped traffic still arrives; detach removes it all.
source "$(dirname "$0")/lib.sh"
lib_init quiet

gen_fabric gen col || { fail "fabric setup"; exit 1; }
vt_ok "attach, veth backend" col attach eth1 --backend veth || exit 1

# send_on_vtap0 BYPASS: 20 IPv4 broadcasts and 20 frames to the feed's MAC
# from a packet socket on vtap0; BYPASS=1 skips the qdisc layer and tc.
# (to the feed: what its stack would take as its own)
send_on_vtap0() {
	in_ns col "$PY" - "$1" "$(mac_of col vtap0-feed)" <<'PY'
import errno, socket, sys
from scapy.all import Ether, IP, UDP, raw
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
if sys.argv[1] == "1":
    s.setsockopt(263, 20, 1)	# SOL_PACKET, PACKET_QDISC_BYPASS
s.bind(("vtap0", 0))
for dst, ip in (("ff:ff:ff:ff:ff:ff", "255.255.255.255"), (sys.argv[2], "10.99.0.2")):
    f = raw(Ether(src="02:00:00:00:00:77", dst=dst) / IP(src="10.99.0.77", dst=ip) /
            UDP(sport=7777, dport=9) / (b"vtap0 sends nothing" * 4))
    for _ in range(20):
        try:
            s.send(f)
        except OSError as e:	# a tc drop says ENOBUFS to the sender
            if e.errno != errno.ENOBUFS:
                raise
PY
}
ip_in() { snmp_mib col Ip InReceives; }

for bypass in 0 1; do
	how="through tc"
	[ $bypass = 1 ] && how="past tc (PACKET_QDISC_BYPASS)"
	in0=$(ip_in)
	cap_start col vtap0 "$TMPD/tx$bypass.pcap" || exit 1
	cap=$CAP_PID
	check "40 frames sent on vtap0 $how" send_on_vtap0 $bypass
	cap_stop $cap "$TMPD/tx$bypass.pcap" >/dev/null
	expect_eq "sent $how: none on vtap0's capture" 0 \
		"$(tcpdump -r "$TMPD/tx$bypass.pcap" 2>/dev/null | wc -l)"
	expect_eq "sent $how: none reached the stack through vtap0-feed (Ip InReceives)" \
		"$in0" "$(ip_in)"
done

# IPv6 back on: vtapctl turned it off on both ends, these turn it on again.
cap_start col vtap0 "$TMPD/v6.pcap" || exit 1
cap=$CAP_PID
in_ns col ip link set dev vtap0 mtu 1000
in_ns col ip link set dev vtap0 mtu 9000
in_ns col ip link set dev vtap0-feed mtu 1000
in_ns col ip link set dev vtap0-feed mtu 9000
in_ns col sysctl -qw net.ipv6.conf.all.disable_ipv6=0
sleep 3		# DAD, router solicitation and MLD delays
in_ns col sysctl -qw net.ipv6.conf.all.disable_ipv6=1
cap_stop $cap "$TMPD/v6.pcap" >/dev/null
tcpdump -nn -r "$TMPD/v6.pcap" 2>/dev/null | sed 's/^/#   /' | head -n 10
expect_eq "IPv6 turned back on: nothing of vtap0's or the feed's own on vtap0" 0 \
	"$(tcpdump -r "$TMPD/v6.pcap" 2>/dev/null | wc -l)"

cap_start col vtap0 "$TMPD/in.pcap" || exit 1
cap=$CAP_PID
vxsend gen col 10.99.0.1,1,1,1,0,still >/dev/null
cap_stop $cap "$TMPD/in.pcap" >/dev/null
expect_eq "tapped frames still arrive on vtap0" 2 \
	"$(tcpdump -r "$TMPD/in.pcap" 2>/dev/null | wc -l)"

vt_ok "detach" col detach eth1
check "vtap0 and vtap0-feed removed" not link_exists col vtap0-feed
