#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# attach --config FILE: the file's options are applied as if typed, an
# option on the command line replaces the file's, and a bad file is refused
# with one line naming it, the line and the problem (exit 2), changing nothing.
source "$(dirname "$0")/lib.sh"
lib_init config

gen_fabric gen col || { fail "fabric setup"; exit 1; }
conf=$TMPD/eth1.conf
cat >"$conf" <<'CONF'
# the collector's tap, as /etc/vtap/eth1.conf would hold it
allow-src 10.99.0.10/32     # the tapped NIC
allow-src fd00:99::/64
vni 100-150
strict
max-sources 1000
CONF

# status_is NAME QUERY WANT: vtapctl status eth1 --json, QUERY on it
status_is() {
	vt col status eth1 --json
	expect_eq "$1" "$3" "$(json "$2" <<<"$VT_OUT")"
}

vt_ok "attach --config" col attach eth1 --config "$conf" || exit 1
status_is "the file's allow-src lines, both" "j['allow_src']" '["10.99.0.10/32", "fd00:99::/64"]'
status_is "the file's vni" "j['vnis']" '[[100, 150]]'
status_is "the file's flag (strict)" "j['strict']" True
status_is "the file's max-sources" "j['max_sources']" 1000

vt_ok "the same again changes nothing" col attach eth1 --config "$conf"
vt_ok "attach --config --vni 7 --replace" col attach eth1 --config "$conf" --vni 7 --replace
status_is "the command line's vni replaces the file's" "j['vnis']" '[[7, 7]]'
status_is "the rest still from the file" "j['allow_src']" '["10.99.0.10/32", "fd00:99::/64"]'

# A bad line: refused before anything changes.
printf 'vni 100\n\nallow-src 10.99.0.0/33\n' >"$TMPD/bad.conf"
vt col attach eth1 --config "$TMPD/bad.conf" --replace
expect_eq "bad value: exit 2" 2 "$VT_RC"
expect_eq "bad value: file, line and problem" \
	"vtapctl: $TMPD/bad.conf:3: allow-src 10.99.0.0/33: prefix length must be 0-32" "$VT_ERR"
printf 'vni 100\nstrictly\n' >"$TMPD/bad.conf"
vt col attach eth1 --config "$TMPD/bad.conf" --replace
expect_eq "unknown option: exit 2" 2 "$VT_RC"
expect_eq "unknown option: file, line and problem" \
	"vtapctl: $TMPD/bad.conf:2: unknown option 'strictly'" "$VT_ERR"
vt col attach eth1 --config "$TMPD/missing.conf"
expect_eq "missing file: exit 2" 2 "$VT_RC"
expect_eq "missing file: said" "vtapctl: $TMPD/missing.conf: No such file or directory" "$VT_ERR"
status_is "bad files changed nothing" "j['vnis']" '[[7, 7]]'

vt_ok "detach" col detach eth1
vt col attach eth1 --config "$TMPD/bad.conf"
check "a bad file attaches nothing" test ! -e "$(pin_dir col eth1)"
