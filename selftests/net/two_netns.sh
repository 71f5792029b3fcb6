#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The same interface name (eth1) attached in two network namespaces at once,
# with the same pin root: both work, each counts only its own traffic, the
# pin dirs (<root>/netns-<inode>/eth1) don't collide, and detaching one
# leaves the other working. Also: --pin-root overrides VTAP_PIN_ROOT.
source "$(dirname "$0")/lib.sh"
lib_init two-netns

gen_fabric gen1 col1 && gen_fabric gen2 col2 || { fail "fabric setup"; exit 1; }
vt_ok "attach eth1 in col1" col1 attach eth1 || exit 1
vt_ok "attach eth1 in col2" col2 attach eth1 || exit 1
p1=$(pin_dir col1 eth1)
p2=$(pin_dir col2 eth1)
check "pin dir of col1 ($p1)" test -e "$p1/link"
check "pin dir of col2 ($p2)" test -e "$p2/link"
check "pin dirs differ" test "$p1" != "$p2"
check "no pins at <root>/eth1" test ! -e "$VTAP_PIN_ROOT/eth1"
check "each namespace has its own vtap0" sh -c "nsenter --net=/run/netns/$(ns col1) -- ip link show vtap0 >/dev/null && nsenter --net=/run/netns/$(ns col2) -- ip link show vtap0 >/dev/null"

vxsend gen1 col1 --expect "$TMPD/e1.json" 10.99.0.1,1,2,1,0,one >/dev/null
vxsend gen2 col2 --expect "$TMPD/e2.json" 10.99.0.2,2,3,1,1,two >/dev/null
stats_json col1 eth1 && cp "$TMPD/stats.json" "$TMPD/s1.json"
check "col1 counts only its own source" sources_match "$TMPD/e1.json" "$TMPD/s1.json"
stats_json col2 eth1 && cp "$TMPD/stats.json" "$TMPD/s2.json"
check "col2 counts only its own source" sources_match "$TMPD/e2.json" "$TMPD/s2.json"

vt_ok "detach eth1 in col1" col1 detach eth1
check "col1 pins removed" test ! -e "$p1"
check "col2 pins intact" test -e "$p2/link"
check "col2 still attached" test -n "$(xdp_prog_id col2 eth1)"
check "col2 vtap0 still there" link_exists col2 vtap0
vxsend gen2 col2 10.99.0.2,2,3,1,1,two >/dev/null
stats_json col2 eth1
expect_eq "col2 still redirects after col1's detach" 10 "$(json "j['global']['redirected']" <"$TMPD/stats.json")"
vt_ok "detach eth1 in col2" col2 detach eth1
check "col2 pins removed" test ! -e "$p2"

# --pin-root wins over VTAP_PIN_ROOT
alt=$VTAP_PIN_ROOT-alt
EXTRA_CLEANUP='rm -rf "$alt"'
vt_ok "attach --pin-root $alt --target mon7 --max-sources 64" col1 attach eth1 \
	--pin-root "$alt" --target mon7 --max-sources 64
pa=$alt/netns-$(ns_inode col1)/eth1
check "pins under --pin-root" test -e "$pa/link"
check "nothing under VTAP_PIN_ROOT" test ! -e "$p1"
check "--max-sources 64: vtap_sources has 64 entries" sh -c "bpftool map show pinned '$pa/vtap_sources' | grep -q 'max_entries 64 '"
check "--target mon7: mon7 made, no vtap0" sh -c "nsenter --net=/run/netns/$(ns col1) -- ip link show dev mon7 >/dev/null && ! nsenter --net=/run/netns/$(ns col1) -- ip link show dev vtap0 >/dev/null 2>&1"
cap_start col1 mon7 "$TMPD/mon7.pcap" || exit 1
cap=$CAP_PID
vxsend gen1 col1 --ref "$TMPD/mon7ref.pcap" 10.99.0.1,1,2,1,0,mon7 >/dev/null
drops=$(cap_stop $cap "$TMPD/mon7.pcap")
check "--target mon7: frames on mon7" pcap_compare "$TMPD/mon7ref.pcap" "$TMPD/mon7.pcap" --missing-ok "$drops"
VTAP_PIN_ROOT=$alt vt col1 detach eth1
expect_eq "detach with VTAP_PIN_ROOT=$alt" 0 "$VT_RC"
check "pins under --pin-root removed" test ! -e "$pa"
check "mon7 removed" not link_exists col1 mon7
check "mon7-feed removed" not link_exists col1 mon7-feed

# without --pin-root or VTAP_PIN_ROOT: the default root /sys/fs/bpf/vtap
dflt=/sys/fs/bpf/vtap/netns-$(ns_inode col2)
EXTRA_CLEANUP='rm -rf "$alt" "$dflt"'
env -u VTAP_PIN_ROOT nsenter --net="/run/netns/$(ns col2)" -- "$VTAPCTL" attach eth1 >/dev/null 2>&1
check "default pin root: pins under $dflt/eth1" test -e "$dflt/eth1/link"
env -u VTAP_PIN_ROOT nsenter --net="/run/netns/$(ns col2)" -- "$VTAPCTL" detach eth1 >/dev/null 2>&1
check "default pin root: removed by detach" test ! -e "$dflt"
exit 0
