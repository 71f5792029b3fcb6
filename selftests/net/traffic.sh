#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# End to end: real TCP/HTTP traffic of a "VM" is mirrored by tc into the
# kernel's vxlan device toward a collector whose NIC has vtapctl attached.
# tcpdump on vtap0 must show every mirrored frame exactly once, byte for
# byte, and nothing else; tshark must decode the HTTP exchange; stats must
# count it. MODE=native|generic (default native) selects --mode.
source "$(dirname "$0")/lib.sh"
MODE=${MODE:-native}
lib_init "traffic-$MODE"
command -v tshark >/dev/null || skip "tshark not installed"
command -v curl >/dev/null || skip "curl not installed"
VNI=4242

mirror_fabric $VNI || { fail "fabric setup"; exit 1; }
http_server || { fail "http server did not start"; exit 1; }

vt_ok "attach --mode $MODE" col attach eth1 --mode "$MODE" || exit 1
case $MODE in
native) want=xdp ;;
generic) want=xdpgeneric ;;
esac
expect_eq "eth1 attached in $MODE mode" "$want" "$(xdp_mode col eth1)"
check "vtap0 exists" link_exists col vtap0
check "pin dir exists" test -d "$(pin_dir col eth1)"

cap_start col vtap0 "$TMPD/vtap0.pcap" || exit 1
got_pid=$CAP_PID
cap_start vm eth0 "$TMPD/ref.pcap" || exit 1
ref_pid=$CAP_PID

in_ns vm $PING -c 3 -i 0.2 -q $SRV_IP >/dev/null
check "http fetch through the tapped NIC" \
	in_ns vm curl -sS --max-time 10 -o "$TMPD/got.txt" "http://$SRV_IP:8080/file.txt"
check "http body intact" cmp -s "$TMPD/got.txt" "$TMPD/www/file.txt"
sleep 0.5

ref_drops=$(cap_stop $ref_pid "$TMPD/ref.pcap")
got_drops=$(cap_stop $got_pid "$TMPD/vtap0.pcap")
[ "$ref_drops$got_drops" = 00 ] || info "tcpdump drops: ref $ref_drops, vtap0 $got_drops"
if pcap_compare "$TMPD/ref.pcap" "$TMPD/vtap0.pcap" --min 20 \
	--missing-ok "$got_drops" --extra-ok "$ref_drops"; then
	ok "vtap0 holds every mirrored frame once, byte-identical, nothing else"
else
	fail "vtap0 capture differs from the mirrored frames"
fi

# tshark decodes the inner exchange: handshake, request, response. The two
# directions are encapsulated on different CPUs, so frames of one TCP stream
# may arrive reordered (as from a real fabric): let tshark reorder them.
tsh() { tshark -2 -o tcp.reassemble_out_of_order:TRUE -n -r "$TMPD/vtap0.pcap" -Y "$1" 2>/dev/null | wc -l; }
check "tshark: SYN" test "$(tsh 'tcp.flags.syn==1 && tcp.flags.ack==0 && tcp.dstport==8080')" -ge 1
check "tshark: SYN-ACK" test "$(tsh 'tcp.flags.syn==1 && tcp.flags.ack==1 && tcp.srcport==8080')" -ge 1
check "tshark: HTTP GET /file.txt" test "$(tsh 'http.request.method=="GET" && http.request.uri=="/file.txt"')" -ge 1
check "tshark: HTTP 200 response" test "$(tsh 'http.response.code==200')" -ge 1
check "tshark: ICMP echo reply" test "$(tsh 'icmp.type==0')" -ge 3

# Counters: the tapped NIC's address on our VNI, every frame by direction.
if stats_json col eth1; then
	ok "stats --json"
	exp=$("$PY" "$LIB_DIR/pcap_dirs.py" "$TMPD/ref.pcap" $VM_IP)
	got=$(json "[{k: s[k] for k in ('packets','bytes','from_source','to_source','other')} for s in j['sources'] if s['src']=='$VM_IP' and s['vni']==$VNI]" <"$TMPD/stats.json")
	if [ "$ref_drops$got_drops" = 00 ]; then
		expect_eq "stats: source $VM_IP vni $VNI counts every frame by direction" "[$exp]" "$got"
	else
		info "capture drops: exact per-source comparison skipped"
	fi
	expect_eq "stats: seen == redirected + passed + sum(dropped)" True \
		"$(json "j['global']['seen'] == j['global']['redirected'] + j['global']['passed'] + sum(j['global']['dropped'].values())" <"$TMPD/stats.json")"
	expect_eq "stats: no drops" 0 "$(json "sum(j['global']['dropped'].values())" <"$TMPD/stats.json")"
	nref=$("$PY" -c 'import sys; import scapy.layers.l2; from scapy.utils import rdpcap; print(len(rdpcap(sys.argv[1])))' "$TMPD/ref.pcap")
	expect_eq "stats: redirected == frames mirrored" "$nref" \
		"$(json "j['global']['redirected']" <"$TMPD/stats.json")"
	rx=$(link_stat col vtap0 rx packets)
	expect_eq "vtap0 rx_packets == frames redirected" "$(json "j['global']['redirected']" <"$TMPD/stats.json")" "$rx"
else
	fail "stats --json: exit $VT_RC: $VT_ERR"
fi

monitor_only_checks col
expect_eq "vtap0 sent nothing of its own" 0 "$(link_stat col vtap0 tx packets)"

vt_ok "detach" col detach eth1
check "no XDP left on eth1" test -z "$(xdp_prog_id col eth1)"
check "pin dir removed" test ! -e "$(pin_dir col eth1)"
check "vtap0 removed" not link_exists col vtap0
check "vtap0-feed removed" not link_exists col vtap0-feed
exit 0
