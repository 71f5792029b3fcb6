#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What status says is true, and dead attachments leave nothing behind.
#  - status --check: exit 0 and "IFACE: ok" when sound; one line per problem
#    and exit 1 for a target down, too small, missing; a slow-path device
#    missing; an interface gone; target_created stays true after the target
#    is deleted; status --json of a detached attachment has "mode": null;
#  - cleanup removes a dead attachment's pins and the devices it made;
#  - the pins of a deleted network namespace: listed by status --check,
#    removed by cleanup with their programs and maps, a live namespace's
#    left alone;
#  - `ip netns exec ... vtapctl attach` is refused with the nsenter advice;
#  - a renamed NIC keeps its attachment when another device takes its name;
#    incomplete pins don't block attach with a misleading message.
source "$(dirname "$0")/lib.sh"
lib_init state

gen_fabric gen col || { fail "fabric setup"; exit 1; }

prog_exists() { bpftool prog show id "$1" >/dev/null 2>&1; }
map_exists() { bpftool map show id "$1" >/dev/null 2>&1; }

# check_has NAME REGEX: status --check exits 1 and prints a line matching REGEX
check_has() {
	vt col status --check
	if [ "$VT_RC" -eq 1 ] && grep -Eq -- "$2" <<<"$VT_OUT"; then
		ok "$1"
	else
		fail "$1: exit $VT_RC, output: $VT_OUT"
	fi
}

# ---- ip netns exec: refused, nothing left ------------------------------------
VT_RC=0
ip netns exec "$(ns col)" "$VTAPCTL" attach eth1 >"$TMPD/nx.out" 2>"$TMPD/nx.err" || VT_RC=$?
VT_ERR=$(cat "$TMPD/nx.err")
expect_eq "ip netns exec attach: exit 1" 1 "$VT_RC"
check "ip netns exec attach: one-line error" one_line_error
check "ip netns exec attach: advises nsenter --net=/run/netns/$(ns col)" \
	grep -qF "nsenter --net=/run/netns/$(ns col)" "$TMPD/nx.err"
check "ip netns exec attach: no XDP left on eth1" test -z "$(xdp_prog_id col eth1)"
VT_RC=0
ip netns exec "$(ns col)" "$VTAPCTL" detach eth1 >"$TMPD/nx.out" 2>"$TMPD/nx.err" || VT_RC=$?
VT_ERR=$(cat "$TMPD/nx.err")
expect_eq "ip netns exec detach: exit 1" 1 "$VT_RC"
check "ip netns exec detach: one line with the nsenter advice" \
	sh -c 'one_line() { [ "$(wc -l <"$1")" -eq 1 ]; }; one_line "$1" && grep -qF "nsenter --net=/run/netns/$2" "$1"' _ "$TMPD/nx.err" "$(ns col)"
check "ip netns exec attach: no vtap0 left" not link_exists col vtap0
check "ip netns exec attach: no slow-path device left" test -z "$(slow_devs col)"

# ---- status --check ------------------------------------------------------------
vt_ok "attach eth1" col attach eth1 --allow-src 10.99.0.0/24 || exit 1
vt col status --check
expect_eq "healthy: status --check exit 0" 0 "$VT_RC"
expect_eq "healthy: status --check says ok" "eth1: ok" "$VT_OUT"

in_ns col ip link set dev vtap0 down
check_has "target down: its line" "^eth1: target vtap0 is down"
in_ns col ip link set dev vtap0 up
in_ns col ip link set dev vtap0 mtu 1400
check_has "target MTU below eth1's 1600 - 50: its line" "^eth1: target vtap0 has MTU 1400, below the 1550"
in_ns col ip link set dev vtap0 mtu 9000
vt col status --check
expect_eq "target back up at MTU 9000: exit 0" 0 "$VT_RC"

in_ns col ip link del dev vtap0
check_has "target missing: its line" "^eth1: target vtap0 missing"
vt col status eth1 --json
expect_eq "target missing: target_created still true" True "$(json "j['target_created']" <<<"$VT_OUT")"
expect_eq "target missing: --json problems name it" True \
	"$(json "any('target vtap0 missing' in p for p in j['problems'])" <<<"$VT_OUT")"
