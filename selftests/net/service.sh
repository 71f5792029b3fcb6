#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vtap@.service without a running systemd (none runs here or in CI): the unit
# as `make install-service` writes it is clean under systemd-analyze verify,
# and its Exec lines, run as the unit would run them (instance eth1 for %I,
# root with its capability bounding set and no_new_privs, via setpriv, and a
# fresh environment), leave the state they should: start attaches with the
# config file's settings (the loss tracer too: CAP_PERFMON is in the set),
# start again changes nothing, reload applies an edited file atomically and
# keeps the counters, stop detaches and removes what attach made; a bad file
# fails start with exit 2 and attaches nothing. vtap-metrics.service, run
# the same way with no capability, serves the attachment's counters.
# Not simulated: the Restrict*= sandboxing (only systemd applies it).
source "$(dirname "$0")/lib.sh"
lib_init service
for t in systemd-analyze setpriv make; do
	command -v $t >/dev/null || skip "$t not installed"
done

gen_fabric gen col || { fail "fabric setup"; exit 1; }
dest=$TMPD/root etc=$TMPD/etc unitdir=/lib/systemd/system
# vtapctl from this build; the config folder a temporary one.
if make -s -C "$TOP" install-service DESTDIR="$dest" SBINDIR="$OUT" SYSCONFDIR="$etc" \
	SYSTEMDDIR=$unitdir PREFIX=/usr >"$TMPD/install.log" 2>&1; then
	ok "make install-service"
else
	fail "make install-service: $(tr '\n' ' ' <"$TMPD/install.log")"
	exit 1
fi
unit=$dest$unitdir/vtap@.service
check "the example config installed" test -s "$dest/usr/share/doc/vtap/examples/vtap.conf"
check "the config folder made" test -d "$dest$etc/vtap"

# ---- systemd-analyze verify ----------------------------------------------
# An instance of the template, and the man pages Documentation= names.
ln -s vtap@.service "$dest$unitdir/vtap@eth1.service"
mkdir -p "$TMPD/man/man8"
cp "$OUT/vtapctl.8" "$TOP/docs/vtap.8" "$TMPD/man/man8/"
for u in vtap@eth1.service vtap-metrics.service; do
	out=$(MANPATH=$TMPD/man systemd-analyze verify "$dest$unitdir/$u" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ -z "$out" ]; then
		ok "systemd-analyze verify $u: clean"
	else
		fail "systemd-analyze verify $u: exit $rc: $(tr '\n' ' ' <<<"$out")"
	fi
done
check "vtap@: ordered after and bound to the NIC's device unit" sh -c \
	"grep -qx 'After=sys-subsystem-net-devices-%i.device' '$unit' &&
	 grep -qx 'BindsTo=sys-subsystem-net-devices-%i.device' '$unit'"

