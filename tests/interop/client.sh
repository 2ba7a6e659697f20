#!/bin/bash
# SPDX-License-Identifier: ISC
# stratumd as a client of real NTP servers, in real time:
#  1. stratumd on a virtual clock started 0.25 s fast with a +50 ppm
#     frequency error synchronizes to chronyd (stratum 1): it steps about
#     -0.25 s, comes within 1 ms of the real clock within 60 s and stays
#     there, learns a frequency near -50 ppm (loopstats), and serves
#     stratum 2 with refid 127.0.0.1;
#  2. the same against NTPsec's ntpd serving its local clock (stratum 11),
#     allowing 90 s;
#  3. a chain chronyd -> stratumd A (clock none, on 127.0.0.2) ->
#     stratumd B (virtual clock 0.1 s fast, +20 ppm): A serves stratum 2
#     with refid 127.0.0.1, B stratum 3 with refid 127.0.0.2;
#  4. chronyd, configured from the CentOS chrony.conf fixture pointed at
#     stratumd, selects stratumd as its source.
# The real clock is the reference every daemon shares; `stratum query`
# against a stratumd measures how far its virtual clock is from it.  Nothing
# here touches the machine's clock: everything runs in a private user +
# network namespace (ns_enter), chronyd runs with -x, ntpd's adjustments
# fail with EPERM there, and stratumd uses "clock virtual" or "clock none".
# The four parts run side by side, watched by one loop polling every 5 s.

# shellcheck source=tests/lib.sh
source "$(dirname "$0")/../lib.sh"
ns_enter "$@"

CHRONYD=$PEERS/chrony/usr/sbin/chronyd
CHRONYC=$PEERS/chrony/usr/bin/chronyc
STRATUM=$BUILD/stratum
FIXTURES=$(fixtures_dir)
CHRONY_FIXTURE=$FIXTURES/centos-chrony.conf

CH_PORT=11401 # chronyd, local stratum 1
B1_PORT=11411 # stratumd, virtual clock, client of chronyd
B2_PORT=11412 # stratumd, virtual clock, client of ntpd (port 123)
A_PORT=11413  # stratumd A on 127.0.0.2, clock none, client of chronyd
B3_PORT=11414 # stratumd B, virtual clock, client of A
S4_PORT=11415 # stratumd, local stratum 10, server of the chronyd client
A_ADDR=127.0.0.2

MAX_OFFSET=0.001 # within 1 ms of the real clock ...
B1_DEADLINE=60   # ... within this many seconds of start (chronyd server)
B2_DEADLINE=90   # ... or this many (ntpd server)
POLL=5           # seconds between measurements
FREQ_WANT=-50    # ppm: the discipline cancels the virtual clock's +50 ppm
FREQ_TOL=5

CHECKS=(
	"chronyd serves its local clock at stratum 1 on 127.0.0.1:$CH_PORT"
	"stratumd (virtual clock +0.25 s, +50 ppm) logs synchronized to 127.0.0.1, stratum 1"
	"stratumd steps its clock by about -0.25 s (time reset)"
	"stratumd's clock is within $MAX_OFFSET s of the real clock within ${B1_DEADLINE} s and stays there"
	"stratumd synced to chronyd serves stratum 2, refid 127.0.0.1"
	"stratumd's loopstats frequency is within $FREQ_TOL ppm of $FREQ_WANT ppm"
	"ntpd serves its local clock on 127.0.0.1:123 (synchronized)"
	"stratumd (virtual clock +0.25 s, +50 ppm) logs synchronized to ntpd at 127.0.0.1"
	"stratumd steps its clock by about -0.25 s from ntpd (time reset)"
	"stratumd's clock is within $MAX_OFFSET s of the real clock within ${B2_DEADLINE} s (ntpd) and stays there"
	"stratumd synced to ntpd serves ntpd's stratum + 1, refid 127.0.0.1"
	"stratumd's loopstats frequency (ntpd) is within $FREQ_TOL ppm of $FREQ_WANT ppm"
	"chain: stratumd A (clock none, $A_ADDR) logs synchronized to 127.0.0.1, stratum 1"
	"chain: A serves stratum 2, refid 127.0.0.1, its clock (the real one) within $MAX_OFFSET s"
	"chain: stratumd B logs synchronized to $A_ADDR, stratum 2"
	"chain: B serves stratum 3, refid $A_ADDR"
	"stratumd serves its local clock at stratum 10 on 127.0.0.1:$S4_PORT"
	"chronyd starts from centos-chrony.conf edited to use stratumd"
	"chronyd (centos-chrony.conf) selects stratumd (^*)"
)
# Index of the first check of each part.
C1=0 C2=6 C3=12 C4=16

