#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# One monitor device per tenant (issue 14 item 2): --route vni:N=DEV and
# --route src:CIDR=DEV. Three VNIs, two routed to devices of their own and
# the third to vtap0; a source route beats a VNI route. Each device's
# capture holds exactly the inner frames routed to it, the per-device
# counts say the same; outer fragments (slow path) go where whole frames
# go; --replace moves routes under a running stream without losing or
# duplicating a frame across the devices; detach deletes the devices
# vtapctl made and leaves an existing one; the usage errors.
source "$(dirname "$0")/lib.sh"
lib_init routes
command -v mergecap >/dev/null || skip "mergecap (wireshark-common) not installed"

gen_fabric gen col || { fail "fabric setup"; exit 1; }
in_ns col sysctl -qw net.ipv4.ipfrag_time=1
# An existing device: a veth pair as vtapctl's veth backend would make it,
# but not by vtapctl (no alias): used as it is, never deleted.
in_ns col ip link add name vtex type veth peer name vtex-feed
in_ns col ip link set dev vtex up
in_ns col ip link set dev vtex-feed up

ROUTES=(--route vni:100=vtA --route vni:200=vtB --route src:10.99.0.20/32=vtB
	--route vni:400=vtex)
vt_ok "attach with four routes" col attach eth1 --allow-src all "${ROUTES[@]}" || exit 1
for d in vtA vtB; do
	check "$d made" link_exists col $d
	check "$d carries the alias 'made by vtapctl'" sh -c \
		"nsenter --net=/run/netns/$(ns col) -- ip -d link show dev $d | grep -q 'alias made by vtapctl'"
done
pins=$(pin_dir col eth1)
for m in vtap_route_src vtap_route_vni vtap_slots vtap_slot_stats; do
	check "pin $m exists" test -e "$pins/$m"
done
ifindex() { in_ns col ip -j link show dev "$1" | json "j[0]['ifindex']"; }
for d in vtA vtB vtex; do
	check "$d's monitor-only links pinned (tx_drop_link_if<ifindex>)" \
		test -e "$pins/tx_drop_link_if$(ifindex $d)"
done
vt col status --check
expect_eq "status --check: the route devices are no leftovers" "eth1: ok" "$VT_OUT"
vt_ok "cleanup" col cleanup
check "cleanup leaves the route devices" sh -c "nsenter --net=/run/netns/$(ns col) -- ip link show dev vtA >/dev/null && nsenter --net=/run/netns/$(ns col) -- ip link show dev vtB >/dev/null"

# send REFDIR: one vxsend per destination device, each its own reference
send() {
	vxsend gen col --ref "$1/A.pcap" 10.99.0.10,100,4,3,2,ta >/dev/null
	vxsend gen col --ref "$1/B.pcap" 10.99.0.10,200,3,2,1,tb 10.99.0.20,100,2,2,2,tsrc >/dev/null
	vxsend gen col --ref "$1/0.pcap" 10.99.0.10,300,2,1,1,t0 >/dev/null
	vxsend gen col --ref "$1/X.pcap" 10.99.0.10,400,1,1,1,tx >/dev/null
}
caps() {	# caps DIR: start a capture on each device
	cap_start col vtap0 "$1/cap0.pcap" && C0=$CAP_PID &&
	cap_start col vtA "$1/capA.pcap" && CA=$CAP_PID &&
	cap_start col vtB "$1/capB.pcap" && CB=$CAP_PID &&
	cap_start col vtex "$1/capX.pcap" && CX=$CAP_PID
}
compare() {	# compare DIR WHAT
	local d
	for d in 0 A B X; do
		local pid_var=C$d
		local drops
		drops=$(cap_stop "${!pid_var}" "$1/cap$d.pcap")
		if pcap_compare "$1/$d.pcap" "$1/cap$d.pcap" --missing-ok "$drops"; then
			ok "$2: device $d holds exactly the frames routed to it"
		else
			fail "$2: device $d capture differs"
		fi
	done
}
mkdir -p "$TMPD/r1"
caps "$TMPD/r1" || exit 1
send "$TMPD/r1"
compare "$TMPD/r1" "fast path"

