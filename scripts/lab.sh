#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The Azure Virtual Network TAP lab, on one machine, with network namespaces;
# with CLOUD=gcp the same lab as Google Cloud's out-of-band mirroring.
# docs/lab.md explains the topology and how it maps onto Azure's lab.
#
#   scripts/lab.sh run [--outer]      set up, attach vtap, show vtap0 live, tear down
#                                     on Ctrl-C or after DURATION seconds
#   scripts/lab.sh up                 set the lab up (fabric, VMs, tap of vm1), no vtap
#   scripts/lab.sh attach | detach    vtapctl attach/detach eth0 in lab-target (and lab-target2)
#   scripts/lab.sh source add VM [VNI] | del VM | list
#   scripts/lab.sh poll on | off | wait-idle
#   scripts/lab.sh stats [--json] | status
#   scripts/lab.sh down               remove everything the lab made (idempotent)
#   scripts/lab.sh query PROMQL       COLLECTORS=2: ask the lab's Prometheus
#   scripts/lab.sh env                the prefix, state folder and pin root, as shell
#
# Environment: DURATION (seconds, run), OUT (build folder), VTAPCTL,
# VTAP_ATTACH_ARGS (vtapctl attach options, default: the allow-list of the
# tapped subnet, as README tells collectors to give, and with CLOUD=gcp
# --geneve-port 6081), SOURCES (initial tap sources, default "vm1"),
# STATS_EVERY (seconds, default 5), LAB_LARGE=0 (no large transfers),
# CI=true (no terminal: DURATION defaults to 20), COLLECTORS=2 (two
# collectors behind a load balancer, one Prometheus), CLOUD=gcp (the TAP
# service sends GENEVE as Google's mirroring does; default azure: VXLAN),
# LAB_PREFIX (default "lab-": every namespace's name starts with it; another
# prefix gets its own LAB_STATE, /run/vtap-<prefix>, and VTAP_PIN_ROOT,
# /sys/fs/bpf/vtap-<prefix>, so two labs can run at once).
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-build}
case $OUT in /*) ;; *) OUT=$TOP/$OUT ;; esac
VTAPCTL=${VTAPCTL:-$OUT/vtapctl}
PY=/usr/bin/python3		# the system python (not a pyenv shim on PATH)
# Two labs at once (a CI run beside someone's make lab) need their own
# namespaces, state and pins: all follow the prefix. The default prefix
# keeps the default places.
P=${LAB_PREFIX:-lab-}
case $P in *[!a-z0-9-]* | '') echo "lab: LAB_PREFIX: letters, digits and '-' only" >&2; exit 2 ;; esac
if [ "$P" = lab- ]; then
	STATE=${LAB_STATE:-/run/vtap-lab} PIN_ROOT=${VTAP_PIN_ROOT:-/sys/fs/bpf/vtap}
else
	STATE=${LAB_STATE:-/run/vtap-${P%-}} PIN_ROOT=${VTAP_PIN_ROOT:-/sys/fs/bpf/vtap-${P%-}}
fi
# vtapctl (and its metrics) pin where down looks.
export VTAP_PIN_ROOT=$PIN_ROOT
STATS_EVERY=${STATS_EVERY:-5}
LAB_LARGE=${LAB_LARGE:-1}
export PYTHONDONTWRITEBYTECODE=1

# ---- the lab's plan -------------------------------------------------------
VMS=(vm1 vm2 vm3)
declare -A VM_IP=([vm1]=10.1.0.4 [vm2]=10.1.0.5 [vm3]=10.1.0.6)
declare -A VM_VNI=([vm1]=101 [vm2]=102 [vm3]=103)
VNET1_GW=10.1.0.1 VNET1_LEN=24
TARGET_IP=10.2.0.4 VNET2_GW=10.2.0.1 VNET2_LEN=24
INET_IP=203.0.113.10 INET_GW=203.0.113.1 INET_LEN=24
UL_FABRIC=10.255.0.1 UL_TAP=10.255.0.2 UL_LEN=30 UL_MTU=1400
VXLAN_PORT=4789
# CLOUD=gcp: GENEVE to UDP 6081, not fragmented (Google does not fragment
# mirrored packets, and this host has no GENEVE slow path): the path to the
# collector takes a full-size 1500-byte packet plus the 68 bytes of outer
# headers and Google's options.
CLOUD=${CLOUD:-}
GENEVE_PORT=6081 GCP_MTU=1600
# COLLECTORS=2: the TAP service sends to a load balancer's frontend, which
# spreads the VXLAN over two collectors by a hash of the outer 5-tuple.
COLLECTORS=${COLLECTORS:-}
LB_IP=10.2.0.100 TARGET2_IP=10.2.0.5 METRICS_PORT=9477 PROM_PORT=9090

NS_FABRIC=${P}fabric		# vnet1 switch + router to vnet2 and the internet
NS_TAP=${P}fabric-tap		# the TAP service: VXLAN (gcp: GENEVE) encapsulation
NS_TARGET=${P}target NS_INET=${P}inet
NS_TARGET2=${P}target2 NS_LB=${P}lb	# COLLECTORS=2
# Every namespace the lab may make (down removes them all, and no other).
ALL_NS=("${P}vm1" "${P}vm2" "${P}vm3" "$NS_INET" "$NS_TARGET" "$NS_FABRIC" "$NS_TAP" "$NS_TARGET2" "$NS_LB")
# What up makes, the collectors, the cloud and where the tunnel goes:
# COLLECTORS and CLOUD as given, else as the running lab was set up (up and
# run start a new lab: 1 and azure).
set_plan() {
	[ -n "$COLLECTORS" ] || COLLECTORS=$(cat "$STATE/collectors" 2>/dev/null || echo 1)
	[ -n "$CLOUD" ] || CLOUD=$(cat "$STATE/cloud" 2>/dev/null || echo azure)
	# Every tapped VM is in vnet1: take the tunnel only from there.
	local allow="--allow-src 10.1.0.0/16"
	case $CLOUD in
	azure) TUN_PORT=$VXLAN_PORT ;;
	gcp)
		TUN_PORT=$GENEVE_PORT UL_MTU=$GCP_MTU allow="--geneve-port $GENEVE_PORT $allow"
		# The encapsulation goes to lab-target's address only
		# (scripts/lab_geneve.bpf.c).
		[ "$COLLECTORS" = 1 ] || { echo "lab: CLOUD=gcp takes one collector" >&2; exit 2; } ;;
	*) echo "lab: CLOUD must be azure or gcp" >&2; exit 2 ;;
	esac
	# Empty: no options (attach then warns that anyone can inject).
	VTAP_ATTACH_ARGS=${VTAP_ATTACH_ARGS-$allow}
	UP_NS=("${ALL_NS[@]:0:7}") COLLECTOR_NS=("$NS_TARGET") VX_REMOTE=$TARGET_IP
	case $COLLECTORS in
	1) ;;
	2) UP_NS=("${ALL_NS[@]}") COLLECTOR_NS=("$NS_TARGET" "$NS_TARGET2") VX_REMOTE=$LB_IP ;;
	*) echo "lab: COLLECTORS must be 1 or 2" >&2; exit 2 ;;
	esac
}

say()  { echo "lab: $*"; }
warn() { echo "lab: $*" >&2; }
die()  { echo "lab: $*" >&2; exit 1; }
# nsx NS CMD...: run CMD with only the network namespace switched. Never
# `ip netns exec`: it remounts /sys, and vtapctl's bpffs pins must survive.
nsx() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }
# must CMD...: run, and stop the setup with the command line if it fails.
must() { "$@" || die "failed: $*"; }
ns_exists() { [ -e "/run/netns/$1" ]; }

need_root() { [ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, XDP)"; }
need_tools() {
	local t
	for t in ip tc nsenter ethtool ps "$PY"; do
		command -v "$t" >/dev/null || die "$t not found (run scripts/deps.sh)"
	done
}

# ---- helpers run inside the VMs (python: web servers and vm1's poller) ----
write_helper() {
	cat > "$STATE/labnet.py" <<'EOF'
# The lab's applications: a web server answering with its VM's name (or, as
# the "internet" service ipconfig.io does, with the caller's address), and
# vm1's polling loop. No proxies, no name resolution: plain sockets only.
import http.client, http.server, os, signal, sys, time

def serve(name, echo):
    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "lab-" + name
        sys_version = ""
        def do_GET(self):
            if echo:
                body = self.client_address[0] + "\n"
            elif self.path == "/large":
                body = name + " large object\n" + ("." * 63 + "\n") * 48
            else:
                body = name + "\n"
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        def log_message(self, *args):
            pass
    http.server.ThreadingHTTPServer.allow_reuse_address = True
    http.server.ThreadingHTTPServer(("0.0.0.0", 80), Handler).serve_forever()

def get(host, path):
    conn = http.client.HTTPConnection(host, 80, timeout=2)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        resp = conn.getresponse()
        return "%d %s" % (resp.status, resp.read().decode(errors="replace").split("\n")[0])
    finally:
        conn.close()

def poll(state, large, targets):
    pause, idle = os.path.join(state, "poll.pause"), os.path.join(state, "poll.idle")
    n = 0
    while True:
        if os.path.exists(pause):
            if not os.path.exists(idle):
                open(idle, "w").close()
            time.sleep(0.1)
            continue
        if os.path.exists(idle):
            os.unlink(idle)
        n += 1
        jobs = [(label, host, "/") for label, host in targets]
        if large and n % 5 == 0:
            jobs.append((targets[1][0], targets[1][1], "/large"))
        for label, host, path in jobs:
            try:
                res = get(host, path)
            except OSError as e:
                res = "error: %s" % e
            print("%s vm1 -> %s http://%s%s: %s" % (time.strftime("%H:%M:%S"),
                  label, host, path, res), flush=True)
        time.sleep(1)

if __name__ == "__main__":
    # A Ctrl-C on the terminal is for lab.sh: the VMs run until teardown.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.argv[1] == "serve":
        serve(sys.argv[2], len(sys.argv) > 3 and sys.argv[3] == "--echo-client")
    elif sys.argv[1] == "poll":
        poll(sys.argv[2], sys.argv[3] == "1",
             [tuple(a.split("=", 1)) for a in sys.argv[4:]])
EOF
}

# start NS NAME CMD...: a tracked background process (pid file in $STATE/pids).
# labnet.py ignores SIGINT, so a Ctrl-C on the terminal leaves the VMs running
# until the teardown, which stops them by pid.
start() {
	local ns=$1 name=$2; shift 2
	# nsenter, not the nsx function: no subshell, so $! is the program's pid.
	nsenter --net="/run/netns/$ns" "$@" >"$STATE/$name.log" 2>&1 &
	echo $! > "$STATE/pids/$name.pid"
}

# ---- setup -------------------------------------------------------------------
ns_add() {
	local ns=$1
	must ip netns add "$ns"
	# No IPv6 anywhere: the VMs have none on Azure's lab, and nothing of the
	# lab's own (router solicitations, MLD) should ride in the tunnel.
	nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	must nsx "$ns" ip link set lo up
}

# veth NS1 NAME1 NS2 NAME2: a veth pair created directly in two namespaces
veth() {
	must ip link add name "$2" netns "$1" type veth peer name "$4" netns "$3"
	must nsx "$1" ip link set "$2" up
	must nsx "$3" ip link set "$4" up
}

# host NS IP/LEN GW: a VM-like endpoint behind eth0. Offloads off, so every
# frame on its wire is a real, checksummed, at most MTU-sized frame (as a NIC's).
host_net() {
	local ns=$1 addr=$2 gw=$3
	must nsx "$ns" ip addr add "$addr" dev eth0
	must nsx "$ns" ip route add default via "$gw"
	nsx "$ns" ethtool -K eth0 tx off sg off tso off gso off gro off >/dev/null 2>&1
}

up() {
	need_root; need_tools
	down quiet
	mkdir -p "$STATE/pids" "$STATE/sources" || die "cannot create $STATE"
	write_helper
	touch "$STATE/poll.pause"
	local ns vm
	for ns in "${UP_NS[@]}"; do ns_add "$ns"; done
	echo $$ > "$STATE/owner"

	# lab-fabric: vnet1 is a bridge (the VMs' switch); it routes vnet1 <->
	# vnet2 (peering) <-> the internet and carries the TAP underlay.
	local f=$NS_FABRIC
	must nsx $f sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
	must nsx $f ip link add name vnet1 type bridge
	must nsx $f ip addr add $VNET1_GW/$VNET1_LEN dev vnet1
	must nsx $f ip link set vnet1 up
	for vm in "${VMS[@]}"; do
		veth $f "$vm" "$P$vm" eth0
		must nsx $f ip link set "$vm" master vnet1
		host_net "$P$vm" "${VM_IP[$vm]}/$VNET1_LEN" $VNET1_GW
	done
	if [ "$COLLECTORS" = 1 ]; then
		veth $f vnet2 $NS_TARGET eth0
	else
		# vnet2 a switch too: the collectors and the load balancer on it.
		must nsx $f ip link add name vnet2 type bridge
		must nsx $f ip link set vnet2 up
		veth $f c1 $NS_TARGET eth0
		veth $f c2 $NS_TARGET2 eth0
		veth $f lb $NS_LB eth0
		for vm in c1 c2 lb; do must nsx $f ip link set "$vm" master vnet2; done
		host_net $NS_TARGET2 $TARGET2_IP/$VNET2_LEN $VNET2_GW
		lb_up
	fi
	must nsx $f ip addr add $VNET2_GW/$VNET2_LEN dev vnet2
	host_net $NS_TARGET $TARGET_IP/$VNET2_LEN $VNET2_GW
	veth $f inet $NS_INET eth0
	must nsx $f ip addr add $INET_GW/$INET_LEN dev inet
	host_net $NS_INET $INET_IP/$INET_LEN $INET_GW
	# The target has nothing listening on UDP 4789 (gcp: 6081): what reaches
	# its stack (outer fragments, or everything while vtap is detached) earns
	# an ICMP port unreachable toward the tapped VM's address. Delivered, it
	# would be tapped, encapsulated and answered again, a loop. So the fabric
	# drops ICMP from vnet2 to vnet1 (the target can't ping the VMs).
	must nsx $f ip rule add iif vnet2 to 10.1.0.0/$VNET1_LEN ipproto icmp blackhole

	# lab-fabric-tap: the TAP service. It owns the tapped VMs' addresses (for
	# the vxlan `local`) and reaches the target over the 1400-byte underlay
	# (gcp: 1600, with vnet2 and the target's eth0, for whole packets).
	veth $f underlay $NS_TAP underlay
	must nsx $f ip link set underlay mtu $UL_MTU
	must nsx $NS_TAP ip link set underlay mtu $UL_MTU
	must nsx $f ip addr add $UL_FABRIC/$UL_LEN dev underlay
	must nsx $NS_TAP ip addr add $UL_TAP/$UL_LEN dev underlay
	must nsx $NS_TAP ip route add 10.2.0.0/$VNET2_LEN via $UL_FABRIC dev underlay
	must nsx $NS_TAP sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	if [ "$CLOUD" = gcp ]; then
		must nsx $f ip link set vnet2 mtu $UL_MTU
		must nsx $NS_TARGET ip link set eth0 mtu $UL_MTU
		# The GENEVE program's route lookup (bpf_fib_lookup) answers
		# only where forwarding is on.
		must nsx $NS_TAP sysctl -qw net.ipv4.ip_forward=1
	fi

	# Stable target netns inode, so down can clean pins after a crash.
	stat -L -c %i /run/netns/$NS_TARGET > "$STATE/target.ino"
	[ "$COLLECTORS" = 1 ] || stat -L -c %i /run/netns/$NS_TARGET2 > "$STATE/target2.ino"
	echo "$COLLECTORS" > "$STATE/collectors"
	echo "$CLOUD" > "$STATE/cloud"

	# The applications.
	for vm in "${VMS[@]}"; do
		start "$P$vm" "web-$vm" "$PY" "$STATE/labnet.py" serve "$vm"
	done
	start $NS_INET web-inet "$PY" "$STATE/labnet.py" serve inet --echo-client
	wait_listening
	start "${P}vm1" poller "$PY" -u "$STATE/labnet.py" poll "$STATE" "$LAB_LARGE" \
		"vm2=${VM_IP[vm2]}" "vm3=${VM_IP[vm3]}" "lab-inet=$INET_IP"

	for vm in ${SOURCES:-vm1}; do source_add "$vm"; done
	[ "$COLLECTORS" = 1 ] || prometheus_up
}

# ---- COLLECTORS=2: the load balancer, metrics, Prometheus ----------------------
# lab-lb: the frontend LB_IP on vnet2. nftables DNATs the VXLAN to a collector
# chosen by a hash of the outer 5-tuple (as Azure's and AWS's balancers do);
# conntrack keeps each outer flow on its collector. The outer source (the
# tapped VM) is kept, so vtap still tells the directions apart.
lb_up() {
	host_net $NS_LB $LB_IP/$VNET2_LEN $VNET2_GW
	must nsx $NS_LB sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 net.ipv4.conf.all.send_redirects=0 \
		net.ipv4.conf.eth0.send_redirects=0
	command -v nft >/dev/null || die "nft not found (nftables: run scripts/deps.sh)"
	must nsx $NS_LB nft -f - <<EOF
table ip lab_lb {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr $LB_IP udp dport $VXLAN_PORT dnat to jhash ip saddr . ip daddr . udp sport . udp dport mod 2 map { 0 : $TARGET_IP, 1 : $TARGET2_IP }
	}
}
EOF
}

collector_ip() { [ "$1" = $NS_TARGET ] && echo $TARGET_IP || echo $TARGET2_IP; }

# One vtapctl metrics --listen per collector, one Prometheus in lab-fabric
# scraping both every second, its data in the state folder.
prometheus_up() {
	local ns
	command -v prometheus >/dev/null || die "prometheus not found (run scripts/deps.sh)"
	for ns in "${COLLECTOR_NS[@]}"; do
		start "$ns" "metrics-$ns" "$VTAPCTL" metrics --listen "$(collector_ip "$ns"):$METRICS_PORT"
	done
	cat > "$STATE/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: vtap
    static_configs:
      - targets: ['$TARGET_IP:$METRICS_PORT', '$TARGET2_IP:$METRICS_PORT']
EOF
	start $NS_FABRIC prometheus prometheus --config.file="$STATE/prometheus.yml" \
		--storage.tsdb.path="$STATE/prometheus" --web.listen-address=127.0.0.1:$PROM_PORT
}

# query PROMQL: the lab's Prometheus, the first result's value
query() {
	nsx $NS_FABRIC curl -s -m 5 -G --data-urlencode "query=$1" \
		"http://127.0.0.1:$PROM_PORT/api/v1/query" | "$PY" -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")' 2>/dev/null
}

wait_listening() {
	local ns _
	for ns in "${P}vm1" "${P}vm2" "${P}vm3" $NS_INET; do
		for _ in $(seq 50); do
			nsx "$ns" "$PY" -c 'import socket; socket.create_connection(("127.0.0.1", 80), 1).close()' \
				2>/dev/null && break
			sleep 0.1
		done
	done
}

# ---- tap sources -----------------------------------------------------------
# Fabric side of VM's link (port VM on the vnet1 bridge in lab-fabric):
#   clsact ingress (what VM sends) and egress (what VM receives)
#     -> u32 match-all, mirred egress mirror -> veth tap-VM
#   -> lab-fabric-tap: veth VM, clsact ingress -> mirred redirect -> vxlan vx-VM
#      (id VNI, local VM's IP, remote the target, dstport 4789, df unset)
#   -> underlay (MTU 1400) -> lab-fabric -> vnet2 -> lab-target eth0.
# CLOUD=gcp: what VM receives is mirrored to a second veth, tap-VM-rx (VM-rx
# in lab-fabric-tap), so the TAP service knows each copy's direction; each
# veth's clsact ingress runs scripts/lab_geneve.bpf.c ("tc/sent",
# "tc/received"), which wraps the copy in GENEVE and sends it on the
# underlay (MTU 1600).
# The tunnel leaves lab-fabric-tap, never crosses a tapped port: the tap never
# taps itself. (u32 match-all, because matchall is not in every kernel.)
source_add() {
	local vm=$1 vni=${2:-}
	[ -n "${VM_IP[$vm]:-}" ] || die "source: unknown VM '$vm' (one of: ${VMS[*]})"
	ns_exists $NS_FABRIC || die "the lab is not up (scripts/lab.sh up)"
	if [ "$CLOUD" = gcp ]; then
		[ -z "$vni" ] || [ "$vni" = 0 ] || die "source: Google's mirroring sets VNI 0"
		vni=0
	fi
	vni=${vni:-${VM_VNI[$vm]}}
	case $vni in ''|*[!0-9]*) die "source: bad VNI '$vni'" ;; esac
	[ "$vni" -le 16777215 ] || die "source: VNI $vni above 16777215"
	[ -e "$STATE/sources/$vm" ] && die "source: $vm is already tapped (VNI $(cat "$STATE/sources/$vm"))"
	local other
	for other in "$STATE"/sources/*; do
		[ "$CLOUD" = azure ] && [ -e "$other" ] && [ "$(cat "$other")" = "$vni" ] &&
			die "source: VNI $vni is already used by $(basename "$other")"
	done
	local ip=${VM_IP[$vm]} f=$NS_FABRIC t=$NS_TAP rx="tap-$vm"
	veth $f "tap-$vm" $t "$vm"
	must nsx $t tc qdisc add dev "$vm" clsact
	if [ "$CLOUD" = gcp ]; then
		[ -s "$OUT/lab_geneve.bpf.o" ] || die "$OUT/lab_geneve.bpf.o not built (make tests)"
		rx="tap-$vm-rx"
		veth $f "$rx" $t "$vm-rx"
		must nsx $t tc qdisc add dev "$vm-rx" clsact
		must nsx $t tc filter add dev "$vm" ingress protocol all prio 1 \
			bpf da obj "$OUT/lab_geneve.bpf.o" sec tc/sent
		must nsx $t tc filter add dev "$vm-rx" ingress protocol all prio 1 \
			bpf da obj "$OUT/lab_geneve.bpf.o" sec tc/received
	else
		must nsx $t ip addr add "$ip/32" dev lo
		must nsx $t ip link add name "vx-$vm" type vxlan id "$vni" local "$ip" remote $VX_REMOTE \
			dstport $VXLAN_PORT srcport 49152 65535 nolearning df unset ttl 64
		must nsx $t ip link set "vx-$vm" up
		# Behind a load balancer the outer source port must follow the inner
		# flow, the same both ways (scripts/lab_flowhash.bpf.c).
		[ "$COLLECTORS" = 1 ] || must nsx $t tc filter add dev "$vm" ingress protocol all \
			prio 1 bpf da obj "$OUT/lab_flowhash.bpf.o" sec tc
		must nsx $t tc filter add dev "$vm" ingress protocol all prio 2 u32 match u32 0 0 \
			action mirred egress redirect dev "vx-$vm"
	fi
	must nsx $f tc qdisc add dev "$vm" clsact
	must nsx $f tc filter add dev "$vm" ingress protocol all prio 1 u32 match u32 0 0 \
		action mirred egress mirror dev "tap-$vm"
	must nsx $f tc filter add dev "$vm" egress protocol all prio 1 u32 match u32 0 0 \
		action mirred egress mirror dev "$rx"
	echo "$vni" > "$STATE/sources/$vm"
	if [ "$CLOUD" = gcp ]; then
		say "tapping $vm ($ip) -> GENEVE, UDP $GENEVE_PORT, VNI 0, IP only, Google's options (direction from the link it came on), $ip -> $TARGET_IP"
	else
		say "tapping $vm ($ip) -> VXLAN VNI $vni, UDP $VXLAN_PORT, $ip -> $VX_REMOTE"
	fi
}

source_del() {
	local vm=$1
	[ -e "$STATE/sources/$vm" ] || die "source: $vm is not tapped"
	nsx $NS_FABRIC tc qdisc del dev "$vm" clsact 2>/dev/null
	nsx $NS_FABRIC ip link del "tap-$vm" 2>/dev/null
	nsx $NS_FABRIC ip link del "tap-$vm-rx" 2>/dev/null
	nsx $NS_TAP ip link del "vx-$vm" 2>/dev/null
	nsx $NS_TAP ip addr del "${VM_IP[$vm]}/32" dev lo 2>/dev/null
	say "stopped tapping $vm (VNI $(cat "$STATE/sources/$vm"))"
	rm -f "$STATE/sources/$vm"
}

source_list() {
	local s
	for s in "$STATE"/sources/*; do
		[ -e "$s" ] || continue
		printf '%s\t%s\tVNI %s\n' "$(basename "$s")" "${VM_IP[$(basename "$s")]}" "$(cat "$s")"
	done
}

# ---- vtap -------------------------------------------------------------------
vtapctl() { nsx $NS_TARGET "$VTAPCTL" "$@"; }

attach() {
	[ -x "$VTAPCTL" ] || die "$VTAPCTL not built (make all)"
	ns_exists $NS_TARGET || die "the lab is not up"
	local ns
	for ns in "${COLLECTOR_NS[@]}"; do
		# shellcheck disable=SC2086
		nsx "$ns" "$VTAPCTL" attach eth0 ${VTAP_ATTACH_ARGS:-} ||
			die "vtapctl attach eth0 failed in $ns"
	done
}

detach() {
	local ns rc=0
	for ns in "${COLLECTOR_NS[@]}"; do nsx "$ns" "$VTAPCTL" detach eth0 || rc=1; done
	return $rc
}

pin_dir() { echo "$PIN_ROOT/netns-$(cat "$STATE/target.ino" 2>/dev/null)"; }

# ---- polling control ----------------------------------------------------------
poll() {
	case ${1:-} in
	on)  rm -f "$STATE/poll.pause" ;;
	off) touch "$STATE/poll.pause" ;;
	wait-idle)
		local _
		for _ in $(seq 100); do
			[ -e "$STATE/poll.idle" ] && return 0
			sleep 0.1
		done
		die "poller did not go idle" ;;
	*) die "usage: poll on|off|wait-idle" ;;
	esac
}

# ---- teardown -------------------------------------------------------------------
# alive PID: running (a zombie waiting for its reaper counts as gone)
alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case $st in Z*|'') return 1 ;; esac
}

# stop_pids PID...: SIGTERM, up to 2 s to go, then SIGKILL.
stop_pids() {
	local p _ left
	[ $# -gt 0 ] || return 0
	kill "$@" 2>/dev/null
	for _ in $(seq 20); do
		left=
		for p in "$@"; do alive "$p" && left=1; done
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	for p in "$@"; do alive "$p" && kill -9 "$p" 2>/dev/null; done
	return 0
}
stop_pid() { stop_pids "$1"; }

down() {
	need_root
	local quiet=${1:-} f ns ino pins pids
	[ -n "$quiet" ] || say "tearing down"
	# The target's pin folder is named after its netns inode: learn it before
	# the namespace goes (from the namespace itself, else from the state).
	ino=$(stat -L -c %i /run/netns/$NS_TARGET 2>/dev/null || cat "$STATE/target.ino" 2>/dev/null)
	# vtapctl's own detach first: it removes vtap0, vtap0-feed and the pins.
	if ns_exists $NS_TARGET && [ -x "$VTAPCTL" ] && [ -d "$PIN_ROOT/netns-$ino/eth0" ]; then
		vtapctl detach eth0 >/dev/null 2>&1 || warn "vtapctl detach eth0 failed"
	fi
	local ino2
	ino2=$(stat -L -c %i /run/netns/$NS_TARGET2 2>/dev/null || cat "$STATE/target2.ino" 2>/dev/null)
	if ns_exists $NS_TARGET2 && [ -x "$VTAPCTL" ] && [ -d "$PIN_ROOT/netns-$ino2/eth0" ]; then
		nsx $NS_TARGET2 "$VTAPCTL" detach eth0 >/dev/null 2>&1 ||
			warn "vtapctl detach eth0 in $NS_TARGET2 failed"
	fi
	# Our processes, by pid file; a pid counts only while it still is ours (in
	# a lab namespace, or the viewer's sed), never one reused since a crash.
	local lab_inos=" " p
	for ns in "${ALL_NS[@]}"; do
		ns_exists "$ns" && lab_inos+="$(stat -L -c %i "/run/netns/$ns" 2>/dev/null) "
	done
	pids=
	for f in "$STATE"/pids/*.pid; do
		[ -e "$f" ] || continue
		p=$(cat "$f")
		case $lab_inos in *" $(stat -L -c %i "/proc/$p/ns/net" 2>/dev/null) "*)
			pids+=" $p"; continue ;;
		esac
		tr '\0' ' ' 2>/dev/null < "/proc/$p/cmdline" | grep -q '^sed -u ' && pids+=" $p"
	done
	# shellcheck disable=SC2086
	stop_pids $pids
	# Whatever else still runs in a lab namespace (a crashed run's processes,
	# a tcpdump started by hand) would keep nothing alive, but would linger.
	for ns in "${ALL_NS[@]}"; do
		ns_exists "$ns" || continue
		# shellcheck disable=SC2046
		stop_pids $(ip netns pids "$ns" 2>/dev/null)
		ip netns del "$ns" 2>/dev/null || warn "cannot delete namespace $ns"
	done
	# Pins of a target that is gone (crash, or detach failed).
	for ino in $ino $ino2; do
		pins=$PIN_ROOT/netns-$ino
		[ -d "$pins" ] && rm -rf "$pins"
	done
	# A prefix's own pin root goes too, once empty.
	[ "$P" = lab- ] || rmdir "$PIN_ROOT" 2>/dev/null
	rm -rf "$STATE"
}

# ---- run: the whole show ---------------------------------------------------------
VIEWER_PID=
show_stats() {
	local ns
	for ns in "${COLLECTOR_NS[@]}"; do
		echo "---- vtapctl stats eth0 (in $ns), +$((SECONDS - T0))s ----"
		# The summary and per-source table, then only the outcomes that happened.
		nsx "$ns" "$VTAPCTL" stats eth0 2>&1 | awk '/^outcomes:/ { o = 1; print; next }
			!o || $NF != "0"'
	done
	if [ "$COLLECTORS" = 2 ]; then
		echo "---- Prometheus ($NS_FABRIC), both collectors summed ----"
		local q='vtap_source_packets_total{src="10.1.0.4"' up
		up=$(query 'sum(up{job="vtap"})')
		if [ -z "$up" ]; then
			echo "(no scrape yet)"
		else
			echo "collectors up: $up; vm1's frames delivered: $(query "sum($q})") (collector 1: $(query "sum($q,instance=\"$TARGET_IP:$METRICS_PORT\"})"), collector 2: $(query "sum($q,instance=\"$TARGET2_IP:$METRICS_PORT\"})"))"
		fi
	fi
	local frag slow gdir gunst
	read -r frag slow gdir gunst < <(vtapctl stats eth0 --json 2>/dev/null | "$PY" -c '
import json, sys
g = json.load(sys.stdin)["global"]
i = g.get("info", {})
print(g.get("passed_by_kind", {}).get("fragment", 0), i.get("slow_redirected", 0),
      i.get("geneve_direction", 0), i.get("geneve_unsteered", 0))' 2>/dev/null)
	if [ "${frag:-0}" != 0 ]; then
		if [ "$CLOUD" = gcp ]; then
			echo "note: $frag outer IP fragments passed to eth0's stack, counted as \"fragment\" ($gunst GENEVE datagrams in \"geneve_unsteered\": no GENEVE slow path); they are not on vtap0"
		elif [ "${slow:-0}" != 0 ]; then
			echo "note: $frag outer IP fragments (tapped frames above the $UL_MTU-byte underlay MTU) passed XDP as \"fragment\"; $slow reassembled frames reached vtap0 by the slow path"
		else
			echo "note: $frag outer IP fragments (tapped frames above the $UL_MTU-byte underlay MTU) were passed to eth0's stack, counted as \"fragment\"; they are not on vtap0 (until the slow path is in)"
		fi
	fi
	[ "$CLOUD" = gcp ] && echo "note: the direction of $gdir packets came from Google's network ID option (geneve_direction)"
	echo "----"
}

start_viewer() {
	local iface=$1; shift
	local mode=tshark
	command -v tshark >/dev/null || mode=tcpdump
	if [ $mode = tshark ]; then
		# One line per frame, and for HTTP the request line or the body
		# (the VM's name, or the caller's address from lab-inet).
		# Reassembled frames (slow path) come after later small ones: let
		# tshark reassemble out of order. Long bodies are cut at 200 columns.
		nsenter --net=/run/netns/$NS_TARGET tshark -i "$iface" -l -n "$@" \
			-o tcp.reassemble_out_of_order:TRUE \
			-o 'gui.column.format:"No.","%m","Time","%Rt","Source","%s","Destination","%d","Protocol","%p","Length","%L","Info","%i","Body","%Cus:http.file_data"' \
			2>"$STATE/viewer.err" | sed -u 's/^\(.\{196\}\).\{4,\}/\1 .../' &
	else
		nsenter --net=/run/netns/$NS_TARGET tcpdump -i "$iface" -l -nn -A "$@" 2>"$STATE/viewer.err" &
	fi
	VIEWER_PID=$!
	echo $VIEWER_PID > "$STATE/pids/viewer.pid"
	local _
	# tshark takes a few seconds to start on a cold, busy machine.
	for _ in $(seq 300); do
		grep -qiE 'capturing on|listening on' "$STATE/viewer.err" 2>/dev/null && return 0
		kill -0 $VIEWER_PID 2>/dev/null || break
		sleep 0.1
	done
	cat "$STATE/viewer.err" >&2
	die "$mode on $iface did not start"
}

run_done=0
run_finish() {
	[ $run_done = 1 ] && return
	run_done=1
	trap '' INT TERM HUP PIPE
	echo
	[ -d "$STATE" ] && touch "$STATE/poll.pause"
	if [ -n "$VIEWER_PID" ] && [ "$(cat "$STATE/owner" 2>/dev/null)" = $$ ]; then
		[ -z "${OUTER:-}" ] && { sleep 1; show_stats; }
		stop_pid "$VIEWER_PID"
	fi
	echo "---- vm1's view (what the poller got) ----"
	tail -n 6 "$STATE/poller.log" 2>/dev/null
	local owner
	owner=$(cat "$STATE/owner" 2>/dev/null)
	if [ -n "$owner" ] && [ "$owner" != $$ ]; then
		say "the lab belongs to another run now (pid $owner): leaving it"
		return
	fi
	down
	say "done: no lab namespace, link, pin or process is left"
}

run() {
	local outer=
	[ "${1:-}" = --outer ] && outer=1
	OUTER=$outer
	need_root; need_tools
	[ -n "$outer" ] || [ -x "$VTAPCTL" ] || die "$VTAPCTL not built (make all)"
	local duration=${DURATION:-}
	if [ -z "$duration" ] && { [ "${CI:-}" = true ] || ! [ -t 0 ]; }; then
		duration=20
		say "no terminal: running for DURATION=$duration seconds"
	fi
	case $duration in ''|*[!0-9]*) [ -z "$duration" ] || die "DURATION must be seconds" ;; esac
	T0=$SECONDS
	trap run_finish EXIT
	trap 'exit 0' INT TERM HUP
	# A closed output (the terminal gone, `| head`) must not kill us before
	# the teardown: writes fail instead.
	trap '' PIPE
	say "setting up (namespaces ${ALL_NS[*]})"
	up
	if [ -n "$outer" ]; then
		say "vtap NOT attached: the target's eth0 as $( [ "$CLOUD" = gcp ] && echo "a Google collector sees it" || echo "Azure's lab shows it") (capture filter udp port $TUN_PORT, and the fragments)"
		start_viewer eth0 -f "udp port $TUN_PORT or (ip[6:2] & 0x1fff != 0)"
	else
		say "attaching: nsenter --net=/run/netns/$NS_TARGET $VTAPCTL attach eth0 ${VTAP_ATTACH_ARGS:-}$( [ "$COLLECTORS" = 1 ] || echo " (and in $NS_TARGET2, behind the load balancer $NS_LB at $LB_IP; vtap0 shown is $NS_TARGET's)")"
		attach
		vtapctl status eth0 2>&1 | sed 's/^/  /'
		if [ "$CLOUD" = gcp ]; then
			say "note: Google's mirroring sends IP packets only (no ARP), behind GENEVE options whose network ID gives the direction; vtap0 shows them behind vtap's own Ethernet header (02:76:74:61:70:01 -> 02:76:74:61:70:00). The underlay's MTU is $UL_MTU: full-size frames (vm3's /large answer, every 5 s) arrive whole, never as fragments (Google does not fragment; this host has no GENEVE slow path)"
		else
			say "note: tapped frames above the underlay's 1400-byte MTU (here vm3's /large answer, every 5 s) arrive as outer IP fragments: XDP passes them, counted as \"fragment\"; the kernel reassembles them and vtap's slow path, where present, puts them on vtap0 (\"slow_redirected\", per source \"slow_path\")"
		fi
		say "live decapsulated traffic on vtap0 in $NS_TARGET (vm1 polls vm2, vm3 and lab-inet once a second); $( [ -n "$duration" ] && echo "for ${duration}s" || echo "Ctrl-C ends")"
		start_viewer vtap0
	fi
	T0=$SECONDS
	poll on
	local next=$((SECONDS + STATS_EVERY))
	while :; do
		if [ -n "$duration" ] && [ $((SECONDS - T0)) -ge "$duration" ]; then break; fi
		sleep 1
		[ "$(cat "$STATE/owner" 2>/dev/null)" = $$ ] ||
			{ say "the lab was taken down or restarted elsewhere"; break; }
		kill -0 "$VIEWER_PID" 2>/dev/null || { warn "the viewer stopped"; cat "$STATE/viewer.err" >&2; break; }
		if [ -z "$outer" ] && [ $SECONDS -ge $next ]; then
			show_stats
			next=$((SECONDS + STATS_EVERY))
		fi
	done
	exit 0
}

usage() {
	sed -n '4,29p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}

cmd=${1:-}
[ $# -gt 0 ] && shift
# A new lab is not the one a crash left behind: no settings from its state.
case $cmd in run | up) COLLECTORS=${COLLECTORS:-1} CLOUD=${CLOUD:-azure} ;; esac
set_plan
case $cmd in
query)  query "$@" ;;
env)    printf 'LAB_PREFIX=%q LAB_STATE=%q VTAP_PIN_ROOT=%q\n' "$P" "$STATE" "$PIN_ROOT" ;;
run)    run "$@" ;;
up)     up; say "up; the poller is paused: scripts/lab.sh poll on" ;;
down)   down "$@" ;;
attach) attach ;;
detach) detach ;;
stats)  vtapctl stats eth0 "$@" ;;
status) vtapctl status eth0 "$@"; source_list ;;
poll)   poll "$@" ;;
source)
	sub=${1:-}; [ $# -gt 0 ] && shift
	case $sub in
	add)  [ $# -ge 1 ] || usage; source_add "$@" ;;
	del)  [ $# -eq 1 ] || usage; source_del "$1" ;;
	list) source_list ;;
	*)    usage ;;
	esac ;;
*) usage ;;
esac