vt_ok "attach again repairs the target" col attach eth1 --allow-src 10.99.0.0/24

sp=$(slow_dev_of col eth1)
if [ -n "$sp" ]; then
	in_ns col ip link del dev "$sp"
	check_has "slow-path device missing: its line" "^eth1: slow-path device $sp missing"
	vt_ok "attach again makes the slow-path device again" col attach eth1 --allow-src 10.99.0.0/24
	sp=$(slow_dev_of col eth1)
	check "slow-path device back ($sp)" link_exists col "${sp:-none}"
fi
vt col status --check
expect_eq "repaired: status --check exit 0" 0 "$VT_RC"
vt col status eth1 --json
expect_eq "status --json: slow_path names its device and port" "[\"$sp\", ${sp#vtsp}, true]" \
	"$(json "[j['slow_path'][k] for k in ('device', 'port', 'present')]" <<<"$VT_OUT")"

# ---- a renamed NIC keeps its attachment ---------------------------------------------
prog=$(xdp_prog_id col eth1)
in_ns col ip link set dev eth1 name eth9
check_has "renamed NIC: its line" "^eth1: the interface is now called eth9"
in_ns col ip link add name eth1 type veth peer name eth1p
in_ns col ip link set dev eth1 up
in_ns col ip link set dev eth1p up
vt col attach eth1 --allow-src 10.99.0.0/24
expect_eq "attach a new eth1: exit 0" 0 "$VT_RC"
expect_eq "renamed NIC eth9 keeps its program" "$prog" "$(xdp_prog_id col eth9)"
check "renamed NIC's pins moved to eth9" test -e "$(pin_dir col eth9)/link"
check "new eth1 attached" test -n "$(xdp_prog_id col eth1)"
check "new eth1 has its own pins" test -e "$(pin_dir col eth1)/link"
vt_ok "detach the new eth1" col detach eth1
expect_eq "eth9 still attached after eth1's detach" "$prog" "$(xdp_prog_id col eth9)"
in_ns col ip link del dev eth1
# attach under the new name finds the attachment by its ifindex
in_ns col ip link set dev eth9 name eth8
vt col status eth8 --json
expect_eq "status by the new name: exit 0" 0 "$VT_RC"
expect_eq "status by the new name: the attachment, under its pinned name" eth9 \
	"$(json "j['interface']" <<<"$VT_OUT" 2>/dev/null)"
vt col stats eth8
expect_eq "stats by the new name: exit 0" 0 "$VT_RC"
vt col attach eth8 --allow-src 10.99.0.0/24
expect_eq "attach the renamed NIC by its new name: exit 0" 0 "$VT_RC"
check "attach the renamed NIC: already attached (not 'a program vtap did not attach')" \
	grep -q "already attached" <<<"$VT_OUT"
check "attach the renamed NIC: pins moved to eth8" test -e "$(pin_dir col eth8)/link"
expect_eq "attach the renamed NIC: same program" "$prog" "$(xdp_prog_id col eth8)"
in_ns col ip link set dev eth8 name eth9
vt_ok "attach it again as eth9" col attach eth9 --allow-src 10.99.0.0/24
# detach under a new name, the pins still under the old one
in_ns col ip link set dev eth9 name eth7
vt_ok "detach the renamed NIC by its new name" col detach eth7
check "detach the renamed NIC: its program gone" test -z "$(xdp_prog_id col eth7)"
check "detach the renamed NIC: its pins gone" test ! -e "$(pin_dir col eth9)"
in_ns col ip link set dev eth7 name eth9
vt_ok "attach eth9 once more" col attach eth9 --allow-src 10.99.0.0/24

# ---- incomplete pins: a clear message, and detach removes them ---------------------
rm -f "$(pin_dir col eth9)/vtap_sources"
vt col attach eth9 --allow-src 10.99.0.0/24
expect_eq "incomplete pins: attach exits 1" 1 "$VT_RC"
check "incomplete pins: attach says so (not 'a program vtap did not attach')" \
	grep -q "incomplete" <<<"$VT_ERR"
