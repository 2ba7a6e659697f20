#!/bin/bash
# SPDX-License-Identifier: ISC
# NTS (RFC 8915) against chrony 4.3 and NTPsec 1.2.2, with a CA made here
# by openssl (certificates for IP 127.0.0.1 and the name nts.test):
#  1. stratumd as NTS server (ntsservercert/ntsserverkey, NTP on port
#     11123, sent to clients in the KE Port record): chronyd's NTS client
#     and NTPsec's NTS client synchronize to it authenticated, as their
#     own views say (chronyc authdata/ntpdata, ntpq as/rv);
#  2. the KE listener refuses TLS 1.2 and a wrong ALPN;
#  3. cookie keys in ntsdumpdir survive a restart (chronyd keeps its
#     cookies, no NAK, no new KE); without them the restarted server
#     answers old cookies with an NTS NAK and chronyd does a new KE.
# Everything runs in a private user + network namespace (ns_enter).

source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../pki.sh"
ns_enter "$@"

peer_paths
SD_PORT=11123
PKI=$T_TMP/pki

CHECKS=(
	"stratumd starts an NTS-KE listener on 127.0.0.1 port 4460"
	"chronyd NTS client: authdata mode NTS with 8 cookies"
	"chronyd NTS client selects stratumd (^*), Authenticated: Yes"
	"NTPsec NTS client: auth ok, sys.peer, 8 cookies, NTP port from the KE"
	"TLS 1.2 is refused by the KE listener"
	"a client offering only another ALPN is refused"
	"cookie keys saved in ntsdumpdir, mode 0600"
	"after a restart with ntsdumpdir chronyd's cookies still work (no NAK, no new KE)"
	"after a restart without saved keys: NTS NAK, then a new KE and authenticated again"
)
skip_all_without_peers "${CHECKS[@]}"

if ! { pki_ca "$PKI" && pki_cert "$PKI" server "DNS:nts.test,IP:127.0.0.1"; }; then
	for c in "${CHECKS[@]}"; do fail "$c (openssl could not make the CA)"; done
	diag "$PKI/openssl.log"
	finish
	exit
fi

SD_CONF_BASE="port $SD_PORT
interface ignore all
interface listen 127.0.0.1
clock none
local stratum 10
seccomp 1
ntsservercert $PKI/server.pem
ntsserverkey $PKI/server.key"

# ---------------------------------------------------------------------
# 1. stratumd serves NTS; chronyd and NTPsec are its clients.

mkdir -p "$T_TMP/dump"
if start_stratumd sd "$SD_CONF_BASE
ntsdumpdir $T_TMP/dump" &&
	wait_for_log "$SD_LOG" "nts: key exchange on 127.0.0.1 port 4460" 5; then
	ok "${CHECKS[0]}"
else
	fail "${CHECKS[0]}"
	diag "$SD_LOG"
fi

CL_SOCK=$T_TMP/chronyd.sock
cat >"$T_TMP/chronyd.conf" <<EOF
server 127.0.0.1 nts port $SD_PORT iburst minpoll -1 maxpoll 0
ntstrustedcerts $PKI/ca.pem
port 0
cmdport 0
bindcmdaddress $CL_SOCK
pidfile $T_TMP/chronyd.pid
EOF
start_bg "$T_TMP/chronyd.log" "$CHRONYD" -x -d -u root -f "$T_TMP/chronyd.conf"
CH_PID=$BG_PID
chronyc() { timeout 5 "$CHRONYC" -h "$CL_SOCK" -n "$@"; }
# authdata columns: name mode keyid type klen last atmp nak cook clen
auth_field() { chronyc authdata 2>/dev/null | awk -v f="$1" '$1 == "127.0.0.1" { print $f }'; }
ch_synced() {
	chronyc sources 2>/dev/null | grep -q '^\^\* *127\.0\.0\.1 ' &&
		[ "$(auth_field 2)" = NTS ] && [ "$(auth_field 9)" = 8 ]
}
if wait_until 20 "$CH_PID" ch_synced; then
	chronyc authdata | sed 's/^/  # chronyc: /'
	ok "${CHECKS[1]}"
	if chronyc ntpdata | grep -q '^Authenticated *: Yes'; then
		ok "${CHECKS[2]}"
	else
		fail "${CHECKS[2]}"
		chronyc ntpdata | sed 's/^/  # /'
	fi
