#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What XDP can't take alone (issue 6): outer fragments, in order and out of
# order, IPv4 and IPv6, go through the kernel's reassembly and the slow path
# (the attachment's vtsp<port> + tc) to vtap0, once and intact; a lost fragment leaves nothing
# and shows as a reassembly timeout; an 8000-byte inner frame over a
# 9000-byte underlay arrives whole on the fast path; a truncated mirror is
# delivered and counted; IPv6 zero-checksum and reserved-bit fragments as on
# the fast path; ECN; a failed slow-path redirect counted as such; detach
# removes the slow-path device.
source "$(dirname "$0")/lib.sh"
lib_init slowpath
command -v mergecap >/dev/null || skip "mergecap (wireshark-common) not installed"

GEN6=fd00:99::10
COL6=fd00:99::2
gen_fabric gen col || { fail "fabric setup"; exit 1; }
in_ns gen ip link set dev gen0 mtu 9000
in_ns col ip link set dev eth1 mtu 9000
# IPv6 on the underlay for the IPv6 cases (nodad: usable at once).
in_ns gen sysctl -qw net.ipv6.conf.gen0.disable_ipv6=0
in_ns col sysctl -qw net.ipv6.conf.eth1.disable_ipv6=0
in_ns col ip addr add $COL6/64 dev eth1 nodad
# Reassembly gives up after a second, not thirty.
in_ns col sysctl -qw net.ipv4.ipfrag_time=1 net.ipv6.ip6frag_time=1

vt_ok "attach" col attach eth1 || exit 1
sp=$(slow_dev_of col eth1)
check "the attachment's slow-path device ($sp) exists, on its own port" \
	sh -c "[ -n '$sp' ] && [ '$sp' != vtsp4789 ] && nsenter --net=/run/netns/$(ns col) -- ip link show dev '$sp' >/dev/null"
check "slow-path tc program on $sp" sh -c \
	"nsenter --net=/run/netns/$(ns col) -- tc filter show dev '$sp' ingress | grep -q vtap_slowpath"
check "nothing listens on UDP 4789" sh -c "! nsenter --net=/run/netns/$(ns col) -- ss -Huln | grep -q ':4789 '"

send() {	# send SRC DST REF CASES...
	local src=$1 dst=$2 ref=$3; shift 3
	in_ns gen "$PY" "$LIB_DIR/frag_send.py" --iface gen0 --dst-mac "$(mac_of col eth1)" \
		--src "$src" --dst "$dst" --ref "$ref" "$@"
}

cap_start col vtap0 "$TMPD/v4.pcap" || exit 1
cap=$CAP_PID
send 10.99.0.10 $COL_IP "$TMPD/v4ref.pcap" inorder:1450 reversed:1450 lost:1450 \
	inorder:3000 truncated:1400 whole:8000
drops=$(cap_stop $cap "$TMPD/v4.pcap")
if pcap_compare "$TMPD/v4ref.pcap" "$TMPD/v4.pcap" --missing-ok "$drops"; then
	ok "ipv4: fragmented, reordered, jumbo and truncated frames on vtap0 once, intact"
else
	fail "ipv4: vtap0 capture differs"
fi
check "ipv4: nothing of the lost frame on vtap0" not grep -aq lost2 "$TMPD/v4.pcap"

cap_start col vtap0 "$TMPD/v6.pcap" || exit 1
cap=$CAP_PID
send $GEN6 $COL6 "$TMPD/v6ref.pcap" inorder:1450 reversed:1450 lost:1450
drops=$(cap_stop $cap "$TMPD/v6.pcap")
if pcap_compare "$TMPD/v6ref.pcap" "$TMPD/v6.pcap" --missing-ok "$drops"; then
	ok "ipv6: fragmented and reordered frames on vtap0 once, intact"
else
	fail "ipv6: vtap0 capture differs"
fi

sleep 2.5	# past the reassembly timeout
stats_json col eth1 || fail "stats --json: $VT_ERR"
"$PY" - "$TMPD/stats.json" <<'PY' && ok "counters: slow path, truncated, fast path and reassembly timeouts" || fail "counters differ"
import json, sys
j = json.load(open(sys.argv[1]))
g, s, k = j["global"], {x["src"]: x for x in j["sources"]}, j["kernel_reassembly"]
want = [
    (g["redirected"], 2, "fast-path redirects (jumbo + truncated)"),
    (g["info"]["slow_redirected"], 5, "slow-path deliveries"),
    (g["info"]["truncated"], 1, "truncated"),
    (s["10.99.0.10"]["packets"], 5, "ipv4 source packets"),
    (s["10.99.0.10"]["slow_path"], 3, "ipv4 source slow_path"),
    (s["10.99.0.10"]["truncated"], 1, "ipv4 source truncated"),
    (s["10.99.0.10"]["from_source"], 5, "ipv4 source from_source"),
    (s["fd00:99::10"]["packets"], 2, "ipv6 source packets"),
    (s["fd00:99::10"]["slow_path"], 2, "ipv6 source slow_path"),
    (k["ipv4_timeout"] >= 1, True, "ipv4 reassembly timeout seen"),
    (k["ipv6_timeout"] >= 1, True, "ipv6 reassembly timeout seen"),
    (g["seen"], g["redirected"] + g["passed"] + sum(g["dropped"].values()), "identity"),
]
bad = [f"# {what}: {got}, want {exp}" for got, exp, what in want if got != exp]
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY

