#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Coexistence. Another XDP program already on the NIC (attached the way
# other tools do it: iproute2 generic, iproute2 native, and a bpf_link held
# by a pin): vtapctl attach refuses with exit 1 and one error line, with
# every option combination that could be tempted to take over (--replace,
# --mode generic/native), leaves the program in place (same id, same mode),
# creates nothing (no pins, no vtap0, no vtsp device), and the NIC still
# passes traffic through it. Once the other program is gone, attach works.
source "$(dirname "$0")/hlib.sh"
hlib_init coexist

fabric || { fail "fabric setup"; exit 1; }
OBJ=$OUT/vtap_monitor.bpf.o
[ -r "$OBJ" ] || skip "$OBJ not built"

links_now() { in_ns col ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' '; }
links0=$(links_now)
nothing_ours() {
	{ [ ! -e "$VTAP_PIN_ROOT" ] || [ -z "$(find "$VTAP_PIN_ROOT" -mindepth 1 ! -type d -print -quit)" ]; } &&
		[ "$(links_now)" = "$links0" ]
}

# refuse_all HOW: every attach variant refuses and changes nothing
refuse_all() {
	local how=$1 id mode args
	id=$(xdp_prog_id col eth1)
	mode=$(xdp_mode col eth1)
	check "$how: foreign program attached (id $id, $mode)" test -n "$id"
	for args in "" "--replace" "--mode generic" "--mode native" "--mode generic --replace" \
		"--backend veth --target vtap0"; do
		vt col attach eth1 $args
		if [ "$VT_RC" -eq 1 ] && one_line_error; then
			ok "$how: attach $args refused: exit 1, '$VT_ERR'"
		else
			fail "$how: attach $args: exit $VT_RC, stderr $(printf '%q' "$VT_ERR")"
		fi
		expect_eq "$how: attach $args left the foreign program in place" "$id $mode" \
			"$(xdp_prog_id col eth1) $(xdp_mode col eth1)"
		check "$how: attach $args created nothing (pins, vtap0, vtsp)" nothing_ours
	done
	check "$how: the message names the other program's id" grep -q "$id" <<<"$VT_ERR"
	vt col detach eth1
	expect_eq "$how: detach of a NIC vtap did not attach: exit 1" 1 "$VT_RC"
	expect_eq "$how: detach left the foreign program" "$id" "$(xdp_prog_id col eth1)"
	check "$how: traffic still flows through the foreign program (ping)" pinged gen $COL_IP 2
}

# 1. iproute2, generic mode (netlink attachment, no bpf_link)
in_ns col ip link set dev eth1 xdpgeneric obj "$OBJ" sec xdp.frags ||
	{ fail "could not attach a foreign program with ip link (xdpgeneric)"; exit 1; }
refuse_all "ip xdpgeneric"
in_ns col ip link set dev eth1 xdpgeneric off

# 2. iproute2, native mode
if in_ns col ip link set dev eth1 xdpdrv obj "$OBJ" sec xdp.frags 2>/dev/null; then
	refuse_all "ip xdpdrv"
	in_ns col ip link set dev eth1 xdpdrv off
else
	fail "could not attach a foreign program with ip link (xdpdrv)"
fi

# 3. a bpf_link owned by someone else (pinned outside vtap's pin root), as
# libxdp/xdp-loader and other bpf_link users do
FOREIGN=/sys/fs/bpf/vth-foreign-$$
EXTRA_CLEANUP="rm -rf $FOREIGN"
mkdir -p "$FOREIGN"
if bpftool prog load "$OBJ" "$FOREIGN/prog" type xdp >/dev/null 2>&1 &&
	in_ns col "$PY" - "$FOREIGN" <<'PY'
import ctypes, ctypes.util, os, socket, struct, sys
libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
SYS_bpf = 321
def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    r = libc.syscall(SYS_bpf, cmd, buf, 128)
    if r < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return r
path = ctypes.create_string_buffer((sys.argv[1] + "/prog").encode())
prog = bpf(7, struct.pack("=QII", ctypes.addressof(path), 0, 0))     # BPF_OBJ_GET
ifx = socket.if_nametoindex("eth1")
link = bpf(28, struct.pack("=IIII", prog, ifx, 37, 2))               # LINK_CREATE, BPF_XDP, XDP_FLAGS_SKB_MODE
lpath = ctypes.create_string_buffer((sys.argv[1] + "/link").encode())
bpf(6, struct.pack("=QII", ctypes.addressof(lpath), link, 0))        # BPF_OBJ_PIN
PY
then
	refuse_all "foreign bpf_link"
	rm -f "$FOREIGN/link"
	wait_for 20 test -z "$(xdp_prog_id col eth1)"
else
	fail "could not attach a foreign program as a pinned bpf_link"
fi
rm -rf "$FOREIGN"

# 4. once the NIC is free, attach works
check "no XDP program left on eth1" test -z "$(xdp_prog_id col eth1)"
vt_ok "attach once the NIC is free" col attach eth1
vt_ok "detach" col detach eth1
exit 0
