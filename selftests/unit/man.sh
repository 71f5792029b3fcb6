#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The man pages: both render without a groff warning, and vtapctl(8) lists
# every command and option that vtapctl's help (the same tables) shows.
cd "$(dirname "$0")/../.." || exit 1
OUT=${OUT:-build}
MAN=$OUT/vtapctl.8
VTAPCTL=${VTAPCTL:-$OUT/vtapctl}
rc=0
ok() { echo "ok man: $*"; }
fail() { echo "fail man: $*"; rc=1; }

command -v groff >/dev/null || { echo "skip man: groff not installed"; exit 0; }
[ -s "$MAN" ] || { echo "fail man: $MAN not built (make)"; exit 1; }
for page in "$MAN" docs/vtap.8; do
	warn=$(groff -man -ww -z "$page" 2>&1)
	if [ -z "$warn" ]; then ok "$page renders without warnings"; else fail "$page: $warn"; fi
done
text=$(MANWIDTH=200 man -l "$MAN" 2>/dev/null)
for c in $("$VTAPCTL" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p'); do
	grep -q "^   $c\b" <<<"$text" || fail "vtapctl(8) has no section for '$c'"
	for o in $("$VTAPCTL" help "$c" | grep -o -- '--[a-z-]*' | sort -u); do
		grep -q -- "$o\b" <<<"$text" || fail "vtapctl(8) lacks $c's option $o"
	done
done
[ $rc -eq 0 ] && ok "vtapctl(8) lists every command and option of vtapctl's help"
# README's reference names them too (it is written by hand).
missing=
for c in $("$VTAPCTL" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p'); do
	grep -q "vtapctl $c\b" README.md || missing+=" $c"
	for o in $("$VTAPCTL" help "$c" | grep -o -- '--[a-z-]*' | sort -u); do
		grep -q -- "$o\b" README.md || missing+=" $c:$o"
	done
done
if [ -z "$missing" ]; then ok "README names every command and option"; else fail "README lacks$missing"; fi
# Each page is its own, and sends the reader to the other, not to itself.
see_also() { sed -n '/^\.SH SEE ALSO/,/^\.SH/p' "$1"; }
if see_also "$MAN" | grep -q 'BR vtap (8)' && ! see_also "$MAN" | grep -q 'BR vtapctl (8)' &&
	see_also docs/vtap.8 | grep -q 'BR vtapctl (8)' && ! see_also docs/vtap.8 | grep -q 'BR vtap (8)'; then
	ok "vtapctl(8) and vtap(8) refer to each other, neither to itself"
else
	fail "SEE ALSO of vtapctl(8) and vtap(8)"
fi
exit $rc
