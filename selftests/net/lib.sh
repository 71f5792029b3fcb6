# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the selftests/net shell tests. Source it, then call
# lib_init NAME; it installs `trap cleanup EXIT` and a private pin root.
#
# Conventions (kernel selftests/net style):
#  - one "ok <name>" / "fail <name>[: why]" line per check;
#  - "skip <name>: why" and exit 4 when a test can't run here;
#  - every namespace is "vtn-<pid>-<name>", so parallel runs don't collide;
#  - namespaces are entered with nsenter --net (never `ip netns exec`, which
#    remounts /sys and loses bpffs pins);
#  - cleanup kills the processes we started, removes the namespaces (and with
#    them every link inside) and the private pin root, even on failure.

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$LIB_DIR/../.." && pwd)
OUT=${OUT:-build}
case $OUT in /*) ;; *) OUT=$TOP/$OUT ;; esac
VTAPCTL=${VTAPCTL:-$OUT/vtapctl}
PY=/usr/bin/python3		# system python: has scapy (not pyenv's)
if command -v ping >/dev/null; then PING=ping; else PING="busybox ping"; fi
export PYTHONDONTWRITEBYTECODE=1

NS_PREFIX="vtn-$$"
NSES=()
PIDS=()
TMPD=
FAILS=0
OKS=0
TEST_NAME=

ok()   { echo "ok $TEST_NAME: $*"; OKS=$((OKS + 1)); }
fail() { echo "fail $TEST_NAME: $*"; FAILS=$((FAILS + 1)); }
skip() { echo "skip $TEST_NAME: $*"; exit 4; }
info() { echo "# $*"; }

# not CMD...: succeeds when CMD fails (for check)
not() { ! "$@"; }

# check NAME CMD...: ok if CMD succeeds, else fail
check() {
	local name=$1; shift
	if "$@"; then ok "$name"; else fail "$name"; fi
}

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: expected '$2', got '$3'"; fi
}

lib_init() {
	TEST_NAME=$1
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	for t in ip nsenter tcpdump ethtool bpftool; do
		command -v $t >/dev/null || skip "$t not installed"
	done
	[ -x "$VTAPCTL" ] || skip "$VTAPCTL not built"
	"$PY" -c "import scapy" 2>/dev/null || skip "scapy missing for $PY"
	TMPD=$(mktemp -d "/tmp/vtn-$$-XXXX")
	export VTAP_PIN_ROOT=/sys/fs/bpf/vtap-test-$$
	trap cleanup EXIT
	trap 'exit 1' INT TERM
}

cleanup() {
	local rc=$?
	set +e
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait_gone "$p" 30 || kill -9 "$p" 2>/dev/null
	done
	# Detach what is still attached (best effort, so vtapctl's own
	# cleanup runs), then tear everything down.
	local ns d
	for ns in "${NSES[@]}"; do
		[ -e "/run/netns/$ns" ] || continue
		for d in "$VTAP_PIN_ROOT/netns-$(stat -L -c %i "/run/netns/$ns")"/*/; do
			[ -d "$d" ] || continue
			timeout 10 nsenter --net="/run/netns/$ns" -- "$VTAPCTL" detach \
				"$(basename "$d")" >/dev/null 2>&1
		done
	done
	for ns in "${NSES[@]}"; do
		[ -e "/run/netns/$ns" ] || continue
		# Kill whatever is still running inside (started by a failed check).
		local pids
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill -9 $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "${VTAP_PIN_ROOT:-}" ] && [ -d "$VTAP_PIN_ROOT" ] && rm -rf "$VTAP_PIN_ROOT"
	[ -n "${EXTRA_CLEANUP:-}" ] && eval "$EXTRA_CLEANUP"
	[ -n "$TMPD" ] && [ -z "${KEEP_TMP:-}" ] && rm -rf "$TMPD"
	[ -n "$TMPD" ] && [ -n "${KEEP_TMP:-}" ] && echo "# kept $TMPD"
	if [ "$rc" -eq 4 ]; then exit 4; fi
	if [ "$FAILS" -gt 0 ] || [ "$rc" -ne 0 ]; then
		[ "$FAILS" -eq 0 ] && echo "fail $TEST_NAME: aborted (exit $rc)"
		exit 1
	fi
	exit 0
}

