#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# vm suite: boot each Debian 12 cloud kernel (6.1, 6.12) in qemu-system-x86_64
# under TCG with an initramfs carrying vtap.ko and the test tools, run
# guest.sh there and turn its VTAPRESULT lines into ok/fail lines. A guest
# that does not finish within VTAP_VM_TIMEOUT seconds is killed and fails.
# Environment: OUT (build folder), VTAP_VM_TIMEOUT (per kernel, default 900: a hang guard; a guest takes 3-4 min on a quiet machine, twice that on a loaded one),
# VTAP_VM_KERNELS (releases to boot, default all that kernels.sh lists),
# VTAP_VM_APPEND (extra kernel command line, e.g. vtap.attach=bpftool, or
# vtap.checks=quick for the device, one redirect test and removal;
# vtap.checks=direction: the same with the direction checks),
# VTAP_VM_KO_DIR (boot <dir>/<release>/vtap.ko instead of building one: the
# deb suite's module that DKMS built), VTAP_VM_VTAPCTL (the vtapctl the
# guest runs, default $OUT/vtapctl), VTAP_VM_TAG (result prefix, "vm").
# Besides the results: $OUT/vm/<kernel>/direction.pcap, a few dozen frames of
# the direction checks' LINUX_SLL2 capture (make wireshark-shot-direction).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-build}
export OUT
TIMEOUT=${VTAP_VM_TIMEOUT:-900}
VM=$OUT/vm

if ! command -v qemu-system-x86_64 > /dev/null; then
	echo "skip vm: qemu-system-x86_64 is not installed (make deps)"
	exit 4
fi
kvers=${VTAP_VM_KERNELS:-$(selftests/vm/kernels.sh list)}
if [ -z "$kvers" ]; then
	echo "skip vm: no Debian cloud kernel headers installed (make deps)"
	exit 4
fi

prep=vm-prep
[ -n "${VTAP_VM_KO_DIR:-}" ] && prep=vm-tools
if ! make --no-print-directory -s OUT="$OUT" $prep; then
	echo "fail vm: building vtap.ko for the vm kernels or the guest tools"
	exit 1
fi

failed=0
for kver in $kvers; do
	tag="${VTAP_VM_TAG:-vm} $kver"
	ko=${VTAP_VM_KO_DIR:-$VM/kmod}/$kver/vtap.ko
	if ! selftests/vm/kernels.sh fetch "$kver"; then
		echo "fail $tag: cannot fetch the kernel image"
		failed=1
		continue
	fi
	cache=${VTAP_VM_CACHE:-/var/cache/vtap-vm}/$kver
	initrd=$VM/initrd-$kver.cpio.gz
	if ! selftests/vm/mkinitramfs.sh "$initrd" "$ko" "$cache/mods"; then
		echo "fail $tag: building the initramfs"
		failed=1
		continue
	fi
	log=$VM/console-$kver.log
	start=$(date +%s)
	# A kernel that dies before its init runs has run none of our code
	# (vtap.ko is inserted by guest.sh): TCG on a loaded machine has been
	# seen to oops in the idle loop while booting. Boot such a guest once
	# more, and say so; a second early death fails below.
	for attempt in 1 2; do
		timeout -k 5 "$TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1024 \
			-nographic -no-reboot -nic none -serial mon:stdio -display none \
			-kernel "$cache/vmlinuz" -initrd "$initrd" \
			-append "console=ttyS0 loglevel=3 panic=-1 ${VTAP_VM_APPEND:-}" \
			< /dev/null > "$log" 2>&1
		rc=$?
		tr -d '\r' < "$log" | grep -q 'VTAPRESULT init' && break
		[ "$attempt" -eq 2 ] && break
		echo "# $tag: the guest kernel died before its init ran (qemu exited $rc); booting it again:"
		tr -d '\r' < "$log" | grep -E -m 3 'BUG|Oops|panic|RIP' | sed 's/^/#    | /'
		cp "$log" "$log.first"
	done
	secs=$(($(date +%s) - start))

	# Console escapes may precede a result on its line: start at VTAPRESULT.
	tr -d '\r' < "$log" | sed 's/^.*\(VTAPRESULT \)/\1/' > "$log.results"
	awk -v tag="$tag" '
		/^VTAPRESULT ok /   { sub(/^VTAPRESULT ok /, ""); print "ok " tag ": " $0; ctx = 0; next }
		/^VTAPRESULT fail / { sub(/^VTAPRESULT fail /, ""); print "fail " tag ": " $0; ctx = 1; next }
		/^VTAPRESULT info / { sub(/^VTAPRESULT info /, ""); print "# " tag ": " $0; ctx = 0; next }
		/^VTAPRESULT/       { ctx = 0; next }
		ctx && /^    \|/     { print }' "$log.results"
	grep -q '^VTAPRESULT fail ' "$log.results" && failed=1
	# Captures the guest printed (pcap_out in guest.sh): gzip, base64
	# between markers, into $VM/<kernel>/NAME.pcap. Not a check: a capture
	# the console garbled (gzip's CRC) is only noted. A run that prints
	# none (vtap.checks=quick: the deb suite's) leaves an earlier one be.
	for name in $(sed -n 's/^VTAPRESULT pcap-begin \([a-z0-9-]*\)$/\1/p' "$log.results"); do
		mkdir -p "$VM/$kver"
		pcap=$VM/$kver/$name.pcap
		if sed -n "/^VTAPRESULT pcap-begin $name\$/,/^VTAPRESULT pcap-end $name\$/p" "$log.results" |
			grep -v '^VTAPRESULT' | base64 -d 2> /dev/null | gzip -dc > "$pcap" 2> /dev/null &&
			[ -s "$pcap" ]; then
			echo "# $tag: the guest's $name capture: $pcap ($(wc -c < "$pcap") bytes)"
		else
			echo "# $tag: the guest's $name capture came through the console damaged; not kept"
			rm -f "$pcap"
		fi
	done
	if ! grep -q '^VTAPRESULT done' "$log.results"; then
		why="qemu exited $rc"
		[ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && why="killed after the ${TIMEOUT}s timeout"
		echo "fail $tag: the guest did not finish ($why); console in $log:"
		tr -d '\r' < "$log" | tail -n 25 | sed 's/^/    | /'
		failed=1
	fi
	echo "# $tag: boot and tests took ${secs}s"
done
exit $failed