stats_json col eth1 || fail "stats --json: $VT_ERR"
dev_count() { json "{d['device']: d['packets'] for d in j['devices']}.get('$1')" <"$TMPD/stats.json"; }
expect_eq "stats: vtap0 got 4" 4 "$(dev_count vtap0)"
expect_eq "stats: vtA got 9" 9 "$(dev_count vtA)"
expect_eq "stats: vtB got 12 (vni 200 and the source route)" 12 "$(dev_count vtB)"
expect_eq "stats: vtex got 3" 3 "$(dev_count vtex)"
vt col metrics eth1
check "metrics: vtA's deliveries" grep -q '^vtap_device_delivered_packets_total{interface="eth1",device="vtA"} 9$' <<<"$VT_OUT"
check "metrics: vtap0's deliveries" grep -q '^vtap_device_delivered_packets_total{interface="eth1",device="vtap0"} 4$' <<<"$VT_OUT"
tgt() { json "[s['target'] for s in j['sources'] if s['src'] == '$1' and s['vni'] == $2][0]" <"$TMPD/stats.json"; }
expect_eq "stats: 10.99.0.10 vni 100 -> vtA" vtA "$(tgt 10.99.0.10 100)"
expect_eq "stats: 10.99.0.20 vni 100 -> vtB (source route)" vtB "$(tgt 10.99.0.20 100)"
expect_eq "stats: 10.99.0.10 vni 300 -> vtap0" vtap0 "$(tgt 10.99.0.10 300)"
vt col status eth1 --json
expect_eq "status --json: routes" \
	'["vni:100=vtA", "vni:200=vtB", "vni:400=vtex", "src:10.99.0.20/32=vtB"]' \
	"$(json "[r['route'] for r in j['routes']]" <<<"$VT_OUT")"
vt col status eth1
check "status text lists the routes" grep -q "vni:100=vtA vni:200=vtB vni:400=vtex src:10.99.0.20/32=vtB" <<<"$VT_OUT"

# ---- the slow path: outer fragments routed as whole frames ----------------------
fsend() {	# fsend SRC VNI REF
	in_ns gen "$PY" "$LIB_DIR/frag_send.py" --iface gen0 --dst-mac "$(mac_of col eth1)" \
		--src "$1" --dst $COL_IP --vni "$2" --tag "v$2" --ref "$3" inorder:1450 reversed:1450 >/dev/null
}
mkdir -p "$TMPD/f"
caps "$TMPD/f" || exit 1
fsend 10.99.0.10 100 "$TMPD/f/A.pcap"
fsend 10.99.0.20 100 "$TMPD/f/B.pcap"
fsend 10.99.0.10 300 "$TMPD/f/0.pcap"
fsend 10.99.0.10 400 "$TMPD/f/X.pcap"
compare "$TMPD/f" "slow path"

# ---- a route's device deleted under the attachment: attach makes it again --------
in_ns col ip link del dev vtA
vt col status --check
check "status --check: says vtA is missing" grep -q "route device vtA missing" <<<"$VT_OUT"
vt col status eth1 --json
expect_eq "status --json: vtA not present" False \
	"$(json "[r['present'] for r in j['routes'] if r['device'] == 'vtA'][0]" <<<"$VT_OUT")"
vt col attach eth1 --allow-src all "${ROUTES[@]}"
expect_eq "attach again: exit 0" 0 "$VT_RC"
check "attach again: says repaired" grep -q "eth1: repaired" <<<"$VT_OUT"
check "attach again: vtA made again" link_exists col vtA
expect_eq "attach again: one set of route device links per device, none of the deleted vtA" 3 \
	"$(ls "$pins" | grep -c '^tx_drop_link_if')"