# wait_gone PID TENTHS: wait for a process to exit
wait_gone() {
	local i
	for ((i = 0; i < $2; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# wait_for TENTHS CMD...: retry CMD until it succeeds
wait_for() {
	local n=$1 i; shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# ---- namespaces ----------------------------------------------------------

# ns NAME: full name of a test namespace
ns() { echo "$NS_PREFIX-$1"; }

ns_create() {
	local n
	n=$(ns "$1")
	ip netns add "$n" || return 1
	NSES+=("$n")
	in_ns "$1" ip link set dev lo up
}

# in_ns NAME CMD...: run CMD in the test namespace NAME (network ns only)
in_ns() {
	local n
	n=$(ns "$1"); shift
	nsenter --net="/run/netns/$n" -- "$@"
}

# netns inode of a test namespace (pin dir is <root>/netns-<inode>/<ifname>)
ns_inode() { stat -L -c %i "/run/netns/$(ns "$1")"; }

# pin_dir NS IFNAME
pin_dir() { echo "$VTAP_PIN_ROOT/netns-$(ns_inode "$1")/$2"; }

# veth_pair NS1 IF1 NS2 IF2 [MTU]: veth between two namespaces, offloads off
veth_pair() {
	# made inside the first namespace, the peer straight in the second:
	# nothing is created in the caller's namespace
	in_ns "$1" ip link add name "$2" type veth peer name "$4" netns "$(ns "$3")" || return 1
	if [ -n "${5:-}" ]; then
		in_ns "$1" ip link set dev "$2" mtu "$5"
		in_ns "$3" ip link set dev "$4" mtu "$5"
	fi
	offloads_off "$1" "$2"
	offloads_off "$3" "$4"
	in_ns "$1" ip link set dev "$2" up
	in_ns "$3" ip link set dev "$4" up
}

# offloads_off NS IF: software checksums and segmentation, so every frame on
# the wire is a finished frame and captures compare byte for byte.
offloads_off() {
	in_ns "$1" ethtool -K "$2" tx off rx off tso off gso off gro off \
		>/dev/null 2>&1
	in_ns "$1" ethtool -K "$2" tx-checksumming off generic-receive-offload off \
		>/dev/null 2>&1
	return 0
}

# no_ipv6 NS IF: nothing of the interface's own IPv6 on the wire
no_ipv6() { in_ns "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"; }

# ---- processes -------------------------------------------------------------

# bg_ns NS LOG CMD...: start CMD in the background in NS, remember its pid
# (the pid is in $BG_PID).
bg_ns() {
	local n=$1 log=$2; shift 2
	nsenter --net="/run/netns/$(ns "$n")" -- "$@" >"$log" 2>&1 &
	BG_PID=$!
	PIDS+=("$BG_PID")
}

# stop_pid PID: SIGINT, then wait (tcpdump writes its summary on SIGINT)
stop_pid() {
	kill -INT "$1" 2>/dev/null
	wait_gone "$1" 50 || kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# ---- captures --------------------------------------------------------------

# cap_start NS IF FILE: tcpdump -w FILE, returns once it is listening;
# the pid is in $CAP_PID, its stderr in FILE.log
cap_start() {
	bg_ns "$1" "$3.log" tcpdump -Z root -n -i "$2" -s 0 ${CAP_OPTS:--U --immediate-mode -B 32768} -w "$3"
	CAP_PID=$BG_PID
	wait_for 100 grep -qs "listening on" "$3.log" || {
		fail "tcpdump on $2 did not start: $(tr '\n' ' ' <"$3.log")"
		return 1
	}
}

# cap_stop PID FILE: stop a capture; prints the number of frames the kernel
# dropped (0 when tcpdump reports none).
cap_stop() {
	sleep 0.3
	stop_pid "$1"
	local d
	d=$(sed -n 's/^\([0-9]\+\) packets\? dropped by kernel.*/\1/p' "$2.log")
	echo "${d:-0}"
}

# pcap_compare REF GOT [options]: multiset comparison of raw frames
pcap_compare() { "$PY" "$LIB_DIR/pcap_compare.py" "$@"; }

# ---- vtapctl ---------------------------------------------------------------

# vt NS ARGS...: run vtapctl inside a namespace; output in $VT_OUT/$VT_ERR,
# exit status in $VT_RC (never fails, so set -e scripts can inspect it).
# $VT_WRAP prefixes the command (e.g. setpriv to drop root).
vt() {
	local n=$1; shift
	VT_RC=0
	in_ns "$n" ${VT_WRAP:-} "$VTAPCTL" "$@" >"$TMPD/vt.out" 2>"$TMPD/vt.err" || VT_RC=$?
	VT_OUT=$(cat "$TMPD/vt.out")
	VT_ERR=$(cat "$TMPD/vt.err")
}

# vt_ok NAME NS ARGS...: vtapctl must exit 0
vt_ok() {
	local name=$1; shift
	vt "$@"
	if [ "$VT_RC" -eq 0 ]; then
		ok "$name"
	else
		fail "$name: vtapctl ${*:2} exited $VT_RC: $VT_ERR"
		return 1
	fi
}

# json QUERY < JSON: evaluate a python expression on the parsed JSON 'j'
json() { "$PY" -c 'import json,sys; j=json.load(sys.stdin); v=eval(sys.argv[1]); print(json.dumps(v) if isinstance(v,(dict,list)) else v)' "$1"; }

# stats_json NS IFACE: vtapctl stats IFACE --json into $TMPD/stats.json
stats_json() {
	vt "$1" stats "$2" --json
	echo "$VT_OUT" >"$TMPD/stats.json"
	[ "$VT_RC" -eq 0 ]
}

# xdp_prog_id NS IF: id of the XDP program on IF (empty if none)
xdp_prog_id() {
	in_ns "$1" ip -j -d link show dev "$2" | "$PY" -c '
import json, sys
l = json.load(sys.stdin)[0]
x = l.get("xdp") or {}
ids = []
if "prog" in x: ids.append(x["prog"]["id"])
for a in x.get("attached", []):
    if "prog" in a: ids.append(a["prog"]["id"])
print(" ".join(sorted(set(str(i) for i in ids))))'
}

# xdp_mode NS IF: attach mode iproute2 reports ("xdp", "xdpgeneric", ...)
xdp_mode() {
	in_ns "$1" ip -d link show dev "$2" | grep -o ' xdp[a-z]*' | head -1 | tr -d ' '
}

# link_exists NS IF
link_exists() { in_ns "$1" ip link show dev "$2" >/dev/null 2>&1; }

# slow_devs NS: the slow-path vxlan devices (vtsp<port>) in NS, one a line
slow_devs() {
	in_ns "$1" ip -o link show type vxlan | awk -F': ' '$2 ~ /^vtsp/ { sub(/@.*/, "", $2); print $2 }'
}

# slow_dev_of NS IFACE: the slow-path device of IFACE's attachment, empty if none
slow_dev_of() {
	vt "$1" status "$2" --json
	json "(j['slow_path'] or {}).get('device', '')" <<<"$VT_OUT"
}

# slow_rx NS: rx packets of every slow-path device in NS, summed
slow_rx() {
	local d n=0
	for d in $(slow_devs "$1"); do
		n=$((n + $(link_stat "$1" "$d" rx packets)))
	done
	echo $n
}

# ---- the mirror fabric -----------------------------------------------------
#
#   srv:eth0 192.168.10.2 ── vm:eth0 192.168.10.1   (the tapped NIC)
#                              │ tc clsact, match-all filter, both directions:
#                              │ mirred egress mirror dev vx0
#                            vm:vx0 vxlan id VNI dstport 4789,
#                              local 192.168.10.1 (outer src == tapped NIC)
#                            vm:ul0 10.99.0.1 ══ col:eth1 10.99.0.2  (underlay, MTU 1600)
#
# Names: namespaces vm, srv, col. Every test link has offloads off; IPv6 is
# off on all of them so only the test's own traffic is on the wire.
VM_IP=192.168.10.1
SRV_IP=192.168.10.2
VM_UL=10.99.0.1
COL_IP=10.99.0.2

mirror_fabric() {
	local vni=${1:-4242}
	ns_create vm && ns_create srv && ns_create col || return 1
	veth_pair vm eth0 srv eth0 || return 1
	veth_pair vm ul0 col eth1 1600 || return 1
	local n i
	for n in "vm eth0" "srv eth0" "vm ul0" "col eth1"; do
		no_ipv6 $n
	done
	in_ns vm ip addr add $VM_IP/24 dev eth0
	in_ns srv ip addr add $SRV_IP/24 dev eth0
	in_ns vm ip addr add $VM_UL/24 dev ul0
	in_ns col ip addr add $COL_IP/24 dev eth1
	in_ns col ip route add 192.168.10.0/24 via $VM_UL
	in_ns vm ip link add name vx0 type vxlan id "$vni" dstport 4789 \
		local $VM_IP remote $COL_IP nolearning || return 1
	no_ipv6 vm vx0
	in_ns vm ip link set dev vx0 mtu 1550 up
	offloads_off vm vx0
	in_ns vm tc qdisc add dev eth0 clsact || return 1
	for i in ingress egress; do
		# cls_bpf with classic BPF "ret #-1" matches every frame
		# (this kernel has no cls_matchall).
		in_ns vm tc filter add dev eth0 $i bpf bytecode "1,6 0 0 4294967295," \
			action mirred egress mirror dev vx0 || return 1
	done
	# ARP entries in place so the exchange under test is just the test's.
	wait_for 50 in_ns vm $PING -c1 -W1 -q $COL_IP >/dev/null
}

# http_server: python http.server in srv on port 8080, serving $TMPD/www
http_server() {
	mkdir -p "$TMPD/www"
	head -c 20000 /dev/urandom | base64 -w 100 >"$TMPD/www/file.txt"
	bg_ns srv "$TMPD/httpd.log" "$PY" -m http.server --bind $SRV_IP \
		--directory "$TMPD/www" 8080
	wait_for 100 sh -c "nsenter --net=/run/netns/$(ns srv) -- ss -ltn | grep -q ':8080 '"
}

# link_stat NS IF rx|tx packets|bytes|dropped: a netdev counter. Read through
# netlink: under nsenter --net, /sys still shows the original namespace.
link_stat() {
	in_ns "$1" ip -j -s link show dev "$2" |
		"$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"][sys.argv[1]][sys.argv[2]])' "$3" "$4"
}

# snmp_mib NS GROUP FIELD: a counter of /proc/net/snmp (GROUP Ip, Udp, ...)
# as the namespace sees it (/proc/net follows the reader's network namespace)
snmp_mib() {
	in_ns "$1" cat /proc/net/snmp | awk -v g="$2:" -v f="$3" '
		$1 == g && !h { for (i = 2; i <= NF; i++) col[$i] = i; h = 1; next }
		$1 == g && h { print $col[f] }'
}
# udp_mib NS FIELD: Udp InDatagrams, NoPorts, ...
udp_mib() { snmp_mib "$1" Udp "$2"; }
# ip6_mib NS FIELD: a counter of /proc/net/snmp6 (Ip6InReceives, ...)
ip6_mib() { in_ns "$1" cat /proc/net/snmp6 | awk -v f="$2" '$1 == f { print $2 }'; }

# monitor_only_checks NS: vtap0 as DESIGN.md defines it
monitor_only_checks() {
	local n=$1
	check "vtap0 has no addresses" test -z "$(in_ns $n ip -o addr show dev vtap0)"
	check "vtap0 is NOARP" sh -c "nsenter --net=/run/netns/$(ns $n) -- ip link show dev vtap0 | grep -q NOARP"
	expect_eq "vtap0 has IPv6 disabled" 1 "$(in_ns $n sysctl -n net.ipv6.conf.vtap0.disable_ipv6)"
	expect_eq "vtap0 has GRO off" off \
		"$(in_ns $n ethtool -k vtap0 | sed -n 's/^generic-receive-offload: \([a-z]*\).*/\1/p')"
	check "vtap0 has an XDP program" test -n "$(xdp_prog_id $n vtap0)"
	# tcx (Linux 6.6+, a pinned link) or, on older kernels, a clsact filter
	check "vtap0 has a tc ingress program" sh -c "nsenter --net=/run/netns/$(ns $n) -- tc filter show dev vtap0 ingress | grep -q . || bpftool link show pinned $VTAP_PIN_ROOT/netns-$(ns_inode $n)/*/monitor_tc_link >/dev/null 2>&1"
}

# pinged NS ADDR [COUNT]: ping succeeds (quietly)
pinged() { in_ns "$1" $PING -c "${3:-3}" -i 0.2 -W 2 -q "$2" >/dev/null 2>&1; }

# pinned_link_id PINDIR: id of the bpf_link pinned at PINDIR/link (empty if none)
pinned_link_id() {
	bpftool -j link show pinned "$1/link" 2>/dev/null | json "j['id']" 2>/dev/null
}

# one_line_error: $VT_ERR is exactly one line "vtapctl: <what>: <why>"
one_line_error() {
	[ "$(printf '%s\n' "$VT_ERR" | wc -l)" -eq 1 ] &&
		printf '%s\n' "$VT_ERR" | grep -Eq '^vtapctl: [^:]+.*: .+$'
}

# link_gone ID: no bpf_link with that id any more
link_gone() { ! bpftool link show id "$1" >/dev/null 2>&1; }

# ---- the crafted-VXLAN fabric ------------------------------------------------
#   NS:gen0 ══ COLNS:eth1   a veth, no addresses on gen0, IPv6 off on both:
#   only what vxlan_send.py crafts arrives on eth1, so counters are exact.
# gen_fabric GEN COL
gen_fabric() {
	ns_create "$1" || return 1
	[ -e "/run/netns/$(ns "$2")" ] || ns_create "$2" || return 1
	veth_pair "$1" gen0 "$2" eth1 1600 || return 1
	no_ipv6 "$1" gen0
	no_ipv6 "$2" eth1
	in_ns "$2" ip addr add $COL_IP/24 dev eth1
}

# mac_of NS IF
mac_of() { in_ns "$1" ip -j link show dev "$2" | json "j[0]['address']"; }

# vxsend GEN COL ARGS...: vxlan_send.py on GEN's gen0 toward COL's eth1
vxsend() {
	local g=$1 c=$2; shift 2
	in_ns "$g" "$PY" "$LIB_DIR/vxlan_send.py" --iface gen0 \
		--dst-mac "$(mac_of "$c" eth1)" "$@"
}

# sources_match EXPECT.json STATS.json: every expected source (and
# encapsulation) has exactly the expected counters, and there are no others
sources_match() {
	"$PY" - "$1" "$2" <<'PY'
import json, sys, time
exp = json.load(open(sys.argv[1]))
st = json.load(open(sys.argv[2]))
got = {(s["src"], s["vni"], s.get("encap", "vxlan")): s for s in st["sources"]}
bad = 0
for e in exp:
    g = got.pop((e["src"], e["vni"], e.get("encap", "vxlan")), None)
    if g is None:
        print(f"# source {e['src']} vni {e['vni']} missing"); bad = 1; continue
    for k in ("packets", "bytes", "from_source", "to_source", "other"):
        if g.get(k) != e[k]:
            print(f"# source {e['src']} vni {e['vni']}: {k} {g.get(k)}, expected {e[k]}"); bad = 1
    if not 0 < g.get("last_seen_ns", 0) <= time.monotonic_ns():
        print(f"# source {e['src']} vni {e['vni']}: last_seen_ns {g.get('last_seen_ns')} not in the past"); bad = 1
for k in got:
    print(f"# unexpected source {k}"); bad = 1
sys.exit(bad)
PY
}

# global_is STATS.json KEY N...: global counters (dropped.<reason> for drops)
global_is() {
	local f=$1; shift
	"$PY" - "$f" "$@" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))["global"]
args = sys.argv[2:]
bad = 0
for k, v in zip(args[::2], args[1::2]):
    cur = g
    for part in k.split("."):
        cur = cur.get(part) if isinstance(cur, dict) else None
    if cur != int(v):
        print(f"# global {k} = {cur}, expected {v}"); bad = 1
s = g["seen"]; r = g["redirected"]; p = g["passed"]; d = sum(g["dropped"].values())
if s != r + p + d:
    print(f"# seen {s} != redirected {r} + passed {p} + dropped {d}"); bad = 1
if "passed_by_kind" in g and p != sum(g["passed_by_kind"].values()):
    print(f"# passed {p} != sum(passed_by_kind) {g['passed_by_kind']}"); bad = 1
sys.exit(bad)
PY
}
