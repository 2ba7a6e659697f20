#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# The whole test run (`make test`): unit tests (plain and ASan+UBSan),
# fuzz-corpus replay, system tests of our own binaries, and interop tests
# against chronyd and NTPsec.  Every suite's counts add up into the last
# line, "N passed, N failed, N skipped".
#
# Real peers are fetched into build/peers on first use (PEERS=DIR points
# at a copy fetched before: then nothing is downloaded, and the whole run
# works offline; promtool likewise in $PROMETHEUS_DIR, default
# build/prometheus).  Without them the interop checks are skipped with the
# reason; under CI (CI=true) a missing peer is a failure instead.
#
# Each suite's output is shown when it ends; while it runs, a progress
# line every 10 s says it is still going.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
export ROOT BUILD PEERS=${PEERS:-$BUILD/peers}
cd "$ROOT" || exit 1

# Every system and interop test runs in a user + network namespace.
if ! unshare -rn true 2>/dev/null; then
	echo "tests/run.sh: 'unshare -rn' does not work here (user namespaces"
	echo "disabled or blocked); the system and interop tests need it."
	echo "0 passed, 1 failed"
	exit 1
fi

PASS=0
FAIL=0
SKIP=0
FAILED_SUITES=""

# Add the counts of a "... N passed, N failed[, N skipped]" line.
tally() {
	local name=$1 log=$2 rc=$3 line p f s
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "  $name: no result line (exit $rc)"
		FAIL=$((FAIL + 1))
		FAILED_SUITES="$FAILED_SUITES $name"
		return
	fi
	p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+')
	f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+')
	s=$(grep -oE '[0-9]+ skipped' <<<"$line" | grep -oE '[0-9]+' || true)
	PASS=$((PASS + p))
	FAIL=$((FAIL + f))
	SKIP=$((SKIP + ${s:-0}))
	if [ "$f" -gt 0 ] || [ "$rc" -ne 0 ]; then
		[ "$f" -gt 0 ] || FAIL=$((FAIL + 1))
		FAILED_SUITES="$FAILED_SUITES $name"
	fi
}

# ticker NAME LOG START: every 10 s, say that NAME is still running, for
# how long and how many checks it has reported so far.
ticker() {
	local n sp
	trap 'kill $sp 2>/dev/null; exit 0' TERM
	while :; do
		sleep 10 &
		sp=$!
		wait "$sp"
		n=$(grep -cE '^(ok|not ok|skip) ' "$2" 2>/dev/null)
		echo "  ... $1: running for $((SECONDS - $3)) s, ${n:-0} checks so far"
	done
}

# run_suite NAME COMMAND...: run, show its output, add its counts.  A
# line when it starts, a progress line every 10 s while it runs, then its
# output and how long it took.
run_suite() {
	local name=$1 log rc start tick
	shift
	log=$(mktemp)
	start=$SECONDS
	echo "== $name"
	ticker "$name" "$log" "$start" &
	tick=$!
	"$@" >"$log" 2>&1
	rc=$?
	kill "$tick" 2>/dev/null
	wait "$tick" 2>/dev/null
	sed 's/^/  /' "$log"
	[ $((SECONDS - start)) -ge 10 ] &&
		echo "  ($name took $((SECONDS - start)) s)"
	tally "$name" "$log" "$rc"
	rm -f "$log"
}

run_suite unit "$BUILD/unit"
run_suite unit-asan "$BUILD/unit-asan"
for d in tests/fuzz/corpus/*/; do
	t=$(basename "$d")
	run_suite "fuzz-replay-$t" "$BUILD/replay-$t" "$d"
done
run_suite os "$BUILD/ostest"
run_suite sim "$BUILD/sim"
for t in tests/system/*.sh; do
	run_suite "system/$(basename "$t" .sh)" bash "$t"
done

echo "== peers: chrony and NTPsec in $PEERS (fetched on first use only)"
if ! tests/interop/fetch-peers.sh "$PEERS" >"$BUILD/fetch-peers.log" 2>&1; then
	echo "== fetching chrony and NTPsec failed:"
	sed 's/^/  /' "$BUILD/fetch-peers.log"
	if [ "${CI:-}" = true ]; then
		FAIL=$((FAIL + 1))
		FAILED_SUITES="$FAILED_SUITES fetch-peers"
	fi
fi
for t in tests/interop/*.sh; do
	case $t in */fetch-peers.sh) continue ;; esac
	run_suite "interop/$(basename "$t" .sh)" bash "$t"
done
if [ "${CI:-}" = true ] && [ "$SKIP" -gt 0 ]; then
	echo "CI: $SKIP check(s) skipped; in CI nothing may be skipped"
	FAIL=$((FAIL + SKIP))
	FAILED_SUITES="$FAILED_SUITES skipped-in-ci"
fi

[ -n "$FAILED_SUITES" ] && echo "failed suites:$FAILED_SUITES"
echo "$PASS passed, $FAIL failed, $SKIP skipped"
[ "$FAIL" -eq 0 ]
