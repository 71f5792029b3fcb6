#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every error of vtapctl: its exit code (2 usage, 1 runtime), one line on
# stderr "vtapctl: <what>: <why>", and the system unchanged afterwards (no
# pins, no vtap0/vtap0-feed, the NIC's XDP as before). Then re-attach rules:
# same settings change nothing, other settings need --replace, --replace
# swaps the program atomically under traffic keeping the link.
source "$(dirname "$0")/lib.sh"
lib_init errors

gen_fabric gen col || { fail "fabric setup"; exit 1; }
no_ipv6 col lo

# snapshot: the collector's links, qdiscs and tc filters on eth1
snapshot() {
	in_ns col ip -br link | awk '{ print $1 }' | sort
	in_ns col tc qdisc show dev eth1
	in_ns col tc filter show dev eth1 ingress
}

# unchanged BASE_XDP [BASE_SNAPSHOT]: nothing of vtap's is left (pins,
# vtap0/vtap0-feed, any other link, qdisc or filter) and eth1's XDP is as before
unchanged() {
	[ ! -e "$VTAP_PIN_ROOT" ] || [ -z "$(find "$VTAP_PIN_ROOT" -mindepth 1 -print -quit)" ] &&
		! link_exists col vtap0 && ! link_exists col vtap0-feed &&
		[ "$(xdp_prog_id col eth1)" = "$1" ] &&
		{ [ -z "${2:-}" ] || [ "$(snapshot)" = "$2" ]; }
}

# expect_error RC WHAT ARGS...: vtapctl ARGS exits RC with one error line
# and leaves everything as it was
expect_error() {
	local rc=$1 what=$2 base snap; shift 2
	base=$(xdp_prog_id col eth1)
	snap=$(snapshot)
	vt col "$@"
	if [ "$VT_RC" -ne "$rc" ]; then
		fail "$what: exit $VT_RC, expected $rc (stderr: $VT_ERR)"
	elif ! one_line_error; then
		fail "$what: stderr is not one 'vtapctl: <what>: <why>' line: $(printf '%q' "$VT_ERR")"
	else
		ok "$what: exit $rc, '$VT_ERR'"
	fi
	check "$what: leaves nothing behind" unchanged "$base" "$snap"
}

initial=$(snapshot)

# ---- usage errors: exit 2 -------------------------------------------------------
expect_error 2 "port 0" attach eth1 --port 0
expect_error 2 "port 65536" attach eth1 --port 65536
expect_error 2 "port not a number" attach eth1 --port http
expect_error 2 "more than 4 ports" attach eth1 --port 1 --port 2 --port 3 --port 4 --port 5
expect_error 2 "VNI 16777216" attach eth1 --vni 16777216
expect_error 2 "VNI range ending at 16777216" attach eth1 --vni 1-16777216
expect_error 2 "VNI not a number" attach eth1 --vni x
expect_error 2 "CIDR /33" attach eth1 --allow-src 10.0.0.0/33
expect_error 2 "CIDR /129" attach eth1 --allow-src fd00::/129
expect_error 2 "CIDR garbage" attach eth1 --allow-src 10.0.0.300/8
expect_error 2 "unknown option" attach eth1 --frobnicate
expect_error 2 "bad --mode" attach eth1 --mode turbo
expect_error 2 "bad --backend" attach eth1 --backend teleport
expect_error 2 "attach without IFACE" attach
expect_error 2 "VNI range backwards" attach eth1 --vni 5-3
expect_error 2 "--max-sources 0" attach eth1 --max-sources 0
expect_error 2 "option without its value" attach eth1 --target
expect_error 2 "help for an unknown command" help frobnicate
expect_error 2 "unknown command" frobnicate
expect_error 2 "unknown option to stats" stats --frobnicate
# names as the kernel would refuse or read as a pattern ("vtap%d" makes vtap1...)
for n in . .. 'vtap%d' 'a:1' ''; do
	expect_error 2 "interface name '$n'" attach "$n"
	expect_error 2 "--target '$n'" attach eth1 --target "$n"
