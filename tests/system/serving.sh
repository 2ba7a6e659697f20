#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# The batched server path under load, inside a private network namespace:
#  - the amplification grid (modes 0-7, versions 0-7, lengths 0-1100,
#    plain, with extension fields, with a MAC) with workers 1, workers 2
#    and the single-call fallback (STRATUM_PLAIN_IO=1): no reply larger
#    than its request, at most one per request;
#  - 5 s of closed-loop load against workers 2: every reply carries an
#    outstanding origin and receive <= transmit inside the round trip;
#  - workers 4 under the seccomp allow-list (seccomp 1): the threads
#    exist, the blast and the load still hold;
#  - recvmmsg/sendmmsg failing with ENOSYS (tests/tools/nommsg, seccomp):
#    the engine falls back to single calls, says so once, and still
#    answers correctly; so it does when only sendmmsg fails, with EBADF
#    (as under clknetsim); and a client whose sendto with an address
#    gets EISCONN (clknetsim, on connected sockets) still synchronizes;
#  - a flood of >= 100 000 requests/s from 127.0.0.1 (bounded: 2 s) under
#    ntpd's discard + limited kod, and under chrony's ratelimit with leak:
#    a client at 127.0.0.2 is answered every time, the flooder < 1 %;
#  - restrict default ignore + restrict 127.0.0.2: only 127.0.0.2 answered;
#  - restrict default ignore + restrict source: only our source answered.
source "$(dirname "$0")/../lib.sh"
ns_enter "$@"

PORT=11124
# noquery: mode 6 answers to loopback may be larger than their requests
# and come in fragments (by design, tests/interop/mode6.sh); the grid and
# blasts here check the time service with mode 6 refused by restrict.
BASE="port $PORT
interface ignore all
interface listen 127.0.0.1
clock none
local stratum 10
restrict default noquery"

# probe_checks COMMAND...: turn ntpprobe's ok/not ok lines into checks.
probe_checks() {
	local line n=0
	while IFS= read -r line; do
		case $line in
		ok\ -*) ok "${line#ok - }" ;;
		not\ ok\ -*) fail "${line#not ok - }" ;;
		*) continue ;;
		esac
		n=$((n + 1))
	done < <("$@")
	[ $n -gt 0 ] || fail "no output from: $*"
}

