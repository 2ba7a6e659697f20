#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# The command lines (issue 9 item 1, issue 7 items 1 and 10): ntpd's
# options with ntpd's meanings, ntpd's options we lack refused by name,
# one error line per mistake in one format, --check, --version; and the
# configuration checks an operator sees: authentication we lack refused,
# everything parsed but not enforced named with file:line, control bytes
# escaped, a file that is not a configuration never quoted.
source "$(dirname "$0")/../lib.sh"
ns_enter "$@"

SD=$BUILD/stratumd
# one_line_error DESCRIPTION REGEX COMMAND...: exit 2 or 1, exactly one
# line on stderr (no usage dump), matching REGEX.
one_line_error() {
	local d=$1 re=$2 out rc
	shift 2
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 0 ] && [ "$(wc -l <<<"$out")" -le 2 ] && grep -qE "$re" <<<"$out"; then
		ok "$d: $(head -n1 <<<"$out")"
	else
		fail "$d (exit $rc)"
		sed 's/^/  # /' <<<"$out"
	fi
}

check "stratumd -V" test "$("$SD" -V)" = "stratumd 0.1.0"
check "stratumd --version" test "$("$SD" --version)" = "stratumd 0.1.0"
check "stratum --version" test "$("$BUILD/stratum" --version)" = "stratum 0.1.0"
check "stratumd -h lists --check and -u" \
	bash -c "'$SD' -h | grep -q -- '--check' && '$SD' -h | grep -q -- '-u USER'"
one_line_error "ntpd's -t refused by name" "^stratumd: ntpd's option -t is not supported: trusted keys" "$SD" -t 5
one_line_error "ntpd's -b refused by name" "^stratumd: ntpd's option -b is not supported" "$SD" -b
one_line_error "ntpd's -w refused by name" "^stratumd: ntpd's option -w is not supported" "$SD" -w 30
one_line_error "-U takes seconds" "^stratumd: -U needs seconds 0..86400, not 'x'" "$SD" -U x
one_line_error "unknown option" "^stratumd: unknown option '-y'" "$SD" -y
one_line_error "unknown long option" "^stratumd: unknown option '--frob'" "$SD" --frob
one_line_error "missing argument" "^stratumd: missing argument for option '-c'" "$SD" -c
one_line_error "bad -D level" "^stratumd: -D needs a level" "$SD" -D x
one_line_error "-k names the key file (missing: an error)" "^stratumd: $T_TMP/no.keys: cannot open key file: No such file or directory" \
	"$SD" -n -k "$T_TMP/no.keys" -c "$ROOT/etc/demo.conf"
one_line_error "stratum: unknown option" "^stratum: unknown option '-x'" "$BUILD/stratum" query -x 127.0.0.1
for v in peers sources tracking status counters mrulist; do
	check "stratum $v --help: usage on stdout, exit 0" \
		bash -c "set -o pipefail; '$BUILD/stratum' $v --help | grep -q '^usage: stratum $v .*-h HOST'"
done
one_line_error "stratum status: unknown long option named" "^stratum: unknown option '--frob'" "$BUILD/stratum" status --frob
one_line_error "stratum peers: unknown option named" "^stratum: unknown option '-x'" "$BUILD/stratum" peers -x
one_line_error "stratum: more than 64 addresses said" "^stratum: 65 server addresses; at most 64" \
	"$BUILD/stratum" query $(seq -f '127.0.0.%g' 1 65)

# -n: ntpd's "do not fork": the process we started is the daemon.
conf=$T_TMP/n.conf
printf '%s\n' "port 11150" "interface ignore all" "interface listen 127.0.0.1" \
	"clock none" "local stratum 10" >"$conf"
start_bg "$T_TMP/n.log" "$SD" -n -c "$conf"
N=$BG_PID
wait_for_log "$T_TMP/n.log" "Listen normally" 5
check "-n stays in the foreground (pid $N still ours, answering)" \
	bash -c "kill -0 $N && timeout 5 '$BUILD/stratum' query -c 1 -p 11150 127.0.0.1 >/dev/null"
