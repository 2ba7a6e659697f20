#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# `stratum metrics` against NTPsec's ntpd: the same mode 6 reading gives
# text that promtool accepts (tests/system/metrics.sh does stratumd).
source "$(dirname "$0")/../lib.sh"
promtool_fetch
ns_enter "$@"

skip_all_without_peers "stratum metrics reads NTPsec ntpd" \
	"promtool accepts the metrics of NTPsec ntpd" "...with its version and stratum" \
	"...its ss_* counters (asked for by name)" "...and none of ours, which it does not have"

start_ntpd_local
sleep 2
timeout 10 "$BUILD/stratum" metrics -p 123 >"$T_TMP/ntpd.txt" 2>&1
rc=$?
check "stratum metrics reads NTPsec ntpd (exit $rc)" test $rc -eq 0
if [ -x "$PROM/usr/bin/promtool" ]; then
	if "$PROM/usr/bin/promtool" check metrics <"$T_TMP/ntpd.txt" >"$T_TMP/promtool.out" 2>&1; then
		ok "promtool accepts the metrics of NTPsec ntpd"
	else
		fail "promtool accepts the metrics of NTPsec ntpd"
		diag "$T_TMP/promtool.out" "$T_TMP/ntpd.txt"
	fi
else
	skip "promtool accepts the metrics of NTPsec ntpd: promtool not available"
	diag "$BUILD/fetch-promtool.log"
fi
check "...with its version and stratum" bash -c "grep -q '^stratum_daemon_info{version=\"ntpd ntpsec' '$T_TMP/ntpd.txt' &&
	grep -qE '^stratum_system_stratum [0-9]+$' '$T_TMP/ntpd.txt'"
check "...its ss_* counters (asked for by name)" \
	grep -qE '^stratum_server_received_total [0-9]+$' "$T_TMP/ntpd.txt"
check "...and none of ours, which it does not have" \
	bash -c "! grep -qE '^stratum_(server_replies|mode6_served|server_drops)_total' '$T_TMP/ntpd.txt'"
finish