done
check "no device made from the pattern vtap%d" not link_exists col vtap1
expect_error 2 "detach '..'" detach ..
expect_error 2 "stats '..'" stats ..
expect_error 2 "help attach extra" help attach extra
check "help attach extra: names the extra argument" grep -q "unexpected argument 'extra'" <<<"$VT_ERR"
# values far longer than any buffer: bounded, one line, no crash
long=$(printf '9%.0s' $(seq 400))
for o in --port --vni --allow-src --mode --backend --target --max-sources --pin-root; do
	expect_error 2 "$o with a 400-character value" attach eth1 "$o" "$long"
done
expect_error 2 "--watch with a 400-character value" stats --watch "$long"
expect_error 2 "a 400-character interface name" attach "$long"
check "a 400-character value is cut short in the message" test "${#VT_ERR}" -lt 200

# ---- help and version -------------------------------------------------------------
vt col --help
check "--help: exit 0, usage on stdout" sh -c "[ $VT_RC -eq 0 ] && echo \"\$1\" | grep -qi usage" _ "$VT_OUT"
vt col help attach
check "help attach: exit 0, lists every attach option" sh -c '[ '$VT_RC' -eq 0 ] &&
	for o in --port --vni --allow-src --strict --mode --backend --target --replace --max-sources --pin-root; do
		echo "$1" | grep -q -- "$o" || exit 1; done' _ "$VT_OUT"
vt col help help
check "help help: no options claimed, the commands listed" sh -c '[ '$VT_RC' -eq 0 ] &&
	! echo "$1" | grep -q "\[options\]" && echo "$1" | grep -q "^  stats "' _ "$VT_OUT"
for c in attach detach status stats help; do
	vt col help $c
	check "help $c: exit 0, usage on stdout" sh -c "[ $VT_RC -eq 0 ] && echo \"\$1\" | grep -q 'vtapctl $c'" _ "$VT_OUT"
done
vt col --version
check "--version: exit 0, prints $(cat "$TOP/VERSION")" sh -c "[ $VT_RC -eq 0 ] && echo \"\$1\" | grep -qF '$(cat "$TOP/VERSION")'" _ "$VT_OUT"

# ---- runtime errors: exit 1 --------------------------------------------------------
expect_error 1 "no such interface" attach nosuch0
expect_error 1 "detach of an interface with nothing attached" detach eth1
expect_error 1 "stats of an interface with nothing attached" stats eth1 --json
expect_error 1 "--backend kmod without the module" attach eth1 --backend kmod

# another program's XDP on the NIC is never replaced
if in_ns col ip link set dev eth1 xdp obj "$OUT/vtap_monitor.bpf.o" sec xdp.frags 2>/dev/null ||
	in_ns col ip link set dev eth1 xdp obj "$OUT/vtap_monitor.bpf.o" sec xdp 2>/dev/null; then
	foreign=$(xdp_prog_id col eth1)
	expect_error 1 "foreign XDP program on the NIC" attach eth1
	expect_error 1 "foreign XDP program on the NIC, --replace" attach eth1 --replace
	expect_eq "foreign XDP program still attached" "$foreign" "$(xdp_prog_id col eth1)"
	in_ns col ip link set dev eth1 xdp off
else
	fail "could not attach a foreign XDP program"
fi

# not root
VT_WRAP="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all"
expect_error 1 "not root (as nobody)" attach eth1
check "not root: the message says why" grep -Eqi 'permi|root|privilege|CAP_' <<<"$VT_ERR"
VT_WRAP=

