#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Reload that keeps state (SIGHUP and `stratum reload`), in real time on
# a private loopback.  Three upstream stratumd serve their local clock on
# 127.0.0.2-4; the client under test (workers 2, so the serving threads
# take the new restrict table from another thread) follows two of them
# at a 1 s poll.  Then:
#   - SIGHUP with one source removed and one added: the kept source keeps
#     its association id, its reach register and its filter; the removed
#     one's id is not given to the new one, which starts at once;
#   - a broken file is rejected with its error logged, and the daemon
#     goes on serving with the running configuration;
#   - `stratum reload` applies a restrict change to the next request, and
#     is refused with a wrong secret or from a non-loopback address;
#   - -l LOGFILE is reopened on SIGHUP after logrotate moved it, and a
#     changed `logfile` line is followed;
#   - the service manager hears RELOADING=1 then READY=1.
source "$(dirname "$0")/../lib.sh"
ns_enter "$@"

PORT=11230
RECV=$ROOT/tests/tools/notify-recv.py
for a in 127.0.0.2 127.0.0.3 127.0.0.4 10.99.0.1; do
	ip addr add "$a/32" dev lo
done
for a in 2 3 4; do
	start_stratumd "up$a" "port $PORT
interface ignore all
interface listen 127.0.0.$a
clock none
local stratum 1" || fail "upstream 127.0.0.$a starts"
done

# client_conf SERVER...: the client's file, its sources at a 1 s poll.
client_conf() {
	local a
	printf '%s\n' "port $PORT" "interface ignore all" \
		"interface listen 127.0.0.1" "interface listen 10.99.0.1" \
		"clock none" "workers 2" "restrict 10.99.0.0 mask 255.255.255.0"
	for a in "$@"; do
		echo "server $a port $PORT minpoll 0 maxpoll 0"
	done
}

# peer FIELD ADDR: FIELD of ADDR's association in `stratum peers -j`.
peer() {
	"$BUILD/stratum" peers -n -j -p "$PORT" 2>/dev/null |
		python3 -c 'import json, sys
d = json.load(sys.stdin)
for p in d["peers"]:
    if p["remote"] == sys.argv[2]:
        print(p[sys.argv[1]])' "$1" "$2"
}

bits() { python3 -c 'import sys; print(bin(int(sys.argv[1])).count("1"))' "$1"; }

mkdir -p "$T_TMP/run" "$T_TMP/wrong"
C=$T_TMP/c.conf
LOG=$T_TMP/c.log
client_conf 127.0.0.2 127.0.0.3 >"$C"
start_recv_log=$T_TMP/recv.log
start_bg "$start_recv_log" python3 "$RECV" "$T_TMP/notify.sock" "$T_TMP/notify" 90
wait_for_log "$T_TMP/notify" "# listening" 5
start_bg "$T_TMP/c.out" env NOTIFY_SOCKET="$T_TMP/notify.sock" \
	"$BUILD/stratumd" -n ${STRATUMD_ARGS:-} -c "$C" -l "$LOG" \
	--rundir "$T_TMP/run"
D=$BG_PID
wait_for_log "$LOG" "Listen normally on .* 10.99.0.1" 5

for i in $(seq 1 30); do
	r=$(peer reach 127.0.0.3)
	[ -n "$r" ] && [ "$(bits "$r")" -ge 4 ] && break
	sleep 0.5
done
id3=$(peer assoc 127.0.0.3)
id2=$(peer assoc 127.0.0.2)
reach_before=$(peer reach 127.0.0.3)
check "before: 127.0.0.3 reached, reach $reach_before (4 bits or more)" \
	test "$(bits "${reach_before:-0}")" -ge 4

# SIGHUP: 127.0.0.2 out, 127.0.0.4 in, 127.0.0.3 kept.
client_conf 127.0.0.3 127.0.0.4 >"$C"
kill -HUP "$D"
wait_for_log "$LOG" "reload: .* kept" 5
check "SIGHUP: logged 'reload: 1 source added, 1 removed, 1 kept'" \
	grep -q "reload: 1 source added, 1 removed, 1 kept$" "$LOG"
reach_after=$(peer reach 127.0.0.3)
check "the kept source keeps its association id ($id3 -> $(peer assoc 127.0.0.3))" \
	test -n "$id3" -a "$(peer assoc 127.0.0.3)" = "$id3"
check "the kept source keeps its reach register ($reach_before -> $reach_after)" \
	test "$(bits "${reach_after:-0}")" -ge "$(bits "$reach_before")"
check "the kept source keeps its filter (delay $(peer delay_s 127.0.0.3) s)" \
	python3 -c 'import sys; sys.exit(not float(sys.argv[1]) > 0)' \
	"$(peer delay_s 127.0.0.3)"
check "the removed source is gone" test -z "$(peer assoc 127.0.0.2)"
id4=$(peer assoc 127.0.0.4)
check "the new source has a new association id ($id4, not $id2 or $id3)" \
	test -n "$id4" -a "$id4" != "$id2" -a "$id4" != "$id3"
for i in $(seq 1 20); do
	[ "$(peer reach 127.0.0.4)" != 0 ] && break
	sleep 0.25
done
check "the new source is polled at once (reach $(peer reach 127.0.0.4))" \
	test "$(peer reach 127.0.0.4)" != 0
check "RELOADING=1 then READY=1 to the service manager" \
	python3 -c 'import sys
t = open(sys.argv[1]).read().split("--\n")
r = [i for i, m in enumerate(t) if "RELOADING=1" in m]
sys.exit(not (r and any("READY=1" in m for m in t[r[0] + 1:])))' "$T_TMP/notify"

