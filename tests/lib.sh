# SPDX-License-Identifier: ISC
# Shared helpers for the shell tests.  A test script sources this file,
# calls ns_enter "$@" first (it re-runs the script inside a fresh user +
# network namespace, where only a private loopback exists and no program
# can change the host's clock), then uses ok/fail/skip and start_bg.
#
# Output: one "ok - ...", "not ok - ..." or "skip - ...: reason" line per
# check; `finish` prints "N passed, N failed, N skipped" and sets the exit
# status.  Every background process is started with start_bg and killed
# by PID on exit, even when the script fails.

T_PASS=0
T_FAIL=0
T_SKIP=0
T_PIDS=""
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BUILD=${BUILD:-$ROOT/build}
PEERS=${PEERS:-$BUILD/peers}
T_TMP=""

ns_enter() {
	if [ -z "${STRATUM_IN_NS:-}" ]; then
		exec unshare -rn env STRATUM_IN_NS=1 bash "$0" "$@"
	fi
	ip link set lo up
	T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/stratum-test.XXXXXX")
	chmod 700 "$T_TMP"
	trap t_cleanup EXIT
	trap 'exit 130' INT TERM
}

# userns_enter ARGS: like ns_enter, but the user namespace maps uids and
# gids 0..65535 to the host's, so a daemon inside can drop to another
# uid and /proc shows it (as /work/shared/tools/userns-run).  Needs real
# root outside; elsewhere every check named in $USERNS_CHECKS is skipped.
userns_enter() {
	local fifo pid me i c
	if [ -n "${STRATUM_IN_NS:-}" ]; then
		ns_enter "$@"
		return
	fi
	fifo=$(mktemp -u "${TMPDIR:-/tmp}/stratum-userns.XXXXXX")
	if [ "$(id -u)" -eq 0 ] && mkfifo "$fifo"; then
		STRATUM_IN_NS=1 unshare -U -n bash -c \
			'read -r _ <"$0"; exec bash "$@"' "$fifo" "$0" "$@" &
		pid=$!
		me=$(readlink /proc/self/ns/user)
		for i in $(seq 1 50); do
			[ "$(readlink "/proc/$pid/ns/user" 2>/dev/null)" != "$me" ] && break
			sleep 0.02
		done
		if echo "0 0 65536" >"/proc/$pid/uid_map" 2>/dev/null &&
			echo "0 0 65536" >"/proc/$pid/gid_map" 2>/dev/null; then
			echo go >"$fifo"
			rm -f "$fifo"
			wait "$pid"
			exit
		fi
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		rm -f "$fifo"
	fi
	for c in $USERNS_CHECKS; do
		skip "$c: needs root to map uids into a user namespace"
	done
	finish
	exit
}

t_cleanup() {
	local p
	for p in $T_PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $T_PIDS; do
		wait "$p" 2>/dev/null
	done
	if [ -n "$T_TMP" ] && [ -z "${KEEP_TMP:-}" ]; then
		rm -rf "$T_TMP"
	fi
}

ok() { T_PASS=$((T_PASS + 1)); echo "ok - $*"; }
fail() { T_FAIL=$((T_FAIL + 1)); echo "not ok - $*"; }
skip() { T_SKIP=$((T_SKIP + 1)); echo "skip - $*"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}

# start_bg LOGFILE COMMAND...: run in the background, remember the PID in
# $BG_PID and in the cleanup list.
start_bg() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 &
	BG_PID=$!
	T_PIDS="$T_PIDS $BG_PID"
}

# stop_bg PID: end one background process now.
stop_bg() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	T_PIDS=$(echo " $T_PIDS " | sed "s/ $1 / /")
}

