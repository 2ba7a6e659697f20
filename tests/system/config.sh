#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# `stratumd --check -c FILE` checks a configuration and exits: every shipped
# fixture and our demo config load; bad input is refused with
# file:line:col and a non-zero exit.  No name in any file is resolved
# (the namespace has no network to resolve them with).
source "$(dirname "$0")/../lib.sh"
ns_enter "$@"

FIXTURES=$(fixtures_dir)

for f in "$FIXTURES"/*ntp.conf "$ROOT/etc/demo.conf"; do
	out=$("$BUILD/stratumd" --check -c "$f" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && ! grep -q ": error\|:[0-9]*:[0-9]*: " <<<"$out"; then
		ok "$(basename "$f") loads ($(grep -c ': warning' <<<"$out") warning(s))"
	else
		fail "$(basename "$f") loads (exit $rc)"
		sed 's/^/  # /' <<<"$out"
	fi
done
n=$(ls "$FIXTURES"/*ntp.conf 2>/dev/null | wc -l)
check "found the shared fixtures ($n)" test "$n" -ge 3

# bad_case NAME TEXT EXPECTED-DIAGNOSTIC-REGEX
bad_case() {
	local f=$T_TMP/$1.conf out rc
	printf '%s\n' "$2" >"$f"
	out=$("$BUILD/stratumd" --check -c "$f" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && grep -qE "^$f:$3" <<<"$out"; then
		ok "$1 refused: $(head -n1 <<<"$out" | sed "s|$T_TMP/||")"
	else
		fail "$1 refused with $3 (exit $rc)"
		sed 's/^/  # /' <<<"$out"
	fi
}
bad_case unknown-directive "frobnicate 1" "1:1: unknown directive"
bad_case minpoll-range "server 127.0.0.1 minpoll 99" "1:[0-9]+: .*minpoll"
bad_case maxpoll-below "server 127.0.0.1 minpoll 8 maxpoll 6" "1:[0-9]+: .*maxpoll"
bad_case missing-host "server" "1:[0-9]+: missing host"
bad_case bad-number "server 127.0.0.1 minpoll 6x" "1:[0-9]+: "
bad_case bad-clock "clock sundial" "1:7: "
printf 'includefile %s\n' "$T_TMP/loop-b.conf" >"$T_TMP/loop-a.conf"
printf 'includefile %s\n' "$T_TMP/loop-a.conf" >"$T_TMP/loop-b.conf"
out=$("$BUILD/stratumd" --check -c "$T_TMP/loop-a.conf" 2>&1)
rc=$?
check "include loop refused (exit $rc): $(head -n1 <<<"$out" | sed "s|$T_TMP/||g")" \
	grep -q "include loop" <<<"$out"
out=$("$BUILD/stratumd" --check -c "$T_TMP/does-not-exist.conf" 2>&1)
check "missing file: clear message" grep -q "cannot open: No such file" <<<"$out"

warn=$T_TMP/warn.conf
printf 'server 127.0.0.1 iburst\nfudge 127.127.1.0 stratum 10\n' >"$warn"
out=$("$BUILD/stratumd" --check -c "$warn" 2>&1)
rc=$?
check "ntpd-only directive is a warning naming file and line (exit $rc)" \
	test $rc -eq 0 -a -n "$(grep "$warn:2: warning" <<<"$out")"

finish
