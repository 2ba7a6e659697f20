#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Interfaces that come and go: addresses added to and removed from the
# namespace's interfaces after start are served and dropped (netlink
# RTM_NEWADDR/RTM_DELADDR, checked by the periodic rescan too), logged as
# ntpd does; the interface rules still decide, also after a reload that
# changes them; -L keeps ignoring virtual interfaces (an address label
# with a ':') that appear later; an IPv6 link-local address that cannot
# be bound yet makes no error line.  The daemon runs with `workers 2`, so the serving
# threads are stopped and started around each change.
source "$(dirname "$0")/../lib.sh"
ns_enter "$@"

PORT=11240
C=$T_TMP/d.conf
LOG=$T_TMP/d.log
printf '%s\n' "port $PORT" "clock none" "local stratum 3" "workers 2" \
	"interface ignore 10.77.1.0/24" >"$C"
start_bg "$T_TMP/d.out" "$BUILD/stratumd" -n -L ${STRATUMD_ARGS:-} -c "$C" \
	-l "$LOG" --rundir "$T_TMP"
D=$BG_PID
wait_for_log "$LOG" "Listen normally on .* 127.0.0.1:$PORT" 5 ||
	fail "stratumd starts"

# ask ADDR: one request, 1 s timeout; true when answered.
ask() { timeout 5 "$BUILD/stratum" query -p "$PORT" -c 1 -t 1 "$1" >/dev/null 2>&1; }

check "10.77.0.1 not served before it exists" bash -c "! ask() { :; }; ! timeout 5 '$BUILD/stratum' query -p $PORT -c 1 -t 0.5 10.77.0.1 >/dev/null 2>&1"
t0=$(date +%s.%N)
ip addr add 10.77.1.1/24 dev lo
ip addr add 10.77.2.1/24 dev lo label lo:2
ip addr add 10.77.0.1/24 dev lo
wait_for_log "$LOG" "Listen normally on [0-9]* lo 10.77.0.1:$PORT" 60
t1=$(date +%s.%N)
check "an added address is listened on, logged as ntpd does ($(grep -o "Listen normally on [0-9]* lo 10.77.0.1:$PORT" "$LOG"), after $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)" \
	grep -q "Listen normally on [0-9]* lo 10.77.0.1:$PORT" "$LOG"
check "...and served" ask 10.77.0.1
check "...by both workers' sockets (4 of 4 answered)" \
	bash -c "n=0; for i in 1 2 3 4; do timeout 5 '$BUILD/stratum' query -p $PORT -c 1 -t 1 10.77.0.1 >/dev/null 2>&1 && n=\$((n + 1)); done; [ \$n -eq 4 ]"
check "an address the interface rules ignore is not listened on" \
	bash -c "! grep -q '10.77.1.1:$PORT' '$LOG'"
check "-L: an address on a virtual interface (label lo:2) is not listened on" \
	bash -c "! grep -q '10.77.2.1:$PORT' '$LOG'"
check "127.0.0.1 still served" ask 127.0.0.1

# Removed: "Deleting interface #N lo, 10.77.0.1#PORT".
ip addr del 10.77.0.1/24 dev lo
wait_for_log "$LOG" "Deleting interface #[0-9]* lo, 10.77.0.1#$PORT" 60
check "a removed address is dropped ($(grep -o "Deleting interface #[0-9]* lo, 10.77.0.1#$PORT" "$LOG"))" \
	grep -q "Deleting interface #[0-9]* lo, 10.77.0.1#$PORT" "$LOG"
check "127.0.0.1 still served after the removal" ask 127.0.0.1

# Added again: a new socket number (ntpd numbers them on).
ip addr add 10.77.0.1/24 dev lo
for i in $(seq 1 100); do
	[ "$(grep -c "Listen normally on [0-9]* lo 10.77.0.1:$PORT" "$LOG")" -ge 2 ] && break
	sleep 0.1
done
nums=$(sed -n "s/.*Listen normally on \([0-9]*\) lo 10.77.0.1:$PORT/\1/p" "$LOG" | tr '\n' ' ')
check "added again: listened on under a new number ($nums)" \
	bash -c 'set -- $1; [ $# -ge 2 ] && [ "$1" != "$2" ]' sh "$nums"
check "...and served" ask 10.77.0.1

# A reload that changes the interface rules applies them at once.
echo "interface ignore 10.77.0.0/24" >>"$C"
kill -HUP "$D"
wait_for_log "$LOG" "reload: .*interface rules changed" 5
check "reload: 'interface rules changed'" grep -q "reload: .*interface rules changed" "$LOG"
check "...and the newly ignored address is dropped" \
	test "$(grep -c "Deleting interface #[0-9]* lo, 10.77.0.1#$PORT" "$LOG")" -ge 2

# IPv6 link-local: fe80::77 on lo (no duplicate address detection
# there) is served with its scope; a veth pair's link-local addresses,
# when the kernel offers veth, are tentative for a second and cannot be
# bound until then: no error line for that, and served once usable.
ip -6 addr add fe80::77/64 dev lo
wait_for_log "$LOG" "Listen normally on [0-9]* lo \[fe80::77" 10
check "a link-local address on lo is listened on ($(grep -o "Listen normally on [0-9]* lo \[fe80::77[^ ]*" "$LOG"))" \
	grep -q "Listen normally on [0-9]* lo \[fe80::77" "$LOG"
ip -6 addr del fe80::77/64 dev lo
wait_for_log "$LOG" "Deleting interface #[0-9]* lo, fe80::77" 10
check "...and dropped when removed" grep -q "Deleting interface #[0-9]* lo, fe80::77" "$LOG"
if ip link add v0 type veth peer name v1 2>/dev/null; then
	ip link set v0 up
	ip link set v1 up
	for i in $(seq 1 100); do
		[ "$(grep -c "Listen normally on [0-9]* v[01] \[fe80:" "$LOG")" -ge 2 ] && break
		sleep 0.1
	done
	check "veth: both tentative link-local addresses served once usable ($(grep -c "Listen normally on [0-9]* v[01] \[fe80:" "$LOG") of 2)" \
		test "$(grep -c "Listen normally on [0-9]* v[01] \[fe80:" "$LOG")" -eq 2
	ip link del v0
	for i in $(seq 1 100); do
		[ "$(grep -c "Deleting interface #[0-9]* v[01]" "$LOG")" -ge 2 ] && break
		sleep 0.1
	done
	check "veth: dropped with the link" \
		test "$(grep -c "Deleting interface #[0-9]* v[01]" "$LOG")" -eq 2
fi
check "no error line for link-local addresses" \
	bash -c "! grep -i 'fe80' '$LOG' | grep -Eqv 'Listen normally|Deleting interface'"
check "no error line at all" bash -c "! grep -Ei 'failed|error' '$LOG'"
check "still running" kill -0 "$D"
stop_bg "$D"
finish