# kv NAME LINE: value of NAME=VALUE in LINE.
kv() { sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p" <<<"$2"; }

stop_and_show() {
	stop_bg "$SD_PID"
	grep "packets:" "$SD_LOG" | sed 's/^/  # /'
}

# start_filtered NAME WHAT [NOMMSG_OPTION...] -- CONF: stratumd under
# tests/tools/nommsg; true once it listens.  Where the filter cannot be
# installed the checks are skipped, saying why.
start_filtered() {
	local name=$1 what=$2 opts=()
	shift 2
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	start_bg "$T_TMP/$name.log" "$BUILD/nommsg" "${opts[@]}" "$BUILD/stratumd" -d -c "$2"
	SD_PID=$BG_PID
	SD_LOG=$T_TMP/$name.log
	wait_for_log "$SD_LOG" "Listen normally" 5 && return 0
	if grep -q "nommsg: " "$SD_LOG"; then
		skip "$what: $(grep 'nommsg: ' "$SD_LOG")"
	else
		fail "stratumd starts $what"
		diag "$SD_LOG"
	fi
	return 1
}

# --- workers 1: grid, short load --------------------------------------
start_stratumd w1 "$BASE" || { fail "stratumd starts"; diag "$SD_LOG"; finish; exit; }
probe_checks "$BUILD/ntpprobe" grid 127.0.0.1 $PORT
probe_checks "$BUILD/ntpprobe" load 127.0.0.1 $PORT 1 8 4
probe_checks "$BUILD/ntpprobe" ipid 127.0.0.1 $PORT
stop_and_show

# --- single calls instead of recvmmsg/sendmmsg ------------------------
STRATUM_PLAIN_IO=1 start_stratumd plain "$BASE" || fail "stratumd starts (plain I/O)"
probe_checks "$BUILD/ntpprobe" grid 127.0.0.1 $PORT
probe_checks "$BUILD/ntpprobe" load 127.0.0.1 $PORT 1 8 4
stop_and_show

# --- recvmmsg/sendmmsg failing with ENOSYS: the automatic fallback ----
printf '%s\n' "$BASE" "workers 2" >"$T_TMP/nommsg.conf"
if start_filtered nommsg "without recvmmsg/sendmmsg" -- "$T_TMP/nommsg.conf"; then
	probe_checks "$BUILD/ntpprobe" load 127.0.0.1 $PORT 1 8 4
	check "without recvmmsg/sendmmsg the workers say they fell back to single calls" \
		grep -q "batched socket calls unavailable (Function not implemented); one recvmsg/sendto per datagram" "$SD_LOG"
	probe_checks "$BUILD/ntpprobe" blast 127.0.0.1 $PORT 3000 "${T_SEED:-777}"
	stop_and_show
fi

# --- only sendmmsg failing, with EBADF: what a simulator that interposes
# recvmmsg but not sendmmsg (clknetsim) makes of its pretend sockets ----
if start_filtered nosend "with sendmmsg failing with EBADF" -s -b -- "$T_TMP/w1.conf"; then
	probe_checks "$BUILD/ntpprobe" load 127.0.0.1 $PORT 1 8 4
	check "with sendmmsg failing with EBADF the worker falls back to single calls" \
		grep -q "batched socket calls unavailable (Bad file descriptor)" "$SD_LOG"
	stop_and_show
	check "and no reply was lost to it" grep -q " 0 send errors" "$SD_LOG"
fi

# --- sendto with an address refused (EISCONN), as clknetsim does on a
# connected socket: our requests go out on connected sockets with send --
start_stratumd ysrc "port 11126
interface ignore all
interface listen 127.0.0.1
clock none
local stratum 5" || fail "stratumd Y starts on port 11126"
ypid=$SD_PID
# No interface rules: the filter also refuses the netlink request that
# lists the interfaces, so this one serves on the wildcard addresses.
printf '%s\n' "port 11127" "clock none" \
	"server 127.0.0.1 port 11126 iburst minpoll 0 maxpoll 1" \
	>"$T_TMP/eisconn.conf"
start_bg "$T_TMP/eisconn.log" "$BUILD/nommsg" -c "$BUILD/stratumd" -d -c "$T_TMP/eisconn.conf"
SD_PID=$BG_PID
SD_LOG=$T_TMP/eisconn.log
if wait_for_log "$SD_LOG" "synchronized to 127.0.0.1" 20; then
	ok "with sendto to an address refused, the client still synchronizes (its socket is connected)"
elif grep -q "nommsg: " "$SD_LOG"; then
	skip "sendto refused: $(grep 'nommsg: ' "$SD_LOG")"
else
	fail "with sendto to an address refused, the client still synchronizes"
	diag "$SD_LOG"
fi
check "and no request failed to go out" bash -c "! grep -q ': send: ' '$SD_LOG'"
stop_and_show
stop_bg "$ypid"

# worker_ticks PID: the lowest and highest CPU ticks (utime + stime) of
# the process's threads other than the main one.
worker_ticks() {
	local t
	for t in /proc/$1/task/*; do
		[ "${t##*/}" = "$1" ] && continue
		awk '{ print $14 + $15 }' "$t/stat"
	done | sort -n | sed -n '1p;$p' | tr '\n' ' '
}

# --- workers 2: grid, 5 s of load, w32time -----------------------------
start_stratumd w2 "$BASE
workers 2" || fail "stratumd starts with workers 2"
check "workers 2 says so in the log" grep -q "2 serving threads" "$SD_LOG"
# Steering (core/spread): at first one thread takes all the load; a
# second of it is too short to spread (that takes two busy seconds).
probe_checks "$BUILD/ntpprobe" load 127.0.0.1 $PORT 1 16 4
read -r lo hi <<<"$(worker_ticks "$SD_PID")"
check "workers 2 starts with one thread taking the load (CPU ticks $lo and $hi)" \
	test "$hi" -gt 0 -a "$((lo * 10))" -le "$hi"