# wait_for_log FILE PATTERN SECONDS: poll until grep finds PATTERN.
wait_for_log() {
	local i
	for i in $(seq 1 $(($3 * 10))); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# start_stratumd NAME CONFIG_TEXT: write the config, start stratumd -d,
# wait for its first "Listen normally" line.  Sets $SD_PID and $SD_LOG.
# $STRATUMD_ARGS adds options to every daemon started this way
# (STRATUMD_ARGS="-F 1" runs the interop suite under seccomp).
start_stratumd() {
	local conf=$T_TMP/$1.conf
	printf '%s\n' "$2" >"$conf"
	SD_LOG=$T_TMP/$1.log
	# shellcheck disable=SC2086 # word splitting wanted
	start_bg "$SD_LOG" "$BUILD/stratumd" -d ${STRATUMD_ARGS:-} -c "$conf"
	SD_PID=$BG_PID
	wait_for_log "$SD_LOG" "Listen normally" 5
}

# peer_paths: the unpacked peers' programs (CHRONYD, CHRONYC, NTPD, NTPQ),
# PYTHONPATH for NTPsec's Python tools, and ntpq() with a 10 s bound.
peer_paths() {
	CHRONYD=$PEERS/chrony/usr/sbin/chronyd
	CHRONYC=$PEERS/chrony/usr/bin/chronyc
	NTPD=$PEERS/ntpsec/usr/sbin/ntpd
	NTPQ=$PEERS/ntpsec/usr/bin/ntpq
	export PYTHONPATH=$PEERS/ntpsec/usr/lib/python3/dist-packages
}
ntpq() { timeout 10 /usr/bin/python3 "$NTPQ" "$@"; }

# have_peers: true when the unpacked chrony and NTPsec are present.
have_peers() {
	[ -x "$PEERS/chrony/usr/sbin/chronyd" ] &&
		[ -x "$PEERS/ntpsec/usr/sbin/ntpd" ]
}

# abs_le VALUE LIMIT: |VALUE| <= LIMIT for decimal numbers.
abs_le() {
	awk -v v="$1" -v l="$2" 'BEGIN { if (v < 0) v = -v; exit !(v <= l) }'
}

finish() {
	echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	[ "$T_FAIL" -eq 0 ]
}

# fixtures_dir: $STRATUM_FIXTURES, else the shared fixtures beside the
# checkout (they may be newer), else the copy in tests/fixtures.
fixtures_dir() {
	if [ -n "${STRATUM_FIXTURES:-}" ]; then
		echo "$STRATUM_FIXTURES"
	elif [ -d "$ROOT/../shared/fixtures" ]; then
		echo "$ROOT/../shared/fixtures"
	else
		echo "$ROOT/tests/fixtures"
	fi
}

# skip_all_without_peers CHECK...: when chrony and NTPsec are not
# unpacked, skip every named check with the reason and end the script.
skip_all_without_peers() {
	local c
	have_peers && return 0
	for c in "$@"; do
		skip "$c: peers not fetched (run make peers)"
	done
	finish
	exit
}

# diag FILE...: show files as TAP-style comments.
diag() {
	local f
	for f in "$@"; do
		echo "  # --- $(basename "$f")"
		sed 's/^/  # /' "$f" 2>/dev/null
	done
}

# field NAME LINE: value after "NAME " in a `stratum query -v` line
# ("server 127.0.0.1, stratum 1, refid LOCL, leap none, offset +0.0000..").
field() {
	printf '%s\n' "$2" | tr ',' '\n' | sed -n "s/^ *$1 //p" | head -n 1
}

# start_ntpd_local: NTPsec ntpd serving its local clock at stratum 10 on
# port 123 of the namespace (selected at once with orphanwait 0; no
# "limited", so repeated queries are never rate-limited; its clock
# adjustments fail with EPERM in the namespace).  Sets N_PID and N_LOG.
start_ntpd_local() {
	local conf=$T_TMP/ntpd.conf
	N_LOG=$T_TMP/ntpd.log
	printf '%s\n' "refclock local stratum 10 minpoll 0 maxpoll 0" \
		"tos orphanwait 0" "restrict default nomodify" \
		"restrict 127.0.0.1 nomodify" "restrict ::1 nomodify" >"$conf"
	start_bg "$N_LOG" "$PEERS/ntpsec/usr/sbin/ntpd" -n -c "$conf"
	N_PID=$BG_PID
}

# query_checks PORT EXIT_CHECK OFFSET_CHECK MAX LOG: `stratum query -v`
# against 127.0.0.1:PORT; EXIT_CHECK passes on exit 0 with a result line,
# OFFSET_CHECK when |offset| <= MAX.  Leaves the result line in $line.
query_checks() {
	local out=$T_TMP/query-v.out rc offset
	timeout 20 "$BUILD/stratum" query -p "$1" -c 4 -i 0.2 -v 127.0.0.1 \
		>"$out" 2>&1
	rc=$?
	sed 's/^/  # /' "$out"
	line=$(grep '^server 127.0.0.1,' "$out" | head -n 1)
	if [ "$rc" -eq 0 ] && [ -n "$line" ]; then
		ok "$2"
	else
		fail "$2 (exit $rc)"
		diag "$5"
	fi
	offset=$(field offset "$line")
	if [ -n "$offset" ] && abs_le "$offset" "$4"; then
		ok "$3 (got $offset)"
	else
		fail "$3 (got '$offset')"
	fi
}

# wait_until SECONDS PID COMMAND...: run COMMAND every half second until
# it succeeds (0), PID has exited or SECONDS have passed (1).
wait_until() {
	local deadline=$((SECONDS + $1)) pid=$2
	shift 2
	while [ "$SECONDS" -lt "$deadline" ]; do
		"$@" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.5
	done
	return 1
}

# start_synced_trio PORT: two stratumd at stratum 1 (PORT+1, PORT+2) and a
# client stratumd on PORT with the virtual clock, polling both every 1-4 s
# (loopstats and peerstats in $T_TMP/stats); waits until it has selected a
# system peer.  Sets $UP1_PID $UP2_PID $CL_PID and $CL_LOG; 1 on failure.
start_synced_trio() {
	local p=$1 u
	for u in 1 2; do
		start_stratumd "up$u" "port $((p + u))
interface ignore all
interface listen 127.0.0.1
clock none
local stratum 1" || return 1
		eval "UP${u}_PID=\$SD_PID"
	done
	mkdir -p "$T_TMP/stats"
	start_stratumd client "port $p
interface ignore all
interface listen 127.0.0.1
clock virtual offset 0.002 freq 5
server 127.0.0.1 port $((p + 1)) iburst minpoll 0 maxpoll 2
server 127.0.0.1 port $((p + 2)) iburst minpoll 0 maxpoll 2
statsdir $T_TMP/stats/
statistics loopstats peerstats" || return 1
	CL_PID=$SD_PID
	CL_LOG=$SD_LOG
	wait_for_log "$CL_LOG" "synchronized to" 40
}

# promtool_fetch: put Prometheus' promtool under $PROM (PROMETHEUS_DIR,
# default build/prometheus) with tests/tools/fetch-promtool.sh, logging
# to $BUILD/fetch-promtool.log.  Call it before ns_enter: the namespace
# has no network.  Nothing is downloaded when it is already there.
PROM=${PROMETHEUS_DIR:-$BUILD/prometheus}
promtool_fetch() {
	[ -n "${STRATUM_IN_NS:-}" ] && return 0
	mkdir -p "$BUILD"
	"$ROOT/tests/tools/fetch-promtool.sh" "$PROM" >"$BUILD/fetch-promtool.log" 2>&1
}
