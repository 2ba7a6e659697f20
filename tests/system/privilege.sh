#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# Least privilege (issue 7 item 6), observed from /proc inside a user
# namespace whose uids map to the host's: stratumd binds port 123 as root,
# then runs as the -u user with no capability (clock none/virtual), with
# NoNewPrivs set; -F 1 adds the seccomp filter; -i changes its root; the
# drop keeps exactly CAP_SYS_TIME when the system backend would need it
# (shown with ostest, which drops the same way without touching a clock).
USERNS_CHECKS="keys-before-drop nts-after-drop ntpd-command-line detached-uid unprivileged-port uid gid capabilities no-new-privs seccomp chroot keep-cap-sys-time keep-cap-net-bind new-address-port-123 reload-key-owner reload-after-drop no-bind-cap-container"
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../pki.sh"
userns_enter "$@"

status() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }

conf=$T_TMP/priv.conf
printf '%s\n' "port 123" "interface ignore all" "interface listen 127.0.0.1" \
	"clock none" "local stratum 10" "server time.invalid iburst" >"$conf"
chmod 755 "$T_TMP"

start_bg "$T_TMP/a.log" "$BUILD/stratumd" -d -u 65534:65534 -U 0 -c "$conf"
A=$BG_PID
wait_for_log "$T_TMP/a.log" "running as uid" 5
check "uid 65534 after start (Uid: $(status $A Uid))" \
	test "$(status $A Uid)" = "$(printf '65534\t65534\t65534\t65534')"
check "gid 65534, no other group (Gid: $(status $A Gid), Groups: $(status $A Groups))" \
	test "$(status $A Gid)" = "$(printf '65534\t65534\t65534\t65534')" -a \
	"$(status $A Groups | tr -d ' ')" = 65534
check "no capability with clock none and -U 0 (CapEff $(status $A CapEff), CapPrm $(status $A CapPrm))" \
	test "$(status $A CapEff)" = 0000000000000000 -a \
	"$(status $A CapPrm)" = 0000000000000000
check "NoNewPrivs set" test "$(status $A NoNewPrivs)" = 1
out=$(timeout 10 "$BUILD/stratum" query -c 1 127.0.0.1 2>&1)
check "port 123 bound before the drop, served after it" \
	grep -q "^.*adjust time server 127.0.0.1" <<<"$out"
wait_for_log "$T_TMP/a.log" "cannot resolve time.invalid" 5
check "the resolver child is forked after the drop (log order)" \
	test "$(grep -n 'running as uid' "$T_TMP/a.log" | cut -d: -f1)" -lt \
	"$(grep -n 'cannot resolve' "$T_TMP/a.log" | head -n1 | cut -d: -f1)"
stop_bg $A

mkdir -p "$T_TMP/jail"
start_bg "$T_TMP/b.log" "$BUILD/stratumd" -d -u nobody -F 1 -i "$T_TMP/jail" \
	-c "$conf"
B=$BG_PID
wait_for_log "$T_TMP/b.log" "seccomp allow-list active" 5
check "seccomp filter on with -F 1 (Seccomp: $(status $B Seccomp))" \
	test "$(status $B Seccomp)" = 2
check "chroot with -i ($(readlink /proc/$B/root))" \
	test "$(readlink /proc/$B/root)" = "$T_TMP/jail"
check "port 123 with interface rescans: only CAP_NET_BIND_SERVICE kept (CapEff $(status $B CapEff))" \
	test "$(status $B CapEff)" = 0000000000000400 -a \
	"$(status $B CapPrm)" = 0000000000000400
out=$(timeout 10 "$BUILD/stratum" query -c 2 -i 0.2 127.0.0.1 2>&1)
check "served under seccomp and chroot" grep -q "adjust time server" <<<"$out"
check "still running under seccomp" kill -0 $B
stop_bg $B
check "exited cleanly on SIGTERM" grep -q "exiting on signal 15" "$T_TMP/b.log"

# The key file is read before the drop: root's alone (0600), it still
# signs replies as uid 65534 in a chroot under seccomp.  The client is a
# few lines of Python: MD5(key || request) after key id 1.
printf '%s\n' "1 MD5 md5secretkey01" >"$T_TMP/ntp.keys"
chmod 600 "$T_TMP/ntp.keys"
printf '%s\n' "port 123" "interface ignore all" "interface listen 127.0.0.1" \
	"clock none" "local stratum 10" "keys $T_TMP/ntp.keys" "trustedkey 1" \
	>"$T_TMP/k.conf"