vt col status --check
expect_eq "status --check after the repair" "eth1: ok" "$VT_OUT"
mkdir -p "$TMPD/rep"
cap_start col vtA "$TMPD/rep/capA.pcap" || exit 1
vxsend gen col --ref "$TMPD/rep/A.pcap" 10.99.0.10,100,3,1,1,rep >/dev/null
drops=$(cap_stop $CAP_PID "$TMPD/rep/capA.pcap")
check "the repaired vtA gets vni 100 again" pcap_compare "$TMPD/rep/A.pcap" "$TMPD/rep/capA.pcap" --missing-ok "$drops"

# ---- --replace under a running stream ------------------------------------------
# The stream (vni 100 and 200) moves from vtA/vtB to vtB/vtA: every frame
# lands on exactly one device, so the captures together hold each once.
mkdir -p "$TMPD/rp"
pair_packets() { json "sum(s['packets'] for s in j['sources'] if s['src'] == '10.99.0.10' and s['vni'] in (100, 200))" <"$TMPD/stats.json"; }
stats_json col eth1
p0=$(pair_packets)
rx_sum() { local d n=0; for d in vtap0 vtA vtB vtex; do n=$((n + $(link_stat col $d rx packets))); done; echo $n; }
rx0=$(rx_sum)
caps "$TMPD/rp" || exit 1
vxsend gen col --ref "$TMPD/rp/all.pcap" --duration 4 \
	10.99.0.10,100,2,2,1,fa 10.99.0.10,200,2,2,1,fb >"$TMPD/flood.log" 2>&1 &
flood=$!
sleep 1.5
vt col attach eth1 --replace --allow-src all --route vni:100=vtB --route vni:200=vtA \
	--route vni:400=vtex
expect_eq "--replace swaps the routes: exit 0" 0 "$VT_RC"
check "--replace prints the route change" grep -q "routes: vni:100=vtA" <<<"$VT_OUT"
check "--replace happened while the stream was running" kill -0 $flood
wait $flood
sent=$(sed -n 's/^# vxlan_send: \([0-9]*\) frames.*/\1/p' "$TMPD/flood.log")
drops=0
for d in 0 A B X; do
	pid_var=C$d
	drops=$((drops + $(cap_stop "${!pid_var}" "$TMPD/rp/cap$d.pcap")))
