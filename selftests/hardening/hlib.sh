# SPDX-License-Identifier: GPL-2.0
# Helpers of the hardening suite, on top of selftests/net/lib.sh (sourced
# read-only; nothing here changes it). Source this, then call hlib_init NAME.
#
#   gen:gen0 10.99.0.1 ══ col:eth1 10.99.0.2   (veth, offloads and IPv6 off)
#
# Namespaces are "vth-<pid>-<name>", the pin root /sys/fs/bpf/vtap-hard-<pid>.

HLIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HLIB_DIR/../net/lib.sh"
NS_PREFIX="vth-$$"
GEN_IP=10.99.0.1
BLAST=${BLAST:-$OUT/vtap_blast}

hlib_init() {
	lib_init "$1"
	export VTAP_PIN_ROOT=/sys/fs/bpf/vtap-hard-$$
	[ -x "$BLAST" ] || skip "$BLAST not built (make tests)"
	"$PY" -c 'import scapy' 2>/dev/null || skip "scapy not installed for $PY"
}

# fabric: gen0 <-> eth1 with addresses on both ends (the collector's own
# traffic needs a peer), a deep qdisc on gen0 so the sender is paced by
# the device instead of losing frames, static neighbours (no ARP on the wire
# during a measurement).
fabric() {
	gen_fabric gen col || return 1
	no_ipv6 col lo
	in_ns gen ip addr add $GEN_IP/24 dev gen0 || return 1
	in_ns gen tc qdisc replace dev gen0 root pfifo limit 10000 || return 1
	in_ns gen ip neigh replace $COL_IP lladdr "$(mac_of col eth1)" dev gen0 nud permanent
	in_ns col ip neigh replace $GEN_IP lladdr "$(mac_of gen gen0)" dev eth1 nud permanent
	return 0
}

# blast ARGS...: vtap_blast on gen0 in the foreground; prints its summary
blast() { in_ns gen "$BLAST" -i gen0 "$@"; }

# blast_bg LOG ARGS...: vtap_blast in the background ($BG_PID)
blast_bg() {
	local log=$1; shift
	bg_ns gen "$log" "$BLAST" -i gen0 "$@"
}

# sent_frames LOG: frame count of a finished vtap_blast
sent_frames() { sed -n 's/^sent \([0-9]*\) frames.*/\1/p' "$1"; }

# pin_tree: every path under our pin root
pin_tree() { [ -d "$VTAP_PIN_ROOT" ] && (cd "$VTAP_PIN_ROOT" && find . | sort); }

# sources_in_map PINDIR: keys of the pinned per-source map, via bpftool
sources_in_map() { bpftool -j map dump pinned "$1/vtap_sources" | json 'len(j)'; }

# gj FILE EXPR: evaluate EXPR on stats JSON in FILE
gj() { json "$2" <"$1"; }

# identity FILE: seen == redirected + passed + sum(dropped) in a stats JSON
identity() {
	"$PY" - "$1" <<'PY'
import json, sys
g = json.load(open(sys.argv[1]))["global"]
s, r, p, d = g["seen"], g["redirected"], g["passed"], sum(g["dropped"].values())
ok = s == r + p + d and p == sum(g["passed_by_kind"].values()) and d == g["dropped_total"]
print(f"seen {s} redirected {r} passed {p} dropped {d}")
sys.exit(0 if ok else 1)
PY
}

# ping_counts LOG: "transmitted received"
ping_counts() { sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) \(packets \)\?received.*/\1 \2/p' "$1"; }
