#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Least privilege.
#  - the pin folders are 0700 (root, netns-<inode>, <ifname>), pins 0600;
#  - a non-root user (nobody, no capabilities) gets exit 1 and one line
#    "vtapctl: <what>: permission denied ..." from attach, detach, status and
#    stats, and can't open the pins (not even holding CAP_BPF+CAP_NET_ADMIN:
#    the folder's mode stops it);
#  - stats and status open every map read-only (strace: BPF_OBJ_GET with
#    file_flags=BPF_F_RDONLY) and never write a map;
#  - which capability sets let uid 0 attach, replace and detach: the issue
#    asks for CAP_NET_ADMIN + CAP_BPF (+ CAP_SYS_ADMIN only where the kernel
#    needs it). Every set tried is reported; the test fails when
#    CAP_NET_ADMIN + CAP_BPF alone can't attach.
source "$(dirname "$0")/hlib.sh"
hlib_init privilege
command -v setpriv >/dev/null || skip "setpriv not installed"

fabric || { fail "fabric setup"; exit 1; }
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all"
# capset CAP...: uid 0 with exactly these capabilities (none: "")
capset() {
	local l=-all c
	for c in "$@"; do l="$l,+$c"; done
	echo "setpriv --inh-caps=$l --bounding-set=$l"
}
denied_line() {	# $VT_RC 1 and one line "vtapctl: ...: permission denied ..."
	[ "$VT_RC" -eq 1 ] && one_line_error && grep -qiE '^vtapctl: .*: permission denied' <<<"$VT_ERR"
}

# ---- modes ------------------------------------------------------------------------
vt_ok "attach (root)" col attach eth1 || exit 1
pins=$(pin_dir col eth1)
for d in "$VTAP_PIN_ROOT" "$(dirname "$pins")" "$pins"; do
	expect_eq "mode of ${d#$VTAP_PIN_ROOT/} is 0700, owner root" "700 root" "$(stat -c '%a %U' "$d")"
done
expect_eq "every pin is 0600" "" "$(find "$pins" -mindepth 1 ! -perm 0600 -printf '%f ')"

# ---- nobody ---------------------------------------------------------------------
for c in "attach eth1" "attach eth1 --replace --strict" "detach eth1" "status eth1" "stats eth1" \
	"status" "stats" "status --json" "stats --json" "stats eth1 --json"; do
	VT_WRAP=$NOBODY vt col $c
	if denied_line; then
		ok "nobody: vtapctl $c: exit 1, '$VT_ERR'"
	else
		fail "nobody: vtapctl $c: exit $VT_RC, stderr $(printf '%q' "$VT_ERR")"
	fi
	[ -n "$VT_OUT" ] && info "nobody: vtapctl $c printed on stdout: $VT_OUT"
done
check "attachment untouched by nobody's attempts" test -n "$(pinned_link_id "$pins")"

quiet() { "$@" >/dev/null 2>&1; }
check "nobody can't list the pin folder" not quiet in_ns col $NOBODY ls "$pins"
check "nobody can't dump a pinned map (bpftool)" not quiet in_ns col $NOBODY bpftool map dump pinned "$pins/vtap_global"
NOBODY_CAPS="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all,+bpf,+net_admin,+perfmon --ambient-caps=-all,+bpf,+net_admin,+perfmon"
check "nobody holding CAP_BPF+CAP_NET_ADMIN+CAP_PERFMON can't list the pin folder (mode 0700)" \
	not quiet in_ns col $NOBODY_CAPS ls "$pins"
for c in "stats eth1" "status" "detach eth1" "attach eth1"; do
	VT_WRAP=$NOBODY_CAPS vt col $c
	if [ "$VT_RC" -eq 1 ] && one_line_error && grep -qi 'permission denied' <<<"$VT_ERR"; then
		ok "nobody with BPF caps: vtapctl $c refused by the folder mode: '$VT_ERR'"
	else
		fail "nobody with BPF caps: vtapctl $c: exit $VT_RC, $(printf '%q' "$VT_ERR")"
	fi
done
check "attachment still in place" test -n "$(pinned_link_id "$pins")"

# ---- read-only opens ---------------------------------------------------------------
if command -v strace >/dev/null; then
	for c in "stats eth1" "stats eth1 --json" "status eth1" "status --json" "stats"; do
		in_ns col strace -f -qq -e trace=bpf -o "$TMPD/strace.log" "$VTAPCTL" $c >/dev/null 2>&1
		maps=$(grep -c 'BPF_OBJ_GET, {pathname=[^}]*/vtap_' "$TMPD/strace.log")
		rw=$(grep 'BPF_OBJ_GET, {pathname=[^}]*/vtap_' "$TMPD/strace.log" | grep -vc 'file_flags=BPF_F_RDONLY[,}]')
		writes=$(grep -cE 'BPF_MAP_(UPDATE|DELETE)_ELEM|BPF_MAP_LOOKUP_AND_DELETE|BPF_MAP_FREEZE' "$TMPD/strace.log")
		check "vtapctl $c opens its $maps maps read-only (BPF_F_RDONLY), writes none" \
			test "$maps" -ge 1 -a "$rw" -eq 0 -a "$writes" -eq 0
		[ "$rw" -eq 0 ] || grep 'BPF_OBJ_GET' "$TMPD/strace.log" | grep -v BPF_F_RDONLY | sed 's/^/#   /'
	done
	grep -q 'pathname="[^"]*/link", .*file_flags=0' "$TMPD/strace.log" &&
		info "the pinned link is opened with file_flags=0 (the kernel has no read-only mode for links)"