done
info "--replace: $sent frames sent, $drops dropped by tcpdump"
mergecap -F pcap -w "$TMPD/rp/merged.pcap" "$TMPD/rp"/cap?.pcap
# The stream's frames repeat: the reference is its frames, as often as sent.
"$PY" - "$TMPD/rp/all.pcap" "$TMPD/rp/ref.pcap" "$sent" 2>/dev/null <<'PY'
import sys
from scapy.utils import rdpcap, wrpcap
one = rdpcap(sys.argv[1])
wrpcap(sys.argv[2], list(one) * (int(sys.argv[3]) // len(one)))
PY

if pcap_compare "$TMPD/rp/ref.pcap" "$TMPD/rp/merged.pcap" --missing-ok "$drops"; then
	ok "--replace: the $sent frames of the stream each on exactly one device, none lost or duplicated"
else
	fail "--replace: frames lost or duplicated across devices"
fi
stats_json col eth1
expect_eq "--replace: the sources counted exactly the $sent frames sent" "$sent" $(($(pair_packets) - p0))
expect_eq "--replace: the devices received exactly the $sent frames sent, together (ip -s link)" \
	"$sent" $(($(rx_sum) - rx0))
expect_eq "--replace: vtap0 and vtex got none of the stream" 0 \
	"$(json "sum(d['packets'] for d in j['devices'] if d['device'] in ('vtap0', 'vtex'))" <"$TMPD/stats.json")"
check "--replace: vtA saw vni 200 after the swap" grep -aq fb "$TMPD/rp/capA.pcap"
check "--replace: vtB saw vni 100 after the swap" grep -aq fa "$TMPD/rp/capB.pcap"
check "--replace: a source route gone leaves vtB (still routed to)" link_exists col vtB
vt_ok "--replace: vtA no longer routed to" col attach eth1 --replace --allow-src all \
	--route vni:100=vtB --route vni:400=vtex
check "--replace: vtA, no longer used, deleted" not link_exists col vtA

# ---- the target and a route's device trade places ---------------------------------
vt_ok "--replace: vtB the target, vtap0 a route's device" col attach eth1 --replace \
	--allow-src all --target vtB --route vni:100=vtap0 --route vni:400=vtex
check "vtap0 keeps its monitor-only links, as a route's device" \
	test -e "$pins/tx_drop_link_if$(ifindex vtap0)"
check "vtB keeps its monitor-only links, as the target" \
	test -e "$pins/tx_drop_link_if$(ifindex vtB)"
vxsend gen col 10.99.0.10,100,2,0,0,sw0 10.99.0.10,300,3,0,0,swb >/dev/null
stats_json col eth1
expect_eq "after the trade: vtap0 got vni 100" 2 "$(dev_count vtap0)"
expect_eq "after the trade: vtB got the rest" 3 "$(dev_count vtB)"
vt col status --check
expect_eq "status --check after the trade" "eth1: ok" "$VT_OUT"

# ---- detach ----------------------------------------------------------------------
vt_ok "detach" col detach eth1
check "detach deletes vtB (made by vtapctl)" not link_exists col vtB
check "detach deletes vtap0 (made by vtapctl)" not link_exists col vtap0
check "detach leaves vtex (existing)" link_exists col vtex
check "detach removes the pins" test ! -e "$pins"

# ---- usage errors: exit 2, one line ---------------------------------------------
usage() {	# usage NAME ARGS...
	local name=$1; shift
	vt col attach eth1 "$@"
	if [ "$VT_RC" -eq 2 ] && [ "$(wc -l <<<"$VT_ERR")" -eq 1 ] && grep -q "^vtapctl: " <<<"$VT_ERR"; then
		ok "$name: exit 2, one line"
	else
		fail "$name: exit $VT_RC: $VT_ERR"
	fi
}
usage "route to the tapped NIC" --route vni:1=eth1
usage "same VNI to two devices" --route vni:1=vtA --route vni:1=vtB
usage "same CIDR twice" --route src:10.0.0.0/8=vtA --route src:10.0.0.0/8=vtA
usage "VNI out of range" --route vni:16777216=vtA
usage "bad CIDR" --route src:10.0.0.1/8=vtA
usage "no device" --route vni:5
usage "neither vni nor src" --route dst:1=vtA
too=()
for i in $(seq 1 65); do too+=(--route "vni:$i=vtA"); done
usage "65 routes" "${too[@]}"
vt_ok "attach (for the slow-path device)" col attach eth1 --allow-src all
sp=$(slow_dev_of col eth1)
usage "route to vtapctl's slow-path device" --replace --route "vni:1=$sp"
vt_ok "detach" col detach eth1
check "nothing made by the refused attaches is left" not link_exists col vtA

# ---- a config file's route lines, as other repeatable options ---------------------
printf 'allow-src all\nroute vni:100=vtA   # tenant a\nroute src:10.99.0.20/32=vtB\n' >"$TMPD/eth1.conf"
vt_ok "attach --config with route lines" col attach eth1 --config "$TMPD/eth1.conf"
vt col status eth1 --json
expect_eq "config: both routes in force" '["vni:100=vtA", "src:10.99.0.20/32=vtB"]' \
	"$(json "[r['route'] for r in j['routes']]" <<<"$VT_OUT")"
printf 'route vni:100=vtA\nroute vni:100=vtB\n' >"$TMPD/bad.conf"
vt col attach eth1 --config "$TMPD/bad.conf" --replace
expect_eq "config: conflicting route lines: exit 2" 2 "$VT_RC"
vt_ok "detach" col detach eth1
check "detach: vtA and vtB deleted" sh -c "! nsenter --net=/run/netns/$(ns col) -- ip link show dev vtA 2>/dev/null && ! nsenter --net=/run/netns/$(ns col) -- ip link show dev vtB 2>/dev/null"
exit 0
