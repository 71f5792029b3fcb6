#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The slow path belongs to the NIC it was attached on (issue 11 item 4).
# One collector namespace, three NICs, each fed by its own generator: eth1
# and eth3 attached, eth2 not, and another user of UDP 4789 (a plain
# socket, as Docker's overlay or Calico would be). VXLAN to eth2, whole and
# fragmented, reaches that socket untouched and never vtap0; each attachment
# delivers exactly its own fragments; detaching one leaves the other working
# and gives its NIC's VXLAN back to the socket; a deleted slow-path device is
# made again by attach; attach warns about the listener (and in generic mode
# about its GRO). --dst takes only VXLAN to the given outer destinations
# (IPv4 and IPv6), on both paths. --slow-port chooses the slow path's port.
source "$(dirname "$0")/lib.sh"
lib_init slowpath-scope
command -v mergecap >/dev/null || skip "mergecap (wireshark-common) not installed"

ns_create col || exit 1
for i in 1 2 3; do
	{ ns_create gen$i && veth_pair gen$i gen0 col eth$i 1600; } || { fail "fabric setup"; exit 1; }
	no_ipv6 gen$i gen0
	[ $i -eq 1 ] || no_ipv6 col eth$i
	in_ns col ip addr add 10.9$((10 - i)).0.2/24 dev eth$i	# 10.99, 10.98, 10.97
done
# eth1: a second IPv4 address and two IPv6 ones, for --dst
in_ns col sysctl -qw net.ipv6.conf.eth1.disable_ipv6=0
in_ns col ip addr add 10.99.0.3/24 dev eth1
in_ns col ip addr add fd00:99::2/64 dev eth1 nodad
in_ns col ip addr add fd00:99::3/64 dev eth1 nodad
in_ns col sysctl -qw net.ipv4.ipfrag_time=1 net.ipv6.ip6frag_time=1

# send N DST TAG CASES...: frag_send.py from genN (outer source 10.9x.0.10,
# or fd00:99::10 toward an IPv6 DST) to colN's ethN; reference in $TMPD/TAG.pcap
send() {
	local n=$1 dst=$2 tag=$3 src=10.9$((10 - $1)).0.10; shift 3
	case $dst in *:*) src=fd00:99::10 ;; esac
	in_ns gen$n "$PY" "$LIB_DIR/frag_send.py" --iface gen0 --dst-mac "$(mac_of col eth$n)" \
		--src $src --dst $dst --tag $tag --ref "$TMPD/$tag.pcap" "$@"
}
# sink_count TAG: datagrams the other socket received with TAG in them
sink_count() { grep -c -- "$1" "$TMPD/sink.log"; }
# on_vtap0 NAME TAGS...: the capture $TMPD/NAME.pcap holds exactly the
# frames sent under TAGS
on_vtap0() {
	local name=$1 t refs=(); shift
	for t in "$@"; do refs+=("$TMPD/$t.pcap"); done
	mergecap -F pcap -w "$TMPD/$name-ref.pcap" "${refs[@]}" &&
		pcap_compare "$TMPD/$name-ref.pcap" "$TMPD/$name.pcap" --missing-ok "$DROPS"
}
capture() { cap_start col vtap0 "$TMPD/$1.pcap" || exit 1; CAP=$CAP_PID; }
# end_capture NAME: stop it, after the reassembly of the last datagrams
end_capture() { sleep 0.3; DROPS=$(cap_stop $CAP "$TMPD/$1.pcap"); }
# stat IFACE EXPR: one value of stats IFACE --json
jstat() { stats_json col "$1" && json "$2" <"$TMPD/stats.json"; }
srcs() { jstat "$1" "sorted(s['src'] for s in j['sources'])"; }

# ---- one attachment, the port left free --------------------------------------
vt_ok "attach eth1" col attach eth1 || exit 1
sp1=$(slow_dev_of col eth1)
bg_ns col "$TMPD/sink.err" "$PY" "$LIB_DIR/udp_sink.py" --port 4789 --log "$TMPD/sink.log"
check "another socket can bind UDP 4789 while eth1 is attached" \
	wait_for 50 grep -qs listening "$TMPD/sink.err"
touch "$TMPD/sink.log"

capture p1
send 2 10.98.0.2 n2 whole:600 inorder:1450
send 1 10.99.0.2 a1 whole:600 inorder:1450
end_capture p1
expect_eq "eth2 (not attached): its whole and fragmented VXLAN reach the other socket, once each" \
	"1 1" "$(sink_count n2whole0) $(sink_count n2inorder1)"
