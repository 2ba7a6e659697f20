#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# A read-only or full disk is never fatal (issue 7 item 9): stratumd with
# its drift file and statistics on a read-only tmpfs, and on a full one,
# keeps syncing and serving, says so about the drift file, exits 0 on
# SIGTERM, and writes again once the disk is writable.  Runs in its own
# user + network + mount namespace (the tmpfs mounts are private to it).
source "$(dirname "$0")/../lib.sh"
if [ -z "${STRATUM_IN_NS:-}" ]; then
	exec unshare -rnm env STRATUM_IN_NS=1 bash "$0" "$@"
fi
ns_enter "$@"

mkdir -p "$T_TMP/ro" "$T_TMP/full"
if ! mount -t tmpfs -o size=1m tmpfs "$T_TMP/ro" ||
	! mount -t tmpfs -o size=64k tmpfs "$T_TMP/full"; then
	fail "mount tmpfs in a mount namespace"
	finish
	exit
fi
mount -o remount,ro "$T_TMP/ro"
dd if=/dev/zero of="$T_TMP/full/filler" bs=4k 2>/dev/null
check "the full disk is full" test "$(df --output=avail "$T_TMP/full" | tail -n1 | tr -d ' ')" -eq 0

UP=11170
start_stratumd up "port $UP
interface ignore all
interface listen 127.0.0.1
clock none
local stratum 1" || { fail "upstream stratumd starts"; finish; exit; }

# client NAME PORT DIR: a client keeping its files in DIR.
client() {
	printf '%s\n' "port $2" "interface ignore all" "interface listen 127.0.0.1" \
		"clock virtual offset 0.01 freq 10" \
		"server 127.0.0.1 port $UP iburst minpoll 0 maxpoll 0" \
		"driftfile $3/ntp.drift" "statsdir $3/" \
		"statistics loopstats peerstats" >"$T_TMP/$1.conf"
	start_bg "$T_TMP/$1.log" "$BUILD/stratumd" -d -c "$T_TMP/$1.conf"
}
client ro 11171 "$T_TMP/ro"
RO=$BG_PID
client full 11172 "$T_TMP/full"
FULL=$BG_PID
wait_for_log "$T_TMP/ro.log" "synchronized to" 20
wait_for_log "$T_TMP/full.log" "synchronized to" 20
sleep 3 # a few discipline updates, so that there is a drift to write
for n in ro:11171:$RO full:11172:$FULL; do
	IFS=: read -r name port pid <<<"$n"
	out=$(timeout 10 "$BUILD/stratum" query -c 1 -p "$port" 127.0.0.1 2>&1)
	check "$name disk: still running, synchronized and serving" \
		bash -c "kill -0 $pid && grep -q 'adjust time' <<<'$out'"
done

for n in ro:$RO full:$FULL; do
	IFS=: read -r name pid <<<"$n"
	kill "$pid"
	wait "$pid"
	rc=$?
	T_PIDS=$(echo " $T_PIDS " | sed "s/ $pid / /")
	check "$name disk: exit 0 on SIGTERM (exit $rc)" test $rc -eq 0
done
check "read-only disk: the failed drift write is logged once, in words" \
	test "$(grep -c 'cannot write .*ntp.drift: Read-only file system' "$T_TMP/ro.log")" -eq 1
check "full disk: the failed drift write is logged once, in words" \
	test "$(grep -c 'cannot write .*ntp.drift: No space left on device' "$T_TMP/full.log")" -eq 1
check "full disk: no partial drift file left" test ! -e "$T_TMP/full/ntp.drift"

# Retried, not given up: the read-only disk becomes writable while a
# client runs, and its statistics appear.
client ro2 11173 "$T_TMP/ro"
RO2=$BG_PID
wait_for_log "$T_TMP/ro2.log" "reachable" 10
mount -o remount,rw "$T_TMP/ro"
for i in $(seq 1 40); do
	ls "$T_TMP/ro"/peerstats.* >/dev/null 2>&1 && break
	sleep 0.25
done
check "statistics written again once the disk is writable" \
	bash -c "ls '$T_TMP/ro'/peerstats.* >/dev/null 2>&1"
stop_bg "$RO2"
umount "$T_TMP/ro" "$T_TMP/full" 2>/dev/null
finish
