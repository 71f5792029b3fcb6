#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# While vtap is attached, the collector's own traffic (ping, TCP) works and
# tapped VXLAN never reaches its IP stack; after detach VXLAN reaches the
# stack again, and the pins, vtap0 and vtap0-feed are gone.
source "$(dirname "$0")/lib.sh"
lib_init own-traffic

mirror_fabric 77 || { fail "fabric setup"; exit 1; }

# a one-shot TCP echo server on the collector's underlay address
tcp_echo_server() {
	bg_ns col "$TMPD/echo.log" "$PY" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 9000)); s.listen(1); s.settimeout(20)
c, _ = s.accept(); c.sendall(c.recv(100).upper()); c.close()' $COL_IP
	wait_for 100 sh -c "nsenter --net=/run/netns/$(ns col) -- ss -ltn | grep -q ':9000 '"
}
tcp_echo_client() {
	in_ns vm "$PY" -c '
import socket, sys
c = socket.create_connection((sys.argv[1], 9000), timeout=5)
c.sendall(b"hello vtap"); print(c.recv(100).decode())' $COL_IP
}

vt_ok "attach" col attach eth1 || exit 1
expect_eq "default mode on a veth is native" xdp "$(xdp_mode col eth1)"

check "ping to the collector while attached" pinged vm $COL_IP
tcp_echo_server
expect_eq "TCP connection to the collector while attached" "HELLO VTAP" "$(tcp_echo_client 2>&1)"

noports0=$(udp_mib col NoPorts)
indgram0=$(udp_mib col InDatagrams)
in_ns vm $PING -c 3 -i 0.2 -q $SRV_IP >/dev/null	# mirrored as VXLAN to the collector
sleep 0.3
stats_json col eth1
redirected=$(json "j['global']['redirected']" <"$TMPD/stats.json")
check "tapped frames were redirected while attached ($redirected)" test "$redirected" -ge 6
expect_eq "no tapped VXLAN reached the stack (Udp NoPorts)" "$noports0" "$(udp_mib col NoPorts)"
expect_eq "no tapped VXLAN reached the stack (Udp InDatagrams)" "$indgram0" "$(udp_mib col InDatagrams)"

pins=$(pin_dir col eth1)
check "pin dir exists while attached" test -d "$pins"
link_id=$(pinned_link_id "$pins")
check "XDP bpf_link pinned ($link_id)" test -n "$link_id"
vt_ok "detach" col detach eth1
check "pin dir removed" test ! -e "$pins"
check "vtap0 removed" not link_exists col vtap0
check "vtap0-feed removed" not link_exists col vtap0-feed
check "no XDP left on eth1" test -z "$(xdp_prog_id col eth1)"
[ -n "$link_id" ] && check "bpf_link $link_id released" wait_for 20 link_gone "$link_id"

in_ns vm $PING -c 3 -i 0.2 -q $SRV_IP >/dev/null
sleep 0.3
noports1=$(udp_mib col NoPorts)
check "after detach, VXLAN reaches the stack again (Udp NoPorts $noports0 -> $noports1)" \
	test "$noports1" -ge $((noports0 + 6))
check "ping to the collector after detach" pinged vm $COL_IP
vt "col" detach eth1
expect_eq "detach again: exit 1 (nothing attached)" 1 "$VT_RC"
check "detach again: one-line error" one_line_error
exit 0
