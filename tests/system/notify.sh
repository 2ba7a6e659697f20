#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# stratumd under a service manager that speaks sd_notify(3): a receiver
# (tests/tools/notify-recv.py) binds the socket named by $NOTIFY_SOCKET and
# records every datagram.  In the foreground (-d, a path socket) and when
# it forks (an @abstract socket), the daemon says READY=1 with a STATUS=
# line (MAINPID= its own pid once forked), STATUS= again when it
# synchronizes, and STOPPING=1 on SIGTERM.  $STRATUMD_ARGS adds options
# to the daemons under test, as in lib.sh.
source "$(dirname "$0")/../lib.sh"
ns_enter "$@"

RECV=$ROOT/tests/tools/notify-recv.py
UP=11140
start_stratumd up "port $UP
interface ignore all
interface listen 127.0.0.1
clock none
local stratum 1" || { fail "upstream stratumd starts"; finish; exit; }

# client_conf PORT: a config syncing quickly from UP with a virtual clock.
client_conf() {
	printf '%s\n' "port $1" "interface ignore all" \
		"interface listen 127.0.0.1" "clock virtual offset 0.01" \
		"server 127.0.0.1 port $UP iburst minpoll 0 maxpoll 2"
}

# start_recv ADDR OUT: start the receiver, wait until it is bound.
start_recv() {
	start_bg "$T_TMP/recv.log" python3 "$RECV" "$1" "$2" 60
	wait_for_log "$2" "# listening" 5
}

# Foreground: READY, the first STATUS, synchronized, STOPPING.
N1=$T_TMP/fg.notify
start_recv "$T_TMP/notify.sock" "$N1" || fail "receiver starts (path)"
client_conf 11141 >"$T_TMP/fg.conf"
start_bg "$T_TMP/fg.log" env NOTIFY_SOCKET="$T_TMP/notify.sock" \
	"$BUILD/stratumd" -d ${STRATUMD_ARGS:-} -c "$T_TMP/fg.conf"
FG=$BG_PID
wait_for_log "$N1" "READY=1" 5
check "foreground: READY=1 arrives" grep -qx "READY=1" "$N1"
check "foreground: with STATUS=serving, no source selected yet" \
	grep -qx "STATUS=serving, no source selected yet" "$N1"
check "foreground: no MAINPID= (the started process is the daemon)" \
	sh -c '! grep -q "^MAINPID=" "$1"' sh "$N1"
wait_for_log "$N1" "STATUS=synchronized" 30
check "foreground: STATUS=synchronized to 127.0.0.1, stratum 1" \
	grep -qx "STATUS=synchronized to 127.0.0.1, stratum 1" "$N1"
stop_bg "$FG"
check "foreground: STOPPING=1 at SIGTERM" wait_for_log "$N1" "STOPPING=1" 5
check "foreground: STOPPING=1 is the last message" \
	test "$(grep -v '^--$' "$N1" | tail -n 1)" = "STOPPING=1"

# Forking (neither -n nor -d): the detached child says READY=1 with its
# own pid before the starting command returns.
N2=$T_TMP/fork.notify
start_recv "@stratum-notify-$$" "$N2" || fail "receiver starts (abstract)"
client_conf 11142 >"$T_TMP/fork.conf"
NOTIFY_SOCKET="@stratum-notify-$$" "$BUILD/stratumd" ${STRATUMD_ARGS:-} -c "$T_TMP/fork.conf" \
	-p "$T_TMP/fork.pid" -l "$T_TMP/fork.log" >"$T_TMP/fork.out" 2>&1
rc=$?
DPID=$(cat "$T_TMP/fork.pid" 2>/dev/null)
[ -n "$DPID" ] && T_PIDS="$T_PIDS $DPID"
check "forking: the starting command exits 0 (exit $rc)" test $rc -eq 0
check "forking: READY=1 arrives before it returns" grep -qx "READY=1" "$N2"
check "forking: MAINPID= is the daemon's pid ($DPID)" \
	grep -qx "MAINPID=${DPID:-none}" "$N2"
check "forking: with a STATUS= line" grep -q "^STATUS=" "$N2"
# Running, not a zombie (state field of /proc/PID/stat).
check "forking: the daemon runs" \
	awk '{ exit !($3 != "Z") }' "/proc/${DPID:-0}/stat"
[ -n "$DPID" ] && kill "$DPID"
check "forking: STOPPING=1 at SIGTERM" wait_for_log "$N2" "STOPPING=1" 5

# No NOTIFY_SOCKET: nothing changes; an unusable one is only a warning.
client_conf 11143 >"$T_TMP/bad.conf"
start_bg "$T_TMP/bad.log" env NOTIFY_SOCKET=relative/name \
	"$BUILD/stratumd" -d -c "$T_TMP/bad.conf"
BAD=$BG_PID
wait_for_log "$T_TMP/bad.log" "Listen normally" 5
check "an unusable NOTIFY_SOCKET is a warning, not fatal" \
	grep -q "NOTIFY_SOCKET: Invalid argument; not notifying" "$T_TMP/bad.log"
check "...and the daemon serves" kill -0 "$BAD"
stop_bg "$BAD"

if [ "$T_FAIL" -ne 0 ]; then
	diag "$N1" "$N2" "$T_TMP/fg.log" "$T_TMP/fork.log" "$T_TMP/fork.out"
fi
finish
