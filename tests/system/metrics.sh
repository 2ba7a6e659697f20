#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# `stratum metrics`: a synchronized stratumd with two sources, its state in
# the Prometheus text format, checked by Prometheus' own parser (promtool
# from Debian's prometheus package, fetched into $PROMETHEUS_DIR, default
# build/prometheus, like the peers); the values cross-checked against
# `stratum peers -j` (tests/interop/metrics.sh reads NTPsec's ntpd).
source "$(dirname "$0")/../lib.sh"
promtool_fetch
ns_enter "$@"

P=11150
PROMTOOL=$PROM/usr/bin/promtool
have_promtool() { [ -x "$PROMTOOL" ]; }

# promtool_check FILE DESCRIPTION: `promtool check metrics` (parser and
# linter) passes on FILE.
promtool_check() {
	if ! have_promtool; then
		skip "$2: promtool not available"
		diag "$BUILD/fetch-promtool.log"
		return
	fi
	if "$PROMTOOL" check metrics <"$1" >"$T_TMP/promtool.out" 2>&1; then
		ok "$2"
	else
		fail "$2"
		diag "$T_TMP/promtool.out" "$1"
	fi
}

start_synced_trio $P || { fail "three stratumd start and synchronize"; diag "$CL_LOG"; finish; exit; }
ok "three stratumd start and synchronize"
sleep 2 # a few more polls, so both sources have samples

M=$T_TMP/metrics.txt
"$BUILD/stratum" metrics -p $P >"$M" 2>"$T_TMP/metrics.err"
rc=$?
check "stratum metrics exits 0 (exit $rc)" test $rc -eq 0
promtool_check "$M" "promtool check metrics accepts the output"

for fam in stratum_up stratum_system_offset_seconds stratum_system_jitter_seconds \
	stratum_system_frequency_ppm stratum_system_root_delay_seconds \
	stratum_system_root_dispersion_seconds stratum_system_stratum \
	stratum_system_leap stratum_system_synchronized stratum_source_info \
	stratum_source_offset_seconds stratum_source_delay_seconds \
	stratum_source_jitter_seconds stratum_source_reach stratum_source_stratum \
	stratum_source_poll_seconds stratum_source_selection; do
	grep -q "^# TYPE $fam " "$M" || missing="${missing:-} $fam"
done
check "every system and source family is there (missing:${missing:-})" test -z "${missing:-}"
check "synchronized 1" grep -qx 'stratum_system_synchronized 1' "$M"
check "system stratum 2" grep -qx 'stratum_system_stratum 2' "$M"
n=$(grep -c '^stratum_source_offset_seconds{' "$M")
check "an offset per source ($n)" test "$n" -eq 2
n=$(grep -cE '^stratum_source_info\{.*state="sys.peer",tally="\*"\} 1$' "$M")
check "one source is the system peer (tally *: $n)" test "$n" -eq 1
check "its selection state is 6" grep -qE '^stratum_source_selection\{.*\} 6$' "$M"
check "reach is a register value (0..255)" \
	awk '/^stratum_source_reach\{/ { if ($2 < 1 || $2 > 255) bad = 1; n++ } END { exit bad || n != 2 }' "$M"

# Seconds, not milliseconds: each source's delay and jitter agree with
# `stratum peers -j` (which says seconds) within a factor of two.
"$BUILD/stratum" peers -j -p $P >"$T_TMP/peers.json" 2>&1
"$BUILD/stratum" metrics -p $P >"$M.2" 2>&1
python3 - "$T_TMP/peers.json" "$M.2" >"$T_TMP/units.out" 2>&1 <<'PY'
import json, re, sys
peers = json.load(open(sys.argv[1]))["peers"]
text = open(sys.argv[2]).read()
bad = 0
for p in peers:
    for name, key in (("delay", "delay_s"), ("offset", "offset_s")):
        m = re.search(r'^stratum_source_%s_seconds\{assoc="%d",[^}]*\} (\S+)$' % (name, p["assoc"]), text, re.M)
        v, ref = float(m.group(1)), p[key]
        ok = (abs(v) <= 2 * abs(ref) + 2e-5 and abs(ref) <= 2 * abs(v) + 2e-5) if name == "offset" else (0.5 * ref <= v <= 2 * ref)
        print(name, p["assoc"], v, ref, "ok" if ok else "BAD")
        bad += not ok
