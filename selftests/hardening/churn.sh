#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Changes under load. While valid VXLAN streams at the collector's NIC
# (vtap_blast) and the collector's own traffic runs (ping -i 0.05, a TCP
# stream to it):
#  A. attach --replace with other settings, ROUNDS times;
#  B. detach + attach, ROUNDS times;
#  C. the target (vtap0) deleted under the attachment, then repaired three
#     ways: attach with the same settings, attach --replace with others,
#     detach + attach.
# Checks: while attached, no tapped packet reaches the collector's UDP stack
# (Udp InDatagrams/NoPorts/InErrors of /proc/net/snmp and the rx counter of
# the attachment's slow-path vxlan device vtsp<port> unchanged); while detached they do
# (proves the method sees them); non-tap traffic loses nothing; redirects
# into the deleted target are counted as redirect_failed and the identity
# holds; nothing is leaked: no pins, links, programs or maps of ours left
# after the final detach, and no growth while attached.
source "$(dirname "$0")/hlib.sh"
hlib_init churn
ROUNDS=${ROUNDS:-50}
DEL_ROUNDS=${DEL_ROUNDS:-3}
RATE=${RATE:-20000}
MS=4093			# --max-sources: marks our vtap_sources maps in bpftool listings

fabric || { fail "fabric setup"; exit 1; }

