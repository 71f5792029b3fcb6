#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# selftests/bpf: run the XDP program on built packets (BPF_PROG_TEST_RUN).
# One "ok"/"fail" line per test; exit 4 with a "skip" line when it can't run.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-build}
bin=$OUT/test_xdp

if [ "$(id -u)" -ne 0 ]; then
	echo "skip bpf: loading XDP programs and BPF_PROG_TEST_RUN need root"
	exit 4
fi
if [ ! -x "$bin" ]; then
	echo "fail bpf: $bin is not built (make $bin)"
	exit 1
fi
exec "$bin"
