#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Nothing lost, nothing hijacked (issue 7 item 9).  Symbolic links are
# planted at every path stratumd writes (pid file, log file, drift file
# and its old fixed temporary name, statistics members and their NAME
# links), pointing at a victim file: the victim must stay untouched.
# Then writers are killed with SIGKILL at random moments and every file
# left behind must parse:
#   - ostest hammer (drift, pid and statistics files in a tight loop):
#     HAMMER_KILLS times (default 200; 1000 was run by hand);
#   - stratumd itself, syncing at minpoll -6 so that it writes peerstats
#     and loopstats many times a second, sent SIGTERM (so it writes the
#     drift file) and SIGKILL a random moment later: DAEMON_KILLS times
#     (default 25).
source "$(dirname "$0")/../lib.sh"
ns_enter "$@"

HAMMER_KILLS=${HAMMER_KILLS:-200}
DAEMON_KILLS=${DAEMON_KILLS:-25}
UP=11140
# Eight upstream addresses, so that the daemon under test has eight
# sources and writes peerstats often.
SERVERS=""
for i in 1 2 3 4 5 6 7 8; do
	[ $i -gt 1 ] && ip addr add "127.0.0.$i/8" dev lo
	SERVERS="$SERVERS server 127.0.0.$i port $UP iburst minpoll -6 maxpoll -6
"
done
start_stratumd up "port $UP
interface ignore all
interface listen 127.0.0.0/8
clock none
local stratum 1" || { fail "upstream stratumd starts"; finish; exit; }

VICTIM=$T_TMP/victim
echo "victim: must stay untouched" >"$VICTIM"
victim_ok() { [ "$(cat "$VICTIM")" = "victim: must stay untouched" ]; }

D=$T_TMP/var
mkdir -p "$D/stats"
day=$(date -u +%Y%m%d)
conf=$T_TMP/b.conf
printf '%s\n' "port 11141" "interface ignore all" "interface listen 127.0.0.1" \
	"clock virtual offset 0.01 freq 5" \
	"server 127.0.0.1 port $UP iburst minpoll 0 maxpoll 0" \
	"driftfile $D/ntp.drift" "statsdir $D/stats/" \
	"statistics loopstats peerstats" >"$conf"
# For the kill test: eight sources, so that peerstats is written often.
sed "s/^server .*/tos maxclock 8\n$(tr '\n' '|' <<<"$SERVERS" | sed 's/|$//;s/|/\\n/g')/" \
	"$conf" >"$T_TMP/k.conf"

# The log file: a planted link is refused, and the daemon does not start.
ln -s "$VICTIM" "$D/stratumd.log"
out=$("$BUILD/stratumd" -c "$conf" -l "$D/stratumd.log" 2>&1)
rc=$?
check "log file link refused, not started (exit $rc): $(head -n1 <<<"$out")" \
	test $rc -ne 0 -a -n "$(grep -i 'symbolic links' <<<"$out")"
check "log file link: victim untouched" victim_ok
rm -f "$D/stratumd.log"

# Links at the pid file, the drift file, its old temporary and the
# statistics paths; the daemon runs, writes, exits on SIGTERM.
for p in stratumd.pid ntp.drift ntp.drift.tmp stats/peerstats \
	stats/loopstats "stats/peerstats.$day" "stats/loopstats.$day"; do
	ln -s "$VICTIM" "$D/$p"
done
"$BUILD/stratumd" -c "$conf" -p "$D/stratumd.pid" -l "$D/log" 2>"$T_TMP/b.err"
rc=$?
B=$(cat "$D/stratumd.pid" 2>/dev/null)
check "daemon started over the planted links (exit $rc)" test $rc -eq 0 -a -n "$B"
check "pid file replaced the link with a regular file holding the pid" \
	test -f "$D/stratumd.pid" -a ! -L "$D/stratumd.pid" -a -d "/proc/$B"
