#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# `make fuzz-smoke`: run each libFuzzer target (ASan+UBSan) for a bounded
# time, one after another on one core, starting from its corpus under
# tests/fuzz/corpus/NAME.  New inputs go to build/fuzz-work/NAME (never
# into the tree); a crash, a failed property, a leak or a hang (one input
# over 10 s) is written to build/fuzz-findings/ and fails the run.
# Usage: smoke.sh SECONDS NAME...
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
secs=$1
shift
pass=0
fail=0
mkdir -p "$BUILD/fuzz-findings"
for t in "$@"; do
	work=$BUILD/fuzz-work/$t
	log=$BUILD/fuzz-findings/$t.log
	mkdir -p "$work"
	"$BUILD/fuzz-$t" -max_total_time="$secs" -timeout=10 \
		-print_final_stats=1 \
		-artifact_prefix="$BUILD/fuzz-findings/$t-" \
		"$work" "$ROOT/tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ "$rc" -eq 0 ]; then
		echo "ok - fuzz $t: ${runs:-?} inputs in $secs s, no finding"
		pass=$((pass + 1))
	else
		echo "not ok - fuzz $t: exit $rc after ${runs:-?} inputs;" \
			"see $log"
		grep -E 'property failed|ERROR|SUMMARY|Test unit written' \
			"$log" | sed 's/^/    /'
		fail=$((fail + 1))
	fi
done
echo "fuzz-smoke: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
