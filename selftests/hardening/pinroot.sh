#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Pin root safety (issue 12): vtapctl mounts bpffs only on a folder it
# makes itself, never over one that was there (/etc, a folder named through
# a symbolic link, a non-empty or an empty existing folder), never through
# a symbolic link, and refuses "." and ".." in the pin root. Each vtapctl
# runs in a fresh mount and network namespace (unshare), so even a vtapctl
# that gets it wrong can't touch the host's mounts; what it did is looked at
# from inside that same namespace.
source "$(dirname "$0")/../net/lib.sh"
lib_init pinroot
command -v unshare >/dev/null || skip "unshare not installed"

# in_private SCRIPT ARGS...: SCRIPT under bash in new mount and net
# namespaces with a veth pair d0/d1 up; vtapctl is $V there.
in_private() {
	local script=$1; shift
	V=$VTAPCTL unshare --mount --propagation private --net bash -c '
		ip link add name d0 type veth peer name d1 && ip link set d0 up &&
			ip link set d1 up && ip link set lo up || exit 99
		'"$script" _ "$@"
}

fstype() { stat -f -c %T "$1" 2>/dev/null; }

# refused NAME RC PINROOT PATH...: attach d0 with --pin-root PINROOT exits
# RC with one error line, and none of PATH... became bpffs or changed
refused() {
	local name=$1 rc=$2 root=$3 out; shift 3
	out=$(in_private '
		root=$1; shift
		for p in "$@"; do echo "before $p $(stat -f -c %T "$p") $(ls -la "$p" | sha256sum)"; done
		"$V" attach d0 --pin-root "$root" 2>"'"$TMPD"'/err" >/dev/null
		echo "rc $?"
		for p in "$@"; do echo "after $p $(stat -f -c %T "$p") $(ls -la "$p" | sha256sum)"; done
	' "$root" "$@")
	local err
	err=$(cat "$TMPD/err")
	expect_eq "$name: exit $rc ($err)" "rc $rc" "$(grep '^rc ' <<<"$out")"
	check "$name: one error line" sh -c '[ "$(printf "%s\n" "$1" | wc -l)" -eq 1 ] &&
		printf "%s\n" "$1" | grep -q "^vtapctl: .*: "' _ "$err"
	local p
	for p in "$@"; do
		check "$p: not turned into bpffs" not grep -q "^after $p bpf_fs" <<<"$out"
		expect_eq "$p: unchanged" "$(grep "^before $p " <<<"$out" | cut -d' ' -f3-)" \
			"$(grep "^after $p " <<<"$out" | cut -d' ' -f3-)"
	done
}

refused "/etc as pin root" 1 /etc /etc

mkdir -p "$TMPD/victim" && echo keep >"$TMPD/victim/file"
ln -s "$TMPD/victim" "$TMPD/link"
refused "a symbolic link to a folder" 1 "$TMPD/link" "$TMPD/victim"
refused "a path through a symbolic link" 1 "$TMPD/link/sub" "$TMPD/victim"
check "nothing made through the link" test ! -e "$TMPD/victim/sub"
ln -s /etc "$TMPD/etc-link"
refused "a symbolic link to /etc" 1 "$TMPD/etc-link" /etc

mkdir -p "$TMPD/full" && echo keep >"$TMPD/full/file"
refused "a non-empty folder" 1 "$TMPD/full" "$TMPD/full"
mkdir -p "$TMPD/empty"
refused "an empty folder vtapctl did not make" 1 "$TMPD/empty" "$TMPD/empty"
refused "'..' in the pin root" 2 "$TMPD/new/../empty" "$TMPD/empty"
check "nothing made for '..'" test ! -e "$TMPD/new"
refused "'.' in the pin root" 2 "$TMPD/./empty" "$TMPD/empty"
refused "a relative pin root" 2 "pins" /etc

# VTAP_PIN_ROOT is held to the same rules as --pin-root
out=$(in_private 'VTAP_PIN_ROOT=/tmp/../etc "$V" status 2>&1; echo "rc $?"')
check "VTAP_PIN_ROOT with '..': exit 2 ($(head -1 <<<"$out"))" grep -q '^rc 2$' <<<"$out"

# A folder vtapctl makes: bpffs mounted there, mode 0700, attach and
# detach work, and the folder outlives nothing but its namespace.
out=$(in_private '
	"$V" attach d0 --pin-root "$1/fresh/pins" >/dev/null 2>&1; echo "rc $?"
	echo "fs $(stat -f -c %T "$1/fresh/pins")"
	echo "mode $(stat -c %a "$1/fresh/pins")"
	"$V" detach d0 --pin-root "$1/fresh/pins" >/dev/null 2>&1; echo "detach $?"
' "$TMPD")
expect_eq "a new folder: attach exit 0" "rc 0" "$(grep '^rc ' <<<"$out")"
expect_eq "a new folder: bpffs mounted on it" "fs bpf_fs" "$(grep '^fs ' <<<"$out")"
check "a new folder: only root may enter ($(grep '^mode ' <<<"$out"))" grep -Eq '^mode 1?700$' <<<"$out"
expect_eq "a new folder: detach exit 0" "detach 0" "$(grep '^detach ' <<<"$out")"
exit 0