check "eth2's VXLAN is not on vtap0" not grep -aq n2 "$TMPD/p1.pcap"
check "eth1's whole and fragmented frames on vtap0, nothing else" on_vtap0 p1 a1
expect_eq "eth1's VXLAN does not reach the other socket" 0 "$(sink_count a1)"
expect_eq "eth1 counts only its own: redirected, slow_steered, slow_redirected, sources" \
	'1 1 1 ["10.99.0.10"]' \
	"$(jstat eth1 "j['global']['redirected'], j['global']['info']['slow_steered'], j['global']['info']['slow_redirected']" | tr -d '(),') $(srcs eth1)"

# ---- a second attachment in the same namespace ------------------------------
vt_ok "attach eth3 (the other socket listens on 4789)" col attach eth3
check "attach warns that a socket listens on UDP port 4789" \
	grep -q "listens on UDP port 4789" <<<"$VT_ERR"
sp3=$(slow_dev_of col eth3)
check "each attachment has its own slow-path device ($sp1, $sp3)" \
	test -n "$sp1" -a -n "$sp3" -a "$sp1" != "$sp3"

capture p2
send 1 10.99.0.2 b1 inorder:1450 reversed:3000
send 3 10.97.0.2 b3 inorder:1450
end_capture p2
check "vtap0 holds exactly eth1's and eth3's fragmented frames" on_vtap0 p2 b1 b3
expect_eq "eth1: slow_redirected 3 (1 + 2), sources its own" '3 ["10.99.0.10"]' \
	"$(jstat eth1 "j['global']['info']['slow_redirected']") $(srcs eth1)"
expect_eq "eth3: slow_redirected 1, sources its own" '1 ["10.97.0.10"]' \
	"$(jstat eth3 "j['global']['info']['slow_redirected']") $(srcs eth3)"
expect_eq "neither reaches the other socket" "0 0" "$(sink_count b1) $(sink_count b3)"

# ---- detach one: the other keeps working, the detached NIC is untouched ----------
vt_ok "detach eth1" col detach eth1
check "eth1's slow-path device $sp1 is gone, eth3's $sp3 stays" \
	sh -c "! nsenter --net=/run/netns/$(ns col) -- ip link show dev '$sp1' >/dev/null 2>&1 && nsenter --net=/run/netns/$(ns col) -- ip link show dev '$sp3' >/dev/null"
capture p3
send 3 10.97.0.2 c3 inorder:1450
send 1 10.99.0.2 c1 whole:600 inorder:1450
end_capture p3
check "after eth1's detach, eth3's fragments still on vtap0, and nothing else" on_vtap0 p3 c3
expect_eq "eth3: slow_redirected 2" 2 "$(jstat eth3 "j['global']['info']['slow_redirected']")"
expect_eq "eth1 detached: its whole and fragmented VXLAN reach the other socket" \
	"1 1" "$(sink_count c1whole0) $(sink_count c1inorder1)"

# ---- a slow-path device deleted under its attachment ------------------------
in_ns col ip link del dev "$sp3"
vt_ok "attach eth3 again after its slow-path device was deleted" col attach eth3
check "attach says it makes the slow-path device again" grep -q "slow-path device $sp3 is gone" <<<"$VT_ERR"
sp3b=$(slow_dev_of col eth3)
check "eth3 has a slow-path device again ($sp3b)" link_exists col "${sp3b:-none}"
capture p4
send 3 10.97.0.2 d3 inorder:1450
end_capture p4
check "repaired: eth3's fragments on vtap0" on_vtap0 p4 d3

# ---- --dst -----------------------------------------------------------------------
vt_ok "attach eth1 --dst 10.99.0.2/32 --dst fd00:99::2/128" col attach eth1 \
	--dst fd00:99::2/128 --dst 10.99.0.2/32
vt col status eth1
check "status shows --dst" grep -Eq "dst +10.99.0.2/32 fd00:99::2/128" <<<"$VT_OUT"
vt col status eth1 --json
expect_eq "status --json: dst" '["10.99.0.2/32", "fd00:99::2/128"]' "$(json "j['dst']" <<<"$VT_OUT")"
vt col attach eth1 --dst 10.99.0.2/32 --dst fd00:99::2/128
check "the same --dst in another order: the same settings" \
	grep -q "already attached with these settings" <<<"$VT_OUT"