else
	fail "${CHECKS[1]}"
	fail "${CHECKS[2]}"
	chronyc authdata | sed 's/^/  # /'
	diag "$T_TMP/chronyd.log" "$SD_LOG"
fi

# NTPsec: its server line has no port option; the KE's Port record
# sends it to 11123.  It binds port 123 itself (nobody else has it).
printf '%s\n' "server 127.0.0.1 nts ca $PKI/ca.pem iburst minpoll 0 maxpoll 0" \
	"restrict default nomodify" "restrict 127.0.0.1" >"$T_TMP/ntpd.conf"
start_bg "$T_TMP/ntpd.log" "$NTPD" -n -c "$T_TMP/ntpd.conf"
N_PID=$BG_PID
ntpd_synced() {
	ntpq -c as 127.0.0.1 2>/dev/null | grep -qE ' ok +sys\.peer'
}
if wait_until 30 "$N_PID" ntpd_synced &&
	rv=$(ntpq -c "rv &1 srcport,ntscookies,keyid" 127.0.0.1 2>&1) &&
	grep -q 'ntscookies=8' <<<"$rv" && grep -q "srcport=$SD_PORT" <<<"$rv"; then
	ntpq -c as 127.0.0.1 | sed 's/^/  # ntpq: /'
	echo "$rv" | sed 's/^/  # ntpq: /'
	ok "${CHECKS[3]}"
else
	fail "${CHECKS[3]}"
	ntpq -c as -c "rv &1" 127.0.0.1 2>&1 | sed 's/^/  # /'
	diag "$T_TMP/ntpd.log"
fi
stop_bg "$N_PID"

# ---------------------------------------------------------------------
# 2. TLS 1.3 and ALPN ntske/1 only.

s_client() {
	timeout 5 openssl s_client -connect 127.0.0.1:4460 -CAfile "$PKI/ca.pem" \
		"$@" </dev/null >"$T_TMP/s_client.out" 2>&1
}
if ! s_client -tls1_2 -alpn ntske/1; then
	ok "${CHECKS[4]}"
else
	fail "${CHECKS[4]}"
	diag "$T_TMP/s_client.out"
fi
if ! s_client -tls1_3 -alpn ntske/2 && s_client -tls1_3 -alpn ntske/1; then
	ok "${CHECKS[5]}"
else
	fail "${CHECKS[5]} (or ntske/1 itself failed)"
	diag "$T_TMP/s_client.out"
fi

# ---------------------------------------------------------------------
# 3. Restarts: with the saved keys, and without.

mode=$(stat -c %a "$T_TMP/dump/ntskeys" 2>/dev/null)
check "${CHECKS[6]} (mode $mode)" test "$mode" = 600

good_rx() { chronyc ntpdata 2>/dev/null | awk '/^Total good RX/ { print $5 }'; }
stop_bg "$SD_PID"
start_stratumd sd2 "$SD_CONF_BASE
ntsdumpdir $T_TMP/dump"
rx0=$(good_rx)
more_rx() { [ "$(good_rx)" -ge $((rx0 + 3)) ]; }
if wait_until 15 "$CH_PID" more_rx && [ "$(auth_field 8)" = 0 ] &&
	! grep -q "key exchange with" "$SD_LOG" &&
	grep -q "cookie keys read from" "$SD_LOG"; then
	ok "${CHECKS[7]}"
else
	fail "${CHECKS[7]}"
	chronyc authdata | sed 's/^/  # /'
	diag "$SD_LOG"
fi

stop_bg "$SD_PID"
start_stratumd sd3 "$SD_CONF_BASE"
# chronyd counts KEs in its KeyID column (its NAK column restarts at 0
# with each KE); the NAK is counted by stratumd, logged at exit.
rekeyed() { [ "$(auth_field 3)" -ge 2 ] 2>/dev/null && ch_synced; }
rekeyed_ok=0
wait_until 20 "$CH_PID" rekeyed && rekeyed_ok=1
chronyc authdata | sed 's/^/  # chronyc: /'
stop_bg "$SD_PID"
grep "NTS requests:" "$SD_LOG" | sed 's/^.*: nts: /  # stratumd: /'
if [ "$rekeyed_ok" = 1 ] && grep -q " [1-9][0-9]* NTS NAKs" "$SD_LOG" &&
	grep -q "key exchange with 127.0.0.1: answered" "$SD_LOG"; then
	ok "${CHECKS[8]}"
else
	fail "${CHECKS[8]}"
	diag "$SD_LOG"
fi

finish
