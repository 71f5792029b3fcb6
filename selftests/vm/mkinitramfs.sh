#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest's initramfs: busybox, this machine's ip, tc, tcpdump, bpftool,
# ethtool (and vtapctl when built) with the libraries ldd lists, the test
# scripts, vtap.ko, the kernel's modules the guest loads (veth, vxlan...)
# and the BPF object.
#   mkinitramfs.sh OUT.cpio.gz VTAP_KO MODS_DIR
# Environment: OUT (build folder), VTAP_VM_VTAPCTL (default $OUT/vtapctl).
set -euo pipefail

out=$1 vtap_ko=$2 mods=$3
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
OUT=${OUT:-build}
case "$OUT" in /*) ;; *) OUT=$root/$OUT ;; esac

dir=$(mktemp -d "${out%/*}/.initramfs.XXXXXX")
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,lib/vtap/mods,lib64,etc,proc,sys,dev,tmp,run,root}

cp /bin/busybox "$dir/bin/busybox"
[ "$(ldd "$dir/bin/busybox" 2>&1 | grep -c '=>')" -eq 0 ] || {
	echo "mkinitramfs: /bin/busybox is not static (install busybox-static)" >&2; exit 1; }

# A program and every library it loads, at the same paths as here.
add_prog() {
	local src=$1 dst=$2 lib
	cp -L "$src" "$dir/$dst"
	for lib in $(ldd "$src" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }'); do
		[ -e "$dir$lib" ] && continue
		mkdir -p "$dir$(dirname "$lib")"
		cp -L "$lib" "$dir$lib"
	done
}
for t in ip tc tcpdump bpftool ethtool; do
	p=$(command -v "$t") || { echo "mkinitramfs: $t not found" >&2; exit 1; }
	add_prog "$p" "usr/sbin/$t"
done
# VTAP_VM_VTAPCTL: another vtapctl (the deb suite's, from the package)
vtapctl=${VTAP_VM_VTAPCTL:-$OUT/vtapctl}
if [ -x "$vtapctl" ]; then
	add_prog "$vtapctl" usr/sbin/vtapctl
fi
cp "$OUT/vm/vtap_vmtool" "$dir/usr/bin/vtap_vmtool"
# the bpf suite (vm-tools builds it), for kernels whose XDP programs can
# write metadata
[ -x "$OUT/test_xdp" ] && add_prog "$OUT/test_xdp" usr/bin/test_xdp
cp "$vtap_ko" "$dir/lib/vtap/vtap.ko"
cp "$mods"/*.ko "$dir/lib/vtap/mods/"
strip --strip-debug "$dir/lib/vtap/vtap.ko" "$dir"/lib/vtap/mods/*.ko 2>/dev/null || true
[ -e "$OUT/vtap.bpf.o" ] && cp "$OUT/vtap.bpf.o" "$dir/lib/vtap/vtap.bpf.o"
[ -e "$OUT/vm/garbage_meta.bpf.o" ] && cp "$OUT/vm/garbage_meta.bpf.o" "$dir/lib/vtap/"
cp "$here/guest.sh" "$dir/lib/vtap/guest.sh"

echo 'root:x:0:0:root:/root:/bin/sh' > "$dir/etc/passwd"
echo 'root:x:0:' > "$dir/etc/group"
cat > "$dir/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t bpf bpf /sys/fs/bpf
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
echo "VTAPRESULT init"
sh /lib/vtap/guest.sh
echo "VTAPRESULT exit $?"
poweroff -f
INIT
chmod +x "$dir/init"
(cd "$dir" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