skip_all_without_peers "${CHECKS[@]}"

# diag_tail N FILE...: the last N lines of each file.
diag_tail() {
	local n=$1 f
	shift
	for f in "$@"; do
		echo "  # --- $(basename "$f") (last $n lines)"
		tail -n "$n" "$f" 2>/dev/null | sed 's/^/  # /'
	done
}

note() { echo "  # $*"; }

# elapsed: seconds since T0 (the start of the stratumds), one decimal.
elapsed() {
	awk -v a="$EPOCHREALTIME" -v b="$T0" 'BEGIN { printf "%.1f\n", a - b }'
}

# query NAME ADDR PORT: best of three exchanges (the one with the least
# delay) with a server; the output goes to $T_TMP/q.NAME.out and its
# result line ("server ADDR, stratum ...") into $Q_LINE.  Fails when the
# server does not answer, or answers unsynchronized.
query() {
	local out=$T_TMP/q.$1.out
	Q_LINE=""
	timeout 10 "$STRATUM" query -p "$3" -c 3 -i 0.2 -t 1 -v "$2" >"$out" 2>&1 ||
		return 1
	Q_LINE=$(grep "^server $2," "$out" | head -n 1)
	[ -n "$Q_LINE" ]
}

# track NAME ADDR PORT: one measurement of a stratumd, appended to
# $T_TMP/track.NAME as "ELAPSED OFFSET STRATUM REFID ROOTDIST" ("-" for
# each when it did not answer synchronized); the last good line is kept
# in $T_TMP/last.NAME.
track() {
	local t off
	t=$(elapsed)
	if query "$@"; then
		off=$(field offset "$Q_LINE")
		echo "$t ${off:--} $(field stratum "$Q_LINE") $(field refid "$Q_LINE")" \
			"$(field 'root distance' "$Q_LINE")" >>"$T_TMP/track.$1"
		printf '%s\n' "$Q_LINE" >"$T_TMP/last.$1"
	else
		echo "$t - - - -" >>"$T_TMP/track.$1"
	fi
}

# settled NAME: the time of the first measurement from which on every
# measurement was within MAX_OFFSET (empty if the last one was not).
settled() {
	awk -v lim="$MAX_OFFSET" '
		{ o = $2; if (o != "-" && o < 0) o = -o }
		$2 == "-" || o > lim { s = ""; next }
		s == "" { s = $1 }
		END { print s }' "$T_TMP/track.$1"
}

# good_tail NAME: how many measurements at the end were within MAX_OFFSET.
good_tail() {
	awk -v lim="$MAX_OFFSET" '
		{ o = $2; if (o != "-" && o < 0) o = -o }
		$2 == "-" || o > lim { n = 0; next }
		{ n++ }
		END { print n + 0 }' "$T_TMP/track.$1"
}

