#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Counting under load. A sustained mixed stream toward the collector's NIC
# (valid VXLAN from five sources, IPv4 and IPv6, every malformed kind, and
# non-VXLAN traffic) replayed LOOPS times by vtap_blast, while the collector
# itself is pinged and receives a TCP transfer. Then:
#  - vtap0's capture is exactly the valid inner frames, LOOPS times each
#    (minus what tcpdump says it dropped: counted and reported, not hidden);
#  - every malformed packet is counted under its own reason, nothing else
#    is dropped; per-source packets and bytes are exact;
#  - the TCP transfer arrived whole (sha256), ping lost nothing;
#  - seen == redirected + passed + sum(dropped) exactly.
source "$(dirname "$0")/hlib.sh"
hlib_init counting
LOOPS=${LOOPS:-600}
RATE=${RATE:-30000}		# frames per second
TCP_BYTES=${TCP_BYTES:-8000000}

fabric || { fail "fabric setup"; exit 1; }
vt_ok "attach" col attach eth1 || exit 1

"$PY" "$HLIB_DIR/mkstream.py" mixed --dst-mac "$(mac_of col eth1)" --out "$TMPD/stream.pcap" \
	--ref "$TMPD/inner.pcap" --expect "$TMPD/expect.json" --sources 4 --per-source 40 |
	sed 's/^/# /' || { fail "building the stream"; exit 1; }
e() { gj "$TMPD/expect.json" "$1"; }
per_loop=$(e "j['frames']")
valid=$(( $(e "j['valid']") * LOOPS ))
info "stream: $LOOPS x $per_loop frames = $((LOOPS * per_loop)), of which $valid valid VXLAN, at $RATE/s"

# the collector's own traffic: a TCP receiver and a ping from gen
head -c "$TCP_BYTES" /dev/urandom >"$TMPD/tcp.bin"
bg_ns col "$TMPD/tcpsrv.log" "$PY" "$HLIB_DIR/tcpxfer.py" server $COL_IP 9000
srv=$BG_PID
wait_for 100 grep -qs listening "$TMPD/tcpsrv.log" || { fail "TCP server did not start"; exit 1; }

# a big buffer and no per-packet wakeups: tcpdump keeps up with the stream
CAP_OPTS="-B 131072" cap_start col vtap0 "$TMPD/vtap0.pcap" || exit 1
cap=$CAP_PID
tx_drop0=$(link_stat col vtap0-feed tx dropped 2>/dev/null || echo 0)

start=$SECONDS
bg_ns gen "$TMPD/ping.log" $PING -i 0.02 -c 250 -W 2 $COL_IP
pinger=$BG_PID
# TCP paced over about the stream's duration, so it really runs under load
tcp_rate=$(( TCP_BYTES * RATE / (LOOPS * per_loop) + 1 ))
bg_ns gen "$TMPD/tcpcli.log" "$PY" "$HLIB_DIR/tcpxfer.py" client $COL_IP 9000 "$TMPD/tcp.bin" $tcp_rate
cli=$BG_PID
blast -f "$TMPD/stream.pcap" -n "$LOOPS" -r "$RATE" >"$TMPD/blast.log" 2>&1
sed -n 's/^# /# /p' "$TMPD/blast.log"
sent=$(sent_frames "$TMPD/blast.log")
expect_eq "sender sent every frame" $((LOOPS * per_loop)) "$sent"
wait_gone $cli 600; wait $cli 2>/dev/null
wait_gone $pinger 300; wait $pinger 2>/dev/null
wait_gone $srv 100
info "stream, ping and TCP done in $((SECONDS - start))s"