else
	skip_ro="strace not installed"
	echo "skip privilege: read-only opens: $skip_ro"
fi

# uid 0 without any capability: reading works (root owns the pins), writing not
VT_WRAP=$(capset) vt col stats eth1 --json
info "uid 0 with no capabilities: stats exit $VT_RC ${VT_ERR:+($VT_ERR)}"
VT_WRAP=$(capset) vt col detach eth1
check "uid 0 with no capabilities: detach refused with permission denied" denied_line
vt_ok "detach (root)" col detach eth1

# ---- capability sets -----------------------------------------------------------------
# cycle CAPS...: attach, status, stats, attach --replace, detach, each with
# exactly CAPS; prints "attach=RC status=RC stats=RC replace=RC detach=RC"
# (when attach fails, full root attaches so the later steps are still
# tried), the first error in $CYCLE_ERR; cleans up as full root.
cycle() {
	local w out="" label rc
	w=$(capset "$@")
	CYCLE_ERR=
	for label in attach status stats replace detach; do
		case $label in
		attach) VT_WRAP=$w vt col attach eth1 ;;
		status|stats) VT_WRAP=$w vt col $label eth1 ;;
		replace) VT_WRAP=$w vt col attach eth1 --replace --strict ;;
		detach) VT_WRAP=$w vt col detach eth1 ;;
		esac
		rc=$VT_RC
		[ $rc -ne 0 ] && [ -z "$CYCLE_ERR" ] && CYCLE_ERR="$label: $VT_ERR"
		out="$out $label=$rc"
		[ $label = attach ] && [ $rc -ne 0 ] && vt col attach eth1
	done
	vt col detach eth1
	echo "${out# }"
}
ALL_OK="attach=0 status=0 stats=0 replace=0 detach=0"
declare -A result
for set in "net_admin bpf" "net_admin bpf perfmon" "net_admin sys_admin" "net_admin bpf sys_admin" \
	"net_admin" "bpf perfmon" "net_admin perfmon"; do
	r=$(cycle $set)
	result[$set]=$r
	info "caps { ${set// /, } }: $r${CYCLE_ERR:+ -- $CYCLE_ERR}"
	check "no leftovers after the cycle with { ${set// /, } }" sh -c '! [ -e "$1" ] && [ -z "$2" ]' _ "$pins" "$(xdp_prog_id col eth1)"
done
if [ "${result[net_admin bpf]}" = "$ALL_OK" ]; then
	ok "CAP_NET_ADMIN + CAP_BPF alone: attach, status, stats, replace, detach"
else
	fail "CAP_NET_ADMIN + CAP_BPF alone: ${result[net_admin bpf]} (the verifier refuses vtap_xdp's pointer subtraction 'pointer -= pointer prohibited' without CAP_PERFMON)"
fi
expect_eq "CAP_NET_ADMIN + CAP_BPF + CAP_PERFMON: full cycle" "$ALL_OK" "${result[net_admin bpf perfmon]}"
expect_eq "CAP_NET_ADMIN + CAP_SYS_ADMIN (pre-5.8 style): full cycle" "$ALL_OK" "${result[net_admin sys_admin]}"
for set in "net_admin" "bpf perfmon" "net_admin perfmon"; do
	check "{ ${set// /, } } is refused: attach, replace and detach fail" \
		sh -c 'case "$1" in "attach=1 "*" replace=1 detach=1") exit 0 ;; esac; exit 1' _ "${result[$set]}"
done
VT_WRAP=$(capset net_admin) vt col attach eth1
check "CAP_NET_ADMIN only: attach says permission denied in one line" denied_line
VT_WRAP=$(capset net_admin bpf) vt col attach eth1
if [ "$VT_RC" -ne 0 ]; then
	check "CAP_NET_ADMIN + CAP_BPF: if attach fails, it says permission denied ('$VT_ERR')" \
		grep -qi 'permission denied' <<<"$VT_ERR"
	check "CAP_NET_ADMIN + CAP_BPF: the error names the missing capability" grep -q 'CAP_PERFMON' <<<"$VT_ERR"
fi
vt col detach eth1 >/dev/null 2>&1

# CAP_SYS_ADMIN is what the kernel wants for mount(2): a pin root that is
# not on bpffs yet can't be set up without it, and attach says so cleanly.
mkdir -p "$TMPD/plain"
VT_WRAP=$(capset net_admin bpf perfmon) vt col attach eth1 --pin-root "$TMPD/plain/root"
rc1_one_line() { [ "$VT_RC" -eq 1 ] && one_line_error; }
check "pin root not on bpffs, no CAP_SYS_ADMIN: attach fails in one line ('$VT_ERR')" rc1_one_line
check "... and leaves nothing (no XDP, no vtap0, nothing mounted)" sh -c \
	'[ -z "$1" ] && ! nsenter --net=/run/netns/$2 ip link show dev vtap0 >/dev/null 2>&1 && ! findmnt "$3" >/dev/null' \
	_ "$(xdp_prog_id col eth1)" "$(ns col)" "$TMPD/plain/root"
exit 0
