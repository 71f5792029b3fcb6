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
# A guard against hangs, not a speed limit: on a machine loaded by other
# work, churn ran past 180 s with every check passing.
TIMEOUT=${HARDENING_TEST_TIMEOUT:-420}
TESTS=${TESTS:-"counting churn spoofing privilege coexist pinroot"}

source ../runner.sh
for t in $TESTS; do
	runner_run "$t" "$TIMEOUT" "./$t.sh"
done
runner_exit