sleep 1.5	# tcpdump without immediate mode hands over a partial block after 1 s
drops=$(cap_stop $cap "$TMPD/vtap0.pcap")
tx_drop1=$(link_stat col vtap0-feed tx dropped 2>/dev/null || echo 0)
info "tcpdump on vtap0: $(grep -h 'captured\|received by filter\|dropped by kernel' "$TMPD/vtap0.pcap.log" | tr '\n' ' ')"
captured=$(sed -n 's/^\([0-9]*\) packets\? captured.*/\1/p' "$TMPD/vtap0.pcap.log")
filtered=$(sed -n 's/^\([0-9]*\) packets\? received by filter.*/\1/p' "$TMPD/vtap0.pcap.log")
expect_eq "packet socket on vtap0 received exactly the valid frames sent (received by filter)" "$valid" "$filtered"
[ "$filtered" = "$captured" ] || info "tcpdump captured $captured of the $filtered its filter received (dropped $drops)"
[ "$drops" -gt 0 ] && info "tcpdump dropped $drops frames: tolerated as missing, not hidden"
if pcap_compare "$TMPD/inner.pcap" "$TMPD/vtap0.pcap" --times "$LOOPS" \
	--missing-ok "$drops"; then
	ok "vtap0 holds every valid inner frame $LOOPS times, byte-identical, nothing else ($drops dropped by tcpdump)"
else
	fail "vtap0 capture differs from the valid inner frames sent (tcpdump dropped $drops; veth feed tx drops $((tx_drop1 - tx_drop0)))"
fi
expect_eq "veth backend lost nothing between vtap0-feed and vtap0 (tx dropped)" "$tx_drop0" "$tx_drop1"

# counters
stats_json col eth1 || { fail "stats --json: $VT_ERR"; exit 1; }
S=$TMPD/stats.json
expect_eq "redirected == valid frames sent" "$valid" "$(gj $S "j['global']['redirected']")"
for r in i_flag_clear vxlan_short inner_short udp_length ipv4_invalid; do
	expect_eq "dropped.$r == $r frames sent" $(( $(e "j['drops']['$r']") * LOOPS )) \
		"$(gj $S "j['global']['dropped']['$r']")"
done
expect_eq "no other drop reason counted" 0 "$(gj $S "sum(v for k, v in j['global']['dropped'].items() if k not in ('i_flag_clear','vxlan_short','inner_short','udp_length','ipv4_invalid'))")"
nours=$(gj $S "j['global']['passed_by_kind']['not_ours']")
check "not_ours counts the non-VXLAN frames plus the collector's own traffic ($nours >= $(( $(e "j['not_ours']") * LOOPS )))" \
	test "$nours" -ge $(( $(e "j['not_ours']") * LOOPS ))
expect_eq "no fragment or ipv6_ext passes" 0 "$(gj $S "j['global']['passed_by_kind']['fragment'] + j['global']['passed_by_kind']['ipv6_ext']")"
if id=$(identity $S); then ok "identity holds at the end: $id"; else fail "identity broken: $id"; fi
check "per source: packets and bytes exact for all 5 sources" "$PY" - "$TMPD/expect.json" "$S" "$LOOPS" <<'PY'
import json, sys
exp, st, n = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3])
got = {(s["src"], s["vni"]): s for s in st["sources"]}
bad = 0
for e in exp["sources"]:
    g = got.pop((e["src"], e["vni"]), None)
    if not g or g["packets"] != e["packets"] * n or g["bytes"] != e["bytes"] * n:
        print(f"# {e['src']} vni {e['vni']}: got {g and (g['packets'], g['bytes'])}, "
              f"expected {(e['packets'] * n, e['bytes'] * n)}"); bad = 1
for k in got:
    print(f"# unexpected source {k}"); bad = 1
sys.exit(bad)
PY

# the collector's own traffic
want="$(stat -c %s "$TMPD/tcp.bin") $(sha256sum "$TMPD/tcp.bin" | cut -d' ' -f1)"
expect_eq "collector's TCP transfer: bytes and sha256 received == sent" "$want" "$(grep -v '^#' "$TMPD/tcpsrv.log")"
expect_eq "collector's TCP transfer: client finished" "$want" "$(cat "$TMPD/tcpcli.log")"
expect_eq "ping to the collector under load: 250 sent, 250 answered" "250 250" "$(ping_counts "$TMPD/ping.log")"

vt_ok "detach" col detach eth1
exit 0