# a NIC whose driver has no native XDP (ifb): --mode native fails clearly,
# --mode auto falls back to generic and says so on stderr
in_ns col ip link add name ifb7 type ifb && in_ns col ip link set dev ifb7 up
base=$(xdp_prog_id col ifb7)
vt col attach ifb7 --mode native
expect_eq "ifb --mode native: exit 1" 1 "$VT_RC"
check "ifb --mode native: one-line error" one_line_error
check "ifb --mode native: leaves nothing behind" sh -c '! [ -e "$1" ] || [ -z "$(find "$1" -mindepth 1 -print -quit)" ]' _ "$VTAP_PIN_ROOT"
check "ifb --mode native: no vtap0 left" not link_exists col vtap0
check "ifb --mode native: no XDP on ifb7" test -z "$(xdp_prog_id col ifb7)"
vt col attach ifb7 --mode auto
expect_eq "ifb --mode auto: exit 0" 0 "$VT_RC"
check "ifb --mode auto: says it fell back to generic on stderr" grep -qi generic <<<"$VT_ERR"
expect_eq "ifb --mode auto: attached in generic mode" xdpgeneric "$(xdp_mode col ifb7)"
vt_ok "ifb detach" col detach ifb7
in_ns col ip link del dev ifb7

# a driver that refuses this setup in native mode (veth: fewer rx queues
# than the peer's tx queues): both modes say what the driver said, auto
# falls back to generic
in_ns col ip link add name q0 numrxqueues 1 numtxqueues 1 type veth peer name q1 \
	numrxqueues 4 numtxqueues 4 && in_ns col ip link set dev q0 up && in_ns col ip link set dev q1 up
vt col attach q0 --mode native
expect_eq "veth queue limit, --mode native: exit 1" 1 "$VT_RC"
check "veth queue limit, --mode native: the driver's words ($VT_ERR)" grep -q "rx queues" <<<"$VT_ERR"
check "veth queue limit, --mode native: one-line error" one_line_error
vt col attach q0 --mode auto
expect_eq "veth queue limit, --mode auto: exit 0" 0 "$VT_RC"
check "veth queue limit, --mode auto: the driver's words and generic ($VT_ERR)" \
	sh -c 'echo "$1" | grep -q "rx queues" && echo "$1" | grep -q generic' _ "$VT_ERR"
expect_eq "veth queue limit, --mode auto: attached in generic mode" xdpgeneric "$(xdp_mode col q0)"
vt_ok "veth queue limit: detach" col detach q0
in_ns col ip link del dev q0

# ---- attaching again ------------------------------------------------------------
# The stack counts VXLAN that reaches it (nothing listens on 4789): check
# the method works here before relying on it.
nop0=$(udp_mib col NoPorts)
vxsend gen col 10.99.0.10,100,5,0,0,probe >/dev/null
check "without vtap, VXLAN reaches the stack (Udp NoPorts +5)" \
	wait_for 20 test "$(udp_mib col NoPorts)" -eq $((nop0 + 5))

vt_ok "attach --port 4789 --vni 100" col attach eth1 --port 4789 --vni 100 || exit 1
pins=$(pin_dir col eth1)
# status says what the per-source table costs: 64 bytes per possible CPU + 96
ncpus=$(awk -F, '{ for (i = 1; i <= NF; i++) { split($i, r, "-"); n += r[2] == "" ? 1 : r[2] - r[1] + 1 } } END { print n }' /sys/devices/system/cpu/possible)
vt col status eth1 --json
expect_eq "status --json: sources_table_bytes for $ncpus CPUs" $((16384 * (64 * ncpus + 96))) \
	"$(echo "$VT_OUT" | json "j['sources_table_bytes']")"
vt col status eth1
check "status: the table's cost in the checks line" grep -q "up to 16384 sources counted (table " <<<"$VT_OUT"
prog1=$(xdp_prog_id col eth1)
link1=$(pinned_link_id "$pins")
check "bpf_link pinned" test -n "$link1"
vxsend gen col 10.99.0.10,100,3,0,0,before >/dev/null
stats_json col eth1 && cp "$TMPD/stats.json" "$TMPD/before.json"
vt col attach eth1 --port 4789 --vni 100
expect_eq "attach again, same settings: exit 0" 0 "$VT_RC"
stats_json col eth1
expect_eq "attach again, same settings: counters kept" \
	"$(json "[j['global'], j['sources']]" <"$TMPD/before.json")" \
	"$(json "[j['global'], j['sources']]" <"$TMPD/stats.json")"