# ---- bookkeeping ----------------------------------------------------------
# udp_snap: "InDatagrams NoPorts InErrors RcvbufErrors vtsp-rx" in col
# (vtsp-rx: the rx packets of the slow-path devices vtsp<port>)
udp_snap() {
	local u v
	u=$(in_ns col cat /proc/net/snmp | awk '
		$1 == "Udp:" && !h { for (i = 2; i <= NF; i++) c[$i] = i; h = 1; next }
		$1 == "Udp:" && h { print $c["InDatagrams"], $c["NoPorts"], $c["InErrors"], $c["RcvbufErrors"] }')
	v=$(slow_rx col)
	echo "$u ${v:-0}"
}
# udp_delta A B: sum over the fields of B - A (vtsp rx only when both had it)
udp_delta() {
	local a=($1) b=($2) d=0 i
	for i in 0 1 2 3 4; do d=$((d + ${b[i]} - ${a[i]})); done
	echo $d
}
LEAK=0		# packets that reached the UDP stack while attached
leak_window() {	# leak_window BEFORE AFTER WHAT
	local d
	d=$(udp_delta "$1" "$2")
	if [ "$d" -ne 0 ]; then
		LEAK=$((LEAK + d))
		info "UDP stack saw $d datagrams while attached ($3): [$1] -> [$2]"
	fi
}

# ours: our progs, maps and links, found through the vtap_sources maps of
# size $MS (other vtap users on this machine are not counted), and the
# veth backend's monitor programs seen on our vtap0 (note_monitor).
: >"$TMPD/monitor_ids"
note_monitor() {
	link_exists col vtap0 || return 0
	{ xdp_prog_id col vtap0
	  in_ns col tc filter show dev vtap0 ingress 2>/dev/null | grep -o ' id [0-9]*' | awk '{print $2}'
	  for l in "$VTAP_PIN_ROOT"/netns-*/*/monitor_tc_link; do	# tcx, Linux 6.6+
		[ -e "$l" ] && bpftool -j link show pinned "$l" 2>/dev/null | json "j['prog_id']"
	  done
	} | tr ' ' '\n' | grep . >>"$TMPD/monitor_ids"
	return 0
}
ours() {
	note_monitor
	bpftool -j map list >"$TMPD/maps.json"
	bpftool -j prog list >"$TMPD/progs.json"
	bpftool -j link list >"$TMPD/links.json"
	"$PY" - "$TMPD" "$MS" "$TMPD/monitor_ids" <<'PY'
import json, sys
d, ms = sys.argv[1], int(sys.argv[2])
maps = json.load(open(f"{d}/maps.json"))
progs = json.load(open(f"{d}/progs.json"))
links = json.load(open(f"{d}/links.json"))
mon = {int(x) for x in open(sys.argv[3]).read().split()}
src = {m["id"] for m in maps if m.get("name") == "vtap_sources" and m.get("max_entries") == ms}
P = {p["id"] for p in progs if src & set(p.get("map_ids") or [])}
P |= {p["id"] for p in progs if p["id"] in mon}
M = set(src)
for p in progs:
    if p["id"] in P:
        M |= set(p.get("map_ids") or [])
L = {l["id"] for l in links if l.get("prog_id") in P}
print(f"{len(P)} progs {len(M)} maps {len(L)} links")
names = {p["id"]: p.get("name", "?") for p in progs}
with open(f"{d}/ours_detail", "w") as fh:
    fh.write(" ".join(f"{i}:{names[i]}" for i in sorted(P)) + "\n")
PY
}

in_ns col ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort >"$TMPD/links0"
ours0=$(ours)
expect_eq "nothing of ours in bpftool before attach" "0 progs 0 maps 0 links" "$ours0"

S1="--vni 100-103 --allow-src all"	# --replace drops S3's list only when told
S2="--vni 100-101 --strict --allow-src all"
S3="--vni 100-199 --allow-src 10.99.0.0/24"
settings() { case $(($1 % 3)) in 0) echo "$S1" ;; 1) echo "$S2" ;; 2) echo "$S3" ;; esac; }

vt_ok "first attach" col attach eth1 --max-sources $MS $S1 || exit 1
pins=$(pin_dir col eth1)
link_id=$(pinned_link_id "$pins")
steady=$(ours)
info "attached: $steady ($(cat "$TMPD/ours_detail"))"
# growth_check NAME: our objects back to the steady count (objects are
# freed after an RCU grace period: give them up to 10 s under load)
is_steady() { [ "$(ours)" = "$steady" ]; }
growth_check() {
	local t0=$SECONDS
	if wait_for 100 is_steady; then
		ok "$1 ($steady${t0:+, settled in $((SECONDS - t0))s})"
	else
		fail "$1: expected '$steady', got '$(ours)': $(cat "$TMPD/ours_detail")"
	fi
}

# ---- load -------------------------------------------------------------------
"$PY" "$HLIB_DIR/mkstream.py" valid --dst-mac "$(mac_of col eth1)" --out "$TMPD/stream.pcap" \
	--sources 4 --per-source 50 | sed 's/^/# /'
blast_bg "$TMPD/blast.log" -f "$TMPD/stream.pcap" -d 600 -r "$RATE"
blaster=$BG_PID
bg_ns col "$TMPD/tcpsrv.log" "$PY" "$HLIB_DIR/tcpxfer.py" server $COL_IP 9000
srv=$BG_PID
wait_for 100 grep -qs listening "$TMPD/tcpsrv.log" || { fail "TCP server did not start"; exit 1; }
bg_ns gen "$TMPD/tcpcli.log" "$PY" "$HLIB_DIR/tcpxfer.py" stream $COL_IP 9000 0
cli=$BG_PID
bg_ns gen "$TMPD/ping.log" $PING -i 0.05 -W 1 $COL_IP
pinger=$BG_PID
wait_for 100 grep -qs sending "$TMPD/blast.log" || { fail "stream did not start"; exit 1; }
sleep 0.5
stats_json col eth1
r0=$(gj "$TMPD/stats.json" "j['global']['redirected']")
check "stream is being redirected before the changes ($r0)" test "$r0" -gt 0

# ---- A: attach --replace with other settings -------------------------------
t0=$SECONDS
u0=$(udp_snap)
okA=0 progs_seen=""
prev=$(xdp_prog_id col eth1)
for ((i = 1; i <= ROUNDS; i++)); do
	vt col attach eth1 --replace --max-sources $MS $(settings $i)
	p=$(xdp_prog_id col eth1)
	if [ "$VT_RC" -eq 0 ] && [ -n "$p" ] && [ "$p" != "$prev" ]; then
		okA=$((okA + 1))
	else
		info "replace $i: exit $VT_RC, prog $prev -> $p: $VT_ERR"
	fi
	prev=$p
	sleep 0.05
done
u1=$(udp_snap)
leak_window "$u0" "$u1" "replace rounds"
expect_eq "A: $ROUNDS x attach --replace: each exits 0 with a new program" "$ROUNDS" "$okA"
expect_eq "A: the bpf_link stayed the same" "$link_id" "$(pinned_link_id "$pins")"
expect_eq "A: no tapped packet reached the UDP stack during the replaces" "0 0" "$(udp_delta "$u0" "$u1") $LEAK"
growth_check "A: no growth of our programs/maps/links while attached"
info "A took $((SECONDS - t0))s"

# ---- B: detach + attach ----------------------------------------------------------
t0=$SECONDS
okB=0 detached_seen=0 leakB0=$LEAK
for ((i = 1; i <= ROUNDS; i++)); do
	ub=$(udp_snap)
	vt col detach eth1
	rc1=$VT_RC
	sleep 0.05
	vt col attach eth1 --max-sources $MS $(settings $i)
	rc2=$VT_RC
	ua=$(udp_snap)
	detached_seen=$((detached_seen + $(udp_delta "$ub" "$ua")))
	sleep 0.15
	ue=$(udp_snap)
	leak_window "$ua" "$ue" "detach/attach round $i"
	if [ $rc1 -eq 0 ] && [ $rc2 -eq 0 ]; then okB=$((okB + 1)); else info "round $i: detach $rc1, attach $rc2: $VT_ERR"; fi
done
expect_eq "B: $ROUNDS x detach + attach: all exit 0" "$ROUNDS" "$okB"
check "B: while detached, VXLAN reaches the UDP stack (the method sees it: $detached_seen)" test "$detached_seen" -gt 0
expect_eq "B: while attached, no tapped packet reached the UDP stack" 0 $((LEAK - leakB0))
growth_check "B: no growth of our programs/maps/links"
info "B took $((SECONDS - t0))s"

# ---- C: the target deleted under the attachment ----------------------------
t0=$SECONDS
identity_q() { identity "$1" >/dev/null; }
redirect_failed() { stats_json col eth1 && gj "$TMPD/stats.json" "j['global']['dropped']['redirect_failed']"; }
# delivering: vtap0 exists and receives frames
delivering() {
	local a b
	a=$(link_stat col vtap0 rx packets 2>/dev/null) || return 1
	sleep 0.2
	b=$(link_stat col vtap0 rx packets 2>/dev/null) || return 1
	[ "$b" -gt "$a" ]
}
for ((i = 1; i <= DEL_ROUNDS; i++)); do
	for how in same replace detach; do
		leakC0=$LEAK
		u0=$(udp_snap)
		f0=$(redirect_failed)
		in_ns col ip link del dev vtap0
		sleep 0.3
		f1=$(redirect_failed)
		check "C$i/$how: redirects into the deleted target counted as redirect_failed ($f0 -> $f1)" \
			test "$f1" -gt "$f0"
		check "C$i/$how: identity holds with the target gone" identity_q "$TMPD/stats.json"
		if [ $i -eq 1 ] && [ $how = same ]; then
			vt col status eth1
			check "status says the target is gone (redirects are failing)" \
				grep -qiE 'vtap0.*(gone|missing|not found|does not exist)' <<<"$VT_OUT$VT_ERR"
			vt col status eth1 --json
			info "status --json with the target gone: target $(json "j['target']" <<<"$VT_OUT"), target_created $(json "j['target_created']" <<<"$VT_OUT")"
		fi
		case $how in
		same) vt col attach eth1 --max-sources $MS $(settings 0) ;;
		replace) vt col attach eth1 --replace --max-sources $MS $(settings 1) ;;
		detach)
			u1=$(udp_snap)
			leak_window "$u0" "$u1" "target deleted, before detach"
			vt col detach eth1
			[ "$VT_RC" -eq 0 ] || info "detach with the target gone: exit $VT_RC: $VT_ERR"
			vt col attach eth1 --max-sources $MS $(settings 2)
			u0=$(udp_snap)
			;;
		esac
		expect_eq "C$i/$how: repair exits 0" 0 "$VT_RC${VT_RC:+}"
		[ "$VT_RC" -eq 0 ] || info "repair ($how): $VT_ERR"
		check "C$i/$how: vtap0 back and receiving frames" wait_for 20 delivering
		f2=$(redirect_failed)
		sleep 0.3
		check "C$i/$how: no more failed redirects after the repair" test "$(redirect_failed)" -eq "$f2"
		u2=$(udp_snap)
		leak_window "$u0" "$u2" "target deleted/repaired ($how)"
		expect_eq "C$i/$how: no tapped packet reached the UDP stack" 0 $((LEAK - leakC0))
	done
done
growth_check "C: no growth of our programs/maps/links after the repairs"
# the tc links only where the kernel has tcx (6.6+); older ones use clsact; the
# loss tracer (lost_*, vtap_lost) only with CAP_PERFMON
check "C: pin folder holds only the expected pins" sh -c '[ "$(ls "$1" | grep -v "^\(monitor_tc\|tx_drop\|feed_rx_drop\|feed_tx_drop\)_link$\|^lost_\|^vtap_lost$" | sort | tr "\n" " ")" = "link monitor_link vtap_allow_src vtap_config vtap_global vtap_sources vtap_src_cache vtap_target " ]' _ "$pins"
info "C took $((SECONDS - t0))s"

# ---- the load's verdict --------------------------------------------------------
stop_pid $pinger
kill -TERM $cli 2>/dev/null; wait_gone $cli 100; wait $cli 2>/dev/null
wait_gone $srv 100
kill -TERM $blaster; wait_gone $blaster 50; wait $blaster 2>/dev/null
sed -n 's/^# vtap_blast: sent/# stream: sent/p' "$TMPD/blast.log"
pc=($(ping_counts "$TMPD/ping.log"))
check "ping -i 0.05 to the collector throughout: ${pc[0]:-?} sent, ${pc[1]:-?} answered" \
	test -n "${pc[0]:-}" -a "${pc[0]:-0}" -gt 100 -a "${pc[0]:-0}" = "${pc[1]:-x}"
read -r cbytes csum cstall <"$TMPD/tcpcli.log"
expect_eq "TCP stream to the collector: received == sent (bytes, sha256)" "$cbytes $csum" "$(grep -v '^#' "$TMPD/tcpsrv.log")"
check "TCP stream to the collector never stalled over 1s (longest ${cstall:-?} ms)" test "${cstall:-99999}" -lt 1000
stats_json col eth1
if id=$(identity "$TMPD/stats.json"); then ok "identity holds at the end: $id"; else fail "identity broken: $id"; fi

# The method sees what it must not miss: a fragmented VXLAN datagram goes
# the slow path (reassembled, the vtsp device's UDP socket) and shows in the
# same counters: Udp InDatagrams +1 and vtsp rx +1.
u0=$(udp_snap)
in_ns gen "$PY" - "$(mac_of col eth1)" <<'PY'
import sys
from scapy.layers.inet import IP, UDP, fragment
from scapy.layers.l2 import Ether
from scapy.layers.vxlan import VXLAN
from scapy.sendrecv import sendp
inner = Ether(src="02:00:00:aa:00:01", dst="02:00:00:aa:00:02") / \
    IP(src="10.99.0.10", dst="198.51.100.2") / UDP(sport=1, dport=9) / (b"x" * 1400)
p = IP(src="10.99.0.10", dst="10.99.0.2") / UDP(sport=5555, dport=4789) / VXLAN(flags=0x08, vni=100) / inner
sendp([Ether(dst=sys.argv[1]) / f for f in fragment(p, fragsize=800)], iface="gen0", verbose=0)
PY
sleep 0.3
u1=($(udp_snap)) u0=($u0)
expect_eq "method check: a fragmented VXLAN datagram shows as InDatagrams +1 and vtsp rx +1" \
	"1 1" "$((u1[0] - u0[0])) $((u1[4] - u0[4]))"

# ---- leaks --------------------------------------------------------------------
vt_ok "final detach" col detach eth1
settle() { [ "$(ours)" = "0 progs 0 maps 0 links" ]; }
wait_for 50 settle
expect_eq "no program, map or link of ours left (bpftool)" "0 progs 0 maps 0 links" "$(ours)"
check "pin link $link_id released" wait_for 20 link_gone "$link_id"
expect_eq "pin root empty" "." "$(pin_tree | tr '\n' ' ' | sed 's/ $//')"
in_ns col ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort >"$TMPD/links1"
expect_eq "collector's links as before (no vtap0, vtap0-feed, vtsp left)" \
	"$(tr '\n' ' ' <"$TMPD/links0")" "$(tr '\n' ' ' <"$TMPD/links1")"
exit 0
