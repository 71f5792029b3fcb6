#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# --allow-src: VXLAN from sources outside the allow-list (IPv4 and IPv6) is
# dropped, counted as src_not_allowed, never shown on vtap0, and gets no
# per-source entry; allowed sources are untouched.
source "$(dirname "$0")/lib.sh"
lib_init allow-src

gen_fabric gen col || { fail "fabric setup"; exit 1; }
vt_ok "attach --allow-src 10.99.0.10/32 --allow-src fd00:99::/64" col attach eth1 \
	--allow-src 10.99.0.10/32 --allow-src fd00:99::/64 || exit 1

allowed="10.99.0.10,100,3,2,1,okv4 fd00:99::10,200,2,2,1,okv6"
denied="10.99.0.66,100,4,3,2,EVILv4 fd00:aa::1,100,1,1,1,EVILv6 10.99.0.11,200,1,0,0,EVILnext"
vxsend gen col --no-send --ref "$TMPD/allowed.pcap" --expect "$TMPD/expect.json" $allowed >/dev/null

cap_start col vtap0 "$TMPD/vtap0.pcap" || exit 1
cap=$CAP_PID
vxsend gen col $allowed $denied
drops=$(cap_stop $cap "$TMPD/vtap0.pcap")
if pcap_compare "$TMPD/allowed.pcap" "$TMPD/vtap0.pcap" --missing-ok "$drops"; then
	ok "vtap0 holds exactly the allowed sources' frames"
else
	fail "vtap0 capture differs from the allowed sources' frames"
fi
check "no frame of a denied source on vtap0" not grep -aq EVIL "$TMPD/vtap0.pcap"

if stats_json col eth1; then
	check "stats: allowed sources exact, denied sources absent" \
		sources_match "$TMPD/expect.json" "$TMPD/stats.json"
	check "stats: 13 dropped as src_not_allowed, 11 redirected" \
		global_is "$TMPD/stats.json" seen 24 redirected 11 passed 0 dropped.src_not_allowed 13
else
	fail "stats --json: exit $VT_RC: $VT_ERR"
fi
check "allow-list holds 2 prefixes" test "$(bpftool map dump pinned "$(pin_dir col eth1)/vtap_allow_src" 2>/dev/null | grep -c prefixlen)" -eq 2

# --vni and --strict (swapped in with --replace; no allow-list any more,
# which --replace does only when told --allow-src all)
vt_ok "attach --replace --vni 100-150 --vni 300 --strict --allow-src all" col attach eth1 \
	--replace --vni 100-150 --vni 300 --strict --allow-src all || exit 1
stats_json col eth1 && cp "$TMPD/stats.json" "$TMPD/before.json"
vxsend gen col --no-send --ref "$TMPD/vni_ok.pcap" --expect "$TMPD/vni_expect.json" \
	10.99.0.66,150,2,1,0,vni150 10.99.0.66,300,1,0,0,vni300 >/dev/null
cap_start col vtap0 "$TMPD/vni.pcap" || exit 1
cap=$CAP_PID
vxsend gen col 10.99.0.66,150,2,1,0,vni150 10.99.0.66,300,1,0,0,vni300 \
	10.99.0.66,99,1,1,1,EVILvni99 10.99.0.66,151,2,0,0,EVILvni151 \
	10.99.0.66,120,1,1,0,EVILreserved,reserved
drops=$(cap_stop $cap "$TMPD/vni.pcap")
if pcap_compare "$TMPD/vni_ok.pcap" "$TMPD/vni.pcap" --missing-ok "$drops"; then
	ok "vtap0 holds exactly the frames of allowed VNIs without reserved bits"
else
	fail "vtap0 capture differs from the frames of allowed VNIs"
fi
stats_json col eth1
delta() { "$PY" -c '
import json, sys
a = json.load(open(sys.argv[1]))["global"]; b = json.load(open(sys.argv[2]))["global"]
def get(g, k):
    for p in k.split("."): g = g[p]
    return g
print(get(b, sys.argv[3]) - get(a, sys.argv[3]))' "$TMPD/before.json" "$TMPD/stats.json" "$1"; }
expect_eq "--vni: 5 frames counted as vni_not_allowed" 5 "$(delta dropped.vni_not_allowed)"
expect_eq "--strict: 2 frames counted as reserved_bits" 2 "$(delta dropped.reserved_bits)"
expect_eq "--strict: reserved bits tallied in info.reserved_bits_seen" 2 "$(delta info.reserved_bits_seen)"
expect_eq "--vni/--strict: 4 redirected" 4 "$(delta redirected)"
check "--vni/--strict: seen == redirected + passed + sum(dropped)" global_is "$TMPD/stats.json"
vt_ok "detach" col detach eth1
exit 0
