#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Two vtapctl loops at once on two NICs of one namespace (ports 4789 and
# 4790), sharing vtap0: attach, status --check (its own, then of everything:
# the other loop's half-made attachment is never seen as leftovers), detach,
# ROUNDS times each.
# Every run succeeds (the pin root's lock makes the second one wait; the
# only failure allowed would be a clean "busy" after the wait), each
# attached round is sound, and nothing is left at the end.
source "$(dirname "$0")/lib.sh"
lib_init concurrency
ROUNDS=${ROUNDS:-12}

gen_fabric gen col || { fail "fabric setup"; exit 1; }
veth_pair gen gen1 col eth2 1600 || { fail "second NIC"; exit 1; }

# loop IFACE PORT LOG: attach, check, detach; one line per run that failed
loop() {
	local i rc
	for ((i = 0; i < ROUNDS; i++)); do
		for cmd in "attach $1 --port $2 --allow-src 10.99.0.0/24" "status $1 --check" \
			   "status --check" "detach $1"; do
			rc=0
			in_ns col "$VTAPCTL" $cmd >"$3.out" 2>"$3.err" || rc=$?
			if [ $rc -ne 0 ] && ! grep -q ": busy: " "$3.err"; then
				echo "round $i: $cmd: exit $rc: $(cat "$3.err" "$3.out" | tr '\n' ' ')" >>"$3"
			fi
		done
	done
}

: >"$TMPD/a.log"
: >"$TMPD/b.log"
loop eth1 4789 "$TMPD/a.log" &
a=$!
loop eth2 4790 "$TMPD/b.log" &
b=$!
PIDS+=("$a" "$b")
wait $a
wait $b
check "loop on eth1: every run succeeded ($ROUNDS rounds)" test ! -s "$TMPD/a.log"
check "loop on eth2: every run succeeded ($ROUNDS rounds)" test ! -s "$TMPD/b.log"
cat "$TMPD/a.log" "$TMPD/b.log" | head -6 | sed 's/^/# /'
check "no pins left" sh -c '! [ -e "$1" ] || [ -z "$(find "$1" -mindepth 1 -print -quit)" ]' _ "$VTAP_PIN_ROOT"
check "no vtap0 left" not link_exists col vtap0
check "no slow-path device left" test -z "$(slow_devs col)"
check "no XDP left on eth1" test -z "$(xdp_prog_id col eth1)"
check "no XDP left on eth2" test -z "$(xdp_prog_id col eth2)"
exit 0
