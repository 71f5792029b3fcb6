#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/hardening suite runner (read by scripts/run-tests.sh): hostile
# input and operations under load. Runs every test, prints their
# "ok"/"fail"/"skip" lines, exits non-zero if any failed and 4 if every test
# was skipped. TESTS="counting churn" runs a subset; each test gets at most
# $HARDENING_TEST_TIMEOUT seconds. Needs root, $OUT/vtapctl and
# $OUT/vtap_blast (make tests).
cd "$(dirname "$0")" || exit 1
export OUT=${OUT:-build}
TIMEOUT=${HARDENING_TEST_TIMEOUT:-180}
TESTS=${TESTS:-"counting churn spoofing privilege coexist"}

failed=0 ran=0 skipped=0
for t in $TESTS; do
	start=$SECONDS
	timeout --foreground -k 10 "$TIMEOUT" "./$t.sh"
	rc=$?
	echo "# $t: exit $rc in $((SECONDS - start))s"
	case $rc in
	0) ran=$((ran + 1)) ;;
	4) skipped=$((skipped + 1)) ;;
	124) echo "fail $t: timed out after ${TIMEOUT}s"; failed=$((failed + 1)) ;;
	*) failed=$((failed + 1)) ;;
	esac
done
[ "$failed" -gt 0 ] && exit 1
[ "$ran" -eq 0 ] && [ "$skipped" -gt 0 ] && exit 4
exit 0