sys.exit(bad)
PY
rc=$?
check "source delay and offset are in seconds (as peers -j)" test $rc -eq 0
[ $rc -eq 0 ] || diag "$T_TMP/units.out"

# Counters, asked for by name: after 4 queries they have moved, and there
# is one drop reason per ENG_DROP_* of the daemon.
timeout 20 "$BUILD/stratum" query -p $P -c 4 -i 0.1 127.0.0.1 >/dev/null 2>&1
"$BUILD/stratum" metrics -p $P >"$M.3" 2>&1
promtool_check "$M.3" "promtool accepts the output with the server counters"
check "received and replies counted (>= 4 each)" awk '
	$1 == "stratum_server_received_total" { r = $2 }
	$1 == "stratum_server_replies_total" { a = $2 }
	END { exit !(r >= 4 && a >= 4) }' "$M.3"
check "mode 6 requests served are counted" \
	awk '$1 == "stratum_mode6_served_total" { exit !($2 >= 2) }' "$M.3"
check "clock steps, KoD sent and uptime are there" bash -c "
	grep -qE '^stratum_clock_steps_total [0-9]+$' '$M.3' &&
	grep -qE '^stratum_server_kod_sent_total [0-9]+$' '$M.3' &&
	grep -qE '^stratum_uptime_seconds [0-9]+$' '$M.3'"
n=$(grep -cE '^stratum_server_drops_total\{reason="[a-z_0-9]+"\} [0-9]+$' "$M.3")
want=$(grep -cE '^[[:space:]]*ENG_DROP_[A-Z_]+,' "$ROOT/src/daemon/engine.h")
check "one drop counter per ENG_DROP_* reason ($n of $want)" test "$n" -eq "$want" -a "$n" -gt 0

# promtool is a real check: a sample without its family's type breaks it.
if have_promtool; then
	sed 's/^stratum_system_stratum 2$/stratum_system_stratum two/' "$M" >"$T_TMP/broken.txt"
	if "$PROMTOOL" check metrics <"$T_TMP/broken.txt" >/dev/null 2>&1; then
		fail "promtool rejects a malformed value"
	else
		ok "promtool rejects a malformed value"
	fi
else
	skip "promtool rejects a malformed value: promtool not available"
fi

# An unsynchronized daemon (its only source never answers): leap 3,
# stratum 16, synchronized 0.
start_stratumd lone "port $((P + 5))
interface ignore all
interface listen 127.0.0.1
clock virtual
server 127.0.0.1 port $((P + 8)) iburst minpoll 0" || fail "an unsynchronized stratumd starts"
"$BUILD/stratum" metrics -p $((P + 5)) >"$T_TMP/lone.txt" 2>&1
check "unsynchronized: synchronized 0, leap 3, stratum 16" bash -c "
	grep -qx 'stratum_system_synchronized 0' '$T_TMP/lone.txt' &&
	grep -qx 'stratum_system_leap 3' '$T_TMP/lone.txt' &&
	grep -qx 'stratum_system_stratum 16' '$T_TMP/lone.txt'"
check "...and its source unreachable (reach 0, not selected)" \
	grep -qE '^stratum_source_info\{.*tally=" "\} 1$' "$T_TMP/lone.txt"

out=$(timeout 10 "$BUILD/stratum" metrics -p $((P + 9)) 2>&1)
rc=$?
check "no daemon: exit 1 and a reason (exit $rc)" test $rc -eq 1
check "...saying nothing answers" grep -q "no daemon answering" <<<"$out"
out=$(timeout 10 "$BUILD/stratum" metrics -x 2>&1)
rc=$?
check "unknown option: exit 2 (exit $rc)" test $rc -eq 2
check "...naming it in one line" test "$out" = "stratum: unknown option '-x'"
out=$(timeout 10 "$BUILD/stratum" metrics --help 2>&1)
rc=$?
check "--help: the usage, exit 0 (exit $rc)" bash -c "[ $rc -eq 0 ] && grep -q '^usage: stratum metrics' <<<\"\$1\"" sh "$out"

[ "${CI:-}" = true ] && ! have_promtool && fail "CI: promtool is required"
finish
