#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# selftests/net suite runner (read by scripts/run-tests.sh): runs every test
# script of this folder (every executable *.sh but lib.sh and run.sh;
# traffic.sh once per XDP mode, as traffic-native and traffic-generic),
# prints their "ok"/"fail"/"skip" lines, exits 1 if any failed and 4 if
# every test was skipped. TESTS="sources errors traffic-generic" runs a
# subset; each test gets at most $NET_TEST_TIMEOUT seconds (default 150).
cd "$(dirname "$0")" || exit 1
export OUT=${OUT:-build}
TIMEOUT=${NET_TEST_TIMEOUT:-150}

if [ -z "${TESTS:-}" ]; then
	TESTS=
	for f in *.sh; do
		case $f in
		lib.sh | run.sh) ;;
		traffic.sh) TESTS="$TESTS traffic-native traffic-generic" ;;
		*) [ -x "$f" ] && TESTS="$TESTS ${f%.sh}" ;;
		esac
	done
fi

failed=0 ran=0 skipped=0
for t in $TESTS; do
	case $t in
	traffic-*) script=./traffic.sh; export MODE=${t#traffic-} ;;
	*) script=./${t%.sh}.sh ;;
	esac
	start=$SECONDS
	# -k: a test that ignores SIGTERM is killed; SIGTERM runs its cleanup.
	timeout -k 20 "$TIMEOUT" "$script"
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