probe_checks "$BUILD/ntpprobe" grid 127.0.0.1 $PORT
probe_checks "$BUILD/ntpprobe" load 127.0.0.1 $PORT 5 16 4
probe_checks "$BUILD/ntpprobe" w32time 127.0.0.1 $PORT 10
# A second daemon cannot join the SO_REUSEPORT group.
"$BUILD/stratumd" -d -c "$T_TMP/w2.conf" >"$T_TMP/w2b.log" 2>&1 &
second=$!
T_PIDS="$T_PIDS $second"
for _ in $(seq 1 30); do kill -0 $second 2>/dev/null || break; sleep 0.1; done
wait $second 2>/dev/null
rc=$?
check "a second workers-2 daemon on the same port exits non-zero ($rc)" test $rc -ne 0
check "and says the address is in use" grep -q "Address already in use" "$T_TMP/w2b.log"
stop_and_show
check "workers 2 logs its counters at exit" grep -q "packets: .* received, .* answered" "$SD_LOG"

# --- workers 4 ---------------------------------------------------------
# STRATUM_SPREAD=all: the kernel's hash over all four from the start.
STRATUM_SPREAD=all start_stratumd w4 "$BASE
workers 4
seccomp 1" || fail "stratumd starts with workers 4 under seccomp"
check "workers 4 runs under the seccomp allow-list" grep -q "seccomp allow-list active" "$SD_LOG"
threads=$(ls "/proc/$SD_PID/task" | wc -l)
check "workers 4 runs 4 serving threads besides the main one ($threads)" test "$threads" -eq 5
probe_checks "$BUILD/ntpprobe" blast 127.0.0.1 $PORT 10000 "${T_SEED:-4242}"
probe_checks "$BUILD/ntpprobe" load 127.0.0.1 $PORT 1 16 4
busy=0
for t in /proc/$SD_PID/task/*; do
	[ "${t##*/}" = "$SD_PID" ] && continue
	[ "$(awk '{ print $14 + $15 }' "$t/stat")" -gt 0 ] && busy=$((busy + 1))
done
check "with STRATUM_SPREAD=all the load reaches several of the 4 workers ($busy)" \
	test "$busy" -ge 2
stop_and_show

# --- floods ------------------------------------------------------------
# flood_checks NAME: judge one "ntpprobe flood" run.
flood_checks() {
	local out=$1 name=$2 sent secs fa la ls kod rate
	echo "  # $out"
	sent=$(kv flood_sent "$out")
	secs=$(kv flood_seconds "$out")
	fa=$(kv flood_answered "$out")
	kod=$(kv flood_kod "$out")
	ls=$(kv legit_sent "$out")
	la=$(kv legit_answered "$out")
	rate=$(awk -v n="${sent:-0}" -v s="${secs:-1}" 'BEGIN { printf "%d", n / s }')
	check "$name: the flood reached >= 100000 requests/s ($rate/s, $sent in $secs s)" \
		test "${rate:-0}" -ge 100000
	check "$name: the other client was answered every time ($la of $ls)" \
		test "${ls:-0}" -ge 10 -a "${la:-0}" -eq "${ls:-0}"
	check "$name: the flooder got < 1 % answered ($fa of $sent, $kod KoD)" \
		awk -v a="${fa:-999999}" -v n="${sent:-1}" 'BEGIN { exit !(a * 100 < n) }'
	FLOOD_KOD=${kod:-0}
}

start_stratumd discard "$BASE
restrict default limited kod
discard average -4 minimum 0" || fail "stratumd starts with discard"
out=$("$BUILD/ntpprobe" flood 127.0.0.1 $PORT 127.0.0.1 127.0.0.2 2 150000)
flood_checks "$out" "discard + limited kod"
check "the flooder got RATE kiss-o'-death ($FLOOD_KOD), rate-limited themselves" \
	test "$FLOOD_KOD" -gt 0 -a "$FLOOD_KOD" -lt 200
stop_and_show
check "the rate-limited requests are counted" \
	grep -qE "[1-9][0-9]* rate-limited\), [1-9][0-9]* kiss-o'-death RATE" "$SD_LOG"

start_stratumd ratelimit "$BASE
ratelimit interval -4 burst 8 leak 8" || fail "stratumd starts with ratelimit"
out=$("$BUILD/ntpprobe" flood 127.0.0.1 $PORT 127.0.0.1 127.0.0.2 2 150000)
flood_checks "$out" "ratelimit leak 8"
check "no kiss-o'-death without restrict kod ($FLOOD_KOD)" test "$FLOOD_KOD" -eq 0
stop_and_show
check "leaked answers are counted" grep -qE "[1-9][0-9]* leaked" "$SD_LOG"