expect_eq "attach again, same settings: same program" "$prog1" "$(xdp_prog_id col eth1)"
expect_eq "attach again, same settings: same link" "$link1" "$(pinned_link_id "$pins")"
# vtap's own devices are not NICs to tap: refused, nothing changed
sp=$(slow_dev_of col eth1)
for d in vtap0 vtap0-feed "${sp:-vtsp}"; do
	link_exists col $d || { fail "$d exists after attach"; continue; }
	before=$(xdp_prog_id col $d)
	vt col attach $d
	expect_eq "attach $d (vtap's own): exit 1" 1 "$VT_RC"
	check "attach $d: one-line error" one_line_error
	check "attach $d: says it is vtap's own ($VT_ERR)" grep -q "not a NIC to tap" <<<"$VT_ERR"
	expect_eq "attach $d: its XDP unchanged" "$before" "$(xdp_prog_id col $d)"
	check "attach $d: no pins for it" test ! -e "$(pin_dir col $d)"
done
vt col attach eth1 --port 4789 --vni 100-101
expect_eq "attach again, other settings, no --replace: exit 1" 1 "$VT_RC"
check "attach again, other settings: one-line error" one_line_error
check "attach again, other settings: says which ('vnis: 100 -> 100-101')" \
	grep -qF 'vnis: 100 -> 100-101' <<<"$VT_ERR"
expect_eq "attach again, other settings: program unchanged" "$prog1" "$(xdp_prog_id col eth1)"
expect_eq "attach again, other settings: link unchanged" "$link1" "$(pinned_link_id "$pins")"

# --replace under a steady flood of tapped VXLAN: not one packet may reach
# the stack during the swap, and the link stays.
nop0=$(udp_mib col NoPorts)
ind0=$(udp_mib col InDatagrams)
bg_ns gen "$TMPD/flood.log" "$PY" "$LIB_DIR/vxlan_send.py" --iface gen0 \
	--dst-mac "$(mac_of col eth1)" --duration 3 10.99.0.10,100,10,0,0,flood
flood=$BG_PID
wait_for 100 grep -qs sending "$TMPD/flood.log"
sleep 0.2
vt col attach eth1 --replace --port 4789 --port 4790 --vni 100-101
expect_eq "--replace with other settings: exit 0" 0 "$VT_RC"
check "--replace happened while the flood was running" kill -0 $flood
wait $flood
prog2=$(xdp_prog_id col eth1)
check "--replace: program id changed ($prog1 -> $prog2)" test -n "$prog2" -a "$prog2" != "$prog1"
expect_eq "--replace: same bpf_link" "$link1" "$(pinned_link_id "$pins")"
check "--replace: flood was sent ($(grep -o '[0-9]* frames' "$TMPD/flood.log"))" grep -q "frames from" "$TMPD/flood.log"
expect_eq "--replace: no tapped packet reached the stack (Udp NoPorts)" "$nop0" "$(udp_mib col NoPorts)"
expect_eq "--replace: no tapped packet reached the stack (Udp InDatagrams)" "$ind0" "$(udp_mib col InDatagrams)"
# the new settings are in force: port 4790 and VNI 101 are ours now
stats_json col eth1
r0=$(json "j['global']['redirected']" <"$TMPD/stats.json")
vxsend gen col --port 4790 10.99.0.10,101,3,0,0,newport >/dev/null
stats_json col eth1
expect_eq "--replace: new settings in force (port 4790, VNI 101 redirected)" $((r0 + 3)) \
	"$(json "j['global']['redirected']" <"$TMPD/stats.json")"
vt_ok "detach" col detach eth1
check "detach: nothing left" unchanged "" "$initial"

# ---- a vtap0 that vtapctl did not create is never deleted ------------------------
in_ns col ip link add name vtap0 type veth peer name mine-peer
vt col attach eth1 --target vtap0
info "attach with a pre-existing vtap0: exit $VT_RC ${VT_ERR:+($VT_ERR)}"
vt col detach eth1
check "detach leaves a vtap0 it did not create" link_exists col vtap0
check "detach leaves its peer" link_exists col mine-peer
in_ns col ip link del dev vtap0 2>/dev/null
exit 0
