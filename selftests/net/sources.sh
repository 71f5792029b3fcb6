#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Per-source counters: two outer sources (one IPv4, one IPv6) and two VNIs,
# VXLAN crafted with scapy with exact numbers of frames sent by, received by
# and unrelated to each source. stats --json must show each exactly; vtap0
# must show exactly the inner frames; bpftool shows named fields.
source "$(dirname "$0")/lib.sh"
lib_init sources

gen_fabric gen col || { fail "fabric setup"; exit 1; }
vt_ok "attach" col attach eth1 || exit 1
pins=$(pin_dir col eth1)

# Inner frames "received by" a source are addressed to vtap0's own MAC:
# vtap0 must still hand none of them to the IP stack.
ip0=$(snmp_mib col Ip InReceives)
ip60=$(ip6_mib col Ip6InReceives)
cap_start col vtap0 "$TMPD/vtap0.pcap" || exit 1
cap=$CAP_PID
sleep 2		# an idle vtap0 shows nothing of its own (compared below)
vxsend gen col --inner-dst-mac "$(mac_of col vtap0)" \
	--ref "$TMPD/inner.pcap" --expect "$TMPD/expect.json" \
	10.99.0.10,100,5,3,2,v4a fd00:99::10,200,4,6,1,v6b 10.99.0.10,200,2,2,2,v4c
drops=$(cap_stop $cap "$TMPD/vtap0.pcap")
expect_eq "no inner frame reached the IPv4 stack (Ip InReceives)" "$ip0" "$(snmp_mib col Ip InReceives)"
expect_eq "no inner frame reached the IPv6 stack (Ip6InReceives)" "${ip60:-0}" "$(ip6_mib col Ip6InReceives)"
expect_eq "vtap0 sent nothing of its own" 0 "$(link_stat col vtap0 tx packets)"
if pcap_compare "$TMPD/inner.pcap" "$TMPD/vtap0.pcap" --missing-ok "$drops"; then
	ok "vtap0 holds exactly the inner frames"
else
	fail "vtap0 capture differs from the inner frames"
fi

if stats_json col eth1; then
	ok "stats --json"
	check "stats: every source and VNI with exact packets, bytes and directions" \
		sources_match "$TMPD/expect.json" "$TMPD/stats.json"
	check "stats: global seen 27, redirected 27, passed 0, nothing dropped" \
		global_is "$TMPD/stats.json" seen 27 redirected 27 passed 0 \
		dropped.src_not_allowed 0 dropped.redirect_failed 0
	expect_eq "stats: interface name" eth1 "$(json "j['interface']" <"$TMPD/stats.json")"
	reasons=$(json "sorted(j['global']['dropped'])" <"$TMPD/stats.json")
	want=$(sed -n 's/^\s*X(DROP_[A-Z0-9_]*,\s*\([a-z0-9_]*\),.*/\1/p' "$TOP/include/vtap_abi.h" |
		"$PY" -c 'import json,sys; print(json.dumps(sorted(sys.stdin.read().split())))')
	expect_eq "stats: drop reasons named as in vtap_abi.h" "$want" "$reasons"
	kinds=$(json "sorted(j['global']['passed_by_kind'])" <"$TMPD/stats.json")
	want=$(sed -n 's/^\s*X(PASS_[A-Z0-9_]*,\s*\([a-z0-9_]*\),.*/\1/p' "$TOP/include/vtap_abi.h" |
		"$PY" -c 'import json,sys; print(json.dumps(sorted(sys.stdin.read().split())))')
	expect_eq "stats: passed_by_kind named as in vtap_abi.h" "$want" "$kinds"
	expect_eq "stats: info.reserved_bits_seen" 0 "$(json "j['global']['info']['reserved_bits_seen']" <"$TMPD/stats.json")"
else
	fail "stats --json: exit $VT_RC: $VT_ERR"
fi

# The human-readable forms run and name the sources.
vt col stats eth1
check "stats (text) lists both sources" sh -c "[ $VT_RC -eq 0 ] && echo \"\$1\" | grep -q 10.99.0.10 && echo \"\$1\" | grep -q fd00:99::10" _ "$VT_OUT"
vt col status eth1
prog=$(xdp_prog_id col eth1)
for w in eth1 native "$prog" vtap0 4789; do
	check "status eth1 shows '$w'" sh -c "[ $VT_RC -eq 0 ] && echo \"\$1\" | grep -qw -- '$w'" _ "$VT_OUT"
done
vt col status --json
check "status --json is JSON" sh -c "[ $VT_RC -eq 0 ] && echo \"\$1\" | $PY -m json.tool >/dev/null" _ "$VT_OUT"

# bpftool shows BTF-named fields of the pinned maps.
dump=$(bpftool map dump pinned "$pins/vtap_sources" 2>&1)
for f in packets bytes from_source to_source other last_seen_ns; do
	check "bpftool map dump vtap_sources shows field $f" grep -q "\"$f\"" <<<"$dump"
done
check "bpftool map dump vtap_global shows field src_not_allowed" \
	sh -c "bpftool map dump pinned '$pins/vtap_global' | grep -q '\"src_not_allowed\"'"
for m in vtap_global vtap_sources vtap_src_cache vtap_allow_src vtap_target vtap_config link monitor_link; do
	check "pin $m exists" test -e "$pins/$m"
done
vt_ok "detach" col detach eth1
exit 0