# Parity with the fast path (issue 11 item 8): IPv6 VXLAN with a zero UDP
# checksum is delivered; reserved bits are counted and the datagram
# delivered, or with --strict dropped and counted, never lost silently.
stats_json col eth1 && cp "$TMPD/stats.json" "$TMPD/before.json"
cap_start col vtap0 "$TMPD/par.pcap" || exit 1
cap=$CAP_PID
send $GEN6 $COL6 "$TMPD/z6ref.pcap" --tag z6 --zero-csum inorder:1450
send 10.99.0.10 $COL_IP "$TMPD/r4ref.pcap" --tag r4 --reserved inorder:1450
drops=$(cap_stop $cap "$TMPD/par.pcap")
mergecap -F pcap -w "$TMPD/parref.pcap" "$TMPD/z6ref.pcap" "$TMPD/r4ref.pcap"
check "ipv6 zero-checksum and reserved-bit fragments on vtap0 once, intact" \
	pcap_compare "$TMPD/parref.pcap" "$TMPD/par.pcap" --missing-ok "$drops"
stats_json col eth1
delta() { "$PY" -c 'import json, sys
a, b = (json.load(open(f))["global"] for f in sys.argv[1:3])
print(" ".join(str(eval("b" + k) - eval("a" + k)) for k in sys.argv[3:]))' "$TMPD/before.json" "$TMPD/stats.json" "$@"; }
expect_eq "counted: slow_redirected +2, reserved_bits_seen +1" "2 1" \
	"$(delta "['info']['slow_redirected']" "['info']['reserved_bits_seen']")"
# The headline's slow-path drops are drops: not the datagrams the fast path
# steered there (slow_steered), which were all delivered.
vt col stats eth1
check "stats: slow path delivered and steered, none dropped, as the headline says" \
	grep -Eq '; slow path: redirected [1-9][0-9]*, dropped 0;' <<<"$VT_OUT"

# ECN (RFC 6040), the one difference left: an outer CE reaches the inner
# header of an ECN-capable frame (counted slow_ecn_ce); with a frame that is
# not ECN-capable the kernel drops the datagram (the device's rx errors).
sp=$(slow_dev_of col eth1)
e0=$(link_stat col "$sp" rx errors)
cp "$TMPD/stats.json" "$TMPD/before.json"
cap_start col vtap0 "$TMPD/ecn.pcap" || exit 1
cap=$CAP_PID
send 10.99.0.10 $COL_IP "$TMPD/ecnref.pcap" --tag ce --tos 3 --inner-tos 2 inorder:1450
send 10.99.0.10 $COL_IP "$TMPD/ecn2ref.pcap" --tag nect --tos 3 inorder:1450
cap_stop $cap "$TMPD/ecn.pcap" >/dev/null
stats_json col eth1
expect_eq "outer CE: the ECN-capable frame delivered, counted slow_ecn_ce" "1 1" \
	"$(delta "['info']['slow_redirected']" "['info']['slow_ecn_ce']")"
check "outer CE: the frame that is not ECN-capable is not on vtap0" \
	not grep -aq nectinorder "$TMPD/ecn.pcap"
expect_eq "outer CE, inner not ECN-capable: $sp counts an rx error" 1 \
	$(($(link_stat col "$sp" rx errors) - e0))

vt_ok "attach --replace --strict" col attach eth1 --replace --strict
cp "$TMPD/stats.json" "$TMPD/before.json"
cap_start col vtap0 "$TMPD/strict.pcap" || exit 1
cap=$CAP_PID
send 10.99.0.10 $COL_IP "$TMPD/s4ref.pcap" --tag s4 --reserved inorder:1450
cap_stop $cap "$TMPD/strict.pcap" >/dev/null
check "--strict: reserved-bit fragments not on vtap0" not grep -aq s4inorder "$TMPD/strict.pcap"
stats_json col eth1
expect_eq "--strict: counted as reserved_bits (the first fragment), none delivered" "1 1 0" \
	"$(delta "['dropped']['reserved_bits']" "['info']['reserved_bits_seen']" "['info']['slow_redirected']")"
check "identity holds" global_is "$TMPD/stats.json"

# slow_redirected says what was delivered: with the target gone, a
# reassembled datagram is a slow_redirect_failed, not a slow_redirected.
cp "$TMPD/stats.json" "$TMPD/before.json"
in_ns col ip link del dev vtap0
send 10.99.0.10 $COL_IP "$TMPD/goneref.pcap" --tag gone inorder:1450
sleep 0.3
stats_json col eth1
expect_eq "target deleted: slow_redirect_failed +1, slow_redirected +0" "1 0" \
	"$(delta "['info']['slow_redirect_failed']" "['info']['slow_redirected']")"

vt_ok "detach" col detach eth1
check "detach removes $sp" test -z "$(slow_devs col)"
exit 0