# ---- the Exec lines as the unit runs them ---------------------------------
# unit_load FILE: the unit whose keys key and run_key read; its bounding set
# in setpriv's terms (CAP_NET_ADMIN CAP_BPF -> -all,+net_admin,+bpf) and
# no_new_privs.
unit_load() {
	UNIT=$1
	BSET=-all
	local c
	for c in $(key CapabilityBoundingSet); do
		c=${c#CAP_}
		BSET+=",+${c,,}"
	done
	NNP=
	[ "$(key NoNewPrivileges)" = yes ] && NNP=--no-new-privs
	check "$(basename "$UNIT") runs as root (no User=)" test -z "$(key User)"
}
key() { sed -n "s/^$1=//p" "$UNIT"; }

# run_key KEY [&]: the unit's KEY= command line for instance eth1 with its
# Environment= (${NAME} expanded), in col's network namespace, as root with
# the unit's bounding set and no_new_privs; rc in $RUN_RC, stderr in
# $RUN_ERR; with "&" in the background ($BG_PID). The private pin root is
# the test's one addition to the environment.
run_key() {
	local line env=() e
	line=$(key "$1" | sed 's/%[iI]/eth1/g')
	case $line in [-@+!:]*) fail "$1: prefix '${line:0:1}' not simulated"; return 1 ;; esac
	while read -r e; do
		[ -n "$e" ] || continue
		env+=("$e")
		line=${line//\$\{${e%%=*}\}/${e#*=}}
	done <<<"$(key Environment)"
	set -- "$1" "${2:-}" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		VTAP_PIN_ROOT="$VTAP_PIN_ROOT" "${env[@]}" setpriv --bounding-set="$BSET" $NNP -- $line
	if [ "$2" = "&" ]; then
		bg_ns col "$TMPD/run.err" "${@:3}"
		return
	fi
	RUN_RC=0
	in_ns col "${@:3}" >"$TMPD/run.out" 2>"$TMPD/run.err" || RUN_RC=$?
	RUN_ERR=$(cat "$TMPD/run.err")
}

unit_load "$unit"
# The capabilities a command of the unit has: exactly the bounding set.
want=0
for b in 12 16 21 38 39; do want=$((want | (1 << b))); done	# net_admin sys_module sys_admin perfmon bpf
eff=$(in_ns col setpriv --bounding-set="$BSET" $NNP -- sed -n 's/^CapEff:\t//p' /proc/self/status)
expect_eq "vtap@'s commands have NET_ADMIN BPF PERFMON SYS_ADMIN SYS_MODULE only" \
	"$(printf '%016x' $want)" "$eff"

status_is() {
	vt col status eth1 --json
	expect_eq "$1" "$3" "$(json "$2" <<<"$VT_OUT" 2>&1)"
}

cp "$dest/usr/share/doc/vtap/examples/vtap.conf" "$dest$etc/vtap/eth1.conf"
# The unit reads SYSCONFDIR as installed: $etc without DESTDIR.
mkdir -p "$etc/vtap" && cp "$dest$etc/vtap/eth1.conf" "$etc/vtap/eth1.conf"

run_key ExecStart
expect_eq "start: exit 0, nothing on stderr" "0 " "$RUN_RC $RUN_ERR"
status_is "start: attached with the example's allow-src" "j['allow_src']" '["10.1.0.0/16"]'
status_is "start: the example's max-sources" "j['max_sources']" 16384
check "start: vtap0 made" link_exists col vtap0
stats_json col eth1
expect_eq "start: the loss tracer attached (CAP_PERFMON in the set)" 0 \
	"$(json "j['global']['lost_after_redirect']" <"$TMPD/stats.json")"
link=$(pinned_link_id "$(pin_dir col eth1)")
check "start: a pinned link" test -n "$link"

run_key ExecStart
expect_eq "start again: exit 0, nothing changed" "0 $link" "$RUN_RC $(pinned_link_id "$(pin_dir col eth1)")"

vxsend gen col 10.1.0.4,42,2,1,0,svc >/dev/null
stats_json col eth1
seen=$(json "j['global']['seen']" <"$TMPD/stats.json")
check "traffic counted before the reload" test "$seen" -ge 3
echo "vni 42-43" >>"$etc/vtap/eth1.conf"
run_key ExecReload
expect_eq "reload: exit 0" 0 "$RUN_RC"
check "reload: says what changed" grep -q 'vnis: all -> 42-43' "$TMPD/run.out" "$TMPD/run.err"
status_is "reload: the edited file applied" "j['vnis']" '[[42, 43]]'
expect_eq "reload: the same link (atomic swap)" "$link" "$(pinned_link_id "$(pin_dir col eth1)")"
stats_json col eth1
expect_eq "reload: counters kept" "$seen" "$(json "j['global']['seen']" <"$TMPD/stats.json")"

# vtap-metrics.service beside it: no capability at all, root's user id.
unit_load "$dest$unitdir/vtap-metrics.service"
expect_eq "vtap-metrics: no capability" 0000000000000000 \
	"$(in_ns col setpriv --bounding-set="$BSET" $NNP -- sed -n 's/^CapEff:\t//p' /proc/self/status)"
run_key ExecStart "&"
metrics=$BG_PID
got=
wait_for 100 sh -c "nsenter --net=/run/netns/$(ns col) curl -s -m 2 http://127.0.0.1:9477/metrics >'$TMPD/scrape.txt'" &&
	got=$(grep -c '^vtap_seen_packets_total{interface="eth1"} [1-9]' "$TMPD/scrape.txt")
expect_eq "vtap-metrics: serves eth1's counters on its default address" 1 "$got"
stop_pid "$metrics"
unit_load "$unit"

run_key ExecStop
expect_eq "stop: exit 0" 0 "$RUN_RC"
check "stop: pins removed" test ! -e "$(pin_dir col eth1)"
check "stop: vtap0 removed" not link_exists col vtap0
check "stop: no XDP program left on eth1" test -z "$(xdp_prog_id col eth1)"

echo "allow-src 10.1.0.0/99" >>"$etc/vtap/eth1.conf"
run_key ExecStart
expect_eq "start with a bad file: exit 2" 2 "$RUN_RC"
check "start with a bad file: one line with the file and line" \
	grep -qx "vtapctl: $etc/vtap/eth1.conf:[0-9]*: allow-src 10.1.0.0/99: .*" <<<"$RUN_ERR"
check "start with a bad file: nothing attached" test ! -e "$(pin_dir col eth1)"