stop_bg "$N"
# Inherited descriptors are closed; closed 0-2 are reopened on /dev/null.
exec 7>"$T_TMP/inherited"
start_bg "$T_TMP/fd.log" "$SD" -n -c "$conf"
exec 7>&-
N=$BG_PID
wait_for_log "$T_TMP/fd.log" "Listen normally" 5
check "an inherited descriptor is closed (no fd of $N on the inherited file)" \
	bash -c "! ls -l /proc/$N/fd | grep -q '$T_TMP/inherited'"
stop_bg "$N"
"$SD" -n -c "$conf" -l "$T_TMP/closed.log" <&- >&- 2>&- &
N=$!
T_PIDS="$T_PIDS $N"
wait_for_log "$T_TMP/closed.log" "Listen normally" 5
check "started with 0-2 closed: they are /dev/null, the socket is not fd 2" \
	test "$(readlink /proc/$N/fd/2)" = /dev/null
stop_bg "$N"
# -L: no socket on a virtual interface (a label with ':').
ip addr add 127.0.0.9/8 dev lo label lo:9
printf '%s\n' "port 11153" "clock none" "local stratum 10" >"$T_TMP/l.conf"
start_bg "$T_TMP/l0.log" "$SD" -d -c "$T_TMP/l.conf"
L=$BG_PID
wait_for_log "$T_TMP/l0.log" "Listen normally" 5
sleep 0.3
stop_bg "$L"
start_bg "$T_TMP/l1.log" "$SD" -d -L -c "$T_TMP/l.conf"
L=$BG_PID
wait_for_log "$T_TMP/l1.log" "Listen normally" 5
sleep 0.3
stop_bg "$L"
check "-L: lo:9 listened on without -L, not with it" \
	test -n "$(grep 'Listen normally on [0-9]* lo:9 127.0.0.9' "$T_TMP/l0.log")" -a \
	-z "$(grep 'lo:9' "$T_TMP/l1.log")"
# --check is the configuration check, and it starts nothing.
out=$("$SD" --check -c "$conf" 2>&1)
check "--check: $out" test "$out" = "$conf: configuration OK (0 warning(s))"
# -I, -4: listen only where told.
start_bg "$T_TMP/i.log" "$SD" -d -I ::1 -c "$ROOT/etc/demo.conf"
I=$BG_PID
wait_for_log "$T_TMP/i.log" "Listen normally" 5
check "-I ::1 listens on ::1 only" \
	test "$(grep -c 'Listen normally' "$T_TMP/i.log")" = 1 -a -n "$(grep 'Listen normally on 2 lo \[::1\]' "$T_TMP/i.log")"
stop_bg "$I"
start_bg "$T_TMP/4.log" "$SD" -d -4 -c "$ROOT/etc/demo.conf"
I=$BG_PID
wait_for_log "$T_TMP/4.log" "Listen normally" 5
check "-4 listens on IPv4 only" \
	test "$(grep -c 'Listen normally' "$T_TMP/4.log")" = 1 -a -n "$(grep 'Listen normally on 2 lo 127.0.0.1' "$T_TMP/4.log")"
stop_bg "$I"

