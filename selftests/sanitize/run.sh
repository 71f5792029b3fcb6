#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The unit and net suites again, against a vtapctl and unit-test binary
# built with AddressSanitizer and UndefinedBehaviorSanitizer into
# $OUT/asan (make sanitize; part of make check). Every line of the inner
# suites is prefixed "asan: ". A sanitizer report anywhere (even from a
# vtapctl whose exit status a test ignores, such as a cleanup) is a failure:
# reports go to files under $OUT/asan/reports, checked at the end.
# Then random command lines (args.py) against the sanitized vtapctl.
# SAN_SUITES="unit" limits the run; TESTS= passes on to the net suite;
# SAN_ARGS_ROUNDS (400) and SAN_ARGS_SEED repeat or vary the random lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
OUT=${OUT:-build}
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
SAN_OUT=$OUT/asan
REPORTS=$SAN_OUT/reports
# clang: gcc 12's UBSan ignores log_path with -fno-sanitize-recover, so its
# reports would only reach a stderr that tests may discard.
SAN_CC=${CLANG:-clang}
SAN_CFLAGS="-Wno-unknown-warning-option -fsanitize=address,undefined -fno-sanitize-recover=all"
SAN_CFLAGS+=" -fno-omit-frame-pointer"

mkdir -p "$SAN_OUT"
start=$SECONDS
if ! make --no-print-directory OUT="$SAN_OUT" CC="$SAN_CC" SAN_CFLAGS="$SAN_CFLAGS" \
	all "$SAN_OUT/test_unit" "$SAN_OUT/vtapctl-faults" >"$SAN_OUT/build.log" 2>&1; then
	cat "$SAN_OUT/build.log"
	echo "fail asan: build with $SAN_CC $SAN_CFLAGS"
	exit 1
fi
echo "# asan: built in $((SECONDS - start))s"

rm -rf "$REPORTS"
mkdir -p "$REPORTS"
export ASAN_OPTIONS="log_path=$REPORTS/asan:detect_leaks=1:exitcode=86"
export UBSAN_OPTIONS="log_path=$REPORTS/ubsan:print_stacktrace=1:halt_on_error=1"
export OUT=$SAN_OUT VTAPCTL=$SAN_OUT/vtapctl

rc=0
for s in ${SAN_SUITES:-unit net}; do
	start=$SECONDS
	selftests/$s/run.sh 2>&1 | sed -E 's/^(ok|fail|skip) /\1 asan: /'
	r=${PIPESTATUS[0]}
	echo "# asan: suite $s exit $r in $((SECONDS - start))s"
	[ "$r" -ne 0 ] && [ "$r" -ne 4 ] && rc=1
done

# Random command lines, in namespaces of their own (nothing to attach to).
start=$SECONDS
args_tmp=$(mktemp -d /tmp/vtap-args-XXXX)
unshare --net --mount --propagation private python3 selftests/sanitize/args.py \
	"$VTAPCTL" "${SAN_ARGS_ROUNDS:-400}" "${SAN_ARGS_SEED:-$RANDOM}" "$args_tmp" || rc=1
rm -rf "$args_tmp"
echo "# asan: random command lines in $((SECONDS - start))s"

reports=$(find "$REPORTS" -type f | sort)
if [ -n "$reports" ]; then
	n=0
	for f in $reports; do
		n=$((n + 1))
		echo "fail asan: sanitizer report $f"
		[ $n -le 3 ] && sed 's/^/    /' "$f" | head -30
	done
	rc=1
else
	echo "ok asan: no sanitizer report from vtapctl or the unit tests"
fi
exit $rc