# --- restrict default ignore -----------------------------------------
start_stratumd ignore "$BASE
restrict default ignore
restrict 127.0.0.2" || fail "stratumd starts with restrict default ignore"
out=$("$BUILD/ntpprobe" flood 127.0.0.1 $PORT 127.0.0.1 127.0.0.2 1 1000)
echo "  # $out"
check "restrict default ignore: 127.0.0.1 gets nothing ($(kv flood_answered "$out") of $(kv flood_sent "$out"))" \
	test "$(kv flood_answered "$out")" = 0 -a "$(kv flood_sent "$out")" -ge 900
check "restrict 127.0.0.2: answered every time ($(kv legit_answered "$out") of $(kv legit_sent "$out"))" \
	test "$(kv legit_sent "$out")" -ge 5 -a "$(kv legit_answered "$out")" = "$(kv legit_sent "$out")"
stop_and_show
check "the ignored requests are counted" grep -qE "[1-9][0-9]* restrict ignore" "$SD_LOG"

# --- restrict source ----------------------------------------------------
# Y serves on 127.0.0.2; X syncs from it and ignores everybody else.  A
# client at 127.0.0.2 (X's source) is answered, one at 127.0.0.1 is not.
if ip addr add 127.0.0.2/8 dev lo 2>"$T_TMP/ip.err"; then
	start_stratumd y "port 11126
interface ignore all
interface listen 127.0.0.2
clock none
local stratum 5" || fail "stratumd Y starts on 127.0.0.2"
	ypid=$SD_PID
	start_stratumd x "$BASE
server 127.0.0.2 port 11126 iburst minpoll 0 maxpoll 1
restrict default ignore
restrict source nomodify" || fail "stratumd X starts"
	wait_for_log "$SD_LOG" "synchronized to 127.0.0.2" 20 ||
		fail "X synchronizes to its source 127.0.0.2"
	out=$("$BUILD/ntpprobe" flood 127.0.0.1 $PORT 127.0.0.1 127.0.0.2 1 20)
	echo "  # $out"
	check "restrict source: our source 127.0.0.2 is answered ($(kv legit_answered "$out") of $(kv legit_sent "$out")), 127.0.0.1 is not ($(kv flood_answered "$out") of $(kv flood_sent "$out"))" \
		test "$(kv legit_sent "$out")" -ge 5 -a \
		"$(kv legit_answered "$out")" = "$(kv legit_sent "$out")" -a \
		"$(kv flood_answered "$out")" = 0 -a "$(kv flood_sent "$out")" -ge 10
	stop_and_show
	stop_bg "$ypid"
else
	skip "restrict source: cannot add 127.0.0.2 to lo: $(cat "$T_TMP/ip.err")"
fi

# --- a reply larger than the interface MTU ------------------------------
# The server's IPv4 sockets set DF (IP_PMTUDISC_PROBE, see os/udp.c); a
# datagram that does not fit the interface is sent again, fragmentable.
# Mode 6 answers of the system variables are several hundred bytes.
if ip link set lo mtu 300 2>"$T_TMP/ip.err"; then
	start_stratumd mtu "port $PORT
interface ignore all
interface listen 127.0.0.1
clock none
local stratum 10" || fail "stratumd starts (lo MTU 300)"
	out=$("$BUILD/stratum" status -j -p $PORT -h 127.0.0.1 2>&1)
	check "with lo's MTU at 300, a mode 6 answer of ${#out} bytes of JSON arrives" \
		grep -q '"stratum": *10' <<<"$out"
	# At IPv4's minimum MTU of 68 even a 48-byte reply (76 bytes) does
	# not fit: the batched send path takes the same detour.
	ip link set lo mtu 68
	probe_checks "$BUILD/ntpprobe" load 127.0.0.1 $PORT 1 2 2
	stop_and_show
	check "and no send error was counted" grep -q " 0 send errors" "$SD_LOG"
	ip link set lo mtu 65536
else
	skip "lo MTU 300: $(cat "$T_TMP/ip.err")"
fi

finish
