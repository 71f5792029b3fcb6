#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Settings are never lost without asking.
#  - a repair (plain attach after vtap0 was deleted) keeps every setting and
#    says "repaired"; settings given that differ are named and not applied;
#  - --replace prints each change ("eth1: vnis: 100 -> 100-101"), and
#    refuses to drop an allow-list unless told --allow-src all;
#  - attach without --allow-src warns on stderr;
#  - the stats headline has the slow path and the losses after the redirect;
#  - --replace --max-sources keeps the per-source counters (what fits, the
#    most recently seen, and says how many);
#  - a --replace that fails after the program swap (a pin that can't be
#    made) leaves the old program, slow path, pins and allow-list in place.
source "$(dirname "$0")/lib.sh"
lib_init replace

gen_fabric gen col || { fail "fabric setup"; exit 1; }
ALLOW=10.99.0.0/24

status_is() {	# status_is NAME PYEXPR EXPECTED
	vt col status eth1 --json
	expect_eq "$1" "$3" "$(json "$2" <<<"$VT_OUT")"
}

# ---- a warning without --allow-src ------------------------------------------------
vt_ok "attach without --allow-src" col attach eth1
check "attach without --allow-src: warns on stderr" grep -q "no --allow-src" <<<"$VT_ERR"
vt_ok "detach" col detach eth1
vt_ok "attach --allow-src all" col attach eth1 --allow-src all
check "attach --allow-src all: no warning" not grep -q "no --allow-src" <<<"$VT_ERR"
vt_ok "detach" col detach eth1
vt col attach eth1 --allow-src all --allow-src $ALLOW
expect_eq "--allow-src all with a CIDR: usage error" 2 "$VT_RC"

# ---- repair keeps the settings ---------------------------------------------------------
vt_ok "attach --allow-src $ALLOW --vni 100 --max-sources 64" col attach eth1 \
	--allow-src $ALLOW --vni 100 --max-sources 64 || exit 1
in_ns col ip link del dev vtap0
vt col attach eth1
expect_eq "repair: exit 0" 0 "$VT_RC"
check "repair: says repaired" grep -q "eth1: repaired" <<<"$VT_OUT"
check "repair: says the settings given were not applied" grep -q "allow-src: $ALLOW -> all" <<<"$VT_ERR"
check "repair: vtap0 back" link_exists col vtap0
status_is "repair: allow-list kept" "j['allow_src']" "[\"$ALLOW\"]"
status_is "repair: VNIs kept" "j['vnis']" "[[100, 100]]"
status_is "repair: max_sources kept" "j['max_sources']" 64

# ---- --replace: what changes, and no allow-list dropped silently -----------------------
prog=$(xdp_prog_id col eth1)
vt col attach eth1 --replace --vni 100-101 --max-sources 64
expect_eq "--replace without --allow-src: refused (exit 1)" 1 "$VT_RC"
check "--replace without --allow-src: one-line error naming --allow-src all" \
	sh -c 'echo "$1" | grep -q -- "--allow-src all" && [ "$(echo "$1" | wc -l)" -eq 1 ]' _ "$VT_ERR"
expect_eq "--replace refused: program unchanged" "$prog" "$(xdp_prog_id col eth1)"
status_is "--replace refused: allow-list unchanged" "j['allow_src']" "[\"$ALLOW\"]"
vt col attach eth1 --replace --allow-src $ALLOW --vni 100-101 --max-sources 64
expect_eq "--replace with the list again: exit 0" 0 "$VT_RC"
check "--replace: prints 'eth1: vnis: 100 -> 100-101'" grep -qx "eth1: vnis: 100 -> 100-101" <<<"$VT_OUT"
check "--replace: prints nothing about unchanged settings" not grep -q "allow-src:\|max-sources:" <<<"$VT_OUT"
vt col attach eth1 --replace --allow-src all --vni 100-101 --max-sources 64
expect_eq "--replace --allow-src all: exit 0" 0 "$VT_RC"
check "--replace --allow-src all: prints 'eth1: allow-src: $ALLOW -> all'" \
	grep -qx "eth1: allow-src: $ALLOW -> all" <<<"$VT_OUT"
status_is "--replace --allow-src all: no allow-list" "j['allow_src']" "[]"
vt_ok "back to the allow-list" col attach eth1 --replace --allow-src $ALLOW --vni 100-101 --max-sources 64

# ---- --replace --max-sources keeps the per-source counters -----------------------------
vxsend gen col 10.99.0.10,100,3,1,0,a 10.99.0.11,100,2,0,0,b 10.99.0.12,101,1,1,1,c >/dev/null
sleep 0.05
vxsend gen col 10.99.0.12,101,1,0,0,c2 >/dev/null	# .12 the most recently seen
stats_json col eth1 && cp "$TMPD/stats.json" "$TMPD/before.json"
vt col stats eth1
check "stats headline: the slow path and the losses after the redirect" \
	grep -Eq '^eth1: seen 10, redirected 10, passed 0, dropped 0; slow path: redirected 0, dropped 0; lost after the redirect: (0|not counted)$' <<<"$VT_OUT"
