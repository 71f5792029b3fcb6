#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vtapctl makes, configures, reads and deletes its devices over rtnetlink
# (issue 14 item 3): attach (veth backend and auto, with the slow path),
# status, stats, detach and cleanup start no `ip` (strace; modprobe may run
# when auto probes the module); the devices are made as before (vtap0 and
# its feed: MTU 9000, NOARP, no multicast, up; the slow path's vxlan:
# external, nolearning, udp6zerocsumrx on its port; the mark); a refused
# creation says why in one line, with the kernel's own words (extended
# ack) when it gave some, and leaves nothing behind.
source "$(dirname "$0")/lib.sh"
lib_init netlink
command -v strace >/dev/null || skip "strace not installed"

gen_fabric gen col || { fail "fabric setup"; exit 1; }

# traced NAME ARGS...: vtapctl ARGS in col under strace -f; fails (says
# which) when it started ip. The exit status is in $VT_RC.
traced() {
	local name=$1; shift
	VT_RC=0
	# LeakSanitizer can't work under ptrace (make sanitize): the same
	# commands run without strace in the other tests check for leaks.
	in_ns col env ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0" \
		strace -f -qq -e trace=execve -e signal=none -o "$TMPD/exec.log" \
		"$VTAPCTL" "$@" >"$TMPD/vt.out" 2>"$TMPD/vt.err" || VT_RC=$?
	VT_ERR=$(cat "$TMPD/vt.err")
	# posix_spawnp tries each folder of PATH: count the attempts too
	if ! grep -q 'execve(' "$TMPD/exec.log"; then
		fail "$name: strace saw no execve, not even vtapctl's"
	elif grep -Eq 'execve\("([^"]*/)?ip", ' "$TMPD/exec.log"; then
		fail "$name: ran ip: $(grep -E 'execve\("([^"]*/)?ip", ' "$TMPD/exec.log" |
			head -1)"
	elif [ "$VT_RC" -ne "${EXPECT_RC:-0}" ]; then
		fail "$name: exit $VT_RC: $VT_ERR"
	else
		ok "$name: no ip started"
	fi
}

# gone NS DEV...: none of the devices exists
gone() {
	local n=$1 d; shift
	for d in "$@"; do
		! link_exists "$n" "$d" || return 1
	done
}

# link_json NS DEV QUERY: a field of ip -d -j link show DEV
link_json() { in_ns "$1" ip -d -j link show dev "$2" | json "$3"; }

# quiet_dev NS DEV: up, NOARP, no MULTICAST, IPv6 off, the mark
quiet_dev() {
	local flags
	flags=$(link_json "$1" "$2" "','.join(j[0]['flags'])")
	[[ ",$flags," == *,UP,* && ",$flags," == *,NOARP,* && ",$flags," != *,MULTICAST,* ]] &&
		[ "$(in_ns "$1" sysctl -n "net.ipv6.conf.$2.disable_ipv6")" = 1 ]
}

traced "attach --backend veth" attach eth1 --backend veth --allow-src all
expect_eq "vtap0 is a veth of MTU 9000" "veth 9000" \
	"$(link_json col vtap0 "j[0]['linkinfo']['info_kind'] + ' ' + str(j[0]['mtu'])")"
expect_eq "vtap0-feed is its peer, MTU 9000" "vtap0 9000" \
	"$(link_json col vtap0-feed "j[0]['link'] + ' ' + str(j[0]['mtu'])")"
expect_eq "vtap0 carries the mark" "made by vtapctl" "$(link_json col vtap0 "j[0]['ifalias']")"
check "vtap0 quiet and up" quiet_dev col vtap0
check "vtap0-feed quiet and up" quiet_dev col vtap0-feed
sp=$(slow_dev_of col eth1)
check "a slow-path device" test -n "$sp"
expect_eq "$sp: vxlan external on its port, nolearning, udp6zerocsumrx" \
	"vxlan True ${sp#vtsp} False True" \
	"$(link_json col "$sp" "' '.join(str(x) for x in (j[0]['linkinfo']['info_kind'],
		j[0]['linkinfo']['info_data'].get('external'), j[0]['linkinfo']['info_data']['port'],
		j[0]['linkinfo']['info_data']['learning'], j[0]['linkinfo']['info_data']['udp_zero_csum6_rx']))")"
expect_eq "$sp carries the mark" "made by vtapctl" "$(link_json col "$sp" "j[0]['ifalias']")"
check "$sp quiet and up" quiet_dev col "$sp"

traced "status" status
traced "status --check" status eth1 --check
traced "stats" stats eth1
traced "detach" detach eth1
check "detach removed vtap0 and vtap0-feed" gone col vtap0 vtap0-feed
check "detach removed $sp" gone col "$sp"
traced "cleanup" cleanup

# auto: modprobe may run (this kernel has no module loading), ip never
traced "attach (backend auto)" attach eth1 --allow-src all
check "auto: vtap0 made" link_exists col vtap0
# The mark is read back over netlink: a vtap0 without it is not vtapctl's
# to delete.
in_ns col ip link set dev vtap0 alias "someone else's"
traced "detach, vtap0 no longer marked" detach eth1
check "an unmarked vtap0 stays" link_exists col vtap0
in_ns col ip link del dev vtap0

# ---- refused creations: the kernel's words in one line ----------------------
# Another collect-metadata vxlan device with the same flags on the port:
# the kernel refuses a second one and says why in its extended ack.
in_ns col ip link add name clash type vxlan external dstport 47999 udp6zerocsumrx
vt col attach eth1 --allow-src all --backend veth --slow-port 47999
expect_eq "--slow-port on another vxlan device's port: exit 1" 1 "$VT_RC"
check "one line" one_line_error
check "it names the device and the errno" \
	grep -q "vtsp47999: can't create: File exists" <<<"$VT_ERR"
check "it quotes the kernel's extended ack" \
	grep -q "A VXLAN device with the specified VNI already exists" <<<"$VT_ERR"
info "$VT_ERR"
check "nothing left: no vtsp47999, vtap0, vtap0-feed" gone col vtsp47999 vtap0 vtap0-feed
check "nothing left: no pins" not test -e "$(pin_dir col eth1)"
in_ns col ip link del dev clash

# The veth's peer name taken: refused by the kernel, said as strerror.
in_ns col ip link add name mon1-feed type ifb
vt col attach eth1 --allow-src all --backend veth --target mon1
expect_eq "--target mon1 with mon1-feed taken: exit 1" 1 "$VT_RC"
check "one line: vtapctl: mon1: can't create: File exists" \
	test "$VT_ERR" = "vtapctl: mon1: can't create: File exists"
check "nothing left: no mon1" gone col mon1
check "nothing left: no pins" not test -e "$(pin_dir col eth1)"

exit $((FAILS > 0))