start_bg "$T_TMP/k.log" "$BUILD/stratumd" -d -u 65534:65534 -F 1 \
	-i "$T_TMP/jail" -c "$T_TMP/k.conf"
KP=$BG_PID
wait_for_log "$T_TMP/k.log" "seccomp allow-list active" 5
signed=$(/usr/bin/python3 - <<'EOF'
import hashlib, os, socket, struct
key = b"md5secretkey01"
req = b"\x23" + b"\0" * 39 + os.urandom(8)
req += struct.pack("!I", 1) + hashlib.md5(key + req).digest()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(req, ("127.0.0.1", 123))
rep = s.recv(200)
ok = (len(rep) == 68 and rep[24:32] == req[40:48] and
      rep[48:52] == struct.pack("!I", 1) and
      rep[52:] == hashlib.md5(key + rep[:48]).digest())
print("signed" if ok else "bad reply of %d bytes" % len(rep))
EOF
)
check "keys-before-drop: a 0600 key file signs replies as uid 65534 under seccomp and chroot ($signed)" \
	test "$signed" = signed -a "$(status $KP Uid | cut -f1)" = 65534
stop_bg $KP

# NTS server after the drop: the certificate's key is root's alone (0600)
# and read before it; the KE listener (port 4460) and the cookie keys
# (ntsdumpdir, the daemon user's) work as uid 65534 under seccomp.  A
# stratumd NTS client (not dropped) on another port syncs through it.
pki_ca "$T_TMP/pki" && pki_cert "$T_TMP/pki" server "IP:127.0.0.1"
mkdir -p "$T_TMP/ntsdump" && chown 65534:65534 "$T_TMP/ntsdump"
printf '%s\n' "port 123" "interface ignore all" "interface listen 127.0.0.1" \
	"clock none" "local stratum 10" "ntsservercert $T_TMP/pki/server.pem" \
	"ntsserverkey $T_TMP/pki/server.key" "ntsdumpdir $T_TMP/ntsdump" \
	>"$T_TMP/ns.conf"
start_bg "$T_TMP/ns.log" "$BUILD/stratumd" -d -u 65534:65534 -F 1 -c "$T_TMP/ns.conf"
NP=$BG_PID
wait_for_log "$T_TMP/ns.log" "seccomp allow-list active" 5
printf '%s\n' "port 11190" "interface ignore all" "interface listen 127.0.0.1" \
	"clock virtual" "server 127.0.0.1 nts ca $T_TMP/pki/ca.pem iburst minpoll 0 maxpoll 0" \
	>"$T_TMP/nc.conf"
start_bg "$T_TMP/nc.log" "$BUILD/stratumd" -d -c "$T_TMP/nc.conf"
NC=$BG_PID
for _ in $(seq 1 100); do
	grep -q "synchronized to 127.0.0.1" "$T_TMP/nc.log" && break
	sleep 0.2
done
check "nts-after-drop: a 0600 certificate key, KE and NTS answers as uid 65534 under seccomp ($(grep -o 'NTS-KE done.*cookies' "$T_TMP/nc.log" | head -n1))" \
	bash -c "grep -q 'NTS-KE done' '$T_TMP/nc.log' && grep -q 'synchronized to 127.0.0.1' '$T_TMP/nc.log' &&
		test \"\$(sed -n 's/^Uid:[[:space:]]*//p' /proc/$NP/status | cut -f1)\" = 65534 &&
		test -n \"\$(ls '$T_TMP/ntsdump')\""
stop_bg $NC
stop_bg $NP
check "the NTS server ran to the end under seccomp (clean exit)" \
	grep -q "exiting on signal 15" "$T_TMP/ns.log"

# An address that appears after the drop is bound on port 123 too.
printf '%s\n' "port 123" "interface ignore all" "interface listen 127.0.0.1" \
	"interface listen 10.78.0.0/24" "clock none" "local stratum 10" \
	>"$T_TMP/e.conf"
mkdir "$T_TMP/run"
start_bg "$T_TMP/e.log" "$BUILD/stratumd" -d -u 65534:65534 -F 1 \
	--rundir "$T_TMP/run" -c "$T_TMP/e.conf"
