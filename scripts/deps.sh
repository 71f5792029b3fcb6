#!/usr/bin/env bash
# Install, only when missing, every Debian package vtap needs to build, test,
# run the lab and benchmark. Idempotent: a second run installs nothing.
set -euo pipefail

PKGS=(
	make gcc pkg-config clang llvm libbpf-dev libmnl-dev bpftool libelf-dev zlib1g-dev
	libcunit1-dev linux-libc-dev iproute2 ethtool tcpdump tshark
	python3 python3-scapy util-linux kmod procps psmisc curl iputils-ping
)
# Suites add what they need (qemu, kernel images) in scripts/deps.d/*.list,
# one package per line.
here=$(cd "$(dirname "$0")" && pwd)
for list in "$here"/deps.d/*.list; do
	[ -e "$list" ] || continue
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		PKGS+=("$p")
	done < "$list"
done

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
