#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Two NICs of one namespace attached at once share the default target
# vtap0: both deliver there, stats without IFACE lists both
# ({"interfaces": [...]}), detaching one keeps the other working, and after
# the last detach nothing vtapctl created is left (no vtap0, no vtap0-feed).
# Also: stats --watch refreshes.
source "$(dirname "$0")/lib.sh"
lib_init shared-target

gen_fabric gen col || { fail "fabric setup"; exit 1; }
in_ns col ip link add name eth2 type veth peer name gen2 netns "$(ns gen)" &&
	offloads_off col eth2 && offloads_off gen gen2 && no_ipv6 col eth2 && no_ipv6 gen gen2 &&
	in_ns col ip link set dev eth2 mtu 1600 up && in_ns gen ip link set dev gen2 mtu 1600 up ||
	{ fail "fabric setup"; exit 1; }

vt_ok "attach eth1" col attach eth1 || exit 1
vt_ok "attach eth2" col attach eth2 || exit 1
[ -n "$VT_ERR" ] && info "attach eth2 said: $VT_ERR"

vt col stats --json
echo "$VT_OUT" >"$TMPD/all.json"
expect_eq "stats --json without IFACE: {\"interfaces\": [eth1, eth2]}" '["eth1", "eth2"]' \
	"$(json "sorted(i['interface'] for i in j['interfaces'])" <"$TMPD/all.json" 2>&1)"
vt col stats eth2 --json
expect_eq "stats eth2 --json: the single object" eth2 "$(echo "$VT_OUT" | json "j['interface']" 2>&1)"

cap_start col vtap0 "$TMPD/vtap0.pcap" || exit 1
cap=$CAP_PID
vxsend gen col --ref "$TMPD/r1.pcap" 10.99.0.21,5,2,1,1,via-eth1 >/dev/null
in_ns gen "$PY" "$LIB_DIR/vxlan_send.py" --iface gen2 --dst-mac "$(mac_of col eth2)" \
	--ref "$TMPD/r2.pcap" 10.99.0.22,6,1,2,1,via-eth2 >/dev/null
"$PY" -c 'import sys; import scapy.layers.l2; from scapy.utils import rdpcap, wrpcap; wrpcap(sys.argv[3], list(rdpcap(sys.argv[1])) + list(rdpcap(sys.argv[2])))' \
	"$TMPD/r1.pcap" "$TMPD/r2.pcap" "$TMPD/both.pcap"
drops=$(cap_stop $cap "$TMPD/vtap0.pcap")
if pcap_compare "$TMPD/both.pcap" "$TMPD/vtap0.pcap" --missing-ok "$drops"; then
	ok "vtap0 shows the frames of both NICs"
else
	fail "vtap0 capture differs from the frames of both NICs"
fi

vt_ok "detach eth1" col detach eth1
check "vtap0 kept while eth2 uses it" link_exists col vtap0
check "vtap0 still has its XDP program" test -n "$(xdp_prog_id col vtap0)"
cap_start col vtap0 "$TMPD/after.pcap" || exit 1
cap=$CAP_PID
in_ns gen "$PY" "$LIB_DIR/vxlan_send.py" --iface gen2 --dst-mac "$(mac_of col eth2)" \
	--ref "$TMPD/r3.pcap" 10.99.0.22,6,2,0,0,after >/dev/null
drops=$(cap_stop $cap "$TMPD/after.pcap")
if pcap_compare "$TMPD/r3.pcap" "$TMPD/after.pcap" --missing-ok "$drops"; then
	ok "eth2 still delivers to vtap0 after eth1's detach"
else
	fail "eth2 no longer delivers to vtap0 after eth1's detach"
fi

lines=$(timeout 3.5 nsenter --net="/run/netns/$(ns col)" -- "$VTAPCTL" stats eth2 --watch 1 2>&1 |
	grep -c 'redirected')
check "stats --watch 1 refreshes (3.5 s: $lines blocks)" test "$lines" -ge 3

vt_ok "detach eth2" col detach eth2
check "after the last detach: no vtap0" not link_exists col vtap0
check "after the last detach: no vtap0-feed" not link_exists col vtap0-feed
check "after the last detach: no pins" test -z "$(find "$VTAP_PIN_ROOT" -mindepth 1 -print -quit 2>/dev/null)"
exit 0
