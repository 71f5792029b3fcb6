#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# selftests/lab, part 4 (run.sh runs it): `make lab COLLECTORS=2`, the tap
# service sending to a load balancer (lab-lb, nftables jhash DNAT of the
# outer 5-tuple) in front of two collectors, each running vtap and
# `vtapctl metrics --listen`, one Prometheus (in lab-fabric) scraping both:
# - the load balancer spread vm1's connections over both collectors;
# - no TCP connection is split: each one's frames, both directions, are on
#   one collector's vtap0 only (the tap service derives the outer source
#   port from the inner flow, the same both ways: scripts/lab_flowhash.bpf.c);
# - the per-source packets of vm1 summed over the collectors equal the
#   frames vm1's eth0 sent and received meanwhile (vtapctl stats, exact);
# - Prometheus sees both collectors up and returns that same sum;
# - lab down leaves no namespace (lab-lb, lab-target2 included), pin or
#   process.
# One "ok"/"fail"/"skip" line per check; exit 1 on a failure, 4 to skip.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
TOP=$(pwd)
OUT=${OUT:-build}
case $OUT in /*) ;; *) OUT=$TOP/$OUT ;; esac
export OUT
VTAPCTL=${VTAPCTL:-$OUT/vtapctl}
PY=/usr/bin/python3
LAB=$TOP/scripts/lab.sh
eval "$("$LAB" env)" || exit 1		# another lab may run beside this one
export LAB_PREFIX LAB_STATE VTAP_PIN_ROOT
P=$LAB_PREFIX PIN_ROOT=$VTAP_PIN_ROOT
T1=${P}target T2=${P}target2
VM1=10.1.0.4
POLL_SECONDS=${POLL_SECONDS:-8}
export COLLECTORS=2 PYTHONDONTWRITEBYTECODE=1

FAILS=0
ok()   { echo "ok lab: collectors: $*"; }
fail() { echo "fail lab: collectors: $*"; FAILS=$((FAILS + 1)); }
skip() { echo "skip lab: collectors: $*"; exit 4; }
info() { echo "# $*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }

[ "$(id -u)" -eq 0 ] || skip "needs root"
for t in nft prometheus curl tcpdump tshark; do
	command -v "$t" >/dev/null || skip "$t not installed (scripts/deps.sh)"
done
[ -x "$VTAPCTL" ] || skip "$VTAPCTL not built (make all)"
[ -s "$OUT/lab_flowhash.bpf.o" ] || skip "$OUT/lab_flowhash.bpf.o not built (make tests)"

TMPD=$(mktemp -d /tmp/vtap-lab-collectors.XXXXXX)
CAP_PIDS=
cleanup() {
	local rc=$?
	set +e
	local p
	for p in $CAP_PIDS; do kill "$p" 2>/dev/null; done
	"$LAB" down quiet >/dev/null 2>&1
	rm -rf "$TMPD"
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM

nsx() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }

# vm1's eth0: frames sent + received
vm1_frames() {
	nsx ${P}vm1 ip -j -s link show dev eth0 | "$PY" -c '
import json, sys
s = json.load(sys.stdin)[0]["stats64"]
print(s["rx"]["packets"] + s["tx"]["packets"])'
}
# vm1's per-source packets summed over both collectors (vtapctl stats)
collector_frames() {
	local ns n sum=0
	for ns in $T1 $T2; do
		n=$(nsx $ns "$VTAPCTL" stats eth0 --json | "$PY" -c '
import json, sys
print(sum(x["packets"] for x in json.load(sys.stdin)["sources"] if x["src"] == sys.argv[1]))' $VM1) ||
			return 1
		sum=$((sum + n))
	done
	echo $sum
}
# both at a quiet moment: equal once every frame in flight has landed
both_frames() { echo "$(vm1_frames) $(collector_frames)"; }

info "COLLECTORS=2 lab.sh up + attach on both collectors"
if ! SOURCES=vm1 "$LAB" up >"$TMPD/up.log" 2>&1; then
	fail "lab.sh up with COLLECTORS=2"; sed 's/^/# /' "$TMPD/up.log"; exit 1
fi
if "$LAB" attach >"$TMPD/attach.log" 2>&1; then
	ok "vtapctl attach eth0 in $T1 and $T2"
else
	fail "vtapctl attach on the collectors"; sed 's/^/# /' "$TMPD/attach.log"; exit 1
fi
# A quiet start: the poller is paused after up.
sleep 1
read -r vm_a col_a <<<"$(both_frames)"

for ns in $T1 $T2; do
	# nsenter itself, not the nsx function: $! is then tcpdump's pid.
	nsenter --net=/run/netns/$ns tcpdump -i vtap0 -U -n -w "$TMPD/$ns.pcap" 2>"$TMPD/$ns.err" &
	CAP_PIDS+=" $!"
done
for ns in $T1 $T2; do
	for _ in $(seq 200); do
		grep -q 'listening on' "$TMPD/$ns.err" 2>/dev/null && break
		sleep 0.1
	done
done
"$LAB" poll on
sleep "$POLL_SECONDS"
"$LAB" poll off
"$LAB" poll wait-idle >/dev/null || fail "the poller did not stop"
sleep 1
for p in $CAP_PIDS; do kill -INT "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
CAP_PIDS=

# Every TCP connection as "a:port-b:port" (ends sorted), per collector.
for ns in $T1 $T2; do
	tshark -r "$TMPD/$ns.pcap" -Y tcp -T fields -e ip.src -e tcp.srcport -e ip.dst \
		-e tcp.dstport 2>/dev/null | "$PY" -c '
import sys
for line in sys.stdin:
    a, ap, b, bp = line.split()
    print("-".join(sorted([a + ":" + ap, b + ":" + bp])))' | sort -u >"$TMPD/$ns.conns"
	info "$ns: $(wc -l <"$TMPD/$ns.conns") TCP connections on vtap0"
done
check "the load balancer spread vm1's connections over both collectors" \
	test -s "$TMPD/$T1.conns" -a -s "$TMPD/$T2.conns"
split=$(comm -12 "$TMPD/$T1.conns" "$TMPD/$T2.conns")
if [ -z "$split" ]; then
	ok "no connection split: each one's frames on one collector only"
else
	fail "connections on both collectors: $(tr '\n' ' ' <<<"$split")"
fi

# The sums, read at a quiet moment; a frame still in flight lands shortly.
got=
for _ in $(seq 20); do
	read -r vm_b col_b <<<"$(both_frames)"
	got="vm1 exchanged $((vm_b - vm_a)) frames, the collectors counted $((col_b - col_a))"
	[ $((vm_b - vm_a)) -eq $((col_b - col_a)) ] && break
	sleep 0.5
done
info "$got"
check "the per-source sums over both collectors equal what vm1 exchanged" \
	test $((vm_b - vm_a)) -eq $((col_b - col_a)) -a $((vm_b - vm_a)) -gt 0

# One Prometheus, both collectors: the same total (scraped every second).
up=
for _ in $(seq 60); do
	up=$("$LAB" query 'sum(up{job="vtap"})')
	[ "$up" = 2 ] && break
	sleep 0.5
done
check "Prometheus scrapes both collectors (up: ${up:-none})" test "$up" = 2
prom=
for _ in $(seq 60); do
	prom=$("$LAB" query "sum(vtap_source_packets_total{src=\"$VM1\"})")
	[ "$prom" = "$col_b" ] && break
	sleep 0.5
done
check "Prometheus' sum over the collectors is theirs ($col_b; got ${prom:-none})" test "$prom" = "$col_b"

ino1=$(stat -L -c %i /run/netns/$T1) ino2=$(stat -L -c %i /run/netns/$T2)
"$LAB" down >"$TMPD/down.log" 2>&1 || fail "lab down: $(cat "$TMPD/down.log")"
left=
for ns in ${P}lb $T2 $T1 ${P}fabric ${P}fabric-tap ${P}vm1; do
	[ -e "/run/netns/$ns" ] && left+=" netns:$ns"
done
for ino in $ino1 $ino2; do [ -e "$PIN_ROOT/netns-$ino" ] && left+=" pins:netns-$ino"; done
[ -e "$LAB_STATE" ] && left+=" $LAB_STATE"
p=$(pgrep -f "$LAB_STATE/prometheus.yml" 2>/dev/null | tr '\n' ' ')
[ -n "$p" ] && left+=" prometheus:$p"
if [ -z "$left" ]; then ok "lab down: nothing left (namespaces, pins, Prometheus)"
else fail "lab down left:$left"; fi
[ $FAILS -eq 0 ]
