#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Frames the XDP program redirected but the kernel dropped afterwards are
# counted exactly as global.lost_after_redirect (by reason), in native and
# generic mode: the devmap's device down (target_down), its MTU lowered after
# attach (too_big), the receiving end of the veth backend down (xmit_failed,
# native). They stay part of "redirected": seen == redirected + passed +
# dropped still holds. A bridge as --target is refused, leaving nothing.
source "$(dirname "$0")/lib.sh"
lib_init lost

gen_fabric gen col || { fail "fabric setup"; exit 1; }
SRC=10.99.0.30

# g PYEXPR: a field of $TMPD/stats.json (fresh)
g() { stats_json col eth1 && json "$1" <"$TMPD/stats.json"; }

# send N [INNER_LEN]: N VXLAN frames from $SRC; waits until they are counted
send() {
	local n=$1 len=${2:-0} before
	before=$(g "j['global']['seen']")
	if [ "$len" -gt 0 ]; then
		in_ns gen "$PY" - "$(mac_of col eth1)" "$n" "$len" "$SRC" <<'PY'
import logging, sys
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.config import conf
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.layers.vxlan import VXLAN
mac, n, ln, src = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
inner = Ether(src="02:00:00:aa:00:01", dst="02:00:00:aa:00:02", type=0x88b5) / (b"x" * (ln - 14))
f = Ether(dst=mac) / IP(src=src, dst="10.99.0.2") / UDP(sport=50000, dport=4789) / VXLAN(vni=7) / inner
s = conf.L2socket(iface="gen0")
for _ in range(n):
    s.send(f)
s.close()
PY
	else
		vxsend gen col "$SRC,7,$n,0,0" >/dev/null
	fi
	wait_for 50 test "$(g "j['global']['seen']")" -ge $((before + n))
}

# expect_lost NAME LOST REASON COUNT: totals since the last reset, and the
# identity
expect_lost() {
	stats_json col eth1
	expect_eq "$1: lost_after_redirect" "$2" "$(json "j['global']['lost_after_redirect']" <"$TMPD/stats.json")"
	[ -n "$3" ] && expect_eq "$1: lost_by_reason.$3" "$4" \
		"$(json "j['global']['lost_by_reason']['$3']" <"$TMPD/stats.json")"
	expect_eq "$1: seen == redirected + passed + dropped" "$(json "j['global']['seen']" <"$TMPD/stats.json")" \
		"$(json "j['global']['redirected'] + j['global']['passed'] + j['global']['dropped_total']" <"$TMPD/stats.json")"
}

# ---- a target that can't take redirected frames ---------------------------
in_ns col ip link add name br9 type bridge && in_ns col ip link set dev br9 up ||
	{ fail "bridge setup"; exit 1; }
vt col attach eth1 --target br9
expect_eq "--target bridge: exit 1" 1 "$VT_RC"
expect_eq "--target bridge: one line on stderr" 1 "$(printf '%s\n' "$VT_ERR" | wc -l)"
case $VT_ERR in
"vtapctl: br9: can't receive redirected XDP frames"*) ok "--target bridge: says why" ;;
*) fail "--target bridge: stderr $(printf '%q' "$VT_ERR")" ;;
esac
check "--target bridge: no XDP program left on eth1" test -z "$(xdp_prog_id col eth1)"
check "--target bridge: no pins left" test ! -e "$(pin_dir col eth1)"
# ifb is on no list of vtapctl's: refused because the kernel (6.3+) reports
# no NDO_XMIT among its XDP features.
if in_ns col ip link add name ifb9 type ifb 2>/dev/null && in_ns col ip link set dev ifb9 up; then
	vt col attach eth1 --target ifb9
	if [ "$(uname -r | awk -F. '{ print ($1 * 100 + $2 >= 603) }')" = 1 ]; then
		expect_eq "--target ifb (XDP features say no ndo_xdp_xmit): exit 1" 1 "$VT_RC"
		case $VT_ERR in
		"vtapctl: ifb9: can't receive redirected XDP frames (driver ifb "*) ok "--target ifb: says why" ;;
		*) fail "--target ifb: stderr $(printf '%q' "$VT_ERR")" ;;
		esac
	else
		echo "skip lost: --target ifb: the kernel reports XDP features from 6.3"
	fi
	vt col detach eth1
	in_ns col ip link del dev ifb9
else
	echo "skip lost: --target ifb: no ifb device here"
