#!/usr/bin/env bash
# Unit tests: pure user-space logic and the man pages, no privileges needed.
"${OUT:-build}/test_unit"
rc=$?
"$(dirname "$0")/man.sh" || rc=1
exit $rc
