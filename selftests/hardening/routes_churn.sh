#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Routes changed under load (issue 14 item 2). While valid VXLAN from four
# sources on four VNIs streams at the NIC, attach --replace moves VNI and
# source routes among four devices ROUNDS times, so that each round makes
# some devices and leaves others unused. Checks after every round: the
# devices vtapctl made are exactly the target and the routes' devices (an
# unused one is deleted, none is left behind), the routes in force are the
# ones asked for, the identity holds. After detach: no device, pin, or map
# of any round is left.
source "$(dirname "$0")/hlib.sh"
hlib_init routes_churn
ROUNDS=${ROUNDS:-20}
RATE=${RATE:-20000}

fabric || { fail "fabric setup"; exit 1; }
"$PY" "$HLIB_DIR/mkstream.py" valid --dst-mac "$(mac_of col eth1)" --out "$TMPD/stream.pcap" \
	--sources 4 --per-source 50 | sed 's/^/# /'
blast_bg "$TMPD/blast.log" -f "$TMPD/stream.pcap" -d 600 -r "$RATE"
blaster=$BG_PID
pins=$(pin_dir col eth1)

# made: the devices of the collector that carry vtapctl's mark, sorted
made() {
	in_ns col ip -j -d link show | json "' '.join(sorted(l['ifname'] for l in j if l.get('ifalias') == 'made by vtapctl' and not l['ifname'].startswith('vtsp') and not l['ifname'].endswith('-feed')))"
}
# routes_for I: round I's routes, on devices vtR<n>, rotating
routes_for() {
	local i=$1
	echo "--route vni:100=vtR$((i % 4)) --route vni:101=vtR$(((i + 1) % 4))" \
	     "--route src:10.99.0.12/32=vtR$(((i + 2) % 4))"
}
want_made() {
	local i=$1
	printf '%s\n' vtap0 "vtR$((i % 4))" "vtR$(((i + 1) % 4))" "vtR$(((i + 2) % 4))" | sort -u | tr '\n' ' ' | sed 's/ $//'
}
identity_now() { stats_json col eth1 && identity "$TMPD/stats.json" >/dev/null; }
maps_seen=()
note_maps() {
	local m
	for m in vtap_slots vtap_route_src vtap_route_vni vtap_slot_stats; do
		maps_seen+=("$(bpftool -j map show pinned "$pins/$m" | json "j['id']")")
	done
}

# shellcheck disable=SC2046
vt_ok "attach with routes" col attach eth1 --allow-src all $(routes_for 0) || exit 1
note_maps
bad_made=0 bad_routes=0 bad_identity=0 bad_links=0
for i in $(seq 1 "$ROUNDS"); do
	# shellcheck disable=SC2046
	vt col attach eth1 --replace --allow-src all $(routes_for "$i")
	if [ "$VT_RC" -ne 0 ]; then
		fail "round $i: --replace exited $VT_RC: $VT_ERR"
		break
	fi
	note_maps
	got=$(made)
	if [ "$got" != "$(want_made "$i")" ]; then
		info "round $i: devices made '$got', want '$(want_made "$i")'"
		bad_made=$((bad_made + 1))
	fi
	# the monitor links of exactly the three route devices of this round
	links=$(ls "$pins" | grep -c '^tx_drop_link_if')
	[ "$links" -eq 3 ] || { info "round $i: $links route devices' tx_drop links pinned, want 3"; bad_links=$((bad_links + 1)); }
	vt col status eth1 --json
	r=$(json "' '.join(r['route'] for r in j['routes'])" <<<"$VT_OUT")
	want="vni:100=vtR$((i % 4)) vni:101=vtR$(((i + 1) % 4)) src:10.99.0.12/32=vtR$(((i + 2) % 4))"
	[ "$r" = "$want" ] || { info "round $i: routes '$r', want '$want'"; bad_routes=$((bad_routes + 1)); }
	# A CPU caught between "seen" and its outcome is a moment's
	# difference; a broken identity stays.
	wait_for 10 identity_now || { info "round $i: $(identity "$TMPD/stats.json")"; bad_identity=$((bad_identity + 1)); }
done
expect_eq "$ROUNDS rounds: the devices made are exactly the target and the routes' devices" 0 "$bad_made"
expect_eq "$ROUNDS rounds: the routes in force are those asked for" 0 "$bad_routes"
expect_eq "$ROUNDS rounds: only the routes' devices of the round have monitor links pinned" 0 "$bad_links"
expect_eq "$ROUNDS rounds: the identity holds under load" 0 "$bad_identity"
stats_json col eth1
check "the stream was redirected ($(json "j['global']['redirected']" <"$TMPD/stats.json") frames)" \
	test "$(json "j['global']['redirected']" <"$TMPD/stats.json")" -gt 0
expect_eq "nothing failed to redirect" 0 "$(json "j['global']['dropped']['redirect_failed']" <"$TMPD/stats.json")"

vt_ok "detach" col detach eth1
stop_pid $blaster
expect_eq "after detach: no device vtapctl made is left" "" "$(made)"
expect_eq "after detach: no pin is left" "" "$(pin_tree | grep -v '^\.$' | grep -v '^\./netns-[0-9]*$')"
maps_left() {
	local id
	for id in "${maps_seen[@]}"; do
		bpftool map show id "$id" >/dev/null 2>&1 && echo "$id"
	done
}
no_maps_left() { [ -z "$(maps_left)" ]; }
if wait_for 100 no_maps_left; then
	ok "after detach: none of the ${#maps_seen[@]} route maps of the rounds is left"
else
	fail "route maps left: $(maps_left | tr '\n' ' ')"
fi
exit 0
