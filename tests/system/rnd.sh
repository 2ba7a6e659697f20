#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# No predictable randomness (issue 7 item 5): when getrandom fails
# (simulated with os/rnd's test hook STRATUM_RND_FAIL=1) a client must
# not send requests with a guessable transmit timestamp; it stops
# sending and says so once.  `stratum query` refuses the same way.
source "$(dirname "$0")/../lib.sh"
ns_enter "$@"

UP=11160
start_stratumd up "port $UP
interface ignore all
interface listen 127.0.0.1
clock none
local stratum 1" || { fail "upstream stratumd starts"; finish; exit; }
A=$SD_PID
A_LOG=$SD_LOG

out=$(STRATUM_RND_FAIL=1 timeout 10 "$BUILD/stratum" query -c 1 -p $UP 127.0.0.1 2>&1)
rc=$?
check "stratum query without randomness: fails (exit $rc), no reply used" \
	test $rc -ne 0 -a -z "$(grep 'adjust time' <<<"$out")"

printf '%s\n' "port 11161" "interface ignore all" "interface listen 127.0.0.1" \
	"clock virtual offset 0.01" \
	"server 127.0.0.1 port $UP iburst minpoll 0 maxpoll 0" >"$T_TMP/b.conf"
STRATUM_RND_FAIL=1 start_bg "$T_TMP/b.log" "$BUILD/stratumd" -d -c "$T_TMP/b.conf"
B=$BG_PID
sleep 4
stop_bg "$B"
stop_bg "$A"
got=$(sed -n 's/.*packets: \([0-9]*\) received.*/\1/p' "$A_LOG" | tail -n 1)
# The upstream got one request from `stratum query`'s failed attempt at
# most (none: the query never sends); anything more came from stratumd.
check "stratumd sends no request without randomness (upstream received ${got:-nothing})" \
	test -n "$got" -a "${got:-1}" -eq 0
check "and says so once" test "$(grep -c 'no randomness' "$T_TMP/b.log")" -eq 1
finish