capture p5
send 1 10.99.0.2 e1 whole:600 inorder:1450
send 1 10.99.0.3 f1 whole:600 inorder:1450
send 1 fd00:99::2 e6 whole:600 inorder:1450
send 1 fd00:99::3 f6 whole:600 inorder:1450
end_capture p5
check "--dst: VXLAN to 10.99.0.2 and fd00:99::2 on vtap0 (fast and slow path), nothing else" \
	on_vtap0 p5 e1 e6
expect_eq "--dst: VXLAN to 10.99.0.3 and fd00:99::3 reaches the other socket, whole and fragmented" \
	"1 1 1 1" "$(sink_count f1whole0) $(sink_count f1inorder1) $(sink_count f6whole0) $(sink_count f6inorder1)"
expect_eq "--dst: redirected 2, slow_steered 2, slow_redirected 2" "2 2 2" \
	"$(jstat eth1 "j['global']['redirected'], j['global']['info']['slow_steered'], j['global']['info']['slow_redirected']" | tr -d '(),')"
check "--dst: the other destinations counted as not_ours (2)" \
	global_is "$TMPD/stats.json" passed_by_kind.not_ours 2

# ---- generic mode -----------------------------------------------------------------
vt_ok "attach eth2 --mode generic (the other socket listens on 4789)" col attach eth2 --mode generic
check "generic mode: attach warns about a tunnel socket's GRO" grep -q "GRO" <<<"$VT_ERR"
capture p6
send 2 10.98.0.2 g2 whole:600 inorder:1450 reversed:3000
end_capture p6
check "generic mode: eth2's whole and fragmented frames on vtap0, nothing else" on_vtap0 p6 g2
expect_eq "generic mode: none reaches the other socket" 0 "$(sink_count g2)"

# ---- --slow-port: a port known in advance, for a host firewall's rule ------------
# refused NAME WHAT: the last vtapctl exited 1 with one line that holds WHAT
refused() {
	if [ "$VT_RC" -eq 1 ] && one_line_error && grep -qF -- "$2" <<<"$VT_ERR"; then
		ok "$1"
	else
		fail "$1: exit $VT_RC: $VT_ERR"
	fi
}
vt col attach eth3 --slow-port 47999
refused "--slow-port on an attachment with another: other settings, says which" \
	"slow-port: ${sp3b#vtsp} -> 47999"
vt_ok "attach eth3 --replace --slow-port 47999" col attach eth3 --replace --slow-port 47999
expect_eq "status --json: eth3's slow path on port 47999" '["vtsp47999", 47999, true]' \
	"$(vt col status eth3 --json; json "[j['slow_path'][k] for k in ('device', 'port', 'present')]" <<<"$VT_OUT")"
check "the previous device ($sp3b) is gone" not link_exists col "$sp3b"
capture p7
send 3 10.97.0.2 h3 inorder:1450
end_capture p7
check "--slow-port: eth3's fragments on vtap0" on_vtap0 p7 h3
vt col attach eth3 --slow-port 47999
check "the same --slow-port again: the same settings" \
	grep -q "already attached with these settings" <<<"$VT_OUT"
sp2=$(slow_dev_of col eth2)
vt col attach eth2 --replace --slow-port 47999
refused "--slow-port taken (eth3's): exit 1 with one line" "--slow-port 47999"
expect_eq "the refused --slow-port left eth2's slow path as it was" "$sp2" "$(slow_dev_of col eth2)"
vt col attach eth2 --replace --slow-port 4789
expect_eq "--slow-port 4789 (the tapped port): exit 2" 2 "$VT_RC"

for bad in 10.0.0.1/33 nonsense 10.0.0.1/8 ""; do
	vt col attach eth1 --replace --dst "$bad"
	check "--dst '$bad': exit 2 with one line" sh -c "[ $VT_RC -eq 2 ] && [ \$(printf '%s\n' \"\$1\" | wc -l) -eq 1 ]" _ "$VT_ERR"
done
many=()
for i in $(seq 1 17); do many+=(--dst 10.1.$i.0/24); done
vt col attach eth1 --replace "${many[@]}"
expect_eq "17 --dst: exit 2" 2 "$VT_RC"
vt col status eth1 --json
expect_eq "the refused changes left --dst as it was" '["10.99.0.2/32", "fd00:99::2/128"]' \
	"$(json "j['dst']" <<<"$VT_OUT")"
exit 0
