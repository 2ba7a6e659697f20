#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# stratumd as a client of another stratumd, in real time on a private
# loopback, with the virtual clock: -q, -g and the panic threshold, pool
# resolution, a name that cannot be resolved, the drift file and the
# statistics files.
source "$(dirname "$0")/../lib.sh"
ns_enter "$@"

UP=11130
start_stratumd up "port $UP
interface ignore all
interface listen 127.0.0.1
interface listen ::1
clock none
local stratum 1" || { fail "upstream stratumd starts"; finish; exit; }

# client_conf PORT EXTRA...: a client config syncing quickly from UP.
client_conf() {
	local port=$1
	shift
	printf 'port %s\ninterface ignore all\ninterface listen 127.0.0.1\n' "$port"
	printf '%s\n' "$@"
}

# -q: set the clock once, then exit 0.
client_conf 11131 "clock virtual offset 0.3 freq 10" \
	"server 127.0.0.1 port $UP iburst minpoll 0 maxpoll 2" >"$T_TMP/q.conf"
timeout 60 "$BUILD/stratumd" -d -q -c "$T_TMP/q.conf" >"$T_TMP/q.log" 2>&1
rc=$?
check "-q sets the clock once and exits 0 (exit $rc)" test $rc -eq 0
check "-q logged the step" grep -q "time reset -0.3[0-9]* s" "$T_TMP/q.log"
check "-q says it is done" grep -q "time set; exiting (-q)" "$T_TMP/q.log"

# Panic: 2000 s off is refused without -g.  By default the source is
# distrusted and the daemon goes on serving, unsynchronized...
client_conf 11132 "clock virtual offset 2000" \
	"server 127.0.0.1 port $UP iburst minpoll 0 maxpoll 2" >"$T_TMP/p.conf"
start_bg "$T_TMP/pd.log" "$BUILD/stratumd" -d -c "$T_TMP/p.conf"
PD=$BG_PID
wait_for_log "$T_TMP/pd.log" "beyond the panic threshold" 30
check "2000 s off without -g: the source is not trusted (logged)" \
	grep -q "beyond the panic threshold; source not trusted" "$T_TMP/pd.log"
sleep 2
check "...and the daemon keeps running" kill -0 "$PD"
out=$(timeout 10 "$BUILD/stratum" query -p 11132 -v 127.0.0.1 2>&1)
check "...serving unsynchronized" grep -q "server not synchronized" <<<"$out"
check "...and not stepping" bash -c "! grep -q 'time reset' '$T_TMP/pd.log'"
stop_bg "$PD"
# ...or, with panicaction exit, it stops as ntpd does.
{ cat "$T_TMP/p.conf"; echo "panicaction exit"; } >"$T_TMP/pe.conf"
timeout 60 "$BUILD/stratumd" -d -c "$T_TMP/pe.conf" >"$T_TMP/p.log" 2>&1
rc=$?
check "2000 s off without -g, panicaction exit: exits non-zero (exit $rc)" \
	test $rc -ne 0
check "and says the panic threshold was passed" \
	grep -q "beyond the panic threshold" "$T_TMP/p.log"
# ...and allowed once with -g.
timeout 60 "$BUILD/stratumd" -d -g -q -c "$T_TMP/p.conf" >"$T_TMP/g.log" 2>&1
rc=$?
check "2000 s off with -g -q: steps once and exits 0 (exit $rc)" test $rc -eq 0
check "the step was about -2000 s" \
	grep -qE "time reset -(1999\.9|2000\.0)[0-9]* s" "$T_TMP/g.log"

# A pool name resolves to several associations (the name is made up and
# given two addresses in a hosts file bind-mounted over /etc/hosts in a
# mount namespace of this daemon's own); a name that cannot be resolved
# is retried while the daemon keeps serving; drift and statistics files.
mkdir -p "$T_TMP/stats"
printf '127.0.0.1 ntp-pool.test\n::1 ntp-pool.test\n' >"$T_TMP/hosts"
client_conf 11133 "clock virtual offset 0.05 freq 30" \
	"pool ntp-pool.test port $UP iburst minpoll 0 maxpoll 1" \
	"server no-such-host.invalid iburst" \
	"driftfile $T_TMP/drift" "statsdir $T_TMP/stats/" \
	"statistics loopstats peerstats clockstats" \
	"filegen loopstats file loopstats type day enable" >"$T_TMP/c.conf"
