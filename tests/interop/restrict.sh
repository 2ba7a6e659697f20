#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# The same restrict lines in stratumd and in NTPsec's ntpd 1.2.2 decide the
# same way.  For each rule set both daemons run side by side in a private
# network namespace (ntpd on port 123, stratumd on 11125).  127.0.0.1 sends
# 20 requests/s for 3 s (5/s in set D), and 127.0.0.2 asks every 100 ms.  Each address's
# outcome, counting answers with time (kiss-o'-death RATE aside), is
# classed as "none" (no answer), "all" (>= 95 %) or "limited" (between,
# with a RATE kiss-o'-death), and must be the same for both daemons and as
# expected:
#   A  restrict default ignore / restrict 127.0.0.2       -> none, all
#   B  restrict 127.0.0.2 mask 255.255.255.255 /
#      restrict 127.0.0.0 mask 255.0.0.0 noserve          -> none, all
#      (the host line first: the most specific wins, not the last)
#   C  the Debian fixture's default line (kod nomodify nopeer noquery
#      limited) / restrict 127.0.0.2                      -> limited, all
#   D  restrict default ignore / restrict 127.0.0.2 /
#      unrestrict default ignore (NTPsec)                  -> all, all
#      (127.0.0.1 sends 5/s here: NTPsec 1.2.2 drops about two in three
#      requests from one address at 20/s even without "limited")
source "$(dirname "$0")/../lib.sh"
ns_enter "$@"

SETS=(A B C D)
declare -A RULES EXPECT
RULES[A]="restrict default ignore
restrict 127.0.0.2"
EXPECT[A]="none all"
RULES[B]="restrict 127.0.0.2 mask 255.255.255.255
restrict 127.0.0.0 mask 255.0.0.0 noserve"
EXPECT[B]="none all"
RULES[C]="restrict default kod nomodify nopeer noquery limited
restrict 127.0.0.2"
EXPECT[C]="limited all"
RULES[D]="restrict default ignore
restrict 127.0.0.2
unrestrict default ignore"
EXPECT[D]="all all"
declare -A RATE=([A]=20 [B]=20 [C]=20 [D]=5)

have_peers || {
	for s in "${SETS[@]}"; do
		skip "restrict set $s: peers not fetched (run make peers)"
	done
	finish
	exit
}

kv() { sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" <<<"$2"; }

# class ANSWERED SENT KOD: answered counts KoDs too.
class() {
	awk -v a="$1" -v n="$2" -v k="$3" 'BEGIN {
		a -= k
		if (n == 0) print "unsent"; else if (a <= 0 && k == 0) print "none";
		else if (a * 100 >= 95 * n) print "all";
		else if (k > 0) print "limited"; else print "lossy" }'
}

# outcome PORT RATE: "CLASS1 CLASS2" for 127.0.0.1 and 127.0.0.2.
outcome() {
	local out
	out=$("$BUILD/ntpprobe" flood 127.0.0.1 "$1" 127.0.0.1 127.0.0.2 3 "$2")
	echo "  # port $1: $out" >&2
	echo "$(class "$(kv flood_answered "$out")" "$(kv flood_sent "$out")" \
		"$(kv flood_kod "$out")")" \
		"$(class "$(kv legit_answered "$out")" "$(kv legit_sent "$out")" 0)"
}

# ready PORT: 127.0.0.2 gets a synchronized reply (stratum != 0).
ready() {
	local out
	out=$("$BUILD/ntpprobe" flood 127.0.0.1 "$1" 127.0.0.3 127.0.0.2 0.3 1)
	[ "$(kv legit_answered "$out")" -gt 0 ] 2>/dev/null
}

for s in "${SETS[@]}"; do
	printf '%s\n' "refclock local stratum 10 minpoll 0 maxpoll 0" \
		"tos orphanwait 0" "${RULES[$s]}" >"$T_TMP/ntpd-$s.conf"
	start_bg "$T_TMP/ntpd-$s.log" "$PEERS/ntpsec/usr/sbin/ntpd" -n -c "$T_TMP/ntpd-$s.conf"
	npid=$BG_PID
	start_stratumd "sd-$s" "port 11125
interface ignore all
interface listen 127.0.0.1
clock none
local stratum 10
${RULES[$s]}" || fail "set $s: stratumd starts"
	if ! wait_until 30 "$npid" ready 123 || ! ready 11125; then
		fail "set $s: both daemons answer 127.0.0.2"
		diag "$T_TMP/ntpd-$s.log" "$SD_LOG"
		stop_bg "$npid"
		stop_bg "$SD_PID"
		continue
	fi
	n=$(outcome 123 "${RATE[$s]}")
	o=$(outcome 11125 "${RATE[$s]}")
	check "set $s ($(tr '\n' ';' <<<"${RULES[$s]}")): ntpd: $n, stratumd: $o, expected: ${EXPECT[$s]}" \
		test "$n" = "${EXPECT[$s]}" -a "$o" = "${EXPECT[$s]}"
	stop_bg "$npid"
	stop_bg "$SD_PID"
done
finish
