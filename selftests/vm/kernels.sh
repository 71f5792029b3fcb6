#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Debian 12 cloud kernels the vm tests boot, and their images.
#   kernels.sh list        one kernel release per line (newest 6.1 and 6.12
#                          whose headers are installed)
#   kernels.sh fetch KVER  make $VTAP_VM_CACHE/KVER/vmlinuz and mods/NN-*.ko
#                          (the modules the guest loads, in order, unpacked)
#                          exist: apt-get download + dpkg-deb -x, only when
#                          missing. Nothing is installed on this system.
set -euo pipefail

CACHE=${VTAP_VM_CACHE:-/var/cache/vtap-vm}
# Modules the guest loads, in dependency order: veth for the test NIC;
# vxlan and what it needs, clsact and cls_bpf for vtapctl's slow path (the
# kernel's vxlan device takes the outer fragments); act_mirred for a tc
# redirect into vtap0's egress; geneve, the real GENEVE sender (the host's
# kernel has none), and act_tunnel_key for its options (Google's).
MODS="udp_tunnel ip6_udp_tunnel vxlan veth sch_ingress cls_bpf act_mirred geneve act_tunnel_key"
tmp=

list() {
	local series kver
	for series in '6.1.0-*-cloud-amd64' '6.12.*-cloud-amd64'; do
		kver=$(cd /usr/src && ls -d linux-headers-$series 2>/dev/null |
			sed 's/^linux-headers-//' | sort -V | tail -n 1)
		[ -n "$kver" ] && [ -e "/lib/modules/$kver/build/Makefile" ] && echo "$kver"
	done
	return 0
}

fetch() {
	local kver=$1 dir=$CACHE/$1 ver deb pkg ko m n=10
	[ -s "$dir/vmlinuz" ] && [ "$(cat "$dir/mods/.complete" 2>/dev/null)" = "$MODS" ] &&
		return 0
	mkdir -p "$dir"
	tmp=$(mktemp -d "$CACHE/.fetch.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	ver=$(dpkg-query -W -f='${Version}' "linux-headers-$kver" 2>/dev/null || true)
	for pkg in "linux-image-$kver" "linux-image-$kver-unsigned"; do
		if [ -n "$ver" ] && (cd "$tmp" && apt-get download -q "$pkg=$ver") >/dev/null 2>&1; then
			break
		fi
		(cd "$tmp" && apt-get download -q "$pkg") >/dev/null 2>&1 && break
	done
	deb=$(ls "$tmp"/*.deb 2>/dev/null | head -n 1)
	if [ -z "$deb" ]; then
		echo "kernels.sh: cannot download linux-image-$kver" >&2
		return 1
	fi
	dpkg-deb -x "$deb" "$tmp/x"
	if [ ! -s "$tmp/x/boot/vmlinuz-$kver" ]; then
		echo "kernels.sh: $deb has no vmlinuz" >&2
		return 1
	fi
	mkdir -p "$tmp/mods"
	for m in $MODS; do
		ko=$(find "$tmp/x/lib/modules/$kver" "$tmp/x/usr/lib/modules/$kver" \
			-name "$m.ko*" 2>/dev/null | head -n 1 || true)
		if [ -z "$ko" ]; then
			echo "kernels.sh: $deb has no $m.ko" >&2
			return 1
		fi
		case "$ko" in
		*.xz) xz -dc "$ko" > "$tmp/mods/$n-$m.ko" ;;
		*.zst) zstd -qdc "$ko" > "$tmp/mods/$n-$m.ko" ;;
		*) cp "$ko" "$tmp/mods/$n-$m.ko" ;;
		esac
		n=$((n + 1))
	done
	echo "$MODS" > "$tmp/mods/.complete"
	rm -rf "$dir/mods"
	mv "$tmp/mods" "$dir/mods"
	mv "$tmp/x/boot/vmlinuz-$kver" "$dir/vmlinuz"
}

case "${1:-}" in
list) list ;;
fetch) [ $# -eq 2 ] || { echo "usage: $0 fetch KVER" >&2; exit 2; }; mkdir -p "$CACHE"; fetch "$2" ;;
*) echo "usage: $0 list | fetch KVER" >&2; exit 2 ;;
esac