vt_ok "incomplete pins: detach removes them" col detach eth9
check "incomplete pins: detach detached the program" test -z "$(xdp_prog_id col eth9)"
check "incomplete pins: folder gone" test ! -e "$(pin_dir col eth9)"
in_ns col ip link set dev eth9 name eth1

# ---- interface gone: status, then cleanup ---------------------------------------------
vt_ok "attach eth1 again" col attach eth1 --allow-src 10.99.0.0/24
in_ns gen ip link del dev gen0		# deletes eth1 with its peer
check_has "interface gone: its line" "^eth1: interface gone"
vt col status eth1 --json
expect_eq "interface gone: --json attached false" False "$(json "j['attached']" <<<"$VT_OUT")"
expect_eq "interface gone: --json mode null" None "$(json "j['mode']" <<<"$VT_OUT")"
vt_ok "cleanup after the interface went" col cleanup
check "cleanup: pins gone" test ! -e "$(pin_dir col eth1)"
check "cleanup: vtap0 it made deleted" not link_exists col vtap0
check "cleanup: the slow-path device it made deleted" test -z "$(slow_devs col)"
vt col status --check
expect_eq "after cleanup: status --check exit 0" 0 "$VT_RC"

# ---- a made device no attachment uses ------------------------------------------------
veth_pair gen gen0 col eth1 1600
vt_ok "attach eth1 (for an unused-device case)" col attach eth1 --allow-src 10.99.0.0/24
rm -rf "$(pin_dir col eth1)"		# the pins gone by hand: vtap0 left unused
in_ns col ip link set dev eth1 xdp off 2>/dev/null
check_has "unused made device: its line" "^vtap0: made by vtapctl, used by no attachment"
vt_ok "cleanup deletes the unused device" col cleanup
check "unused vtap0 deleted" not link_exists col vtap0

# ---- a deleted network namespace ---------------------------------------------------------
gen_fabric gen3 col3 || { fail "fabric 3 setup"; exit 1; }
vt_ok "attach eth1 in col3" col3 attach eth1 --allow-src 10.99.0.0/24 || exit 1
gone_dir=$VTAP_PIN_ROOT/netns-$(ns_inode col3)
gone_prog=$(bpftool -j link show pinned "$gone_dir/eth1/link" | json "j['prog_id']")
gone_maps=$(bpftool -j prog show id "$gone_prog" | json "' '.join(str(m) for m in j['map_ids'])")
check "col3: program $gone_prog uses maps ($gone_maps)" test -n "$gone_maps"
# a live namespace (col) has an attachment too: never touched
vt_ok "attach eth1 in col (live)" col attach eth1 --allow-src 10.99.0.0/24
live_prog=$(xdp_prog_id col eth1)
ip netns del "$(ns col3)"
check "col3 deleted: its pins stay" test -e "$gone_dir/eth1/link"
check "col3 deleted: its program stays loaded" prog_exists "$gone_prog"
# the kernel dismantles a namespace in the background; until its NIC is gone,
# its link still runs and its pins are left alone
orphan_listed() {
	vt col status --check
	[ "$VT_RC" -eq 1 ] && grep -Eq "^netns-[0-9]+: orphaned pins in $gone_dir" <<<"$VT_OUT"
}
check "deleted namespace: status --check lists its pins" wait_for 100 orphan_listed
vt_ok "cleanup after a deleted namespace" col cleanup
check "deleted namespace: pins gone" test ! -e "$gone_dir"
check "deleted namespace: program $gone_prog unloaded" \
	wait_for 50 not prog_exists "$gone_prog"
for m in $gone_maps; do
	check "deleted namespace: map $m freed" wait_for 50 not map_exists "$m"
done
expect_eq "live namespace: attachment untouched" "$live_prog" "$(xdp_prog_id col eth1)"
check "live namespace: pins untouched" test -e "$(pin_dir col eth1)/link"
vt col status --check
expect_eq "after cleanup: status --check exit 0" 0 "$VT_RC"
vt_ok "detach eth1 in col" col detach eth1
exit 0