# log_since_start LOG PATTERN: seconds from stratumd's "starting" line to
# the first line matching PATTERN (log timestamps have 1 s resolution).
log_since_start() {
	PAT=$2 awk '
		function sec(t, a) { split(t, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
		/stratumd [0-9.]*: starting/ && s == "" { s = sec($3) }
		$0 ~ ENVIRON["PAT"] && s != "" { d = sec($3) - s; if (d < 0) d += 86400; print d; exit }' "$1"
}

# time_reset LOG: the value of the first "time reset" line.
time_reset() {
	sed -n 's/.*time reset \([-+0-9.]*\) s$/\1/p' "$1" | head -n 1
}

# loop_freq DIR: the frequency (ppm, 4th column) of the last loopstats line.
loop_freq() {
	cat "$1"/loopstats.* 2>/dev/null | tail -n 1 | awk '{ print $4 }'
}

# in_range VALUE LOW HIGH
in_range() {
	awk -v v="$1" -v l="$2" -v h="$3" 'BEGIN { exit !(v != "" && v >= l && v <= h) }'
}

# ---------------------------------------------------------------------
# The servers: chronyd (local stratum 1) and ntpd (its local clock at
# stratum 10, so it serves 11; config as in ntpsec.sh: orphanwait 0 so it
# selects the local clock at once, no rate limiting).

# 127.0.0.2 must be an address of lo for stratumd to listen on it (it binds
# the interface addresses it finds); the route for 127/8 is not enough.
ip addr add "$A_ADDR/8" dev lo 2>"$T_TMP/ip.err" ||
	note "ip addr add $A_ADDR/8 dev lo failed: $(cat "$T_TMP/ip.err")"

CH_CONF=$T_TMP/chronyd.conf
CH_LOG=$T_TMP/chronyd.log
cat >"$CH_CONF" <<EOF
port $CH_PORT
local stratum 1
allow 127.0.0.0/8
cmdport 0
pidfile $T_TMP/chronyd.pid
EOF
start_bg "$CH_LOG" "$CHRONYD" -x -d -u root -f "$CH_CONF"
CH_PID=$BG_PID

start_ntpd_local

# chronyd answers within a second or two; 15 s at most.
if wait_until 15 "$CH_PID" query chronyd 127.0.0.1 "$CH_PORT" &&
	[ "$(field stratum "$Q_LINE")" = 1 ]; then
	ok "${CHECKS[C1]}"
else
	fail "${CHECKS[C1]}"
	diag "$T_TMP/q.chronyd.out" "$CH_LOG"
fi

# ---------------------------------------------------------------------
# The stratumds, all started now.  B2 starts together with ntpd, before
# ntpd answers as synchronized: it has to wait for it.

# started NAME RC: report a stratumd that did not come up (its checks
# fail later on their own).
started() {
	[ "$2" = 0 ] && return
	note "stratumd $1 did not start listening"
	diag "$T_TMP/$1.log"
}

SD_COMMON="interface ignore all"
mkdir -p "$T_TMP/stats.b1" "$T_TMP/stats.b2" "$T_TMP/stats.b3"
T0=$EPOCHREALTIME

start_stratumd b1 "port $B1_PORT
$SD_COMMON
interface listen 127.0.0.1
clock virtual offset 0.25 freq 50
server 127.0.0.1 port $CH_PORT iburst minpoll 0 maxpoll 2
statsdir $T_TMP/stats.b1/
statistics loopstats peerstats
driftfile $T_TMP/b1.drift"
started b1 $?
B1_LOG=$SD_LOG

start_stratumd b2 "port $B2_PORT
$SD_COMMON
interface listen 127.0.0.1
clock virtual offset 0.25 freq 50
server 127.0.0.1 port 123 iburst minpoll 0 maxpoll 2
statsdir $T_TMP/stats.b2/
statistics loopstats peerstats
driftfile $T_TMP/b2.drift"
started b2 $?
B2_LOG=$SD_LOG

start_stratumd a "port $A_PORT
$SD_COMMON
interface listen $A_ADDR
clock none
server 127.0.0.1 port $CH_PORT iburst minpoll 0 maxpoll 2"
started a $?
A_LOG=$SD_LOG

start_stratumd b3 "port $B3_PORT
$SD_COMMON
interface listen 127.0.0.1
clock virtual offset 0.1 freq 20
server $A_ADDR port $A_PORT iburst minpoll 0 maxpoll 2
statsdir $T_TMP/stats.b3/
statistics loopstats peerstats"
started b3 $?
B3_LOG=$SD_LOG

start_stratumd s4 "port $S4_PORT
$SD_COMMON
interface listen 127.0.0.1
clock none
local stratum 10"
s4_rc=$?
S4_LOG=$SD_LOG
if [ "$s4_rc" = 0 ] && query s4 127.0.0.1 "$S4_PORT" &&
	[ "$(field stratum "$Q_LINE")" = 10 ]; then
	ok "${CHECKS[C4]}"
else
	fail "${CHECKS[C4]}"
	diag "$T_TMP/q.s4.out" "$S4_LOG"
fi

# ---------------------------------------------------------------------
# chronyd as a client of stratumd, from the CentOS fixture: the LAN server
# becomes 127.0.0.1 on stratumd's port, polled every 1-2 s; the drift file
# moves into $T_TMP; rtcsync (the RTC) goes; makestep stays; a Unix command
# socket replaces the UDP one; port 0 keeps it a pure client (port 123
# belongs to ntpd here).

CL_CONF=$T_TMP/chronyd-centos.conf
CL_LOG=$T_TMP/chronyd-centos.log
CL_SOCK=$T_TMP/chronyd-centos.sock
CL_PID=""
CL_STARTED=0
if [ -r "$CHRONY_FIXTURE" ]; then
	sed -e "s/^\(server\) splunk-server\( .*\)\{0,1\}$/\1 127.0.0.1 port $S4_PORT\2 minpoll 0 maxpoll 1/" \
		-e "s|^driftfile .*|driftfile $T_TMP/chronyd-centos.drift|" \
		-e '/^rtcsync/d' "$CHRONY_FIXTURE" >"$CL_CONF"
	cat >>"$CL_CONF" <<EOF
port 0
cmdport 0
bindcmdaddress $CL_SOCK
pidfile $T_TMP/chronyd-centos.pid
EOF
	if grep -q "^server 127\.0\.0\.1 port $S4_PORT iburst minpoll 0 maxpoll 1$" "$CL_CONF" &&
		grep -q '^makestep ' "$CL_CONF" && ! grep -q 'rtcsync\|splunk-server\|/var/lib' "$CL_CONF"; then
		start_bg "$CL_LOG" "$CHRONYD" -x -d -u root -f "$CL_CONF"
		CL_PID=$BG_PID
		CL_STARTED=1
	else
		fail "${CHECKS[C4 + 1]} (the edit of the fixture did not come out as expected)"
		diag "$CL_CONF"
		skip "${CHECKS[C4 + 2]}: chronyd not started"
	fi
else
	skip "${CHECKS[C4 + 1]}: no fixture $CHRONY_FIXTURE"
	skip "${CHECKS[C4 + 2]}: no fixture $CHRONY_FIXTURE"
fi

# ---------------------------------------------------------------------
# Watch everything every POLL seconds: the two virtual-clock stratumds
# (B1, B2), the chain (A, B3), ntpd until it answers synchronized, and
# the chronyd client until it selects stratumd.  At least until
# B1_DEADLINE; longer (up to B2_DEADLINE) while B2 or the chronyd client
# are not there yet.  Each round takes about 2 s.

NTPD_READY=""
NTPD_LINE=""
CL_SELECTED=""
CL_DONE=$((1 - CL_STARTED))
SRC_OUT=$T_TMP/chronyc-sources.out
k=0
while :; do
	k=$((k + 1))
	wait_s=$(awk -v a="$EPOCHREALTIME" -v b="$T0" -v t=$((k * POLL)) \
		'BEGIN { w = b + t - a; printf "%.3f\n", (w > 0 ? w : 0) }')
	sleep "$wait_s"
	track b1 127.0.0.1 "$B1_PORT"
	track b2 127.0.0.1 "$B2_PORT"
	track a "$A_ADDR" "$A_PORT"
	track b3 127.0.0.1 "$B3_PORT"
	if [ -z "$NTPD_READY" ] && query ntpd 127.0.0.1 123; then
		NTPD_READY=$(elapsed)
		NTPD_LINE=$Q_LINE
	fi
	if [ "$CL_DONE" = 0 ]; then
		timeout 5 "$CHRONYC" -h "$CL_SOCK" -n sources >"$SRC_OUT" 2>&1
		if grep -q '^\^\* *127\.0\.0\.1[: ]' "$SRC_OUT"; then
			CL_SELECTED=$(elapsed)
			CL_DONE=1
		elif ! kill -0 "$CL_PID" 2>/dev/null; then
			CL_DONE=1
		fi
	fi
	t=$((k * POLL))
	[ "$t" -ge "$B2_DEADLINE" ] && break
	[ "$t" -lt "$B1_DEADLINE" ] && continue
	[ "$CL_DONE" = 1 ] && [ "$(good_tail b2)" -ge 3 ] && break
done
note "watched for $(elapsed) s"

# ---------------------------------------------------------------------
# 1. and 2.: the virtual clocks disciplined by chronyd and by ntpd.

# judge PART NAME LOG STATSDIR DEADLINE SERVER_STRATUM
judge() {
	local c=$1 n=$2 log=$3 dir=$4 deadline=$5 sst=$6
	local st reset settle last off freq line tail_n

	st=$(log_since_start "$log" "synchronized to 127\\.0\\.0\\.1, stratum $sst")
	if [ -n "$sst" ] && [ -n "$st" ]; then
		ok "${CHECKS[c]} (after ${st} s)"
	else
		fail "${CHECKS[c]}"
	fi

	reset=$(time_reset "$log")
	if in_range "$reset" -0.26 -0.24; then
		ok "${CHECKS[c + 1]} (time reset $reset s)"
	else
		fail "${CHECKS[c + 1]} (time reset '${reset}')"
	fi

	settle=$(settled "$n")
	tail_n=$(good_tail "$n")
	last=$(tail -n 1 "$T_TMP/track.$n")
	off=$(echo "$last" | awk '{ print $2 }')
	if [ -n "$settle" ] && in_range "$settle" 0 "$deadline" && [ "$tail_n" -ge 2 ]; then
		ok "${CHECKS[c + 2]} (from ${settle} s on, $tail_n measurements; last offset $off s)"
	else
		fail "${CHECKS[c + 2]} (settled '${settle}', last offset '$off')"
	fi
	note "$n: offsets measured (elapsed s, offset s):" \
		"$(awk '{ printf "%s %s; ", $1, $2 }' "$T_TMP/track.$n")"

	line=$(cat "$T_TMP/last.$n" 2>/dev/null)
	if [ -n "$sst" ] && [ "$(field stratum "$line")" = $((sst + 1)) ] &&
		[ "$(field refid "$line")" = 127.0.0.1 ] && [ "$(field leap "$line")" = none ]; then
		ok "${CHECKS[c + 3]} (stratum $(field stratum "$line"), refid $(field refid "$line"))"
	else
		fail "${CHECKS[c + 3]} (last answer: '${line}')"
	fi

	freq=$(loop_freq "$dir")
	if [ -n "$freq" ] && abs_le "$(awk -v f="$freq" -v w="$FREQ_WANT" 'BEGIN { print f - w }')" "$FREQ_TOL"; then
		ok "${CHECKS[c + 4]} ($freq ppm, $(cat "$dir"/loopstats.* | wc -l) lines)"
	else
		fail "${CHECKS[c + 4]} (got '${freq}')"
	fi

	note "$n: figures: time reset ${reset:-none} s, synchronized after ${st:-?} s," \
		"within $MAX_OFFSET s from ${settle:-never} s, final offset ${off:-?} s," \
		"frequency ${freq:-?} ppm, served stratum $(field stratum "$line") refid $(field refid "$line")," \
		"root distance $(field 'root distance' "$line") s"
	if [ "$T_FAIL" -gt "$FAILS_BEFORE" ]; then
		diag "$log"
		diag_tail 10 "$dir"/loopstats.*
		diag_tail 5 "$dir"/peerstats.*
	fi
}

FAILS_BEFORE=$T_FAIL
judge $((C1 + 1)) b1 "$B1_LOG" "$T_TMP/stats.b1" "$B1_DEADLINE" 1
[ "$T_FAIL" -gt "$FAILS_BEFORE" ] && diag "$CH_LOG"

# 2. ntpd
FAILS_BEFORE=$T_FAIL
if [ -n "$NTPD_READY" ]; then
	ok "${CHECKS[C2]} (answered synchronized ${NTPD_READY} s after start)"
	note "ntpd: $NTPD_LINE"
else
	fail "${CHECKS[C2]}"
	kill -0 "$N_PID" 2>/dev/null || note "ntpd has exited"
	diag "$T_TMP/q.ntpd.out"
fi
N_STRATUM=$(field stratum "$NTPD_LINE")
judge $((C2 + 1)) b2 "$B2_LOG" "$T_TMP/stats.b2" "$B2_DEADLINE" "$N_STRATUM"
[ "$T_FAIL" -gt "$FAILS_BEFORE" ] && diag "$N_LOG"

# ---------------------------------------------------------------------
# 3. The chain chronyd -> A -> B3.

FAILS_BEFORE=$T_FAIL
st=$(log_since_start "$A_LOG" 'synchronized to 127\.0\.0\.1, stratum 1')
if [ -n "$st" ]; then
	ok "${CHECKS[C3]} (after $st s)"
else
	fail "${CHECKS[C3]}"
fi
line=$(cat "$T_TMP/last.a" 2>/dev/null)
off=$(field offset "$line")
if [ "$(field stratum "$line")" = 2 ] && [ "$(field refid "$line")" = 127.0.0.1 ] &&
	[ -n "$off" ] && abs_le "$off" "$MAX_OFFSET"; then
	ok "${CHECKS[C3 + 1]} (offset $off s)"
else
	fail "${CHECKS[C3 + 1]} (last answer: '${line}')"
fi
st=$(log_since_start "$B3_LOG" "synchronized to ${A_ADDR//./\\.}, stratum 2")
if [ -n "$st" ]; then
	ok "${CHECKS[C3 + 2]} (after $st s)"
else
	fail "${CHECKS[C3 + 2]}"
fi
line=$(cat "$T_TMP/last.b3" 2>/dev/null)
if [ "$(field stratum "$line")" = 3 ] && [ "$(field refid "$line")" = "$A_ADDR" ] &&
	[ "$(field leap "$line")" = none ]; then
	ok "${CHECKS[C3 + 3]}"
else
	fail "${CHECKS[C3 + 3]} (last answer: '${line}')"
fi
note "a: $(cat "$T_TMP/last.a" 2>/dev/null)"
note "b3: $(cat "$T_TMP/last.b3" 2>/dev/null)"
b3_reset=$(time_reset "$B3_LOG")
note "b3: time reset ${b3_reset:-none (slews)}${b3_reset:+ s}, frequency $(loop_freq "$T_TMP/stats.b3") ppm," \
	"offsets (elapsed s, offset s): $(awk '{ printf "%s %s; ", $1, $2 }' "$T_TMP/track.b3")"
if [ "$T_FAIL" -gt "$FAILS_BEFORE" ]; then
	diag "$A_LOG" "$B3_LOG" "$CH_LOG"
	diag_tail 5 "$T_TMP"/stats.b3/loopstats.*
fi

# ---------------------------------------------------------------------
# 4. chronyd from the fixture.

if [ "$CL_STARTED" = 1 ]; then
	if [ -S "$CL_SOCK" ]; then
		ok "${CHECKS[C4 + 1]}"
	else
		fail "${CHECKS[C4 + 1]} (no command socket)"
		diag "$CL_CONF" "$CL_LOG"
	fi
	ND_OUT=$T_TMP/chronyc-ntpdata.out
	timeout 5 "$CHRONYC" -h "$CL_SOCK" -n ntpdata >"$ND_OUT" 2>&1
	grep -E '^\^' "$SRC_OUT" | sed 's/^/  # chronyc: /'
	grep -E '^(Stratum|Reference ID|Offset|NTP tests|Total)' "$ND_OUT" |
		sed 's/^/  # chronyc: /'
	if [ -n "$CL_SELECTED" ]; then
		ok "${CHECKS[C4 + 2]} (seen at ${CL_SELECTED} s)"
	else
		fail "${CHECKS[C4 + 2]}"
		diag "$SRC_OUT" "$CL_CONF" "$CL_LOG" "$S4_LOG"
	fi
fi

finish
