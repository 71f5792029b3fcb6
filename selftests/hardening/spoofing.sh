#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Source spoofing. A flood of valid VXLAN whose outer IPv4 source is random
# for every frame (vtap_blast --rand-src, thousands of distinct sources):
#  - with --allow-src: every frame is dropped as src_not_allowed, the
#    per-source map (counted with bpftool map dump) does not grow by a single
#    entry, sources_added does not move and vtap0 receives nothing;
#  - without an allow-list and --max-sources 256: the map stays within 256
#    entries, stats --json reports sources_evicted > 0 and sources_added,
#    consistently (evicted == added - entries present);
#  - status warns when no allow-list is set, and not when one is.
source "$(dirname "$0")/hlib.sh"
hlib_init spoofing
FLOOD=${FLOOD:-20000}

fabric || { fail "fabric setup"; exit 1; }
mac=$(mac_of col eth1)
"$PY" "$HLIB_DIR/mkstream.py" spoof --dst-mac "$mac" --out "$TMPD/spoof.pcap" | sed 's/^/# /'
"$PY" "$HLIB_DIR/mkstream.py" valid --dst-mac "$mac" --out "$TMPD/legit.pcap" \
	--sources 1 --per-source 10 | sed 's/^/# /'	# from 10.99.0.10, VNI 100
S=$TMPD/stats.json

# ---- with an allow-list -----------------------------------------------------------
vt_ok "attach --allow-src 10.99.0.10/32" col attach eth1 --allow-src 10.99.0.10/32 || exit 1
pins=$(pin_dir col eth1)
vt col status eth1
check "status does not warn when an allow-list is set" not grep -qi warn <<<"$VT_OUT$VT_ERR"
blast -f "$TMPD/legit.pcap" >/dev/null
stats_json col eth1
keys0=$(sources_in_map "$pins")
added0=$(gj $S "j['global']['info']['sources_added']")
expect_eq "the allowed source has its entry (bpftool: 1 key)" 1 "$keys0"
mem0=$(bpftool -j map show pinned "$pins/vtap_sources" | json "j.get('bytes_memlock')")
rx0=$(link_stat col vtap0 rx packets)
cap_start col vtap0 "$TMPD/allow.pcap" || exit 1
cap=$CAP_PID
blast -f "$TMPD/spoof.pcap" -n "$FLOOD" -r 50000 --rand-src 10.128.0.0/9 --seed 1 >"$TMPD/blast1.log"
expect_eq "flood sent: $FLOOD frames from random sources in 10.128.0.0/9" "$FLOOD" "$(sent_frames "$TMPD/blast1.log")"
drops=$(cap_stop $cap "$TMPD/allow.pcap")
stats_json col eth1
expect_eq "every spoofed frame dropped as src_not_allowed" "$FLOOD" "$(gj $S "j['global']['dropped']['src_not_allowed']")"
expect_eq "per-source map unchanged (bpftool map dump: $keys0 key)" "$keys0" "$(sources_in_map "$pins")"
expect_eq "sources_added unchanged ($added0)" "$added0" "$(gj $S "j['global']['info']['sources_added']")"
expect_eq "sources_evicted 0" 0 "$(gj $S "j['sources_evicted']")"
expect_eq "map memory unchanged (bytes_memlock $mem0)" "$mem0" "$(bpftool -j map show pinned "$pins/vtap_sources" | json "j.get('bytes_memlock')")"
expect_eq "nothing reached vtap0 (rx packets)" "$rx0" "$(link_stat col vtap0 rx packets)"
expect_eq "nothing reached vtap0 (tcpdump: 0 frames, $drops dropped)" "0 0" \
	"$(tcpdump -r "$TMPD/allow.pcap" 2>/dev/null | wc -l) $drops"
if id=$(identity $S); then ok "identity holds: $id"; else fail "identity broken: $id"; fi
vt_ok "detach" col detach eth1

# ---- without an allow-list, --max-sources 256 ------------------------------------
vt_ok "attach --max-sources 256 (no allow-list)" col attach eth1 --max-sources 256 || exit 1
vt col status eth1
check "status warns that no allow-list is set" grep -qi 'warn.*allow-src\|allow-src.*warn' <<<"$VT_OUT$VT_ERR"
vt col status eth1 --json
expect_eq "status --json: max_sources 256, allow_src []" "256 []" \
	"$(json "str(j['max_sources']) + ' ' + json.dumps(j['allow_src'])" <<<"$VT_OUT")"
blast -f "$TMPD/spoof.pcap" -n "$FLOOD" -r 50000 --rand-src 10.128.0.0/9 --seed 2 >"$TMPD/blast2.log"
expect_eq "flood sent: $FLOOD frames" "$FLOOD" "$(sent_frames "$TMPD/blast2.log")"
stats_json col eth1
keys=$(sources_in_map "$pins")
added=$(gj $S "j['global']['info']['sources_added']")
evicted=$(gj $S "j['sources_evicted']")
info "per-source map: $keys keys; sources_added $added; sources_evicted $evicted"
check "per-source map within its bound (bpftool: $keys <= 256)" test "$keys" -le 256
check "flood really had thousands of sources (sources_added $added > 5000)" test "$added" -gt 5000
check "stats --json: sources_evicted > 0 ($evicted)" test "$evicted" -gt 0
nrows=$(gj $S "len(j['sources'])")
expect_eq "sources_evicted == sources_added - entries listed" $((added - nrows)) "$evicted"
expect_eq "every spoofed frame redirected (no allow-list)" "$FLOOD" "$(gj $S "j['global']['redirected']")"
vt col status eth1 --json
check "status --json: sources_in_use <= 256 ($(json "j['sources_in_use']" <<<"$VT_OUT"))" \
	test "$(json "j['sources_in_use']" <<<"$VT_OUT")" -le 256
vt col stats eth1
check "stats (text) says sources were evicted" grep -q 'evicted' <<<"$VT_OUT"
if id=$(identity $S); then ok "identity holds: $id"; else fail "identity broken: $id"; fi
vt_ok "detach" col detach eth1
exit 0
