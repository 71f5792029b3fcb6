#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# docs/wireshark.png: the lab's collector in Wireshark, as Microsoft's
# Virtual Network TAP lab ends. Under a virtual X server (Xvfb) it runs
# `scripts/lab.sh run` with WIRESHARK=1 (Wireshark on lab-target's vtap0,
# display filter "http", the lab's Body column naming vm2 and vm3), waits
# until Wireshark's own capture holds the HTTP answers, takes a screenshot
# of the screen and tears everything down.
#
#   scripts/wireshark-shot.sh [OUTPUT.png]     (make wireshark-shot)
#
# With --pcap, docs/wireshark-direction.png: a LINUX_SLL2 capture of vtap.ko's
# vtap0 (the vm suite's direction checks keep one, selftests/vm/run.sh) opened
# in Wireshark with a "Packet type" column, the first frame the tapped NIC
# sent selected and the details pane expanded: "Packet type: Sent by us".
# No lab, no root; it also needs xdotool (Expand All) and tshark.
#
#   scripts/wireshark-shot.sh --pcap CAPTURE [OUTPUT.png]
#                                  (make wireshark-shot-direction)
#
# Needs root, the built tree (make all) and, not part of make check,
# Wireshark's GUI, Xvfb and ImageMagick: on Debian it installs the missing
# ones (wireshark-qt xvfb imagemagick), elsewhere it says what to install.
# Environment: LAB_PREFIX (default "shot-", so a running `make lab` is left
# alone; LAB_STATE and VTAP_PIN_ROOT follow it, see scripts/lab.sh),
# SHOT_FILTER (display filter, default "http"), SHOT_SIZE (default 1600x1000),
# SHOT_WAIT (seconds to wait for the answers, default 60), OUT.
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-build}
case $OUT in /*) ;; *) OUT=$TOP/$OUT ;; esac
export OUT
PCAP=
if [ "${1:-}" = --pcap ]; then
	PCAP=${2:?--pcap needs a capture file}
	shift 2
fi
PNG=${1:-$TOP/docs/wireshark.png}
[ -z "$PCAP" ] || PNG=${1:-$TOP/docs/wireshark-direction.png}
export LAB_PREFIX=${LAB_PREFIX:-shot-}
FILTER=${SHOT_FILTER:-http}
SIZE=${SHOT_SIZE:-1600x1000}
WAIT=${SHOT_WAIT:-60}

say() { echo "wireshark-shot: $*"; }
die() { echo "wireshark-shot: $*" >&2; exit 1; }

if [ -n "$PCAP" ]; then
	[ -s "$PCAP" ] || die "$PCAP: no capture (the vm suite writes $OUT/vm/<kernel>/direction.pcap: VTAP_VM_APPEND=vtap.checks=direction SUITES=vm scripts/run-tests.sh)"
else
	[ "$(id -u)" -eq 0 ] || die "must run as root (the lab's namespaces and XDP)"
	[ -x "$OUT/vtapctl" ] || die "$OUT/vtapctl not built (make all)"
fi
case $SIZE in [0-9]*x[0-9]*) ;; *) die "SHOT_SIZE: WIDTHxHEIGHT" ;; esac

# ---- what it needs, installed on demand (Debian), never by make check -------
missing=
command -v wireshark >/dev/null || missing+=" wireshark-qt"
command -v Xvfb >/dev/null || missing+=" xvfb"
command -v import >/dev/null || missing+=" imagemagick"
[ -z "$PCAP" ] || command -v xdotool >/dev/null || missing+=" xdotool"
[ -z "$PCAP" ] || command -v tshark >/dev/null || missing+=" tshark"
if [ -n "$missing" ]; then
	if [ -e /etc/debian_version ] && command -v apt-get >/dev/null; then
		say "installing$missing (apt-get)"
		# wireshark-common asks whether non-root users may capture: no.
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing ||
			{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing; } ||
			die "apt-get install$missing failed"
	else
		die "needs$missing (Wireshark's Qt GUI, Xvfb, ImageMagick's import${PCAP:+, xdotool, tshark}): install them and rerun"
	fi
fi

TMPD=$(mktemp -d /tmp/wireshark-shot.XXXXXX) || die "mktemp failed"
XVFB_PID='' LAB_PID='' WS_PID=''
cleanup() {
	trap '' INT TERM
	[ -z "$WS_PID" ] || { kill "$WS_PID" 2>/dev/null; wait "$WS_PID" 2>/dev/null; }
	if [ -n "$LAB_PID" ] && kill -0 "$LAB_PID" 2>/dev/null; then
		# lab.sh run tears the lab down (Wireshark included) on TERM.
		kill -TERM "$LAB_PID" 2>/dev/null
		wait "$LAB_PID" 2>/dev/null
	fi
	[ -z "$XVFB_PID" ] || { kill "$XVFB_PID" 2>/dev/null; wait "$XVFB_PID" 2>/dev/null; }
	rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---- a virtual screen -----------------------------------------------------------
n=90
while [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ]; do
	n=$((n + 1))
	[ $n -lt 200 ] || die "no free X display number in :90..:199"
done
# No TCP: the collector's namespace reaches the server by its socket file.
Xvfb ":$n" -screen 0 "${SIZE}x24" -nolisten tcp >"$TMPD/xvfb.log" 2>&1 &
XVFB_PID=$!
for _ in $(seq 100); do [ -S "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
[ -S "/tmp/.X11-unix/X$n" ] || { cat "$TMPD/xvfb.log" >&2; die "Xvfb :$n did not start"; }
export DISPLAY=:$n
unset WAYLAND_DISPLAY

# ---- --pcap: the capture, its packet types and the details of one sent ----------
if [ -n "$PCAP" ]; then
	# The first frame vtap.ko marked outgoing (sll.pkttype 4, "Sent by us").
	sel=$(tshark -r "$PCAP" -n -Y 'sll.pkttype == 4' -T fields -e frame.number 2>/dev/null | head -n 1)
	[ -n "$sel" ] || die "$PCAP: no LINUX_SLL2 frame with packet type outgoing (sll.pkttype == 4)"
	conf=$TMPD/wireshark
	mkdir -p "$conf/tmp" || die "mkdir $conf failed"
	cat > "$conf/preferences" <<EOF
gui.column.format: "No.", "%m", "Time", "%t", "Packet type", "%Cus:sll.pkttype:0:R", "Source", "%s", "Destination", "%d", "Protocol", "%p", "Length", "%L", "Info", "%i"
gui.ask_unsaved: FALSE
gui.update.enabled: FALSE
EOF
	cat > "$conf/recent_common" <<EOF
privs.warn_if_elevated: FALSE
sys.warn_if_no_capture: FALSE
gui.geometry_main_x: 0
gui.geometry_main_y: 0
gui.geometry_main_width: ${SIZE%x*}
gui.geometry_main_height: ${SIZE#*x}
EOF
	cat > "$conf/recent" <<'EOF'
column.width: %m, 60, %t, 110, %Cus:sll.pkttype, 210, %s, 130, %d, 130, %p, 70, %L, 60, %i, 600
EOF
	say "Wireshark on $PCAP (display :$n), frame $sel selected, details expanded"
	TMPDIR=$conf/tmp WIRESHARK_CONFIG_DIR=$conf wireshark -n -r "$PCAP" -g "$sel" \
		</dev/null >"$TMPD/wireshark.log" 2>&1 &
	WS_PID=$!
	win=
	for _ in $(seq $((WAIT * 2))); do
		kill -0 "$WS_PID" 2>/dev/null || { cat "$TMPD/wireshark.log" >&2; die "Wireshark exited"; }
		win=$(xdotool search --onlyvisible --name "$(basename "$PCAP")" 2>/dev/null | head -n 1)
		[ -n "$win" ] && break
		sleep 0.5
	done
	[ -n "$win" ] || die "no Wireshark window showing $PCAP within ${WAIT}s"
	sleep 3
	# View > Expand All (Ctrl+Right): the selected frame's whole tree,
	# the Linux cooked capture v2 header first.
	xdotool windowfocus --sync "$win" 2>/dev/null || xdotool windowfocus "$win"
	xdotool key --window "$win" ctrl+Right
	# the pointer off the packet list, where it would highlight a row
	xdotool mousemove 0 $((${SIZE#*x} - 1))
	sleep 2
	import -window root "$TMPD/shot.png" || die "import -window root failed on :$n"
	mkdir -p "$(dirname "$PNG")" && cp "$TMPD/shot.png" "$PNG" || die "cannot write $PNG"
	say "wrote $PNG ($(wc -c < "$PNG") bytes)"
	exit 0
fi

# ---- the lab, with Wireshark on vtap0 ----------------------------------------------
say "lab (LAB_PREFIX=$LAB_PREFIX) with Wireshark on vtap0 on display :$n, display filter '$FILTER'"
WIRESHARK=1 WIRESHARK_FILTER=$FILTER WIRESHARK_WIDTH=${SIZE%x*} WIRESHARK_HEIGHT=${SIZE#*x} \
	CI=true DURATION=$((WAIT + 60)) STATS_EVERY=600 \
	"$TOP/scripts/lab.sh" run </dev/null >"$TMPD/lab.log" 2>&1 &
LAB_PID=$!

# The tshark view in the log shows what Wireshark captures at the same time:
# wait for a few answers from vm2 and vm3, then give Wireshark's list a few
# updates to show them.
got=
for _ in $(seq $((WAIT * 2))); do
	kill -0 "$LAB_PID" 2>/dev/null || break
	if [ "$(grep -cE 'HTTP.*200 OK.*vm2' "$TMPD/lab.log")" -ge 3 ] &&
		[ "$(grep -cE 'HTTP.*200 OK.*vm3' "$TMPD/lab.log")" -ge 3 ]; then
		got=1; break
	fi
	sleep 0.5
done
if [ -z "$got" ]; then
	tail -n 30 "$TMPD/lab.log" >&2
	die "no HTTP answers from vm2 and vm3 on vtap0 within ${WAIT}s"
fi
grep -q 'opening Wireshark' "$TMPD/lab.log" || { grep 'WIRESHARK' "$TMPD/lab.log" >&2; die "the lab did not open Wireshark"; }
STATE=$(eval "$("$TOP/scripts/lab.sh" env)"; echo "$LAB_STATE")
wpid=$(cat "$STATE/pids/wireshark.pid" 2>/dev/null)
# What Wireshark itself captured: its temporary file (lab.sh gives it
# TMPDIR in the state folder). Wait until it holds answers naming vm2 and
# vm3, then give the packet list a moment to show them.
shown=
for _ in $(seq $((WAIT * 2))); do
	if [ -z "$wpid" ] || ! kill -0 "$wpid" 2>/dev/null; then
		cat "$STATE/wireshark.log" >&2 2>/dev/null
		die "Wireshark is not running"
	fi
	bodies=$(for f in "$STATE"/wireshark/tmp/wireshark_*; do
		[ -e "$f" ] && tshark -r "$f" -n -o tcp.reassemble_out_of_order:TRUE \
			-Y http.response -T fields -e http.file_data 2>/dev/null
	done)
	if grep -q vm2 <<<"$bodies" && grep -q vm3 <<<"$bodies"; then shown=1; break; fi
	sleep 0.5
done
[ -n "$shown" ] || die "Wireshark's capture holds no answers from vm2 and vm3 within ${WAIT}s"
sleep 3
import -window root "$TMPD/shot.png" || die "import -window root failed on :$n"
mkdir -p "$(dirname "$PNG")" && cp "$TMPD/shot.png" "$PNG" || die "cannot write $PNG"
say "wrote $PNG ($(wc -c < "$PNG") bytes); tearing down"