vt col attach eth1 --replace --allow-src $ALLOW --vni 100-101 --max-sources 128
expect_eq "--max-sources 64 -> 128: exit 0" 0 "$VT_RC"
check "--max-sources 64 -> 128: says the counters were copied" grep -q "all 3 sources were copied" <<<"$VT_OUT"
stats_json col eth1
sources() { json "sorted([s['src'], s['vni'], s['packets'], s['bytes'], s['from_source'], s['to_source'], s['other']] for s in j['sources'])"; }
expect_eq "--max-sources 64 -> 128: every source's counters kept" "$(sources <"$TMPD/before.json")" "$(sources <"$TMPD/stats.json")"
expect_eq "--max-sources 64 -> 128: none counted as evicted" 0 "$(json "j['sources_evicted']" <"$TMPD/stats.json")"
vt col attach eth1 --replace --allow-src $ALLOW --vni 100-101 --max-sources 1
expect_eq "--max-sources 128 -> 1: exit 0" 0 "$VT_RC"
check "--max-sources 128 -> 1: says 1 of 3 kept, 2 dropped" grep -q "holds 1 of 3 sources: the 2 least recently seen" <<<"$VT_OUT"
stats_json col eth1
expect_eq "--max-sources 128 -> 1: the most recently seen source kept" "10.99.0.12 4" \
	"$(json "' '.join(str(s[k]) for s in j['sources'] for k in ('src', 'packets'))" <"$TMPD/stats.json")"
expect_eq "--max-sources 128 -> 1: 2 counted as evicted" 2 "$(json "j['sources_evicted']" <"$TMPD/stats.json")"
vt_ok "back to --max-sources 64" col attach eth1 --replace --allow-src $ALLOW --vni 100-101 --max-sources 64

# ---- a --replace that fails after the swap restores the old state whole ----------------
pins=$(pin_dir col eth1)
prog=$(xdp_prog_id col eth1)
sp=$(slow_dev_of col eth1)
check "the attachment has a slow-path device ($sp)" test -n "$sp"
tc_prog() { in_ns col tc filter show dev "${sp:-none}" ingress 2>/dev/null | grep -o ' id [0-9]*' | head -1; }
map_ids() {
	local m
	for m in vtap_global vtap_sources vtap_allow_src vtap_target vtap_config; do
		bpftool -j map show pinned "$pins/$m" 2>/dev/null | json "j['id']"
	done | tr '\n' ' '
}
slow0=$(tc_prog)
maps0=$(map_ids)
mkdir "$pins/vtap_target_new"		# bpffs: the new vtap_target can't be pinned
vt col attach eth1 --replace --allow-src 10.99.0.0/16 --vni 100-102 --max-sources 64
expect_eq "failing --replace: exit 1" 1 "$VT_RC"
check "failing --replace: one-line error" one_line_error
expect_eq "failing --replace: XDP program unchanged" "$prog" "$(xdp_prog_id col eth1)"
check "slow-path program found ($slow0)" test -n "$slow0"
expect_eq "failing --replace: slow-path program unchanged" "$slow0" "$(tc_prog)"
expect_eq "failing --replace: every map pin unchanged" "$maps0" "$(map_ids)"
status_is "failing --replace: allow-list unchanged" "j['allow_src']" "[\"$ALLOW\"]"
status_is "failing --replace: VNIs unchanged" "j['vnis']" "[[100, 101]]"
check "failing --replace: no pin left beside the others" \
	test "$(ls "$pins" | grep -c _new)" -eq 1
# the same with another target: the old vtap0 keeps its monitor programs
mon0=$(xdp_prog_id col vtap0)
vt col attach eth1 --replace --allow-src $ALLOW --vni 100-101 --max-sources 64 --target mon7
expect_eq "failing --replace --target mon7: exit 1" 1 "$VT_RC"
expect_eq "failing --replace --target mon7: XDP program unchanged" "$prog" "$(xdp_prog_id col eth1)"
expect_eq "failing --replace --target mon7: vtap0 keeps its monitor program" "$mon0" "$(xdp_prog_id col vtap0)"
check "failing --replace --target mon7: mon7 it made is gone" not link_exists col mon7
status_is "failing --replace --target mon7: target still vtap0" "j['target']" vtap0
rmdir "$pins/vtap_target_new"
# each later step failing (a test build's $VTAP_FAULT): the slow path's
# swap, then the XDP swap; the steps before are put back
if [ -x "$OUT/vtapctl-faults" ]; then
	for step in replace-tc replace-xdp; do
		VTAP_FAULT=$step VTAPCTL=$OUT/vtapctl-faults \
			vt col attach eth1 --replace --allow-src 10.99.0.0/16 --vni 100-102 --max-sources 128
		expect_eq "$step fails: exit 1" 1 "$VT_RC"
		check "$step fails: one-line error" one_line_error
		expect_eq "$step fails: XDP program unchanged" "$prog" "$(xdp_prog_id col eth1)"
		expect_eq "$step fails: slow-path program unchanged" "$slow0" "$(tc_prog)"
		expect_eq "$step fails: every map pin unchanged" "$maps0" "$(map_ids)"
		status_is "$step fails: allow-list unchanged" "j['allow_src']" "[\"$ALLOW\"]"
	done
else
	echo "skip $TEST_NAME: no $OUT/vtapctl-faults (make tests): the tc and XDP steps' failures not checked"
fi
vt_ok "the same --replace once the pin can be made" col attach eth1 --replace \
	--allow-src 10.99.0.0/16 --vni 100-102 --max-sources 64
status_is "--replace: new allow-list in force" "j['allow_src']" '["10.99.0.0/16"]'
vt_ok "--replace --target mon7" col attach eth1 --replace --allow-src 10.99.0.0/16 \
	--vni 100-102 --max-sources 64 --target mon7
check "--replace --target mon7: vtap0 it made is gone" not link_exists col vtap0
check "--replace --target mon7: mon7 has its monitor program" test -n "$(xdp_prog_id col mon7)"
check "--replace --target mon7: its monitor link is pinned" test -e "$pins/monitor_link"
vt_ok "detach" col detach eth1
exit 0
