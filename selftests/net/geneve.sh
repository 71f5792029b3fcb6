#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# GENEVE beside VXLAN on one NIC, crafted with scapy (this host's kernel has
# no geneve driver, so no kernel device sends it): Ethernet and IP-only
# payloads, Google-style packets (IP payload, VNI 0, Google's options with
# the direction bit after AWS-style ones), and VXLAN from the same source.
# vtap0 must hold exactly the expected frames (IP-only ones behind vtap's
# own Ethernet header), stats exact per source and encapsulation; attach
# says once that GENEVE has no slow path (status --check takes it as no
# problem), and a GENEVE outer fragment passes to the stack, counted as
# geneve_unsteered. The GENEVE slow path itself is the vm suite's: Debian's
# kernels have geneve.ko.
source "$(dirname "$0")/lib.sh"
lib_init geneve

gen_fabric gen col || { fail "fabric setup"; exit 1; }

vt col attach eth1 --port 6081 --geneve-port 6081
expect_eq "attach --port 6081 --geneve-port 6081: exit 2" 2 "$VT_RC"
check "  and says why" grep -q "geneve-port.*6081" <<<"$VT_ERR"
check "  and attached nothing" test -z "$(xdp_prog_id col eth1)"

vt_ok "attach --port 4789 --geneve-port 6081" col attach eth1 --port 4789 --geneve-port 6081 \
	--allow-src all || exit 1
check "attach warns once that GENEVE has no slow path (no geneve driver here)" \
	test "$(grep -c "no slow path for GENEVE (.*device type.*): .*geneve_unsteered" \
		<<<"$VT_ERR")" = 1
check "  and nothing else about a slow path" \
	test "$(grep -c "slow path" <<<"$VT_ERR")" = 1
vt col status eth1 --check
check "status --check: a kernel without geneve is no problem of the attachment" \
	sh -c '[ "$1" = 0 ] && ! echo "$2$3" | grep -qi geneve' _ "$VT_RC" "$VT_OUT" "$VT_ERR"

vt col status eth1 --json
expect_eq "status --json: ports" "[4789, 6081]" "$(json "j['ports']" <<<"$VT_OUT")"
expect_eq "status --json: geneve_ports" "[6081]" "$(json "j['geneve_ports']" <<<"$VT_OUT")"
expect_eq "status --json: no GENEVE slow path" "None" "$(json "j['geneve_slow_path']" <<<"$VT_OUT")"
vt col status eth1
check "status shows each port's kind" grep -q "4789 (vxlan) 6081 (geneve)" <<<"$VT_OUT"
check "status says there is no GENEVE slow path, and why" \
	grep -q "slowpath none for GENEVE (no geneve driver" <<<"$VT_OUT"

cap_start col vtap0 "$TMPD/vtap0.pcap" || exit 1
cap=$CAP_PID
# 10.99.0.10 sends VXLAN and GENEVE (two entries); Google-style from
# 10.99.0.11 (VNI 0) and fd00:99::11; IP-only without options from 10.99.0.12.
vxsend gen col --ref "$TMPD/expect.pcap" --expect "$TMPD/expect.json" \
	10.99.0.10,100,3,2,2,vx \
	10.99.0.10,100,2,3,2,gn,geneve \
	10.99.0.11,0,4,3,3,gg,geneve+ip+google \
	fd00:99::11,0,2,2,2,g6,geneve+ip+google \
	10.99.0.12,7,2,2,2,gi,geneve+ip
drops=$(cap_stop $cap "$TMPD/vtap0.pcap")
if pcap_compare "$TMPD/expect.pcap" "$TMPD/vtap0.pcap" --missing-ok "$drops"; then
	ok "vtap0 holds exactly the expected frames (IP-only behind 02:76:74:61:70:01)"
else
	fail "vtap0 capture differs from the expected frames"
fi
if stats_json col eth1; then
	check "stats: every source, encapsulation and VNI with exact counts" \
		sources_match "$TMPD/expect.json" "$TMPD/stats.json"
	check "stats: seen 36, redirected 36, nothing dropped, 16 directions from Google's option" \
		global_is "$TMPD/stats.json" seen 36 redirected 36 passed 0 dropped_total 0 \
		info.geneve_direction 16
else
	fail "stats --json: exit $VT_RC: $VT_ERR"
fi

# A GENEVE outer fragment: no GENEVE slow path here, so the stack gets it,
# counted as fragment and geneve_unsteered, and vtap0 gets nothing.
rx0=$(link_stat col vtap0 rx packets)
in_ns gen "$PY" - "$(mac_of col eth1)" <<'PY'
import struct, sys
from scapy.config import conf
from scapy.layers.inet import IP, UDP, fragment
from scapy.layers.l2 import Ether
inner = bytes(IP(src="10.99.0.13", dst="198.51.100.9") / UDP(sport=1, dport=2) / (b"x" * 1500))
gh = struct.pack("!BBHI", 0, 0, 0x0800, 0)
pkt = IP(src="10.99.0.13", dst="10.99.0.2") / UDP(sport=50000, dport=6081) / (gh + inner)
s = conf.L2socket(iface="gen0")
for f in fragment(pkt, fragsize=1200):
    s.send(Ether(dst=sys.argv[1], src="02:00:00:bb:00:01") / f)
s.close()
PY
sleep 0.5
if stats_json col eth1; then
	check "a GENEVE fragment pair: passed as fragment, geneve_unsteered 1, slow_steered 0" \
		global_is "$TMPD/stats.json" passed_by_kind.fragment 2 info.geneve_unsteered 1 \
		info.slow_steered 0 seen 38
fi
expect_eq "vtap0 got nothing of it" "$rx0" "$(link_stat col vtap0 rx packets)"

# --replace changes the kinds atomically and says so; the counters stay.
vt col attach eth1 --replace --port 4789 --geneve-port 6081 --geneve-port 6082 --allow-src all
check "--replace warns once more that GENEVE has no slow path" \
	test "$(grep -c "no slow path for GENEVE" <<<"$VT_ERR")" = 1
check "--replace adds a GENEVE port and prints the change" \
	sh -c '[ "$1" = 0 ] && echo "$2" | grep -q "ports: 4789 6081/geneve -> 4789 6081/geneve 6082/geneve"' \
	_ "$VT_RC" "$VT_OUT"
vt col status eth1 --json
expect_eq "status --json after --replace: geneve_ports" "[6081, 6082]" "$(json "j['geneve_ports']" <<<"$VT_OUT")"
expect_eq "status --json after --replace: counters kept" 38 "$(json "j['counters']['seen']" <<<"$VT_OUT")"

vt col stats eth1
check "stats (text) names both encapsulations" \
	sh -c 'echo "$1" | grep -q " vxlan " && echo "$1" | grep -q " geneve "' _ "$VT_OUT"
vt_ok "detach" col detach eth1
exit 0
