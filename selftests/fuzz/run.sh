#!/usr/bin/env bash
# Differential fuzzing suite: the XDP program (BPF_PROG_TEST_RUN) against the
# reference decision function (selftests/fuzz/vtap_ref.c).
#   run.sh                 fixed cases, then a bounded fuzz run (make check)
#   run.sh --open-ended    fuzz until stopped or a difference (make fuzz)
# Environment: OUT (build folder), FUZZ_RUNS and FUZZ_TIME (bounded run: at
# most that many executions and seconds), FUZZ_CORPUS, FUZZ_JOBS (open-ended).
# One "ok"/"fail" line per check; exit 1 on failure, 4 when skipped.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-build}
FUZZ_BIN=$OUT/fuzz/fuzz_xdp
REGRESS_BIN=$OUT/fuzz/fuzz_regress
DICT=selftests/fuzz/vtap.dict
MAX_LEN=2048
# Comparison operands of the reference as features: pushes lengths and
# addresses onto the boundaries the rules test.
VP=-use_value_profile=1

if [ "$(id -u)" -ne 0 ]; then
	echo "skip fuzz: BPF_PROG_TEST_RUN needs root"
	exit 4
fi
for b in "$FUZZ_BIN" "$REGRESS_BIN"; do
	if [ ! -x "$b" ]; then
		echo "fail fuzz: $b is not built (make tests)"
		exit 1
	fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rc=0

# Seeds, regressions and known answers first: cheap, and they name the case.
"$REGRESS_BIN" || rc=1

if [ "${1:-}" = --open-ended ]; then
	shift
	corpus=${FUZZ_CORPUS:-$OUT/fuzz/corpus}
	mkdir -p "$corpus" "$OUT/fuzz/artifacts"
	"$REGRESS_BIN" --write-seeds "$corpus" || exit 1
	echo "fuzz: corpus $corpus, differences go to $OUT/fuzz/artifacts/ (Ctrl-C stops)"
	args=(-dict="$DICT" -max_len=$MAX_LEN $VP -print_final_stats=1
	      -artifact_prefix="$OUT/fuzz/artifacts/" -max_total_time="${FUZZ_TIME:-0}")
	if [ "${FUZZ_JOBS:-1}" -gt 1 ]; then
		args+=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")
	fi
	exec "$FUZZ_BIN" "${args[@]}" "$@" "$corpus"
fi

# Bounded run: a fresh corpus from the seeds, about a minute at most.
runs=${FUZZ_RUNS:-7000000}
secs=${FUZZ_TIME:-50}
mkdir -p "$tmp/corpus" "$OUT/fuzz/artifacts"
"$REGRESS_BIN" --write-seeds "$tmp/corpus" || exit 1
log=$OUT/fuzz/last-run.log
"$FUZZ_BIN" -runs="$runs" -max_total_time="$secs" -dict="$DICT" -max_len=$MAX_LEN $VP \
	-print_final_stats=1 -artifact_prefix="$OUT/fuzz/artifacts/" \
	"$tmp/corpus" >"$log" 2>&1
frc=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
cov=$(grep -E "^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE)" "$log" | tail -1 |
	sed -n 's/.*\(cov: [0-9]*\) \(ft: [0-9]*\) \(corp: [^ ]*\).*/\1 \2 \3/p')
reached=$(sed -n 's/^vtap-fuzz: outcomes reached //p' "$log")
if [ "$frc" -eq 0 ] && [ -n "$execs" ]; then
	echo "ok fuzz: $execs inputs, program and reference agree ($speed exec/s; $cov)"
else
	echo "fail fuzz: difference or crash after ${execs:-?} inputs (libFuzzer exit $frc)"
	grep -A30 -E 'vtap-fuzz: DIFFERENCE|ERROR: (libFuzzer|AddressSanitizer|UndefinedBehavior)|runtime error' "$log" |
		head -40 | sed 's/^/    /'
	grep 'Test unit written to' "$log" | sed 's/^/    /'
	echo "    replay: $REGRESS_BIN --print <that file>; full log: $log"
	rc=1
fi
case $reached in
"") echo "fail fuzz: no outcome summary (see $log)"; rc=1 ;;
*missing*) echo "fail fuzz: outcomes reached $reached"; rc=1 ;;
*) echo "ok fuzz: outcomes reached $reached" ;;
esac
sed -n 's/^vtap-fuzz: variant /    /p' "$log"
exit $rc