E=$BG_PID
wait_for_log "$T_TMP/e.log" "seccomp allow-list active" 5
ip addr add 10.78.0.1/24 dev lo
wait_for_log "$T_TMP/e.log" "Listen normally on [0-9]* lo 10.78.0.1:123" 30
out=$(timeout 10 "$BUILD/stratum" query -c 1 10.78.0.1 2>&1)
check "an address added after the drop is served on port 123 (uid 65534, seccomp)" \
	grep -q "adjust time server 10.78.0.1" <<<"$out"
check "the reload secret belongs to the daemon's user, mode 0600 ($(stat -c %u:%a "$T_TMP/run/reload.key"))" \
	test "$(stat -c %u:%a "$T_TMP/run/reload.key")" = 65534:600
echo "restrict 10.78.0.0 mask 255.255.255.0 noserve" >>"$T_TMP/e.conf"
out=$("$BUILD/stratum" reload --rundir "$T_TMP/run" 2>&1)
check "stratum reload after the drop, under seccomp: $(tail -n 1 <<<"$out")" \
	grep -q "restrict rules changed" <<<"$out"
check "...and the daemon is still running" kill -0 $E
stop_bg $E

# A container that lets root bind port 123 without CAP_NET_BIND_SERVICE
# (ip_unprivileged_port_start 0, the capability not in the bounding
# set): -u still works, and says addresses added later cannot be served.
if echo 0 >/proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null; then
	start_bg "$T_TMP/g.log" setpriv --bounding-set -net_bind_service \
		"$BUILD/stratumd" -d -u 65534:65534 -c "$conf"
	G=$BG_PID
	wait_for_log "$T_TMP/g.log" "running as uid" 5
	check "no CAP_NET_BIND_SERVICE to keep: -u still starts, and says so" \
		grep -q "no CAP_NET_BIND_SERVICE to keep" "$T_TMP/g.log"
	check "...serving on port 123" \
		bash -c "timeout 10 '$BUILD/stratum' query -c 1 127.0.0.1 2>&1 | grep -q 'adjust time server'"
	stop_bg $G
	echo 1024 >/proc/sys/net/ipv4/ip_unprivileged_port_start
else
	fail "cannot set ip_unprivileged_port_start in the namespace"
fi

out=$("$BUILD/ostest" priv 65534:65534 1)
check "system backend's drop keeps exactly CAP_SYS_TIME (CapEff $(sed -n 's/^CapEff:\t//p' <<<"$out"))" \
	grep -q "^CapEff:[[:space:]]*0000000002000000$" <<<"$out"

# The seed's service line for ntpd, unchanged: daemon mode, pid file, -g, -u.
"$BUILD/stratumd" -p "$T_TMP/ntpd.pid" -g -u 65534:65534 -c "$conf" 2>"$T_TMP/c.err"
rc=$?
C=$(cat "$T_TMP/ntpd.pid" 2>/dev/null)
[ -n "$C" ] && T_PIDS="$T_PIDS $C"
check "ntpd's 'ntpd -p PIDFILE -g -u 65534:65534' starts it (exit $rc, pid $C)" \
	test $rc -eq 0 -a -n "$C" -a -d "/proc/$C"
check "detached: the pid file's process runs as uid 65534" \
	test "$(status "$C" Uid | cut -f1)" = 65534
[ -n "$C" ] && kill "$C"

out=$(setpriv --reuid 65534 --regid 65534 --clear-groups \
	"$BUILD/stratumd" -c "$conf" 2>&1)
rc=$?
check "port 123 without privilege: exit $rc, in words" \
	test $rc -eq 1 -a -n "$(grep 'port 123 needs root or CAP_NET_BIND_SERVICE' <<<"$out")"

# Detaching under the seccomp filter: stdio goes to /dev/null after the
# filter is on, so dup2 must be allowed (it once killed the daemon).
"$BUILD/stratumd" -F 1 -p "$T_TMP/f.pid" -c "$conf" >"$T_TMP/f.log" 2>&1
rc=$?
F=$(cat "$T_TMP/f.pid" 2>/dev/null)
[ -n "$F" ] && T_PIDS="$T_PIDS $F"
sleep 1
check "detached under -F 1: start exits 0 (exit $rc) and the daemon runs" \
	test $rc -eq 0 -a -n "$F" -a -d "/proc/${F:-none}"
[ -n "$F" ] && kill "$F" 2>/dev/null

out=$("$BUILD/stratumd" -d -u no-such-user-here -c "$conf" 2>&1)
rc=$?
check "unknown user refused before start (exit $rc): $(head -n1 <<<"$out")" \
	test $rc -ne 0 -a -n "$(grep 'unknown user' <<<"$out")"
finish