# A broken file: rejected, errors logged, running configuration kept.
cp "$C" "$T_TMP/good.conf"
{ cat "$C"; echo "server"; echo "frobnicate 3"; } >"$T_TMP/bad.conf"
cp "$T_TMP/bad.conf" "$C"
kill -HUP "$D"
wait_for_log "$LOG" "keeping the running configuration" 5
check "a broken file is rejected: its error is logged with file:line" \
	grep -q "c.conf:11:1: unknown directive 'frobnicate'" "$LOG"
check "...and the daemon says it keeps the running configuration" \
	grep -q "c.conf has 2 error(s); keeping the running configuration" "$LOG"
check "...and keeps running" kill -0 "$D"
out=$(timeout 5 "$BUILD/stratum" query -p "$PORT" -c 1 -t 1 -v 127.0.0.1 2>&1)
check "...and serving, still synchronized (stratum 2)" grep -q "stratum 2," <<<"$out"
check "...with the same sources" test -n "$(peer assoc 127.0.0.4)" \
	-a "$(peer assoc 127.0.0.3)" = "$id3"
out=$("$BUILD/stratum" reload -p "$PORT" --rundir "$T_TMP/run" 2>&1)
rc=$?
check "stratum reload of the broken file: exit 1 (got $rc)" test $rc -eq 1
check "...prints 'reload: rejected' and the errors" \
	bash -c 'grep -q "^reload: rejected" <<<"$1" && grep -q "frobnicate" <<<"$1"' sh "$out"

# stratum reload: restrict noserve for 127.0.0.1 applies to the next
# request; taking it out again serves again.
{ cat "$T_TMP/good.conf"; echo "restrict 127.0.0.1 noserve"; } >"$C"
out=$("$BUILD/stratum" reload -p "$PORT" --rundir "$T_TMP/run" 2>&1)
rc=$?
check "stratum reload applies (exit $rc): $(head -n 1 <<<"$out")" test $rc -eq 0
check "...and says 'restrict rules changed'" \
	grep -q "0 sources added, 0 removed, 2 kept; restrict rules changed" <<<"$out"
miss=0
for i in 1 2 3 4; do
	timeout 5 "$BUILD/stratum" query -p "$PORT" -c 1 -t 0.5 127.0.0.1 >/dev/null 2>&1 || miss=$((miss + 1))
done
check "restrict noserve applies to the next requests ($miss of 4 unanswered)" test $miss -eq 4
cp "$T_TMP/good.conf" "$C"
"$BUILD/stratum" reload -p "$PORT" --rundir "$T_TMP/run" >/dev/null 2>&1
got=0
for i in 1 2 3 4; do
	timeout 5 "$BUILD/stratum" query -p "$PORT" -c 1 -t 1 127.0.0.1 >/dev/null 2>&1 && got=$((got + 1))
done
check "restrict taken out: served again ($got of 4 answered)" test $got -eq 4

# Refusals: a wrong secret; the right one from a non-loopback address
# (10.99.0.1, which a restrict line opens to mode 6 reads).
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T_TMP/wrong/reload.key"
out=$("$BUILD/stratum" reload -p "$PORT" --rundir "$T_TMP/wrong" 2>&1)
rc=$?
check "a wrong secret is refused (exit $rc): $out" \
	bash -c '[ "$1" -eq 1 ] && grep -q "reload refused" <<<"$2"' sh "$rc" "$out"
check "mode 6 reads work from 10.99.0.1" \
	test -n "$("$BUILD/stratum" peers -n -h 10.99.0.1 -p "$PORT" 2>/dev/null)"
out=$("$BUILD/stratum" reload -h 10.99.0.1 -p "$PORT" --rundir "$T_TMP/run" 2>&1)
rc=$?
check "the right secret from 10.99.0.1 is refused (exit $rc)" \
	bash -c '[ "$1" -eq 1 ] && grep -q "reload refused" <<<"$2"' sh "$rc" "$out"
check "the secret file is mode 0600" test "$(stat -c %a "$T_TMP/run/reload.key")" = 600

# -l: logrotate moves the file, then SIGHUP (its postrotate).
n_before=$(grep -c "reload:" "$LOG")
mv "$LOG" "$LOG.1"
kill -HUP "$D"
wait_for_log "$LOG" "reload: 0 sources added" 5
check "-l: a fresh log file after the move and SIGHUP" grep -q "reload: reading" "$LOG"
check "...and nothing more in the moved one" \
	test "$(grep -c "reload:" "$LOG.1")" -eq "$n_before"

stop_bg "$D"
check "the secret file is removed at exit" test ! -e "$T_TMP/run/reload.key"

# `logfile` changed in the file (no -l): lines go to the new file.
printf '%s\n' "port 11231" "interface ignore all" "interface listen 127.0.0.1" \
	"clock none" "logfile $T_TMP/first.log" >"$T_TMP/l.conf"
start_bg "$T_TMP/l.out" "$BUILD/stratumd" -n -c "$T_TMP/l.conf" --rundir "$T_TMP/run"
L=$BG_PID
wait_for_log "$T_TMP/first.log" "Listen normally" 5
sed -i "s|first.log|second.log|" "$T_TMP/l.conf"
kill -HUP "$L"
wait_for_log "$T_TMP/second.log" "reload:" 5
check "logfile changed: the summary goes to the new file ($(grep -o 'reload: .*' "$T_TMP/second.log"))" \
	grep -q "reload: 0 sources added, 0 removed, 0 kept; log file changed" "$T_TMP/second.log"
stop_bg "$L"
finish
