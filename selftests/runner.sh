# SPDX-License-Identifier: GPL-2.0
# Shared by the shell suites' run.sh: run one test script under a time
# limit and tally it; runner_exit ends the suite as scripts/run-tests.sh
# expects (1 if any failed, 4 if every test was skipped, else 0).
# The tests print their own "ok"/"fail"/"skip" lines.
RUNNER_FAILED=0 RUNNER_RAN=0 RUNNER_SKIPPED=0

# runner_run NAME TIMEOUT SCRIPT: SIGTERM at the limit runs the test's
# cleanup; -k kills a test that ignores it.
runner_run() {
	local name=$1 limit=$2 script=$3 start=$SECONDS rc
	timeout -k 20 "$limit" "$script"
	rc=$?
	echo "# $name: exit $rc in $((SECONDS - start))s"
	case $rc in
	0) RUNNER_RAN=$((RUNNER_RAN + 1)) ;;
	4) RUNNER_SKIPPED=$((RUNNER_SKIPPED + 1)) ;;
	124) echo "fail $name: timed out after ${limit}s"; RUNNER_FAILED=$((RUNNER_FAILED + 1)) ;;
	*) RUNNER_FAILED=$((RUNNER_FAILED + 1)) ;;
	esac
}

runner_exit() {
	[ "$RUNNER_FAILED" -gt 0 ] && exit 1
	[ "$RUNNER_RAN" -eq 0 ] && [ "$RUNNER_SKIPPED" -gt 0 ] && exit 4
	exit 0
}