fi

# ---- without CAP_PERFMON: attached, uncounted, and said so -------------------
if command -v setpriv >/dev/null; then
	VT_WRAP="setpriv --inh-caps=-all,+net_admin,+bpf --bounding-set=-all,+net_admin,+bpf" \
		vt col attach eth1
	expect_eq "CAP_NET_ADMIN + CAP_BPF: attach succeeds" 0 "$VT_RC"
	case $VT_ERR in
	*"eth1: frames lost after the redirect are not counted: the tracer needs CAP_PERFMON"*) ok "CAP_NET_ADMIN + CAP_BPF: warns that losses are not counted" ;;
	*) fail "CAP_NET_ADMIN + CAP_BPF: stderr $(printf '%q' "$VT_ERR")" ;;
	esac
	expect_eq "uncounted: stats --json lost_after_redirect is null" None "$(g "j['global']['lost_after_redirect']")"
	vt_ok "attach again as root, same settings" col attach eth1
	check "... loads the tracer" test -e "$(pin_dir col eth1)/lost_redirect_err"
	expect_eq "counted from then: lost_after_redirect 0" 0 "$(g "j['global']['lost_after_redirect']")"
	VT_WRAP="setpriv --inh-caps=-all,+net_admin,+bpf --bounding-set=-all,+net_admin,+bpf" \
		vt col attach eth1 --replace --strict
	expect_eq "--replace without CAP_PERFMON: succeeds" 0 "$VT_RC"
	case $VT_ERR in
	*"eth1: the loss tracer was not loaded again (needs CAP_PERFMON): the one loaded before goes on counting"*)
		ok "--replace without CAP_PERFMON: says the tracer loaded before goes on counting" ;;
	*) fail "--replace without CAP_PERFMON: stderr $(printf '%q' "$VT_ERR")" ;;
	esac
	expect_eq "... and it does: lost_after_redirect still counted" 0 "$(g "j['global']['lost_after_redirect']")"
	vt_ok "detach" col detach eth1
else
	echo "skip lost: without CAP_PERFMON: setpriv not installed"
fi

for mode in native generic; do
	vt_ok "$mode: attach" col attach eth1 --mode "$mode" || exit 1
	pins=$(pin_dir col eth1)
	for p in vtap_lost lost_redirect_err lost_devmap_xmit lost_exception; do
		check "$mode: pin $p" test -e "$pins/$p"
	done
	feed=$(json "j['interfaces'][0]['target']" < <(in_ns col "$VTAPCTL" status --json))-feed

	send 6 || fail "$mode: 6 frames counted"
	expect_lost "$mode: all delivered" 0 target_down 0
	expect_eq "$mode: redirected 6" 6 "$(json "j['global']['redirected']" <"$TMPD/stats.json")"

	# The devmap holds the veth backend's feed end: down, the kernel
	# refuses every redirect into it.
	in_ns col ip link set dev "$feed" down
	send 5 || fail "$mode: 5 frames counted"
	expect_lost "$mode: $feed down" 5 target_down 5
	in_ns col ip link set dev "$feed" up

	# Its MTU lowered after attach: the program's frame limit is the old
	# MTU, the kernel's check drops what is larger.
	in_ns col ip link set dev "$feed" mtu 500
	send 3 1000 || fail "$mode: 3 large frames counted"
	expect_lost "$mode: $feed mtu lowered" 8 too_big 3
	expect_eq "$mode: those 3 were redirected" 14 "$(json "j['global']['redirected']" <"$TMPD/stats.json")"
	in_ns col ip link set dev "$feed" mtu 9000

	if [ "$mode" = native ]; then
		# vtap0 down: the feed takes no XDP frames (veth drops them at
		# transmit; generic mode's veth_xmit drops them uncounted).
		in_ns col ip link set dev vtap0 down
		send 4 || fail "$mode: 4 frames counted"
		expect_lost "$mode: vtap0 down" 12 xmit_failed 4
		in_ns col ip link set dev vtap0 up
	fi

	vt col stats eth1
	case $VT_OUT in
	*"lost after the redirect (of redirected): "[1-9]*) ok "$mode: stats text shows the losses" ;;
	*) fail "$mode: stats text: $VT_OUT" ;;
	esac
	vt_ok "$mode: detach" col detach eth1
	check "$mode: detach removed the tracer's pins" test ! -e "$pins"
done
