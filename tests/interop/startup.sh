#!/bin/bash
# SPDX-License-Identifier: ISC
# Start-up as a new user meets it: the lab config (three `server ...
# iburst` lines and a stock `pool` line without iburst) against four
# chronyd stand-ins (local stratum 1) on loopback, in real time.
# stratumd runs a virtual clock started 0.1 s fast (+20 ppm), below the
# step threshold, so the error is slewed.  It must
#  - synchronize (log "synchronized to") within 15 s of start, after
#    saying what it waits for ("waiting for N more sources");
#  - serve stratum 2 within 15 s of start;
#  - bring its clock within 1 ms of the real one within 20 s, and not step;
#  - cost a dead pool member no more requests than a live source.
# Nothing touches the machine's clock: the namespace forbids it, chronyd
# runs with -x and stratumd on a virtual clock.
# shellcheck source=tests/lib.sh
source "$(dirname "$0")/../lib.sh"
ns_enter "$@"

CHRONYD=$PEERS/chrony/usr/sbin/chronyd
STRATUM=$BUILD/stratum
PORTS="11501 11502 11503 11504" # three servers, then the pool stand-in
SD_PORT=11511
SYNC_DEADLINE=15
OFFSET_DEADLINE=20

skip_all_without_peers "startup"

for p in $PORTS; do
	cat >"$T_TMP/ch.$p.conf" <<EOF
port $p
local stratum 1
allow 127.0.0.0/8
allow ::1
cmdport 0
pidfile $T_TMP/ch.$p.pid
EOF
	start_bg "$T_TMP/ch.$p.log" "$CHRONYD" -x -d -u root \
		-f "$T_TMP/ch.$p.conf"
done

# query PORT: one best-of-three exchange with a stratumd or chronyd;
# the result line goes to $Q_LINE.
query() {
	local out=$T_TMP/q.$1.out
	Q_LINE=""
	timeout 10 "$STRATUM" query -p "$1" -c 3 -i 0.1 -t 1 -v 127.0.0.1 \
		>"$out" 2>&1 || return 1
	Q_LINE=$(grep "^server 127.0.0.1," "$out" | head -n 1)
	[ -n "$Q_LINE" ]
}

up=0
for p in $PORTS; do
	deadline=$((SECONDS + 15))
	while [ "$SECONDS" -lt "$deadline" ]; do
		query "$p" && [ "$(field stratum "$Q_LINE")" = 1 ] && {
			up=$((up + 1))
			break
		}
		sleep 0.3
	done
done
check "four chronyd stand-ins serve stratum 1 (got $up)" [ "$up" = 4 ]

# The lab config: three servers with iburst and the stock pool line
# without it (the pool name is localhost here, resolved by the daemon).
start_stratumd sd "port $SD_PORT
interface ignore all
interface listen 127.0.0.1
clock virtual offset 0.1 freq 20
server 127.0.0.1 port 11501 iburst
server 127.0.0.1 port 11502 iburst
server 127.0.0.1 port 11503 iburst
pool localhost port 11504"
SD_LOG_FILE=$SD_LOG
T0=$EPOCHREALTIME
SD=$SD_PID

elapsed() {
	awk -v a="$EPOCHREALTIME" -v b="$T0" 'BEGIN { printf "%.1f\n", a - b }'
}

# Poll the served state twice a second: when stratum 2 first shows, and
# when the clock is first within 1 ms of the real one.
t_stratum=""
t_offset=""
while kill -0 "$SD" 2>/dev/null; do
	now=$(elapsed)
	awk -v n="$now" 'BEGIN { exit !(n > 30) }' && break
	if query "$SD_PORT"; then
		if [ -z "$t_stratum" ] && [ "$(field stratum "$Q_LINE")" = 2 ]; then
			t_stratum=$now
		fi
		off=$(field offset "$Q_LINE")
		if [ -z "$t_offset" ] && [ -n "$off" ] && abs_le "$off" 0.001; then
			t_offset=$now
		fi
	fi
	[ -n "$t_stratum" ] && [ -n "$t_offset" ] && break
	sleep 0.5
done

echo "# served stratum 2 at ${t_stratum:-never} s, within 1 ms at ${t_offset:-never} s"
check "stratumd logs what it waits for (waiting for N more sources)" \
	grep -q "waiting for [0-9]* more source" "$SD_LOG_FILE"
check "stratumd logs synchronized to a source" \
	grep -q "synchronized to 127.0.0.1" "$SD_LOG_FILE"
check "stratumd serves stratum 2 within $SYNC_DEADLINE s (at ${t_stratum:-never} s)" \
	awk -v t="${t_stratum:-999}" -v d="$SYNC_DEADLINE" 'BEGIN { exit !(t <= d) }'
check "stratumd's clock is within 1 ms of the real one within $OFFSET_DEADLINE s (at ${t_offset:-never} s)" \
	awk -v t="${t_offset:-999}" -v d="$OFFSET_DEADLINE" 'BEGIN { exit !(t <= d) }'
check "stratumd slewed the 0.1 s error without a step" \
	bash -c "! grep -q 'time reset' '$SD_LOG_FILE'"
if [ "$T_FAIL" -gt 0 ]; then
	echo "# stratumd log:"
	sed 's/^/#   /' "$SD_LOG_FILE" | tail -n 40
fi
finish