[ -n "$B" ] && T_PIDS="$T_PIDS $B"
wait_for_log "$D/log" "synchronized to" 20 || fail "synchronized within 20 s"
sleep 2
check "still running while statistics writes are refused" kill -0 "$B"
kill "$B" 2>/dev/null
for i in $(seq 1 50); do kill -0 "$B" 2>/dev/null || break; sleep 0.1; done
check "drift file is a regular file with a frequency now" \
	grep -qE '^-?[0-9]+\.[0-9]{3}$' "$D/ntp.drift"
check "every planted link's target untouched" victim_ok
check "planted member links left as they were (writes refused)" \
	test "$(readlink "$D/stats/peerstats.$day")" = "$VICTIM"

# stats_parse FILE NF: every line has NF fields, numbers where numbers
# go, and the file ends in a newline.
stats_parse() {
	[ -s "$1" ] || return 0
	[ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ] || return 1
	awk -v nf="$2" 'NF != nf || $1 !~ /^[0-9]+$/ || $2 !~ /^[0-9]+\.[0-9]+$/ { bad = 1 }
		END { exit bad }' "$1"
}

# SIGKILL at random moments: the writer loop.
rm -rf "$T_TMP/h"
mkdir -p "$T_TMP/h"
bad=0
for i in $(seq 1 "$HAMMER_KILLS"); do
	"$BUILD/ostest" hammer "$T_TMP/h" &
	h=$!
	sleep "0.0$((RANDOM % 30 + 1))"
	kill -KILL "$h"
	wait "$h" 2>/dev/null
	"$BUILD/ostest" check "$T_TMP/h" || bad=$((bad + 1))
done
check "ostest hammer killed $HAMMER_KILLS times: every file parses ($bad bad)" \
	test $bad -eq 0
left=$(ls -A "$T_TMP/h" | grep -c '^\.ntp\.drift\.\|^\.stratumd\.pid\.')
check "at most one temporary per file left by the last kill ($left)" \
	test "$left" -le 2

# SIGKILL at random moments: the daemon itself.
rm -rf "$D"
mkdir -p "$D/stats"
bad=0
for i in $(seq 1 "$DAEMON_KILLS"); do
	"$BUILD/stratumd" -c "$T_TMP/k.conf" -p "$D/stratumd.pid" -l "$D/log" \
		2>>"$T_TMP/k.err" || { bad=$((bad + 1)); continue; }
	B=$(cat "$D/stratumd.pid")
	sleep "0.$((RANDOM % 9 + 1))$((RANDOM % 10))"
	kill -TERM "$B"
	sleep "0.00$((RANDOM % 10))"
	kill -KILL "$B" 2>/dev/null
	for j in $(seq 1 50); do kill -0 "$B" 2>/dev/null || break; sleep 0.02; done
	for f in "$D"/stats/peerstats.*; do stats_parse "$f" 8 || bad=$((bad + 1)); done
	for f in "$D"/stats/loopstats.*; do stats_parse "$f" 7 || bad=$((bad + 1)); done
	if [ -e "$D/ntp.drift" ] && ! grep -qE '^-?[0-9]+\.[0-9]{3}$' "$D/ntp.drift"; then
		bad=$((bad + 1))
	fi
	grep -qE '^[0-9]+$' "$D/stratumd.pid" 2>/dev/null || [ ! -e "$D/stratumd.pid" ] ||
		bad=$((bad + 1))
	rm -f "$D/stratumd.pid"
done
lines=$(cat "$D"/stats/peerstats.* 2>/dev/null | wc -l)
check "stratumd killed $DAEMON_KILLS times while writing ($lines peerstats lines): every file parses ($bad bad)" \
	test $bad -eq 0 -a "$lines" -gt 0
[ $bad -eq 0 ] || { diag "$T_TMP/k.err"; tail -n 20 "$D/log" | sed 's/^/  # /'; }
finish
