#!/usr/bin/env bash
# Run every test suite and print one summary. Each suite is an executable
# selftests/<suite>/run.sh that prints one line per check, starting with
# "ok ", "fail " or "skip " (a skip says why), and exits non-zero on failure.
# SUITES="unit bpf" limits the run; a suite that exits 4 was skipped whole.
set -uo pipefail
cd "$(dirname "$0")/.."
export OUT=${OUT:-build}
SUITES=${SUITES:-unit bpf fuzz net sanitize hardening vm deb lab}

pass=0 fail=0 skip=0 failed_suites=()
for s in $SUITES; do
	runner=selftests/$s/run.sh
	[ -x "$runner" ] || continue
	echo "=== suite $s"
	log=$(mktemp)
	"$runner" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^ok ' "$log") f=$(grep -c '^fail ' "$log") k=$(grep -c '^skip ' "$log")
	rm -f "$log"
	if [ "$rc" -eq 4 ] && [ "$f" -eq 0 ]; then
		k=$((k + (p + k == 0 ? 1 : 0)))
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "fail $s: runner exited $rc"
		f=1
	fi
	[ "$f" -gt 0 ] && failed_suites+=("$s")
	echo "=== suite $s: $p passed, $f failed, $k skipped"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + k))
done

[ ${#failed_suites[@]} -gt 0 ] && echo "failed suites: ${failed_suites[*]}"
echo "check: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
