#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# deb suite: build the Debian packages (make deb), check their contents,
# dependencies and lintian, install them with apt on this machine, check
# vtapctl from PATH and the module DKMS built for each Debian cloud kernel
# with headers (booted in qemu by the vm suite with a reduced check list),
# rebuild it as a kernel update does, then purge and check that nothing is
# left. The packages are purged on any exit. One line per check.
# Environment: OUT (build folder), VTAP_VM_TIMEOUT (per guest, default 240).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-build}
export OUT
DEB=$OUT/deb
case $DEB in /*) ;; *) DEB=$PWD/$DEB ;; esac
VERSION=$(cat VERSION)
ARCH=$(dpkg --print-architecture)
PKG=$DEB/vtap_${VERSION}_$ARCH.deb
DKMS_PKG=$DEB/vtap-dkms_${VERSION}_all.deb
SYSPATH=/usr/sbin:/usr/bin:/sbin:/bin
export DEBIAN_FRONTEND=noninteractive
# Other apt clients (make deps, kernels.sh) may hold dpkg's lock a while.
APT=(apt-get -q -o DPkg::Lock::Timeout=600)

failed=0
ok() { echo "ok deb: $*"; }
fail() { echo "fail deb: $*"; failed=1; }
info() { echo "# deb: $*"; }
# check NAME CMD...: one result; a failure shows the command's output.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		fail "$name"
		printf '%s\n' "$out" | head -n 20 | sed 's/^/    | /'
	fi
}
# known PKG: dpkg has PKG in any state but purged (half-installed too)
known() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -qv 'not-installed'; }

if [ "$(id -u)" -ne 0 ]; then
	echo "skip deb: needs root (apt-get install, dkms)"
	exit 4
fi
for t in dpkg-buildpackage dh dh_dkms dkms lintian apt-get fakeroot; do
	command -v "$t" > /dev/null || fail "$t is not installed (make deps)"
done
[ "$failed" -eq 0 ] || exit 1

# The packages, /usr/src/vtap-* and /var/lib/dkms/vtap are the machine's:
# one run of this suite at a time, and never over an install of its own.
exec 9> /run/lock/vtap-deb-suite.lock
if ! flock -w 1800 9; then
	fail "another deb suite holds /run/lock/vtap-deb-suite.lock"
	exit 1
fi
for p in vtap vtap-dkms; do
	if known "$p"; then
		fail "package $p is on this machine already: apt-get purge vtap vtap-dkms first"
	fi
done
for d in /var/lib/dkms/vtap /usr/src/vtap-*; do
	[ -e "$d" ] && fail "$d exists (dkms add from the tree?): dkms remove vtap/<version> --all first"
done
[ "$failed" -eq 0 ] || exit 1

# ---- versions ---------------------------------------------------------------
check "VERSION ($VERSION), debian/changelog and dkms.conf agree" make -s deb-version
mismatch() {
	local out
	out=$(make -s deb-version VERSION=9.9.9 2>&1) && { echo "make deb-version passed VERSION 9.9.9"; return 1; }
	grep -q "debian/changelog's newest entry is $VERSION, VERSION says 9.9.9" <<< "$out" || { echo "$out"; return 1; }
}
check "make deb refuses a VERSION the changelog lacks" mismatch

# ---- build ------------------------------------------------------------------
start=$SECONDS
if ! make -s deb > /dev/null; then
	fail "make deb"
	exit 1
fi
ok "make deb builds both packages"
info "make deb took $((SECONDS - start))s"
check "built $(basename "$PKG") and $(basename "$DKMS_PKG")" test -s "$PKG" -a -s "$DKMS_PKG"

# ---- contents and dependencies ---------------------------------------------
files() { dpkg-deb -c "$1" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }'; }
field() { dpkg-deb -f "$1" "$2"; }
has_all() {
	local list=$1 f
	shift
	for f; do grep -qxF "$f" <<< "$list" || { echo "missing $f"; return 1; }; done
}
vtap_files=$(files "$PKG")
dkms_files=$(files "$DKMS_PKG")
want=(/usr/sbin/vtapctl /usr/share/man/man8/vtapctl.8.gz /usr/share/man/man8/vtap.8.gz)
for b in bpf/*.bpf.c; do
	b=${b#bpf/}
	want+=("/usr/lib/vtap/${b%.c}.o")
done
for r in kmod/*.rules; do
	[ -e "$r" ] && want+=("/lib/udev/rules.d/${r#kmod/}")
done
for u in systemd/*.service.in; do
	[ -e "$u" ] && u=${u#systemd/} && want+=("/lib/systemd/system/${u%.in}")
done
[ -e systemd/example.conf ] && want+=(/usr/share/doc/vtap/examples/vtap.conf)
check "vtap holds vtapctl, every BPF object, the man pages, the udev rule, the units and the example" \
	has_all "$vtap_files" "${want[@]}"
check "vtap holds no module and no module source" \
	bash -c '! grep -E "\.ko|^/usr/src|^/lib/modules" <<< "$1"' sh "$vtap_files"
want=("/usr/src/vtap-$VERSION/dkms.conf" "/usr/src/vtap-$VERSION/Kbuild"
      "/usr/src/vtap-$VERSION/VERSION" "/usr/src/vtap-$VERSION/include/vtap_abi.h")
for f in kmod/*.c kmod/*.h; do
	[ -e "$f" ] && want+=("/usr/src/vtap-$VERSION/$f")
done
check "vtap-dkms holds dkms.conf, Kbuild, VERSION and the module's sources" has_all "$dkms_files" "${want[@]}"
check "vtap-dkms holds no binaries" \
	bash -c '! grep -vE "^/usr/src/vtap-[^/]+/|^/usr/share/doc/vtap-dkms/" <<< "$1"' sh "$dkms_files"

x=$(mktemp -d "$DEB/x.XXXXXX")
dpkg-deb -x "$PKG" "$x/vtap" && dpkg-deb -x "$DKMS_PKG" "$x/dkms"
check "the packaged vtap.bpf.o keeps its BTF (bpftool can dump it)" \
	bpftool btf dump file "$x/vtap/usr/lib/vtap/vtap.bpf.o"
dkms_version() { sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$x/dkms/usr/src/vtap-$VERSION/dkms.conf"; }
check "the packaged dkms.conf is vtap $VERSION, autoinstalled" bash -c \
	'[ "$1" = "$2" ] && grep -qx "AUTOINSTALL=\"yes\"" "$3"' sh "$(dkms_version)" "$VERSION" \
	"$x/dkms/usr/src/vtap-$VERSION/dkms.conf"
rm -rf "$x"

dep_ok() {
	local d r
	d=$(field "$PKG" Depends) r=$(field "$PKG" Recommends)
	echo "Depends: $d; Recommends: $r"
	grep -qw libbpf1 <<< "$d" && grep -qw libmnl0 <<< "$d" &&
		! grep -qE 'iproute2|linux-headers|linux-image|dkms' <<< "$d $r $(field "$PKG" Pre-Depends)"
}
check "vtap depends on libbpf1 and libmnl0, not on iproute2, dkms or kernel headers" dep_ok
dkms_dep_ok() {
	local d r
	d=$(field "$DKMS_PKG" Depends) r=$(field "$DKMS_PKG" Recommends)
	echo "Depends: $d; Recommends: $r"
	grep -qw dkms <<< "$d" && ! grep -q linux-headers <<< "$d" && grep -q linux-headers <<< "$r"
}
check "vtap-dkms depends on dkms and recommends the kernel headers" dkms_dep_ok
# What apt would do with recommends on: nothing of dkms or the kernel's.
no_drag() {
	local out
	out=$("${APT[@]}" install -s -o APT::Install-Recommends=true "$PKG" 2>&1) || { echo "$out"; return 1; }
	grep '^Inst ' <<< "$out"
	! grep -E '^Inst (linux-headers|linux-image|dkms|vtap-dkms) ' <<< "$out"
}
check "apt-get install vtap (recommends on) pulls in no dkms and no kernel headers" no_drag

lint() {
	lintian -I --fail-on error "$DEB"/vtap_"${VERSION}"_"$ARCH".changes > "$DEB/lintian.log" 2>&1
	local rc=$?
	grep -E '^[EWIP]: ' "$DEB/lintian.log"
	return $rc
}
check "lintian: no errors in either package (warnings and info tags listed below)" lint
grep -E '^[WI]: ' "$DEB/lintian.log" | sed 's/^/# deb: lintian: /'

# ---- install ----------------------------------------------------------------
cleanup() {
	local p=()
	known vtap && p+=(vtap)
	known vtap-dkms && p+=(vtap-dkms)
	if [ ${#p[@]} -gt 0 ] && ! "${APT[@]}" purge -y "${p[@]}" >> "$DEB/purge.log" 2>&1; then
		echo "fail deb: cleanup: apt-get purge ${p[*]} failed, see $DEB/purge.log"
		exit 1
	fi
	rm -rf "$DEB/vm-ko"
	[ -n "${NS:-}" ] && [ -e "/run/netns/$NS" ] && ip netns del "$NS"
	[ -n "${PINS:-}" ] && rm -rf "$PINS"
	[ -n "${WANTS_LINK:-}" ] && rm -f "$WANTS_LINK"
	[ -n "${WANTS_MADE:-}" ] && rmdir "$WANTS_MADE" 2> /dev/null
	return 0
}
trap cleanup EXIT
trap 'exit 1' INT TERM

kvers=$(selftests/vm/kernels.sh list)
[ -n "$kvers" ] || fail "no Debian cloud kernel headers installed (make deps)"

start=$SECONDS
if "${APT[@]}" install -y --no-install-recommends "$PKG" "$DKMS_PKG" > "$DEB/install.log" 2>&1; then
	ok "apt-get install ./vtap_${VERSION}_$ARCH.deb ./vtap-dkms_${VERSION}_all.deb"
else
	fail "apt-get install ./vtap_${VERSION}_$ARCH.deb ./vtap-dkms_${VERSION}_all.deb"
	tail -n 30 "$DEB/install.log" | sed 's/^/    | /'
	exit 1
fi
info "install (DKMS builds included) took $((SECONDS - start))s"
sed -n 's/^\(Building for .*\)/# deb: postinst: \1/p' "$DEB/install.log"

check "vtapctl is /usr/sbin/vtapctl in PATH" bash -c '[ "$(PATH=$1 command -v vtapctl)" = /usr/sbin/vtapctl ]' sh "$SYSPATH"
check "vtapctl --version says $VERSION" bash -c 'PATH=$1 vtapctl --version | grep -qw -- "$2"' sh "$SYSPATH" "$VERSION"
check "man -w vtapctl finds the packaged page" bash -c '[ "$(man -w vtapctl)" = /usr/share/man/man8/vtapctl.8.gz ]'
units_ok() {
	local u bad=0
	for u in /lib/systemd/system/vtap*.service; do
		grep -H '^Exec' "$u"
		grep '^Exec' "$u" | grep -v '=/usr/sbin/vtapctl ' && bad=1
		grep -n '@[A-Z]*@' "$u" && { echo "$u: not substituted"; bad=1; }
	done
	[ -e "$u" ] && [ $bad -eq 0 ]
}
[ -n "$(ls systemd/*.service.in 2>/dev/null)" ] &&
	check "the installed units run /usr/sbin/vtapctl" units_ok
[ -e systemd/vtap-metrics.service.in ] &&
	check "vtap-metrics.service is enabled by the install" \
		test -L /etc/systemd/system/multi-user.target.wants/vtap-metrics.service

# the module DKMS installed for KVER (vtap.ko, or compressed as the kernel's)
module_of() { ls /lib/modules/"$1"/updates/dkms/vtap.ko* 2> /dev/null | head -n 1; }
built_for() {
	local kver=$1 ko
	dkms status "vtap/$VERSION" -k "$kver" | grep -q ': installed' || { dkms status; return 1; }
	ko=$(module_of "$kver")
	[ -n "$ko" ] || { echo "no vtap.ko in /lib/modules/$kver/updates/dkms"; return 1; }
	[ "$(modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$kver" ] || { modinfo "$ko"; return 1; }
	[ "$(modinfo -F version "$ko")" = "$VERSION" ] || { modinfo "$ko"; return 1; }
	modinfo -F depends "$ko" > /dev/null && modprobe -S "$kver" --show-depends vtap | grep -q updates/dkms/vtap.ko
}
for kver in $kvers; do
	check "dkms status: vtap $VERSION installed for $kver (postinst), modinfo and modprobe agree" built_for "$kver"
done

# ---- the module DKMS built and the packaged vtapctl, in qemu: load, ip link
# add, vtapctl attach/detach, a redirect, rmmod --------------------------------
rm -rf "$DEB/vm-ko"
for kver in $kvers; do
	ko=$(module_of "$kver")
	[ -n "$ko" ] || continue
	mkdir -p "$DEB/vm-ko/$kver"
	case $ko in
	*.xz) xz -dc "$ko" > "$DEB/vm-ko/$kver/vtap.ko" ;;
	*.zst) zstd -qdc "$ko" > "$DEB/vm-ko/$kver/vtap.ko" ;;
	*) cp "$ko" "$DEB/vm-ko/$kver/vtap.ko" ;;
	esac
done
vm_log=$(mktemp)
VTAP_VM_KO_DIR=$DEB/vm-ko VTAP_VM_VTAPCTL=/usr/sbin/vtapctl VTAP_VM_KERNELS="$kvers" \
	VTAP_VM_TAG="deb: DKMS's vtap.ko and the packaged vtapctl in" \
	VTAP_VM_APPEND="vtap.checks=quick" VTAP_VM_TIMEOUT=${VTAP_VM_TIMEOUT:-240} \
	selftests/vm/run.sh 2>&1 | tee "$vm_log"
vm_rc=${PIPESTATUS[0]}
if grep -q '^fail ' "$vm_log"; then
	failed=1
elif [ "$vm_rc" -ne 0 ]; then
	fail "the vm suite exited $vm_rc"
elif [ "$(grep -c '^ok .*rmmod vtap$' "$vm_log")" -ne "$(wc -w <<< "$kvers")" ] ||
     [ "$(grep -c '^ok .*vtapctl attach --backend kmod' "$vm_log")" -ne "$(wc -w <<< "$kvers")" ]; then
	fail "not every kernel's guest ran its checks with the packaged vtapctl"
fi
rm -f "$vm_log"

# ---- removal names the taps attached by hand (in a namespace of our own) ---
NS=vtn-$$-deb
PINS=/sys/fs/bpf/vtap-test-$$
in_ns() { nsenter --net=/run/netns/$NS env VTAP_PIN_ROOT=$PINS "$@"; }
remove_says() {
	local out
	ip netns add $NS &&
		ip -n $NS link add name vdn0 type veth peer name vdn1 &&
		ip -n $NS link set dev vdn0 up && ip -n $NS link set dev vdn1 up || return 1
	in_ns /usr/sbin/vtapctl attach vdn0 --backend veth --target vdt0 --allow-src all ||
		return 1
	out=$(in_ns "${APT[@]}" remove -y vtap 2>&1) || { echo "$out"; return 1; }
	grep -F 'vtap: still attached: vdn0 ' <<< "$out" || { echo "$out" | tail -n 20; return 1; }
}
check "apt-get remove vtap names the NIC still attached by hand" remove_says
[ -e /run/netns/$NS ] && ip netns del $NS
rm -rf $PINS

# ---- a kernel update: its postinst hook has DKMS build the module again ----
kver=${kvers%%$'\n'*}
if [ -n "$kver" ]; then
	dkms remove "vtap/$VERSION" -k "$kver" > /dev/null 2>&1
	gone() { [ -z "$(module_of "$kver")" ] && ! dkms status "vtap/$VERSION" -k "$kver" | grep -q installed; }
	check "dkms remove -k $kver takes vtap.ko away (the test's starting point)" gone
	rebuild() { /etc/kernel/postinst.d/dkms "$kver" && built_for "$kver"; }
	check "a kernel update (/etc/kernel/postinst.d/dkms $kver) builds and installs vtap.ko again" rebuild
fi

# ---- an upgrade (here a reinstall: prerm removes the module everywhere) -----
upgrade() {
	local k
	"${APT[@]}" install -y --reinstall "$DKMS_PKG" > "$DEB/upgrade.log" 2>&1 ||
		{ tail -n 20 "$DEB/upgrade.log"; return 1; }
	for k in $kvers; do built_for "$k" || return 1; done
}
check "apt-get install --reinstall vtap-dkms (an upgrade) builds vtap.ko for every kernel again" upgrade

# ---- purge: nothing left ------------------------------------------------------
# An instance enabled by hand (systemctl enable vtap@<if> makes this link)
# goes with the package too.
WANTS=/etc/systemd/system/multi-user.target.wants
if [ -e /lib/systemd/system/vtap@.service ]; then
	WANTS_LINK=$WANTS/vtap@vtdeb$$.service
	[ -d $WANTS ] || WANTS_MADE=$WANTS
	mkdir -p $WANTS && ln -sf /lib/systemd/system/vtap@.service "$WANTS_LINK"
fi
if "${APT[@]}" purge -y vtap vtap-dkms > "$DEB/purge.log" 2>&1; then
	ok "apt-get purge vtap vtap-dkms"
else
	fail "apt-get purge vtap vtap-dkms"
	tail -n 30 "$DEB/purge.log" | sed 's/^/    | /'
fi
left() {
	local f bad=0
	for f in $vtap_files $dkms_files; do
		[ -e "$f" ] || [ -L "$f" ] && { echo "left: $f"; bad=1; }
	done
	for f in /usr/lib/vtap /usr/src/vtap-"$VERSION" /var/lib/dkms/vtap /usr/share/doc/vtap \
		 /usr/share/doc/vtap-dkms /lib/modules/*/updates/dkms/vtap.ko* \
		 /lib/systemd/system/vtap* /etc/systemd/system/*vtap* /etc/systemd/system/*/vtap* \
		 /lib/udev/rules.d/*vtap* /etc/vtap; do
		[ -e "$f" ] || [ -L "$f" ] && { echo "left: $f"; bad=1; }
	done
	grep -l 'updates/dkms/vtap\.ko' /lib/modules/*/modules.dep && bad=1
	dkms status | grep -w vtap && bad=1
	for p in vtap vtap-dkms; do
		known "$p" && { echo "dpkg still knows $p"; bad=1; }
	done
	return $bad
}
check "nothing is left: files, /var/lib/dkms/vtap, modules, modules.dep, units and their enabled instances, dpkg" left
exit $failed
