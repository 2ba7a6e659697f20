#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# stratumd as a server, end to end on a private loopback: what it logs,
# what it answers (stratum query, w32time-shaped requests), what it drops
# (10^4 random and mutated datagrams), and how it stops.
source "$(dirname "$0")/../lib.sh"
ns_enter "$@"

PORT=11123
# noquery: mode 6 answers to loopback may be larger than their requests
# (by design, tests/interop/mode6.sh); the blast below checks the time
# service's "never larger, at most one" with mode 6 refused by restrict.
CONF="port $PORT
interface ignore all
interface listen 127.0.0.1
interface listen ::1
clock none
local stratum 10
restrict default noquery"

start_stratumd srv "$CONF" || { fail "stratumd starts"; sed 's/^/  # /' "$SD_LOG"; finish; exit; }
check "logs its listening sockets like ntpd" \
	grep -q "Listen normally on 2 lo 127.0.0.1:$PORT" "$SD_LOG"
check "logs the IPv6 loopback socket" \
	grep -q "Listen normally on 3 lo \[::1\]:$PORT" "$SD_LOG"

out=$("$BUILD/stratum" query -p $PORT -c 3 -i 0.1 -v 127.0.0.1 ::1 2>&1)
rc=$?
echo "$out" | sed 's/^/  # /'
check "stratum query answers over IPv4 and IPv6 (exit 0)" test $rc -eq 0
check "reply says stratum 10, refid LOCL, leap none" \
	grep -q "server 127.0.0.1, stratum 10, refid LOCL, leap none" <<<"$out"
off=$(sed -n 's/.*adjust time server 127.0.0.1 offset \([-+0-9.]*\) sec/\1/p' <<<"$out")
check "offset to our own clock is below 1 ms ($off s)" abs_le "${off:-9}" 0.001

json=$("$BUILD/stratum" query -p $PORT -c 2 -i 0.1 -j 127.0.0.1)
check "query -j prints valid JSON with ok true" /usr/bin/python3 -c '
import json, sys
d = json.loads(sys.argv[1])
s = d["servers"][0]
sys.exit(0 if s["ok"] and s["stratum"] == 10 and s["refid"] == "LOCL" else 1)' "$json"

out=$("$BUILD/stratum" sync --dry-run -p $PORT -c 2 -i 0.1 127.0.0.1)
check "sync --dry-run says what it would do and changes nothing" \
	grep -q "adjust time server 127.0.0.1 offset .* sec (dry run: clock not changed)" <<<"$out"

while IFS= read -r line; do
	case $line in
	ok\ -*) ok "${line#ok - }" ;;
	*) fail "${line#not ok - }" ;;
	esac
done < <("$BUILD/ntpprobe" w32time 127.0.0.1 $PORT 10)

while IFS= read -r line; do
	case $line in
	ok\ -*) ok "${line#ok - }" ;;
	*) fail "${line#not ok - }" ;;
	esac
done < <("$BUILD/ntpprobe" blast 127.0.0.1 $PORT 10000 "${T_SEED:-12345}")
check "stratumd is still running after the blast" kill -0 "$SD_PID"

kill -HUP "$SD_PID"
wait_for_log "$SD_LOG" "reload: 0 sources added" 5
check "SIGHUP reloads (tests/system/reload.sh) and the daemon keeps running" \
	test -n "$(grep 'reload: 0 sources added, 0 removed, 0 kept' "$SD_LOG")" -a -d "/proc/$SD_PID"
stop_bg "$SD_PID"
check "stops on SIGTERM and logs why" grep -q "exiting on signal 15" "$SD_LOG"
check "logs its packet counters at exit" grep -q "packets: .* received, .* answered, .* dropped" "$SD_LOG"
grep "packets:" "$SD_LOG" | sed 's/^/  # /'

# No time source at all: answers, but as unsynchronized, and a client
# refuses the time.
start_stratumd unsync "port $PORT
interface ignore all
interface listen 127.0.0.1
clock none" || fail "unsynchronized stratumd starts"
check "logs that it has no time source" grep -q "no time source" "$SD_LOG"
out=$("$BUILD/stratum" query -p $PORT -c 1 127.0.0.1 2>&1)
rc=$?
check "a client refuses an unsynchronized server (exit $rc)" test $rc -ne 0
check "and says why" grep -q "server not synchronized" <<<"$out"
stop_bg "$SD_PID"

# Nothing listening: a clear timeout, non-zero exit.
out=$("$BUILD/stratum" query -p 11999 -c 2 -t 0.3 -i 0 127.0.0.1 2>&1)
rc=$?
check "timeout: exit $rc and a message" test $rc -ne 0 -a -n "$(grep 'no reply' <<<"$out")"
# Inside the namespace there is no DNS server: a name cannot resolve.
out=$("$BUILD/stratum" query -c 1 -t 0.5 no-such-host.invalid 2>&1)
rc=$?
check "unresolvable name: exit $rc and a message" test $rc -ne 0 -a -n "$(grep 'cannot resolve' <<<"$out")"

# Port already taken: stratumd says so and exits non-zero.
start_stratumd first "$CONF"
first=$SD_PID
"$BUILD/stratumd" -d -c "$T_TMP/first.conf" >"$T_TMP/second.log" 2>&1 &
second=$!
T_PIDS="$T_PIDS $second"
for _ in $(seq 1 30); do kill -0 $second 2>/dev/null || break; sleep 0.1; done
wait $second 2>/dev/null
rc=$?
check "a second daemon on a taken port exits non-zero ($rc)" test $rc -ne 0
check "and logs the bind failure" grep -q "bind(127.0.0.1:$PORT) failed: Address already in use" "$T_TMP/second.log"
check "in words" grep -q "port $PORT: address already in use by another process" "$T_TMP/second.log"
# The same in daemon mode: sockets are bound before it detaches, so the
# failure reaches the terminal and the exit status (it used to exit 0).
out=$(timeout 10 "$BUILD/stratumd" -c "$T_TMP/first.conf" 2>&1)
rc=$?
check "daemon mode: a taken port exits $rc before detaching" test $rc -eq 1
check "daemon mode: says why on stderr" \
	grep -q "address already in use by another process" <<<"$out"
check "daemon mode: and that it did not start" grep -q "not started" <<<"$out"
stop_bg "$first"

finish