start_bg "$T_TMP/c.log" unshare -m sh -c \
	'mount --bind "$1" /etc/hosts && exec "$2" -d -c "$3"' sh \
	"$T_TMP/hosts" "$BUILD/stratumd" "$T_TMP/c.conf"
C=$BG_PID
wait_for_log "$T_TMP/c.log" "synchronized to" 30
check "pool: solicits 127.0.0.1" grep -q "Soliciting pool server 127.0.0.1" "$T_TMP/c.log"
check "pool: solicits ::1" grep -q "Soliciting pool server ::1" "$T_TMP/c.log"
# The first two retries, 2 s then 4 s apart (both within the wait above).
check "an unresolvable name is retried with back-off (2 s, then 4 s)" \
	test "$(sed -n 's/.*cannot resolve no-such-host.invalid: .*; retrying in \([0-9]*\) s$/\1/p' "$T_TMP/c.log" | head -n 2 | tr '\n' ' ')" = "2 4 "
check "synchronizes to a pool member" grep -q "synchronized to .*, stratum 1" "$T_TMP/c.log"
out=$("$BUILD/stratum" query -p 11133 -c 1 -v 127.0.0.1 2>&1)
check "serves meanwhile, at stratum 2" grep -q "stratum 2," <<<"$out"
sleep 5
stop_bg "$C"
check "writes the drift file at exit" test -s "$T_TMP/drift"
check "the drift file holds a frequency near -30 ppm ($(cat "$T_TMP/drift" 2>/dev/null))" \
	awk '{ exit !($1 < -25 && $1 > -35) }' "$T_TMP/drift"
day=$(date -u +%Y%m%d)
check "loopstats.$day written, with the loopstats link" \
	test -s "$T_TMP/stats/loopstats.$day" -a -e "$T_TMP/stats/loopstats"
check "loopstats lines have ntpd's 7 columns" \
	awk 'NF != 7 { bad = 1 } END { exit bad || NR == 0 }' "$T_TMP/stats/loopstats"
check "peerstats lines have ntpd's 8 columns" \
	awk 'NF != 8 { bad = 1 } END { exit bad || NR == 0 }' "$T_TMP/stats/peerstats"
sed 's/^/  # loopstats: /' "$T_TMP/stats/loopstats" | tail -n 2
sed 's/^/  # peerstats: /' "$T_TMP/stats/peerstats" | tail -n 2
check "loopstats: frequency with 6 decimals (NTPsec's format)" \
	awk '$4 !~ /^-?[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9]$/ { bad = 1 } END { exit bad || NR == 0 }' "$T_TMP/stats/loopstats"
check "loopstats: one line per clock update, no two with the same timestamp" \
	test -z "$(awk '{ print $1, $2 }' "$T_TMP/stats/loopstats" | sort | uniq -d)"
# the event nibble: at least mobilize, reachable, sys_peer have happened
check "peerstats: status words carry event counts and codes (low byte not 00)" \
	bash -c '! awk "{ print \$4 }" "$1" | grep -q "00$" && awk "{ print \$4 }" "$1" | grep -qE "^9[0-9a-f]{3}$"' _ "$T_TMP/stats/peerstats"
check "peerstats: dispersion is the peer's (a filter with several stages), not the sample's" \
	awk '$7 + 0 > 0 { n++ } END { exit !(n > 0) }' "$T_TMP/stats/peerstats"
check "clockstats: accepted, created, empty (no reference clocks)" \
	test -e "$T_TMP/stats/clockstats.$day" -a ! -s "$T_TMP/stats/clockstats.$day"
check "statistics clockstats: no warning" \
	bash -c '! grep -q "statistics clockstats: not written" "$1"' _ "$T_TMP/c.log"

# The drift file is read at the next start.
start_bg "$T_TMP/c2.log" "$BUILD/stratumd" -d -c "$T_TMP/c.conf"
wait_for_log "$T_TMP/c2.log" "frequency initialized" 5
check "reads the drift file at start" grep -q "frequency initialized -[0-9.]* PPM from" "$T_TMP/c2.log"
stop_bg "$BG_PID"

finish