# Configuration: authentication we lack is an error, never ignored.
# bad_conf NAME TEXT REGEX
bad_conf() {
	printf '%s\n' "$2" >"$T_TMP/$1.conf"
	out=$("$SD" --check -c "$T_TMP/$1.conf" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && grep -qE "$3" <<<"$out"; then
		ok "$1 refused: $(head -n1 <<<"$out" | sed "s|$T_TMP/||")"
	else
		fail "$1 refused (exit $rc)"
		sed 's/^/  # /' <<<"$out"
	fi
}
# Keys: a source's key must exist and be trusted, or nothing starts.
printf '%s\n' "1 MD5 md5secretkey01" "2 SHA1 D98B7740CF6FF94D9A50C05F7249B78942092CE9" >"$T_TMP/ntp.keys"
chmod 600 "$T_TMP/ntp.keys"
printf '%s\n' "1 MD5 md5secretkey01" "3 SHA256 abc" >"$T_TMP/bad.keys"
bad_conf key-without-keys "server 127.0.0.1 key 5" "stratumd: server 127.0.0.1: key 5, but no key file \('keys FILE'\)"
bad_conf keys-missing "keys $T_TMP/none.keys" "stratumd: $T_TMP/none.keys: cannot open key file: No such file or directory"
bad_conf keys-bad-type "keys $T_TMP/bad.keys" "stratumd: $T_TMP/bad.keys:2: key 3: unsupported type 'SHA256' \(MD5, SHA1, AES128CMAC\)"
bad_conf key-not-in-file "keys $T_TMP/ntp.keys
trustedkey 1 2
server 127.0.0.1 key 7" "stratumd: server 127.0.0.1: key 7 is not in $T_TMP/ntp.keys"
bad_conf key-not-trusted "keys $T_TMP/ntp.keys
trustedkey 1
server 127.0.0.1 key 2" "stratumd: server 127.0.0.1: key 2 is not trusted \(add it to 'trustedkey'\)"
printf '%s\n' "keys $T_TMP/ntp.keys" "trustedkey (1 ... 2)" "server 127.0.0.1 key 2" >"$T_TMP/keys-ok.conf"
check "keys, trustedkey range and key N pass --check" "$SD" --check -c "$T_TMP/keys-ok.conf"
chmod 644 "$T_TMP/ntp.keys"
check "a world-readable key file is warned about (and counted)" bash -c \
	"'$SD' --check -c '$T_TMP/keys-ok.conf' 2>&1 | grep -q 'warning: $T_TMP/ntp.keys is readable by every user' &&
	'$SD' --check -c '$T_TMP/keys-ok.conf' 2>/dev/null | grep -q 'configuration OK (1 warning(s))'"
bad_conf noval "server 127.0.0.1 nts noval" "'noval': NTS without certificate checks is not implemented"
# Not enforced: warnings with file:line, at --check and at start.
warn=$T_TMP/warn.conf
printf '%s\n' "port 11151" "interface ignore all" "interface listen 127.0.0.1" \
	"clock none" "leapfile /usr/share/zoneinfo/leap-seconds.list" \
	"statistics rawstats" "tos orphan 10" "peer 127.0.0.1" >"$warn"
out=$("$SD" --check -c "$warn" 2>&1)
for w in "5: warning: leapfile: not read" "6: warning: statistics rawstats: not written" \
	"7: warning: tos orphan: orphan mode is not implemented" \
	"8: warning: peer: symmetric active mode is not implemented"; do
	check "--check says $w" grep -q "warn.conf:$w" <<<"$out"
done
start_bg "$T_TMP/w.log" "$SD" -n -l "$T_TMP/w.file" -c "$warn"
W=$BG_PID
wait_for_log "$T_TMP/w.file" "Listen normally" 5
check "the warnings are in the log file at start too" \
	test "$(grep -c 'warn.conf:[0-9]*: warning' "$T_TMP/w.file")" -eq 4
stop_bg "$W"
# Control bytes escaped; a file that is not a configuration never quoted.
printf 'port 1\n\033[2Jevil\a 1\n' >"$T_TMP/ctl.conf"
out=$("$SD" --check -c "$T_TMP/ctl.conf" 2>&1)
escaped() { grep -qF "'\\x1b[2Jevil\\x07'" <<<"$out" && ! grep -q $'\033' <<<"$out"; }
check "control bytes escaped: $(head -n1 <<<"$out" | sed "s|$T_TMP/||")" escaped
printf 'root:$6$SECRETHASH:19000:0:99999:7:::\nntp:*:19000::::::\n' >"$T_TMP/shadow"
printf 'port 11152\nincludefile %s\n' "$T_TMP/shadow" >"$T_TMP/inc.conf"
out=$("$SD" --check -c "$T_TMP/inc.conf" 2>&1)
rc=$?
check "includefile of a non-config: refused (exit $rc), nothing quoted: $(head -n1 <<<"$out" | sed "s|$T_TMP/||")" \
	test $rc -ne 0 -a -z "$(grep -e SECRETHASH -e 'ntp:\*' <<<"$out")" -a \
	-n "$(grep 'does not look like an ntp.conf file' <<<"$out")"
finish
