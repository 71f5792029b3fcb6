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

source ../runner.sh
for t in $TESTS; do
	case $t in
	traffic-*) script=./traffic.sh; export MODE=${t#traffic-} ;;
	*) script=./${t%.sh}.sh ;;
	esac
	runner_run "$t" "$TIMEOUT" "$script"
done
runner_exit
